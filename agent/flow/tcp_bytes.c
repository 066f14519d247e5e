// SPDX-License-Identifier: GPL-2.0-only
#include "flow/tcp_bytes.h"

static uint64_t sub_sat(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint64_t acked_payload(const struct ew_ev_tcp *ev, bool active_open)
{
	/* The SYN is acked only once the handshake completed; a refused
	 * connect leaves bytes_acked at 0. A passive child starts with its
	 * SYN-ACK already accounted (snd_una = ISN + 1), so nothing to take. */
	uint64_t o = sub_sat(ev->bytes_acked, active_open && ev->bytes_acked ? 1 : 0);

	if (ev->flags & EW_TCP_F_FIN_OUT_ACKED)
		o = sub_sat(o, 1);
	return o;
}

void ew_tcp_payload(const struct ew_ev_tcp *ev, bool active_open, uint64_t *out, uint64_t *in)
{
	/* A retransmission is counted in both at once; sub_sat only guards a
	 * retransmission whose send failed (counted in bytes_retrans alone). */
	if (ev->flags & EW_TCP_F_SENT) {
		*out = sub_sat(ev->bytes_sent, ev->bytes_retrans);
		/* Held to the sequence space, whose SYN is ours when we opened. */
		if (ev->flags & EW_TCP_F_SENT_BOUND && active_open)
			*out = sub_sat(*out, 1);
	} else
		*out = acked_payload(ev, active_open);
	*in = sub_sat(ev->bytes_received, ev->flags & EW_TCP_F_FIN_IN ? 1 : 0);
}
