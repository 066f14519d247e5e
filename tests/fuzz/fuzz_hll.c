// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for ew_hll_parse(): arbitrary bytes as postgresql-hll
 * storage. No crash; what parses writes back in the size it claims, and
 * writing is canonical (parse(write(x)) writes the same bytes again); the
 * estimate is a number; union with itself and adds keep all of that true.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "verdict/hll.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *written(const struct ew_hll *h, size_t *n)
{
	uint8_t *b;

	*n = ew_hll_size(h);
	b = malloc(*n);
	if (!b || ew_hll_write(h, b, *n) != (ssize_t)*n)
		abort();
	if (ew_hll_write(h, b, *n - 1) != -ENOSPC)
		abort();
	return b;
}

static void check(const struct ew_hll *h)
{
	double c = ew_hll_cardinality(h);

	if (isnan(c) || (c < 0 && !(c == -1.0 && h->kind == EW_HLL_UNDEFINED)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_hll h, g;
	char err[160];
	uint8_t *a, *b;
	size_t na, nb;
	int r = ew_hll_parse(&h, data, size, err, sizeof(err));

	if (r) {
		if ((r != -EINVAL && r != -ERANGE && r != -ENOMEM) || !err[0])
			abort();
		return 0;
	}
	check(&h);
	a = written(&h, &na);
	if (ew_hll_parse(&g, a, na, err, sizeof(err)))
		abort();
	b = written(&g, &nb);
	if (na != nb || memcmp(a, b, na) || ew_hll_cardinality(&g) != ew_hll_cardinality(&h))
		abort();
	if (ew_hll_union(&h, &g))
		abort();
	check(&h);
	for (size_t i = 0; i + 8 <= size && i < 256; i += 8) {
		uint64_t v;

		memcpy(&v, data + i, 8);
		if (ew_hll_add(&h, v))
			abort();
	}
	check(&h);
	free(a);
	a = written(&h, &na);
	free(a);
	free(b);
	ew_hll_free(&h);
	ew_hll_free(&g);
	return 0;
}
