// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcp.bpf.c - TCP state changes: passive opens and closes with their final
 * counters, and the process that owns an accepted socket, found without a
 * hook on any system call (every task would pay for one on every syscall):
 *
 * - listen() moves the socket to TCP_LISTEN in the caller's context: its
 *   task goes into the socket's storage (ew_owner_sk), which the kernel
 *   copies into every socket accepted from it;
 * - at the accepted socket's SYN_RECV -> ESTABLISHED (softirq) that copy
 *   names the owner;
 * - close() or shutdown() moves an established socket to FIN_WAIT1 or
 *   LAST_ACK (or, with unread data, to CLOSE holding the socket's lock) in
 *   the caller's context: when that is another process (a pre-forking
 *   server's worker, not the parent that listened), it is reported as the
 *   owner.
 */
#include "maps.bpf.h"

static __always_inline void read_tuple(struct ew_ev_tcp *ev, const struct sock *sk, __u16 family)
{
	const struct sock_common *c = &sk->__sk_common;

	if (family == EW_AF_INET6_K) {
		BPF_CORE_READ_INTO(&ev->laddr, c, skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&ev->raddr, c, skc_v6_daddr.in6_u.u6_addr8);
		ev->family = EW_AF_INET6;
	} else {
		ew_addr_v4mapped(ev->laddr, BPF_CORE_READ(c, skc_rcv_saddr));
		ew_addr_v4mapped(ev->raddr, BPF_CORE_READ(c, skc_daddr));
		ev->family = EW_AF_INET;
	}
	/* Not skc_num: tcp_set_state(TCP_CLOSE) releases the port (zeroing
	 * it) before the tracepoint fires; inet_sport survives. */
	ev->lport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	ev->rport = bpf_ntohs(BPF_CORE_READ(c, skc_dport));
}

static __always_inline void emit_owner(__u64 cookie, const struct ew_task *task, __u8 how)
{
	struct ew_ev_accept_owner *ev;

	ev = ew_reserve(sizeof(*ev), EW_EV_ACCEPT_OWNER, EW_KSTAT_RB_FULL_SOCK);
	if (!ev)
		return;
	ev->task = *task;
	ev->cookie = cookie;
	ev->how = how;
	__builtin_memset(ev->_pad, 0, sizeof(ev->_pad));
	ew_submit(ev);
}

/* listen(): the caller owns the socket and everything accepted from it. */
static __always_inline void on_listen(struct sock *sk)
{
	struct ew_owner_val *st;

	if (ew_is_self())
		return;
	st = bpf_sk_storage_get(&ew_owner_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		ew_kstat_inc(EW_KSTAT_OWNER_STORAGE_FULL);
		return;
	}
	ew_fill_task(&st->task);
	st->how = EW_OWNER_LISTENER;
	st->accepted = 0;
}

static __always_inline void emit_accept(struct sock *sk, __u16 family, int oldstate, int newstate)
{
	struct ew_owner_val *st;
	struct ew_ev_tcp *ev;
	__u64 cookie;

	cookie = bpf_get_socket_cookie((void *)sk);
	ev = ew_reserve(sizeof(*ev), EW_EV_TCP_ACCEPT, EW_KSTAT_RB_FULL_TCP);
	if (ev) {
		ev->cookie = cookie;
		read_tuple(ev, sk, family);
		ev->oldstate = oldstate;
		ev->newstate = newstate;
		ev->flags = 0;
		ev->bytes_acked = 0;
		ev->bytes_received = 0;
		ew_submit(ev);
	}
	if (!ew_track_owners)
		return;
	/* The listener's copy; without one (a listener the scan missed) an
	 * empty one, so that the close can still name the owner. */
	st = bpf_sk_storage_get(&ew_owner_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return;
	st->accepted = 1;
	if (st->task.tgid)
		emit_owner(cookie, &st->task, st->how);
}

/* close() or shutdown() of an accepted socket, in the caller's context. */
static __always_inline void on_user_close(struct sock *sk)
{
	struct ew_owner_val *st = bpf_sk_storage_get(&ew_owner_sk, sk, 0, 0);
	__u32 tgid;

	if (!st || !st->accepted)
		return;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!tgid || tgid == st->task.tgid)
		return;
	ew_fill_task(&st->task);
	st->how = EW_OWNER_CLOSER;
	emit_owner(bpf_get_socket_cookie((void *)sk), &st->task, EW_OWNER_CLOSER);
}

static __always_inline void emit_close(const struct sock *sk, __u16 family, int oldstate,
				       int newstate)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	unsigned long sk_flags;
	struct ew_ev_tcp *ev;
	__u8 flags = 0;

	if (!BPF_CORE_READ(sk, __sk_common.skc_dport))
		return;
	ev = ew_reserve(sizeof(*ev), EW_EV_TCP_CLOSE, EW_KSTAT_RB_FULL_TCP);
	if (!ev)
		return;
	ev->cookie = bpf_get_socket_cookie((void *)sk);
	read_tuple(ev, sk, family);
	ev->oldstate = oldstate;
	ev->newstate = newstate;
	ev->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	ev->bytes_received = BPF_CORE_READ(tp, bytes_received);
	/* SOCK_DONE is set by tcp_fin() when the peer's FIN arrives. */
	sk_flags = BPF_CORE_READ(sk, __sk_common.skc_flags);
	if (sk_flags & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE)))
		flags |= EW_TCP_F_FIN_IN;
	/* tcp_send_fin() advances write_seq past the FIN, so snd_una reaching
	 * write_seq in a FIN state means our FIN was acked. */
	if ((oldstate == TCP_FIN_WAIT1 || oldstate == TCP_FIN_WAIT2 || oldstate == TCP_CLOSING ||
	     oldstate == TCP_LAST_ACK) &&
	    BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq))
		flags |= EW_TCP_F_FIN_OUT_ACKED;
	ev->flags = flags;
	ew_submit(ev);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ew_tcp_state, struct sock *sk, const int oldstate, const int newstate)
{
	__u16 family;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	family = sk->__sk_common.skc_family;
	if (family != EW_AF_INET_K && family != EW_AF_INET6_K)
		return 0;
	switch (newstate) {
	case TCP_ESTABLISHED:
		if (oldstate == TCP_SYN_RECV)
			emit_accept(sk, family, oldstate, newstate);
		break;
	case TCP_LISTEN:
		if (ew_track_owners)
			on_listen(sk);
		break;
	case TCP_FIN_WAIT1:
	case TCP_LAST_ACK:
		/* Only tcp_close() and tcp_shutdown() make these moves. */
		if (ew_track_owners)
			on_user_close(sk);
		break;
	case TCP_CLOSE:
		if (oldstate == TCP_LISTEN)
			break;
		/* A close with unread data resets from the caller's context; a
		 * reset received runs in softirq, without the socket's lock. */
		if (ew_track_owners && BPF_CORE_READ(sk, sk_lock.owned))
			on_user_close(sk);
		emit_close(sk, family, oldstate, newstate);
		break;
	}
	return 0;
}
