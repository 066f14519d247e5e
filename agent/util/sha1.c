// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "util/sha1.h"

static inline uint32_t rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

/* The 80 rounds as four runs of twenty, the schedule kept in 16 words: no
 * branch per round. Every flow record hashes its Community ID once. */
#define W(i)                                                                                       \
	(w[(i)&15] = rol(w[((i) + 13) & 15] ^ w[((i) + 8) & 15] ^ w[((i) + 2) & 15] ^ w[(i)&15], 1))
#define ROUND(f, k, wi)                                                                            \
	do {                                                                                       \
		uint32_t t_ = rol(a, 5) + (f) + e + (k) + (wi);                                    \
		e = d;                                                                             \
		d = c;                                                                             \
		c = rol(b, 30);                                                                    \
		b = a;                                                                             \
		a = t_;                                                                            \
	} while (0)

static void block(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	int i;

	for (i = 0; i < 16; i++) {
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
		ROUND((b & c) | (~b & d), 0x5A827999, w[i]);
	}
	for (; i < 20; i++)
		ROUND((b & c) | (~b & d), 0x5A827999, W(i));
	for (; i < 40; i++)
		ROUND(b ^ c ^ d, 0x6ED9EBA1, W(i));
	for (; i < 60; i++)
		ROUND((b & c) | (b & d) | (c & d), 0x8F1BBCDC, W(i));
	for (; i < 80; i++)
		ROUND(b ^ c ^ d, 0xCA62C1D6, W(i));
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void ew_sha1(const void *data, size_t len, uint8_t out[EW_SHA1_LEN])
{
	uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
	const uint8_t *p = data;
	uint64_t bits = (uint64_t)len * 8;
	uint8_t tail[128] = {0};
	size_t rest, tlen;

	for (; len >= 64; p += 64, len -= 64)
		block(h, p);
	rest = len;
	if (rest)
		memcpy(tail, p, rest);
	tail[rest] = 0x80;
	/* The length must fit after the 0x80: one block, or two when it does not. */
	tlen = rest < 56 ? 64 : 128;
	for (int i = 0; i < 8; i++)
		tail[tlen - 1 - i] = (uint8_t)(bits >> (8 * i));
	block(h, tail);
	if (tlen == 128)
		block(h, tail + 64);
	for (size_t i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}
