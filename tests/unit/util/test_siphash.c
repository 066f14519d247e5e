// SPDX-License-Identifier: GPL-2.0-only
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "util/siphash.h"

static const uint8_t key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/*
 * SipHash-2-4, key 00..0f, message 00..(n-1) for n = 0..63: the paper's
 * test vectors (the reference implementation's vectors_sip64[], as
 * little-endian 64-bit values). n = 15 is the paper's worked example.
 */
static const uint64_t sip24[64] = {
    0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
    0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
    0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
    0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
    0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
    0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
    0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
    0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
    0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
    0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
    0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
    0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
    0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
    0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
    0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
    0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

/*
 * SipHash-1-3 with the same key and messages, from OpenSSL, independently:
 *   head -c N <bytes 00..> | openssl mac -macopt hexkey:000102030405060708090a0b0c0d0e0f \
 *     -macopt size:8 -macopt c-rounds:1 -macopt d-rounds:3 SIPHASH
 * (read little-endian).
 */
static const struct {
	size_t n;
	uint64_t h;
} sip13[] = {
    {0, 0xabac0158050fc4dcull},	 {1, 0xc9f49bf37d57ca93ull},  {7, 0xd3927d989bb11140ull},
    {8, 0x369095118d299a8eull},	 {15, 0xd320d86d2a519956ull}, {16, 0xcc4fdd1a7d908b66ull},
    {26, 0x3a3e35e3ca9913a5ull}, {63, 0x9d199062b7bbb3a8ull},
};

static uint8_t msg[64];

static void setup(void)
{
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	ew_hash_key_fixed();
}

TestSuite(siphash, .init = setup);

Test(siphash, sip24_reference_vectors)
{
	cr_assert_eq(sip24[15], 0xa129ca6149be45e5ull);
	for (size_t n = 0; n < 64; n++)
		cr_assert_eq(ew_siphash(key, msg, n, 2, 4), sip24[n], "SipHash-2-4 of %zu bytes",
			     n);
}

Test(siphash, sip13_pinned)
{
	for (size_t i = 0; i < sizeof(sip13) / sizeof(sip13[0]); i++)
		cr_assert_eq(ew_siphash(key, msg, sip13[i].n, 1, 3), sip13[i].h,
			     "SipHash-1-3 of %zu bytes", sip13[i].n);
}

/* The fixed key is 00..0f: ew_hash() is then exactly SipHash-1-3 under it. */
Test(siphash, fixed_key_is_sip13)
{
	for (size_t i = 0; i < sizeof(sip13) / sizeof(sip13[0]); i++)
		cr_assert_eq(ew_hash(msg, sip13[i].n), sip13[i].h, "%zu bytes", sip13[i].n);
}

/* The word helpers hash what ew_hash() would over the words' bytes. */
Test(siphash, word_helpers_match_bytes)
{
	uint64_t w[4] = {0x0123456789abcdefull, 0xfedcba9876543210ull, 0x2a, 0xffff000000000001ull};
	uint8_t b[32];

	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(w[i / 8] >> (8 * (i % 8)));
	cr_assert_eq(ew_hash_u64(w[0]), ew_hash(b, 8));
	cr_assert_eq(ew_hash_u64x2(w[0], w[1]), ew_hash(b, 16));
	cr_assert_eq(ew_hash_u64x4(w[0], w[1], w[2], w[3]), ew_hash(b, 32));
}

Test(siphash, keys_differ)
{
	uint8_t k2[16];
	uint64_t fixed[3], r1[3], r2[3];

	memcpy(k2, key, 16);
	k2[15] ^= 0x80;
	cr_assert_neq(ew_siphash(key, msg, 26, 1, 3), ew_siphash(k2, msg, 26, 1, 3));

	fixed[0] = ew_hash(msg, 26);
	fixed[1] = ew_hash_u64(42);
	fixed[2] = ew_hash_u64x4(1, 2, 3, 4);
	cr_assert_eq(ew_hash_key_random(), 0);
	r1[0] = ew_hash(msg, 26);
	r1[1] = ew_hash_u64(42);
	r1[2] = ew_hash_u64x4(1, 2, 3, 4);
	cr_assert_eq(ew_hash_key_random(), 0);
	r2[0] = ew_hash(msg, 26);
	r2[1] = ew_hash_u64(42);
	r2[2] = ew_hash_u64x4(1, 2, 3, 4);
	for (int i = 0; i < 3; i++) {
		cr_assert_neq(r1[i], fixed[i], "random key hashes as the fixed one (%d)", i);
		cr_assert_neq(r2[i], r1[i], "two random keys hash alike (%d)", i);
	}
	/* And back: the fixed key gives the fixed key's values again. */
	ew_hash_key_fixed();
	cr_assert_eq(ew_hash(msg, 26), fixed[0]);
	cr_assert_eq(ew_hash_u64(42), fixed[1]);
}
