/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hourly_gz.h - a closed hour's HH.jsonl into HH.jsonl.gz, crash-safely
 * (hourly.h says when; this file how).
 */
#ifndef EW_HOURLY_GZ_H
#define EW_HOURLY_GZ_H

#include <pthread.h>
#include <stdbool.h>

#include "out/hourly.h"

/* A closed hour compressed on a thread of its own; zeroed before first use. */
struct ew_hourly_gz_job {
	pthread_t thread;
	bool live;
	const char *root; /* the caller's, alive until ew_hourly_gz_wait() */
	char key[EW_HOURLY_KEY_LEN + 1];
	int rc;
};

/**
 * ew_hourly_gz_hour() - HH.jsonl in @dirfd into HH.jsonl.gz (a new gzip
 * member if that exists), fsync'd and renamed into place, then the .jsonl
 * unlinked.
 * @dirfd: the day's directory
 * @hh: the hour, "00".."23"
 *
 * A missing .jsonl is nothing to do; one already in the .gz (a crash between
 * the rename and the unlink) is only unlinked.
 * Return: 0 or -errno (the .jsonl is kept then).
 */
int ew_hourly_gz_hour(int dirfd, const char *hh);

/**
 * ew_hourly_gz_key() - ew_hourly_gz_hour() for the hour @key
 * ("YYYY-MM-DD/HH", ew_hourly_key_of()) under the records directory @root.
 * Return: 0, -EINVAL for a malformed key, -ENOENT without the day's
 * directory, or ew_hourly_gz_hour()'s error.
 */
int ew_hourly_gz_key(const char *root, const char *key);

/**
 * ew_hourly_gz_start() - compress the hour @key under @root on a thread of
 * its own (in the caller's thread if none can be made), after waiting for
 * the job's previous compression. A failure is logged and kept for
 * ew_hourly_gz_wait(); the .jsonl stays for the next start to compress.
 * @j: the job (zeroed before its first start)
 * @root: the records directory, alive until ew_hourly_gz_wait()
 * @key: "YYYY-MM-DD/HH"
 */
void ew_hourly_gz_start(struct ew_hourly_gz_job *j, const char *root, const char *key);

/**
 * ew_hourly_gz_wait() - wait for the job's compression, if one runs.
 * Return: the result of the compression started since the last wait (0 if
 * none was).
 */
int ew_hourly_gz_wait(struct ew_hourly_gz_job *j);

#endif
