// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include <criterion/criterion.h>

#include "out/record_frag.h"

static int calls;

static void small(struct ew_jsonw *w, const void *arg)
{
	calls++;
	ew_jsonw_u64(w, "v", *(const uint64_t *)arg);
}

static void big(struct ew_jsonw *w, const void *arg)
{
	static char s[300];

	calls++;
	memset(s, 'x', sizeof(s) - 1);
	ew_jsonw_str(w, "s", s);
}

/* Encoded once per value; more values than ways evict; members written as @fn writes them. */
Test(record_frag, encoded_once_then_copied)
{
	struct ew_jsonw w;
	const struct ew_record_frag *m;
	uint64_t v = 42;

	calls = 0;
	m = ew_record_frag_get(0, v, small, &v);
	cr_assert_not_null(m);
	cr_assert_eq(m->len, strlen("\"v\":42"));
	cr_assert_eq(memcmp(m->text, "\"v\":42", m->len), 0);
	cr_assert_eq(ew_record_frag_get(0, v, small, &v), m);
	cr_assert_eq(calls, 1);
	for (uint64_t i = 100; i < 120; i++)
		ew_record_frag_get(0, i, small, &i);
	calls = 0;
	ew_record_frag_get(0, v, small, &v);
	cr_assert_eq(calls, 1, "evicted by twenty other values, encoded again");

	ew_jsonw_init(&w);
	ew_jsonw_obj_begin(&w, NULL);
	ew_record_frag_put(&w, 1, 7, small, &v);
	ew_record_frag_put(&w, 1, 7, small, &v);
	ew_jsonw_obj_end(&w);
	cr_assert_str_eq(w.buf, "{\"v\":42,\"v\":42}");
	ew_jsonw_free(&w);
}

/* Members too long for a memo are not memoized: @fn writes them each time. */
Test(record_frag, too_long_is_written_by_fn)
{
	struct ew_jsonw w;

	calls = 0;
	cr_assert_null(ew_record_frag_get(2, 1, big, NULL));
	ew_jsonw_init(&w);
	ew_jsonw_obj_begin(&w, NULL);
	ew_record_frag_put(&w, 2, 1, big, NULL);
	ew_jsonw_obj_end(&w);
	cr_assert_eq(calls, 3);
	cr_assert_eq(strncmp(w.buf, "{\"s\":\"xxx", 9), 0);
	ew_jsonw_free(&w);
}
