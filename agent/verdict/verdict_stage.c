// SPDX-License-Identifier: GPL-2.0-only
/*
 * verdict_stage.c - the enricher after content: each flow record's verdict
 * under the policy (decide.c), with the legal entity's yearly people
 * counted first (people.c). The people a flow names arrive with its
 * content_hits events and wait in its slot until its next record: only a
 * cross-border flow's count toward the year, and the border is known then.
 * Counters are kept in STATE_DIR (DATA_DIR/state, or replay's --state),
 * saved every SAVE_EVERY seconds and at the end; the people counted in
 * between are journalled (journal.h) and synced once per ring drain, so a
 * kill -9 loses none. A channel's people are counted apart, for its cap.
 */
#include "verdict/verdict_stage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/content_stage.h"
#include "geo/place.h"
#include "policy/policy.h"
#include "util/log.h"
#include "verdict/decide.h"
#include "verdict/verdict_int.h"

static struct pending *slot(const struct ew_stage *s, const struct ew_flow *f, bool create)
{
	struct pending *p;

	memcpy(&p, ew_stage_slot(s, f), sizeof(p));
	if (!p && create && (p = calloc(1, sizeof(*p))))
		memcpy(ew_stage_slot(s, f), &p, sizeof(p));
	return p;
}

static void latest_year(const struct ew_people_counter *c, void *arg)
{
	int *year = arg;

	if (ew_people_counter_key(c)->year > *year)
		*year = ew_people_counter_key(c)->year;
}

/* Everything taken from the policy; a reload calls it again. */
static void use_policy(struct vstage *v, const struct ew_policy *p)
{
	v->policy = p;
	v->rules = &p->rules;
	/* channel indexes are found again: a new policy may sit where the old one was */
	v->chan_rules = NULL;
	v->entity = p->legal_entity[0] ? p->legal_entity : "default";
	v->bands_known = 0;
}

static int init(struct ew_stage *s, const struct ew_stage_env *env)
{
	const struct ew_rules *r = &env->policy->rules;
	struct ew_people_opts po = {.crossover = r->th.exact_crossover, .tz = r->th.timezone};
	struct vstage *v = calloc(1, sizeof(*v));
	char err[512] = "";
	int rc;

	if (!v)
		return -ENOMEM;
	s->state = v;
	v->flows = env->flows;
	use_policy(v, env->policy);
	v->readonly = env->replay;
	rc = ew_people_new(&v->people, &po, err, sizeof(err));
	if (rc) {
		ew_err("people counters: %s", err);
		return rc;
	}
	if (env->state_dir)
		snprintf(v->state_dir, sizeof(v->state_dir), "%s", env->state_dir);
	else if (!env->replay)
		snprintf(v->state_dir, sizeof(v->state_dir), "%s/state", env->data_dir);
	if (!v->state_dir[0])
		return 0;
	rc = ew_people_load(v->people, v->state_dir, err, sizeof(err));
	if (rc == -EBADMSG) {
		ew_warn("people counters: %s (started from the previous snapshot)", err);
	} else if (rc) {
		ew_err("people counters in %s: %s%s%s", v->state_dir, strerror(-rc),
		       err[0] ? ": " : "", err);
		return rc;
	}
	if (!v->readonly && (rc = ew_vcount_open_journal(v)))
		return rc;
	/* Until a record says which year it is, the metrics show the latest one kept. */
	ew_people_foreach(v->people, latest_year, &v->year);
	return 0;
}

/* The people of a flow's content_hits (what it sent) wait for its next record. */
static void event(struct ew_stage *s, const union ew_event *ev, struct ew_flow *f)
{
	struct vstage *v = s->state;
	const struct ew_ev_content_hits *h = &ev->hits;
	struct pending *p;

	if (h->dir != EW_DIR_OUT || !h->n_subjects)
		return;
	f = ew_flows_find_tcp(v->flows, h->cookie);
	if (!f || !(p = slot(s, f, true))) {
		v->people_nomem += f ? h->n_subjects : 0;
		return;
	}
	for (int i = 0; i < h->n_subjects && i < EW_HIT_SUBJECTS; i++) {
		if (p->n == p->cap) {
			uint32_t cap = p->cap ? p->cap * 2 : 16;
			struct person *nv;

			if (cap > PENDING_MAX) {
				v->people_dropped++;
				continue;
			}
			nv = realloc(p->v, cap * sizeof(*nv));
			if (!nv) {
				v->people_nomem++;
				continue;
			}
			p->v = nv;
			p->cap = cap;
		}
		p->v[p->n++] = (struct person){.hash = h->subjects[i], .cls = h->cls};
	}
}

static void fill_cats(struct vstage *v, const struct ew_eval *e, struct ew_verdict_in *in)
{
	int n = 0;

	if ((int)e->n_categories > v->cats_cap) {
		struct ew_flow_cat *c = realloc(v->cats, e->n_categories * sizeof(*c));

		if (!c)
			return;
		v->cats = c;
		v->cats_cap = (int)e->n_categories;
	}
	for (uint32_t i = 0; i < e->n_categories; i++) {
		const struct ew_eval_category *c = &e->categories[i];

		v->cats[n++] = (struct ew_flow_cat){
		    .id = c->id,
		    .idx = ew_rules_cat_index(v->rules, c->id),
		    .cls = (enum ew_class)c->cls,
		    .subjects = c->subjects_total,
		    .uncertain = ew_decide_uncertain(c->id),
		};
	}
	in->cats = v->cats;
	in->n_cats = n;
}

static enum ew_vplace place_of(const struct ew_place *pl)
{
	if (pl->review)
		return EW_VPLACE_UNCERTAIN;
	switch (pl->border) {
	case EW_BORDER_CROSS:
		return EW_VPLACE_CROSS_BORDER;
	case EW_BORDER_DOMESTIC:
		return EW_VPLACE_DOMESTIC;
	case EW_BORDER_LOCAL:
		return EW_VPLACE_LOCAL;
	default:
		return EW_VPLACE_UNCERTAIN;
	}
}

static void enrich(struct ew_stage *s, const struct ew_flow *f, struct ew_eval *e)
{
	struct vstage *v = s->state;
	struct pending *p = slot(s, f, false);
	struct ew_verdict_in in = {0};
	struct ew_verdict *out = &e->verdict;
	int64_t unix_sec = ((int64_t)e->now_ns + e->realtime_offset_ns) / 1000000000;
	bool abroad;
	int year;

	in.day = ew_rules_day(v->rules, unix_sec);
	year = ew_rules_year(in.day);
	v->year = year;
	in.place = place_of(&e->place);
	memcpy(in.country, e->place.country, sizeof(in.country));
	in.addr = f->peer;
	in.domain = e->domain && e->domain[0] ? e->domain : NULL;
	fill_cats(v, e, &in);
	/* Only what crosses the border counts toward the year. */
	abroad = in.place == EW_VPLACE_CROSS_BORDER || in.place == EW_VPLACE_UNCERTAIN;
	if (abroad)
		ew_vcount_people(v, p, year, false);
	for (int c = EW_CLASS_PI; c <= EW_CLASS_IMPORTANT_DATA; c++)
		ew_vcount_band(v, c, year, &in.people[c]);
	in.channel_people = ew_vcount_channel_bands(v, year);
	ew_decide(v->rules, &in, out);
	/* The channel's count holds this flow's people too: decided again if they were new. */
	if (abroad && in.channel_people && ew_vcount_channel(v, p, year, out)) {
		in.channel_people = ew_vcount_channel_bands(v, year);
		ew_decide(v->rules, &in, out);
	}
	if (p)
		p->n = 0;
	e->has_verdict = true;
	e->n_warnings = ew_decide_warnings(v->rules, in.day, in.people, in.channel_people,
					   v->warnings, EW_VERDICT_WARN_MAX);
	e->warnings = v->warnings;
	v->by_verdict[out->verdict]++;
	if (out->rule < EW_RULE_MAX)
		v->by_rule[out->rule]++;
}

static void flow_free(struct ew_stage *s, struct ew_flow *f)
{
	struct pending *p = slot(s, f, false), *none = NULL;

	if (!p)
		return;
	free(p->v);
	free(p);
	memcpy(ew_stage_slot(s, f), &none, sizeof(none));
}

/* Before this drain's records reach the writer, the people they counted are on disk. */
static void flush(struct ew_stage *s)
{
	struct vstage *v = s->state;
	int rc;

	if (!v->journal || !ew_journal_pending(v->journal))
		return;
	rc = ew_journal_sync(v->journal);
	if (rc) {
		if (!v->journal_errors++)
			ew_err("people journal %s/%s not written: %s (counts wait for the next "
			       "snapshot)",
			       v->state_dir, EW_JOURNAL_FILE, strerror(-rc));
		return;
	}
	v->journal_syncs++;
}

/* A reload: the counters are kept by name; channel indexes are taken afresh per record. */
static void set_policy(struct ew_stage *s, const struct ew_policy *p)
{
	struct vstage *v = s->state;
	const struct ew_thresholds *o = &v->rules->th, *n = &p->rules.th;

	if (strcmp(o->timezone, n->timezone) || o->exact_crossover != n->exact_crossover)
		ew_warn("policy reload: the people counters keep timezone %s and crossover %llu "
			"until a restart",
			o->timezone, (unsigned long long)o->exact_crossover);
	if (strcmp(v->entity, p->legal_entity[0] ? p->legal_entity : "default"))
		ew_warn("policy reload: legal entity now %s; its yearly people count from zero",
			p->legal_entity[0] ? p->legal_entity : "default");
	use_policy(v, p);
}

static void metrics(struct ew_stage *s, struct ew_metrics *m)
{
	struct vstage *v = s->state;

	for (int i = 0; i <= EW_VERDICT_REVIEW; i++)
		ew_metrics_add1(m, "verdicts_total", "Flow records by verdict.", 0, "verdict",
				ew_decide_verdict_name((enum ew_verdict_kind)i), v->by_verdict[i]);
	for (int i = 1; i < EW_RULE_MAX; i++)
		ew_metrics_add1(m, "verdict_rules_total", "Flow records by the rule that decided.",
				0, "rule", ew_decide_rule_name((enum ew_rule)i), v->by_rule[i]);
	for (int c = EW_CLASS_PI; c <= EW_CLASS_IMPORTANT_DATA; c++) {
		struct ew_people_band b = {0, 0};

		if (v->year)
			ew_vcount_band(v, c, v->year, &b);
		ew_metrics_add1(m, "people_year", "Distinct people exported this calendar year.",
				EW_M_GAUGE, "class", ew_rules_class_name((enum ew_class)c), b.hi);
		ew_metrics_add1(m, "people_year_lo",
				"Lower bound of people_year (equal to it while counted exactly).",
				EW_M_GAUGE, "class", ew_rules_class_name((enum ew_class)c), b.lo);
	}
	ew_metrics_add(m, "people_uncounted_total",
		       "People named by flows but not counted: a flow held more than it "
		       "keeps between records, or memory ran out.",
		       EW_M_LOSS, v->people_dropped + v->people_nomem);
	ew_metrics_add(m, "people_save_errors_total", "Failed saves of the people counters.", 0,
		       v->save_errors);
	/* The journal is the live run's: a replay has none, and its records must match. */
	ew_metrics_add(m, "people_journal_syncs_total",
		       "fdatasyncs of the people journal (one per ring drain that counted people).",
		       EW_M_HOST, v->journal_syncs);
	ew_metrics_add(m, "people_journal_errors_total",
		       "Failed writes, syncs or resets of the people journal.", EW_M_HOST,
		       v->journal_errors);
	ew_metrics_add(m, "people_journal_replayed",
		       "Journal entries replayed into the snapshot at start.",
		       EW_M_HOST | EW_M_GAUGE, v->journal_replayed);
	ew_metrics_add(m, "people_journal_cut_bytes",
		       "Bytes of a torn or corrupt journal tail cut at start.",
		       EW_M_HOST | EW_M_GAUGE, v->journal_cut);
}

static void poll(struct ew_stage *s)
{
	struct vstage *v = s->state;

	if (++v->polls >= SAVE_EVERY) {
		v->polls = 0;
		ew_vcount_save(v);
	}
}

static int finish(struct ew_stage *s)
{
	struct vstage *v = s->state;

	flush(s);
	ew_vcount_save(v);
	return v->save_errors && v->dirty ? -EIO : 0;
}

static void stage_free(struct ew_stage *s)
{
	struct vstage *v = s->state;

	if (!v)
		return;
	ew_journal_free(v->journal);
	ew_people_free(v->people);
	free(v->chan_people);
	free(v->chan_ctr);
	free(v->capped);
	free(v->cats);
	free(v);
}

const struct ew_stage_def ew_verdict_stage = {
    .name = "verdict",
    .flow_slot = sizeof(struct pending *),
    .event_mask = EW_STAGE_EV(EW_EV_CONTENT_HITS),
    .init = init,
    .event = event,
    .enrich = enrich,
    .policy = set_policy,
    .flush = flush,
    .poll = poll,
    .flow_free = flow_free,
    .metrics = metrics,
    .finish = finish,
    .free = stage_free,
};
