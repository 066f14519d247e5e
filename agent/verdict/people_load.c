// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the per-year files people_state.c writes (layout there). A file
 * is untrusted: every field is bounded, and a file is taken whole or not
 * at all, so a bad one never leaves half a year counted.
 */
#include "verdict/people_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC	  "EWPEOPL1"
#define YEARS_MAX 256

struct rd {
	const uint8_t *p;
	size_t len, off;
};

static bool get_le(struct rd *r, uint64_t *v, int bytes)
{
	if (r->len - r->off < (size_t)bytes)
		return false;
	*v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		*v = (*v << 8) | r->p[r->off + (size_t)i];
	r->off += (size_t)bytes;
	return true;
}

static void free_list(struct ew_people_counter **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!v[i])
			continue;
		free(v[i]->slots);
		if (v[i]->hll)
			ew_hll_free(v[i]->hll);
		free(v[i]->hll);
		free(v[i]);
	}
	free(v);
}

static int read_counter(struct ew_people *p, struct rd *r, int year, struct ew_people_counter **out,
			char *why, size_t wl)
{
	uint64_t scope, cls, att, mode, nl, n;
	struct ew_people_counter *c;
	char herr[160];
	int e;

	if (!get_le(r, &scope, 1) || !get_le(r, &cls, 1) || !get_le(r, &att, 1) ||
	    !get_le(r, &mode, 1) || !get_le(r, &nl, 4)) {
		snprintf(why, wl, "truncated in a counter's header at byte %zu", r->off);
		return -EBADMSG;
	}
	if (scope > EW_PEOPLE_CHANNEL || cls >= EW_PEOPLE_NCLASS || att > 1 || mode > 1 || !nl ||
	    nl >= EW_PEOPLE_NAME_MAX) {
		snprintf(why, wl, "invalid counter header at byte %zu", r->off - 8);
		return -EBADMSG;
	}
	if (r->len - r->off < nl || memchr(r->p + r->off, 0, nl)) {
		snprintf(why, wl, "truncated or invalid name at byte %zu", r->off);
		return -EBADMSG;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	*out = c;
	c->key.scope = (uint8_t)scope;
	c->key.cls = (uint8_t)cls;
	c->key.attested = (uint8_t)att;
	c->key.year = year;
	memcpy(c->key.name, r->p + r->off, nl);
	r->off += nl;
	c->crossover = p->crossover;
	if (!get_le(r, &n, 8)) {
		snprintf(why, wl, "truncated before the size of counter '%s'", c->key.name);
		return -EBADMSG;
	}
	if (mode == 1) {
		c->hll = calloc(1, sizeof(*c->hll));
		if (!c->hll)
			return -ENOMEM;
		if (n > r->len - r->off) {
			snprintf(why, wl, "counter '%s': %llu sketch bytes, %zu left (truncated)",
				 c->key.name, (unsigned long long)n, r->len - r->off);
			return -EBADMSG;
		}
		e = ew_hll_parse(c->hll, r->p + r->off, (size_t)n, herr, sizeof(herr));
		if (e == -ENOMEM)
			return e;
		if (e || c->hll->log2m != EW_HLL_LOG2M || c->hll->regwidth != EW_HLL_REGWIDTH ||
		    c->hll->cutoff != 63 || !c->hll->sparse_on) {
			snprintf(why, wl, "counter '%s': sketch %s", c->key.name,
				 e ? herr : "with parameters other than (14, 5, -1, 1)");
			return -EBADMSG;
		}
		r->off += (size_t)n;
		return 0;
	}
	if (n > (r->len - r->off) / 8) {
		snprintf(why, wl, "counter '%s': %llu hashes, room for %zu (truncated)",
			 c->key.name, (unsigned long long)n, (r->len - r->off) / 8);
		return -EBADMSG;
	}
	uint64_t prev = 0, cap = 64;

	/* Sized once for all of them (at most 3/4 full), not grown step by step. */
	while (cap * 3 < (n + 1) * 4)
		cap *= 2;
	c->slots = calloc(cap, sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	c->cap = cap;
	c->shift = (uint8_t)(64 - __builtin_ctzll(cap));
	for (uint64_t i = 0; i < n; i++) {
		uint64_t h = 0;

		get_le(r, &h, 8);
		if (i && h <= prev) {
			snprintf(why, wl, "counter '%s': hash %llu not above the one before",
				 c->key.name, (unsigned long long)i);
			return -EBADMSG;
		}
		prev = h;
		if (ew_people_set_put(c, h) < 0)
			return -ENOMEM;
	}
	/* A crossover configured lower than when the file was written. */
	if (c->count > c->crossover)
		return ew_people_to_hll(c);
	return 0;
}

static int parse_file(struct ew_people *p, const uint8_t *d, size_t len, int year,
		      struct ew_people_counter ***list, size_t *nlist, char *why, size_t wl)
{
	struct rd r = {.p = d, .len = len};
	uint64_t y = 0, n = 0, crc = 0;
	int e;

	if (len < 20 || memcmp(d, MAGIC, 8)) {
		snprintf(why, wl,
			 len < 20 ? "truncated: %zu bytes"
				  : "not a people state file (%zu bytes, bad magic)",
			 len);
		return -EBADMSG;
	}
	r.off = 8;
	r.len = len - 4; /* the checksum */
	get_le(&r, &y, 4);
	get_le(&r, &n, 4);
	if (y != (uint64_t)year) {
		snprintf(why, wl, "holds year %llu", (unsigned long long)y);
		return -EBADMSG;
	}
	if (n > (len - 20) / 13) {
		snprintf(why, wl, "%llu counters cannot fit in %zu bytes (truncated)",
			 (unsigned long long)n, len);
		return -EBADMSG;
	}
	*list = calloc(n ? n : 1, sizeof(**list));
	if (!*list)
		return -ENOMEM;
	*nlist = n;
	for (uint64_t i = 0; i < n; i++) {
		e = read_counter(p, &r, year, &(*list)[i], why, wl);
		if (e)
			return e;
		for (uint64_t j = 0; j < i; j++)
			if (!memcmp(&(*list)[j]->key, &(*list)[i]->key, sizeof((*list)[i]->key))) {
				snprintf(why, wl, "counter '%s' appears twice",
					 (*list)[i]->key.name);
				return -EBADMSG;
			}
	}
	if (r.off != r.len) {
		snprintf(why, wl, "%zu bytes after the last counter", r.len - r.off);
		return -EBADMSG;
	}
	r.len = len;
	get_le(&r, &crc, 4);
	if (crc != crc32(0L, d, (uInt)(len - 4))) {
		snprintf(why, wl, "checksum mismatch (altered or torn write)");
		return -EBADMSG;
	}
	return 0;
}

/* Read @name in @dfd and take its counters into @p. Return: 0, -ENOENT, -EBADMSG (@why), -errno. */
static int load_file(struct ew_people *p, int dfd, const char *name, int year, char *why, size_t wl)
{
	struct ew_people_counter **list = NULL;
	size_t nlist = 0;
	struct stat st;
	uint8_t *d;
	int fd, e;
	size_t got = 0;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, wl, "%s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, wl, "not a regular file");
		return -EBADMSG;
	}
	d = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, d + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	e = parse_file(p, d, got, year, &list, &nlist, why, wl);
	free(d);
	if (e) {
		free_list(list, nlist);
		return e;
	}
	for (size_t i = 0; i < nlist; i++) {
		struct ew_people_counter *c = ew_people_append(p, &list[i]->key);

		if (!c) {
			free_list(list + i, nlist - i);
			return -ENOMEM;
		}
		free(c);
		p->c[p->n - 1] = list[i];
		list[i] = NULL;
	}
	free(list);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int ew_people_load(struct ew_people *p, const char *dir, char *err, size_t errlen)
{
	int years[YEARS_MAX], ny = 0, ret = 0, dfd, fd2;
	struct dirent *de;
	DIR *dh;

	if (err && errlen)
		err[0] = 0;
	if (p->n)
		return -EBUSY;
	dfd = ew_people_open_dir(dir, false, err, errlen);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	fd2 = dup(dfd);
	dh = fd2 >= 0 ? fdopendir(fd2) : NULL;
	if (!dh) {
		ew_people_adderr(err, errlen, "read %s: %s", dir, strerror(errno));
		close(dfd);
		return -EIO;
	}
	while ((de = readdir(dh))) {
		int y, len = 0;
		const char *rest;

		/* people-YYYY.state[...]: four digits, nothing else is ours. */
		if (strncmp(de->d_name, "people-", 7) ||
		    strspn(de->d_name + 7, "0123456789") != 4 ||
		    strncmp(de->d_name + 11, ".state", 6))
			continue;
		y = atoi(de->d_name + 7);
		len = 17;
		rest = de->d_name + len;
		if (!strcmp(rest, ".tmp") || !strcmp(rest, ".prev.tmp")) {
			unlinkat(dfd, de->d_name, 0); /* an interrupted save */
			continue;
		}
		if (*rest && strcmp(rest, ".prev"))
			continue;
		bool seen = false;

		for (int i = 0; i < ny; i++)
			seen = seen || years[i] == y;
		if (!seen && ny < YEARS_MAX)
			years[ny++] = y;
	}
	closedir(dh);
	qsort(years, (size_t)ny, sizeof(years[0]), cmp_int);
	for (int i = 0; i < ny; i++) {
		char name[64], prev[72], bad[80], why[256], whyp[256];
		int e;

		snprintf(name, sizeof(name), "people-%d.state", years[i]);
		snprintf(prev, sizeof(prev), "%s.prev", name);
		snprintf(bad, sizeof(bad), "%s.corrupt", name);
		e = load_file(p, dfd, name, years[i], why, sizeof(why));
		if (!e)
			continue;
		if (e == -ENOMEM) {
			ret = e;
			break;
		}
		if (e != -ENOENT && renameat(dfd, name, dfd, bad) == 0)
			ew_people_adderr(err, errlen, "%s/%s: %s (kept as %s)", dir, name, why,
					 bad);
		else if (e != -ENOENT)
			ew_people_adderr(err, errlen, "%s/%s: %s", dir, name, why);
		e = load_file(p, dfd, prev, years[i], whyp, sizeof(whyp));
		if (!e) {
			ew_people_adderr(err, errlen, "year %d loaded from %s, the snapshot before",
					 years[i], prev);
			if (ret != -EIO)
				ret = -EBADMSG;
			for (size_t j = 0; j < p->n; j++)
				if (p->c[j]->key.year == years[i])
					p->c[j]->dirty = true; /* write the good state back */
			continue;
		}
		if (e == -ENOMEM) {
			ret = e;
			break;
		}
		ew_people_adderr(err, errlen, "%s/%s: %s; year %d NOT loaded, no good snapshot",
				 dir, prev, whyp, years[i]);
		ret = -EIO;
	}
	close(dfd);
	return ret;
}
