// SPDX-License-Identifier: GPL-2.0-only
/* The DNS cache: address → name until the answer expires; bounded, set-associative. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "names/dns_cache.h"
#include "names/names.h"

#define FAR  (1ull << 62)
#define WAYS 4 /* entries per set, as dns_cache.h describes: "set-associative" */

static struct ew_names *names;

static void setup(void)
{
	names = ew_names_new();
	cr_assert_not_null(names);
}

static void teardown(void)
{
	ew_names_free(names);
}

TestSuite(dns_cache, .init = setup, .fini = teardown);

static void v4(uint8_t out[16], unsigned int i)
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	out[12] = 203;
	out[13] = 0;
	out[14] = (uint8_t)(i >> 8);
	out[15] = (uint8_t)i;
}

static struct ew_dns_cache *cache(void)
{
	struct ew_dns_cache *c = ew_dns_cache_new(names, 64);

	cr_assert_not_null(c);
	return c;
}

Test(dns_cache, put_get)
{
	struct ew_dns_cache *c = cache();
	uint32_t id = ew_names_get(names, "api.example.de");
	uint8_t a[16], b[16];
	const struct ew_dns_cache_stats *st = ew_dns_cache_stats(c);

	v4(a, 7);
	v4(b, 8);
	cr_assert_eq(ew_dns_cache_get(c, a, 0), 0);
	cr_assert_eq(st->misses, 1);
	ew_dns_cache_put(c, a, id, 1000, 91000);
	cr_assert_eq(st->inserts, 1);
	cr_assert_eq(ew_dns_cache_get(c, a, 1000), id);
	cr_assert_eq(ew_dns_cache_get(c, a, 90999), id);
	cr_assert_eq(ew_dns_cache_get(c, b, 1000), 0, "another address");
	cr_assert_eq(st->hits, 2);
	cr_assert_eq(st->misses, 2);
	cr_assert_eq(st->evicted_live, 0);
	/* Expiry: a get at expires_ns misses. */
	cr_assert_eq(ew_dns_cache_get(c, a, 91000), 0);
	cr_assert_eq(ew_dns_cache_get(c, a, 91001), 0);
	cr_assert_eq(st->hits, 2);
	cr_assert_eq(st->misses, 4);
	cr_assert_eq(st->inserts, 1);
	ew_dns_cache_free(c);
	ew_names_put(names, id);
	cr_assert_eq(ew_names_count(names), 0);
}

Test(dns_cache, v4_and_v6_are_different_addresses)
{
	struct ew_dns_cache *c = cache();
	uint32_t id4 = ew_names_get(names, "v4.example.de");
	uint32_t id6 = ew_names_get(names, "v6.example.de");
	uint8_t a[16], b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}, cc[16] = {[15] = 9};

	v4(a, 9);
	ew_dns_cache_put(c, a, id4, 0, FAR);
	ew_dns_cache_put(c, b, id6, 0, FAR);
	cr_assert_eq(ew_dns_cache_get(c, a, 1), id4);
	cr_assert_eq(ew_dns_cache_get(c, b, 1), id6);
	cr_assert_eq(ew_dns_cache_get(c, cc, 1), 0, "::9 is not ::ffff:203.0.0.9");
	ew_dns_cache_free(c);
	ew_names_put(names, id4);
	ew_names_put(names, id6);
	cr_assert_eq(ew_names_count(names), 0);
}

Test(dns_cache, no_name_is_not_stored)
{
	struct ew_dns_cache *c = cache();
	uint8_t a[16];

	v4(a, 1);
	ew_dns_cache_put(c, a, 0, 0, FAR);
	cr_assert_eq(ew_dns_cache_stats(c)->inserts, 0);
	cr_assert_eq(ew_dns_cache_get(c, a, 1), 0);
	ew_dns_cache_free(c);
}

/* The cache holds its own reference; the caller's may go at once. */
Test(dns_cache, refcounts)
{
	struct ew_dns_cache *c = cache();
	uint32_t id = ew_names_get(names, "held.example.de");
	uint8_t a[16], b[16];

	v4(a, 1);
	v4(b, 2);
	ew_dns_cache_put(c, a, id, 0, FAR);
	ew_dns_cache_put(c, b, id, 0, FAR);
	ew_names_put(names, id);
	cr_assert_eq(ew_names_count(names), 1, "the cache keeps the name alive");
	cr_assert_str_eq(ew_names_str(names, ew_dns_cache_get(c, a, 1)), "held.example.de");
	cr_assert_str_eq(ew_names_str(names, ew_dns_cache_get(c, b, 1)), "held.example.de");
	ew_dns_cache_free(c);
	cr_assert_eq(ew_names_count(names), 0);
}

Test(dns_cache, reanswered_address_takes_newest_name)
{
	struct ew_dns_cache *c = cache();
	uint32_t old = ew_names_get(names, "old.example.de");
	uint32_t new = ew_names_get(names, "new.example.hk");
	const struct ew_dns_cache_stats *st = ew_dns_cache_stats(c);
	uint8_t a[16];

	v4(a, 7);
	ew_dns_cache_put(c, a, old, 0, 300);
	/* The newer answer wins even with a shorter TTL. */
	ew_dns_cache_put(c, a, new, 10, 100);
	cr_assert_eq(st->inserts, 2);
	cr_assert_eq(st->evicted_live, 0, "replacing the same address is no eviction");
	cr_assert_eq(ew_dns_cache_get(c, a, 50), new);
	cr_assert_eq(ew_dns_cache_get(c, a, 100), 0, "the newer answer's expiry counts");
	/* The cache dropped its reference to the old name. */
	ew_names_put(names, old);
	cr_assert_eq(ew_names_count(names), 1);
	cr_assert_str_eq(ew_names_str(names, old), "");
	/* The same name again: one reference, not two. */
	ew_dns_cache_put(c, a, new, 200, 400);
	cr_assert_eq(ew_dns_cache_get(c, a, 300), new);
	ew_names_put(names, new);
	cr_assert_eq(ew_names_count(names), 1);
	ew_dns_cache_free(c);
	cr_assert_eq(ew_names_count(names), 0);
}

/*
 * Five addresses of one set of a 64-entry cache, found through the public
 * interface only: insert addresses (never expiring) until one evicts a live
 * entry, then find which four earlier ones share its set by leaving each out.
 */
static void one_set(uint8_t set[WAYS + 1][16])
{
	enum { CAND = 16 * WAYS + 1 }; /* 16 sets of 4: the 65th must evict */
	uint8_t cand[CAND][16];
	uint32_t id = ew_names_get(names, "probe.example");
	struct ew_dns_cache *c = cache();
	int k = -1, found = 0;

	for (int i = 0; i < CAND; i++)
		v4(cand[i], 1000 + (unsigned int)i * 37);
	for (int i = 0; i < CAND && k < 0; i++) {
		ew_dns_cache_put(c, cand[i], id, 0, FAR);
		if (ew_dns_cache_stats(c)->evicted_live)
			k = i;
	}
	ew_dns_cache_free(c);
	cr_assert_geq(k, WAYS, "no set filled with %d addresses", CAND);
	for (int j = 0; j < k; j++) {
		c = cache();
		for (int i = 0; i < k; i++)
			if (i != j)
				ew_dns_cache_put(c, cand[i], id, 0, FAR);
		ew_dns_cache_put(c, cand[k], id, 0, FAR);
		if (!ew_dns_cache_stats(c)->evicted_live) {
			cr_assert_lt(found, WAYS, "more than %d addresses in one set", WAYS);
			memcpy(set[found++], cand[j], 16);
		}
		ew_dns_cache_free(c);
	}
	cr_assert_eq(found, WAYS, "%d addresses share the set, want %d", found, WAYS);
	memcpy(set[WAYS], cand[k], 16);
	ew_names_put(names, id);
	cr_assert_eq(ew_names_count(names), 0);
}

static uint32_t name(const char *s)
{
	uint32_t id = ew_names_get(names, s);

	cr_assert_neq(id, 0);
	return id;
}

/* A full set replaces the entry closest to expiry, counted as a live eviction. */
Test(dns_cache, full_set_evicts_closest_to_expiry)
{
	uint8_t set[WAYS + 1][16];
	const uint64_t exp[WAYS] = {400, 100, 300, 200};
	const char *nm[WAYS + 1] = {"n0.test", "n1.test", "n2.test", "n3.test", "n4.test"};
	uint32_t id[WAYS + 1];
	struct ew_dns_cache *c;
	const struct ew_dns_cache_stats *st;

	one_set(set);
	c = cache();
	st = ew_dns_cache_stats(c);
	for (int i = 0; i <= WAYS; i++)
		id[i] = name(nm[i]);
	for (int i = 0; i < WAYS; i++)
		ew_dns_cache_put(c, set[i], id[i], 0, exp[i]);
	cr_assert_eq(st->evicted_live, 0);
	for (int i = 0; i <= WAYS; i++)
		ew_names_put(names, id[i]); /* only the cache's references now */
	cr_assert_eq(ew_names_count(names), WAYS, "n4.test had no holder");
	id[WAYS] = name(nm[WAYS]);
	/* At 50 nothing has expired: set[1] (expires 100) goes. */
	ew_dns_cache_put(c, set[WAYS], id[WAYS], 50, 1000);
	ew_names_put(names, id[WAYS]);
	cr_assert_eq(st->evicted_live, 1);
	cr_assert_eq(st->inserts, WAYS + 1);
	cr_assert_eq(ew_dns_cache_get(c, set[1], 60), 0, "the entry closest to expiry was evicted");
	cr_assert_eq(ew_dns_cache_get(c, set[0], 60), id[0]);
	cr_assert_eq(ew_dns_cache_get(c, set[2], 60), id[2]);
	cr_assert_eq(ew_dns_cache_get(c, set[3], 60), id[3]);
	cr_assert_eq(ew_dns_cache_get(c, set[4], 60), id[4]);
	/* The evicted name lost its last reference with the slot. */
	cr_assert_eq(ew_names_count(names), WAYS);
	cr_assert_str_eq(ew_names_str(names, id[1]), "");
	/* Next closest is set[3] (200), still live at 150. */
	id[1] = name(nm[1]);
	ew_dns_cache_put(c, set[1], id[1], 150, 2000);
	ew_names_put(names, id[1]);
	cr_assert_eq(st->evicted_live, 2);
	cr_assert_eq(ew_dns_cache_get(c, set[3], 160), 0);
	cr_assert_eq(ew_dns_cache_get(c, set[1], 160), id[1]);
	ew_dns_cache_free(c);
	cr_assert_eq(ew_names_count(names), 0);
}

/* An expired entry is reused without counting an eviction, even in a full set. */
Test(dns_cache, expired_entry_is_reused_uncounted)
{
	uint8_t set[WAYS + 1][16];
	const uint64_t exp[WAYS] = {400, 300, 100, 200};
	uint32_t id[WAYS + 1];
	char buf[16];
	struct ew_dns_cache *c;
	const struct ew_dns_cache_stats *st;

	one_set(set);
	c = cache();
	st = ew_dns_cache_stats(c);
	for (int i = 0; i <= WAYS; i++) {
		snprintf(buf, sizeof(buf), "e%d.test", i);
		id[i] = name(buf);
	}
	for (int i = 0; i < WAYS; i++)
		ew_dns_cache_put(c, set[i], id[i], 0, exp[i]);
	/* At 100, set[2] has just expired (a get at expires_ns misses). */
	ew_dns_cache_put(c, set[WAYS], id[WAYS], 100, 1000);
	cr_assert_eq(st->evicted_live, 0, "an expired entry is no loss");
	cr_assert_eq(st->inserts, WAYS + 1);
	cr_assert_eq(ew_dns_cache_get(c, set[WAYS], 101), id[WAYS]);
	cr_assert_eq(ew_dns_cache_get(c, set[0], 101), id[0]);
	cr_assert_eq(ew_dns_cache_get(c, set[1], 101), id[1]);
	cr_assert_eq(ew_dns_cache_get(c, set[3], 101), id[3]);
	cr_assert_eq(ew_dns_cache_get(c, set[2], 99), 0, "set[2]'s slot was reused");
	/* Later, with two expired (200 and 300 at 350), still nothing counted. */
	ew_dns_cache_put(c, set[2], id[2], 350, 5000);
	cr_assert_eq(st->evicted_live, 0);
	cr_assert_eq(ew_dns_cache_get(c, set[2], 351), id[2]);
	cr_assert_eq(ew_dns_cache_get(c, set[0], 351), id[0]);
	cr_assert_eq(ew_dns_cache_get(c, set[WAYS], 351), id[WAYS]);
	for (int i = 0; i <= WAYS; i++)
		ew_names_put(names, id[i]);
	ew_dns_cache_free(c);
	cr_assert_eq(ew_names_count(names), 0);
}

/* A re-answer of an address in a full set replaces its own entry, not another. */
Test(dns_cache, reanswer_in_full_set)
{
	uint8_t set[WAYS + 1][16];
	uint32_t a = 0, b;
	struct ew_dns_cache *c;

	one_set(set);
	c = cache();
	a = name("a.test");
	b = name("b.test");
	for (int i = 0; i < WAYS; i++)
		ew_dns_cache_put(c, set[i], a, 0, 100 + (uint64_t)i);
	ew_dns_cache_put(c, set[3], b, 10, 50);
	cr_assert_eq(ew_dns_cache_stats(c)->evicted_live, 0);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(ew_dns_cache_get(c, set[i], 20), a, "set[%d]", i);
	cr_assert_eq(ew_dns_cache_get(c, set[3], 20), b);
	ew_names_put(names, a);
	ew_names_put(names, b);
	ew_dns_cache_free(c);
	cr_assert_eq(ew_names_count(names), 0);
}

/* Many more answers than room: bounded, the newest found, and no reference leaked. */
Test(dns_cache, churn)
{
	struct ew_dns_cache *c = ew_dns_cache_new(names, 1000);
	const struct ew_dns_cache_stats *st;
	char buf[32];
	uint8_t a[16];

	cr_assert_not_null(c);
	st = ew_dns_cache_stats(c);
	for (unsigned int i = 0; i < 20000; i++) {
		uint32_t id;

		snprintf(buf, sizeof(buf), "h%u.example.de", i);
		id = name(buf);
		v4(a, i);
		a[13] = (uint8_t)(i >> 16);
		ew_dns_cache_put(c, a, id, i, FAR);
		ew_names_put(names, id);
		cr_assert_eq(ew_dns_cache_get(c, a, i), id, "just inserted %u", i);
	}
	cr_assert_eq(st->inserts, 20000);
	cr_assert_eq(st->hits, 20000);
	/*
	 * Every answer went to a free slot or replaced a live one, so what the
	 * cache holds plus what it evicted is all it was given; 1000 rounds up
	 * to 1024 slots, all full by now.
	 */
	cr_assert_eq(ew_names_count(names), 1024);
	cr_assert_eq(st->evicted_live, 20000 - 1024);
	ew_dns_cache_free(c);
	cr_assert_eq(ew_names_count(names), 0);
}
