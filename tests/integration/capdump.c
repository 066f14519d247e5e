// SPDX-License-Identifier: GPL-2.0-only
/*
 * capdump - test tool: print the TCP closes and content statuses of a
 * capture file as JSON lines, for the integration tests to assert on.
 *
 * Usage: capdump FILE
 *   {"type":"tcp_close","cookie":N,"lport":N,"rport":N,"raddr":"...","sent":N,"ts":N}
 *   {"type":"content_status","cookie":N,"bytes":N,"dir":N,"status":"...","reason":"...","ts":N}
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ew.h"
#include "pipeline/capture.h"
#include "pipeline/decode.h"

static const char *const statuses[EW_INSPECT_MAX] = {"none", "complete", "truncated", "encrypted"};
static const char *const reasons[EW_REASON_MAX] = {
#define EW_X(name, label, help) [EW_REASON_##name] = label,
    EW_INSPECT_REASONS(EW_X)
#undef EW_X
};

static const char *addr_str(const __u8 a[16], char *buf, size_t len)
{
	static const __u8 v4pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (!memcmp(a, v4pfx, 12))
		return inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

static void print(const union ew_event *ev)
{
	char a[64];

	if (ev->h.type == EW_EV_TCP_CLOSE) {
		printf("{\"type\":\"tcp_close\",\"cookie\":%llu,\"lport\":%u,\"rport\":%u,"
		       "\"raddr\":\"%s\",\"bytes_sent\":%llu,\"bytes_retrans\":%llu,\"ts\":%llu}\n",
		       (unsigned long long)ev->tcp.cookie, ev->tcp.lport, ev->tcp.rport,
		       addr_str(ev->tcp.raddr, a, sizeof(a)),
		       (unsigned long long)ev->tcp.bytes_sent,
		       (unsigned long long)ev->tcp.bytes_retrans, (unsigned long long)ev->h.ts_ns);
	} else if (ev->h.type == EW_EV_CONTENT_STATUS) {
		const struct ew_ev_content_status *s = (const void *)ev;

		printf("{\"type\":\"content_status\",\"cookie\":%llu,\"bytes\":%llu,\"dir\":%u,"
		       "\"status\":\"%s\",\"reason\":\"%s\",\"ts\":%llu}\n",
		       (unsigned long long)s->cookie, (unsigned long long)s->bytes, s->dir,
		       s->status < EW_INSPECT_MAX ? statuses[s->status] : "?",
		       s->reason < EW_REASON_MAX ? reasons[s->reason] : "?",
		       (unsigned long long)s->h.ts_ns);
	}
}

int main(int argc, char **argv)
{
	struct ew_capture_reader *r;
	struct ew_capture_meta meta;
	union ew_event ev;
	const void *data;
	char err[256];
	size_t len;
	int rc;

	if (argc != 2) {
		fputs("usage: capdump FILE\n", stderr);
		return 2;
	}
	if (ew_capture_open(argv[1], &r, &meta, err, sizeof(err))) {
		fprintf(stderr, "capdump: %s\n", err);
		return 1;
	}
	while ((rc = ew_capture_next(r, &data, &len, err, sizeof(err))) == 1)
		if (ew_decode(data, len, &ev) == EW_DEC_OK)
			print(&ev);
	ew_capture_reader_close(r);
	if (rc < 0)
		fprintf(stderr, "capdump: %s\n", err);
	return rc < 0 ? 1 : 0;
}
