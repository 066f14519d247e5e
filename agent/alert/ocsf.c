// SPDX-License-Identifier: GPL-2.0-only
/*
 * Field choices follow the OCSF 1.3.0 schema sources (events/base_event.json,
 * events/network/network.json and objects/ of ocsf/ocsf-schema, tag 1.3.0):
 * tests/data/ocsf/network_activity_1.3.0.required lists what must be present.
 */
#include "alert/ocsf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "content/enums.h"
#include "flow/flow.h"
#include "out/record.h"
#include "pipeline/eval.h"

#define OCSF_CATEGORY_NETWORK 4
#define OCSF_CLASS_NETWORK    4001
#define OCSF_ACT_REFUSE	      5 /* a connect the agent refused (EW-010) */
#define OCSF_ACT_TRAFFIC      6 /* data seen on an established connection */

/* data_classification.category_id and confidentiality_id values (OCSF 1.3.0) */
#define OCSF_DC_PERSONAL       1
#define OCSF_DC_OTHER	       99
#define OCSF_CONF_CONFIDENTIAL 2
#define OCSF_CONF_RESTRICTED   6

static const char *const sev_captions[EW_SEV_MAX] = {"Low", "Medium", "High", "Critical"};

int ew_alert_ocsf_severity(enum ew_severity s)
{
	/* OCSF: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal.
	 * Every alert asks for a look, so none is Informational; Fatal is for a
	 * source that stopped, which the agent cannot report about itself. */
	return (unsigned)s < EW_SEV_MAX ? 2 + (int)s : 0;
}

static bool set(const char *s)
{
	return s && s[0];
}

static void put_endpoint(struct ew_jsonw *w, const char *key, const char *ip, uint16_t port,
			 const struct ew_ocsf_flow *peer)
{
	ew_jsonw_obj_begin(w, key);
	ew_jsonw_str(w, "ip", ip);
	if (port)
		ew_jsonw_u64(w, "port", port);
	if (peer && set(peer->domain))
		ew_jsonw_str(w, "hostname", peer->domain);
	if (peer && set(peer->country)) {
		ew_jsonw_obj_begin(w, "location");
		ew_jsonw_str(w, "country", peer->country);
		ew_jsonw_obj_end(w);
	}
	if (peer && peer->asn) {
		ew_jsonw_obj_begin(w, "autonomous_system");
		ew_jsonw_u64(w, "number", peer->asn);
		if (set(peer->as_org))
			ew_jsonw_str(w, "name", peer->as_org);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void put_actor(struct ew_jsonw *w, const struct ew_ocsf_flow *v)
{
	char uid_s[16];

	if (!v->have_process)
		return;
	ew_jsonw_obj_begin(w, "actor");
	ew_jsonw_obj_begin(w, "process");
	ew_jsonw_u64(w, "pid", v->pid);
	if (set(v->comm))
		ew_jsonw_strn(w, "name", v->comm, strnlen(v->comm, EW_COMM_LEN));
	if (set(v->exe)) {
		ew_jsonw_obj_begin(w, "file");
		ew_jsonw_str(w, "name", base_name(v->exe));
		ew_jsonw_str(w, "path", v->exe);
		ew_jsonw_u64(w, "type_id", 1); /* Regular File */
		ew_jsonw_obj_end(w);
	}
	if (set(v->cmdline))
		ew_jsonw_str(w, "cmd_line", v->cmdline);
	if (set(v->entity_id))
		ew_jsonw_str(w, "uid", v->entity_id);
	snprintf(uid_s, sizeof(uid_s), "%u", v->uid);
	ew_jsonw_obj_begin(w, "user");
	ew_jsonw_str(w, "uid", uid_s);
	if (set(v->user))
		ew_jsonw_str(w, "name", v->user);
	ew_jsonw_obj_end(w);
	ew_jsonw_obj_end(w);
	ew_jsonw_obj_end(w);
}

/*
 * OCSF 1.3.0 has one Data Classification object per event (on metadata, via
 * the data_classification profile). Personal information of either class
 * is Personal; important data, or a mix, is Other ("a multi-variate
 * classification"). The category ids name what, never a value.
 */
static void put_data_classification(struct ew_jsonw *w, const struct ew_ocsf_flow *v)
{
	char cats[256];
	size_t len = 0;
	bool personal = false, other = false, restricted = false;

	cats[0] = '\0';
	for (int i = 0; i < v->n_cats; i++) {
		int cls = v->cats[i].cls;
		int n = snprintf(cats + len, sizeof(cats) - len, "%s%s", len ? ", " : "",
				 v->cats[i].id ? v->cats[i].id : "unknown");

		if (n > 0)
			len = (size_t)n < sizeof(cats) - len ? len + (size_t)n : sizeof(cats) - 1;
		personal |= cls == EW_CLASS_PI || cls == EW_CLASS_SENSITIVE_PI;
		other |= cls != EW_CLASS_PI && cls != EW_CLASS_SENSITIVE_PI;
		restricted |= cls == EW_CLASS_SENSITIVE_PI || cls == EW_CLASS_IMPORTANT_DATA;
	}
	ew_jsonw_obj_begin(w, "data_classification");
	ew_jsonw_str(w, "category", cats);
	ew_jsonw_u64(w, "category_id", personal && !other ? OCSF_DC_PERSONAL : OCSF_DC_OTHER);
	ew_jsonw_str(w, "confidentiality", restricted ? "Restricted" : "Confidential");
	ew_jsonw_u64(w, "confidentiality_id",
		     restricted ? OCSF_CONF_RESTRICTED : OCSF_CONF_CONFIDENTIAL);
	if (set(v->channel)) {
		ew_jsonw_obj_begin(w, "policy");
		ew_jsonw_str(w, "name", v->channel);
		ew_jsonw_str(w, "uid", v->channel);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);
}

static void put_metadata(struct ew_jsonw *w, const struct ew_alert *a, const struct ew_ocsf_flow *v,
			 const char *fid)
{
	bool classified = v->n_cats > 0;

	ew_jsonw_obj_begin(w, "metadata");
	ew_jsonw_str(w, "version", EW_OCSF_VERSION);
	ew_jsonw_obj_begin(w, "product");
	ew_jsonw_str(w, "name", "egresswatch");
	ew_jsonw_str(w, "vendor_name", "egresswatch");
	ew_jsonw_obj_end(w);
	ew_jsonw_str(w, "uid", a->id);
	ew_jsonw_str(w, "correlation_uid", fid);
	ew_jsonw_str(w, "log_name", "alerts");
	ew_jsonw_arr_begin(w, "profiles");
	ew_jsonw_str(w, NULL, "host");
	ew_jsonw_str(w, NULL, "security_control");
	if (classified)
		ew_jsonw_str(w, NULL, "data_classification");
	ew_jsonw_arr_end(w);
	if (classified)
		put_data_classification(w, v);
	ew_jsonw_obj_end(w);
}

/* Egresswatch's own fields, which OCSF has no place for. */
static void put_unmapped(struct ew_jsonw *w, const struct ew_alert *a, const struct ew_ocsf_flow *v,
			 const char *fid)
{
	ew_jsonw_obj_begin(w, "unmapped");
	ew_jsonw_obj_begin(w, "egresswatch");
	ew_jsonw_obj_begin(w, "rule");
	ew_jsonw_str(w, "id", ew_alert_rule_id(a->rule));
	ew_jsonw_str(w, "name", ew_alert_rule_title(a->rule));
	ew_jsonw_obj_end(w);
	ew_jsonw_str(w, "severity", ew_severity_name(a->severity));
	ew_jsonw_str(w, "flow_id", fid);
	ew_jsonw_obj_begin(w, "alert");
	ew_jsonw_str(w, "id", a->id);
	ew_jsonw_u64(w, "count", a->count);
	ew_jsonw_bool(w, "summary", a->summary);
	if (a->summary) {
		ew_jsonw_i64(w, "first_ms", a->first_ns / 1000000);
		ew_jsonw_i64(w, "last_ms", a->last_ns / 1000000);
	}
	ew_jsonw_obj_end(w);
	if (v->n_cats) {
		ew_jsonw_arr_begin(w, "categories");
		for (int i = 0; i < v->n_cats; i++) {
			ew_jsonw_obj_begin(w, NULL);
			ew_jsonw_str(w, "id", v->cats[i].id);
			ew_jsonw_str(w, "class", ew_class_name((unsigned)v->cats[i].cls));
			ew_jsonw_u64(w, "matches", v->cats[i].matches);
			ew_jsonw_u64(w, "subjects", v->cats[i].subjects);
			ew_jsonw_obj_end(w);
		}
		ew_jsonw_arr_end(w);
	}
	if (set(v->missing))
		ew_jsonw_str(w, "missing", v->missing);
	ew_jsonw_obj_end(w);
	ew_jsonw_obj_end(w);
}

static void put_observables(struct ew_jsonw *w, const struct ew_ocsf_flow *v)
{
	/* type_id 2 IP Address, 1 Hostname; name is the attribute's path */
	ew_jsonw_arr_begin(w, "observables");
	ew_jsonw_obj_begin(w, NULL);
	ew_jsonw_str(w, "name", v->ingress ? "src_endpoint.ip" : "dst_endpoint.ip");
	ew_jsonw_u64(w, "type_id", 2);
	ew_jsonw_str(w, "value", v->peer_ip);
	ew_jsonw_obj_end(w);
	if (set(v->domain)) {
		ew_jsonw_obj_begin(w, NULL);
		ew_jsonw_str(w, "name",
			     v->ingress ? "src_endpoint.hostname" : "dst_endpoint.hostname");
		ew_jsonw_u64(w, "type_id", 1);
		ew_jsonw_str(w, "value", v->domain);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_arr_end(w);
}

static void put_connection(struct ew_jsonw *w, const struct ew_ocsf_flow *v)
{
	int dir = v->ingress ? 1 : v->direction_known ? 2 : 0;
	static const char *const names[] = {"Unknown", "Inbound", "Outbound"};

	ew_jsonw_obj_begin(w, "connection_info");
	ew_jsonw_u64(w, "direction_id", (uint64_t)dir);
	ew_jsonw_str(w, "direction", names[dir]);
	ew_jsonw_str(w, "protocol_name", v->proto == EW_IPPROTO_TCP ? "tcp" : "udp");
	ew_jsonw_u64(w, "protocol_num", v->proto);
	ew_jsonw_u64(w, "protocol_ver_id", v->family == 4 ? 4 : 6);
	ew_jsonw_obj_end(w);
}

int ew_alert_ocsf_flow(struct ew_jsonw *w, const char *hostname, const struct ew_alert *a,
		       const struct ew_ocsf_flow *v)
{
	bool refused = a->rule == EW_ALERT_CONNECT_REFUSED;
	int activity = refused ? OCSF_ACT_REFUSE : OCSF_ACT_TRAFFIC;
	unsigned sev = (unsigned)a->severity < EW_SEV_MAX ? a->severity : EW_SEV_LOW;
	char fid[17];

	if (!v || !set(v->peer_ip))
		return -ENOMSG;
	snprintf(fid, sizeof(fid), "%016llx", (unsigned long long)a->flow_id);

	ew_jsonw_obj_begin(w, NULL);
	ew_jsonw_u64(w, "class_uid", OCSF_CLASS_NETWORK);
	ew_jsonw_str(w, "class_name", "Network Activity");
	ew_jsonw_u64(w, "category_uid", OCSF_CATEGORY_NETWORK);
	ew_jsonw_str(w, "category_name", "Network Activity");
	ew_jsonw_u64(w, "activity_id", (uint64_t)activity);
	ew_jsonw_str(w, "activity_name", refused ? "Refuse" : "Traffic");
	ew_jsonw_u64(w, "type_uid", OCSF_CLASS_NETWORK * 100 + (uint64_t)activity);
	ew_jsonw_str(w, "type_name",
		     refused ? "Network Activity: Refuse" : "Network Activity: Traffic");
	ew_jsonw_i64(w, "time", a->time_ns / 1000000);
	ew_jsonw_u64(w, "severity_id", (uint64_t)ew_alert_ocsf_severity(sev));
	ew_jsonw_str(w, "severity", sev_captions[sev]);
	if (a->message)
		ew_jsonw_str(w, "message", a->message);
	ew_jsonw_u64(w, "count", a->count ? a->count : 1);
	/* security_control profile: monitor-only alerts let the traffic pass */
	ew_jsonw_u64(w, "action_id", refused ? 2 : 1);
	ew_jsonw_str(w, "action", refused ? "Denied" : "Allowed");
	ew_jsonw_u64(w, "disposition_id", refused ? 2 : 19); /* Blocked : Alert */
	ew_jsonw_str(w, "disposition", refused ? "Blocked" : "Alert");
	put_metadata(w, a, v, fid);

	/* src is the initiator, as in the flow records */
	if (v->ingress) {
		put_endpoint(w, "src_endpoint", v->peer_ip, v->peer_port, v);
		put_endpoint(w, "dst_endpoint",
			     set(v->local_ip) ? v->local_ip : "::", v->local_port, NULL);
	} else {
		if (set(v->local_ip))
			put_endpoint(w, "src_endpoint", v->local_ip, v->local_port, NULL);
		put_endpoint(w, "dst_endpoint", v->peer_ip, v->peer_port, v);
	}
	put_connection(w, v);
	put_actor(w, v);
	if (set(hostname)) {
		ew_jsonw_obj_begin(w, "device");
		ew_jsonw_str(w, "hostname", hostname);
		ew_jsonw_u64(w, "type_id", 0); /* Unknown: server, VM or vehicle gateway */
		ew_jsonw_obj_end(w);
	}
	put_observables(w, v);
	put_unmapped(w, a, v, fid);
	ew_jsonw_obj_end(w);
	return w->oom ? -ENOMEM : 0;
}

/* @v from the live flow and its evaluation; @ips holds the address texts. */
static void view_of(const struct ew_flow *f, const struct ew_eval *e, struct ew_ocsf_flow *v,
		    char ips[2][64])
{
	const struct ew_owner *o = e && e->owner.known ? &e->owner : NULL;
	const struct ew_proc *p = o ? o->proc : f->proc;

	memset(v, 0, sizeof(*v));
	v->ingress = f->dir == EW_DIR_INGRESS;
	v->direction_known = f->dir != EW_DIR_UNKNOWN;
	v->peer_ip = ew_record_ip(f->peer, ips[0], 64);
	v->peer_port = f->peer_port;
	if (f->have_local) {
		v->local_ip = ew_record_ip(f->local, ips[1], 64);
		v->local_port = f->local_port;
	}
	v->proto = f->proto;
	v->family = f->family == EW_AF_INET ? 4 : 6;
	v->have_process = o || f->have_task || p;
	v->pid = o ? o->pid : f->have_task ? f->task->tgid : 0;
	v->uid = o ? o->uid : f->have_task ? f->task->uid : 0;
	v->comm = o ? o->comm : f->have_task ? f->task->comm : "";
	v->user = o ? o->user : NULL;
	if (p) {
		v->exe = p->exe;
		v->cmdline = p->cmdline;
		v->entity_id = p->entity_id;
	}
	if (!e)
		return;
	v->domain = e->domain;
	v->country = e->place.country;
	v->asn = e->place.asn;
	v->as_org = e->place.as_org;
	for (uint32_t i = 0; i < e->n_categories && v->n_cats < EW_OCSF_MAX_CATS; i++) {
		v->cats[v->n_cats].id = e->categories[i].id;
		v->cats[v->n_cats].cls = e->categories[i].cls;
		v->cats[v->n_cats].matches = e->categories[i].matches_total;
		v->cats[v->n_cats].subjects = e->categories[i].subjects_total;
		v->n_cats++;
	}
	if (e->has_verdict) {
		v->channel = e->verdict.channel_id;
		v->missing = e->verdict.missing;
	}
}

int ew_alert_ocsf(struct ew_jsonw *w, const char *hostname, const struct ew_alert *a)
{
	struct ew_ocsf_flow v;
	char ips[2][64];

	if (!a->flow)
		return -ENOMSG;
	view_of(a->flow, a->eval, &v, ips);
	return ew_alert_ocsf_flow(w, hostname, a, &v);
}
