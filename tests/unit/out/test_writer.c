// SPDX-License-Identifier: GPL-2.0-only
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <criterion/criterion.h>

#include "gzfile.h"

#include "out/writer.h"
#include "util/timefmt.h"

#define NS   1000000000ll
#define T0   (1606429800 * NS) /* 2020-11-26 22:30:00 UTC */
#define HOUR (3600 * NS)

static char base[64], root[96];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ew_timefmt_reset();
	snprintf(base, sizeof(base), "/tmp/ew-writer-XXXXXX");
	cr_assert_not_null(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/records", base);
}

static void teardown(void)
{
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(writer, .init = setup, .fini = teardown);

static void put(struct ew_writer *w, int64_t ns, const char *line)
{
	ew_writer_put(w, ns, line, strlen(line));
}

/* Runs of one hour go to its file, in order; a late record joins the open hour. */
Test(writer, records_go_to_their_hours_file_in_order)
{
	struct ew_writer_opts o = {.records_dir = root, .block_when_full = true};
	struct ew_writer_stats st;
	struct ew_writer *w;

	cr_assert_eq(ew_writer_open(&o, &w), 0);
	put(w, T0, "a1");
	put(w, T0 + 10 * NS, "a2");
	put(w, T0 + HOUR, "b1");
	put(w, T0, "late"); /* an hour older than the open one: no going back */
	put(w, T0 + HOUR + NS, "b2");
	ew_writer_push(w);
	put(w, T0 + 2 * HOUR, "c1");
	cr_assert_eq(ew_writer_close(w, false, &st), 0);
	cr_assert_eq(st.put, 6);
	cr_assert_eq(st.written, 6);
	cr_assert_eq(st.dropped + st.write_errors, 0);
	ew_test_expect_file(root, "2020-11-26/22.jsonl.gz", "a1\na2\n");
	ew_test_expect_file(root, "2020-11-26/23.jsonl.gz", "b1\nlate\nb2\n");
	ew_test_expect_file(root, "2020-11-27/00.jsonl", "c1\n");
}

/* Many batches and more hour changes than a batch holds runs: nothing lost or reordered. */
Test(writer, many_batches_and_hour_changes)
{
	struct ew_writer_opts o = {.records_dir = root, .block_when_full = true};
	struct ew_writer_stats st;
	struct ew_writer *w;
	char line[600], *want = calloc(1, 1 << 24), *p = want, *got;
	int n = 20000;

	cr_assert_eq(ew_writer_open(&o, &w), 0);
	memset(line, 'x', sizeof(line));
	for (int i = 0; i < n; i++) {
		/* Back and forth across 23:00 (late ones stay in the open hour). */
		int64_t ns = T0 + 30 * 60 * NS + (i % 3 == 1 ? NS : -NS);
		int k = snprintf(line, sizeof(line), "%d:", i);

		line[k] = 'x';
		line[500] = '\0';
		put(w, ns, line);
		if (i >= 1) { /* the first goes to 22:00 and rolls at the second */
			p = stpcpy(p, line);
			*p++ = '\n';
		}
		line[500] = 'x';
	}
	cr_assert_eq(ew_writer_close(w, false, &st), 0);
	cr_assert_eq(st.put, (uint64_t)n);
	cr_assert_eq(st.written, (uint64_t)n);
	got = ew_test_slurp(root, "2020-11-26/23.jsonl");
	cr_assert(strcmp(got, want) == 0, "the 23:00 file differs");
	free(got);
	got = ew_test_slurp(root, "2020-11-26/22.jsonl.gz");
	cr_assert(strncmp(got, "0:x", 3) == 0 && strlen(got) == 501, "the 22:00 file: record 0");
	free(got);
	free(want);
}

/* Lines written in place and lines copied go out in order; a begin not committed puts nothing. */
Test(writer, in_place_lines_and_copied_lines_in_order)
{
	struct ew_writer_opts o = {.records_dir = root, .block_when_full = true};
	struct ew_writer_stats st;
	struct ew_writer *w;
	size_t room;
	char *p;

	cr_assert_eq(ew_writer_open(&o, &w), 0);
	put(w, T0, "copied1");
	p = ew_writer_begin(w, T0, &room);
	cr_assert_not_null(p);
	cr_assert_geq(room, 8192);
	memcpy(p, "inplace1", 8);
	ew_writer_commit(w, 8);
	p = ew_writer_begin(w, T0, &room);
	cr_assert_not_null(p);
	memcpy(p, "abandoned", 9); /* not committed: overwritten by what comes next */
	put(w, T0 + NS, "copied2");
	p = ew_writer_begin(w, T0 + HOUR, &room); /* a new hour: a run of its own */
	cr_assert_not_null(p);
	memcpy(p, "inplace2", 8);
	ew_writer_commit(w, 8);
	cr_assert_eq(ew_writer_close(w, false, &st), 0);
	cr_assert_eq(st.put, 4);
	cr_assert_eq(st.written, 4);
	ew_test_expect_file(root, "2020-11-26/22.jsonl.gz", "copied1\ninplace1\ncopied2\n");
	ew_test_expect_file(root, "2020-11-26/23.jsonl", "inplace2\n");
}
