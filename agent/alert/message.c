// SPDX-License-Identifier: GPL-2.0-only
/*
 * message.c - the one sentence of an alert: who sent which data to where,
 * and what approval is missing. Counts and category ids only: the values
 * that named people never leave the content engine.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alert/facts.h"
#include "util/escape.h"

struct out {
	char *buf;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

/* Process and file names are anyone's to choose: no control bytes reach a terminal. */
static void who(struct out *o, const struct ew_alert_facts *x)
{
	char comm[4 * sizeof(x->comm)], exe[4 * 96];

	if (!x->have_process) {
		put(o, "An unidentified process");
		return;
	}
	ew_escape_ctl(comm, sizeof(comm), x->comm[0] ? x->comm : "?");
	if (x->user[0])
		put(o, "%s (pid %u, user %s", comm, x->pid, x->user);
	else
		put(o, "%s (pid %u, uid %u", comm, x->pid, x->uid);
	if (x->exe[0]) {
		ew_escape_ctl(exe, sizeof(exe), x->exe);
		put(o, ", %s", exe);
	}
	if (x->container[0])
		put(o, ", container %.12s", x->container);
	put(o, ")");
}

static void what(struct out *o, const struct ew_alert_facts *x)
{
	if (!x->n_cats) {
		put(o, "data");
		return;
	}
	for (int i = 0; i < x->n_cats; i++) {
		const struct ew_alert_cat *c = &x->cats[i];

		put(o, "%s%s (%llu match%s", i ? (i + 1 == x->n_cats ? " and " : ", ") : "", c->id,
		    (unsigned long long)c->matches, c->matches == 1 ? "" : "es");
		if (c->subjects)
			put(o, ", %llu %s", (unsigned long long)c->subjects,
			    c->subjects == 1 ? "person" : "people");
		put(o, ")");
	}
}

static void where(struct out *o, const struct ew_alert_facts *x)
{
	char dom[4 * 64];

	put(o, "%s (", x->country[0] ? x->country : "an unknown country");
	if (x->domain[0]) {
		ew_escape_ctl(dom, sizeof(dom), x->domain);
		put(o, "%s, ", dom);
	}
	if (strchr(x->destination_ip, ':'))
		put(o, "[%s]:%u)", x->destination_ip, x->destination_port);
	else
		put(o, "%s:%u)", x->destination_ip, x->destination_port);
}

static void flow_sentence(struct out *o, const struct ew_alert *a)
{
	const struct ew_alert_facts *x = &a->facts;

	who(o, x);
	if (a->rule == EW_ALERT_CONNECT_REFUSED) {
		put(o, " was refused a connect to ");
		where(o, x);
		put(o, ": no approved channel covers that destination");
		return;
	}
	put(o, " sent ");
	what(o, x);
	put(o, " to ");
	where(o, x);
	switch (a->rule) {
	case EW_ALERT_VIOLATION:
		put(o, " without an approved route; missing approval: %s",
		    x->missing[0] ? x->missing : "a channel or exemption for this destination");
		break;
	case EW_ALERT_OUT_OF_SCOPE:
		put(o, " over channel %s outside its approved scope (%s)",
		    x->channel[0] ? x->channel : "?", x->scope_failed[0] ? x->scope_failed : "?");
		if (x->missing[0])
			put(o, "; missing approval: %s", x->missing);
		break;
	case EW_ALERT_REVIEW:
		put(o, ", which needs review (%s)", x->verdict_rule[0] ? x->verdict_rule : "?");
		break;
	default:
		break;
	}
}

static void health_sentence(struct out *o, const struct ew_alert *a)
{
	const char *host = a->hostname && a->hostname[0] ? a->hostname : "this host";

	switch (a->rule) {
	case EW_ALERT_MONITORING_GAP:
		put(o, "Monitoring gap on %s: %llu events or records lost since the last report",
		    host, (unsigned long long)a->lost);
		break;
	case EW_ALERT_AGENT_RESTART:
		put(o, "egresswatch started again on %s: flows in between were not monitored",
		    host);
		break;
	case EW_ALERT_HOOKS_DEGRADED:
		put(o, "Monitoring on %s is degraded: %llu kernel hooks are not attached", host,
		    (unsigned long long)a->lost);
		break;
	case EW_ALERT_POLICY_INVALID:
		put(o,
		    "An invalid policy was refused on reload on %s; the previous policy stays in "
		    "force",
		    host);
		break;
	default:
		put(o, "%s on %s", ew_alert_rule_title(a->rule), host);
		break;
	}
	if (a->facts.detail[0])
		put(o, " (%s)", a->facts.detail);
}

void ew_alert_message(struct ew_alert *a)
{
	struct out o = {.buf = a->text, .cap = sizeof(a->text)};

	a->text[0] = '\0';
	if (a->summary)
		put(&o,
		    "Repeated %llu times within the fold window: ", (unsigned long long)a->count);
	if (a->rule == EW_ALERT_THRESHOLD || a->rule == EW_ALERT_EXPIRING) {
		/* About the legal entity's year; the flow that showed it is the example. */
		put(&o, "%s; the latest: ", a->facts.detail[0] ? a->facts.detail : "?");
		flow_sentence(&o, a);
	} else if (a->facts.have_flow || a->facts.have_process) {
		flow_sentence(&o, a);
	} else {
		health_sentence(&o, a);
	}
	put(&o, ".");
	a->message = a->text;
}
