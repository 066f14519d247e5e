/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * udp_poll.h - read the kernel's per-(socket, peer) UDP counters into the
 * pipeline, and reset an entry when its flow ends.
 */
#ifndef EW_UDP_POLL_H
#define EW_UDP_POLL_H

#include <stdint.h>

#include "ew.h"
#include "pipeline/pipeline.h"

/**
 * ew_udp_poll() - feed an EW_EV_UDP_COUNT for each entry active since @since_ns.
 * Return: entries fed, or -errno.
 */
int ew_udp_poll(int map_fd, struct ew_pipeline *p, uint64_t since_ns, uint64_t now_ns);
/** ew_udp_forget() - delete an ended flow's entry so its next datagram starts anew. */
void ew_udp_forget(int map_fd, const struct ew_udp_key *key);

#endif
