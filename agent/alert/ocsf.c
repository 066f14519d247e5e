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

static void put_hex64(char out[17], uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 15];
	out[16] = '\0';
}

static void put_endpoint(struct ew_jsonw *w, const char *key, const uint8_t ip[16], uint16_t port,
			 bool known_port, const struct ew_eval *e)
{
	char buf[64];

	ew_jsonw_obj_begin(w, key);
	ew_jsonw_str(w, "ip", ew_record_ip(ip, buf, sizeof(buf)));
	if (known_port)
		ew_jsonw_u64(w, "port", port);
	if (e && e->domain && e->domain[0])
		ew_jsonw_str(w, "hostname", e->domain);
	if (e && e->place.country[0]) {
		ew_jsonw_obj_begin(w, "location");
		ew_jsonw_str(w, "country", e->place.country);
		ew_jsonw_obj_end(w);
	}
	if (e && e->place.asn) {
		ew_jsonw_obj_begin(w, "autonomous_system");
		ew_jsonw_u64(w, "number", e->place.asn);
		if (e->place.as_org[0])
			ew_jsonw_str(w, "name", e->place.as_org);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* actor.process: the eval's owner when the pipeline knew it, else the flow's task. */
static void put_actor(struct ew_jsonw *w, const struct ew_flow *f, const struct ew_eval *e)
{
	const struct ew_owner *o = e && e->owner.known ? &e->owner : NULL;
	const struct ew_proc *p = o ? o->proc : f->proc;
	uint32_t pid = o ? o->pid : f->task.tgid, uid = o ? o->uid : f->task.uid;
	const char *comm = o ? o->comm : f->task.comm;
	char uid_s[16];

	if (!o && !f->have_task && !p)
		return;
	ew_jsonw_obj_begin(w, "actor");
	ew_jsonw_obj_begin(w, "process");
	ew_jsonw_u64(w, "pid", pid);
	if (comm && comm[0])
		ew_jsonw_strn(w, "name", comm, strnlen(comm, EW_COMM_LEN));
	if (p && p->exe && p->exe[0]) {
		ew_jsonw_obj_begin(w, "file");
		ew_jsonw_str(w, "name", base_name(p->exe));
		ew_jsonw_str(w, "path", p->exe);
		ew_jsonw_u64(w, "type_id", 1); /* Regular File */
		ew_jsonw_obj_end(w);
	}
	if (p && p->cmdline && p->cmdline[0])
		ew_jsonw_str(w, "cmd_line", p->cmdline);
	if (p && p->entity_id[0])
		ew_jsonw_str(w, "uid", p->entity_id);
	snprintf(uid_s, sizeof(uid_s), "%u", uid);
	ew_jsonw_obj_begin(w, "user");
	ew_jsonw_str(w, "uid", uid_s);
	if (o && o->user && o->user[0])
		ew_jsonw_str(w, "name", o->user);
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
static void put_data_classification(struct ew_jsonw *w, const struct ew_eval *e)
{
	char cats[256];
	size_t len = 0;
	bool personal = false, other = false, restricted = false;

	cats[0] = '\0';
	for (uint32_t i = 0; i < e->n_categories; i++) {
		const struct ew_eval_category *c = &e->categories[i];
		int n = snprintf(cats + len, sizeof(cats) - len, "%s%s", len ? ", " : "",
				 c->id ? c->id : "unknown");

		if (n > 0)
			len = (size_t)n < sizeof(cats) - len ? len + (size_t)n : sizeof(cats) - 1;
		personal |= c->cls == EW_CLASS_PI || c->cls == EW_CLASS_SENSITIVE_PI;
		other |= c->cls != EW_CLASS_PI && c->cls != EW_CLASS_SENSITIVE_PI;
		restricted |= c->cls == EW_CLASS_SENSITIVE_PI || c->cls == EW_CLASS_IMPORTANT_DATA;
	}
	ew_jsonw_obj_begin(w, "data_classification");
	ew_jsonw_str(w, "category", cats);
	ew_jsonw_u64(w, "category_id", personal && !other ? OCSF_DC_PERSONAL : OCSF_DC_OTHER);
	ew_jsonw_str(w, "confidentiality", restricted ? "Restricted" : "Confidential");
	ew_jsonw_u64(w, "confidentiality_id",
		     restricted ? OCSF_CONF_RESTRICTED : OCSF_CONF_CONFIDENTIAL);
	if (e->has_verdict && e->verdict.channel_id) {
		ew_jsonw_obj_begin(w, "policy");
		ew_jsonw_str(w, "name", e->verdict.channel_id);
		ew_jsonw_str(w, "uid", e->verdict.channel_id);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);
}

static void put_metadata(struct ew_jsonw *w, const struct ew_alert *a, const struct ew_eval *e,
			 bool classified, const char *fid)
{
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
		put_data_classification(w, e);
	ew_jsonw_obj_end(w);
}

/* Egresswatch's own fields, which OCSF has no place for. */
static void put_unmapped(struct ew_jsonw *w, const struct ew_alert *a, const struct ew_eval *e,
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
	if (e && e->n_categories) {
		ew_jsonw_arr_begin(w, "categories");
		for (uint32_t i = 0; i < e->n_categories; i++) {
			const struct ew_eval_category *c = &e->categories[i];

			ew_jsonw_obj_begin(w, NULL);
			ew_jsonw_str(w, "id", c->id);
			ew_jsonw_str(w, "class", ew_class_name(c->cls));
			ew_jsonw_u64(w, "matches", c->matches_total);
			ew_jsonw_u64(w, "subjects", c->subjects_total);
			ew_jsonw_obj_end(w);
		}
		ew_jsonw_arr_end(w);
	}
	if (e && e->has_verdict && e->verdict.missing[0])
		ew_jsonw_str(w, "missing", e->verdict.missing);
	ew_jsonw_obj_end(w);
	ew_jsonw_obj_end(w);
}

static void put_observables(struct ew_jsonw *w, const struct ew_flow *f, const struct ew_eval *e,
			    bool ingress)
{
	char buf[64];

	/* type_id 2 IP Address, 1 Hostname; name is the attribute's path */
	ew_jsonw_arr_begin(w, "observables");
	ew_jsonw_obj_begin(w, NULL);
	ew_jsonw_str(w, "name", ingress ? "src_endpoint.ip" : "dst_endpoint.ip");
	ew_jsonw_u64(w, "type_id", 2);
	ew_jsonw_str(w, "value", ew_record_ip(f->peer, buf, sizeof(buf)));
	ew_jsonw_obj_end(w);
	if (e && e->domain && e->domain[0]) {
		ew_jsonw_obj_begin(w, NULL);
		ew_jsonw_str(w, "name",
			     ingress ? "src_endpoint.hostname" : "dst_endpoint.hostname");
		ew_jsonw_u64(w, "type_id", 1);
		ew_jsonw_str(w, "value", e->domain);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_arr_end(w);
}

static void put_connection(struct ew_jsonw *w, const struct ew_flow *f, bool ingress)
{
	ew_jsonw_obj_begin(w, "connection_info");
	ew_jsonw_u64(w, "direction_id", ingress ? 1 : f->dir == EW_DIR_EGRESS ? 2 : 0);
	ew_jsonw_str(w, "direction",
		     ingress		       ? "Inbound"
		     : f->dir == EW_DIR_EGRESS ? "Outbound"
					       : "Unknown");
	ew_jsonw_str(w, "protocol_name", f->proto == EW_IPPROTO_TCP ? "tcp" : "udp");
	ew_jsonw_u64(w, "protocol_num", f->proto);
	ew_jsonw_u64(w, "protocol_ver_id", f->family == EW_AF_INET ? 4 : 6);
	ew_jsonw_obj_end(w);
}

int ew_alert_ocsf(struct ew_jsonw *w, const char *hostname, const struct ew_alert *a)
{
	const struct ew_flow *f = a->flow;
	const struct ew_eval *e = a->eval;
	bool refused = a->rule == EW_ALERT_CONNECT_REFUSED;
	bool ingress, classified;
	int activity = refused ? OCSF_ACT_REFUSE : OCSF_ACT_TRAFFIC;
	unsigned sev = (unsigned)a->severity < EW_SEV_MAX ? a->severity : EW_SEV_LOW;
	char fid[17];

	if (!f)
		return -ENOMSG;
	ingress = f->dir == EW_DIR_INGRESS;
	classified = e && e->n_categories;
	put_hex64(fid, a->flow_id);

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
	put_metadata(w, a, e, classified, fid);

	if (ingress) {
		put_endpoint(w, "src_endpoint", f->peer, f->peer_port, true, e);
		if (f->have_local)
			put_endpoint(w, "dst_endpoint", f->local, f->local_port, true, NULL);
		else
			put_endpoint(w, "dst_endpoint", f->local, 0, false, NULL);
	} else {
		if (f->have_local)
			put_endpoint(w, "src_endpoint", f->local, f->local_port, true, NULL);
		put_endpoint(w, "dst_endpoint", f->peer, f->peer_port, true, e);
	}
	put_connection(w, f, ingress);
	put_actor(w, f, e);
	if (hostname && hostname[0]) {
		ew_jsonw_obj_begin(w, "device");
		ew_jsonw_str(w, "hostname", hostname);
		ew_jsonw_u64(w, "type_id", 0); /* Unknown: server, VM or vehicle gateway */
		ew_jsonw_obj_end(w);
	}
	put_observables(w, f, e, ingress);
	put_unmapped(w, a, e, fid);
	ew_jsonw_obj_end(w);
	return w->oom ? -ENOMEM : 0;
}
