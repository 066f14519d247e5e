// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's per-connection hooks with programs that do nothing: what a
 * hook costs the host before its program does any work (the kernel's
 * dispatch: the cgroup run arrays, the tracepoint's BPF trampoline, the
 * mitigations on every call and return). Loaded by empty_hooks.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("cgroup/connect4")
int empty_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/connect6")
int empty_connect6(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup_skb/egress")
int empty_egress(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/ingress")
int empty_ingress(struct __sk_buff *skb)
{
	return 1;
}

SEC("tp_btf/inet_sock_set_state")
int empty_state(u64 *ctx)
{
	return 0;
}

SEC("tp_btf/sock_send_length")
int empty_send(u64 *ctx)
{
	return 0;
}

SEC("tp_btf/sock_recv_length")
int empty_recv(u64 *ctx)
{
	return 0;
}
