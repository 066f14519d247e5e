// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>

#include "ew.h"
#include "flow/tcp_bytes.h"

static uint64_t out, in;

/* An ABI 2.0 event: no bytes_sent, so bytes_acked decides. */
static void acked(uint64_t acked, uint64_t received, uint8_t flags, bool active_open)
{
	struct ew_ev_tcp ev = {.bytes_acked = acked, .bytes_received = received, .flags = flags};

	ew_tcp_payload(&ev, active_open, &out, &in);
}

static void sent(uint64_t sent, uint64_t retrans, uint64_t acked, uint64_t received, uint8_t flags,
		 bool active_open)
{
	struct ew_ev_tcp ev = {.bytes_acked = acked,
			       .bytes_received = received,
			       .bytes_sent = sent,
			       .bytes_retrans = retrans,
			       .flags = flags | EW_TCP_F_SENT};

	ew_tcp_payload(&ev, active_open, &out, &in);
}

Test(tcp_bytes, client_closing_first_wrote_a_million)
{
	/* Measured: 1,000,000 bytes written, then close: bytes_acked 1,000,002. */
	acked(1000002, 0, EW_TCP_F_FIN_OUT_ACKED, true);
	cr_assert_eq(out, 1000000);
	cr_assert_eq(in, 0);
}

Test(tcp_bytes, peer_fin_counted_in_received)
{
	acked(101, 2001, EW_TCP_F_FIN_IN, true);
	cr_assert_eq(out, 100);
	cr_assert_eq(in, 2000);
}

Test(tcp_bytes, passive_side_has_no_syn)
{
	acked(500, 301, EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED, false);
	cr_assert_eq(out, 499);
	cr_assert_eq(in, 300);
}

Test(tcp_bytes, refused_connect_is_zero_not_negative)
{
	acked(0, 0, EW_TCP_F_FIN_OUT_ACKED | EW_TCP_F_FIN_IN, true);
	cr_assert_eq(out, 0);
	cr_assert_eq(in, 0);
}

Test(tcp_bytes, open_socket_only_syn)
{
	acked(4097, 10, 0, true);
	cr_assert_eq(out, 4096);
	cr_assert_eq(in, 10);
}

/* The upload: the server read 10 KB and reset; 131,229 bytes had left,
 * 100,445 of them acknowledged (bytes_acked adds the SYN). */
Test(tcp_bytes, reset_counts_what_was_in_flight)
{
	sent(131229, 0, 100446, 0, 0, true);
	cr_assert_eq(out, 131229);
	cr_assert_eq(in, 0);
}

/* The s_client: its close_notify (24 bytes) left after the server's
 * FIN and was answered with a reset, never acknowledged. */
Test(tcp_bytes, close_notify_after_the_peer_fin)
{
	sent(447, 0, 424, 3709, EW_TCP_F_FIN_IN, true);
	cr_assert_eq(out, 447);
	cr_assert_eq(in, 3708);
}

Test(tcp_bytes, retransmissions_count_once)
{
	sent(1003000 + 5792, 5792, 1000002, 0, EW_TCP_F_FIN_OUT_ACKED, true);
	cr_assert_eq(out, 1003000);
}

/* bytes_sent is payload only: neither side's SYN nor FIN is taken from it. */
Test(tcp_bytes, sent_has_no_syn_or_fin)
{
	sent(1000000, 0, 1000002, 1, EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED, true);
	cr_assert_eq(out, 1000000);
	cr_assert_eq(in, 0);
	sent(499, 0, 500, 301, EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED, false);
	cr_assert_eq(out, 499);
	cr_assert_eq(in, 300);
}

/* The flag decides, not a zero: a refused connect sent nothing, whatever acked says. */
Test(tcp_bytes, sent_flag_decides_even_at_zero)
{
	sent(0, 0, 7, 0, 0, true);
	cr_assert_eq(out, 0);
}

/* A retransmission whose send failed is in bytes_retrans only: never negative. */
Test(tcp_bytes, failed_retransmission_is_not_negative)
{
	sent(1000, 1448, 1001, 0, 0, true);
	cr_assert_eq(out, 0);
}

/* A send the host dropped itself went again as new data: the kernel held
 * bytes_sent to the sequence space (EW_TCP_F_SENT_BOUND), which holds the SYN
 * of an active open and nothing of a passive one. */
Test(tcp_bytes, bound_takes_out_the_active_syn)
{
	sent(2000064 + 1 + 300, 300, 2000066, 69, EW_TCP_F_SENT_BOUND | EW_TCP_F_FIN_IN, true);
	cr_assert_eq(out, 2000064);
	cr_assert_eq(in, 68);
	sent(2000064 + 300, 300, 2000065, 69, EW_TCP_F_SENT_BOUND | EW_TCP_F_FIN_IN, false);
	cr_assert_eq(out, 2000064);
	sent(0, 0, 0, 0, EW_TCP_F_SENT_BOUND, true);
	cr_assert_eq(out, 0, "never negative");
}
