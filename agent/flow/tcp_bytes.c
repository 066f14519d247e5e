// SPDX-License-Identifier: GPL-2.0-only
#include "flow/tcp_bytes.h"

#include "ew.h"

static uint64_t sub_sat(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void ew_tcp_payload(uint64_t acked, uint64_t received, unsigned int flags, bool active_open,
		    uint64_t *out, uint64_t *in)
{
	/* The SYN is acked only once the handshake completed; a refused
	 * connect leaves bytes_acked at 0. A passive child starts with its
	 * SYN-ACK already accounted (snd_una = ISN + 1), so nothing to take. */
	uint64_t o = sub_sat(acked, active_open && acked ? 1 : 0);

	if (flags & EW_TCP_F_FIN_OUT_ACKED)
		o = sub_sat(o, 1);
	*out = o;
	*in = sub_sat(received, flags & EW_TCP_F_FIN_IN ? 1 : 0);
}
