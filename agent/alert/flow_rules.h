/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flow_rules.h - which alert rules one flow record's evaluation meets:
 * a violation (EW-001), a channel used outside its scope (EW-002), the
 * legal entity's year at a threshold or a cap, reached or approached
 * (EW-003), an approval expiring (EW-004), a verdict needing review
 * (EW-005). A pure function of the evaluation and the policy: which of
 * these are new (per flow, per year) is the alert stage's to decide.
 */
#ifndef EW_FLOW_RULES_H
#define EW_FLOW_RULES_H

#include <stdint.h>

#include "alert/alert.h"
#include "pipeline/eval.h"
#include "policy/rules.h"

/* One rule met. */
struct ew_alert_hit {
	enum ew_alert_rule rule;
	/* THRESHOLD, EXPIRING: which limit (enum ew_warn_what << 16 | channel + 1); else 0 */
	uint32_t key;
	/* THRESHOLD: the level reached (0.8, 0.95, 1); EXPIRING: working days left */
	double level;
	char detail[160]; /* the rule's own words, "" when the sentence says it all */
};

/* Rules one record can meet: three kinds per flow, and thresholds, caps and expiries. */
#define EW_FLOW_RULES_MAX 24

/**
 * ew_flow_rules_eval() - the rules @e meets under @r (NULL: no policy).
 * Return: the number of hits written to @out (at most @max).
 */
int ew_flow_rules_eval(const struct ew_eval *e, const struct ew_rules *r, struct ew_alert_hit *out,
		       int max);

#endif
