/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * digits.h - decimal digits of unsigned integers, written in place.
 *
 * Records carry a dozen integers each (ports, byte counts, durations,
 * timestamps), so their text is made without snprintf() and without a stack
 * buffer: the caller knows the length first (ew_digits_count()), reserves
 * it, and the digits are written from the last one back.
 */
#ifndef EW_DIGITS_H
#define EW_DIGITS_H

#include <stddef.h>
#include <stdint.h>

/* 10^i for i in 0..19: the thresholds ew_digits_count() compares with. */
extern const uint64_t ew_digits_p10[20];
/* "00" to "99": the two digits of i at 2 * i. */
extern const char ew_digits_pairs[201];

/**
 * ew_digits_count() - how many decimal digits @v has (1 for 0, 20 at most).
 * @v: the value
 *
 * Inline because it runs for every integer of every record: the bit length
 * gives the count or one short, and one comparison settles it.
 */
static inline size_t ew_digits_count(uint64_t v)
{
	size_t t = (size_t)((64 - __builtin_clzll(v | 1)) * 1233) >> 12;

	return t + (v >= ew_digits_p10[t]) + (v == 0);
}

/**
 * ew_digits_u64() - write the decimal digits of @v so that they end at @end.
 * @v: the value
 * @end: one past where the last digit goes; the ew_digits_count(@v) bytes
 *       before it must be writable
 *
 * No NUL is written.
 *
 * Return: where the first digit was written (@end - ew_digits_count(@v)).
 */
char *ew_digits_u64(uint64_t v, char *end);

/**
 * ew_digits_put() - write the decimal digits of @v at @p.
 * @p: where the first digit goes; ew_digits_count(@v) bytes must be writable
 * @v: the value
 *
 * Return: one past the last digit (no NUL is written).
 */
static inline char *ew_digits_put(char *p, uint64_t v)
{
	size_t n;

	/* An address's bytes, a well-known port, a small count: no call. */
	if (v < 1000) {
		unsigned int x = (unsigned int)v;

		if (x >= 100) {
			*p++ = (char)('0' + x / 100);
			x %= 100;
		} else if (x < 10) {
			*p = (char)('0' + x);
			return p + 1;
		}
		__builtin_memcpy(p, ew_digits_pairs + 2 * x, 2);
		return p + 2;
	}
	n = ew_digits_count(v);

	ew_digits_u64(v, p + n);
	return p + n;
}

#endif /* EW_DIGITS_H */
