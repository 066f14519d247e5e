// SPDX-License-Identifier: GPL-2.0-only
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

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

/*
 * A stalled disk: this writev() stands in for the C library's (the test's
 * own definition is the one the records files call) and holds every write
 * while stall_on, as a write waiting behind the writeback of its own file
 * does.
 */
static pthread_mutex_t stall_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stall_cond = PTHREAD_COND_INITIALIZER;
static bool stall_on;
static int stalled;

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	pthread_mutex_lock(&stall_lock);
	while (stall_on) {
		stalled++;
		pthread_cond_broadcast(&stall_cond);
		pthread_cond_wait(&stall_cond, &stall_lock);
		stalled--;
	}
	pthread_mutex_unlock(&stall_lock);
	return syscall(SYS_writev, fd, iov, n);
}

static void stall(bool on)
{
	pthread_mutex_lock(&stall_lock);
	stall_on = on;
	pthread_cond_broadcast(&stall_cond);
	pthread_mutex_unlock(&stall_lock);
}

/* The writer's thread is inside writev(), held. */
static void wait_stalled(void)
{
	pthread_mutex_lock(&stall_lock);
	while (!stalled)
		pthread_cond_wait(&stall_cond, &stall_lock);
	pthread_mutex_unlock(&stall_lock);
}

#define STEADY	   ((size_t)256 << 10)
#define BATCH_SIZE (((size_t)256 + 4) << 10) /* a batch's mapping, its header included */

/* @n records of 500 bytes, handed over every 100 (as the live loop's pushes). */
static void put_many(struct ew_writer *w, int n)
{
	char line[501];

	memset(line, 'x', 500);
	line[500] = '\0';
	for (int i = 0; i < n; i++) {
		put(w, T0, line);
		if (i % 100 == 99)
			ew_writer_push(w);
	}
	ew_writer_push(w);
}

/* A writer of @o whose thread is held in its first write, then @n records put. */
static struct ew_writer *stalled_with(const struct ew_writer_opts *o, int n)
{
	struct ew_writer *w;

	cr_assert_eq(ew_writer_open(o, &w), 0);
	stall(true);
	put(w, T0, "first");
	ew_writer_push(w);
	wait_stalled();
	put_many(w, n);
	return w;
}

static void wait_drained(struct ew_writer *w, struct ew_writer_stats *st)
{
	for (int i = 0; i < 1000; i++) {
		ew_writer_stats(w, st);
		if (!st->queued_bytes)
			return;
		usleep(10000);
	}
	cr_assert_fail("the queue did not drain after the stall");
}

/*
 * A disk stalled for longer than the steady queue lasts: the queue grows
 * instead of dropping, the growth is counted, and once the disk moves the
 * memory beyond the steady size goes back and every record is in the file.
 */
Test(writer, a_stalled_disk_grows_the_queue_and_gives_the_memory_back)
{
	struct ew_writer_opts o = {
	    .records_dir = root, .queue_bytes = STEADY, .queue_max_bytes = (size_t)4 << 20};
	struct ew_writer_stats st;
	struct ew_writer *w;
	int n = 4000; /* about 2 MiB: eight times the steady queue */

	w = stalled_with(&o, n);
	ew_writer_stats(w, &st);
	cr_assert_eq(st.dropped, 0, "dropped %llu below the cap", (unsigned long long)st.dropped);
	cr_assert_eq(st.queue_grown, 1);
	cr_assert_geq(st.queue_peak_bytes, (uint64_t)n * 501);
	cr_assert_leq(st.queue_peak_bytes, o.queue_max_bytes);
	cr_assert_geq(st.mapped_bytes, (uint64_t)n * 501);
	stall(false);
	wait_drained(w, &st);
	cr_assert_eq(st.dropped, 0);
	cr_assert_leq(st.mapped_bytes, 2 * BATCH_SIZE, "still mapped after the stall: %llu",
		      (unsigned long long)st.mapped_bytes);
	cr_assert_eq(ew_writer_close(w, false, &st), 0);
	cr_assert_eq(st.put, (uint64_t)n + 1);
	cr_assert_eq(st.written, (uint64_t)n + 1);
}

/* Past the cap a stalled disk drops whole batches, counted; the rest is written. */
Test(writer, a_stall_past_the_cap_drops_and_counts)
{
	struct ew_writer_opts o = {
	    .records_dir = root, .queue_bytes = STEADY, .queue_max_bytes = (size_t)1 << 20};
	struct ew_writer_stats st;
	struct ew_writer *w;
	int n = 6000; /* about 3 MiB */

	w = stalled_with(&o, n);
	ew_writer_stats(w, &st);
	cr_assert_gt(st.dropped, 0);
	cr_assert_leq(st.queue_peak_bytes, o.queue_max_bytes);
	/* The cap was reached: what was not queued is all that was dropped. */
	cr_assert_geq(st.queue_peak_bytes, o.queue_max_bytes - 100 * 501);
	cr_assert_eq(st.queue_grown, 1);
	stall(false);
	cr_assert_eq(ew_writer_close(w, false, &st), 0);
	cr_assert_eq(st.put, (uint64_t)n + 1);
	cr_assert_eq(st.written + st.dropped, st.put);
	cr_assert_geq(st.written, (uint64_t)o.queue_max_bytes / 501 - 100);
	cr_assert_eq(st.write_errors, 0);
}

/* A replay waits for the disk at the steady size: it never grows and never drops. */
Test(writer, a_replay_waits_at_the_steady_size)
{
	struct ew_writer_opts o = {.records_dir = root,
				   .queue_bytes = STEADY,
				   .queue_max_bytes = (size_t)4 << 20,
				   .block_when_full = true};
	struct ew_writer_stats st;
	struct ew_writer *w;
	int n = 4000;

	cr_assert_eq(ew_writer_open(&o, &w), 0);
	put_many(w, n);
	cr_assert_eq(ew_writer_close(w, false, &st), 0);
	cr_assert_eq(st.written, (uint64_t)n);
	cr_assert_eq(st.dropped, 0);
	cr_assert_eq(st.queue_grown, 0);
	cr_assert_leq(st.queue_peak_bytes, STEADY);
}
