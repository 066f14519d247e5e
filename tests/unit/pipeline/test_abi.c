// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel/userspace ABI grows without changing: layouts are pinned in
 * bpf/ew.h itself; these tests pin the table and what the decoder does with
 * events of older and newer minors.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ew.h"
#include "pipeline/decode.h"

Test(abi, version)
{
	cr_assert_eq(EW_ABI_MAJOR, 2, "a new major means no reader of ABI 2 takes its captures");
	cr_assert_geq(EW_ABI_MINOR, 1);
}

/* The first layouts are the ABI 2.0 sizes: old captures depend on them. */
Test(abi, first_sizes_are_abi_2_0)
{
	static const struct {
		unsigned int type, size;
	} v20[] = {
	    {EW_EV_EXEC, 1616},	    {EW_EV_FORK, 32},	      {EW_EV_EXIT, 32},
	    {EW_EV_CONNECT, 88},    {EW_EV_UDP_SEND, 88},     {EW_EV_UDP_RECV, 88},
	    {EW_EV_TCP_ACCEPT, 80}, {EW_EV_ACCEPT_OWNER, 64}, {EW_EV_TCP_CLOSE, 80},
	    {EW_EV_PROC, 1616},	    {EW_EV_UDP_COUNT, 112},   {EW_EV_TCP_COUNT, 80},
	    {EW_EV_SWEEP_END, 24},  {EW_EV_CGROUP, 544},      {EW_EV_TICK, 24},
	    {EW_EV_KSTATS_V0, 88},  {EW_EV_PEER_NAME, 288},   {EW_EV_DNS_ANSWER, 296},
	};

	for (size_t i = 0; i < sizeof(v20) / sizeof(v20[0]); i++) {
		const struct ew_event_desc *d = ew_event_desc(v20[i].type);

		cr_assert_not_null(d, "type %u", v20[i].type);
		cr_assert_eq(d->min_size, v20[i].size, "%s", d->name);
		cr_assert_eq(d->minor, 0, "%s", d->name);
		cr_assert_geq(d->size, d->min_size, "%s", d->name);
	}
}

Test(abi, table_is_complete_and_raw_bytes_are_refused)
{
	int known = 0;

	for (unsigned int t = 0; t < EW_EV_TYPE_MAX; t++) {
		const struct ew_event_desc *d = ew_event_desc(t);

		if (!d)
			continue;
		known++;
		cr_assert_eq(d->type, t);
		cr_assert(d->name[0] && d->label[0] && d->doc[0]);
		cr_assert_eq(ew_event_size(t), d->raw ? 0 : d->size, "%s", d->name);
	}
	cr_assert_eq(known, 29);
	cr_assert_null(ew_event_desc(0));
	cr_assert_null(ew_event_desc(EW_EV_TYPE_MAX));
	cr_assert_eq(ew_event_size(EW_EV_TCP_PAYLOAD), 0);
	cr_assert_eq(ew_event_size(EW_EV_DNS_PAYLOAD), 0);
}

/* An ABI 2.0 accept owner (no "how") decodes as accept(); a 2.1 one keeps it. */
Test(abi, older_minor_gets_a_zero_tail)
{
	unsigned char raw[sizeof(struct ew_ev_accept_owner)];
	struct ew_ev_accept_owner ao = {.h = {.type = EW_EV_ACCEPT_OWNER, .size = 64}};
	union ew_event out;

	ao.task.tgid = 42;
	ao.cookie = 7;
	ao.how = EW_OWNER_CLOSER; /* beyond 64 bytes: an ABI 2.0 writer had no such byte */
	memcpy(raw, &ao, sizeof(ao));
	cr_assert_eq(ew_decode(raw, 64, &out), EW_DEC_OK);
	cr_assert_eq(out.ao.how, EW_OWNER_ACCEPT);
	cr_assert_eq(out.ao.cookie, 7);
	cr_assert_eq(out.h.size, sizeof(struct ew_ev_accept_owner));
	ao.h.size = sizeof(ao);
	cr_assert_eq(ew_decode(&ao, sizeof(ao), &out), EW_DEC_OK);
	cr_assert_eq(out.ao.how, EW_OWNER_CLOSER);
	ao.h.size = 63;
	cr_assert_eq(ew_decode(&ao, sizeof(ao), &out), EW_DEC_SIZE,
		     "shorter than its first layout");
}

/* A newer minor's longer event: the known part decodes, the tail is ignored. */
Test(abi, newer_minor_tail_is_ignored)
{
	unsigned char raw[sizeof(struct ew_ev_tcp) + 40];
	struct ew_ev_tcp tcp = {.h = {.type = EW_EV_TCP_CLOSE, .size = sizeof(raw)}};
	union ew_event out;

	tcp.cookie = 99;
	tcp.family = EW_AF_INET;
	tcp.bytes_acked = 1234;
	memset(raw, 0xab, sizeof(raw));
	memcpy(raw, &tcp, sizeof(tcp));
	cr_assert_eq(ew_decode(raw, sizeof(raw), &out), EW_DEC_OK);
	cr_assert_eq(out.tcp.bytes_acked, 1234);
	cr_assert_eq(out.h.size, sizeof(struct ew_ev_tcp));
	cr_assert_eq(ew_decode(raw, sizeof(raw) - 1, &out), EW_DEC_SIZE, "size past the data");
}

/* ABI 2.0 kernel counters (nine, no count) come out as EW_EV_KSTATS. */
Test(abi, kstats_v0_reads_as_kstats)
{
	struct ew_ev_kstats_v0 v0 = {.h = {.type = EW_EV_KSTATS_V0, .size = sizeof(v0)}};
	struct ew_ev_kstats k = {.h = {.type = EW_EV_KSTATS}};
	union ew_event out;

	for (int i = 0; i < EW_KSTATS_V0_COUNT; i++)
		v0.counters[i] = 100 + (uint64_t)i;
	cr_assert_eq(ew_decode(&v0, sizeof(v0), &out), EW_DEC_OK);
	cr_assert_eq(out.h.type, EW_EV_KSTATS);
	cr_assert_eq(out.kstats.count, EW_KSTATS_V0_COUNT);
	cr_assert_eq(out.kstats.counters[EW_KSTAT_RB_FULL_PAYLOAD], 107);
	cr_assert_eq(out.kstats.counters[EW_KSTAT_PREFILTER_SKIP], 108);
	for (int i = EW_KSTATS_V0_COUNT; i < EW_KSTAT_MAX; i++)
		cr_assert_eq(out.kstats.counters[i], 0);
	/* A count larger than the event holds is a lie. */
	k.h.size = 24 + 8 * 2;
	k.count = 3;
	cr_assert_eq(ew_decode(&k, sizeof(k), &out), EW_DEC_FIELD);
	k.count = 2;
	k.counters[1] = 5;
	cr_assert_eq(ew_decode(&k, sizeof(k), &out), EW_DEC_OK);
	cr_assert_eq(out.kstats.counters[1], 5);
	cr_assert_eq(out.kstats.counters[2], 0);
}

/* docs/events.md lists every event type of the table, row for row. */
Test(abi, every_event_is_documented)
{
	char path[512], *doc = calloc(1, 1 << 16);
	const char *root = getenv("EW_SOURCE_ROOT");
	FILE *f;

	cr_assert_not_null(root, "EW_SOURCE_ROOT is set by meson");
	snprintf(path, sizeof(path), "%s/docs/events.md", root);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	fread(doc, 1, (1 << 16) - 1, f);
	fclose(f);
	for (unsigned int t = 0; t < EW_EV_TYPE_MAX; t++) {
		const struct ew_event_desc *d = ew_event_desc(t);
		char row[512];

		if (!d)
			continue;
		if (d->raw)
			snprintf(row, sizeof(row),
				 "| %u | `%s` | %s | raw: never decoded | — | %s |\n", t, d->label,
				 d->name, d->doc);
		else
			snprintf(row, sizeof(row), "| %u | `%s` | %s | %u | 2.%u | %s |\n", t,
				 d->label, d->name, d->min_size, d->minor, d->doc);
		cr_assert_not_null(strstr(doc, row), "docs/events.md lacks the row\n%s", row);
	}
	free(doc);
}
