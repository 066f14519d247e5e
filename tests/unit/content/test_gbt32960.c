// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "content/gbt32960.h"

struct log {
	char s[8192];
	size_t n;
};

static void on_frame(void *arg, uint8_t cmd, uint8_t ack, const uint8_t vin[17], uint8_t enc)
{
	struct log *l = arg;

	l->n += (size_t)snprintf(l->s + l->n, sizeof(l->s) - l->n, "F%02x/%02x/%02x:%.17s;", cmd,
				 ack, enc, (const char *)vin);
	cr_assert_lt(l->n, sizeof(l->s));
}

static void on_position(void *arg, int32_t lat, int32_t lon, bool fixed)
{
	struct log *l = arg;

	l->n += (size_t)snprintf(l->s + l->n, sizeof(l->s) - l->n, "P%d,%d%s;", lat, lon,
				 fixed ? "" : "?");
	cr_assert_lt(l->n, sizeof(l->s));
}

static const struct ew_gbt32960_ops ops = {on_frame, on_position};

static void run(const uint8_t *p, size_t n, size_t cut, struct log *l)
{
	struct ew_gbt32960 *g = ew_gbt32960_open(&ops, l);

	cr_assert(g);
	l->n = 0;
	l->s[0] = '\0';
	if (cut == SIZE_MAX) {
		for (size_t i = 0; i < n; i++)
			cr_assert_eq(ew_gbt32960_feed(g, p + i, 1), 0);
	} else {
		cr_assert_eq(ew_gbt32960_feed(g, p, cut), 0);
		cr_assert_eq(ew_gbt32960_feed(g, p + cut, n - cut), 0);
	}
	ew_gbt32960_close(g);
}

/* Every split, and byte at a time, reports @want. */
static void check(const uint8_t *p, size_t n, const char *want)
{
	struct log l;

	for (size_t cut = 0; cut <= n + 1; cut++) {
		run(p, n, cut <= n ? cut : SIZE_MAX, &l);
		cr_assert_str_eq(l.s, want, "cut %zu", cut);
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A frame around @data, BCC computed here. */
static size_t frame(uint8_t *out, uint8_t cmd, uint8_t enc, const char *vin, const uint8_t *data,
		    size_t n)
{
	uint8_t x = 0;

	out[0] = out[1] = '#';
	out[2] = cmd;
	out[3] = 0xfe;
	memcpy(out + 4, vin, 17);
	out[21] = enc;
	out[22] = (uint8_t)(n >> 8);
	out[23] = (uint8_t)n;
	memcpy(out + 24, data, n);
	for (size_t i = 2; i < 24 + n; i++)
		x ^= out[i];
	out[24 + n] = x;
	return 25 + n;
}

static size_t position(uint8_t *p, uint8_t status, uint32_t lon, uint32_t lat)
{
	p[0] = 0x05;
	p[1] = status;
	put32(p + 2, lon);
	put32(p + 6, lat);
	return 10;
}

/* Real-time data with every standard unit before, between and after two positions. */
static size_t realtime(uint8_t *d)
{
	size_t o = 6;

	memcpy(d, "\x18\x05\x01\x08\x1e\x00", 6);
	d[o++] = 0x01; /* whole vehicle */
	memset(d + o, 0x11, 20);
	o += 20;
	d[o++] = 0x02; /* two drive motors */
	d[o++] = 2;
	memset(d + o, 0x7e, 24);
	o += 24;
	d[o++] = 0x03; /* fuel cell with 3 probes */
	memset(d + o, 0, 21);
	d[o + 7] = 3;
	o += 21;
	d[o++] = 0x04; /* engine */
	memset(d + o, 0x23, 5);
	o += 5;
	o += position(d + o, 0x00, 116407395, 39904211);
	d[o++] = 0x06; /* extreme values */
	memset(d + o, 0x23, 14);
	o += 14;
	d[o++] = 0x07; /* alarms: one fault in the 1st and 3rd list */
	memcpy(d + o, "\x01\x00\x00\x00\x00\x01\x01\x02\x03\x04\x00\x01\x05\x06\x07\x08\x00", 17);
	o += 17;
	d[o++] = 0x08; /* cell voltages: a subsystem of 2 cells */
	memcpy(d + o, "\x01\x01\x0e\x10\x27\x10\x00\x60\x00\x01\x02\x0c\xe4\x0c\xe5", 15);
	o += 15;
	d[o++] = 0x09; /* cell temperatures: a subsystem of 3 probes */
	memcpy(d + o, "\x01\x01\x00\x03\x41\x42\x43", 7);
	o += 7;
	o += position(d + o, 0x07, 70123456, 33868820); /* invalid, south, west */
	return o;
}

#define VIN "LSVAU218XN2183294"

Test(gbt32960, realtime_every_unit_every_split)
{
	uint8_t d[512], f[1024];
	size_t n = frame(f, 0x02, 0x01, VIN, d, realtime(d));

	check(f, n, "F02/fe/01:" VIN ";P39904211,116407395;P-33868820,-70123456?;");
}

Test(gbt32960, frames_in_a_row_with_garbage)
{
	uint8_t d[512], f[4096];
	size_t dn = realtime(d), n = 0;

	memcpy(f, "#x##", 4); /* garbage, then a false start cut by the real frame */
	n = 4;
	n += frame(f + n, 0x03, 0x01, VIN, d, dn);
	n += frame(f + n, 0x07, 0x01, VIN, d, 0);
	/* Bad BCC: skipped. */
	n += frame(f + n, 0x02, 0x01, VIN, d, dn);
	f[n - 1] ^= 1;
	n += frame(f + n, 0x04, 0x01, VIN, d, 6);
	check(f, n,
	      "F03/fe/01:" VIN ";P39904211,116407395;P-33868820,-70123456?;"
	      "F07/fe/01:" VIN ";F04/fe/01:" VIN ";");
}

/* A false start announcing 60000 bytes must not hide the frames inside it. */
Test(gbt32960, resync_inside_a_false_start)
{
	static uint8_t f[70000];
	uint8_t d[16];
	size_t n = frame(f, 0x02, 0x01, VIN, d, 0);
	struct log l;

	f[22] = 0xea; /* 60000 bytes announced */
	f[23] = 0x60;
	n = 24;
	position(d + 6, 0, 121473701, 31230416);
	memset(d, 1, 6);
	for (int i = 0; i < 50; i++)
		n += frame(f + n, 0x02, 0x01, VIN, d, 16);
	memset(f + n, 'z', 60100);
	n += 60100;
	run(f, n, 0, &l);
	cr_assert_eq(strlen(l.s), 50 * strlen("F02/fe/01:" VIN ";P31230416,121473701;"));
	run(f, n, SIZE_MAX, &l);
	cr_assert_eq(strlen(l.s), 50 * strlen("F02/fe/01:" VIN ";P31230416,121473701;"));
}

Test(gbt32960, walk_stops_and_encryption)
{
	uint8_t d[64], f[128];
	size_t o = 6, n;

	memset(d, 1, 6);
	d[o++] = 0x80; /* a vendor unit of unknown length: the walk stops */
	o += position(d + o, 0, 116407395, 39904211);
	n = frame(f, 0x02, 0x01, VIN, d, o);
	check(f, n, "F02/fe/01:" VIN ";");
	/* Encrypted data: no walk. */
	n = frame(f, 0x02, 0x03, VIN, d, 6 + position(d + 6, 0, 116407395, 39904211));
	check(f, n, "F02/fe/03:" VIN ";");
	/* Not a real-time upload: no walk. */
	n = frame(f, 0x01, 0x01, VIN, d, 16);
	check(f, n, "F01/fe/01:" VIN ";");
	/* A position cut by the frame's end, and out-of-range degrees. */
	n = frame(f, 0x02, 0x01, VIN, d, 6 + 5);
	check(f, n, "F02/fe/01:" VIN ";");
	n = frame(f, 0x02, 0x01, VIN, d, 6 + position(d + 6, 0, 190000000, 39904211));
	check(f, n, "F02/fe/01:" VIN ";");
}

Test(gbt32960, bad_headers)
{
	uint8_t f[128], d[8] = {0};
	size_t n = frame(f, 0x02, 0x01, VIN, d, 6);

	f[3] = 0x55; /* response flag */
	check(f, n, "");
	n = frame(f, 0x02, 0x07, VIN, d, 6); /* encryption */
	check(f, n, "");
	n = frame(f, 0x02, 0x01, "LSVAU218XN218329\x01", d, 6);
	check(f, n, "");
	n = frame(f, 0x20, 0x01, VIN, d, 6); /* reserved command */
	check(f, n, "");
	n = frame(f, 0x02, 0x01, VIN, d, 6);
	f[22] = f[23] = 0xff; /* 65535 > 65531 */
	cr_assert(!ew_gbt32960_sniff(f, n));
	n = frame(f, 0x02, 0x01, VIN, d, 6);
	cr_assert(ew_gbt32960_sniff(f, n));
	cr_assert(!ew_gbt32960_sniff(f, 23));
}

Test(gbt32960, counts_and_state)
{
	uint8_t f[128], d[8] = {0};
	size_t n = frame(f, 0x07, 0x01, VIN, d, 0);
	struct ew_gbt32960 *g = ew_gbt32960_open(NULL, NULL);
	uint64_t bad;

	cr_assert(g);
	ew_gbt32960_feed(g, f, n);
	f[n - 1] ^= 0xff;
	ew_gbt32960_feed(g, f, n);
	cr_assert_eq(ew_gbt32960_frames(g, &bad), 1);
	cr_assert_eq(bad, 1);
	ew_gbt32960_close(g);
	cr_assert_lt(ew_gbt32960_state_size(), 66 * 1024);
}

/* tests/data/telematics/gbt32960-sample.bin, written by tests/integration/telematics.py. */
Test(gbt32960, telematics_py_sample)
{
	char path[4096];
	uint8_t buf[4096];
	const char *root = getenv("EW_SOURCE_ROOT");
	FILE *fp;
	size_t n;

	cr_assert(root);
	snprintf(path, sizeof(path), "%s/tests/data/telematics/gbt32960-sample.bin", root);
	fp = fopen(path, "rb");
	cr_assert(fp, "%s", path);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	check(buf, n,
	      "F01/fe/01:LSVAU218XN2183294;"
	      "F02/fe/01:LSVAU218XN2183294;P39904211,116407395;P39905123,116409876;"
	      "F03/fe/01:LFV2A21K1A3012345;P31230416,121473701;P-33868820,-70123456;");
}
