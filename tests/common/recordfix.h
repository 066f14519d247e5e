/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * recordfix.h - the kinds of flow and verdict the record writers' unit tests
 * cycle through, and their check that memoised fragments encode the same on
 * a hit as on the miss that made them.
 */
#ifndef EW_TEST_RECORDFIX_H
#define EW_TEST_RECORDFIX_H

#include <stddef.h>

#include "flow/flow.h"
#include "pipeline/eval.h"
#include "util/jsonw.h"

#define EW_TEST_TEXT_CAP 4096

/* Sets @f and @e to kind @i: protocol, family, direction, end, inspection, verdict. */
void ew_test_flow_kind(unsigned int i, struct ew_flow *f, struct ew_eval *e);

/* Writes kind @i's text into @out (@cap bytes) through @w. */
typedef void ew_test_encode_fn(struct ew_jsonw *w, unsigned int i, char *out, size_t cap);

/*
 * Encodes kinds 0..@n-1 into @first, then three more times in reverse order
 * (every memo slot evicted and refilled), failing unless each text is the
 * same as its first.
 */
void ew_test_same_on_hit_and_miss(ew_test_encode_fn *encode, unsigned int n,
				  char (*first)[EW_TEST_TEXT_CAP]);

#endif
