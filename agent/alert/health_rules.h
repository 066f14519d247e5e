/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * health_rules.h - the agent's own alerts from its periodic metric report:
 * events or records lost since the previous report (EW-006, any EW_M_LOSS
 * counter that grew), kernel hooks not attached (EW-008, when their number
 * grows), a policy refused on reload (EW-009, policy_reloads_total
 * {result="invalid"} grew). Pure: the caller keeps what was raised.
 */
#ifndef EW_HEALTH_RULES_H
#define EW_HEALTH_RULES_H

#include <stdint.h>

#include "alert/alert.h"
#include "pipeline/metrics.h"

/* What the caller remembers between reports. */
struct ew_health_seen {
	uint64_t degraded_hooks; /* the most raised so far */
};

struct ew_health_hit {
	enum ew_alert_rule rule;
	const char *metric; /* the family that moved */
	uint64_t lost;	    /* how much: lost, hooks degraded, invalid reloads */
	char detail[240];
};

#define EW_HEALTH_RULES_MAX 3

/**
 * ew_health_rules_eval() - the health rules @m meets against @prev (NULL:
 * the first report, against zero); updates @seen.
 * Return: the number of hits in @out (at most EW_HEALTH_RULES_MAX).
 */
int ew_health_rules_eval(const struct ew_metrics *m, const struct ew_metrics *prev,
			 struct ew_health_seen *seen,
			 struct ew_health_hit out[EW_HEALTH_RULES_MAX]);

#endif
