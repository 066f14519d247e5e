// SPDX-License-Identifier: GPL-2.0-only
/* Yearly people counters: exact, then estimated past the crossover, one set per year. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "verdict/people.h"

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static struct ew_people *mk(uint64_t crossover)
{
	struct ew_people_opts o = {.crossover = crossover};
	struct ew_people *p;
	char err[256];

	cr_assert_eq(ew_people_new(&p, &o, err, sizeof(err)), 0, "%s", err);
	return p;
}

Test(people, exact_counts)
{
	struct ew_people *p = mk(0);
	struct ew_people_key k;
	struct ew_people_counter *c;
	struct ew_people_count n;
	uint64_t s = 1, added;

	cr_assert_eq(ew_people_key(&k, EW_PEOPLE_ENTITY, "SAIC Motor (Shanghai)",
				   EW_PEOPLE_SENSITIVE_PI, false, 2026),
		     0);
	cr_assert_null(ew_people_get(p, &k, false));
	c = ew_people_get(p, &k, true);
	cr_assert_not_null(c);
	cr_assert_eq(ew_people_get(p, &k, true), c);
	for (int i = 0; i < 100000; i++)
		cr_assert_eq(ew_people_add(c, splitmix(&s)), 1);
	s = 1;
	for (int i = 0; i < 100000; i++)
		cr_assert_eq(ew_people_add(c, splitmix(&s)), 0);
	cr_assert_eq(ew_people_add(c, 0), 1); /* never produced, but held if it is */
	cr_assert_eq(ew_people_add(c, 0), 0);
	ew_people_count(c, &n);
	cr_assert(n.exact);
	cr_assert_eq(n.estimate, 100001);
	cr_assert_eq(n.lo, 100001);
	cr_assert_eq(n.hi, 100001);
	cr_assert_eq(n.std_error, 0.0);

	uint64_t v[64];

	for (int i = 0; i < 64; i++)
		v[i] = i < 32 ? splitmix(&s) : v[i - 32];
	cr_assert_eq(ew_people_add_many(c, v, 64, &added), 0);
	cr_assert_eq(added, 32);
	ew_people_count(c, &n);
	cr_assert_eq(n.estimate, 100033);
	ew_people_free(p);
}

Test(people, keys_are_separate)
{
	struct ew_people *p = mk(0);
	struct ew_people_key k[6];
	struct ew_people_count n;

	ew_people_key(&k[0], EW_PEOPLE_ENTITY, "A", EW_PEOPLE_PI, false, 2026);
	ew_people_key(&k[1], EW_PEOPLE_ENTITY, "A", EW_PEOPLE_PI, true, 2026); /* attested */
	ew_people_key(&k[2], EW_PEOPLE_ENTITY, "A", EW_PEOPLE_SENSITIVE_PI, false, 2026);
	ew_people_key(&k[3], EW_PEOPLE_ENTITY, "A", EW_PEOPLE_PI, false, 2025);
	ew_people_key(&k[4], EW_PEOPLE_ENTITY, "B", EW_PEOPLE_PI, false, 2026);
	ew_people_key(&k[5], EW_PEOPLE_CHANNEL, "A", EW_PEOPLE_PI, false, 2026);
	for (int i = 0; i < 6; i++)
		for (int j = 0; j <= i; j++)
			ew_people_add(ew_people_get(p, &k[i], true), 1000 + j);
	for (int i = 0; i < 6; i++) {
		ew_people_count(ew_people_get(p, &k[i], false), &n);
		cr_assert_eq(n.estimate, (uint64_t)i + 1);
	}
	cr_assert_eq(ew_people_key(&k[0], EW_PEOPLE_ENTITY, "", EW_PEOPLE_PI, false, 2026),
		     -EINVAL);
	cr_assert_eq(ew_people_key(&k[0], EW_PEOPLE_ENTITY, "x", EW_PEOPLE_NCLASS, false, 2026),
		     -EINVAL);
	char longname[80];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[79] = 0;
	cr_assert_eq(ew_people_key(&k[0], EW_PEOPLE_ENTITY, longname, EW_PEOPLE_PI, false, 2026),
		     -EINVAL);
	ew_people_free(p);
}

/* 1 January in Shanghai starts new counters; last year's stay, readable. */
Test(people, year_rollover)
{
	struct ew_people *p = mk(0);
	const int64_t new_year = 1767196800ll; /* 2026-01-01T00:00+08:00 */
	struct ew_people_key k;
	struct ew_people_count n;

	cr_assert_eq(ew_people_year(p, new_year - 1), 2025);
	cr_assert_eq(ew_people_year(p, new_year), 2026);
	for (int64_t t = new_year - 5; t < new_year + 5; t++) {
		ew_people_key(&k, EW_PEOPLE_ENTITY, "A", EW_PEOPLE_PI, false, ew_people_year(p, t));
		ew_people_add(ew_people_get(p, &k, true), (uint64_t)t);
	}
	ew_people_key(&k, EW_PEOPLE_ENTITY, "A", EW_PEOPLE_PI, false, 2025);
	ew_people_count(ew_people_get(p, &k, false), &n);
	cr_assert_eq(n.estimate, 5);
	ew_people_key(&k, EW_PEOPLE_ENTITY, "A", EW_PEOPLE_PI, false, 2026);
	ew_people_count(ew_people_get(p, &k, false), &n);
	cr_assert_eq(n.estimate, 5);
	/* A kernel timestamp of now is in the year the wall clock is in. */
	struct timespec bt;

	clock_gettime(CLOCK_BOOTTIME, &bt);
	uint64_t boot_now = (uint64_t)bt.tv_sec * 1000000000ull + (uint64_t)bt.tv_nsec;

	cr_assert_eq(ew_people_year_boot(p, boot_now), ew_people_year(p, (int64_t)time(NULL)));
	ew_people_free(p);

	struct ew_people_opts o = {.tz = "Europe/Nowhere"};
	char err[256] = "";

	cr_assert_eq(ew_people_new(&p, &o, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "Europe/Nowhere"), "%s", err);
}

Test(people, crossover_to_sketch)
{
	struct ew_people *p = mk(100000);
	struct ew_people_key k;
	struct ew_people_counter *c;
	struct ew_people_count n;
	uint64_t s = 9;
	int r;

	ew_people_key(&k, EW_PEOPLE_ENTITY, "A", EW_PEOPLE_PI, false, 2026);
	c = ew_people_get(p, &k, true);
	for (int i = 0; i < 100000; i++)
		cr_assert_eq(ew_people_add(c, splitmix(&s)), 1);
	ew_people_count(c, &n);
	cr_assert(n.exact);
	cr_assert_eq(n.estimate, 100000);
	r = ew_people_add(c, splitmix(&s)); /* the 100,001st: new, and the set hands over */
	cr_assert_eq(r, 1);
	ew_people_count(c, &n);
	cr_assert(!n.exact);
	cr_assert_geq(n.lo, 100001);
	cr_assert(n.lo <= 100001 && n.hi >= 100001, "%lu..%lu", n.lo, n.hi);
	for (int i = 0; i < 400000; i++)
		cr_assert_eq(ew_people_add(c, splitmix(&s)), EW_PEOPLE_ESTIMATED);
	ew_people_count(c, &n);
	printf("people: 500,001 distinct -> %lu [%lu, %lu], std error %.4f\n", n.estimate, n.lo,
	       n.hi, n.std_error);
	cr_assert(n.lo <= 500001 && n.hi >= 500001);
	cr_assert(fabs((double)n.estimate - 500001) <= 3 * n.std_error * 500001);
	cr_assert(fabs(n.std_error - 0.008125) < 1e-6);
	ew_people_free(p);
}

/* A group's entities rolled up: overlapping people counted once, exact or estimated. */
Test(people, union_of_counters)
{
	struct ew_people *p = mk(100000);
	struct ew_people_key k;
	struct ew_people_counter *c[3];
	struct ew_people_count n;
	uint64_t s;

	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "E%d", i);
		ew_people_key(&k, EW_PEOPLE_ENTITY, name, EW_PEOPLE_PI, false, 2026);
		c[i] = ew_people_get(p, &k, true);
	}
	/* E0: people 0..9999, E1: 5000..14999, E2: none. */
	s = 3;
	for (int i = 0; i < 15000; i++) {
		uint64_t h = splitmix(&s);

		if (i < 10000)
			ew_people_add(c[0], h);
		if (i >= 5000)
			ew_people_add(c[1], h);
	}
	cr_assert_eq(ew_people_count_union(c, 3, &n), 0);
	cr_assert(n.exact);
	cr_assert_eq(n.estimate, 15000);
	cr_assert_eq(ew_people_count_union(c, 0, &n), -EINVAL);

	/* E2 past its crossover: the union is a sketch, banded, never below E2's own lo. */
	for (int i = 0; i < 150000; i++)
		ew_people_add(c[2], splitmix(&s));
	cr_assert_eq(ew_people_count_union(c, 3, &n), 0);
	cr_assert(!n.exact);
	cr_assert(n.lo <= 165000 && n.hi >= 165000, "%lu..%lu", n.lo, n.hi);
	cr_assert_geq(n.lo, 100001);
	ew_people_free(p);
}
