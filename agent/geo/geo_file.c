// SPDX-License-Identifier: GPL-2.0-only
#include "geo/geo_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/regfile.h"

static void file_id_set(struct ew_file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtim = st->st_mtim;
}

void ew_file_id_get(const char *path, struct ew_file_id *id)
{
	struct stat st;

	if (stat(path, &st)) {
		memset(id, 0, sizeof(*id));
		id->err = errno;
		return;
	}
	file_id_set(id, &st);
}

bool ew_file_id_eq(const struct ew_file_id *a, const struct ew_file_id *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec;
}

static int copy_file(int out, int in, off_t size, off_t *done)
{
	*done = 0;
	while (*done < size) {
		ssize_t n = sendfile(out, in, done, (size_t)(size - *done));

		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* it shrank under us */
	}
	return 0;
}

int ew_file_snapshot(const char *path, struct ew_file_id *id, char *err, size_t len)
{
	struct stat before, after;
	int in, mfd, rc;
	off_t done;

	in = ew_regfile_open(path, &before);
	if (in == -EINVAL) {
		snprintf(err, len,
			 "%s: is %s, not a regular file: give the path of a database file", path,
			 ew_regfile_kind(before.st_mode));
		return in;
	}
	if (in < 0) {
		snprintf(err, len, "%s: cannot open: %s", path, strerror(-in));
		return in;
	}
	if (before.st_size == 0) {
		close(in);
		snprintf(err, len, "%s: empty file", path);
		return -EINVAL;
	}
	mfd = memfd_create("egresswatch-geo", MFD_CLOEXEC);
	if (mfd < 0) {
		rc = -errno;
		close(in);
		snprintf(err, len, "%s: no memory for a copy: %s", path, strerror(-rc));
		return rc;
	}
	rc = copy_file(mfd, in, before.st_size, &done);
	if (!rc && fstat(in, &after))
		rc = -errno;
	close(in);
	if (rc) {
		close(mfd);
		snprintf(err, len, "%s: cannot read: %s", path, strerror(-rc));
		return rc;
	}
	if (done != before.st_size || after.st_size != before.st_size ||
	    after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
		close(mfd);
		snprintf(err, len,
			 "%s: changed while it was being read: write new databases beside it and "
			 "rename() them into place",
			 path);
		return -EAGAIN;
	}
	file_id_set(id, &before);
	return mfd;
}
