// SPDX-License-Identifier: GPL-2.0-only
/*
 * alert_stage.c - see alert_stage.h. Registered as the last enricher so
 * the alert ids are in the evaluation the subscribers write; it also
 * takes the metric reports (health rules) and the clock's ticks (fold
 * windows close on pipeline time, and a live run's restart alert).
 */
#include "alert/alert_stage.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alert/alert_fold.h"
#include "alert/alert_sinks.h"
#include "alert/facts.h"
#include "alert/flow_rules.h"
#include "alert/health_rules.h"
#include "out/record.h"
#include "pipeline/pipeline.h"
#include "util/log.h"
#include "util/timefmt.h"

#define NS 1000000000ull
/* Alert ids a flow's records carry; more are raised but not named in them. */
#define FLOW_IDS 4
/* Open fold windows; past it alerts go unfolded (alerts_unfolded_total). */
#define FOLD_KEYS 4096
/* Thresholds, caps and expiries whose last alert is remembered. */
#define LIMITS_MAX 256

/* A flow's slot: which per-flow rules fired, and the ids its records name. */
struct flow_alerts {
	uint16_t raised; /* bit per enum ew_alert_rule */
	uint8_t n;
	char ids[FLOW_IDS][40];
};

/* The last alert about one threshold, cap or expiry of the legal entity. */
struct limit_seen {
	uint32_t key;
	int year;
	double level;
};

struct astage {
	const char *hostname;
	const struct ew_policy *policy;
	bool enabled;
	struct ew_alert_fold *fold;
	struct ew_alert_sinks *sinks;
	char prefix[9]; /* of the ids: this run's, from the host and the first alert's time */
	uint64_t seq;
	struct limit_seen lim[LIMITS_MAX];
	int n_lim;
	struct ew_health_seen health;
	bool restart; /* a live run after an earlier one: EW-007 at the first clock */
	char restart_detail[120];
	bool have_clock;
	uint64_t now;
	int64_t realtime_offset_ns;
	uint64_t sent[EW_ALERT_RULE_MAX], folded[EW_ALERT_RULE_MAX];
	uint64_t no_memory;
	struct ew_alert a; /* the one being raised */
	struct ew_alert_hit hits[EW_FLOW_RULES_MAX];
	struct ew_alert_facts facts;
};

static struct flow_alerts *slot(const struct ew_stage *s, const struct ew_flow *f)
{
	struct flow_alerts *fa;

	memcpy(&fa, ew_stage_slot(s, f), sizeof(fa));
	return fa;
}

/* A restart leaves DATA_DIR/metrics.prom behind: its age says since when nothing was seen. */
static void look_for_restart(struct astage *a, const char *data_dir)
{
	char path[600], ts[48];
	struct stat st;

	snprintf(path, sizeof(path), "%s/metrics.prom", data_dir);
	if (stat(path, &st))
		return;
	a->restart = true;
	ew_timefmt_iso8601((int64_t)st.st_mtim.tv_sec * (int64_t)NS + st.st_mtim.tv_nsec, ts,
			   sizeof(ts));
	snprintf(a->restart_detail, sizeof(a->restart_detail),
		 "the previous run's last metric report was at %s", ts);
}

static int init(struct ew_stage *s, const struct ew_stage_env *env)
{
	struct astage *a = calloc(1, sizeof(*a));
	struct ew_alert_sink_env se = {.cfg = env->cfg,
				       .data_dir = env->data_dir,
				       .hostname = env->hostname,
				       .replay = env->replay};
	int rc;

	if (!a)
		return -ENOMEM;
	s->state = a;
	a->hostname = env->hostname ? env->hostname : "";
	a->policy = env->policy;
	a->enabled = env->cfg->alerts_enabled;
	if (!a->enabled)
		return 0;
	a->fold = ew_alert_fold_new((uint64_t)env->cfg->alerts_fold_seconds * NS, FOLD_KEYS);
	if (!a->fold)
		return -ENOMEM;
	if (!env->replay)
		look_for_restart(a, env->data_dir);
	rc = ew_alert_sinks_open(&se, &a->sinks);
	return rc;
}

static void send(struct astage *a, const struct ew_alert *al)
{
	a->sent[al->rule]++;
	if (a->sinks)
		ew_alert_sinks_put(a->sinks, al);
}

static void send_summary(void *arg, const struct ew_alert *summary)
{
	send(arg, summary);
}

/* Ids are unique across runs without a clock read: the host and the first alert's time. */
static void make_prefix(struct astage *a, int64_t time_ns)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = a->hostname; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	for (int i = 0; i < 8; i++)
		h = (h ^ ((uint64_t)time_ns >> (8 * i) & 0xff)) * 0x100000001b3ull;
	snprintf(a->prefix, sizeof(a->prefix), "%08x", (unsigned)(h ^ h >> 32));
}

/* @al filled but for id, count and message: fold it, or send it as new. */
static void raise_alert(struct astage *a, struct ew_alert *al, uint64_t now)
{
	if (!a->prefix[0])
		make_prefix(a, al->time_ns);
	al->severity = ew_alert_rule_severity(al->rule);
	al->count = 1;
	al->hostname = a->hostname;
	snprintf(al->id, sizeof(al->id), "%s-%llu", a->prefix, (unsigned long long)a->seq + 1);
	if (!ew_alert_fold_add(a->fold, al, now)) {
		a->folded[al->rule]++;
		return;
	}
	a->seq++;
	ew_alert_message(al);
	send(a, al);
}

static void clock_at(struct astage *a, uint64_t now, int64_t realtime_offset_ns)
{
	a->now = now > a->now ? now : a->now;
	a->realtime_offset_ns = realtime_offset_ns;
	a->have_clock = true;
	ew_alert_fold_expire(a->fold, a->now, false, a->realtime_offset_ns, send_summary, a);
	if (a->restart) {
		struct ew_alert *al = &a->a;

		a->restart = false;
		memset(al, 0, sizeof(*al));
		al->rule = EW_ALERT_AGENT_RESTART;
		al->time_ns = (int64_t)a->now + a->realtime_offset_ns;
		snprintf(al->facts.detail, sizeof(al->facts.detail), "%s", a->restart_detail);
		raise_alert(a, al, a->now);
	}
}

/* The policy's year (Asia/Shanghai by default), as the people counters reset. */
static int year_of(const struct astage *a, int64_t realtime_ns)
{
	return ew_rules_year(ew_rules_day(&a->policy->rules, realtime_ns / (int64_t)NS));
}

/* Expiry alerts at first sight and again at 10, 5 and 1 working days. */
static int expiry_step(double wd)
{
	return wd > 10 ? 0 : wd > 5 ? 1 : wd > 1 ? 2 : 3;
}

/* Whether a threshold, cap or expiry hit says something not yet alerted this year. */
static bool limit_is_new(struct astage *a, const struct ew_alert_hit *h, int year)
{
	struct limit_seen *l = NULL;
	bool fresh;

	for (int i = 0; i < a->n_lim && !l; i++)
		if (a->lim[i].key == (h->key | (uint32_t)h->rule << 28))
			l = &a->lim[i];
	if (!l) {
		if (a->n_lim == LIMITS_MAX)
			return false;
		l = &a->lim[a->n_lim++];
		*l = (struct limit_seen){.key = h->key | (uint32_t)h->rule << 28, .year = year};
		l->level = h->rule == EW_ALERT_EXPIRING ? -1 : 0;
		fresh = true;
	} else {
		fresh = l->year != year;
	}
	if (h->rule == EW_ALERT_EXPIRING) {
		if (!fresh && l->level >= 0 && expiry_step(h->level) <= expiry_step(l->level))
			return false;
	} else if (!fresh && h->level <= l->level) {
		return false;
	}
	l->year = year;
	l->level = h->level;
	return true;
}

static void remember_id(struct flow_alerts *fa, const char *id)
{
	for (int i = 0; i < fa->n; i++)
		if (!strcmp(fa->ids[i], id))
			return;
	if (fa->n < FLOW_IDS)
		snprintf(fa->ids[fa->n++], sizeof(fa->ids[0]), "%s", id);
}

static bool per_flow(enum ew_alert_rule r)
{
	return r != EW_ALERT_THRESHOLD && r != EW_ALERT_EXPIRING;
}

static void enrich(struct ew_stage *s, const struct ew_flow *f, struct ew_eval *e)
{
	struct astage *a = s->state;
	struct flow_alerts *fa;
	int64_t realtime = (int64_t)e->now_ns + e->realtime_offset_ns;
	bool filled = false;
	int n;

	if (!a->enabled)
		return;
	clock_at(a, e->now_ns, e->realtime_offset_ns);
	fa = slot(s, f);
	n = ew_flow_rules_eval(e, &a->policy->rules, a->hits, EW_FLOW_RULES_MAX);
	for (int i = 0; i < n; i++) {
		const struct ew_alert_hit *h = &a->hits[i];
		struct ew_alert *al = &a->a;

		if (per_flow(h->rule) ? fa && fa->raised >> h->rule & 1
				      : !limit_is_new(a, h, year_of(a, realtime)))
			continue;
		if (!fa && (fa = calloc(1, sizeof(*fa))))
			memcpy(ew_stage_slot(s, f), &fa, sizeof(fa));
		if (!fa)
			a->no_memory++;
		else if (per_flow(h->rule))
			fa->raised |= (uint16_t)(1u << h->rule);
		if (!filled) {
			ew_alert_facts_fill(&a->facts, f, e);
			filled = true;
		}
		memset(al, 0, offsetof(struct ew_alert, facts));
		al->facts = a->facts;
		snprintf(al->facts.detail, sizeof(al->facts.detail), "%s", h->detail);
		al->rule = h->rule;
		al->time_ns = realtime;
		al->flow = f;
		al->eval = e;
		al->flow_id = e->flow_id;
		raise_alert(a, al, e->now_ns);
		if (fa)
			remember_id(fa, al->id);
	}
	if (fa && fa->n) {
		e->alert_ids = (const char(*)[40])fa->ids;
		e->n_alert_ids = fa->n;
	}
}

static void event(struct ew_stage *s, const union ew_event *ev, struct ew_flow *f)
{
	struct astage *a = s->state;

	(void)f;
	if (a->enabled && ev->h.type == EW_EV_TICK)
		clock_at(a, ev->h.ts_ns, (int64_t)ev->tick.realtime_ns - (int64_t)ev->h.ts_ns);
}

static void report(struct ew_stage *s, const struct ew_metrics *m, const struct ew_metrics *prev,
		   uint64_t now, int64_t realtime_offset_ns)
{
	struct astage *a = s->state;
	struct ew_health_hit hits[EW_HEALTH_RULES_MAX];
	int n;

	if (!a->enabled)
		return;
	clock_at(a, now, realtime_offset_ns);
	n = ew_health_rules_eval(m, prev, &a->health, hits);
	for (int i = 0; i < n; i++) {
		struct ew_alert *al = &a->a;

		memset(al, 0, sizeof(*al));
		al->rule = hits[i].rule;
		al->time_ns = (int64_t)now + realtime_offset_ns;
		al->metric = hits[i].metric;
		al->lost = hits[i].lost;
		snprintf(al->facts.detail, sizeof(al->facts.detail), "%s", hits[i].detail);
		raise_alert(a, al, now);
	}
}

static void flow_free(struct ew_stage *s, struct ew_flow *f)
{
	struct flow_alerts *fa = slot(s, f), *none = NULL;

	if (!fa)
		return;
	free(fa);
	memcpy(ew_stage_slot(s, f), &none, sizeof(none));
}

static void metrics(struct ew_stage *s, struct ew_metrics *m)
{
	struct astage *a = s->state;

	if (!a->enabled)
		return;
	for (int r = 0; r < EW_ALERT_RULE_MAX; r++)
		ew_metrics_add2(
		    m, "alerts_total",
		    "Alerts sent (first of a fold window, and fold summaries), by rule.", 0, "rule",
		    ew_alert_rule_id(r), "severity", ew_severity_name(ew_alert_rule_severity(r)),
		    a->sent[r]);
	for (int r = 0; r < EW_ALERT_RULE_MAX; r++)
		ew_metrics_add1(m, "alerts_folded_total",
				"Repeats folded into an open window (sent as its summary's count).",
				0, "rule", ew_alert_rule_id(r), a->folded[r]);
	ew_metrics_add(m, "alerts_unfolded_total",
		       "Alerts sent without folding: too many fold windows were open.", 0,
		       ew_alert_fold_unfolded(a->fold));
	ew_metrics_add(m, "alert_fold_windows", "Fold windows open now.", EW_M_GAUGE,
		       ew_alert_fold_open(a->fold));
	if (a->sinks)
		ew_alert_sinks_metrics(a->sinks, m);
}

static void hup(struct ew_stage *s)
{
	struct astage *a = s->state;

	if (a->sinks)
		ew_alert_sinks_reopen(a->sinks);
}

static int finish(struct ew_stage *s)
{
	struct astage *a = s->state;

	if (!a->enabled)
		return 0;
	/* Open windows close at the end of the run: their summaries are not lost. */
	ew_alert_fold_expire(a->fold, a->now, true, a->realtime_offset_ns, send_summary, a);
	return a->sinks ? ew_alert_sinks_stop(a->sinks) : 0;
}

static void stage_free(struct ew_stage *s)
{
	struct astage *a = s->state;

	if (!a)
		return;
	ew_alert_sinks_free(a->sinks);
	ew_alert_fold_free(a->fold);
	free(a);
}

int ew_alert_connect_refused(struct ew_pipeline *p, const struct ew_alert_refusal *r)
{
	struct ew_stage *s = ew_pipeline_stage(p, "alert");
	struct astage *a = s ? s->state : NULL;
	struct ew_alert *al;
	struct ew_alert_facts *x;

	if (!a || !a->enabled)
		return -ENOENT;
	al = &a->a;
	x = &al->facts;
	memset(al, 0, sizeof(*al));
	al->rule = EW_ALERT_CONNECT_REFUSED;
	al->time_ns = (int64_t)r->now_ns + a->realtime_offset_ns;
	x->have_process = true;
	x->pid = r->pid;
	x->uid = r->uid;
	snprintf(x->comm, sizeof(x->comm), "%s", r->comm ? r->comm : "");
	snprintf(x->exe, sizeof(x->exe), "%s", r->exe ? r->exe : "");
	x->have_flow = true;
	snprintf(x->transport, sizeof(x->transport), "%s", r->udp ? "udp" : "tcp");
	snprintf(x->direction, sizeof(x->direction), "egress");
	if (r->peer)
		ew_record_ip(r->peer, x->destination_ip, sizeof(x->destination_ip));
	x->destination_port = r->port;
	snprintf(x->country, sizeof(x->country), "%s", r->country ? r->country : "");
	snprintf(x->domain, sizeof(x->domain), "%s", r->domain ? r->domain : "");
	snprintf(x->border, sizeof(x->border), "cross_border");
	raise_alert(a, al, r->now_ns > a->now ? r->now_ns : a->now);
	return 0;
}

/* A reload frees the old policy: nothing of it may stay here. */
static void policy(struct ew_stage *s, const struct ew_policy *p)
{
	struct astage *a = s->state;

	a->policy = p;
}

const struct ew_stage_def ew_alert_stage = {
    .name = "alert",
    .flow_slot = sizeof(struct flow_alerts *),
    .event_mask = EW_STAGE_EV(EW_EV_TICK),
    .init = init,
    .event = event,
    .enrich = enrich,
    .report = report,
    .flow_free = flow_free,
    .metrics = metrics,
    .hup = hup,
    .policy = policy,
    .finish = finish,
    .free = stage_free,
};
