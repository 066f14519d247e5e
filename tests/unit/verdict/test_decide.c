// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verdict under REGULATION.md: every route and its threshold edges,
 * channel scope and expiry, people caps, the nine exemptions with and
 * without evidence (and with evidence dated after the flow), error bands.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "util/addr.h"
#include "verdict/decide.h"

static struct ew_policy p;
static char err[4096];

static const char channels[] =
    "\"channels\":["
    "{\"id\":\"sa-de\",\"route\":\"security_assessment\",\"reference\":\"CAC-2026-001\","
    "\"recipient\":\"Example GmbH\",\"countries\":[\"DE\"],"
    "\"categories\":[\"important_data\",\"pi\",\"sensitive_pi\"],"
    "\"valid_from\":\"2026-01-01\",\"valid_until\":\"2028-12-31\"},"
    "{\"id\":\"sc-jp\",\"route\":\"standard_contract\",\"reference\":\"SC-1\","
    "\"countries\":[\"JP\"],\"networks\":[\"203.0.113.0/24\"],"
    "\"categories\":[\"vin\",\"id_number\"],\"valid_from\":\"2026-03-01\","
    "\"valid_until\":\"2026-12-31\",\"people_cap\":50000},"
    "{\"id\":\"cert-sg\",\"route\":\"certification\",\"reference\":\"CERT-1\","
    "\"domains\":[\"*.example.sg\"],\"categories\":[\"pi\"],"
    "\"valid_from\":\"2026-01-01\",\"valid_until\":\"2026-12-31\"}]";

static void load(const char *extra)
{
	char text[8192];

	snprintf(text, sizeof(text), "{\"version\":1,%s%s%s}", channels, extra[0] ? "," : "",
		 extra);
	cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), 0, "%s", err);
}

static void fini(void)
{
	ew_policy_free(&p);
}

static int32_t day(const char *s)
{
	int32_t d;

	cr_assert_eq(ew_rules_date_parse(s, &d), 0, "%s", s);
	return d;
}

static struct ew_flow_cat cat(const char *id, enum ew_class cls)
{
	return (struct ew_flow_cat){.id = id, .idx = -1, .cls = cls, .subjects = 1};
}

/* A flow to @cc on 2026-06-01 with the categories given; people set by the caller. */
static struct ew_verdict_in flow(const char *cc, struct ew_flow_cat *cats, int n)
{
	struct ew_verdict_in in = {.day = day("2026-06-01"), .place = EW_VPLACE_CROSS_BORDER};

	snprintf(in.country, sizeof(in.country), "%s", cc);
	/* the policy is loaded by now: intern as the pipeline would, once per id */
	for (int i = 0; i < n; i++)
		cats[i].idx = ew_rules_cat_index(&p.rules, cats[i].id);
	in.cats = cats;
	in.n_cats = n;
	for (int c = 0; c < EW_CLASSES; c++)
		in.people[c] = (struct ew_people_band){1, 1};
	return in;
}

static void people(struct ew_verdict_in *in, enum ew_class c, uint64_t lo, uint64_t hi)
{
	in->people[c] = (struct ew_people_band){lo, hi};
}

static struct ew_verdict v;

static void decide(const struct ew_verdict_in *in)
{
	ew_decide(&p.rules, in, &v);
}

#define EXPECT(route_, verdict_, rule_)                                                            \
	do {                                                                                       \
		cr_assert_str_eq(ew_decide_route_name(v.route), route_);                           \
		cr_assert_str_eq(ew_decide_verdict_name(v.verdict), verdict_);                     \
		cr_assert_str_eq(ew_decide_rule_name(v.rule), rule_);                              \
	} while (0)

TestSuite(decide, .fini = fini);

Test(decide, domestic_local_and_nothing_regulated)
{
	struct ew_flow_cat c[] = {cat("vin", EW_CLASS_PI)};
	struct ew_verdict_in in;

	load("");
	in = flow("CN", c, 1);
	in.place = EW_VPLACE_DOMESTIC;
	decide(&in);
	EXPECT("none", "not_applicable", "domestic");
	in.place = EW_VPLACE_LOCAL;
	decide(&in);
	EXPECT("none", "not_applicable", "local");
	in = flow("US", c, 0);
	decide(&in);
	EXPECT("none", "not_applicable", "no_regulated_data");
}

Test(decide, pi_standard_edge)
{
	struct ew_flow_cat c[] = {cat("licence_plate", EW_CLASS_PI)};
	struct ew_verdict_in in;

	load("");
	in = flow("US", c, 1);
	people(&in, EW_CLASS_PI, 99999, 99999);
	decide(&in);
	EXPECT("none", "allowed", "small_volume_pi");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "small_volume_pi");
	people(&in, EW_CLASS_PI, 100000, 100000);
	decide(&in);
	EXPECT("standard_contract_or_certification", "violation", "no_channel");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "pi_standard_threshold");
	cr_assert_str_eq(v.missing, "no channel for standard_contract or certification to US");
	cr_assert_null(v.channel_id);
}

Test(decide, sensitive_edge)
{
	struct ew_flow_cat c[] = {cat("id_number", EW_CLASS_SENSITIVE_PI)};
	struct ew_verdict_in in;

	load("");
	in = flow("US", c, 1);
	people(&in, EW_CLASS_SENSITIVE_PI, 9999, 9999);
	decide(&in);
	cr_assert_str_eq(ew_decide_route_name(v.route), "standard_contract_or_certification");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "sensitive_pi");
	people(&in, EW_CLASS_SENSITIVE_PI, 10000, 10000);
	decide(&in);
	cr_assert_str_eq(ew_decide_route_name(v.route), "security_assessment");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "sensitive_pi_assessment_threshold");
	cr_assert_str_eq(v.missing, "no channel for security_assessment to US");
	/* one sensitive person is enough for a standard contract */
	people(&in, EW_CLASS_SENSITIVE_PI, 1, 1);
	people(&in, EW_CLASS_PI, 1, 1);
	decide(&in);
	cr_assert_str_eq(ew_decide_route_name(v.route), "standard_contract_or_certification");
}

Test(decide, pi_assessment_edge)
{
	struct ew_flow_cat c[] = {cat("vin", EW_CLASS_PI)};
	struct ew_verdict_in in;

	load("");
	in = flow("US", c, 1);
	people(&in, EW_CLASS_PI, 999999, 999999);
	decide(&in);
	cr_assert_str_eq(ew_decide_route_name(v.route), "standard_contract_or_certification");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "pi_standard_threshold");
	people(&in, EW_CLASS_PI, 1000000, 1000000);
	decide(&in);
	cr_assert_str_eq(ew_decide_route_name(v.route), "security_assessment");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "pi_assessment_threshold");
	/* the flow's own subjects are a floor under a count not yet updated */
	c[0].subjects = 1000000;
	people(&in, EW_CLASS_PI, 0, 0);
	decide(&in);
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "pi_assessment_threshold");
}

Test(decide, important_data_channel_and_violation)
{
	struct ew_flow_cat c[] = {cat("hd_map", EW_CLASS_IMPORTANT_DATA)};
	struct ew_verdict_in in;

	load("");
	in = flow("DE", c, 1);
	decide(&in);
	EXPECT("security_assessment", "allowed", "channel");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "important_data");
	cr_assert_str_eq(v.channel_id, "sa-de");
	cr_assert_eq(v.working_days_left, -1, "expires 2028: not within 60 working days");
	in = flow("US", c, 1);
	decide(&in);
	/* the one channel for important data, used for another country */
	EXPECT("security_assessment", "violation", "channel_out_of_scope");
	cr_assert_str_eq(v.channel_id, "sa-de");
	cr_assert_eq(v.failed_scopes, EW_SCOPE_DESTINATION);
	cr_assert_str_eq(v.missing, "no channel for security_assessment to US");
	/* a standard contract to JP is the wrong route for important data */
	in = flow("JP", c, 1);
	decide(&in);
	EXPECT("security_assessment", "violation", "channel_out_of_scope");
	cr_assert_str_eq(v.channel_id, "sc-jp");
	cr_assert(v.failed_scopes & EW_SCOPE_ROUTE);
}

Test(decide, ciio_any_pi)
{
	struct ew_flow_cat c[] = {cat("mobile_number", EW_CLASS_PI)};
	struct ew_verdict_in in;

	load("\"ciio\":true");
	in = flow("US", c, 1);
	decide(&in);
	cr_assert_str_eq(ew_decide_route_name(v.route), "security_assessment");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "ciio_pi");
	in = flow("DE", c, 1);
	decide(&in);
	EXPECT("security_assessment", "allowed", "channel");
}

Test(decide, pi_over_100k_switch)
{
	struct ew_flow_cat c[] = {cat("vin", EW_CLASS_PI)};
	struct ew_verdict_in in;

	load("\"thresholds\":{\"pi_over_100k_is_important\":true}");
	in = flow("US", c, 1);
	people(&in, EW_CLASS_PI, 100000, 100000);
	decide(&in);
	cr_assert_str_eq(ew_decide_route_name(v.route), "standard_contract_or_certification");
	people(&in, EW_CLASS_PI, 100001, 100001);
	decide(&in);
	cr_assert_str_eq(ew_decide_route_name(v.route), "security_assessment");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "pi_over_100k_important");
	/* inside the band around the switch: review, unless a later rule is certain */
	people(&in, EW_CLASS_PI, 99000, 101000);
	decide(&in);
	EXPECT("security_assessment", "review", "threshold_uncertain");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "pi_over_100k_important");
	{
		struct ew_flow_cat s[] = {cat("id_number", EW_CLASS_SENSITIVE_PI)};
		struct ew_verdict_in in2 = flow("US", s, 1);

		people(&in2, EW_CLASS_PI, 99000, 101000);
		people(&in2, EW_CLASS_SENSITIVE_PI, 20000, 20000);
		decide(&in2);
		/* sa-de is the one channel that would carry it: used for the US */
		EXPECT("security_assessment", "violation", "channel_out_of_scope");
		cr_assert_str_eq(ew_decide_rule_name(v.route_rule),
				 "sensitive_pi_assessment_threshold");
	}
	fini();
	load("");
	decide(&in);
	cr_assert_str_eq(ew_decide_route_name(v.route), "standard_contract_or_certification");
}

Test(decide, error_band_is_review)
{
	struct ew_flow_cat c[] = {cat("licence_plate", EW_CLASS_PI)};
	struct ew_flow_cat s[] = {cat("trajectory", EW_CLASS_SENSITIVE_PI)};
	struct ew_verdict_in in;

	load("");
	in = flow("US", c, 1);
	people(&in, EW_CLASS_PI, 99000, 101000);
	decide(&in);
	EXPECT("standard_contract_or_certification", "review", "threshold_uncertain");
	people(&in, EW_CLASS_PI, 990000, 1010000);
	decide(&in);
	EXPECT("security_assessment", "review", "threshold_uncertain");
	/* both ends below or above: decided */
	people(&in, EW_CLASS_PI, 98000, 99999);
	decide(&in);
	EXPECT("none", "allowed", "small_volume_pi");
	in = flow("US", s, 1);
	people(&in, EW_CLASS_SENSITIVE_PI, 9900, 10100);
	decide(&in);
	EXPECT("security_assessment", "review", "threshold_uncertain");
	/* a channel of the higher route covers either way */
	in = flow("DE", s, 1);
	people(&in, EW_CLASS_SENSITIVE_PI, 9900, 10100);
	decide(&in);
	EXPECT("security_assessment", "allowed", "channel");
}

Test(decide, channel_scope_country_network_domain_category)
{
	struct ew_flow_cat vin[] = {cat("vin", EW_CLASS_PI)};
	struct ew_flow_cat plate[] = {cat("licence_plate", EW_CLASS_PI)};
	uint8_t a[16];
	struct ew_verdict_in in;

	load("");
	in = flow("JP", vin, 1);
	people(&in, EW_CLASS_PI, 200000, 200000);
	decide(&in);
	EXPECT("standard_contract_or_certification", "allowed", "channel");
	cr_assert_str_eq(v.channel_id, "sc-jp");
	/* category outside the channel */
	in = flow("JP", plate, 1);
	people(&in, EW_CLASS_PI, 200000, 200000);
	decide(&in);
	EXPECT("standard_contract_or_certification", "violation", "channel_out_of_scope");
	cr_assert_str_eq(v.channel_id, "sc-jp");
	cr_assert_eq(v.failed_scopes, EW_SCOPE_CATEGORY);
	/* destination outside, three channels could carry it: the approval is missing */
	in = flow("US", vin, 1);
	people(&in, EW_CLASS_PI, 200000, 200000);
	decide(&in);
	EXPECT("standard_contract_or_certification", "violation", "no_channel");
	cr_assert_null(v.channel_id);
	cr_assert_str_eq(v.missing, "no channel for standard_contract or certification to US");
	/* by network, where the place is uncertain (anycast) */
	cr_assert_eq(ew_addr_parse("203.0.113.9", a), 0);
	in = flow("", vin, 1);
	in.place = EW_VPLACE_UNCERTAIN;
	in.addr = a;
	people(&in, EW_CLASS_PI, 200000, 200000);
	decide(&in);
	EXPECT("standard_contract_or_certification", "allowed", "channel");
	cr_assert_eq(ew_addr_parse("203.0.114.9", a), 0);
	decide(&in);
	EXPECT("standard_contract_or_certification", "review", "uncertain_destination");
	/* by domain glob, any case and a trailing dot */
	in = flow("", plate, 1);
	in.domain = "API.Example.SG.";
	people(&in, EW_CLASS_PI, 200000, 200000);
	decide(&in);
	EXPECT("standard_contract_or_certification", "allowed", "channel");
	cr_assert_str_eq(v.channel_id, "cert-sg");
	in.domain = "example.sg";
	decide(&in);
	cr_assert_str_eq(ew_decide_verdict_name(v.verdict), "violation");
	cr_assert_str_eq(v.missing,
			 "no channel for standard_contract or certification to example.sg");
}

Test(decide, channel_dates_inclusive)
{
	struct ew_flow_cat vin[] = {cat("vin", EW_CLASS_PI)};
	struct ew_verdict_in in;

	load("");
	in = flow("JP", vin, 1);
	people(&in, EW_CLASS_PI, 200000, 200000);
	in.day = day("2026-02-28");
	decide(&in);
	EXPECT("standard_contract_or_certification", "violation", "channel_out_of_scope");
	cr_assert_eq(v.failed_scopes, EW_SCOPE_DATES);
	in.day = day("2026-03-01");
	decide(&in);
	EXPECT("standard_contract_or_certification", "allowed", "channel");
	in.day = day("2026-12-31");
	decide(&in);
	EXPECT("standard_contract_or_certification", "allowed", "channel");
	cr_assert_eq(v.working_days_left, 0, "the last day: none left");
	in.day = day("2026-12-01");
	decide(&in);
	cr_assert_eq(v.working_days_left, 22, "Dec 2..31 2026: %d", v.working_days_left);
	in.day = day("2027-01-01");
	decide(&in);
	EXPECT("standard_contract_or_certification", "violation", "channel_out_of_scope");
	cr_assert_eq(v.failed_scopes, EW_SCOPE_DATES);
}

Test(decide, people_cap)
{
	struct ew_flow_cat vin[] = {cat("vin", EW_CLASS_PI)};
	struct ew_people_band cp[3] = {{0, 0}, {50000, 50000}, {0, 0}};
	struct ew_verdict_in in;

	load("");
	in = flow("JP", vin, 1);
	people(&in, EW_CLASS_PI, 200000, 200000);
	in.channel_people = cp;
	decide(&in);
	EXPECT("standard_contract_or_certification", "allowed", "channel");
	cp[1] = (struct ew_people_band){50001, 50001};
	decide(&in);
	EXPECT("standard_contract_or_certification", "violation", "channel_out_of_scope");
	cr_assert_eq(v.failed_scopes, EW_SCOPE_PEOPLE_CAP);
	cr_assert_str_eq(v.channel_id, "sc-jp");
	cp[1] = (struct ew_people_band){49000, 51000};
	decide(&in);
	EXPECT("standard_contract_or_certification", "review", "cap_uncertain");
}

/* A flow of @id (@cls) to @cc on 2026-06-01 under exemption text @ex. */
static void exempt_case(const char *ex, const char *id, enum ew_class cls, const char *cc,
			const char *verdict, const char *what)
{
	struct ew_flow_cat c[1];
	struct ew_verdict_in in;
	char text[1024];

	snprintf(text, sizeof(text), "\"exemptions\":[%s]", ex);
	load(text);
	c[0] = cat(id, cls);
	in = flow(cc, c, 1);
	people(&in, EW_CLASS_PI, 200000, 200000);
	decide(&in);
	cr_assert_str_eq(ew_decide_verdict_name(v.verdict), verdict, "%s: %s", what,
			 ew_decide_verdict_name(v.verdict));
	if (!strcmp(verdict, "exempt"))
		cr_assert_str_eq(v.exemption_id, "e1", "%s", what);
	else
		cr_assert_null(v.exemption_id, "%s", what);
	fini();
}

Test(decide, filed_exemptions)
{
	static const char *const kinds[][2] = {{"ota_defect", "ota_source"},
					       {"security_incident", "security_vuln"}};
	char ex[512];

	for (int k = 0; k < 2; k++) {
		snprintf(ex, sizeof(ex),
			 "{\"id\":\"e1\",\"kind\":\"%s\",\"reference\":\"MIIT-7\","
			 "\"filed_on\":\"2026-05-01\",\"purpose\":\"fix\"}",
			 kinds[k][0]);
		exempt_case(ex, kinds[k][1], EW_CLASS_IMPORTANT_DATA, "US", "exempt", "filed");
		snprintf(ex, sizeof(ex),
			 "{\"id\":\"e1\",\"kind\":\"%s\",\"reference\":\"MIIT-7\","
			 "\"filed_on\":\"2026-06-01\"}",
			 kinds[k][0]);
		exempt_case(ex, kinds[k][1], EW_CLASS_IMPORTANT_DATA, "US", "exempt", "same day");
		snprintf(ex, sizeof(ex),
			 "{\"id\":\"e1\",\"kind\":\"%s\",\"reference\":\"MIIT-7\","
			 "\"filed_on\":\"2026-06-02\"}",
			 kinds[k][0]);
		exempt_case(ex, kinds[k][1], EW_CLASS_IMPORTANT_DATA, "US", "violation",
			    "filed after the flow");
		snprintf(ex, sizeof(ex), "{\"id\":\"e1\",\"kind\":\"%s\"}", kinds[k][0]);
		exempt_case(ex, kinds[k][1], EW_CLASS_IMPORTANT_DATA, "US", "violation",
			    "no evidence");
		snprintf(ex, sizeof(ex),
			 "{\"id\":\"e1\",\"kind\":\"%s\",\"reference\":\"MIIT-7\","
			 "\"filed_on\":\"2026-05-01\"}",
			 kinds[k][0]);
		exempt_case(ex, "hd_map", EW_CLASS_IMPORTANT_DATA, "US", "violation",
			    "other important data");
	}
}

Test(decide, filed_exemption_route)
{
	struct ew_flow_cat c[] = {cat("ota_source", EW_CLASS_IMPORTANT_DATA)};
	struct ew_verdict_in in;

	load("\"exemptions\":[{\"id\":\"ota\",\"kind\":\"ota_defect\",\"reference\":\"R\","
	     "\"filed_on\":\"2026-01-05\"}]");
	in = flow("US", c, 1);
	decide(&in);
	EXPECT("exempt_if_filed", "exempt", "exemption");
	cr_assert_str_eq(ew_decide_rule_name(v.route_rule), "important_data");
	cr_assert_not(v.attested);
}

Test(decide, returned_abroad)
{
	struct ew_flow_cat c[] = {cat("vin", EW_CLASS_PI)};
	struct ew_verdict_in in;

	load("\"exemptions\":[{\"id\":\"back\",\"kind\":\"returned_abroad\"}]");
	in = flow("US", c, 1);
	people(&in, EW_CLASS_PI, 200000, 200000);
	decide(&in);
	cr_assert_str_eq(ew_decide_verdict_name(v.verdict), "violation");
	in.returned_abroad = true;
	decide(&in);
	EXPECT("standard_contract_or_certification", "exempt", "exemption");
	cr_assert_str_eq(v.exemption_id, "back");
	cr_assert_not(v.attested);
}

Test(decide, attested_exemptions)
{
	static const char *const kinds[] = {"contract", "hr", "emergency", "ftz_negative_list",
					    "no_pi_trade"};
	char ex[512];

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		snprintf(ex, sizeof(ex),
			 "{\"id\":\"e1\",\"kind\":\"%s\",\"attested_by\":\"Legal, J. Wang\","
			 "\"attested_on\":\"2026-04-01\",\"purpose\":\"p\"}",
			 kinds[k]);
		exempt_case(ex, "vin", EW_CLASS_PI, "US", "exempt", kinds[k]);
		exempt_case(ex, "hd_map", EW_CLASS_IMPORTANT_DATA, "US", "violation",
			    "never for important data");
		snprintf(ex, sizeof(ex),
			 "{\"id\":\"e1\",\"kind\":\"%s\",\"attested_by\":\"Legal\","
			 "\"attested_on\":\"2026-06-02\"}",
			 kinds[k]);
		exempt_case(ex, "vin", EW_CLASS_PI, "US", "violation", "attested after the flow");
		snprintf(ex, sizeof(ex), "{\"id\":\"e1\",\"kind\":\"%s\",\"purpose\":\"p\"}",
			 kinds[k]);
		exempt_case(ex, "vin", EW_CLASS_PI, "US", "violation", "no attestation");
	}
}

Test(decide, attested_flag_and_gba)
{
	struct ew_flow_cat c[] = {cat("vin", EW_CLASS_PI)};
	const char *wl[] = {"hr-sync"};
	struct ew_verdict_in in;

	load("\"exemptions\":[{\"id\":\"gba\",\"kind\":\"gba\",\"attested_by\":\"Legal\","
	     "\"attested_on\":\"2026-01-01\"},"
	     "{\"id\":\"hr\",\"kind\":\"hr\",\"attested_by\":\"HR\",\"attested_on\":\"2026-01-01\","
	     "\"scope\":{\"workloads\":[\"hr-sync\"],\"countries\":[\"SG\"]}}]");
	in = flow("HK", c, 1);
	people(&in, EW_CLASS_PI, 200000, 200000);
	decide(&in);
	EXPECT("standard_contract_or_certification", "exempt", "exemption");
	cr_assert_str_eq(v.exemption_id, "gba");
	cr_assert(v.attested);
	snprintf(in.country, sizeof(in.country), "MO");
	decide(&in);
	cr_assert_str_eq(v.exemption_id, "gba");
	snprintf(in.country, sizeof(in.country), "US");
	decide(&in);
	cr_assert_str_eq(ew_decide_verdict_name(v.verdict), "violation", "GBA is HK/MO only");
	/* scope: the hr exemption needs its workload and its country */
	snprintf(in.country, sizeof(in.country), "SG");
	decide(&in);
	cr_assert_str_eq(ew_decide_verdict_name(v.verdict), "violation");
	in.workloads = wl;
	in.n_workloads = 1;
	decide(&in);
	cr_assert_str_eq(v.exemption_id, "hr");
	snprintf(in.country, sizeof(in.country), "TH");
	decide(&in);
	cr_assert_str_eq(ew_decide_verdict_name(v.verdict), "violation");
}

Test(decide, warnings)
{
	struct ew_people_band pp[EW_CLASSES] = {{0, 0}};
	struct ew_people_band cp[3] = {{0, 0}, {40000, 40000}, {0, 0}};
	struct ew_warning w[16];
	int n;

	load("");
	pp[EW_CLASS_PI] = (struct ew_people_band){80000, 80000};
	n = ew_decide_warnings(&p.rules, day("2026-06-01"), pp, NULL, w, 16);
	cr_assert_eq(n, 1);
	cr_assert_eq(w[0].what, EW_WARN_PI_STANDARD);
	cr_assert_float_eq(w[0].level, 0.8, 1e-9);
	pp[EW_CLASS_PI] = (struct ew_people_band){95000, 95000};
	n = ew_decide_warnings(&p.rules, day("2026-06-01"), pp, NULL, w, 16);
	cr_assert_eq(n, 1);
	cr_assert_float_eq(w[0].level, 0.95, 1e-9);
	pp[EW_CLASS_PI] = (struct ew_people_band){100000, 100000};
	n = ew_decide_warnings(&p.rules, day("2026-06-01"), pp, NULL, w, 16);
	cr_assert_eq(n, 0, "at the threshold it is a route, not a warning");
	pp[EW_CLASS_PI] = (struct ew_people_band){0, 0};
	pp[EW_CLASS_SENSITIVE_PI] = (struct ew_people_band){7000, 8000};
	n = ew_decide_warnings(&p.rules, day("2026-06-01"), pp, cp, w, 16);
	cr_assert_eq(n, 2);
	cr_assert_eq(w[0].what, EW_WARN_SENSITIVE_ASSESSMENT);
	cr_assert_eq(w[1].what, EW_WARN_CHANNEL_CAP);
	cr_assert_eq(w[1].channel, 1);
	/* on 2026-12-01 sc-jp and cert-sg expire within 60 working days */
	cp[1] = (struct ew_people_band){0, 0};
	n = ew_decide_warnings(&p.rules, day("2026-12-01"), pp, cp, w, 16);
	cr_assert_eq(n, 3);
	cr_assert_eq(w[1].what, EW_WARN_CHANNEL_EXPIRING);
	cr_assert_eq(w[1].channel, 1);
	cr_assert_eq(w[1].working_days, 22);
}

Test(decide, working_days_calendar)
{
	load("\"calendar\":{\"holidays\":[\"2026-01-01\"],"
	     "\"working_weekends\":[\"2026-01-04\"],\"renew_working_days\":10}");
	/* 2026-01-01 is a Thursday */
	cr_assert(ew_rules_working_day(&p.rules.cal, day("2026-01-02")));
	cr_assert_not(ew_rules_working_day(&p.rules.cal, day("2026-01-01")));
	cr_assert_not(ew_rules_working_day(&p.rules.cal, day("2026-01-03")));
	cr_assert(ew_rules_working_day(&p.rules.cal, day("2026-01-04")));
	cr_assert_eq(ew_rules_working_days(&p.rules.cal, day("2025-12-31"), day("2026-01-04")), 2);
	cr_assert_eq(ew_rules_working_days(&p.rules.cal, day("2026-01-04"), day("2026-01-04")), 0);
	cr_assert_eq(ew_rules_working_days(&p.rules.cal, day("2026-01-05"), day("2026-01-12")), 5);
	cr_assert_eq(p.rules.cal.renew_working_days, 10);
}

/* Data only a human can confirm (sensitive_area_geo): review, never a violation by it alone. */
Test(decide, uncertain_data_is_review)
{
	struct ew_flow_cat geo[] = {cat("sensitive_area_geo", EW_CLASS_IMPORTANT_DATA)};
	struct ew_flow_cat geo_vin[] = {cat("sensitive_area_geo", EW_CLASS_IMPORTANT_DATA),
					cat("vin", EW_CLASS_PI)};
	struct ew_flow_cat geo_id[] = {cat("sensitive_area_geo", EW_CLASS_IMPORTANT_DATA),
				       cat("id_number", EW_CLASS_SENSITIVE_PI)};
	struct ew_verdict_in in;

	cr_assert(ew_decide_uncertain("sensitive_area_geo"));
	cr_assert_not(ew_decide_uncertain("vin"));
	cr_assert_not(ew_decide_uncertain(NULL));
	load("");
	/* alone, to a country no channel covers: review, the route still stated */
	geo[0].uncertain = true;
	in = flow("US", geo, 1);
	decide(&in);
	EXPECT("security_assessment", "review", "uncertain_data");
	cr_assert_eq(v.channel, -1);
	cr_assert_str_eq(v.missing, "");
	/* the same category not flagged uncertain is the violation it would be */
	geo[0].uncertain = false;
	decide(&in);
	EXPECT("security_assessment", "violation", "channel_out_of_scope");
	cr_assert_str_eq(v.channel_id, "sa-de");
	/* with a VIN that alone needs no route: still review */
	geo_vin[0].uncertain = true;
	in = flow("US", geo_vin, 2);
	decide(&in);
	EXPECT("security_assessment", "review", "uncertain_data");
	/* with sensitive PI that alone is a violation to US: the violation stands */
	geo_id[0].uncertain = true;
	in = flow("US", geo_id, 2);
	decide(&in);
	EXPECT("standard_contract_or_certification", "violation", "no_channel");
	/* a channel covering it: allowed as before (sa-de carries important data to DE) */
	in = flow("DE", geo, 1);
	geo[0].uncertain = true;
	decide(&in);
	EXPECT("security_assessment", "allowed", "channel");
	/* domestic: not applicable */
	in.place = EW_VPLACE_DOMESTIC;
	decide(&in);
	EXPECT("none", "not_applicable", "domestic");
}
