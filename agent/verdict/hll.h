/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hll.h - a HyperLogLog whose bytes are postgresql-hll's (the "hll"
 * extension's storage format, schema version 1), so a counter the agent
 * writes can be read, unioned and counted by that extension and its ports.
 *
 * The hierarchy is the format's: EMPTY, then EXPLICIT (the sorted distinct
 * 64-bit values themselves, exact) up to a threshold, then registers. The
 * registers are written as SPARSE (index/value pairs) while that is smaller
 * than FULL (every register), as the extension decides; in memory they are
 * one byte each. Values added are hashes already (the agent's keyed HMAC
 * hashes, uniformly random), used as the extension uses an hll_hashval: the
 * low log2m bits pick the register, the rest give the run of zeros.
 */
#ifndef EW_HLL_H
#define EW_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EW_HLL_LOG2M	    14 /* 16,384 registers: ~0.81% standard error */
#define EW_HLL_REGWIDTH	    5
#define EW_HLL_LOG2M_MIN    4
#define EW_HLL_LOG2M_MAX    17	  /* the extension's own limit (128 KiB of registers) */
#define EW_HLL_EXPLICIT_MAX 16384 /* explicit values held at most, here and there */

/* The format's type ordinals (low nibble of the first byte). */
enum ew_hll_type {
	EW_HLL_UNDEFINED = 0,
	EW_HLL_EMPTY = 1,
	EW_HLL_EXPLICIT = 2,
	EW_HLL_SPARSE = 3,
	EW_HLL_FULL = 4,
};

struct ew_hll {
	uint8_t log2m;
	uint8_t regwidth;
	uint8_t cutoff; /* the format's explicitCutoff: 0, 1..31, or 63 (auto) */
	bool sparse_on;
	int32_t max_sparse; /* -1: SPARSE while smaller than FULL; else at most this many filled */
	uint8_t kind;	    /* EW_HLL_UNDEFINED, _EMPTY, _EXPLICIT or _FULL (registers) */
	uint32_t nexpl;	    /* EXPLICIT: values held, ascending as signed 64-bit */
	uint32_t expl_cap;
	uint64_t *expl;
	uint8_t *regs; /* registers: 2^log2m bytes, when kind is EW_HLL_FULL */
};

/**
 * ew_hll_init() - an EMPTY sketch.
 * @log2m: registers as a power of two, EW_HLL_LOG2M_MIN..EW_HLL_LOG2M_MAX
 * @regwidth: bits per register, 1..8
 * @expthresh: as the extension's: -1 auto (as many values as fit in the FULL
 *             size), 0 no EXPLICIT, or a power of two up to EW_HLL_EXPLICIT_MAX
 * @sparse_on: whether SPARSE may be written
 *
 * The extension's defaults for its type are (11, 5, -1, true); the agent
 * uses (EW_HLL_LOG2M, EW_HLL_REGWIDTH, -1, true).
 * Return: 0, or -EINVAL for a parameter out of range.
 */
int ew_hll_init(struct ew_hll *h, unsigned log2m, unsigned regwidth, int64_t expthresh,
		bool sparse_on);

/** ew_hll_free() - release what @h holds; it is EMPTY again with its parameters. */
void ew_hll_free(struct ew_hll *h);

/**
 * ew_hll_add() - add one hashed value (the extension's hll_add with an
 * hll_hashval). Promotes EMPTY to EXPLICIT to registers as the format says.
 * Return: 0, or -ENOMEM (the sketch is unchanged).
 */
int ew_hll_add(struct ew_hll *h, uint64_t hash);

/**
 * ew_hll_cardinality() - the extension's estimate: exact for EMPTY and
 * EXPLICIT; for registers the HyperLogLog raw estimate with linear counting
 * below 5m/2 when a register is zero, and the large-range correction above
 * 2^L/30 (L = 2^regwidth - 2 + log2m). Return: the estimate, or -1.0 when
 * @h is UNDEFINED.
 */
double ew_hll_cardinality(const struct ew_hll *h);

/** ew_hll_std_error() - 1.04/sqrt(2^@log2m), the estimate's relative standard error. */
double ew_hll_std_error(unsigned log2m);

/**
 * ew_hll_union() - @dst becomes the union of @dst and @src (hll_union).
 * Return: 0, -EINVAL when their parameters differ (the extension refuses
 * these too), -ENOMEM (@dst is then unchanged).
 */
int ew_hll_union(struct ew_hll *dst, const struct ew_hll *src);

/**
 * ew_hll_type() - the type @h is written as: EXPLICIT, SPARSE or FULL are
 * decided as the extension decides them (SPARSE while sparse_on and its
 * bits are fewer than FULL's, or with max_sparse >= 0, while at most that
 * many registers are filled).
 */
enum ew_hll_type ew_hll_type(const struct ew_hll *h);

/** ew_hll_size() - the bytes ew_hll_write() writes for @h. */
size_t ew_hll_size(const struct ew_hll *h);

/**
 * ew_hll_write() - write @h in the storage format into @out.
 * Return: bytes written, or -ENOSPC when @cap is less than ew_hll_size().
 */
ssize_t ew_hll_write(const struct ew_hll *h, uint8_t *out, size_t cap);

/**
 * ew_hll_parse() - read @len bytes of the storage format into @h (which
 * need not be initialised; on success it holds memory to ew_hll_free()).
 * Untrusted input: every length, parameter, ordering and padding the format
 * fixes is checked, and @err says which was wrong.
 * Return: 0, -EINVAL (malformed: @h is left EMPTY-free, nothing to free),
 * -ERANGE (valid format, parameters this build does not hold: log2m above
 * EW_HLL_LOG2M_MAX, more than EW_HLL_EXPLICIT_MAX values), -ENOMEM.
 */
int ew_hll_parse(struct ew_hll *h, const uint8_t *buf, size_t len, char *err, size_t errlen);

#endif
