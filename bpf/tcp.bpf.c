// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcp.bpf.c - TCP state changes: passive opens and closes with their final
 * counters, and the process that owns an accepted socket, found without a
 * hook on any system call (every task would pay for one on every syscall):
 *
 * - listen() moves the socket to TCP_LISTEN in the caller's context: its
 *   task goes into ew_listeners under the listener's cookie;
 * - cgroup_skb/ingress notes, per CPU, the listener a packet is for, just
 *   before the kernel makes the accepted socket from it in the same softirq;
 *   at that socket's SYN_RECV -> ESTABLISHED the listener's entry names the
 *   owner (checked against the socket's port and network namespace);
 * - close() or shutdown() moves an established socket to FIN_WAIT1 or
 *   LAST_ACK (or, with unread data, to CLOSE holding the socket's lock) in
 *   the caller's context: when that is another process (a pre-forking
 *   server's worker, not the parent that listened), it is reported as the
 *   owner.
 */
#include "maps.bpf.h"

/*
 * Reads go straight through the trusted pointers tp_btf hands over (one load
 * each, relocated by CO-RE), not through bpf_probe_read: these run on every
 * state change of every TCP socket on the host.
 */
static __always_inline void read_tuple(struct ew_ev_tcp *ev, const struct sock *sk,
				       const struct tcp_sock *tp, __u16 family)
{
	const struct sock_common *c = &sk->__sk_common;

	if (family == EW_AF_INET6_K) {
		__builtin_memcpy(ev->laddr, c->skc_v6_rcv_saddr.in6_u.u6_addr8, 16);
		__builtin_memcpy(ev->raddr, c->skc_v6_daddr.in6_u.u6_addr8, 16);
		ev->family = EW_AF_INET6;
	} else {
		ew_addr_v4mapped(ev->laddr, c->skc_rcv_saddr);
		ew_addr_v4mapped(ev->raddr, c->skc_daddr);
		ev->family = EW_AF_INET;
	}
	/* Not skc_num: tcp_set_state(TCP_CLOSE) releases the port (zeroing
	 * it) before the tracepoint fires; inet_sport survives. */
	ev->lport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
	ev->rport = bpf_ntohs(c->skc_dport);
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

static __always_inline __u32 netns_of(const struct sock *sk)
{
	return sk->__sk_common.skc_net.net->ns.inum;
}

/* The cookie, not the inode: it is what bpf_get_netns_cookie() gives the
 * socket hooks and never reused while the host runs (set at netns creation
 * since 5.12). */
static __always_inline __u64 netns_cookie_of(const struct sock *sk)
{
	return sk->__sk_common.skc_net.net->net_cookie;
}

/* listen(): the caller owns the socket and everything accepted from it. */
static __always_inline void on_listen(struct sock *sk)
{
	struct ew_listener l = {.how = EW_OWNER_LISTENER};
	__u64 cookie;

	if (ew_is_self())
		return;
	ew_fill_task(&l.task);
	l.netns = netns_of(sk);
	l.lport = sk->__sk_common.skc_num;
	cookie = ew_sock_cookie(sk);
	if (bpf_map_update_elem(&ew_listeners, &cookie, &l, BPF_ANY))
		ew_kstat_inc(EW_KSTAT_LISTENER_MAP_FULL);
}

/* The listener this CPU just passed a packet to, if it is @sk's. */
static __always_inline const struct ew_listener *listener_of(const struct sock *sk)
{
	const struct ew_listener *l;
	__u32 zero = 0;
	__u64 *cookie;

	cookie = bpf_map_lookup_elem(&ew_listener_now, &zero);
	if (!cookie || !*cookie)
		return NULL;
	l = bpf_map_lookup_elem(&ew_listeners, cookie);
	if (!l || l->lport != sk->__sk_common.skc_num || l->netns != netns_of(sk))
		return NULL;
	return l;
}

/*
 * Keeps @cookie's owner until the close. Only the socket's own state changes
 * (serialised) touch its slot; the compare-and-swap keeps two CPUs from
 * claiming one free slot. Return: 0, or -1 when the set is full.
 */
static __always_inline int accepted_add(__u64 cookie, __u32 tgid)
{
	struct ew_accepted_set *set = ew_accepted_set_of(cookie);
	__u32 *slot = ew_accepted_find(cookie);

	if (slot) {
		*slot = tgid;
		return 0;
	}
	if (!set || !cookie)
		return -1;
#pragma unroll
	for (int w = 0; w < EW_ACCEPTED_WAYS; w++) {
		if (set->cookie[w])
			continue;
		if (__sync_val_compare_and_swap(&set->cookie[w], 0, cookie) == 0) {
			set->tgid[w] = tgid;
			return 0;
		}
	}
	return -1;
}

static __always_inline void accepted_del(__u64 cookie)
{
	struct ew_accepted_set *set = ew_accepted_set_of(cookie);

	if (!set || !cookie)
		return;
#pragma unroll
	for (int w = 0; w < EW_ACCEPTED_WAYS; w++)
		if (set->cookie[w] == cookie)
			set->cookie[w] = 0;
}

/* A passive open, with the owner of the listener it came from. */
static __always_inline void emit_accept(struct sock *sk, const struct tcp_sock *tp, __u16 family,
					int oldstate, int newstate)
{
	const struct ew_listener *l = ew_track_owners ? listener_of(sk) : NULL;
	struct ew_ev_tcp_accept *ev;
	__u64 cookie = ew_sock_cookie(sk);
	__u32 tgid = l ? l->task.tgid : 0;

	/* Kept until the close, so that another process closing it is told. */
	if (ew_track_owners && accepted_add(cookie, tgid))
		ew_kstat_inc(EW_KSTAT_ACCEPTED_MAP_FULL);
	ev = ew_reserve(sizeof(*ev), EW_EV_TCP_ACCEPT, EW_KSTAT_RB_FULL_TCP);
	if (!ev)
		return;
	ev->tcp.cookie = cookie;
	read_tuple(&ev->tcp, sk, tp, family);
	ev->tcp.oldstate = oldstate;
	ev->tcp.newstate = newstate;
	ev->tcp.flags = 0;
	ev->tcp.bytes_acked = 0;
	ev->tcp.bytes_received = 0;
	ev->tcp.netns = netns_cookie_of(sk);
	ev->tcp.bytes_sent = 0;
	ev->tcp.bytes_retrans = 0;
	if (l) {
		ev->owner = l->task;
		ev->how = l->how;
	} else {
		__builtin_memset(&ev->owner, 0, sizeof(ev->owner));
		ev->how = 0;
	}
	__builtin_memset(ev->_pad, 0, sizeof(ev->_pad));
	ew_submit(ev);
}

/* close() or shutdown() of an accepted socket (@owner: its entry in
 * ew_accepted), in the caller's context. */
static __always_inline void on_user_close(__u64 cookie, __u32 *owner)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ew_task task;

	if (!tgid || tgid == *owner)
		return;
	*owner = tgid;
	ew_fill_task(&task);
	emit_owner(cookie, &task, EW_OWNER_CLOSER);
}

/* tcp_close() and tcp_shutdown() queue our FIN on the way into these. */
static __always_inline bool fin_queued(int state)
{
	return state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 || state == TCP_CLOSING ||
	       state == TCP_LAST_ACK;
}

/*
 * tcp_sock.bytes_sent grows before a segment is handed to IP; when this host's
 * own qdisc refuses it, TCP sends the same data again as new data, counted
 * again and not as a retransmission (measured behind a 2 ms tbf queue:
 * bytes_sent - bytes_retrans 5,521,600 for 2,000,064 bytes on the wire).
 * snd_nxt only moves past a send that worked, so nothing left beyond the
 * sequence space acknowledged or in flight, FIN out: bytes_sent is held to
 * that plus what was retransmitted. That space holds an active opener's SYN,
 * which the agent takes out (EW_TCP_F_SENT_BOUND).
 */
static __always_inline __u8 read_sent(struct ew_ev_tcp *ev, const struct tcp_sock *tp, int oldstate)
{
	__u64 bound;

	if (!bpf_core_field_exists(tp->bytes_sent) || !bpf_core_field_exists(tp->bytes_retrans)) {
		ev->bytes_sent = 0;
		ev->bytes_retrans = 0;
		return 0;
	}
	bound = tp->bytes_retrans + tp->bytes_acked + (__u32)(tp->snd_nxt - tp->snd_una);
	/* A FIN is last in sequence: sent once snd_nxt reached write_seq. */
	if (fin_queued(oldstate) && tp->snd_nxt == tp->write_seq && bound)
		bound--;
	ev->bytes_retrans = tp->bytes_retrans;
	ev->bytes_sent = tp->bytes_sent;
	if (ev->bytes_sent > bound) {
		ev->bytes_sent = bound;
		return EW_TCP_F_SENT | EW_TCP_F_SENT_BOUND;
	}
	return EW_TCP_F_SENT;
}

static __always_inline void emit_close(const struct sock *sk, const struct tcp_sock *tp,
				       __u64 cookie, __u16 family, int oldstate, int newstate)
{
	struct ew_ev_tcp *ev;
	__u8 flags = 0;

	if (!sk->__sk_common.skc_dport)
		return;
	ev = ew_reserve(sizeof(*ev), EW_EV_TCP_CLOSE, EW_KSTAT_RB_FULL_TCP);
	if (!ev)
		return;
	ev->cookie = cookie;
	read_tuple(ev, sk, tp, family);
	ev->oldstate = oldstate;
	ev->newstate = newstate;
	ev->bytes_acked = tp->bytes_acked;
	ev->bytes_received = tp->bytes_received;
	ev->netns = netns_cookie_of(sk);
	/* What left, acknowledged or not: a reset or an unanswered close_notify
	 * leaves bytes in flight that bytes_acked never sees. Payload only
	 * (SYN and FIN are not in it); a retransmission adds to both. */
	flags |= read_sent(ev, tp, oldstate);
	/* SOCK_DONE is set by tcp_fin() when the peer's FIN arrives. */
	if (sk->__sk_common.skc_flags & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE)))
		flags |= EW_TCP_F_FIN_IN;
	/* tcp_send_fin() advances write_seq past the FIN, so snd_una reaching
	 * write_seq in a FIN state means our FIN was acked. */
	if (fin_queued(oldstate) && tp->snd_una == tp->write_seq)
		flags |= EW_TCP_F_FIN_OUT_ACKED;
	ev->flags = flags;
	ew_submit(ev);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ew_tcp_state, struct sock *sk, const int oldstate, const int newstate)
{
	struct tcp_sock *tp;
	__u32 *owner;
	__u64 cookie;
	__u16 family;

	/* Most changes need nothing: decide on the states before anything else. */
	switch (newstate) {
	case TCP_ESTABLISHED:
		if (oldstate != TCP_SYN_RECV)
			return 0;
		break;
	case TCP_LISTEN:
	case TCP_FIN_WAIT1:
	case TCP_LAST_ACK:
		if (!ew_track_owners)
			return 0;
		break;
	case TCP_CLOSE:
		break;
	default:
		return 0;
	}
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	family = sk->__sk_common.skc_family;
	if (family != EW_AF_INET_K && family != EW_AF_INET6_K)
		return 0;
	switch (newstate) {
	case TCP_LISTEN:
		on_listen(sk);
		return 0;
	case TCP_FIN_WAIT1:
	case TCP_LAST_ACK:
		/* Only tcp_close() and tcp_shutdown() make these moves. A socket
		 * whose cookie was never made is in no slot of ew_accepted. */
		cookie = sk->__sk_common.skc_cookie.counter;
		owner = cookie ? ew_accepted_find(cookie) : NULL;
		if (owner)
			on_user_close(cookie, owner);
		return 0;
	}
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 0;
	switch (newstate) {
	case TCP_ESTABLISHED:
		emit_accept(sk, tp, family, oldstate, newstate);
		break;
	case TCP_CLOSE:
		cookie = ew_sock_cookie(sk);
		if (oldstate == TCP_LISTEN) {
			if (ew_track_owners)
				bpf_map_delete_elem(&ew_listeners, &cookie);
			break;
		}
		owner = ew_track_owners ? ew_accepted_find(cookie) : NULL;
		if (owner) {
			/* A close with unread data resets from the caller's context;
			 * a reset received runs in softirq, without the socket's lock. */
			if (sk->sk_lock.owned)
				on_user_close(cookie, owner);
			accepted_del(cookie);
		}
		emit_close(sk, tp, cookie, family, oldstate, newstate);
		break;
	}
	return 0;
}
