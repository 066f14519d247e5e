// SPDX-License-Identifier: GPL-2.0-only
/*
 * names_stage.c - the enricher that names each flow's peer: from a DNS
 * answer this host received for the peer's address before the flow
 * started, then from the names the kernel's first payload gave (HTTP Host,
 * then TLS SNI: the strongest source wins).
 */
#include "names/names_stage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names/dns_cache.h"
#include "names/names.h"

#define NS 1000000000ull

/* Which parser met the untrusted bytes. */
enum parser { PARSER_TLS, PARSER_HTTP, PARSER_DNS, PARSER_MAX };

struct names_stage {
	struct ew_names *names;
	struct ew_dns_cache *dns;
	struct ew_flows *flows;
	uint64_t parsed[PARSER_MAX][EW_PARSE_MAX];
	uint64_t named[EW_NAME_SOURCE_MAX];
	uint64_t unmatched;
};

/* Per flow: the peer's name (a reference into names) and where it came from. */
struct slot {
	uint32_t id : 24;
	uint32_t source : 8; /* enum ew_name_source */
};

static int init(struct ew_stage *s, const struct ew_stage_env *env)
{
	struct names_stage *n = calloc(1, sizeof(*n));
	uint32_t entries = env->cfg->dns_cache_entries ? env->cfg->dns_cache_entries : 65536;

	if (!n)
		return -ENOMEM;
	n->flows = env->flows;
	n->names = ew_names_new();
	n->dns = n->names ? ew_dns_cache_new(n->names, entries) : NULL;
	s->state = n;
	return n->dns ? 0 : -ENOMEM;
}

/* Unless the flow has a name from a stronger source (enum order). */
static void set_name(struct names_stage *n, struct slot *sl, uint32_t id, uint8_t source)
{
	if (!id || source < sl->source)
		return;
	ew_names_ref(n->names, id);
	ew_names_put(n->names, sl->id);
	sl->id = id;
	sl->source = source;
	n->named[source]++;
}

static void on_peer_name(struct ew_stage *s, const struct ew_ev_peer_name *ev)
{
	struct names_stage *n = s->state;
	struct ew_flow *f;
	uint32_t id;

	n->parsed[ev->source == EW_NAME_SNI ? PARSER_TLS : PARSER_HTTP][ev->result]++;
	if (ev->result != EW_PARSE_OK)
		return;
	f = ew_flows_find_tcp(n->flows, ev->cookie);
	if (!f) {
		n->unmatched++;
		return;
	}
	id = ew_names_get(n->names, ev->name);
	set_name(n, ew_stage_slot(s, f), id, ev->source);
	ew_names_put(n->names, id);
}

static void on_dns_answer(struct names_stage *n, const struct ew_ev_dns_answer *ev)
{
	uint32_t id;

	n->parsed[PARSER_DNS][ev->result]++;
	if (ev->result != EW_PARSE_OK)
		return;
	id = ew_names_get(n->names, ev->name);
	ew_dns_cache_put(n->dns, ev->addr, id, ev->h.ts_ns,
			 ev->h.ts_ns + ((uint64_t)ev->ttl + EW_DNS_GRACE_S) * NS);
	ew_names_put(n->names, id);
}

static void event(struct ew_stage *s, const union ew_event *ev, struct ew_flow *f)
{
	struct names_stage *n = s->state;
	struct slot *sl;

	switch (ev->h.type) {
	case EW_EV_PEER_NAME:
		on_peer_name(s, &ev->name);
		return;
	case EW_EV_DNS_ANSWER:
		on_dns_answer(n, &ev->dns);
		return;
	}
	/* A socket addressed a peer: resolved earlier, it carries the name asked for. */
	if (!f)
		return;
	sl = ew_stage_slot(s, f);
	if (sl->source < EW_NAME_DNS)
		set_name(n, sl, ew_dns_cache_get(n->dns, f->peer, ev->h.ts_ns), EW_NAME_DNS);
}

static void enrich(struct ew_stage *s, const struct ew_flow *f, struct ew_eval *e)
{
	struct names_stage *n = s->state;
	const struct slot *sl = ew_stage_slot(s, f);

	if (!sl->id)
		return;
	e->domain = ew_names_str(n->names, sl->id);
	e->name_source = sl->source;
}

static void flow_free(struct ew_stage *s, struct ew_flow *f)
{
	struct names_stage *n = s->state;
	struct slot *sl = ew_stage_slot(s, f);

	ew_names_put(n->names, sl->id);
	sl->id = 0;
}

static void metrics(struct ew_stage *s, struct ew_metrics *m)
{
	static const char *const parsers[PARSER_MAX] = {"tls", "http", "dns"};
	static const char *const results[EW_PARSE_MAX] = {"ok", "none", "short", "bad", "other"};
	static const char *const sources[EW_NAME_SOURCE_MAX] = {"none", "dns", "http_host", "sni"};
	struct names_stage *n = s->state;
	const struct ew_dns_cache_stats *d = ew_dns_cache_stats(n->dns);

	ew_metrics_add(m, "names_unmatched_total",
		       "Names from TCP payloads whose socket had no flow.", 0, n->unmatched);
	ew_metrics_add(m, "names", "Distinct peer names held.", EW_M_GAUGE,
		       ew_names_count(n->names));
	ew_metrics_add(m, "dns_cache_inserts_total", "Addresses learned from DNS answers.", 0,
		       d->inserts);
	ew_metrics_add(m, "dns_cache_hits_total", "Flows whose peer address was in the DNS cache.",
		       0, d->hits);
	ew_metrics_add(m, "dns_cache_misses_total",
		       "Flows whose peer address was not in the DNS cache.", 0, d->misses);
	ew_metrics_add(m, "dns_cache_evicted_live_total",
		       "DNS answers replaced before their TTL ended (the cache is too small).", 0,
		       d->evicted_live);
	for (int i = 0; i < PARSER_MAX; i++)
		for (int r = 0; r < EW_PARSE_MAX; r++)
			ew_metrics_add2(
			    m, "payloads_parsed_total",
			    "Untrusted payloads parsed for names, by parser and outcome.", 0,
			    "parser", parsers[i], "result", results[r], n->parsed[i][r]);
	for (int i = 1; i < EW_NAME_SOURCE_MAX; i++)
		ew_metrics_add1(m, "flows_named_total", "Flows given a peer name, by source.", 0,
				"source", sources[i], n->named[i]);
}

static void stage_free(struct ew_stage *s)
{
	struct names_stage *n = s->state;

	if (!n)
		return;
	ew_dns_cache_free(n->dns);
	ew_names_free(n->names);
	free(n);
}

const struct ew_stage_def ew_names_stage = {
    .name = "names",
    .flow_slot = sizeof(struct slot),
    .event_mask = EW_STAGE_EV(EW_EV_CONNECT) | EW_STAGE_EV(EW_EV_UDP_SEND) |
		  EW_STAGE_EV(EW_EV_UDP_RECV) | EW_STAGE_EV(EW_EV_PEER_NAME) |
		  EW_STAGE_EV(EW_EV_DNS_ANSWER),
    .init = init,
    .event = event,
    .enrich = enrich,
    .flow_free = flow_free,
    .metrics = metrics,
    .free = stage_free,
};
