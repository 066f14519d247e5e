// SPDX-License-Identifier: GPL-2.0-only
/*
 * names_stage.c - the enricher that names each flow's peer: from a DNS
 * answer this host received for the peer's address before the flow
 * started, then from the names the kernel's first payload gave (HTTP Host,
 * then TLS SNI: the strongest source wins).
 *
 * Anyone can send this host a UDP datagram from port 53, so a DNS answer is
 * believed only when it answers a query this host sent, as Suricata and
 * Zeek pair them: same server and port, same client port, same transaction
 * id, and the question name the answer's address was reached from. The
 * queries wait in a small table until their answer or their expiry.
 */
#include "names/names_stage.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "names/dns_cache.h"
#include "names/names.h"
#include "util/siphash.h"

#define NS 1000000000ull

/*
 * Queries wait this long for their answer: resolvers give up well before
 * (glibc: 5 s per try, 2 tries by default; dig: 3 tries of 5 s).
 */
#define QUERY_TTL_S 30
/* Queries awaiting an answer, in sets of QUERY_WAYS: a few thousand in flight is a busy
 * resolver; past that the oldest is replaced (counted) and its answer goes unbelieved. */
#define QUERY_SETS 2048
#define QUERY_WAYS 4

/* Which parser met the untrusted bytes. */
enum parser { PARSER_TLS, PARSER_HTTP, PARSER_DNS, PARSER_DNS_QUERY, PARSER_MAX };

/* A DNS transaction as the client's side sees it. */
struct query_key {
	uint8_t server[16];
	uint16_t server_port;
	uint16_t client_port;
	uint16_t txid;
	uint16_t _pad; /* zero: keys are hashed and compared whole */
};

enum query_state { Q_FREE, Q_PENDING, Q_ANSWERED };

/* A query this host sent. */
struct query {
	struct query_key k;
	uint32_t name_id; /* the question (a reference into names) */
	uint32_t state;	  /* enum query_state */
	uint64_t expires_ns;
	uint64_t answer_ts; /* Q_ANSWERED: the response that took it */
};

struct names_stage {
	struct ew_names *names;
	struct ew_dns_cache *dns;
	struct ew_flows *flows;
	struct query *queries; /* QUERY_SETS * QUERY_WAYS */
	uint64_t parsed[PARSER_MAX][EW_PARSE_MAX];
	uint64_t named[EW_NAME_SOURCE_MAX];
	uint64_t unmatched;
	uint64_t queries_kept, queries_evicted;
	uint64_t answers_matched, answers_unmatched;
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
	n->queries = calloc((size_t)QUERY_SETS * QUERY_WAYS, sizeof(*n->queries));
	s->state = n;
	return n->dns && n->queries ? 0 : -ENOMEM;
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

/*
 * The pending-query set of @k. Whoever sends this host DNS traffic picks
 * the transaction ids and ports, so the set comes from the process's keyed
 * hash, like every other table fed by the network.
 */
static uint64_t query_hash(const struct query_key *k)
{
	uint64_t a, b;

	memcpy(&a, k->server, 8);
	memcpy(&b, k->server + 8, 8);
	return ew_hash_u64x4(
	    a, b, k->server_port | (uint64_t)k->client_port << 16 | (uint64_t)k->txid << 32, 0);
}

static struct query *query_set(struct names_stage *n, const struct query_key *k)
{
	return &n->queries[(query_hash(k) & (QUERY_SETS - 1)) * QUERY_WAYS];
}

static bool query_live(const struct query *q, uint64_t now_ns)
{
	return q->state != Q_FREE && q->expires_ns > now_ns;
}

static void key_of(struct query_key *k, const uint8_t server[16], uint16_t server_port,
		   uint16_t client_port, uint16_t txid)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->server, server, 16);
	k->server_port = server_port;
	k->client_port = client_port;
	k->txid = txid;
}

static void on_dns_query(struct names_stage *n, const struct ew_ev_dns_query *ev)
{
	struct query *set, *v = NULL;
	struct query_key k;
	uint32_t id;

	n->parsed[PARSER_DNS_QUERY][ev->result]++;
	if (ev->result != EW_PARSE_OK || !ev->client_port)
		return;
	key_of(&k, ev->server, ev->server_port, ev->client_port, ev->txid);
	set = query_set(n, &k);
	/* The same transaction again (a retry) takes its slot; then a free, expired
	 * or answered one; else the oldest pending query makes room. */
	for (int i = 0; i < QUERY_WAYS && !v; i++)
		if (set[i].state != Q_FREE && !memcmp(&set[i].k, &k, sizeof(k)))
			v = &set[i];
	for (int i = 0; i < QUERY_WAYS && !v; i++)
		if (set[i].state != Q_PENDING || !query_live(&set[i], ev->h.ts_ns))
			v = &set[i];
	if (!v) {
		v = &set[0];
		for (int i = 1; i < QUERY_WAYS; i++)
			if (set[i].expires_ns < v->expires_ns)
				v = &set[i];
		n->queries_evicted++;
	}
	id = ew_names_get(n->names, ev->name);
	ew_names_put(n->names, v->name_id);
	v->k = k;
	v->name_id = id;
	v->state = id ? Q_PENDING : Q_FREE;
	v->expires_ns = ev->h.ts_ns + QUERY_TTL_S * NS;
	v->answer_ts = 0;
	n->queries_kept += id != 0;
}

/*
 * Whether @ev answers a query this host sent. Every address of one response
 * comes as its own event, fed one after another with the response's
 * timestamp; the first that matches takes the query, and later events of
 * that same response match it too. Another response to a taken query is not
 * believed: the client used the first one (stub resolvers stop listening for
 * a transaction once answered), so a second is a duplicate or a spoof that
 * lost the race, and taking the query shortens the window in which a guessed
 * id can succeed from its expiry to the real answer's round trip. An address
 * whose name is not the question (a record the question does not lead to)
 * takes nothing, so it cannot spoil the real answer.
 */
static bool answer_matches(struct names_stage *n, const struct ew_ev_dns_answer *ev)
{
	struct query_key k;
	struct query *set;

	key_of(&k, ev->server, ev->server_port, ev->client_port, ev->txid);
	set = query_set(n, &k);
	for (int i = 0; i < QUERY_WAYS; i++) {
		struct query *q = &set[i];

		if (!query_live(q, ev->h.ts_ns) || memcmp(&q->k, &k, sizeof(k)))
			continue;
		if (q->state == Q_ANSWERED && q->answer_ts != ev->h.ts_ns)
			return false;
		/* Both names are lowercase (the parsers fold case, decode refuses
		 * uppercase), so comparing the interned ids is case-insensitive. */
		if (ew_names_find(n->names, ev->name) != q->name_id)
			return false;
		q->state = Q_ANSWERED;
		q->answer_ts = ev->h.ts_ns;
		return true;
	}
	return false;
}

static void on_dns_answer(struct names_stage *n, const struct ew_ev_dns_answer *ev)
{
	uint32_t id;

	n->parsed[PARSER_DNS][ev->result]++;
	if (ev->result != EW_PARSE_OK)
		return;
	/* client_port 0: an ABI 2.0 capture, whose answers carry no transaction. */
	if (ev->client_port) {
		if (!answer_matches(n, ev)) {
			n->answers_unmatched++;
			return;
		}
		n->answers_matched++;
	}
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
	case EW_EV_DNS_QUERY:
		on_dns_query(n, &ev->query);
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
	static const char *const parsers[PARSER_MAX] = {"tls", "http", "dns", "dns_query"};
	static const char *const results[EW_PARSE_MAX] = {"ok", "none", "short", "bad", "other"};
	static const char *const sources[EW_NAME_SOURCE_MAX] = {"none", "dns", "http_host", "sni"};
	struct names_stage *n = s->state;
	const struct ew_dns_cache_stats *d = ew_dns_cache_stats(n->dns);

	ew_metrics_add(m, "names_unmatched_total",
		       "Names from TCP payloads whose socket had no flow.", 0, n->unmatched);
	ew_metrics_add(m, "names", "Distinct peer names held.", EW_M_GAUGE,
		       ew_names_count(n->names));
	ew_metrics_add(m, "dns_queries_kept_total",
		       "DNS queries this host sent, kept for their answers to match.", 0,
		       n->queries_kept);
	ew_metrics_add(m, "dns_queries_evicted_total",
		       "DNS queries dropped unanswered to make room (their answers go unbelieved).",
		       0, n->queries_evicted);
	ew_metrics_add(m, "dns_answers_matched_total",
		       "DNS answers believed: they answer a query this host sent.", 0,
		       n->answers_matched);
	ew_metrics_add(m, "dns_answers_unmatched_total",
		       "DNS answers ignored: no query this host sent has their server, ports, "
		       "transaction id and question.",
		       0, n->answers_unmatched);
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
	for (size_t i = 0; n->queries && i < (size_t)QUERY_SETS * QUERY_WAYS; i++)
		ew_names_put(n->names, n->queries[i].name_id);
	free(n->queries);
	ew_dns_cache_free(n->dns);
	ew_names_free(n->names);
	free(n);
}

const struct ew_stage_def ew_names_stage = {
    .name = "names",
    .flow_slot = sizeof(struct slot),
    .event_mask = EW_STAGE_EV(EW_EV_CONNECT) | EW_STAGE_EV(EW_EV_UDP_SEND) |
		  EW_STAGE_EV(EW_EV_UDP_RECV) | EW_STAGE_EV(EW_EV_PEER_NAME) |
		  EW_STAGE_EV(EW_EV_DNS_ANSWER) | EW_STAGE_EV(EW_EV_DNS_QUERY),
    .init = init,
    .event = event,
    .enrich = enrich,
    .flow_free = flow_free,
    .metrics = metrics,
    .free = stage_free,
};
