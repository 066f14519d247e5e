/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * decide.h - the verdict on one flow under REGULATION.md ("How the agent
 * decides", first match wins): which route the data needs, and whether an
 * approved channel or an exemption covers it. A pure function of the
 * policy, the flow's facts and the yearly people counts: no clock, no I/O,
 * so replay reproduces it and tests can state every edge.
 */
#ifndef EW_DECIDE_H
#define EW_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/rules.h"

/* Where the flow goes, as the border stage decided. */
enum ew_vplace {
	EW_VPLACE_CROSS_BORDER,
	EW_VPLACE_DOMESTIC,
	EW_VPLACE_LOCAL,
	EW_VPLACE_UNCERTAIN, /* anycast, CDN, unknown country: human review */
};

enum ew_route {
	EW_ROUTE_NONE,
	EW_ROUTE_STANDARD_CONTRACT_OR_CERTIFICATION,
	EW_ROUTE_SECURITY_ASSESSMENT,
	EW_ROUTE_EXEMPT_IF_FILED,
};

enum ew_verdict_kind {
	EW_VERDICT_NOT_APPLICABLE,
	EW_VERDICT_ALLOWED,
	EW_VERDICT_EXEMPT,
	EW_VERDICT_VIOLATION,
	EW_VERDICT_REVIEW,
};

/* Which rule decided; ew_decide_rule_name() gives the record's spelling. */
enum ew_rule {
	EW_RULE_NONE,
	EW_RULE_DOMESTIC,	   /* "domestic" */
	EW_RULE_LOCAL,		   /* "local" */
	EW_RULE_NO_REGULATED_DATA, /* "no_regulated_data" */
	EW_RULE_IMPORTANT_DATA,	   /* "important_data" */
	EW_RULE_PI_OVER_100K_IMPORTANT,
	EW_RULE_CIIO_PI,
	EW_RULE_SENSITIVE_PI_ASSESSMENT_THRESHOLD,
	EW_RULE_PI_ASSESSMENT_THRESHOLD,
	EW_RULE_SENSITIVE_PI,
	EW_RULE_PI_STANDARD_THRESHOLD,
	EW_RULE_SMALL_VOLUME_PI,
	EW_RULE_CHANNEL,	      /* a channel covers it */
	EW_RULE_CHANNEL_OUT_OF_SCOPE, /* a channel was used outside its scope */
	EW_RULE_NO_CHANNEL,	      /* no channel of the route to that destination */
	EW_RULE_EXEMPTION,	      /* an exemption with its evidence covers it */
	EW_RULE_UNCERTAIN_DESTINATION,
	EW_RULE_THRESHOLD_UNCERTAIN, /* a threshold inside a count's error band */
	EW_RULE_CAP_UNCERTAIN,	     /* a channel's people cap inside its count's band */
	EW_RULE_UNCERTAIN_DATA,	     /* a violation only by data whose recognition needs review */
	EW_RULE_MAX
};

/* Which part of a channel's scope the flow is outside of (bits). */
enum ew_scope_fail {
	EW_SCOPE_ROUTE = 1,	  /* approved as a weaker route than required */
	EW_SCOPE_CATEGORY = 2,	  /* carries a category the channel does not name */
	EW_SCOPE_DESTINATION = 4, /* country, network and domain all outside */
	EW_SCOPE_DATES = 8,	  /* before valid_from or after valid_until */
	EW_SCOPE_PEOPLE_CAP = 16, /* the channel's yearly people over its cap */
};

/* Yearly distinct people: exact when lo == hi, else a sketch's error band. */
struct ew_people_band {
	uint64_t lo, hi;
};

/* One category on the flow. */
struct ew_flow_cat {
	const char *id;	   /* taxonomy id, like "vin" */
	int idx;	   /* ew_rules_cat_index(id), computed once per id; -1: none */
	enum ew_class cls; /* its class */
	uint64_t subjects; /* distinct people in this flow (0 when not counted) */
	bool uncertain;	   /* recognised with doubt: a human reviews it (ew_decide_uncertain()) */
};

struct ew_verdict_in {
	int32_t day; /* the flow's day, since 1970-01-01, in the policy's timezone */
	enum ew_vplace place;
	char country[3];	      /* destination, alpha-2; "" when unknown */
	const uint8_t *addr;	      /* 16 bytes, IPv4 as ::ffff:a.b.c.d; NULL when unknown */
	const char *domain;	      /* peer name, any case, trailing dot or not; NULL: none */
	const char *const *workloads; /* names of the workload labels the process matched */
	int n_workloads;
	const struct ew_flow_cat *cats;
	int n_cats;
	bool returned_abroad; /* lineage: collected abroad, going back, no domestic PI */
	/*
	 * Yearly people of the legal entity per class, counting this flow's
	 * subjects already (the counter is updated before the verdict).
	 * EW_CLASS_PI counts every person whose PI left, sensitive included.
	 */
	struct ew_people_band people[EW_CLASSES];
	const struct ew_people_band *channel_people; /* [rules.n_channels] yearly; NULL: 0 */
};

struct ew_verdict {
	enum ew_route route;
	enum ew_verdict_kind verdict;
	enum ew_rule rule;	 /* what decided the verdict */
	enum ew_rule route_rule; /* what decided the route */
	int channel;		 /* covering channel, or the one used outside its scope; -1 */
	int exemption;		 /* -1 when none */
	const char *channel_id;	 /* into the policy; NULL when none */
	const char *exemption_id;
	uint8_t failed_scopes; /* enum ew_scope_fail bits of @channel on a violation */
	bool attested;	       /* by a human attestation: count apart, flag for review */
	int working_days_left; /* of @channel when allowed and within renewal; else -1 */
	char missing[160];     /* violations: "no channel for security_assessment to US" */
};

/* Warnings about the legal entity's year, apart from the verdict. */
enum ew_warn_what {
	EW_WARN_PI_STANDARD,	      /* PI people / pi_standard */
	EW_WARN_PI_ASSESSMENT,	      /* PI people / pi_assessment */
	EW_WARN_SENSITIVE_ASSESSMENT, /* sensitive PI people / sensitive_assessment */
	EW_WARN_CHANNEL_CAP,	      /* a channel's people / its cap */
	EW_WARN_CHANNEL_EXPIRING,     /* a channel within renew_working_days of expiry */
};

struct ew_warning {
	enum ew_warn_what what;
	int channel;	  /* CHANNEL_*: its index; else -1 */
	double fraction;  /* thresholds and caps: upper count / limit */
	double level;	  /* the warn level crossed (0.8 or 0.95) */
	int working_days; /* EXPIRING: working days left */
};

/**
 * ew_decide() - the verdict on one flow.
 * @r: the policy's rules (indexed at load)
 * @in: the flow's facts
 * @out: filled in full
 *
 * First match in REGULATION.md's order; evidence dated after @in->day does
 * not count; a threshold or cap inside a count's error band gives
 * EW_VERDICT_REVIEW, never a guess, and so does a violation that only the
 * flow's uncertain categories (@in->cats[].uncertain) make.
 */
void ew_decide(const struct ew_rules *r, const struct ew_verdict_in *in, struct ew_verdict *out);

/**
 * ew_decide_warnings() - thresholds at or past the warn levels (below the
 * threshold itself), channels' people caps alike, and channels valid on
 * @day that expire within renew_working_days working days.
 * @people: yearly people per class, as for ew_decide()
 * @channel_people: [n_channels] or NULL
 * Return: the number of warnings written to @w (at most @max).
 */
int ew_decide_warnings(const struct ew_rules *r, int32_t day,
		       const struct ew_people_band people[EW_CLASSES],
		       const struct ew_people_band *channel_people, struct ew_warning *w, int max);

/**
 * ew_decide_uncertain() - whether category @id is one REGULATION.md says
 * only a human can confirm (sensitive_area_geo): a flow that would be a
 * violation by it alone is "review", rule uncertain_data.
 */
bool ew_decide_uncertain(const char *id);

const char *ew_decide_route_name(enum ew_route r);
const char *ew_decide_verdict_name(enum ew_verdict_kind v);
const char *ew_decide_rule_name(enum ew_rule r);
/** ew_decide_scope_names() - "category,destination" for @bits into @buf. */
void ew_decide_scope_names(uint8_t bits, char *buf, size_t len);
const char *ew_decide_warn_name(enum ew_warn_what w);

#endif
