/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * subject.h - people, not values: an identifier that names a person (VIN,
 * plate, phone, ID number) is kept only as a keyed hash, HMAC-SHA-256 under
 * the legal entity's secret, truncated to 64 bits. Every host of one
 * company has the same secret file, so the report can count distinct
 * people across the fleet; without the secret nobody can test a guessed
 * VIN against a record.
 *
 * The secret file holds 64 to 128 hex digits (32 to 64 bytes) and a
 * newline (any trailing whitespace), nothing else: text survives configuration management
 * and copy-and-paste, and `openssl dgst -sha256 -mac HMAC -macopt
 * hexkey:$(cat FILE)` recomputes a hash for an auditor.
 */
#ifndef EW_SUBJECT_H
#define EW_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EW_DEFAULT_SUBJECT_KEY "/etc/egresswatch/subject.key"
#define EW_SUBJECT_KEY_MIN     32 /* bytes: the HMAC-SHA-256 output size */
#define EW_SUBJECT_KEY_MAX     64 /* bytes: its block size; longer keys add nothing */
#define EW_SUBJECT_KEY_NEW     32 /* bytes of a key egresswatch creates */

struct ew_subject_key {
	uint8_t key[EW_SUBJECT_KEY_MAX];
	size_t len;
	void *mac; /* EVP_MAC_CTX keyed once, reinitialised per hash */
};

/**
 * ew_subject_key_load() - read the secret at @path, or create it.
 * @path: absolute
 * @create: when @path does not exist, make it: 32 bytes from getrandom()
 *          as hex, written to a new file (O_CREAT|O_EXCL, mode 0600) in the
 *          same directory, fsync'd, linked to @path (so no reader ever sees
 *          half a key, and of two agents starting at once the second reads
 *          the first one's key), and the directory fsync'd. The directory
 *          itself is not created.
 * @out: the key; ew_subject_key_free() it
 * @err: on failure, "PATH: what is wrong" and the fix; never the secret
 *
 * Refused: a relative path; a file that is not a regular file; one not
 * owned by the user running the agent (the effective uid); one that group
 * or others may read or write (the message names which and gives the chmod).
 * Return: 0 loaded, 1 created (the caller logs that, with the path), or
 * -errno: -EINVAL bad path or content, -EPERM owner or mode, -ENOENT
 * absent and not @create, another from the file system, -ENOMEM.
 */
int ew_subject_key_load(const char *path, bool create, struct ew_subject_key *out, char *err,
			size_t errlen);

/**
 * ew_subject_key_set() - a key from @len bytes (EW_SUBJECT_KEY_MIN to
 * EW_SUBJECT_KEY_MAX). For tests and for callers that hold the bytes.
 * Return: 0, -EINVAL for a bad length, -ENOMEM.
 */
int ew_subject_key_set(struct ew_subject_key *k, const uint8_t *key, size_t len);

/** ew_subject_key_free() - wipe the key and release its MAC context. */
void ew_subject_key_free(struct ew_subject_key *k);

/**
 * ew_subject_hash() - the keyed hash of one person's identifier.
 * @category: the taxonomy id ("vin"); hashed too, so one value in two
 *            categories gives two unrelated hashes
 * @value: the identifier as the recogniser normalised it, @n bytes
 *
 * HMAC-SHA-256(key, category || 0x00 || value), the first 8 bytes of the
 * MAC as a big-endian integer; 0 becomes 1, because 0 means "none" in the
 * capture ABI. Not thread-safe: @k's MAC context is reused, so a key is
 * used by one thread at a time.
 * Return: the hash; 0 only if libcrypto failed (no memory).
 */
uint64_t ew_subject_hash(const struct ew_subject_key *k, const char *category, const void *value,
			 size_t n);

/**
 * ew_subject_truncate() - a MAC as ew_subject_hash() returns it: its first
 * 8 bytes big-endian, 0 mapped to 1. What a report that recomputes hashes
 * must do alike.
 */
uint64_t ew_subject_truncate(const uint8_t mac[32]);

#endif
