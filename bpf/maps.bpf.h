/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps.bpf.h - maps, configuration and helpers shared by every BPF object.
 *
 * Each hook family is its own .bpf.c; `bpftool gen object` links them into
 * one object and one skeleton. The libbpf static linker merges identical
 * __weak map definitions and __weak globals into one, so every object can
 * include this header and they all end up using the same ring buffer, stats
 * array and rodata. Helpers are static inline: the linker does not merge
 * non-weak functions.
 */
#ifndef EW_MAPS_BPF_H
#define EW_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "ew.h"

/* Placeholder sizes: the loader sets the real ones before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} ew_events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EW_KSTAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ew_stats SEC(".maps") __weak;

/*
 * (socket, peer) pairs already reported by sendmsg/recvmsg. LRU, unlike
 * ew_udp_flows: an entry only suppresses a duplicate first-datagram event,
 * so an eviction costs a duplicate event (the flow stage finds the flow it
 * names, or makes one its counters then fill), never a byte, and nobody
 * has to delete entries whose socket is gone.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ew_udp_key);
	__type(value, __u8);
} ew_udp_seen SEC(".maps") __weak;

/*
 * Per (socket, peer) UDP counters, polled by the agent, which deletes an
 * entry when its flow ends (agent/kernel/udp_poll.c). A plain hash, not LRU:
 * an LRU map makes room by evicting an entry whose bytes the agent may not
 * have read yet, and says nothing. Here a full map refuses the insert, and
 * the datagram's bytes are counted as lost (EW_KSTAT_UDP_BYTES_LOST).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ew_udp_key);
	__type(value, struct ew_udp_val);
} ew_udp_flows SEC(".maps") __weak;

/*
 * Owners of accepted sockets, without a per-socket allocation on the
 * connection path: the owner of each listener by its cookie; the listener
 * whose packet this CPU is processing (cgroup_skb/ingress runs on the
 * listener just before the kernel creates the accepted socket, in the same
 * softirq); and each accepted socket's owner's tgid, until it closes, so a
 * different process closing it can be told.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ew_listener);
} ew_listeners SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ew_listener_now SEC(".maps") __weak;

/*
 * Accepted sockets: not a hash map. An insert and a delete per accepted
 * socket (bucket lock, free list, a cold bucket each) cost about 0.5 us per
 * connection; this is an array of sets of EW_ACCEPTED_WAYS slots, the set
 * chosen by the cookie's low bits (cookies are handed out in sequence, so
 * the sockets alive at once spread over the sets). A slot is claimed with
 * a compare-and-swap of its cookie (tcp.bpf.c, built for BPF v3 atomics)
 * and freed at the close; a set with no free slot is counted
 * (EW_KSTAT_ACCEPTED_MAP_FULL), as a full hash map was. Cookies are never
 * 0, so 0 is a free slot.
 */
#define EW_ACCEPTED_SETS 16384
#define EW_ACCEPTED_WAYS 4

struct ew_accepted_set {
	__u64 cookie[EW_ACCEPTED_WAYS];
	__u32 tgid[EW_ACCEPTED_WAYS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EW_ACCEPTED_SETS);
	__type(key, __u32);
	__type(value, struct ew_accepted_set);
} ew_accepted SEC(".maps") __weak;

/* Networks whose payloads need no inspection (loopback, the policy's
 * domestic networks): value 1. The policy's other networks are in with 0,
 * so the longest match decides. Filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, struct ew_lpm_key);
	__type(value, __u8);
} ew_skip_nets SEC(".maps") __weak;

/*
 * Enforcement (sock.bpf.c, ew.h's ew_enf_*): the addresses enforced
 * workloads may reach (value 1; 0 refuses a network inside an allowed
 * one: the longest match decides), the executables and cgroups that select
 * them, and the one slot saying which are on. Sized by the loader.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);
	__type(key, struct ew_lpm_key);
	__type(value, __u8);
} ew_allow_nets SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ew_enf_exe_key);
	__type(value, __u64);
} ew_enf_exe SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} ew_enf_cg SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ew_enf_cfg);
} ew_enf_cfg SEC(".maps") __weak;

/* A payload event is too big for the stack; one scratch slot per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ew_ev_payload);
} ew_scratch SEC(".maps") __weak;

/*
 * Content capture (skb.bpf.c): bulk bytes get a ring of their own, so a
 * burst of uploads never crowds flow events out of ew_events.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} ew_content SEC(".maps") __weak;

/* Per socket that sent more than one data segment (content.bpf.h): the
 * sequence number of its first payload byte, or that its peer is skipped.
 * A connection that sends one segment or nothing never allocates. */
struct ew_content_sk {
	__u32 base;
	__u8 skip;
	__u8 _pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ew_content_sk);
} ew_content_sk SEC(".maps") __weak;

/* A chunk is too big for the stack, and bpf_ringbuf_output takes a
 * variable length (reserve does not): one slot per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ew_ev_chunk);
} ew_chunk_scratch SEC(".maps") __weak;

/* Set by the loader before load. */
const volatile __u32 ew_self_tgid __weak = 0;
/* What the cgroup_skb programs do: count UDP, take names from payloads. */
const volatile bool ew_count_udp __weak = true;
const volatile bool ew_capture_names __weak = true;
/* Whether tcp.bpf.c names the owners of accepted sockets. */
const volatile bool ew_track_owners __weak = true;
/* Wake the consumer once this much is queued; below it, its timeout drains. */
const volatile __u32 ew_wakeup_bytes __weak = 0;
/* Content capture: off, nothing more runs per packet than without it. */
const volatile bool ew_content_on __weak = false;
/* content.inbound: also what TCP sockets receive (cgroup_skb/ingress). */
const volatile bool ew_content_in_on __weak = false;
const volatile __u32 ew_content_flow_bytes __weak = 262144;
const volatile __u32 ew_content_wakeup_bytes __weak = 0;

/* Kernel constants that vmlinux.h (enums only) does not carry. */
#define EW_EEXIST     17
#define EW_AF_INET_K  2
#define EW_AF_INET6_K 10

static __always_inline void ew_kstat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&ew_stats, &idx);

	if (v)
		*v += 1; /* per-CPU slot: no atomic needed */
}

static __always_inline void ew_kstat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&ew_stats, &idx);

	if (v)
		*v += n;
}

static __always_inline void *ew_reserve(__u64 size, __u16 type, __u32 kstat)
{
	struct ew_event_hdr *h = bpf_ringbuf_reserve(&ew_events, size, 0);

	if (!h) {
		ew_kstat_inc(kstat);
		return NULL;
	}
	h->type = type;
	h->size = (__u16)size;
	h->cpu = bpf_get_smp_processor_id();
	h->ts_ns = bpf_ktime_get_boot_ns();
	return h;
}

/*
 * What each CPU has put in the rings since it last asked how full they are
 * (word 0: ew_events, word 8: ew_content), a cache line per CPU; CPUs past
 * EW_RB_CPUS share lines, where a lost increment only delays a look.
 */
#define EW_RB_CPUS	 256
#define EW_RB_LOOK_EVERY 4096
#define EW_RB_LOOK_MIN	 (64u << 10)
__u32 ew_rb_unlooked[EW_RB_CPUS * 16] SEC(".bss") __weak;

/*
 * A wake-up per event would cost a context switch per event; batching by
 * size keeps bursts cheap while the consumer's timeout drains the tail.
 * With batches of EW_RB_LOOK_MIN or more, a CPU asks the ring's fill (a
 * helper call) once per EW_RB_LOOK_EVERY bytes it submitted, not per event:
 * the consumer is woken at most EW_RB_LOOK_EVERY bytes per CPU late.
 */
static __always_inline __u64 ew_rb_flags(void *rb, __u32 wakeup_bytes, __u32 word, __u32 size)
{
	__u32 *n;

	if (wakeup_bytes >= EW_RB_LOOK_MIN) {
		n = &ew_rb_unlooked[(bpf_get_smp_processor_id() & (EW_RB_CPUS - 1)) * 16 + word];
		*n += size;
		if (*n < EW_RB_LOOK_EVERY)
			return BPF_RB_NO_WAKEUP;
		*n = 0;
	}
	if (bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline __u64 ew_wakeup_flags(__u32 size)
{
	return ew_rb_flags(&ew_events, ew_wakeup_bytes, 0, size);
}

static __always_inline void ew_submit(void *ev)
{
	bpf_ringbuf_submit(ev, ew_wakeup_flags(((struct ew_event_hdr *)ev)->size));
}

/*
 * The caller's ids, cgroup and name, as the pid_tgid, uid_gid, cgroup_id and
 * comm helpers give them, read through the BTF task pointer instead: plain
 * loads. Every helper is a call, and on this kernel (return-stack
 * mitigations, preemptible RCU) a call and its nested calls cost: the four
 * helpers cost about 0.5 us per connect() (docs/hooks.md). uid and gid as
 * the initial user namespace sees them: the kernel's own values.
 */
static __always_inline void ew_fill_task(struct ew_task *t)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred = task->cred;

	t->tgid = task->tgid;
	t->tid = task->pid;
	t->uid = cred->uid.val;
	t->gid = cred->gid.val;
	t->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	/* set_task_comm() pads with NULs; a rename racing this read is cut. */
	__builtin_memcpy(t->comm, task->comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = 0;
}

/*
 * A socket's cookie from a BTF socket pointer: once made (any earlier
 * bpf_get_socket_cookie() on it: connect4's, the accept's), a plain load;
 * the helper only to make it.
 */
static __always_inline __u64 ew_sock_cookie(struct sock *sk)
{
	__u64 cookie = sk->__sk_common.skc_cookie.counter;

	return cookie ? cookie : bpf_get_socket_cookie(sk);
}

static __always_inline bool ew_is_self(void)
{
	return ew_self_tgid && (bpf_get_current_pid_tgid() >> 32) == ew_self_tgid;
}

static __always_inline __u64 ew_content_wakeup(__u32 size)
{
	return ew_rb_flags(&ew_content, ew_content_wakeup_bytes, 8, size);
}

/*
 * Sends the chunk in @ev (data filled, @len bytes, already bounded by the
 * caller) to the content ring. Return: 0, or the bytes lost.
 */
static __always_inline int ew_chunk_send(struct ew_ev_chunk *ev, __u64 cookie, __u32 off, __u64 len,
					 __u32 flags)
{
	ev->h.type = EW_EV_CONTENT_CHUNK;
	ev->h.size = (__u16)(EW_CHUNK_HDR + len);
	ev->h.cpu = bpf_get_smp_processor_id();
	ev->h.ts_ns = bpf_ktime_get_boot_ns();
	ev->cookie = cookie;
	ev->offset = off;
	ev->len = (__u16)len;
	ev->dir = (__u8)(flags >> 8);
	ev->flags = (__u8)flags;
	if (bpf_ringbuf_output(&ew_content, ev, EW_CHUNK_HDR + len,
			       ew_content_wakeup(EW_CHUNK_HDR + len))) {
		ew_kstat_inc(EW_KSTAT_RB_FULL_CONTENT);
		return (int)len;
	}
	return 0;
}

static __always_inline struct ew_accepted_set *ew_accepted_set_of(__u64 cookie)
{
	__u32 idx = (__u32)cookie & (EW_ACCEPTED_SETS - 1);

	return bpf_map_lookup_elem(&ew_accepted, &idx);
}

/* The owner's tgid slot of an accepted socket, or NULL: not accepted (or
 * accepted before the agent started, or its set was full). */
static __always_inline __u32 *ew_accepted_find(__u64 cookie)
{
	struct ew_accepted_set *set = ew_accepted_set_of(cookie);

	if (!set || !cookie)
		return NULL;
#pragma unroll
	for (int w = 0; w < EW_ACCEPTED_WAYS; w++)
		if (set->cookie[w] == cookie)
			return &set->tgid[w];
	return NULL;
}

/* IPv4 as ::ffff:a.b.c.d so every consumer handles one address form. */
static __always_inline void ew_addr_v4mapped(__u8 dst[16], __u32 be_addr)
{
	__u32 *w = (__u32 *)dst;

	w[0] = 0;
	w[1] = 0;
	w[2] = bpf_htonl(0xffff);
	w[3] = be_addr;
}

#endif /* EW_MAPS_BPF_H */
