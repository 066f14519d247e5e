// SPDX-License-Identifier: GPL-2.0-only
/*
 * channels.c - the policy's "channels" (approved export routes) and
 * "exemptions" (the nine scenarios), with the scope both share. Every
 * mistake in an entry is reported, then the next entry is checked.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/rules_parse.h"
#include "util/addr.h"

#define BAD(rc)                                                                                    \
	do {                                                                                       \
		int rc_ = (rc);                                                                    \
		if (rc_ == -ENOMEM)                                                                \
			return rc_;                                                                \
		if (rc_)                                                                           \
			bad = rc_;                                                                 \
	} while (0)

static bool alpha2(const char *s)
{
	return strlen(s) == 2 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]);
}

static bool category_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 31)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static bool domain_glob(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    !strchr(".-_*", s[i]))
			return false;
	return true;
}

static const cJSON *array_of(struct ew_jc *jc, const cJSON *v, const char *path, int max, int *bad)
{
	if (!cJSON_IsArray(v)) {
		*bad = ew_jc_fail(jc, path, "expected an array");
		return NULL;
	}
	if (cJSON_GetArraySize(v) > max) {
		*bad = ew_jc_fail(jc, path, "at most %d entries", max);
		return NULL;
	}
	return v;
}

static int scope_categories(struct ew_jc *jc, const cJSON *v, const char *path, struct ew_scope *s,
			    struct ew_rules *r)
{
	const cJSON *e;
	char sub[192];
	int i = 0, bad = 0, k;

	if (!array_of(jc, v, path, EW_RULES_MAX_CATS, &bad))
		return bad;
	s->has_cats = true;
	cJSON_ArrayForEach(e, v)
	{
		snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
		if (!cJSON_IsString(e) || !category_id(e->valuestring)) {
			bad = ew_jc_fail(jc, sub,
					 "expected a category id like \"vin\" or a class (\"pi\", "
					 "\"sensitive_pi\", \"important_data\")");
			continue;
		}
		k = ew_rules_class_parse(e->valuestring);
		if (k >= 0) {
			s->classes |= (uint8_t)(1u << k);
			continue;
		}
		k = ew_rules_intern(r, e->valuestring);
		if (k == -ENOMEM)
			return k;
		if (k < 0)
			bad = ew_jc_fail(jc, sub, "more than %d distinct categories",
					 EW_RULES_MAX_CATS);
		else
			ew_bits_set(&s->cats, (unsigned int)k);
	}
	return bad;
}

static int scope_countries(struct ew_jc *jc, const cJSON *v, const char *path, struct ew_scope *s)
{
	const cJSON *e;
	char sub[192];
	int i = 0, bad = 0;

	if (!array_of(jc, v, path, EW_RULES_MAX_COUNTRIES, &bad))
		return bad;
	s->countries = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*s->countries));
	if (!s->countries)
		return -ENOMEM;
	cJSON_ArrayForEach(e, v)
	{
		snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
		if (!cJSON_IsString(e) || !alpha2(e->valuestring))
			bad = ew_jc_fail(jc, sub,
					 "expected an ISO 3166-1 alpha-2 code in capitals, like "
					 "\"DE\"");
		else
			s->countries[s->n_countries++] =
			    (uint16_t)(e->valuestring[0] << 8 | e->valuestring[1]);
	}
	return bad;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int scope_networks(struct ew_jc *jc, const cJSON *v, const char *path, struct ew_scope *s)
{
	const cJSON *e;
	char sub[192];
	int i = 0, bad = 0;

	if (!array_of(jc, v, path, EW_RULES_MAX_NETS, &bad))
		return bad;
	s->nets = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*s->nets));
	if (!s->nets)
		return -ENOMEM;
	cJSON_ArrayForEach(e, v)
	{
		uint8_t a[16], pfx;
		int rc = -EINVAL;

		snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
		if (cJSON_IsString(e))
			rc = ew_cidr_parse(e->valuestring, a, &pfx);
		if (rc == -EDOM) {
			bad = ew_jc_fail(jc, sub, "host bits set after the prefix length");
		} else if (rc) {
			bad = ew_jc_fail(jc, sub,
					 "expected ADDRESS/PREFIX like \"203.0.113.0/24\" or "
					 "\"2001:db8::/32\"");
		} else {
			struct ew_rule_net *n = &s->nets[s->n_nets++];

			n->hi = be64(a);
			n->lo = be64(a + 8);
			n->prefix = pfx;
		}
	}
	return bad;
}

static int scope_domains(struct ew_jc *jc, const cJSON *v, const char *path, struct ew_scope *s)
{
	const cJSON *e;
	char sub[192];
	int i = 0, bad = 0;

	if (!array_of(jc, v, path, EW_RULES_MAX_DOMAINS, &bad))
		return bad;
	s->domains = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*s->domains));
	if (!s->domains)
		return -ENOMEM;
	cJSON_ArrayForEach(e, v)
	{
		const char *why = NULL;
		int rc;

		snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
		if (!cJSON_IsString(e) || !domain_glob(e->valuestring)) {
			bad = ew_jc_fail(jc, sub,
					 "expected a lowercase domain or glob like "
					 "\"*.example.com\"");
			continue;
		}
		rc = ew_glob_compile(&s->domains[s->n_domains], e->valuestring, &why);
		if (rc == -ENOMEM)
			return rc;
		if (rc) {
			ew_glob_free(&s->domains[s->n_domains]);
			bad = ew_jc_fail(jc, sub, "%s", why ? why : "not a glob");
		} else {
			s->n_domains++;
		}
	}
	return bad;
}

static int scope_workloads(struct ew_jc *jc, const cJSON *v, const char *path, struct ew_scope *s)
{
	const cJSON *e;
	char sub[192];
	int i = 0, bad = 0;

	if (!array_of(jc, v, path, EW_RULES_MAX_WORKLOADS, &bad))
		return bad;
	s->workloads = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*s->workloads));
	if (!s->workloads)
		return -ENOMEM;
	cJSON_ArrayForEach(e, v)
	{
		snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
		if (!cJSON_IsString(e) || !e->valuestring[0] ||
		    strlen(e->valuestring) >= EW_RULES_ID_LEN || ew_jc_has_control(e->valuestring))
			bad = ew_jc_fail(jc, sub, "expected a workload name (of \"workloads\")");
		else
			snprintf(s->workloads[s->n_workloads++], EW_RULES_ID_LEN, "%s",
				 e->valuestring);
	}
	return bad;
}

/* One scope member: 1 when @key is not one. */
static int scope_member(struct ew_jc *jc, const cJSON *m, const char *path, struct ew_scope *s,
			struct ew_rules *r)
{
	if (!strcmp(m->string, "categories"))
		return s->has_cats ? 0 : scope_categories(jc, m, path, s, r);
	if (!strcmp(m->string, "countries"))
		return s->countries ? 0 : scope_countries(jc, m, path, s);
	if (!strcmp(m->string, "networks"))
		return s->nets ? 0 : scope_networks(jc, m, path, s);
	if (!strcmp(m->string, "domains"))
		return s->domains ? 0 : scope_domains(jc, m, path, s);
	if (!strcmp(m->string, "workloads"))
		return s->workloads ? 0 : scope_workloads(jc, m, path, s);
	return 1;
}

static int str_member(struct ew_jc *jc, const cJSON *m, const char *path, char *dst, size_t len)
{
	if (!cJSON_IsString(m) || !m->valuestring[0] || strlen(m->valuestring) >= len ||
	    ew_jc_has_control(m->valuestring))
		return ew_jc_fail(jc, path, "expected a string of 1 to %zu bytes", len - 1);
	memcpy(dst, m->valuestring, strlen(m->valuestring) + 1);
	return 0;
}

static int date_member(struct ew_jc *jc, const cJSON *m, const char *path, int32_t *day)
{
	if (!cJSON_IsString(m) || ew_rules_date_parse(m->valuestring, day))
		return ew_jc_fail(jc, path, "expected a date \"YYYY-MM-DD\"");
	return 0;
}

static int enum_member(struct ew_jc *jc, const cJSON *m, const char *path, const char *(*name)(int),
		       int n, int *out, const char *expect)
{
	for (int i = 0; cJSON_IsString(m) && i < n; i++)
		if (!strcmp(m->valuestring, name(i))) {
			*out = i;
			return 0;
		}
	return ew_jc_fail(jc, path, "expected one of %s", expect);
}

static const char *route_name(int i)
{
	return ew_rules_chan_route_name((enum ew_channel_route)i);
}

static const char *kind_name(int i)
{
	return ew_rules_exempt_kind_name((enum ew_exempt_kind)i);
}

static bool id_taken(const struct ew_rules *r, const char *id, const void *self)
{
	for (int i = 0; i < r->n_channels; i++)
		if (&r->channels[i] != self && !strcmp(r->channels[i].id, id))
			return true;
	for (int i = 0; i < r->n_exemptions; i++)
		if (&r->exemptions[i] != self && !strcmp(r->exemptions[i].id, id))
			return true;
	return false;
}

static int parse_channel(struct ew_jc *jc, const cJSON *o, const char *path, int32_t today,
			 struct ew_channel *c, struct ew_rules *r)
{
	bool seen_route = false, seen_from = false, seen_until = false;
	const cJSON *m;
	char sub[192];
	int bad = 0, k;

	c->valid_from = c->valid_until = EW_RULES_NO_DATE;
	if (!cJSON_IsObject(o))
		return ew_jc_fail(jc, path, "expected an object");
	cJSON_ArrayForEach(m, o)
	{
		snprintf(sub, sizeof(sub), "%s.%.60s", path, m->string);
		if (!strcmp(m->string, "id")) {
			BAD(str_member(jc, m, sub, c->id, sizeof(c->id)));
		} else if (!strcmp(m->string, "route")) {
			k = 0;
			BAD(enum_member(jc, m, sub, route_name, 3, &k,
					"\"security_assessment\", \"standard_contract\", "
					"\"certification\""));
			c->route = (enum ew_channel_route)k;
			seen_route = true;
		} else if (!strcmp(m->string, "reference")) {
			BAD(str_member(jc, m, sub, c->reference, sizeof(c->reference)));
		} else if (!strcmp(m->string, "recipient")) {
			BAD(str_member(jc, m, sub, c->recipient, sizeof(c->recipient)));
		} else if (!strcmp(m->string, "valid_from")) {
			BAD(date_member(jc, m, sub, &c->valid_from));
			seen_from = true;
		} else if (!strcmp(m->string, "valid_until")) {
			BAD(date_member(jc, m, sub, &c->valid_until));
			seen_until = true;
		} else if (!strcmp(m->string, "people_cap")) {
			if (!cJSON_IsNumber(m) ||
			    !(m->valuedouble >= 1 && m->valuedouble <= 1e15) ||
			    m->valuedouble != (double)(uint64_t)m->valuedouble)
				bad = ew_jc_fail(jc, sub, "expected a whole number of people >= 1");
			else
				c->people_cap = (uint64_t)m->valuedouble;
			c->has_cap = true;
		} else if ((k = scope_member(jc, m, sub, &c->scope, r)) != 1) {
			BAD(k);
		} else {
			bad =
			    ew_jc_fail(jc, sub,
				       "unknown key (known keys: id, route, reference, recipient, "
				       "countries, networks, domains, categories, valid_from, "
				       "valid_until, people_cap)");
		}
	}
	if (!c->id[0] && !cJSON_GetObjectItemCaseSensitive(o, "id"))
		bad = ew_jc_fail(jc, path, "missing \"id\"");
	else if (c->id[0] && id_taken(r, c->id, c))
		bad = ew_jc_fail(jc, path, "id \"%s\" is used twice", c->id);
	if (!seen_route)
		bad = ew_jc_fail(jc, path, "missing \"route\"");
	if (!cJSON_GetObjectItemCaseSensitive(o, "reference"))
		bad = ew_jc_fail(jc, path, "missing \"reference\" (the approval or filing number)");
	if (!seen_from)
		bad = ew_jc_fail(jc, path, "missing \"valid_from\"");
	if (!seen_until)
		bad = ew_jc_fail(jc, path, "missing \"valid_until\"");
	if (!c->scope.has_cats)
		bad = ew_jc_fail(jc, path, "missing \"categories\": what the channel may carry");
	if (!cJSON_GetObjectItemCaseSensitive(o, "countries") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "networks") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "domains"))
		bad = ew_jc_fail(jc, path, "give \"countries\", \"networks\" or \"domains\"");
	if (c->valid_from != EW_RULES_NO_DATE && c->valid_until != EW_RULES_NO_DATE &&
	    c->valid_until < c->valid_from)
		ew_jc_warn(jc, path, "valid_until is before valid_from: the channel never applies");
	else if (today != EW_RULES_NO_DATE && c->valid_until != EW_RULES_NO_DATE &&
		 c->valid_until < today)
		ew_jc_warn(jc, path, "channel \"%s\" has expired", c->id);
	return bad;
}

int ew_rules_parse_channels(struct ew_jc *jc, const cJSON *arr, int32_t today, struct ew_rules *r)
{
	const cJSON *o;
	char path[64];
	int i = 0, bad = 0;

	if (!arr)
		return 0;
	if (!array_of(jc, arr, "$.channels", EW_RULES_MAX_CHANNELS, &bad))
		return bad;
	r->channels = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*r->channels));
	if (!r->channels)
		return -ENOMEM;
	cJSON_ArrayForEach(o, arr)
	{
		struct ew_channel *c = &r->channels[r->n_channels++];

		snprintf(path, sizeof(path), "$.channels[%d]", i++);
		BAD(parse_channel(jc, o, path, today, c, r));
		if (bad && !jc->diags)
			return bad;
	}
	return bad;
}

static int parse_exemption(struct ew_jc *jc, const cJSON *o, const char *path,
			   struct ew_exemption *e, struct ew_rules *r)
{
	bool seen_kind = false;
	const cJSON *m, *s;
	char sub[192];
	int bad = 0, k;

	e->filed_on = e->attested_on = EW_RULES_NO_DATE;
	if (!cJSON_IsObject(o))
		return ew_jc_fail(jc, path, "expected an object");
	cJSON_ArrayForEach(m, o)
	{
		snprintf(sub, sizeof(sub), "%s.%.60s", path, m->string);
		if (!strcmp(m->string, "id")) {
			BAD(str_member(jc, m, sub, e->id, sizeof(e->id)));
		} else if (!strcmp(m->string, "kind")) {
			k = 0;
			BAD(enum_member(jc, m, sub, kind_name, EW_EXEMPT_MAX, &k,
					"\"security_incident\", \"ota_defect\", "
					"\"returned_abroad\", \"contract\", \"hr\", "
					"\"emergency\", \"ftz_negative_list\", \"gba\", "
					"\"no_pi_trade\""));
			e->kind = (enum ew_exempt_kind)k;
			seen_kind = true;
		} else if (!strcmp(m->string, "reference")) {
			BAD(str_member(jc, m, sub, e->reference, sizeof(e->reference)));
		} else if (!strcmp(m->string, "purpose")) {
			BAD(str_member(jc, m, sub, e->purpose, sizeof(e->purpose)));
		} else if (!strcmp(m->string, "attested_by")) {
			BAD(str_member(jc, m, sub, e->attested_by, sizeof(e->attested_by)));
		} else if (!strcmp(m->string, "filed_on")) {
			BAD(date_member(jc, m, sub, &e->filed_on));
		} else if (!strcmp(m->string, "attested_on")) {
			BAD(date_member(jc, m, sub, &e->attested_on));
		} else if (!strcmp(m->string, "scope")) {
			if (!cJSON_IsObject(m)) {
				bad = ew_jc_fail(jc, sub, "expected an object");
				continue;
			}
			cJSON_ArrayForEach(s, m)
			{
				char sub2[256];

				snprintf(sub2, sizeof(sub2), "%.180s.%.60s", sub, s->string);
				k = scope_member(jc, s, sub2, &e->scope, r);
				if (k == 1)
					k = ew_jc_fail(jc, sub2,
						       "unknown key (known keys: categories, "
						       "countries, networks, domains, workloads)");
				BAD(k);
			}
		} else {
			bad = ew_jc_fail(jc, sub,
					 "unknown key (known keys: id, kind, reference, filed_on, "
					 "purpose, attested_by, attested_on, scope)");
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(o, "id"))
		bad = ew_jc_fail(jc, path, "missing \"id\"");
	else if (e->id[0] && id_taken(r, e->id, e))
		bad = ew_jc_fail(jc, path, "id \"%s\" is used twice", e->id);
	if (!seen_kind)
		bad = ew_jc_fail(jc, path, "missing \"kind\"");
	if (seen_kind && !ew_rules_exempt_attested(e->kind) &&
	    e->kind != EW_EXEMPT_RETURNED_ABROAD &&
	    (!e->reference[0] || e->filed_on == EW_RULES_NO_DATE))
		ew_jc_warn(jc, path,
			   "needs \"reference\" and \"filed_on\": exemption \"%s\" applies to "
			   "nothing until they are filled in",
			   e->id);
	if (seen_kind && ew_rules_exempt_attested(e->kind) &&
	    (!e->attested_by[0] || e->attested_on == EW_RULES_NO_DATE))
		ew_jc_warn(jc, path,
			   "no \"attested_by\" and \"attested_on\": exemption \"%s\" needs a "
			   "human attestation before it applies",
			   e->id);
	return bad;
}

int ew_rules_parse_exemptions(struct ew_jc *jc, const cJSON *arr, int32_t today, struct ew_rules *r)
{
	const cJSON *o;
	char path[64];
	int i = 0, bad = 0;

	(void)today;
	if (!arr)
		return 0;
	if (!array_of(jc, arr, "$.exemptions", EW_RULES_MAX_EXEMPTIONS, &bad))
		return bad;
	r->exemptions = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*r->exemptions));
	if (!r->exemptions)
		return -ENOMEM;
	cJSON_ArrayForEach(o, arr)
	{
		struct ew_exemption *e = &r->exemptions[r->n_exemptions++];

		snprintf(path, sizeof(path), "$.exemptions[%d]", i++);
		BAD(parse_exemption(jc, o, path, e, r));
		if (bad && !jc->diags)
			return bad;
	}
	return bad;
}
