// SPDX-License-Identifier: GPL-2.0-only
#include "enforce/enforced.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "proc/cgroup_path.h"

/* nftw() takes no argument: the walk in progress (the agent scans from one thread). */
static struct walk {
	struct ew_enforced *t;
	const struct ew_labels *l;
	const struct ew_workload_label *w;
	uint64_t bit;
	size_t root_len; /* cgroup walk: of the mount path */
	long visited;
	int rc;
} cur;

struct ew_enf_exe_key ew_enforced_exe_key(uint64_t dev, uint64_t ino)
{
	/* the kernel's dev_t: 12 bits of major above 20 of minor (MKDEV) */
	struct ew_enf_exe_key k = {
	    .dev = (uint64_t)major((dev_t)dev) << 20 | (minor((dev_t)dev) & 0xfffff),
	    .ino = ino,
	};
	return k;
}

static int add_exe(struct ew_enforced *t, struct ew_enf_exe_key key, uint64_t bit)
{
	for (int i = 0; i < t->n_exe; i++)
		if (!memcmp(&t->exe[i].key, &key, sizeof(key))) {
			t->exe[i].mask |= bit;
			return 0;
		}
	if (t->n_exe == EW_ENF_MAX_KEYS) {
		t->n_full++;
		return 0;
	}
	if (t->n_exe == t->cap_exe) {
		int cap = t->cap_exe ? t->cap_exe * 2 : 32;
		struct ew_enf_exe_ent *v = realloc(t->exe, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->exe = v;
		t->cap_exe = cap;
	}
	t->exe[t->n_exe].key = key;
	t->exe[t->n_exe++].mask = bit;
	return 0;
}

static int add_cg(struct ew_enforced *t, uint64_t id, uint64_t mask)
{
	if (t->n_cg == EW_ENF_MAX_KEYS) {
		t->n_full++;
		return 0;
	}
	if (t->n_cg == t->cap_cg) {
		int cap = t->cap_cg ? t->cap_cg * 2 : 32;
		struct ew_enf_cg_ent *v = realloc(t->cg, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->cg = v;
		t->cap_cg = cap;
	}
	t->cg[t->n_cg].id = id;
	t->cg[t->n_cg++].mask = mask;
	return 0;
}

static int on_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	if (++cur.visited > EW_ENF_MAX_VISIT) {
		cur.t->n_cut++;
		return 1;
	}
	if (type == FTW_D && (!strcmp(path, "/proc") || !strcmp(path, "/sys")))
		return FTW_SKIP_SUBTREE;
	if (type != FTW_F || !S_ISREG(st->st_mode) || !(st->st_mode & 0111))
		return 0;
	if (!ew_glob_match(&cur.w->sel[EW_SEL_EXE], path))
		return 0;
	cur.rc = add_exe(cur.t, ew_enforced_exe_key(st->st_dev, st->st_ino), cur.bit);
	return cur.rc ? 1 : 0;
}

/* The directory holding every path the glob can match: up to its first metacharacter. */
static int scan_exe(struct ew_enforced *t, const struct ew_workload_label *w, uint64_t bit)
{
	const char *pat = w->sel[EW_SEL_EXE].pat;
	size_t meta = strcspn(pat, "*?[");
	char root[1024];
	struct stat st;
	size_t n;

	if (pat[meta] == '\0') { /* one file */
		if (stat(pat, &st) == 0 && S_ISREG(st.st_mode))
			return add_exe(t, ew_enforced_exe_key(st.st_dev, st.st_ino), bit);
		return 0;
	}
	for (n = meta; n > 0 && pat[n - 1] != '/'; n--)
		;
	if (n == 0 || n >= sizeof(root))
		return 0; /* not absolute: refused when the policy was parsed */
	memcpy(root, pat, n);
	root[n > 1 ? n - 1 : 1] = '\0';
	cur = (struct walk){.t = t, .w = w, .bit = bit};
	nftw(root, on_file, 32, FTW_PHYS | FTW_ACTIONRETVAL);
	return cur.rc;
}

static bool cg_selected(const struct ew_workload_label *w, const char *path,
			const struct ew_cgroup_info *info)
{
	if (w->sel[EW_SEL_UNIT].pat && !ew_glob_match(&w->sel[EW_SEL_UNIT], info->unit))
		return false;
	if (w->sel[EW_SEL_CGROUP].pat && !ew_glob_match(&w->sel[EW_SEL_CGROUP], path))
		return false;
	if (w->sel[EW_SEL_CONTAINER].pat &&
	    !ew_glob_match(&w->sel[EW_SEL_CONTAINER], info->container_id))
		return false;
	return true;
}

static int on_cgroup(const char *path, const struct stat *st, int type, struct FTW *f)
{
	const struct ew_enforced *t = cur.t;
	const char *rel = path + cur.root_len;
	struct ew_cgroup_info info;
	uint64_t mask = 0;
	int bit = 0;

	(void)f;
	if (type != FTW_D)
		return 0;
	if (!*rel)
		rel = "/";
	ew_cgroup_parse(rel, &info);
	for (int i = 0; i < cur.l->n_workloads && bit < EW_ENF_MAX_WORKLOADS; i++) {
		const struct ew_workload_label *w = &cur.l->workloads[i];

		if (!w->enforce)
			continue;
		if (((t->need_cg >> bit) & 1) && cg_selected(w, rel, &info))
			mask |= 1ull << bit;
		bit++;
	}
	if (!mask)
		return 0;
	cur.rc = add_cg(cur.t, st->st_ino, mask);
	return cur.rc ? 1 : 0;
}

int ew_enforced_build(const struct ew_labels *l, const char *cgroup2, struct ew_enforced *t)
{
	int bit = 0, rc;

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < l->n_workloads; i++) {
		const struct ew_workload_label *w = &l->workloads[i];
		unsigned int sel = ew_labels_enforceable(w);

		if (!w->enforce || !sel)
			continue;
		if (bit == EW_ENF_MAX_WORKLOADS) {
			t->n_over++;
			continue;
		}
		t->names[bit] = w->name;
		t->active |= 1ull << bit;
		if (sel & (1u << EW_SEL_EXE))
			t->need_exe |= 1ull << bit;
		if (sel & ~(1u << EW_SEL_EXE))
			t->need_cg |= 1ull << bit;
		if ((sel & (1u << EW_SEL_EXE)) && (rc = scan_exe(t, w, 1ull << bit)))
			return rc;
		bit++;
	}
	t->n_workloads = bit;
	if (t->need_cg && cgroup2) {
		cur = (struct walk){.t = t, .l = l, .root_len = strlen(cgroup2)};
		while (cur.root_len > 1 && cgroup2[cur.root_len - 1] == '/')
			cur.root_len--;
		nftw(cgroup2, on_cgroup, 32, FTW_PHYS | FTW_MOUNT);
		if (cur.rc)
			return cur.rc;
	}
	return 0;
}

const char *ew_enforced_workload(const struct ew_labels *l, uint64_t bits)
{
	int bit = 0;

	for (int i = 0; i < l->n_workloads && bit < EW_ENF_MAX_WORKLOADS; i++) {
		if (!l->workloads[i].enforce || !ew_labels_enforceable(&l->workloads[i]))
			continue;
		if ((bits >> bit) & 1)
			return l->workloads[i].name;
		bit++;
	}
	return NULL;
}

void ew_enforced_free(struct ew_enforced *t)
{
	free(t->exe);
	free(t->cg);
	memset(t, 0, sizeof(*t));
}
