// SPDX-License-Identifier: GPL-2.0-only
#include "kernel/udp_poll.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Entries read per BPF_MAP_LOOKUP_BATCH call. A hash map's batch ends at a
 * bucket boundary, so a bucket with more entries than this fails with ENOSPC
 * (the run then falls back to one key at a time).
 */
#define BATCH 1024

/*
 * An entry's last_ns is written after its bytes, by a program that took the
 * time before: a datagram counted just before a run's clock was read can
 * become visible just after its entry was read. Entries active this close to
 * the previous run are read again; reading one twice costs nothing (the
 * counters are cumulative).
 */
#define SLACK_NS 10000000ull

struct ew_udp_poll {
	struct ew_pipeline *p;
	int map_fd;
	bool no_batch; /* the kernel refused BPF_MAP_LOOKUP_BATCH: one key at a time */
	uint64_t since_ns;
	uint64_t deleted; /* entries the upkeep took out: a batch read before is stale */
	/* Counts the kernel made after a flow's last read, to feed before any later count. */
	struct ew_ev_udp_count *late;
	size_t n_late, cap_late;
	struct ew_udp_key *keys; /* BATCH of each */
	struct ew_udp_val *vals;
};

/* Queues @ev, then zeros for the same entry, or neither: the one without the other
 * would read the next count of the entry as a continuation of @ev's. */
static void queue_late(struct ew_udp_poll *u, const struct ew_ev_udp_count *ev)
{
	struct ew_ev_udp_count *q;

	if (u->n_late + 2 > u->cap_late) {
		size_t cap = u->cap_late ? 2 * u->cap_late : 64;
		struct ew_ev_udp_count *n = realloc(u->late, cap * sizeof(*n));

		if (!n)
			return; /* no memory: these bytes go unrecorded */
		u->late = n;
		u->cap_late = cap;
	}
	q = &u->late[u->n_late];
	u->n_late += 2;
	q[0] = q[1] = *ev;
	q[1].val.bytes_out = q[1].val.bytes_in = q[1].val.pkts_out = q[1].val.pkts_in = 0;
}

/*
 * A UDP flow ended: its entry goes, so the next datagram starts a new flow.
 * Bytes counted after the flow's last read are in the entry taken out; they
 * become a flow of their own: one count with just those bytes, then one of
 * zeros, which tells that flow its kernel counters start again from nothing
 * (a new entry may be counting already). Both are fed before any later
 * count of the same (socket, peer), which would otherwise be taken as a
 * continuation of them.
 */
static void record(struct ew_stage *s, const struct ew_flow *f, const struct ew_eval *e)
{
	struct ew_udp_poll *u = s->state;
	struct ew_udp_key k = {.cookie = f->cookie, .rport = f->peer_port};
	struct ew_ev_udp_count ev = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(ev)}};
	struct ew_udp_val v;

	(void)e;
	/* At the agent's stop the map goes with it, and nothing is read after. */
	if (f->proto != EW_IPPROTO_UDP || f->end == EW_END_NONE || f->end == EW_END_SHUTDOWN ||
	    u->map_fd < 0)
		return;
	memcpy(k.raddr, f->peer, 16);
	if (bpf_map_lookup_and_delete_elem(u->map_fd, &k, &v))
		return; /* no entry: the map had no room for it (counted in the kernel) */
	u->deleted++;
	if (v.bytes_out <= f->raw_out && v.bytes_in <= f->raw_in)
		return;
	ev.key = k;
	memcpy(ev.val.laddr, v.laddr, 16);
	ev.val.lport = v.lport;
	ev.val.family = v.family;
	ev.val.last_ns = v.last_ns;
	ev.val.bytes_out = v.bytes_out > f->raw_out ? v.bytes_out - f->raw_out : 0;
	ev.val.bytes_in = v.bytes_in > f->raw_in ? v.bytes_in - f->raw_in : 0;
	/* How many datagrams is not known; the flow stage reads them for the direction only. */
	ev.val.pkts_out = ev.val.bytes_out != 0;
	ev.val.pkts_in = ev.val.bytes_in != 0;
	queue_late(u, &ev);
}

static const struct ew_stage_def upkeep = {
    .name = "udp_map_upkeep",
    .record = record,
};

int ew_udp_poll_new(struct ew_pipeline *p, int map_fd, struct ew_udp_poll **out)
{
	struct ew_udp_poll *u = calloc(1, sizeof(*u));
	int rc;

	if (!u)
		return -ENOMEM;
	u->p = p;
	u->map_fd = map_fd;
	u->keys = calloc(BATCH, sizeof(*u->keys));
	u->vals = calloc(BATCH, sizeof(*u->vals));
	rc = u->keys && u->vals ? ew_pipeline_subscribe(p, &upkeep, u) : -ENOMEM;
	if (rc) {
		ew_udp_poll_free(u);
		return rc;
	}
	*out = u;
	return 0;
}

/* Feeding a late count can end another flow (a full flow table), which queues more. */
static void feed_late(struct ew_udp_poll *u, uint64_t now_ns)
{
	while (u->n_late) {
		struct ew_ev_udp_count *q = u->late;
		size_t n = u->n_late;

		u->late = NULL;
		u->n_late = u->cap_late = 0;
		for (size_t i = 0; i < n; i++) {
			q[i].h.ts_ns = now_ns;
			ew_pipeline_feed(u->p, &q[i], sizeof(q[i]));
		}
		free(q);
	}
}

static void feed(struct ew_udp_poll *u, const struct ew_udp_key *k, const struct ew_udp_val *v,
		 uint64_t now_ns)
{
	struct ew_ev_udp_count ev = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(ev)}};

	ev.h.ts_ns = now_ns;
	ev.key = *k;
	ev.val = *v;
	ew_pipeline_feed(u->p, &ev, sizeof(ev));
	feed_late(u, now_ns);
}

/* Return: entries fed, or -errno (EINVAL, ENOTSUPP: no batches here; ENOSPC: a long bucket). */
static int run_batched(struct ew_udp_poll *u, uint64_t now_ns)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = 0, out = 0;
	bool done = false;
	int fed = 0;

	for (bool first = true; !done; first = false, in = out) {
		__u32 n = BATCH;
		int rc = bpf_map_lookup_batch(u->map_fd, first ? NULL : &in, &out, u->keys, u->vals,
					      &n, &opts);
		uint64_t deleted = u->deleted;

		if (rc && errno != ENOENT)
			return -errno;
		done = rc != 0; /* ENOENT: these are the last entries */
		for (__u32 i = 0; i < n; i++) {
			/* A feed ended a flow and took its entry out: read afresh from here on. */
			if (u->deleted != deleted &&
			    bpf_map_lookup_elem(u->map_fd, &u->keys[i], &u->vals[i]))
				continue;
			if (u->vals[i].last_ns <= u->since_ns)
				continue;
			feed(u, &u->keys[i], &u->vals[i], now_ns);
			fed++;
		}
	}
	return fed;
}

static int run_by_key(struct ew_udp_poll *u, uint64_t now_ns)
{
	struct ew_udp_key key, next;
	struct ew_udp_val val;
	void *prev = NULL;
	int fed = 0;

	errno = 0;
	while (bpf_map_get_next_key(u->map_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(u->map_fd, &key, &val))
			continue; /* deleted between the two calls */
		if (val.last_ns <= u->since_ns)
			continue;
		feed(u, &key, &val, now_ns);
		fed++;
	}
	return errno == ENOENT || !errno ? fed : -errno;
}

int ew_udp_poll_run(struct ew_udp_poll *u, uint64_t now_ns)
{
	int fed = -EAGAIN;

	if (u->map_fd < 0)
		return 0;
	feed_late(u, now_ns);
	if (!u->no_batch) {
		fed = run_batched(u, now_ns);
		if (fed == -EINVAL || fed == -EOPNOTSUPP || fed == -524 /* the kernel's ENOTSUPP */)
			u->no_batch = true;
	}
	/* A batch run that failed midway fed some entries: fed again, they add nothing. */
	if (fed < 0)
		fed = run_by_key(u, now_ns);
	u->since_ns = now_ns > SLACK_NS ? now_ns - SLACK_NS : 0;
	return fed;
}

void ew_udp_poll_free(struct ew_udp_poll *u)
{
	if (!u)
		return;
	free(u->late);
	free(u->keys);
	free(u->vals);
	free(u);
}
