// SPDX-License-Identifier: GPL-2.0-only
#include "alert/alert_tail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/str.h"

static void reopen(struct ew_alert_tail *t);

struct ew_alert_tail {
	int fd; /* -1: not open (missing) */
	dev_t dev;
	ino_t ino;
	off_t pos;
	bool overlong; /* skipping the rest of a line over EW_ALERT_LINE_MAX */
	uint64_t skipped;
	char *buf; /* a line not yet ended */
	size_t len, cap;
	char path[4096];
};

int ew_alert_tail_open(struct ew_alert_tail **out, const char *path)
{
	struct ew_alert_tail *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->fd = -1;
	t->cap = 65536;
	t->buf = malloc(t->cap);
	if (!t->buf || ew_strlcpy(t->path, path, sizeof(t->path)) >= sizeof(t->path)) {
		int err = t->buf ? -ENAMETOOLONG : -ENOMEM;

		free(t->buf);
		free(t);
		return err;
	}
	reopen(t);
	*out = t;
	return 0;
}

int ew_alert_tail_stat(const struct ew_alert_tail *t, struct stat *st)
{
	if (t->fd < 0)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->st_dev = t->dev;
	st->st_ino = t->ino;
	return 0;
}

static void reopen(struct ew_alert_tail *t)
{
	struct stat st;

	if (t->fd >= 0)
		close(t->fd);
	t->fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	t->pos = 0;
	t->len = 0;
	t->overlong = false;
	if (t->fd >= 0 && fstat(t->fd, &st) == 0) {
		t->dev = st.st_dev;
		t->ino = st.st_ino;
	}
}

/* Read @t->fd to its end, passing whole lines. */
static int drain(struct ew_alert_tail *t, ew_alert_line_fn fn, void *arg)
{
	for (;;) {
		ssize_t got;
		size_t start = 0;
		int rc = 0;

		if (t->len == t->cap) {
			char *nb = t->cap < EW_ALERT_LINE_MAX ? realloc(t->buf, t->cap * 2) : NULL;

			if (nb) {
				t->buf = nb;
				t->cap *= 2;
			} else {
				t->skipped += !t->overlong;
				t->overlong = true;
				t->len = 0;
			}
		}
		got = read(t->fd, t->buf + t->len, t->cap - t->len);
		if (got < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (got == 0)
			return 0;
		t->pos += got;
		t->len += (size_t)got;
		for (size_t i = t->len - (size_t)got; i < t->len && !rc; i++) {
			if (t->buf[i] != '\n')
				continue;
			if (t->overlong)
				t->overlong = false;
			else
				rc = fn(arg, t->buf + start, i - start);
			start = i + 1;
		}
		memmove(t->buf, t->buf + start, t->len - start);
		t->len -= start;
		if (rc)
			return rc;
	}
}

int ew_alert_tail_poll(struct ew_alert_tail *t, ew_alert_line_fn fn, void *arg)
{
	struct stat st;
	int rc;

	if (t->fd < 0) {
		reopen(t);
		if (t->fd < 0)
			return 0;
	}
	/* truncated in place: start again from the top */
	if (fstat(t->fd, &st) == 0 && st.st_size < t->pos) {
		lseek(t->fd, 0, SEEK_SET);
		t->pos = 0;
		t->len = 0;
	}
	rc = drain(t, fn, arg);
	if (rc)
		return rc;
	/* rotated: the old file is read to its end; the path is a new file (or none yet) */
	if (stat(t->path, &st) != 0 || st.st_ino != t->ino || st.st_dev != t->dev) {
		reopen(t);
		if (t->fd >= 0)
			rc = drain(t, fn, arg);
	}
	return rc;
}

uint64_t ew_alert_tail_skipped(const struct ew_alert_tail *t)
{
	return t->skipped;
}

void ew_alert_tail_close(struct ew_alert_tail *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t);
}
