// SPDX-License-Identifier: GPL-2.0-only
/*
 * skb.bpf.c - cgroup_skb hooks: UDP bytes and packets per (socket, peer),
 * and the payloads that name peers: the first egress payload of a TCP
 * socket that connect()ed (ClientHello or HTTP request), DNS queries sent
 * and DNS responses received (the agent believes a response only when it
 * answers a query this host sent). Packets run here in softirq context, so the socket cookie, not
 * the current pid, joins them to their flow.
 *
 * Every packet of the host passes here. A TCP packet without payload (most
 * of them: SYNs, ACKs, FINs) leaves after reading its headers in place, with
 * no helper call; one with payload that is not a socket's first data
 * segment after two field reads of the socket (bpf_tcp_sock): no byte
 * loads, no map lookups. Content capture (content.bpf.h) adds a
 * socket-storage lookup for packets with payload of sockets whose stream is
 * still inside the capture window, and nothing past it.
 */
#include "maps.bpf.h"
#include "content.bpf.h"

#define ETH_P_IP_K   0x0800
#define ETH_P_IPV6_K 0x86DD
#define IP_MF_OFF_K  0x3fff /* more-fragments flag and fragment offset */
#define DNS_PORT     53
/* A query's header and first question: 12 + a name of at most 255 octets + type and class. */
#define DNS_QUERY_MAX 271

struct pkt {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 l4off;
	__u8 proto;
	__u8 family;
};

static __always_inline bool load_ip(struct __sk_buff *skb, struct pkt *p)
{
	if (skb->protocol == bpf_htons(ETH_P_IP_K)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return false;
		if (ip.frag_off & bpf_htons(IP_MF_OFF_K))
			return false;
		p->l4off = ip.ihl * 4;
		p->proto = ip.protocol;
		ew_addr_v4mapped(p->saddr, ip.saddr);
		ew_addr_v4mapped(p->daddr, ip.daddr);
		p->family = EW_AF_INET;
		return true;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6_K)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return false;
		p->l4off = sizeof(ip6);
		p->proto = ip6.nexthdr; /* extension headers: not followed */
		__builtin_memcpy(p->saddr, &ip6.saddr, 16);
		__builtin_memcpy(p->daddr, &ip6.daddr, 16);
		p->family = EW_AF_INET6;
		return true;
	}
	return false;
}

/* What tcp_kind() tells from a packet's headers. */
enum { PKT_OTHER, PKT_TCP_EMPTY, PKT_TCP_DATA };

/*
 * Whether the packet is TCP, and whether it carries payload, from its headers
 * in the linear area: loads only, no helper call (each is a call, and calls
 * are what the packet hooks' runs cost beyond their dispatch on this kernel).
 * PKT_OTHER is anything else: not TCP, IPv4 options or a fragment, IPv6
 * extension headers, headers outside the linear area; those take the full
 * path, which decides by the socket as before.
 */
static __always_inline int tcp_kind(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct tcphdr *tcp;
	__u32 l4off;

	if (skb->protocol == bpf_htons(ETH_P_IP_K)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || ip->ihl != 5 ||
		    (ip->frag_off & bpf_htons(IP_MF_OFF_K)))
			return PKT_OTHER;
		l4off = sizeof(*ip);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6_K)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return PKT_OTHER;
		l4off = sizeof(*ip6);
	} else {
		return PKT_OTHER;
	}
	tcp = data + l4off;
	if ((void *)(tcp + 1) > end)
		return PKT_OTHER;
	return skb->len > l4off + tcp->doff * 4 ? PKT_TCP_DATA : PKT_TCP_EMPTY;
}

/* Copies up to @max (<= EW_PAYLOAD_MAX) bytes from @off into one ring-buffer event. */
static __always_inline void capture(struct __sk_buff *skb, __u64 cookie, __u16 type, __u32 off,
				    __u32 wire_len, __u32 max, const __u8 raddr[16], __u16 rport,
				    __u16 lport)
{
	struct ew_ev_payload *ev;
	__u32 zero = 0;
	__u64 len; /* 64-bit: a 32-bit bound check leaves the register unbounded */

	ev = bpf_map_lookup_elem(&ew_scratch, &zero);
	if (!ev)
		return;
	len = wire_len < max ? wire_len : max;
	barrier_var(len);
	if (len < 1 || len > EW_PAYLOAD_MAX)
		return;
	if (bpf_skb_load_bytes(skb, off, ev->data, len))
		return;
	ev->h.type = type;
	ev->h.size = (__u16)(EW_PAYLOAD_HDR + len);
	ev->h.cpu = bpf_get_smp_processor_id();
	ev->h.ts_ns = bpf_ktime_get_boot_ns();
	ev->cookie = cookie;
	__builtin_memcpy(ev->raddr, raddr, 16);
	ev->rport = rport;
	ev->len = (__u16)len;
	ev->wire_len = wire_len;
	ev->lport = lport;
	ev->_pad[0] = ev->_pad[1] = ev->_pad[2] = 0;
	if (bpf_ringbuf_output(&ew_events, ev, EW_PAYLOAD_HDR + len,
			       ew_wakeup_flags(EW_PAYLOAD_HDR + len)))
		ew_kstat_inc(EW_KSTAT_RB_FULL_PAYLOAD);
}

/*
 * A socket's first data segment: the kernel counted it in data_segs_out just
 * before this hook (__tcp_transmit_skb), and nothing but the SYN has been
 * acknowledged yet. Retransmissions count again, so they never match.
 */
static __always_inline bool first_data_segment(struct __sk_buff *skb, struct bpf_tcp_sock *tp)
{
	__u32 segs = skb->gso_segs ? skb->gso_segs : 1;

	return tp->data_segs_out == segs && tp->bytes_acked <= 1;
}

/* Peers in the skip networks (loopback, the policy's domestic ones) are not inspected. */
static __always_inline bool skipped(const __u8 daddr[16])
{
	struct ew_lpm_key key = {.prefixlen = 128};
	__u8 *skip;

	__builtin_memcpy(key.addr, daddr, 16);
	skip = bpf_map_lookup_elem(&ew_skip_nets, &key);
	if (skip && *skip) {
		ew_kstat_inc(EW_KSTAT_PREFILTER_SKIP);
		return true;
	}
	return false;
}

/*
 * Whether the socket connect()ed, at its first data segment: an active
 * opener's bytes_acked holds its SYN by then (1), an accepted socket's is 0
 * (the SYN-ACK is accounted before it exists). A connect()ed socket whose
 * data went out with its SYN (TCP Fast Open) is 0 too: the map tells.
 */
static __always_inline bool connected(struct bpf_tcp_sock *tp, __u64 cookie)
{
	return tp->bytes_acked == 1 || !ew_accepted_find(cookie);
}

/*
 * A socket's first data segment: a connect()ed socket's names its peer (an
 * accepted socket's is the server's answer: no peer name in it), and either
 * kind's starts the stream the content engine reads.
 */
static __always_inline void first_payload(struct __sk_buff *skb, struct bpf_tcp_sock *tp)
{
	struct tcphdr tcp;
	__u64 cookie;
	struct pkt p;
	bool names;
	__u32 off;

	cookie = bpf_get_socket_cookie(skb);
	names = ew_capture_names && connected(tp, cookie);
	if (!names && !ew_content_on)
		return;
	if (!load_ip(skb, &p) || p.proto != IPPROTO_TCP)
		return;
	if (bpf_skb_load_bytes(skb, p.l4off, &tcp, sizeof(tcp)))
		return;
	off = p.l4off + tcp.doff * 4;
	if (skb->len <= off)
		return;
	if (skipped(p.daddr)) {
		if (ew_content_on)
			ew_content_skipped(cookie, EW_DIR_OUT);
		return;
	}
	if (names)
		capture(skb, cookie, EW_EV_TCP_PAYLOAD, off, skb->len - off, EW_PAYLOAD_MAX,
			p.daddr, bpf_ntohs(tcp.dest), bpf_ntohs(tcp.source));
	if (ew_content_on)
		ew_content_start(skb, tp, cookie, bpf_ntohl(tcp.seq), off);
}

/* Where the TCP header starts (one byte read for IPv4, none for IPv6), and
 * where the destination address is, and its length. */
static __always_inline bool l4_offset(struct __sk_buff *skb, __u32 *off, __u32 *daddr_off,
				      __u32 *daddr_len)
{
	__u8 vihl;

	if (skb->protocol == bpf_htons(ETH_P_IPV6_K)) {
		*off = sizeof(struct ipv6hdr); /* extension headers: not followed */
		*daddr_off = offsetof(struct ipv6hdr, daddr);
		*daddr_len = 16;
		return true;
	}
	if (skb->protocol != bpf_htons(ETH_P_IP_K) || bpf_skb_load_bytes(skb, 0, &vihl, 1))
		return false;
	*off = (vihl & 0xf) * 4;
	*daddr_off = offsetof(struct iphdr, daddr);
	*daddr_len = 4;
	return true;
}

/*
 * Every TCP packet but a socket's first data segment leaves after reading
 * two counters of the socket, unless content capture is on, the socket sent
 * more than one data segment (data_segs_out counts this packet already, if
 * it carries data: at 1 this is an ACK or a FIN after the first segment),
 * and some of the socket's stream inside the window is not acknowledged
 * yet: bytes_acked is sequence space, whose SYN an active opener counts as
 * one byte.
 */
static __always_inline void on_tcp(struct __sk_buff *skb, struct bpf_tcp_sock *tp)
{
	__u32 l4off, daddr_off, daddr_len;

	if (first_data_segment(skb, tp)) {
		first_payload(skb, tp);
		return;
	}
	if (!ew_content_on || tp->data_segs_out <= 1 ||
	    tp->bytes_acked > (__u64)ew_content_flow_bytes + 1)
		return;
	if (l4_offset(skb, &l4off, &daddr_off, &daddr_len))
		ew_content_more(skb, tp, l4off, daddr_off, daddr_len);
}

/* A datagram whose bytes have nowhere to go: counted, so records plus losses add up. */
static __always_inline void udp_lost(__u64 bytes)
{
	ew_kstat_inc(EW_KSTAT_UDP_MAP_FULL);
	ew_kstat_add(EW_KSTAT_UDP_BYTES_LOST, bytes);
}

static __always_inline void count_udp(struct __sk_buff *skb, const struct pkt *p,
				      const struct udphdr *udp, bool egress)
{
	struct ew_udp_val *val, init = {};
	struct ew_udp_key key = {};
	__u64 bytes;
	long err;

	bytes = bpf_ntohs(udp->len);
	bytes = bytes > sizeof(*udp) ? bytes - sizeof(*udp) : 0;
	key.cookie = bpf_get_socket_cookie(skb);
	__builtin_memcpy(key.raddr, egress ? p->daddr : p->saddr, 16);
	key.rport = bpf_ntohs(egress ? udp->dest : udp->source);

	val = bpf_map_lookup_elem(&ew_udp_flows, &key);
	if (!val) {
		__builtin_memcpy(init.laddr, egress ? p->saddr : p->daddr, 16);
		init.lport = bpf_ntohs(egress ? udp->source : udp->dest);
		init.family = p->family;
		err = bpf_map_update_elem(&ew_udp_flows, &key, &init, BPF_NOEXIST);
		if (err && err != -EW_EEXIST) {
			udp_lost(bytes); /* -E2BIG: the map is full */
			return;
		}
		/* NULL only when the agent deleted the entry (its flow ended) just now. */
		val = bpf_map_lookup_elem(&ew_udp_flows, &key);
		if (!val) {
			udp_lost(bytes);
			return;
		}
	}
	if (egress) {
		__sync_fetch_and_add(&val->bytes_out, bytes);
		__sync_fetch_and_add(&val->pkts_out, 1);
	} else {
		__sync_fetch_and_add(&val->bytes_in, bytes);
		__sync_fetch_and_add(&val->pkts_in, 1);
	}
	val->last_ns = bpf_ktime_get_boot_ns();
}

/*
 * A query the agent can match answers to: QR=0, OPCODE=0, one question.
 * Anything else sent to port 53 (a VPN or tunnel on the DNS port) is not
 * copied, so such traffic costs one 6-byte load per packet, not a ring event.
 */
static __always_inline bool dns_query(struct __sk_buff *skb, __u32 off)
{
	__u8 hdr[6];

	if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)))
		return false;
	return !(hdr[2] & 0xf8) && hdr[4] == 0 && hdr[5] == 1;
}

static __always_inline void on_udp(struct __sk_buff *skb, bool egress)
{
	struct udphdr udp;
	struct pkt p;
	__u32 off;

	if (!load_ip(skb, &p) || p.proto != IPPROTO_UDP)
		return;
	if (bpf_skb_load_bytes(skb, p.l4off, &udp, sizeof(udp)))
		return;
	if (ew_count_udp)
		count_udp(skb, &p, &udp, egress);
	off = p.l4off + sizeof(udp);
	if (!ew_capture_names || skb->len <= off)
		return;
	if (!egress && udp.source == bpf_htons(DNS_PORT))
		capture(skb, bpf_get_socket_cookie(skb), EW_EV_DNS_PAYLOAD, off, skb->len - off,
			EW_PAYLOAD_MAX, p.saddr, DNS_PORT, bpf_ntohs(udp.dest));
	else if (egress && udp.dest == bpf_htons(DNS_PORT) && dns_query(skb, off))
		capture(skb, bpf_get_socket_cookie(skb), EW_EV_DNS_QUERY_PAYLOAD, off,
			skb->len - off, DNS_QUERY_MAX, p.daddr, DNS_PORT, bpf_ntohs(udp.source));
}

SEC("cgroup_skb/egress")
int ew_skb_egress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct bpf_tcp_sock *tp;

	if (!sk)
		return 1;
	/* Most packets are TCP without payload (SYNs, ACKs, FINs): nothing to
	 * do for them (no first data segment, no content), and the headers
	 * say so without a helper call. */
	if (tcp_kind(skb) == PKT_TCP_EMPTY)
		return 1;
	tp = bpf_tcp_sock(sk);
	if (tp) {
		if (ew_capture_names || ew_content_on)
			on_tcp(skb, tp);
		return 1;
	}
	sk = bpf_sk_fullsock(sk);
	if (sk && sk->protocol == IPPROTO_UDP)
		on_udp(skb, true);
	return 1;
}

/* This CPU is about to hand the packet to a listener: tcp.bpf.c's accept reads it. */
static __always_inline void note_listener(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *now = bpf_map_lookup_elem(&ew_listener_now, &zero);

	if (now)
		*now = bpf_get_socket_cookie(skb);
}

SEC("cgroup_skb/ingress")
int ew_skb_ingress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	int kind;

	if (!sk)
		return 1;
	/*
	 * A TCP packet is decided on loads alone, with no helper call: a
	 * listener's (the handshake's: a request socket's packets are filtered
	 * on its listener) is noted for the accept; any other leaves, unless
	 * inbound content wants its payload. The state is in every socket's
	 * common part: no bpf_sk_fullsock() needed to read it.
	 */
	kind = tcp_kind(skb);
	if (kind != PKT_OTHER) {
		if (sk->state == BPF_TCP_LISTEN) {
			if (ew_track_owners)
				note_listener(skb);
			return 1;
		}
		if (kind == PKT_TCP_EMPTY || !ew_content_in_on)
			return 1;
	}
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	if (sk->protocol == IPPROTO_TCP) {
		if (ew_track_owners && sk->state == BPF_TCP_LISTEN) {
			note_listener(skb);
		} else if (ew_content_in_on) {
			struct bpf_tcp_sock *tp = bpf_tcp_sock(sk);

			if (tp)
				ew_content_in(skb, tp, sk->state);
		}
	} else if (sk->protocol == IPPROTO_UDP) {
		on_udp(skb, false);
	}
	return 1;
}
