/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sha1.h - SHA-1 (FIPS 180-4), only for Community ID.
 *
 * Community ID v1 is defined over SHA-1; this is not used for anything that
 * needs collision resistance. Kept in-tree so the agent does not link a TLS
 * library for twenty bytes.
 */
#ifndef EW_SHA1_H
#define EW_SHA1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EW_SHA1_LEN 20

/**
 * ew_sha1() - SHA-1 digest of a buffer.
 * @data: input bytes (may be NULL when @len is 0)
 * @len: number of bytes
 * @out: the 20-byte digest
 */
void ew_sha1(const void *data, size_t len, uint8_t out[EW_SHA1_LEN]);

/**
 * ew_sha1_use_ni() - whether blocks go through the CPU's SHA extensions
 * (the default where there are some) or the portable rounds; for tests.
 * Return: whether they did before.
 */
bool ew_sha1_use_ni(bool on);

#endif
