/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * timefmt.h - local timestamps for records and file names.
 *
 * Every record carries one, so formatting must not cost a localtime_r()
 * per call: the broken-down time of the current local minute is cached per
 * thread. A minute is only cached when the UTC offset is the same at both
 * of its ends, so a DST change (or any tz transition) is never missed.
 *
 * The cache does not notice a change of TZ: call ew_timefmt_reset() after
 * setenv("TZ")/tzset().
 */
#ifndef EW_TIMEFMT_H
#define EW_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-26T19:41:07.512+08:00" and its NUL */
#define EW_TIMEFMT_ISO8601_LEN 30

/**
 * ew_timefmt_iso8601() - local time with milliseconds and numeric offset.
 * @realtime_ns: CLOCK_REALTIME in ns (may be negative)
 * @out: receives e.g. "2026-11-26T19:41:07.512+08:00" (ECS @timestamp style;
 *       UTC is "+00:00"; offsets with seconds, pre-1900 LMT, show minutes)
 * @n: size of @out, at least EW_TIMEFMT_ISO8601_LEN
 *
 * Return: the length written (29 for four-digit years), or 0 if @n is too
 * small or the time cannot be represented (then @out is "" if @n > 0).
 */
size_t ew_timefmt_iso8601(int64_t realtime_ns, char *out, size_t n);

/**
 * ew_timefmt_hour() - local date and hour, for hourly file names.
 * @realtime_ns: CLOCK_REALTIME in ns
 * @date: receives "YYYY-MM-DD"
 * @hour: receives 0-23
 *
 * Return: 0, or -EOVERFLOW if the time cannot be represented.
 */
int ew_timefmt_hour(int64_t realtime_ns, char date[11], int *hour);

/**
 * ew_timefmt_reset() - forget cached minutes (in every thread).
 *
 * Needed only after the process changes its time zone.
 */
void ew_timefmt_reset(void);

#endif
