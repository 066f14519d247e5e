/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * synth.h - build well-formed events as the kernel programs would, for unit
 * tests and the replay benchmark.
 */
#ifndef EW_TEST_SYNTH_H
#define EW_TEST_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "ew.h"

void synth_v4(uint8_t out[16], uint8_t a, uint8_t b, uint8_t c, uint8_t d);
struct ew_ev_tick synth_tick(uint64_t ts, uint64_t realtime);
struct ew_ev_sock_addr synth_connect(uint64_t ts, uint64_t cookie, uint32_t tgid, uint8_t proto,
				     const uint8_t raddr[16], uint16_t rport);
struct ew_ev_tcp synth_tcp(uint16_t type, uint64_t ts, uint64_t cookie, const uint8_t laddr[16],
			   uint16_t lport, const uint8_t raddr[16], uint16_t rport, uint64_t acked,
			   uint64_t received, uint8_t flags);
/* Fills a heap event: exe and args given forward (as the /proc scan does). */
void synth_exec(struct ew_ev_exec *e, uint16_t type, uint64_t ts, uint32_t tgid, uint32_t ppid,
		const char *exe, const char *const *argv, const char *cgroup, uint64_t cgroup_id);

/* Reads tests/data/@file (below $EW_SOURCE_ROOT); aborts with the reason when it
 * is missing, empty or does not fit @max - 1 bytes. Return: its length. */
size_t synth_load_data(const char *file, uint8_t *buf, size_t max);

#endif
