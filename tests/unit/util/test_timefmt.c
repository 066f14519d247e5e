// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "util/timefmt.h"

#define NS 1000000000ll

static void zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
	ew_timefmt_reset();
}

static void check(int64_t ns, const char *want)
{
	char out[EW_TIMEFMT_ISO8601_LEN];
	size_t n = ew_timefmt_iso8601(ns, out, sizeof(out));

	cr_assert_str_eq(out, want, "at %lld ns", (long long)ns);
	cr_assert_eq(n, strlen(want));
}

/* Independent reference: one localtime_r and strftime per call. */
static void reference(int64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / NS - (ns % NS < 0));
	int ms = (int)(((ns % NS) + NS) % NS / 1000000);
	struct tm tm;
	char base[32], off[24];
	long o;

	localtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	o = tm.tm_gmtoff;
	snprintf(off, sizeof(off), "%c%02ld:%02ld", o < 0 ? '-' : '+', labs(o) / 3600,
		 labs(o) / 60 % 60);
	snprintf(out, n, "%s.%03d%s", base, ms, off);
}

Test(timefmt, shanghai)
{
	zone("Asia/Shanghai");
	check(1795693267 * NS + 512000000, "2026-11-26T19:41:07.512+08:00");
	check(1795693267 * NS + 512999999, "2026-11-26T19:41:07.512+08:00");
	check(1795693267 * NS + 1000000, "2026-11-26T19:41:07.001+08:00");
	check(1795693212 * NS, "2026-11-26T19:40:12.000+08:00"); /* backwards, another minute */
	check(1795693259 * NS + 999000000, "2026-11-26T19:40:59.999+08:00");
	check(1795693260 * NS, "2026-11-26T19:41:00.000+08:00");
	check(1795708799 * NS, "2026-11-26T23:59:59.000+08:00");
	check(1795708800 * NS, "2026-11-27T00:00:00.000+08:00");
}

Test(timefmt, utc_and_epoch_edges)
{
	zone("UTC");
	check(0, "1970-01-01T00:00:00.000+00:00");
	check(-1, "1969-12-31T23:59:59.999+00:00");
	check(-NS, "1969-12-31T23:59:59.000+00:00");
	check(1795693267 * NS + 512000000, "2026-11-26T11:41:07.512+00:00");
	check(951782400 * NS, "2000-02-29T00:00:00.000+00:00");
}

Test(timefmt, negative_and_half_hour_offsets)
{
	zone("America/St_Johns");
	check(1795693267 * NS, "2026-11-26T08:11:07.000-03:30");
	zone("Asia/Kathmandu");
	check(1795693267 * NS, "2026-11-26T17:26:07.000+05:45");
}

Test(timefmt, berlin_spring_forward)
{
	int64_t t = 1774746000; /* 2026-03-29 01:00:00 UTC */

	zone("Europe/Berlin");
	check((t - 1) * NS + 999000000, "2026-03-29T01:59:59.999+01:00");
	check(t * NS, "2026-03-29T03:00:00.000+02:00");
	check((t + 59) * NS, "2026-03-29T03:00:59.000+02:00");
}

Test(timefmt, berlin_fall_back)
{
	int64_t t = 1792890000; /* 2026-10-25 01:00:00 UTC */

	zone("Europe/Berlin");
	check((t - 1) * NS, "2026-10-25T02:59:59.000+02:00");
	check(t * NS, "2026-10-25T02:00:00.000+01:00");
	check((t - 30) * NS, "2026-10-25T02:59:30.000+02:00"); /* back again: offset follows */
}

Test(timefmt, every_second_around_transitions_matches_reference)
{
	static const char *zones[] = {"Europe/Berlin", "Australia/Lord_Howe", "America/St_Johns"};
	static const int64_t around[] = {1774746000, 1792890000, 1775314800,
					 1791041400, 1772947800, 1793507400};

	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		zone(zones[z]);
		for (size_t a = 0; a < sizeof(around) / sizeof(around[0]); a++) {
			/* Forwards then backwards across each instant, in 0.25 s steps, so
			 * the cache is hit, missed and crossed in both directions. */
			for (int dir = 0; dir < 2; dir++) {
				for (int64_t i = -4 * 3600; i <= 4 * 3600; i += 37) {
					int64_t ns = (around[a] + (dir ? -i : i) / 4) * NS +
						     (i & 3) * 250000000;
					char want[64], got[EW_TIMEFMT_ISO8601_LEN];

					reference(ns, want, sizeof(want));
					ew_timefmt_iso8601(ns, got, sizeof(got));
					cr_assert_str_eq(got, want, "%s at %lld", zones[z],
							 (long long)ns);
				}
			}
		}
	}
}

Test(timefmt, transition_inside_a_minute)
{
	/* Shanghai left LMT (+08:05:43) at 1900-12-31T15:54:17Z: the clock went
	 * from 23:59:59 back to 23:54:17, in the middle of a UTC minute. A cache
	 * that trusted minute starts would print 00:00:xx here. */
	int64_t t = -2177481943;

	zone("Asia/Shanghai");
	for (int64_t s = t - 130; s < t + 130; s++) {
		char want[64], got[EW_TIMEFMT_ISO8601_LEN];

		reference(s * NS, want, sizeof(want));
		ew_timefmt_iso8601(s * NS, got, sizeof(got));
		cr_assert_str_eq(got, want, "at %lld", (long long)s);
	}
	check(t * NS, "1900-12-31T23:54:17.000+08:00");
	check((t - 1) * NS, "1900-12-31T23:59:59.000+08:05");
}

Test(timefmt, small_buffer)
{
	char out[EW_TIMEFMT_ISO8601_LEN - 1];

	zone("UTC");
	memset(out, 'x', sizeof(out));
	cr_assert_eq(ew_timefmt_iso8601(0, out, sizeof(out)), 0);
	cr_assert_str_empty(out);
	cr_assert_eq(ew_timefmt_iso8601(0, NULL, 0), 0);
}

Test(timefmt, reset_sees_a_new_zone)
{
	zone("UTC");
	check(1795693267 * NS, "2026-11-26T11:41:07.000+00:00");
	zone("Asia/Shanghai");
	check(1795693268 * NS, "2026-11-26T19:41:08.000+08:00"); /* same minute, new zone */
}

Test(timefmt, hour)
{
	char date[11];
	int hour = -1;
	int64_t t = 1792890000;

	zone("Asia/Shanghai");
	cr_assert_eq(ew_timefmt_hour(1795693267 * NS, date, &hour), 0);
	cr_assert_str_eq(date, "2026-11-26");
	cr_assert_eq(hour, 19);
	cr_assert_eq(ew_timefmt_hour(1795708800 * NS, date, &hour), 0);
	cr_assert_str_eq(date, "2026-11-27");
	cr_assert_eq(hour, 0);

	/* Berlin's fall-back hour happens twice: the same name both times. */
	zone("Europe/Berlin");
	cr_assert_eq(ew_timefmt_hour((t - 1) * NS, date, &hour), 0);
	cr_assert_eq(hour, 2);
	cr_assert_eq(ew_timefmt_hour(t * NS, date, &hour), 0);
	cr_assert_eq(hour, 2);
	cr_assert_str_eq(date, "2026-10-25");
	cr_assert_eq(ew_timefmt_hour((t + 3600) * NS, date, &hour), 0);
	cr_assert_eq(hour, 3);
}

Test(timefmt, cached_path_is_fast)
{
	/* A million calls within one minute: far under a second when cached
	 * (a localtime_r each would still pass, so also check the output). */
	char out[EW_TIMEFMT_ISO8601_LEN];
	struct timespec a, b;
	int64_t base = 1795693260 * NS;

	zone("Europe/Berlin");
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 1000000; i++)
		ew_timefmt_iso8601(base + (int64_t)i * 59000, out, sizeof(out));
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_assert_str_eq(out, "2026-11-26T12:41:58.999+01:00");
	cr_assert_lt((b.tv_sec - a.tv_sec) * NS + (b.tv_nsec - a.tv_nsec), NS);
}
