// SPDX-License-Identifier: GPL-2.0-only
#include "enforce/refused.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_stage.h"
#include "enforce/enforced.h"
#include "util/addr.h"
#include "util/log.h"

/* Every refusal is logged up to this many, then one in LOG_EVERY: a client
 * retrying in a loop must not flood the log. Counts stay exact. */
#define LOG_FIRST 100
#define LOG_EVERY 1000

struct refused {
	/* the enforced workloads' names by bit: a copy, so that a policy swapped
	 * out and freed by a reload leaves nothing dangling here */
	char names[EW_ENF_MAX_WORKLOADS][EW_LABELS_NAME_LEN];
	uint64_t by_bit[EW_ENF_MAX_WORKLOADS];
	uint64_t unnamed; /* no workload bit this policy knows */
	uint64_t total;
};

void ew_refused_addr(const struct ew_ev_connect_refused *ev, char *buf, size_t len)
{
	if (ew_addr_is_v4(ev->raddr))
		inet_ntop(AF_INET, ev->raddr + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, ev->raddr, buf, (socklen_t)len);
}

/* @w: the workload's name, "" or NULL when unknown */
static int refused_format(const struct ew_ev_connect_refused *ev, const char *w, char *buf,
			  size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	char comm[EW_COMM_LEN + 1];

	if (!buf || !len)
		return -EINVAL;
	if (w && !w[0])
		w = NULL;
	memcpy(comm, ev->task.comm, EW_COMM_LEN);
	comm[EW_COMM_LEN] = '\0';
	ew_refused_addr(ev, addr, sizeof(addr));
	return snprintf(buf, len,
			"%s (pid %u%s%s%s) was refused a connection to %s%s%s port %u/%s: no "
			"approved channel covers the address, and the workload is enforced",
			comm[0] ? comm : "?", ev->task.tgid, w ? ", workload \"" : "", w ? w : "",
			w ? "\"" : "", ew_addr_is_v4(ev->raddr) ? "" : "[", addr,
			ew_addr_is_v4(ev->raddr) ? "" : "]", ev->rport,
			ev->proto == EW_IPPROTO_UDP ? "udp" : "tcp");
}

void ew_refused_stage_policy(struct ew_stage *s, const struct ew_policy *pol)
{
	struct refused *r = s->state;

	for (int b = 0; b < EW_ENF_MAX_WORKLOADS; b++) {
		const char *n = pol ? ew_enforced_workload(&pol->labels, 1ull << b) : NULL;

		snprintf(r->names[b], sizeof(r->names[b]), "%s", n ? n : "");
	}
}

int ew_refused_message(const struct ew_policy *pol, const struct ew_ev_connect_refused *ev,
		       char *buf, size_t len)
{
	return refused_format(ev, pol ? ew_enforced_workload(&pol->labels, ev->workloads) : NULL,
			      buf, len);
}

static int init(struct ew_stage *s, const struct ew_stage_env *env)
{
	struct refused *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	s->state = r;
	ew_refused_stage_policy(s, env->policy);
	return 0;
}

/* EW-010 for the SOC: each refusal is an alert (folded per executable and address). */
static void raise_alert(struct ew_stage *s, const struct ew_ev_connect_refused *ev)
{
	char comm[EW_COMM_LEN + 1];
	struct ew_alert_refusal a = {
	    .now_ns = ev->h.ts_ns,
	    .pid = ev->task.tgid,
	    .uid = ev->task.uid,
	    .comm = comm,
	    .peer = ev->raddr,
	    .port = ev->rport,
	    .udp = ev->proto == EW_IPPROTO_UDP,
	};

	memcpy(comm, ev->task.comm, EW_COMM_LEN);
	comm[EW_COMM_LEN] = '\0';
	ew_alert_connect_refused(s->pipeline, &a);
}

static void event(struct ew_stage *s, const union ew_event *ev, struct ew_flow *f)
{
	struct refused *r = s->state;
	uint64_t bits = ev->refused.workloads;
	char msg[512];

	(void)f;
	if (ev->h.type != EW_EV_CONNECT_REFUSED)
		return;
	r->total++;
	if (bits)
		r->by_bit[__builtin_ctzll(bits)]++;
	else
		r->unnamed++;
	raise_alert(s, &ev->refused);
	if (r->total <= LOG_FIRST || r->total % LOG_EVERY == 0) {
		refused_format(&ev->refused, bits ? r->names[__builtin_ctzll(bits)] : "", msg,
			       sizeof(msg));
		ew_warn("enforcement: %s (%llu refused so far)", msg, (unsigned long long)r->total);
	}
}

/* Per enforced workload, zeros included; bits the policy no longer names, and
 * none at all, under workload="" (present, as 0, when nothing is enforced). */
static void metrics(struct ew_stage *s, struct ew_metrics *m)
{
	static const char help[] = "Connects and UDP sends of enforced workloads the kernel "
				   "refused (EPERM): no channel covers the address.";
	const struct refused *r = s->state;
	uint64_t other = r->unnamed;
	int named = 0;

	for (int b = 0; b < EW_ENF_MAX_WORKLOADS; b++) {
		if (!r->names[b][0]) {
			other += r->by_bit[b];
			continue;
		}
		named++;
		ew_metrics_add1(m, "connects_refused_total", help, EW_M_COUNTER, "workload",
				r->names[b], r->by_bit[b]);
	}
	if (other || !named)
		ew_metrics_add1(m, "connects_refused_total", help, EW_M_COUNTER, "workload", "",
				other);
}

static void fini(struct ew_stage *s)
{
	free(s->state);
}

const struct ew_stage_def ew_refused_stage = {
    .name = "refused",
    .event_mask = EW_STAGE_EV(EW_EV_CONNECT_REFUSED),
    .init = init,
    .event = event,
    .policy = ew_refused_stage_policy,
    .metrics = metrics,
    .free = fini,
};
