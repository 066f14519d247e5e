// SPDX-License-Identifier: GPL-2.0-only
#include "out/hourly_gz.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/log.h"

#define FILE_MODE 0640

/*
 * Crash safety of compression. The new .gz is built in HH.jsonl.gz.tmp
 * (a copy of the existing .gz, if a restart left one, then the new member),
 * fsync'd and renamed over HH.jsonl.gz: at every instant the .gz is either
 * the old or the new complete file. Appending in place would be cheaper, but
 * a crash mid-append leaves a truncated last member that readers report as
 * a corrupt file. The remaining window is between the rename and the unlink
 * of the .jsonl: a restart would find both and compress the .jsonl twice. So
 * each compression ends with an empty gzip member whose comment names the
 * source file (inode, size, mtime); a .jsonl that matches the marker at the
 * end of its .gz is already in it and is only removed.
 */
#define MARK_FMT     "ew-src:%016llx:%016llx:%016llx"
#define MARK_COMMENT (7 + 3 * 16 + 2)
#define MARK_LEN     (10 + MARK_COMMENT + 1 + 2 + 8)

static void marker(const struct stat *st, unsigned char out[MARK_LEN])
{
	static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0x10 /* FCOMMENT */, 0, 0, 0, 0, 0, 3};
	char comment[MARK_COMMENT + 1];

	snprintf(comment, sizeof(comment), MARK_FMT, (unsigned long long)st->st_ino,
		 (unsigned long long)st->st_size,
		 (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
		     (unsigned long long)st->st_mtim.tv_nsec);
	memcpy(out, hdr, sizeof(hdr));
	memcpy(out + 10, comment, MARK_COMMENT + 1);
	/* No data: one final fixed-Huffman block with only end-of-block; CRC 0, size 0. */
	memcpy(out + 10 + MARK_COMMENT + 1, "\x03\x00\0\0\0\0\0\0\0\0", 10);
}

static int fsync_dir(int dirfd)
{
	return fsync(dirfd) ? -errno : 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int copy_fd(int from, int to)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		int rc = write_all(to, buf, (size_t)n);

		if (rc)
			return rc;
	}
}

/*
 * Appends one gzip member holding all of @src to @dst. Level 1: JSON lines
 * still shrink about 8x, at several times the speed of the default level, and
 * the compression of a closed hour runs on the thread that reads the ring.
 */
static int gzip_fd(int src, int dst)
{
	static __thread unsigned char in[65536], out[65536];
	z_stream z = {0};
	int rc = 0, flush = Z_NO_FLUSH, zrc = Z_OK;

	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	while (!rc && flush != Z_FINISH) {
		ssize_t n = read(src, in, sizeof(in));

		if (n < 0) {
			if (errno != EINTR)
				rc = -errno;
			continue;
		}
		z.next_in = in;
		z.avail_in = (uInt)n;
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			zrc = deflate(&z, flush);
			rc = write_all(dst, out, sizeof(out) - z.avail_out);
		} while (!rc && z.avail_out == 0);
	}
	if (!rc && zrc != Z_STREAM_END)
		rc = -EIO;
	deflateEnd(&z);
	return rc;
}

/* Whether @gz ends with the marker for @src_st. */
static bool has_marker(int gz, const struct stat *src_st)
{
	unsigned char want[MARK_LEN], got[MARK_LEN];
	struct stat st;

	if (fstat(gz, &st) || st.st_size < MARK_LEN)
		return false;
	marker(src_st, want);
	return pread(gz, got, MARK_LEN, st.st_size - MARK_LEN) == MARK_LEN &&
	       memcmp(got, want, MARK_LEN) == 0;
}

int ew_hourly_gz_hour(int dirfd, const char *hh)
{
	char src_name[16], gz_name[32], tmp_name[40];
	unsigned char mark[MARK_LEN];
	int src, gz, tmp = -1, rc;
	struct stat st;

	snprintf(src_name, sizeof(src_name), "%s.jsonl", hh);
	snprintf(gz_name, sizeof(gz_name), "%s.jsonl.gz", hh);
	snprintf(tmp_name, sizeof(tmp_name), "%s.jsonl.gz.tmp", hh);
	src = openat(dirfd, src_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (src < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(src, &st)) {
		rc = -errno;
		goto out;
	}
	gz = openat(dirfd, gz_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (gz < 0 && errno != ENOENT) {
		rc = -errno;
		goto out;
	}
	if (st.st_size == 0 || (gz >= 0 && has_marker(gz, &st))) {
		/* Nothing to add, or added before a crash: only the unlink is left. */
		goto unlink_src;
	}
	/* A leftover is ours to replace; a link planted there is removed, not followed. */
	if (unlinkat(dirfd, tmp_name, 0) && errno != ENOENT) {
		rc = -errno;
		goto out_gz;
	}
	tmp = openat(dirfd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		     FILE_MODE);
	if (tmp < 0) {
		rc = -errno;
		goto out_gz;
	}
	if (fchmod(tmp, FILE_MODE)) { /* exact mode whatever the umask */
		rc = -errno;
		goto out_gz;
	}
	rc = gz >= 0 ? copy_fd(gz, tmp) : 0;
	if (!rc)
		rc = gzip_fd(src, tmp);
	marker(&st, mark);
	if (!rc)
		rc = write_all(tmp, mark, sizeof(mark));
	if (!rc && fsync(tmp))
		rc = -errno;
	if (close(tmp) && !rc)
		rc = -errno;
	tmp = -1;
	if (!rc && renameat(dirfd, tmp_name, dirfd, gz_name))
		rc = -errno;
	if (rc) {
		unlinkat(dirfd, tmp_name, 0);
		goto out_gz;
	}
	rc = fsync_dir(dirfd);
	if (rc)
		goto out_gz;
unlink_src:
	if (unlinkat(dirfd, src_name, 0))
		rc = -errno;
	else
		rc = fsync_dir(dirfd);
out_gz:
	if (tmp >= 0)
		close(tmp);
	if (gz >= 0)
		close(gz);
out:
	close(src);
	return rc;
}

int ew_hourly_gz_key(const char *root, const char *key)
{
	char path[PATH_MAX];
	int dfd, rc;

	if (strlen(key) != EW_HOURLY_KEY_LEN || key[10] != '/')
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%.10s", root, key);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	rc = ew_hourly_gz_hour(dfd, key + 11);
	close(dfd);
	return rc;
}

static void *gz_worker(void *arg)
{
	struct ew_hourly_gz_job *j = arg;

	j->rc = ew_hourly_gz_key(j->root, j->key);
	if (j->rc)
		ew_warn("cannot compress records hour %s/%s: %s (kept for the next start)", j->root,
			j->key, strerror(-j->rc));
	return NULL;
}

void ew_hourly_gz_start(struct ew_hourly_gz_job *j, const char *root, const char *key)
{
	/* Hours close once an hour, so at most one compression is ever running. */
	ew_hourly_gz_wait(j);
	j->root = root;
	snprintf(j->key, sizeof(j->key), "%s", key);
	j->rc = 0;
	if (pthread_create(&j->thread, NULL, gz_worker, j) == 0)
		j->live = true;
	else
		gz_worker(j);
}

int ew_hourly_gz_wait(struct ew_hourly_gz_job *j)
{
	if (!j->live)
		return 0;
	pthread_join(j->thread, NULL);
	j->live = false;
	return j->rc;
}
