// SPDX-License-Identifier: GPL-2.0-only
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "jsonat.h"
#include "recordfix.h"
#include "out/record_egresswatch.h"

/* The egresswatch object alone, in a top-level object, for a kind of flow and verdict. */
static void encode(struct ew_jsonw *w, unsigned int i, char *out, size_t cap)
{
	struct ew_flow *f = calloc(1, sizeof(*f));
	struct ew_eval e = {0};

	cr_assert(f);
	ew_test_flow_kind(i, f, &e);
	ew_jsonw_reset(w);
	ew_jsonw_obj_begin(w, NULL);
	ew_record_egresswatch(w, f, &e, NULL, "\"::ffff:0.0.0.1\"", 16);
	ew_jsonw_obj_end(w);
	cr_assert(!w->oom);
	cr_assert_lt(w->len, cap);
	memcpy(out, w->buf, w->len + 1);
	free(f);
}

/* The runs of members encoded once per value (the end, the inspection, the
 * verdict's names) are the same bytes on a hit as on the miss that made
 * them, across more values than the memo holds, and in the record's order. */
Test(record_egresswatch, fragments_same_on_hit_and_miss)
{
	enum { N = 40 };
	static char first[N][EW_TEST_TEXT_CAP];

	ew_test_same_on_hit_and_miss(encode, N, first);
	cr_assert(strstr(first[3], "{\"egresswatch\":{\"flow_id\":\"0000000000000000\",\"final\":"
				   "true,\"end_reason\":\"vanished\",\"bytes_out\":0"));
	cr_assert(strstr(first[1], "\"route_required\":"));
	cr_assert_null(strstr(first[5], "\"route_required\":"));
	for (unsigned int i = 0; i < N; i++) {
		cJSON *j = cJSON_Parse(first[i]);

		cr_assert_not_null(j, "object %u is not JSON: %s", i, first[i]);
		cJSON_Delete(j);
	}
}

/*
 * The runs written in place (the head of counters and border, the peer)
 * parse back to the values given, with every review reason combination,
 * with and without a peer name (then the peer is written member by member).
 */
Test(record_egresswatch, members_written_in_place_parse_back)
{
	struct ew_jsonw w;

	ew_jsonw_init(&w);
	for (unsigned int i = 0; i < 8; i++) {
		struct ew_flow *f = calloc(1, sizeof(*f));
		struct ew_eval e = {0};
		cJSON *j, *rr;

		cr_assert(f);
		f->proto = EW_IPPROTO_TCP;
		f->family = EW_AF_INET;
		f->dir = EW_DIR_EGRESS;
		f->end = EW_END_CLOSED;
		f->peer_port = 443;
		f->bytes_out = 1234567890123ull * i + 1;
		f->bytes_in = 99;
		f->rep_out = 1;
		f->rep_in = 9;
		e.flow_id = 0x0123456789abcdefull;
		e.domain = i & 4 ? "example.org" : "";
		e.name_source = i & 4 ? EW_NAME_DNS : EW_NAME_NONE;
		e.place.review = (uint8_t)(i & 3);
		ew_jsonw_reset(&w);
		ew_jsonw_obj_begin(&w, NULL);
		ew_record_egresswatch(&w, f, &e, NULL, "\"198.18.0.7\"", 12);
		ew_jsonw_obj_end(&w);
		j = cJSON_Parse(w.buf);
		cr_assert_not_null(j, "object %u is not JSON: %s", i, w.buf);
		cr_assert_str_eq(ew_test_json_at(j, "egresswatch.flow_id")->valuestring,
				 "0123456789abcdef");
		cr_assert_str_eq(ew_test_json_at(j, "egresswatch.end_reason")->valuestring,
				 "closed");
		cr_assert_eq(ew_test_json_at(j, "egresswatch.bytes_out")->valuedouble,
			     1234567890123.0 * i);
		cr_assert_eq(ew_test_json_at(j, "egresswatch.bytes_in")->valuedouble, 90);
		cr_assert_eq(ew_test_json_at(j, "egresswatch.bytes_out_total")->valuedouble,
			     1234567890123.0 * i + 1);
		cr_assert_eq(ew_test_json_at(j, "egresswatch.bytes_in_total")->valuedouble, 99);
		cr_assert_str_eq(ew_test_json_at(j, "egresswatch.peer.ip")->valuestring,
				 "198.18.0.7");
		cr_assert_eq(ew_test_json_at(j, "egresswatch.peer.port")->valueint, 443);
		if (i & 4)
			cr_assert_str_eq(ew_test_json_at(j, "egresswatch.peer.domain")->valuestring,
					 "example.org");
		else
			cr_assert_null(
			    cJSON_GetObjectItem(ew_test_json_at(j, "egresswatch.peer"), "domain"));
		cr_assert(cJSON_IsString(ew_test_json_at(j, "egresswatch.border")));
		cr_assert(cJSON_IsString(ew_test_json_at(j, "egresswatch.peer.located_by")));
		rr = cJSON_GetObjectItem(ew_test_json_at(j, "egresswatch"), "review_reasons");
		if (!(i & 3)) {
			cr_assert_null(rr);
		} else {
			cr_assert_eq(cJSON_GetArraySize(rr), (i & 3) == 3 ? 2 : 1);
			cr_assert_str_eq(cJSON_GetArrayItem(rr, 0)->valuestring,
					 i & 1 ? "anycast" : "unknown_location");
			if ((i & 3) == 3)
				cr_assert_str_eq(cJSON_GetArrayItem(rr, 1)->valuestring,
						 "unknown_location");
		}
		cJSON_Delete(j);
		free(f);
	}
	ew_jsonw_free(&w);
}

/* The flow id is its sixteen hex digits, lower case, leading zeros kept. */
Test(record_egresswatch, flow_id_as_printf_writes_it)
{
	struct ew_flow *f = calloc(1, sizeof(*f));
	struct ew_eval e = {0};
	struct ew_jsonw w;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	cr_assert(f);
	ew_jsonw_init(&w);
	f->proto = EW_IPPROTO_TCP;
	f->family = EW_AF_INET;
	e.domain = "";
	for (int i = 0; i < 2000; i++) {
		char want[40];
		cJSON *j;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		e.flow_id = i < 64 ? 1ull << i : x >> (i % 64);
		snprintf(want, sizeof(want), "%016llx", (unsigned long long)e.flow_id);
		ew_jsonw_reset(&w);
		ew_jsonw_obj_begin(&w, NULL);
		ew_record_egresswatch(&w, f, &e, NULL, "\"198.18.0.7\"", 12);
		ew_jsonw_obj_end(&w);
		j = cJSON_Parse(w.buf);
		cr_assert_not_null(j);
		cr_assert_str_eq(ew_test_json_at(j, "egresswatch.flow_id")->valuestring, want);
		cJSON_Delete(j);
	}
	ew_jsonw_free(&w);
	free(f);
}
