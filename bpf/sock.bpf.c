// SPDX-License-Identifier: GPL-2.0-only
/*
 * sock.bpf.c - cgroup sock_addr hooks: who addressed which peer, in process
 * context. They observe, and allow (return 1), except for the processes an
 * "enforce" workload selects: their connects and UDP sends to addresses
 * outside ew_allow_nets are refused (return 0: the caller gets EPERM).
 */
#include "maps.bpf.h"

#define SOCK_STREAM_K 1
#define SOCK_DGRAM_K  2

static __always_inline __u8 sock_proto(struct bpf_sock_addr *ctx)
{
	__u32 type = ctx->type;
	__u32 proto = ctx->protocol;

	if (proto == IPPROTO_TCP || (proto == 0 && type == SOCK_STREAM_K))
		return EW_IPPROTO_TCP;
	if (proto == IPPROTO_UDP || (proto == 0 && type == SOCK_DGRAM_K))
		return EW_IPPROTO_UDP;
	return 0;
}

static __always_inline void read_raddr(struct bpf_sock_addr *ctx, bool v6, __u8 raddr[16])
{
	__u32 *w = (__u32 *)raddr;

	if (!v6) {
		ew_addr_v4mapped(raddr, ctx->user_ip4);
		return;
	}
	/* The context only allows 4-byte loads of user_ip6. */
	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
}

static __always_inline void emit(struct bpf_sock_addr *ctx, __u16 type, __u8 proto, __u64 cookie,
				 const __u8 raddr[16], __u16 rport)
{
	struct ew_ev_sock_addr *ev;

	ev = ew_reserve(sizeof(*ev), type, EW_KSTAT_RB_FULL_SOCK);
	if (!ev)
		return;
	ew_fill_task(&ev->task);
	ev->cookie = cookie;
	__builtin_memcpy(ev->raddr, raddr, 16);
	ev->rport = rport;
	ev->proto = proto;
	ev->family = ctx->family == EW_AF_INET6_K ? EW_AF_INET6 : EW_AF_INET;
	ev->_pad = 0;
	ev->netns = bpf_get_netns_cookie(ctx);
	ew_submit(ev);
}

/*
 * The executable the caller runs, as ew_enf_exe keys it. Read through the
 * BTF task pointer: the loads become fault-safe plain loads, where
 * BPF_CORE_READ would call bpf_probe_read_kernel() five times.
 */
static __always_inline __u64 enf_exe_mask(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct ew_enf_exe_key key;
	struct mm_struct *mm;
	struct file *exe;
	struct inode *ino;
	__u64 *v;

	mm = t->mm;
	if (!mm)
		return 0;
	exe = mm->exe_file;
	if (!exe)
		return 0;
	ino = exe->f_inode;
	if (!ino)
		return 0;
	key.dev = ino->i_sb->s_dev;
	key.ino = ino->i_ino;
	v = bpf_map_lookup_elem(&ew_enf_exe, &key);
	return v ? *v : 0;
}

/* The caller's cgroup and its ancestors: a unit's cgroup selects its children. */
static __always_inline __u64 enf_cg_mask(void)
{
	__u64 mask = 0, id, *v;

	for (int lvl = 1; lvl <= EW_ENF_CG_DEPTH; lvl++) {
		id = bpf_get_current_ancestor_cgroup_id(lvl);
		if (!id)
			break;
		v = bpf_map_lookup_elem(&ew_enf_cg, &id);
		if (v)
			mask |= *v;
	}
	return mask;
}

/*
 * The enforced workloads that select the caller; 0 for everyone while no
 * workload is enforced, at the cost of one array lookup.
 */
static __always_inline __u64 enf_workloads(void)
{
	struct ew_enf_cfg *c;
	__u64 exe = 0, cg = 0;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&ew_enf_cfg, &zero);
	if (!c || !c->active)
		return 0;
	if (c->need_exe & c->active)
		exe = enf_exe_mask();
	if (c->need_cg & c->active)
		cg = enf_cg_mask();
	return (exe | ~c->need_exe) & (cg | ~c->need_cg) & c->active;
}

static __always_inline bool enf_allowed(const __u8 raddr[16])
{
	struct ew_lpm_key key = {.prefixlen = 128};
	__u8 *v;

	__builtin_memcpy(key.addr, raddr, 16);
	v = bpf_map_lookup_elem(&ew_allow_nets, &key);
	return v && *v;
}

/* Return: 1 to let the call go on, 0 to refuse it (EPERM). */
static __always_inline int enforce(struct bpf_sock_addr *ctx, __u8 proto, const __u8 raddr[16],
				   __u16 rport)
{
	struct ew_ev_connect_refused *ev;
	__u64 wl = enf_workloads();

	if (!wl || enf_allowed(raddr))
		return 1;
	ew_kstat_inc(EW_KSTAT_CONNECT_REFUSED);
	ev = ew_reserve(sizeof(*ev), EW_EV_CONNECT_REFUSED, EW_KSTAT_RB_FULL_REFUSED);
	if (!ev)
		return 0;
	ew_fill_task(&ev->task);
	ev->cookie = bpf_get_socket_cookie(ctx);
	__builtin_memcpy(ev->raddr, raddr, 16);
	ev->rport = rport;
	ev->proto = proto;
	ev->family = ctx->family == EW_AF_INET6_K ? EW_AF_INET6 : EW_AF_INET;
	ev->reason = EW_REFUSE_UNCOVERED;
	ev->_pad[0] = ev->_pad[1] = ev->_pad[2] = 0;
	ev->netns = bpf_get_netns_cookie(ctx);
	ev->workloads = wl;
	/* At once: a refusal is an alert, and an alert is early. */
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
	return 0;
}

static __always_inline int on_connect(struct bpf_sock_addr *ctx, bool v6)
{
	__u8 raddr[16];
	__u16 rport;
	__u8 proto;

	if (ew_is_self())
		return 1;
	proto = sock_proto(ctx);
	if (!proto)
		return 1;
	read_raddr(ctx, v6, raddr);
	rport = bpf_ntohs((__u16)ctx->user_port);
	/* A refused connect never happened: no connect event, no flow. */
	if (!enforce(ctx, proto, raddr, rport))
		return 0;
	emit(ctx, EW_EV_CONNECT, proto, bpf_get_socket_cookie(ctx), raddr, rport);
	return 1;
}

/* Only the first datagram per (socket, peer) is an event; the counters come
 * from cgroup_skb, so a busy socket costs one hash lookup per call here. */
static __always_inline int on_udp_msg(struct bpf_sock_addr *ctx, bool v6, __u16 type)
{
	struct ew_udp_key key = {};
	__u8 one = 1;
	long err;

	if (ew_is_self())
		return 1;
	if (sock_proto(ctx) != EW_IPPROTO_UDP)
		return 1;
	key.cookie = bpf_get_socket_cookie(ctx);
	read_raddr(ctx, v6, key.raddr);
	key.rport = bpf_ntohs((__u16)ctx->user_port);
	if (type == EW_EV_UDP_SEND && !enforce(ctx, EW_IPPROTO_UDP, key.raddr, key.rport))
		return 0;
	if (bpf_map_lookup_elem(&ew_udp_seen, &key))
		return 1;
	err = bpf_map_update_elem(&ew_udp_seen, &key, &one, BPF_NOEXIST);
	if (err == -EW_EEXIST) /* another CPU reported it first */
		return 1;
	if (err) /* report anyway: a duplicate beats a gap */
		ew_kstat_inc(EW_KSTAT_SEEN_MAP_FULL);
	emit(ctx, type, EW_IPPROTO_UDP, key.cookie, key.raddr, key.rport);
	return 1;
}

SEC("cgroup/connect4")
int ew_connect4(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, false);
}

SEC("cgroup/connect6")
int ew_connect6(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, true);
}

SEC("cgroup/sendmsg4")
int ew_sendmsg4(struct bpf_sock_addr *ctx)
{
	return on_udp_msg(ctx, false, EW_EV_UDP_SEND);
}

SEC("cgroup/sendmsg6")
int ew_sendmsg6(struct bpf_sock_addr *ctx)
{
	return on_udp_msg(ctx, true, EW_EV_UDP_SEND);
}

SEC("cgroup/recvmsg4")
int ew_recvmsg4(struct bpf_sock_addr *ctx)
{
	return on_udp_msg(ctx, false, EW_EV_UDP_RECV);
}

SEC("cgroup/recvmsg6")
int ew_recvmsg6(struct bpf_sock_addr *ctx)
{
	return on_udp_msg(ctx, true, EW_EV_UDP_RECV);
}
