// SPDX-License-Identifier: GPL-2.0-only
#include "util/siphash.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* What the tables use: 1 compression round, 3 finalization rounds. */
#define C_ROUNDS 1
#define D_ROUNDS 3

struct sip {
	uint64_t v0, v1, v2, v3;
};

/* The fixed key: the bytes 00..0f, as in the paper's test vectors. */
#define FIXED_K0 0x0706050403020100ull
#define FIXED_K1 0x0f0e0d0c0b0a0908ull

static uint64_t k0 = FIXED_K0, k1 = FIXED_K1;

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline __attribute__((always_inline)) void rounds(struct sip *s, int n)
{
	for (int i = 0; i < n; i++) {
		s->v0 += s->v1;
		s->v1 = rotl(s->v1, 13);
		s->v1 ^= s->v0;
		s->v0 = rotl(s->v0, 32);
		s->v2 += s->v3;
		s->v3 = rotl(s->v3, 16);
		s->v3 ^= s->v2;
		s->v0 += s->v3;
		s->v3 = rotl(s->v3, 21);
		s->v3 ^= s->v0;
		s->v2 += s->v1;
		s->v1 = rotl(s->v1, 17);
		s->v1 ^= s->v2;
		s->v2 = rotl(s->v2, 32);
	}
}

static inline __attribute__((always_inline)) struct sip start(uint64_t a, uint64_t b)
{
	return (struct sip){
	    .v0 = a ^ 0x736f6d6570736575ull, /* "somepseudorandomlygeneratedbytes" */
	    .v1 = b ^ 0x646f72616e646f6dull,
	    .v2 = a ^ 0x6c7967656e657261ull,
	    .v3 = b ^ 0x7465646279746573ull,
	};
}

static inline __attribute__((always_inline)) void word(struct sip *s, uint64_t m, int c)
{
	s->v3 ^= m;
	rounds(s, c);
	s->v0 ^= m;
}

/* @last: the message's length in the top byte, its 0-7 trailing bytes below. */
static inline __attribute__((always_inline)) uint64_t finish(struct sip *s, uint64_t last, int c,
							     int d)
{
	word(s, last, c);
	s->v2 ^= 0xff;
	rounds(s, d);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static inline __attribute__((always_inline)) uint64_t
sip_bytes(uint64_t a, uint64_t b, const void *data, size_t len, int c, int d)
{
	const uint8_t *p = data;
	struct sip s = start(a, b);
	uint64_t m, last = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		word(&s, le64toh(m), c);
	}
	for (int sh = 0; i < len; i++, sh += 8)
		last |= (uint64_t)p[i] << sh;
	return finish(&s, last, c, d);
}

uint64_t ew_siphash(const uint8_t key[EW_SIPHASH_KEY_LEN], const void *data, size_t len,
		    int c_rounds, int d_rounds)
{
	uint64_t a, b;

	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	return sip_bytes(le64toh(a), le64toh(b), data, len, c_rounds, d_rounds);
}

int ew_hash_key_random(void)
{
	uint8_t key[EW_SIPHASH_KEY_LEN];
	size_t got = 0;

	while (got < sizeof(key)) {
		ssize_t n = getrandom(key + got, sizeof(key) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	return 0;
}

void ew_hash_key_fixed(void)
{
	k0 = FIXED_K0;
	k1 = FIXED_K1;
}

uint64_t ew_hash(const void *data, size_t len)
{
	return sip_bytes(k0, k1, data, len, C_ROUNDS, D_ROUNDS);
}

uint64_t ew_hash_u64(uint64_t a)
{
	struct sip s = start(k0, k1);

	word(&s, a, C_ROUNDS);
	return finish(&s, 8ull << 56, C_ROUNDS, D_ROUNDS);
}

uint64_t ew_hash_u64x2(uint64_t a, uint64_t b)
{
	struct sip s = start(k0, k1);

	word(&s, a, C_ROUNDS);
	word(&s, b, C_ROUNDS);
	return finish(&s, 16ull << 56, C_ROUNDS, D_ROUNDS);
}

uint64_t ew_hash_u64x4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	struct sip s = start(k0, k1);

	word(&s, a, C_ROUNDS);
	word(&s, b, C_ROUNDS);
	word(&s, c, C_ROUNDS);
	word(&s, d, C_ROUNDS);
	return finish(&s, 32ull << 56, C_ROUNDS, D_ROUNDS);
}
