/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * content.bpf.h - bounded capture of what TCP sockets send, for the content
 * engine (agent/content/engine.c), included by skb.bpf.c.
 *
 * Every segment a TCP socket sends whose bytes fall inside the first
 * ew_content_flow_bytes of its stream is copied, at its offset, in chunks of
 * up to EW_CHUNK_MAX bytes, unless the peer is in a skip network. The first
 * data segment starts the stream (offset 0, EW_CHUNK_F_START); a socket
 * that sends a second one gets socket storage holding its stream's base
 * (or that its peer is skipped), so a one-segment connection allocates
 * nothing.
 * Retransmissions are copied again; the engine keeps the first copy.
 * Whatever inside the window does not reach the ring is counted here and
 * shows as a gap on its flow.
 */
#ifndef EW_CONTENT_BPF_H
#define EW_CONTENT_BPF_H

#include "maps.bpf.h"

/* 16 chunks of 4 KiB hold a 64 KiB GSO packet; a BIG TCP one is cut there. */
#define EW_CHUNKS_PER_PACKET 16

/*
 * One chunk: @n (1..EW_CHUNK_MAX) bytes at packet offset @pos >> 32, stream
 * offset (__u32)@pos (five arguments at most), direction @flags >> 8. A
 * global function, so the verifier checks it once, not once per loop
 * iteration and call site.
 * Return: 0, or the bytes lost.
 */
__noinline int ew_content_chunk_out(struct __sk_buff *skb, __u64 cookie, __u64 pos, __u32 n,
				    __u32 flags)
{
	__u32 zero = 0, poff = pos >> 32, soff = (__u32)pos;
	__u64 len = n; /* 64-bit: a 32-bit bound check leaves the register unbounded */
	struct ew_ev_chunk *ev;

	ev = bpf_map_lookup_elem(&ew_chunk_scratch, &zero);
	barrier_var(len);
	if (!ev || len < 1 || len > EW_CHUNK_MAX)
		return n;
	if (bpf_skb_load_bytes(skb, poff, ev->data, len))
		return n;
	return ew_chunk_send(ev, cookie, soff, len, flags);
}

/*
 * Copies @len payload bytes at packet offset @poff, which sit at stream
 * offset @soff of direction @dir, into chunk events. @flags go on the first
 * chunk only.
 */
static __always_inline void ew_content_copy(struct __sk_buff *skb, __u64 cookie, __u32 poff,
					    __u32 len, __u32 soff, __u8 flags, __u8 dir)
{
	__u32 done = 0, lost = 0;

	for (int i = 0; i < EW_CHUNKS_PER_PACKET && done < len; i++) {
		__u32 n = len - done < EW_CHUNK_MAX ? len - done : EW_CHUNK_MAX;

		lost += ew_content_chunk_out(skb, cookie,
					     (__u64)(poff + done) << 32 | (__u32)(soff + done), n,
					     (i == 0 ? flags : 0) | (__u32)dir << 8);
		done += n;
	}
	lost += len - done;
	if (lost)
		ew_kstat_add(EW_KSTAT_CONTENT_BYTES_LOST, lost);
}

/* The peer is in a skip network: one empty chunk says so, nothing follows. */
static __always_inline void ew_content_skipped(__u64 cookie, __u8 dir)
{
	struct ew_ev_chunk *ev;

	ev = bpf_ringbuf_reserve(&ew_content, EW_CHUNK_HDR, 0);
	if (!ev) {
		ew_kstat_inc(EW_KSTAT_RB_FULL_CONTENT);
		return;
	}
	ev->h.type = EW_EV_CONTENT_CHUNK;
	ev->h.size = EW_CHUNK_HDR;
	ev->h.cpu = bpf_get_smp_processor_id();
	ev->h.ts_ns = bpf_ktime_get_boot_ns();
	ev->cookie = cookie;
	ev->offset = 0;
	ev->len = 0;
	ev->dir = dir;
	ev->flags = EW_CHUNK_F_SKIPPED;
	bpf_ringbuf_submit(ev, ew_content_wakeup(EW_CHUNK_HDR));
}

/* Stream bytes [soff, soff + len) clipped to the capture window. */
static __always_inline __u32 ew_content_clip(__u32 soff, __u32 len)
{
	if (soff >= ew_content_flow_bytes)
		return 0;
	return len < ew_content_flow_bytes - soff ? len : ew_content_flow_bytes - soff;
}

/*
 * The socket's first data segment, at payload offset @poff of @skb. Most
 * connections send one (a request, a small upload): they get no storage.
 * Without the accepted-socket map (hooks.accept off) the stream's base
 * cannot be derived later, so it is kept now.
 */
static __always_inline void ew_content_start(struct __sk_buff *skb, struct bpf_tcp_sock *tp,
					     __u64 cookie, __u32 seq, __u32 poff)
{
	struct ew_content_sk *st;

	if (!ew_track_owners) {
		st = bpf_sk_storage_get(&ew_content_sk, tp, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (st)
			st->base = seq;
		else
			ew_kstat_inc(EW_KSTAT_CONTENT_NO_STORAGE);
	}
	ew_content_copy(skb, cookie, poff, ew_content_clip(0, skb->len - poff), 0, EW_CHUNK_F_START,
			EW_DIR_OUT);
}

/*
 * A socket without storage sends a data segment that is not its first:
 * keep its stream's base from now on. bytes_acked is sequence space, so
 * snd_una - bytes_acked stays the ISN, plus one on an accepted socket
 * (its SYN-ACK is accounted before the socket exists); the first payload
 * byte is ISN + 1. Read under the socket's lock, the two agree. The peer
 * is checked once, here.
 */
static __always_inline struct ew_content_sk *
ew_content_adopt(struct __sk_buff *skb, struct bpf_tcp_sock *tp, __u64 cookie, const __u8 daddr[16])
{
	struct ew_lpm_key key = {.prefixlen = 128};
	struct ew_content_sk *st;
	__u8 *skip;

	st = bpf_sk_storage_get(&ew_content_sk, tp, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		ew_kstat_inc(EW_KSTAT_CONTENT_NO_STORAGE);
		return NULL;
	}
	__builtin_memcpy(key.addr, daddr, 16);
	skip = bpf_map_lookup_elem(&ew_skip_nets, &key);
	if (skip && *skip) {
		st->skip = 1;
		return st;
	}
	st->base = tp->snd_una - (__u32)tp->bytes_acked + (ew_accepted_find(cookie) ? 0 : 1);
	return st;
}

/*
 * Any later packet of a socket that may still be inside its window (the
 * caller checked that some of the window is not acknowledged yet). A
 * skipped socket leaves after one storage lookup; an ACK or a FIN after
 * reading its headers.
 */
static __always_inline void ew_content_more(struct __sk_buff *skb, struct bpf_tcp_sock *tp,
					    __u32 l4off, __u32 daddr_off, __u32 daddr_len)
{
	struct ew_content_sk *st;
	__u8 daddr[16] = {};
	__u32 soff, poff, len;
	struct tcphdr tcp;
	__u64 cookie;

	st = bpf_sk_storage_get(&ew_content_sk, tp, 0, 0);
	if (st ? st->skip : !ew_track_owners)
		return;
	if (bpf_skb_load_bytes(skb, l4off, &tcp, sizeof(tcp)))
		return;
	poff = l4off + tcp.doff * 4;
	if (skb->len <= poff)
		return; /* an ACK, a FIN: no payload */
	cookie = bpf_get_socket_cookie(skb);
	if (!st) {
		if (daddr_len == 4) {
			if (bpf_skb_load_bytes(skb, daddr_off, daddr + 12, 4))
				return;
			daddr[10] = daddr[11] = 0xff;
		} else if (bpf_skb_load_bytes(skb, daddr_off, daddr, 16)) {
			return;
		}
		st = ew_content_adopt(skb, tp, cookie, daddr);
		if (!st || st->skip)
			return;
	}
	/* Before the base (a SYN's data) wraps to a huge offset: outside. */
	soff = bpf_ntohl(tcp.seq) - st->base;
	len = ew_content_clip(soff, skb->len - poff);
	if (len)
		ew_content_copy(skb, cookie, poff, len, soff, 0, EW_DIR_OUT);
}

/*
 * What a socket receives (content.inbound), from cgroup_skb/ingress: a data
 * segment of a synchronised socket whose stream is still inside the window.
 * The hook runs before TCP takes the segment, so rcv_nxt - bytes_received
 * is the sequence number of the first payload byte (bytes_received counts
 * a FIN too, but no data follows one). Nothing is stored per socket: the
 * two counters are read unlocked, so they are read again to see that no
 * other CPU moved them in between. The peer (the source) is checked per
 * packet; a skipped one's first segment says so once.
 */
static __always_inline void ew_content_in(struct __sk_buff *skb, struct bpf_tcp_sock *tp,
					  __u32 state)
{
	struct ew_lpm_key key = {.prefixlen = 128};
	__u32 base, soff, poff, len, l4off;
	__u64 rcvd, cookie;
	struct tcphdr tcp;
	struct iphdr ip;
	__u8 *skip;

	if (state != BPF_TCP_ESTABLISHED && state != BPF_TCP_FIN_WAIT1 &&
	    state != BPF_TCP_FIN_WAIT2)
		return;
	rcvd = tp->bytes_received;
	if (rcvd >= ew_content_flow_bytes)
		return;
	base = tp->rcv_nxt - (__u32)rcvd;
	if (tp->bytes_received != rcvd)
		return; /* moving under us: this segment is retransmitted or lost, no matter */
	if (skb->protocol == bpf_htons(0x0800)) {
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return;
		l4off = ip.ihl * 4;
		key.addr[10] = key.addr[11] = 0xff;
		__builtin_memcpy(key.addr + 12, &ip.saddr, 4);
	} else if (skb->protocol == bpf_htons(0x86DD)) {
		l4off = sizeof(struct ipv6hdr); /* extension headers: not followed */
		if (bpf_skb_load_bytes(skb, offsetof(struct ipv6hdr, saddr), key.addr, 16))
			return;
	} else {
		return;
	}
	if (bpf_skb_load_bytes(skb, l4off, &tcp, sizeof(tcp)))
		return;
	poff = l4off + tcp.doff * 4;
	if (skb->len <= poff)
		return; /* an ACK, a FIN: no payload */
	/* Before the base (old data) wraps to a huge offset: outside. */
	soff = bpf_ntohl(tcp.seq) - base;
	len = ew_content_clip(soff, skb->len - poff);
	if (!len)
		return;
	cookie = bpf_get_socket_cookie(skb);
	skip = bpf_map_lookup_elem(&ew_skip_nets, &key);
	if (skip && *skip) {
		if (!soff)
			ew_content_skipped(cookie, EW_DIR_IN);
		return;
	}
	ew_content_copy(skb, cookie, poff, len, soff, soff ? 0 : EW_CHUNK_F_START, EW_DIR_IN);
}

#endif /* EW_CONTENT_BPF_H */
