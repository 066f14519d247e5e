// SPDX-License-Identifier: GPL-2.0-only
/*
 * The content engine under arbitrary sequences of chunks (any offset,
 * length, flags, well formed or not), closes, forgets and ticks, with a
 * sink that reads every byte it is fed: out-of-bounds reads, leaks of sink
 * state and broken accounting show up here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/engine.h"
#include "pipeline/metrics.h"

/* engine.c's metrics stage is not exercised here; these stand in for metrics.c. */
void ew_metrics_add(struct ew_metrics *m, const char *name, const char *help, int flags,
		    uint64_t value)
{
	(void)m, (void)name, (void)help, (void)flags, (void)value;
}

void ew_metrics_add1(struct ew_metrics *m, const char *name, const char *help, int flags,
		     const char *label, const char *key, uint64_t value)
{
	(void)m, (void)name, (void)help, (void)flags, (void)label, (void)key, (void)value;
}

static int open_states;
static volatile uint8_t sink_sum;

static void *s_open(void *ctx, uint64_t cookie, uint8_t dir)
{
	(void)ctx, (void)cookie, (void)dir;
	open_states++;
	return malloc(16); /* leaked unless closed: ASan reports it */
}

static int s_feed(void *ctx, void *st, const uint8_t *p, size_t n, uint64_t ts)
{
	(void)ctx;
	if (!st)
		abort();
	for (size_t i = 0; i < n; i++)
		sink_sum ^= p[i];
	return n && p[0] == 0xee ? -EW_REASON_DECODE_ERROR : 0;
}

static void s_close(void *ctx, void *st, uint64_t cookie, uint8_t dir, uint64_t ts)
{
	(void)ctx, (void)cookie, (void)dir;
	open_states--;
	free(st);
}

static const struct ew_content_sink_ops sink = {s_open, s_feed, s_close};

static void emit(void *arg, const void *ev, size_t len)
{
	const struct ew_ev_content_status *s = ev;

	(void)arg;
	if (len != sizeof(*s) || s->status >= EW_INSPECT_MAX || s->reason >= EW_REASON_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[EW_CHUNK_HDR + EW_CHUNK_MAX + 16];
	struct ew_content_opts o = {
	    .flow_bytes = 65536, .max_streams = 2, .inbound = true, .sink = &sink, .emit = emit};
	struct ew_content *c;
	uint64_t now = 0;

	if (ew_content_new(&o, &c))
		return 0;
	while (size >= 8) {
		uint8_t op = data[0] & 3, cookie = data[1] & 7;
		uint32_t off, n;

		memcpy(&off, data + 2, 4);
		n = (uint32_t)data[6] << 8 | data[7];
		data += 8;
		size -= 8;
		if (op == 0) { /* a chunk: header fields from the input, then its bytes */
			struct ew_ev_chunk *ev = (void *)buf;
			size_t len = n % (sizeof(buf) + 1);

			if (len > size + EW_CHUNK_HDR)
				len = size + EW_CHUNK_HDR;
			memset(buf, 0, sizeof(buf));
			if (len >= EW_CHUNK_HDR) {
				memcpy(ev->data, data, len - EW_CHUNK_HDR);
				data += len - EW_CHUNK_HDR;
				size -= len - EW_CHUNK_HDR;
			}
			ev->h.type = cookie == 7 ? (uint16_t)off : EW_EV_CONTENT_CHUNK;
			ev->h.size = (uint16_t)(cookie == 6 ? n : len);
			ev->h.ts_ns = now;
			ev->cookie = cookie;
			ev->offset = off % 70000; /* near and past flow_bytes */
			ev->len = (uint16_t)(len >= EW_CHUNK_HDR ? len - EW_CHUNK_HDR : n);
			ev->flags = (uint8_t)(off >> 24);
			/* mostly out; in; and a direction that does not exist */
			ev->dir = (off >> 20 & 7) >= 6 ? (off >> 20 & 7) - 5 : 0;
			ew_content_chunk(c, buf, len);
		} else if (op == 1) {
			struct ew_ev_tcp ev = {.h = {.type = EW_EV_TCP_CLOSE, .size = sizeof(ev)},
					       .cookie = cookie};

			ew_content_close(c, &ev, off % 80000, off % 70001, n & 1);
		} else if (op == 2) {
			ew_content_forget(c, cookie);
		} else {
			now += (uint64_t)off * 1000000;
			ew_content_tick(c, now);
		}
		if (ew_content_stats(c)->streams_active > 2 ||
		    (uint64_t)open_states != ew_content_stats(c)->streams_active)
			abort();
	}
	ew_content_free(c);
	if (open_states)
		abort();
	return 0;
}
