// SPDX-License-Identifier: GPL-2.0-only
#include "pipeline/pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/decode.h"
#include "proc/proc.h"
#include "util/log.h"

#define NS	   1000000000ull
#define MAX_STAGES 16
/* Flows waiting for their early record (a batch of content_hits names a few). */
#define MAX_SOON 64

struct ew_pipeline {
	struct ew_pipeline_opts o;
	struct ew_procs *procs;
	struct ew_flows *flows;
	struct ew_capture *capture;
	struct ew_metrics *last_report; /* what the previous report said */
	struct ew_stage stages[MAX_STAGES];
	int n_enrichers; /* stages[0..n_enrichers) enrich, the rest subscribe */
	int n_stages;
	int64_t realtime_offset_ns;
	bool clock; /* a tick came: records can say when they happened */
	uint64_t now_ns;
	uint64_t last_report_ns;
	bool have_tick;
	bool finished;
	/* counters owned here */
	uint64_t events[EW_EV_TYPE_MAX];
	uint64_t decode_errors[EW_DEC_MAX];
	uint64_t kstats[EW_KSTAT_MAX];
	uint64_t capture_write_errors;
	uint64_t proc_lookups_failed;
	uint64_t policy_reloads[2]; /* refused (invalid), applied (ok) */
	uint64_t policy_missing;    /* a replay's recorded policies it could not take */
	/* ew_pipeline_record_soon(): recorded when the batch of content_hits ends */
	struct ew_flow *soon[MAX_SOON];
	uint64_t soon_ns[MAX_SOON];
	int n_soon;
	uint64_t batch_cookie, batch_ts; /* of the latest content_hits */
	uint64_t early_records, early_dropped;
};

static void record_soon(struct ew_pipeline *p);

static void fill_owner(struct ew_pipeline *p, const struct ew_flow *f, struct ew_owner *o)
{
	/* The hook's view of the owner wins; the process table fills in the rest. */
	if (f->have_task) {
		o->pid = f->task->tgid;
		o->tid = f->task->tid;
		o->uid = f->task->uid;
		o->cgroup_id = f->task->cgroup_id;
		o->comm = f->task->comm;
		o->have_tid = true;
	} else if (f->proc) {
		o->pid = f->proc->tgid;
		o->uid = f->proc->uid;
		o->cgroup_id = f->proc->cgroup_id;
		o->comm = f->proc->comm;
	} else {
		return;
	}
	o->known = true;
	o->attribution = f->attribution;
	o->proc = f->proc;
	o->user = ew_procs_user(p->procs, o->uid);
	o->cgroup = o->cgroup_id ? ew_procs_cgroup_get(p->procs, o->cgroup_id) : NULL;
}

/* The flow table says a record is due: evaluate it once, then hand it on. */
static void on_record(void *arg, const struct ew_flow *f, uint64_t now)
{
	struct ew_pipeline *p = arg;
	struct ew_eval e;
	size_t n = sizeof(e);

	/* Through libc's memset: GCC inlines a known size as "rep stos", which
	 * starts slowly enough to cost more per record than the vector stores. */
	__asm__("" : "+r"(n));
	memset(&e, 0, n);
	e.now_ns = now;
	e.realtime_offset_ns = p->realtime_offset_ns;
	e.flow_id = ew_flows_id(p->flows, f);
	e.domain = "";
	fill_owner(p, f, &e.owner);
	for (int i = 0; i < p->n_enrichers; i++)
		p->stages[i].def->enrich(&p->stages[i], f, &e);
	for (int i = p->n_enrichers; i < p->n_stages; i++)
		if (p->stages[i].def->record)
			p->stages[i].def->record(&p->stages[i], f, &e);
}

static void on_flow_free(void *arg, struct ew_flow *f)
{
	struct ew_pipeline *p = arg;

	for (int i = 0; i < p->n_stages; i++)
		if (p->stages[i].def->flow_free)
			p->stages[i].def->flow_free(&p->stages[i], f);
}

static void core_metrics(const struct ew_pipeline *p, struct ew_metrics *m)
{
	static const char *const kstat_labels[EW_KSTAT_MAX] = {
#define EW_X(name, label, loss, help) [EW_KSTAT_##name] = label,
	    EW_KSTATS(EW_X)
#undef EW_X
	};
	static const char *const kstat_scalars[EW_KSTAT_MAX] = {
#define EW_X(name, label, loss, help) [EW_KSTAT_##name] = (loss) ? NULL : label "_total",
	    EW_KSTATS(EW_X)
#undef EW_X
	};
	static const char *const kstat_help[EW_KSTAT_MAX] = {
#define EW_X(name, label, loss, help) [EW_KSTAT_##name] = help,
	    EW_KSTATS(EW_X)
#undef EW_X
	};
	const struct ew_flow_stats *fs = ew_flows_stats(p->flows);

	ew_metrics_add(m, "flows_open", "Flows open now.", EW_M_GAUGE, fs->open);
	ew_metrics_add(m, "flows_created_total", "Flows created.", 0, fs->created);
	ew_metrics_add(m, "flow_records_total", "Flow records emitted.", 0, fs->records);
	ew_metrics_add(m, "flows_evicted_total",
		       "Flows ended early because the flow table was full (their later bytes are "
		       "not counted).",
		       EW_M_LOSS, fs->evicted);
	ew_metrics_add(m, "flows_vanished_total",
		       "TCP flows whose socket disappeared without a close event (their last bytes "
		       "are not counted).",
		       EW_M_LOSS, fs->vanished);
	ew_metrics_add(m, "tcp_unknown_close_total", "TCP closes of sockets not seen opening.", 0,
		       fs->unknown_close);
	ew_metrics_add(
	    m, "tcp_evicted_close_total",
	    "TCP closes of flows evicted before (their bytes since count as lost with the "
	    "eviction).",
	    0, fs->evicted_close);
	ew_metrics_add(m, "udp_counter_resets_total",
		       "UDP kernel counters that restarted from zero.", 0, fs->udp_counter_resets);
	ew_metrics_add(m, "flow_alloc_failures_total", "Flows lost to memory exhaustion.",
		       EW_M_LOSS, fs->alloc_failures);
	ew_metrics_add(m, "processes", "Processes in the process table.", EW_M_GAUGE,
		       ew_procs_count(p->procs));
	ew_metrics_add(m, "processes_evicted_total",
		       "Processes forgotten because the process table was full (proc_table_max).",
		       0, ew_procs_stats(p->procs)->procs_evicted);
	ew_metrics_add(m, "cgroups_evicted_total",
		       "Cgroups forgotten because the cgroup table was full (cgroup_table_max).", 0,
		       ew_procs_stats(p->procs)->cgroups_evicted);
	ew_metrics_add(m, "capture_write_errors_total",
		       "Events that could not be written to the capture file.", EW_M_LOSS,
		       p->capture_write_errors);
	ew_metrics_add(m, "proc_lookups_failed_total",
		       "Socket events whose process had exited unseen.", 0, p->proc_lookups_failed);
	/* The host's own doing, not the events': a replay's metric records match. */
	ew_metrics_add1(
	    m, "policy_reloads_total",
	    "Policy reloads on SIGHUP: applied (ok), or refused with the old kept (invalid).",
	    EW_M_HOST, "result", "ok", p->policy_reloads[1]);
	ew_metrics_add1(
	    m, "policy_reloads_total",
	    "Policy reloads on SIGHUP: applied (ok), or refused with the old kept (invalid).",
	    EW_M_HOST, "result", "invalid", p->policy_reloads[0]);
	ew_metrics_add(m, "replay_policy_missing_total",
		       "Policy changes a replay could not follow: the recorded policy file was "
		       "missing or invalid, the one in force stayed.",
		       EW_M_HOST, p->policy_missing);
	ew_metrics_add(m, "early_records_total",
		       "Interim records made at once for evidence that should not wait "
		       "(a flow's first match of a data category).",
		       0, p->early_records);
	ew_metrics_add(m, "early_records_skipped_total",
		       "Early records not made: too many flows asked within one event.", 0,
		       p->early_dropped);
	ew_metrics_add(m, "degraded_hooks", "Kernel hooks wanted but not attached.", EW_M_GAUGE,
		       p->o.degraded_hooks);
	for (int i = 0; i < EW_KSTAT_MAX; i++)
		if (kstat_scalars[i])
			ew_metrics_add(m, kstat_scalars[i], kstat_help[i], 0, p->kstats[i]);
	for (unsigned int t = 0; t < EW_EV_TYPE_MAX; t++) {
		const struct ew_event_desc *d = ew_event_desc(t);

		if (d && !d->raw)
			ew_metrics_add1(m, "events_total",
					"Events consumed by the pipeline, by type.", 0, "type",
					d->label, p->events[t]);
	}
	for (int i = 1; i < EW_DEC_MAX; i++)
		ew_metrics_add1(m, "decode_errors_total",
				"Events rejected by the decoder, by reason.", EW_M_LOSS, "reason",
				ew_decode_err_name(i), p->decode_errors[i]);
	for (int i = 0; i < EW_KSTAT_MAX; i++)
		if (!kstat_scalars[i])
			ew_metrics_add1(m, "kernel_drops_total",
					"Events and counts the kernel programs could not deliver.",
					EW_M_LOSS, "reason", kstat_labels[i], p->kstats[i]);
}

struct ew_metrics *ew_pipeline_metrics(struct ew_pipeline *p)
{
	struct ew_metrics *m = ew_metrics_new();

	if (!m)
		return NULL;
	core_metrics(p, m);
	for (int i = 0; i < p->n_stages; i++)
		if (p->stages[i].def->metrics)
			p->stages[i].def->metrics(&p->stages[i], m);
	return m;
}

static void report(struct ew_pipeline *p)
{
	struct ew_metrics *m = ew_pipeline_metrics(p);

	p->last_report_ns = p->now_ns;
	if (!m) {
		ew_warn("no memory for the metric report");
		return;
	}
	/* Enrichers may listen too: the alert stage raises health alerts here. */
	for (int i = 0; i < p->n_stages; i++)
		if (p->stages[i].def->report)
			p->stages[i].def->report(&p->stages[i], m, p->last_report, p->now_ns,
						 p->realtime_offset_ns);
	ew_metrics_free(p->last_report);
	p->last_report = m;
}

static int add_stage(struct ew_pipeline *p, const struct ew_stage_def *def, size_t *slots)
{
	struct ew_stage *s;
	int rc;

	if (p->n_stages == MAX_STAGES)
		return -ENOSPC;
	s = &p->stages[p->n_stages];
	s->def = def;
	s->pipeline = p;
	s->slot_off = *slots;
	*slots += (def->flow_slot + 3) & ~(size_t)3;
	rc = def->init ? def->init(s, &p->o.env) : 0;
	if (rc)
		return rc;
	p->n_stages++;
	return 0;
}

/* Each stage's slot size is known before the flow table sizes its flows. */
static size_t slot_bytes(void)
{
	size_t n = 0;

	for (int i = 0; ew_enrichers[i]; i++)
		n += (ew_enrichers[i]->flow_slot + 3) & ~(size_t)3;
	for (int i = 0; ew_subscribers[i]; i++)
		n += (ew_subscribers[i]->flow_slot + 3) & ~(size_t)3;
	return n;
}

int ew_pipeline_new(const struct ew_pipeline_opts *o, struct ew_pipeline **out)
{
	struct ew_pipeline *p = calloc(1, sizeof(*p));
	struct ew_flow_opts fo = {0};
	size_t slots = 0;
	int rc = -ENOMEM;

	if (!p)
		return -ENOMEM;
	p->o = *o;
	p->procs =
	    ew_procs_new(o->boot_id, o->env.cfg->proc_table_max, o->env.cfg->cgroup_table_max);
	fo.max_flows = o->env.cfg->flow_table_max;
	fo.report_interval_ns = (uint64_t)o->env.cfg->report_interval * NS;
	fo.udp_idle_ns = (uint64_t)o->env.cfg->udp_idle_timeout * NS;
	fo.boot_id = o->boot_id;
	fo.ext_bytes = slot_bytes();
	fo.emit = on_record;
	fo.free = on_flow_free;
	fo.arg = p;
	p->flows = ew_flows_new(&fo);
	if (!p->procs || !p->flows)
		goto fail;
	p->o.env.flows = p->flows;
	for (int i = 0; ew_enrichers[i]; i++)
		if ((rc = add_stage(p, ew_enrichers[i], &slots)))
			goto fail;
	p->n_enrichers = p->n_stages;
	for (int i = 0; ew_subscribers[i]; i++)
		if ((rc = add_stage(p, ew_subscribers[i], &slots)))
			goto fail;
	*out = p;
	return 0;
fail:
	ew_pipeline_free(p);
	return rc;
}

int ew_pipeline_subscribe(struct ew_pipeline *p, const struct ew_stage_def *def, void *state)
{
	struct ew_stage *s;

	if (p->n_stages == MAX_STAGES || def->flow_slot)
		return -ENOMEM;
	s = &p->stages[p->n_stages++];
	s->def = def;
	s->state = state;
	s->pipeline = p;
	return 0;
}

struct ew_stage *ew_pipeline_stage(struct ew_pipeline *p, const char *name)
{
	for (int i = 0; i < p->n_stages; i++)
		if (p->stages[i].def->name && !strcmp(p->stages[i].def->name, name))
			return &p->stages[i];
	return NULL;
}

void ew_pipeline_set_capture(struct ew_pipeline *p, struct ew_capture *c)
{
	p->capture = c;
}

bool ew_pipeline_knows_proc(struct ew_pipeline *p, uint32_t tgid)
{
	return ew_procs_get(p->procs, tgid) != NULL;
}

bool ew_pipeline_knows_cgroup(struct ew_pipeline *p, uint64_t cgroup_id)
{
	return ew_procs_cgroup_get(p->procs, cgroup_id) != NULL;
}

int ew_pipeline_tcp_dir(struct ew_pipeline *p, uint64_t cookie)
{
	const struct ew_flow *f = ew_flows_find_tcp(p->flows, cookie);

	return f ? f->dir : -ENOENT;
}

uint64_t ew_pipeline_open_tcp(const struct ew_pipeline *p)
{
	return ew_flows_stats(p->flows)->open_tcp;
}

static struct ew_proc *owner_proc(struct ew_pipeline *p, const struct ew_task *t)
{
	struct ew_proc *proc = ew_procs_get(p->procs, t->tgid);

	if (!proc)
		p->proc_lookups_failed++;
	return proc;
}

static void on_tick(struct ew_pipeline *p, const struct ew_ev_tick *t)
{
	p->realtime_offset_ns = (int64_t)t->realtime_ns - (int64_t)t->h.ts_ns;
	p->clock = true;
	if (!p->have_tick) {
		p->have_tick = true;
		p->last_report_ns = p->now_ns;
	}
	ew_flows_tick(p->flows, p->now_ns);
	if (p->now_ns - p->last_report_ns >= (uint64_t)p->o.env.cfg->report_interval * NS)
		report(p);
}

/* The tables the pipeline keeps itself; the flow the event touched, if any. */
static struct ew_flow *core(struct ew_pipeline *p, union ew_event *ev)
{
	switch (ev->h.type) {
	case EW_EV_EXEC:
	case EW_EV_PROC:
		ew_procs_exec(p->procs, &ev->exec);
		break;
	case EW_EV_FORK:
		ew_procs_fork(p->procs, &ev->fork);
		break;
	case EW_EV_EXIT:
		ew_procs_exit(p->procs, &ev->exit);
		break;
	case EW_EV_CGROUP:
		ew_procs_cgroup(p->procs, ev->cg.cgroup_id, ev->cg.path);
		break;
	case EW_EV_CONNECT:
	case EW_EV_UDP_SEND:
	case EW_EV_UDP_RECV:
		return ew_flows_sock_addr(p->flows, &ev->sa, owner_proc(p, &ev->sa.task));
	case EW_EV_ACCEPT_OWNER:
		return ew_flows_owner(p->flows, ev->ao.cookie, &ev->ao.task, ev->ao.how,
				      owner_proc(p, &ev->ao.task));
	case EW_EV_TCP_ACCEPT:
		ew_flows_tcp(p->flows, &ev->tcp);
		if (!ev->acc.owner.tgid)
			break;
		return ew_flows_owner(p->flows, ev->tcp.cookie, &ev->acc.owner, ev->acc.how,
				      owner_proc(p, &ev->acc.owner));
	case EW_EV_TCP_CLOSE:
	case EW_EV_TCP_COUNT:
		ew_flows_tcp(p->flows, &ev->tcp);
		break;
	case EW_EV_UDP_COUNT:
		ew_flows_udp_count(p->flows, &ev->udp);
		break;
	case EW_EV_SWEEP_END:
		ew_flows_sweep_end(p->flows, &ev->sweep);
		break;
	case EW_EV_TICK:
		on_tick(p, &ev->tick);
		break;
	case EW_EV_KSTATS:
		memcpy(p->kstats, ev->kstats.counters, ev->kstats.count * sizeof(p->kstats[0]));
		break;
	}
	return NULL;
}

int ew_pipeline_feed(struct ew_pipeline *p, const void *data, size_t len)
{
	union ew_event ev;
	struct ew_flow *f;
	uint64_t bit;
	int rc;

	if (p->capture && ew_capture_write(p->capture, data, len))
		p->capture_write_errors++;
	rc = ew_decode(data, len, &ev);
	if (rc != EW_DEC_OK) {
		p->decode_errors[rc]++;
		return -EINVAL;
	}
	/* A batch is one stream's hits of one feed: the same socket and time. */
	if (p->n_soon && (ev.h.type != EW_EV_CONTENT_HITS || ev.hits.cookie != p->batch_cookie ||
			  ev.h.ts_ns != p->batch_ts))
		record_soon(p);
	if (ev.h.type == EW_EV_CONTENT_HITS) {
		p->batch_cookie = ev.hits.cookie;
		p->batch_ts = ev.h.ts_ns;
	}
	p->events[ev.h.type]++;
	if (ev.h.ts_ns > p->now_ns)
		p->now_ns = ev.h.ts_ns;
	f = core(p, &ev);
	bit = EW_STAGE_EV(ev.h.type);
	for (int i = 0; i < p->n_stages; i++)
		if (p->stages[i].def->event_mask & bit)
			p->stages[i].def->event(&p->stages[i], &ev, f);
	return 0;
}

void ew_pipeline_prefetch(struct ew_pipeline *p, const void *data, size_t len)
{
	struct ew_flow_key k;

	ew_flows_prefetch(p->flows, ew_decode_key(data, len, &k) ? &k : NULL);
}

void ew_pipeline_set_policy(struct ew_pipeline *p, const struct ew_policy *pol)
{
	p->o.env.policy = pol;
	for (int i = 0; i < p->n_stages; i++)
		if (p->stages[i].def->policy)
			p->stages[i].def->policy(&p->stages[i], pol);
	p->policy_reloads[1]++;
}

void ew_pipeline_policy_rejected(struct ew_pipeline *p)
{
	p->policy_reloads[0]++;
}

void ew_pipeline_policy_missing(struct ew_pipeline *p)
{
	p->policy_missing++;
}

/*
 * The early records asked for. The engine emits what one feed of a stream
 * found as a batch of content_hits events, one per category, all with the
 * stream's socket and time; the batch ends at the next event that is not
 * of it, or when the live loop has drained the ring (a feed's batch is
 * emitted in one go, so a drain never splits it). Only the batch's
 * content_hits come in between, and they neither end flows nor move their
 * byte counters, so each record is dated at its ask, and a replay, which
 * sees no drains, makes the same records. (Two feeds of one stream at the
 * very same nanosecond, split by a drain, would be one batch in a replay.)
 */
static void record_soon(struct ew_pipeline *p)
{
	for (int i = 0; i < p->n_soon; i++)
		ew_flows_record(p->flows, p->soon[i], p->soon_ns[i]);
	p->early_records += (uint64_t)p->n_soon;
	p->n_soon = 0;
}

void ew_pipeline_record_soon(struct ew_pipeline *p, struct ew_flow *f)
{
	for (int i = 0; i < p->n_soon; i++)
		if (p->soon[i] == f) {
			p->soon_ns[i] = p->now_ns;
			return;
		}
	if (p->n_soon == MAX_SOON) {
		p->early_dropped++;
		return;
	}
	p->soon_ns[p->n_soon] = p->now_ns;
	p->soon[p->n_soon++] = f;
}

void ew_pipeline_hup(struct ew_pipeline *p)
{
	for (int i = 0; i < p->n_stages; i++)
		if (p->stages[i].def->hup)
			p->stages[i].def->hup(&p->stages[i]);
}

void ew_pipeline_flush(struct ew_pipeline *p)
{
	record_soon(p);
	for (int i = 0; i < p->n_stages; i++)
		if (p->stages[i].def->flush)
			p->stages[i].def->flush(&p->stages[i]);
}

void ew_pipeline_poll(struct ew_pipeline *p)
{
	for (int i = 0; i < p->n_stages; i++)
		if (p->stages[i].def->poll)
			p->stages[i].def->poll(&p->stages[i]);
}

int ew_pipeline_finish(struct ew_pipeline *p)
{
	int rc = 0;

	if (p->finished)
		return 0;
	p->finished = true;
	record_soon(p);
	ew_flows_flush(p->flows, p->now_ns);
	/* Stopped before the clock's first tick (a failed start): a report would be dated 1970. */
	if (p->clock)
		report(p);
	for (int i = 0; i < p->n_stages; i++) {
		int r = p->stages[i].def->finish ? p->stages[i].def->finish(&p->stages[i]) : 0;

		if (r && !rc)
			rc = r;
	}
	return rc;
}

void ew_pipeline_free(struct ew_pipeline *p)
{
	if (!p)
		return;
	/* Flows first: freeing them calls into the stages that hold slot state. */
	ew_flows_free(p->flows);
	p->flows = NULL;
	for (int i = p->n_stages - 1; i >= 0; i--)
		if (p->stages[i].def->free)
			p->stages[i].def->free(&p->stages[i]);
	ew_procs_free(p->procs);
	ew_metrics_free(p->last_report);
	free(p);
}
