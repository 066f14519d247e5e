/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * policy_store.h - the policies a captured run applied, kept beside its
 * capture as <capture>.policies/<sha256 hex>.json, and the `policy` event
 * that names one in the capture stream. A replay loads the file an event
 * names and switches to it at that event, so verdicts after a reload are
 * reproduced. Files are named by their content: one is never rewritten.
 */
#ifndef EW_POLICY_STORE_H
#define EW_POLICY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ew.h"

#define EW_POLICY_SHA_LEN 32
#define EW_POLICY_HEX_LEN (2 * EW_POLICY_SHA_LEN + 1)
/* A policy file's bound, as every JSON input's (util/jsoncheck.c). */
#define EW_POLICY_MAX_BYTES (4u << 20)

/** ew_policy_store_sha256() - SHA-256 of @len bytes. Return: 0 or -EIO. */
int ew_policy_store_sha256(const void *data, size_t len, uint8_t sha[EW_POLICY_SHA_LEN]);

/** ew_policy_store_hex() - @sha as 64 lowercase hex digits and a NUL. */
void ew_policy_store_hex(const uint8_t sha[EW_POLICY_SHA_LEN], char hex[EW_POLICY_HEX_LEN]);

/**
 * ew_policy_store_dir() - "<@capture>.policies" into @buf.
 * Return: 0, or -ENAMETOOLONG.
 */
int ew_policy_store_dir(const char *capture, char *buf, size_t len);

/**
 * ew_policy_store_path() - "<@dir>/<hex of @sha>.json" into @buf.
 * Return: 0, or -ENAMETOOLONG.
 */
int ew_policy_store_path(const char *dir, const uint8_t sha[EW_POLICY_SHA_LEN], char *buf,
			 size_t len);

/**
 * ew_policy_store_save() - keep @len bytes of a policy file in @dir (made
 * 0700 if absent) as <sha256 hex>.json, 0600: written to a temporary name,
 * fsync()ed and renamed, so a reader never sees half a file. A file of
 * that name already there is left as it is (its name is its content).
 * @sha: receives the bytes' SHA-256
 * Return: 0 or -errno.
 */
int ew_policy_store_save(const char *dir, const void *data, size_t len,
			 uint8_t sha[EW_POLICY_SHA_LEN]);

/**
 * ew_policy_store_read() - the bytes of policy file @path, NUL-terminated,
 * at most EW_POLICY_MAX_BYTES, a regular file without NUL bytes.
 * Return: 0 and a malloc()ed @text of @len bytes, or -errno with the
 * reason, naming @path, in @err.
 */
int ew_policy_store_read(const char *path, char **text, size_t *len, char *err, size_t errlen);

/**
 * ew_policy_store_event() - a `policy` event: @sha (NULL: the built-in
 * default, flagged EW_POLICY_F_DEFAULT) with @flags, at boottime @ts_ns.
 */
void ew_policy_store_event(struct ew_ev_policy *ev, const uint8_t *sha, uint32_t flags,
			   uint64_t ts_ns);

#endif
