/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tz.h - the calendar year in a configured time zone (people are counted
 * from 1 January, Asia/Shanghai), read from the zone's TZif file without
 * touching the process's TZ: the host may run UTC, and setenv() in a
 * threaded daemon is unsafe.
 */
#ifndef EW_TZ_H
#define EW_TZ_H

#include <stddef.h>
#include <stdint.h>

#define EW_TZ_DEFAULT	   "Asia/Shanghai"
#define EW_TZ_ZONEINFO_DIR "/usr/share/zoneinfo"

struct ew_tz {
	char name[64];
	int64_t *at;  /* transition times, ascending (Unix seconds) */
	int32_t *off; /* UTC offset in seconds from at[i] on */
	uint32_t n;
	int32_t before;	 /* offset before the first transition, or the fixed one */
	int32_t after;	 /* offset after the last, from a DST-free footer rule */
	int after_known; /* whether @after applies (else the last transition's offset) */
};

/**
 * ew_tz_load() - the zone @name: a fixed offset ("UTC", "UTC+8",
 * "UTC+08:00", "+05:30", "-03") or a zone file @zoneinfo_dir/@name
 * (EW_TZ_ZONEINFO_DIR when NULL) in TZif version 1, 2, 3 or 4. Past the
 * file's last transition a footer rule without daylight saving gives the
 * offset; one with daylight saving is not evaluated (the last transition's
 * offset holds, which zic's files make right for years they list).
 * Return: 0, -ENOENT (unknown zone: @err names the file looked for),
 * -EINVAL (a bad name, or a file that is not TZif: @err says what), -ENOMEM.
 */
int ew_tz_load(struct ew_tz *tz, const char *name, const char *zoneinfo_dir, char *err,
	       size_t errlen);

/** ew_tz_offset() - the zone's UTC offset, in seconds east, at @unix_sec. */
int32_t ew_tz_offset(const struct ew_tz *tz, int64_t unix_sec);

/** ew_tz_year() - the calendar year in the zone at @unix_sec. */
int ew_tz_year(const struct ew_tz *tz, int64_t unix_sec);

void ew_tz_free(struct ew_tz *tz);

#endif
