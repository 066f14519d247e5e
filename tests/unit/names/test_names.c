// SPDX-License-Identifier: GPL-2.0-only
/* The interned, reference-counted peer names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "names/names.h"

#define MANY 100000

static struct ew_names *n;

static void setup(void)
{
	n = ew_names_new();
	cr_assert_not_null(n);
}

static void teardown(void)
{
	ew_names_free(n);
}

TestSuite(names, .init = setup, .fini = teardown);

Test(names, empty)
{
	cr_assert_eq(ew_names_count(n), 0);
	cr_assert_str_eq(ew_names_str(n, 0), "");
	ew_names_put(n, 0); /* no name: nothing to drop */
	ew_names_ref(n, 0);
	cr_assert_eq(ew_names_count(n), 0);
}

Test(names, same_string_same_id)
{
	char copy[32];
	uint32_t a = ew_names_get(n, "api.example.de");
	uint32_t b;

	cr_assert_neq(a, 0);
	cr_assert_str_eq(ew_names_str(n, a), "api.example.de");
	/* Equal contents, another buffer: interned by value. */
	snprintf(copy, sizeof(copy), "%s", "api.example.de");
	b = ew_names_get(n, copy);
	cr_assert_eq(a, b);
	cr_assert_eq(ew_names_count(n), 1);
	cr_assert_neq(ew_names_str(n, a), copy, "the table keeps its own copy");
	copy[0] = 'X';
	cr_assert_str_eq(ew_names_str(n, a), "api.example.de");
	/* A different name, even a prefix, is another id. */
	b = ew_names_get(n, "api.example.d");
	cr_assert_neq(b, 0);
	cr_assert_neq(a, b);
	cr_assert_eq(ew_names_count(n), 2);
	cr_assert_str_eq(ew_names_str(n, b), "api.example.d");
	cr_assert_str_eq(ew_names_str(n, a), "api.example.de");
}

Test(names, refcount)
{
	uint32_t a = ew_names_get(n, "a.test");

	cr_assert_eq(ew_names_get(n, "a.test"), a); /* 2 refs */
	ew_names_ref(n, a);			    /* 3 */
	ew_names_put(n, a);
	ew_names_put(n, a);
	cr_assert_eq(ew_names_count(n), 1, "one reference left");
	cr_assert_str_eq(ew_names_str(n, a), "a.test");
	ew_names_put(n, a);
	cr_assert_eq(ew_names_count(n), 0);
	cr_assert_str_eq(ew_names_str(n, a), "", "a freed id names nothing");
	/* Interning it again works and the string is right. */
	a = ew_names_get(n, "a.test");
	cr_assert_neq(a, 0);
	cr_assert_str_eq(ew_names_str(n, a), "a.test");
	cr_assert_eq(ew_names_count(n), 1);
}

Test(names, freed_id_is_reused)
{
	uint32_t a = ew_names_get(n, "a.test");
	uint32_t b = ew_names_get(n, "b.test");
	uint32_t c;

	cr_assert_neq(a, b);
	ew_names_put(n, a);
	cr_assert_eq(ew_names_count(n), 1);
	c = ew_names_get(n, "c.test");
	cr_assert_eq(c, a, "the freed id %u is reused, got %u", a, c);
	cr_assert_str_eq(ew_names_str(n, c), "c.test");
	cr_assert_str_eq(ew_names_str(n, b), "b.test");
	/* The old name is gone from the hash: it comes back as a new entry. */
	a = ew_names_get(n, "a.test");
	cr_assert_neq(a, b);
	cr_assert_neq(a, c);
	cr_assert_eq(ew_names_count(n), 3);
	/* A freed id's old chain position is gone: "c.test" is still found. */
	cr_assert_eq(ew_names_get(n, "c.test"), c);
	ew_names_put(n, c);
	cr_assert_str_eq(ew_names_str(n, c), "c.test");
}

Test(names, long_name)
{
	char name[254];
	uint32_t a;

	memset(name, 'a', 253);
	name[253] = '\0';
	for (int i = 63; i < 253; i += 64)
		name[i] = '.';
	a = ew_names_get(n, name);
	cr_assert_neq(a, 0);
	cr_assert_str_eq(ew_names_str(n, a), name);
	cr_assert_eq(strlen(ew_names_str(n, a)), 253);
}

static void name_of(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "host-%u.example.de", i);
}

/* Growth of the buckets and the entry array, the free list, and stable ids. */
Test(names, many_names)
{
	uint32_t *ids = calloc(MANY, sizeof(*ids));
	uint32_t first, max = 0;
	char buf[64];

	cr_assert_not_null(ids);
	first = ew_names_get(n, "first.example.de");
	for (unsigned int i = 0; i < MANY; i++) {
		name_of(buf, sizeof(buf), i);
		ids[i] = ew_names_get(n, buf);
		cr_assert_neq(ids[i], 0, "name %u", i);
		cr_assert_neq(ids[i], first);
		if (ids[i] > max)
			max = ids[i];
	}
	cr_assert_eq(ew_names_count(n), MANY + 1);
	cr_assert_leq(max, MANY + 1, "ids are dense: %u", max);
	/* Ids handed out before the growth still name the same strings. */
	cr_assert_str_eq(ew_names_str(n, first), "first.example.de");
	for (unsigned int i = 0; i < MANY; i++) {
		name_of(buf, sizeof(buf), i);
		cr_assert_str_eq(ew_names_str(n, ids[i]), buf);
	}
	/* Every name is still found after rehashing, and distinct. */
	for (unsigned int i = 0; i < MANY; i++) {
		name_of(buf, sizeof(buf), i);
		cr_assert_eq(ew_names_get(n, buf), ids[i], "name %u", i);
		ew_names_put(n, ids[i]); /* the extra reference */
	}
	cr_assert_eq(ew_names_count(n), MANY + 1);
	/* Release every other name, then check the rest are intact. */
	for (unsigned int i = 0; i < MANY; i += 2)
		ew_names_put(n, ids[i]);
	cr_assert_eq(ew_names_count(n), MANY / 2 + 1);
	for (unsigned int i = 1; i < MANY; i += 2) {
		name_of(buf, sizeof(buf), i);
		cr_assert_str_eq(ew_names_str(n, ids[i]), buf);
		cr_assert_eq(ew_names_get(n, buf), ids[i]);
		ew_names_put(n, ids[i]);
	}
	/* New names take the freed ids: no id beyond the highest handed out. */
	for (unsigned int i = 0; i < MANY; i += 2) {
		snprintf(buf, sizeof(buf), "again-%u.example.us", i);
		ids[i] = ew_names_get(n, buf);
		cr_assert_neq(ids[i], 0);
		cr_assert_leq(ids[i], max, "id %u past %u: the free list was not used", ids[i],
			      max);
	}
	cr_assert_eq(ew_names_count(n), MANY + 1);
	for (unsigned int i = 0; i < MANY; i++) {
		if (i % 2)
			name_of(buf, sizeof(buf), i);
		else
			snprintf(buf, sizeof(buf), "again-%u.example.us", i);
		cr_assert_str_eq(ew_names_str(n, ids[i]), buf);
	}
	/* All released: nothing alive. */
	for (unsigned int i = 0; i < MANY; i++)
		ew_names_put(n, ids[i]);
	ew_names_put(n, first);
	cr_assert_eq(ew_names_count(n), 0);
	cr_assert_str_eq(ew_names_str(n, first), "");
	free(ids);
}
