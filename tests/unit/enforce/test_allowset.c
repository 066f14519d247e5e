// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "enforce/allowset.h"
#include "policy/policy.h"
#include "util/addr.h"

static struct ew_policy p;
static struct ew_allowset s;
static char err[2048];

static void fini(void)
{
	ew_allowset_free(&s);
	ew_policy_free(&p);
}

static void load(const char *json)
{
	char text[4096];

	snprintf(text, sizeof(text), "{\"version\":1,%s}", json);
	cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), 0, "%s", err);
}

static bool ok(const char *a)
{
	uint8_t x[16];

	cr_assert_eq(ew_addr_parse(a, x), 0, "%s", a);
	return ew_allowset_covers(&s, x);
}

#define CHANNEL(id, extra)                                                                         \
	"{\"id\":\"" id "\",\"route\":\"standard_contract\",\"reference\":\"R\",\"recipient\":"    \
	"\"X\",\"categories\":[\"pi\"],\"valid_from\":\"2026-01-01\",\"valid_until\":"             \
	"\"2026-12-31\"," extra "}"

static const char *POLICY =
    "\"domestic_countries\":[\"CN\"],"
    "\"networks\":[{\"cidr\":\"198.18.0.0/16\",\"country\":\"CN\",\"name\":\"cn\"},"
    "{\"cidr\":\"198.18.2.0/24\",\"country\":\"DE\",\"name\":\"de\"},"
    "{\"cidr\":\"198.19.1.0/24\",\"country\":\"US\",\"name\":\"us\"},"
    "{\"cidr\":\"2001:db8:1::/48\",\"country\":\"US\",\"name\":\"us6\"}],"
    "\"channels\":[" CHANNEL("us", "\"countries\":[\"US\"]") "," CHANNEL(
	"partner",
	"\"networks\":[\"203.0.113.0/24\"]") "," CHANNEL("dom",
							 "\"domains\":[\"example.com\"]") "]";

Test(allowset, policy_networks_channels_and_fixed_ranges, .fini = fini)
{
	int32_t day;

	load(POLICY);
	ew_rules_date_parse("2026-06-01", &day);
	cr_assert_eq(ew_allowset_build(&p, day, NULL, NULL, &s), 0);
	/* this host, the site, the link */
	cr_assert(ok("127.0.0.1") && ok("10.1.2.3") && ok("192.168.1.1") && ok("169.254.1.1"));
	cr_assert(ok("::1") && ok("fe80::1") && ok("fd00::1") && ok("0.0.0.0"));
	/* domestic, and a channel's country and its own networks */
	cr_assert(ok("198.18.7.7"), "domestic CN network");
	cr_assert(ok("198.19.1.9") && ok("2001:db8:1::5"), "US: channel us");
	cr_assert(ok("203.0.113.77"), "channel partner's network");
	/* a DE network inside the domestic range is refused: the longest match */
	cr_assert_not(ok("198.18.2.2"));
	cr_assert_not(ok("8.8.8.8"));
	cr_assert_not(ok("2001:db8:2::1"));
	cr_assert_eq(s.n_channels, 2);
	cr_assert_eq(s.n_domain_only, 1, "a domains-only channel opens nothing");
	cr_assert_eq(s.n_no_nets, 0);
}

Test(allowset, a_channel_not_valid_today_opens_nothing, .fini = fini)
{
	int32_t day;

	load(POLICY);
	ew_rules_date_parse("2027-01-01", &day);
	cr_assert_eq(ew_allowset_build(&p, day, NULL, NULL, &s), 0);
	cr_assert_not(ok("198.19.1.9"));
	cr_assert_not(ok("203.0.113.77"));
	cr_assert(ok("198.18.7.7"), "domestic stays");
	cr_assert_eq(s.n_channels, 0);
}

/* A database that lists CN as halves of 1.0.0.0/16 and JP as nothing. */
static int fake_geo(void *arg, const char (*cc)[3], int n,
		    int (*add)(void *, const char *, const uint8_t[16], uint8_t), void *add_arg)
{
	int *calls = arg;
	uint8_t a[16];
	char net[32];
	bool cn = false;

	(*calls)++;
	for (int i = 0; i < n; i++)
		cn |= !strcmp(cc[i], "CN");
	if (!cn)
		return 0;
	for (int i = 0; i < 256; i++) {
		snprintf(net, sizeof(net), "1.0.%d.0/24", i);
		ew_cidr_parse(net, a, &(uint8_t){0});
		add(add_arg, "CN", a, 120);
	}
	ew_cidr_parse("1.0.0.0/16", a, &(uint8_t){0});
	add(add_arg, "ZZ", a, 8); /* a country nobody asked for is ignored */
	return 0;
}

Test(allowset, database_networks_fold_and_missing_countries_are_named, .fini = fini)
{
	int calls = 0;

	load("\"domestic_countries\":[\"CN\"],\"channels\":[" CHANNEL(
	    "jp", "\"countries\":[\"JP\"]") "]");
	cr_assert_eq(ew_allowset_build(&p, EW_RULES_NO_DATE, fake_geo, &calls, &s), 0);
	cr_assert_eq(calls, 1, "one pass over the database for every country");
	cr_assert_eq(s.n_geo, 256);
	cr_assert(ok("1.0.200.1") && ok("1.0.0.1"));
	cr_assert_not(ok("1.1.0.1"));
	cr_assert_not(ok("2.0.0.1"), "ZZ was not asked for");
	/* 256 /24s fold into the one /16, beside the 13 fixed ranges */
	cr_assert_eq(s.n, 14, "%d entries", s.n);
	cr_assert_eq(s.n_no_nets, 1);
	cr_assert_str_eq(s.no_nets[0], "JP");
}

Test(allowset, folding_keeps_stronger_entries_apart, .fini = fini)
{
	uint8_t a[16], b[16];

	memset(&s, 0, sizeof(s));
	ew_cidr_parse("5.0.0.0/25", a, &(uint8_t){0});
	ew_cidr_parse("5.0.0.128/25", b, &(uint8_t){0});
	cr_assert_eq(ew_allowset_add(&s, a, 121, true, EW_ALLOW_GEO), 0);
	cr_assert_eq(ew_allowset_add(&s, b, 121, false, EW_ALLOW_POLICY), 0);
	cr_assert_eq(ew_allowset_add(&s, a, 121, true, EW_ALLOW_GEO), 0); /* a duplicate */
	cr_assert_eq(ew_allowset_add(&s, a, 200, true, EW_ALLOW_GEO), -EINVAL);
	ew_allowset_finish(&s);
	cr_assert_eq(s.n, 2, "a refused half does not fold into an allowed whole");
	cr_assert(ok("5.0.0.1"));
	cr_assert_not(ok("5.0.0.200"));
}
