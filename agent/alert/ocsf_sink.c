// SPDX-License-Identifier: GPL-2.0-only
/*
 * ocsf_sink.c - OCSF Network Activity (4001) lines for SIEMs that take
 * OCSF, in files of their own rotated like alerts.jsonl:
 * DATA_DIR/alerts-ocsf/YYYY-MM-DD/HH.jsonl, and DATA_DIR/alerts.ocsf.jsonl
 * linking to the open hour. Alerts about the agent itself have no flow and
 * no 4001 shape: they go to the ECS sinks only (documented in the README).
 */
#include <errno.h>
#include <string.h>

#include "alert/alert_file.h"
#include "alert/alert_sinks.h"
#include "alert/ocsf.h"

/* The alert's copied facts as the encoder's flow: summaries have no live flow. */
static void flow_of(const struct ew_alert_facts *x, struct ew_ocsf_flow *v)
{
	bool ingress = !strcmp(x->direction, "ingress");

	memset(v, 0, sizeof(*v));
	v->ingress = ingress;
	v->direction_known = strcmp(x->direction, "unknown") != 0;
	v->peer_ip = ingress ? x->source_ip : x->destination_ip;
	v->peer_port = ingress ? x->source_port : x->destination_port;
	if (x->have_source) {
		v->local_ip = ingress ? x->destination_ip : x->source_ip;
		v->local_port = ingress ? x->destination_port : x->source_port;
	}
	v->domain = x->domain;
	v->country = x->country;
	v->asn = x->asn;
	v->proto = !strcmp(x->transport, "tcp") ? 6 : 17;
	v->family = strchr(v->peer_ip, ':') ? 6 : 4;
	v->have_process = x->have_process;
	v->pid = x->pid;
	v->uid = x->uid;
	v->comm = x->comm;
	v->exe = x->exe;
	v->entity_id = x->entity_id;
	v->user = x->user;
	for (int i = 0; i < x->n_cats && v->n_cats < EW_OCSF_MAX_CATS; i++) {
		v->cats[v->n_cats].id = x->cats[i].id;
		v->cats[v->n_cats].cls = x->cats[i].cls;
		v->cats[v->n_cats].matches = x->cats[i].matches;
		v->cats[v->n_cats].subjects = x->cats[i].subjects;
		v->n_cats++;
	}
	v->channel = x->channel[0] ? x->channel : NULL;
	v->missing = x->missing[0] ? x->missing : NULL;
}

static int encode(struct ew_jsonw *w, const struct ew_alert *a)
{
	struct ew_ocsf_flow v;

	if (!a->facts.have_flow)
		return -ENOMSG;
	flow_of(&a->facts, &v);
	return ew_alert_ocsf_flow(w, a->hostname, a, &v);
}

static const struct ew_alert_file_kind kind = {
    .name = "ocsf",
    .dir = "alerts-ocsf",
    .link = "alerts.ocsf.jsonl",
    .encode = encode,
};

int ew_alert_ocsf_open(const struct ew_alert_sink_env *env, struct ew_alert_sink **out)
{
	return ew_alert_file_open_kind(env, &kind, out);
}
