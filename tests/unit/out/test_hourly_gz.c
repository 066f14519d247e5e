// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <criterion/criterion.h>

#include "gzfile.h"

#include "out/hourly_gz.h"

static char dir[64];
static int dfd = -1;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ew-hourly-gz-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
}

static void teardown(void)
{
	close(dfd);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(hourly_gz, .init = setup, .fini = teardown);

static void write_file(const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0640);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A second hour's worth is a second member; a .jsonl already in the .gz is only removed. */
Test(hourly_gz, members_append_and_a_compressed_source_is_not_added_twice)
{
	struct stat st;

	cr_assert_eq(ew_hourly_gz_hour(dfd, "07"), 0, "no .jsonl: nothing to do");
	write_file("07.jsonl", "a\n");
	cr_assert_eq(linkat(dfd, "07.jsonl", dfd, "kept", 0), 0);
	cr_assert_eq(ew_hourly_gz_hour(dfd, "07"), 0);
	cr_assert_neq(fstatat(dfd, "07.jsonl", &st, 0), 0);
	ew_test_expect_file(dir, "07.jsonl.gz", "a\n");
	/* As if a crash came between the rename and the unlink: the same file again. */
	cr_assert_eq(linkat(dfd, "kept", dfd, "07.jsonl", 0), 0);
	cr_assert_eq(unlinkat(dfd, "kept", 0), 0);
	cr_assert_eq(ew_hourly_gz_hour(dfd, "07"), 0);
	cr_assert_neq(fstatat(dfd, "07.jsonl", &st, 0), 0);
	ew_test_expect_file(dir, "07.jsonl.gz", "a\n");
	write_file("07.jsonl", "b\n");
	cr_assert_eq(ew_hourly_gz_hour(dfd, "07"), 0);
	ew_test_expect_file(dir, "07.jsonl.gz", "a\nb\n");
	cr_assert_neq(fstatat(dfd, "07.jsonl.gz.tmp", &st, 0), 0);
}

/* By key under a records root: the day's directory is found from the key. */
Test(hourly_gz, by_key_finds_the_day_and_refuses_a_malformed_key)
{
	struct stat st;

	cr_assert_eq(mkdirat(dfd, "2024-06-01", 0750), 0);
	int day = openat(dfd, "2024-06-01", O_RDONLY | O_DIRECTORY);

	cr_assert_geq(day, 0);
	int fd = openat(day, "09.jsonl", O_WRONLY | O_CREAT | O_TRUNC, 0640);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "k\n", 2), 2);
	close(fd);
	cr_assert_eq(ew_hourly_gz_key(dir, "2024-06-01/09"), 0);
	cr_assert_neq(fstatat(day, "09.jsonl", &st, 0), 0);
	ew_test_expect_file(dir, "2024-06-01/09.jsonl.gz", "k\n");
	close(day);
	cr_assert_eq(ew_hourly_gz_key(dir, "2024-06-02/09"), -ENOENT, "no such day");
	cr_assert_eq(ew_hourly_gz_key(dir, "2024-06-01"), -EINVAL);
	cr_assert_eq(ew_hourly_gz_key(dir, "2024-06-01-09"), -EINVAL);
	cr_assert_eq(ew_hourly_gz_key(dir, "2024-06-01/091"), -EINVAL);
}

/* On a thread: the wait returns its result once, and the next job waits for the last. */
Test(hourly_gz, background_job_result_is_waited_for_once)
{
	struct ew_hourly_gz_job j = {0};
	struct stat st;

	cr_assert_eq(ew_hourly_gz_wait(&j), 0, "nothing started");
	cr_assert_eq(mkdirat(dfd, "2024-06-01", 0750), 0);
	int day = openat(dfd, "2024-06-01", O_RDONLY | O_DIRECTORY);

	cr_assert_geq(day, 0);
	for (int h = 0; h < 2; h++) {
		char name[16];

		snprintf(name, sizeof(name), "0%d.jsonl", h);
		int fd = openat(day, name, O_WRONLY | O_CREAT | O_TRUNC, 0640);

		cr_assert_geq(fd, 0);
		cr_assert_eq(write(fd, "x\n", 2), 2);
		close(fd);
	}
	ew_hourly_gz_start(&j, dir, "2024-06-01/00");
	ew_hourly_gz_start(&j, dir, "2024-06-01/01"); /* waits for the first */
	cr_assert_eq(ew_hourly_gz_wait(&j), 0);
	cr_assert_not(j.live);
	ew_test_expect_file(dir, "2024-06-01/00.jsonl.gz", "x\n");
	ew_test_expect_file(dir, "2024-06-01/01.jsonl.gz", "x\n");
	cr_assert_neq(fstatat(day, "00.jsonl", &st, 0), 0);
	cr_assert_neq(fstatat(day, "01.jsonl", &st, 0), 0);
	close(day);
	ew_hourly_gz_start(&j, dir, "2024-06-09/00");
	cr_assert_eq(ew_hourly_gz_wait(&j), -ENOENT, "the failure is kept for the wait");
	cr_assert_eq(ew_hourly_gz_wait(&j), 0, "and given once");
}
