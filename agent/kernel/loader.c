// SPDX-License-Identifier: GPL-2.0-only
/*
 * loader.c - pre-flight checks, per-hook probing, load and attach.
 *
 * Every hook is probed on its own first, so one program this kernel
 * rejects costs that hook only, never the whole agent.
 */
#include "kernel/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "util/addr.h"
#include "ew.skel.h"
#include "util/log.h"
#include "kernel/probe.h"

#define MAX_HOOKS 24

struct ew_loader {
	struct ew *skel;
	struct bpf_link *links[MAX_HOOKS];
	int cgroup_fd;
	char cgroup2[256];
	const char *degraded[MAX_HOOKS];
	int n_degraded;
	bool content;
	bool skip_nets; /* ew_skip_nets was filled: a reloaded policy refills it */
	bool tls, tls_in;
	struct bpf_link **tls_links;
	int n_tls_links, cap_tls_links;
	__u32 n_tls_targets;
};

static bool wanted(const struct ew_hook_desc *h, const struct ew_loader_opts *o)
{
	switch (h->group) {
	case EW_HOOK_UDP:
		return o->enable_udp;
	case EW_HOOK_SKB:
		/* ingress also tells accepts which listener they came from */
		return o->enable_udp || o->enable_names || o->enable_accept || o->enable_content;
	case EW_HOOK_PROC:
		return o->enable_proc;
	case EW_HOOK_TLS:
		return o->enable_content && o->enable_tls;
	case EW_HOOK_TLS_IN:
		return o->enable_content && o->enable_tls && o->content_inbound;
	default:
		return true;
	}
}

static bool ring_size_ok(__u32 rb)
{
	long page = sysconf(_SC_PAGESIZE);

	return rb >= 4096 && !(rb & (rb - 1)) && (page <= 0 || rb >= (__u32)page);
}

static int check_sizes(const struct ew_loader_opts *o, __u32 *rb, __u32 *udp, __u32 *crb)
{
	long page = sysconf(_SC_PAGESIZE);

	*rb = o->ringbuf_bytes ? o->ringbuf_bytes : 8u << 20;
	*udp = o->udp_map_entries ? o->udp_map_entries : 65536;
	/* Off, the content ring still exists (the program names it): keep it small. */
	*crb = !o->enable_content	  ? (page > 4096 ? (__u32)page : 4096)
	       : o->content_ringbuf_bytes ? o->content_ringbuf_bytes
					  : 16u << 20;
	if (!ring_size_ok(*rb)) {
		ew_err("ring buffer size %u is not a power of two of at least %ld bytes: "
		       "set ringbuf_bytes to e.g. 8388608",
		       *rb, page > 4096 ? page : 4096);
		return -EINVAL;
	}
	if (!ring_size_ok(*crb)) {
		ew_err("content ring buffer size %u is not a power of two of at least %ld bytes: "
		       "set content.ringbuf_bytes to e.g. 16777216",
		       *crb, page > 4096 ? page : 4096);
		return -EINVAL;
	}
	return 0;
}

/* One clear message per cause, each naming the fix. */
static int preflight(const struct ew_loader_opts *o, struct ew_loader *l)
{
	char msg[512];
	int rc;

	if ((rc = ew_probe_privileges(msg, sizeof(msg))) || (rc = ew_probe_btf(msg, sizeof(msg))) ||
	    (rc = ew_probe_bpf_syscall(msg, sizeof(msg)))) {
		ew_err("%s", msg);
		return rc;
	}
	if (o->cgroup2_path) {
		snprintf(l->cgroup2, sizeof(l->cgroup2), "%s", o->cgroup2_path);
	} else {
		rc = ew_probe_cgroup2(l->cgroup2, sizeof(l->cgroup2), true);
		if (rc) {
			ew_err(
			    "no cgroup v2 mount in /proc/mounts and mounting one at %s failed: %s; "
			    "mount it (mount -t cgroup2 none /sys/fs/cgroup/unified) or boot with "
			    "systemd.unified_cgroup_hierarchy=1",
			    EW_CGROUP2_FALLBACK, strerror(-rc));
			return rc;
		}
	}
	l->cgroup_fd = open(l->cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->cgroup_fd < 0) {
		rc = -errno;
		ew_err(
		    "cannot open the cgroup v2 root %s: %s; point cgroup2_path at a cgroup2 mount",
		    l->cgroup2, strerror(-rc));
		return rc;
	}
	return 0;
}

static void degrade(struct ew_loader *l, const struct ew_hook_desc *h, const char *reason)
{
	ew_warn("hook %s unavailable: %s; effect: %s", h->hook, reason, h->effect);
	if (l->n_degraded < MAX_HOOKS)
		l->degraded[l->n_degraded++] = h->hook;
}

static int skip_net(int fd, const uint8_t addr[16], uint8_t prefix, __u8 skip)
{
	struct ew_lpm_key key = {.prefixlen = prefix};

	memcpy(key.addr, addr, 16);
	return bpf_map_update_elem(fd, &key, &skip, BPF_ANY) ? -errno : 0;
}

/*
 * Every policy network goes in, domestic ones marked skip, so the longest
 * match answers as the border decision would: a foreign partner's /24
 * inside a domestic /8 is still inspected.
 */
static int fill_skip_nets(struct ew_loader *l, const struct ew_policy *pol)
{
	static const char *const loopback[] = {"127.0.0.0/8", "::1/128"};
	int fd = bpf_map__fd(l->skel->maps.ew_skip_nets), rc = 0;
	uint8_t addr[16], prefix;
	const char *what = "";

	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]) && !rc; i++) {
		what = loopback[i];
		ew_cidr_parse(what, addr, &prefix);
		rc = skip_net(fd, addr, prefix, 1);
	}
	for (int i = 0; pol && i < pol->n_nets && !rc; i++) {
		const struct ew_policy_net *net = &pol->nets[i];

		what = net->name;
		rc = skip_net(fd, net->addr, net->prefix, ew_policy_domestic(pol, net->country));
	}
	if (rc)
		ew_err("cannot fill the pre-filter map ew_skip_nets (%s): %s", what, strerror(-rc));
	return rc;
}

int ew_loader_set_policy(struct ew_loader *l, const struct ew_policy *pol)
{
	int fd;
	struct ew_lpm_key key;

	if (!l->skip_nets)
		return 0;
	/*
	 * Emptied first: meanwhile nothing is skipped, so a payload is at worst
	 * inspected once too often, never missed.
	 */
	fd = bpf_map__fd(l->skel->maps.ew_skip_nets);
	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key))
			return -errno;
	return fill_skip_nets(l, pol);
}

/* TLS capture needs every one of its hooks: a half is not kept. */
static bool tls_all(const bool on[], enum ew_hook_group g)
{
	for (int i = 0; i < ew_n_hooks && i < MAX_HOOKS; i++)
		if (ew_hooks[i].group == g && !on[i])
			return false;
	return true;
}

static void tls_setup(struct ew_loader *l, const struct ew_loader_opts *o, bool on[])
{
	l->tls = o->enable_content && o->enable_tls && tls_all(on, EW_HOOK_TLS);
	l->tls_in = l->tls && o->content_inbound && tls_all(on, EW_HOOK_TLS_IN);
	for (int i = 0; i < ew_n_hooks && i < MAX_HOOKS; i++) {
		struct bpf_program *p;

		if (ew_hooks[i].group != EW_HOOK_TLS && ew_hooks[i].group != EW_HOOK_TLS_IN)
			continue;
		on[i] = ew_hooks[i].group == EW_HOOK_TLS ? l->tls : l->tls_in;
		p = bpf_object__find_program_by_name(l->skel->obj, ew_hooks[i].prog);
		if (p)
			bpf_program__set_autoload(p, on[i]);
	}
	l->skel->rodata->ew_tls_on = l->tls;
	l->skel->rodata->ew_tls_in_on = l->tls_in;
	l->skel->rodata->ew_tls_write_bytes = o->tls_write_bytes ? o->tls_write_bytes : 16384;
}

/* A TLS tracepoint that would not attach: no plaintext rather than a guess. */
static void tls_degraded(struct ew_loader *l, const struct ew_hook_desc *h)
{
	if (h->group == EW_HOOK_TLS)
		l->tls = l->tls_in = false;
	else if (h->group == EW_HOOK_TLS_IN)
		l->tls_in = false;
}

int ew_loader_open(const struct ew_loader_opts *o, struct ew_loader **out)
{
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
	bool on[MAX_HOOKS] = {0};
	struct ew_loader *l;
	__u32 rb, udp, crb;
	char why[192];
	int rc;

	*out = NULL;
	if ((rc = check_sizes(o, &rb, &udp, &crb)))
		return rc;
	ew_probe_libbpf_logging();
	/* Memory is charged to the cgroup since 5.11; older kernels need this. */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->cgroup_fd = -1;
	if ((rc = preflight(o, l)))
		goto fail;

	for (int i = 0; i < ew_n_hooks && i < MAX_HOOKS; i++) {
		const struct ew_hook_desc *h = &ew_hooks[i];

		if (!wanted(h, o))
			continue;
		rc = ew_probe_hook(h, l->cgroup_fd, why, sizeof(why));
		if (rc == 0) {
			on[i] = true;
			continue;
		}
		if (h->required) {
			ew_err("required hook %s does not work: %s; egresswatch cannot see "
			       "connections "
			       "without it (`egresswatch probe` shows every hook)",
			       h->hook, why);
			goto fail;
		}
		degrade(l, h, why);
	}

	l->skel = ew_probe_skel_open(NULL);
	if (!l->skel) {
		rc = -errno;
		ew_err("cannot open the BPF object: %s", strerror(-rc));
		goto fail;
	}
	for (int i = 0; i < ew_n_hooks && i < MAX_HOOKS; i++) {
		struct bpf_program *p =
		    bpf_object__find_program_by_name(l->skel->obj, ew_hooks[i].prog);

		if (p)
			bpf_program__set_autoload(p, on[i]);
	}
	l->skel->rodata->ew_self_tgid = o->self_tgid;
	l->skel->rodata->ew_wakeup_bytes = o->wakeup_bytes;
	l->skel->rodata->ew_count_udp = o->enable_udp;
	l->skel->rodata->ew_capture_names = o->enable_names;
	l->skel->rodata->ew_track_owners = o->enable_accept;
	l->skel->rodata->ew_content_on = o->enable_content;
	l->skel->rodata->ew_content_in_on = o->enable_content && o->content_inbound;
	l->skel->rodata->ew_content_flow_bytes =
	    o->content_flow_bytes ? o->content_flow_bytes : 262144;
	l->skel->rodata->ew_content_wakeup_bytes = o->content_wakeup_bytes;
	l->content = o->enable_content;
	tls_setup(l, o, on);
	if ((rc = bpf_map__set_max_entries(l->skel->maps.ew_events, rb)) ||
	    (rc = bpf_map__set_max_entries(l->skel->maps.ew_content, crb)) ||
	    (rc = bpf_map__set_max_entries(l->skel->maps.ew_udp_flows, udp)) ||
	    (rc = bpf_map__set_max_entries(l->skel->maps.ew_udp_seen, udp))) {
		ew_err("cannot size the BPF maps: %s", strerror(-rc));
		goto fail;
	}
	rc = ew__load(l->skel);
	if (rc) {
		ew_err("loading the BPF programs failed although each loaded alone: %s "
		       "(EW_DEBUG=1 shows the verifier log; ring buffer %u bytes, UDP map %u "
		       "entries: lower them if memory is short)",
		       strerror(-rc), rb, udp);
		goto fail;
	}
	l->skip_nets = o->enable_names || o->enable_content;
	if (l->skip_nets && (rc = fill_skip_nets(l, o->policy)))
		goto fail;
	for (int i = 0; i < ew_n_hooks && i < MAX_HOOKS; i++) {
		const struct ew_hook_desc *h = &ew_hooks[i];
		struct bpf_program *p;

		if (!on[i] || h->uprobe)
			continue;
		p = bpf_object__find_program_by_name(l->skel->obj, h->prog);
		l->links[i] = h->cgroup ? bpf_program__attach_cgroup(p, l->cgroup_fd)
					: bpf_program__attach(p);
		if (l->links[i])
			continue;
		rc = -errno;
		l->links[i] = NULL;
		snprintf(why, sizeof(why), "attach failed: %s", strerror(-rc));
		if (h->required) {
			ew_err("required hook %s: %s", h->hook, why);
			goto fail;
		}
		degrade(l, h, why);
		tls_degraded(l, h);
	}
	ew_info("BPF programs attached (cgroup v2 root %s, ring buffer %u bytes, %d hooks "
		"degraded)",
		l->cgroup2, rb, l->n_degraded);
	*out = l;
	return 0;
fail:
	ew_loader_close(l);
	return rc < 0 ? rc : -EINVAL;
}

int ew_loader_ringbuf_fd(const struct ew_loader *l)
{
	return bpf_map__fd(l->skel->maps.ew_events);
}

int ew_loader_content_fd(const struct ew_loader *l)
{
	return l->content ? bpf_map__fd(l->skel->maps.ew_content) : -1;
}

int ew_loader_listeners_map_fd(const struct ew_loader *l)
{
	return bpf_map__fd(l->skel->maps.ew_listeners);
}

int ew_loader_udp_map_fd(const struct ew_loader *l)
{
	return bpf_map__fd(l->skel->maps.ew_udp_flows);
}

/*
 * The kernel runs one tracing program once per CPU at a time: a softirq that
 * hits the tracepoint while the program runs in process context is skipped
 * and counted in the program's info, not in any map.
 */
static __u64 recursion_misses(const struct ew_loader *l)
{
	struct bpf_program *p;
	__u64 n = 0;

	bpf_object__for_each_program(p, l->skel->obj)
	{
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

int ew_loader_read_kstats(const struct ew_loader *l, __u64 out[EW_KSTAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(l->skel->maps.ew_stats);
	__u64 *vals;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < EW_KSTAT_MAX; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, vals)) {
			int rc = -errno;

			free(vals);
			return rc;
		}
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	out[EW_KSTAT_PROG_RECURSION] = recursion_misses(l);
	return 0;
}

bool ew_loader_tls_on(const struct ew_loader *l)
{
	return l && l->tls;
}

static int tls_link_keep(struct ew_loader *l, struct bpf_link *link)
{
	if (l->n_tls_links == l->cap_tls_links) {
		int cap = l->cap_tls_links ? l->cap_tls_links * 2 : 64;
		struct bpf_link **v = realloc(l->tls_links, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->tls_links = v;
		l->cap_tls_links = cap;
	}
	l->tls_links[l->n_tls_links++] = link;
	return 0;
}

static int tls_attach_one(struct ew_loader *l, const char *path, const struct ew_loader_uprobe *u,
			  struct bpf_program *p, bool ret, __u64 cookie)
{
	DECLARE_LIBBPF_OPTS(bpf_uprobe_opts, uo);
	struct bpf_link *link;
	int rc;

	uo.bpf_cookie = cookie;
	uo.retprobe = ret;
	link = bpf_program__attach_uprobe_opts(p, -1, path, (size_t)u->offset, &uo);
	if (!link)
		return -errno ? -errno : -EINVAL;
	if ((rc = tls_link_keep(l, link)))
		bpf_link__destroy(link);
	return rc;
}

int ew_loader_tls_attach(struct ew_loader *l, const char *path, const char *library,
			 const struct ew_loader_uprobe *u, int n, char *why, size_t whylen)
{
	struct bpf_program *wr = l->skel->progs.ew_tls_write, *fr = l->skel->progs.ew_tls_free;
	struct bpf_program *rd = l->skel->progs.ew_tls_read, *rr = l->skel->progs.ew_tls_read_ret;
	char name[EW_TLS_LIB_LEN] = {0};
	int first = l->n_tls_links, rc = 0, i;
	__u32 target = l->n_tls_targets;
	__u64 cookie;

	if (!l->tls) {
		snprintf(why, whylen, "TLS capture is off");
		return -ENODEV;
	}
	if (target >= EW_TLS_TARGETS_MAX) {
		snprintf(why, whylen, "more than %d TLS libraries and executables",
			 EW_TLS_TARGETS_MAX);
		return -ENOSPC;
	}
	snprintf(name, sizeof(name), "%s", library);
	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.ew_tls_libs), &target, name, BPF_ANY)) {
		rc = -errno;
		snprintf(why, whylen, "cannot name the library in ew_tls_libs: %s", strerror(-rc));
		return rc;
	}
	for (i = 0; i < n && !rc; i++) {
		cookie = (__u64)target << EW_TLS_COOKIE_SHIFT | u[i].flags;
		switch (u[i].kind) {
		case EW_LOADER_TLS_WRITE:
			rc = tls_attach_one(l, path, &u[i], wr, false, cookie);
			break;
		case EW_LOADER_TLS_FREE:
			rc = tls_attach_one(l, path, &u[i], fr, false, cookie);
			break;
		case EW_LOADER_TLS_READ:
			if (!l->tls_in)
				continue;
			rc = tls_attach_one(l, path, &u[i], rd, false, cookie);
			if (!rc)
				rc = tls_attach_one(l, path, &u[i], rr, true, cookie);
			break;
		}
	}
	if (rc) {
		snprintf(why, whylen, "uprobe on %s at 0x%llx: %s", u[i - 1].func,
			 (unsigned long long)u[i - 1].offset, strerror(-rc));
		while (l->n_tls_links > first)
			bpf_link__destroy(l->tls_links[--l->n_tls_links]);
		return rc;
	}
	l->n_tls_targets++;
	return 0;
}

const char *ew_loader_cgroup2_path(const struct ew_loader *l)
{
	return l->cgroup2;
}

void ew_loader_enf_fds(const struct ew_loader *l, struct ew_loader_enf_fds *fds)
{
	fds->allow_nets = bpf_map__fd(l->skel->maps.ew_allow_nets);
	fds->exe = bpf_map__fd(l->skel->maps.ew_enf_exe);
	fds->cg = bpf_map__fd(l->skel->maps.ew_enf_cg);
	fds->cfg = bpf_map__fd(l->skel->maps.ew_enf_cfg);
}

int ew_loader_degraded(const struct ew_loader *l, const char **names, int max)
{
	for (int i = 0; i < l->n_degraded && i < max; i++)
		names[i] = l->degraded[i];
	return l->n_degraded;
}

void ew_loader_close(struct ew_loader *l)
{
	if (!l)
		return;
	for (int i = 0; i < MAX_HOOKS; i++)
		bpf_link__destroy(l->links[i]);
	for (int i = 0; i < l->n_tls_links; i++)
		bpf_link__destroy(l->tls_links[i]);
	free(l->tls_links);
	ew__destroy(l->skel);
	if (l->cgroup_fd >= 0)
		close(l->cgroup_fd);
	free(l);
}
