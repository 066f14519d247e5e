// SPDX-License-Identifier: GPL-2.0-only
#include "synth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void synth_v4(uint8_t out[16], uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	out[12] = a;
	out[13] = b;
	out[14] = c;
	out[15] = d;
}

struct ew_ev_tick synth_tick(uint64_t ts, uint64_t realtime)
{
	struct ew_ev_tick t = {.h = {.type = EW_EV_TICK, .size = sizeof(t), .ts_ns = ts}};

	t.realtime_ns = realtime;
	return t;
}

struct ew_ev_sock_addr synth_connect(uint64_t ts, uint64_t cookie, uint32_t tgid, uint8_t proto,
				     const uint8_t raddr[16], uint16_t rport)
{
	struct ew_ev_sock_addr e = {.h = {.type = EW_EV_CONNECT, .size = sizeof(e), .ts_ns = ts}};

	e.task.tgid = e.task.tid = tgid;
	e.task.uid = 0;
	e.task.cgroup_id = 0;
	strcpy(e.task.comm, "synth");
	e.cookie = cookie;
	memcpy(e.raddr, raddr, 16);
	e.rport = rport;
	e.proto = proto;
	e.family = raddr[10] == 0xff ? EW_AF_INET : EW_AF_INET6;
	return e;
}

struct ew_ev_tcp synth_tcp(uint16_t type, uint64_t ts, uint64_t cookie, const uint8_t laddr[16],
			   uint16_t lport, const uint8_t raddr[16], uint16_t rport, uint64_t acked,
			   uint64_t received, uint8_t flags)
{
	struct ew_ev_tcp e = {.h = {.type = type, .size = sizeof(e), .ts_ns = ts}};

	e.cookie = cookie;
	memcpy(e.laddr, laddr, 16);
	memcpy(e.raddr, raddr, 16);
	e.lport = lport;
	e.rport = rport;
	e.family = raddr[10] == 0xff ? EW_AF_INET : EW_AF_INET6;
	e.oldstate = 8; /* LAST_ACK */
	e.newstate = 7; /* CLOSE */
	e.bytes_acked = acked;
	e.bytes_received = received;
	e.flags = flags;
	return e;
}

void synth_exec(struct ew_ev_exec *e, uint16_t type, uint64_t ts, uint32_t tgid, uint32_t ppid,
		const char *exe, const char *const *argv, const char *cgroup, uint64_t cgroup_id)
{
	size_t n = 0;

	memset(e, 0, sizeof(*e));
	e->h.type = type;
	e->h.size = sizeof(*e);
	e->h.ts_ns = ts;
	e->task.tgid = e->task.tid = tgid;
	e->task.cgroup_id = cgroup_id;
	e->ppid = ppid;
	e->start_boottime = ts;
	strncpy(e->task.comm, argv[0], sizeof(e->task.comm) - 1);
	e->exe_len = (uint16_t)(strlen(exe) + 1);
	memcpy(e->exe, exe, e->exe_len);
	for (int i = 0; argv[i]; i++) {
		size_t l = strlen(argv[i]) + 1;

		memcpy(e->args + n, argv[i], l);
		n += l;
	}
	e->args_len = (uint16_t)n;
	if (cgroup) {
		e->cgroup_len = (uint16_t)(strlen(cgroup) + 1);
		memcpy(e->cgroup, cgroup, e->cgroup_len);
	}
}

size_t synth_load_data(const char *file, uint8_t *buf, size_t max)
{
	const char *root = getenv("EW_SOURCE_ROOT");
	char path[1024];
	size_t n;
	FILE *f;

	if (!root) {
		fprintf(stderr, "synth_load_data: EW_SOURCE_ROOT unset (run through meson test)\n");
		abort();
	}
	snprintf(path, sizeof(path), "%s/tests/data/%s", root, file);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "synth_load_data: %s: %s\n", path, strerror(errno));
		abort();
	}
	n = fread(buf, 1, max, f);
	fclose(f);
	if (n == 0 || n == max) {
		fprintf(stderr, "synth_load_data: %s: %zu bytes (empty, or more than %zu)\n", path,
			n, max - 1);
		abort();
	}
	return n;
}
