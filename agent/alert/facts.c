// SPDX-License-Identifier: GPL-2.0-only
#include "alert/facts.h"

#include <stdio.h>
#include <string.h>

#include "content/enums.h"
#include "geo/border.h"
#include "out/community_id.h"
#include "out/record.h"
#include "util/str.h"

static const char *const dir_names[] = {"unknown", "egress", "ingress"};

static void fill_owner(struct ew_alert_facts *x, const struct ew_owner *o)
{
	if (!o->known)
		return;
	x->have_process = true;
	x->pid = o->pid;
	x->uid = o->uid;
	ew_strlcpy(x->comm, o->comm ? o->comm : "", sizeof(x->comm));
	if (o->proc) {
		ew_strlcpy(x->exe, o->proc->exe ? o->proc->exe : "", sizeof(x->exe));
		ew_strlcpy(x->entity_id, o->proc->entity_id, sizeof(x->entity_id));
	}
	ew_strlcpy(x->user, o->user ? o->user : "", sizeof(x->user));
	if (o->cgroup)
		ew_strlcpy(x->container, o->cgroup->info.container_id, sizeof(x->container));
}

static void fill_flow(struct ew_alert_facts *x, const struct ew_flow *f)
{
	bool ingress = f->dir == EW_DIR_INGRESS;
	char lip[48], rip[48], cid[EW_COMMUNITY_ID_LEN];

	x->have_flow = true;
	x->have_source = f->have_local || ingress;
	ew_strlcpy(x->transport, f->proto == EW_IPPROTO_TCP ? "tcp" : "udp", sizeof(x->transport));
	ew_strlcpy(x->direction, dir_names[f->dir < 3 ? f->dir : 0], sizeof(x->direction));
	ew_record_ip(f->peer, rip, sizeof(rip));
	if (f->have_local)
		ew_record_ip(f->local, lip, sizeof(lip));
	else
		ew_strlcpy(lip, f->family == EW_AF_INET ? "0.0.0.0" : "::", sizeof(lip));
	ew_strlcpy(x->source_ip, ingress ? rip : lip, sizeof(x->source_ip));
	ew_strlcpy(x->destination_ip, ingress ? lip : rip, sizeof(x->destination_ip));
	x->source_port = ingress ? f->peer_port : f->local_port;
	x->destination_port = ingress ? f->local_port : f->peer_port;
	if (f->have_local &&
	    !ew_community_id(0, f->proto, ingress ? f->peer : f->local, x->source_port,
			     ingress ? f->local : f->peer, x->destination_port, cid))
		ew_strlcpy(x->community_id, cid, sizeof(x->community_id));
	x->bytes_out = f->bytes_out;
}

static void fill_verdict(struct ew_alert_facts *x, const struct ew_eval *e)
{
	const struct ew_verdict *v = &e->verdict;

	if (!e->has_verdict)
		return;
	ew_strlcpy(x->verdict, ew_decide_verdict_name(v->verdict), sizeof(x->verdict));
	ew_strlcpy(x->verdict_rule, ew_decide_rule_name(v->rule), sizeof(x->verdict_rule));
	ew_strlcpy(x->route, ew_decide_route_name(v->route), sizeof(x->route));
	ew_strlcpy(x->channel, v->channel_id ? v->channel_id : "", sizeof(x->channel));
	ew_strlcpy(x->exemption, v->exemption_id ? v->exemption_id : "", sizeof(x->exemption));
	if (v->failed_scopes)
		ew_decide_scope_names(v->failed_scopes, x->scope_failed, sizeof(x->scope_failed));
	if (v->verdict == EW_VERDICT_VIOLATION)
		ew_strlcpy(x->missing, v->missing, sizeof(x->missing));
}

void ew_alert_facts_fill(struct ew_alert_facts *x, const struct ew_flow *f, const struct ew_eval *e)
{
	memset(x, 0, sizeof(*x));
	if (e)
		fill_owner(x, &e->owner);
	if (f)
		fill_flow(x, f);
	if (!e)
		return;
	ew_strlcpy(x->domain, e->domain ? e->domain : "", sizeof(x->domain));
	memcpy(x->country, e->place.country, sizeof(x->country));
	x->country[2] = '\0';
	x->asn = e->place.asn;
	ew_strlcpy(x->border, ew_border_name(e->place.border), sizeof(x->border));
	for (uint32_t i = 0; i < e->n_categories && x->n_cats < EW_ALERT_CATS; i++) {
		const struct ew_eval_category *c = &e->categories[i];
		struct ew_alert_cat *d = NULL;

		/* The same category by two ways (vias) is one line for an analyst. */
		for (int k = 0; k < x->n_cats && !d; k++)
			if (!strcmp(x->cats[k].id, c->id))
				d = &x->cats[k];
		if (!d) {
			d = &x->cats[x->n_cats++];
			ew_strlcpy(d->id, c->id, sizeof(d->id));
			d->cls = c->cls;
		}
		d->matches += c->matches_total;
		if (c->subjects_total > d->subjects)
			d->subjects = c->subjects_total;
	}
	fill_verdict(x, e);
}

void ew_alert_facts_merge(struct ew_alert_facts *x, const struct ew_alert_facts *y)
{
	for (int i = 0; i < y->n_cats; i++) {
		int k;

		for (k = 0; k < x->n_cats && strcmp(x->cats[k].id, y->cats[i].id); k++)
			;
		if (k == x->n_cats) {
			if (k == EW_ALERT_CATS)
				continue;
			x->cats[x->n_cats++] = (struct ew_alert_cat){0};
			memcpy(x->cats[k].id, y->cats[i].id, sizeof(x->cats[k].id));
			x->cats[k].cls = y->cats[i].cls;
		}
		x->cats[k].matches += y->cats[i].matches;
		x->cats[k].subjects += y->cats[i].subjects;
	}
	x->bytes_out += y->bytes_out;
}
