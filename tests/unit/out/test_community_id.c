// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "out/community_id.h"
#include "util/sha1.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_sha1(const void *in, size_t n, const char *want)
{
	uint8_t d[EW_SHA1_LEN];
	char h[41];

	ew_sha1(in, n, d);
	hex(d, sizeof(d), h);
	cr_assert_str_eq(h, want, "sha1 of %zu bytes", n);
}

Test(sha1, fips180_abc)
{
	check_sha1("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

Test(sha1, fips180_empty)
{
	check_sha1("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

Test(sha1, fips180_448_bits)
{
	/* 56 bytes: the padding needs a second block. */
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	check_sha1(m, strlen(m), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

Test(sha1, fips180_896_bits)
{
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	check_sha1(m, strlen(m), "a49b2446a02c645bf419f995b67091253a04a259");
}

Test(sha1, million_a)
{
	static char m[1000000];

	memset(m, 'a', sizeof(m));
	check_sha1(m, sizeof(m), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

Test(sha1, every_length_around_block_edges_differs)
{
	/* 55/56/63/64/65 bytes take different padding paths; known digests. */
	char m[65];

	memset(m, 'a', sizeof(m));
	check_sha1(m, 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a");
	check_sha1(m, 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699");
	check_sha1(m, 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

/* The CPU's SHA extensions and the portable rounds give the same digests
 * (the tests above run whichever this CPU picks; this one runs both). */
Test(sha1, extensions_and_portable_rounds_agree)
{
	uint8_t m[300], a[EW_SHA1_LEN], b[EW_SHA1_LEN];
	bool was = ew_sha1_use_ni(false);

	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof(m); n++) {
		ew_sha1_use_ni(false);
		ew_sha1(m, n, a);
		ew_sha1_use_ni(true);
		ew_sha1(m, n, b);
		cr_assert_eq(memcmp(a, b, sizeof(a)), 0, "%zu bytes", n);
	}
	ew_sha1_use_ni(false);
	check_sha1("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
	ew_sha1_use_ni(was);
}

static void addr(const char *s, uint8_t out[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return;
	}
	cr_assert_eq(inet_pton(AF_INET6, s, out), 1, "bad test address %s", s);
}

struct vec {
	uint16_t seed;
	uint8_t proto;
	const char *sa;
	uint16_t sp;
	const char *da;
	uint16_t dp;
	const char *want;
};

/*
 * From the spec repository's baseline/baseline_deflt.json and
 * baseline_seed1.json. For the ICMPs the baseline lists (type, counterpart)
 * for request/reply pairs; our API takes (type, code), code 0 here.
 */
static const struct vec vecs[] = {
    {0, 6, "128.232.110.120", 34855, "66.35.250.204", 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {0, 6, "66.35.250.204", 80, "128.232.110.120", 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {1, 6, "128.232.110.120", 34855, "66.35.250.204", 80, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {0, 17, "192.168.1.52", 54585, "8.8.8.8", 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {0, 17, "8.8.8.8", 53, "192.168.1.52", 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {1, 17, "192.168.1.52", 54585, "8.8.8.8", 53, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {0, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {0, 6, "2607:f8b0:400c:c03::1a", 25, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {1, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25,
     "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {0, 132, "192.168.170.8", 7, "192.168.170.56", 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {0, 132, "192.168.170.56", 7, "192.168.170.8", 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    /* RSVP: no ports in the hash, whatever the caller passes. */
    {0, 46, "10.1.12.1", 0, "10.1.12.2", 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    {0, 46, "10.1.12.2", 1234, "10.1.12.1", 99, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    /* ICMP echo request and its reply. */
    {0, 1, "192.168.0.89", 8, "192.168.0.1", 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {0, 1, "192.168.0.1", 0, "192.168.0.89", 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    /* ICMP time exceeded: one-way, type 11 code 0, never reordered. */
    {0, 1, "10.0.0.1", 11, "10.0.0.2", 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="},
    /* ICMPv6 neighbor solicitation/advertisement, both directions. */
    {0, 58, "fe80::200:86ff:fe05:80da", 135, "fe80::260:97ff:fe07:69ea", 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {0, 58, "fe80::260:97ff:fe07:69ea", 136, "fe80::200:86ff:fe05:80da", 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {0, 58, "fe80::260:97ff:fe07:69ea", 135, "fe80::200:86ff:fe05:80da", 0,
     "1:zavyT/cezQr1fmImYCwYnMXbgck="},
    /* ICMPv6 destination unreachable (type 1 code 4): one-way. */
    {0, 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", 1, "3ffe:507:0:1:200:86ff:fe05:80da", 4,
     "1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
    {0, 58, "fe80::200:86ff:fe05:80da", 133, "ff02::2", 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
};

Test(community_id, spec_baseline)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		uint8_t sa[16], da[16];
		char out[EW_COMMUNITY_ID_LEN];

		addr(v->sa, sa);
		addr(v->da, da);
		cr_assert_eq(ew_community_id(v->seed, v->proto, sa, v->sp, da, v->dp, out), 0);
		cr_expect_str_eq(out, v->want, "%s:%u -> %s:%u proto %u seed %u", v->sa, v->sp,
				 v->da, v->dp, v->proto, v->seed);
	}
}

Test(community_id, equal_addresses_order_by_port)
{
	uint8_t a[16];
	char x[EW_COMMUNITY_ID_LEN], y[EW_COMMUNITY_ID_LEN], z[EW_COMMUNITY_ID_LEN];

	addr("127.0.0.1", a);
	cr_assert_eq(ew_community_id(0, 6, a, 40000, a, 443, x), 0);
	cr_assert_eq(ew_community_id(0, 6, a, 443, a, 40000, y), 0);
	cr_assert_eq(ew_community_id(0, 6, a, 443, a, 40001, z), 0);
	cr_assert_str_eq(x, y);
	cr_assert_str_neq(x, z);
	cr_assert_eq(strlen(x), 30);
}

Test(community_id, mixed_families_rejected)
{
	uint8_t a[16], b[16];
	char out[EW_COMMUNITY_ID_LEN];

	addr("10.0.0.1", a);
	addr("2001:db8::1", b);
	cr_assert_eq(ew_community_id(0, 6, a, 1, b, 2, out), -EINVAL);
}
