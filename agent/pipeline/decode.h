/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * decode.h - the first stage: every event, from the ring buffer or a
 * capture file, is untrusted bytes until it has passed here.
 */
#ifndef EW_DECODE_H
#define EW_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "ew.h"
#include "flow/flow.h"

union ew_event {
	struct ew_event_hdr h;
	struct ew_ev_sock_addr sa;
	struct ew_ev_tcp tcp;
	struct ew_ev_tcp_accept acc; /* begins with tcp */
	struct ew_ev_accept_owner ao;
	struct ew_ev_exec exec;
	struct ew_ev_fork fork;
	struct ew_ev_exit exit;
	struct ew_ev_udp_count udp;
	struct ew_ev_sweep_end sweep;
	struct ew_ev_cgroup cg;
	struct ew_ev_tick tick;
	struct ew_ev_kstats kstats;
	struct ew_ev_kstats_v0 kstats_v0;
	struct ew_ev_peer_name name;
	struct ew_ev_dns_answer dns;
	struct ew_ev_dns_query query;
	struct ew_ev_content_hits hits;
	struct ew_ev_content_status cstatus;
	struct ew_ev_tls_link tls;
	struct ew_ev_connect_refused refused;
	struct ew_ev_policy policy;
};

/*
 * Every time an event carries that the pipeline computes with (h.ts_ns,
 * a tick's realtime_ns, a UDP count's last_ns) is below this: 2^62 ns is
 * 146 years of uptime, or wall time up to the year 2116, and two such
 * times add or subtract within a signed 64-bit nanosecond count.
 */
#define EW_TIME_MAX (1ull << 62)

enum ew_decode_err {
	EW_DEC_OK,
	EW_DEC_SHORT, /* shorter than a header */
	EW_DEC_TYPE,  /* unknown event type, or raw bytes that are never fed */
	EW_DEC_SIZE,  /* size field smaller than the type's first layout, or past the data */
	EW_DEC_FIELD, /* a length or enum field out of range */
	EW_DEC_MAX
};

/* One row of EW_EVENT_TYPES (ew.h). */
struct ew_event_desc {
	const char *name;  /* "EXEC" */
	const char *label; /* "exec": metrics */
	const char *doc;
	unsigned int type;
	unsigned int size;     /* this release's struct */
	unsigned int min_size; /* the struct in the minor that brought the type */
	unsigned int minor;
	bool raw; /* raw bytes: never decoded, fed or captured */
};

/** ew_event_desc() - the table row of @type, NULL when the type is unknown. */
const struct ew_event_desc *ew_event_desc(unsigned int type);

/** ew_event_size() - this release's size of a decodable type, 0 when none. */
size_t ew_event_size(unsigned int type);

/**
 * ew_decode() - check @len bytes at @data and copy them into @out.
 *
 * An event of a newer minor (longer than this release's struct) loses the
 * tail this release does not know; one of an older minor (shorter, but at
 * least its first layout) gets the missing tail zeroed. Either way @out
 * holds this release's layout, out->h.size its size. An ABI 2.0 kernel
 * counter snapshot (EW_EV_KSTATS_V0) comes out as EW_EV_KSTATS.
 *
 * What later stages may trust of an event that decoded: every string buffer
 * (comm, exe, cgroup, the cgroup event's path, names) ends with a NUL, and
 * every byte past its length field is zero, so a string reads the same by
 * strlen() as by its length; exec args are read by args_len only (a
 * truncated command line fills its buffer) and are zero past it; lengths are
 * within their buffers; names are at most 253 of [a-z0-9.-_:], name_len
 * long; enums are in range; times are below EW_TIME_MAX. An event that fails still has its
 * strings terminated in @out.
 * Return: EW_DEC_OK or the class of the problem (counted by the caller).
 */
int ew_decode(const void *data, size_t len, union ew_event *out);

const char *ew_decode_err_name(int err);

/**
 * ew_decode_key() - peek at an undecoded event for the flow-table key it
 * will be looked up by (the socket cookie; for UDP also the peer), reading
 * only bytes within @len and the event's size field. Nothing is checked
 * beyond that: the key is for prefetch hints, never for a lookup.
 * Return: true with @k set when @data looks like an event of a flow's
 * socket (connect, UDP send and receive, TCP accept, close and count,
 * accept owner, UDP count); false for any other or too short.
 */
bool ew_decode_key(const void *data, size_t len, struct ew_flow_key *k);

#endif
