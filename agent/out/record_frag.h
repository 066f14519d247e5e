/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * record_frag.h - runs of record members made only of a few small values
 * (the network's kind, the end, the verdict's names, an uninspected flow's
 * inspection) repeat record after record: each is encoded once per thread
 * and per value, by the same code as a miss, and copied after. The key is
 * everything the members are made of.
 */
#ifndef EW_RECORD_FRAG_H
#define EW_RECORD_FRAG_H

#include <stdint.h>

#include "util/jsonw.h"

#define EW_RECORD_FRAG_KINDS 8 /* memos: the caller numbers its kinds from 0 */

/* The record's kinds (record.c, record_egresswatch.c): one memo each. */
enum ew_record_frag_kind {
	EW_RECORD_FRAG_NETWORK,
	EW_RECORD_FRAG_END,
	EW_RECORD_FRAG_INSPECTION,
	EW_RECORD_FRAG_VERDICT,
};

struct ew_record_frag {
	uint64_t key; /* the values, plus one; 0: empty */
	uint32_t len;
	char text[180]; /* the members, without the braces */
};

typedef void (*ew_record_frag_fn)(struct ew_jsonw *w, const void *arg);

/**
 * ew_record_frag_get() - the memo of kind @which for @key, encoded by @fn
 * (called with @arg) if it was not there.
 * Return: the memo, or NULL when the members do not fit one (then @fn
 * must write them itself).
 */
const struct ew_record_frag *ew_record_frag_get(int which, uint64_t key, ew_record_frag_fn fn,
						const void *arg);

/** ew_record_frag_put() - the members of ew_record_frag_get() into @w, or @fn's own. */
void ew_record_frag_put(struct ew_jsonw *w, int which, uint64_t key, ew_record_frag_fn fn,
			const void *arg);

#endif
