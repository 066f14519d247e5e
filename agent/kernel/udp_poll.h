/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * udp_poll.h - the kernel's per-(socket, peer) UDP counters: read into the
 * pipeline every second, and an entry deleted when its flow has ended (a
 * subscriber of the pipeline), so its next datagram starts a new flow. The
 * map does not evict: an entry stays until its flow ends (a socket that
 * closed: after udp_idle_timeout), and a datagram that finds the map full is
 * counted as lost in the kernel. Bytes counted after a flow's last read are
 * taken out with its entry and fed as a flow of their own.
 */
#ifndef EW_UDP_POLL_H
#define EW_UDP_POLL_H

#include <stdint.h>

#include "ew.h"
#include "pipeline/pipeline.h"

struct ew_udp_poll;

/** ew_udp_poll_new() - read map @map_fd (-1: no UDP hooks) into @p, and subscribe to it. */
int ew_udp_poll_new(struct ew_pipeline *p, int map_fd, struct ew_udp_poll **out);
/**
 * ew_udp_poll_run() - feed an EW_EV_UDP_COUNT for each entry active since the
 * last run, stamped @now_ns, after the counts of ended flows' last bytes.
 * Return: entries fed, or -errno.
 */
int ew_udp_poll_run(struct ew_udp_poll *u, uint64_t now_ns);
void ew_udp_poll_free(struct ew_udp_poll *u);

#endif
