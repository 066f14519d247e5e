// SPDX-License-Identifier: GPL-2.0-only
/*
 * warn.c - how near the legal entity's year is to each threshold, channels'
 * people caps and expiries (REGULATION.md: warn at 80% and 95%, and 60
 * working days before an approval expires), and the verdict's names as
 * records spell them.
 */
#include <stdio.h>
#include <string.h>

#include "verdict/decide.h"

static const char *const route_names[] = {"none", "standard_contract_or_certification",
					  "security_assessment", "exempt_if_filed"};
static const char *const verdict_names[] = {"not_applicable", "allowed", "exempt", "violation",
					    "review"};
static const char *const rule_names[] = {
    [EW_RULE_NONE] = "none",
    [EW_RULE_DOMESTIC] = "domestic",
    [EW_RULE_LOCAL] = "local",
    [EW_RULE_NO_REGULATED_DATA] = "no_regulated_data",
    [EW_RULE_IMPORTANT_DATA] = "important_data",
    [EW_RULE_PI_OVER_100K_IMPORTANT] = "pi_over_100k_important",
    [EW_RULE_CIIO_PI] = "ciio_pi",
    [EW_RULE_SENSITIVE_PI_ASSESSMENT_THRESHOLD] = "sensitive_pi_assessment_threshold",
    [EW_RULE_PI_ASSESSMENT_THRESHOLD] = "pi_assessment_threshold",
    [EW_RULE_SENSITIVE_PI] = "sensitive_pi",
    [EW_RULE_PI_STANDARD_THRESHOLD] = "pi_standard_threshold",
    [EW_RULE_SMALL_VOLUME_PI] = "small_volume_pi",
    [EW_RULE_CHANNEL] = "channel",
    [EW_RULE_CHANNEL_OUT_OF_SCOPE] = "channel_out_of_scope",
    [EW_RULE_NO_CHANNEL] = "no_channel",
    [EW_RULE_EXEMPTION] = "exemption",
    [EW_RULE_UNCERTAIN_DESTINATION] = "uncertain_destination",
    [EW_RULE_THRESHOLD_UNCERTAIN] = "threshold_uncertain",
    [EW_RULE_CAP_UNCERTAIN] = "cap_uncertain",
    [EW_RULE_UNCERTAIN_DATA] = "uncertain_data",
};
static const char *const scope_names[] = {"route", "category", "destination", "dates",
					  "people_cap"};
static const char *const warn_names[] = {"pi_standard", "pi_assessment", "sensitive_assessment",
					 "channel_people_cap", "channel_expiring"};

const char *ew_decide_route_name(enum ew_route r)
{
	return (unsigned int)r < 4 ? route_names[r] : "?";
}

const char *ew_decide_verdict_name(enum ew_verdict_kind v)
{
	return (unsigned int)v < 5 ? verdict_names[v] : "?";
}

bool ew_decide_uncertain(const char *id)
{
	/* REGULATION.md's taxonomy: "coordinates inside customer-configured polygons — human
	 * review" */
	return id && !strcmp(id, "sensitive_area_geo");
}

const char *ew_decide_rule_name(enum ew_rule r)
{
	return (unsigned int)r < EW_RULE_MAX ? rule_names[r] : "?";
}

const char *ew_decide_warn_name(enum ew_warn_what w)
{
	return (unsigned int)w < 5 ? warn_names[w] : "?";
}

void ew_decide_scope_names(uint8_t bits, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (int i = 0; i < 5; i++)
		if (bits >> i & 1 && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
						scope_names[i]);
}

/* The highest warn level @c reached below @limit: 1 written, 0 none. */
static int near(const struct ew_rules *r, struct ew_people_band c, uint64_t limit,
		enum ew_warn_what what, int channel, struct ew_warning *w)
{
	double frac = (double)c.hi / (double)limit;
	double level = 0;

	if (!limit || c.hi >= limit)
		return 0;
	for (int i = 0; i < 2; i++)
		if (frac >= r->th.warn[i])
			level = r->th.warn[i];
	if (level == 0)
		return 0;
	*w = (struct ew_warning){
	    .what = what, .channel = channel, .fraction = frac, .level = level, .working_days = -1};
	return 1;
}

int ew_decide_warnings(const struct ew_rules *r, int32_t day,
		       const struct ew_people_band people[EW_CLASSES],
		       const struct ew_people_band *channel_people, struct ew_warning *w, int max)
{
	struct ew_warning one;
	int n = 0;

#define PUT()                                                                                      \
	do {                                                                                       \
		if (n < max)                                                                       \
			w[n++] = one;                                                              \
	} while (0)

	if (near(r, people[EW_CLASS_PI], r->th.pi_standard, EW_WARN_PI_STANDARD, -1, &one))
		PUT();
	if (near(r, people[EW_CLASS_PI], r->th.pi_assessment, EW_WARN_PI_ASSESSMENT, -1, &one))
		PUT();
	if (near(r, people[EW_CLASS_SENSITIVE_PI], r->th.sensitive_assessment,
		 EW_WARN_SENSITIVE_ASSESSMENT, -1, &one))
		PUT();
	for (int i = 0; i < r->n_channels; i++) {
		const struct ew_channel *c = &r->channels[i];

		if (c->has_cap && channel_people &&
		    near(r, channel_people[i], c->people_cap, EW_WARN_CHANNEL_CAP, i, &one))
			PUT();
		if (day >= c->valid_from && day <= c->valid_until &&
		    (int64_t)c->valid_until - day <= (int64_t)r->cal.renew_working_days * 3 + 30) {
			int wd = ew_rules_working_days(&r->cal, day, c->valid_until);

			if (wd <= r->cal.renew_working_days) {
				one = (struct ew_warning){.what = EW_WARN_CHANNEL_EXPIRING,
							  .channel = i,
							  .working_days = wd};
				PUT();
			}
		}
	}
#undef PUT
	return n;
}
