// SPDX-License-Identifier: GPL-2.0-only
#include "util/regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int ew_regfile_open(const char *path, struct stat *st)
{
	int fd, rc;

	memset(st, 0, sizeof(*st));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* Reads of a regular file do not block anyway; stdio need not see EAGAIN. */
	if (fcntl(fd, F_SETFL, 0)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

const char *ew_regfile_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFLNK:
		return "a symbolic link";
	default:
		return "a file of unknown type";
	}
}
