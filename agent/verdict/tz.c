// SPDX-License-Identifier: GPL-2.0-only
/* TZif as RFC 8536 describes it: a version 1 block, then for version 2+ a 64-bit one and a footer.
 */
#include "verdict/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/regfile.h"

#define TZ_FILE_MAX (1 << 20)

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* [+-]hh[:mm[:ss]] at *s; hours up to 24 (POSIX allows 0-24, plus 167 for v3 we need not). */
static bool parse_hms(const char **s, int32_t *secs, bool sign_required)
{
	const char *p = *s;
	int sign = 1, h = 0, m = 0, sec = 0, nd = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	else if (sign_required)
		return false;
	while (*p >= '0' && *p <= '9' && nd < 3)
		h = h * 10 + (*p++ - '0'), nd++;
	if (!nd || h > 167)
		return false;
	if (*p == ':') {
		p++;
		if (!(p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9'))
			return false;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':') {
			p++;
			if (!(p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9'))
				return false;
			sec = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
	}
	*secs = sign * (h * 3600 + m * 60 + sec);
	*s = p;
	return true;
}

static bool fixed_offset(const char *name, int32_t *off)
{
	const char *p = name;

	if (!strncmp(p, "UTC", 3))
		p += 3;
	else if (!strncmp(p, "GMT", 3))
		p += 3;
	else if (*p != '+' && *p != '-')
		return false;
	if (!*p) {
		*off = 0;
		return true;
	}
	if (!parse_hms(&p, off, true) || *p || *off > 14 * 3600 || *off < -12 * 3600)
		return false;
	return true;
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= sizeof(((struct ew_tz *)0)->name) || name[0] == '/' || strstr(name, ".."))
		return false;
	return strspn(name,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-:") == n;
}

/* The footer's POSIX TZ rule, when it is a standard time alone ("CST-8"): its offset. */
static void footer(struct ew_tz *tz, const uint8_t *p, size_t n)
{
	char rule[64];
	const char *s = rule;
	int32_t west;

	if (n < 2 || p[0] != '\n')
		return;
	const uint8_t *end = memchr(p + 1, '\n', n - 1);

	if (!end || (size_t)(end - p - 1) >= sizeof(rule))
		return;
	memcpy(rule, p + 1, (size_t)(end - p - 1));
	rule[end - p - 1] = 0;
	if (*s == '<') {
		s = strchr(s, '>');
		if (!s)
			return;
		s++;
	} else {
		while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
			s++;
	}
	if (s == rule || !parse_hms(&s, &west, false) || *s)
		return; /* daylight saving, or nothing: the last transition holds */
	tz->after = -west;
	tz->after_known = 1;
}

static int parse(struct ew_tz *tz, const uint8_t *b, size_t len, char *err, size_t errlen)
{
	uint32_t cnt[6];
	size_t off = 0, tsz = 4, body;
	const uint8_t *types;

	for (int pass = 0; pass < 2; pass++) {
		if (len - off < 44 || memcmp(b + off, "TZif", 4)) {
			ew_seterr(err, errlen, "no TZif header at byte %zu", off);
			return -EINVAL;
		}
		for (int i = 0; i < 6; i++)
			cnt[i] = be32(b + off + 20 + 4 * i);
		/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
		if (cnt[3] > 100000 || cnt[4] == 0 || cnt[4] > 256 || cnt[5] > 100000 ||
		    cnt[2] > 100000 || cnt[0] > 256 || cnt[1] > 256) {
			ew_seterr(err, errlen, "implausible counts in the TZif header");
			return -EINVAL;
		}
		body = cnt[3] * tsz + cnt[3] + cnt[4] * 6 + cnt[5] + cnt[2] * (tsz + 4) + cnt[1] +
		       cnt[0];
		if (len - off - 44 < body) {
			ew_seterr(err, errlen, "TZif data truncated (%zu bytes, %zu needed)", len,
				  off + 44 + body);
			return -EINVAL;
		}
		if (pass == 0 && b[off + 4] >= '2') {
			off += 44 + body;
			tsz = 8;
			continue;
		}
		break;
	}
	const uint8_t *times = b + off + 44, *idx = times + cnt[3] * tsz;

	types = idx + cnt[3];
	tz->n = cnt[3];
	tz->at = calloc(tz->n ? tz->n : 1, sizeof(*tz->at));
	tz->off = calloc(tz->n ? tz->n : 1, sizeof(*tz->off));
	if (!tz->at || !tz->off)
		return -ENOMEM;
	for (uint32_t i = 0; i < tz->n; i++) {
		if (idx[i] >= cnt[4]) {
			ew_seterr(err, errlen, "transition %u names type %u of %u", i, idx[i],
				  cnt[4]);
			return -EINVAL;
		}
		tz->at[i] = tsz == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		if (i && tz->at[i] <= tz->at[i - 1]) {
			ew_seterr(err, errlen, "transition times not ascending at %u", i);
			return -EINVAL;
		}
		tz->off[i] = (int32_t)be32(types + 6 * idx[i]);
	}
	/* Before the first transition: the first standard-time type, as RFC 8536 suggests type 0.
	 */
	tz->before = (int32_t)be32(types);
	tz->after_known = 0;
	if (tsz == 8)
		footer(tz, b + off + 44 + body, len - off - 44 - body);
	return 0;
}

int ew_tz_load(struct ew_tz *tz, const char *name, const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd, r;

	*tz = (struct ew_tz){0};
	if (!name || !*name)
		name = EW_TZ_DEFAULT;
	if (!name_ok(name)) {
		ew_seterr(err, errlen, "time zone name '%.64s' is not a zone name or a UTC offset",
			  name);
		return -EINVAL;
	}
	snprintf(tz->name, sizeof(tz->name), "%s", name);
	if (fixed_offset(name, &tz->before)) {
		tz->after = tz->before;
		tz->after_known = 1;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : EW_TZ_ZONEINFO_DIR, name);
	fd = ew_regfile_open(path, &st);
	if (fd < 0) {
		ew_seterr(err, errlen, "unknown time zone '%s': %s: %s", name, path,
			  fd == -EINVAL ? "not a regular file" : strerror(-fd));
		return fd == -EINVAL ? -EINVAL : -ENOENT;
	}
	if (st.st_size > TZ_FILE_MAX) {
		close(fd);
		ew_seterr(err, errlen, "%s: %lld bytes, too large for a zone file", path,
			  (long long)st.st_size);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		ew_seterr(err, errlen, "%s: short read", path);
		return -EIO;
	}
	r = parse(tz, buf, (size_t)n, err, errlen);
	free(buf);
	if (r) {
		char why[160];

		snprintf(why, sizeof(why), "%s", err ? err : "");
		ew_seterr(err, errlen, "%s: %s", path, why);
		ew_tz_free(tz);
	}
	return r;
}

int32_t ew_tz_offset(const struct ew_tz *tz, int64_t t)
{
	uint32_t lo = 0, hi = tz->n;

	if (!tz->n || t < tz->at[0])
		return tz->n ? tz->before : (tz->after_known ? tz->after : tz->before);
	if (t >= tz->at[tz->n - 1])
		return tz->after_known ? tz->after : tz->off[tz->n - 1];
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (tz->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->off[lo];
}

/* The civil year of a day count from 1970-01-01 (Howard Hinnant's days_from_civil, inverted). */
static int year_of_days(int64_t z)
{
	int64_t era, doe, yoe, doy, mp, y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return (int)(y + (mp >= 10));
}

int ew_tz_year(const struct ew_tz *tz, int64_t t)
{
	int64_t local = t + ew_tz_offset(tz, t);
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;

	return year_of_days(days);
}

void ew_tz_free(struct ew_tz *tz)
{
	free(tz->at);
	free(tz->off);
	tz->at = NULL;
	tz->off = NULL;
	tz->n = 0;
}
