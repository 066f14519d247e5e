// SPDX-License-Identifier: GPL-2.0-only
#include "out/record_egresswatch.h"

#include <stdint.h>
#include <string.h>

#include "content/enums.h"
#include "out/record_frag.h"
#include "util/digits.h"

/*
 * Sixteen nibbles spread to bytes and made digits eight at a time, not one
 * a loop turn: one for every record, and printf costs more than the rest.
 */
static void put_hex8(char out[8], uint32_t v)
{
	uint64_t x = v, ones = 0x0101010101010101ull;

	x = (x | x << 16) & 0x0000ffff0000ffffull;
	x = (x | x << 8) & 0x00ff00ff00ff00ffull;
	x = (x | x << 4) & 0x0f0f0f0f0f0f0f0full;
	/* byte k holds nibble k: '0' + it, and 'a' - '0' - 10 more from 10 on */
	x += ones * '0' + ((x + ones * 6) >> 4 & ones) * ('a' - '0' - 10);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x = __builtin_bswap64(x); /* the most significant nibble first */
#endif
	memcpy(out, &x, 8);
}

static void put_hex64(char out[17], uint64_t v)
{
	put_hex8(out, (uint32_t)(v >> 32));
	put_hex8(out + 8, (uint32_t)v);
	out[16] = '\0';
}

/*
 * "@key":"@name" for a name from one of the agent's own tables (a border, how
 * it was found): a literal's bytes, unless a byte would need escaping.
 */
#define PUT_NAME(w, key, name)                                                                     \
	put_name(w, "\"" key "\":\"", sizeof("\"" key "\":\"") - 1, key, name)

/*
 * @name's length if its bytes can go between quotes as they are, else
 * SIZE_MAX. The names are literals of the agent's own tables (geo/border.c),
 * which never change: measured and checked once per thread and per
 * pointer, not for every record.
 */
static size_t plain_len(const char *name)
{
	static __thread struct {
		const char *name;
		size_t len;
	} memo[8];
	size_t slot = (size_t)((uintptr_t)name >> 2) & 7, n;

	if (memo[slot].name == name)
		return memo[slot].len;
	n = strlen(name);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			n = SIZE_MAX;
			break;
		}
	}
	memo[slot].name = name;
	memo[slot].len = n;
	return n;
}

static void put_name(struct ew_jsonw *w, const char *lit, size_t lit_len, const char *key,
		     const char *name)
{
	size_t n = plain_len(name);
	char *p;

	if (n == SIZE_MAX) {
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
		ew_record_frag_put(w, EW_RECORD_FRAG_INSPECTION,
				   in->status | (uint64_t)in->reason << 8, inspection_members, in);
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
	ew_record_frag_put(w, EW_RECORD_FRAG_VERDICT,
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
	size_t by_len = plain_len(by);
	char *p;

	if (!name[0] && !place->country[0] && !place->asn && !place->as_org[0] &&
	    !place->net_name[0] && by_len != SIZE_MAX) {
		p = ew_jsonw_members_begin(
		    w, sizeof("\"peer\":{\"ip\":,\"port\":,\"located_by\":\"\"}") + rip_len + 5 +
			   by_len);
		if (!p)
			return;
		EW_JSONW_LIT(p, "\"peer\":{\"ip\":");
		memcpy(p, rip, rip_len);
		p += rip_len;
		EW_JSONW_LIT(p, ",\"port\":");
		p = ew_digits_put(p, f->peer_port);
		EW_JSONW_LIT(p, ",\"located_by\":\"");
		memcpy(p, by, by_len);
		p += by_len;
		EW_JSONW_LIT(p, "\"}");
		ew_jsonw_members_end(w, p);
		return;
	}
	ew_jsonw_obj_begin(w, "peer");
	p = ew_jsonw_members_begin(w, sizeof("\"ip\":,\"port\":") + rip_len + 5);
	if (p) {
		EW_JSONW_LIT(p, "\"ip\":");
		memcpy(p, rip, rip_len);
		p += rip_len;
		EW_JSONW_LIT(p, ",\"port\":");
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
	EW_JSONW_LIT(p, "\"bytes_out\":");
	p = ew_digits_put(p, d_out);
	EW_JSONW_LIT(p, ",\"bytes_in\":");
	p = ew_digits_put(p, d_in);
	EW_JSONW_LIT(p, ",\"bytes_out_total\":");
	p = ew_digits_put(p, f->bytes_out);
	EW_JSONW_LIT(p, ",\"bytes_in_total\":");
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
		EW_JSONW_LIT(p, "\"flow_id\":\"");
		put_hex64(p, e->flow_id);
		p[16] = '"';
		ew_jsonw_members_end(w, p + 17);
	}
	ew_record_frag_put(w, EW_RECORD_FRAG_END, f->end, end_members, f);
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
	const struct ew_record_frag *end =
	    ew_record_frag_get(EW_RECORD_FRAG_END, f->end, end_members, f);
	const char *border = ew_border_name(e->place.border);
	size_t bl = plain_len(border);
	char *p;

	if (!end || bl == SIZE_MAX) {
		put_counters(w, f, e, d_out, d_in);
		return;
	}
	p = ew_jsonw_members_begin(
	    w, sizeof("\"egresswatch\":{\"flow_id\":\"\",,\"bytes_out\":,\"bytes_in\":,"
		      "\"bytes_out_total\":,\"bytes_in_total\":,\"border\":\"\"") +
		   16 + end->len + 4 * 20 + bl);
	if (!p)
		return;
	EW_JSONW_LIT(p, "\"egresswatch\":{\"flow_id\":\"");
	put_hex64(p, e->flow_id);
	p += 16;
	EW_JSONW_LIT(p, "\",");
	memcpy(p, end->text, end->len);
	p += end->len;
	*p++ = ',';
	p = put_byte_counts(p, f, d_out, d_in);
	EW_JSONW_LIT(p, ",\"border\":\"");
	memcpy(p, border, bl);
	p += bl;
	*p++ = '"';
	ew_jsonw_members_end_in(w, p);
}

void ew_record_egresswatch(struct ew_jsonw *w, const struct ew_flow *f, const struct ew_eval *e,
			   const struct ew_record_owner *owner, const char *rip, size_t rip_len)
{
	const struct ew_place *place = &e->place;
	uint64_t d_out = f->bytes_out - f->rep_out, d_in = f->bytes_in - f->rep_in;
	char *p;

	put_egresswatch_head(w, f, e, d_out, d_in);
	put_peer(w, f, e, rip, rip_len, e->domain ? e->domain : "");
	p = place->review ? ew_jsonw_members_begin(w, sizeof("\"review_reasons\":[\"anycast\","
							     "\"unknown_location\"]"))
			  : NULL;
	if (p) {
		EW_JSONW_LIT(p, "\"review_reasons\":[");
		if (place->review & EW_REVIEW_ANYCAST)
			EW_JSONW_LIT(p, "\"anycast\"");
		if ((place->review & EW_REVIEW_ANYCAST) && (place->review & EW_REVIEW_UNKNOWN))
			*p++ = ',';
		if (place->review & EW_REVIEW_UNKNOWN)
			EW_JSONW_LIT(p, "\"unknown_location\"");
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
}
