// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>

#include "ew.h"
#include "flow/tcp_bytes.h"

static uint64_t out, in;

Test(tcp_bytes, client_closing_first_wrote_a_million)
{
	/* Measured: 1,000,000 bytes written, then close: bytes_acked 1,000,002. */
	ew_tcp_payload(1000002, 0, EW_TCP_F_FIN_OUT_ACKED, true, &out, &in);
	cr_assert_eq(out, 1000000);
	cr_assert_eq(in, 0);
}

Test(tcp_bytes, peer_fin_counted_in_received)
{
	ew_tcp_payload(101, 2001, EW_TCP_F_FIN_IN, true, &out, &in);
	cr_assert_eq(out, 100);
	cr_assert_eq(in, 2000);
}

Test(tcp_bytes, passive_side_has_no_syn)
{
	ew_tcp_payload(500, 301, EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED, false, &out, &in);
	cr_assert_eq(out, 499);
	cr_assert_eq(in, 300);
}

Test(tcp_bytes, refused_connect_is_zero_not_negative)
{
	ew_tcp_payload(0, 0, EW_TCP_F_FIN_OUT_ACKED | EW_TCP_F_FIN_IN, true, &out, &in);
	cr_assert_eq(out, 0);
	cr_assert_eq(in, 0);
}

Test(tcp_bytes, open_socket_only_syn)
{
	ew_tcp_payload(4097, 10, 0, true, &out, &in);
	cr_assert_eq(out, 4096);
	cr_assert_eq(in, 10);
}
