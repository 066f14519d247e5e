// SPDX-License-Identifier: GPL-2.0-only
#include "alert/alert_line.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "alert/alert.h"
#include "util/str.h"

/* @a.@b nested, else the dotted key "a.b" (both shapes are ECS). */
static const cJSON *field(const cJSON *root, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, a);
	char dotted[64];

	if (!b)
		return o;
	if (cJSON_IsObject(o)) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, b);

		if (v)
			return v;
	}
	snprintf(dotted, sizeof(dotted), "%s.%s", a, b);
	return cJSON_GetObjectItemCaseSensitive(root, dotted);
}

static void copy_str(char *dst, size_t n, const cJSON *v)
{
	dst[0] = '\0';
	if (cJSON_IsString(v) && v->valuestring)
		ew_strlcpy(dst, v->valuestring, n);
}

/* ECS event.severity back to a level, by the quarter it falls in. */
static int sev_from_ecs(double v)
{
	return v <= 25	 ? EW_SEV_LOW
	       : v <= 50 ? EW_SEV_MEDIUM
	       : v <= 75 ? EW_SEV_HIGH
			 : EW_SEV_CRITICAL;
}

int ew_alert_line_parse(const char *line, size_t len, struct ew_alert_line *out)
{
	cJSON *root = cJSON_ParseWithLength(line, len);
	const cJSON *v;
	char name[16];

	memset(out, 0, sizeof(*out));
	out->time_ns = EW_ALERT_TIME_NONE;
	out->severity = -1;
	out->rule = -1;
	out->count = 1;
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return -EINVAL;
	}
	copy_str(out->time, sizeof(out->time), field(root, "@timestamp", NULL));
	if (out->time[0] && ew_alert_time_parse(out->time, &out->time_ns))
		out->time_ns = EW_ALERT_TIME_NONE;

	copy_str(name, sizeof(name), field(root, "egresswatch", "severity"));
	out->severity = ew_severity_by_name(name);
	if (out->severity < 0) {
		v = field(root, "event", "severity");
		if (cJSON_IsNumber(v))
			out->severity = sev_from_ecs(v->valuedouble);
	}
	copy_str(out->rule_id, sizeof(out->rule_id), field(root, "rule", "id"));
	out->rule = out->rule_id[0] ? ew_alert_rule_by_id(out->rule_id) : -1;

	v = field(root, "egresswatch", "alert");
	v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "count")
			      : cJSON_GetObjectItemCaseSensitive(root, "egresswatch.alert.count");
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 1e18)
		out->count = (uint64_t)v->valuedouble;
	copy_str(out->message, sizeof(out->message), field(root, "message", NULL));
	cJSON_Delete(root);
	return 0;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -EINVAL;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

int ew_alert_time_parse(const char *s, int64_t *ns)
{
	const char *p = s;
	struct tm tm = {0};
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t frac = 0, scale = 1000000000;
	time_t t;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return -EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
	    digits(&p, 2, &sec))
		return -EINVAL;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	t -= (time_t)sign * (oh * 3600 + om * 60);
	/* nanoseconds in 64 bits reach 1677 to 2262 */
	if (t >= INT64_MAX / 1000000000 || t <= INT64_MIN / 1000000000)
		return -EINVAL;
	*ns = (int64_t)t * 1000000000 + frac;
	return 0;
}

int ew_alert_since_parse(const char *s, int64_t now_ns, int64_t *ns)
{
	char *end;
	unsigned long long v;
	int64_t unit;

	if (!ew_alert_time_parse(s, ns))
		return 0;
	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end[0] == '\0' || end[1] != '\0')
		return -EINVAL;
	switch (end[0]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		return -EINVAL;
	}
	if (v > (unsigned long long)(INT64_MAX / 1000000000 / unit))
		return -EINVAL;
	*ns = now_ns - (int64_t)v * unit * 1000000000;
	return 0;
}

bool ew_alert_filter_match(const struct ew_alert_filter *f, const struct ew_alert_line *l)
{
	if (f->since_ns != EW_ALERT_TIME_NONE &&
	    (l->time_ns == EW_ALERT_TIME_NONE || l->time_ns < f->since_ns))
		return false;
	if (f->min_severity >= 0 && l->severity < f->min_severity)
		return false;
	if (f->rule >= 0 && l->rule != f->rule)
		return false;
	return true;
}
