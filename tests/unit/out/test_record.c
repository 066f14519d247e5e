// SPDX-License-Identifier: GPL-2.0-only
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "jsonat.h"
#include "recordfix.h"
#include "out/record.h"

/* One record's text for a kind of flow and verdict (i: which). */
static void encode(struct ew_jsonw *w, unsigned int i, char *out, size_t cap)
{
	struct ew_flow *f = calloc(1, sizeof(*f));
	struct ew_eval e = {0};

	cr_assert(f);
	ew_test_flow_kind(i, f, &e);
	f->peer[10] = f->peer[11] = 0xff;
	f->peer[15] = (uint8_t)i;
	f->start_ns = 1000;
	e.now_ns = 2000;
	ew_record_flow(w, NULL, NULL, f, &e);
	cr_assert(!w->oom);
	cr_assert_lt(w->len, cap);
	memcpy(out, w->buf, w->len + 1);
	free(f);
}

/* The runs of members encoded once per value (the network's kind here, the
 * egresswatch object's in test_record_egresswatch.c) are the same bytes on a
 * hit as on the miss that made them, across more values than the memo holds. */
Test(record_flow, fragments_same_on_hit_and_miss)
{
	enum { N = 40 };
	static char first[N][EW_TEST_TEXT_CAP];

	ew_test_same_on_hit_and_miss(encode, N, first);
	cr_assert(strstr(first[0], "\"network\":{\"transport\":\"udp\",\"type\":\"ipv6\","
				   "\"direction\":\"egress\",\"bytes\":0}"));
	cr_assert(strstr(first[3], "\"network\":{\"transport\":\"tcp\",\"type\":\"ipv4\","
				   "\"direction\":\"egress\",\"bytes\":0}"));
	/* The egresswatch object closes the record. */
	cr_assert(strstr(first[3], ",\"egresswatch\":{\"flow_id\":\"0000000000000000\""));
	cr_assert(strstr(first[3], "}}") == first[3] + strlen(first[3]) - 2);
}

/*
 * The runs of numbers, addresses and times written in place (record.c's
 * members_begin runs) parse back to the values given, with and without a
 * Community ID; the egresswatch object's own runs: test_record_egresswatch.c.
 */
Test(record_flow, members_written_in_place_parse_back)
{
	struct ew_jsonw w;

	ew_jsonw_init(&w);
	for (unsigned int i = 0; i < 8; i++) {
		struct ew_flow *f = calloc(1, sizeof(*f));
		struct ew_eval e = {0};
		cJSON *j;

		cr_assert(f);
		f->proto = EW_IPPROTO_TCP;
		f->family = EW_AF_INET;
		f->dir = EW_DIR_EGRESS;
		f->end = EW_END_CLOSED;
		f->peer[10] = f->peer[11] = f->local[10] = f->local[11] = 0xff;
		f->peer[12] = 198, f->peer[13] = 18, f->peer[15] = 7;
		f->local[12] = 10, f->local[15] = 5;
		f->peer_port = 443;
		f->local_port = 40000 + (uint16_t)i;
		f->have_local = i & 4;
		f->start_ns = 1000;
		f->bytes_out = 1234567890123ull * i + 1;
		f->bytes_in = 99;
		f->rep_out = 1;
		e.now_ns = 1000 + 10000000000ull;
		e.flow_id = 0x0123456789abcdefull;
		e.domain = "";
		ew_record_flow(&w, NULL, NULL, f, &e);
		j = cJSON_Parse(w.buf);
		cr_assert_not_null(j, "record %u is not JSON: %s", i, w.buf);
		cr_assert_eq(ew_test_json_at(j, "event.duration")->valuedouble, 1e10);
		cr_assert_str_eq(ew_test_json_at(j, "destination.ip")->valuestring, "198.18.0.7");
		cr_assert_eq(ew_test_json_at(j, "destination.port")->valueint, 443);
		cr_assert_eq(ew_test_json_at(j, "destination.bytes")->valuedouble, 99);
		cr_assert_eq(ew_test_json_at(j, "source.bytes")->valuedouble, 1234567890123.0 * i);
		cr_assert_eq(cJSON_GetObjectItem(ew_test_json_at(j, "source"), "port") != NULL,
			     f->have_local);
		cr_assert_eq(cJSON_GetObjectItem(ew_test_json_at(j, "network"), "community_id") !=
				 NULL,
			     f->have_local);
		cr_assert_eq(ew_test_json_at(j, "network.bytes")->valuedouble,
			     1234567890123.0 * i + 99);
		cr_assert_str_eq(ew_test_json_at(j, "source.ip")->valuestring,
				 f->have_local ? "10.0.0.5" : "0.0.0.0");
		cr_assert_str_eq(ew_test_json_at(j, "@timestamp")->valuestring,
				 ew_test_json_at(j, "event.end")->valuestring);
		cr_assert_str_eq(ew_test_json_at(j, "event.type")->child->next->valuestring, "end");
		cr_assert_str_eq(ew_test_json_at(j, "egresswatch.peer.ip")->valuestring,
				 "198.18.0.7");
		cJSON_Delete(j);
		free(f);
	}
	ew_jsonw_free(&w);
}
