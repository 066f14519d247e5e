// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcp.bpf.c - TCP state changes (passive opens, closes with their final
 * counters) and the accept() that hands a passive socket to a process.
 */
#include "maps.bpf.h"

/* Syscall numbers of accept/accept4: the sys_exit hook runs on every
 * syscall, so the check is a compare against an immediate. */
#if defined(__TARGET_ARCH_x86)
#define NR_ACCEPT	 43
#define NR_ACCEPT4	 288
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_ACCEPT	 202
#define NR_ACCEPT4	 242
#define SYSCALL_NR(regs) (((struct user_pt_regs *)(regs))->regs[8])
#else
#error "egresswatch: add the accept/accept4 syscall numbers for this architecture"
#endif

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

static __always_inline void emit_accept(const struct sock *sk, __u16 family, int oldstate,
					int newstate)
{
	struct ew_ev_tcp *ev;
	__u64 cookie;
	__u8 one = 1;

	cookie = bpf_get_socket_cookie((void *)sk);
	/* Even if the event is lost, accept() can still name the owner. */
	bpf_map_update_elem(&ew_accepted, &cookie, &one, BPF_ANY);
	ev = ew_reserve(sizeof(*ev), EW_EV_TCP_ACCEPT, EW_KSTAT_RB_FULL_TCP);
	if (!ev)
		return;
	ev->cookie = cookie;
	read_tuple(ev, sk, family);
	ev->oldstate = oldstate;
	ev->newstate = newstate;
	ev->flags = 0;
	ev->bytes_acked = 0;
	ev->bytes_received = 0;
	ew_submit(ev);
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
int BPF_PROG(ew_tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u16 family;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	family = sk->__sk_common.skc_family;
	if (family != EW_AF_INET_K && family != EW_AF_INET6_K)
		return 0;
	if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED)
		emit_accept(sk, family, oldstate, newstate);
	else if (newstate == TCP_CLOSE && oldstate != TCP_LISTEN)
		emit_close(sk, family, oldstate, newstate);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ew_sys_exit, struct pt_regs *regs, long ret)
{
	struct ew_ev_accept_owner *ev;
	struct task_struct *task;
	struct fdtable *fdt;
	struct file **fds;
	struct socket *sock;
	struct file *file;
	struct sock *sk;
	__u64 cookie;
	long nr;

	nr = SYSCALL_NR(regs);
	if (nr != NR_ACCEPT && nr != NR_ACCEPT4)
		return 0;
	if (ret < 0)
		return 0;
	task = bpf_get_current_task_btf();
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || ret >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_core_read(&file, sizeof(file), &fds[ret]) || !file)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (!cookie || !bpf_map_lookup_elem(&ew_accepted, &cookie))
		return 0;
	bpf_map_delete_elem(&ew_accepted, &cookie);
	ev = ew_reserve(sizeof(*ev), EW_EV_ACCEPT_OWNER, EW_KSTAT_RB_FULL_SOCK);
	if (!ev)
		return 0;
	ew_fill_task(&ev->task);
	ev->cookie = cookie;
	ew_submit(ev);
	return 0;
}
