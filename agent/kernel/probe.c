// SPDX-License-Identifier: GPL-2.0-only
/*
 * probe.c - feature probing shared by the loader and `egresswatch probe`.
 */
#include "kernel/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ew.skel.h"
#include "kernel/loader.h"
#include "util/log.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const struct ew_hook_desc ew_hooks[] = {
    {"ew_connect4", "cgroup/connect4", "TCP/UDP flow start with process (IPv4)", "no IPv4 flows",
     EW_HOOK_CORE, true, true},
    {"ew_connect6", "cgroup/connect6", "TCP/UDP flow start with process (IPv6)", "no IPv6 flows",
     EW_HOOK_CORE, true, true},
    {"ew_tcp_state", "tp_btf/inet_sock_set_state",
     "TCP accepts, their owners (listen, close) and final byte counts",
     "no inbound TCP flows and no owners for them; TCP bytes only from the periodic sweep",
     EW_HOOK_CORE, false, false},
    {"ew_sendmsg4", "cgroup/sendmsg4", "UDP destinations of sendto() (IPv4)",
     "unconnected IPv4 UDP sends have no process", EW_HOOK_UDP, false, true},
    {"ew_sendmsg6", "cgroup/sendmsg6", "UDP destinations of sendto() (IPv6)",
     "unconnected IPv6 UDP sends have no process", EW_HOOK_UDP, false, true},
    {"ew_recvmsg4", "cgroup/recvmsg4", "UDP peers of recvfrom() (IPv4)",
     "IPv4 UDP peers that only send to us are not seen", EW_HOOK_UDP, false, true},
    {"ew_recvmsg6", "cgroup/recvmsg6", "UDP peers of recvfrom() (IPv6)",
     "IPv6 UDP peers that only send to us are not seen", EW_HOOK_UDP, false, true},
    {"ew_skb_egress", "cgroup_skb/egress",
     "UDP bytes sent per socket; first TCP payload (TLS SNI, HTTP Host); DNS queries",
     "UDP flows have no outbound byte counts; no names from SNI, HTTP Host or DNS (an answer "
     "needs its query)",
     EW_HOOK_SKB, false, true},
    {"ew_skb_ingress", "cgroup_skb/ingress",
     "UDP bytes received per socket; DNS answers; the listener of each accepted TCP socket",
     "UDP flows have no inbound byte counts; no names from DNS; accepted TCP flows are tied to "
     "their process only when it closes them",
     EW_HOOK_SKB, false, true},
    {"ew_exec", "tp_btf/sched_process_exec", "exe, args, cgroup of new programs",
     "short-lived processes are named from /proc only, if at all", EW_HOOK_PROC, false, false},
    {"ew_fork", "tp_btf/sched_process_fork", "parent of new processes",
     "process ancestry from /proc only", EW_HOOK_PROC, false, false},
    {"ew_exit", "tp_btf/sched_process_exit", "end of processes",
     "process entries expire by age, not at exit", EW_HOOK_PROC, false, false},
    {"ew_tls_write", "uprobe: TLS writes",
     "TLS plaintext as written (SSL_write[_ex], gnutls_record_send, PR_Write, PR_Send)",
     "TLS flows stay encrypted (not inspected)", EW_HOOK_TLS, false, false, true},
    {"ew_tls_free", "uprobe: TLS frees",
     "ends of TLS sessions (SSL_free, gnutls_deinit, PR_Close): their pointers are reused",
     "TLS flows stay encrypted (a reused session pointer could not be told)", EW_HOOK_TLS, false,
     false, true},
    {"ew_tls_send", "tp_btf/sock_send_length", "the socket a TLS session writes to",
     "TLS flows stay encrypted (plaintext cannot be tied to its flow)", EW_HOOK_TLS, false, false},
    {"ew_tls_read", "uprobe: TLS reads",
     "TLS plaintext as read (SSL_read[_ex], gnutls_record_recv, PR_Read, PR_Recv; content.inbound)",
     "what TLS flows receive is not inspected", EW_HOOK_TLS_IN, false, false, true},
    {"ew_tls_read_ret", "uretprobe: TLS reads", "how many plaintext bytes a TLS read returned",
     "what TLS flows receive is not inspected", EW_HOOK_TLS_IN, false, false, true},
    {"ew_tls_recv", "tp_btf/sock_recv_length", "the socket a TLS session reads from",
     "what TLS flows receive is not inspected", EW_HOOK_TLS_IN, false, false},
};
const int ew_n_hooks = N(ew_hooks);

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static int verbose = -1;
	char *buf, *line, *save = NULL;

	if (verbose < 0) {
		const char *e = getenv("EW_DEBUG");

		verbose = e && *e && strcmp(e, "0") != 0;
	}
	/* libbpf's own debug chatter (every relocation) only when asked. */
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	/* Verifier logs arrive as one multi-line message: one ew_log line each. */
	if (vasprintf(&buf, fmt, ap) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ew_debug("%s%s", strncmp(line, "libbpf: ", 8) ? "libbpf: " : "", line);
	free(buf);
	return 0;
}

void ew_probe_libbpf_logging(void)
{
	const char *e = getenv("EW_DEBUG");

	if (e && *e && strcmp(e, "0") != 0)
		ew_log_set_level(EW_LOG_DEBUG);
	libbpf_set_print(libbpf_print);
}

struct ew *ew_probe_skel_open(const struct ew_hook_desc *only)
{
	struct bpf_program *p;
	struct ew *skel;

	skel = ew__open();
	if (!skel)
		return NULL;
	if (only) {
		for (p = bpf_object__next_program(skel->obj, NULL); p;
		     p = bpf_object__next_program(skel->obj, p))
			bpf_program__set_autoload(p, strcmp(bpf_program__name(p), only->prog) == 0);
	}
	return skel;
}

static const char *load_hint(int err)
{
	switch (err) {
	case -EPERM:
		return "refused by the kernel (program type disabled, lockdown or LSM policy)";
	case -EACCES: /* the verifier's refusal too, not only a policy's */
		return "refused by the kernel (the verifier, lockdown or LSM policy)";
	case -EINVAL:
	case -524: /* the kernel's ENOTSUPP */
	case -EOPNOTSUPP:
		return "not supported by this kernel";
	case -ESRCH:
	case -ENOENT:
		return "attach point missing in this kernel's BTF";
	default:
		return "rejected";
	}
}

int ew_probe_hook(const struct ew_hook_desc *h, int cgroup_fd, char *reason, size_t len)
{
	struct bpf_program *p;
	struct bpf_link *link;
	struct ew *skel;
	int err;

	skel = ew_probe_skel_open(h);
	if (!skel) {
		err = -errno;
		snprintf(reason, len, "cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	/* Small maps: the probe only needs them to exist. */
	bpf_map__set_max_entries(skel->maps.ew_events, 4096);
	bpf_map__set_max_entries(skel->maps.ew_content, 4096);
	bpf_map__set_max_entries(skel->maps.ew_udp_flows, 64);
	bpf_map__set_max_entries(skel->maps.ew_udp_seen, 64);
	bpf_map__set_max_entries(skel->maps.ew_listeners, 64);
	bpf_map__set_max_entries(skel->maps.ew_accepted, 64);
	p = bpf_object__find_program_by_name(skel->obj, h->prog);
	if (!p) {
		err = -ENOENT;
		snprintf(reason, len, "program %s missing from the BPF object (build bug)",
			 h->prog);
		goto out;
	}
	err = ew__load(skel);
	if (err) {
		snprintf(reason, len, "load failed: %s: %s (EW_DEBUG=1 shows the verifier log)",
			 strerror(-err), load_hint(err));
		goto out;
	}
	if ((h->cgroup && cgroup_fd < 0) || h->uprobe)
		goto out; /* loaded; nothing to attach to yet (uprobes: per library, at run) */
	link = h->cgroup ? bpf_program__attach_cgroup(p, cgroup_fd) : bpf_program__attach(p);
	if (!link) {
		err = -errno;
		snprintf(reason, len, "attach failed: %s: %s", strerror(-err), load_hint(err));
		goto out;
	}
	bpf_link__destroy(link);
out:
	ew__destroy(skel);
	return err;
}

/* Effective capabilities from /proc/self/status (no libcap dependency). */
static int cap_eff(uint64_t *caps)
{
	char line[256];
	FILE *f;
	int rc = -ENOENT;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %" SCNx64, caps) == 1) {
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

#define CAP_BIT(n)     (UINT64_C(1) << (n))
#define CAP_NET_ADMIN_ 12
#define CAP_SYS_ADMIN_ 21
#define CAP_PERFMON_   38
#define CAP_BPF_       39

int ew_probe_privileges(char *msg, size_t len)
{
	uint64_t caps = 0;
	uint64_t split = CAP_BIT(CAP_BPF_) | CAP_BIT(CAP_PERFMON_) | CAP_BIT(CAP_NET_ADMIN_);

	if (cap_eff(&caps) == 0 && ((caps & CAP_BIT(CAP_SYS_ADMIN_)) || (caps & split) == split))
		return 0;
	snprintf(msg, len,
		 "missing privileges (uid %u, CapEff %#" PRIx64
		 "): loading BPF programs needs root, or CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN "
		 "(e.g. AmbientCapabilities= in the systemd unit)",
		 (unsigned)geteuid(), caps);
	return -EPERM;
}

int ew_probe_btf(char *msg, size_t len)
{
	/* The override lets tests reach this message on a kernel that has BTF. */
	const char *path = getenv("EGRESSWATCH_BTF");

	if (!path || !path[0])
		path = "/sys/kernel/btf/vmlinux";
	if (access(path, R_OK) == 0)
		return 0;
	snprintf(msg, len,
		 "%s is missing: this kernel was built without "
		 "CONFIG_DEBUG_INFO_BTF=y; use a kernel with BTF (most distribution kernels "
		 "since 5.4 have it)",
		 path);
	return -ENOENT;
}

int ew_probe_bpf_syscall(char *msg, size_t len)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ew_probe", 4, 4, 1, NULL);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	snprintf(
	    msg, len,
	    "the bpf() system call is refused (%s): check seccomp/container profiles "
	    "(run privileged or allow bpf), and kernel.unprivileged_bpf_disabled when not root",
	    strerror(-fd));
	return fd;
}

/* First mount of @type in /proc/mounts into @path. */
static int find_mount(const char *type, char *path, size_t len)
{
	char dev[256], mnt[512], fstype[64];
	int rc = -ENOENT;
	FILE *f;

	f = fopen("/proc/mounts", "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%255s %511s %63s %*[^\n]", dev, mnt, fstype) == 3) {
		if (strcmp(fstype, type) == 0) {
			if (path)
				snprintf(path, len, "%s", mnt);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

int ew_probe_cgroup2(char *path, size_t len, bool mount_if_missing)
{
	int rc = find_mount("cgroup2", path, len);

	if (rc != -ENOENT || !mount_if_missing)
		return rc;
	if (mkdir("/run/egresswatch", 0750) && errno != EEXIST)
		return -errno;
	if (mkdir(EW_CGROUP2_FALLBACK, 0750) && errno != EEXIST)
		return -errno;
	if (mount("cgroup2", EW_CGROUP2_FALLBACK, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		return -errno;
	snprintf(path, len, "%s", EW_CGROUP2_FALLBACK);
	return 0;
}

int ew_probe_run(struct ew_probe_report *r)
{
	struct utsname u;
	char msg[256];
	int cgfd = -1;

	memset(r, 0, sizeof(*r));
	ew_probe_libbpf_logging();
	if (uname(&u) == 0)
		snprintf(r->kernel, sizeof(r->kernel), "%.20s %.64s %.20s", u.sysname, u.release,
			 u.machine);
	r->root = ew_probe_privileges(msg, sizeof(msg)) == 0;
	r->btf = ew_probe_btf(msg, sizeof(msg)) == 0;
	if (ew_probe_cgroup2(r->cgroup2, sizeof(r->cgroup2), false))
		r->cgroup2[0] = '\0';
	r->bpffs = find_mount("bpf", NULL, 0) == 0;
	r->tracefs = find_mount("tracefs", NULL, 0) == 0;

	bool bpf_ok = r->root && ew_probe_bpf_syscall(msg, sizeof(msg)) == 0;

	if (r->cgroup2[0])
		cgfd = open(r->cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r->run_possible = r->root && r->btf && bpf_ok;
	/* Content capture keeps each stream's start there; the skb programs need it. */
	r->sk_storage = bpf_ok ? libbpf_probe_bpf_map_type(BPF_MAP_TYPE_SK_STORAGE, NULL) > 0 : -1;
	for (int i = 0; i < ew_n_hooks && i < (int)N(r->items); i++) {
		const struct ew_hook_desc *h = &ew_hooks[i];
		struct ew_probe_item *it = &r->items[r->n_items++];

		snprintf(it->name, sizeof(it->name), "%s", h->hook);
		snprintf(it->used_for, sizeof(it->used_for), "%s", h->used_for);
		it->required = h->required;
		if (!r->root)
			snprintf(it->reason, sizeof(it->reason), "not probed: needs root");
		else if (!r->btf)
			snprintf(it->reason, sizeof(it->reason), "not probed: no kernel BTF");
		else if (!bpf_ok)
			snprintf(it->reason, sizeof(it->reason), "not probed: bpf() refused");
		else
			it->ok = ew_probe_hook(h, cgfd, it->reason, sizeof(it->reason)) == 0;
		if (it->ok && h->cgroup && cgfd < 0)
			snprintf(it->reason, sizeof(it->reason),
				 "loads; not attached: no cgroup v2 mount (run mounts one at %s)",
				 EW_CGROUP2_FALLBACK);
		if (h->required && !it->ok)
			r->run_possible = false;
	}
	if (cgfd >= 0)
		close(cgfd);
	return 0;
}

void ew_probe_print(FILE *f, const struct ew_probe_report *r)
{
	int w = 4;

	fprintf(f, "%-10s %s\n", "kernel", r->kernel);
	fprintf(f, "%-10s %s\n", "root",
		r->root ? "yes" : "no (needs root or CAP_BPF+CAP_PERFMON+CAP_NET_ADMIN)");
	fprintf(f, "%-10s %s\n", "btf",
		r->btf ? "yes (/sys/kernel/btf/vmlinux)" : "no (needs CONFIG_DEBUG_INFO_BTF=y)");
	fprintf(f, "%-10s %s\n", "cgroup2",
		r->cgroup2[0] ? r->cgroup2
			      : "not mounted (run mounts it at " EW_CGROUP2_FALLBACK ")");
	fprintf(f, "%-10s %s\n", "bpffs", r->bpffs ? "mounted" : "not mounted (not needed)");
	fprintf(f, "%-10s %s\n", "tracefs",
		r->tracefs ? "mounted" : "not mounted (not needed: tp_btf)");
	fprintf(f, "%-10s %s\n", "sk_storage",
		r->sk_storage > 0    ? "yes (content capture)"
		: r->sk_storage == 0 ? "no (content capture and the skb hooks cannot load)"
				     : "not probed");
	fputc('\n', f);
	for (int i = 0; i < r->n_items; i++) {
		int n = (int)strlen(r->items[i].name);

		if (n > w)
			w = n;
	}
	fprintf(f, "%-*s  %-8s  %s\n", w, "HOOK", "STATUS", "USED FOR / REASON");
	for (int i = 0; i < r->n_items; i++) {
		const struct ew_probe_item *it = &r->items[i];
		const char *st = it->ok ? "ok" : it->required ? "MISSING" : "degraded";

		fprintf(f, "%-*s  %-8s  %s%s\n", w, it->name, st, it->used_for,
			it->required ? " [required]" : "");
		if (it->reason[0])
			fprintf(f, "%-*s  %-8s  -> %s\n", w, "", "", it->reason);
	}
	fprintf(f, "\n%s\n",
		r->run_possible ? "egresswatch run: possible"
				: "egresswatch run: NOT possible (see the reasons above)");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void ew_probe_print_json(FILE *f, const struct ew_probe_report *r)
{
	fputs("{\"kernel\":", f);
	json_str(f, r->kernel);
	fprintf(f, ",\"root\":%s,\"btf\":%s,\"cgroup2\":", r->root ? "true" : "false",
		r->btf ? "true" : "false");
	if (r->cgroup2[0])
		json_str(f, r->cgroup2);
	else
		fputs("null", f);
	fprintf(f, ",\"bpffs\":%s,\"tracefs\":%s,\"sk_storage\":%s,\"hooks\":[",
		r->bpffs ? "true" : "false", r->tracefs ? "true" : "false",
		r->sk_storage > 0    ? "true"
		: r->sk_storage == 0 ? "false"
				     : "null");
	for (int i = 0; i < r->n_items; i++) {
		const struct ew_probe_item *it = &r->items[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		json_str(f, it->name);
		fprintf(f, ",\"ok\":%s,\"required\":%s,\"used_for\":", it->ok ? "true" : "false",
			it->required ? "true" : "false");
		json_str(f, it->used_for);
		fputs(",\"reason\":", f);
		json_str(f, it->reason);
		fputc('}', f);
	}
	fprintf(f, "],\"run_possible\":%s}\n", r->run_possible ? "true" : "false");
}
