/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tcp_bytes.h - payload bytes from the kernel's tcp_sock counters.
 *
 * Outbound is what left the host, once: bytes_sent counts every payload byte
 * put on the wire, retransmissions again (as bytes_retrans does), so their
 * difference holds what was acknowledged and what was still in flight when a
 * reset or a close ended the socket, with neither SYN nor FIN in it. Where
 * the kernel's bytes_sent counted sends this host dropped itself, the kernel
 * side holds it to the sequence space acknowledged or in flight
 * (EW_TCP_F_SENT_BOUND), which holds an active opener's SYN.
 * Events without those counters (ABI 2.0 captures) fall back to bytes_acked,
 * which counts sequence space: the active opener's SYN is acked as one byte,
 * and a FIN is one byte on each side that sent and had it acknowledged
 * (measured: a client that wrote 1,000,000 bytes and closed showed
 * bytes_acked 1,000,002); bytes in flight at the end are not in it.
 * Inbound is bytes_received, whose peer's FIN is one byte too.
 */
#ifndef EW_TCP_BYTES_H
#define EW_TCP_BYTES_H

#include <stdbool.h>
#include <stdint.h>

#include "ew.h"

/**
 * ew_tcp_payload() - payload bytes sent and received on one socket so far.
 * @ev: a TCP_CLOSE, TCP_COUNT or TCP_ACCEPT event; its EW_TCP_F_* flags say
 *	which FINs the counters hold and whether bytes_sent is set
 * @active_open: this socket sent the SYN (connect(), not accept())
 * @out: payload bytes that left; @in: payload bytes received
 */
void ew_tcp_payload(const struct ew_ev_tcp *ev, bool active_open, uint64_t *out, uint64_t *in);

#endif
