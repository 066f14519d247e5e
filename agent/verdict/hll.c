// SPDX-License-Identifier: GPL-2.0-only
/*
 * The storage format is postgresql-hll's STORAGE.markdown, schema version 1;
 * where the format leaves a choice to the implementation (the automatic
 * EXPLICIT threshold, when to write SPARSE, the estimator) this follows what
 * the extension does, so that its hll_add() and hll_union() of the same
 * inputs give the same bytes.
 */
#include "verdict/hll.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint32_t nregs(const struct ew_hll *h)
{
	return 1u << h->log2m;
}

/* The most EXPLICIT values before registers; "auto" is as many as fit in FULL's bytes. */
static uint32_t explicit_max(const struct ew_hll *h)
{
	uint64_t v;

	if (h->cutoff == 63)
		v = ((uint64_t)h->regwidth * nregs(h) + 7) / 8 / 8;
	else if (h->cutoff == 0)
		v = 0;
	else
		v = 1ull << (h->cutoff - 1);
	return v > EW_HLL_EXPLICIT_MAX ? EW_HLL_EXPLICIT_MAX : (uint32_t)v;
}

static int encode_expthresh(int64_t e, uint8_t *cutoff)
{
	if (e == -1) {
		*cutoff = 63;
		return 0;
	}
	if (e == 0) {
		*cutoff = 0;
		return 0;
	}
	if (e < 0 || e > EW_HLL_EXPLICIT_MAX || (e & (e - 1)))
		return -EINVAL;
	*cutoff = (uint8_t)(__builtin_ctzll((uint64_t)e) + 1);
	return 0;
}

int ew_hll_init(struct ew_hll *h, unsigned log2m, unsigned regwidth, int64_t expthresh,
		bool sparse_on)
{
	uint8_t cutoff;

	if (log2m < EW_HLL_LOG2M_MIN || log2m > EW_HLL_LOG2M_MAX || regwidth < 1 || regwidth > 8 ||
	    encode_expthresh(expthresh, &cutoff))
		return -EINVAL;
	*h = (struct ew_hll){.log2m = (uint8_t)log2m,
			     .regwidth = (uint8_t)regwidth,
			     .cutoff = cutoff,
			     .sparse_on = sparse_on,
			     .max_sparse = -1,
			     .kind = EW_HLL_EMPTY};
	return 0;
}

void ew_hll_free(struct ew_hll *h)
{
	free(h->expl);
	free(h->regs);
	h->expl = NULL;
	h->regs = NULL;
	h->nexpl = h->expl_cap = 0;
	h->kind = EW_HLL_EMPTY;
}

double ew_hll_std_error(unsigned log2m)
{
	return 1.04 / sqrt(ldexp(1.0, (int)log2m));
}

static void reg_add(const struct ew_hll *h, uint8_t *regs, uint64_t v)
{
	uint64_t rest = v >> h->log2m;
	unsigned pw = rest ? (unsigned)__builtin_ctzll(rest) + 1 : 0;
	unsigned max = (1u << h->regwidth) - 1;
	uint32_t i = (uint32_t)(v & (nregs(h) - 1));

	if (pw > max)
		pw = max;
	if (regs[i] < pw)
		regs[i] = (uint8_t)pw;
}

/* Registers holding what @h holds now (EMPTY or EXPLICIT), not yet installed. */
static uint8_t *regs_of(const struct ew_hll *h)
{
	uint8_t *regs = calloc(nregs(h), 1);

	if (!regs)
		return NULL;
	for (uint32_t i = 0; i < h->nexpl; i++)
		reg_add(h, regs, h->expl[i]);
	return regs;
}

static void install_regs(struct ew_hll *h, uint8_t *regs)
{
	free(h->expl);
	h->expl = NULL;
	h->nexpl = h->expl_cap = 0;
	h->regs = regs;
	h->kind = EW_HLL_FULL;
}

/* The extension orders EXPLICIT values as signed 64-bit integers. */
static size_t lower_bound(const uint64_t *a, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((int64_t)a[mid] < (int64_t)v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ew_hll_add(struct ew_hll *h, uint64_t v)
{
	uint32_t max = explicit_max(h);
	size_t pos;

	switch (h->kind) {
	case EW_HLL_FULL:
		reg_add(h, h->regs, v);
		return 0;
	case EW_HLL_UNDEFINED:
		return 0;
	case EW_HLL_EMPTY:
	case EW_HLL_EXPLICIT:
		break;
	default:
		return -EINVAL;
	}
	pos = lower_bound(h->expl, h->nexpl, v);
	if (pos < h->nexpl && h->expl[pos] == v)
		return 0;
	if (h->nexpl >= max) {
		uint8_t *regs = regs_of(h);

		if (!regs)
			return -ENOMEM;
		reg_add(h, regs, v);
		install_regs(h, regs);
		return 0;
	}
	if (h->nexpl == h->expl_cap) {
		uint32_t cap = h->expl_cap ? h->expl_cap * 2 : 16;
		uint64_t *e;

		if (cap > max)
			cap = max;
		e = realloc(h->expl, (size_t)cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		h->expl = e;
		h->expl_cap = cap;
	}
	memmove(h->expl + pos + 1, h->expl + pos, (h->nexpl - pos) * sizeof(*h->expl));
	h->expl[pos] = v;
	h->nexpl++;
	h->kind = EW_HLL_EXPLICIT;
	return 0;
}

/* The extension's alpha_m * m^2, with its constants for small m, in its order of operations. */
static double alpha_mm(uint32_t m)
{
	switch (m) {
	case 16:
		return 0.673 * m * m;
	case 32:
		return 0.697 * m * m;
	case 64:
		return 0.709 * m * m;
	default:
		return (0.7213 / (1.0 + 1.079 / m)) * m * m;
	}
}

double ew_hll_cardinality(const struct ew_hll *h)
{
	uint32_t m = nregs(h), zeros = 0;
	double sum = 0.0, est, two_to_l;

	switch (h->kind) {
	case EW_HLL_EMPTY:
		return 0.0;
	case EW_HLL_EXPLICIT:
		return h->nexpl;
	case EW_HLL_FULL:
		break;
	default:
		return -1.0;
	}
	for (uint32_t i = 0; i < m; i++) {
		sum += ldexp(1.0, -(int)h->regs[i]);
		zeros += !h->regs[i];
	}
	est = alpha_mm(m) / sum;
	/* L: the bits a register's run and index can describe. */
	two_to_l = ldexp(1.0, (1 << h->regwidth) - 2 + h->log2m);
	if (zeros && est < 5.0 * m / 2.0)
		return m * log((double)m / zeros);
	if (est <= two_to_l / 30.0)
		return est;
	/* Past what the registers can describe (tiny regwidth): saturated, not NaN. */
	if (est >= two_to_l)
		return two_to_l;
	return -two_to_l * log(1.0 - est / two_to_l);
}

static bool same_params(const struct ew_hll *a, const struct ew_hll *b)
{
	return a->log2m == b->log2m && a->regwidth == b->regwidth && a->cutoff == b->cutoff &&
	       a->sparse_on == b->sparse_on;
}

int ew_hll_union(struct ew_hll *dst, const struct ew_hll *src)
{
	if (!same_params(dst, src))
		return -EINVAL;
	if (dst->kind == EW_HLL_UNDEFINED || src->kind == EW_HLL_UNDEFINED) {
		ew_hll_free(dst);
		dst->kind = EW_HLL_UNDEFINED;
		return 0;
	}
	if (src->kind == EW_HLL_EMPTY)
		return 0;
	if (src->kind == EW_HLL_FULL) {
		uint32_t m = nregs(dst);

		if (dst->kind != EW_HLL_FULL) {
			/* Registers of src plus dst's values: built aside, so ENOMEM changes
			 * nothing. */
			uint8_t *regs = regs_of(dst);

			if (!regs)
				return -ENOMEM;
			install_regs(dst, regs);
		}
		for (uint32_t i = 0; i < m; i++)
			if (dst->regs[i] < src->regs[i])
				dst->regs[i] = src->regs[i];
		return 0;
	}
	/* src EXPLICIT: its values one by one, as the extension unions them. */
	if (src == dst)
		return 0;
	for (uint32_t i = 0; i < src->nexpl; i++) {
		int r = ew_hll_add(dst, src->expl[i]);

		if (r)
			return r;
	}
	return 0;
}
