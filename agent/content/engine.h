/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engine.h - the content engine: puts the chunks the kernel captured
 * (EW_EV_CONTENT_CHUNK) back in stream order per flow, hands the in-order
 * bytes to a sink (the decoders and recognisers), and states per flow how
 * much of what it sent was inspected (EW_EV_CONTENT_STATUS) when it closes.
 *
 * Chunks are raw: they never reach the pipeline or a capture. What the
 * engine and its sink derive from them (statuses, hits) goes to the emit
 * callback, which a live run points at the pipeline, so a replay of the
 * capture writes the same records without ever seeing a byte of content.
 *
 * Streams are keyed by socket cookie and direction (the process's keyed
 * hash buckets them by cookie; what a flow receives is captured only with
 * content.inbound) and bounded: content.max_streams streams hold sink state at once;
 * a flow starting past that is not inspected (truncated, max_streams).
 * Reassembly is by offset: bytes before the next expected one are
 * retransmissions (dropped), a jump forward is a gap (stated, and the
 * stream goes on after it). Nothing here reads the clock: times come from
 * the events and from ew_content_tick().
 */
#ifndef EW_CONTENT_ENGINE_H
#define EW_CONTENT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ew.h"

/*
 * Where in-order bytes go: one state per stream (direction of a flow).
 * open() may return NULL (no state needed); feed() returns 0 to go on, or
 * minus an enum ew_inspect_reason to stop (the stream is truncated with
 * that reason; later bytes are not fed); close() flushes and frees, and may
 * emit derived events (ew_content_emit()). @ts is the boottime of the
 * stream's latest chunk: the time the derived events carry.
 */
struct ew_content_sink_ops {
	void *(*open)(void *ctx, uint64_t cookie, uint8_t dir);
	int (*feed)(void *ctx, void *st, const uint8_t *p, size_t n, uint64_t ts);
	void (*close)(void *ctx, void *st, uint64_t cookie, uint8_t dir, uint64_t ts);
	/* may be NULL: hand on what was held back (its flow was not known yet) */
	void (*poll)(void *ctx, void *st);
};

/* Receives each derived event (CONTENT_STATUS; the sink's CONTENT_HITS). */
typedef void (*ew_content_emit_fn)(void *arg, const void *ev, size_t len);

struct ew_content_opts {
	uint32_t flow_bytes;  /* bytes inspected per stream; 0: 262144 */
	uint32_t max_streams; /* streams with sink state at once; 0: 4096 */
	bool inbound;	      /* take EW_DIR_IN chunks and state received streams */
	/* a stream without a chunk this long hands its sink state back (the
	 * sink is closed; later bytes reopen it); 0: 300 s */
	uint64_t idle_ns;
	const struct ew_content_sink_ops *sink; /* NULL: bytes are counted, nothing else */
	void *sink_ctx;
	ew_content_emit_fn emit;
	void *emit_arg;
};

/* What the engine counts; ew_content_metrics() exports it. */
struct ew_content_stats {
	uint64_t streams_opened;    /* streams that got sink state */
	uint64_t streams_active;    /* with sink state now */
	uint64_t streams_refused;   /* past max_streams */
	uint64_t streams_skipped;   /* peer in a skip network */
	uint64_t streams_untracked; /* no room even to remember a flow's outcome */
	uint64_t streams_idle;	    /* sink state handed back for idleness */
	uint64_t statuses;	    /* CONTENT_STATUS events emitted */
	uint64_t bytes_inspected;   /* in-order bytes fed to the sink */
	uint64_t bytes_duplicate;   /* retransmitted bytes dropped */
	uint64_t bytes_gap;	    /* bytes of streams that never arrived */
	uint64_t chunks;	    /* chunk events taken */
	uint64_t chunks_bad;	    /* malformed chunk events */
	uint64_t streams_tls;	    /* streams fed the plaintext of their TLS library */
	uint64_t chunks_tls_plain;  /* TLS-library chunks of a plaintext stream: dropped */
	uint64_t by_status[EW_INSPECT_MAX];
	uint64_t by_reason[EW_REASON_MAX]; /* of statuses not complete */
};

struct ew_content;

/** ew_content_new() - an empty stream table. Return: 0, or -ENOMEM / -EINVAL. */
int ew_content_new(const struct ew_content_opts *o, struct ew_content **out);

/**
 * ew_content_chunk() - take one raw EW_EV_CONTENT_CHUNK (@len bytes as the
 * ring delivered them: untrusted; a malformed one is counted and dropped).
 */
void ew_content_chunk(struct ew_content *c, const void *data, size_t len);

/**
 * ew_content_close() - the flow of @ev (a TCP_CLOSE) ended: end its streams
 * and emit their CONTENT_STATUS (dir out; then dir in when the engine is
 * inbound), before the close itself goes on.
 * @sent: payload bytes the flow sent (ew_tcp_payload()'s out)
 * @received: payload bytes it received (ew_tcp_payload()'s in)
 * @old: the flow was open before the agent saw it start (a sweep found it):
 *	a stream whose start never came is started_before, not a gap
 *
 * A direction that carried nothing and left no stream emits nothing.
 */
void ew_content_close(struct ew_content *c, const struct ew_ev_tcp *ev, uint64_t sent,
		      uint64_t received, bool old);

/** ew_content_forget() - the flow table let @cookie's flow go (evicted, vanished): free it. */
void ew_content_forget(struct ew_content *c, uint64_t cookie);

/**
 * ew_content_poll() - after the flow events were drained: sinks hand on what
 * they held back for flows not known when their bytes came (a connect read
 * after its first bytes), so an alert does not wait for the flow's close.
 */
void ew_content_poll(struct ew_content *c);

/** ew_content_tick() - at boottime @now: idle streams hand their sink state back. */
void ew_content_tick(struct ew_content *c, uint64_t now);

/** ew_content_emit() - for sinks: hand a derived event on. */
void ew_content_emit(struct ew_content *c, const void *ev, size_t len);

const struct ew_content_stats *ew_content_stats(const struct ew_content *c);

/*
 * The engine's own counters see the chunks, which no capture holds: they are
 * logged when it stops. What the flows' statuses say is counted from the
 * CONTENT_STATUS events by the content stage (content_stage.c), so a replay
 * reports what the live run did.
 */

/** ew_content_free() - closes every open stream's sink (no statuses). NULL is fine. */
void ew_content_free(struct ew_content *c);

#endif
