/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * decode.h - the first stage: every event, from the ring buffer or a
 * capture file, is untrusted bytes until it has passed here.
 */
#ifndef EW_DECODE_H
#define EW_DECODE_H

#include <stddef.h>

#include "ew.h"

union ew_event {
	struct ew_event_hdr h;
	struct ew_ev_sock_addr sa;
	struct ew_ev_tcp tcp;
	struct ew_ev_accept_owner ao;
	struct ew_ev_exec exec;
	struct ew_ev_fork fork;
	struct ew_ev_exit exit;
	struct ew_ev_udp_count udp;
	struct ew_ev_sweep_end sweep;
	struct ew_ev_cgroup cg;
	struct ew_ev_tick tick;
	struct ew_ev_kstats kstats;
	struct ew_ev_peer_name name;
	struct ew_ev_dns_answer dns;
};

enum ew_decode_err {
	EW_DEC_OK,
	EW_DEC_SHORT, /* shorter than a header */
	EW_DEC_TYPE,  /* unknown event type */
	EW_DEC_SIZE,  /* size field or length does not match the type */
	EW_DEC_FIELD, /* a length or enum field out of range */
	EW_DEC_MAX
};

/** ew_event_size() - the exact size of an event type, 0 when unknown. */
size_t ew_event_size(unsigned int type);

/**
 * ew_decode() - check @len bytes at @data and copy them into @out.
 *
 * Strings are NUL-terminated within their buffers and lengths clamped, so
 * later stages may trust them.
 * Return: EW_DEC_OK or the class of the problem (counted by the caller).
 */
int ew_decode(const void *data, size_t len, union ew_event *out);

const char *ew_decode_err_name(int err);

#endif
