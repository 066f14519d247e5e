// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy's rules: defaults when absent, every field read, every error
 * reported with its JSON path (not only the first), dates and timezones.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/rules.h"
#include "util/addr.h"

static struct ew_policy p;
static char err[8192];

static void fini(void)
{
	ew_policy_free(&p);
}

TestSuite(rules, .fini = fini);

static int32_t day(const char *s)
{
	int32_t d;

	cr_assert_eq(ew_rules_date_parse(s, &d), 0, "%s", s);
	return d;
}

Test(rules, defaults_when_absent)
{
	cr_assert_eq(ew_policy_parse("p.json", "{\"version\":1}", &p, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_not(p.rules.ciio);
	cr_assert_eq(p.rules.th.pi_standard, 100000);
	cr_assert_eq(p.rules.th.pi_assessment, 1000000);
	cr_assert_eq(p.rules.th.sensitive_assessment, 10000);
	cr_assert_float_eq(p.rules.th.warn[0], 0.8, 1e-12);
	cr_assert_float_eq(p.rules.th.warn[1], 0.95, 1e-12);
	cr_assert_str_eq(p.rules.th.timezone, "Asia/Shanghai");
	cr_assert_eq(p.rules.th.tz_offset, 8 * 3600);
	cr_assert_not(p.rules.th.pi_over_100k_is_important);
	cr_assert_eq(p.rules.th.exact_crossover, 2000000);
	cr_assert_eq(p.rules.cal.renew_working_days, 60);
	cr_assert_eq(p.rules.n_channels, 0);
	cr_assert_eq(p.rules.n_exemptions, 0);
}

Test(rules, everything_read)
{
	static const char text[] =
	    "{\"version\":1,\"ciio\":true,"
	    "\"thresholds\":{\"pi_standard\":50000,\"pi_assessment\":500000,"
	    "\"sensitive_assessment\":5000,\"warn\":[0.5,0.9],\"timezone\":\"UTC\","
	    "\"pi_over_100k_is_important\":true,\"exact_crossover\":1000},"
	    "\"calendar\":{\"holidays\":[\"2026-10-02\",\"2026-10-01\"],"
	    "\"working_weekends\":[\"2026-09-27\"],\"renew_working_days\":30},"
	    "\"channels\":[{\"id\":\"c1\",\"route\":\"certification\",\"reference\":\"R1\","
	    "\"recipient\":\"X Ltd\",\"countries\":[\"DE\",\"FR\"],"
	    "\"networks\":[\"198.18.0.0/15\",\"2001:db8::/32\"],\"domains\":[\"*.example.com\"],"
	    "\"categories\":[\"vin\",\"sensitive_pi\"],\"valid_from\":\"2026-01-01\","
	    "\"valid_until\":\"2026-12-31\",\"people_cap\":1234}],"
	    "\"exemptions\":[{\"id\":\"e1\",\"kind\":\"ftz_negative_list\",\"reference\":\"F\","
	    "\"filed_on\":\"2026-02-01\",\"purpose\":\"trade\",\"attested_by\":\"Legal\","
	    "\"attested_on\":\"2026-02-02\",\"scope\":{\"categories\":[\"vin\"],"
	    "\"countries\":[\"SG\"],\"networks\":[\"10.0.0.0/8\"],\"domains\":[\"a.sg\"],"
	    "\"workloads\":[\"w\"]}}]}";
	const struct ew_channel *c;
	const struct ew_exemption *e;

	cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert(p.rules.ciio);
	cr_assert_eq(p.rules.th.pi_standard, 50000);
	cr_assert_eq(p.rules.th.pi_assessment, 500000);
	cr_assert_eq(p.rules.th.sensitive_assessment, 5000);
	cr_assert_eq(p.rules.th.tz_offset, 0);
	cr_assert(p.rules.th.pi_over_100k_is_important);
	cr_assert_eq(p.rules.th.exact_crossover, 1000);
	cr_assert_eq(p.rules.cal.n_holidays, 2);
	cr_assert_eq(p.rules.cal.holidays[0], day("2026-10-01"), "sorted");
	cr_assert_eq(p.rules.cal.renew_working_days, 30);
	cr_assert_eq(p.rules.n_channels, 1);
	c = &p.rules.channels[0];
	cr_assert_str_eq(c->id, "c1");
	cr_assert_eq(c->route, EW_CHAN_CERTIFICATION);
	cr_assert_str_eq(c->recipient, "X Ltd");
	cr_assert_eq(c->scope.n_countries, 2);
	cr_assert_eq(c->scope.n_nets, 2);
	cr_assert_eq(c->scope.n_domains, 1);
	cr_assert_eq(c->scope.classes, 1u << EW_CLASS_SENSITIVE_PI);
	cr_assert(ew_bits_test(&c->scope.cats, (unsigned int)ew_rules_cat_index(&p.rules, "vin")));
	cr_assert_eq(c->valid_until, day("2026-12-31"));
	cr_assert(c->has_cap);
	cr_assert_eq(c->people_cap, 1234);
	e = &p.rules.exemptions[0];
	cr_assert_eq(e->kind, EW_EXEMPT_FTZ_NEGATIVE_LIST);
	cr_assert_eq(e->filed_on, day("2026-02-01"));
	cr_assert_eq(e->attested_on, day("2026-02-02"));
	cr_assert_str_eq(e->attested_by, "Legal");
	cr_assert_eq(e->scope.n_workloads, 1);
	cr_assert(ew_rules_exempt_attested(e->kind));
	/* the index: one country entry per code, one network level per length */
	cr_assert_eq(p.rules.idx.n_cc, 2);
	cr_assert_eq(p.rules.idx.n_levels, 2);
}

/* Every error of a file with many, with its path, in file order. */
Test(rules, every_error_reported)
{
	static const char text[] =
	    "{\"version\":1,\"ciio\":1,"
	    "\"thresholds\":{\"pi_standard\":0,\"colour\":2},"
	    "\"calendar\":{\"holidays\":[\"2026-13-01\"]},"
	    "\"channels\":[{\"id\":\"a\",\"route\":\"x\",\"reference\":\"r\","
	    "\"countries\":[\"de\"],\"categories\":[\"vin\"],\"valid_from\":\"2026-01-01\","
	    "\"valid_until\":\"2026-02-30\"},"
	    "{\"id\":\"a\",\"route\":\"certification\",\"reference\":\"r\","
	    "\"networks\":[\"10.0.0.1/8\"],\"categories\":[\"Bad\"],"
	    "\"valid_from\":\"2026-01-01\",\"valid_until\":\"2026-12-31\"}],"
	    "\"exemptions\":[{\"id\":\"e\",\"kind\":\"nope\"}]}";
	static const char *const paths[] = {
	    "p.json: $.ciio: ",
	    "p.json: $.thresholds.pi_standard: ",
	    "p.json: $.thresholds.colour: ",
	    "p.json: $.calendar.holidays[0]: ",
	    "p.json: $.channels[0].route: ",
	    "p.json: $.channels[0].countries[0]: ",
	    "p.json: $.channels[0].valid_until: ",
	    "p.json: $.channels[1].networks[0]: ",
	    "p.json: $.channels[1].categories[0]: ",
	    "p.json: $.channels[1]: id \"a\" is used twice",
	    "p.json: $.exemptions[0].kind: ",
	};
	const char *at = err;

	cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), -EINVAL);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *f = strstr(at, paths[i]);

		cr_assert_not_null(f, "missing or out of order: %s\nin:\n%s", paths[i], err);
		at = f + 1;
	}
}

Test(rules, collector_counts_and_warnings)
{
	static const char text[] =
	    "{\"version\":1,\"channels\":[{\"id\":\"old\",\"route\":\"standard_contract\","
	    "\"reference\":\"r\",\"countries\":[\"DE\"],\"categories\":[\"pi\"],"
	    "\"valid_from\":\"2025-01-01\",\"valid_until\":\"2025-12-31\"},"
	    "{\"id\":\"backwards\",\"route\":\"standard_contract\",\"reference\":\"r\","
	    "\"countries\":[\"DE\"],\"categories\":[\"pi\"],\"valid_from\":\"2026-05-01\","
	    "\"valid_until\":\"2026-04-01\"}],"
	    "\"exemptions\":[{\"id\":\"o\",\"kind\":\"ota_defect\"},{\"id\":\"h\",\"kind\":\"hr\"}]"
	    "}";
	struct ew_jc_diags d = {0};

	cr_assert_eq(ew_policy_check("p.json", text, day("2026-06-01"), &p, &d), 0);
	cr_assert_eq(d.n_errors, 0);
	cr_assert_eq(d.n_warnings, 4);
	cr_assert_str_eq(d.v[0].path, "$.channels[0]");
	cr_assert(strstr(d.v[0].msg, "expired"));
	cr_assert(strstr(d.v[1].msg, "valid_until is before valid_from"));
	cr_assert(strstr(d.v[2].msg, "filed_on"));
	cr_assert(strstr(d.v[3].msg, "attestation"));
	ew_jc_diags_free(&d);
}

Test(rules, missing_required_members)
{
	cr_assert_eq(
	    ew_policy_parse("p.json", "{\"version\":1,\"channels\":[{}]}", &p, err, sizeof(err)),
	    -EINVAL);
	cr_assert(strstr(err, "$.channels[0]: missing \"id\""), "%s", err);
	cr_assert(strstr(err, "missing \"route\""));
	cr_assert(strstr(err, "missing \"reference\""));
	cr_assert(strstr(err, "missing \"valid_from\""));
	cr_assert(strstr(err, "missing \"valid_until\""));
	cr_assert(strstr(err, "missing \"categories\""));
	cr_assert(strstr(err, "give \"countries\", \"networks\" or \"domains\""));
}

Test(rules, dates)
{
	int32_t d;
	char buf[11];

	cr_assert_eq(day("1970-01-01"), 0);
	cr_assert_eq(day("2026-01-01"), 20454);
	cr_assert_eq(ew_rules_date_parse("2024-02-29", &d), 0);
	cr_assert_eq(ew_rules_date_parse("2026-02-29", &d), -EINVAL);
	cr_assert_eq(ew_rules_date_parse("2100-02-29", &d), -EINVAL);
	cr_assert_eq(ew_rules_date_parse("2026-04-31", &d), -EINVAL);
	cr_assert_eq(ew_rules_date_parse("2026-1-01", &d), -EINVAL);
	cr_assert_eq(ew_rules_date_parse("1969-12-31", &d), -EINVAL);
	ew_rules_date_format(day("2028-12-31"), buf);
	cr_assert_str_eq(buf, "2028-12-31");
	cr_assert_eq(ew_rules_year(day("2026-12-31")), 2026);
}

Test(rules, year_starts_in_shanghai)
{
	struct ew_rules r;

	ew_rules_defaults(&r);
	/* 2026-12-31T16:00:00Z is 2027-01-01 00:00 in Asia/Shanghai */
	cr_assert_eq(ew_rules_day(&r, 1798732800), day("2027-01-01"));
	cr_assert_eq(ew_rules_day(&r, 1798732799), day("2026-12-31"));
	cr_assert_eq(ew_rules_year(ew_rules_day(&r, 1798732800)), 2027);
}

Test(rules, timezones)
{
	cr_assert_eq(ew_policy_parse("p.json",
				     "{\"version\":1,\"thresholds\":{\"timezone\":\"UTC-05:30\"}}",
				     &p, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(p.rules.th.tz_offset, -(5 * 3600 + 1800));
	fini();
	cr_assert_eq(
	    ew_policy_parse("p.json",
			    "{\"version\":1,\"thresholds\":{\"timezone\":\"Europe/Berlin\"}}", &p,
			    err, sizeof(err)),
	    -EINVAL);
	cr_assert(strstr(err, "$.thresholds.timezone"), "%s", err);
}

Test(rules, deploy_policy_loads)
{
	char path[1024];
	const char *root = getenv("EW_SOURCE_ROOT");

	snprintf(path, sizeof(path), "%s/deploy/policy.json", root ? root : ".");
	cr_assert_eq(ew_policy_load(path, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.rules.n_channels, 0, "monitor only: no channels out of the box");
	cr_assert_eq(p.rules.th.pi_standard, 100000);
}
