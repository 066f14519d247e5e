// SPDX-License-Identifier: GPL-2.0-only
#include "pipeline/pipeline.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "geo/border.h"
#include "pipeline/decode.h"
#include "names/dns_cache.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "names/names.h"
#include "proc/proc.h"
#include "out/record.h"
#include "out/hourly.h"
#include "util/timefmt.h"

#define NS 1000000000ull

struct ew_pipeline {
	struct ew_pipeline_opts o;
	char data_dir[PATH_MAX];
	char prom_path[PATH_MAX];
	char boot_id[40];
	char hostname[64];
	struct ew_procs *procs;
	struct ew_flows *flows;
	struct ew_names *names;
	struct ew_dns_cache *dns;
	struct ew_hourly *records;
	struct ew_capture *capture;
	struct ew_record_ctx rctx;
	struct ew_policy default_policy;
	struct ew_jsonw w;
	uint64_t now_ns;
	uint64_t last_metric_ns;
	bool have_tick;
	bool finished;
	/* counters owned here */
	uint64_t events[EW_EV_TYPE_MAX];
	uint64_t decode_errors[EW_DEC_MAX];
	uint64_t kstats[EW_KSTAT_MAX];
	uint64_t records_written;
	uint64_t record_write_errors;
	uint64_t capture_write_errors;
	uint64_t proc_lookups_failed;
	uint64_t parsed[EW_PARSER_MAX][EW_PARSE_MAX];
	uint64_t named[EW_NAME_SOURCE_MAX];
	uint64_t names_unmatched;
	uint64_t geo_reloads;
	uint64_t geo_reload_failures;
};

static void write_line(struct ew_pipeline *p, uint64_t boot_ns)
{
	int rc;

	if (p->w.oom) {
		p->record_write_errors++;
		return;
	}
	rc = ew_hourly_write(p->records, ew_record_realtime(&p->rctx, boot_ns), p->w.buf, p->w.len);
	if (rc) {
		if (p->record_write_errors++ % 1000 == 0)
			ew_warn("cannot write records under %s/records: %s (%llu lost so far)",
				p->data_dir, strerror(-rc),
				(unsigned long long)p->record_write_errors);
		return;
	}
	p->records_written++;
}

static void print_summary(struct ew_pipeline *p, const struct ew_flow *f, uint64_t now)
{
	static const char *const dirs[] = {"unknown", "egress", "ingress"};
	char ts[48], lip[48], rip[48];
	const char *comm = f->have_task ? f->task.comm : (f->proc ? f->proc->comm : "?");
	unsigned int pid = f->have_task ? f->task.tgid : (f->proc ? f->proc->tgid : 0);
	const char *exe = f->proc && f->proc->exe ? f->proc->exe : "";

	ew_timefmt_iso8601(ew_record_realtime(&p->rctx, now), ts, sizeof(ts));
	fprintf(p->o.print, "%s %-7s %s %s[%u] %s %s:%u %s %s:%u out=%llu in=%llu%s\n", ts + 11,
		dirs[f->dir], f->proto == EW_IPPROTO_TCP ? "tcp" : "udp", comm, pid, exe,
		f->have_local ? ew_record_ip(f->local, lip, sizeof(lip)) : "*", f->local_port,
		f->dir == EW_DIR_INGRESS ? "<-" : "->", ew_record_ip(f->peer, rip, sizeof(rip)),
		f->peer_port, (unsigned long long)(f->bytes_out - f->rep_out),
		(unsigned long long)(f->bytes_in - f->rep_in),
		f->end == EW_END_NONE ? " (interim)" : "");
	fflush(p->o.print);
}

static void on_record(void *arg, const struct ew_flow *f, uint64_t now)
{
	struct ew_pipeline *p = arg;

	struct ew_place place;

	ew_border_decide(p->o.policy ? p->o.policy : &p->default_policy, p->o.geo, f->peer, &place);
	ew_record_flow(&p->w, &p->rctx, f, &place, now);
	write_line(p, now);
	if (p->o.print)
		print_summary(p, f, now);
}

static void on_udp_end(void *arg, const struct ew_udp_key *key)
{
	struct ew_pipeline *p = arg;

	p->o.udp_end(p->o.udp_end_arg, key);
}

void ew_pipeline_metrics(const struct ew_pipeline *p, struct ew_metrics *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->events, p->events, sizeof(m->events));
	memcpy(m->decode_errors, p->decode_errors, sizeof(m->decode_errors));
	memcpy(m->kstats, p->kstats, sizeof(m->kstats));
	m->flows = *ew_flows_stats(p->flows);
	m->procs = ew_procs_count(p->procs);
	m->records_written = p->records_written;
	m->record_write_errors = p->record_write_errors;
	m->capture_write_errors = p->capture_write_errors;
	m->proc_lookups_failed = p->proc_lookups_failed;
	m->degraded_hooks = p->o.degraded_hooks;
	memcpy(m->parsed, p->parsed, sizeof(m->parsed));
	memcpy(m->named, p->named, sizeof(m->named));
	m->names_unmatched = p->names_unmatched;
	m->geo_reloads = p->geo_reloads;
	m->geo_reload_failures = p->geo_reload_failures;
	m->names_live = ew_names_count(p->names);
	m->dns = *ew_dns_cache_stats(p->dns);
}

static void emit_metrics(struct ew_pipeline *p)
{
	struct ew_metrics m;
	char ts[48];
	int rc;

	ew_pipeline_metrics(p, &m);
	ew_timefmt_iso8601(ew_record_realtime(&p->rctx, p->now_ns), ts, sizeof(ts));
	ew_jsonw_reset(&p->w);
	ew_jsonw_obj_begin(&p->w, NULL);
	ew_jsonw_str(&p->w, "@timestamp", ts);
	ew_jsonw_obj_begin(&p->w, "event");
	ew_jsonw_str(&p->w, "kind", "metric");
	ew_jsonw_str(&p->w, "dataset", "egresswatch.agent");
	ew_jsonw_str(&p->w, "module", "egresswatch");
	ew_jsonw_obj_end(&p->w);
	if (p->hostname[0]) {
		ew_jsonw_obj_begin(&p->w, "host");
		ew_jsonw_str(&p->w, "hostname", p->hostname);
		ew_jsonw_obj_end(&p->w);
	}
	ew_jsonw_obj_begin(&p->w, "egresswatch");
	ew_jsonw_obj_begin(&p->w, "metrics");
	ew_metrics_json(&p->w, &m);
	ew_jsonw_obj_end(&p->w);
	ew_jsonw_obj_end(&p->w);
	ew_jsonw_obj_end(&p->w);
	write_line(p, p->now_ns);
	rc = ew_metrics_write_prom(&m, p->prom_path);
	if (rc)
		ew_warn("cannot write %s: %s", p->prom_path, strerror(-rc));
	p->last_metric_ns = p->now_ns;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

int ew_pipeline_new(const struct ew_pipeline_opts *o, struct ew_pipeline **out)
{
	struct ew_pipeline *p = calloc(1, sizeof(*p));
	struct ew_flow_opts fo = {0};
	char rec_dir[PATH_MAX + 16];
	int rc;

	if (!p)
		return -ENOMEM;
	p->o = *o;
	snprintf(p->data_dir, sizeof(p->data_dir), "%s", o->data_dir);
	snprintf(p->prom_path, sizeof(p->prom_path), "%s/metrics.prom", o->data_dir);
	snprintf(p->boot_id, sizeof(p->boot_id), "%s", o->boot_id ? o->boot_id : "");
	snprintf(p->hostname, sizeof(p->hostname), "%s", o->hostname ? o->hostname : "");
	p->o.print = o->print;
	ew_policy_defaults(&p->default_policy);
	ew_jsonw_init(&p->w);
	p->procs = ew_procs_new(p->boot_id);
	fo.max_flows = o->flow_table_max;
	fo.report_interval_ns = (uint64_t)o->report_interval_s * NS;
	fo.udp_idle_ns = (uint64_t)o->udp_idle_timeout_s * NS;
	fo.boot_id = p->boot_id;
	p->names = ew_names_new();
	p->dns = p->names ? ew_dns_cache_new(p->names,
					     o->dns_cache_entries ? o->dns_cache_entries : 65536)
			  : NULL;
	fo.names = p->names;
	fo.emit = on_record;
	fo.udp_end = o->udp_end ? on_udp_end : NULL;
	fo.arg = p;
	p->flows = ew_flows_new(&fo);
	if (!p->procs || !p->flows || !p->dns) {
		rc = -ENOMEM;
		goto fail;
	}
	p->rctx.procs = p->procs;
	p->rctx.names = p->names;
	p->rctx.hostname = p->hostname;
	rc = make_dir(p->data_dir);
	if (rc) {
		ew_err("cannot create data directory %s: %s", p->data_dir, strerror(-rc));
		goto fail;
	}
	snprintf(rec_dir, sizeof(rec_dir), "%s/records", p->data_dir);
	rc = ew_hourly_open(rec_dir, &p->records);
	if (rc) {
		ew_err("cannot open records directory %s: %s", rec_dir, strerror(-rc));
		goto fail;
	}
	*out = p;
	return 0;
fail:
	ew_pipeline_free(p);
	return rc;
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

/* A flow starting to a peer resolved earlier carries the name asked for. */
static void name_from_dns(struct ew_pipeline *p, struct ew_flow *f, uint64_t now)
{
	uint32_t id;

	if (!f || f->name_src >= EW_NAME_DNS)
		return;
	id = ew_dns_cache_get(p->dns, f->peer, now);
	if (ew_flows_set_name(p->flows, f, id, EW_NAME_DNS))
		p->named[EW_NAME_DNS]++;
}

static void on_peer_name(struct ew_pipeline *p, const struct ew_ev_peer_name *ev)
{
	int parser = ev->source == EW_NAME_SNI ? EW_PARSER_TLS : EW_PARSER_HTTP;
	struct ew_flow *f;
	uint32_t id;

	p->parsed[parser][ev->result]++;
	if (ev->result != EW_PARSE_OK)
		return;
	f = ew_flows_find_tcp(p->flows, ev->cookie);
	if (!f) {
		p->names_unmatched++;
		return;
	}
	id = ew_names_get(p->names, ev->name);
	if (ew_flows_set_name(p->flows, f, id, ev->source))
		p->named[ev->source]++;
	ew_names_put(p->names, id);
}

static void on_dns_answer(struct ew_pipeline *p, const struct ew_ev_dns_answer *ev)
{
	uint32_t id;

	p->parsed[EW_PARSER_DNS][ev->result]++;
	if (ev->result != EW_PARSE_OK)
		return;
	id = ew_names_get(p->names, ev->name);
	ew_dns_cache_put(p->dns, ev->addr, id, ev->h.ts_ns,
			 ev->h.ts_ns + ((uint64_t)ev->ttl + EW_DNS_GRACE_S) * NS);
	ew_names_put(p->names, id);
}

static void on_tick(struct ew_pipeline *p, const struct ew_ev_tick *t)
{
	p->rctx.realtime_offset_ns = (int64_t)t->realtime_ns - (int64_t)t->h.ts_ns;
	if (!p->have_tick) {
		p->have_tick = true;
		p->last_metric_ns = p->now_ns;
	}
	ew_flows_tick(p->flows, p->now_ns);
	if (p->now_ns - p->last_metric_ns >= (uint64_t)p->o.report_interval_s * NS)
		emit_metrics(p);
}

int ew_pipeline_feed(struct ew_pipeline *p, const void *data, size_t len)
{
	union ew_event ev;
	int rc;

	if (p->capture && ew_capture_write(p->capture, data, len))
		p->capture_write_errors++;
	rc = ew_decode(data, len, &ev);
	if (rc != EW_DEC_OK) {
		p->decode_errors[rc]++;
		return -EINVAL;
	}
	p->events[ev.h.type]++;
	if (ev.h.ts_ns > p->now_ns)
		p->now_ns = ev.h.ts_ns;
	switch (ev.h.type) {
	case EW_EV_EXEC:
	case EW_EV_PROC:
		ew_procs_exec(p->procs, &ev.exec);
		break;
	case EW_EV_FORK:
		ew_procs_fork(p->procs, &ev.fork);
		break;
	case EW_EV_EXIT:
		ew_procs_exit(p->procs, &ev.exit);
		break;
	case EW_EV_CGROUP:
		ew_procs_cgroup(p->procs, ev.cg.cgroup_id, ev.cg.path);
		break;
	case EW_EV_CONNECT:
	case EW_EV_UDP_SEND:
	case EW_EV_UDP_RECV:
		name_from_dns(p, ew_flows_sock_addr(p->flows, &ev.sa, owner_proc(p, &ev.sa.task)),
			      ev.h.ts_ns);
		break;
	case EW_EV_PEER_NAME:
		on_peer_name(p, &ev.name);
		break;
	case EW_EV_DNS_ANSWER:
		on_dns_answer(p, &ev.dns);
		break;
	case EW_EV_ACCEPT_OWNER:
		ew_flows_accept_owner(p->flows, &ev.ao, owner_proc(p, &ev.ao.task));
		break;
	case EW_EV_TCP_ACCEPT:
	case EW_EV_TCP_CLOSE:
	case EW_EV_TCP_COUNT:
		ew_flows_tcp(p->flows, &ev.tcp);
		break;
	case EW_EV_UDP_COUNT:
		ew_flows_udp_count(p->flows, &ev.udp);
		break;
	case EW_EV_SWEEP_END:
		ew_flows_sweep_end(p->flows, &ev.sweep);
		break;
	case EW_EV_TICK:
		on_tick(p, &ev.tick);
		break;
	case EW_EV_KSTATS:
		memcpy(p->kstats, ev.kstats.counters, sizeof(p->kstats));
		break;
	}
	return 0;
}

void ew_pipeline_set_geo(struct ew_pipeline *p, struct ew_geo *geo)
{
	p->o.geo = geo;
	p->geo_reloads++;
}

void ew_pipeline_geo_reload_failed(struct ew_pipeline *p)
{
	p->geo_reload_failures++;
}

int ew_pipeline_reopen(struct ew_pipeline *p)
{
	return ew_hourly_reopen(p->records);
}

int ew_pipeline_finish(struct ew_pipeline *p)
{
	int rc;

	if (p->finished)
		return 0;
	p->finished = true;
	ew_flows_flush(p->flows, p->now_ns);
	emit_metrics(p);
	rc = ew_hourly_close(p->records, true);
	p->records = NULL;
	if (rc)
		ew_err("closing the records files under %s/records failed: %s", p->data_dir,
		       strerror(-rc));
	return rc ? rc : (p->record_write_errors ? -EIO : 0);
}

void ew_pipeline_free(struct ew_pipeline *p)
{
	if (!p)
		return;
	if (p->records)
		ew_hourly_close(p->records, false);
	ew_flows_free(p->flows);
	ew_dns_cache_free(p->dns);
	ew_names_free(p->names);
	ew_procs_free(p->procs);
	ew_jsonw_free(&p->w);
	free(p);
}
