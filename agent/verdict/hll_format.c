// SPDX-License-Identifier: GPL-2.0-only
/*
 * The storage bytes of a sketch (postgresql-hll's STORAGE.markdown, schema
 * version 1): writing as the extension writes, and reading untrusted bytes.
 * The sketch itself is hll.c.
 */
#include "verdict/hll.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define HDR 3

static uint32_t nregs(const struct ew_hll *h)
{
	return 1u << h->log2m;
}

static uint32_t filled(const struct ew_hll *h)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < nregs(h); i++)
		n += h->regs[i] != 0;
	return n;
}

static bool write_sparse(const struct ew_hll *h, uint32_t nfilled)
{
	uint64_t sparse_bits = (uint64_t)nfilled * (h->log2m + h->regwidth);
	uint64_t full_bits = (uint64_t)nregs(h) * h->regwidth;

	if (!h->sparse_on)
		return false;
	if (h->max_sparse >= 0)
		return nfilled <= (uint32_t)h->max_sparse;
	return sparse_bits < full_bits;
}

enum ew_hll_type ew_hll_type(const struct ew_hll *h)
{
	if (h->kind != EW_HLL_FULL)
		return (enum ew_hll_type)h->kind;
	return write_sparse(h, filled(h)) ? EW_HLL_SPARSE : EW_HLL_FULL;
}

static size_t size_for(const struct ew_hll *h, uint32_t nfilled)
{
	switch (h->kind) {
	case EW_HLL_EXPLICIT:
		return HDR + (size_t)h->nexpl * 8;
	case EW_HLL_FULL:
		if (write_sparse(h, nfilled))
			return HDR + ((size_t)nfilled * (h->log2m + h->regwidth) + 7) / 8;
		return HDR + ((size_t)nregs(h) * h->regwidth + 7) / 8;
	default:
		return HDR;
	}
}

size_t ew_hll_size(const struct ew_hll *h)
{
	return size_for(h, h->kind == EW_HLL_FULL ? filled(h) : 0);
}

/* Short-words go high bits first from the top of each byte (the format's bit order). */
static void put_bits(uint8_t *buf, uint64_t pos, unsigned n, uint32_t v)
{
	while (n--) {
		if ((v >> n) & 1)
			buf[pos >> 3] |= (uint8_t)(0x80u >> (pos & 7));
		pos++;
	}
}

static uint32_t get_bits(const uint8_t *buf, uint64_t pos, unsigned n)
{
	uint32_t v = 0;

	while (n--) {
		v = (v << 1) | ((buf[pos >> 3] >> (7 - (pos & 7))) & 1);
		pos++;
	}
	return v;
}

ssize_t ew_hll_write(const struct ew_hll *h, uint8_t *out, size_t cap)
{
	uint32_t nfilled = h->kind == EW_HLL_FULL ? filled(h) : 0;
	size_t size = size_for(h, nfilled);
	uint8_t type = h->kind;
	uint64_t pos = 0;

	if (cap < size)
		return -ENOSPC;
	if (h->kind == EW_HLL_FULL && write_sparse(h, nfilled))
		type = EW_HLL_SPARSE;
	memset(out, 0, size);
	out[0] = (uint8_t)(0x10 | type);
	out[1] = (uint8_t)(((h->regwidth - 1) << 5) | h->log2m);
	out[2] = (uint8_t)((h->sparse_on ? 0x40 : 0) | h->cutoff);
	if (type == EW_HLL_EXPLICIT) {
		for (uint32_t i = 0; i < h->nexpl; i++)
			for (int b = 0; b < 8; b++)
				out[HDR + i * 8 + b] = (uint8_t)(h->expl[i] >> (56 - 8 * b));
	} else if (type == EW_HLL_SPARSE) {
		for (uint32_t i = 0; i < nregs(h); i++) {
			if (!h->regs[i])
				continue;
			put_bits(out + HDR, pos, h->log2m + h->regwidth,
				 (i << h->regwidth) | h->regs[i]);
			pos += h->log2m + h->regwidth;
		}
	} else if (type == EW_HLL_FULL) {
		for (uint32_t i = 0; i < nregs(h); i++)
			put_bits(out + HDR, (uint64_t)i * h->regwidth, h->regwidth, h->regs[i]);
	}
	return (ssize_t)size;
}

static int parse_explicit(struct ew_hll *h, const uint8_t *d, size_t n, char *err, size_t errlen)
{
	if (n % 8) {
		ew_seterr(err, errlen,
			  "EXPLICIT data of %zu bytes is not a whole number of 8-byte values", n);
		return -EINVAL;
	}
	if (n / 8 > EW_HLL_EXPLICIT_MAX) {
		ew_seterr(err, errlen, "EXPLICIT with %zu values: more than the %d held here",
			  n / 8, EW_HLL_EXPLICIT_MAX);
		return -ERANGE;
	}
	h->kind = EW_HLL_EXPLICIT; /* with no values too: the extension keeps that type */
	if (!n)
		return 0;
	h->expl = malloc(n);
	if (!h->expl)
		return -ENOMEM;
	h->expl_cap = h->nexpl = (uint32_t)(n / 8);
	for (uint32_t i = 0; i < h->nexpl; i++) {
		uint64_t v = 0;

		for (int b = 0; b < 8; b++)
			v = (v << 8) | d[i * 8 + b];
		if (i && (int64_t)v <= (int64_t)h->expl[i - 1]) {
			ew_seterr(err, errlen, "EXPLICIT value %u is not above the one before it",
				  i);
			return -EINVAL;
		}
		h->expl[i] = v;
	}
	return 0;
}

static int parse_regs(struct ew_hll *h, uint8_t type, const uint8_t *d, size_t n, char *err,
		      size_t errlen)
{
	unsigned w = h->regwidth, chunk = h->log2m + h->regwidth;
	uint64_t bits = (uint64_t)n * 8, count;

	if (type == EW_HLL_FULL && n != ((uint64_t)nregs(h) * w + 7) / 8) {
		ew_seterr(err, errlen,
			  "FULL data of %zu bytes, %llu expected for 2^%u registers of %u bits", n,
			  (unsigned long long)(((uint64_t)nregs(h) * w + 7) / 8), h->log2m, w);
		return -EINVAL;
	}
	count = type == EW_HLL_FULL ? nregs(h) : bits / chunk;
	if (type == EW_HLL_SPARSE && (bits - count * chunk >= 8 || count > nregs(h))) {
		ew_seterr(err, errlen,
			  "SPARSE data of %zu bytes is not whole %u-bit register pairs", n, chunk);
		return -EINVAL;
	}
	h->regs = calloc(nregs(h), 1);
	if (!h->regs)
		return -ENOMEM;
	h->kind = EW_HLL_FULL;
	for (uint64_t i = 0; i < count; i++) {
		if (type == EW_HLL_FULL) {
			h->regs[i] = (uint8_t)get_bits(d, i * w, w);
		} else {
			uint32_t sw = get_bits(d, i * chunk, chunk);
			uint32_t idx = sw >> w;
			static const uint32_t none = UINT32_MAX;
			uint32_t prev = i ? get_bits(d, (i - 1) * chunk, chunk) >> w : none;

			/* Padding to a whole byte (under 8 bits) can hold one more, all-zero, pair.
			 */
			if (!sw && i == count - 1 && bits - i * chunk < 8)
				break;
			if (i && idx <= prev) {
				ew_seterr(err, errlen,
					  "SPARSE register %u follows register %u: not ascending",
					  idx, prev);
				return -EINVAL;
			}
			if (!(sw & ((1u << w) - 1))) {
				ew_seterr(err, errlen, "SPARSE register %u is written with value 0",
					  idx);
				return -EINVAL;
			}
			h->regs[idx] = (uint8_t)(sw & ((1u << w) - 1));
		}
	}
	return 0;
}

int ew_hll_parse(struct ew_hll *h, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	uint8_t type, cutoff;
	unsigned log2m, w;
	int r;

	*h = (struct ew_hll){.kind = EW_HLL_EMPTY, .max_sparse = -1};
	if (len < HDR) {
		ew_seterr(err, errlen, "%zu bytes: shorter than the 3-byte header", len);
		return -EINVAL;
	}
	if (buf[0] >> 4 != 1) {
		ew_seterr(err, errlen, "schema version %u, only 1 is known", buf[0] >> 4);
		return -EINVAL;
	}
	type = buf[0] & 0xf;
	w = (buf[1] >> 5) + 1;
	log2m = buf[1] & 0x1f;
	cutoff = buf[2] & 0x3f;
	if (type > EW_HLL_FULL) {
		ew_seterr(err, errlen, "type %u is not one of the format's 0-4", type);
		return -EINVAL;
	}
	if (buf[2] & 0x80) {
		ew_seterr(err, errlen, "the cutoff byte's padding bit is set");
		return -EINVAL;
	}
	if (cutoff > 31 && cutoff != 63) {
		ew_seterr(err, errlen, "explicit cutoff %u: the format allows 0, 1-31 or 63",
			  cutoff);
		return -EINVAL;
	}
	if (log2m < EW_HLL_LOG2M_MIN || log2m > 31) {
		ew_seterr(err, errlen, "log2m %u: the format allows 4-31", log2m);
		return -EINVAL;
	}
	if (log2m > EW_HLL_LOG2M_MAX) {
		ew_seterr(err, errlen, "log2m %u: more registers than the %d held here", log2m,
			  EW_HLL_LOG2M_MAX);
		return -ERANGE;
	}
	h->log2m = (uint8_t)log2m;
	h->regwidth = (uint8_t)w;
	h->cutoff = cutoff;
	h->sparse_on = (buf[2] >> 6) & 1;
	if (type <= EW_HLL_EMPTY) {
		if (len != HDR) {
			ew_seterr(err, errlen, "%s with %zu data bytes, none allowed",
				  type ? "EMPTY" : "UNDEFINED", len - HDR);
			return -EINVAL;
		}
		h->kind = type;
		return 0;
	}
	if (type == EW_HLL_EXPLICIT)
		r = parse_explicit(h, buf + HDR, len - HDR, err, errlen);
	else
		r = parse_regs(h, type, buf + HDR, len - HDR, err, errlen);
	if (r) {
		ew_hll_free(h);
		return r;
	}
	return 0;
}
