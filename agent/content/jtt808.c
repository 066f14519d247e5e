// SPDX-License-Identifier: GPL-2.0-only
/*
 * jtt808.c - JT/T 808-2011/2013/2019 frames over a byte stream split
 * anywhere. Every 0x7E delimits: frames that share one delimiter and frames
 * that each have their own are both taken.
 */
#include <stdlib.h>
#include <string.h>

#include "content/jtt808.h"

#define FLAG 0x7e
#define ESC  0x7d

/* Message body properties (JT/T 808-2019 4.4.3). */
#define PROP_LEN     0x03ff
#define PROP_CRYPT   0x1c00
#define PROP_SPLIT   0x2000
#define PROP_VERSION 0x4000

#define LOCATION_BASIC 28 /* alarm, status, lat, lon, altitude, speed, bearing, time */

struct ew_jtt808 {
	const struct ew_jtt808_ops *ops;
	void *arg;
	bool synced; /* a 0x7E was seen */
	bool esc;    /* the last byte was 0x7D */
	bool bad;    /* this candidate is no frame: skip to the next 0x7E */
	size_t len;
	uint64_t frames, rejected;
	uint8_t buf[EW_JTT808_FRAME_MAX];
};

/* Where a frame's parts are, once its length and check code are known good. */
struct frame {
	uint16_t id, props;
	const uint8_t *phone, *body;
	size_t nphone, nbody;
};

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool parse(const uint8_t *b, size_t n, struct frame *f)
{
	size_t hdr;
	uint8_t x = 0;

	if (n < 13)
		return false;
	f->id = (uint16_t)be16(b);
	f->props = (uint16_t)be16(b + 2);
	/* 2019: a protocol version byte and a 10-byte phone; before, a 6-byte phone. */
	hdr = f->props & PROP_VERSION ? 17 : 12;
	if (f->props & PROP_SPLIT)
		hdr += 4; /* packet count and number */
	f->nbody = f->props & PROP_LEN;
	if (hdr + f->nbody + 1 != n)
		return false;
	for (size_t i = 0; i < n - 1; i++)
		x ^= b[i];
	if (x != b[n - 1])
		return false;
	f->phone = f->props & PROP_VERSION ? b + 5 : b + 4;
	f->nphone = f->props & PROP_VERSION ? 10 : 6;
	f->body = b + hdr;
	return true;
}

static void phone_str(const struct frame *f, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < 2 * f->nphone; i++) {
		unsigned d = i & 1 ? f->phone[i / 2] & 0x0f : f->phone[i / 2] >> 4;

		if (d > 9) {
			out[0] = '\0';
			return;
		}
		if (o || d)
			out[o++] = (char)('0' + d);
	}
	if (!o)
		out[o++] = '0';
	out[o] = '\0';
}

static void location(struct ew_jtt808 *j, const uint8_t *b, size_t n)
{
	uint32_t status, lat, lon;

	if (n < LOCATION_BASIC || !j->ops->position)
		return;
	/* Status bit 1: positioned; bit 2: south; bit 3: west (Table 24). */
	status = be32(b + 4);
	lat = be32(b + 8);
	lon = be32(b + 12);
	if (lat > 90000000 || lon > 180000000)
		return;
	j->ops->position(j->arg, status & 4 ? -(int32_t)lat : (int32_t)lat,
			 status & 8 ? -(int32_t)lon : (int32_t)lon, status & 2);
}

static void deliver(struct ew_jtt808 *j, const struct frame *f)
{
	char phone[EW_JTT808_PHONE_LEN];
	const uint8_t *b = f->body;
	size_t n = f->nbody, off;

	j->frames++;
	if (j->ops->frame) {
		phone_str(f, phone);
		j->ops->frame(j->arg, f->id, phone);
	}
	/* A body split over packets or encrypted is not a location report as such. */
	if (f->props & (PROP_SPLIT | PROP_CRYPT))
		return;
	switch (f->id) {
	case 0x0200:
		location(j, b, n);
		break;
	case 0x0201: /* reply flow number, then a location report */
		if (n >= 2)
			location(j, b + 2, n - 2);
		break;
	case 0x0704: /* count (2), type (1), then reports each with a 2-byte length */
		if (n < 3)
			break;
		off = 3;
		for (unsigned i = 0, cnt = be16(b); i < cnt && off + 2 <= n; i++) {
			size_t len = be16(b + off);

			off += 2;
			if (len > n - off)
				break;
			location(j, b + off, len);
			off += len;
		}
		break;
	}
}

static void candidate_end(struct ew_jtt808 *j)
{
	struct frame f;

	if (j->len || j->bad || j->esc) {
		if (!j->bad && !j->esc && parse(j->buf, j->len, &f))
			deliver(j, &f);
		else
			j->rejected++;
	}
	j->len = 0;
	j->bad = j->esc = false;
}

void ew_jtt808_feed(struct ew_jtt808 *j, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;

	while (p < end) {
		uint8_t c;

		if (!j->synced || j->bad) {
			const uint8_t *f = memchr(p, FLAG, (size_t)(end - p));

			if (!f)
				return;
			p = f;
		}
		c = *p++;
		if (c == FLAG) {
			if (j->synced)
				candidate_end(j);
			j->synced = true;
			continue;
		}
		if (j->esc) {
			j->esc = false;
			if (c != 0x01 && c != 0x02) {
				j->bad = true;
				continue;
			}
			c = c == 0x02 ? FLAG : ESC;
		} else if (c == ESC) {
			j->esc = true;
			continue;
		}
		if (j->len == sizeof(j->buf)) {
			j->bad = true;
			continue;
		}
		j->buf[j->len++] = c;
	}
}

bool ew_jtt808_sniff(const uint8_t *p, size_t n)
{
	uint8_t b[EW_JTT808_FRAME_MAX];
	struct frame f;
	size_t len = 0;

	if (n < 2 || p[0] != FLAG)
		return false;
	for (size_t i = 1; i < n; i++) {
		uint8_t c = p[i];

		if (c == FLAG)
			return parse(b, len, &f);
		if (c == ESC) {
			if (++i == n || (p[i] != 0x01 && p[i] != 0x02))
				return false;
			c = p[i] == 0x02 ? FLAG : ESC;
		}
		if (len == sizeof(b))
			return false;
		b[len++] = c;
	}
	return false;
}

struct ew_jtt808 *ew_jtt808_open(const struct ew_jtt808_ops *ops, void *arg)
{
	static const struct ew_jtt808_ops none;
	struct ew_jtt808 *j = malloc(sizeof(*j));

	if (!j)
		return NULL;
	memset(j, 0, offsetof(struct ew_jtt808, buf));
	j->ops = ops ? ops : &none;
	j->arg = arg;
	return j;
}

uint64_t ew_jtt808_frames(const struct ew_jtt808 *j, uint64_t *bad)
{
	if (bad)
		*bad = j->rejected;
	return j->frames;
}

void ew_jtt808_close(struct ew_jtt808 *j)
{
	free(j);
}

size_t ew_jtt808_state_size(void)
{
	return sizeof(struct ew_jtt808);
}
