// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include <criterion/criterion.h>

#include "content/http_body.h"
#include "content/http_req.h"

static char got[65536];
static size_t ngot;

static void sink(void *arg, const uint8_t *p, size_t n)
{
	cr_assert_leq(ngot + n, sizeof(got));
	memcpy(got + ngot, p, n);
	ngot += n;
}

/* Decode @in as one body of @text, fed in pieces of @step bytes. */
static void text_body(enum ew_http_text text, const char *in, size_t step, const char *want,
		      size_t wn)
{
	struct ew_http_body b;
	size_t n = strlen(in);

	ew_http_body_init(&b, 1 << 20, sink, NULL);
	ew_http_body_start(&b, EW_HTTP_CODING_NONE, text);
	ngot = 0;
	for (size_t i = 0; i < n; i += step)
		cr_assert_eq(
		    ew_http_body_feed(&b, (const uint8_t *)in + i, n - i < step ? n - i : step), 0);
	cr_assert_eq(ew_http_body_finish(&b), 0);
	cr_assert_eq(ngot, wn, "step %zu: %zu bytes, want %zu", step, ngot, wn);
	cr_assert(!memcmp(got, want, wn), "step %zu", step);
}

Test(http_body, json_escapes_any_piece_size)
{
	/* Every escape, pairs, a pair broken by another escape, NUL, and bad hex. */
	const char *in = "\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u4EAC\\uD83D\\uDE00\\ud83d\\u4eac"
			 "\\u0000\\uzz\\ud83d\\t";
	const char want[] = "\"\\/\b\f\n\r\t\xc3\xa9\xe4\xba\xac\xf0\x9f\x98\x80"
			    "\xef\xbf\xbd\xe4\xba\xac"
			    "\0\\uzz\xef\xbf\xbd\t";

	for (size_t step = 1; step <= strlen(in); step++)
		text_body(EW_HTTP_TEXT_JSON, in, step, want, sizeof(want) - 1);
}

Test(http_body, form_any_piece_size)
{
	const char *in = "a=%E4%BA%AC+b&c=%2&d=%%41&e=100%";
	const char want[] = "a=\xe4\xba\xac b&c=%2&d=%A&e=100%";

	for (size_t step = 1; step <= strlen(in); step++)
		text_body(EW_HTTP_TEXT_FORM, in, step, want, sizeof(want) - 1);
}

/* zlib's memory is counted and bounded while a body inflates, and given back after. */
Test(http_body, zlib_memory_bounded)
{
	static uint8_t raw[32768], z[40000];
	struct ew_http_body b;
	z_stream s = {0};

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 7 + i / 300);
	cr_assert_eq(deflateInit2(&s, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = raw;
	s.avail_in = sizeof(raw);
	s.next_out = z;
	s.avail_out = sizeof(z);
	cr_assert_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
	deflateEnd(&s);
	ew_http_body_init(&b, 1 << 20, sink, NULL);
	ew_http_body_start(&b, EW_HTTP_CODING_GZIP, EW_HTTP_TEXT_NONE);
	ngot = 0;
	cr_assert_eq(ew_http_body_feed(&b, z, s.total_out / 2), 0);
	cr_assert_gt(b.zbytes, 32768); /* the window */
	cr_assert_leq(b.zbytes, EW_HTTP_ZLIB_MAX);
	cr_assert_eq(ew_http_body_feed(&b, z + s.total_out / 2, s.total_out - s.total_out / 2), 0);
	cr_assert_eq(ew_http_body_finish(&b), 0);
	cr_assert_eq(b.zbytes, 0);
	cr_assert_eq(ngot, sizeof(raw));
	cr_assert(!memcmp(got, raw, sizeof(raw)));
}

Test(http_body, deflate_header_split_and_one_byte_body)
{
	static const uint8_t one = 0x78;
	struct ew_http_body b;
	uint8_t z[64];
	uLongf zn = sizeof(z);

	cr_assert_eq(compress(z, &zn, (const Bytef *)"hello", 5), Z_OK);
	ew_http_body_init(&b, 1 << 20, sink, NULL);
	ew_http_body_start(&b, EW_HTTP_CODING_DEFLATE, EW_HTTP_TEXT_NONE);
	ngot = 0;
	for (size_t i = 0; i < zn; i++)
		cr_assert_eq(ew_http_body_feed(&b, z + i, 1), 0);
	cr_assert_eq(ew_http_body_finish(&b), 0);
	cr_assert_eq(ngot, 5);
	cr_assert(!memcmp(got, "hello", 5));
	/* One byte: cannot be a deflate stream. */
	ew_http_body_start(&b, EW_HTTP_CODING_DEFLATE, EW_HTTP_TEXT_NONE);
	cr_assert_eq(ew_http_body_feed(&b, &one, 1), 0);
	cr_assert_eq(ew_http_body_finish(&b), EW_HTTP_ECORRUPT);
	/* No bytes: an empty body. */
	ew_http_body_start(&b, EW_HTTP_CODING_GZIP, EW_HTTP_TEXT_NONE);
	cr_assert_eq(ew_http_body_finish(&b), 0);
}

static size_t utf8(uint32_t cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Random code points written as a JSON encoder would (escaped or raw UTF-8) come back. */
Test(http_body, json_random_round_trip)
{
	static char in[16384], want[16384];
	unsigned seed = 12345;

	for (int round = 0; round < 200; round++) {
		size_t n = 0, wn = 0;

		for (int k = 0; k < 300; k++) {
			uint32_t cp;

			seed = seed * 1103515245 + 12345;
			switch ((seed >> 16) % 4) {
			case 0:
				cp = 0x20 + (seed >> 8) % 0x5f;
				break;
			case 1:
				cp = (seed >> 4) % 0x800;
				break;
			case 2:
				cp = 0x800 + (seed >> 4) % 0xf000;
				break;
			default:
				cp = 0x10000 + (seed >> 4) % 0xfffff;
				break;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0x4eac;
			wn += utf8(cp, want + wn);
			if (cp >= 0x10000)
				n += (size_t)sprintf(in + n, "\\u%04X\\u%04x",
						     0xd800 + ((cp - 0x10000) >> 10),
						     0xdc00 + ((cp - 0x10000) & 0x3ff));
			else if (cp == '"' || cp == '\\' || cp < 0x20 || (seed & 0x100))
				n += (size_t)sprintf(in + n, "\\u%04x", cp);
			else
				n += utf8(cp, in + n);
		}
		in[n] = '\0';
		text_body(EW_HTTP_TEXT_JSON, in, 1 + seed % 97, want, wn);
	}
}
