/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * siphash.h - SipHash (Aumasson and Bernstein, 2012) and the one keyed hash
 * that indexes every table fed by the network or by other processes.
 *
 * An unkeyed mix lets whoever picks the keys pick the bucket: 65,536 peers
 * of one IPv6 /64 talking to one UDP socket all landed in one chain of the
 * flow table. With a secret key an outsider cannot tell which inputs
 * collide. SipHash-1-3 is enough for that (the key is never exposed: only
 * chain lengths leak, and only by timing), and costs about a third of 2-4.
 *
 * The key is process-wide and must not change while any table holds
 * entries: set it before the first table is filled. A process starts with
 * the fixed key, so unit tests, fuzzers and benchmarks get it without a
 * call; `egresswatch run` draws a random one first thing
 * (kernel/runtime.c), `egresswatch replay` sets the fixed one
 * (cmd/replay.c) so its output does not depend on the run.
 */
#ifndef EW_SIPHASH_H
#define EW_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define EW_SIPHASH_KEY_LEN 16

/**
 * ew_siphash() - SipHash-c-d with a 64-bit output, as the paper defines it.
 * @key: the 128-bit key (k0 little-endian in bytes 0-7, k1 in 8-15)
 * @data: the message (may be NULL when @len is 0)
 * @len: its length in bytes
 * @c_rounds: rounds per message word (2 in SipHash-2-4)
 * @d_rounds: finalization rounds (4 in SipHash-2-4)
 *
 * Return: the tag, as the paper's little-endian 64-bit value.
 */
uint64_t ew_siphash(const uint8_t key[EW_SIPHASH_KEY_LEN], const void *data, size_t len,
		    int c_rounds, int d_rounds);

/**
 * ew_hash_key_random() - draw the process's hash key from getrandom(2).
 *
 * Blocks until the kernel's pool is initialized (early boot only).
 * Return: 0, or -errno from getrandom(2); the key is unchanged then.
 */
int ew_hash_key_random(void);

/**
 * ew_hash_key_fixed() - set the process's hash key to a constant (the bytes
 * 00..0f), so table order and direct-mapped caches behave the same on every
 * run: replay, unit tests, benchmarks. The key a process starts with.
 */
void ew_hash_key_fixed(void);

/** ew_hash() - SipHash-1-3 of @len bytes at @data under the process's key. */
uint64_t ew_hash(const void *data, size_t len);

/*
 * The same hash of 1, 2 or 4 64-bit words, without a buffer: each equals
 * ew_hash() of the words stored little-endian, one after another.
 */
uint64_t ew_hash_u64(uint64_t a);
uint64_t ew_hash_u64x2(uint64_t a, uint64_t b);
uint64_t ew_hash_u64x4(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

#endif
