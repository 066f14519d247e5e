// SPDX-License-Identifier: GPL-2.0-only
#include "out/datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_NAME ".egresswatch.lock"

struct ew_datadir {
	int dirfd;
	int lockfd;
};

static int check(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st)) {
		snprintf(err, errlen, "data directory %s: %s", path, strerror(errno));
		return -errno;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(
		    err, errlen,
		    "data directory %s is owned by uid %u with mode %04o: anyone who can write "
		    "there could replace the records; fix: chown %u %s && chmod 0750 %s",
		    path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)geteuid(),
		    path, path);
		return -EPERM;
	}
	return 0;
}

static int take_lock(struct ew_datadir *d, const char *path, char *err, size_t errlen)
{
	char pid[32] = "";
	ssize_t n;
	int len;

	d->lockfd = openat(d->dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (d->lockfd < 0) {
		snprintf(err, errlen, "data directory %s: cannot open %s: %s", path, LOCK_NAME,
			 strerror(errno));
		return -errno;
	}
	if (flock(d->lockfd, LOCK_EX | LOCK_NB)) {
		int rc = -errno;

		n = pread(d->lockfd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (rc == -EWOULDBLOCK) {
			snprintf(
			    err, errlen,
			    "data directory %s is in use by another egresswatch (pid %s): stop "
			    "it, or give this one another --data-dir",
			    path, pid[0] ? pid : "unknown");
			return -EBUSY;
		}
		snprintf(err, errlen, "data directory %s: cannot lock %s: %s", path, LOCK_NAME,
			 strerror(-rc));
		return rc;
	}
	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(d->lockfd, 0) || pwrite(d->lockfd, pid, (size_t)len, 0) != len) {
		snprintf(err, errlen, "data directory %s: cannot write %s: %s", path, LOCK_NAME,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

int ew_datadir_open(const char *path, struct ew_datadir **out, char *err, size_t errlen)
{
	struct ew_datadir *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return -ENOMEM;
	d->lockfd = -1;
	d->dirfd = -1;
	if (mkdir(path, 0750) == 0 && chmod(path, 0750)) {
		rc = -errno;
		snprintf(err, errlen, "data directory %s: %s", path, strerror(-rc));
		goto fail;
	}
	d->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->dirfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "data directory %s: %s%s", path, strerror(-rc),
			 rc == -ELOOP || rc == -ENOTDIR
			     ? " (it must be a directory, not a symbolic link or a file)"
			     : "");
		goto fail;
	}
	rc = check(d->dirfd, path, err, errlen);
	if (!rc)
		rc = take_lock(d, path, err, errlen);
	if (rc)
		goto fail;
	*out = d;
	return 0;
fail:
	ew_datadir_close(d);
	return rc;
}

void ew_datadir_close(struct ew_datadir *d)
{
	if (!d)
		return;
	if (d->lockfd >= 0)
		close(d->lockfd);
	if (d->dirfd >= 0)
		close(d->dirfd);
	free(d);
}
