// SPDX-License-Identifier: GPL-2.0-only
#include "out/record.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "content/enums.h"
#include "util/addr.h"
#include "util/digits.h"
#include "util/str.h"
#include "out/community_id.h"
#include "out/record_frag.h"
#include "util/timefmt.h"

/* Hand-rolled: one for every record, and printf costs more than the rest. */
static void put_hex64(char out[17], uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 15];
	out[16] = '\0';
}

/* @ts: the time quoted, as a member's value; its length. */
static size_t quoted_time(const struct ew_eval *e, uint64_t boot_ns, char ts[48])
{
	size_t n = ew_timefmt_iso8601((int64_t)boot_ns + e->realtime_offset_ns, ts + 1, 48 - 2);

	/* Digits and "-T:.+" only: quoted here, nothing to escape or measure. */
	ts[0] = '"';
	ts[n + 1] = '"';
	return n + 2;
}

/*
 * The @n bytes at @q + 1 quoted in place; the length with the quotes.
 * Addresses, flow ids and Community IDs are hex digits and ".:+/=" only:
 * written as raw values, with nothing to check for escapes.
 */
static size_t quote(char *q, size_t n)
{
	q[0] = '"';
	q[n + 1] = '"';
	return n + 2;
}

/*
 * A literal's bytes at @p, which moves past them: the runs of members made
 * of numbers, addresses and times are written in place
 * (ew_jsonw_members_begin()), with no call, check or copy per member.
 */
#define LIT(p, s) ((p) = (char *)memcpy((p), (s), sizeof(s) - 1) + sizeof(s) - 1)

/* "@key":"@ip" in place: the text of an address needs no escaping (quote()). */
static void put_ip_member(struct ew_jsonw *w, const char *ip, size_t ip_len)
{
	char *p = ew_jsonw_members_begin(w, 5 + ip_len);

	if (!p)
		return;
	LIT(p, "\"ip\":");
	memcpy(p, ip, ip_len);
	ew_jsonw_members_end(w, p + ip_len);
}

/*
 * "@key":"@name" for a name from one of the agent's own tables (a border, how
 * it was found): a literal's bytes, unless a byte would need escaping.
 */
#define PUT_NAME(w, key, name)                                                                     \
	put_name(w, "\"" key "\":\"", sizeof("\"" key "\":\"") - 1, key, name)

/* Whether @name's @n bytes can go between quotes as they are. */
static bool plain_name(const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return false;
	}
	return true;
}

static void put_name(struct ew_jsonw *w, const char *lit, size_t lit_len, const char *key,
		     const char *name)
{
	size_t n = strlen(name);
	char *p;

	if (!plain_name(name, n)) {
		ew_jsonw_str(w, key, name);
		return;
	}
	p = ew_jsonw_members_begin(w, lit_len + n + 1);
	if (!p)
		return;
	memcpy(p, lit, lit_len);
	memcpy(p + lit_len, name, n);
	p[lit_len + n] = '"';
	ew_jsonw_members_end(w, p + lit_len + n + 1);
}

/* The whole endpoint object in place: the common case, with no name and no place. */
static void put_endpoint_run(struct ew_jsonw *w, const char *key, size_t klen, const char *ip,
			     size_t ip_len, uint16_t port, bool known_port, uint64_t bytes)
{
	char *p = ew_jsonw_members_begin(
	    w, klen + ip_len + sizeof("\"\":{\"ip\":,\"port\":,\"bytes\":}") + 5 + 20);

	if (!p)
		return;
	*p++ = '"';
	memcpy(p, key, klen);
	p += klen;
	LIT(p, "\":{\"ip\":");
	memcpy(p, ip, ip_len);
	p += ip_len;
	if (known_port) {
		LIT(p, ",\"port\":");
		p = ew_digits_put(p, port);
	}
	LIT(p, ",\"bytes\":");
	p = ew_digits_put(p, bytes);
	*p++ = '}';
	ew_jsonw_members_end(w, p);
}

/* @remote and @domain are set on the remote side only. */
static void put_endpoint(struct ew_jsonw *w, const char *key, const char *ip, size_t ip_len,
			 uint16_t port, bool known_port, uint64_t bytes,
			 const struct ew_place *remote, const char *domain)
{
	char *p;

	if (!(domain && domain[0]) && !(remote && (remote->country[0] || remote->asn))) {
		put_endpoint_run(w, key, strlen(key), ip, ip_len, port, known_port, bytes);
		return;
	}
	ew_jsonw_obj_begin(w, key);
	put_ip_member(w, ip, ip_len);
	if (domain && domain[0])
		ew_jsonw_str(w, "domain", domain);
	p = ew_jsonw_members_begin(w, sizeof("\"port\":,\"bytes\":") + 5 + 20);
	if (p) {
		if (known_port) {
			LIT(p, "\"port\":");
			p = ew_digits_put(p, port);
			*p++ = ',';
		}
		LIT(p, "\"bytes\":");
		ew_jsonw_members_end(w, ew_digits_put(p, bytes));
	}
	if (remote && remote->country[0]) {
		ew_jsonw_obj_begin(w, "geo");
		ew_jsonw_str(w, "country_iso_code", remote->country);
		ew_jsonw_obj_end(w);
	}
	if (remote && remote->asn) {
		ew_jsonw_obj_begin(w, "as");
		ew_jsonw_u64(w, "number", remote->asn);
		if (remote->as_org[0]) {
			ew_jsonw_obj_begin(w, "organization");
			ew_jsonw_str(w, "name", remote->as_org);
			ew_jsonw_obj_end(w);
		}
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);
}

/* The start of every record's event object, but for its last type: copied whole. */
#define EVENT_HEAD(type)                                                                           \
	"\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\",\"" type           \
	"\"],\"action\":\"flow\""

static const char *const end_names[] = {
    [EW_END_NONE] = "interim",	    [EW_END_CLOSED] = "closed",	  [EW_END_IDLE] = "idle",
    [EW_END_VANISHED] = "vanished", [EW_END_EVICTED] = "evicted", [EW_END_SHUTDOWN] = "agent_stop",
};

static const char *const name_sources[EW_NAME_SOURCE_MAX] = {
    [EW_NAME_NONE] = "none",
    [EW_NAME_DNS] = "dns",
    [EW_NAME_HTTP_HOST] = "http_host",
    [EW_NAME_SNI] = "sni",
};

static const char *const dir_names[] = {
    [EW_DIR_UNKNOWN] = "unknown",
    [EW_DIR_EGRESS] = "egress",
    [EW_DIR_INGRESS] = "ingress",
};

/* Which memo of record_frag.h each run of members is in. */
enum { FRAG_NETWORK, FRAG_END, FRAG_INSPECTION, FRAG_VERDICT };

static void put_inspection(struct ew_jsonw *w, const char *key, const struct ew_eval_inspection *in)
{
	ew_jsonw_obj_begin(w, key);
	ew_jsonw_str(w, "status", ew_inspection_name(in->status));
	if (in->reason != EW_REASON_NONE)
		ew_jsonw_str(w, "reason", ew_reason_name(in->reason));
	ew_jsonw_u64(w, "bytes", in->bytes);
	ew_jsonw_obj_end(w);
}

static void put_categories(struct ew_jsonw *w, const char *key, const struct ew_eval_category *v,
			   uint32_t n)
{
	if (!n)
		return;
	ew_jsonw_arr_begin(w, key);
	for (uint32_t i = 0; i < n; i++) {
		const struct ew_eval_category *c = &v[i];

		ew_jsonw_obj_begin(w, NULL);
		ew_jsonw_str(w, "id", c->id);
		ew_jsonw_str(w, "class", ew_class_name(c->cls));
		ew_jsonw_str(w, "via", ew_via_name(c->via));
		ew_jsonw_u64(w, "matches", c->matches);
		ew_jsonw_u64(w, "subjects", c->subjects);
		ew_jsonw_u64(w, "matches_total", c->matches_total);
		ew_jsonw_u64(w, "subjects_total", c->subjects_total);
		if (c->subjects_capped)
			ew_jsonw_bool(w, "subjects_capped", true);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_arr_end(w);
}

/* Counts only: the values that named people never leave the content engine. */
static void inspection_members(struct ew_jsonw *w, const void *arg)
{
	put_inspection(w, "inspection", arg);
}

static void put_content(struct ew_jsonw *w, const struct ew_eval *e)
{
	const struct ew_eval_inspection *in = &e->inspection;

	if (!in->bytes)
		ew_record_frag_put(w, FRAG_INSPECTION, in->status | (uint64_t)in->reason << 8,
				   inspection_members, in);
	else
		put_inspection(w, "inspection", in);
	if (e->tls_library) {
		ew_jsonw_obj_begin(w, "tls");
		ew_jsonw_str(w, "library", e->tls_library);
		ew_jsonw_obj_end(w);
	}
	put_categories(w, "categories", e->categories, e->n_categories);
	if (e->inspected_in)
		put_inspection(w, "inspection_in", &e->inspection_in);
	put_categories(w, "categories_in", e->categories_in, e->n_categories_in);
}

static void verdict_members(struct ew_jsonw *w, const void *arg)
{
	const struct ew_verdict *v = arg;

	ew_jsonw_str(w, "route_required", ew_decide_route_name(v->route));
	ew_jsonw_str(w, "verdict", ew_decide_verdict_name(v->verdict));
	ew_jsonw_str(w, "rule", ew_decide_rule_name(v->rule));
}

/* The policy's word on the flow: route, verdict, the rule, and what covers or is missing. */
static void put_verdict(struct ew_jsonw *w, const struct ew_eval *e)
{
	const struct ew_verdict *v = &e->verdict;
	char scopes[96];

	if (!e->has_verdict)
		return;
	ew_record_frag_put(w, FRAG_VERDICT,
			   (uint64_t)(uint16_t)v->route | (uint64_t)(uint16_t)v->verdict << 16 |
			       (uint64_t)(uint16_t)v->rule << 32,
			   verdict_members, v);
	if (v->route_rule != EW_RULE_NONE)
		ew_jsonw_str(w, "route_rule", ew_decide_rule_name(v->route_rule));
	if (v->channel_id)
		ew_jsonw_str(w, "channel", v->channel_id);
	if (v->exemption_id)
		ew_jsonw_str(w, "exemption", v->exemption_id);
	if (v->attested)
		ew_jsonw_bool(w, "attested", true);
	if (v->failed_scopes) {
		ew_decide_scope_names(v->failed_scopes, scopes, sizeof(scopes));
		ew_jsonw_str(w, "scope_failed", scopes);
	}
	if (v->verdict == EW_VERDICT_VIOLATION && v->missing[0])
		ew_jsonw_str(w, "missing", v->missing);
}

static void network_members(struct ew_jsonw *w, const void *arg)
{
	const struct ew_flow *f = arg;

	ew_jsonw_str(w, "transport", f->proto == EW_IPPROTO_TCP ? "tcp" : "udp");
	ew_jsonw_str(w, "type", f->family == EW_AF_INET ? "ipv4" : "ipv6");
	ew_jsonw_str(w, "direction", dir_names[f->dir]);
}

static void end_members(struct ew_jsonw *w, const void *arg)
{
	const struct ew_flow *f = arg;

	ew_jsonw_bool(w, "final", f->end != EW_END_NONE);
	ew_jsonw_str(w, "end_reason", end_names[f->end]);
}

/* egresswatch.peer: the whole object in place when it has no name and no place (the common peer).
 */
static void put_peer(struct ew_jsonw *w, const struct ew_flow *f, const struct ew_eval *e,
		     const char *rip, size_t rip_len, const char *name)
{
	const struct ew_place *place = &e->place;
	const char *by = ew_border_by_name(place->by);
	size_t by_len = strlen(by);
	char *p;

	if (!name[0] && !place->country[0] && !place->asn && !place->as_org[0] &&
	    !place->net_name[0] && plain_name(by, by_len)) {
		p = ew_jsonw_members_begin(
		    w, sizeof("\"peer\":{\"ip\":,\"port\":,\"located_by\":\"\"}") + rip_len + 5 +
			   by_len);
		if (!p)
			return;
		LIT(p, "\"peer\":{\"ip\":");
		memcpy(p, rip, rip_len);
		p += rip_len;
		LIT(p, ",\"port\":");
		p = ew_digits_put(p, f->peer_port);
		LIT(p, ",\"located_by\":\"");
		memcpy(p, by, by_len);
		p += by_len;
		LIT(p, "\"}");
		ew_jsonw_members_end(w, p);
		return;
	}
	ew_jsonw_obj_begin(w, "peer");
	p = ew_jsonw_members_begin(w, sizeof("\"ip\":,\"port\":") + rip_len + 5);
	if (p) {
		LIT(p, "\"ip\":");
		memcpy(p, rip, rip_len);
		p += rip_len;
		LIT(p, ",\"port\":");
		ew_jsonw_members_end(w, ew_digits_put(p, f->peer_port));
	}
	if (name[0]) {
		ew_jsonw_str(w, "domain", name);
		ew_jsonw_str(w, "name_source", name_sources[e->name_source]);
	}
	if (place->country[0])
		ew_jsonw_str(w, "country", place->country);
	if (place->asn)
		ew_jsonw_u64(w, "asn", place->asn);
	if (place->as_org[0])
		ew_jsonw_str(w, "as_org", place->as_org);
	if (place->net_name[0])
		ew_jsonw_str(w, "network", place->net_name);
	PUT_NAME(w, "located_by", by);
	ew_jsonw_obj_end(w);
}

/* The four byte counters as members, room for 20 digits each reserved by the caller. */
static char *put_byte_counts(char *p, const struct ew_flow *f, uint64_t d_out, uint64_t d_in)
{
	LIT(p, "\"bytes_out\":");
	p = ew_digits_put(p, d_out);
	LIT(p, ",\"bytes_in\":");
	p = ew_digits_put(p, d_in);
	LIT(p, ",\"bytes_out_total\":");
	p = ew_digits_put(p, f->bytes_out);
	LIT(p, ",\"bytes_in_total\":");
	return ew_digits_put(p, f->bytes_in);
}

/* egresswatch's first members, its counters of the record's bytes and the border. */
static void put_counters(struct ew_jsonw *w, const struct ew_flow *f, const struct ew_eval *e,
			 uint64_t d_out, uint64_t d_in)
{
	char *p;

	ew_jsonw_obj_begin(w, "egresswatch");
	p = ew_jsonw_members_begin(w, sizeof("\"flow_id\":\"\"") + 17);
	if (p) {
		LIT(p, "\"flow_id\":\"");
		put_hex64(p, e->flow_id);
		p[16] = '"';
		ew_jsonw_members_end(w, p + 17);
	}
	ew_record_frag_put(w, FRAG_END, f->end, end_members, f);
	p = ew_jsonw_members_begin(w, sizeof("\"bytes_out\":,\"bytes_in\":,\"bytes_out_total\":,"
					     "\"bytes_in_total\":") +
					  4 * 20);
	if (p) {
		ew_jsonw_members_end(w, put_byte_counts(p, f, d_out, d_in));
	}
	PUT_NAME(w, "border", ew_border_name(e->place.border));
}

/* The same as one run, left inside egresswatch, when the end's memo and the border allow. */
static void put_egresswatch_head(struct ew_jsonw *w, const struct ew_flow *f,
				 const struct ew_eval *e, uint64_t d_out, uint64_t d_in)
{
	const struct ew_record_frag *end = ew_record_frag_get(FRAG_END, f->end, end_members, f);
	const char *border = ew_border_name(e->place.border);
	size_t bl = strlen(border);
	char *p;

	if (!end || !plain_name(border, bl)) {
		put_counters(w, f, e, d_out, d_in);
		return;
	}
	p = ew_jsonw_members_begin(
	    w, sizeof("\"egresswatch\":{\"flow_id\":\"\",,\"bytes_out\":,\"bytes_in\":,"
		      "\"bytes_out_total\":,\"bytes_in_total\":,\"border\":\"\"") +
		   16 + end->len + 4 * 20 + bl);
	if (!p)
		return;
	LIT(p, "\"egresswatch\":{\"flow_id\":\"");
	put_hex64(p, e->flow_id);
	p += 16;
	LIT(p, "\",");
	memcpy(p, end->text, end->len);
	p += end->len;
	*p++ = ',';
	p = put_byte_counts(p, f, d_out, d_in);
	LIT(p, ",\"border\":\"");
	memcpy(p, border, bl);
	p += bl;
	*p++ = '"';
	ew_jsonw_members_end_in(w, p);
}

void ew_record_flow(struct ew_jsonw *w, struct ew_record_owners *owners, const char *hostname,
		    const struct ew_flow *f, const struct ew_eval *e)
{
	const struct ew_record_owner *owner = NULL;
	const struct ew_place *place = &e->place;
	uint64_t now_ns = e->now_ns;
	char lip[50], rip[50], now_ts[48], *p;
	const struct ew_record_frag *net;
	size_t lip_len, rip_len, now_len;
	bool final = f->end != EW_END_NONE;
	bool ingress = f->dir == EW_DIR_INGRESS;
	uint64_t d_out = f->bytes_out - f->rep_out, d_in = f->bytes_in - f->rep_in;
	const char *src_ip, *dst_ip;
	uint16_t sport, dport;
	uint8_t proto = f->proto;
	const char *name = e->domain ? e->domain : "";

	rip_len = quote(rip, ew_record_ip_text(f->peer, rip + 1, sizeof(rip) - 2));
	if (f->have_local)
		lip_len = quote(lip, ew_record_ip_text(f->local, lip + 1, sizeof(lip) - 2));
	else
		lip_len = quote(lip, ew_strlcpy(lip + 1, f->family == EW_AF_INET ? "0.0.0.0" : "::",
						sizeof(lip) - 2));
	/* ECS and Suricata name the initiator source; this host's view is in egresswatch.* */
	src_ip = ingress ? rip : lip;
	dst_ip = ingress ? lip : rip;
	sport = ingress ? f->peer_port : f->local_port;
	dport = ingress ? f->local_port : f->peer_port;

	/* The record's start and its whole event object: one run, left inside the record. */
	ew_jsonw_reset(w);
	now_len = quoted_time(e, now_ns, now_ts);
	p = ew_jsonw_members_begin(
	    w, sizeof("{\"@timestamp\":,\"event\":{}") + now_len + sizeof(EVENT_HEAD("info")) +
		   sizeof(",\"start\":,\"end\":") + 2 * 48 + sizeof(",\"duration\":") + 20);
	if (p) {
		LIT(p, "{\"@timestamp\":");
		memcpy(p, now_ts, now_len);
		p += now_len;
		LIT(p, ",\"event\":{");
		if (final)
			LIT(p, EVENT_HEAD("end"));
		else
			LIT(p, EVENT_HEAD("info"));
		LIT(p, ",\"start\":");
		p += quoted_time(e, f->start_ns, p);
		LIT(p, ",\"end\":");
		memcpy(p, now_ts, now_len);
		p += now_len;
		LIT(p, ",\"duration\":");
		p = ew_digits_put(p, now_ns > f->start_ns ? now_ns - f->start_ns : 0);
		*p++ = '}';
		ew_jsonw_members_end_in(w, p);
	}

	/* The whole network object, its kind from the memo, unless that does not fit one. */
	net = ew_record_frag_get(FRAG_NETWORK,
				 proto | (uint64_t)f->family << 8 | (uint64_t)f->dir << 16,
				 network_members, f);
	if (!net) {
		ew_jsonw_obj_begin(w, "network");
		network_members(w, f);
	}
	p = ew_jsonw_members_begin(w, sizeof("\"network\":{,\"bytes\":,\"community_id\":\"\"}") +
					  (net ? net->len : 0) + 20 + EW_COMMUNITY_ID_LEN + 1);
	if (p) {
		if (net) {
			LIT(p, "\"network\":{");
			memcpy(p, net->text, net->len);
			p += net->len;
			*p++ = ',';
		}
		LIT(p, "\"bytes\":");
		p = ew_digits_put(p, d_out + d_in);
		if (f->have_local) {
			const uint8_t *sa = ingress ? f->peer : f->local;
			const uint8_t *da = ingress ? f->local : f->peer;
			char *m = p;

			LIT(p, ",\"community_id\":\"");
			if (ew_community_id(0, proto, sa, sport, da, dport, p) == 0) {
				p += strlen(p);
				*p++ = '"';
			} else {
				p = m; /* none: no member */
			}
		}
		if (net)
			*p++ = '}';
		ew_jsonw_members_end(w, p);
	}
	if (!net)
		ew_jsonw_obj_end(w);

	put_endpoint(w, "source", src_ip, ingress ? rip_len : lip_len, sport,
		     f->have_local || ingress, ingress ? d_in : d_out, ingress ? place : NULL,
		     ingress ? name : NULL);
	put_endpoint(w, "destination", dst_ip, ingress ? lip_len : rip_len, dport,
		     f->have_local || !ingress, ingress ? d_out : d_in, ingress ? NULL : place,
		     ingress ? NULL : name);
	if (name[0] && e->name_source == EW_NAME_SNI) {
		ew_jsonw_obj_begin(w, "tls");
		ew_jsonw_obj_begin(w, "client");
		ew_jsonw_str(w, "server_name", name);
		ew_jsonw_obj_end(w);
		ew_jsonw_obj_end(w);
	}
	if (e->owner.known)
		owner = ew_record_owner_put(w, owners, &e->owner);
	if (hostname && hostname[0])
		ew_record_owner_put_host(w, owners, hostname);

	put_egresswatch_head(w, f, e, d_out, d_in);
	put_peer(w, f, e, rip, rip_len, name);
	p = place->review ? ew_jsonw_members_begin(w, sizeof("\"review_reasons\":[\"anycast\","
							     "\"unknown_location\"]"))
			  : NULL;
	if (p) {
		LIT(p, "\"review_reasons\":[");
		if (place->review & EW_REVIEW_ANYCAST)
			LIT(p, "\"anycast\"");
		if ((place->review & EW_REVIEW_ANYCAST) && (place->review & EW_REVIEW_UNKNOWN))
			*p++ = ',';
		if (place->review & EW_REVIEW_UNKNOWN)
			LIT(p, "\"unknown_location\"");
		*p++ = ']';
		ew_jsonw_members_end(w, p);
	}
	if (e->owner.known)
		ew_record_owner_put_extra(w, owner, &e->owner);
	put_content(w, e);
	put_verdict(w, e);
	if (e->n_alert_ids) {
		ew_jsonw_obj_begin(w, "alert");
		ew_jsonw_arr_begin(w, "ids");
		for (int i = 0; i < e->n_alert_ids; i++)
			ew_jsonw_str(w, NULL, e->alert_ids[i]);
		ew_jsonw_arr_end(w);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);

	ew_jsonw_obj_end(w);
}
