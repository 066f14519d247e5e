// SPDX-License-Identifier: GPL-2.0-only
#include "alert/alert_ecs.h"

#include <stdio.h>

#include "content/enums.h"
#include "util/timefmt.h"

static void put_time(struct ew_jsonw *w, const char *key, int64_t ns)
{
	char ts[48];

	ew_timefmt_iso8601(ns, ts, sizeof(ts));
	ew_jsonw_str(w, key, ts);
}

static void put_str(struct ew_jsonw *w, const char *key, const char *v)
{
	if (v && v[0])
		ew_jsonw_str(w, key, v);
}

void ew_alert_ecs_event_id(const struct ew_alert *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", a->id, a->summary ? "-summary" : "");
}

static void put_event(struct ew_jsonw *w, const struct ew_alert *a)
{
	char id[64];

	ew_alert_ecs_event_id(a, id, sizeof(id));
	ew_jsonw_obj_begin(w, "event");
	ew_jsonw_str(w, "kind", "alert");
	ew_jsonw_str(w, "id", id);
	ew_jsonw_str(w, "code", ew_alert_rule_id(a->rule));
	ew_jsonw_u64(w, "severity", (uint64_t)ew_severity_ecs(a->severity));
	ew_jsonw_str(w, "dataset", "egresswatch.alert");
	ew_jsonw_str(w, "module", "egresswatch");
	ew_jsonw_arr_begin(w, "category");
	ew_jsonw_str(w, NULL, a->facts.have_flow ? "network" : "host");
	ew_jsonw_arr_end(w);
	ew_jsonw_arr_begin(w, "type");
	ew_jsonw_str(w, NULL, a->rule == EW_ALERT_CONNECT_REFUSED ? "denied" : "info");
	ew_jsonw_arr_end(w);
	if (a->summary) {
		put_time(w, "start", a->first_ns);
		put_time(w, "end", a->last_ns);
	}
	ew_jsonw_obj_end(w);

	ew_jsonw_obj_begin(w, "rule");
	ew_jsonw_str(w, "id", ew_alert_rule_id(a->rule));
	ew_jsonw_str(w, "name", ew_alert_rule_title(a->rule));
	ew_jsonw_str(w, "ruleset", "egresswatch");
	ew_jsonw_obj_end(w);
}

static void put_flow(struct ew_jsonw *w, const struct ew_alert_facts *x)
{
	/* A connect's local end is known once the kernel says more than the connect. */
	if (x->have_source) {
		ew_jsonw_obj_begin(w, "source");
		ew_jsonw_str(w, "ip", x->source_ip);
		ew_jsonw_u64(w, "port", x->source_port);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_begin(w, "destination");
	ew_jsonw_str(w, "ip", x->destination_ip);
	ew_jsonw_u64(w, "port", x->destination_port);
	put_str(w, "domain", x->domain);
	if (x->country[0]) {
		ew_jsonw_obj_begin(w, "geo");
		ew_jsonw_str(w, "country_iso_code", x->country);
		ew_jsonw_obj_end(w);
	}
	if (x->asn) {
		ew_jsonw_obj_begin(w, "as");
		ew_jsonw_u64(w, "number", x->asn);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);
	ew_jsonw_obj_begin(w, "network");
	ew_jsonw_str(w, "transport", x->transport);
	ew_jsonw_str(w, "direction", x->direction);
	put_str(w, "community_id", x->community_id);
	ew_jsonw_obj_end(w);
}

static void put_process(struct ew_jsonw *w, const struct ew_alert_facts *x)
{
	char uid[16];

	ew_jsonw_obj_begin(w, "process");
	ew_jsonw_u64(w, "pid", x->pid);
	ew_jsonw_str(w, "name", x->comm);
	put_str(w, "executable", x->exe);
	put_str(w, "entity_id", x->entity_id);
	ew_jsonw_obj_end(w);
	snprintf(uid, sizeof(uid), "%u", x->uid);
	ew_jsonw_obj_begin(w, "user");
	ew_jsonw_str(w, "id", uid);
	put_str(w, "name", x->user);
	ew_jsonw_obj_end(w);
	if (x->container[0]) {
		ew_jsonw_obj_begin(w, "container");
		ew_jsonw_str(w, "id", x->container);
		ew_jsonw_obj_end(w);
	}
}

static void put_ours(struct ew_jsonw *w, const struct ew_alert *a)
{
	const struct ew_alert_facts *x = &a->facts;
	char fid[17];

	ew_jsonw_obj_begin(w, "egresswatch");
	ew_jsonw_str(w, "severity", ew_severity_name(a->severity));
	if (x->have_flow) {
		snprintf(fid, sizeof(fid), "%016llx", (unsigned long long)a->flow_id);
		ew_jsonw_str(w, "flow_id", fid);
		put_str(w, "border", x->border);
	}
	ew_jsonw_obj_begin(w, "alert");
	ew_jsonw_str(w, "id", a->id);
	ew_jsonw_u64(w, "count", a->count);
	ew_jsonw_bool(w, "summary", a->summary);
	put_str(w, "detail", x->detail);
	ew_jsonw_obj_end(w);
	if (x->n_cats) {
		ew_jsonw_arr_begin(w, "categories");
		for (int i = 0; i < x->n_cats; i++) {
			ew_jsonw_obj_begin(w, NULL);
			ew_jsonw_str(w, "id", x->cats[i].id);
			put_str(w, "class", ew_class_name(x->cats[i].cls));
			ew_jsonw_u64(w, "matches", x->cats[i].matches);
			ew_jsonw_u64(w, "subjects", x->cats[i].subjects);
			ew_jsonw_obj_end(w);
		}
		ew_jsonw_arr_end(w);
	}
	put_str(w, "verdict", x->verdict);
	put_str(w, "rule", x->verdict_rule);
	if (x->route[0] && x->verdict[0])
		ew_jsonw_str(w, "route_required", x->route);
	put_str(w, "channel", x->channel);
	put_str(w, "exemption", x->exemption);
	put_str(w, "scope_failed", x->scope_failed);
	put_str(w, "missing", x->missing);
	if (a->metric) {
		ew_jsonw_obj_begin(w, "monitoring");
		ew_jsonw_str(w, "metric", a->metric);
		ew_jsonw_u64(w, "lost", a->lost);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);
}

void ew_alert_ecs_encode(struct ew_jsonw *w, const struct ew_alert *a)
{
	ew_jsonw_reset(w);
	ew_jsonw_obj_begin(w, NULL);
	put_time(w, "@timestamp", a->time_ns);
	put_event(w, a);
	ew_jsonw_str(w, "message", a->message ? a->message : a->text);
	if (a->facts.have_flow)
		put_flow(w, &a->facts);
	if (a->facts.have_process)
		put_process(w, &a->facts);
	if (a->hostname && a->hostname[0]) {
		ew_jsonw_obj_begin(w, "host");
		ew_jsonw_str(w, "hostname", a->hostname);
		ew_jsonw_obj_end(w);
	}
	put_ours(w, a);
	ew_jsonw_obj_end(w);
}
