/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * record_egresswatch.h - a flow record's "egresswatch" object: this host's
 * view of the flow (its id, end, byte counters, border and peer), how its
 * process was found, what inspection saw and what the policy says.
 * Field names are a public contract (schemas/record.schema.json).
 */
#ifndef EW_RECORD_EGRESSWATCH_H
#define EW_RECORD_EGRESSWATCH_H

#include <stddef.h>

#include "flow/flow.h"
#include "pipeline/eval.h"
#include "out/record_owner.h"
#include "util/jsonw.h"

/**
 * ew_record_egresswatch() - the member "egresswatch" of @f's record, as
 * evaluated in @e, written into the record's top-level object in @w.
 * @owner: what ew_record_owner_put() returned for @e's owner (unused when
 *         @e->owner is not known)
 * @rip: the peer's address, quoted (as the record's destination or source)
 * @rip_len: its length with the quotes
 */
void ew_record_egresswatch(struct ew_jsonw *w, const struct ew_flow *f, const struct ew_eval *e,
			   const struct ew_record_owner *owner, const char *rip, size_t rip_len);

#endif
