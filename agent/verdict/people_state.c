// SPDX-License-Identifier: GPL-2.0-only
/*
 * One file per year, people-<year>.state, so a year that is over is written
 * no more and a bad file costs one year at most. Layout, little-endian:
 *
 *   "EWPEOPL1"  u32 year  u32 counters
 *   per counter: u8 scope, u8 class, u8 attested, u8 mode (0 exact, 1 sketch),
 *                u32 name bytes, name, u64 n, then n sorted distinct 8-byte
 *                hashes (exact) or n bytes of postgresql-hll storage (sketch)
 *   u32 CRC-32 (zlib's) of everything before it
 *
 * Saving writes people-<year>.state.tmp, fsyncs it, links the current file
 * to .prev (through .prev.tmp, so .prev is always whole), renames the
 * temporary over the current file and fsyncs the directory: at every
 * instant the current file, or failing that .prev, is a complete snapshot.
 */
#include "verdict/people_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC "EWPEOPL1"

void (*ew_people_save_hook)(const char *tmp_path);

void ew_people_adderr(char *err, size_t errlen, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!err || !errlen)
		return;
	used = strnlen(err, errlen);
	if (used + 3 >= errlen)
		return;
	if (used) {
		strcpy(err + used, "; ");
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

struct buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void put_le(struct buf *b, uint64_t v, int bytes)
{
	uint8_t t[8];

	for (int i = 0; i < bytes; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	put(b, t, (size_t)bytes);
}

/* LSD radix sort, 16 bits a pass: a 2,000,000-hash set sorts in tens of ms, not qsort's 300. */
static int sort_u64(uint64_t *v, uint64_t n)
{
	uint64_t *tmp = malloc((n ? n : 1) * sizeof(*v)), *src = v, *dst = tmp;
	uint64_t *cnt = malloc(65536 * sizeof(*cnt));

	if (!tmp || !cnt) {
		free(tmp);
		free(cnt);
		return -ENOMEM;
	}
	for (int shift = 0; shift < 64; shift += 16) {
		uint64_t sum = 0;

		memset(cnt, 0, 65536 * sizeof(*cnt));
		for (uint64_t i = 0; i < n; i++)
			cnt[(src[i] >> shift) & 0xffff]++;
		for (int b = 0; b < 65536; b++) {
			uint64_t c = cnt[b];

			cnt[b] = sum;
			sum += c;
		}
		for (uint64_t i = 0; i < n; i++)
			dst[cnt[(src[i] >> shift) & 0xffff]++] = src[i];
		uint64_t *t = src;

		src = dst;
		dst = t;
	}
	/* Four passes: the sorted data is back in @v. */
	free(tmp);
	free(cnt);
	return 0;
}

static int put_counter(struct buf *b, const struct ew_people_counter *c)
{
	size_t nl = strlen(c->key.name);

	put_le(b, c->key.scope, 1);
	put_le(b, c->key.cls, 1);
	put_le(b, c->key.attested, 1);
	put_le(b, c->hll ? 1 : 0, 1);
	put_le(b, nl, 4);
	put(b, c->key.name, nl);
	if (c->hll) {
		size_t n = ew_hll_size(c->hll);
		uint8_t *d = malloc(n);

		if (!d)
			return -ENOMEM;
		ew_hll_write(c->hll, d, n);
		put_le(b, n, 8);
		put(b, d, n);
		free(d);
		return 0;
	}
	uint64_t *v = malloc((c->count ? c->count : 1) * sizeof(*v)), n = 0;

	if (!v)
		return -ENOMEM;
	if (c->has_zero)
		v[n++] = 0;
	for (uint64_t i = 0; i < c->cap; i++)
		if (c->slots[i])
			v[n++] = c->slots[i];
	if (sort_u64(v, n)) {
		free(v);
		return -ENOMEM;
	}
	put_le(b, n, 8);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t t[8];

		for (int k = 0; k < 8; k++)
			t[k] = (uint8_t)(v[i] >> (8 * k));
		v[i] = 0;
		memcpy(&v[i], t, 8); /* little-endian on any host, written in one go below */
	}
	put(b, v, n * 8);
	free(v);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int ew_people_open_dir(const char *dir, bool create, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (create && mkdir(dir, 0700) && errno != EEXIST) {
		ew_people_adderr(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -errno;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (!(e == ENOENT && !create))
			ew_people_adderr(err, errlen, "open %s: %s", dir, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) || st.st_uid != geteuid()) {
		ew_people_adderr(err, errlen, "%s: not owned by this user", dir);
		close(fd);
		return -EPERM;
	}
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700)) {
		ew_people_adderr(err, errlen, "chmod 0700 %s: %s", dir, strerror(errno));
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int save_year(struct ew_people *p, int dfd, const char *dir, int year, char *err,
		     size_t errlen)
{
	char name[64], tmp[80], prev[80], prevtmp[96], path[4096];
	struct buf b = {0};
	uint32_t n = 0;
	int fd, r = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->c[i]->key.year == year;
	put(&b, MAGIC, 8);
	put_le(&b, (uint32_t)year, 4);
	put_le(&b, n, 4);
	for (size_t i = 0; i < p->n && !r; i++)
		if (p->c[i]->key.year == year)
			r = put_counter(&b, p->c[i]);
	put_le(&b, crc32(0L, b.p, (uInt)b.len), 4);
	if (r || b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "people-%d.state", year);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	snprintf(prev, sizeof(prev), "%s.prev", name);
	snprintf(prevtmp, sizeof(prevtmp), "%s.tmp", prev);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		ew_people_adderr(err, errlen, "create %s/%s: %s", dir, tmp, strerror(-r));
		free(b.p);
		return r;
	}
	r = write_all(fd, b.p, b.len);
	free(b.p);
	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (r) {
		ew_people_adderr(err, errlen, "write %s/%s: %s", dir, tmp, strerror(-r));
		unlinkat(dfd, tmp, 0);
		return r;
	}
	if (ew_people_save_hook) {
		snprintf(path, sizeof(path), "%s/%s", dir, tmp);
		ew_people_save_hook(path);
	}
	unlinkat(dfd, prevtmp, 0);
	if (!linkat(dfd, name, dfd, prevtmp, 0)) {
		if (renameat(dfd, prevtmp, dfd, prev)) {
			r = -errno;
			ew_people_adderr(err, errlen, "rename %s/%s: %s", dir, prevtmp,
					 strerror(-r));
			return r;
		}
	} else if (errno != ENOENT) {
		r = -errno;
		ew_people_adderr(err, errlen, "link %s/%s to .prev: %s", dir, name, strerror(-r));
		return r;
	}
	if (renameat(dfd, tmp, dfd, name)) {
		r = -errno;
		ew_people_adderr(err, errlen, "rename %s/%s: %s", dir, tmp, strerror(-r));
		return r;
	}
	if (fsync(dfd)) {
		r = -errno;
		ew_people_adderr(err, errlen, "fsync %s: %s", dir, strerror(-r));
	}
	return r;
}

int ew_people_save(struct ew_people *p, const char *dir, char *err, size_t errlen)
{
	int dfd, r = 0;

	if (err && errlen)
		err[0] = 0;
	dfd = ew_people_open_dir(dir, true, err, errlen);
	if (dfd < 0)
		return dfd;
	for (size_t i = 0; i < p->n && !r; i++) {
		int year = p->c[i]->key.year;
		bool dirty = false, first = true;

		for (size_t j = 0; j < p->n; j++) {
			if (p->c[j]->key.year != year)
				continue;
			first = first && j >= i;
			dirty = dirty || p->c[j]->dirty;
		}
		if (!first || !dirty)
			continue; /* the year was written at its first counter, or is unchanged */
		r = save_year(p, dfd, dir, year, err, errlen);
		for (size_t j = 0; j < p->n && !r; j++)
			if (p->c[j]->key.year == year)
				p->c[j]->dirty = false;
	}
	close(dfd);
	return r;
}
