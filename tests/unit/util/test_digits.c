// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "util/digits.h"

/* Writes @v with ew_digits_u64() between guard bytes and checks it against printf. */
static void check(uint64_t v)
{
	char want[24], buf[32];
	size_t n = (size_t)snprintf(want, sizeof(want), "%" PRIu64, v);
	char *end = buf + 4 + n, *start;

	memset(buf, '#', sizeof(buf));
	cr_assert_eq(ew_digits_count(v), n, "count of %" PRIu64, v);
	start = ew_digits_u64(v, end);
	cr_assert_eq(start, buf + 4, "%" PRIu64 " starts %td early", v, buf + 4 - start);
	cr_assert_arr_eq(start, want, n, "%" PRIu64 " written as %.*s", v, (int)n, start);
	cr_assert_eq(buf[3], '#', "wrote before its first digit");
	cr_assert_eq(*end, '#', "wrote past its last digit");
}

Test(digits, every_power_of_ten_and_its_neighbours)
{
	uint64_t p = 1;

	check(0);
	for (int i = 0; i < 20; i++, p *= 10) {
		check(p - 1);
		check(p);
		check(p + 1);
		cr_assert_eq(ew_digits_p10[i], p);
	}
	check(UINT64_MAX);
	check(UINT64_MAX - 1);
}

/* Each block boundary of the eight-digit split, and zeros inside blocks. */
Test(digits, blocks_with_inner_zeros)
{
	check(100000000ull);
	check(100000001ull);
	check(10000000000000001ull);
	check(1234000056780000ull);
	check(9999999999999999ull);
	check(18000000000000000009ull);
}

Test(digits, agrees_with_printf_across_bit_lengths)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* every bit length equally often, not mostly 20-digit values */
		check(x >> (i % 64));
	}
}

/* ew_digits_put() writes forward: under 1000 without a call, then through
 * ew_digits_u64(); every value to 100000, each bit length after. */
static void check_put(uint64_t v)
{
	char want[24], buf[32], *end;
	size_t n = (size_t)snprintf(want, sizeof(want), "%" PRIu64, v);

	memset(buf, '#', sizeof(buf));
	end = ew_digits_put(buf + 1, v);
	cr_assert_eq(end, buf + 1 + n, "%" PRIu64 " ends %td off", v, end - (buf + 1 + n));
	cr_assert_arr_eq(buf + 1, want, n, "%" PRIu64 " put as %.*s", v, (int)n, buf + 1);
	cr_assert_eq(buf[0], '#', "wrote before its first digit");
	cr_assert_eq(*end, '#', "wrote past its last digit");
}

Test(digits, put_agrees_with_printf)
{
	for (uint64_t v = 0; v <= 100000; v++)
		check_put(v);
	for (int i = 0; i < 64; i++)
		check_put(UINT64_MAX >> i);
}
