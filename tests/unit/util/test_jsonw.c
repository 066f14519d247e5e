// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "util/jsonw.h"

static struct ew_jsonw w;

static void setup(void)
{
	ew_jsonw_init(&w);
}

static void teardown(void)
{
	ew_jsonw_free(&w);
}

TestSuite(jsonw, .init = setup, .fini = teardown);

/* An oracle independent of jsonw: glibc's UTF-8 decoder. */
static bool valid_utf8(const char *s, size_t n)
{
	iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
	char out[4096];
	bool ok = true;

	cr_assert_neq(cd, (iconv_t)-1);
	while (n) {
		char *in = (char *)s, *o = out;
		size_t left = sizeof(out), before = n;

		if (iconv(cd, &in, &n, &o, &left) == (size_t)-1 && errno != E2BIG) {
			ok = false;
			break;
		}
		s += before - n;
	}
	iconv_close(cd);
	return ok;
}

Test(jsonw, oracle_rejects_what_it_should)
{
	cr_assert(valid_utf8("h\xc3\xa9\xf0\x9f\x98\x80", 8));
	cr_assert_not(valid_utf8("\xed\xa0\x80", 3));
	cr_assert_not(valid_utf8("\xc0\xaf", 2));
	cr_assert_not(valid_utf8("\xf4\x90\x80\x80", 4));
	cr_assert_not(valid_utf8("\xe2\x82", 2));
}

static cJSON *parse(void)
{
	cJSON *j;

	cr_assert_not(w.oom);
	cr_assert_eq(strlen(w.buf), w.len, "NUL-terminated, no raw NUL inside");
	cr_assert(valid_utf8(w.buf, w.len), "not UTF-8: %s", w.buf);
	j = cJSON_Parse(w.buf);
	cr_assert_not_null(j, "cJSON rejects: %s", w.buf);
	return j;
}

Test(jsonw, all_types_round_trip)
{
	cJSON *j, *a;

	ew_jsonw_obj_begin(&w, NULL);
	ew_jsonw_str(&w, "s", "hello");
	ew_jsonw_strn(&w, "sn", "abcdef", 3);
	ew_jsonw_u64(&w, "u", 1234567890123ull);
	ew_jsonw_u64(&w, "zero", 0);
	ew_jsonw_i64(&w, "i", -42);
	ew_jsonw_double(&w, "d", 0.1);
	ew_jsonw_bool(&w, "t", true);
	ew_jsonw_bool(&w, "f", false);
	ew_jsonw_null(&w, "n");
	ew_jsonw_str(&w, "sn2", NULL);
	ew_jsonw_raw(&w, "r", "{\"x\":[1,2]}", 11);
	ew_jsonw_obj_begin(&w, "o");
	ew_jsonw_obj_end(&w);
	ew_jsonw_arr_begin(&w, "a");
	ew_jsonw_u64(&w, NULL, 1);
	ew_jsonw_str(&w, NULL, "two");
	ew_jsonw_obj_begin(&w, NULL);
	ew_jsonw_u64(&w, "k", 3);
	ew_jsonw_obj_end(&w);
	ew_jsonw_arr_begin(&w, NULL);
	ew_jsonw_arr_end(&w);
	ew_jsonw_arr_end(&w);
	ew_jsonw_obj_end(&w);
	cr_assert_eq(w.depth, 0);

	j = parse();
	cr_assert_str_eq(cJSON_GetObjectItem(j, "s")->valuestring, "hello");
	cr_assert_str_eq(cJSON_GetObjectItem(j, "sn")->valuestring, "abc");
	cr_assert_eq(cJSON_GetObjectItem(j, "u")->valuedouble, 1234567890123.0);
	cr_assert_eq(cJSON_GetObjectItem(j, "zero")->valueint, 0);
	cr_assert_eq(cJSON_GetObjectItem(j, "i")->valueint, -42);
	cr_assert_eq(cJSON_GetObjectItem(j, "d")->valuedouble, 0.1);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "t")));
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "f")));
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "n")));
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "sn2")));
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "r"), "x")), 2);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "o")), 0);
	a = cJSON_GetObjectItem(j, "a");
	cr_assert_eq(cJSON_GetArraySize(a), 4);
	cr_assert_str_eq(cJSON_GetArrayItem(a, 1)->valuestring, "two");
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 2), "k")->valueint, 3);
	cJSON_Delete(j);
	/* The exact text matters to diff-based tests and to humans reading it. */
	cr_assert_str_eq(w.buf,
			 "{\"s\":\"hello\",\"sn\":\"abc\",\"u\":1234567890123,\"zero\":0,"
			 "\"i\":-42,\"d\":0.1,\"t\":true,\"f\":false,\"n\":null,\"sn2\":null,"
			 "\"r\":{\"x\":[1,2]},\"o\":{},\"a\":[1,\"two\",{\"k\":3},[]]}");
}

Test(jsonw, integer_extremes)
{
	ew_jsonw_arr_begin(&w, NULL);
	ew_jsonw_u64(&w, NULL, UINT64_MAX);
	ew_jsonw_i64(&w, NULL, INT64_MIN);
	ew_jsonw_i64(&w, NULL, INT64_MAX);
	ew_jsonw_i64(&w, NULL, 0);
	ew_jsonw_arr_end(&w);
	cr_assert_str_eq(w.buf, "[18446744073709551615,-9223372036854775808,"
				"9223372036854775807,0]");
	cJSON_Delete(parse());
}

Test(jsonw, doubles)
{
	ew_jsonw_arr_begin(&w, NULL);
	ew_jsonw_double(&w, NULL, NAN);
	ew_jsonw_double(&w, NULL, INFINITY);
	ew_jsonw_double(&w, NULL, -INFINITY);
	ew_jsonw_double(&w, NULL, 1.5);
	ew_jsonw_double(&w, NULL, -0.25);
	ew_jsonw_double(&w, NULL, 1e300);
	ew_jsonw_double(&w, NULL, 1.0 / 3);
	ew_jsonw_arr_end(&w);
	cr_assert_str_eq(w.buf, "[null,null,null,1.5,-0.25,1e+300,0.33333333333333331]");
	cJSON *j = parse();
	cr_assert_eq(cJSON_GetArrayItem(j, 6)->valuedouble, 1.0 / 3, "reads back exactly");
	cJSON_Delete(j);
}

struct esc_case {
	const char *in;
	size_t n;
	const char *out;
};

#define E(in, out)                                                                                 \
	{                                                                                          \
		in, sizeof(in) - 1, out                                                            \
	}

static const struct esc_case escs[] = {
    E("a\"b\\c", "\"a\\\"b\\\\c\""),
    E("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\""),
    E("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""),
    E("a\0b", "\"a\\u0000b\""),
    E("/<>'", "\"/<>'\""),
    E("h\xc3\xa9", "\"h\xc3\xa9\""),				   /* é */
    E("\xe4\xb8\xad\xe5\x9b\xbd", "\"\xe4\xb8\xad\xe5\x9b\xbd\""), /* 中国 */
    E("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""),		   /* U+1F600 */
    E("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""),		   /* U+10FFFF, the last */
    E("\xef\xbf\xbf", "\"\xef\xbf\xbf\""), /* U+FFFF: a noncharacter, still valid */
    /* Invalid: one U+FFFD per maximal subpart. */
    E("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""),		   /* overlong '/' */
    E("\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""), /* overlong */
    E("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""), /* surrogate */
    E("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""),
    E("\xf5", "\"\xef\xbf\xbd\""),
    E("\xff\xfe", "\"\xef\xbf\xbd\xef\xbf\xbd\""),
    E("\x80", "\"\xef\xbf\xbd\""),		 /* lone continuation */
    E("a\xe2\x82", "\"a\xef\xbf\xbd\""),	 /* truncated at the end */
    E("\xe2\x82z", "\"\xef\xbf\xbdz\""),	 /* truncated in the middle */
    E("\xf0\x9f\x98\"", "\"\xef\xbf\xbd\\\"\""), /* cut by a quote */
    E("\xc3\xa9\xc3", "\"\xc3\xa9\xef\xbf\xbd\""),
};

Test(jsonw, escaping_table)
{
	for (size_t i = 0; i < sizeof(escs) / sizeof(escs[0]); i++) {
		ew_jsonw_reset(&w);
		ew_jsonw_strn(&w, NULL, escs[i].in, escs[i].n);
		cr_expect_str_eq(w.buf, escs[i].out, "case %zu", i);
		cJSON_Delete(parse());
	}
}

Test(jsonw, hostile_keys_do_not_break_the_document)
{
	cJSON *j;

	ew_jsonw_obj_begin(&w, NULL);
	ew_jsonw_u64(&w, "a\"b", 1);
	ew_jsonw_u64(&w, "c\\", 2);
	ew_jsonw_obj_end(&w);
	j = parse();
	cr_assert_eq(cJSON_GetObjectItem(j, "a\"b")->valueint, 1);
	cr_assert_eq(cJSON_GetObjectItem(j, "c\\")->valueint, 2);
	cJSON_Delete(j);
}

Test(jsonw, reset_reuses_the_buffer)
{
	char *buf;
	size_t cap;

	for (int i = 0; i < 100; i++)
		ew_jsonw_str(&w, NULL, "warm-up");
	buf = w.buf;
	cap = w.cap;
	for (int round = 0; round < 1000; round++) {
		ew_jsonw_reset(&w);
		cr_assert_eq(w.len, 0);
		ew_jsonw_obj_begin(&w, NULL);
		ew_jsonw_u64(&w, "n", (uint64_t)round);
		ew_jsonw_obj_end(&w);
	}
	cr_assert_eq(w.buf, buf);
	cr_assert_eq(w.cap, cap);
	cr_assert_str_eq(w.buf, "{\"n\":999}");
}

Test(jsonw, grows_past_initial_capacity)
{
	size_t n = 1 << 20;
	char *big = malloc(n);
	cJSON *j;

	memset(big, 'q', n);
	big[n - 1] = '\n';
	ew_jsonw_obj_begin(&w, NULL);
	ew_jsonw_strn(&w, "big", big, n);
	ew_jsonw_obj_end(&w);
	j = parse();
	cr_assert_eq(strlen(cJSON_GetObjectItem(j, "big")->valuestring), n);
	cJSON_Delete(j);
	free(big);
}

Test(jsonw, too_deep_and_unbalanced_are_flagged)
{
	for (int i = 0; i < EW_JSONW_MAX_DEPTH; i++)
		ew_jsonw_arr_begin(&w, NULL);
	cr_assert_not(w.oom);
	ew_jsonw_arr_begin(&w, NULL);
	cr_assert(w.oom);

	ew_jsonw_reset(&w);
	cr_assert_not(w.oom);
	ew_jsonw_obj_begin(&w, NULL);
	ew_jsonw_obj_end(&w);
	ew_jsonw_obj_end(&w);
	cr_assert(w.oom);
}

Test(jsonw, deep_nesting_commas)
{
	cJSON *j;

	for (int i = 0; i < EW_JSONW_MAX_DEPTH; i++) {
		ew_jsonw_arr_begin(&w, NULL);
		ew_jsonw_u64(&w, NULL, (uint64_t)i);
	}
	for (int i = 0; i < EW_JSONW_MAX_DEPTH; i++) {
		ew_jsonw_u64(&w, NULL, 7);
		ew_jsonw_arr_end(&w);
	}
	j = parse();
	cr_assert_eq(cJSON_GetArraySize(j), 3);
	cJSON_Delete(j);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
	/* xorshift64*: fixed seed, the same strings every run. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

Test(jsonw, random_bytes_always_parse)
{
	char in[64];
	int valid_inputs = 0;

	for (int i = 0; i < 10000; i++) {
		size_t n = next() % sizeof(in);
		cJSON *j;

		/* Mix plain ASCII, UTF-8 lead/continuation bytes and controls. */
		for (size_t k = 0; k < n; k++) {
			uint64_t r = next();

			in[k] = (char)(r % 3 == 0 ? 0x20 + (r >> 8) % 95 : (r >> 8) & 0xff);
		}
		ew_jsonw_reset(&w);
		ew_jsonw_obj_begin(&w, NULL);
		ew_jsonw_strn(&w, "v", in, n);
		ew_jsonw_obj_end(&w);
		j = parse();
		/* Where the input was clean, the value must come back unchanged. */
		if (valid_utf8(in, n) && !memchr(in, '\0', n)) {
			const char *v = cJSON_GetObjectItem(j, "v")->valuestring;

			valid_inputs++;
			cr_assert_eq(strlen(v), n);
			cr_assert_eq(memcmp(v, in, n), 0);
		}
		cJSON_Delete(j);
	}
	cr_assert_gt(valid_inputs, 100, "the generator must also produce valid strings");
}

/* The short-string fast path reads words that overlap: a byte needing escape
 * anywhere in a key or value of any short length must still be escaped. */
Test(jsonw, one_hostile_byte_at_every_place_of_short_strings)
{
	static const char bad[] = {'"', '\\', '\n', 0x01, 0x1f, 0x7f};
	char s[40], want[40];

	for (size_t n = 1; n <= 33; n++) {
		for (size_t at = 0; at < n; at++) {
			for (size_t b = 0; b < sizeof(bad); b++) {
				cJSON *j, *v;

				memset(s, 'k', n);
				s[at] = bad[b];
				s[n] = '\0';
				memset(want, 'v', n);
				want[at] = bad[b];
				want[n] = '\0';
				ew_jsonw_reset(&w);
				ew_jsonw_obj_begin(&w, NULL);
				ew_jsonw_strn(&w, s, want, n);
				ew_jsonw_obj_end(&w);
				j = cJSON_Parse(w.buf);
				cr_assert_not_null(j, "n %zu at %zu byte %#x: %s", n, at, bad[b],
						   w.buf);
				v = cJSON_GetObjectItem(j, s);
				cr_assert_not_null(v, "n %zu at %zu: key lost: %s", n, at, w.buf);
				cr_assert_str_eq(v->valuestring, want, "n %zu at %zu", n, at);
				cJSON_Delete(j);
			}
		}
	}
}

/* Digits go two at a time: every count of digits, odd and even, as printf says. */
Test(jsonw, integers_of_every_length_as_printf_writes_them)
{
	char want[32];

	for (uint64_t p = 1, i = 0; i < 20; i++, p *= 10) {
		uint64_t vs[] = {p - 1, p, p + 1, p * 7 + 3};

		for (size_t k = 0; k < sizeof(vs) / sizeof(vs[0]); k++) {
			ew_jsonw_reset(&w);
			ew_jsonw_u64(&w, NULL, vs[k]);
			snprintf(want, sizeof(want), "%llu", (unsigned long long)vs[k]);
			cr_assert_str_eq(w.buf, want);
		}
	}
	for (uint64_t v = 0; v < 20000; v++) {
		ew_jsonw_reset(&w);
		ew_jsonw_u64(&w, NULL, v);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
		cr_assert_str_eq(w.buf, want);
	}
}

/* A literal key is copied unchecked only when the compiler proved it plain:
 * never one holding a byte that needs escaping. */
Test(jsonw, literal_keys_needing_escapes_are_never_marked_plain)
{
	cr_assert_eq(ew_jsonw_klen("a\"b"), 3);
	cr_assert_eq(ew_jsonw_klen("c\\"), 2);
	cr_assert_eq(ew_jsonw_klen("t\tab"), 4);
	cr_assert_eq(ew_jsonw_klen("del\x7f"), 4);
	cr_assert_eq(ew_jsonw_klen("caf\xc3\xa9"), 5);
	cr_assert_eq(ew_jsonw_klen("x\xff"), 2);
	cr_assert_eq(ew_jsonw_klen(NULL), 0);
	cr_assert_eq(ew_jsonw_klen("plain") & ~EW_JSONW_KEY_PLAIN, 5);
}

/* A lent buffer is written in place and never grown: too small is oom, not a move. */
Test(jsonw, fixed_buffer_in_place_then_oom)
{
	char buf[96];
	struct ew_jsonw f;

	/* Room is checked against each writer's bound (a number: 20 digits), not its text. */
	memset(buf, '#', sizeof(buf));
	ew_jsonw_init_fixed(&f, buf, 40);
	ew_jsonw_obj_begin(&f, NULL);
	ew_jsonw_u64(&f, "a", 12345);
	ew_jsonw_obj_end(&f);
	cr_assert(!f.oom);
	cr_assert_eq(f.buf, buf);
	cr_assert_str_eq(buf, "{\"a\":12345}");
	ew_jsonw_reset(&f);
	ew_jsonw_obj_begin(&f, NULL);
	ew_jsonw_str(&f, "long", "more than forty bytes once escaping is allowed for");
	cr_assert(f.oom);
	cr_assert_eq(f.buf, buf);
	for (size_t i = 40; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], '#', "byte %zu past the room written", i);
	ew_jsonw_free(&f); /* lent: not freed (ASan would say) */
}

/* A run written in place may open an object and stay in it: commas and closes follow as if opened
 * by ew_jsonw_obj_begin(). */
Test(jsonw, members_run_left_inside_an_object)
{
	struct ew_jsonw v;
	char *p;

	ew_jsonw_init(&v);
	p = ew_jsonw_members_begin(&v, 32);
	cr_assert_not_null(p);
	memcpy(p, "{\"a\":1", 6);
	ew_jsonw_members_end_in(&v, p + 6);
	p = ew_jsonw_members_begin(&v, 32);
	memcpy(p, "\"o\":{\"b\":2", 10);
	ew_jsonw_members_end_in(&v, p + 10);
	ew_jsonw_u64(&v, "c", 3);
	ew_jsonw_obj_end(&v);
	ew_jsonw_u64(&v, "d", 4);
	ew_jsonw_obj_end(&v);
	cr_assert(!v.oom);
	cr_assert_eq(v.depth, 0);
	cr_assert_str_eq(v.buf, "{\"a\":1,\"o\":{\"b\":2,\"c\":3},\"d\":4}");
	ew_jsonw_free(&v);
}
