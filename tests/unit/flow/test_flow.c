// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <string.h>
#include <stdlib.h>

#include "flow/flow.h"
#include "pipeline/eval.h"
#include "synth.h"
#include "util/siphash.h"

#define S      1000000000ull
#define MAXREC 64

static struct ew_flow recs[MAXREC];
static struct ew_task tasks[MAXREC]; /* recs[i].task, copied: it goes with its last flow */
static uint64_t rec_at[MAXREC], rec_id[MAXREC];
static int nrec;
static struct ew_udp_key ended[MAXREC];
static int nended;
static struct ew_flows *t;
static uint8_t peer[16], local[16];

static void on_emit(void *arg, const struct ew_flow *f, uint64_t now)
{
	cr_assert_lt(nrec, MAXREC);
	recs[nrec] = *f;
	memset(&tasks[nrec], 0, sizeof(tasks[nrec]));
	if (f->have_task)
		tasks[nrec] = *f->task;
	rec_id[nrec] = ew_flows_id(t, f);
	rec_at[nrec++] = now;
}

/* A flow leaving the table: for UDP, the kernel entry the live side deletes. */
static void on_free(void *arg, struct ew_flow *f)
{
	struct ew_udp_key k = {.cookie = f->cookie, .rport = f->peer_port};

	if (f->proto != EW_IPPROTO_UDP)
		return;
	memcpy(k.raddr, f->peer, 16);
	ended[nended++] = k;
}

static void setup_n(uint32_t max)
{
	struct ew_flow_opts o = {.max_flows = max,
				 .report_interval_ns = 60 * S,
				 .udp_idle_ns = 30 * S,
				 .boot_id = "b00t",
				 .emit = on_emit,
				 .free = on_free};

	nrec = nended = 0;
	t = ew_flows_new(&o);
	cr_assert_not_null(t);
	synth_v4(peer, 198, 18, 0, 2);
	synth_v4(local, 198, 18, 0, 1);
}

static void setup(void)
{
	setup_n(1024);
}

static void teardown(void)
{
	ew_flows_free(t);
}

TestSuite(flow, .init = setup, .fini = teardown);

Test(flow, tcp_connect_close_one_final_record)
{
	struct ew_ev_sock_addr c = synth_connect(1 * S, 77, 1234, EW_IPPROTO_TCP, peer, 80);
	struct ew_ev_tcp x = synth_tcp(EW_EV_TCP_CLOSE, 2 * S, 77, local, 40000, peer, 80, 1002,
				       501, EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED);

	ew_flows_sock_addr(t, &c, NULL);
	cr_assert_eq(ew_flows_stats(t)->open, 1);
	ew_flows_tcp(t, &x);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(recs[0].end, EW_END_CLOSED);
	cr_assert_eq(recs[0].dir, EW_DIR_EGRESS);
	cr_assert_eq(recs[0].bytes_out, 1000);
	cr_assert_eq(recs[0].bytes_in, 500);
	cr_assert_eq(recs[0].local_port, 40000);
	cr_assert_eq(recs[0].peer_port, 80);
	cr_assert_eq(tasks[0].tgid, 1234);
	cr_assert_eq(recs[0].family, EW_AF_INET);
	cr_assert_eq(rec_at[0], 2 * S);
	cr_assert_eq(ew_flows_stats(t)->open, 0);
}

/* The listener names the owner; the closer (a pre-forked worker) replaces it; a
 * second closer does not, nor does anything replace an owner from accept(). */
Test(flow, closer_replaces_the_listener_only)
{
	struct ew_ev_tcp a =
	    synth_tcp(EW_EV_TCP_ACCEPT, 1 * S, 9, local, 8080, peer, 5555, 0, 0, 0);
	struct ew_ev_tcp b =
	    synth_tcp(EW_EV_TCP_ACCEPT, 1 * S, 10, local, 8080, peer, 5556, 0, 0, 0);
	struct ew_task parent = {.tgid = 100}, worker = {.tgid = 101}, other = {.tgid = 102};

	ew_flows_tcp(t, &a);
	ew_flows_tcp(t, &b);
	cr_assert_not_null(ew_flows_owner(t, 9, &parent, EW_OWNER_LISTENER, NULL));
	cr_assert_not_null(ew_flows_owner(t, 9, &worker, EW_OWNER_CLOSER, NULL));
	cr_assert_null(ew_flows_owner(t, 9, &other, EW_OWNER_CLOSER, NULL), "the closer stays");
	cr_assert_not_null(ew_flows_owner(t, 10, &parent, EW_OWNER_ACCEPT, NULL));
	cr_assert_null(ew_flows_owner(t, 10, &worker, EW_OWNER_CLOSER, NULL), "accept() stays");
	cr_assert_null(ew_flows_owner(t, 11, &worker, EW_OWNER_LISTENER, NULL), "no such flow");
	cr_assert_null(ew_flows_owner(t, 9, &worker, EW_OWNER_HOW_MAX, NULL), "no such way");
	ew_flows_flush(t, 2 * S);
	cr_assert_eq(nrec, 2);
	for (int i = 0; i < 2; i++) {
		bool nine = recs[i].cookie == 9;

		cr_assert_eq(tasks[i].tgid, nine ? 101u : 100u);
		cr_assert_eq(recs[i].attribution, nine ? EW_ATTR_CLOSER : EW_ATTR_ACCEPT);
	}
}

Test(flow, accepted_connection_gets_its_owner)
{
	struct ew_ev_tcp a =
	    synth_tcp(EW_EV_TCP_ACCEPT, 1 * S, 9, local, 8080, peer, 5555, 0, 0, 0);
	struct ew_ev_accept_owner o = {.h = {.type = EW_EV_ACCEPT_OWNER, .size = sizeof(o)}};
	struct ew_ev_tcp x = synth_tcp(EW_EV_TCP_CLOSE, 3 * S, 9, local, 8080, peer, 5555, 300, 101,
				       EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED);

	ew_flows_tcp(t, &a);
	o.cookie = 9;
	o.task.tgid = 42;
	ew_flows_owner(t, o.cookie, &o.task, o.how, NULL);
	ew_flows_tcp(t, &x);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(recs[0].dir, EW_DIR_INGRESS);
	cr_assert_eq(tasks[0].tgid, 42);
	cr_assert_eq(recs[0].attribution, EW_ATTR_ACCEPT);
	cr_assert_eq(recs[0].bytes_out, 299);
	cr_assert_eq(recs[0].bytes_in, 100);
}

Test(flow, long_tcp_flow_interim_records_carry_deltas)
{
	struct ew_ev_sock_addr c = synth_connect(0, 5, 1, EW_IPPROTO_TCP, peer, 443);
	struct ew_ev_tcp n1 =
	    synth_tcp(EW_EV_TCP_COUNT, 59 * S, 5, local, 1, peer, 443, 1001, 10, 0);
	struct ew_ev_tcp n2 =
	    synth_tcp(EW_EV_TCP_COUNT, 119 * S, 5, local, 1, peer, 443, 3001, 30, 0);
	struct ew_ev_tcp x = synth_tcp(EW_EV_TCP_CLOSE, 130 * S, 5, local, 1, peer, 443, 3502, 31,
				       EW_TCP_F_FIN_OUT_ACKED);

	ew_flows_sock_addr(t, &c, NULL);
	ew_flows_tcp(t, &n1);
	ew_flows_tick(t, 30 * S);
	cr_assert_eq(nrec, 0);
	ew_flows_tick(t, 60 * S);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(recs[0].end, EW_END_NONE);
	cr_assert_eq(recs[0].bytes_out - recs[0].rep_out, 1000);
	ew_flows_tcp(t, &n2);
	ew_flows_tick(t, 120 * S);
	cr_assert_eq(nrec, 2);
	cr_assert_eq(recs[1].bytes_out - recs[1].rep_out, 2000);
	cr_assert_eq(recs[1].bytes_in - recs[1].rep_in, 20);
	cr_assert_eq(rec_id[1], rec_id[0]);
	ew_flows_tcp(t, &x);
	cr_assert_eq(nrec, 3);
	cr_assert_eq(recs[2].end, EW_END_CLOSED);
	cr_assert_eq(recs[2].bytes_out - recs[2].rep_out, 500);
	cr_assert_eq(recs[2].bytes_out, 3500);
	cr_assert_eq(rec_id[2], rec_id[0]);
}

static void with_sent(struct ew_ev_tcp *ev, uint64_t sent, uint64_t retrans)
{
	ev->bytes_sent = sent;
	ev->bytes_retrans = retrans;
	ev->flags |= EW_TCP_F_SENT;
}

/* The server read 10 KB and reset: what was in flight left the host too. */
Test(flow, tcp_reset_counts_bytes_in_flight)
{
	struct ew_ev_sock_addr c = synth_connect(1 * S, 78, 1234, EW_IPPROTO_TCP, peer, 80);
	struct ew_ev_tcp x =
	    synth_tcp(EW_EV_TCP_CLOSE, 2 * S, 78, local, 40001, peer, 80, 100446, 0, 0);

	with_sent(&x, 131229, 0);
	ew_flows_sock_addr(t, &c, NULL);
	ew_flows_tcp(t, &x);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(recs[0].bytes_out, 131229, "not the 100,445 acknowledged");
	cr_assert_eq(recs[0].bytes_in, 0);
}

/*
 * Sweeps (TCP_COUNT) and the close count alike: the interim records and the
 * final one add up to the close's bytes_sent - bytes_retrans, and a sweep
 * after the peer's FIN (CLOSE_WAIT) does not count the FIN as a byte in.
 */
Test(flow, tcp_sent_interim_records_add_up)
{
	struct ew_ev_sock_addr c = synth_connect(0, 6, 1, EW_IPPROTO_TCP, peer, 443);
	struct ew_ev_tcp n1 =
	    synth_tcp(EW_EV_TCP_COUNT, 59 * S, 6, local, 2, peer, 443, 1001, 10, 0);
	struct ew_ev_tcp n2 =
	    synth_tcp(EW_EV_TCP_COUNT, 119 * S, 6, local, 2, peer, 443, 15001, 31, EW_TCP_F_FIN_IN);
	struct ew_ev_tcp x =
	    synth_tcp(EW_EV_TCP_CLOSE, 130 * S, 6, local, 2, peer, 443, 20001, 31, EW_TCP_F_FIN_IN);
	uint64_t out = 0, in = 0;

	with_sent(&n1, 5000, 0);
	with_sent(&n2, 21500, 1500);
	with_sent(&x, 31500, 1500);
	ew_flows_sock_addr(t, &c, NULL);
	ew_flows_tcp(t, &n1);
	ew_flows_tick(t, 60 * S);
	ew_flows_tcp(t, &n2);
	ew_flows_tick(t, 120 * S);
	ew_flows_tcp(t, &x);
	cr_assert_eq(nrec, 3);
	cr_assert_eq(recs[0].bytes_out - recs[0].rep_out, 5000);
	cr_assert_eq(recs[1].bytes_out - recs[1].rep_out, 15000);
	cr_assert_eq(recs[1].bytes_in - recs[1].rep_in, 20, "the FIN is not a byte in");
	cr_assert_eq(recs[2].end, EW_END_CLOSED);
	cr_assert_eq(recs[2].bytes_out - recs[2].rep_out, 10000);
	cr_assert_eq(recs[2].bytes_in - recs[2].rep_in, 0);
	for (int i = 0; i < nrec; i++) {
		out += recs[i].bytes_out - recs[i].rep_out;
		in += recs[i].bytes_in - recs[i].rep_in;
	}
	cr_assert_eq(out, 30000);
	cr_assert_eq(recs[2].bytes_out, 30000);
	cr_assert_eq(in, 30);
}

/* Held to the sequence space (EW_TCP_F_SENT_BOUND): the flow's direction says
 * whether the SYN in it is this host's. */
Test(flow, tcp_bound_syn_by_direction)
{
	struct ew_ev_sock_addr c = synth_connect(1 * S, 80, 1234, EW_IPPROTO_TCP, peer, 80);
	struct ew_ev_tcp a =
	    synth_tcp(EW_EV_TCP_ACCEPT, 1 * S, 81, local, 8080, peer, 5555, 0, 0, 0);
	struct ew_ev_tcp xc =
	    synth_tcp(EW_EV_TCP_CLOSE, 2 * S, 80, local, 40003, peer, 80, 2000066, 69,
		      EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED | EW_TCP_F_SENT_BOUND);
	struct ew_ev_tcp xa =
	    synth_tcp(EW_EV_TCP_CLOSE, 2 * S, 81, local, 8080, peer, 5555, 2000065, 69,
		      EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED | EW_TCP_F_SENT_BOUND);

	with_sent(&xc, 2000064 + 1, 0);
	with_sent(&xa, 2000064, 0);
	ew_flows_sock_addr(t, &c, NULL);
	ew_flows_tcp(t, &a);
	ew_flows_tcp(t, &xc);
	ew_flows_tcp(t, &xa);
	cr_assert_eq(nrec, 2);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(recs[i].dir, recs[i].cookie == 80 ? EW_DIR_EGRESS : EW_DIR_INGRESS);
		cr_assert_eq(recs[i].bytes_out, 2000064);
		cr_assert_eq(recs[i].bytes_in, 68);
	}
}

/* Without bytes_sent (ABI 2.0 captures) the acknowledged count stays: a
 * reset loses what was in flight, as the 0.1.0 release recorded it. */
Test(flow, tcp_without_sent_counts_acknowledged)
{
	struct ew_ev_sock_addr c = synth_connect(1 * S, 79, 1234, EW_IPPROTO_TCP, peer, 80);
	struct ew_ev_tcp x =
	    synth_tcp(EW_EV_TCP_CLOSE, 2 * S, 79, local, 40002, peer, 80, 100446, 0, 0);

	x.bytes_sent = 131229; /* ignored without EW_TCP_F_SENT */
	ew_flows_sock_addr(t, &c, NULL);
	ew_flows_tcp(t, &x);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(recs[0].bytes_out, 100445);
}

Test(flow, udp_counts_idle_end_and_reset)
{
	struct ew_ev_sock_addr s = synth_connect(1 * S, 11, 7, EW_IPPROTO_UDP, peer, 53);
	struct ew_ev_udp_count u = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(u)}};

	s.h.type = EW_EV_UDP_SEND;
	ew_flows_sock_addr(t, &s, NULL);
	u.key.cookie = 11;
	memcpy(u.key.raddr, peer, 16);
	u.key.rport = 53;
	memcpy(u.val.laddr, local, 16);
	u.val.lport = 33333;
	u.val.bytes_out = 40;
	u.val.bytes_in = 120;
	u.val.last_ns = 2 * S;
	u.h.ts_ns = 3 * S;
	ew_flows_udp_count(t, &u);
	u.val.bytes_out = 80;
	u.val.bytes_in = 240;
	u.val.last_ns = 4 * S;
	ew_flows_udp_count(t, &u);
	ew_flows_tick(t, 20 * S);
	cr_assert_eq(nrec, 0, "not idle yet");
	ew_flows_tick(t, 34 * S);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(recs[0].end, EW_END_IDLE);
	cr_assert_eq(recs[0].bytes_out, 80);
	cr_assert_eq(recs[0].bytes_in, 240);
	cr_assert_eq(recs[0].local_port, 33333);
	cr_assert_eq(tasks[0].tgid, 7);
	cr_assert_eq(recs[0].dir, EW_DIR_EGRESS);
	cr_assert_eq(rec_at[0], 4 * S, "an idle flow ends at its last packet");
	cr_assert_eq(nended, 1);
	cr_assert_eq(ended[0].cookie, 11);
	cr_assert_eq(ended[0].rport, 53);

	/* Same socket and peer again: a new flow, owner from the socket cache. */
	u.val.bytes_out = 10;
	u.val.bytes_in = 0;
	u.val.last_ns = 40 * S;
	ew_flows_udp_count(t, &u);
	ew_flows_flush(t, 41 * S);
	cr_assert_eq(nrec, 2);
	cr_assert_eq(recs[1].end, EW_END_SHUTDOWN);
	cr_assert_eq(recs[1].bytes_out, 10);
	cr_assert_eq(tasks[1].tgid, 7);
	cr_assert_neq(rec_id[1], rec_id[0]);
}

Test(flow, udp_counter_going_backwards_is_a_reset)
{
	struct ew_ev_udp_count u = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(u)}};

	u.key.cookie = 3;
	memcpy(u.key.raddr, peer, 16);
	u.key.rport = 9;
	u.val.bytes_out = 100;
	u.val.last_ns = 1;
	ew_flows_udp_count(t, &u);
	u.val.bytes_out = 30; /* the kernel entry was deleted and made again */
	u.val.last_ns = 2;
	ew_flows_udp_count(t, &u);
	ew_flows_flush(t, 3);
	cr_assert_eq(recs[0].bytes_out, 130);
	cr_assert_eq(ew_flows_stats(t)->udp_counter_resets, 1);
}

/*
 * What the live side feeds when it takes out the entry of a flow that ended
 * with bytes the flow never read (agent/kernel/udp_poll.c): those bytes, then
 * zeros, then whatever a new entry counts. However big the new entry's
 * counters, the flow carries both.
 */
Test(flow, udp_late_bytes_then_zeros_then_a_new_entry)
{
	struct ew_ev_udp_count u = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(u)}};

	u.key.cookie = 5;
	memcpy(u.key.raddr, peer, 16);
	u.key.rport = 9;
	u.val.bytes_out = 70; /* counted after the evicted flow's last read */
	u.val.pkts_out = 1;
	u.val.last_ns = 10;
	ew_flows_udp_count(t, &u);
	u.val.bytes_out = u.val.pkts_out = 0;
	ew_flows_udp_count(t, &u);
	u.val.bytes_out = 500; /* the new entry: from zero, more than the late bytes */
	u.val.last_ns = 20;
	ew_flows_udp_count(t, &u);
	ew_flows_flush(t, 30);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(recs[0].bytes_out, 570);
	cr_assert_eq(recs[0].dir, EW_DIR_EGRESS);
}

Test(flow, sweep_ends_vanished_sockets_only)
{
	struct ew_ev_sock_addr a = synth_connect(1 * S, 100, 1, EW_IPPROTO_TCP, peer, 1);
	struct ew_ev_sock_addr b = synth_connect(1 * S, 101, 1, EW_IPPROTO_TCP, peer, 2);
	struct ew_ev_sock_addr late = synth_connect(6 * S, 102, 1, EW_IPPROTO_TCP, peer, 3);
	struct ew_ev_tcp seen = synth_tcp(EW_EV_TCP_COUNT, 5 * S, 100, local, 1, peer, 1, 1, 0, 0);
	struct ew_ev_sweep_end end = {.h = {.type = EW_EV_SWEEP_END, .size = sizeof(end)}};

	ew_flows_sock_addr(t, &a, NULL);
	ew_flows_sock_addr(t, &b, NULL);
	ew_flows_tcp(t, &seen);
	ew_flows_sock_addr(t, &late, NULL);
	end.started_ns = 5 * S;
	end.h.ts_ns = 7 * S;
	ew_flows_sweep_end(t, &end);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(recs[0].cookie, 101);
	cr_assert_eq(recs[0].end, EW_END_VANISHED);
	cr_assert_eq(ew_flows_stats(t)->open, 2);
	cr_assert_eq(ew_flows_stats(t)->vanished, 1);
}

Test(flow, close_of_unknown_socket_still_recorded)
{
	struct ew_ev_tcp x =
	    synth_tcp(EW_EV_TCP_CLOSE, 2 * S, 555, local, 22, peer, 50000, 10, 20, 0);

	ew_flows_tcp(t, &x);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(recs[0].dir, EW_DIR_UNKNOWN);
	cr_assert_eq(recs[0].have_task, false);
	cr_assert_eq(ew_flows_stats(t)->unknown_close, 1);
}

Test(flow, full_table_evicts_least_recent_and_counts)
{
	for (uint64_t i = 0; i < 1030; i++) {
		struct ew_ev_sock_addr c = synth_connect(i, 1000 + i, 1, EW_IPPROTO_TCP, peer, 80);

		ew_flows_sock_addr(t, &c, NULL);
	}
	cr_assert_eq(ew_flows_stats(t)->open, 1024);
	cr_assert_eq(ew_flows_stats(t)->evicted, 6);
	cr_assert_eq(nrec, 6);
	cr_assert_eq(recs[0].cookie, 1000);
	cr_assert_eq(recs[0].end, EW_END_EVICTED);
}

Test(flow, repeated_connect_does_not_duplicate)
{
	struct ew_ev_sock_addr c = synth_connect(1, 8, 1, EW_IPPROTO_TCP, peer, 80);

	ew_flows_sock_addr(t, &c, NULL);
	c.h.ts_ns = 2;
	ew_flows_sock_addr(t, &c, NULL);
	cr_assert_eq(ew_flows_stats(t)->open, 1);
	cr_assert_eq(ew_flows_stats(t)->created, 1);
}

/* dig and glibc's resolver: connect(), send() (no hook), recvfrom(). */
Test(flow, connected_udp_reply_read_first_is_still_egress)
{
	struct ew_ev_sock_addr c = synth_connect(1 * S, 21, 7, EW_IPPROTO_UDP, peer, 53);
	struct ew_ev_sock_addr r = c;
	uint8_t other[16];

	ew_flows_sock_addr(t, &c, NULL);
	r.h.type = EW_EV_UDP_RECV;
	r.h.ts_ns = 2 * S;
	cr_assert_not_null(ew_flows_sock_addr(t, &r, NULL));
	/* A datagram from somebody else on the same socket is theirs to begin. */
	synth_v4(other, 198, 18, 0, 9);
	memcpy(r.raddr, other, 16);
	cr_assert_not_null(ew_flows_sock_addr(t, &r, NULL));
	ew_flows_flush(t, 3 * S);
	cr_assert_eq(nrec, 2);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(recs[i].dir,
			     memcmp(recs[i].peer, peer, 16) ? EW_DIR_INGRESS : EW_DIR_EGRESS);
}

static int freed_with_mark;

static void count_emit(void *arg, const struct ew_flow *f, uint64_t now)
{
	(*(int *)arg)++;
}

static void check_ext(void *arg, struct ew_flow *f)
{
	uint32_t *x = ew_flow_ext(f, 4);

	if (*x == 0xfeedu)
		freed_with_mark++;
}

/* Stages' bytes after each flow start zeroed, stay the flow's, and are seen at its end. */
Test(flow, ext_bytes_belong_to_one_flow)
{
	int emitted = 0;
	struct ew_flow_opts o = {.max_flows = 1024,
				 .boot_id = "b",
				 .ext_bytes = 12,
				 .emit = count_emit,
				 .free = check_ext,
				 .arg = &emitted};
	struct ew_flows *ft = ew_flows_new(&o);
	struct ew_flow *f[3000];

	freed_with_mark = 0;
	for (int i = 0; i < 3000; i++) {
		struct ew_ev_sock_addr c = synth_connect(1 * S + (uint64_t)i, 100 + (uint64_t)i, 7,
							 EW_IPPROTO_TCP, peer, 443);
		uint32_t *x;

		f[i] = ew_flows_sock_addr(ft, &c, NULL);
		cr_assert_not_null(f[i]);
		x = ew_flow_ext(f[i], 0);
		cr_assert(x[0] == 0 && x[1] == 0 && x[2] == 0, "flow %d starts dirty", i);
		x[1] = i < 100 || i >= 2500 ? 0xfeedu : 0;
		x[2] = 0xffffffffu; /* the last of the 12 bytes: must not reach a neighbour */
	}
	cr_assert_eq(ew_flows_find_tcp(ft, 100), NULL, "the first flows were evicted");
	cr_assert_eq(freed_with_mark, 100, "the evicted flows were freed with their marks");
	cr_assert_eq(emitted, 3000 - 1024, "one record per eviction");
	cr_assert_eq(ew_flows_find_tcp(ft, 2999 + 100), f[2999]);
	ew_flows_free(ft);
	cr_assert_eq(freed_with_mark, 600, "every marked flow was freed once");
}

struct peer_count {
	uint32_t emitted, freed;
	uint64_t bytes; /* sum over records of (peer's last 16 bits) * bytes_out */
	uint8_t seen[8192];
};

static void count_peer_emit(void *arg, const struct ew_flow *f, uint64_t now)
{
	struct peer_count *pc = arg;
	uint32_t low = (uint32_t)f->peer[14] << 8 | f->peer[15];

	pc->emitted++;
	if (low < sizeof(pc->seen))
		pc->seen[low]++;
	pc->bytes += (uint64_t)low * f->bytes_out;
}

static void count_peer_free(void *arg, struct ew_flow *f)
{
	((struct peer_count *)arg)->freed++;
}

/*
 * Many peers of one /64 behind one UDP socket: each its own flow, found
 * again by its datagrams and counters, ended once. The table's buckets are
 * keyed (util/siphash.h); this pins that insert, lookup and removal agree.
 */
Test(flow, udp_peers_of_one_prefix_stay_apart)
{
	enum { N = 8000 };
	struct peer_count *pc = calloc(1, sizeof(*pc));
	struct ew_flow_opts o = {.max_flows = 2 * N,
				 .report_interval_ns = 3600 * S,
				 .udp_idle_ns = 30 * S,
				 .boot_id = "b",
				 .emit = count_peer_emit,
				 .free = count_peer_free,
				 .arg = pc};
	struct ew_flows *ft = ew_flows_new(&o);
	static struct ew_flow *first[N];
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xe9};
	uint64_t want = 0;

	cr_assert_not_null(ft);
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 1; i < N; i++) {
			struct ew_ev_sock_addr s;
			struct ew_flow *f;

			a[14] = (uint8_t)(i >> 8);
			a[15] = (uint8_t)i;
			s = synth_connect(1 * S + i, 99, 7, EW_IPPROTO_UDP, a, 53);
			s.h.type = EW_EV_UDP_SEND;
			f = ew_flows_sock_addr(ft, &s, NULL);
			cr_assert_not_null(f);
			if (!round)
				first[i] = f;
			else
				cr_assert_eq(f, first[i], "peer %u: a second flow", i);
		}
	}
	cr_assert_eq(ew_flows_stats(ft)->open, N - 1);
	cr_assert_eq(ew_flows_stats(ft)->created, N - 1);
	for (uint32_t i = 1; i < N; i++) {
		struct ew_ev_udp_count u = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(u)}};

		u.key.cookie = 99;
		memcpy(u.key.raddr, a, 16);
		u.key.raddr[14] = (uint8_t)(i >> 8);
		u.key.raddr[15] = (uint8_t)i;
		u.key.rport = 53;
		u.val.bytes_out = i % 7 + 1;
		u.val.last_ns = 2 * S;
		u.h.ts_ns = 2 * S;
		ew_flows_udp_count(ft, &u);
		want += (uint64_t)i * (i % 7 + 1);
	}
	cr_assert_eq(ew_flows_stats(ft)->created, N - 1, "counters found their flows");
	ew_flows_tick(ft, 40 * S);
	cr_assert_eq(pc->emitted, N - 1);
	cr_assert_eq(pc->freed, N - 1);
	cr_assert_eq(ew_flows_stats(ft)->open, 0);
	cr_assert_eq(pc->bytes, want, "each peer's bytes in its own record");
	for (uint32_t i = 1; i < N; i++)
		cr_assert_eq(pc->seen[i], 1, "peer %u ended %u times", i, pc->seen[i]);
	/* Ended flows left their chains: the same peers make new flows. */
	for (uint32_t i = 1; i < N; i++) {
		struct ew_ev_sock_addr s;
		struct ew_flow *f;

		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		s = synth_connect(50 * S + i, 99, 7, EW_IPPROTO_UDP, a, 53);
		s.h.type = EW_EV_UDP_SEND;
		f = ew_flows_sock_addr(ft, &s, NULL);
		cr_assert(f && f->start_ns == 50 * S + i && f->bytes_out == 0, "peer %u", i);
	}
	cr_assert_eq(ew_flows_stats(ft)->created, 2 * (N - 1));
	ew_flows_free(ft);
	free(pc);
}

/*
 * Flow ids are in records already written: keying the buckets must not move
 * them. The values are what the table gave before it was keyed (373721b).
 */
Test(flow, flow_ids_do_not_depend_on_the_hash_key)
{
	struct ew_ev_sock_addr c = synth_connect(5 * S, 4242, 7, EW_IPPROTO_TCP, peer, 443);
	struct ew_ev_sock_addr u = synth_connect(6 * S, 4343, 7, EW_IPPROTO_UDP, peer, 53);
	struct ew_flow *tf, *uf;

	u.h.type = EW_EV_UDP_SEND;
	for (int k = 0; k < 2; k++) {
		if (k)
			cr_assert_eq(ew_hash_key_random(), 0);
		teardown();
		setup();
		tf = ew_flows_sock_addr(t, &c, NULL);
		uf = ew_flows_sock_addr(t, &u, NULL);
		cr_assert_eq(ew_flows_id(t, tf), 0xc625a1e89600cdebull, "key %d", k);
		cr_assert_eq(ew_flows_id(t, uf), 0x11aab03c4e87da1full, "key %d", k);
	}
	ew_hash_key_fixed();
}
