/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ew.h - the one ABI between the kernel programs and the agent.
 *
 * Every fact the pipeline consumes is one of these structs, whether it came
 * from the ring buffer or from a userspace source (the /proc scan, the map
 * pollers, the clock). A capture file is a sequence of them, so replay feeds
 * the pipeline exactly what a live run fed it. Only __u* types: this header
 * is included by BPF C, by the agent and by the tests that pin its layout.
 *
 * The ABI grows; it does not change. A struct only ever gains fields at its
 * end, and every event says its size, so a decoder takes an event of a newer
 * minor (it ignores the tail it does not know) and one of an older minor (it
 * zero-fills the tail that did not exist yet). A new field or a new event type
 * is a new minor (EW_ABI_MINOR); anything else is a new major, which no reader
 * of the old major takes. Every struct a capture stores is pinned by the
 * assertions at the end of this file, which the BPF compile checks too.
 */
#ifndef EW_H
#define EW_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EW_ABI_MAJOR 2
#define EW_ABI_MINOR 6

#define EW_COMM_LEN 16
/* Path buffers hold components leaf-first (see EW_F_REVPATH); the kernel
 * writes at offsets masked to EW_NAME_OFF_MASK so the verifier can bound them. */
#define EW_PATH_LEN	 512
#define EW_NAME_OFF_MASK 255
#define EW_ARGS_LEN	 512
#define EW_CGROUP_LEN	 512

/*
 * The one table of event types: the enum below, the decoder's sizes, the
 * capture reader, the metrics' labels and docs/events.md all come from it.
 * X(NAME, number, struct, size in the minor that brought it: the least a
 *   decoder takes (0: raw bytes, never decoded, fed or captured), that minor,
 *   metric label, what it says)
 */
#define EW_EVENT_TYPES(X)                                                                          \
	X(EXEC, 1, ew_ev_exec, 1616, 0, "exec", "a process replaced its image (kernel)")           \
	X(FORK, 2, ew_ev_fork, 32, 0, "fork", "a new process, not a thread (kernel)")              \
	X(EXIT, 3, ew_ev_exit, 32, 0, "exit", "the last thread of a process exited (kernel)")      \
	X(CONNECT, 4, ew_ev_sock_addr, 88, 0, "connect",                                           \
	  "connect() on a TCP or UDP socket, in the caller's context (kernel)")                    \
	X(UDP_SEND, 5, ew_ev_sock_addr, 88, 0, "udp_send",                                         \
	  "sendmsg() to an explicit address, first per (socket, peer) (kernel)")                   \
	X(UDP_RECV, 6, ew_ev_sock_addr, 88, 0, "udp_recv",                                         \
	  "recvmsg() from a peer, first per (socket, peer) (kernel)")                              \
	X(TCP_ACCEPT, 7, ew_ev_tcp_accept, 80, 0, "tcp_accept",                                    \
	  "a passive open reached ESTABLISHED, with the owner its listener had (kernel)")          \
	X(ACCEPT_OWNER, 8, ew_ev_accept_owner, 64, 0, "accept_owner",                              \
	  "another process owns an accepted socket: it closed it (kernel)")                        \
	X(TCP_CLOSE, 9, ew_ev_tcp, 80, 0, "tcp_close", "a TCP socket reached CLOSE (kernel)")      \
	X(TCP_PAYLOAD, 10, ew_ev_payload, 0, 0, "tcp_payload",                                     \
	  "first egress payload of a connect()ed TCP socket (kernel; raw bytes, never fed)")       \
	X(DNS_PAYLOAD, 11, ew_ev_payload, 0, 0, "dns_payload",                                     \
	  "a DNS response received (kernel; raw bytes, never fed)")                                \
	X(DNS_QUERY_PAYLOAD, 12, ew_ev_payload, 0, 1, "dns_query_payload",                         \
	  "a DNS query sent (kernel; raw bytes, never fed)")                                       \
	X(CONTENT_CHUNK, 13, ew_ev_chunk, 0, 2, "content_chunk",                                   \
	  "bytes a TCP socket sent, at their offset in its stream (kernel; raw bytes, never "      \
	  "fed)")                                                                                  \
	X(TLS_LINK, 14, ew_ev_tls_link, 48, 3, "tls_link",                                         \
	  "a TLS session's plaintext was tied to its socket, and which library wrote it "          \
	  "(kernel)")                                                                              \
	X(CONNECT_REFUSED, 15, ew_ev_connect_refused, 104, 4, "connect_refused",                   \
	  "an enforced workload's connect() or sendmsg() to an address no channel covers was "     \
	  "refused with EPERM (kernel)")                                                           \
	X(PROC, 32, ew_ev_exec, 1616, 0, "proc", "a process read from /proc (userspace)")          \
	X(UDP_COUNT, 33, ew_ev_udp_count, 112, 0, "udp_count",                                     \
	  "cumulative counters of one UDP (socket, peer) (userspace, from a map)")                 \
	X(TCP_COUNT, 34, ew_ev_tcp, 80, 0, "tcp_count",                                            \
	  "counters of one open TCP socket (userspace, sock_diag sweep)")                          \
	X(SWEEP_END, 35, ew_ev_sweep_end, 24, 0, "sweep_end",                                      \
	  "end of one TCP counter sweep (userspace)")                                              \
	X(CGROUP, 36, ew_ev_cgroup, 544, 0, "cgroup",                                              \
	  "a cgroup id resolved to its path (userspace)")                                          \
	X(TICK, 37, ew_ev_tick, 24, 0, "tick", "the clock: boottime and wall time (userspace)")    \
	X(KSTATS_V0, 38, ew_ev_kstats_v0, 88, 0, "kstats_v0",                                      \
	  "the kernel's drop counters in the ABI 2.0 layout (old captures; read as kstats)")       \
	X(PEER_NAME, 39, ew_ev_peer_name, 288, 0, "peer_name",                                     \
	  "the name a TCP payload gave its socket's peer (derived from tcp_payload)")              \
	X(DNS_ANSWER, 40, ew_ev_dns_answer, 296, 0, "dns_answer",                                  \
	  "one address of a DNS response, or why none (derived from dns_payload)")                 \
	X(KSTATS, 41, ew_ev_kstats, 24, 1, "kstats",                                               \
	  "the kernel's drop counters, with their count (userspace, from a map)")                  \
	X(DNS_QUERY, 42, ew_ev_dns_query, 304, 1, "dns_query",                                     \
	  "a DNS query this host sent, so that only answers to it are believed (derived "          \
	  "from dns_query_payload)")                                                               \
	X(CONTENT_HITS, 43, ew_ev_content_hits, 128, 2, "content_hits",                            \
	  "validated matches of one data category in a flow's bytes, with the people they name "   \
	  "as keyed hashes (derived from content_chunk)")                                          \
	X(CONTENT_STATUS, 44, ew_ev_content_status, 40, 2, "content_status",                       \
	  "how much of a flow's stream was inspected, and why not all (derived from "              \
	  "content_chunk)")                                                                        \
	X(POLICY, 45, ew_ev_policy, 56, 5, "policy",                                               \
	  "the policy in force from here on, by its file's SHA-256 (userspace, at start and at "   \
	  "each applied reload)")

enum ew_event_type {
#define EW_X(name, num, st, min, minor, label, doc) EW_EV_##name = num,
	EW_EVENT_TYPES(EW_X)
#undef EW_X
	    EW_EV_TYPE_MAX = 46 /* one past the highest number above */
};

/* ew_event_hdr.ts_ns is CLOCK_BOOTTIME (bpf_ktime_get_boot_ns). */
struct ew_event_hdr {
	__u16 type;
	__u16 size; /* of the whole event, header included */
	__u32 cpu;
	__u64 ts_ns;
};

/* Who was running when a process-context hook fired. */
struct ew_task {
	__u32 tgid;
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u64 cgroup_id; /* cgroup v2 id */
	char comm[EW_COMM_LEN];
};

/* Addresses are always 16 bytes, IPv4 as ::ffff:a.b.c.d; ports host order. */
#define EW_AF_INET  4
#define EW_AF_INET6 6

#define EW_IPPROTO_TCP 6
#define EW_IPPROTO_UDP 17

/* EW_EV_CONNECT, EW_EV_UDP_SEND, EW_EV_UDP_RECV: a process addressed a peer. */
struct ew_ev_sock_addr {
	struct ew_event_hdr h;
	struct ew_task task;
	__u64 cookie;
	__u8 raddr[16];
	__u16 rport;
	__u8 proto;  /* EW_IPPROTO_* */
	__u8 family; /* socket family: EW_AF_* (an AF_INET6 socket may carry v4-mapped) */
	__u32 _pad;
	/* 2.1 */
	__u64 netns; /* the socket's network namespace cookie; 0: unknown (ABI 2.0) */
};

/*
 * EW_EV_CONNECT_REFUSED (2.4): the hook refused a connect() (or a UDP
 * sendmsg() to an explicit address) of a process an "enforce" workload
 * selects, to an address outside the allowed set (agent/kernel/enforce.c).
 * workloads: bit i for the i-th enforced workload of the policy, in policy
 * order, that selected the caller.
 */
enum ew_refuse_reason {
	EW_REFUSE_UNCOVERED = 1, /* no channel's networks or countries, nor a domestic or
				    private network, hold the address */
	EW_REFUSE_MAX
};

struct ew_ev_connect_refused {
	struct ew_event_hdr h;
	struct ew_task task;
	__u64 cookie;
	__u8 raddr[16];
	__u16 rport;
	__u8 proto;  /* EW_IPPROTO_* */
	__u8 family; /* socket family: EW_AF_* */
	__u8 reason; /* enum ew_refuse_reason */
	__u8 _pad[3];
	__u64 netns;
	__u64 workloads;
};

/*
 * Enforcement maps (filled by agent/kernel/enforce.c; empty: monitor only).
 * ew_enf_exe: an executable file (s_dev in the kernel's encoding, MAJOR << 20
 * | MINOR, and inode) to the enforced workloads whose executable glob named
 * it; ew_enf_cg: a cgroup id to those whose cgroup selectors match it, found
 * on the caller's cgroup or its ancestors. The single ew_enf_cfg slot says
 * which workloads are on and which selector kinds each needs: a workload
 * applies when every kind it needs matched.
 */
#define EW_ENF_MAX_WORKLOADS 64
#define EW_ENF_CG_DEPTH	     16 /* cgroup levels looked at, the caller's included */
struct ew_enf_exe_key {
	__u64 dev;
	__u64 ino;
};

struct ew_enf_cfg {
	__u64 active;	/* workloads enforced; 0: nothing is (one array lookup per connect) */
	__u64 need_exe; /* workloads with an executable selector */
	__u64 need_cg;	/* workloads with a cgroup, systemd_unit or container_id selector */
};

/* ew_ev_tcp.flags */
#define EW_TCP_F_FIN_IN	       0x1 /* the peer's FIN was received (counted in bytes_received) */
#define EW_TCP_F_FIN_OUT_ACKED 0x2 /* our FIN was acked (counted in bytes_acked) */
#define EW_TCP_F_SENT	       0x4 /* bytes_sent and bytes_retrans are set (2.1) */
/* (2.1) The kernel's bytes_sent was more than can have left: it counts again a
 * send the host dropped itself (a full qdisc), which goes again as new data.
 * bytes_sent is then bytes_retrans plus the sequence space acknowledged or in
 * flight, FIN out, which holds an active opener's SYN. */
#define EW_TCP_F_SENT_BOUND 0x8

/* EW_EV_TCP_ACCEPT, EW_EV_TCP_CLOSE, EW_EV_TCP_COUNT: a TCP socket's state.
 * bytes_* are the kernel's tcp_sock counters, sequence space (SYN/FIN count
 * one each); the flow stage turns them into payload bytes. */
struct ew_ev_tcp {
	struct ew_event_hdr h;
	__u64 cookie;
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport;
	__u16 rport;
	__u8 family; /* EW_AF_* of the socket */
	__u8 oldstate;
	__u8 newstate;
	__u8 flags; /* EW_TCP_F_* */
	__u64 bytes_acked;
	__u64 bytes_received;
	/* 2.1 */
	__u64 netns;	     /* the socket's network namespace cookie; 0: unknown */
	__u64 bytes_sent;    /* payload bytes sent, retransmissions included */
	__u64 bytes_retrans; /* of which retransmitted */
};

/*
 * EW_EV_TCP_ACCEPT: a passive open, and since 2.1 its owner as the
 * listener's storage had it (owner.tgid 0: none). ABI 2.0 events end after
 * the ew_ev_tcp part and decode with no owner.
 */
struct ew_ev_tcp_accept {
	struct ew_ev_tcp tcp;
	/* 2.1 */
	struct ew_task owner;
	__u8 how; /* enum ew_owner_how */
	__u8 _pad[7];
};

/* ew_ev_accept_owner.how: how the owner of an accepted socket was found. */
enum ew_owner_how {
	EW_OWNER_ACCEPT = 0,   /* accept() returned it (ABI 2.0 captures: a syscall hook) */
	EW_OWNER_LISTENER = 1, /* the listening socket's owner, taken at listen() */
	EW_OWNER_SCAN = 2,     /* a listener older than the agent, found by the start scan */
	EW_OWNER_CLOSER = 3,   /* the process that closed or shut the socket down */
	EW_OWNER_HOW_MAX
};

/* EW_EV_ACCEPT_OWNER: this process owns accepted socket @cookie. */
struct ew_ev_accept_owner {
	struct ew_event_hdr h;
	struct ew_task task;
	__u64 cookie;
	/* 2.1 */
	__u8 how; /* enum ew_owner_how */
	__u8 _pad[7];
};

/*
 * The owner of a listening socket (map ew_listeners, by the listener's socket
 * cookie): taken in the kernel when the socket enters LISTEN, in the
 * listen() caller's context, or written by the agent's start scan for a
 * listener older than the agent. Not in captures: TCP_ACCEPT carries it.
 */
struct ew_listener {
	struct ew_task task;
	__u32 netns; /* the listener's network namespace (inode number) */
	__u16 lport; /* host order */
	__u8 how;    /* EW_OWNER_LISTENER or EW_OWNER_SCAN */
	__u8 _pad;
};

/* ew_ev_exec.flags */
#define EW_F_REVPATH	  0x1 /* exe and cgroup hold NUL-terminated components, leaf first */
#define EW_F_EXE_TRUNC	  0x2 /* the path had more components than fit */
#define EW_F_ARGS_TRUNC	  0x4 /* the command line was longer than EW_ARGS_LEN */
#define EW_F_CG_TRUNC	  0x8
#define EW_F_EXE_FALLBACK 0x10 /* exe is the execve() filename, not the resolved file */

/* EW_EV_EXEC and EW_EV_PROC: everything needed to name a process later,
 * taken at exec time because a short-lived process leaves no /proc entry. */
struct ew_ev_exec {
	struct ew_event_hdr h;
	struct ew_task task;
	__u32 ppid;
	__u32 flags;	      /* EW_F_* */
	__u64 start_boottime; /* task->start_boottime, ns: with tgid, names the process */
	__u16 exe_len;	      /* bytes used in exe, NULs included */
	__u16 args_len;	      /* bytes used in args: argv joined by NUL */
	__u16 cgroup_len;
	__u16 _pad;
	char exe[EW_PATH_LEN];
	char args[EW_ARGS_LEN];
	char cgroup[EW_CGROUP_LEN];
};

/* EW_EV_FORK */
struct ew_ev_fork {
	struct ew_event_hdr h;
	__u32 parent_tgid;
	__u32 child_tgid;
	__u64 child_start_boottime;
};

/* EW_EV_EXIT */
struct ew_ev_exit {
	struct ew_event_hdr h;
	__u32 tgid;
	__u32 exit_code;
	__u64 start_boottime;
};

/* In-kernel UDP accounting: one entry per (socket, peer), read by the agent. */
struct ew_udp_key {
	__u64 cookie;
	__u8 raddr[16];
	__u16 rport;
	__u16 _pad[3];
};

struct ew_udp_val {
	__u8 laddr[16];
	__u16 lport;
	__u8 family;
	__u8 _pad[5];
	__u64 bytes_out;
	__u64 bytes_in;
	__u64 pkts_out;
	__u64 pkts_in;
	__u64 last_ns;
};

/* EW_EV_UDP_COUNT: one map entry as the poller read it (cumulative). */
struct ew_ev_udp_count {
	struct ew_event_hdr h;
	struct ew_udp_key key;
	struct ew_udp_val val;
};

/* EW_EV_SWEEP_END: TCP sockets not reported since started_ns are gone. */
struct ew_ev_sweep_end {
	struct ew_event_hdr h;
	__u64 started_ns;
	/* 2.1: the network namespace (cookie) swept; 0, as every ABI 2.0 sweep:
	 * the agent's own, taken for all. */
	__u64 netns;
};

/* EW_EV_CGROUP */
struct ew_ev_cgroup {
	struct ew_event_hdr h;
	__u64 cgroup_id;
	__u16 path_len;
	__u16 _pad[3];
	char path[EW_CGROUP_LEN]; /* forward, "/system.slice/x.service" */
};

/* EW_EV_TICK: hdr.ts_ns (boottime) and the wall clock read together. */
struct ew_ev_tick {
	struct ew_event_hdr h;
	__u64 realtime_ns;
};

/*
 * EW_EV_TCP_PAYLOAD and EW_EV_DNS_PAYLOAD: a bounded copy of one packet's
 * payload. The only variable-size events: h.size = EW_PAYLOAD_HDR + len.
 */
#define EW_PAYLOAD_MAX 2048
struct ew_ev_payload {
	struct ew_event_hdr h;
	__u64 cookie;
	__u8 raddr[16]; /* the peer: TCP destination, or the DNS server */
	__u16 rport;
	__u16 len;	/* bytes in data */
	__u32 wire_len; /* the packet's payload length, maybe more than len */
	__u16 lport;	/* this host's port */
	__u16 _pad[3];
	__u8 data[EW_PAYLOAD_MAX];
};
#define EW_PAYLOAD_HDR 56 /* offsetof(struct ew_ev_payload, data) */

/*
 * EW_EV_CONTENT_CHUNK: up to EW_CHUNK_MAX bytes of the payload a TCP socket
 * sent, at their offset in its stream. Raw: only the content engine reads
 * them; what it derives (content_hits, content_status) goes on. The only
 * other variable-size event: h.size = EW_CHUNK_HDR + len.
 */
#define EW_CHUNK_MAX 4096
#define EW_DIR_OUT   0 /* this host sent the bytes */
#define EW_DIR_IN    1 /* this host received them */
struct ew_ev_chunk {
	struct ew_event_hdr h;
	__u64 cookie;
	__u32 offset; /* of data[0], in payload bytes after the stream's first, mod 2^32 */
	__u16 len;    /* bytes in data */
	__u8 dir;     /* EW_DIR_* */
	__u8 flags;   /* EW_CHUNK_F_* */
	__u8 data[EW_CHUNK_MAX];
};
#define EW_CHUNK_HDR 32 /* offsetof(struct ew_ev_chunk, data) */
/* ew_ev_chunk.flags */
#define EW_CHUNK_F_START   0x1 /* from the socket's first data segment: the stream starts here */
#define EW_CHUNK_F_SKIPPED 0x2 /* no data: the peer is in a skip network, nothing will follow */
/* Plaintext a TLS library was handed (tls.bpf.c), not the bytes on the wire:
 * offsets count plaintext from the first write the agent saw of the session. */
#define EW_CHUNK_F_TLS 0x4
/* The write went on past this chunk (content.write_bytes): the bytes up to
 * the next chunk were left out on purpose, not lost. */
#define EW_CHUNK_F_CUT 0x8

/*
 * EW_EV_TLS_LINK: the first write (or read) of a TLS session met its socket,
 * so its plaintext goes to that flow from now on. Once per session.
 */
#define EW_TLS_LIB_LEN 16
/*
 * The attach cookie of a TLS probe: the target's index (its library name in
 * ew_tls_libs) above EW_TLS_COOKIE_SHIFT, and how the function takes its
 * length: an int (SSL_write, PR_Write) or a size_t; for *_read_ex, the
 * count comes back through the fourth argument.
 */
#define EW_TLS_COOKIE_SHIFT 8
#define EW_TLS_COOKIE_INT   0x1
#define EW_TLS_COOKIE_EX    0x2
#define EW_TLS_COOKIE_NSPR  0x4 /* NSPR I/O: only a layered descriptor (NSS's SSL layer) is TLS */
#define EW_TLS_TARGETS_MAX  1024
struct ew_ev_tls_link {
	struct ew_event_hdr h;
	__u64 cookie;
	__u32 tgid;
	__u8 dir;  /* EW_DIR_* of the call that linked it */
	__u8 skip; /* the peer is in a skip network: its plaintext is not taken */
	__u8 _pad[2];
	char library[EW_TLS_LIB_LEN]; /* "openssl-3.0", "gnutls-3.7", ...: NUL-terminated */
};

/* How much of one direction of a flow the content engine saw. */
enum ew_inspection {
	EW_INSPECT_NONE,      /* nothing was inspected */
	EW_INSPECT_COMPLETE,  /* every byte the flow sent, decoded as the application meant it */
	EW_INSPECT_TRUNCATED, /* a part was: reason says why the rest was not */
	EW_INSPECT_ENCRYPTED, /* TLS: its plaintext is the TLS stage's */
	EW_INSPECT_MAX
};

/* Why a flow was not inspected in full; each has a counter. */
#define EW_INSPECT_REASONS(X)                                                                      \
	X(NONE, "none", "inspected in full")                                                       \
	X(FLOW_BYTES, "flow_bytes", "the flow sent more than content.flow_bytes")                  \
	X(MAX_STREAMS, "max_streams", "content.max_streams flows were being inspected already")    \
	X(GAP, "gap", "bytes of the stream never reached the agent (ring buffer full)")            \
	X(STARTED_BEFORE, "started_before", "the flow sent data before the agent saw it start")    \
	X(SKIPPED, "skipped", "the peer is in a network the policy does not inspect")              \
	X(DECODE_LIMIT, "decode_limit", "a decoded body passed its bound (content.decoded_bytes)") \
	X(DECODE_ERROR, "decode_error", "a body's encoding was corrupt (gzip, chunked)")           \
	X(DISABLED, "disabled", "content inspection is switched off")                              \
	X(UDP, "udp", "UDP payloads are not inspected")                                            \
	X(PENDING, "pending", "the flow is open: its bytes are still being inspected")             \
	X(WRITE_BYTES, "write_bytes",                                                              \
	  "TLS writes longer than content.write_bytes were taken in part")

enum ew_inspect_reason {
#define EW_X(name, label, help) EW_REASON_##name,
	EW_INSPECT_REASONS(EW_X)
#undef EW_X
	    EW_REASON_MAX
};

/* A category's class, which decides the route its export needs (REGULATION.md). */
enum ew_class {
	EW_CLASS_PI = 1,
	EW_CLASS_SENSITIVE_PI = 2,
	EW_CLASS_IMPORTANT_DATA = 3,
};

/* How a flow came to carry a category (egresswatch.categories[].via). */
enum ew_via {
	EW_VIA_CONTENT = 1,	/* recognised in its bytes */
	EW_VIA_WORKLOAD = 2,	/* the policy labels its process */
	EW_VIA_DESTINATION = 3, /* the policy labels its peer */
};

/*
 * EW_EV_CONTENT_HITS: validated matches of one category in a flow since the
 * previous such event for it, and up to EW_HIT_SUBJECTS people they name
 * (keyed hashes, distinct within the event: more people, more events).
 * Never a raw value.
 */
#define EW_CATEGORY_LEN 32
#define EW_HIT_SUBJECTS 8
struct ew_ev_content_hits {
	struct ew_event_hdr h;
	__u64 cookie;
	char category[EW_CATEGORY_LEN]; /* taxonomy id, NUL-terminated */
	__u32 matches;
	__u8 dir; /* EW_DIR_* */
	__u8 via; /* enum ew_via */
	__u8 n_subjects;
	__u8 cls;			 /* enum ew_class of the category, as the taxonomy had it */
	__u64 subjects[EW_HIT_SUBJECTS]; /* [0, n_subjects): HMAC-SHA-256, first 8 bytes */
};

/* EW_EV_CONTENT_STATUS: one direction of a flow, as inspected so far. */
struct ew_ev_content_status {
	struct ew_event_hdr h;
	__u64 cookie;
	__u64 bytes; /* stream bytes the engine inspected */
	__u8 dir;    /* EW_DIR_* */
	__u8 status; /* enum ew_inspection */
	__u8 reason; /* enum ew_inspect_reason */
	__u8 _pad[5];
};

/* Where a peer's name came from, weakest first: a stronger source wins. */
enum ew_name_source {
	EW_NAME_NONE,
	EW_NAME_DNS,
	EW_NAME_HTTP_HOST,
	EW_NAME_SNI,
	EW_NAME_SOURCE_MAX
};

/* What parsing untrusted bytes gave. */
enum ew_parse_result {
	EW_PARSE_OK,	/* a name (or, for DNS, an address) */
	EW_PARSE_NONE,	/* well formed, no name: a ClientHello without SNI, NXDOMAIN */
	EW_PARSE_SHORT, /* the copy ended inside a consistent structure */
	EW_PARSE_BAD,	/* malformed or hostile */
	EW_PARSE_OTHER, /* neither TLS nor HTTP (TCP payloads only) */
	EW_PARSE_MAX
};

#define EW_NAME_LEN 256 /* 253 characters, NUL, padding */

/* EW_EV_PEER_NAME: one per EW_EV_TCP_PAYLOAD, whatever the parse gave. */
struct ew_ev_peer_name {
	struct ew_event_hdr h;
	__u64 cookie;
	__u8 source; /* the parser that ran: EW_NAME_SNI or EW_NAME_HTTP_HOST */
	__u8 result; /* EW_PARSE_* */
	__u16 name_len;
	__u32 _pad;
	char name[EW_NAME_LEN]; /* lowercase; empty unless result is OK */
};

/* EW_EV_DNS_ANSWER: one per address of a response; a response that gave no
 * address is one event with result != OK, so counts survive a replay. */
struct ew_ev_dns_answer {
	struct ew_event_hdr h;
	__u8 addr[16];
	__u32 ttl;   /* seconds */
	__u8 result; /* EW_PARSE_* */
	__u8 _pad;
	__u16 name_len;
	char name[EW_NAME_LEN]; /* the question name the address answers */
	/* 2.1: the response's transaction; client_port 0 (ABI 2.0): unmatched */
	__u8 server[16];
	__u16 server_port;
	__u16 client_port;
	__u16 txid;
	__u16 _pad2;
};

/* EW_EV_DNS_QUERY (2.1): a DNS query this host sent, for its answer to match. */
struct ew_ev_dns_query {
	struct ew_event_hdr h;
	__u8 server[16];
	__u16 server_port;
	__u16 client_port;
	__u16 txid;
	__u8 result; /* EW_PARSE_*: OK, or why it named no question */
	__u8 _pad;
	__u16 qtype;
	__u16 name_len;
	__u32 _pad2;
	char name[EW_NAME_LEN]; /* the question, lowercase, no trailing dot */
};

/* Key of the LPM trie ew_skip_nets: prefixlen over the 128-bit form. */
struct ew_lpm_key {
	__u32 prefixlen;
	__u8 addr[16]; /* IPv4 as ::ffff:a.b.c.d */
};

/*
 * Kernel-side counters (per-CPU array ew_stats, summed by the agent), one
 * table like the events': the enum, the metric labels, and whether each one
 * counts something lost. Append only: captures store them by index.
 * X(NAME, metric label, 1 when it counts a loss, what it counts)
 *
 * A UDP datagram that finds no room in ew_udp_flows is counted twice, once
 * per unit: UDP_MAP_FULL counts the datagram, UDP_BYTES_LOST its payload
 * bytes. Only the bytes are a loss: a record's bytes plus the bytes counted
 * lost add up to the bytes sent, and counting the datagram in lost_total too
 * would count one loss twice, in two units. ABI 2.0 and early 2.1 captures
 * have no UDP_BYTES_LOST: their datagrams without room are in
 * udp_map_full_total only.
 *
 * Content bytes that never reached the engine (RB_FULL_CONTENT,
 * CONTENT_BYTES_LOST) are not losses in lost_total's sense: no record and
 * no byte of a record is missing for them. Each one is stated where it
 * matters, on its flow: inspection truncated, reason gap.
 */
#define EW_KSTATS(X)                                                                               \
	X(RB_FULL_EXEC, "ringbuf_full_exec", 1, "exec events lost: ring buffer full")              \
	X(RB_FULL_PROC, "ringbuf_full_proc", 1, "fork and exit events lost: ring buffer full")     \
	X(RB_FULL_SOCK, "ringbuf_full_sock", 1,                                                    \
	  "connect, UDP and socket-owner events lost: ring buffer full")                           \
	X(RB_FULL_TCP, "ringbuf_full_tcp", 1,                                                      \
	  "TCP accept and close events lost: ring buffer full")                                    \
	X(UDP_MAP_FULL, "udp_map_full", 0,                                                         \
	  "UDP datagrams not counted: no room in the (socket, peer) map (bytes: udp_bytes_lost)")  \
	X(SEEN_MAP_FULL, "udp_seen_map_full", 0,                                                   \
	  "UDP (socket, peer) pairs reported again because the seen map was full")                 \
	X(PATH_READ_FAIL, "path_read_fail", 0,                                                     \
	  "executables named from execve()'s argument: the path walk failed")                      \
	X(RB_FULL_PAYLOAD, "ringbuf_full_payload", 1,                                              \
	  "first payloads and DNS responses not inspected: ring buffer full")                      \
	X(PREFILTER_SKIP, "prefilter_skipped", 0,                                                  \
	  "TCP connections to skip networks (loopback, domestic) whose payload was not inspected") \
	X(LISTENER_MAP_FULL, "listener_map_full", 0,                                               \
	  "listening sockets whose owner could not be kept: their accepts have no process")        \
	X(ACCEPTED_MAP_FULL, "accepted_map_full", 0,                                               \
	  "accepted sockets whose closer cannot be told: they keep the listener's owner")          \
	X(UDP_BYTES_LOST, "udp_bytes_lost", 1,                                                     \
	  "UDP payload bytes not counted: no room in the (socket, peer) map")                      \
	X(RB_FULL_CONTENT, "ringbuf_full_content", 0,                                              \
	  "content chunks not delivered: the content ring buffer was full (their flows say gap)")  \
	X(CONTENT_BYTES_LOST, "content_bytes_uncaptured", 0,                                       \
	  "payload bytes inside content.flow_bytes that did not reach the content engine (ring "   \
	  "full, packet past the per-packet chunk bound): their flows say gap")                    \
	X(CONTENT_NO_STORAGE, "content_no_storage", 0,                                             \
	  "TCP sockets whose stream offset could not be kept (socket storage): only their first "  \
	  "segment was captured")                                                                  \
	X(TLS_UNLINKED, "tls_unlinked", 0,                                                         \
	  "TLS writes and reads whose socket could not be told: their plaintext was not taken")    \
	X(TLS_BYTES_CUT, "tls_bytes_cut", 0,                                                       \
	  "plaintext bytes of TLS writes past content.write_bytes, left out on purpose")           \
	X(RB_FULL_TLS, "ringbuf_full_tls", 0,                                                      \
	  "TLS sessions tied to their socket whose tls_link event found the ring full (their "     \
	  "records lack egresswatch.tls.library)")                                                 \
	X(CONNECT_REFUSED, "connect_refused", 0,                                                   \
	  "connects and UDP sends of enforced workloads refused (EPERM): no channel covers the "   \
	  "address (2.4)")                                                                         \
	X(RB_FULL_REFUSED, "ringbuf_full_refused", 1,                                              \
	  "refused connects whose connect_refused event found the ring full (2.4)")                \
	X(PROG_RECURSION, "prog_recursion", 0,                                                     \
	  "runs of the agent's tracing programs the kernel skipped because the same program was "  \
	  "already running on that CPU (an interrupt's softirq came in on top of it); an accept "  \
	  "or close among them ends its flow as vanished (flows_vanished_total, a loss), an exec " \
	  "or exit is read from /proc later (2.6; read by userspace from the programs' info)")

enum ew_kstat {
#define EW_X(name, label, loss, help) EW_KSTAT_##name,
	EW_KSTATS(EW_X)
#undef EW_X
	    EW_KSTAT_MAX
};

/* EW_EV_KSTATS: counters[0..count) as summed over CPUs; indexes as above. */
struct ew_ev_kstats {
	struct ew_event_hdr h;
	__u16 count;
	__u16 _pad[3];
	__u64 counters[EW_KSTAT_MAX];
};

/* EW_EV_KSTATS_V0: the ABI 2.0 layout (nine counters, no count). */
#define EW_KSTATS_V0_COUNT 9
struct ew_ev_kstats_v0 {
	struct ew_event_hdr h;
	__u64 counters[EW_KSTATS_V0_COUNT];
};

/*
 * EW_EV_POLICY: from this event on the pipeline decides under the policy
 * whose file has this SHA-256. Never from the kernel: a live run feeds one
 * at start and one after each reload it applied, right after draining the
 * ring under the old policy, so a replay switches at the same event. The
 * file's bytes are kept beside the capture (<capture>.policies/<hex>.json).
 */
#define EW_POLICY_F_START   0x1 /* the policy the run started with */
#define EW_POLICY_F_DEFAULT 0x2 /* no file: the built-in default (sha256 all zero) */
#define EW_POLICY_F_ALL	    0x3
struct ew_ev_policy {
	struct ew_event_hdr h;
	__u8 sha256[32];
	__u32 flags; /* EW_POLICY_F_* */
	__u32 _pad;
};

/*
 * Layout pins. A failing one means a struct that captures store changed
 * shape: add fields at the end instead, and bump EW_ABI_MINOR.
 */
#define EW_PIN_SIZE(st, n) _Static_assert(sizeof(struct st) == (n), "ABI: size of " #st)
#define EW_PIN_OFF(st, f, n)                                                                       \
	_Static_assert(__builtin_offsetof(struct st, f) == (n), "ABI: offset of " #st "." #f)

EW_PIN_SIZE(ew_event_hdr, 16);
EW_PIN_OFF(ew_event_hdr, size, 2);
EW_PIN_OFF(ew_event_hdr, ts_ns, 8);
EW_PIN_SIZE(ew_task, 40);
EW_PIN_OFF(ew_task, cgroup_id, 16);
EW_PIN_OFF(ew_task, comm, 24);
EW_PIN_SIZE(ew_ev_sock_addr, 96);
EW_PIN_OFF(ew_ev_sock_addr, netns, 88);
EW_PIN_OFF(ew_ev_sock_addr, cookie, 56);
EW_PIN_OFF(ew_ev_sock_addr, rport, 80);
EW_PIN_SIZE(ew_ev_tcp, 104);
EW_PIN_OFF(ew_ev_tcp, netns, 80);
EW_PIN_OFF(ew_ev_tcp, bytes_retrans, 96);
EW_PIN_OFF(ew_ev_tcp, laddr, 24);
EW_PIN_OFF(ew_ev_tcp, lport, 56);
EW_PIN_OFF(ew_ev_tcp, family, 60);
EW_PIN_OFF(ew_ev_tcp, bytes_acked, 64);
EW_PIN_SIZE(ew_ev_tcp_accept, 152);
EW_PIN_OFF(ew_ev_tcp_accept, owner, 104);
EW_PIN_OFF(ew_ev_tcp_accept, how, 144);
EW_PIN_SIZE(ew_ev_accept_owner, 72);
EW_PIN_OFF(ew_ev_accept_owner, cookie, 56);
EW_PIN_OFF(ew_ev_accept_owner, how, 64);
EW_PIN_SIZE(ew_ev_exec, 1616);
EW_PIN_OFF(ew_ev_exec, ppid, 56);
EW_PIN_OFF(ew_ev_exec, start_boottime, 64);
EW_PIN_OFF(ew_ev_exec, exe_len, 72);
EW_PIN_OFF(ew_ev_exec, exe, 80);
EW_PIN_OFF(ew_ev_exec, args, 80 + EW_PATH_LEN);
EW_PIN_OFF(ew_ev_exec, cgroup, 80 + EW_PATH_LEN + EW_ARGS_LEN);
EW_PIN_SIZE(ew_ev_fork, 32);
EW_PIN_SIZE(ew_ev_exit, 32);
EW_PIN_SIZE(ew_udp_key, 32);
EW_PIN_OFF(ew_udp_key, rport, 24);
EW_PIN_SIZE(ew_udp_val, 64);
EW_PIN_OFF(ew_udp_val, bytes_out, 24);
EW_PIN_OFF(ew_udp_val, last_ns, 56);
EW_PIN_SIZE(ew_ev_udp_count, 112);
EW_PIN_SIZE(ew_ev_sweep_end, 32);
EW_PIN_SIZE(ew_ev_cgroup, 544);
EW_PIN_OFF(ew_ev_cgroup, path, 32);
EW_PIN_SIZE(ew_ev_tick, 24);
EW_PIN_SIZE(ew_ev_kstats_v0, 16 + 8 * EW_KSTATS_V0_COUNT);
EW_PIN_OFF(ew_ev_kstats, counters, 24);
EW_PIN_SIZE(ew_ev_kstats, 24 + 8 * EW_KSTAT_MAX);
EW_PIN_OFF(ew_ev_payload, data, EW_PAYLOAD_HDR);
EW_PIN_OFF(ew_ev_chunk, data, EW_CHUNK_HDR);
EW_PIN_SIZE(ew_ev_content_hits, 128);
EW_PIN_OFF(ew_ev_content_hits, matches, 56);
EW_PIN_OFF(ew_ev_content_hits, subjects, 64);
EW_PIN_SIZE(ew_ev_content_status, 40);
EW_PIN_OFF(ew_ev_content_status, status, 33);
EW_PIN_SIZE(ew_ev_tls_link, 48);
EW_PIN_OFF(ew_ev_tls_link, library, 32);
EW_PIN_SIZE(ew_ev_peer_name, 32 + EW_NAME_LEN);
EW_PIN_OFF(ew_ev_peer_name, name, 32);
EW_PIN_SIZE(ew_ev_dns_answer, 40 + EW_NAME_LEN + 24);
EW_PIN_OFF(ew_ev_dns_answer, name, 40);
EW_PIN_OFF(ew_ev_dns_answer, txid, 40 + EW_NAME_LEN + 20);
EW_PIN_SIZE(ew_ev_dns_query, 48 + EW_NAME_LEN);
EW_PIN_OFF(ew_ev_dns_query, name, 48);
EW_PIN_SIZE(ew_lpm_key, 20);
EW_PIN_SIZE(ew_ev_connect_refused, 104);
EW_PIN_OFF(ew_ev_connect_refused, raddr, 64);
EW_PIN_OFF(ew_ev_connect_refused, reason, 84);
EW_PIN_OFF(ew_ev_connect_refused, netns, 88);
EW_PIN_OFF(ew_ev_connect_refused, workloads, 96);
EW_PIN_SIZE(ew_ev_policy, 56);
EW_PIN_OFF(ew_ev_policy, sha256, 16);
EW_PIN_OFF(ew_ev_policy, flags, 48);
EW_PIN_SIZE(ew_enf_exe_key, 16);
EW_PIN_SIZE(ew_enf_cfg, 24);
EW_PIN_SIZE(ew_listener, 48);
_Static_assert(EW_KSTAT_MAX >= EW_KSTATS_V0_COUNT, "ABI: kernel counters are append-only");

/* Each event's first size fits its struct, and its struct fits a frame. */
#define EW_X(name, num, st, min, minor, label, doc)                                                \
	_Static_assert((min) <= sizeof(struct st) && sizeof(struct st) < 65536 &&                  \
			   (minor) <= EW_ABI_MINOR && (num) < EW_EV_TYPE_MAX,                      \
		       "ABI: event table entry " #name);
EW_EVENT_TYPES(EW_X)
#undef EW_X

#endif /* EW_H */
