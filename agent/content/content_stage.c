// SPDX-License-Identifier: GPL-2.0-only
/*
 * content_stage.c - per flow, the categories the content engine recognised
 * (matches and the distinct people they name, as keyed hashes) and how far
 * its inspection got. Records carry counts for their interval, like bytes,
 * and the flow's totals; the hashes stay in memory for the policy stage.
 * What a flow received (content.inbound) is kept apart: categories_in and
 * inspection_in, which no export count or metric of matches includes.
 */
#include "content/content_stage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "content/enums.h"
#include "content/subject_set.h"
#include "content/taxonomy.h"
#include "policy/labels.h"

/* Categories are few (the taxonomy's): their ids are interned once. */
#define IDS_MAX 256
/* So are TLS libraries and versions. */
#define LIBS_MAX 32

struct tally {
	uint16_t id; /* index into ids */
	uint8_t cls, via;
	uint8_t dir; /* EW_DIR_OUT, EW_DIR_IN */
	uint64_t matches, matches_rep;
	uint32_t subjects_rep;
	struct ew_subject_set set;
};

/* How far one direction's inspection got, as the engine last said. */
struct said {
	uint8_t status, reason;
	bool said; /* a content_status came */
	uint64_t bytes;
};

/* A flow's content, allocated at its first content event. */
struct flow_content {
	struct said out, in;
	bool inbound;	/* something of its received stream came: a status or hits */
	int8_t tls_lib; /* index into libs of the TLS library that wrote it, or -1 */
	uint32_t n, cap;
	struct tally *t;
};

struct content_stage {
	struct ew_flows *flows;
	const struct ew_labels *labels;	    /* the policy's workload and destination labels */
	const struct ew_taxonomy *taxonomy; /* their classes */
	char *ids[IDS_MAX];
	uint32_t n_ids;
	struct ew_eval_category *out; /* one record's categories */
	uint32_t out_cap;
	struct ew_eval_category *out_in; /* and those found in what it received */
	uint32_t out_in_cap;
	uint64_t unmatched, ids_full, capped, no_memory;
	uint64_t matches[IDS_MAX], flows_with[IDS_MAX];
	/* Counted from the content_status events, which captures keep: a replay's
	 * metric records are the live run's. */
	uint64_t by_status[EW_INSPECT_MAX], by_reason[EW_REASON_MAX], bytes;
	uint64_t by_status_in[EW_INSPECT_MAX];
	char libs[LIBS_MAX][EW_TLS_LIB_LEN];
	uint64_t lib_flows[LIBS_MAX];
	int n_libs;
	uint64_t tls_skipped;
};

static struct flow_content *get(const struct ew_stage *s, const struct ew_flow *f)
{
	struct flow_content *fc;

	memcpy(&fc, ew_stage_slot(s, f), sizeof(fc));
	return fc;
}

static struct flow_content *get_or_new(struct ew_stage *s, struct ew_flow *f)
{
	struct flow_content *fc = get(s, f);

	if (!fc && (fc = calloc(1, sizeof(*fc)))) {
		fc->tls_lib = -1;
		memcpy(ew_stage_slot(s, f), &fc, sizeof(fc));
	}
	return fc;
}

static int init(struct ew_stage *s, const struct ew_stage_env *env)
{
	struct content_stage *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->flows = env->flows;
	c->labels = &env->policy->labels;
	c->taxonomy = env->taxonomy;
	s->state = c;
	return 0;
}

/* Labels are matched per record and their category ids interned as copies. */
static void set_policy(struct ew_stage *s, const struct ew_policy *p)
{
	((struct content_stage *)s->state)->labels = &p->labels;
}

/* The index of @id (NUL-terminated within EW_CATEGORY_LEN), interned; -1 when full. */
static int intern(struct content_stage *c, const char *id)
{
	for (uint32_t i = 0; i < c->n_ids; i++)
		if (!strcmp(c->ids[i], id))
			return (int)i;
	if (c->n_ids == IDS_MAX || !(c->ids[c->n_ids] = strdup(id))) {
		c->ids_full++;
		return -1;
	}
	return (int)c->n_ids++;
}

static struct tally *tally_of(struct content_stage *c, struct flow_content *fc, const char *id,
			      uint8_t cls, uint8_t via, uint8_t dir)
{
	int k = intern(c, id);

	if (k < 0)
		return NULL;
	for (uint32_t i = 0; i < fc->n; i++)
		if (fc->t[i].id == k && fc->t[i].via == via && fc->t[i].dir == dir)
			return &fc->t[i];
	if (fc->n == fc->cap) {
		uint32_t cap = fc->cap ? fc->cap * 2 : 4;
		struct tally *t = realloc(fc->t, cap * sizeof(*t));

		if (!t)
			return NULL;
		fc->t = t;
		fc->cap = cap;
	}
	fc->t[fc->n] = (struct tally){.id = (uint16_t)k, .cls = cls, .via = via, .dir = dir};
	ew_subject_set_init(&fc->t[fc->n].set, EW_CONTENT_SUBJECTS_MAX);
	if (dir == EW_DIR_OUT)
		c->flows_with[k]++;
	return &fc->t[fc->n++];
}

static void on_hits(struct ew_stage *s, struct ew_flow *f, const struct ew_ev_content_hits *ev)
{
	struct content_stage *c = s->state;
	struct flow_content *fc = get_or_new(s, f);
	struct tally *t;

	if (!fc || !(t = tally_of(c, fc, ev->category, ev->cls, ev->via, ev->dir))) {
		c->no_memory += !fc;
		return;
	}
	t->matches += ev->matches;
	if (ev->dir == EW_DIR_IN)
		fc->inbound = true;
	else
		c->matches[t->id] += ev->matches;
	for (int i = 0; i < ev->n_subjects && i < EW_HIT_SUBJECTS; i++)
		if (ew_subject_set_add(&t->set, ev->subjects[i]) < 0 && t->set.over == 1)
			c->capped++;
}

static void on_status(struct ew_stage *s, struct ew_flow *f, const struct ew_ev_content_status *ev)
{
	struct content_stage *c = s->state;
	struct flow_content *fc = get_or_new(s, f);
	struct said *d;

	if (!fc) {
		c->no_memory++;
		return;
	}
	d = ev->dir == EW_DIR_IN ? &fc->in : &fc->out;
	fc->inbound |= ev->dir == EW_DIR_IN;
	d->said = true;
	d->status = ev->status < EW_INSPECT_MAX ? ev->status : EW_INSPECT_NONE;
	d->reason = ev->reason < EW_REASON_MAX ? ev->reason : EW_REASON_NONE;
	d->bytes = ev->bytes;
}

/* A flow's TLS session met its socket: which library its plaintext comes from. */
static void on_tls(struct ew_stage *s, struct ew_flow *f, const struct ew_ev_tls_link *ev)
{
	struct content_stage *c = s->state;
	struct flow_content *fc;
	int k;

	if (ev->skip) {
		c->tls_skipped++;
		return;
	}
	if (!ev->library[0] || !(fc = get_or_new(s, f)) || fc->tls_lib >= 0)
		return;
	for (k = 0; k < c->n_libs && strcmp(c->libs[k], ev->library); k++)
		;
	if (k == c->n_libs) {
		if (k == LIBS_MAX)
			return;
		memcpy(c->libs[k], ev->library, EW_TLS_LIB_LEN);
		c->n_libs++;
	}
	c->lib_flows[k]++;
	fc->tls_lib = (int8_t)k;
}

static uint64_t event_cookie(const union ew_event *ev)
{
	switch (ev->h.type) {
	case EW_EV_CONTENT_HITS:
		return ev->hits.cookie;
	case EW_EV_TLS_LINK:
		return ev->tls.cookie;
	default:
		return ev->cstatus.cookie;
	}
}

static void event(struct ew_stage *s, const union ew_event *ev, struct ew_flow *f)
{
	struct content_stage *c = s->state;
	uint64_t cookie = event_cookie(ev);

	if (ev->h.type == EW_EV_CONTENT_STATUS && ev->cstatus.dir == EW_DIR_IN) {
		c->by_status_in[ev->cstatus.status]++;
	} else if (ev->h.type == EW_EV_CONTENT_STATUS) {
		c->by_status[ev->cstatus.status]++;
		if (ev->cstatus.status != EW_INSPECT_COMPLETE)
			c->by_reason[ev->cstatus.reason]++;
		c->bytes += ev->cstatus.bytes;
	}
	/* The engine feeds a flow's content before its close, so the flow is open. */
	f = ew_flows_find_tcp(c->flows, cookie);
	if (!f) {
		c->unmatched++;
		return;
	}
	if (ev->h.type == EW_EV_CONTENT_HITS)
		on_hits(s, f, &ev->hits);
	else if (ev->h.type == EW_EV_TLS_LINK)
		on_tls(s, f, &ev->tls);
	else
		on_status(s, f, &ev->cstatus);
}

static struct ew_eval_category *slot_in(struct ew_eval_category **v, uint32_t *cap, uint32_t n)
{
	if (n >= *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 16;
		struct ew_eval_category *o = realloc(*v, ncap * sizeof(*o));

		if (!o)
			return NULL;
		*v = o;
		*cap = ncap;
	}
	return &(*v)[n];
}

static struct ew_eval_category *out_slot(struct content_stage *c, uint32_t n)
{
	return slot_in(&c->out, &c->out_cap, n);
}

static void inspection(const struct said *d, const struct ew_flow *f, struct ew_eval_inspection *in)
{
	*in = (struct ew_eval_inspection){.status = EW_INSPECT_NONE};
	if (f->proto != EW_IPPROTO_TCP) {
		in->reason = EW_REASON_UDP;
	} else if (d && d->said) {
		in->status = d->status;
		in->reason = d->reason;
		in->bytes = d->bytes;
	} else {
		/* An open flow's bytes are being inspected; a closed one the engine never
		 * spoke of was not (a capture older than content inspection). */
		in->reason = f->end == EW_END_NONE ? EW_REASON_PENDING : EW_REASON_DISABLED;
	}
}

struct label_ctx {
	struct content_stage *c;
	struct ew_eval *e;
	uint8_t via;
};

/* A category the policy gives the flow's process or peer: once per record and via. */
static void on_label(void *arg, unsigned int idx, const char *category, const char *label)
{
	struct label_ctx *x = arg;
	const struct ew_category *cat = ew_taxonomy_find(x->c->taxonomy, category);
	struct ew_eval_category *o;
	int k = intern(x->c, category);

	(void)idx;
	(void)label;
	if (!cat || k < 0)
		return;
	for (uint32_t i = 0; i < x->e->n_categories; i++)
		if (x->c->out[i].id == x->c->ids[k] && x->c->out[i].via == x->via)
			return;
	o = out_slot(x->c, x->e->n_categories);
	if (!o)
		return;
	*o = (struct ew_eval_category){.id = x->c->ids[k], .cls = (uint8_t)cat->cls, .via = x->via};
	x->e->n_categories++;
}

/* The policy's labels: a workload's own, and its destination's. */
static void labelled(struct content_stage *c, const struct ew_flow *f, struct ew_eval *e)
{
	struct label_ctx x = {.c = c, .e = e, .via = EW_VIA_WORKLOAD};

	if (!c->taxonomy || (!c->labels->n_workloads && !c->labels->n_dests))
		return;
	if (e->owner.known)
		ew_labels_owner(c->labels, &e->owner, on_label, &x);
	x.via = EW_VIA_DESTINATION;
	ew_labels_destination(c->labels, f->peer, e->domain, on_label, &x);
}

static void enrich(struct ew_stage *s, const struct ew_flow *f, struct ew_eval *e)
{
	struct content_stage *c = s->state;
	struct flow_content *fc = get(s, f);
	uint32_t n = 0, n_in = 0;

	inspection(fc ? &fc->out : NULL, f, &e->inspection);
	e->tls_library = fc && fc->tls_lib >= 0 ? c->libs[fc->tls_lib] : NULL;
	if (fc && fc->inbound) {
		e->inspected_in = true;
		inspection(&fc->in, f, &e->inspection_in);
	}
	for (uint32_t i = 0; fc && i < fc->n; i++) {
		struct tally *t = &fc->t[i];
		bool in = t->dir == EW_DIR_IN;
		struct ew_eval_category *o =
		    in ? slot_in(&c->out_in, &c->out_in_cap, n_in) : out_slot(c, n);

		if (!o)
			continue;
		*o = (struct ew_eval_category){
		    .id = c->ids[t->id],
		    .cls = t->cls,
		    .via = t->via,
		    .subjects_capped = t->set.over > 0,
		    .matches = t->matches - t->matches_rep,
		    .matches_total = t->matches,
		    .subjects = t->set.count - t->subjects_rep,
		    .subjects_total = t->set.count,
		};
		/* Each record reports its interval: the next starts here. */
		t->matches_rep = t->matches;
		t->subjects_rep = t->set.count;
		if (in)
			n_in++;
		else
			n++;
	}
	e->n_categories = n;
	e->n_categories_in = n_in;
	e->categories_in = n_in ? c->out_in : NULL;
	labelled(c, f, e);
	e->categories = e->n_categories ? c->out : NULL;
}

static void flow_free(struct ew_stage *s, struct ew_flow *f)
{
	struct flow_content *fc = get(s, f), *none = NULL;

	if (!fc)
		return;
	for (uint32_t i = 0; i < fc->n; i++)
		ew_subject_set_free(&fc->t[i].set);
	free(fc->t);
	free(fc);
	memcpy(ew_stage_slot(s, f), &none, sizeof(none));
}

static void metrics(struct ew_stage *s, struct ew_metrics *m)
{
	struct content_stage *c = s->state;
	uint64_t total = 0;

	ew_metrics_add(m, "content_events_unmatched_total",
		       "Content results for a socket that had no open flow.", 0, c->unmatched);
	ew_metrics_add(m, "content_subjects_capped_total",
		       "Flow categories that named more people than a flow holds "
		       "(their subject counts are lower bounds).",
		       0, c->capped);
	ew_metrics_add(m, "content_categories_unheld_total",
		       "Content results dropped: no memory, or more distinct categories than "
		       "the stage holds.",
		       EW_M_LOSS, c->no_memory + c->ids_full);
	/* A family's members are added together. */
	for (uint32_t i = 0; i < c->n_ids; i++)
		ew_metrics_add1(m, "content_matches_total",
				"Validated matches in flows' bytes, by category.", 0, "category",
				c->ids[i], c->matches[i]);
	for (uint32_t i = 0; i < c->n_ids; i++)
		ew_metrics_add1(m, "flows_categorised_total", "Flows that carried a category.", 0,
				"category", c->ids[i], c->flows_with[i]);
	for (int i = 0; i < EW_INSPECT_MAX; i++) {
		ew_metrics_add1(
		    m, "content_status_total",
		    "Flows' inspection outcomes (one per flow that sent data), by status.", 0,
		    "status", ew_inspection_name(i), c->by_status[i]);
		total += c->by_status[i];
	}
	ew_metrics_add(m, "content_streams_total", "Flows whose inspection was stated.", 0, total);
	for (int i = 0; i < EW_INSPECT_MAX; i++)
		ew_metrics_add1(
		    m, "content_in_status_total",
		    "Flows' inspection outcomes of what they received (content.inbound), "
		    "by status.",
		    0, "status", ew_inspection_name(i), c->by_status_in[i]);
	ew_metrics_add(m, "content_streams_refused_total",
		       "Flows not inspected: content.max_streams were being inspected already.", 0,
		       c->by_reason[EW_REASON_MAX_STREAMS]);
	ew_metrics_add(m, "content_streams_skipped_total",
		       "Flows not inspected: the peer is in a skip network.", 0,
		       c->by_reason[EW_REASON_SKIPPED]);
	for (int i = 1; i < EW_REASON_MAX; i++)
		ew_metrics_add1(m, "content_truncated_total",
				"Flows not inspected in full (status not complete), by reason.", 0,
				"reason", ew_reason_name(i), c->by_reason[i]);
	for (int i = 0; i < c->n_libs; i++)
		ew_metrics_add1(m, "tls_flows_total",
				"Flows whose TLS plaintext was tied to them, by library.", 0,
				"library", c->libs[i], c->lib_flows[i]);
	ew_metrics_add(m, "tls_flows_skipped_total",
		       "TLS flows to skip networks (loopback, domestic): plaintext not taken.", 0,
		       c->tls_skipped);
	ew_metrics_add(m, "content_bytes_inspected_total",
		       "Bytes inspected, in stream order, of flows that ended.", 0, c->bytes);
}

static void stage_free(struct ew_stage *s)
{
	struct content_stage *c = s->state;

	if (!c)
		return;
	for (uint32_t i = 0; i < c->n_ids; i++)
		free(c->ids[i]);
	free(c->out);
	free(c->out_in);
	free(c);
}

const struct ew_stage_def ew_content_stage = {
    .name = "content",
    .flow_slot = sizeof(struct flow_content *),
    .event_mask = EW_STAGE_EV(EW_EV_CONTENT_HITS) | EW_STAGE_EV(EW_EV_CONTENT_STATUS) |
		  EW_STAGE_EV(EW_EV_TLS_LINK),
    .init = init,
    .event = event,
    .enrich = enrich,
    .policy = set_policy,
    .flow_free = flow_free,
    .metrics = metrics,
    .free = stage_free,
};
