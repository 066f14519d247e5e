// SPDX-License-Identifier: GPL-2.0-only
/*
 * rules.c - the rules' defaults, dates and calendar, and the "thresholds",
 * "calendar" and "ciio" members. Channels and exemptions: channels.c; their
 * index: chanidx.c.
 */
#include "policy/rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/rules_parse.h"

static const char *const class_names[] = {"?", "pi", "sensitive_pi", "important_data"};
static const char *const route_names[] = {"security_assessment", "standard_contract",
					  "certification"};
static const char *const kind_names[] = {
    "security_incident", "ota_defect", "returned_abroad", "contract", "hr", "emergency",
    "ftz_negative_list", "gba",	       "no_pi_trade",
};

const char *ew_rules_class_name(enum ew_class c)
{
	return (unsigned int)c < EW_CLASSES ? class_names[c] : "?";
}

const char *ew_rules_chan_route_name(enum ew_channel_route r)
{
	return (unsigned int)r < 3 ? route_names[r] : "?";
}

const char *ew_rules_exempt_kind_name(enum ew_exempt_kind k)
{
	return (unsigned int)k < EW_EXEMPT_MAX ? kind_names[k] : "?";
}

int ew_rules_class_parse(const char *s)
{
	for (int i = 1; i < EW_CLASSES; i++)
		if (!strcmp(s, class_names[i]))
			return i;
	return -1;
}

bool ew_rules_exempt_attested(enum ew_exempt_kind k)
{
	return k >= EW_EXEMPT_CONTRACT;
}

void ew_rules_defaults(struct ew_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->th.pi_standard = 100000;
	r->th.pi_assessment = 1000000;
	r->th.sensitive_assessment = 10000;
	r->th.warn[0] = 0.8;
	r->th.warn[1] = 0.95;
	snprintf(r->th.timezone, sizeof(r->th.timezone), "Asia/Shanghai");
	r->th.tz_offset = 8 * 3600;
	r->th.exact_crossover = 2000000;
	r->cal.renew_working_days = 60;
}

static void scope_free(struct ew_scope *s)
{
	free(s->countries);
	free(s->nets);
	for (int i = 0; i < s->n_domains; i++)
		ew_glob_free(&s->domains[i]);
	free(s->domains);
	free(s->workloads);
	memset(s, 0, sizeof(*s));
}

void ew_rules_free(struct ew_rules *r)
{
	for (int i = 0; i < r->n_channels; i++)
		scope_free(&r->channels[i].scope);
	for (int i = 0; i < r->n_exemptions; i++)
		scope_free(&r->exemptions[i].scope);
	free(r->channels);
	free(r->exemptions);
	free(r->cats);
	free(r->cal.holidays);
	free(r->cal.working_weekends);
	ew_chanidx_free(&r->idx);
	ew_rules_defaults(r);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (era arithmetic). */
static int32_t days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int ew_rules_date_parse(const char *s, int32_t *day)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	y = atoi(s);
	m = (s[5] - '0') * 10 + s[6] - '0';
	d = (s[8] - '0') * 10 + s[9] - '0';
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -EINVAL;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -EINVAL;
	*day = days_from_civil(y, m, d);
	return 0;
}

void ew_rules_date_format(int32_t day, char buf[11])
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	snprintf(buf, 11, "%04d-%02d-%02d", y, (m % 13 + 13) % 13, (d % 32 + 32) % 32);
}

int ew_rules_year(int32_t day)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	return y;
}

int32_t ew_rules_day(const struct ew_rules *r, int64_t t)
{
	int64_t s = t + r->th.tz_offset;

	return (int32_t)(s >= 0 ? s / 86400 : -((-s + 86399) / 86400));
}

static bool in_sorted(const int32_t *v, int n, int32_t x)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == x;
}

bool ew_rules_working_day(const struct ew_calendar *c, int32_t day)
{
	/* 1970-01-01 was a Thursday: day % 7 == 2 is Saturday, 3 Sunday */
	int wd = (int)(((int64_t)day % 7 + 7) % 7);
	bool weekend = wd == 2 || wd == 3;

	if (weekend)
		return in_sorted(c->working_weekends, c->n_working_weekends, day);
	return !in_sorted(c->holidays, c->n_holidays, day);
}

int ew_rules_working_days(const struct ew_calendar *c, int32_t from, int32_t to)
{
	int n = 0;

	/* a bounded walk: approvals last years, not centuries */
	if (to - from > 40000)
		to = from + 40000;
	for (int32_t d = from + 1; d <= to; d++)
		n += ew_rules_working_day(c, d);
	return n;
}

static int tz_offset(const char *tz, int32_t *off)
{
	static const char *const east8[] = {
	    "Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi",
	    "PRC",	     "Asia/Hong_Kong", "Asia/Macau",  "Asia/Taipei"};
	int h, m;
	char sign, end;

	for (size_t i = 0; i < sizeof(east8) / sizeof(east8[0]); i++)
		if (!strcmp(tz, east8[i])) {
			/* China has kept UTC+8 without daylight saving since 1991 */
			*off = 8 * 3600;
			return 0;
		}
	if (!strcmp(tz, "UTC") || !strcmp(tz, "Etc/UTC") || !strcmp(tz, "GMT")) {
		*off = 0;
		return 0;
	}
	if (sscanf(tz, "UTC%c%2d:%2d%c", &sign, &h, &m, &end) == 3 &&
	    (sign == '+' || sign == '-') && strlen(tz) == 9 && h <= 14 && m < 60) {
		*off = (sign == '-' ? -1 : 1) * (h * 3600 + m * 60);
		return 0;
	}
	return -EINVAL;
}

int ew_rules_cat_index(const struct ew_rules *r, const char *id)
{
	for (int i = 0; i < r->n_cats; i++)
		if (!strcmp(r->cats[i], id))
			return i;
	return -1;
}

int ew_rules_intern(struct ew_rules *r, const char *id)
{
	int i = ew_rules_cat_index(r, id);

	if (i >= 0)
		return i;
	if (r->n_cats >= EW_RULES_MAX_CATS)
		return -ENOSPC;
	if (!r->cats && !(r->cats = calloc(EW_RULES_MAX_CATS, sizeof(*r->cats))))
		return -ENOMEM;
	snprintf(r->cats[r->n_cats], sizeof(r->cats[0]), "%s", id);
	return r->n_cats++;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static int parse_dates(struct ew_jc *jc, const cJSON *arr, const char *path, int32_t **out, int *n)
{
	const cJSON *v;
	char sub[96];
	int i = 0, bad = 0;

	if (!cJSON_IsArray(arr))
		return ew_jc_fail(jc, path, "expected an array of dates \"YYYY-MM-DD\"");
	if (cJSON_GetArraySize(arr) > EW_RULES_MAX_DATES)
		return ew_jc_fail(jc, path, "at most %d dates", EW_RULES_MAX_DATES);
	*out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	cJSON_ArrayForEach(v, arr)
	{
		snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
		if (!cJSON_IsString(v) || ew_rules_date_parse(v->valuestring, &(*out)[*n]))
			bad = ew_jc_fail(jc, sub, "expected a date \"YYYY-MM-DD\"");
		else
			(*n)++;
	}
	qsort(*out, (size_t)*n, sizeof(**out), cmp_i32);
	return bad;
}

/* A count of people: a whole number, at least 1. */
static int parse_count(struct ew_jc *jc, const cJSON *v, const char *path, uint64_t *out)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= 1e15) ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return ew_jc_fail(jc, path, "expected a whole number of people from 1 to 10^15");
	*out = (uint64_t)v->valuedouble;
	return 0;
}

static int parse_thresholds(struct ew_jc *jc, const cJSON *o, struct ew_thresholds *th)
{
	const cJSON *m;
	char sub[96];
	int bad = 0;

	if (!cJSON_IsObject(o))
		return ew_jc_fail(jc, "$.thresholds", "expected an object");
	cJSON_ArrayForEach(m, o)
	{
		snprintf(sub, sizeof(sub), "$.thresholds.%.60s", m->string);
		if (!strcmp(m->string, "pi_standard")) {
			bad |= parse_count(jc, m, sub, &th->pi_standard);
		} else if (!strcmp(m->string, "pi_assessment")) {
			bad |= parse_count(jc, m, sub, &th->pi_assessment);
		} else if (!strcmp(m->string, "sensitive_assessment")) {
			bad |= parse_count(jc, m, sub, &th->sensitive_assessment);
		} else if (!strcmp(m->string, "exact_crossover")) {
			bad |= parse_count(jc, m, sub, &th->exact_crossover);
		} else if (!strcmp(m->string, "pi_over_100k_is_important")) {
			if (!cJSON_IsBool(m))
				bad |= ew_jc_fail(jc, sub, "expected true or false");
			else
				th->pi_over_100k_is_important = cJSON_IsTrue(m);
		} else if (!strcmp(m->string, "timezone")) {
			if (!cJSON_IsString(m) || strlen(m->valuestring) >= sizeof(th->timezone) ||
			    tz_offset(m->valuestring, &th->tz_offset))
				bad |= ew_jc_fail(jc, sub,
						  "expected \"Asia/Shanghai\", \"UTC\" or a fixed "
						  "offset like \"UTC+08:00\"");
			else
				snprintf(th->timezone, sizeof(th->timezone), "%s", m->valuestring);
		} else if (!strcmp(m->string, "warn")) {
			const cJSON *a = cJSON_GetArrayItem(m, 0), *b = cJSON_GetArrayItem(m, 1);

			if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) != 2 || !cJSON_IsNumber(a) ||
			    !cJSON_IsNumber(b) || !(a->valuedouble > 0) ||
			    !(a->valuedouble < b->valuedouble) || !(b->valuedouble < 1)) {
				bad |= ew_jc_fail(jc, sub,
						  "expected two fractions 0 < a < b < 1, like "
						  "[0.8, 0.95]");
			} else {
				th->warn[0] = a->valuedouble;
				th->warn[1] = b->valuedouble;
			}
		} else {
			bad |= ew_jc_fail(jc, sub,
					  "unknown key (known keys: pi_standard, pi_assessment, "
					  "sensitive_assessment, warn, timezone, "
					  "pi_over_100k_is_important, exact_crossover)");
		}
	}
	if (!bad && th->pi_standard >= th->pi_assessment)
		bad = ew_jc_fail(jc, "$.thresholds.pi_assessment",
				 "expected more than pi_standard (%llu)",
				 (unsigned long long)th->pi_standard);
	return bad ? -EINVAL : 0;
}

static int parse_calendar(struct ew_jc *jc, const cJSON *o, struct ew_calendar *c)
{
	const cJSON *m;
	char sub[96];
	int bad = 0, rc;

	if (!cJSON_IsObject(o))
		return ew_jc_fail(jc, "$.calendar", "expected an object");
	cJSON_ArrayForEach(m, o)
	{
		snprintf(sub, sizeof(sub), "$.calendar.%.60s", m->string);
		if (!strcmp(m->string, "holidays") && !c->holidays) {
			rc = parse_dates(jc, m, sub, &c->holidays, &c->n_holidays);
		} else if (!strcmp(m->string, "working_weekends") && !c->working_weekends) {
			rc = parse_dates(jc, m, sub, &c->working_weekends, &c->n_working_weekends);
		} else if (!strcmp(m->string, "renew_working_days")) {
			rc = 0;
			if (!cJSON_IsNumber(m) ||
			    !(m->valuedouble >= 0 && m->valuedouble <= 1000) ||
			    m->valuedouble != (int)m->valuedouble)
				rc = ew_jc_fail(jc, sub, "expected a whole number from 0 to 1000");
			else
				c->renew_working_days = (int)m->valuedouble;
		} else {
			rc = ew_jc_fail(jc, sub,
					"unknown key (known keys: holidays, working_weekends, "
					"renew_working_days)");
		}
		if (rc == -ENOMEM)
			return rc;
		if (rc)
			bad = rc;
	}
	return bad;
}

int ew_rules_parse(struct ew_jc *jc, const cJSON *doc, int32_t today, struct ew_rules *r)
{
	const cJSON *v;
	int rc, bad = 0;

	/* the types of the members themselves were checked with the policy's other keys */
	r->ciio = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "ciio"));
	v = cJSON_GetObjectItemCaseSensitive(doc, "thresholds");
	if (cJSON_IsObject(v) && (rc = parse_thresholds(jc, v, &r->th)))
		bad = rc;
	v = cJSON_GetObjectItemCaseSensitive(doc, "calendar");
	if (cJSON_IsObject(v) && (rc = parse_calendar(jc, v, &r->cal))) {
		if (rc == -ENOMEM || !jc->diags)
			return rc;
		bad = rc;
	}
	if (bad && !jc->diags)
		return bad;
	v = cJSON_GetObjectItemCaseSensitive(doc, "channels");
	rc = cJSON_IsArray(v) ? ew_rules_parse_channels(jc, v, today, r) : 0;
	if (rc == -ENOMEM || (rc && !jc->diags))
		return rc;
	if (rc)
		bad = rc;
	v = cJSON_GetObjectItemCaseSensitive(doc, "exemptions");
	rc = cJSON_IsArray(v) ? ew_rules_parse_exemptions(jc, v, today, r) : 0;
	if (rc == -ENOMEM || (rc && !jc->diags))
		return rc;
	if (rc)
		bad = rc;
	if (bad)
		return bad;
	return ew_rules_index(r);
}
