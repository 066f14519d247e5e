// SPDX-License-Identifier: GPL-2.0-only
#include "kernel/udp_poll.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ew_udp_poll {
	struct ew_pipeline *p;
	int map_fd;
	uint64_t since_ns;
};

/* A final UDP record: the entry goes, so the next datagram counts from zero. */
static void record(struct ew_stage *s, const struct ew_flow *f, const struct ew_eval *e)
{
	struct ew_udp_poll *u = s->state;
	struct ew_udp_key k = {.cookie = f->cookie, .rport = f->peer_port};

	if (f->proto != EW_IPPROTO_UDP || f->end == EW_END_NONE || u->map_fd < 0)
		return;
	memcpy(k.raddr, f->peer, 16);
	bpf_map_delete_elem(u->map_fd, &k);
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
	rc = ew_pipeline_subscribe(p, &upkeep, u);
	if (rc) {
		free(u);
		return rc;
	}
	*out = u;
	return 0;
}

int ew_udp_poll_run(struct ew_udp_poll *u, uint64_t now_ns)
{
	struct ew_ev_udp_count ev = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(ev)}};
	struct ew_udp_key key, next;
	void *prev = NULL;
	int fed = 0;

	if (u->map_fd < 0)
		return 0;
	errno = 0;
	while (bpf_map_get_next_key(u->map_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(u->map_fd, &key, &ev.val))
			continue; /* deleted between the two calls */
		if (ev.val.last_ns <= u->since_ns)
			continue;
		ev.key = key;
		ev.h.ts_ns = now_ns;
		ew_pipeline_feed(u->p, &ev, sizeof(ev));
		fed++;
	}
	u->since_ns = now_ns;
	return errno == ENOENT || !errno ? fed : -errno;
}

void ew_udp_poll_free(struct ew_udp_poll *u)
{
	free(u);
}
