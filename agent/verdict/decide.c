// SPDX-License-Identifier: GPL-2.0-only
/*
 * decide.c - REGULATION.md's "How the agent decides" on one flow: the route
 * first (rules 1-5, first match), then whether a channel, an exemption or
 * nothing covers it. Counts carry an error band; a threshold inside it is
 * "review", so a sketch never decides a violation on a guess.
 */
#include "verdict/decide.h"

#include <stdio.h>
#include <string.h>

#include "verdict/decide_util.h"

enum tri { NO, YES, MAYBE };

/* count >= limit: yes, no, or inside the band. */
static enum tri at_least(struct ew_people_band c, uint64_t limit)
{
	if (c.lo >= limit)
		return YES;
	if (c.hi < limit)
		return NO;
	return MAYBE;
}

struct facts {
	bool has[EW_CLASSES];
	bool pi; /* any PI, sensitive included */
	struct ew_people_band people[EW_CLASSES];
	struct ew_bits256 dest;	 /* channels whose destination matches */
	struct ew_bits256 cover; /* channels that carry every category of the flow */
	char domain[256];	 /* lowercase, no trailing dot; "" none */
};

static void gather(const struct ew_verdict_in *in, struct facts *f)
{
	uint64_t sub[EW_CLASSES] = {0};

	for (int i = 0; i < in->n_cats; i++) {
		unsigned int c = (unsigned int)in->cats[i].cls % EW_CLASSES;

		f->has[c] = true;
		sub[c] += in->cats[i].subjects;
	}
	f->pi = f->has[EW_CLASS_PI] || f->has[EW_CLASS_SENSITIVE_PI];
	sub[EW_CLASS_PI] += sub[EW_CLASS_SENSITIVE_PI];
	for (int c = 0; c < EW_CLASSES; c++) {
		/* this flow's own people are a floor under a count not yet updated */
		f->people[c] = in->people[c];
		if (f->people[c].lo < sub[c])
			f->people[c].lo = sub[c];
		if (f->people[c].hi < f->people[c].lo)
			f->people[c].hi = f->people[c].lo;
	}
}

/* The route (rules 1-5) and whether a band left it uncertain. */
static enum ew_route route_of(const struct ew_rules *r, const struct facts *f, enum ew_rule *rule,
			      bool *uncertain)
{
	const struct ew_thresholds *th = &r->th;
	enum tri t;

	*uncertain = false;
	if (f->has[EW_CLASS_IMPORTANT_DATA]) {
		*rule = EW_RULE_IMPORTANT_DATA;
		return EW_ROUTE_SECURITY_ASSESSMENT;
	}
	if (f->pi && th->pi_over_100k_is_important) {
		t = at_least(f->people[EW_CLASS_PI], th->pi_standard + 1);
		if (t != NO) {
			*rule = EW_RULE_PI_OVER_100K_IMPORTANT;
			*uncertain = t == MAYBE;
			if (t == YES)
				return EW_ROUTE_SECURITY_ASSESSMENT;
		}
	}
	if (f->pi && r->ciio) {
		*rule = EW_RULE_CIIO_PI;
		*uncertain = false;
		return EW_ROUTE_SECURITY_ASSESSMENT;
	}
	/* a rule below may still decide the same route for certain */
	if (f->has[EW_CLASS_SENSITIVE_PI]) {
		t = at_least(f->people[EW_CLASS_SENSITIVE_PI], th->sensitive_assessment);
		if (t == YES) {
			*rule = EW_RULE_SENSITIVE_PI_ASSESSMENT_THRESHOLD;
			*uncertain = false;
			return EW_ROUTE_SECURITY_ASSESSMENT;
		}
		if (t == MAYBE && !*uncertain) {
			*rule = EW_RULE_SENSITIVE_PI_ASSESSMENT_THRESHOLD;
			*uncertain = true;
		}
	}
	if (f->pi) {
		t = at_least(f->people[EW_CLASS_PI], th->pi_assessment);
		if (t == YES) {
			*rule = EW_RULE_PI_ASSESSMENT_THRESHOLD;
			*uncertain = false;
			return EW_ROUTE_SECURITY_ASSESSMENT;
		}
		if (t == MAYBE && !*uncertain) {
			*rule = EW_RULE_PI_ASSESSMENT_THRESHOLD;
			*uncertain = true;
		}
	}
	if (*uncertain)
		return EW_ROUTE_SECURITY_ASSESSMENT;
	if (f->has[EW_CLASS_SENSITIVE_PI]) {
		*rule = EW_RULE_SENSITIVE_PI;
		return EW_ROUTE_STANDARD_CONTRACT_OR_CERTIFICATION;
	}
	t = at_least(f->people[EW_CLASS_PI], th->pi_standard);
	*rule = t == NO ? EW_RULE_SMALL_VOLUME_PI : EW_RULE_PI_STANDARD_THRESHOLD;
	*uncertain = t == MAYBE;
	return t == NO ? EW_ROUTE_NONE : EW_ROUTE_STANDARD_CONTRACT_OR_CERTIFICATION;
}

/* Bits of the channels whose countries, networks or domains take the flow. */
static void dest_channels(const struct ew_rules *r, const struct ew_verdict_in *in, struct facts *f,
			  const struct ew_bits256 *among)
{
	struct ew_bits256 d = {{0}};

	if (in->country[0] && in->country[1]) {
		const struct ew_cc_chans *cc = ew_dutil_cc(&r->idx, in->country);

		if (cc)
			d = cc->chans;
	}
	if (in->addr)
		ew_dutil_nets(&r->idx, in->addr, &d);
	if (f->domain[0]) {
		for (int w = 0; w < 4; w++) {
			uint64_t m = r->idx.with_domains.w[w] & among->w[w] & ~d.w[w];

			while (m) {
				int i = w * 64 + __builtin_ctzll(m);

				m &= m - 1;
				if (ew_dutil_domain(&r->channels[i].scope, f->domain))
					ew_bits_set(&d, (unsigned int)i);
			}
		}
	}
	f->dest = d;
}

/* The channels naming every category of the flow, by id or by class. */
static void cover_of(const struct ew_rules *r, const struct ew_verdict_in *in,
		     struct ew_bits256 *cover)
{
	memset(cover, 0xff, sizeof(*cover));
	for (int k = 0; k < in->n_cats; k++) {
		const struct ew_flow_cat *c = &in->cats[k];
		const struct ew_bits256 *cls = &r->idx.by_class[c->cls % EW_CLASSES];
		bool named = c->idx >= 0 && c->idx < r->n_cats;

		for (int w = 0; w < 4; w++)
			cover->w[w] &= cls->w[w] | (named ? r->idx.by_cat[c->idx].w[w] : 0);
	}
}

/* Dates and people cap of channel @i; the category from @cover. */
static uint8_t channel_fails(const struct ew_rules *r, int i, const struct ew_verdict_in *in,
			     const struct ew_bits256 *cover, bool *cap_maybe)
{
	const struct ew_channel *c = &r->channels[i];
	uint8_t fail = 0;

	*cap_maybe = false;
	if (in->day < c->valid_from || in->day > c->valid_until)
		fail |= EW_SCOPE_DATES;
	if (!ew_bits_test(cover, (unsigned int)i))
		fail |= EW_SCOPE_CATEGORY;
	if (c->has_cap && in->channel_people) {
		const struct ew_people_band *cp = &in->channel_people[i];

		if (cp->lo > c->people_cap)
			fail |= EW_SCOPE_PEOPLE_CAP;
		else if (cp->hi > c->people_cap)
			*cap_maybe = true;
	}
	return fail;
}

static void route_set(const struct ew_rules *r, enum ew_route route, struct ew_bits256 *s)
{
	*s = r->idx.by_route[EW_CHAN_SECURITY_ASSESSMENT];
	if (route == EW_ROUTE_STANDARD_CONTRACT_OR_CERTIFICATION)
		for (int w = 0; w < 4; w++)
			s->w[w] |= r->idx.by_route[EW_CHAN_STANDARD_CONTRACT].w[w] |
				   r->idx.by_route[EW_CHAN_CERTIFICATION].w[w];
}

/*
 * The first channel that covers the flow: 1 found (@out->channel), 0 none,
 * 2 one would if its people cap were not inside the count's band.
 */
static int find_channel(const struct ew_rules *r, const struct ew_verdict_in *in, struct facts *f,
			enum ew_route route, struct ew_verdict *out)
{
	struct ew_bits256 cand;
	int maybe = -1;

	route_set(r, route, &cand);
	dest_channels(r, in, f, &cand);
	for (int w = 0; w < 4; w++) {
		uint64_t m = cand.w[w] & f->dest.w[w] & f->cover.w[w];

		while (m) {
			int i = w * 64 + __builtin_ctzll(m);
			bool cap_maybe;

			m &= m - 1;
			if (channel_fails(r, i, in, &f->cover, &cap_maybe))
				continue;
			if (cap_maybe) {
				if (maybe < 0)
					maybe = i;
				continue;
			}
			out->channel = i;
			out->channel_id = r->channels[i].id;
			return 1;
		}
	}
	if (maybe >= 0) {
		out->channel = maybe;
		out->channel_id = r->channels[maybe].id;
		return 2;
	}
	return 0;
}

/*
 * On a violation, the channel that was used outside its scope: one whose
 * destination takes the flow (fewest failed scopes, ties to the first);
 * else the only channel of the route that would carry these categories on
 * this day, sent elsewhere. With several such, no one channel was "used":
 * the approval is missing.
 */
static void nearest_channel(const struct ew_rules *r, const struct ew_verdict_in *in,
			    struct facts *f, enum ew_route route, struct ew_verdict *out)
{
	struct ew_bits256 ok, all = f->dest;
	int best = -1, best_n = 99, elsewhere = -1, n_elsewhere = 0;
	uint8_t best_fail = 0;
	bool cap_maybe;

	route_set(r, route, &ok);
	/* channels of other routes with domains were not looked at for the verdict */
	for (int w = 0; f->domain[0] && w < 4; w++) {
		uint64_t m = r->idx.with_domains.w[w] & ~ok.w[w] & ~all.w[w];

		while (m) {
			int i = w * 64 + __builtin_ctzll(m);

			m &= m - 1;
			if (ew_dutil_domain(&r->channels[i].scope, f->domain))
				ew_bits_set(&all, (unsigned int)i);
		}
	}
	for (int w = 0; w < 4; w++) {
		uint64_t m = all.w[w];

		while (m) {
			int i = w * 64 + __builtin_ctzll(m), n;
			uint8_t fail = channel_fails(r, i, in, &f->cover, &cap_maybe);

			m &= m - 1;
			if (!ew_bits_test(&ok, (unsigned int)i))
				fail |= EW_SCOPE_ROUTE;
			n = __builtin_popcount(fail);
			if (n < best_n) {
				best = i;
				best_n = n;
				best_fail = fail;
			}
		}
	}
	for (int w = 0; best < 0 && w < 4 && n_elsewhere < 2; w++) {
		uint64_t m = ok.w[w] & f->cover.w[w] & ~all.w[w];

		while (m && n_elsewhere < 2) {
			int i = w * 64 + __builtin_ctzll(m);

			m &= m - 1;
			if (!channel_fails(r, i, in, &f->cover, &cap_maybe)) {
				elsewhere = i;
				n_elsewhere++;
			}
		}
	}
	if (best < 0 && n_elsewhere == 1) {
		best = elsewhere;
		best_fail = EW_SCOPE_DESTINATION;
	}
	if (best < 0)
		return;
	out->channel = best;
	out->channel_id = r->channels[best].id;
	out->failed_scopes = best_fail;
}

/* "no channel for ROUTE to WHERE", without printf: violations are common. */
static void say_missing(const struct ew_verdict_in *in, const struct facts *f, enum ew_route route,
			struct ew_verdict *out)
{
	static const char head[] = "no channel for ";
	const char *what = route == EW_ROUTE_SECURITY_ASSESSMENT
			       ? "security_assessment to "
			       : "standard_contract or certification to ";
	const char *where = in->country[0] ? in->country
			    : f->domain[0] ? f->domain
					   : "an unknown destination";
	size_t n = sizeof(head) - 1, k = strlen(what), w = strnlen(where, in->country[0] ? 2 : 99);

	memcpy(out->missing, head, n);
	memcpy(out->missing + n, what, k);
	n += k;
	if (n + w >= sizeof(out->missing))
		w = sizeof(out->missing) - n - 1;
	memcpy(out->missing + n, where, w);
	out->missing[n + w] = '\0';
}

static void expiry(const struct ew_rules *r, const struct ew_verdict_in *in, struct ew_verdict *out)
{
	const struct ew_channel *c = &r->channels[out->channel];
	int64_t left = (int64_t)c->valid_until - in->day;
	int wd;

	/* 60 working days never span more than ~3 x 60 calendar days */
	if (left > (int64_t)r->cal.renew_working_days * 3 + 30)
		return;
	wd = ew_rules_working_days(&r->cal, in->day, c->valid_until);
	if (wd <= r->cal.renew_working_days)
		out->working_days_left = wd;
}

/* Categories on one flow past which uncertain data is reviewed without a second look. */
#define SURE_MAX 64

/* Nothing covers the flow and nothing is said missing (yet). */
static void no_cover(struct ew_verdict *out)
{
	out->channel = out->exemption = -1;
	out->channel_id = out->exemption_id = NULL;
	out->failed_scopes = 0;
	out->attested = false;
	out->working_days_left = -1;
	out->missing[0] = '\0';
}

/*
 * A violation with uncertain categories on the flow: decided again without
 * them. Still a violation: the certain data makes it (that verdict stands,
 * naming its own route and channel). Otherwise the uncertain data alone
 * does, and a human decides: review. Return: whether @out is final.
 */
static bool uncertain_data(const struct ew_rules *r, const struct ew_verdict_in *in,
			   struct ew_verdict *out)
{
	struct ew_flow_cat sure[SURE_MAX];
	enum ew_route route = out->route;
	enum ew_rule route_rule = out->route_rule;
	struct ew_verdict_in again;
	int n = 0, n_uncertain = 0;

	for (int i = 0; i < in->n_cats; i++) {
		if (in->cats[i].uncertain)
			n_uncertain++;
		else if (n < SURE_MAX)
			sure[n++] = in->cats[i];
	}
	if (!n_uncertain)
		return false;
	if (n + n_uncertain == in->n_cats) {
		again = *in;
		again.cats = sure;
		again.n_cats = n;
		ew_decide(r, &again, out);
		if (out->verdict == EW_VERDICT_VIOLATION)
			return true;
	}
	out->route = route;
	out->route_rule = route_rule;
	out->verdict = EW_VERDICT_REVIEW;
	out->rule = EW_RULE_UNCERTAIN_DATA;
	no_cover(out);
	return true;
}

void ew_decide(const struct ew_rules *r, const struct ew_verdict_in *in, struct ew_verdict *out)
{
	struct facts f;
	enum ew_route route;
	bool uncertain;
	int found, ex;

	out->route = EW_ROUTE_NONE;
	out->verdict = EW_VERDICT_NOT_APPLICABLE;
	out->rule = out->route_rule = EW_RULE_NONE;
	no_cover(out);
	if (in->place == EW_VPLACE_DOMESTIC || in->place == EW_VPLACE_LOCAL) {
		out->rule = in->place == EW_VPLACE_LOCAL ? EW_RULE_LOCAL : EW_RULE_DOMESTIC;
		return;
	}
	memset(&f, 0, sizeof(f.has) + sizeof(f.pi));
	gather(in, &f);
	if (!f.pi && !f.has[EW_CLASS_IMPORTANT_DATA]) {
		out->rule = EW_RULE_NO_REGULATED_DATA;
		return;
	}
	cover_of(r, in, &f.cover);
	ew_dutil_domain_norm(in->domain, f.domain, sizeof(f.domain));
	route = route_of(r, &f, &out->route_rule, &uncertain);
	out->route = route;
	if (route == EW_ROUTE_NONE) {
		out->verdict = EW_VERDICT_ALLOWED;
		out->rule = EW_RULE_SMALL_VOLUME_PI;
		return;
	}
	/* rule 1's exemption: filed evidence makes the route exempt_if_filed */
	if (f.has[EW_CLASS_IMPORTANT_DATA]) {
		ex = ew_dutil_filed_exemption(r, in, f.domain);
		if (ex >= 0) {
			out->route = EW_ROUTE_EXEMPT_IF_FILED;
			out->verdict = EW_VERDICT_EXEMPT;
			out->rule = EW_RULE_EXEMPTION;
			out->exemption = ex;
			out->exemption_id = r->exemptions[ex].id;
			return;
		}
	}
	found = find_channel(r, in, &f, route, out);
	if (found == 1) {
		out->verdict = EW_VERDICT_ALLOWED;
		out->rule = EW_RULE_CHANNEL;
		expiry(r, in, out);
		return;
	}
	ex = ew_dutil_other_exemption(r, in, f.domain, f.has[EW_CLASS_IMPORTANT_DATA]);
	if (ex >= 0) {
		out->channel = -1;
		out->channel_id = NULL;
		out->verdict = EW_VERDICT_EXEMPT;
		out->rule = EW_RULE_EXEMPTION;
		out->exemption = ex;
		out->exemption_id = r->exemptions[ex].id;
		out->attested = ew_rules_exempt_attested(r->exemptions[ex].kind);
		return;
	}
	if (found == 2) {
		out->verdict = EW_VERDICT_REVIEW;
		out->rule = EW_RULE_CAP_UNCERTAIN;
		return;
	}
	if (uncertain) {
		out->verdict = EW_VERDICT_REVIEW;
		out->rule = EW_RULE_THRESHOLD_UNCERTAIN;
		return;
	}
	if (in->place == EW_VPLACE_UNCERTAIN) {
		out->verdict = EW_VERDICT_REVIEW;
		out->rule = EW_RULE_UNCERTAIN_DESTINATION;
		return;
	}
	if (uncertain_data(r, in, out))
		return;
	out->verdict = EW_VERDICT_VIOLATION;
	nearest_channel(r, in, &f, route, out);
	out->rule = out->channel >= 0 ? EW_RULE_CHANNEL_OUT_OF_SCOPE : EW_RULE_NO_CHANNEL;
	say_missing(in, &f, route, out);
}
