// SPDX-License-Identifier: GPL-2.0-only
#include "kernel/enforce.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "enforce/allowset.h"
#include "enforce/enforced.h"
#include "geo/geo.h"
#include "util/log.h"

static int geo_nets(void *arg, const char (*cc)[3], int n,
		    int (*add)(void *add_arg, const char *cc, const uint8_t addr[16],
			       uint8_t prefix),
		    void *add_arg)
{
	return ew_geo_country_nets(arg, cc, n, add, add_arg);
}

/* Keys now in @fd that @keep does not name go; @keep NULL: all go. Collected
 * first: deleting while walking would restart the walk. */
static int prune(int fd, size_t key_size, bool (*keep)(const void *key, const void *ctx),
		 const void *ctx)
{
	uint8_t key[32], next[32], *stale = NULL;
	size_t n = 0, cap = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (keep && keep(key, ctx))
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			uint8_t *v = realloc(stale, c * key_size);

			if (!v)
				break;
			stale = v;
			cap = c;
		}
		memcpy(stale + n++ * key_size, key, key_size);
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, stale + i * key_size);
	free(stale);
	return (int)n;
}

static bool keep_net(const void *key, const void *ctx)
{
	const struct ew_lpm_key *k = key;
	const struct ew_allowset *s = ctx;
	struct ew_allow_net n;
	int lo = 0, hi = s->n - 1;

	memcpy(n.addr, k->addr, 16);
	n.prefix = (uint8_t)k->prefixlen;
	while (lo <= hi) {
		int mid = (lo + hi) / 2, c = memcmp(s->v[mid].addr, n.addr, 16);

		if (!c)
			c = (int)s->v[mid].prefix - (int)n.prefix;
		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

static bool keep_exe(const void *key, const void *ctx)
{
	const struct ew_enforced *t = ctx;

	for (int i = 0; i < t->n_exe; i++)
		if (!memcmp(&t->exe[i].key, key, sizeof(t->exe[i].key)))
			return true;
	return false;
}

static bool keep_cg(const void *key, const void *ctx)
{
	const struct ew_enforced *t = ctx;
	uint64_t id;

	memcpy(&id, key, sizeof(id));
	for (int i = 0; i < t->n_cg; i++)
		if (t->cg[i].id == id)
			return true;
	return false;
}

static int set_cfg(int fd, uint64_t active, uint64_t need_exe, uint64_t need_cg)
{
	struct ew_enf_cfg c = {.active = active, .need_exe = need_exe, .need_cg = need_cg};
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

static int fill_targets(const struct ew_loader_enf_fds *fd, const struct ew_enforced *t)
{
	for (int i = 0; i < t->n_exe; i++)
		if (bpf_map_update_elem(fd->exe, &t->exe[i].key, &t->exe[i].mask, BPF_ANY))
			return -errno;
	for (int i = 0; i < t->n_cg; i++)
		if (bpf_map_update_elem(fd->cg, &t->cg[i].id, &t->cg[i].mask, BPF_ANY))
			return -errno;
	return 0;
}

static int fill(const struct ew_loader_enf_fds *fd, const struct ew_allowset *s,
		const struct ew_enforced *t)
{
	for (int i = 0; i < s->n; i++) {
		struct ew_lpm_key k = {.prefixlen = s->v[i].prefix};
		__u8 allow = s->v[i].allow;

		memcpy(k.addr, s->v[i].addr, 16);
		if (bpf_map_update_elem(fd->allow_nets, &k, &allow, BPF_ANY))
			return -errno;
	}
	return fill_targets(fd, t);
}

static void clear_all(const struct ew_loader_enf_fds *fd)
{
	set_cfg(fd->cfg, 0, 0, 0);
	prune(fd->allow_nets, sizeof(struct ew_lpm_key), NULL, NULL);
	prune(fd->exe, sizeof(struct ew_enf_exe_key), NULL, NULL);
	prune(fd->cg, sizeof(__u64), NULL, NULL);
}

static struct ew_geo *open_geo(const struct ew_policy *pol, const char *const *geo_db, int n_geo)
{
	struct ew_geo *g = NULL;
	char err[512];

	if (ew_geo_open(geo_db, n_geo, &g, err, sizeof(err))) {
		ew_warn("enforcement: no geolocation database (%s): countries are allowed by the "
			"policy's networks only, other addresses of %s are refused",
			err, pol->n_domestic ? pol->domestic[0] : "the domestic countries");
		return NULL;
	}
	return g;
}

static void report_targets(const struct ew_enforced *t);

/* What the last scan found, so that a periodic rescan speaks only of changes. */
static int last_exe = -1, last_cg = -1;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void report(const struct ew_allowset *s, const struct ew_enforced *t, bool geo, double ms)
{
	ew_info("enforcement: %d workloads, %d executables, %d cgroups; %d allowed networks "
		"(%d from the geolocation database, folded), in %.0f ms",
		t->n_workloads, t->n_exe, t->n_cg, s->n, s->n_geo, ms);
	for (int i = 0; i < s->n_no_nets; i++)
		ew_warn("enforcement: country %s has no network in the policy%s: connects there "
			"are refused",
			s->no_nets[i], geo ? " nor in the geolocation database" : "");
	if (s->n_domain_only)
		ew_warn("enforcement: %d channels name only domains: the kernel sees addresses, "
			"so they allow nothing",
			s->n_domain_only);
	if (t->n_over)
		ew_warn("enforcement: %d workloads past the first %d are not enforced", t->n_over,
			EW_ENF_MAX_WORKLOADS);
	report_targets(t);
}

static void report_targets(const struct ew_enforced *t)
{
	if (t->n_full || t->n_cut)
		ew_warn("enforcement: %d executables or cgroups left out (maps full), %d globs "
			"whose directory has more than %d entries: narrow the globs",
			t->n_full, t->n_cut, EW_ENF_MAX_VISIT);
	for (int i = 0; i < t->n_workloads; i++) {
		bool found = false;

		for (int j = 0; j < t->n_exe && !found; j++)
			found = (t->exe[j].mask >> i) & 1;
		for (int j = 0; j < t->n_cg && !found; j++)
			found = (t->cg[j].mask >> i) & 1;
		if (!found)
			ew_warn("enforcement: workload \"%s\" selects no executable or cgroup now; "
				"it is enforced from the next scan (SIGHUP) that finds one",
				t->names[i]);
	}
}

int ew_enforce_apply(struct ew_loader *l, const struct ew_policy *pol, const char *const *geo_db,
		     int n_geo)
{
	struct ew_enforced t;
	struct ew_loader_enf_fds fd;
	struct ew_allowset s = {0};
	struct ew_geo *geo = NULL;
	double t0 = now_ms();
	int rc;

	ew_loader_enf_fds(l, &fd);
	rc = ew_enforced_build(&pol->labels, ew_loader_cgroup2_path(l), &t);
	if (rc || !t.active) {
		clear_all(&fd);
		ew_enforced_free(&t);
		if (rc)
			ew_err("enforcement off: cannot scan for enforced workloads: %s",
			       strerror(-rc));
		return rc;
	}
	geo = open_geo(pol, geo_db, n_geo);
	rc = ew_allowset_build(pol, ew_rules_day(&pol->rules, (int64_t)time(NULL)),
			       geo ? geo_nets : NULL, geo, &s);
	if (!rc)
		rc = fill(&fd, &s, &t);
	if (!rc)
		rc = set_cfg(fd.cfg, t.active, t.need_exe, t.need_cg);
	if (rc) {
		ew_err("enforcement off: cannot fill the kernel's maps: %s (%d networks, %d "
		       "executables, %d cgroups)",
		       strerror(-rc), s.n, t.n_exe, t.n_cg);
		clear_all(&fd);
	} else {
		prune(fd.allow_nets, sizeof(struct ew_lpm_key), keep_net, &s);
		prune(fd.exe, sizeof(struct ew_enf_exe_key), keep_exe, &t);
		prune(fd.cg, sizeof(__u64), keep_cg, &t);
		report(&s, &t, geo != NULL, now_ms() - t0);
		last_exe = t.n_exe;
		last_cg = t.n_cg;
	}
	ew_allowset_free(&s);
	ew_enforced_free(&t);
	ew_geo_close(geo);
	return rc;
}

int ew_enforce_rescan(struct ew_loader *l, const struct ew_policy *pol, bool log)
{
	struct ew_loader_enf_fds fd;
	struct ew_enf_cfg c;
	struct ew_enforced t;
	double t0 = now_ms();
	__u32 zero = 0;
	int rc;

	ew_loader_enf_fds(l, &fd);
	/* off: nothing enforced, or the last apply failed and left it off */
	if (bpf_map_lookup_elem(fd.cfg, &zero, &c) || !c.active)
		return 0;
	rc = ew_enforced_build(&pol->labels, ew_loader_cgroup2_path(l), &t);
	if (!rc && t.active)
		rc = fill_targets(&fd, &t);
	if (!rc && t.active)
		rc = set_cfg(fd.cfg, t.active, t.need_exe, t.need_cg);
	if (rc) {
		ew_err("enforcement: the rescan failed: %s; what the last scan found stays "
		       "enforced",
		       strerror(-rc));
	} else if (t.active) {
		int gone = prune(fd.exe, sizeof(struct ew_enf_exe_key), keep_exe, &t) +
			   prune(fd.cg, sizeof(__u64), keep_cg, &t);

		if (!log && !gone && t.n_exe == last_exe && t.n_cg == last_cg)
			goto out;
		last_exe = t.n_exe;
		last_cg = t.n_cg;
		ew_info("enforcement: rescanned: %d workloads, %d executables, %d cgroups, in "
			"%.0f ms",
			t.n_workloads, t.n_exe, t.n_cg, now_ms() - t0);
		report_targets(&t);
	}
out:
	ew_enforced_free(&t);
	return rc;
}

bool ew_enforce_usable(char *why, size_t whylen)
{
	DECLARE_LIBBPF_OPTS(bpf_map_create_opts, o);
	int fd;

	o.map_flags = BPF_F_NO_PREALLOC;
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "ew_probe_lpm", sizeof(struct ew_lpm_key), 1, 16,
			    &o);

	if (fd < 0) {
		snprintf(why, whylen, "an LPM trie map cannot be made: %s", strerror(errno));
		return false;
	}
	close(fd);
	return true;
}
