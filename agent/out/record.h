/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * record.h - flow records as ECS JSON, one object per line.
 * Field names are a public contract (schemas/record.schema.json).
 */
#ifndef EW_RECORD_H
#define EW_RECORD_H

#include <stdint.h>

#include "geo/border.h"
#include "flow/flow.h"
#include "util/jsonw.h"
#include "names/names.h"
#include "proc/proc.h"

struct ew_record_ctx {
	struct ew_procs *procs;
	struct ew_names *names; /* peer names of flows; may be NULL */
	const char *hostname;
	int64_t realtime_offset_ns; /* wall clock = boottime + this */
};

/** ew_record_realtime() - the wall-clock time of a boottime stamp. */
int64_t ew_record_realtime(const struct ew_record_ctx *c, uint64_t boot_ns);

/** ew_record_flow() - encode @f's record as of @now_ns into @w (reset first). */
void ew_record_flow(struct ew_jsonw *w, const struct ew_record_ctx *c, const struct ew_flow *f,
		    const struct ew_place *place, uint64_t now_ns);

/** ew_record_ip() - text form of a 16-byte address (dotted quad for v4-mapped). */
const char *ew_record_ip(const uint8_t addr[16], char *buf, size_t len);

#endif
