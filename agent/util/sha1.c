// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <string.h>

#include "util/sha1.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI 1
#endif

static inline uint32_t rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

/*
 * The 80 rounds unrolled five at a time, the five words renamed from round
 * to round instead of moved, and the schedule kept in 16 words: the C rounds
 * run where the SHA extensions do not (Intel before Ice Lake, valgrind), and
 * every flow record hashes its Community ID once.
 */
#define W(i)                                                                                       \
	(w[(i)&15] = rol(w[((i) + 13) & 15] ^ w[((i) + 8) & 15] ^ w[((i) + 2) & 15] ^ w[(i)&15], 1))
#define WI(i)		  ((i) < 16 ? w[(i)&15] : W(i))
#define F_CH(b, c, d)	  ((d) ^ ((b) & ((c) ^ (d))))
#define F_PARITY(b, c, d) ((b) ^ (c) ^ (d))
#define F_MAJ(b, c, d)	  (((b) & (c)) | ((d) & ((b) | (c))))
#define ROUND(a, b, c, d, e, f, k, i)                                                              \
	do {                                                                                       \
		e += rol(a, 5) + f(b, c, d) + (k) + WI(i);                                         \
		b = rol(b, 30);                                                                    \
	} while (0)
#define ROUND5(i, f, k)                                                                            \
	do {                                                                                       \
		ROUND(a, b, c, d, e, f, k, (i));                                                   \
		ROUND(e, a, b, c, d, f, k, (i) + 1);                                               \
		ROUND(d, e, a, b, c, f, k, (i) + 2);                                               \
		ROUND(c, d, e, a, b, f, k, (i) + 3);                                               \
		ROUND(b, c, d, e, a, f, k, (i) + 4);                                               \
	} while (0)
#define ROUND20(i, f, k)                                                                           \
	do {                                                                                       \
		ROUND5((i), f, k);                                                                 \
		ROUND5((i) + 5, f, k);                                                             \
		ROUND5((i) + 10, f, k);                                                            \
		ROUND5((i) + 15, f, k);                                                            \
	} while (0)

static void block(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	ROUND20(0, F_CH, 0x5A827999);
	ROUND20(20, F_PARITY, 0x6ED9EBA1);
	ROUND20(40, F_MAJ, 0x8F1BBCDC);
	ROUND20(60, F_PARITY, 0xCA62C1D6);
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

#ifdef HAVE_SHA_NI
/*
 * The same block with the SHA extensions (Intel's SHA-NI, AMD since Zen):
 * four rounds an instruction, several times the speed of the C rounds.
 * Group g runs rounds 4g..4g+3: e1/e0 take turns holding the E of the next
 * group, and the schedule of group g+1 is finished in m[(g+1)%4] from the
 * words of the groups before it (sha1msg1, xor, sha1msg2).
 */
#define NI_GROUP(g)                                                                                \
	do {                                                                                       \
		__m128i *x_ = (g) % 2 ? &e1 : &e0, *y_ = (g) % 2 ? &e0 : &e1;                      \
		if ((g) == 0)                                                                      \
			*x_ = _mm_add_epi32(*x_, m[0]);                                            \
		else                                                                               \
			*x_ = _mm_sha1nexte_epu32(*x_, m[(g) % 4]);                                \
		*y_ = abcd;                                                                        \
		if ((g) >= 3 && (g) <= 18)                                                         \
			m[((g) + 1) % 4] = _mm_sha1msg2_epu32(m[((g) + 1) % 4], m[(g) % 4]);       \
		abcd = _mm_sha1rnds4_epu32(abcd, *x_, (g) / 5);                                    \
		if ((g) >= 1 && (g) <= 16)                                                         \
			m[((g) + 3) % 4] = _mm_sha1msg1_epu32(m[((g) + 3) % 4], m[(g) % 4]);       \
		if ((g) >= 2 && (g) <= 17)                                                         \
			m[((g) + 2) % 4] = _mm_xor_si128(m[((g) + 2) % 4], m[(g) % 4]);            \
	} while (0)

__attribute__((target("sha,sse4.1"))) static void block_ni(uint32_t h[5], const uint8_t *p)
{
	/* Big-endian words, the first in the top lane, as the instructions want them. */
	const __m128i order = _mm_set_epi64x(0x0001020304050607ll, 0x08090a0b0c0d0e0fll);
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1b);
	__m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0), e1 = _mm_setzero_si128();
	__m128i abcd0 = abcd, e00 = e0, m[4];

	for (int i = 0; i < 4; i++)
		m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), order);
	NI_GROUP(0);
	NI_GROUP(1);
	NI_GROUP(2);
	NI_GROUP(3);
	NI_GROUP(4);
	NI_GROUP(5);
	NI_GROUP(6);
	NI_GROUP(7);
	NI_GROUP(8);
	NI_GROUP(9);
	NI_GROUP(10);
	NI_GROUP(11);
	NI_GROUP(12);
	NI_GROUP(13);
	NI_GROUP(14);
	NI_GROUP(15);
	NI_GROUP(16);
	NI_GROUP(17);
	NI_GROUP(18);
	NI_GROUP(19);
	e0 = _mm_sha1nexte_epu32(e0, e00);
	abcd = _mm_add_epi32(abcd, abcd0);
	_mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1b));
	h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

static bool cpu_has_sha_ni(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return false;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

/* -1: not yet asked; then whether block_ni() runs. Any thread may ask first. */
static int use_ni = -1;

bool ew_sha1_use_ni(bool on)
{
	bool was = __atomic_load_n(&use_ni, __ATOMIC_RELAXED) > 0;

#ifdef HAVE_SHA_NI
	__atomic_store_n(&use_ni, on && cpu_has_sha_ni(), __ATOMIC_RELAXED);
#else
	__atomic_store_n(&use_ni, 0, __ATOMIC_RELAXED);
#endif
	return was;
}

static void run_block(uint32_t h[5], const uint8_t *p)
{
#ifdef HAVE_SHA_NI
	int ni = __atomic_load_n(&use_ni, __ATOMIC_RELAXED);

	if (ni < 0) {
		ni = cpu_has_sha_ni();
		__atomic_store_n(&use_ni, ni, __ATOMIC_RELAXED);
	}
	if (ni) {
		block_ni(h, p);
		return;
	}
#endif
	block(h, p);
}

void ew_sha1(const void *data, size_t len, uint8_t out[EW_SHA1_LEN])
{
	uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
	const uint8_t *p = data;
	uint64_t bits = (uint64_t)len * 8;
	uint8_t tail[128];
	size_t rest, tlen;

	for (; len >= 64; p += 64, len -= 64)
		run_block(h, p);
	rest = len;
	/* The length must fit after the 0x80: one block, or two when it does not. */
	tlen = rest < 56 ? 64 : 128;
	memset(tail, 0, tlen);
	if (rest)
		memcpy(tail, p, rest);
	tail[rest] = 0x80;
	for (int i = 0; i < 8; i++)
		tail[tlen - 1 - i] = (uint8_t)(bits >> (8 * i));
	run_block(h, tail);
	if (tlen == 128)
		run_block(h, tail + 64);
	for (size_t i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}
