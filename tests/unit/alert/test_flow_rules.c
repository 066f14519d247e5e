// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which alert rules a flow record's evaluation meets.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "alert/flow_rules.h"

static struct ew_rules r;

static void setup(void)
{
	static struct ew_channel ch = {.id = "sc-jp", .people_cap = 50000, .has_cap = true};

	ew_rules_defaults(&r);
	r.channels = &ch;
	r.n_channels = 1;
}

TestSuite(flow_rules, .init = setup);

static struct ew_eval verdict(enum ew_verdict_kind k, enum ew_rule rule)
{
	struct ew_eval e = {.has_verdict = true};

	e.verdict.verdict = k;
	e.verdict.rule = rule;
	e.verdict.channel = -1;
	return e;
}

Test(flow_rules, violation_is_ew001)
{
	struct ew_eval e = verdict(EW_VERDICT_VIOLATION, EW_RULE_NO_CHANNEL);
	struct ew_alert_hit h[EW_FLOW_RULES_MAX];

	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, EW_FLOW_RULES_MAX), 1);
	cr_assert_eq(h[0].rule, EW_ALERT_VIOLATION);
	cr_assert_str_eq(ew_alert_rule_id(h[0].rule), "EW-001");
	cr_assert_eq(ew_alert_rule_severity(h[0].rule), EW_SEV_CRITICAL);
}

Test(flow_rules, out_of_scope_is_ew002_not_ew001)
{
	struct ew_eval e = verdict(EW_VERDICT_VIOLATION, EW_RULE_CHANNEL_OUT_OF_SCOPE);
	struct ew_alert_hit h[EW_FLOW_RULES_MAX];

	e.verdict.failed_scopes = EW_SCOPE_CATEGORY | EW_SCOPE_DATES;
	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, EW_FLOW_RULES_MAX), 1);
	cr_assert_eq(h[0].rule, EW_ALERT_OUT_OF_SCOPE);
	/* The only channel named because no channel reaches that destination: no route at all. */
	e.verdict.failed_scopes = EW_SCOPE_DESTINATION | EW_SCOPE_CATEGORY;
	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, EW_FLOW_RULES_MAX), 1);
	cr_assert_eq(h[0].rule, EW_ALERT_VIOLATION);
}

Test(flow_rules, review_is_ew005_and_allowed_is_nothing)
{
	struct ew_eval e = verdict(EW_VERDICT_REVIEW, EW_RULE_UNCERTAIN_DESTINATION);
	struct ew_alert_hit h[EW_FLOW_RULES_MAX];

	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, EW_FLOW_RULES_MAX), 1);
	cr_assert_eq(h[0].rule, EW_ALERT_REVIEW);
	e = verdict(EW_VERDICT_ALLOWED, EW_RULE_CHANNEL);
	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, EW_FLOW_RULES_MAX), 0);
	e = verdict(EW_VERDICT_NOT_APPLICABLE, EW_RULE_DOMESTIC);
	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, EW_FLOW_RULES_MAX), 0);
	e.has_verdict = false;
	e.verdict.verdict = EW_VERDICT_VIOLATION;
	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, EW_FLOW_RULES_MAX), 0, "no verdict, no alert");
}

Test(flow_rules, thresholds_approached_and_reached)
{
	struct ew_warning w[] = {
	    {.what = EW_WARN_PI_STANDARD, .channel = -1, .fraction = 0.85, .level = 0.8},
	    {.what = EW_WARN_CHANNEL_CAP, .channel = 0, .fraction = 0.96, .level = 0.95},
	    {.what = EW_WARN_CHANNEL_EXPIRING, .channel = 0, .working_days = 12},
	};
	struct ew_eval e = verdict(EW_VERDICT_ALLOWED, EW_RULE_CHANNEL);
	struct ew_alert_hit h[EW_FLOW_RULES_MAX];

	e.warnings = w;
	e.n_warnings = 3;
	e.verdict.route_rule = EW_RULE_PI_ASSESSMENT_THRESHOLD;
	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, EW_FLOW_RULES_MAX), 4);
	cr_assert_eq(h[0].rule, EW_ALERT_THRESHOLD);
	cr_assert_float_eq(h[0].level, 1.0, 1e-9);
	cr_assert(strstr(h[0].detail, "reached 100% of the pi_assessment threshold (1000000)"),
		  "%s", h[0].detail);
	cr_assert_eq(h[1].rule, EW_ALERT_THRESHOLD);
	cr_assert(strstr(h[1].detail, "at 80% of the pi_standard threshold (100000)"), "%s",
		  h[1].detail);
	cr_assert(strstr(h[2].detail, "channel sc-jp's yearly people at 95% of its cap (50000)"),
		  "%s", h[2].detail);
	cr_assert_neq(h[1].key, h[2].key);
	cr_assert_eq(h[3].rule, EW_ALERT_EXPIRING);
	cr_assert_float_eq(h[3].level, 12, 1e-9);
	cr_assert(strstr(h[3].detail, "approval sc-jp expires in 12 working days"), "%s",
		  h[3].detail);
	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, 2), 2, "bounded by max");
}

Test(flow_rules, people_cap_exceeded_is_a_threshold_reached)
{
	struct ew_eval e = verdict(EW_VERDICT_VIOLATION, EW_RULE_CHANNEL_OUT_OF_SCOPE);
	struct ew_alert_hit h[EW_FLOW_RULES_MAX];

	e.verdict.failed_scopes = EW_SCOPE_PEOPLE_CAP;
	e.verdict.channel = 0;
	cr_assert_eq(ew_flow_rules_eval(&e, &r, h, EW_FLOW_RULES_MAX), 2);
	cr_assert_eq(h[0].rule, EW_ALERT_OUT_OF_SCOPE);
	cr_assert_eq(h[1].rule, EW_ALERT_THRESHOLD);
	cr_assert(strstr(h[1].detail, "reached 100% of its cap"), "%s", h[1].detail);
}
