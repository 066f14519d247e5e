// SPDX-License-Identifier: GPL-2.0-only
#include "kernel/udp_poll.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

int ew_udp_poll(int map_fd, struct ew_pipeline *p, uint64_t since_ns, uint64_t now_ns)
{
	struct ew_ev_udp_count ev = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(ev)}};
	struct ew_udp_key key, next;
	void *prev = NULL;
	int fed = 0;

	if (map_fd < 0)
		return 0;
	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(map_fd, &key, &ev.val))
			continue; /* evicted or forgotten between the two calls */
		if (ev.val.last_ns <= since_ns)
			continue;
		ev.key = key;
		ev.h.ts_ns = now_ns;
		ew_pipeline_feed(p, &ev, sizeof(ev));
		fed++;
	}
	return errno == ENOENT || !errno ? fed : -errno;
}

void ew_udp_forget(int map_fd, const struct ew_udp_key *key)
{
	if (map_fd >= 0)
		bpf_map_delete_elem(map_fd, key);
}
