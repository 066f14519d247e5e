/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * probe.h - what this kernel and this process can do, asked once at start.
 *
 * The loader and `egresswatch probe` share these checks, so the table an
 * operator reads is exactly what `run` would decide.
 */
#ifndef EW_PROBE_H
#define EW_PROBE_H

#include <stdbool.h>
#include <stdio.h>

/* Hook groups, switched on and off by the configuration. */
enum ew_hook_group {
	EW_HOOK_CORE,	/* always wanted */
	EW_HOOK_UDP,	/* sendmsg/recvmsg + cgroup_skb */
	EW_HOOK_PROC,	/* exec/fork/exit */
	EW_HOOK_SKB,	/* cgroup_skb: UDP counters and payloads for names */
	EW_HOOK_TLS,	/* TLS plaintext written (content.tls) */
	EW_HOOK_TLS_IN, /* and read (content.tls and content.inbound) */
};

/* One BPF program of the skeleton and what losing it costs. */
struct ew_hook_desc {
	const char *prog;     /* program name in the skeleton */
	const char *hook;     /* attach point, as `bpftool prog` would show it */
	const char *used_for; /* what the pipeline gets from it */
	const char *effect;   /* what is missing when it is degraded */
	enum ew_hook_group group;
	bool required; /* `run` refuses to start without it */
	bool cgroup;   /* attaches to the cgroup v2 root, not to a tracepoint */
	bool uprobe;   /* attached per TLS library found (agent/tls/): probed by loading only */
};

extern const struct ew_hook_desc ew_hooks[];
extern const int ew_n_hooks;

struct ew_probe_item {
	char name[48];
	char used_for[96];
	bool ok;
	bool required;
	char reason[192];
};

struct ew_probe_report {
	char kernel[128];
	bool root;
	bool btf;
	char cgroup2[256]; /* mount point, empty when none is mounted */
	bool bpffs;
	bool tracefs;
	int sk_storage; /* socket-local storage (content capture): 1 yes, 0 no, <0 not probed */
	struct ew_probe_item items[24];
	int n_items;
	bool run_possible;
};

/**
 * ew_probe_run() - fill @r with the host's facts and one item per hook.
 *
 * Loads (and where a cgroup v2 mount exists, attaches and detaches) each
 * program on its own. Mounts nothing and changes nothing that outlives it.
 * Return: 0, or a negative errno when the checks themselves could not run.
 */
int ew_probe_run(struct ew_probe_report *r);

/* Aligned human-readable table of @r. */
void ew_probe_print(FILE *f, const struct ew_probe_report *r);

/* Same facts as one JSON object (for `egresswatch probe --json`). */
void ew_probe_print_json(FILE *f, const struct ew_probe_report *r);

/**
 * ew_probe_hook() - can @h load, and attach, on this kernel?
 * @cgroup_fd: cgroup v2 directory to attach cgroup programs to; -1 to only load.
 * @reason: on failure, why, in words an operator can act on.
 *
 * Opens a private copy of the skeleton with only this program switched on,
 * loads and attaches it, then destroys everything.
 * Return: 0 when it works, else a negative errno.
 */
int ew_probe_hook(const struct ew_hook_desc *h, int cgroup_fd, char *reason, size_t len);

/* Pre-flight checks: 0 when fine, else -errno and a cause-and-fix in @msg. */
int ew_probe_privileges(char *msg, size_t len);
int ew_probe_btf(char *msg, size_t len);
int ew_probe_bpf_syscall(char *msg, size_t len);

/**
 * ew_probe_cgroup2() - find the cgroup v2 mount in /proc/mounts.
 * @mount_if_missing: mount one at /run/egresswatch/cgroup2 when none is found.
 * Return: 0 with the path in @path, -ENOENT when there is none (and none
 * was wanted), or the mount's -errno.
 */
int ew_probe_cgroup2(char *path, size_t len, bool mount_if_missing);

struct ew;
/**
 * ew_probe_skel_open() - open a fresh copy of the BPF skeleton.
 * @only: when not NULL, switch every other program's autoload off.
 *
 * The one place that embeds the BPF object, so the agent carries one copy.
 * Return: the skeleton, or NULL with errno set.
 */
struct ew *ew_probe_skel_open(const struct ew_hook_desc *only);

/* Route libbpf's messages into ew_log (debug level; EW_DEBUG=1 shows them). */
void ew_probe_libbpf_logging(void);

#endif /* EW_PROBE_H */
