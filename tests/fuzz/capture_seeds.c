// SPDX-License-Identifier: GPL-2.0-only
/*
 * capture_seeds OUTDIR - small well-formed captures for fuzz_capture to
 * start from, one per kind of story the pipeline tells: processes and their
 * flows, peer names, events of the older ABI minor, a long flow with
 * interim records. Written at build time so they follow the ABI.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/policy_store.h"
#include "pipeline/capture.h"
#include "synth.h"

#define NS   1000000000ull
#define BOOT (1000 * NS)
#define REAL 1764547200000000000ull /* 2025-12-01T00:00:00Z */

static struct ew_capture *cap;

static void put(const void *ev, size_t len)
{
	if (ew_capture_write(cap, ev, len)) {
		fprintf(stderr, "capture_seeds: write failed\n");
		exit(1);
	}
}

static void open_seed(const char *dir, const char *name)
{
	struct ew_capture_meta m = {.boot_id = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
				    .hostname = "seed-host"};
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ew_capture_create(path, &m, &cap)) {
		fprintf(stderr, "capture_seeds: cannot create %s\n", path);
		exit(1);
	}
}

static void close_seed(void)
{
	if (ew_capture_close(cap))
		exit(1);
}

static void tick(uint64_t t)
{
	struct ew_ev_tick e = synth_tick(BOOT + t, REAL + t);

	put(&e, sizeof(e));
}

/* Exec events (one forward, one leaf-first), cgroups, fork and exit, TCP out
 * and in, UDP, a sweep, and the kernel's counters in both layouts. */
static void procs_and_flows(const char *dir)
{
	static const char *const curl[] = {"curl", "-s", "https://example.com/", NULL};
	static const char *const srv[] = {"server", "--port", "8443", NULL};
	static const char *const revargs[] = {"uploader", "--batch", "500", NULL};
	static const char rev_exe[] = "uploader\0bin\0tsp\0opt";
	static const char rev_cg[] =
	    "docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	    "abcdef.scope\0system.slice";
	struct ew_ev_exec *x = calloc(1, sizeof(*x));
	struct ew_ev_cgroup cg = {.h = {.type = EW_EV_CGROUP, .size = sizeof(cg), .ts_ns = BOOT}};
	struct ew_ev_fork fk = {.h = {.type = EW_EV_FORK, .size = sizeof(fk)}};
	struct ew_ev_exit ex = {.h = {.type = EW_EV_EXIT, .size = sizeof(ex)}};
	struct ew_ev_tcp_accept acc = {0};
	struct ew_ev_accept_owner ao = {.h = {.type = EW_EV_ACCEPT_OWNER, .size = sizeof(ao)}};
	struct ew_ev_udp_count uc = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(uc)}};
	struct ew_ev_sweep_end sw = {.h = {.type = EW_EV_SWEEP_END, .size = sizeof(sw)}};
	struct ew_ev_kstats ks = {.h = {.type = EW_EV_KSTATS, .size = sizeof(ks)}};
	struct ew_ev_kstats_v0 k0 = {.h = {.type = EW_EV_KSTATS_V0, .size = sizeof(k0)}};
	struct ew_ev_sock_addr sa;
	struct ew_ev_tcp t;
	uint8_t local[16], peer[16], peer6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, dns[16];

	if (!x)
		exit(1);
	synth_v4(local, 10, 20, 0, 7);
	synth_v4(peer, 198, 51, 100, 23);
	synth_v4(dns, 10, 0, 0, 53);
	open_seed(dir, "procs_and_flows.ewcap");
	tick(0);
	cg.cgroup_id = 77;
	cg.path_len = (uint16_t)snprintf(cg.path, sizeof(cg.path), "/system.slice/ssh.service") + 1;
	put(&cg, sizeof(cg));
	synth_exec(x, EW_EV_PROC, BOOT, 100, 1, "/usr/bin/curl", curl,
		   "/user.slice/session-3.scope", 78);
	put(x, sizeof(*x));
	synth_exec(x, EW_EV_EXEC, BOOT + 1, 200, 1, "/x", revargs, NULL, 79);
	x->flags = EW_F_REVPATH | EW_F_ARGS_TRUNC;
	memcpy(x->exe, rev_exe, sizeof(rev_exe));
	x->exe_len = sizeof(rev_exe);
	memcpy(x->cgroup, rev_cg, sizeof(rev_cg));
	x->cgroup_len = sizeof(rev_cg);
	put(x, sizeof(*x));
	synth_exec(x, EW_EV_EXEC, BOOT + 2, 300, 1, "/usr/sbin/server", srv, "/", 1);
	put(x, sizeof(*x));
	fk.h.ts_ns = BOOT + 3;
	fk.parent_tgid = 100;
	fk.child_tgid = 101;
	fk.child_start_boottime = BOOT + 3;
	put(&fk, sizeof(fk));

	sa = synth_connect(BOOT + 4, 1, 100, EW_IPPROTO_TCP, peer, 443);
	put(&sa, sizeof(sa));
	sa = synth_connect(BOOT + 5, 2, 101, EW_IPPROTO_TCP, peer6, 80);
	put(&sa, sizeof(sa));
	{
		/* ABI 2.4: an enforced workload's connect, refused */
		struct ew_ev_connect_refused rf = {
		    .h = {.type = EW_EV_CONNECT_REFUSED, .size = sizeof(rf), .ts_ns = BOOT + 5},
		    .task = {.tgid = 100, .tid = 100, .cgroup_id = 78, .comm = "curl"},
		    .cookie = 9,
		    .rport = 8443,
		    .proto = EW_IPPROTO_TCP,
		    .family = EW_AF_INET,
		    .reason = EW_REFUSE_UNCOVERED,
		    .workloads = 1,
		};

		memcpy(rf.raddr, peer, 16);
		put(&rf, sizeof(rf));
	}
	t = synth_tcp(EW_EV_TCP_CLOSE, BOOT + NS, 1, local, 53778, peer, 443, 48215, 1878,
		      EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED);
	put(&t, sizeof(t));

	acc.tcp = synth_tcp(EW_EV_TCP_ACCEPT, BOOT + NS + 1, 3, local, 8443, peer, 40000, 1, 1, 0);
	acc.tcp.h.size = sizeof(acc);
	acc.owner.tgid = acc.owner.tid = 300;
	strcpy(acc.owner.comm, "server");
	acc.how = EW_OWNER_LISTENER;
	put(&acc, sizeof(acc));
	ao.h.ts_ns = BOOT + NS + 2;
	ao.task.tgid = ao.task.tid = 101;
	strcpy(ao.task.comm, "worker");
	ao.cookie = 3;
	ao.how = EW_OWNER_CLOSER;
	put(&ao, sizeof(ao));

	sa = synth_connect(BOOT + NS + 3, 4, 200, EW_IPPROTO_UDP, dns, 53);
	sa.h.type = EW_EV_UDP_SEND;
	put(&sa, sizeof(sa));
	uc.h.ts_ns = BOOT + NS + 4;
	uc.key.cookie = 4;
	memcpy(uc.key.raddr, dns, 16);
	uc.key.rport = 53;
	memcpy(uc.val.laddr, local, 16);
	uc.val.lport = 5353;
	uc.val.family = EW_AF_INET;
	uc.val.bytes_out = 120;
	uc.val.bytes_in = 480;
	uc.val.pkts_out = 2;
	uc.val.pkts_in = 2;
	uc.val.last_ns = BOOT + NS + 4;
	put(&uc, sizeof(uc));

	t = synth_tcp(EW_EV_TCP_COUNT, BOOT + 2 * NS, 2, local, 53779, peer6, 80, 1001, 2001, 0);
	put(&t, sizeof(t));
	sw.h.ts_ns = BOOT + 2 * NS + 1;
	sw.started_ns = BOOT + 2 * NS;
	put(&sw, sizeof(sw));
	tick(3 * NS);
	ks.h.ts_ns = BOOT + 3 * NS + 1;
	ks.count = EW_KSTAT_MAX;
	for (int i = 0; i < EW_KSTAT_MAX; i++)
		ks.counters[i] = (uint64_t)i + 1;
	put(&ks, sizeof(ks));
	k0.h.ts_ns = BOOT + 3 * NS + 2;
	k0.counters[0] = 5;
	put(&k0, sizeof(k0));
	ex.h.ts_ns = BOOT + 3 * NS + 3;
	ex.tgid = 100;
	ex.start_boottime = BOOT;
	put(&ex, sizeof(ex));
	tick(40 * NS);
	close_seed();
	free(x);
}

static void name_events(const char *dir)
{
	struct ew_ev_dns_query q = {.h = {.type = EW_EV_DNS_QUERY, .size = sizeof(q)}};
	struct ew_ev_dns_answer a = {.h = {.type = EW_EV_DNS_ANSWER, .size = sizeof(a)}};
	struct ew_ev_peer_name pn = {.h = {.type = EW_EV_PEER_NAME, .size = sizeof(pn)}};
	struct ew_ev_sock_addr sa;
	struct ew_ev_tcp t;
	uint8_t local[16], peer[16], dns[16];

	synth_v4(local, 10, 20, 0, 7);
	synth_v4(peer, 93, 184, 216, 34);
	synth_v4(dns, 10, 0, 0, 53);
	open_seed(dir, "names.ewcap");
	tick(0);
	q.h.ts_ns = BOOT + 1;
	memcpy(q.server, dns, 16);
	q.server_port = 53;
	q.client_port = 40001;
	q.txid = 0x1234;
	q.qtype = 1;
	q.name_len = (uint16_t)snprintf(q.name, sizeof(q.name), "www.example.com");
	put(&q, sizeof(q));
	a.h.ts_ns = BOOT + 2;
	memcpy(a.addr, peer, 16);
	a.ttl = 300;
	memcpy(a.server, dns, 16);
	a.server_port = 53;
	a.client_port = 40001;
	a.txid = 0x1234;
	a.name_len = (uint16_t)snprintf(a.name, sizeof(a.name), "www.example.com");
	put(&a, sizeof(a));
	memset(a.name, 0, sizeof(a.name));
	a.name_len = 0;
	a.result = EW_PARSE_NONE;
	put(&a, sizeof(a));
	sa = synth_connect(BOOT + 3, 9, 100, EW_IPPROTO_TCP, peer, 443);
	put(&sa, sizeof(sa));
	pn.h.ts_ns = BOOT + 4;
	pn.cookie = 9;
	pn.source = EW_NAME_SNI;
	pn.name_len = (uint16_t)snprintf(pn.name, sizeof(pn.name), "api.example.com");
	put(&pn, sizeof(pn));
	sa = synth_connect(BOOT + 5, 10, 100, EW_IPPROTO_TCP, peer, 80);
	put(&sa, sizeof(sa));
	pn.h.ts_ns = BOOT + 6;
	pn.cookie = 10;
	pn.source = EW_NAME_HTTP_HOST;
	pn.name_len = (uint16_t)snprintf(pn.name, sizeof(pn.name), "example.com");
	put(&pn, sizeof(pn));
	t = synth_tcp(EW_EV_TCP_CLOSE, BOOT + NS, 9, local, 50000, peer, 443, 700, 5000, 0);
	put(&t, sizeof(t));
	t = synth_tcp(EW_EV_TCP_CLOSE, BOOT + NS, 10, local, 50001, peer, 80, 90, 900, 0);
	put(&t, sizeof(t));
	tick(2 * NS);
	close_seed();
}

/* ABI 2.0 lengths: the decoder zero-fills what that minor did not have. */
static void older_minor(const char *dir)
{
	struct ew_ev_tcp_accept acc = {0};
	struct ew_ev_sock_addr sa;
	struct ew_ev_tcp t;
	uint8_t local[16], peer[16];

	synth_v4(local, 10, 20, 0, 7);
	synth_v4(peer, 203, 0, 113, 9);
	open_seed(dir, "abi20.ewcap");
	tick(0);
	sa = synth_connect(BOOT + 1, 5, 42, EW_IPPROTO_TCP, peer, 22);
	sa.h.size = 88;
	put(&sa, 88);
	acc.tcp = synth_tcp(EW_EV_TCP_ACCEPT, BOOT + 2, 6, local, 22, peer, 50000, 1, 1, 0);
	acc.tcp.h.size = 80;
	put(&acc, 80);
	t = synth_tcp(EW_EV_TCP_CLOSE, BOOT + NS, 5, local, 40000, peer, 22, 3000, 4000, 0);
	t.h.size = 80;
	put(&t, 80);
	tick(2 * NS);
	close_seed();
}

/* A flow that outlives several report intervals, and a UDP one that goes idle. */
static void long_flow(const char *dir)
{
	uint8_t local[16], peer[16];
	struct ew_ev_sock_addr sa;
	struct ew_ev_tcp t;

	synth_v4(local, 10, 20, 0, 7);
	synth_v4(peer, 8, 8, 4, 4);
	open_seed(dir, "long_flow.ewcap");
	tick(0);
	sa = synth_connect(BOOT + 1, 11, 7, EW_IPPROTO_TCP, peer, 443);
	put(&sa, sizeof(sa));
	sa = synth_connect(BOOT + 2, 12, 7, EW_IPPROTO_UDP, peer, 123);
	sa.h.type = EW_EV_UDP_SEND;
	put(&sa, sizeof(sa));
	for (uint64_t s = 1; s <= 4; s++) {
		t = synth_tcp(EW_EV_TCP_COUNT, BOOT + s * NS, 11, local, 41000, peer, 443,
			      s * 100000, s * 1000, 0);
		put(&t, sizeof(t));
		tick(s * NS + 1);
	}
	t = synth_tcp(EW_EV_TCP_CLOSE, BOOT + 5 * NS, 11, local, 41000, peer, 443, 500002, 5001,
		      EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED | EW_TCP_F_SENT);
	t.bytes_sent = 500000;
	t.bytes_retrans = 1000;
	put(&t, sizeof(t));
	tick(6 * NS);
	close_seed();
}

/* Policy changes (ABI 2.5): the start, a reload, the built-in default, and
 * a flow on each side of the reload. */
static void policy_changes(const char *dir)
{
	static const char first[] = "{\"version\": 1}", second[] = "{\"version\": 1} ";
	uint8_t sha[EW_POLICY_SHA_LEN], peer[16];
	struct ew_ev_sock_addr sa;
	struct ew_ev_policy p;

	synth_v4(peer, 8, 8, 4, 4);
	open_seed(dir, "policy_changes.ewcap");
	ew_policy_store_sha256(first, strlen(first), sha);
	ew_policy_store_event(&p, sha, EW_POLICY_F_START, BOOT);
	put(&p, sizeof(p));
	tick(0);
	sa = synth_connect(BOOT + NS, 700, 9001, EW_IPPROTO_TCP, peer, 443);
	put(&sa, sizeof(sa));
	tick(2 * NS);
	ew_policy_store_sha256(second, strlen(second), sha);
	ew_policy_store_event(&p, sha, 0, BOOT + 2 * NS);
	put(&p, sizeof(p));
	sa = synth_connect(BOOT + 3 * NS, 701, 9001, EW_IPPROTO_TCP, peer, 443);
	put(&sa, sizeof(sa));
	ew_policy_store_event(&p, NULL, 0, BOOT + 4 * NS);
	put(&p, sizeof(p));
	tick(5 * NS);
	close_seed();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: capture_seeds OUTDIR\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) && errno != EEXIST) {
		fprintf(stderr, "capture_seeds: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	procs_and_flows(argv[1]);
	name_events(argv[1]);
	older_minor(argv[1]);
	long_flow(argv[1]);
	policy_changes(argv[1]);
	/* OUTDIR is the build's output: rewriting files in it leaves its mtime. */
	return utimensat(AT_FDCWD, argv[1], NULL, 0) ? 1 : 0;
}
