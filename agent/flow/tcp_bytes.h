/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tcp_bytes.h - payload bytes from the kernel's tcp_sock counters.
 *
 * bytes_acked and bytes_received count sequence space: the active opener's
 * SYN is acked as one byte, and a FIN is one byte on each side that sent
 * and had it acknowledged (measured: a client that wrote 1,000,000 bytes
 * and closed showed bytes_acked 1,000,002).
 */
#ifndef EW_TCP_BYTES_H
#define EW_TCP_BYTES_H

#include <stdbool.h>
#include <stdint.h>

/**
 * ew_tcp_payload() - payload bytes sent and received on one socket.
 * @acked: tcp_sock.bytes_acked
 * @received: tcp_sock.bytes_received
 * @flags: EW_TCP_F_* from the close event (0 for an open socket)
 * @active_open: this socket sent the SYN (connect(), not accept())
 */
void ew_tcp_payload(uint64_t acked, uint64_t received, unsigned int flags, bool active_open,
		    uint64_t *out, uint64_t *in);

#endif
