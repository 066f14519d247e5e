// SPDX-License-Identifier: GPL-2.0-only
#include "content/engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/stage.h"
#include "util/siphash.h"

/* Flows whose outcome is remembered (skipped, refused, parked) besides the
 * streams with sink state: a marker costs its entry only. */
#define ENTRIES_PER_STREAM 4
#define TLS_HEAD	   3 /* a record's type and version tell TLS */

enum kind {
	K_FREE,
	K_STREAM,  /* inspected: reassembled and fed */
	K_SKIPPED, /* the kernel said: peer in a skip network */
	K_REFUSED, /* past max_streams */
};

struct stream {
	uint64_t cookie;
	uint64_t last_ns;
	uint64_t inspected; /* bytes fed to the sink */
	void *sink_st;
	uint32_t hnext; /* bucket chain (1-based index; 0: end), or the free list */
	uint32_t next;	/* stream offset of the next byte expected */
	uint8_t kind;
	uint8_t dir;	/* EW_DIR_OUT, EW_DIR_IN: a flow has a stream per direction */
	uint8_t reason; /* enum ew_inspect_reason: why the sink stopped; NONE */
	bool open;	/* holds sink state (counts against max_streams) */
	bool stopped;	/* nothing more is fed: encrypted, the sink said stop, flow_bytes */
	bool encrypted;
	bool gap;
	bool no_start; /* its first bytes never came: lost, or sent before the agent */
	bool started;  /* the first TLS_HEAD bytes were looked at */
	bool tls;      /* fed the plaintext its TLS library was handed, not the wire's bytes */
	bool cut;      /* TLS writes were taken in part (content.write_bytes) */
	bool cut_next; /* the latest chunk was cut: a jump to the next one is no gap */
	uint8_t head_n;
	uint8_t head[TLS_HEAD];
};

struct ew_content {
	struct ew_content_opts o;
	struct stream *v; /* entries, [0] unused so that index 0 means none */
	uint32_t *buckets;
	uint32_t mask;
	uint32_t n_entries;
	uint32_t free_head;
	struct ew_content_stats st;
};

static void null_sink_close(void *ctx, void *st, uint64_t cookie, uint8_t dir, uint64_t ts)
{
	(void)ctx, (void)st, (void)cookie, (void)dir;
}

static int null_sink_feed(void *ctx, void *st, const uint8_t *p, size_t n, uint64_t ts)
{
	(void)ctx, (void)st, (void)p, (void)n;
	return 0;
}

static void *null_sink_open(void *ctx, uint64_t cookie, uint8_t dir)
{
	(void)ctx, (void)cookie, (void)dir;
	return NULL;
}

static const struct ew_content_sink_ops null_sink = {
    .open = null_sink_open,
    .feed = null_sink_feed,
    .close = null_sink_close,
};

int ew_content_new(const struct ew_content_opts *o, struct ew_content **out)
{
	struct ew_content *c = calloc(1, sizeof(*c));
	uint64_t n, nb = 1;

	if (!c)
		return -ENOMEM;
	c->o = *o;
	if (!c->o.flow_bytes)
		c->o.flow_bytes = 262144;
	if (!c->o.max_streams)
		c->o.max_streams = 4096;
	if (!c->o.idle_ns)
		c->o.idle_ns = 300ull * 1000000000ull;
	if (!c->o.sink)
		c->o.sink = &null_sink;
	n = (uint64_t)c->o.max_streams * ENTRIES_PER_STREAM;
	if (c->o.flow_bytes > (1u << 30) || n > (1u << 24)) {
		free(c);
		return -EINVAL;
	}
	while (nb < n)
		nb <<= 1;
	c->n_entries = (uint32_t)n;
	c->mask = (uint32_t)nb - 1;
	c->v = calloc(n + 1, sizeof(*c->v));
	c->buckets = calloc(nb, sizeof(*c->buckets));
	if (!c->v || !c->buckets) {
		ew_content_free(c);
		return -ENOMEM;
	}
	for (uint32_t i = 1; i <= c->n_entries; i++)
		c->v[i].hnext = i < c->n_entries ? i + 1 : 0;
	c->free_head = 1;
	*out = c;
	return 0;
}

static uint32_t *bucket(struct ew_content *c, uint64_t cookie)
{
	return &c->buckets[ew_hash_u64(cookie) & c->mask];
}

static struct stream *find(struct ew_content *c, uint64_t cookie, uint8_t dir)
{
	for (uint32_t i = *bucket(c, cookie); i; i = c->v[i].hnext)
		if (c->v[i].cookie == cookie && c->v[i].dir == dir)
			return &c->v[i];
	return NULL;
}

static struct stream *add(struct ew_content *c, uint64_t cookie, uint8_t dir, enum kind kind,
			  uint64_t now)
{
	uint32_t i = c->free_head, *b;
	struct stream *s;

	if (!i) {
		c->st.streams_untracked++;
		return NULL;
	}
	s = &c->v[i];
	c->free_head = s->hnext;
	memset(s, 0, sizeof(*s));
	s->cookie = cookie;
	s->dir = dir;
	s->kind = (uint8_t)kind;
	s->last_ns = now;
	b = bucket(c, cookie);
	s->hnext = *b;
	*b = i;
	return s;
}

/* Hands the sink state back; the entry stays. */
static void park(struct ew_content *c, struct stream *s)
{
	if (!s->open)
		return;
	c->o.sink->close(c->o.sink_ctx, s->sink_st, s->cookie, s->dir, s->last_ns);
	s->sink_st = NULL;
	s->open = false;
	c->st.streams_active--;
}

static void drop(struct ew_content *c, struct stream *s)
{
	uint32_t idx = (uint32_t)(s - c->v), *p = bucket(c, s->cookie);

	park(c, s);
	while (*p && *p != idx)
		p = &c->v[*p].hnext;
	if (*p)
		*p = s->hnext;
	s->kind = K_FREE;
	s->hnext = c->free_head;
	c->free_head = idx;
}

/* Sink state for a stream that has bytes to feed; false: past max_streams. */
static bool ensure_open(struct ew_content *c, struct stream *s)
{
	if (s->open)
		return true;
	if (c->st.streams_active >= c->o.max_streams)
		return false;
	s->sink_st = c->o.sink->open(c->o.sink_ctx, s->cookie, s->dir);
	s->open = true;
	c->st.streams_active++;
	return true;
}

static void feed(struct ew_content *c, struct stream *s, const uint8_t *p, size_t n)
{
	int rc;

	if (s->stopped || !n)
		return;
	if (!ensure_open(c, s)) {
		/* a parked stream found no room again: its bytes go uninspected */
		s->stopped = true;
		s->reason = EW_REASON_MAX_STREAMS;
		return;
	}
	rc = c->o.sink->feed(c->o.sink_ctx, s->sink_st, p, n, s->last_ns);
	s->inspected += n;
	c->st.bytes_inspected += n;
	if (rc < 0) {
		s->stopped = true;
		s->reason = -rc > 0 && -rc < EW_REASON_MAX ? (uint8_t)-rc : EW_REASON_DECODE_ERROR;
	}
}

static bool tls_record(const uint8_t h[TLS_HEAD])
{
	return h[0] == 0x16 && h[1] == 0x03 && h[2] <= 0x04;
}

/* In-order bytes: the first TLS_HEAD decide whether the stream is plaintext. */
static void deliver(struct ew_content *c, struct stream *s, const uint8_t *p, size_t n)
{
	if (!s->started) {
		while (s->head_n < TLS_HEAD && n) {
			s->head[s->head_n++] = *p++;
			n--;
		}
		if (s->head_n < TLS_HEAD)
			return;
		s->started = true;
		if (tls_record(s->head)) {
			s->encrypted = s->stopped = true;
			park(c, s);
			return;
		}
		feed(c, s, s->head, TLS_HEAD);
	}
	feed(c, s, p, n);
}

static bool chunk_ok(const struct ew_content *c, const struct ew_ev_chunk *ev, size_t len)
{
	return len >= EW_CHUNK_HDR && ev->h.type == EW_EV_CONTENT_CHUNK && ev->h.size == len &&
	       ev->len <= EW_CHUNK_MAX && (size_t)EW_CHUNK_HDR + ev->len == len &&
	       (ev->dir == EW_DIR_OUT || (ev->dir == EW_DIR_IN && c->o.inbound));
}

/* A stream's first chunk: what kind of entry remembers the flow. */
static struct stream *first_chunk(struct ew_content *c, const struct ew_ev_chunk *ev)
{
	struct stream *s;

	if (ev->flags & EW_CHUNK_F_SKIPPED) {
		c->st.streams_skipped++;
		return add(c, ev->cookie, ev->dir, K_SKIPPED, ev->h.ts_ns);
	}
	if (c->st.streams_active >= c->o.max_streams) {
		c->st.streams_refused++;
		return add(c, ev->cookie, ev->dir, K_REFUSED, ev->h.ts_ns);
	}
	s = add(c, ev->cookie, ev->dir, K_STREAM, ev->h.ts_ns);
	if (!s)
		return NULL;
	c->st.streams_opened++;
	ensure_open(c, s);
	/* Its start never arrived: lost (the ring was full), or the socket sent
	 * it before the agent ran; the close tells which. */
	if (!(ev->flags & EW_CHUNK_F_START) || ev->offset) {
		s->gap = s->no_start = true;
		c->st.bytes_gap += ev->offset;
		s->next = ev->offset;
		s->started = true; /* mid-stream bytes tell nothing of TLS */
	}
	return s;
}

/*
 * A wire stream that turned out to be TLS gets the plaintext its library
 * was handed instead: it starts again from the first plaintext chunk.
 */
static void tls_takeover(struct ew_content *c, struct stream *s, const struct ew_ev_chunk *ev)
{
	park(c, s);
	s->encrypted = s->stopped = s->gap = s->no_start = false;
	s->inspected = 0;
	s->reason = EW_REASON_NONE;
	s->head_n = 0;
	s->next = 0;
	if (!(ev->flags & EW_CHUNK_F_START) || ev->offset) {
		s->gap = s->no_start = true;
		c->st.bytes_gap += ev->offset;
		s->next = ev->offset;
	}
	c->st.streams_tls++;
}

/*
 * Which chunks a stream takes: a TLS stream only its plaintext, a wire
 * stream that is TLS (or joined mid-stream) switches to its plaintext at
 * the first such chunk, and a plaintext wire stream (an NSPR socket without TLS, whose PR_Write
 * carries the same bytes) keeps its wire bytes. False: drop @ev.
 */
static bool tls_route(struct ew_content *c, struct stream *s, const struct ew_ev_chunk *ev)
{
	bool plain = ev->flags & EW_CHUNK_F_TLS;

	if (s->kind != K_STREAM || s->tls == plain)
		return true;
	if (!plain)
		return false; /* the ciphertext of a stream whose plaintext comes */
	/* A wire stream seen from its start that is not TLS keeps its bytes; one
	 * joined mid-stream (older than the agent) could be either: the
	 * library's plaintext is the surer. */
	if (s->started && !s->encrypted && !s->no_start) {
		c->st.chunks_tls_plain++;
		return false;
	}
	tls_takeover(c, s, ev);
	s->tls = s->started = true;
	return true;
}

void ew_content_chunk(struct ew_content *c, const void *data, size_t len)
{
	const struct ew_ev_chunk *ev = data;
	const uint8_t *p;
	struct stream *s;
	uint32_t off, n;

	if (!chunk_ok(c, ev, len)) {
		c->st.chunks_bad++;
		return;
	}
	c->st.chunks++;
	s = find(c, ev->cookie, ev->dir);
	if (!s) {
		if (!(s = first_chunk(c, ev)))
			return;
		if (ev->flags & EW_CHUNK_F_TLS) {
			s->tls = s->started = true; /* plaintext: no record header to look for */
			c->st.streams_tls++;
		}
	} else if (!tls_route(c, s, ev)) {
		return;
	}
	if (s->kind != K_STREAM || !ev->len)
		return;
	s->last_ns = ev->h.ts_ns;
	off = ev->offset;
	n = ev->len;
	p = ev->data;
	/* Offsets are below flow_bytes (<= 1 GiB): plain comparisons hold. */
	if (off >= c->o.flow_bytes)
		return;
	if (n > c->o.flow_bytes - off)
		n = c->o.flow_bytes - off;
	if (off + n <= s->next) {
		c->st.bytes_duplicate += n;
		return;
	}
	if (off > s->next && s->cut_next) {
		s->cut = true;
	} else if (off > s->next) {
		s->gap = true;
		c->st.bytes_gap += off - s->next;
	} else {
		c->st.bytes_duplicate += s->next - off;
		p += s->next - off;
		n -= s->next - off;
	}
	s->next = off + n;
	s->cut_next = ev->flags & EW_CHUNK_F_CUT;
	deliver(c, s, p, n);
}

void ew_content_emit(struct ew_content *c, const void *ev, size_t len)
{
	if (c->o.emit)
		c->o.emit(c->o.emit_arg, ev, len);
}

static void status(struct ew_content *c, const struct ew_ev_tcp *tcp, uint8_t dir, uint64_t bytes,
		   enum ew_inspection st, enum ew_inspect_reason why)
{
	struct ew_ev_content_status ev;

	memset(&ev, 0, sizeof(ev));
	ev.h.type = EW_EV_CONTENT_STATUS;
	ev.h.size = sizeof(ev);
	ev.h.cpu = tcp->h.cpu;
	ev.h.ts_ns = tcp->h.ts_ns;
	ev.cookie = tcp->cookie;
	ev.bytes = bytes;
	ev.dir = dir;
	ev.status = (uint8_t)st;
	ev.reason = (uint8_t)why;
	c->st.statuses++;
	c->st.by_status[st]++;
	if (st != EW_INSPECT_COMPLETE)
		c->st.by_reason[why]++;
	ew_content_emit(c, &ev, sizeof(ev));
}

/* Why a stream that did not inspect all its flow sent stopped short. */
static enum ew_inspect_reason short_reason(const struct ew_content *c, const struct stream *s,
					   bool old)
{
	if (s->reason != EW_REASON_NONE)
		return s->reason;
	if ((s->no_start || s->tls) && old)
		return EW_REASON_STARTED_BEFORE;
	if (s->gap)
		return EW_REASON_GAP;
	if (s->cut)
		return EW_REASON_WRITE_BYTES;
	if (s->next >= c->o.flow_bytes)
		return EW_REASON_FLOW_BYTES;
	return EW_REASON_GAP; /* its tail never arrived */
}

/*
 * The wire's byte count says nothing of a TLS stream's plaintext: it is
 * whole when nothing was missed, cut, or sent before the agent saw it.
 */
static bool tls_whole(const struct ew_content *c, const struct stream *s, bool old)
{
	return s->reason == EW_REASON_NONE && !s->gap && !s->cut && !s->no_start && !old &&
	       s->next < c->o.flow_bytes;
}

/* One direction of a flow that closed; @sent: payload bytes in it. */
static void close_dir(struct ew_content *c, const struct ew_ev_tcp *ev, uint8_t dir, uint64_t sent,
		      bool old)
{
	struct stream *s = find(c, ev->cookie, dir);

	if (!s) {
		if (sent)
			status(c, ev, dir, 0, EW_INSPECT_NONE,
			       old ? EW_REASON_STARTED_BEFORE : EW_REASON_GAP);
		return;
	}
	if (s->kind == K_SKIPPED) {
		status(c, ev, dir, 0, EW_INSPECT_NONE, EW_REASON_SKIPPED);
	} else if (s->kind == K_REFUSED) {
		status(c, ev, dir, 0, EW_INSPECT_TRUNCATED, EW_REASON_MAX_STREAMS);
	} else {
		if (!s->started && s->head_n) {
			/* fewer bytes than a TLS record header: plaintext */
			s->started = true;
			feed(c, s, s->head, s->head_n);
		}
		if (s->encrypted)
			status(c, ev, dir, s->inspected, EW_INSPECT_ENCRYPTED, EW_REASON_NONE);
		else if (s->tls ? tls_whole(c, s, old)
				: s->inspected >= sent && s->reason == EW_REASON_NONE)
			status(c, ev, dir, s->inspected, EW_INSPECT_COMPLETE, EW_REASON_NONE);
		else
			status(c, ev, dir, s->inspected, EW_INSPECT_TRUNCATED,
			       short_reason(c, s, old));
	}
	drop(c, s);
}

void ew_content_close(struct ew_content *c, const struct ew_ev_tcp *ev, uint64_t sent,
		      uint64_t received, bool old)
{
	close_dir(c, ev, EW_DIR_OUT, sent, old);
	if (c->o.inbound)
		close_dir(c, ev, EW_DIR_IN, received, old);
}

void ew_content_forget(struct ew_content *c, uint64_t cookie)
{
	struct stream *s;

	if ((s = find(c, cookie, EW_DIR_OUT)))
		drop(c, s);
	if ((s = find(c, cookie, EW_DIR_IN)))
		drop(c, s);
}
void ew_content_poll(struct ew_content *c)
{
	if (!c->o.sink || !c->o.sink->poll)
		return;
	for (uint32_t i = 1; i <= c->n_entries; i++)
		if (c->v[i].open && c->v[i].sink_st)
			c->o.sink->poll(c->o.sink_ctx, c->v[i].sink_st);
}

void ew_content_tick(struct ew_content *c, uint64_t now)
{
	for (uint32_t i = 1; i <= c->n_entries; i++) {
		struct stream *s = &c->v[i];

		if (s->open && now > s->last_ns && now - s->last_ns >= c->o.idle_ns) {
			park(c, s);
			c->st.streams_idle++;
		}
	}
}

const struct ew_content_stats *ew_content_stats(const struct ew_content *c)
{
	return &c->st;
}

void ew_content_free(struct ew_content *c)
{
	if (!c)
		return;
	for (uint32_t i = 1; c->v && i <= c->n_entries; i++)
		park(c, &c->v[i]);
	free(c->v);
	free(c->buckets);
	free(c);
}
