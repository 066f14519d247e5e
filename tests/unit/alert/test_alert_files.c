// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <zlib.h>

#include "alert/alert_files.h"
#include "alert/alert_line.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/ew-alert-files-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	setenv("TZ", "UTC", 1);
	tzset();
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(alert_files, .init = setup, .fini = teardown);

static void put_file(const char *rel, const char *text)
{
	char path[256], sub[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(sub, sizeof(sub), "%s", path);
	for (char *p = sub + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(sub, 0755);
		*p = '/';
	}
	if (strstr(rel, ".gz")) {
		gzFile gz = gzopen(path, "wb");

		cr_assert_not_null(gz);
		gzputs(gz, text);
		gzclose(gz);
		return;
	}
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(alert_files, history_in_order_gz_preferred)
{
	struct ew_alert_files f;
	char want[256];

	put_file("alerts/2026-12-01/07.jsonl", "{}\n");
	put_file("alerts/2026-12-01/07.jsonl.gz", "{}\n"); /* compression finished */
	put_file("alerts/2026-11-30/23.jsonl.gz", "{}\n");
	put_file("alerts/2026-12-01/00.jsonl.gz", "{}\n");
	put_file("alerts/2026-12-01/notes.txt", "x\n");
	put_file("alerts/junk/01.jsonl", "{}\n");
	put_file("alerts.jsonl", "{}\n"); /* live: not history */

	cr_assert_eq(ew_alert_files_history(dir, EW_ALERT_TIME_NONE, NULL, &f), 0);
	cr_assert_eq(f.n, 3);
	snprintf(want, sizeof(want), "%s/alerts/2026-11-30/23.jsonl.gz", dir);
	cr_expect_str_eq(f.paths[0], want);
	snprintf(want, sizeof(want), "%s/alerts/2026-12-01/00.jsonl.gz", dir);
	cr_expect_str_eq(f.paths[1], want);
	snprintf(want, sizeof(want), "%s/alerts/2026-12-01/07.jsonl.gz", dir);
	cr_expect_str_eq(f.paths[2], want);
	ew_alert_files_free(&f);

	/* --since 2026-12-01T06:00Z leaves out hours that ended hours before */
	cr_assert_eq(ew_alert_files_history(dir, 1796104800LL * 1000000000, NULL, &f), 0);
	cr_expect_eq(f.n, 1);
	ew_alert_files_free(&f);

	/* the open hour's file that alerts.jsonl links to is read as the live file */
	snprintf(want, sizeof(want), "%s/alerts/2026-12-01/08.jsonl", dir);
	put_file("alerts/2026-12-01/08.jsonl", "{}\n");
	{
		struct stat live;

		cr_assert_eq(stat(want, &live), 0);
		cr_assert_eq(ew_alert_files_history(dir, EW_ALERT_TIME_NONE, &live, &f), 0);
		cr_expect_eq(f.n, 3, "the live hour is not history");
		ew_alert_files_free(&f);
		cr_assert_eq(ew_alert_files_history(dir, EW_ALERT_TIME_NONE, NULL, &f), 0);
		cr_expect_eq(f.n, 4);
		ew_alert_files_free(&f);
	}

	snprintf(want, sizeof(want), "%s/nonexistent", dir);
	cr_assert_eq(ew_alert_files_history(want, EW_ALERT_TIME_NONE, NULL, &f), 0);
	cr_expect_eq(f.n, 0);
	cr_assert_eq(ew_alert_files_live(dir, want, sizeof(want)), 0);
	cr_expect_eq(strcmp(want + strlen(dir), "/alerts.jsonl"), 0);
}

struct seen {
	char lines[8][64];
	int n;
};

static int collect(void *arg, const char *line, size_t len)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->lines[s->n], sizeof(s->lines[0]), "%.*s", (int)len, line);
	s->n++;
	return 0;
}

Test(alert_files, reads_plain_and_gzip_whole_lines)
{
	struct seen s = {0};
	uint64_t skipped = 0;
	char path[256];

	put_file("a.jsonl.gz", "one\ntwo\n");
	put_file("b.jsonl", "three\nfour\ntorn");
	snprintf(path, sizeof(path), "%s/a.jsonl.gz", dir);
	cr_assert_eq(ew_alert_files_read(path, collect, &s, &skipped), 0);
	snprintf(path, sizeof(path), "%s/b.jsonl", dir);
	cr_assert_eq(ew_alert_files_read(path, collect, &s, &skipped), 0);
	cr_assert_eq(s.n, 4, "the torn tail is not a line");
	cr_expect_str_eq(s.lines[0], "one");
	cr_expect_str_eq(s.lines[1], "two");
	cr_expect_str_eq(s.lines[3], "four");
	snprintf(path, sizeof(path), "%s/missing", dir);
	cr_expect_eq(ew_alert_files_read(path, collect, &s, &skipped), -ENOENT);
}

Test(alert_files, overlong_line_skipped_and_counted)
{
	size_t big = EW_ALERT_LINE_MAX + 100;
	char *text = malloc(big + 32), path[256];
	struct seen s = {0};
	uint64_t skipped = 0;

	memset(text, 'x', big);
	strcpy(text + big, "\nafter\n");
	put_file("c.jsonl", text);
	snprintf(path, sizeof(path), "%s/c.jsonl", dir);
	cr_assert_eq(ew_alert_files_read(path, collect, &s, &skipped), 0);
	cr_expect_eq(skipped, 1);
	cr_assert_eq(s.n, 1);
	cr_expect_str_eq(s.lines[0], "after");
	free(text);
}
