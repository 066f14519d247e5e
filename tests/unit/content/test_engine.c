// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <string.h>

#include "content/engine.h"
#include "pipeline/stage.h"

/* What the engine emitted, and what the recording sink was fed. */
struct rec {
	struct ew_ev_content_status st[16];
	int n_st;
	uint8_t fed[1 << 20];
	size_t n_fed;
	int opens, closes;
	int stop_after; /* feed() returns -EW_REASON_DECODE_ERROR past this many bytes; 0: never */
};

static struct rec R;

static void emit(void *arg, const void *ev, size_t len)
{
	struct rec *r = arg;

	cr_assert_eq(len, sizeof(struct ew_ev_content_status));
	cr_assert_lt(r->n_st, 16);
	memcpy(&r->st[r->n_st++], ev, len);
}

static void *s_open(void *ctx, uint64_t cookie, uint8_t dir)
{
	(void)cookie, (void)dir;
	((struct rec *)ctx)->opens++;
	return ctx;
}

static int s_feed(void *ctx, void *st, const uint8_t *p, size_t n, uint64_t ts)
{
	struct rec *r = ctx;

	cr_assert_eq(st, ctx);
	cr_assert_leq(r->n_fed + n, sizeof(r->fed));
	memcpy(r->fed + r->n_fed, p, n);
	r->n_fed += n;
	return r->stop_after && r->n_fed > (size_t)r->stop_after ? -EW_REASON_DECODE_ERROR : 0;
}

static void s_close(void *ctx, void *st, uint64_t cookie, uint8_t dir, uint64_t ts)
{
	(void)st, (void)cookie, (void)dir;
	((struct rec *)ctx)->closes++;
}

static const struct ew_content_sink_ops sink = {s_open, s_feed, s_close};

static struct ew_content *engine(uint32_t flow_bytes, uint32_t max_streams)
{
	struct ew_content_opts o = {.flow_bytes = flow_bytes,
				    .max_streams = max_streams,
				    .sink = &sink,
				    .sink_ctx = &R,
				    .emit = emit,
				    .emit_arg = &R};
	struct ew_content *c;

	memset(&R, 0, sizeof(R));
	cr_assert_eq(ew_content_new(&o, &c), 0);
	return c;
}

static void chunk(struct ew_content *c, uint64_t cookie, uint32_t off, const void *p, uint16_t n,
		  uint8_t flags)
{
	static struct ew_ev_chunk ev;

	memset(&ev, 0, sizeof(ev));
	ev.h.type = EW_EV_CONTENT_CHUNK;
	ev.h.size = (uint16_t)(EW_CHUNK_HDR + n);
	ev.h.ts_ns = 1000;
	ev.cookie = cookie;
	ev.offset = off;
	ev.len = n;
	ev.flags = flags;
	memcpy(ev.data, p, n);
	ew_content_chunk(c, &ev, EW_CHUNK_HDR + n);
}

static void close_flow(struct ew_content *c, uint64_t cookie, uint64_t sent, bool old)
{
	struct ew_ev_tcp ev = {.h = {.type = EW_EV_TCP_CLOSE, .size = sizeof(ev), .ts_ns = 2000},
			       .cookie = cookie};

	ew_content_close(c, &ev, sent, 0, old);
}

static const uint8_t *text(size_t n)
{
	static uint8_t buf[1 << 20];

	for (size_t i = 0; i < n && i < sizeof(buf); i++)
		buf[i] = (uint8_t)('a' + i % 26);
	return buf;
}

Test(engine, in_order_complete)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(10000);

	chunk(c, 7, 0, t, 4096, EW_CHUNK_F_START);
	chunk(c, 7, 4096, t + 4096, 4096, 0);
	chunk(c, 7, 8192, t + 8192, 1808, 0);
	close_flow(c, 7, 10000, false);
	cr_assert_eq(R.n_st, 1);
	cr_assert_eq(R.st[0].h.type, EW_EV_CONTENT_STATUS);
	cr_assert_eq(R.st[0].cookie, 7);
	cr_assert_eq(R.st[0].status, EW_INSPECT_COMPLETE);
	cr_assert_eq(R.st[0].bytes, 10000);
	cr_assert_eq(R.st[0].h.ts_ns, 2000, "the status carries its close's time");
	cr_assert_eq(R.n_fed, 10000);
	cr_assert(memcmp(R.fed, t, 10000) == 0);
	cr_assert_eq(R.opens, 1);
	cr_assert_eq(R.closes, 1);
	cr_assert_eq(ew_content_stats(c)->streams_active, 0);
	ew_content_free(c);
}

Test(engine, retransmissions_dropped_overlaps_trimmed)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(3000);

	chunk(c, 1, 0, t, 1000, EW_CHUNK_F_START);
	chunk(c, 1, 0, t, 1000, 0);	    /* the same segment again */
	chunk(c, 1, 500, t + 500, 1500, 0); /* overlaps: its new half goes on */
	chunk(c, 1, 2000, t + 2000, 1000, 0);
	close_flow(c, 1, 3000, false);
	cr_assert_eq(R.n_fed, 3000);
	cr_assert(memcmp(R.fed, t, 3000) == 0);
	cr_assert_eq(R.st[0].status, EW_INSPECT_COMPLETE);
	cr_assert_eq(ew_content_stats(c)->bytes_duplicate, 1500);
	ew_content_free(c);
}

Test(engine, gap_stated_stream_goes_on)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(5000);

	chunk(c, 2, 0, t, 1000, EW_CHUNK_F_START);
	chunk(c, 2, 3000, t + 3000, 2000, 0);
	close_flow(c, 2, 5000, false);
	cr_assert_eq(R.n_fed, 3000, "bytes after the gap are inspected");
	cr_assert_eq(R.st[0].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[0].reason, EW_REASON_GAP);
	cr_assert_eq(R.st[0].bytes, 3000);
	cr_assert_eq(ew_content_stats(c)->bytes_gap, 2000);
	ew_content_free(c);
}

Test(engine, flow_bytes_truncates)
{
	struct ew_content *c = engine(4096, 0);
	const uint8_t *t = text(8192);

	chunk(c, 3, 0, t, 4096, EW_CHUNK_F_START);
	chunk(c, 3, 4096, t + 4096, 4096, 0); /* past the window: the kernel would not send it */
	close_flow(c, 3, 100000, false);
	cr_assert_eq(R.st[0].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[0].reason, EW_REASON_FLOW_BYTES);
	cr_assert_eq(R.st[0].bytes, 4096);
	cr_assert_eq(R.n_fed, 4096);
	ew_content_free(c);
}

Test(engine, tls_is_encrypted_and_not_fed)
{
	struct ew_content *c = engine(0, 0);
	uint8_t hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};

	chunk(c, 4, 0, hello, 2, EW_CHUNK_F_START); /* the record header split over two */
	chunk(c, 4, 2, hello + 2, 4, 0);
	close_flow(c, 4, 6, false);
	cr_assert_eq(R.st[0].status, EW_INSPECT_ENCRYPTED);
	cr_assert_eq(R.n_fed, 0);
	cr_assert_eq(R.st[0].bytes, 0);
	ew_content_free(c);
}

Test(engine, two_byte_flow_is_plaintext)
{
	struct ew_content *c = engine(0, 0);

	chunk(c, 5, 0, "\x16\x03", 2, EW_CHUNK_F_START);
	close_flow(c, 5, 2, false);
	cr_assert_eq(R.st[0].status, EW_INSPECT_COMPLETE);
	cr_assert_eq(R.n_fed, 2);
	ew_content_free(c);
}

Test(engine, skipped_refused_none_started_before)
{
	struct ew_content *c = engine(0, 1);

	chunk(c, 10, 0, "", 0, EW_CHUNK_F_SKIPPED);
	chunk(c, 11, 0, "abc", 3, EW_CHUNK_F_START);
	chunk(c, 12, 0, "abc", 3, EW_CHUNK_F_START); /* a second stream: past max_streams */
	close_flow(c, 10, 500, false);
	close_flow(c, 12, 3, false);
	close_flow(c, 11, 3, false);
	close_flow(c, 13, 100, true);  /* open before the engine: nothing captured */
	close_flow(c, 14, 100, false); /* nothing arrived: every chunk lost */
	close_flow(c, 15, 0, false);   /* sent nothing: nothing to state */
	cr_assert_eq(R.n_st, 5);
	cr_assert_eq(R.st[0].status, EW_INSPECT_NONE);
	cr_assert_eq(R.st[0].reason, EW_REASON_SKIPPED);
	cr_assert_eq(R.st[1].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[1].reason, EW_REASON_MAX_STREAMS);
	cr_assert_eq(R.st[2].status, EW_INSPECT_COMPLETE);
	cr_assert_eq(R.st[3].reason, EW_REASON_STARTED_BEFORE);
	cr_assert_eq(R.st[3].status, EW_INSPECT_NONE);
	cr_assert_eq(R.st[4].reason, EW_REASON_GAP);
	cr_assert_eq(ew_content_stats(c)->streams_refused, 1);
	cr_assert_eq(ew_content_stats(c)->streams_skipped, 1);
	ew_content_free(c);
}

Test(engine, lost_start_is_a_gap)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(2000);

	chunk(c, 20, 1000, t + 1000, 1000, 0);
	close_flow(c, 20, 2000, false);
	cr_assert_eq(R.st[0].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[0].reason, EW_REASON_GAP);
	cr_assert_eq(R.st[0].bytes, 1000);
	ew_content_free(c);
}

Test(engine, mid_stream_of_an_old_flow_is_started_before)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(2000);

	chunk(c, 21, 1000, t + 1000, 1000, 0);
	close_flow(c, 21, 2000, true);
	cr_assert_eq(R.st[0].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[0].reason, EW_REASON_STARTED_BEFORE);
	cr_assert_eq(R.st[0].bytes, 1000);
	ew_content_free(c);
}

Test(engine, sink_stop_reason)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(3000);

	R.stop_after = 1500;
	chunk(c, 30, 0, t, 1000, EW_CHUNK_F_START);
	chunk(c, 30, 1000, t + 1000, 1000, 0);
	chunk(c, 30, 2000, t + 2000, 1000, 0);
	close_flow(c, 30, 3000, false);
	cr_assert_eq(R.st[0].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[0].reason, EW_REASON_DECODE_ERROR);
	cr_assert_eq(R.n_fed, 2000, "nothing is fed after the sink said stop");
	ew_content_free(c);
}

Test(engine, forget_and_idle_free_state)
{
	struct ew_content *c = engine(0, 1);
	const uint8_t *t = text(100);

	chunk(c, 40, 0, t, 100, EW_CHUNK_F_START);
	cr_assert_eq(ew_content_stats(c)->streams_active, 1);
	ew_content_forget(c, 40);
	cr_assert_eq(ew_content_stats(c)->streams_active, 0);
	cr_assert_eq(R.closes, 1);
	close_flow(c, 40, 0, false);
	cr_assert_eq(R.n_st, 0, "a forgotten flow that sent nothing states nothing");

	chunk(c, 41, 0, t, 50, EW_CHUNK_F_START);
	ew_content_tick(c, 1000 + 301ull * 1000000000ull);
	cr_assert_eq(ew_content_stats(c)->streams_active, 0, "idle: state handed back");
	chunk(c, 42, 0, t, 10, EW_CHUNK_F_START); /* room again for another stream */
	chunk(c, 41, 50, t + 50, 50, 0);	  /* the idle one comes back: no room */
	close_flow(c, 41, 100, false);
	cr_assert_eq(R.st[0].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[0].reason, EW_REASON_MAX_STREAMS);
	cr_assert_eq(R.st[0].bytes, 50);
	ew_content_free(c);
}

Test(engine, table_full_and_malformed)
{
	struct ew_content *c = engine(0, 1); /* room for 4 flows' outcomes */
	uint8_t junk[EW_CHUNK_HDR + 8] = {0};

	for (uint64_t k = 1; k <= 6; k++)
		chunk(c, 100 + k, 0, "", 0, EW_CHUNK_F_SKIPPED);
	cr_assert_eq(ew_content_stats(c)->streams_untracked, 2);
	ew_content_chunk(c, junk, sizeof(junk)); /* type 0 */
	ew_content_chunk(c, junk, 3);
	cr_assert_eq(ew_content_stats(c)->chunks_bad, 2);
	ew_content_free(c);
}

/* content.inbound: a flow's received stream is reassembled on its own and stated after the sent
 * one. */
Test(engine, inbound_stream_per_direction)
{
	struct ew_content_opts o = {
	    .sink = &sink, .sink_ctx = &R, .inbound = true, .emit = emit, .emit_arg = &R};
	struct ew_ev_tcp ev = {.h = {.type = EW_EV_TCP_CLOSE, .size = sizeof(ev), .ts_ns = 2000},
			       .cookie = 9};
	static struct ew_ev_chunk ch;
	const uint8_t *t = text(6000);
	struct ew_content *c, *off;

	memset(&R, 0, sizeof(R));
	cr_assert_eq(ew_content_new(&o, &c), 0);
	chunk(c, 9, 0, t, 1000, EW_CHUNK_F_START);
	memset(&ch, 0, sizeof(ch));
	ch.h.type = EW_EV_CONTENT_CHUNK;
	ch.h.size = EW_CHUNK_HDR + 4000;
	ch.cookie = 9;
	ch.len = 4000;
	ch.dir = EW_DIR_IN;
	ch.flags = EW_CHUNK_F_START;
	memcpy(ch.data, t, 4000);
	ew_content_chunk(c, &ch, EW_CHUNK_HDR + 4000);
	ew_content_close(c, &ev, 1000, 5000, false);
	cr_assert_eq(R.opens, 2);
	cr_assert_eq(R.n_fed, 5000);
	cr_assert_eq(R.n_st, 2);
	cr_assert_eq(R.st[0].dir, EW_DIR_OUT);
	cr_assert_eq(R.st[0].status, EW_INSPECT_COMPLETE);
	cr_assert_eq(R.st[0].bytes, 1000);
	cr_assert_eq(R.st[1].dir, EW_DIR_IN);
	cr_assert_eq(R.st[1].status, EW_INSPECT_TRUNCATED, "1000 received bytes never came");
	cr_assert_eq(R.st[1].reason, EW_REASON_GAP);
	cr_assert_eq(R.st[1].bytes, 4000);
	ew_content_free(c);

	/* Off (the default), a received chunk is malformed and no dir-in status is said. */
	o.inbound = false;
	memset(&R, 0, sizeof(R));
	cr_assert_eq(ew_content_new(&o, &off), 0);
	ew_content_chunk(off, &ch, EW_CHUNK_HDR + 4000);
	cr_assert_eq(ew_content_stats(off)->chunks_bad, 1);
	ew_content_close(off, &ev, 0, 5000, false);
	cr_assert_eq(R.n_st, 0);
	ew_content_free(off);
}

/* The wire stream is TLS; its library's plaintext then takes over. */
Test(engine, tls_plaintext_takes_over_the_wire_stream)
{
	struct ew_content *c = engine(0, 0);
	uint8_t hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
	uint8_t appdata[] = {0x17, 0x03, 0x03, 0x00, 0x20, 0xee};
	const uint8_t *t = text(6000);

	chunk(c, 9, 0, hello, sizeof(hello), EW_CHUNK_F_START);
	chunk(c, 9, 6, appdata, sizeof(appdata), 0); /* the record of the write below, encrypted */
	chunk(c, 9, 0, t, 4096, EW_CHUNK_F_TLS | EW_CHUNK_F_START);
	chunk(c, 9, 12, appdata, sizeof(appdata), 0); /* later ciphertext: not fed */
	chunk(c, 9, 4096, t + 4096, 1904, EW_CHUNK_F_TLS);
	close_flow(c, 9, 6100, false);
	cr_assert_eq(R.n_st, 1);
	cr_assert_eq(R.st[0].status, EW_INSPECT_COMPLETE, "status %d", R.st[0].status);
	cr_assert_eq(R.st[0].bytes, 6000);
	cr_assert_eq(R.n_fed, 6000);
	cr_assert(memcmp(R.fed, t, 6000) == 0);
	cr_assert_eq(ew_content_stats(c)->streams_tls, 1);
	ew_content_free(c);
}

/* content.write_bytes cut a write: no gap, but not complete either. */
Test(engine, tls_cut_write_is_truncated_write_bytes)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(40000);

	chunk(c, 10, 0, t, 4096, EW_CHUNK_F_TLS | EW_CHUNK_F_START);
	chunk(c, 10, 4096, t + 4096, 4096, EW_CHUNK_F_TLS | EW_CHUNK_F_CUT);
	chunk(c, 10, 30000, t + 30000, 100, EW_CHUNK_F_TLS); /* the next write */
	close_flow(c, 10, 40000, false);
	cr_assert_eq(R.st[0].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[0].reason, EW_REASON_WRITE_BYTES, "reason %d", R.st[0].reason);
	cr_assert_eq(R.n_fed, 8292);
	cr_assert_eq(ew_content_stats(c)->bytes_gap, 0, "a cut is not a loss");
	ew_content_free(c);
}

/* A lost chunk of a TLS stream is a gap, as on the wire. */
Test(engine, tls_lost_chunk_is_a_gap)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(9000);

	chunk(c, 11, 0, t, 4096, EW_CHUNK_F_TLS | EW_CHUNK_F_START);
	chunk(c, 11, 8192, t + 8192, 808, EW_CHUNK_F_TLS);
	close_flow(c, 11, 9100, false);
	cr_assert_eq(R.st[0].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[0].reason, EW_REASON_GAP);
	ew_content_free(c);
}

/* An NSPR socket without TLS: PR_Write's bytes are the wire's; the wire wins. */
Test(engine, tls_chunks_of_a_plaintext_stream_are_dropped)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(100);

	chunk(c, 12, 0, t, 100, EW_CHUNK_F_START);
	chunk(c, 12, 0, t, 100, EW_CHUNK_F_TLS | EW_CHUNK_F_START);
	close_flow(c, 12, 100, false);
	cr_assert_eq(R.st[0].status, EW_INSPECT_COMPLETE);
	cr_assert_eq(R.n_fed, 100);
	cr_assert_eq(ew_content_stats(c)->chunks_tls_plain, 1);
	ew_content_free(c);
}

/* A session opened before the agent: classified from its next write, but
 * what it wrote before is unknown. */
Test(engine, tls_session_older_than_the_agent_is_started_before)
{
	struct ew_content *c = engine(0, 0);
	const uint8_t *t = text(500);

	chunk(c, 13, 0, t, 500, EW_CHUNK_F_TLS | EW_CHUNK_F_START);
	close_flow(c, 13, 9000, true);
	cr_assert_eq(R.st[0].status, EW_INSPECT_TRUNCATED);
	cr_assert_eq(R.st[0].reason, EW_REASON_STARTED_BEFORE);
	cr_assert_eq(R.n_fed, 500);
	ew_content_free(c);
}

/* A flow older than the agent: its wire stream was joined mid-stream, so
 * whether it is TLS is unknown; its library's plaintext takes over. */
Test(engine, tls_plaintext_takes_over_a_stream_joined_mid_stream)
{
	struct ew_content *c = engine(0, 0);
	uint8_t appdata[] = {0x17, 0x03, 0x03, 0x00, 0x20, 0xee};
	const uint8_t *t = text(300);

	chunk(c, 14, 5000, appdata, sizeof(appdata), 0);
	chunk(c, 14, 0, t, 300, EW_CHUNK_F_TLS | EW_CHUNK_F_START);
	close_flow(c, 14, 9000, true);
	cr_assert_eq(R.st[0].reason, EW_REASON_STARTED_BEFORE);
	cr_assert_eq(R.st[0].bytes, 300);
	cr_assert(memcmp(R.fed + R.n_fed - 300, t, 300) == 0, "the plaintext was fed last");
	ew_content_free(c);
}
