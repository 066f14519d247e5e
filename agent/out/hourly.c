// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "out/hourly.h"
#include "out/hourly_gz.h"
#include "out/hourly_recover.h"
#include "util/timefmt.h"

#define BUF_CAP		((size_t)256 * 1024)
#define IOV_MAX_PENDING 64 /* pieces of lines one flush writes at most (writev) */
#define DIR_MODE	0750
#define FILE_MODE	0640
/* "YYYY-MM-DD/HH": compared bytewise, which is chronological order. */
#define KEY_LEN EW_HOURLY_KEY_LEN

struct ew_hourly {
	char *root;
	struct ew_hourly_gz_job gz; /* a closed hour compressed off the hot path */
	int fd;			    /* the open hour's .jsonl, or -1 */
	char key[KEY_LEN + 1];	    /* of the open hour, "" before the first record */
	off_t good_off;		    /* the file ends after a whole line here */
	/*
	 * What the next flush writes, in order: lines copied into buf by
	 * ew_hourly_write(), and lines lent by ew_hourly_write_lines() (the
	 * records writer's batches, written where they are: no second copy).
	 */
	struct iovec iov[IOV_MAX_PENDING];
	uint64_t iov_lines[IOV_MAX_PENDING];
	int n_iov;
	char *buf; /* allocated at the first ew_hourly_write(): lenders never need it */
	size_t len;
	uint64_t lines; /* records pending, copied and lent */
	uint64_t bytes;
	struct ew_hourly_stats st;
};

/* The day's directory, made if it is not there yet. */
static int open_day(const char *root, const char *date)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, date);
	if (mkdir(path, DIR_MODE) == 0 && chmod(path, DIR_MODE))
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int ew_hourly_key_of(int64_t ns, char key[KEY_LEN + 1])
{
	char date[11];
	int hour, rc = ew_timefmt_hour(ns, date, &hour);

	if (rc)
		return rc;
	/* Once per record on the writer's thread: no printf. */
	if (strlen(date) != 10 || hour < 0 || hour > 23)
		return -EOVERFLOW;
	memcpy(key, date, 10);
	key[10] = '/';
	key[11] = (char)('0' + hour / 10);
	key[12] = (char)('0' + hour % 10);
	key[13] = '\0';
	return 0;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, DIR_MODE) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, DIR_MODE)) {
		if (errno != EEXIST)
			return -errno;
	} else if (chmod(tmp, DIR_MODE)) {
		return -errno;
	}
	return 0;
}

int ew_hourly_open(const char *root, struct ew_hourly **out)
{
	struct ew_hourly *h;
	struct timespec now;
	char key[KEY_LEN + 1];
	int rc;

	rc = mkdir_p(root);
	if (rc)
		return rc;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->root = strdup(root);
	if (!h->root) {
		rc = -ENOMEM;
		goto fail;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	rc = ew_hourly_key_of((int64_t)now.tv_sec * 1000000000 + now.tv_nsec, key);
	if (!rc)
		rc = ew_hourly_recover(root, key);
	if (rc == -ENOENT || rc == -ENOTDIR || rc == -EACCES || rc == -EPERM)
		goto fail; /* the root itself is unusable */
	/* Other recovery failures leave files for the next start; not fatal. */
	*out = h;
	return 0;
fail:
	free(h->root);
	free(h);
	return rc;
}

/*
 * A crash or a full disk can leave the file ending inside a line: cut it back
 * to the last newline, so the next record starts a line of its own and every
 * line parses.
 */
static int cut_torn_tail(struct ew_hourly *h)
{
	char tail[4096];
	off_t end = lseek(h->fd, 0, SEEK_END), pos = end;

	if (end < 0)
		return -errno;
	while (pos > 0) {
		size_t n = pos < (off_t)sizeof(tail) ? (size_t)pos : sizeof(tail);
		ssize_t got = pread(h->fd, tail, n, pos - (off_t)n);

		if (got != (ssize_t)n)
			return got < 0 ? -errno : -EIO;
		for (size_t i = n; i > 0; i--) {
			if (tail[i - 1] == '\n') {
				pos -= (off_t)(n - i);
				goto found;
			}
		}
		pos -= (off_t)n;
	}
found:
	if (pos != end) {
		if (ftruncate(h->fd, pos))
			return -errno;
		h->st.torn_tails_cut++;
	}
	h->good_off = pos;
	return 0;
}

static int open_hour(struct ew_hourly *h, const char *key)
{
	char date[11], name[16];
	int dfd, fd;

	memcpy(date, key, 10);
	date[10] = '\0';
	dfd = open_day(h->root, date);
	if (dfd < 0)
		return dfd;
	snprintf(name, sizeof(name), "%s.jsonl", key + 11);
	fd = openat(dfd, name, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, FILE_MODE);
	if (fd < 0) {
		fd = -errno;
	} else if (fchmod(fd, FILE_MODE)) {
		close(fd);
		fd = -errno;
	}
	close(dfd);
	if (fd < 0)
		return fd;
	h->fd = fd;
	memcpy(h->key, key, KEY_LEN + 1);
	return cut_torn_tail(h);
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t lines = 0;

	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
		lines++;
	return lines;
}

static void clear_pending(struct ew_hourly *h)
{
	h->n_iov = 0;
	h->len = 0;
	h->lines = 0;
}

/* Of the first @done bytes pending: the whole lines' bytes, and how many lines. */
static size_t whole_lines(const struct ew_hourly *h, size_t done, uint64_t *lines)
{
	size_t whole = 0;

	*lines = 0;
	for (int i = 0; i < h->n_iov && done; i++) {
		const char *p = h->iov[i].iov_base, *nl;
		size_t n = h->iov[i].iov_len;

		if (done >= n) { /* every piece is whole lines */
			whole += n;
			*lines += h->iov_lines[i];
			done -= n;
			continue;
		}
		nl = memrchr(p, '\n', done);
		if (nl) {
			whole += (size_t)(nl + 1 - p);
			*lines += count_lines(p, (size_t)(nl + 1 - p));
		}
		break;
	}
	return whole;
}

/* writev() until all is written or it fails; the bytes written. */
static size_t write_pending(struct ew_hourly *h, int *rc)
{
	struct iovec iov[IOV_MAX_PENDING];
	int i = 0, n = h->n_iov;
	size_t done = 0;

	memcpy(iov, h->iov, (size_t)n * sizeof(*iov));
	*rc = 0;
	while (i < n) {
		ssize_t w = writev(h->fd, iov + i, n - i);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			*rc = -errno;
			break;
		}
		done += (size_t)w;
		while (i < n && (size_t)w >= iov[i].iov_len)
			w -= (ssize_t)iov[i++].iov_len;
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	return done;
}

/*
 * A write that failed part way (a full disk) leaves the file ending inside a
 * line: the whole lines stay, the torn one is cut off, and the records that
 * did not make it are counted lost. The next flush starts on a line boundary.
 */
int ew_hourly_flush(struct ew_hourly *h)
{
	size_t done, whole;
	uint64_t ok;
	int rc = 0;

	if (h->fd < 0) {
		if (!h->n_iov)
			return 0;
		rc = -EBADF;
		goto lost;
	}
	done = write_pending(h, &rc);
	if (!rc) {
		h->good_off += (off_t)done;
		h->bytes += done;
		h->st.written += h->lines;
		clear_pending(h);
		return 0;
	}
	whole = whole_lines(h, done, &ok);
	if (whole < done && ftruncate(h->fd, h->good_off + (off_t)whole))
		h->st.cut_failures++;
	h->good_off += (off_t)whole;
	h->bytes += whole;
	h->st.written += ok;
	h->lines -= ok;
lost:
	h->st.lost += h->lines;
	clear_pending(h);
	return rc;
}

int ew_hourly_fd(const struct ew_hourly *h)
{
	return h->fd;
}

const struct ew_hourly_stats *ew_hourly_stats(const struct ew_hourly *h)
{
	return &h->st;
}

/* Flush, fsync and close the open hour, then compress it if asked. */
static int close_hour(struct ew_hourly *h, bool compress)
{
	int rc, crc;

	if (h->fd < 0)
		return 0;
	rc = ew_hourly_flush(h);
	if (fsync(h->fd) && !rc)
		rc = -errno;
	close(h->fd);
	h->fd = -1;
	if (!compress)
		return rc;
	crc = ew_hourly_gz_key(h->root, h->key);
	return rc ? rc : crc;
}

int ew_hourly_sync(struct ew_hourly *h)
{
	return ew_hourly_gz_wait(&h->gz);
}

/* Make the hour of @realtime_ns the open one, unless it is older (files roll forward only). */
static int to_hour(struct ew_hourly *h, int64_t realtime_ns)
{
	char key[KEY_LEN + 1];
	int rc;

	rc = ew_hourly_key_of(realtime_ns, key);
	if (rc)
		return rc;
	if (h->fd >= 0 && memcmp(key, h->key, KEY_LEN) <= 0)
		return 0;
	if (h->fd >= 0) {
		char old[KEY_LEN + 1];

		memcpy(old, h->key, sizeof(old));
		rc = close_hour(h, false);
		if (rc)
			ew_warn("closing records hour %s/%s: %s (kept for the next start)", h->root,
				old, strerror(-rc));
		ew_hourly_gz_start(&h->gz, h->root, old);
	}
	return open_hour(h, key);
}

static void add_piece(struct ew_hourly *h, const char *p, size_t len, uint64_t lines)
{
	h->iov[h->n_iov].iov_base = (void *)p;
	h->iov[h->n_iov].iov_len = len;
	h->iov_lines[h->n_iov++] = lines;
	h->lines += lines;
}

int ew_hourly_write(struct ew_hourly *h, int64_t realtime_ns, const char *line, size_t len)
{
	struct iovec *last;
	bool extend;
	int rc;

	rc = to_hour(h, realtime_ns);
	if (rc) {
		h->st.lost++;
		return rc;
	}
	last = h->n_iov ? &h->iov[h->n_iov - 1] : NULL;
	extend = last && h->buf && (char *)last->iov_base + last->iov_len == h->buf + h->len;
	if (len + 1 > BUF_CAP - h->len || (!extend && h->n_iov == IOV_MAX_PENDING)) {
		rc = ew_hourly_flush(h);
		if (rc) {
			h->st.lost++; /* this one too: the disk refused the ones before it */
			return rc;
		}
		extend = false;
	}
	if (len + 1 > BUF_CAP) {
		/* Larger than the buffer: straight through, line and newline together. */
		struct iovec iov[2] = {{(void *)line, len}, {"\n", 1}};
		ssize_t n = writev(h->fd, iov, 2);

		if (n == (ssize_t)len + 1) {
			h->bytes += (uint64_t)n;
			h->good_off += n;
			h->st.written++;
			return 0;
		}
		rc = n < 0 ? -errno : -ENOSPC;
		if (n > 0 && ftruncate(h->fd, h->good_off))
			h->st.cut_failures++;
		h->st.lost++;
		return rc;
	}
	if (!h->buf && !(h->buf = malloc(BUF_CAP))) {
		h->st.lost++;
		return -ENOMEM;
	}
	memcpy(h->buf + h->len, line, len);
	h->buf[h->len + len] = '\n';
	if (extend) {
		h->iov[h->n_iov - 1].iov_len += len + 1;
		h->iov_lines[h->n_iov - 1]++;
		h->lines++;
	} else {
		add_piece(h, h->buf + h->len, len + 1, 1);
	}
	h->len += len + 1;
	return 0;
}

int ew_hourly_write_lines(struct ew_hourly *h, int64_t realtime_ns, const char *text, size_t len,
			  uint64_t lines)
{
	int rc;

	if (!len)
		return 0;
	rc = to_hour(h, realtime_ns);
	if (!rc && h->n_iov == IOV_MAX_PENDING)
		rc = ew_hourly_flush(h);
	if (rc) {
		h->st.lost += lines;
		return rc;
	}
	add_piece(h, text, len, lines);
	return 0;
}

int ew_hourly_reopen(struct ew_hourly *h)
{
	char key[KEY_LEN + 1];

	if (h->fd < 0)
		return 0;
	memcpy(key, h->key, sizeof(key));
	int rc = close_hour(h, false);
	int orc = open_hour(h, key);

	return rc ? rc : orc;
}

int ew_hourly_close(struct ew_hourly *h, bool compress_current)
{
	int rc;

	if (!h)
		return 0;
	ew_hourly_sync(h);
	rc = close_hour(h, compress_current);
	free(h->buf);
	free(h->root);
	free(h);
	return rc;
}

const char *ew_hourly_key(const struct ew_hourly *h)
{
	return h->fd >= 0 ? h->key : "";
}

uint64_t ew_hourly_bytes_written(const struct ew_hourly *h)
{
	return h->bytes;
}
