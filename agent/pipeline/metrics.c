// SPDX-License-Identifier: GPL-2.0-only
#include "pipeline/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Names, help texts and label values are string literals of the stages. */
struct member {
	const char *name, *help;
	const char *label[2], *key[2];
	int flags;
	uint64_t value;
};

struct ew_metrics {
	struct member *v;
	size_t n, cap;
	bool oom; /* a member could not be added: the collection is incomplete */
};

struct ew_metrics *ew_metrics_new(void)
{
	return calloc(1, sizeof(struct ew_metrics));
}

void ew_metrics_free(struct ew_metrics *m)
{
	if (!m)
		return;
	free(m->v);
	free(m);
}

static void add(struct ew_metrics *m, const struct member *x)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 128;
		struct member *v = realloc(m->v, cap * sizeof(*v));

		if (!v) {
			m->oom = true;
			return;
		}
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = *x;
}

void ew_metrics_add(struct ew_metrics *m, const char *name, const char *help, int flags,
		    uint64_t value)
{
	add(m, &(struct member){.name = name, .help = help, .flags = flags, .value = value});
}

void ew_metrics_add1(struct ew_metrics *m, const char *name, const char *help, int flags,
		     const char *label, const char *key, uint64_t value)
{
	add(m, &(struct member){.name = name,
				.help = help,
				.flags = flags,
				.label = {label},
				.key = {key},
				.value = value});
}

void ew_metrics_add2(struct ew_metrics *m, const char *name, const char *help, int flags,
		     const char *label1, const char *key1, const char *label2, const char *key2,
		     uint64_t value)
{
	add(m, &(struct member){.name = name,
				.help = help,
				.flags = flags,
				.label = {label1, label2},
				.key = {key1, key2},
				.value = value});
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

uint64_t ew_metrics_get(const struct ew_metrics *m, const char *name, const char *key1,
			const char *key2)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name) && same(m->v[i].key[0], key1) &&
		    same(m->v[i].key[1], key2))
			return m->v[i].value;
	return 0;
}

uint64_t ew_metrics_sum(const struct ew_metrics *m, const char *name)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			sum += m->v[i].value;
	return sum;
}

uint64_t ew_metrics_lost(const struct ew_metrics *m)
{
	uint64_t lost = 0;

	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].flags & EW_M_LOSS)
			lost += m->v[i].value;
	return lost;
}

/* Members of a family are contiguous (added together), so a family is a run. */
static size_t run_end(const struct ew_metrics *m, size_t i)
{
	size_t j = i + 1;

	while (j < m->n && !strcmp(m->v[j].name, m->v[i].name))
		j++;
	return j;
}

static uint64_t value_in(const struct ew_metrics *m, const struct member *x)
{
	return m ? ew_metrics_get(m, x->name, x->key[0], x->key[1]) : 0;
}

void ew_metrics_json(const struct ew_metrics *m, const struct ew_metrics *prev, struct ew_jsonw *w)
{
	uint64_t lost = ew_metrics_lost(m), before = prev ? ew_metrics_lost(prev) : 0;

	for (size_t i = 0, end; i < m->n; i = end) {
		end = run_end(m, i);
		if (m->v[i].flags & EW_M_HOST)
			continue;
		if (!m->v[i].label[0]) {
			ew_jsonw_u64(w, m->v[i].name, m->v[i].value);
			continue;
		}
		ew_jsonw_obj_begin(w, m->v[i].name);
		for (size_t j = i, end2; j < end; j = end2) {
			if (!m->v[j].label[1]) {
				ew_jsonw_u64(w, m->v[j].key[0], m->v[j].value);
				end2 = j + 1;
				continue;
			}
			/* Two labels: one object per first key, in order of appearance. */
			for (end2 = j + 1; end2 < end && same(m->v[end2].key[0], m->v[j].key[0]);)
				end2++;
			ew_jsonw_obj_begin(w, m->v[j].key[0]);
			for (size_t k = j; k < end2; k++)
				ew_jsonw_u64(w, m->v[k].key[1], m->v[k].value);
			ew_jsonw_obj_end(w);
		}
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_u64(w, "lost_total", lost);
	ew_jsonw_u64(w, "lost_since_previous", lost > before ? lost - before : 0);
	/* Which loss counters moved since the previous report: where monitoring had holes. */
	ew_jsonw_arr_begin(w, "losses_moved");
	for (size_t i = 0; i < m->n; i++) {
		const struct member *x = &m->v[i];
		char name[160];

		if (!(x->flags & EW_M_LOSS) || x->value <= value_in(prev, x))
			continue;
		if (x->label[1])
			snprintf(name, sizeof(name), "%s.%s.%s", x->name, x->key[0], x->key[1]);
		else if (x->label[0])
			snprintf(name, sizeof(name), "%s.%s", x->name, x->key[0]);
		else
			snprintf(name, sizeof(name), "%s", x->name);
		ew_jsonw_str(w, NULL, name);
	}
	ew_jsonw_arr_end(w);
}

size_t ew_metrics_losses_moved(const struct ew_metrics *m, const struct ew_metrics *prev, char *buf,
			       size_t len)
{
	size_t off = 0, n = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		const struct member *x = &m->v[i];
		uint64_t before = value_in(prev, x);
		int k;

		if (!(x->flags & EW_M_LOSS) || x->value <= before)
			continue;
		n++;
		if (off >= len)
			continue;
		k = snprintf(buf + off, len - off, "%s%s%s%s: %llu", off ? ", " : "", x->name,
			     x->label[0] ? "." : "", x->label[0] ? x->key[0] : "",
			     (unsigned long long)(x->value - before));
		if (k > 0)
			off = off + (size_t)k < len ? off + (size_t)k : len;
	}
	return n;
}

static void prom_labels(FILE *f, const struct member *x)
{
	if (!x->label[0])
		return;
	fprintf(f, "{%s=\"%s\"", x->label[0], x->key[0]);
	if (x->label[1])
		fprintf(f, ",%s=\"%s\"", x->label[1], x->key[1]);
	fputc('}', f);
}

static void prom_write(FILE *f, const struct ew_metrics *m)
{
	for (size_t i = 0, end; i < m->n; i = end) {
		const struct member *x = &m->v[i];

		end = run_end(m, i);
		fprintf(f, "# HELP egresswatch_%s %s\n# TYPE egresswatch_%s %s\n", x->name, x->help,
			x->name, x->flags & EW_M_GAUGE ? "gauge" : "counter");
		for (size_t j = i; j < end; j++) {
			fprintf(f, "egresswatch_%s", m->v[j].name);
			prom_labels(f, &m->v[j]);
			fprintf(f, " %llu\n", (unsigned long long)m->v[j].value);
		}
	}
	fputs("# HELP egresswatch_lost_total Records and bytes lost anywhere: the sum of the "
	      "counters that mean a loss.\n# TYPE egresswatch_lost_total counter\n",
	      f);
	fprintf(f, "egresswatch_lost_total %llu\n", (unsigned long long)ew_metrics_lost(m));
}

/* The file is padded with a comment to whole blocks, and to at least PROM_MIN
 * (several times what the agent writes), so a rewrite reuses its blocks. */
#define PROM_BLOCK 4096
#define PROM_MIN   (64 * 1024)

static int write_spare(int dirfd, const char *tmp, const char *text, size_t len)
{
	size_t padded = (len + 2 + PROM_BLOCK - 1) / PROM_BLOCK * PROM_BLOCK;
	struct stat st;
	ssize_t n;
	char *buf;
	int fd, rc = 0;

	if (padded < PROM_MIN)
		padded = PROM_MIN;
	buf = malloc(padded);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, len);
	buf[len] = '#';
	memset(buf + len + 1, ' ', padded - len - 2);
	buf[padded - 1] = '\n';
	/* Reused, not recreated, unless it is not a plain file of ours (a planted link). */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
		close(fd);
		fd = -1;
		errno = ELOOP;
	}
	if (fd < 0 && (errno == ELOOP || errno == EISDIR)) {
		if (unlinkat(dirfd, tmp, 0) && errno != ENOENT) {
			free(buf);
			return -errno;
		}
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	}
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	n = pwrite(fd, buf, padded, 0);
	if (n != (ssize_t)padded)
		rc = n < 0 ? -errno : -ENOSPC;
	if (!rc && (fchmod(fd, 0640) || ftruncate(fd, (off_t)padded) || fdatasync(fd)))
		rc = -errno;
	close(fd);
	free(buf);
	return rc;
}

/*
 * The new text goes into the spare file, which is renamed over metrics.prom;
 * the old metrics.prom becomes the next spare (a hard link keeps it across the
 * rename). No step allocates blocks once the files exist, so metrics.prom is
 * still rewritten on a disk too full to take records.
 */
int ew_metrics_write_prom(const struct ew_metrics *m, const char *path)
{
	char dir[4096], tmp[256], old[256];
	const char *base = strrchr(path, '/');
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int dirfd, rc;

	if (!base || (size_t)(base - path) >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, path, (size_t)(base - path));
	dir[base - path] = '\0';
	base++;
	snprintf(tmp, sizeof(tmp), "%s.tmp", base);
	snprintf(old, sizeof(old), "%s.old", base);
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	prom_write(f, m);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	dirfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		free(text);
		return -errno;
	}
	rc = write_spare(dirfd, tmp, text, len);
	free(text);
	if (!rc) {
		bool kept;

		unlinkat(dirfd, old, 0); /* a crash between the renames left it */
		kept = linkat(dirfd, base, dirfd, old, 0) == 0;

		if (renameat(dirfd, tmp, dirfd, base))
			rc = -errno;
		else if (kept && renameat(dirfd, old, dirfd, tmp))
			rc = -errno;
		if (kept && rc)
			unlinkat(dirfd, old, 0);
	}
	close(dirfd);
	return rc;
}
