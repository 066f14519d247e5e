// SPDX-License-Identifier: GPL-2.0-only
#include "alert/flow_rules.h"

#include <stdio.h>

/* The thresholds a verdict's route rule says were reached, as warnings name them. */
static int reached(enum ew_rule rule)
{
	switch (rule) {
	case EW_RULE_PI_STANDARD_THRESHOLD:
		return EW_WARN_PI_STANDARD;
	case EW_RULE_PI_ASSESSMENT_THRESHOLD:
		return EW_WARN_PI_ASSESSMENT;
	case EW_RULE_SENSITIVE_PI_ASSESSMENT_THRESHOLD:
		return EW_WARN_SENSITIVE_ASSESSMENT;
	default:
		return -1;
	}
}

static uint64_t limit_of(const struct ew_rules *r, int what, int channel)
{
	switch (what) {
	case EW_WARN_PI_STANDARD:
		return r->th.pi_standard;
	case EW_WARN_PI_ASSESSMENT:
		return r->th.pi_assessment;
	case EW_WARN_SENSITIVE_ASSESSMENT:
		return r->th.sensitive_assessment;
	case EW_WARN_CHANNEL_CAP:
		return channel >= 0 && channel < r->n_channels ? r->channels[channel].people_cap
							       : 0;
	default:
		return 0;
	}
}

static const char *channel_id(const struct ew_rules *r, int channel)
{
	return r && channel >= 0 && channel < r->n_channels ? r->channels[channel].id : "?";
}

static void threshold(struct ew_alert_hit *h, const struct ew_rules *r, int what, int channel,
		      double level)
{
	unsigned long long limit = r ? (unsigned long long)limit_of(r, what, channel) : 0;
	int pct = (int)(level * 100 + 0.5);

	*h = (struct ew_alert_hit){.rule = EW_ALERT_THRESHOLD,
				   .key = (uint32_t)what << 16 | (uint32_t)(channel + 1),
				   .level = level};
	if (what == EW_WARN_CHANNEL_CAP)
		snprintf(h->detail, sizeof(h->detail),
			 "channel %s's yearly people %s %d%% of its cap (%llu)",
			 channel_id(r, channel), level >= 1 ? "reached" : "at", pct, limit);
	else
		snprintf(
		    h->detail, sizeof(h->detail),
		    "the legal entity's yearly people abroad %s %d%% of the %s threshold (%llu)",
		    level >= 1 ? "reached" : "at", pct,
		    ew_decide_warn_name((enum ew_warn_what)what), limit);
}

int ew_flow_rules_eval(const struct ew_eval *e, const struct ew_rules *r, struct ew_alert_hit *out,
		       int max)
{
	const struct ew_verdict *v = &e->verdict;
	int n = 0, what;

	if (!e->has_verdict || max <= 0)
		return 0;
	/*
	 * A channel "used" outside its destinations is the decider's way of
	 * naming the channel that would have carried the data: for an analyst
	 * that is data gone where no approval reaches (EW-001). Out of scope
	 * proper (EW-002) is a channel to that destination used for other
	 * categories, outside its dates, past its cap or on a weaker route.
	 */
	if (v->verdict == EW_VERDICT_VIOLATION && n < max)
		out[n++] =
		    (struct ew_alert_hit){.rule = v->rule == EW_RULE_CHANNEL_OUT_OF_SCOPE &&
							  !(v->failed_scopes & EW_SCOPE_DESTINATION)
						      ? EW_ALERT_OUT_OF_SCOPE
						      : EW_ALERT_VIOLATION};
	if (v->verdict == EW_VERDICT_REVIEW && n < max)
		out[n++] = (struct ew_alert_hit){.rule = EW_ALERT_REVIEW};
	/* A threshold reached is in the route the verdict required, not in the warnings. */
	if ((what = reached(v->route_rule)) >= 0 && n < max)
		threshold(&out[n++], r, what, -1, 1.0);
	if (v->failed_scopes & EW_SCOPE_PEOPLE_CAP && v->channel >= 0 && n < max)
		threshold(&out[n++], r, EW_WARN_CHANNEL_CAP, v->channel, 1.0);
	for (int i = 0; i < e->n_warnings && n < max; i++) {
		const struct ew_warning *w = &e->warnings[i];

		if (w->what != EW_WARN_CHANNEL_EXPIRING) {
			threshold(&out[n++], r, w->what, w->channel, w->level);
			continue;
		}
		out[n] = (struct ew_alert_hit){.rule = EW_ALERT_EXPIRING,
					       .key = (uint32_t)w->what << 16 |
						      (uint32_t)(w->channel + 1),
					       .level = w->working_days};
		snprintf(out[n].detail, sizeof(out[n].detail),
			 "approval %s expires in %d working days: renew it",
			 channel_id(r, w->channel), w->working_days);
		n++;
	}
	return n;
}
