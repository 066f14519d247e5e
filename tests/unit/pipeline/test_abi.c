// SPDX-License-Identifier: GPL-2.0-only
/* Pins the kernel/userspace ABI: a layout change must bump EW_ABI_VERSION. */
#include <criterion/criterion.h>
#include <stddef.h>

#include "pipeline/decode.h"
#include "ew.h"

Test(abi, version)
{
	cr_assert_eq(EW_ABI_VERSION, 2, "layouts below belong to ABI 2: bump both together");
}

Test(abi, header_and_task)
{
	cr_assert_eq(sizeof(struct ew_event_hdr), 16);
	cr_assert_eq(offsetof(struct ew_event_hdr, ts_ns), 8);
	cr_assert_eq(sizeof(struct ew_task), 40);
	cr_assert_eq(offsetof(struct ew_task, cgroup_id), 16);
}

Test(abi, event_sizes)
{
	cr_assert_eq(sizeof(struct ew_ev_sock_addr), 88);
	cr_assert_eq(offsetof(struct ew_ev_sock_addr, cookie), 56);
	cr_assert_eq(sizeof(struct ew_ev_tcp), 80);
	cr_assert_eq(offsetof(struct ew_ev_tcp, bytes_acked), 64);
	cr_assert_eq(sizeof(struct ew_ev_accept_owner), 64);
	cr_assert_eq(sizeof(struct ew_ev_exec),
		     16 + 40 + 8 + 8 + 8 + EW_PATH_LEN + EW_ARGS_LEN + EW_CGROUP_LEN);
	cr_assert_eq(sizeof(struct ew_ev_fork), 32);
	cr_assert_eq(sizeof(struct ew_ev_exit), 32);
	cr_assert_eq(sizeof(struct ew_udp_key), 32);
	cr_assert_eq(sizeof(struct ew_udp_val), 64);
	cr_assert_eq(sizeof(struct ew_ev_udp_count), 112);
	cr_assert_eq(sizeof(struct ew_ev_tick), 24);
	cr_assert_eq(sizeof(struct ew_ev_kstats), 16 + 8 * EW_KSTAT_MAX);
	cr_assert_eq(EW_KSTAT_MAX, 9);
	cr_assert_eq(offsetof(struct ew_ev_payload, data), EW_PAYLOAD_HDR);
	cr_assert_eq(sizeof(struct ew_ev_payload), EW_PAYLOAD_HDR + EW_PAYLOAD_MAX);
	cr_assert_eq(sizeof(struct ew_ev_peer_name), 32 + EW_NAME_LEN);
	cr_assert_eq(offsetof(struct ew_ev_peer_name, name), 32);
	cr_assert_eq(sizeof(struct ew_ev_dns_answer), 40 + EW_NAME_LEN);
	cr_assert_eq(offsetof(struct ew_ev_dns_answer, name), 40);
}

Test(abi, every_type_has_a_size)
{
	static const int types[] = {
	    EW_EV_EXEC,	     EW_EV_FORK,       EW_EV_EXIT,	   EW_EV_CONNECT,   EW_EV_UDP_SEND,
	    EW_EV_UDP_RECV,  EW_EV_TCP_ACCEPT, EW_EV_ACCEPT_OWNER, EW_EV_TCP_CLOSE, EW_EV_PROC,
	    EW_EV_UDP_COUNT, EW_EV_TCP_COUNT,  EW_EV_SWEEP_END,	   EW_EV_CGROUP,    EW_EV_TICK,
	    EW_EV_KSTATS,    EW_EV_PEER_NAME,  EW_EV_DNS_ANSWER};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		cr_assert_gt(ew_event_size(types[i]), sizeof(struct ew_event_hdr) - 1, "type %d",
			     types[i]);
	cr_assert_eq(ew_event_size(0), 0);
	cr_assert_eq(ew_event_size(EW_EV_TYPE_MAX), 0);
	/* Raw payloads never enter the pipeline: the decoder refuses them. */
	cr_assert_eq(ew_event_size(EW_EV_TCP_PAYLOAD), 0);
	cr_assert_eq(ew_event_size(EW_EV_DNS_PAYLOAD), 0);
}
