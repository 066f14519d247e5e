// SPDX-License-Identifier: GPL-2.0-only
#include "alert/health_rules.h"

#include <stdio.h>

int ew_health_rules_eval(const struct ew_metrics *m, const struct ew_metrics *prev,
			 struct ew_health_seen *seen, struct ew_health_hit out[EW_HEALTH_RULES_MAX])
{
	uint64_t lost = ew_metrics_lost(m), before = prev ? ew_metrics_lost(prev) : 0;
	uint64_t hooks = ew_metrics_get(m, "degraded_hooks", NULL, NULL);
	uint64_t bad = ew_metrics_get(m, "policy_reloads_total", "invalid", NULL);
	uint64_t bad_before =
	    prev ? ew_metrics_get(prev, "policy_reloads_total", "invalid", NULL) : 0;
	int n = 0;

	if (lost > before) {
		out[n] = (struct ew_health_hit){
		    .rule = EW_ALERT_MONITORING_GAP, .metric = "lost_total", .lost = lost - before};
		ew_metrics_losses_moved(m, prev, out[n].detail, sizeof(out[n].detail));
		n++;
	}
	if (hooks > seen->degraded_hooks) {
		out[n] = (struct ew_health_hit){
		    .rule = EW_ALERT_HOOKS_DEGRADED, .metric = "degraded_hooks", .lost = hooks};
		snprintf(out[n].detail, sizeof(out[n].detail),
			 "see egresswatch probe for which hooks and why");
		seen->degraded_hooks = hooks;
		n++;
	}
	if (bad > bad_before) {
		out[n] = (struct ew_health_hit){.rule = EW_ALERT_POLICY_INVALID,
						.metric = "policy_reloads_total",
						.lost = bad - bad_before};
		snprintf(out[n].detail, sizeof(out[n].detail),
			 "%llu refused reload%s; the agent's log says what is wrong",
			 (unsigned long long)(bad - bad_before), bad - bad_before == 1 ? "" : "s");
		n++;
	}
	return n;
}
