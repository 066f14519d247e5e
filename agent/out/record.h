/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * record.h - flow records as ECS JSON, one object per line.
 * Field names are a public contract (schemas/record.schema.json).
 */
#ifndef EW_RECORD_H
#define EW_RECORD_H

#include <stdint.h>

#include "flow/flow.h"
#include "pipeline/eval.h"
#include "out/record_ip.h"
#include "out/record_owner.h"
#include "util/jsonw.h"

/**
 * ew_record_flow() - encode @f's record, as evaluated in @e, into @w (reset first).
 * @owners: the owners' fragments encoded before (NULL: encode them afresh)
 */
void ew_record_flow(struct ew_jsonw *w, struct ew_record_owners *owners, const char *hostname,
		    const struct ew_flow *f, const struct ew_eval *e);

#endif
