// SPDX-License-Identifier: GPL-2.0-only
/* An empty uprobe: the floor a uprobe costs (trap, BPF entry, return), for
 * tls_overhead.sh to put the agent's TLS hooks against. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("uprobe")
int empty(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
