// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "util/digits.h"

const uint64_t ew_digits_p10[20] = {
    1ull,
    10ull,
    100ull,
    1000ull,
    10000ull,
    100000ull,
    1000000ull,
    10000000ull,
    100000000ull,
    1000000000ull,
    10000000000ull,
    100000000000ull,
    1000000000000ull,
    10000000000000ull,
    100000000000000ull,
    1000000000000000ull,
    10000000000000000ull,
    100000000000000000ull,
    1000000000000000000ull,
    10000000000000000000ull,
};

const char ew_digits_pairs[201] = "00010203040506070809101112131415161718192021222324"
				  "25262728293031323334353637383940414243444546474849"
				  "50515253545556575859606162636465666768697071727374"
				  "75767778798081828384858687888990919293949596979899";

/* Exactly four digits of @v (< 10000), leading zeros included. */
static inline void put4(char *p, uint32_t v)
{
	memcpy(p, ew_digits_pairs + 2 * (v / 100), 2);
	memcpy(p + 2, ew_digits_pairs + 2 * (v % 100), 2);
}

/*
 * Blocks of eight digits split off with one 64-bit division, each block's
 * four pairs from 32-bit divisions that do not wait on each other: a
 * duration's ten or more digits used to be five divisions by 100 in a chain.
 */
char *ew_digits_u64(uint64_t v, char *end)
{
	uint32_t x;

	while (v >= 100000000) {
		uint32_t lo = (uint32_t)(v % 100000000);

		v /= 100000000;
		end -= 8;
		put4(end, lo / 10000);
		put4(end + 4, lo % 10000);
	}
	x = (uint32_t)v;
	if (x >= 10000) {
		end -= 4;
		put4(end, x % 10000);
		x /= 10000;
	}
	if (x >= 100) {
		end -= 2;
		memcpy(end, ew_digits_pairs + 2 * (x % 100), 2);
		x /= 100;
	}
	if (x >= 10) {
		end -= 2;
		memcpy(end, ew_digits_pairs + 2 * x, 2);
	} else {
		*--end = (char)('0' + x);
	}
	return end;
}
