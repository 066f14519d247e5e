// SPDX-License-Identifier: GPL-2.0-only
/*
 * tls.bpf.c - the plaintext TLS libraries are handed, tied to its socket.
 *
 * One uprobe per write, at the entry of SSL_write, SSL_write_ex,
 * gnutls_record_send, PR_Write and PR_Send (buffer and length are their
 * second and third arguments): no uretprobe on the write path. The agent
 * attaches these to every library and executable it finds (agent/tls/);
 * the attach cookie says which (EW_TLS_COOKIE_*).
 *
 * Which socket a session writes to is learned without struct offsets and
 * without a hook on every system call: a write whose session is not known
 * yet is parked for its thread, and the first send on that thread big
 * enough to carry it (tp_btf/sock_send_length, which runs once per
 * sendmsg/write on a socket, after the library encrypted and sent the
 * record; smaller ones are the handshake's) names the socket, if it comes
 * within EW_TLS_PARK_NS. That send takes the parked write's plaintext and
 * ties the session to the socket's cookie, so every later write resolves
 * with one map lookup at the probe. A parked write that never meets such a
 * send (another write of the same thread parks first, the session is
 * freed, the send comes too late) is counted, never guessed.
 * Sessions are keyed by (process, session pointer) and forgotten when the
 * library frees them (SSL_free, gnutls_deinit, PR_Close): pointers are
 * reused.
 *
 * Reads (content.inbound) need the count the call returns: an entry probe
 * keeps the buffer, sock_recv_length notes the socket, and a uretprobe
 * takes the bytes.
 */
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Writes are cut at content.write_bytes, at most this many chunks. */
#define EW_TLS_CHUNKS 16

struct ew_tls_key {
	__u64 ptr; /* SSL *, gnutls_session_t, PRFileDesc * */
	__u32 tgid;
	__u32 _pad;
};

struct ew_tls_sess {
	__u64 cookie;
	__u64 off[2]; /* plaintext bytes seen per EW_DIR_*: the next chunk's offset */
	/* The latest write, to tell a non-blocking retry (the same buffer and
	 * length again, as the libraries require) from a new write: a new one
	 * follows a send on the socket big enough to have carried it. */
	__u64 last_buf, last_len;
	__u8 sent;
	__u8 skip; /* peer in a skip network: nothing is taken */
	__u8 _pad[6];
};

/*
 * A thread's TLS call waiting for a send (or a receive): a write parked
 * until a send names its socket, a write watched until a send carries it,
 * or a read in progress.
 */
enum { EW_TLS_PARKED = 1, EW_TLS_WATCHED };

struct ew_tls_call {
	__u64 ptr;
	__u64 buf;
	__u64 len;    /* writes: bytes; reads: the size_t * of *_ex, or 0 */
	__u64 cookie; /* watched writes, reads: the socket, 0 before it is known */
	__u64 ts;     /* parked writes: when */
	__u32 attach; /* the probe's attach cookie */
	__u8 skip;
	__u8 kind; /* writes: EW_TLS_PARKED, EW_TLS_WATCHED */
	__u8 _pad[2];
};

/*
 * The send that carries a parked write comes from inside the write's own
 * call, at once: one that comes later (a program that encrypts into memory
 * and sends elsewhere, or long after) cannot be told from a guess.
 */
#define EW_TLS_PARK_NS (100ull * 1000 * 1000)

/* TLS 1.2/1.3 record overhead at least (header, tag): a smaller send cannot carry a write. */
#define EW_TLS_RECORD_MIN 21

/* LRU: a session the library never frees (or freed unseen) ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ew_tls_key);
	__type(value, struct ew_tls_sess);
} ew_tls_sessions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct ew_tls_call);
} ew_tls_parked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct ew_tls_call);
} ew_tls_reading SEC(".maps");

/*
 * How many entries ew_tls_parked holds (counted as they are made and
 * deleted, all by the thread whose key it is): while it is 0, a send of any
 * socket on the host needs no lookup, about 0.15 us per send.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ew_tls_parked_n SEC(".maps");

/* Library names by target (attach cookie >> EW_TLS_COOKIE_SHIFT), from the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EW_TLS_TARGETS_MAX);
	__type(key, __u32);
	__type(value, char[EW_TLS_LIB_LEN]);
} ew_tls_libs SEC(".maps");

/* Its own scratch: a softirq's cgroup_skb program may interrupt a probe. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ew_ev_chunk);
} ew_tls_scratch SEC(".maps");

const volatile bool ew_tls_on = false;
const volatile bool ew_tls_in_on = false;
const volatile __u32 ew_tls_write_bytes = 16384;

/*
 * One chunk of user memory: @n (1..EW_CHUNK_MAX) bytes at @buf, stream
 * offset @off, direction @flags >> 8. Global, so it is verified once.
 * Return: 0, or the bytes lost.
 */
__noinline int ew_tls_chunk_out(__u64 cookie, __u64 buf, __u32 off, __u32 n, __u32 flags)
{
	__u64 len = n; /* 64-bit: a 32-bit bound check leaves the register unbounded */
	struct ew_ev_chunk *ev;
	__u32 zero = 0;

	ev = bpf_map_lookup_elem(&ew_tls_scratch, &zero);
	barrier_var(len);
	if (!ev || len < 1 || len > EW_CHUNK_MAX)
		return n;
	if (bpf_probe_read_user(ev->data, len, (const void *)buf))
		return n;
	return ew_chunk_send(ev, cookie, off, len, flags);
}

/*
 * @len bytes at @buf sit at plaintext offset @off of direction @dir: take
 * the first content.write_bytes of them that fall inside content.flow_bytes.
 */
static __always_inline void tls_take(__u64 cookie, __u64 off, __u64 buf, __u64 len, __u8 dir)
{
	__u32 take, done = 0, lost = 0, flags;

	if (off >= ew_content_flow_bytes)
		return;
	take = len < ew_tls_write_bytes ? len : ew_tls_write_bytes;
	if (take > ew_content_flow_bytes - off)
		take = ew_content_flow_bytes - off;
	if (take < len && off + take < ew_content_flow_bytes)
		ew_kstat_add(EW_KSTAT_TLS_BYTES_CUT, len - take);
	for (int i = 0; i < EW_TLS_CHUNKS && done < take; i++) {
		__u32 n = take - done < EW_CHUNK_MAX ? take - done : EW_CHUNK_MAX;

		flags = EW_CHUNK_F_TLS | (__u32)dir << 8;
		if (!off && !done)
			flags |= EW_CHUNK_F_START;
		if (done + n == take && take < len)
			flags |= EW_CHUNK_F_CUT;
		lost += ew_tls_chunk_out(cookie, buf + done, (__u32)off + done, n, flags);
		done += n;
	}
	lost += take - done;
	if (lost)
		ew_kstat_add(EW_KSTAT_CONTENT_BYTES_LOST, lost);
}

/* Is @sk's peer in a skip network (loopback, domestic)? */
static __always_inline bool tls_peer_skipped(struct sock *sk)
{
	struct ew_lpm_key key = {.prefixlen = 128};
	__u8 *skip;

	if (sk->__sk_common.skc_family == EW_AF_INET6_K)
		__builtin_memcpy(key.addr, &sk->__sk_common.skc_v6_daddr, 16);
	else
		ew_addr_v4mapped(key.addr, sk->__sk_common.skc_daddr);
	skip = bpf_map_lookup_elem(&ew_skip_nets, &key);
	return skip && *skip;
}

/*
 * The session @call came from is on the TCP socket @cookie from now on:
 * keep that, and say so (with the library) to the agent.
 */
static __always_inline struct ew_tls_sess *tls_link(const struct ew_tls_call *call, __u64 cookie,
						    __u8 skip, __u8 dir)
{
	struct ew_tls_key key = {.ptr = call->ptr, .tgid = bpf_get_current_pid_tgid() >> 32};
	struct ew_tls_sess sess = {.cookie = cookie, .skip = skip};
	__u32 target = call->attach >> EW_TLS_COOKIE_SHIFT;
	struct ew_ev_tls_link *ev;
	char *lib;

	if (bpf_map_update_elem(&ew_tls_sessions, &key, &sess, BPF_ANY))
		return NULL;
	ev = ew_reserve(sizeof(*ev), EW_EV_TLS_LINK, EW_KSTAT_RB_FULL_TLS);
	if (ev) {
		ev->cookie = cookie;
		ev->tgid = key.tgid;
		ev->dir = dir;
		ev->skip = skip;
		ev->_pad[0] = ev->_pad[1] = 0;
		lib = bpf_map_lookup_elem(&ew_tls_libs, &target);
		if (lib)
			__builtin_memcpy(ev->library, lib, EW_TLS_LIB_LEN);
		else
			__builtin_memset(ev->library, 0, EW_TLS_LIB_LEN);
		ew_submit(ev);
	}
	return bpf_map_lookup_elem(&ew_tls_sessions, &key);
}

/*
 * NSPR's PR_Write and PR_Read serve files, pipes and plain sockets too; NSS
 * puts its SSL layer on top of a socket as a layered descriptor. Public,
 * stable layouts (prio.h): PRFileDesc starts with its methods, and
 * PRIOMethods with the descriptor's type.
 */
#define EW_PR_DESC_LAYERED 4

static __always_inline __u64 *tls_parked_count(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ew_tls_parked_n, &zero);
}

/* Parks @call for this thread, counting a new entry. */
static __always_inline void tls_park(__u64 *id, const struct ew_tls_call *call)
{
	__u64 *n = tls_parked_count();
	long err;

	err = bpf_map_update_elem(&ew_tls_parked, id, call, BPF_NOEXIST);
	if (!err) {
		if (n)
			__sync_fetch_and_add(n, 1);
	} else if (err == -EW_EEXIST) {
		bpf_map_update_elem(&ew_tls_parked, id, call, BPF_EXIST);
	}
}

static __always_inline void tls_unpark(__u64 *id)
{
	__u64 *n = tls_parked_count();

	if (!bpf_map_delete_elem(&ew_tls_parked, id) && n)
		__sync_fetch_and_add(n, (__u64)-1);
}

static __always_inline bool tls_nspr_layered(const void *fd)
{
	__u64 methods = 0;
	__u32 type = 0;

	if (bpf_probe_read_user(&methods, sizeof(methods), fd) || !methods ||
	    bpf_probe_read_user(&type, sizeof(type), (const void *)methods))
		return false;
	return type == EW_PR_DESC_LAYERED;
}

/* A length argument as the function declares it: int or size_t. */
static __always_inline __s64 tls_len(__u64 reg, __u32 attach)
{
	return attach & EW_TLS_COOKIE_INT ? (__s64)(__s32)reg : (__s64)reg;
}

/* Could a send of @sent bytes have carried a write of @len plaintext bytes? */
static __always_inline bool tls_carried(__s64 sent, __u64 len)
{
	if (len > 16384)
		len = 16384; /* one record's worth: the rest may follow in more sends */
	return sent > 0 && (__u64)sent >= len + EW_TLS_RECORD_MIN;
}

SEC("uprobe")
int BPF_KPROBE(ew_tls_write, void *session, const void *buf, __u64 len_reg)
{
	__u32 attach = (__u32)bpf_get_attach_cookie(ctx);
	__u64 id = bpf_get_current_pid_tgid();
	struct ew_tls_key key = {.ptr = (__u64)session, .tgid = id >> 32};
	struct ew_tls_call call = {}, *old;
	__s64 len = tls_len(len_reg, attach);
	struct ew_tls_sess *s;
	__u64 off;

	if (!ew_tls_on || len <= 0 || ew_is_self())
		return 0;
	if ((attach & EW_TLS_COOKIE_NSPR) && !tls_nspr_layered(session))
		return 0;
	call.ptr = key.ptr;
	call.buf = (__u64)buf;
	call.len = (__u64)len;
	call.attach = attach;
	s = bpf_map_lookup_elem(&ew_tls_sessions, &key);
	if (s) {
		if (s->skip)
			return 0;
		if (s->last_buf == call.buf && s->last_len == call.len && !s->sent)
			return 0; /* a retry: its bytes were taken the first time */
		s->last_buf = call.buf;
		s->last_len = call.len;
		s->sent = 0;
		off = __sync_fetch_and_add(&s->off[EW_DIR_OUT], (__u64)len);
		tls_take(s->cookie, off, call.buf, call.len, EW_DIR_OUT);
		call.kind = EW_TLS_WATCHED;
		call.cookie = s->cookie;
		tls_park(&id, &call);
		return 0;
	}
	/* A write parked before on this thread never met a send: it is lost. */
	old = bpf_map_lookup_elem(&ew_tls_parked, &id);
	if (old && old->kind == EW_TLS_PARKED &&
	    !(old->ptr == call.ptr && old->buf == call.buf && old->len == call.len))
		ew_kstat_inc(EW_KSTAT_TLS_UNLINKED);
	call.kind = EW_TLS_PARKED;
	call.ts = bpf_ktime_get_ns();
	tls_park(&id, &call);
	return 0;
}

/* A send of a thread with a watched write: did it carry the write? */
static __always_inline void tls_watch(struct ew_tls_call *p, __u64 id, struct sock *sk, int ret)
{
	struct ew_tls_key key = {.ptr = p->ptr, .tgid = id >> 32};
	struct ew_tls_sess *s;

	if (!tls_carried(ret, p->len) || bpf_get_socket_cookie(sk) != p->cookie)
		return;
	s = bpf_map_lookup_elem(&ew_tls_sessions, &key);
	if (s && s->last_buf == p->buf && s->last_len == p->len)
		s->sent = 1;
	tls_unpark(&id);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(ew_tls_send, struct sock *sk, int ret, int flags)
{
	struct ew_tls_call *p, call;
	struct ew_tls_sess *s;
	__u64 cookie, id, *n;
	__u8 skip;

	/* No thread of the host has a TLS write waiting: most sends. */
	n = tls_parked_count();
	if (n && !*n)
		return 0;
	id = bpf_get_current_pid_tgid();
	p = bpf_map_lookup_elem(&ew_tls_parked, &id);
	if (!p)
		return 0;
	if (!sk || sk->sk_protocol != IPPROTO_TCP) {
		if (p->kind == EW_TLS_PARKED) {
			tls_unpark(&id);
			ew_kstat_inc(EW_KSTAT_TLS_UNLINKED);
		}
		return 0;
	}
	if (p->kind == EW_TLS_WATCHED) {
		tls_watch(p, id, sk, ret);
		return 0;
	}
	call = *p;
	if (bpf_ktime_get_ns() - call.ts > EW_TLS_PARK_NS) {
		tls_unpark(&id);
		ew_kstat_inc(EW_KSTAT_TLS_UNLINKED);
		return 0;
	}
	/* Too small to carry it: a handshake message the write's call sent first. */
	if (!tls_carried(ret, call.len))
		return 0;
	cookie = bpf_get_socket_cookie(sk);
	skip = tls_peer_skipped(sk);
	s = tls_link(&call, cookie, skip, EW_DIR_OUT);
	if (!s) {
		tls_unpark(&id);
		ew_kstat_inc(EW_KSTAT_TLS_UNLINKED);
		return 0;
	}
	if (skip) {
		tls_unpark(&id);
		return 0;
	}
	s->last_buf = call.buf;
	s->last_len = call.len;
	s->sent = 1;
	__sync_fetch_and_add(&s->off[EW_DIR_OUT], call.len);
	tls_take(cookie, 0, call.buf, call.len, EW_DIR_OUT);
	tls_unpark(&id);
	return 0;
}

/* The library let go of a session: its pointer may name another one next. */
SEC("uprobe")
int BPF_KPROBE(ew_tls_free, void *session)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ew_tls_key key = {.ptr = (__u64)session, .tgid = id >> 32};
	struct ew_tls_call *p;

	if (!ew_tls_on)
		return 0;
	bpf_map_delete_elem(&ew_tls_sessions, &key);
	p = bpf_map_lookup_elem(&ew_tls_parked, &id);
	if (p && p->ptr == key.ptr) {
		tls_unpark(&id);
		ew_kstat_inc(EW_KSTAT_TLS_UNLINKED);
	}
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ew_tls_read, void *session, void *buf, __u64 num, void *readbytes)
{
	__u32 attach = (__u32)bpf_get_attach_cookie(ctx);
	__u64 id = bpf_get_current_pid_tgid();
	struct ew_tls_call call = {};

	if (!ew_tls_in_on || ew_is_self())
		return 0;
	if ((attach & EW_TLS_COOKIE_NSPR) && !tls_nspr_layered(session))
		return 0;
	call.ptr = (__u64)session;
	call.buf = (__u64)buf;
	call.len = attach & EW_TLS_COOKIE_EX ? (__u64)readbytes : 0;
	call.attach = attach;
	bpf_map_update_elem(&ew_tls_reading, &id, &call, BPF_ANY);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(ew_tls_recv, struct sock *sk, int ret, int flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ew_tls_call *p;

	p = bpf_map_lookup_elem(&ew_tls_reading, &id);
	if (!p || p->cookie || !sk || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	p->skip = tls_peer_skipped(sk);
	p->cookie = bpf_get_socket_cookie(sk);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ew_tls_read_ret, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ew_tls_call *p, call;
	struct ew_tls_key key;
	struct ew_tls_sess *s;
	__u64 n = 0, off;
	__s64 r;

	p = bpf_map_lookup_elem(&ew_tls_reading, &id);
	if (!p)
		return 0;
	call = *p;
	bpf_map_delete_elem(&ew_tls_reading, &id);
	if (call.attach & EW_TLS_COOKIE_EX) {
		if ((int)ret != 1 || bpf_probe_read_user(&n, sizeof(n), (const void *)call.len))
			return 0;
	} else {
		r = tls_len((__u64)ret, call.attach);
		if (r <= 0)
			return 0;
		n = (__u64)r;
	}
	if (!n)
		return 0;
	key.ptr = call.ptr;
	key.tgid = id >> 32;
	key._pad = 0;
	s = bpf_map_lookup_elem(&ew_tls_sessions, &key);
	if (!s && call.cookie)
		s = tls_link(&call, call.cookie, call.skip, EW_DIR_IN);
	if (!s) {
		ew_kstat_inc(EW_KSTAT_TLS_UNLINKED);
		return 0;
	}
	if (s->skip)
		return 0;
	off = __sync_fetch_and_add(&s->off[EW_DIR_IN], n);
	tls_take(s->cookie, off, call.buf, n, EW_DIR_IN);
	return 0;
}
