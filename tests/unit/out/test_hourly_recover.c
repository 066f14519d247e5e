// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "gzfile.h"

#include "out/hourly_recover.h"

static char root[64];
static char path[512];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/ew-recover-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
}

static void teardown(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(hourly_recover, .init = setup, .fini = teardown);

static const char *at(const char *rel)
{
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

static bool exists(const char *rel)
{
	return access(at(rel), F_OK) == 0;
}

static void make(const char *rel, const char *text)
{
	FILE *f = fopen(at(rel), "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* A past hour's .jsonl is compressed, a half-built .gz removed, other names left alone. */
Test(hourly_recover, crash_leftovers_are_recovered)
{
	cr_assert_eq(mkdir(at("2020-01-01"), 0750), 0);
	make("2020-01-01/05.jsonl", "left\nbehind\n");
	make("2020-01-01/06.jsonl.gz.tmp", "garbage");
	make("2020-01-01/notes.txt", "");
	cr_assert_eq(mkdir(at("notes"), 0750), 0);
	make("notes/05.jsonl", "not a day's directory\n");

	cr_assert_eq(ew_hourly_recover(root, "2020-01-02/00"), 0);
	cr_assert_not(exists("2020-01-01/05.jsonl"));
	cr_assert_not(exists("2020-01-01/06.jsonl.gz.tmp"));
	cr_assert(exists("2020-01-01/notes.txt"));
	cr_assert(exists("notes/05.jsonl"));
	ew_test_expect_file(root, "2020-01-01/05.jsonl.gz", "left\nbehind\n");
}

/* The current hour and later ones (a clock set back) stay, to be appended to. */
Test(hourly_recover, the_current_and_later_hours_stay)
{
	cr_assert_eq(mkdir(at("2020-01-01"), 0750), 0);
	cr_assert_eq(mkdir(at("2020-01-02"), 0750), 0);
	make("2020-01-01/22.jsonl", "past\n");
	make("2020-01-01/23.jsonl", "now\n");
	make("2020-01-02/00.jsonl", "later\n");

	cr_assert_eq(ew_hourly_recover(root, "2020-01-01/23"), 0);
	ew_test_expect_file(root, "2020-01-01/22.jsonl.gz", "past\n");
	ew_test_expect_file(root, "2020-01-01/23.jsonl", "now\n");
	ew_test_expect_file(root, "2020-01-02/00.jsonl", "later\n");
	cr_assert_not(exists("2020-01-01/23.jsonl.gz"));
}

/* A day's directory reached through a symbolic link is not followed. */
Test(hourly_recover, a_linked_day_is_not_followed)
{
	char target[128];

	snprintf(target, sizeof(target), "%s/elsewhere", root);
	cr_assert_eq(mkdir(target, 0750), 0);
	make("elsewhere/05.jsonl", "not ours\n");
	cr_assert_eq(symlink(target, at("2020-01-01")), 0);

	cr_assert_eq(ew_hourly_recover(root, "2020-01-02/00"), 0);
	cr_assert(exists("elsewhere/05.jsonl"));
	cr_assert_not(exists("elsewhere/05.jsonl.gz"));
}

Test(hourly_recover, a_missing_root_is_an_error)
{
	cr_assert_eq(ew_hourly_recover(at("missing"), "2020-01-02/00"), -ENOENT);
}
