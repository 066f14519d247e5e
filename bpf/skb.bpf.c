// SPDX-License-Identifier: GPL-2.0-only
/*
 * skb.bpf.c - cgroup_skb hooks: UDP bytes and packets per (socket, peer).
 * Packets run here in softirq context, so the socket cookie, not the
 * current pid, joins them to their flow. TCP leaves at the first check:
 * its counters come from tcp_sock at close and from the agent's sweep.
 */
#include "maps.bpf.h"

#define ETH_P_IP_K   0x0800
#define ETH_P_IPV6_K 0x86DD
#define IP_MF_OFF_K  0x3fff /* more-fragments flag and fragment offset */

static __always_inline int count_udp(struct __sk_buff *skb, bool egress)
{
	struct ew_udp_val *val, init = {};
	struct ew_udp_key key = {};
	__u8 saddr[16], daddr[16];
	struct udphdr udp;
	__u32 l4off;
	__u8 family;
	__u64 bytes;
	long err;

	if (skb->protocol == bpf_htons(ETH_P_IP_K)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return 1;
		if (ip.protocol != IPPROTO_UDP || (ip.frag_off & bpf_htons(IP_MF_OFF_K)))
			return 1;
		l4off = ip.ihl * 4;
		ew_addr_v4mapped(saddr, ip.saddr);
		ew_addr_v4mapped(daddr, ip.daddr);
		family = EW_AF_INET;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6_K)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return 1;
		if (ip6.nexthdr != IPPROTO_UDP)
			return 1;
		l4off = sizeof(ip6);
		__builtin_memcpy(saddr, &ip6.saddr, 16);
		__builtin_memcpy(daddr, &ip6.daddr, 16);
		family = EW_AF_INET6;
	} else {
		return 1;
	}
	if (bpf_skb_load_bytes(skb, l4off, &udp, sizeof(udp)))
		return 1;

	key.cookie = bpf_get_socket_cookie(skb);
	__builtin_memcpy(key.raddr, egress ? daddr : saddr, 16);
	key.rport = bpf_ntohs(egress ? udp.dest : udp.source);

	val = bpf_map_lookup_elem(&ew_udp_flows, &key);
	if (!val) {
		__builtin_memcpy(init.laddr, egress ? saddr : daddr, 16);
		init.lport = bpf_ntohs(egress ? udp.source : udp.dest);
		init.family = family;
		err = bpf_map_update_elem(&ew_udp_flows, &key, &init, BPF_NOEXIST);
		if (err && err != -EW_EEXIST) {
			ew_kstat_inc(EW_KSTAT_UDP_MAP_FULL);
			return 1;
		}
		val = bpf_map_lookup_elem(&ew_udp_flows, &key);
		if (!val)
			return 1;
	}
	bytes = bpf_ntohs(udp.len);
	bytes = bytes > sizeof(udp) ? bytes - sizeof(udp) : 0;
	if (egress) {
		__sync_fetch_and_add(&val->bytes_out, bytes);
		__sync_fetch_and_add(&val->pkts_out, 1);
	} else {
		__sync_fetch_and_add(&val->bytes_in, bytes);
		__sync_fetch_and_add(&val->pkts_in, 1);
	}
	val->last_ns = bpf_ktime_get_boot_ns();
	return 1;
}

/* Only the protocol byte is loaded before deciding: TCP pays for one load. */
static __always_inline bool is_udp(struct __sk_buff *skb)
{
	__u8 proto;

	if (skb->protocol == bpf_htons(ETH_P_IP_K))
		return !bpf_skb_load_bytes(skb, offsetof(struct iphdr, protocol), &proto, 1) &&
		       proto == IPPROTO_UDP;
	if (skb->protocol == bpf_htons(ETH_P_IPV6_K))
		return !bpf_skb_load_bytes(skb, offsetof(struct ipv6hdr, nexthdr), &proto, 1) &&
		       proto == IPPROTO_UDP;
	return false;
}

SEC("cgroup_skb/egress")
int ew_skb_egress(struct __sk_buff *skb)
{
	if (!is_udp(skb))
		return 1;
	return count_udp(skb, true);
}

SEC("cgroup_skb/ingress")
int ew_skb_ingress(struct __sk_buff *skb)
{
	if (!is_udp(skb))
		return 1;
	return count_udp(skb, false);
}
