// SPDX-License-Identifier: GPL-2.0-only
/* The year in a zone, from the system's TZif files, whatever TZ the process has. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "verdict/tz.h"

/* 2026-01-01T00:00:00+08:00 */
#define NEW_YEAR_SHANGHAI 1767196800ll

Test(tz, shanghai_new_year)
{
	struct ew_tz tz;
	char err[256];

	setenv("TZ", "UTC", 1); /* the host's zone must not matter */
	cr_assert_eq(ew_tz_load(&tz, NULL, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(tz.name, "Asia/Shanghai");
	cr_assert_eq(ew_tz_offset(&tz, NEW_YEAR_SHANGHAI), 8 * 3600);
	cr_assert_eq(ew_tz_year(&tz, NEW_YEAR_SHANGHAI), 2026);
	cr_assert_eq(ew_tz_year(&tz, NEW_YEAR_SHANGHAI - 1), 2025);
	/* Past the file's last transition (1991) the footer "CST-8" holds, years ahead too. */
	cr_assert_eq(ew_tz_offset(&tz, 4102444800ll), 8 * 3600); /* 2100 */
	/* Shanghai kept daylight saving in 1986-1991: UTC+9 in July 1988. */
	cr_assert_eq(ew_tz_offset(&tz, 584150400ll), 9 * 3600);
	ew_tz_free(&tz);
}

Test(tz, daylight_saving_zone)
{
	struct ew_tz tz;
	char err[256];

	cr_assert_eq(ew_tz_load(&tz, "America/New_York", NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_tz_offset(&tz, 1782864000ll), -4 * 3600); /* 2026-07-01 */
	cr_assert_eq(ew_tz_offset(&tz, 1768435200ll), -5 * 3600); /* 2026-01-15 */
	/* 2026-01-01T04:59:59Z is still 2025 in New York. */
	cr_assert_eq(ew_tz_year(&tz, 1767243599ll), 2025);
	cr_assert_eq(ew_tz_year(&tz, 1767243600ll), 2026);
	ew_tz_free(&tz);
}

Test(tz, fixed_offsets)
{
	static const struct {
		const char *name;
		int32_t off;
	} ok[] = {{"UTC", 0},	     {"UTC+8", 28800}, {"UTC+08:00", 28800},
		  {"+05:30", 19800}, {"-03", -10800},  {"GMT-10", -36000}};
	struct ew_tz tz;
	char err[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(ew_tz_load(&tz, ok[i].name, "/nonexistent", err, sizeof(err)), 0, "%s",
			     ok[i].name);
		cr_assert_eq(ew_tz_offset(&tz, NEW_YEAR_SHANGHAI), ok[i].off, "%s", ok[i].name);
		ew_tz_free(&tz);
	}
	ew_tz_load(&tz, "UTC", NULL, err, sizeof(err));
	cr_assert_eq(ew_tz_year(&tz, NEW_YEAR_SHANGHAI), 2025); /* 16:00 on 31 December */
	ew_tz_free(&tz);
}

Test(tz, unknown_and_bad_zones)
{
	struct ew_tz tz;
	char err[256] = "";

	cr_assert_eq(ew_tz_load(&tz, "Asia/Atlantis", NULL, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "unknown time zone 'Asia/Atlantis'") &&
		      strstr(err, "/usr/share/zoneinfo/Asia/Atlantis"),
		  "%s", err);
	cr_assert_eq(ew_tz_load(&tz, "../../etc/passwd", NULL, err, sizeof(err)), -EINVAL);
	cr_assert_eq(ew_tz_load(&tz, "/etc/passwd", NULL, err, sizeof(err)), -EINVAL);
	cr_assert_eq(ew_tz_load(&tz, "UTC+99", "/nonexistent", err, sizeof(err)), -ENOENT);
	cr_assert_eq(ew_tz_load(&tz, "Asia", NULL, err, sizeof(err)), -EINVAL); /* a directory */
}

/* A zone file cut short or not TZif at all: refused with the reason, never read past its end. */
Test(tz, damaged_files)
{
	char dir[] = "/tmp/ew-tz-XXXXXX", path[256], err[256];
	FILE *in = fopen("/usr/share/zoneinfo/Asia/Shanghai", "rb");
	static uint8_t b[8192];
	size_t n = fread(b, 1, sizeof(b), in);
	struct ew_tz tz;

	fclose(in);
	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Cut", dir);
	for (size_t cut = 0; cut < n; cut += 7) {
		FILE *f = fopen(path, "wb");

		fwrite(b, 1, cut, f);
		fclose(f);
		int r = ew_tz_load(&tz, "Cut", dir, err, sizeof(err));

		if (r == 0) {
			/* Only a cut inside the footer leaves a whole file: it still reads +8. */
			cr_assert_eq(ew_tz_offset(&tz, NEW_YEAR_SHANGHAI), 8 * 3600, "cut %zu",
				     cut);
			ew_tz_free(&tz);
		} else {
			cr_assert_eq(r, -EINVAL, "cut %zu", cut);
			cr_assert(strstr(err, path), "%s", err);
		}
	}
	unlink(path);
	rmdir(dir);
}
