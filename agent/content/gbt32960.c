// SPDX-License-Identifier: GPL-2.0-only
/*
 * gbt32960.c - GB/T 32960.3-2016 frames over a byte stream split anywhere.
 * A frame is buffered whole until its BCC is checked, so nothing from a
 * false start is reported; the buffer is the frame's announced size.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "content/gbt32960.h"

#define HEAD 24 /* "##" through the data length */

/* Information types of real-time data (GB/T 32960.3-2016 7.2.3). */
enum {
	INFO_VEHICLE = 0x01,
	INFO_MOTORS = 0x02,
	INFO_FUEL_CELL = 0x03,
	INFO_ENGINE = 0x04,
	INFO_POSITION = 0x05,
	INFO_EXTREMES = 0x06,
	INFO_ALARMS = 0x07,
	INFO_CELL_VOLTS = 0x08,
	INFO_CELL_TEMPS = 0x09,
};

struct ew_gbt32960 {
	const struct ew_gbt32960_ops *ops;
	void *arg;
	uint8_t *buf;
	size_t have, cap;
	uint64_t frames, bad;
	uint64_t fed, rescanned; /* bounds the work false starts cause */
};

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Commands, response flags and encryption values the standard defines (6.3.x). */
static bool header_ok(const uint8_t *h)
{
	uint8_t cmd = h[2], ack = h[3], enc = h[21];

	if (!((cmd >= 0x01 && cmd <= 0x08) || (cmd >= 0x80 && cmd <= 0x82) || cmd >= 0xc0) ||
	    cmd == 0xff)
		return false;
	if (ack != 0x01 && ack != 0x02 && ack != 0x03 && ack != 0xfe)
		return false;
	if (!(enc >= 0x01 && enc <= 0x03) && enc != 0xfe && enc != 0xff)
		return false;
	for (int i = 4; i < 21; i++)
		if (h[i] && (h[i] < 0x20 || h[i] > 0x7e))
			return false;
	return be16(h + 22) <= EW_GBT32960_DATA_MAX;
}

bool ew_gbt32960_sniff(const uint8_t *p, size_t n)
{
	return n >= HEAD && p[0] == '#' && p[1] == '#' && header_ok(p);
}

/*
 * Length of the information unit of @type whose body starts at @p (@n bytes
 * left), or 0 when unknown or cut short: the walk stops there.
 */
static size_t unit_len(uint8_t type, const uint8_t *p, size_t n)
{
	size_t len = 0, off, i;

	switch (type) {
	case INFO_VEHICLE:
		len = 20;
		break;
	case INFO_MOTORS: /* count, then 12 bytes per drive motor */
		len = n ? 1 + (size_t)p[0] * 12 : 0;
		break;
	case INFO_FUEL_CELL:
		/* voltage, current, consumption (2 each), probe count (2), a byte per
		 * probe, then 10 bytes of hydrogen maxima and DC/DC state. */
		if (n < 8 || be16(p + 6) >= 0xfffe)
			return 0;
		len = 8 + be16(p + 6) + 10;
		break;
	case INFO_ENGINE:
		len = 5;
		break;
	case INFO_POSITION:
		len = 9;
		break;
	case INFO_EXTREMES:
		len = 14;
		break;
	case INFO_ALARMS: /* level, flags (4), then four lists of 4-byte fault codes */
		off = 5;
		for (i = 0; i < 4; i++) {
			if (off >= n)
				return 0;
			off += 1 + (size_t)p[off] * 4;
		}
		len = off;
		break;
	case INFO_CELL_VOLTS: /* subsystems of 10 bytes + 2 per cell in this frame */
		if (!n)
			return 0;
		off = 1;
		for (i = 0; i < p[0]; i++) {
			if (off + 10 > n)
				return 0;
			off += 10 + (size_t)p[off + 9] * 2;
		}
		len = off;
		break;
	case INFO_CELL_TEMPS: /* subsystems of 3 bytes + 1 per probe */
		if (!n)
			return 0;
		off = 1;
		for (i = 0; i < p[0]; i++) {
			if (off + 3 > n)
				return 0;
			off += 3 + be16(p + off + 1);
		}
		len = off;
		break;
	default:
		return 0;
	}
	return len <= n ? len : 0;
}

/* Real-time data: a 6-byte time, then information units, each a type byte and body. */
static void walk(struct ew_gbt32960 *g, const uint8_t *d, size_t n)
{
	size_t off = 6;

	while (off < n) {
		uint8_t type = d[off++];
		size_t len = unit_len(type, d + off, n - off);

		if (!len)
			return;
		if (type == INFO_POSITION && g->ops->position) {
			const uint8_t *u = d + off;
			/* Status: bit 0 fix invalid, bit 1 south, bit 2 west; then lon, lat. */
			uint32_t lon = be32(u + 1), lat = be32(u + 5);

			if (lat <= 90000000 && lon <= 180000000)
				g->ops->position(g->arg, (u[0] & 2) ? -(int32_t)lat : (int32_t)lat,
						 (u[0] & 4) ? -(int32_t)lon : (int32_t)lon,
						 !(u[0] & 1));
		}
		off += len;
	}
}

static void deliver(struct ew_gbt32960 *g, const uint8_t *f, size_t len)
{
	g->frames++;
	if (g->ops->frame)
		g->ops->frame(g->arg, f[2], f[3], f + 4, f[21]);
	if ((f[2] == 0x02 || f[2] == 0x03) && f[21] == 0x01)
		walk(g, f + HEAD, len - HEAD - 1);
}

/* Drop the first @k buffered bytes and whatever precedes the next '#'. */
static void shift(struct ew_gbt32960 *g, size_t k)
{
	const uint8_t *h = k < g->have ? memchr(g->buf + k, '#', g->have - k) : NULL;

	if (!h) {
		g->have = 0;
		return;
	}
	g->have -= (size_t)(h - g->buf);
	memmove(g->buf, h, g->have);
}

/* A false start: rescan what it held, unless false starts already cost too much. */
static void reject(struct ew_gbt32960 *g)
{
	g->bad++;
	g->rescanned += g->have;
	shift(g, g->rescanned > 8 * g->fed + 65536 ? g->have : 1);
}

/* Decide about the candidate frame at the start of the buffer as far as its bytes go. */
static void scan(struct ew_gbt32960 *g)
{
	while (g->have) {
		size_t need;
		uint8_t x = 0;

		if (g->buf[0] != '#' || (g->have >= 2 && g->buf[1] != '#')) {
			shift(g, 1);
			continue;
		}
		if (g->have < HEAD)
			return;
		if (!header_ok(g->buf)) {
			reject(g);
			continue;
		}
		need = HEAD + be16(g->buf + 22) + 1;
		if (g->have < need)
			return;
		for (size_t i = 2; i < need - 1; i++)
			x ^= g->buf[i];
		if (x != g->buf[need - 1]) {
			reject(g);
			continue;
		}
		deliver(g, g->buf, need);
		shift(g, need);
	}
}

/* Bytes the candidate needs before scan() can decide more. */
static size_t wanted(const struct ew_gbt32960 *g)
{
	if (g->have < HEAD)
		return HEAD;
	return HEAD + be16(g->buf + 22) + 1;
}

static int grow(struct ew_gbt32960 *g, size_t want)
{
	size_t cap = g->cap ? g->cap : 512;
	uint8_t *b;

	while (cap < want)
		cap *= 2;
	if (cap > EW_GBT32960_FRAME_MAX)
		cap = EW_GBT32960_FRAME_MAX;
	b = realloc(g->buf, cap);
	if (!b)
		return -ENOMEM;
	g->buf = b;
	g->cap = cap;
	return 0;
}

int ew_gbt32960_feed(struct ew_gbt32960 *g, const uint8_t *p, size_t n)
{
	int ret = 0;

	g->fed += n;
	while (n) {
		size_t want, take;

		if (!g->have) {
			const uint8_t *h = memchr(p, '#', n);

			if (!h)
				break;
			n -= (size_t)(h - p);
			p = h;
		}
		want = wanted(g);
		if (want > g->cap && grow(g, want)) {
			g->bad++;
			ret = -ENOMEM;
			g->have = 0; /* skip this '#' and go on */
			p++;
			n--;
			continue;
		}
		take = want - g->have < n ? want - g->have : n;
		memcpy(g->buf + g->have, p, take);
		g->have += take;
		p += take;
		n -= take;
		scan(g);
	}
	return ret;
}

struct ew_gbt32960 *ew_gbt32960_open(const struct ew_gbt32960_ops *ops, void *arg)
{
	static const struct ew_gbt32960_ops none;
	struct ew_gbt32960 *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->ops = ops ? ops : &none;
	g->arg = arg;
	return g;
}

uint64_t ew_gbt32960_frames(const struct ew_gbt32960 *g, uint64_t *bad)
{
	if (bad)
		*bad = g->bad;
	return g->frames;
}

void ew_gbt32960_close(struct ew_gbt32960 *g)
{
	if (!g)
		return;
	free(g->buf);
	free(g);
}

size_t ew_gbt32960_state_size(void)
{
	return sizeof(struct ew_gbt32960) + EW_GBT32960_FRAME_MAX;
}
