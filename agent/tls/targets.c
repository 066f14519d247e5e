// SPDX-License-Identifier: GPL-2.0-only
/* The registry of examined files: found on disk and in processes' mappings, each read once. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pipeline/metrics.h"
#include "tls/maps.h"
#include "tls/targets.h"
#include "util/siphash.h"

/* An inode: the key of the seen set. ino 0 (never a file's) marks a free slot. */
struct file_key {
	uint64_t dev, ino;
};

/* Bounds against a host (or a user) that maps ever new files: past them a
 * file is examined again at each sighting, or its TLS functions not kept. */
#define MAX_SEEN    (1u << 20)
#define MAX_TARGETS 4096

struct ew_tls_targets {
	ew_tls_attach_fn attach;
	void *ctx;
	struct file_key *seen;
	size_t seen_cap, seen_n; /* cap is a power of two, at most half full */
	struct ew_tls_target **v;
	int n, cap;
	struct ew_tls_stats stats;
	struct ew_maps *maps;
};

int ew_tls_targets_new(ew_tls_attach_fn attach, void *ctx, struct ew_tls_targets **out)
{
	struct ew_tls_targets *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->seen_cap = 256;
	r->seen = calloc(r->seen_cap, sizeof(*r->seen));
	if (!r->seen || ew_maps_new(false, &r->maps)) {
		free(r->seen);
		free(r);
		return -ENOMEM;
	}
	r->attach = attach;
	r->ctx = ctx;
	*out = r;
	return 0;
}

void ew_tls_targets_free(struct ew_tls_targets *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	free(r->seen);
	ew_maps_free(r->maps);
	free(r);
}

static size_t slot_of(const struct file_key *seen, size_t cap, struct file_key k)
{
	size_t i = (size_t)ew_hash_u64x2(k.dev, k.ino) & (cap - 1);

	while (seen[i].ino && (seen[i].dev != k.dev || seen[i].ino != k.ino))
		i = (i + 1) & (cap - 1);
	return i;
}

static bool is_seen(const struct ew_tls_targets *r, struct file_key k)
{
	return k.ino && r->seen[slot_of(r->seen, r->seen_cap, k)].ino;
}

/* Remembers @k. Out of memory only means the file may be examined again. */
static void mark_seen(struct ew_tls_targets *r, struct file_key k)
{
	size_t i;

	if (!k.ino || is_seen(r, k))
		return;
	if ((r->seen_n + 1) * 2 > r->seen_cap) {
		size_t cap = r->seen_cap * 2;
		struct file_key *s = cap <= 2 * MAX_SEEN ? calloc(cap, sizeof(*s)) : NULL;

		if (!s)
			return;
		for (size_t j = 0; j < r->seen_cap; j++)
			if (r->seen[j].ino)
				s[slot_of(s, cap, r->seen[j])] = r->seen[j];
		free(r->seen);
		r->seen = s;
		r->seen_cap = cap;
	}
	i = slot_of(r->seen, r->seen_cap, k);
	r->seen[i] = k;
	r->seen_n++;
}

static struct ew_tls_target *new_target(struct ew_tls_targets *r)
{
	struct ew_tls_target *t;

	if (r->n >= MAX_TARGETS) {
		r->stats.over_limit++;
		return NULL;
	}
	if (r->n == r->cap) {
		int cap = r->cap ? r->cap * 2 : 16;
		struct ew_tls_target **v = realloc(r->v, (size_t)cap * sizeof(*v));

		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	t = calloc(1, sizeof(*t));
	if (t)
		r->v[r->n++] = t;
	return t;
}

static const struct ew_tls_target *by_build_id(const struct ew_tls_targets *r, const char *id)
{
	for (int i = 0; id[0] && i < r->n; i++)
		if (r->v[i]->n_syms && !strcmp(r->v[i]->build_id, id))
			return r->v[i];
	return NULL;
}

static void copy_found(struct ew_tls_target *t, const struct ew_tls_found *f)
{
	snprintf(t->library, sizeof(t->library), "%s", f->library);
	t->family = f->lib->family;
	t->n_syms = f->n_syms;
	for (int i = 0; i < f->n_syms; i++) {
		t->syms[i].role = f->syms[i].role;
		t->syms[i].name = f->syms[i].name;
		t->syms[i].offset = f->syms[i].offset;
	}
}

struct candidate {
	const char *path; /* opens the file now */
	const char *file; /* what to call it */
	int pid;
	struct file_key key; /* from stat or from the maps line */
};

/* Fills @t from the ELF file, or returns false when it holds nothing TLS. */
static bool identify(struct ew_tls_targets *r, struct ew_elf_syms *e, const struct ew_tls_lib *lib,
		     struct ew_tls_target *t)
{
	const struct ew_tls_target *twin;
	struct ew_tls_found f;

	if (ew_elf_syms_build_id(e, t->build_id, sizeof(t->build_id)))
		t->build_id[0] = '\0';
	if (!lib && ew_elf_syms_is_go(e)) {
		snprintf(t->library, sizeof(t->library), "go");
		t->family = "go";
		t->is_static = true;
		t->result = EW_TLS_UNSUPPORTED;
		snprintf(
		    t->why, sizeof(t->why),
		    "a Go binary: Go's crypto/tls is not hooked, its plaintext is not captured");
		return true;
	}
	twin = by_build_id(r, t->build_id);
	if (twin) {
		memcpy(t->library, twin->library, sizeof(t->library));
		t->family = twin->family;
		t->is_static = twin->is_static;
		t->n_syms = twin->n_syms;
		memcpy(t->syms, twin->syms, sizeof(t->syms));
		r->stats.reused++;
		return true;
	}
	if (ew_tls_libs_examine(e, lib, &f) || !f.lib) {
		if (!lib)
			return false;
		snprintf(t->library, sizeof(t->library), "%s", lib->family);
		t->family = lib->family;
		t->result = EW_TLS_NO_SYMBOLS;
		snprintf(t->why, sizeof(t->why),
			 "named like %s but %s is not defined in it (stripped?)", lib->family,
			 lib->funcs[0].name);
		return true;
	}
	copy_found(t, &f);
	t->is_static = !lib;
	return true;
}

static void attach(struct ew_tls_targets *r, struct ew_tls_target *t)
{
	int rc;

	if (t->result != EW_TLS_HOOKED || !r->attach)
		return;
	t->why[0] = '\0';
	rc = r->attach(r->ctx, t, t->why, sizeof(t->why));
	if (rc) {
		t->result = EW_TLS_FAILED;
		if (!t->why[0])
			snprintf(t->why, sizeof(t->why), "attach failed: %s", strerror(-rc));
	}
}

/* Examines the file @c names unless its inode was seen. Return: 1 examined, 0 not, -errno. */
static int examine(struct ew_tls_targets *r, const struct candidate *c)
{
	const char *base = strrchr(c->file, '/') ? strrchr(c->file, '/') + 1 : c->file;
	const struct ew_tls_lib *lib = ew_tls_libs_by_file(base);
	struct ew_tls_target *t;
	struct ew_elf_syms *e;
	struct file_key k;
	struct stat st;
	int fd, rc;

	mark_seen(r, c->key);
	fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			r->stats.vanished++;
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOEXEC;
	}
	/* An overlayfs file shows its lower inode in maps and its own to stat. */
	k = (struct file_key){(uint64_t)st.st_dev, (uint64_t)st.st_ino};
	if ((k.dev != c->key.dev || k.ino != c->key.ino) && is_seen(r, k)) {
		close(fd);
		return 0;
	}
	mark_seen(r, k);
	r->stats.examined++;
	/* Not ELF (a linker script named libssl.so, garbage): nothing to hook, nothing to count. */
	rc = ew_elf_syms_open(fd, &e);
	if (rc) {
		close(fd);
		return 1;
	}
	t = new_target(r);
	if (t && !identify(r, e, lib, t)) {
		free(r->v[--r->n]); /* not TLS: remembered as seen, not kept */
		t = NULL;
	}
	ew_elf_syms_close(e);
	close(fd);
	if (!t)
		return 1;
	snprintf(t->path, sizeof(t->path), "%s", c->path);
	snprintf(t->file, sizeof(t->file), "%s", c->file);
	t->pid = c->pid;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	attach(r, t);
	return 1;
}

/* The multiarch directory of the running architecture: what Debian's dynamic linker searches. */
static const char *multiarch(void)
{
	static const struct {
		const char *machine, *triplet;
	} arches[] = {
	    {"x86_64", "x86_64-linux-gnu"},
	    {"aarch64", "aarch64-linux-gnu"},
	    {"i686", "i386-linux-gnu"},
	    {"i586", "i386-linux-gnu"},
	    {"i386", "i386-linux-gnu"},
	    {"armv7l", "arm-linux-gnueabihf"},
	    {"armv6l", "arm-linux-gnueabihf"},
	    {"ppc64le", "powerpc64le-linux-gnu"},
	    {"s390x", "s390x-linux-gnu"},
	    {"riscv64", "riscv64-linux-gnu"},
	    {"loongarch64", "loongarch64-linux-gnu"},
	};
	struct utsname u;

	if (uname(&u))
		return NULL;
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(u.machine, arches[i].machine))
			return arches[i].triplet;
	return NULL;
}

static void scan_dir(struct ew_tls_targets *r, const char *dir)
{
	struct dirent *d;
	DIR *dh = opendir(dir);

	if (!dh)
		return;
	while ((d = readdir(dh))) {
		char path[PATH_MAX], real[PATH_MAX];
		struct candidate c = {.path = real, .file = real};
		struct stat st;

		if (!ew_tls_libs_by_file(d->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= (int)sizeof(path) ||
		    !realpath(path, real) || stat(real, &st) || !S_ISREG(st.st_mode))
			continue;
		c.key = (struct file_key){(uint64_t)st.st_dev, (uint64_t)st.st_ino};
		if (is_seen(r, c.key))
			continue;
		/* A link's target is judged by the link's name if its own says nothing. */
		if (!ew_tls_libs_by_file(strrchr(real, '/') + 1))
			c.file = path;
		examine(r, &c);
	}
	closedir(dh);
}

void ew_tls_targets_scan_system(struct ew_tls_targets *r)
{
	static const char *const fixed[] = {"/usr/lib64", "/lib64", "/usr/lib", "/usr/local/lib"};
	const char *ma = multiarch();
	char dir[64];

	if (ma) {
		snprintf(dir, sizeof(dir), "/usr/lib/%s", ma);
		scan_dir(r, dir);
		snprintf(dir, sizeof(dir), "/lib/%s", ma);
		scan_dir(r, dir);
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		scan_dir(r, fixed[i]);
}

static bool ends_with(const char *s, size_t n, const char *tail)
{
	size_t t = strlen(tail);

	return n >= t && !memcmp(s + n - t, tail, t);
}

int ew_tls_targets_scan_file(struct ew_tls_targets *r, const char *path)
{
	struct candidate c = {.path = path, .file = path};
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	c.key = (struct file_key){(uint64_t)st.st_dev, (uint64_t)st.st_ino};
	if (is_seen(r, c.key)) {
		r->stats.seen++;
		return 0;
	}
	return examine(r, &c);
}

struct pid_scan {
	struct ew_tls_targets *r;
	int pid, examined;
};

static bool known(void *ctx, uint64_t dev, uint64_t ino)
{
	struct pid_scan *p = ctx;

	return is_seen(p->r, (struct file_key){dev, ino});
}

static void found_mapping(void *ctx, const struct ew_maps_entry *m)
{
	struct pid_scan *p = ctx;
	char path[PATH_MAX + 96];
	struct candidate c = {
	    .path = path, .file = m->name, .pid = p->pid, .key = {m->dev, m->ino}};

	if (ends_with(m->name, strlen(m->name), " (deleted)"))
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", p->pid,
			 (unsigned long long)m->start, (unsigned long long)m->end);
	else
		snprintf(path, sizeof(path), "/proc/%d/root%s", p->pid, m->name);
	p->examined += examine(p->r, &c) > 0;
}

int ew_tls_targets_scan_pid(struct ew_tls_targets *r, int pid)
{
	struct pid_scan p = {.r = r, .pid = pid};
	int rc;

	/* The executable is one of the mappings: no stat of /proc/PID/exe needed. */
	r->stats.scans++;
	rc = ew_maps_each_exec(r->maps, pid, known, found_mapping, &p);
	if (rc < 0) {
		r->stats.vanished += rc == -ENOENT || rc == -ESRCH;
		return rc;
	}
	r->stats.seen += (uint64_t)rc;
	return p.examined;
}

void ew_tls_targets_scan_all(struct ew_tls_targets *r)
{
	struct dirent *d;
	DIR *dh = opendir("/proc");

	if (!dh)
		return;
	while ((d = readdir(dh)))
		if (isdigit((unsigned char)d->d_name[0]))
			ew_tls_targets_scan_pid(r, atoi(d->d_name));
	closedir(dh);
}

int ew_tls_targets_count(const struct ew_tls_targets *r)
{
	return r->n;
}

const struct ew_tls_target *ew_tls_targets_get(const struct ew_tls_targets *r, int i)
{
	return i >= 0 && i < r->n ? r->v[i] : NULL;
}

struct ew_tls_stats ew_tls_targets_stats(const struct ew_tls_targets *r)
{
	return r->stats;
}

const char *ew_tls_result_name(enum ew_tls_result res)
{
	static const char *const names[] = {"hooked", "failed", "no_symbols", "unsupported"};

	return (unsigned int)res < EW_TLS_N_RESULTS ? names[res] : "?";
}

static int by_library_result(const void *a, const void *b)
{
	const struct ew_tls_target *x = *(const struct ew_tls_target *const *)a;
	const struct ew_tls_target *y = *(const struct ew_tls_target *const *)b;
	int c = strcmp(x->library, y->library);

	return c ? c : (int)x->result - (int)y->result;
}

void ew_tls_targets_metrics(const struct ew_tls_targets *r, struct ew_metrics *m)
{
	const struct ew_tls_target **v;

	ew_metrics_add(m, "tls_files_examined_total",
		       "Executable files read to look for TLS library functions.", EW_M_HOST,
		       r->stats.examined);
	ew_metrics_add(m, "tls_targets_over_limit_total",
		       "Files with TLS functions neither kept nor hooked: the registry was full.",
		       EW_M_HOST, r->stats.over_limit);
	if (!r->n || !(v = malloc((size_t)r->n * sizeof(*v))))
		return;
	memcpy(v, r->v, (size_t)r->n * sizeof(*v));
	/* A family's members by first label together: the JSON nests them. */
	qsort(v, (size_t)r->n, sizeof(*v), by_library_result);
	for (int i = 0, j; i < r->n; i = j) {
		for (j = i + 1; j < r->n && !by_library_result(&v[i], &v[j]);)
			j++;
		ew_metrics_add2(m, "tls_targets_total",
				"Files with TLS library functions, by library and what became of "
				"their uprobes.",
				EW_M_GAUGE | EW_M_HOST, "library", v[i]->library, "result",
				ew_tls_result_name(v[i]->result), (uint64_t)(j - i));
	}
	free(v);
}
