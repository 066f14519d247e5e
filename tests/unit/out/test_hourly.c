// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "gzfile.h"

#include "out/hourly.h"
#include "util/timefmt.h"

#define NS 1000000000ll
/* 2020-11-26 22:30:00 UTC: a past hour, so a restart treats it as closed */
#define T0   (1606429800 * NS)
#define HOUR (3600 * NS)

static char root[64];
static char path[512];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void setup(void)
{
	char tmpl[] = "/tmp/ew-sink-XXXXXX";

	setenv("TZ", "UTC", 1);
	tzset();
	ew_timefmt_reset();
	cr_assert_not_null(mkdtemp(tmpl));
	snprintf(root, sizeof(root), "%s/records", tmpl);
}

static void teardown(void)
{
	char *slash = strrchr(root, '/');

	*slash = '\0';
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(hourly, .init = setup, .fini = teardown);

static const char *at(const char *rel)
{
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

static bool exists(const char *rel)
{
	return access(at(rel), F_OK) == 0;
}

static void put(struct ew_hourly *h, int64_t ns, const char *line)
{
	cr_assert_eq(ew_hourly_write(h, ns, line, strlen(line)), 0);
}

static mode_t mode_of(const char *rel)
{
	struct stat st;

	cr_assert_eq(stat(at(rel), &st), 0, "%s", path);
	return st.st_mode & 07777;
}

Test(hourly, rotates_across_hour_and_day_with_compression)
{
	struct ew_hourly *h;

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	put(h, T0, "{\"a\":1}");
	put(h, T0 + 10 * NS, "{\"a\":2}");
	cr_assert_eq(ew_hourly_flush(h), 0);
	ew_test_expect_file(root, "2020-11-26/22.jsonl", "{\"a\":1}\n{\"a\":2}\n");

	put(h, T0 + HOUR, "{\"b\":1}"); /* 23:30 */
	cr_assert_eq(ew_hourly_sync(h), 0);
	cr_assert_not(exists("2020-11-26/22.jsonl"));
	cr_assert_not(exists("2020-11-26/22.jsonl.gz.tmp"));
	ew_test_expect_file(root, "2020-11-26/22.jsonl.gz", "{\"a\":1}\n{\"a\":2}\n");

	put(h, T0 + 2 * HOUR, "{\"c\":1}"); /* 00:30 the next day */
	cr_assert_eq(ew_hourly_sync(h), 0);
	ew_test_expect_file(root, "2020-11-26/23.jsonl.gz", "{\"b\":1}\n");
	cr_assert_eq(ew_hourly_close(h, false), 0);
	ew_test_expect_file(root, "2020-11-27/00.jsonl", "{\"c\":1}\n");
	cr_assert_not(exists("2020-11-27/00.jsonl.gz"));

	cr_assert_eq(mode_of(""), 0750);
	cr_assert_eq(mode_of("2020-11-27"), 0750);
	cr_assert_eq(mode_of("2020-11-27/00.jsonl"), 0640);
	cr_assert_eq(mode_of("2020-11-26/22.jsonl.gz"), 0640);
}

Test(hourly, modes_hold_under_a_wide_umask)
{
	struct ew_hourly *h;

	umask(0);
	cr_assert_eq(ew_hourly_open(root, &h), 0);
	put(h, T0, "x");
	cr_assert_eq(ew_hourly_close(h, true), 0);
	cr_assert_eq(mode_of("2020-11-26"), 0750);
	cr_assert_eq(mode_of("2020-11-26/22.jsonl.gz"), 0640);
}

Test(hourly, older_record_goes_to_the_open_file)
{
	struct ew_hourly *h;

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	put(h, T0 + HOUR, "new");
	put(h, T0, "late");		     /* an hour older: no going back */
	put(h, T0 - 48 * HOUR, "very late"); /* two days older */
	cr_assert_eq(ew_hourly_close(h, false), 0);
	ew_test_expect_file(root, "2020-11-26/23.jsonl", "new\nlate\nvery late\n");
	cr_assert_not(exists("2020-11-26/22.jsonl"));
	cr_assert_not(exists("2020-11-24"));
}

Test(hourly, restart_in_the_same_hour_appends_a_member)
{
	struct ew_hourly *h;
	char *all;

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	put(h, T0, "first run");
	cr_assert_eq(ew_hourly_close(h, true), 0);
	ew_test_expect_file(root, "2020-11-26/22.jsonl.gz", "first run\n");

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	put(h, T0 + 60 * NS, "second run");
	put(h, T0 + HOUR, "next hour"); /* rolls: 22 gets a second member */
	cr_assert_eq(ew_hourly_close(h, true), 0);
	ew_test_expect_file(root, "2020-11-26/22.jsonl.gz", "first run\nsecond run\n");
	ew_test_expect_file(root, "2020-11-26/23.jsonl.gz", "next hour\n");

	/* Python's gzip and zcat read every member too (checked if present). */
	if (system("command -v zcat >/dev/null 2>&1") == 0) {
		char cmd[600];
		FILE *p;
		char out[64] = {0};

		snprintf(cmd, sizeof(cmd), "zcat %s", at("2020-11-26/22.jsonl.gz"));
		p = popen(cmd, "r");
		cr_assert_not_null(p);
		fread(out, 1, sizeof(out) - 1, p);
		cr_assert_eq(pclose(p), 0);
		cr_assert_str_eq(out, "first run\nsecond run\n");
	}
	all = ew_test_slurp(root, "2020-11-26/22.jsonl.gz");
	free(all);
}

/* What a crash left is recovered at open (hourly_recover.c; its own tests there). */
Test(hourly, crash_leftovers_are_recovered_at_open)
{
	struct ew_hourly *h;
	FILE *f;

	cr_assert_eq(mkdir(root, 0750), 0);
	cr_assert_eq(mkdir(at("2020-01-01"), 0750), 0);
	f = fopen(at("2020-01-01/05.jsonl"), "w");
	fputs("left\nbehind\n", f);
	fclose(f);

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	cr_assert_not(exists("2020-01-01/05.jsonl"));
	ew_test_expect_file(root, "2020-01-01/05.jsonl.gz", "left\nbehind\n");
	cr_assert_eq(ew_hourly_close(h, false), 0);
}

Test(hourly, crash_between_rename_and_unlink_does_not_duplicate)
{
	struct ew_hourly *h;
	char keep[512];

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	put(h, T0, "once");
	cr_assert_eq(ew_hourly_flush(h), 0);
	/* Keep the .jsonl's inode alive, as if the unlink never happened. */
	snprintf(keep, sizeof(keep), "%s/keep", root);
	cr_assert_eq(link(at("2020-11-26/22.jsonl"), keep), 0);
	cr_assert_eq(ew_hourly_close(h, true), 0);
	cr_assert_not(exists("2020-11-26/22.jsonl"));
	cr_assert_eq(link(keep, at("2020-11-26/22.jsonl")), 0);
	unlink(keep);

	cr_assert_eq(ew_hourly_open(root, &h), 0); /* recovery: 22 is a past hour */
	cr_assert_not(exists("2020-11-26/22.jsonl"));
	ew_test_expect_file(root, "2020-11-26/22.jsonl.gz", "once\n");
	cr_assert_eq(ew_hourly_close(h, false), 0);
}

Test(hourly, current_hour_is_continued_not_compressed)
{
	struct ew_hourly *h;
	char date[11], rel[32];
	int hour;
	struct timespec now;
	int64_t ns;

	clock_gettime(CLOCK_REALTIME, &now);
	ns = (int64_t)now.tv_sec * NS + now.tv_nsec;
	ew_timefmt_hour(ns, date, &hour);
	snprintf(rel, sizeof(rel), "%s/%02d.jsonl", date, hour);

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	put(h, ns, "before restart");
	cr_assert_eq(ew_hourly_close(h, false), 0);
	cr_assert_eq(ew_hourly_open(root, &h), 0);
	cr_assert(exists(rel), "the open hour must survive a restart as .jsonl");
	put(h, ns, "after restart");
	cr_assert_eq(ew_hourly_close(h, false), 0);
	ew_test_expect_file(root, rel, "before restart\nafter restart\n");
}

Test(hourly, reopen_after_external_rotation)
{
	struct ew_hourly *h;
	char moved[512];

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	put(h, T0, "one");
	cr_assert_eq(ew_hourly_flush(h), 0);
	snprintf(moved, sizeof(moved), "%s/moved", root);
	cr_assert_eq(rename(at("2020-11-26/22.jsonl"), moved), 0);
	put(h, T0, "two"); /* still buffered, goes to the old file on reopen */
	cr_assert_eq(ew_hourly_reopen(h), 0);
	put(h, T0, "three");
	cr_assert_eq(ew_hourly_close(h, false), 0);
	ew_test_expect_file(root, "moved", "one\ntwo\n");
	ew_test_expect_file(root, "2020-11-26/22.jsonl", "three\n");
}

Test(hourly, bytes_and_big_lines)
{
	struct ew_hourly *h;
	size_t n = 1 << 20;
	char *big = malloc(n + 1), *got;

	memset(big, 'z', n);
	big[n] = '\0';
	cr_assert_eq(ew_hourly_open(root, &h), 0);
	put(h, T0, "ab");
	cr_assert_eq(ew_hourly_bytes_written(h), 0, "buffered, not yet written");
	cr_assert_eq(ew_hourly_write(h, T0, big, n), 0);
	for (int i = 0; i < 10000; i++)
		put(h, T0, "0123456789012345678901234567890123456789");
	cr_assert_eq(ew_hourly_flush(h), 0);
	cr_assert_eq(ew_hourly_bytes_written(h), 3 + n + 1 + 10000 * 41);
	cr_assert_eq(ew_hourly_close(h, true), 0);
	got = ew_test_slurp(root, "2020-11-26/22.jsonl.gz");
	cr_assert_eq(strlen(got), 3 + n + 1 + 10000 * 41);
	cr_assert_eq(strncmp(got, "ab\nzzz", 6), 0);
	free(got);
	free(big);
}

Test(hourly, errors_are_returned_not_fatal)
{
	struct ew_hourly *h;
	char file[512];
	FILE *f;

	/* A root that is a file. */
	snprintf(file, sizeof(file), "%s.file", root);
	f = fopen(file, "w");
	fclose(f);
	cr_assert_eq(ew_hourly_open(file, &h), -ENOTDIR);
	unlink(file);

	/* The date directory cannot be created: a file is in the way. */
	cr_assert_eq(ew_hourly_open(root, &h), 0);
	f = fopen(at("2020-11-26"), "w");
	fclose(f);
	cr_assert_eq(ew_hourly_write(h, T0, "x", 1), -ENOTDIR);
	unlink(at("2020-11-26"));
	cr_assert_eq(ew_hourly_write(h, T0, "y", 1), 0, "recovers once the obstacle is gone");
	cr_assert_eq(ew_hourly_close(h, false), 0);
	ew_test_expect_file(root, "2020-11-26/22.jsonl", "y\n");
}

Test(hourly, key_of_names_the_file)
{
	char key[EW_HOURLY_KEY_LEN + 1];

	cr_assert_eq(ew_hourly_key_of(T0, key), 0);
	cr_assert_str_eq(key, "2020-11-26/22");
	cr_assert_eq(ew_hourly_key_of(T0 + HOUR + 30 * 60 * NS - 1, key), 0); /* 23:59:59.999 */
	cr_assert_str_eq(key, "2020-11-26/23");
	cr_assert_eq(ew_hourly_key_of(T0 + HOUR + 30 * 60 * NS, key), 0);
	cr_assert_str_eq(key, "2020-11-27/00");
}

Test(hourly, lent_lines_are_written_in_place_in_order_and_roll)
{
	struct ew_hourly *h;
	char lent[] = "l1\nl2\n", later[] = "l3\n";

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	cr_assert_eq(ew_hourly_write_lines(h, T0, lent, 6, 2), 0);
	put(h, T0, "c1");
	cr_assert_eq(ew_hourly_write_lines(h, T0 + 60 * NS, later, 3, 1), 0);
	put(h, T0, "c2");
	/* Lent, not copied: what the lender holds at the flush is what is written. */
	lent[1] = 'X';
	cr_assert_eq(ew_hourly_flush(h), 0);
	ew_test_expect_file(root, "2020-11-26/22.jsonl", "lX\nl2\nc1\nl3\nc2\n");
	cr_assert_eq(ew_hourly_stats(h)->written, 5);

	/* A new hour: the old file takes what was lent before it, then rolls. */
	cr_assert_eq(ew_hourly_write_lines(h, T0, lent, 6, 2), 0);
	cr_assert_eq(ew_hourly_write_lines(h, T0 + HOUR, later, 3, 1), 0);
	cr_assert_eq(ew_hourly_sync(h), 0);
	ew_test_expect_file(root, "2020-11-26/22.jsonl.gz", "lX\nl2\nc1\nl3\nc2\nlX\nl2\n");
	cr_assert_eq(ew_hourly_close(h, false), 0);
	ew_test_expect_file(root, "2020-11-26/23.jsonl", "l3\n");
}

Test(hourly, more_lent_pieces_than_one_writev_takes)
{
	struct ew_hourly *h;
	static char lines[1000][8];
	char *want = malloc(1000 * 7 + 100 * 7 + 1), *p = want;

	cr_assert_eq(ew_hourly_open(root, &h), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(lines[i], sizeof(lines[i]), "r%05d\n", i);
		cr_assert_eq(ew_hourly_write_lines(h, T0, lines[i], 7, 1), 0);
		if (i % 10 == 0)
			put(h, T0, "copied");
		p = stpcpy(p, lines[i]);
		if (i % 10 == 0)
			p = stpcpy(p, "copied\n");
	}
	cr_assert_eq(ew_hourly_close(h, false), 0);
	ew_test_expect_file(root, "2020-11-26/22.jsonl", want);
	free(want);
}

/*
 * A file size limit stands in for a full disk: the write stops inside a
 * lent run, the whole lines stay, the torn one is cut off, and the records
 * not written are counted lost, not written.
 */
Test(hourly, a_write_stopped_inside_lent_lines_keeps_whole_lines)
{
	struct ew_hourly *h;
	struct rlimit rl = {.rlim_cur = 10, .rlim_max = RLIM_INFINITY};
	char a[] = "aaa\nbbb\n", b[] = "ccc\nddd\n";

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(ew_hourly_open(root, &h), 0);
	cr_assert_eq(ew_hourly_write_lines(h, T0, a, 8, 2), 0);
	cr_assert_eq(ew_hourly_write_lines(h, T0, b, 8, 2), 0);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(ew_hourly_flush(h), -EFBIG);
	rl.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(ew_hourly_stats(h)->written, 2);
	cr_assert_eq(ew_hourly_stats(h)->lost, 2);
	cr_assert_eq(ew_hourly_write_lines(h, T0, b + 4, 4, 1), 0);
	cr_assert_eq(ew_hourly_close(h, false), 0);
	ew_test_expect_file(root, "2020-11-26/22.jsonl", "aaa\nbbb\nddd\n");
}
