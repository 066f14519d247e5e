// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "alert/alert.h"
#include "alert/alert_line.h"

#define S 1000000000LL

Test(alert_line, rfc3339_forms)
{
	int64_t ns;

	cr_assert_eq(ew_alert_time_parse("2026-12-01T07:20:23Z", &ns), 0);
	cr_expect_eq(ns, 1796109623 * S);
	cr_assert_eq(ew_alert_time_parse("2026-12-01T15:20:23.5+08:00", &ns), 0);
	cr_expect_eq(ns, 1796109623 * S + 500000000);
	cr_assert_eq(ew_alert_time_parse("2026-12-01 02:20:23.123456789-05:00", &ns), 0);
	cr_expect_eq(ns, 1796109623 * S + 123456789);
	cr_assert_eq(ew_alert_time_parse("2026-12-01t07:20:23.1234567891z", &ns), 0);
	cr_expect_eq(ns, 1796109623 * S + 123456789);
}

Test(alert_line, rfc3339_rejects)
{
	static const char *const bad[] = {
	    "",
	    "2026-12-01",
	    "2026-12-01T07:20:23",	/* no offset */
	    "2026-12-01T07:20:23+0800", /* offset without colon */
	    "2026-13-01T07:20:23Z",
	    "2026-12-01T24:00:00Z",
	    "2026-12-01T07:20:23.Z",
	    "2026-12-01T07:20:23Zjunk",
	    "26-12-01T07:20:23Z",
	    "9999-12-31T23:59:59Z", /* past 2262: no int64 nanoseconds */
	};
	int64_t ns;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(ew_alert_time_parse(bad[i], &ns), -EINVAL, "%s", bad[i]);
}

Test(alert_line, since_spans)
{
	int64_t now = 1796109623 * S, ns;

	cr_assert_eq(ew_alert_since_parse("10m", now, &ns), 0);
	cr_expect_eq(ns, now - 600 * S);
	cr_assert_eq(ew_alert_since_parse("2h", now, &ns), 0);
	cr_expect_eq(ns, now - 7200 * S);
	cr_assert_eq(ew_alert_since_parse("1d", now, &ns), 0);
	cr_expect_eq(ns, now - 86400 * S);
	cr_assert_eq(ew_alert_since_parse("90s", now, &ns), 0);
	cr_expect_eq(ns, now - 90 * S);
	cr_assert_eq(ew_alert_since_parse("2026-12-01T00:00:00Z", now, &ns), 0);
	cr_expect_eq(ns, 1796083200 * S);
	cr_expect_eq(ew_alert_since_parse("10", now, &ns), -EINVAL);
	cr_expect_eq(ew_alert_since_parse("10x", now, &ns), -EINVAL);
	cr_expect_eq(ew_alert_since_parse("m", now, &ns), -EINVAL);
	cr_expect_eq(ew_alert_since_parse("-1h", now, &ns), -EINVAL);
	cr_expect_eq(ew_alert_since_parse("10mm", now, &ns), -EINVAL);
	cr_expect_eq(ew_alert_since_parse("99999999999999999w", now, &ns), -EINVAL);
}

static const char nested[] =
    "{\"@timestamp\":\"2026-12-01T07:20:23.123+00:00\",\"event\":{\"kind\":\"alert\","
    "\"severity\":99},\"rule\":{\"id\":\"EW-001\",\"name\":\"x\"},\"message\":\"m\\u00e9\","
    "\"egresswatch\":{\"severity\":\"critical\",\"alert\":{\"id\":\"a\",\"count\":7}}}";

Test(alert_line, nested_and_dotted)
{
	static const char dotted[] =
	    "{\"@timestamp\":\"2026-12-01T07:20:23Z\",\"event.severity\":60,"
	    "\"rule.id\":\"ew-006\",\"egresswatch.alert.count\":3}";
	struct ew_alert_line l;

	cr_assert_eq(ew_alert_line_parse(nested, strlen(nested), &l), 0);
	cr_expect_eq(l.time_ns, 1796109623 * S + 123000000);
	cr_expect_eq(l.severity, EW_SEV_CRITICAL);
	cr_expect_eq(l.rule, EW_ALERT_VIOLATION);
	cr_expect_eq(l.count, 7);
	cr_expect_str_eq(l.message, "m\xc3\xa9");

	cr_assert_eq(ew_alert_line_parse(dotted, strlen(dotted), &l), 0);
	cr_expect_eq(l.severity, EW_SEV_HIGH); /* 60 from event.severity: the high quarter */
	cr_expect_eq(l.rule, EW_ALERT_MONITORING_GAP);
	cr_expect_eq(l.count, 3);
	cr_expect_str_eq(l.message, "");
}

Test(alert_line, not_alerts)
{
	static const char *const bad[] = {"", "not json", "[1,2]", "\"s\"", "{\"a\":", "null"};
	struct ew_alert_line l;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(ew_alert_line_parse(bad[i], strlen(bad[i]), &l), -EINVAL, "%s",
			     bad[i]);
	/* an object with odd types: parsed, the fields left unknown */
	static const char odd[] = "{\"@timestamp\":5,\"rule\":{\"id\":[]},\"egresswatch\":"
				  "{\"alert\":{\"count\":-4}}}";

	cr_assert_eq(ew_alert_line_parse(odd, strlen(odd), &l), 0);
	cr_expect_eq(l.time_ns, EW_ALERT_TIME_NONE);
	cr_expect_eq(l.rule, -1);
	cr_expect_eq(l.severity, -1);
	cr_expect_eq(l.count, 1);
}

Test(alert_line, filters)
{
	struct ew_alert_line l;
	struct ew_alert_filter f = {.since_ns = EW_ALERT_TIME_NONE, .min_severity = -1, .rule = -1};

	ew_alert_line_parse(nested, strlen(nested), &l);
	cr_expect(ew_alert_filter_match(&f, &l));
	f.min_severity = EW_SEV_CRITICAL;
	cr_expect(ew_alert_filter_match(&f, &l));
	l.severity = EW_SEV_HIGH;
	cr_expect(!ew_alert_filter_match(&f, &l), "high is below critical");
	f.min_severity = EW_SEV_MEDIUM;
	cr_expect(ew_alert_filter_match(&f, &l), "high is above medium");
	f.rule = EW_ALERT_REVIEW;
	cr_expect(!ew_alert_filter_match(&f, &l));
	f.rule = EW_ALERT_VIOLATION;
	f.since_ns = l.time_ns;
	cr_expect(ew_alert_filter_match(&f, &l), "since is inclusive");
	f.since_ns = l.time_ns + 1;
	cr_expect(!ew_alert_filter_match(&f, &l));
	l.time_ns = EW_ALERT_TIME_NONE;
	f.since_ns = 0;
	cr_expect(!ew_alert_filter_match(&f, &l), "no time fails --since");
}
