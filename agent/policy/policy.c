// SPDX-License-Identifier: GPL-2.0-only
#include "policy/policy.h"

#include <ctype.h>
#include <stdlib.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/addr.h"
#include "util/jsoncheck.h"

void ew_policy_free(struct ew_policy *p)
{
	free(p->nets);
	p->nets = NULL;
	p->n_nets = 0;
	ew_labels_free(&p->labels);
	ew_rules_free(&p->rules);
}

void ew_policy_defaults(struct ew_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->version = 1;
	memcpy(p->domestic[0], "CN", 3);
	p->n_domestic = 1;
	ew_rules_defaults(&p->rules);
}

struct raw_policy {
	uint32_t version;
	char legal_entity[128];
	char schema[1024];
	bool ciio;
};

static const struct ew_jc_field fields[] = {
    {"version", EW_JC_U32, offsetof(struct raw_policy, version), 1, 1, NULL},
    {"legal_entity", EW_JC_STRING, offsetof(struct raw_policy, legal_entity), 0, 128, NULL},
    {"domestic_countries", EW_JC_ARRAY, 0, 0, 0, NULL},
    {"networks", EW_JC_ARRAY, 0, 0, 0, NULL},
    {"workloads", EW_JC_ARRAY, 0, 0, 0, NULL},
    {"destinations", EW_JC_ARRAY, 0, 0, 0, NULL},
    {"$schema", EW_JC_STRING, offsetof(struct raw_policy, schema), 0, 1024, NULL},
    {"ciio", EW_JC_BOOL, offsetof(struct raw_policy, ciio), 0, 0, NULL},
    {"channels", EW_JC_ARRAY, 0, 0, 0, NULL},
    {"exemptions", EW_JC_ARRAY, 0, 0, 0, NULL},
    {"thresholds", EW_JC_OBJECT, 0, 0, 0, NULL},
    {"calendar", EW_JC_OBJECT, 0, 0, 0, NULL},
};

struct load_ctx {
	struct ew_policy *p;
	int32_t today;
};

static bool iso_alpha2(const char *s)
{
	return s && strlen(s) == 2 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]);
}

static int apply_networks(struct ew_jc *jc, const cJSON *arr, struct ew_policy *p)
{
	const cJSON *v;
	char path[96];
	int i = 0, bad = 0;

	if (cJSON_GetArraySize(arr) > EW_POLICY_MAX_NETWORKS)
		return ew_jc_fail(jc, "$.networks", "at most %d networks", EW_POLICY_MAX_NETWORKS);
/* With a collector, the next network is checked after a mistake. */
#define NET_FAIL(...)                                                                              \
	do {                                                                                       \
		bad = ew_jc_fail(__VA_ARGS__);                                                     \
		if (!jc->diags)                                                                    \
			return bad;                                                                \
		goto next;                                                                         \
	} while (0)

	p->nets = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*p->nets));
	if (!p->nets)
		return -ENOMEM;
	cJSON_ArrayForEach(v, arr)
	{
		struct ew_policy_net *n = &p->nets[i];
		const cJSON *cidr = cJSON_GetObjectItemCaseSensitive(v, "cidr");
		const cJSON *cc = cJSON_GetObjectItemCaseSensitive(v, "country");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
		const cJSON *m;
		int rc;

		snprintf(path, sizeof(path), "$.networks[%d]", i);
		if (!cJSON_IsObject(v))
			NET_FAIL(jc, path, "expected an object with cidr, country, name");
		cJSON_ArrayForEach(m, v)
		{
			if (strcmp(m->string, "cidr") && strcmp(m->string, "country") &&
			    strcmp(m->string, "name"))
				NET_FAIL(jc, path,
					 "unknown key \"%s\" (known keys: cidr, country, name)",
					 m->string);
		}
		if (!cJSON_IsString(cidr))
			NET_FAIL(jc, path, "missing \"cidr\", e.g. \"10.20.0.0/16\"");
		rc = ew_cidr_parse(cidr->valuestring, n->addr, &n->prefix);
		if (rc == -EDOM)
			NET_FAIL(jc, path, "cidr \"%s\" has host bits set after the prefix length",
				 cidr->valuestring);
		if (rc)
			NET_FAIL(jc, path,
				 "cidr \"%s\" is not ADDRESS/PREFIX (like \"10.20.0.0/16\" "
				 "or \"2001:db8::/32\")",
				 cidr->valuestring);
		if (!cJSON_IsString(cc) || !iso_alpha2(cc->valuestring))
			NET_FAIL(jc, path,
				 "\"country\" must be an ISO 3166-1 alpha-2 code, like \"CN\"");
		memcpy(n->country, cc->valuestring, 3);
		if (name && (!cJSON_IsString(name) || strlen(name->valuestring) >= sizeof(n->name)))
			NET_FAIL(jc, path, "\"name\" must be a string under 64 bytes");
		if (name)
			snprintf(n->name, sizeof(n->name), "%s", name->valuestring);
	next:
		i++;
	}
	p->n_nets = i;
	return bad;
#undef NET_FAIL
}

static int apply_domestic(struct ew_jc *jc, const cJSON *arr, struct ew_policy *p)
{
	const cJSON *v;
	char path[64];
	int i = 0, bad = 0;

	if (cJSON_GetArraySize(arr) == 0 || cJSON_GetArraySize(arr) > EW_POLICY_MAX_COUNTRIES)
		return ew_jc_fail(jc, "$.domestic_countries",
				  "expected 1 to %d country codes, got %d", EW_POLICY_MAX_COUNTRIES,
				  cJSON_GetArraySize(arr));
	cJSON_ArrayForEach(v, arr)
	{
		snprintf(path, sizeof(path), "$.domestic_countries[%d]", i);
		if (!cJSON_IsString(v) || !iso_alpha2(v->valuestring)) {
			bad = ew_jc_fail(jc, path,
					 "expected an ISO 3166-1 alpha-2 code in capitals, like "
					 "\"CN\"");
			if (!jc->diags)
				return bad;
			p->n_domestic = 0;
			i++;
			continue;
		}
		memcpy(p->domestic[i++], v->valuestring, 3);
	}
	if (!bad)
		p->n_domestic = i;
	return bad;
}

/*
 * Each section is checked even when one before it failed, so that a
 * collector (check-policy, run) hears of every mistake at once.
 */
static int apply_fields(struct ew_jc *jc, const cJSON *doc, struct ew_policy *p, int32_t today)
{
	struct raw_policy raw = {.version = 1};
	const cJSON *arr;
	int rc, bad = 0;

#define STEP(expr)                                                                                 \
	do {                                                                                       \
		rc = (expr);                                                                       \
		if (rc == -ENOMEM || (rc && !jc->diags))                                           \
			return rc;                                                                 \
		if (rc)                                                                            \
			bad = rc;                                                                  \
	} while (0)

	STEP(ew_jc_apply(jc, doc, "$", fields, sizeof(fields) / sizeof(fields[0]), &raw));
	if (cJSON_IsObject(doc) && !cJSON_GetObjectItemCaseSensitive(doc, "version"))
		STEP(ew_jc_fail(jc, "$.version", "missing: add \"version\": 1"));
	if (!cJSON_IsObject(doc))
		return bad;
	p->version = (int)raw.version;
	memcpy(p->legal_entity, raw.legal_entity, sizeof(p->legal_entity));
	arr = cJSON_GetObjectItemCaseSensitive(doc, "networks");
	if (cJSON_IsArray(arr))
		STEP(apply_networks(jc, arr, p));
	STEP(ew_labels_parse(jc, cJSON_GetObjectItemCaseSensitive(doc, "workloads"),
			     cJSON_GetObjectItemCaseSensitive(doc, "destinations"), &p->labels));
	arr = cJSON_GetObjectItemCaseSensitive(doc, "domestic_countries");
	if (cJSON_IsArray(arr))
		STEP(apply_domestic(jc, arr, p));
	STEP(ew_rules_parse(jc, doc, today, &p->rules));
#undef STEP
	return bad;
}

static int apply_doc(struct ew_jc *jc, const cJSON *doc, void *dst)
{
	struct load_ctx *c = dst;

	return apply_fields(jc, doc, c->p, c->today);
}

int ew_policy_check(const char *path, const char *text, int32_t today, struct ew_policy *p,
		    struct ew_jc_diags *d)
{
	struct load_ctx c = {.p = p, .today = today};
	char first[1024];
	int rc;

	ew_policy_defaults(p);
	rc = ew_jc_load_diags(path, text, apply_doc, &c, d, first, sizeof(first));
	if (rc)
		ew_policy_free(p);
	return rc;
}

static int load_joined(const char *name, const char *text, struct ew_policy *p, char *err,
		       size_t errlen)
{
	struct ew_jc_diags d = {0};
	int rc = ew_policy_check(name, text, EW_RULES_NO_DATE, p, &d);

	if (rc && errlen) {
		ew_jc_diags_join(&d, name, err, errlen);
		/* an I/O error's message already names the file */
		if (d.n == 1 && !d.v[0].path[0])
			snprintf(err, errlen, "%s:%s%s", name,
				 isdigit((unsigned char)d.v[0].msg[0]) ? "" : " ", d.v[0].msg);
	}
	ew_jc_diags_free(&d);
	return rc;
}

int ew_policy_parse(const char *name, const char *text, struct ew_policy *p, char *err,
		    size_t errlen)
{
	return load_joined(name, text, p, err, errlen);
}

int ew_policy_load(const char *path, struct ew_policy *p, char *err, size_t errlen)
{
	return load_joined(path, NULL, p, err, errlen);
}

/* strcmp() for codes of at most two letters in char[3]: it runs on every record. */
static bool same_code(const char *a, const char *b)
{
	return a[0] == b[0] && (!a[0] || (a[1] == b[1] && (!a[1] || a[2] == b[2])));
}

bool ew_policy_domestic(const struct ew_policy *p, const char *cc)
{
	for (int i = 0; i < p->n_domestic; i++)
		if (same_code(p->domestic[i], cc))
			return true;
	return false;
}

int ew_policy_load_or_default(const char *path, struct ew_policy *p, char *err, size_t errlen)
{
	int rc = ew_policy_load(path ? path : EW_DEFAULT_POLICY, p, err, errlen);

	if (rc == -ENOENT && !path) {
		ew_policy_defaults(p);
		return 1;
	}
	return rc;
}
