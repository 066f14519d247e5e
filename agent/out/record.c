// SPDX-License-Identifier: GPL-2.0-only
#include "out/record.h"

#include <string.h>

#include "util/addr.h"
#include "util/digits.h"
#include "util/str.h"
#include "out/community_id.h"
#include "out/record_egresswatch.h"
#include "out/record_frag.h"
#include "util/timefmt.h"

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

/* "@key":"@ip" in place: the text of an address needs no escaping (quote()). */
static void put_ip_member(struct ew_jsonw *w, const char *ip, size_t ip_len)
{
	char *p = ew_jsonw_members_begin(w, 5 + ip_len);

	if (!p)
		return;
	EW_JSONW_LIT(p, "\"ip\":");
	memcpy(p, ip, ip_len);
	ew_jsonw_members_end(w, p + ip_len);
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
	EW_JSONW_LIT(p, "\":{\"ip\":");
	memcpy(p, ip, ip_len);
	p += ip_len;
	if (known_port) {
		EW_JSONW_LIT(p, ",\"port\":");
		p = ew_digits_put(p, port);
	}
	EW_JSONW_LIT(p, ",\"bytes\":");
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
			EW_JSONW_LIT(p, "\"port\":");
			p = ew_digits_put(p, port);
			*p++ = ',';
		}
		EW_JSONW_LIT(p, "\"bytes\":");
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

static const char *const dir_names[] = {
    [EW_DIR_UNKNOWN] = "unknown",
    [EW_DIR_EGRESS] = "egress",
    [EW_DIR_INGRESS] = "ingress",
};

static void network_members(struct ew_jsonw *w, const void *arg)
{
	const struct ew_flow *f = arg;

	ew_jsonw_str(w, "transport", f->proto == EW_IPPROTO_TCP ? "tcp" : "udp");
	ew_jsonw_str(w, "type", f->family == EW_AF_INET ? "ipv4" : "ipv6");
	ew_jsonw_str(w, "direction", dir_names[f->dir]);
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
		EW_JSONW_LIT(p, "{\"@timestamp\":");
		memcpy(p, now_ts, now_len);
		p += now_len;
		EW_JSONW_LIT(p, ",\"event\":{");
		if (final)
			EW_JSONW_LIT(p, EVENT_HEAD("end"));
		else
			EW_JSONW_LIT(p, EVENT_HEAD("info"));
		EW_JSONW_LIT(p, ",\"start\":");
		p += quoted_time(e, f->start_ns, p);
		EW_JSONW_LIT(p, ",\"end\":");
		memcpy(p, now_ts, now_len);
		p += now_len;
		EW_JSONW_LIT(p, ",\"duration\":");
		p = ew_digits_put(p, now_ns > f->start_ns ? now_ns - f->start_ns : 0);
		*p++ = '}';
		ew_jsonw_members_end_in(w, p);
	}

	/* The whole network object, its kind from the memo, unless that does not fit one. */
	net = ew_record_frag_get(EW_RECORD_FRAG_NETWORK,
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
			EW_JSONW_LIT(p, "\"network\":{");
			memcpy(p, net->text, net->len);
			p += net->len;
			*p++ = ',';
		}
		EW_JSONW_LIT(p, "\"bytes\":");
		p = ew_digits_put(p, d_out + d_in);
		if (f->have_local) {
			const uint8_t *sa = ingress ? f->peer : f->local;
			const uint8_t *da = ingress ? f->local : f->peer;
			char *m = p;

			EW_JSONW_LIT(p, ",\"community_id\":\"");
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

	ew_record_egresswatch(w, f, e, owner, rip, rip_len);
	ew_jsonw_obj_end(w);
}
