// SPDX-License-Identifier: GPL-2.0-only
/* The agent's own alerts from its metric reports: losses, hooks, refused reloads. */
#include <criterion/criterion.h>

#include "alert/health_rules.h"

static struct ew_metrics *report(uint64_t ring_full, uint64_t hooks, uint64_t invalid)
{
	struct ew_metrics *m = ew_metrics_new();

	ew_metrics_add1(m, "kernel_drops_total", "", EW_M_LOSS, "reason", "ringbuf_full_sock",
			ring_full);
	ew_metrics_add(m, "records_dropped_total", "", EW_M_LOSS, 0);
	ew_metrics_add(m, "degraded_hooks", "", EW_M_GAUGE, hooks);
	ew_metrics_add1(m, "policy_reloads_total", "", 0, "result", "ok", 3);
	ew_metrics_add1(m, "policy_reloads_total", "", 0, "result", "invalid", invalid);
	return m;
}

Test(health_rules, losses_hooks_and_invalid_reloads)
{
	struct ew_metrics *a = report(0, 0, 0), *b = report(40, 0, 0), *c = report(40, 2, 1),
			  *d = report(40, 2, 1);
	struct ew_health_seen seen = {0};
	struct ew_health_hit h[EW_HEALTH_RULES_MAX];

	cr_assert_eq(ew_health_rules_eval(a, NULL, &seen, h), 0, "a clean start");
	cr_assert_eq(ew_health_rules_eval(b, a, &seen, h), 1);
	cr_assert_eq(h[0].rule, EW_ALERT_MONITORING_GAP);
	cr_assert_eq(h[0].lost, 40);
	cr_assert_str_eq(h[0].detail, "kernel_drops_total.ringbuf_full_sock: 40");
	cr_assert_eq(ew_health_rules_eval(c, b, &seen, h), 2);
	cr_assert_eq(h[0].rule, EW_ALERT_HOOKS_DEGRADED);
	cr_assert_eq(h[0].lost, 2);
	cr_assert_eq(h[1].rule, EW_ALERT_POLICY_INVALID);
	cr_assert_eq(h[1].lost, 1);
	cr_assert_eq(ew_health_rules_eval(d, c, &seen, h), 0, "nothing new: nothing raised");
	cr_assert_eq(ew_health_rules_eval(b, NULL, &seen, h), 1, "first report: since zero");
	ew_metrics_free(a);
	ew_metrics_free(b);
	ew_metrics_free(c);
	ew_metrics_free(d);
}
