// SPDX-License-Identifier: GPL-2.0-only
#include "content/taxonomy.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "content/enums.h"
#include "util/jsoncheck.h"

struct ew_taxonomy {
	int n;
	struct ew_category *cats;
};

/* What the JSON holds before it is checked and copied into the taxonomy. */
struct raw_top {
	uint32_t version;
	char schema[1024];
};

struct raw_cat {
	char id[64];
	char name_zh[256];
	char name_en[256];
	char description[1024];
	int cls;
	bool subjects;
	uint32_t min_points;
};

struct raw_rec {
	char pattern[1024];
	char description[1024];
	int validator;
};

#define F(t, k, kind, member, lo, hi)                                                              \
	{                                                                                          \
		k, kind, offsetof(struct t, member), lo, hi, NULL                                  \
	}
#define SZ(t, m) sizeof(((struct t *)0)->m)
#define N(a)	 (sizeof(a) / sizeof((a)[0]))

static const struct ew_jc_field top_fields[] = {
    F(raw_top, "version", EW_JC_U32, version, 1, 1),
    F(raw_top, "categories", EW_JC_ARRAY, version, 0, 0),
    F(raw_top, "$schema", EW_JC_STRING, schema, 0, SZ(raw_top, schema)),
};

static const struct ew_jc_field cat_fields[] = {
    F(raw_cat, "id", EW_JC_STRING, id, 0, SZ(raw_cat, id)),
    F(raw_cat, "name_zh", EW_JC_STRING, name_zh, 0, SZ(raw_cat, name_zh)),
    F(raw_cat, "name_en", EW_JC_STRING, name_en, 0, SZ(raw_cat, name_en)),
    F(raw_cat, "description", EW_JC_STRING, description, 0, SZ(raw_cat, description)),
    {"class", EW_JC_ENUM, offsetof(struct raw_cat, cls), 0, 0, ew_class_names},
    F(raw_cat, "subjects", EW_JC_BOOL, subjects, 0, 0),
    F(raw_cat, "min_points", EW_JC_U32, min_points, 1, 1000000),
    F(raw_cat, "recognisers", EW_JC_ARRAY, id, 0, 0),
};

static const struct ew_jc_field rec_fields[] = {
    F(raw_rec, "pattern", EW_JC_STRING, pattern, 0, SZ(raw_rec, pattern)),
    F(raw_rec, "description", EW_JC_STRING, description, 0, SZ(raw_rec, description)),
    {"validator", EW_JC_ENUM, offsetof(struct raw_rec, validator), 0, 0, ew_validator_table},
};

static int require(struct ew_jc *jc, const cJSON *obj, const char *path, const char *const *keys)
{
	for (; *keys; keys++)
		if (!cJSON_GetObjectItemCaseSensitive(obj, *keys))
			return ew_jc_fail(jc, path, "missing \"%s\"", *keys);
	return 0;
}

static bool id_ok(const char *id)
{
	return id[0] && strlen(id) < EW_TAXONOMY_ID_MAX &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(id);
}

/* Hyperscan's view of one pattern: does it compile, and how wide can a match be. */
static int check_pattern(struct ew_jc *jc, const char *path, const char *pattern,
			 unsigned *max_width)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;
	int rc = 0;

	if (hs_expression_info(pattern, 0, &info, &cerr) != HS_SUCCESS) {
		rc = ew_jc_fail(jc, path, "Hyperscan cannot compile \"%s\": %s", pattern,
				cerr ? cerr->message : "unknown error");
		hs_free_compile_error(cerr);
		return rc;
	}
	if (info->max_width == UINT_MAX || info->max_width > EW_TAXONOMY_MAX_WIDTH)
		rc = ew_jc_fail(jc, path,
				"expected a pattern of bounded width (at most %d bytes: bound "
				"repeats, e.g. [0-9]{4,12} not [0-9]+), \"%s\" is %s",
				EW_TAXONOMY_MAX_WIDTH, pattern,
				info->max_width == UINT_MAX ? "unbounded" : "wider");
	else if (info->min_width == 0)
		rc = ew_jc_fail(jc, path, "pattern \"%s\" matches the empty string", pattern);
	*max_width = info->max_width;
	free(info);
	return rc;
}

/* The shortest value each validator accepts: a pattern narrower never hits. */
static unsigned min_width(enum ew_validator v)
{
	static const unsigned w[EW_VALID_COUNT] = {
	    [EW_VALID_NONE] = 1,	   [EW_VALID_VIN] = 17,	      [EW_VALID_LICENCE_PLATE] = 9,
	    [EW_VALID_MOBILE_NUMBER] = 11, [EW_VALID_ID_NUMBER] = 18, [EW_VALID_LATITUDE] = 6,
	    [EW_VALID_LONGITUDE] = 6,
	};

	return w[v];
}

static int load_recognisers(struct ew_jc *jc, const cJSON *arr, const char *cpath,
			    struct ew_category *c)
{
	static const char *const req[] = {"pattern", "validator", NULL};
	struct ew_recogniser *recs;
	const cJSON *v;
	char path[128];
	int n = cJSON_GetArraySize(arr), i = 0, rc;

	if (n > EW_TAXONOMY_MAX_RECOGNISERS) {
		snprintf(path, sizeof(path), "%s.recognisers", cpath);
		return ew_jc_fail(jc, path, "expected at most %d recognisers, got %d",
				  EW_TAXONOMY_MAX_RECOGNISERS, n);
	}
	if (n == 0)
		return 0;
	recs = calloc((size_t)n, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	c->recognisers = recs;
	cJSON_ArrayForEach(v, arr)
	{
		struct raw_rec raw = {.validator = -1};

		snprintf(path, sizeof(path), "%s.recognisers[%d]", cpath, i);
		rc = ew_jc_apply(jc, v, path, rec_fields, N(rec_fields), &raw);
		if (!rc)
			rc = require(jc, v, path, req);
		if (rc)
			return rc;
		snprintf(path, sizeof(path), "%s.recognisers[%d].pattern", cpath, i);
		rc = check_pattern(jc, path, raw.pattern, &recs[i].max_width);
		if (rc)
			return rc;
		recs[i].validator = (enum ew_validator)raw.validator;
		if (recs[i].max_width < min_width(recs[i].validator))
			return ew_jc_fail(
			    jc, path,
			    "pattern \"%s\" matches at most %u bytes: too few to hold "
			    "what validator \"%s\" checks (%u bytes or more), which "
			    "must end the match",
			    raw.pattern, recs[i].max_width, ew_validator_name(recs[i].validator),
			    min_width(recs[i].validator));
		recs[i].pattern = strdup(raw.pattern);
		c->n_recognisers = ++i;
		if (!recs[i - 1].pattern)
			return -ENOMEM;
	}
	return 0;
}

static int load_category(struct ew_jc *jc, const cJSON *obj, int i, struct ew_category *c)
{
	static const char *const req[] = {"id", "name_zh", "name_en", "class", NULL};
	struct raw_cat raw = {.min_points = EW_TAXONOMY_DEFAULT_MIN_POINTS};
	const cJSON *recs;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "$.categories[%d]", i);
	rc = ew_jc_apply(jc, obj, path, cat_fields, N(cat_fields), &raw);
	if (!rc)
		rc = require(jc, obj, path, req);
	if (rc)
		return rc;
	if (!id_ok(raw.id)) {
		snprintf(path, sizeof(path), "$.categories[%d].id", i);
		return ew_jc_fail(
		    jc, path, "expected 1 to %d characters of [a-z0-9_], like \"vin\", got \"%s\"",
		    EW_TAXONOMY_ID_MAX - 1, raw.id);
	}
	c->id = strdup(raw.id);
	c->name_zh = strdup(raw.name_zh);
	c->name_en = strdup(raw.name_en);
	if (!c->id || !c->name_zh || !c->name_en)
		return -ENOMEM;
	c->cls = (enum ew_class)(raw.cls + EW_CLASS_PI);
	c->subjects = raw.subjects;
	c->min_points = raw.min_points;
	recs = cJSON_GetObjectItemCaseSensitive(obj, "recognisers");
	return recs ? load_recognisers(jc, recs, path, c) : 0;
}

static int apply_doc(struct ew_jc *jc, const cJSON *doc, void *dst)
{
	static const char *const req[] = {"version", "categories", NULL};
	struct ew_taxonomy *t = dst;
	struct raw_top raw = {0};
	const cJSON *arr, *v;
	int n, rc;

	rc = ew_jc_apply(jc, doc, "$", top_fields, N(top_fields), &raw);
	if (!rc)
		rc = require(jc, doc, "$", req);
	if (rc)
		return rc;
	arr = cJSON_GetObjectItemCaseSensitive(doc, "categories");
	n = cJSON_GetArraySize(arr);
	if (n > EW_TAXONOMY_MAX_CATEGORIES)
		return ew_jc_fail(jc, "$.categories", "expected at most %d categories, got %d",
				  EW_TAXONOMY_MAX_CATEGORIES, n);
	t->cats = calloc(n ? (size_t)n : 1, sizeof(*t->cats));
	if (!t->cats)
		return -ENOMEM;
	cJSON_ArrayForEach(v, arr)
	{
		int i = t->n;

		rc = load_category(jc, v, i, &t->cats[i]);
		t->n++; /* counted also when half-filled, so that it is freed */
		if (rc)
			return rc;
		for (int j = 0; j < i; j++) {
			if (strcmp(t->cats[j].id, t->cats[i].id) == 0) {
				char path[64];

				snprintf(path, sizeof(path), "$.categories[%d].id", i);
				return ew_jc_fail(jc, path,
						  "duplicate id \"%s\" (also $.categories[%d].id)",
						  t->cats[i].id, j);
			}
		}
	}
	return 0;
}

static int load(const char *name, const char *text, struct ew_taxonomy **out, char *err,
		size_t errlen)
{
	struct ew_taxonomy *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	rc = ew_jc_load(name, text, apply_doc, t, err, errlen);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", name);
	if (rc) {
		ew_taxonomy_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int ew_taxonomy_load(const char *path, struct ew_taxonomy **out, char *err, size_t errlen)
{
	return load(path, NULL, out, err, errlen);
}

int ew_taxonomy_parse(const char *name, const char *text, struct ew_taxonomy **out, char *err,
		      size_t errlen)
{
	return load(name, text, out, err, errlen);
}

void ew_taxonomy_free(struct ew_taxonomy *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++) {
		struct ew_category *c = &t->cats[i];

		for (int j = 0; j < c->n_recognisers; j++)
			free((char *)c->recognisers[j].pattern);
		free((void *)c->recognisers);
		free((char *)c->id);
		free((char *)c->name_zh);
		free((char *)c->name_en);
	}
	free(t->cats);
	free(t);
}

int ew_taxonomy_count(const struct ew_taxonomy *t)
{
	return t->n;
}

const struct ew_category *ew_taxonomy_get(const struct ew_taxonomy *t, int i)
{
	return i >= 0 && i < t->n ? &t->cats[i] : NULL;
}

int ew_taxonomy_index(const struct ew_taxonomy *t, const struct ew_category *c)
{
	ptrdiff_t i = c && t->n ? c - t->cats : -1;

	return i >= 0 && i < t->n ? (int)i : -1;
}

const struct ew_category *ew_taxonomy_find(const struct ew_taxonomy *t, const char *id)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->cats[i].id, id) == 0)
			return &t->cats[i];
	return NULL;
}
