// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "out/record_ip.h"

static void expect_as_inet_ntop(const uint8_t a[16])
{
	char got[64], want[64];

	if (a[10] == 0xff && a[11] == 0xff && !memcmp(a, "\0\0\0\0\0\0\0\0\0\0", 10))
		inet_ntop(AF_INET, a + 12, want, sizeof(want));
	else
		inet_ntop(AF_INET6, a, want, sizeof(want));
	ew_record_ip(a, got, sizeof(got));
	cr_assert_str_eq(got, want);
}

/* Every pattern of zero and non-zero groups (runs of "::", ties, the dotted
 * forms), with small and large group values, as libc writes them. */
Test(record_ip, every_zero_group_pattern_as_inet_ntop)
{
	static const uint16_t vals[] = {1, 0xa, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x2001};
	uint8_t a[16];

	for (unsigned int mask = 0; mask < 256; mask++) {
		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			for (int i = 0; i < 8; i++) {
				uint16_t g =
				    mask & 1u << i ? (uint16_t)(vals[(v + (size_t)i) % 8]) : 0;

				a[2 * i] = (uint8_t)(g >> 8);
				a[2 * i + 1] = (uint8_t)g;
			}
			expect_as_inet_ntop(a);
		}
	}
}

Test(record_ip, mapped_compatible_and_edge_addresses)
{
	static const char *const in[] = {
	    "::",	  "::1",      "::ffff:1.2.3.4", "::1.2.3.4",	   "::ffff:0.0.0.0",
	    "::0:1:2",	  "1::",      "1:0:0:1::",	"1:0:0:1:0:0:1:0", "fe80::1:0:0:1",
	    "2001:db8::", "ff02::fb", "::ffff:0:1",	"::fffe:1.2.3.4",  "0:0:0:0:0:1:1.2.3.4",
	};
	uint8_t a[16];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		cr_assert_eq(inet_pton(AF_INET6, in[i], a), 1, "%s", in[i]);
		expect_as_inet_ntop(a);
	}
}

/* The length returned is the text's, for the record's in-place members. */
Test(record_ip, text_length_is_returned)
{
	uint8_t a[16] = {0};
	char buf[64];

	a[10] = a[11] = 0xff;
	a[12] = 198, a[13] = 18, a[14] = 100, a[15] = 7;
	cr_assert_eq(ew_record_ip_text(a, buf, sizeof(buf)), strlen("198.18.100.7"));
	cr_assert_str_eq(buf, "198.18.100.7");
	memset(a, 0, sizeof(a));
	a[0] = 0x20, a[1] = 0x01, a[15] = 1;
	cr_assert_eq(ew_record_ip_text(a, buf, sizeof(buf)), strlen("2001::1"));
	cr_assert_str_eq(buf, "2001::1");
}
