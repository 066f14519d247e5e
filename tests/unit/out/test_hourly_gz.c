// SPDX-License-Identifier: GPL-2.0-only
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
