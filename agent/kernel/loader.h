/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * loader.h - loads and attaches the BPF programs, degrading per hook.
 */
#ifndef EW_LOADER_H
#define EW_LOADER_H

#include <stdbool.h>
#include <linux/types.h>

#include "ew.h"
#include "policy/policy.h"

#define EW_CGROUP2_FALLBACK "/run/egresswatch/cgroup2"

struct ew_loader_opts {
	const char *cgroup2_path; /* NULL: find cgroup2 in /proc/mounts; if none, mount it at
				     EW_CGROUP2_FALLBACK */
	__u32 ringbuf_bytes;	  /* power of two >= 4096 (and >= the page size); 0: 8 MiB */
	__u32 udp_map_entries;	  /* 0: 65536 */
	__u32 wakeup_bytes;	  /* wake the consumer once this much is queued; 0: every event */
	__u32 self_tgid;	  /* events of this process are not reported; 0: none skipped */
	bool enable_udp;	  /* sendmsg/recvmsg + cgroup_skb */
	bool enable_accept;	  /* owners of accepted sockets (listen, close) */
	bool enable_proc;	  /* exec/fork/exit */
	bool enable_names;	  /* first TCP payload and DNS responses, for peer names */
	bool enable_content;	  /* what TCP sockets send, into the content ring */
	bool content_inbound;	  /* and what they receive */
	bool enable_tls;	  /* TLS plaintext through uprobes (with enable_content) */
	__u32 tls_write_bytes;	  /* plaintext taken per TLS write; 0: 16384 */
	__u32 content_flow_bytes; /* bytes captured per stream; 0: 262144 */
	__u32 content_ringbuf_bytes; /* power of two >= 4096; 0: 16 MiB */
	__u32 content_wakeup_bytes;  /* as wakeup_bytes, for the content ring */
	/* Payloads to peers in loopback and the policy's domestic networks are
	 * not taken; NULL: loopback only. */
	const struct ew_policy *policy;
};

struct ew_loader;

/**
 * ew_loader_open() - check the host, probe each hook, load and attach.
 *
 * Logs one error naming cause and fix when it fails, and one warning per
 * hook that was wanted but is unavailable. Only the connect4/connect6 hooks
 * are required. Return: 0 and *@out, or a negative errno.
 */
int ew_loader_open(const struct ew_loader_opts *o, struct ew_loader **out);

int ew_loader_ringbuf_fd(const struct ew_loader *l);
/* The content ring (EW_EV_CONTENT_CHUNK events); -1 when capture is off. */
int ew_loader_content_fd(const struct ew_loader *l);
int ew_loader_udp_map_fd(const struct ew_loader *l);
/* Owners of listening sockets (struct ew_listener), by socket cookie. */
int ew_loader_listeners_map_fd(const struct ew_loader *l);

/* Sums the per-CPU ew_stats array into @out. Return: 0 or -errno. */
int ew_loader_read_kstats(const struct ew_loader *l, __u64 out[EW_KSTAT_MAX]);

const char *ew_loader_cgroup2_path(const struct ew_loader *l);

/* The enforcement maps (ew.h's ew_enf_*), for agent/kernel/enforce.c. */
struct ew_loader_enf_fds {
	int allow_nets, exe, cg, cfg;
};
void ew_loader_enf_fds(const struct ew_loader *l, struct ew_loader_enf_fds *fds);

/**
 * ew_loader_degraded() - hooks that were wanted but could not load/attach.
 * @names: filled with up to @max static strings (attach points).
 * Return: how many there are (may exceed @max).
 */
int ew_loader_degraded(const struct ew_loader *l, const char **names, int max);

/* What a TLS probe does at its function (struct ew_loader_uprobe.kind). */
enum ew_loader_tls_kind {
	EW_LOADER_TLS_WRITE, /* (session, buf, len): plaintext written */
	EW_LOADER_TLS_READ,  /* (session, buf, len[, size_t *n]): plaintext read, at return */
	EW_LOADER_TLS_FREE,  /* (session): the session ends */
};

/* One function of a TLS library or executable, at its file offset. */
struct ew_loader_uprobe {
	const char *func;
	__u64 offset;
	enum ew_loader_tls_kind kind;
	__u32 flags; /* EW_TLS_COOKIE_INT, EW_TLS_COOKIE_EX */
};

/* Whether TLS probes can be attached (content.tls on and its hooks loaded). */
bool ew_loader_tls_on(const struct ew_loader *l);

/**
 * ew_loader_tls_attach() - hook the TLS functions @u[0..@n) of the file at
 * @path for every process that maps it, now and later; records name the
 * flows they see @library. All or nothing: on failure nothing of this file
 * stays attached, and @why says what failed.
 * Return: 0, -ENODEV when TLS capture is off, or a negative errno.
 */
int ew_loader_tls_attach(struct ew_loader *l, const char *path, const char *library,
			 const struct ew_loader_uprobe *u, int n, char *why, size_t whylen);

/* Detaches everything. NULL is fine. */
void ew_loader_close(struct ew_loader *l);

/**
 * ew_loader_set_policy() - refill the payload pre-filter's networks (loopback,
 * and @pol's networks, domestic ones skipped) after a policy reload.
 * Return: 0 or -errno (logged).
 */
int ew_loader_set_policy(struct ew_loader *l, const struct ew_policy *pol);

#endif /* EW_LOADER_H */
