/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ew.h - the one ABI between the kernel programs and the agent.
 *
 * Every fact the pipeline consumes is one of these structs, whether it came
 * from the ring buffer or from a userspace source (the /proc scan, the map
 * pollers, the clock). A capture file is a sequence of them, so replay feeds
 * the pipeline exactly what a live run fed it. Only __u* types: this header
 * is included by BPF C, by the agent and by the tests that pin its layout.
 * Changing a struct means bumping EW_ABI_VERSION (capture files carry it).
 */
#ifndef EW_H
#define EW_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EW_ABI_VERSION 2

#define EW_COMM_LEN 16
/* Path buffers hold components leaf-first (see EW_F_REVPATH); the kernel
 * writes at offsets masked to EW_NAME_OFF_MASK so the verifier can bound them. */
#define EW_PATH_LEN	 512
#define EW_NAME_OFF_MASK 255
#define EW_ARGS_LEN	 512
#define EW_CGROUP_LEN	 512

enum ew_event_type {
	/* From the kernel, through the ring buffer. */
	EW_EV_EXEC = 1,		/* a process replaced its image */
	EW_EV_FORK = 2,		/* a new process (not a thread) */
	EW_EV_EXIT = 3,		/* a thread-group leader exited */
	EW_EV_CONNECT = 4,	/* connect() on a TCP or UDP socket, process context */
	EW_EV_UDP_SEND = 5,	/* sendmsg() to an explicit address, first per (socket, peer) */
	EW_EV_UDP_RECV = 6,	/* recvmsg() from a peer, first per (socket, peer) */
	EW_EV_TCP_ACCEPT = 7,	/* passive open reached ESTABLISHED (softirq: no pid) */
	EW_EV_ACCEPT_OWNER = 8, /* accept() returned a socket to a process */
	EW_EV_TCP_CLOSE = 9,	/* a TCP socket reached CLOSE: final counters */
	/* Raw bytes, consumed by the live side and never fed, captured or stored:
	 * the names parsed from them travel as EW_EV_PEER_NAME / EW_EV_DNS_ANSWER. */
	EW_EV_TCP_PAYLOAD = 10, /* first egress payload of a connect()ed TCP socket */
	EW_EV_DNS_PAYLOAD = 11, /* a DNS response (UDP source port 53) received */
	/* From userspace sources; captured like the rest so replay is exact. */
	EW_EV_PROC = 32,       /* a process read from /proc (start scan, or a miss) */
	EW_EV_UDP_COUNT = 33,  /* cumulative counters of one UDP (socket, peer) */
	EW_EV_TCP_COUNT = 34,  /* cumulative counters of one open TCP socket */
	EW_EV_SWEEP_END = 35,  /* end of one TCP counter sweep */
	EW_EV_CGROUP = 36,     /* cgroup id resolved to a path from cgroupfs */
	EW_EV_TICK = 37,       /* clock: drives timeouts, interim records, metrics */
	EW_EV_KSTATS = 38,     /* snapshot of the kernel's drop counters */
	EW_EV_PEER_NAME = 39,  /* the name a TCP payload gave its socket's peer */
	EW_EV_DNS_ANSWER = 40, /* one address of a DNS response, or why none */
	EW_EV_TYPE_MAX
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
};

/* ew_ev_tcp.flags */
#define EW_TCP_F_FIN_IN	       0x1 /* the peer's FIN was received (counted in bytes_received) */
#define EW_TCP_F_FIN_OUT_ACKED 0x2 /* our FIN was acked (counted in bytes_acked) */

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
};

/* EW_EV_ACCEPT_OWNER: accept() handed this socket to this process. */
struct ew_ev_accept_owner {
	struct ew_event_hdr h;
	struct ew_task task;
	__u64 cookie;
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
	__u8 data[EW_PAYLOAD_MAX];
};
#define EW_PAYLOAD_HDR 48 /* offsetof(struct ew_ev_payload, data) */

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
};

/* Key of the LPM trie ew_skip_nets: prefixlen over the 128-bit form. */
struct ew_lpm_key {
	__u32 prefixlen;
	__u8 addr[16]; /* IPv4 as ::ffff:a.b.c.d */
};

/* Kernel-side loss counters (per-CPU array ew_stats, summed by the agent). */
enum ew_kstat {
	EW_KSTAT_RB_FULL_EXEC,
	EW_KSTAT_RB_FULL_PROC, /* fork, exit */
	EW_KSTAT_RB_FULL_SOCK, /* connect, udp send/recv, accept owner */
	EW_KSTAT_RB_FULL_TCP,  /* accept, close */
	EW_KSTAT_UDP_MAP_FULL,
	EW_KSTAT_SEEN_MAP_FULL,
	EW_KSTAT_PATH_READ_FAIL,
	EW_KSTAT_RB_FULL_PAYLOAD, /* TCP first payloads and DNS responses */
	/* Not losses: what the pre-filter spared (see ew_skip_nets). */
	EW_KSTAT_PREFILTER_SKIP,
	EW_KSTAT_MAX
};

/* EW_EV_KSTATS */
struct ew_ev_kstats {
	struct ew_event_hdr h;
	__u64 counters[EW_KSTAT_MAX];
};

#endif /* EW_H */
