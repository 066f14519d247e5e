/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * geo_file.h - database files read into memory of our own, and told apart
 * when they change.
 *
 * libloc and libmaxminddb map the file they open. A file rewritten in place
 * (cp over it, a download straight to its name) would change under the
 * lookups in use and end them with SIGBUS where it shrank; so each file is
 * copied once into a memfd that the libraries map instead.
 */
#ifndef EW_GEO_FILE_H
#define EW_GEO_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* What a path pointed at when last looked: tells a rewrite or a rename apart from no change. */
struct ew_file_id {
	int err; /* errno of stat(), 0 when the fields below are valid */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
};

void ew_file_id_get(const char *path, struct ew_file_id *id);
bool ew_file_id_eq(const struct ew_file_id *a, const struct ew_file_id *b);

/**
 * ew_file_snapshot() - a private copy of the regular file @path.
 * @id: receives what @path was when copied (for ew_file_id_eq() later)
 *
 * A file that changes while it is read is refused (-EAGAIN), to be read
 * again once it has settled; a FIFO or an empty file is refused (-EINVAL).
 * Return: a memfd holding the copy, or -errno with "PATH: reason" in @err.
 */
int ew_file_snapshot(const char *path, struct ew_file_id *id, char *err, size_t len);

#endif
