// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>

#include "recordfix.h"

void ew_test_flow_kind(unsigned int i, struct ew_flow *f, struct ew_eval *e)
{
	f->proto = i & 1 ? EW_IPPROTO_TCP : 17;
	f->family = i & 2 ? EW_AF_INET : EW_AF_INET6;
	f->dir = (uint8_t)(1 + i % 3 % 2);
	f->end = (uint8_t)(i % 6);
	f->peer_port = 443;
	e->domain = "";
	e->inspection.status = (uint8_t)(i % EW_INSPECT_MAX);
	e->inspection.reason = (uint8_t)(i / 2 % EW_REASON_MAX);
	e->has_verdict = i % 5 != 0;
	e->verdict.route = (enum ew_route)(i % 4);
	e->verdict.verdict = (enum ew_verdict_kind)(i / 3 % 5);
	e->verdict.rule = (enum ew_rule)(i % 7);
}

void ew_test_same_on_hit_and_miss(ew_test_encode_fn *encode, unsigned int n,
				  char (*first)[EW_TEST_TEXT_CAP])
{
	static char again[EW_TEST_TEXT_CAP];
	struct ew_jsonw w;

	ew_jsonw_init(&w);
	for (unsigned int i = 0; i < n; i++)
		encode(&w, i, first[i], EW_TEST_TEXT_CAP);
	for (unsigned int r = 0; r < 3; r++)
		for (unsigned int i = n; i-- > 0;) {
			encode(&w, i, again, sizeof(again));
			cr_assert_str_eq(again, first[i], "kind %u differs on pass %u", i, r);
		}
	ew_jsonw_free(&w);
}
