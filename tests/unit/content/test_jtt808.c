// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "content/jtt808.h"

struct log {
	char s[8192];
	size_t n;
};

static void on_frame(void *arg, uint16_t id, const char *phone)
{
	struct log *l = arg;

	l->n += (size_t)snprintf(l->s + l->n, sizeof(l->s) - l->n, "F%04x:%s;", id, phone);
	cr_assert_lt(l->n, sizeof(l->s));
}

static void on_position(void *arg, int32_t lat, int32_t lon, bool fixed)
{
	struct log *l = arg;

	l->n += (size_t)snprintf(l->s + l->n, sizeof(l->s) - l->n, "P%d,%d%s;", lat, lon,
				 fixed ? "" : "?");
	cr_assert_lt(l->n, sizeof(l->s));
}

static const struct ew_jtt808_ops ops = {on_frame, on_position};

static void run(const uint8_t *p, size_t n, size_t cut, struct log *l)
{
	struct ew_jtt808 *j = ew_jtt808_open(&ops, l);

	cr_assert(j);
	l->n = 0;
	l->s[0] = '\0';
	if (cut == SIZE_MAX) {
		for (size_t i = 0; i < n; i++)
			ew_jtt808_feed(j, p + i, 1);
	} else {
		ew_jtt808_feed(j, p, cut);
		ew_jtt808_feed(j, p + cut, n - cut);
	}
	ew_jtt808_close(j);
}

static void check(const uint8_t *p, size_t n, const char *want)
{
	struct log l;

	for (size_t cut = 0; cut <= n + 1; cut++) {
		run(p, n, cut <= n ? cut : SIZE_MAX, &l);
		cr_assert_str_eq(l.s, want, "cut %zu", cut);
	}
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Header, @body, check code; then escaped and delimited into @out. */
static size_t frame(uint8_t *out, unsigned id, unsigned props, const uint8_t *bcd, size_t nbcd,
		    const uint8_t *body, size_t n)
{
	uint8_t raw[4096], x = 0;
	size_t r = 0, o = 0;

	put16(raw, id);
	put16(raw + 2, props | (unsigned)n);
	r = 4;
	if (nbcd == 10)
		raw[r++] = 1; /* 2019 protocol version */
	memcpy(raw + r, bcd, nbcd);
	r += nbcd;
	put16(raw + r, 0x7e7d); /* flow number that needs escaping */
	r += 2;
	if (props & 0x2000) {
		put32(raw + r, 0x00020001);
		r += 4;
	}
	memcpy(raw + r, body, n);
	r += n;
	for (size_t i = 0; i < r; i++)
		x ^= raw[i];
	raw[r++] = x;
	out[o++] = 0x7e;
	for (size_t i = 0; i < r; i++) {
		if (raw[i] == 0x7e || raw[i] == 0x7d) {
			out[o++] = 0x7d;
			out[o++] = raw[i] == 0x7e ? 0x02 : 0x01;
		} else {
			out[o++] = raw[i];
		}
	}
	out[o++] = 0x7e;
	return o;
}

static size_t location(uint8_t *b, uint32_t status, uint32_t lat, uint32_t lon)
{
	memset(b, 0, 28);
	put32(b + 4, status);
	put32(b + 8, lat);
	put32(b + 12, lon);
	memcpy(b + 22, "\x24\x05\x01\x08\x30\x00", 6);
	return 28;
}

static const uint8_t phone6[6] = {0x01, 0x38, 0x00, 0x13, 0x80, 0x00};
static const uint8_t phone10[10] = {0, 0, 0, 0, 0x01, 0x39, 0x12, 0x34, 0x56, 0x78};

Test(jtt808, location_2013_and_2019_every_split)
{
	uint8_t b[64], f[512];
	size_t n;

	/* 0x7E inside latitude: escaped. */
	n = frame(f, 0x0200, 0, phone6, 6, b, location(b, 2, 39904211, 116407395));
	n += frame(f + n, 0x0200, 0x4000, phone10, 10, b,
		   location(b, 2 | 4 | 8, 0x7e7d7e, 70123456));
	n += frame(f + n, 0x0002, 0, phone6, 6, b, 0);
	check(f, n,
	      "F0200:13800138000;P39904211,116407395;F0200:13912345678;P-8289662,-70123456;"
	      "F0002:13800138000;");
}

Test(jtt808, shared_delimiters_and_garbage)
{
	uint8_t b[64], f[512];
	size_t n = 0, k;

	memcpy(f, "junk\x7d", 5); /* before the first delimiter: ignored */
	n = 5;
	k = frame(f + n, 0x0200, 0, phone6, 6, b, location(b, 0, 31230416, 121473701));
	n += k - 1; /* the next frame shares this one's closing 0x7E */
	n += frame(f + n, 0x0002, 0, phone6, 6, b, 0);
	check(f, n, "F0200:13800138000;P31230416,121473701?;F0002:13800138000;");
}

Test(jtt808, rejected_frames)
{
	uint8_t b[64], f[8192];
	size_t n;
	struct log l;

	/* Bad check code. */
	n = frame(f, 0x0200, 0, phone6, 6, b, location(b, 2, 39904211, 116407395));
	f[n - 2] ^= 0x01;
	check(f, n, "");
	/* Bad escape. */
	n = frame(f, 0x0002, 0, phone6, 6, b, 0);
	memcpy(f + 3, "\x7d\x05", 2);
	check(f, n, "");
	/* Length in the properties disagrees with the frame. */
	n = frame(f, 0x0002, 0, phone6, 6, b, 0);
	f[4] = 0x01;
	check(f, n, "");
	/* Too long: more than EW_JTT808_FRAME_MAX unescaped bytes between delimiters. */
	memset(f, 0x11, sizeof(f));
	f[0] = 0x7e;
	n = sizeof(f) - 200;
	n += frame(f + n, 0x0002, 0, phone6, 6, b, 0);
	run(f, n, 0, &l);
	cr_assert_str_eq(l.s, "F0002:13800138000;");
	/* A non-BCD phone: the frame counts, the phone is "". */
	n = frame(f, 0x0002, 0, (const uint8_t *)"\x01\x3a\x00\x13\x80\x00", 6, b, 0);
	check(f, n, "F0002:;");
}

Test(jtt808, bulk_split_and_encrypted)
{
	uint8_t b[256], f[1024];
	size_t n, o = 3;

	/* 0x0704: two reports, each with a length. */
	put16(b, 2);
	b[2] = 1;
	put16(b + o, 28);
	o += 2 + location(b + o + 2, 2, 39904211, 116407395);
	put16(b + o, 28);
	o += 2 + location(b + o + 2, 2, 39905123, 116409876);
	n = frame(f, 0x0704, 0, phone6, 6, b, o);
	check(f, n, "F0704:13800138000;P39904211,116407395;P39905123,116409876;");
	/* Subpackaged or RSA-encrypted bodies are not read as reports. */
	n = frame(f, 0x0200, 0x2000, phone6, 6, b, location(b, 2, 39904211, 116407395));
	check(f, n, "F0200:13800138000;");
	n = frame(f, 0x0200, 0x0400, phone6, 6, b, location(b, 2, 39904211, 116407395));
	check(f, n, "F0200:13800138000;");
	/* 0x0201: reply serial, then a report; a report too short is skipped. */
	b[0] = b[1] = 0;
	n = frame(f, 0x0201, 0, phone6, 6, b, 2 + location(b + 2, 2, 39904211, 116407395));
	check(f, n, "F0201:13800138000;P39904211,116407395;");
	n = frame(f, 0x0200, 0, phone6, 6, b, 20);
	check(f, n, "F0200:13800138000;");
}

Test(jtt808, sniff_counts_state)
{
	uint8_t b[64] = {0}, f[512];
	size_t n = frame(f, 0x0002, 0, phone6, 6, b, 0);
	struct ew_jtt808 *j = ew_jtt808_open(NULL, NULL);
	uint64_t bad;

	cr_assert(ew_jtt808_sniff(f, n));
	cr_assert(!ew_jtt808_sniff(f, n - 1));
	cr_assert(!ew_jtt808_sniff(f + 1, n - 1));
	cr_assert(j);
	ew_jtt808_feed(j, f, n);
	ew_jtt808_feed(j, (const uint8_t *)"\x7e\x01\x02\x7e", 4);
	cr_assert_eq(ew_jtt808_frames(j, &bad), 1);
	cr_assert_eq(bad, 1);
	ew_jtt808_close(j);
	cr_assert_lt(ew_jtt808_state_size(), 8192);
}

/* tests/data/telematics/jtt808-sample.bin, written by tests/integration/telematics.py. */
Test(jtt808, telematics_py_sample)
{
	char path[4096];
	uint8_t buf[4096];
	const char *root = getenv("EW_SOURCE_ROOT");
	FILE *fp;
	size_t n;

	cr_assert(root);
	snprintf(path, sizeof(path), "%s/tests/data/telematics/jtt808-sample.bin", root);
	fp = fopen(path, "rb");
	cr_assert(fp, "%s", path);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	/* The sample holds both escapes. */
	cr_assert(memmem(buf, n, "\x7d\x01", 2) && memmem(buf, n, "\x7d\x02", 2));
	check(buf, n,
	      "F0200:13800138000;P39904211,116407395;"
	      "F0200:13912345678;P39905123,116409876;"
	      "F0200:13800138000;P-33868820,-70123456;"
	      "F0002:13800138000;");
}
