// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_writer - the records writer (out/writer.h): records per second
 * through its thread into DATA_DIR/records/YYYY-MM-DD/HH.jsonl, and the time
 * from a record's put to its line being readable in that file.
 *
 *   bench_writer [-m all|tput|lat] [-d DIR]... [-n RECORDS] [-r RATE]...
 *                [-t SECONDS] [-b BURST_MS] [-q QUEUE_MIB] [-c CPU] [-k]
 *
 * Every record is a real line of tests/data/abi2/records.jsonl (898 bytes,
 * the shortest there; lines with a process are 1.1-1.6 kB) with its flow_id
 * varied, so that no two lines are the same.
 *
 * Throughput (-m tput): -n records (default 1,000,000, 899 MB) put as fast as
 * one thread can, with block_when_full so none is dropped: once the queue
 * (-q, default 16 MiB) is full the producer waits for the writer, so the put
 * rate is the writer's. Printed: the put rate, and the rate until
 * ew_writer_close() returns (everything written and fsync'd), in records/s
 * and MiB/s, and the process's CPU time. With -c the producer and the
 * writer's thread share that CPU (the whole path on one core); without it
 * nothing is pinned.
 *
 * Latency (-m lat): for each -r (default 1000 and 50000 records/s), -t
 * seconds (default 6: about 5, and long enough that the writer's 5-second
 * fdatasync falls inside the run), a producer wakes every -b ms (default 10,
 * clock_nanosleep to an absolute deadline), puts the records due by then and
 * calls ew_writer_push(), as the live loop does after each drain of the ring.
 * block_when_full is off, as live: a full queue drops and counts. Each line's
 * flow_id is its CLOCK_MONOTONIC put time in hex. A reader thread follows the
 * file as tail -F does (reads on from its offset, sleeps 1 ms at the end) and
 * takes now - put time for each complete line: p50, p99 and max, and when
 * the worst line was put (at +5 s it waited for the fdatasync). The 1 ms poll
 * is in every number, about 0.5 ms of it on average. Not pinned (-c is
 * for throughput only): the reader must not queue behind the writer.
 *
 * Each -d (default /dev/shm; give /var/tmp too for a disk) gets every run,
 * each in a fresh directory under it, removed afterwards unless -k. All puts
 * of a run carry the run's start time, so one hour's file holds them all:
 * an hour rolling mid-run would not be the writer's steady state.
 *
 * The last line printed starts with "RESULT ": per -d, keys prefixed with
 * "tmpfs_" or "disk_" (by statfs; a second -d of the same kind gets
 * "tmpfs2_"/"disk2_"): PFX=DIR, PFX_rps (until close), PFX_mib_s, PFX_put_rps,
 * PFX_close_s, PFX_dropped, and per rate R: PFX_rR_p50_ms, PFX_rR_p99_ms,
 * PFX_rR_max_ms, PFX_rR_seen, PFX_rR_put, PFX_rR_dropped.
 *
 * The exit status is 1 if a line is missing, malformed or dropped where
 * nothing may be (throughput), or the file's size is not the lines'.
 *
 *   bench_writer -d /dev/shm -d /var/tmp
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "out/writer.h"
#include "pin.h"
#include "util/timefmt.h"

#define MAX_DIRS   8
#define MAX_RATES  8
#define FOLLOW_BUF ((size_t)1 << 20)
#define DRAIN_NS   5000000000ll /* after the last put, how long the reader may take */

/* tests/data/abi2/records.jsonl, line 17. */
static const char template_line[] =
    "{\"@timestamp\":\"2026-12-01T08:22:54.093+08:00\",\"event\":{\"kind\":\"event\","
    "\"category\":[\"network\"],\"type\":[\"connection\",\"end\"],\"action\":\"flow\","
    "\"start\":\"2026-12-01T08:22:54.093+08:00\",\"end\":\"2026-12-01T08:22:54.093+08:00\","
    "\"duration\":0},\"network\":{\"transport\":\"tcp\",\"type\":\"ipv4\","
    "\"direction\":\"unknown\",\"bytes\":5822,"
    "\"community_id\":\"1:hTGvVOQbMk5bc5pe7nVvUuwlAS0=\"},"
    "\"source\":{\"ip\":\"198.18.0.2\",\"port\":8080,\"bytes\":758},"
    "\"destination\":{\"ip\":\"198.18.0.1\",\"port\":50722,\"bytes\":5064,"
    "\"geo\":{\"country_iso_code\":\"CN\"},\"as\":{\"number\":64500,"
    "\"organization\":{\"name\":\"EXAMPLE-AS\"}}},\"host\":{\"hostname\":\"vm\"},"
    "\"egresswatch\":{\"flow_id\":\"969928ae5ff476ed\",\"final\":true,"
    "\"end_reason\":\"closed\",\"bytes_out\":758,\"bytes_in\":5064,\"bytes_out_total\":758,"
    "\"bytes_in_total\":5064,\"border\":\"domestic\",\"peer\":{\"ip\":\"198.18.0.1\","
    "\"port\":50722,\"country\":\"CN\",\"asn\":64500,\"as_org\":\"EXAMPLE-AS\","
    "\"network\":\"lab-shanghai\",\"located_by\":\"network\"}}}";

struct opts {
	bool tput, lat;
	const char *dirs[MAX_DIRS];
	int n_dirs;
	uint64_t n;
	uint64_t rates[MAX_RATES];
	int n_rates;
	double seconds;
	int64_t burst_ns;
	size_t queue_bytes;
	int cpu;
	bool keep;
};

struct line {
	char buf[sizeof(template_line)];
	size_t len;
	size_t id_off; /* the 16 hex digits of the flow_id */
};

static cpu_set_t orig_cpus; /* to unpin after a throughput run */

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int line_init(struct line *l)
{
	static const char key[] = "\"flow_id\":\"";
	const char *p = strstr(template_line, key);

	memcpy(l->buf, template_line, sizeof(template_line));
	l->len = sizeof(template_line) - 1;
	if (!p)
		return -EINVAL;
	l->id_off = (size_t)(p - template_line) + sizeof(key) - 1;
	return 0;
}

static void line_set_id(struct line *l, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--, v >>= 4)
		l->buf[l->id_off + (size_t)i] = hex[v & 15];
}

/* The flow_id of a line of @n bytes, or -1. */
static int64_t line_get_id(const char *s, size_t n)
{
	static const char key[] = "\"flow_id\":\"";
	const char *p = memmem(s, n, key, sizeof(key) - 1);
	uint64_t v = 0;

	if (!p || (size_t)(p - s) + sizeof(key) - 1 + 16 > n)
		return -1;
	p += sizeof(key) - 1;
	for (int i = 0; i < 16; i++) {
		char c = p[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return -1;
	}
	return (int64_t)v;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* A fresh DIR/ew-bench-writer-XXXXXX; @rec receives its records directory. */
static int make_dir(const char *base, char *dir, char *rec)
{
	snprintf(dir, PATH_MAX, "%s/ew-bench-writer-XXXXXX", base);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_writer: mkdtemp %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	snprintf(rec, PATH_MAX, "%s/records", dir);
	return 0;
}

static void remove_dir(const struct opts *o, const char *dir)
{
	if (o->keep)
		fprintf(stderr, "bench_writer: kept %s\n", dir);
	else
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The hour's file the writer makes for @realtime_ns (hourly.h). */
static void hour_path(const char *rec, int64_t realtime_ns, char *out)
{
	char date[11];
	int hour = 0;

	if (ew_timefmt_hour(realtime_ns, date, &hour))
		strcpy(date, "?");
	snprintf(out, PATH_MAX, "%s/%s/%02d.jsonl", rec, date, hour);
}

static const char *dir_kind(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC))
		return "tmpfs";
	return "disk";
}

/* "tmpfs" or "disk", numbered from the second -d of a kind. */
static void dir_label(const struct opts *o, int i, char *out, size_t n)
{
	const char *kind = dir_kind(o->dirs[i]);
	int same = 0;

	for (int j = 0; j < i; j++)
		if (strcmp(dir_kind(o->dirs[j]), kind) == 0)
			same++;
	if (same)
		snprintf(out, n, "%s%d", kind, same + 1);
	else
		snprintf(out, n, "%s", kind);
}

/* The RESULT line, built as the runs go. */
static char result[8192];

static void result_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void result_add(const char *fmt, ...)
{
	size_t len = strlen(result);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result + len, sizeof(result) - len, fmt, ap);
	va_end(ap);
}

/* ---- throughput ---- */

static int run_tput(const struct opts *o, const char *base, const char *label)
{
	struct ew_writer_opts wo = {.queue_bytes = o->queue_bytes, .block_when_full = true};
	char dir[PATH_MAX], rec[PATH_MAX], file[PATH_MAX], where[32];
	struct ew_writer_stats st = {0};
	struct ew_writer *w;
	struct line l;
	struct stat fst;
	int64_t realtime, t0, t1, t2, c0, c2;
	double put_s, all_s, mib;
	int rc, cpu = -1;

	if (line_init(&l) || make_dir(base, dir, rec))
		return 1;
	wo.records_dir = rec;
	/* Pinned before the writer's thread exists, so that it inherits the CPU. */
	if (o->cpu >= 0)
		cpu = bench_pin_cpu(o->cpu, "bench_writer");
	rc = ew_writer_open(&wo, &w);
	if (rc) {
		fprintf(stderr, "bench_writer: ew_writer_open %s: %s\n", rec, strerror(-rc));
		remove_dir(o, dir);
		return 1;
	}
	realtime = now_ns(CLOCK_REALTIME);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (uint64_t i = 0; i < o->n; i++) {
		line_set_id(&l, i);
		ew_writer_put(w, realtime, l.buf, l.len);
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	rc = ew_writer_close(w, false, &st);
	t2 = now_ns(CLOCK_MONOTONIC);
	c2 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (o->cpu >= 0)
		sched_setaffinity(0, sizeof(orig_cpus), &orig_cpus);
	hour_path(rec, realtime, file);
	if (stat(file, &fst))
		fst.st_size = -1;
	remove_dir(o, dir);

	put_s = (double)(t1 - t0) / 1e9;
	all_s = (double)(t2 - t0) / 1e9;
	mib = (double)o->n * (double)(l.len + 1) / 1048576.0;
	if (cpu >= 0)
		snprintf(where, sizeof(where), "on CPU %d", cpu);
	else
		snprintf(where, sizeof(where), "not pinned");
	printf("throughput to %s (%s), %llu records of %zu bytes, %s:\n", base, label,
	       (unsigned long long)o->n, l.len + 1, where);
	printf("  put:           %.3f s, %.0f records/s, %.1f MiB/s\n", put_s, o->n / put_s,
	       mib / put_s);
	printf("  until close:   %.3f s, %.0f records/s, %.1f MiB/s (close: %.3f s)%s\n", all_s,
	       o->n / all_s, mib / all_s, (double)(t2 - t1) / 1e9, rc ? " CLOSE FAILED" : "");
	printf("  CPU time:      %.3f s, %.2f us/record (producer and writer thread)\n",
	       (double)(c2 - c0) / 1e9, (double)(c2 - c0) / 1e3 / (double)o->n);
	printf("  records:       %llu put, %llu written, %llu dropped, %llu write errors; "
	       "file %lld bytes (%s)\n",
	       (unsigned long long)st.put, (unsigned long long)st.written,
	       (unsigned long long)st.dropped, (unsigned long long)st.write_errors,
	       (long long)fst.st_size,
	       fst.st_size == (off_t)(o->n * (l.len + 1)) ? "as expected" : "WRONG SIZE");
	result_add(" %s_rps=%.0f %s_mib_s=%.1f %s_put_rps=%.0f %s_close_s=%.3f %s_dropped=%llu",
		   label, o->n / all_s, label, mib / all_s, label, o->n / put_s, label,
		   (double)(t2 - t1) / 1e9, label, (unsigned long long)st.dropped);
	return rc || st.written != o->n || fst.st_size != (off_t)(o->n * (l.len + 1));
}

/* ---- latency ---- */

struct follow {
	char path[PATH_MAX];
	bool stop;	/* the producer's: read to the end once more, then return */
	uint64_t lines; /* complete lines seen, read by the producer */
	int64_t *lat;	/* ns, one per line with a flow_id */
	size_t n_lat, cap;
	int64_t worst, worst_put; /* the largest latency, and when that line was put */
	uint64_t bad;		  /* lines without a flow_id */
	int err;
};

/* tail -F: read from the offset on; at the end, sleep 1 ms and try again. */
static void *follow_run(void *arg)
{
	const struct timespec tick = {0, 1000000};
	struct follow *f = arg;
	char *buf = malloc(FOLLOW_BUF);
	size_t have = 0;
	int fd = -1;

	if (!buf) {
		f->err = -ENOMEM;
		return NULL;
	}
	for (;;) {
		/* Loaded before the read: a read that then finds nothing has seen every line. */
		bool stop = __atomic_load_n(&f->stop, __ATOMIC_ACQUIRE);
		ssize_t n = 0;

		if (fd < 0) {
			fd = open(f->path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 && errno != ENOENT) {
				f->err = -errno;
				break;
			}
		}
		if (fd >= 0)
			n = read(fd, buf + have, FOLLOW_BUF - have);
		if (n > 0) {
			int64_t now = now_ns(CLOCK_MONOTONIC);
			char *s = buf, *end = buf + have + n, *nl;
			uint64_t lines = 0;

			while ((nl = memchr(s, '\n', (size_t)(end - s)))) {
				int64_t put = line_get_id(s, (size_t)(nl - s));

				if (put < 0) {
					f->bad++;
				} else {
					if (f->n_lat < f->cap)
						f->lat[f->n_lat++] = now - put;
					if (now - put > f->worst) {
						f->worst = now - put;
						f->worst_put = put;
					}
				}
				lines++;
				s = nl + 1;
			}
			have = (size_t)(end - s);
			if (have == FOLLOW_BUF) { /* no line is this long: not a records file */
				f->bad++;
				have = 0;
			}
			memmove(buf, s, have);
			__atomic_add_fetch(&f->lines, lines, __ATOMIC_RELEASE);
			continue;
		}
		if (n < 0 && errno != EINTR) {
			f->err = -errno;
			break;
		}
		if (stop)
			break;
		clock_nanosleep(CLOCK_MONOTONIC, 0, &tick, NULL);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least @p of the values at or below it. */
static double pct_ms(const int64_t *v, size_t n, double p)
{
	size_t r = (size_t)(p * (double)n + 0.999999);

	if (!n)
		return 0;
	return (double)v[r ? r - 1 : 0] / 1e6;
}

static int run_lat(const struct opts *o, const char *base, const char *label, uint64_t rate)
{
	struct ew_writer_opts wo = {.queue_bytes = o->queue_bytes, .block_when_full = false};
	uint64_t total = (uint64_t)(o->seconds * (double)rate), done = 0, late = 0;
	char dir[PATH_MAX], rec[PATH_MAX];
	struct ew_writer_stats st = {0};
	struct follow f = {0};
	struct ew_writer *w;
	pthread_t reader;
	struct line l;
	int64_t realtime, t0, next, t_end, until;
	double p50, p99, max;
	int rc;

	f.cap = total;
	f.lat = malloc(sizeof(*f.lat) * (total ? total : 1));
	if (!f.lat || line_init(&l) || make_dir(base, dir, rec)) {
		free(f.lat);
		return 1;
	}
	wo.records_dir = rec;
	rc = ew_writer_open(&wo, &w);
	if (rc) {
		fprintf(stderr, "bench_writer: ew_writer_open %s: %s\n", rec, strerror(-rc));
		remove_dir(o, dir);
		free(f.lat);
		return 1;
	}
	realtime = now_ns(CLOCK_REALTIME);
	hour_path(rec, realtime, f.path);
	rc = pthread_create(&reader, NULL, follow_run, &f);
	if (rc) {
		fprintf(stderr, "bench_writer: pthread_create: %s\n", strerror(rc));
		ew_writer_close(w, false, NULL);
		remove_dir(o, dir);
		free(f.lat);
		return 1;
	}

	t0 = now_ns(CLOCK_MONOTONIC);
	next = t0;
	while (done < total) {
		struct timespec ts;
		uint64_t due;

		next += o->burst_ns;
		ts.tv_sec = next / 1000000000ll;
		ts.tv_nsec = next % 1000000000ll;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (now_ns(CLOCK_MONOTONIC) - next > o->burst_ns)
			late++;
		/* Records due by this deadline, so that a late wake-up catches up. */
		due = (uint64_t)((double)rate * (double)(next - t0) / 1e9);
		if (due > total)
			due = total;
		for (; done < due; done++) {
			line_set_id(&l, (uint64_t)now_ns(CLOCK_MONOTONIC));
			ew_writer_put(w, realtime, l.buf, l.len);
		}
		ew_writer_push(w);
	}
	t_end = now_ns(CLOCK_MONOTONIC);

	/* Let the reader see every line that will be written before stopping it. */
	until = t_end + DRAIN_NS;
	for (;;) {
		const struct timespec tick = {0, 1000000};

		ew_writer_stats(w, &st);
		if (__atomic_load_n(&f.lines, __ATOMIC_ACQUIRE) >= st.put - st.dropped ||
		    now_ns(CLOCK_MONOTONIC) > until)
			break;
		clock_nanosleep(CLOCK_MONOTONIC, 0, &tick, NULL);
	}
	__atomic_store_n(&f.stop, true, __ATOMIC_RELEASE);
	pthread_join(reader, NULL);
	rc = ew_writer_close(w, false, &st);
	remove_dir(o, dir);

	qsort(f.lat, f.n_lat, sizeof(*f.lat), cmp_i64);
	p50 = pct_ms(f.lat, f.n_lat, 0.50);
	p99 = pct_ms(f.lat, f.n_lat, 0.99);
	max = f.n_lat ? (double)f.lat[f.n_lat - 1] / 1e6 : 0;
	printf("latency to %s (%s), %llu records/s for %.1f s, a push every %.1f ms:\n", base,
	       label, (unsigned long long)rate, o->seconds, (double)o->burst_ns / 1e6);
	printf("  put:           %llu records in %.3f s (%.0f/s), %llu wake-ups more than a "
	       "burst late\n",
	       (unsigned long long)done, (double)(t_end - t0) / 1e9,
	       (double)done * 1e9 / (double)(t_end - t0), (unsigned long long)late);
	/* When the worst line was put tells a fdatasync (every 5 s) from a scheduling hiccup. */
	printf("  put to line:   p50 %.3f ms, p99 %.3f ms, max %.3f ms (put at +%.3f s)\n", p50,
	       p99, max, (double)(f.worst_put - t0) / 1e9);
	printf("  lines:         %llu seen, %llu written, %llu dropped, %llu write errors, "
	       "%llu without a flow_id%s%s\n",
	       (unsigned long long)f.lines, (unsigned long long)st.written,
	       (unsigned long long)st.dropped, (unsigned long long)st.write_errors,
	       (unsigned long long)f.bad, f.err ? ", READER FAILED: " : "",
	       f.err ? strerror(-f.err) : "");
	result_add(" %s_r%llu_p50_ms=%.3f %s_r%llu_p99_ms=%.3f %s_r%llu_max_ms=%.3f "
		   "%s_r%llu_seen=%llu %s_r%llu_put=%llu %s_r%llu_dropped=%llu",
		   label, (unsigned long long)rate, p50, label, (unsigned long long)rate, p99,
		   label, (unsigned long long)rate, max, label, (unsigned long long)rate,
		   (unsigned long long)f.lines, label, (unsigned long long)rate,
		   (unsigned long long)done, label, (unsigned long long)rate,
		   (unsigned long long)st.dropped);
	free(f.lat);
	return rc || f.err || f.bad || f.lines != st.written;
}

/* ---- main ---- */

static void usage(void)
{
	fputs(
	    "usage: bench_writer [-m all|tput|lat] [-d DIR]... [-n RECORDS] [-r RATE]...\n"
	    "                    [-t SECONDS] [-b BURST_MS] [-q QUEUE_MIB] [-c CPU] [-k]\n"
	    "  -m  what to run: throughput, latency or both (default all)\n"
	    "  -d  where to write, repeatable (default /dev/shm)\n"
	    "  -n  records for throughput (default 1000000)\n"
	    "  -r  records/s for latency, repeatable (default 1000 and 50000)\n"
	    "  -t  seconds per rate (default 6)\n"
	    "  -b  ms between bursts and pushes (default 10)\n"
	    "  -q  writer queue in MiB (default: the writer's, 16)\n"
	    "  -c  CPU for the throughput runs: producer and writer thread (default: not pinned)\n"
	    "  -k  keep the directories written\n",
	    stderr);
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){
	    .tput = true, .lat = true, .n = 1000000, .seconds = 6, .burst_ns = 10000000, .cpu = -1};
	while ((c = getopt(argc, argv, "m:d:n:r:t:b:q:c:kh")) != -1) {
		switch (c) {
		case 'm':
			o->tput = !strcmp(optarg, "all") || !strcmp(optarg, "tput");
			o->lat = !strcmp(optarg, "all") || !strcmp(optarg, "lat");
			if (!o->tput && !o->lat) {
				usage();
				return 2;
			}
			break;
		case 'd':
			if (o->n_dirs == MAX_DIRS) {
				usage();
				return 2;
			}
			o->dirs[o->n_dirs++] = optarg;
			break;
		case 'n':
			o->n = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			if (o->n_rates == MAX_RATES) {
				usage();
				return 2;
			}
			o->rates[o->n_rates++] = strtoull(optarg, NULL, 0);
			break;
		case 't':
			o->seconds = atof(optarg);
			break;
		case 'b':
			o->burst_ns = (int64_t)(atof(optarg) * 1e6);
			break;
		case 'q':
			o->queue_bytes = (size_t)strtoull(optarg, NULL, 0) << 20;
			break;
		case 'c':
			o->cpu = atoi(optarg);
			break;
		case 'k':
			o->keep = true;
			break;
		default:
			usage();
			return c == 'h' ? 0 : 2;
		}
	}
	if (!o->n_dirs)
		o->dirs[o->n_dirs++] = "/dev/shm";
	if (!o->n_rates) {
		o->rates[o->n_rates++] = 1000;
		o->rates[o->n_rates++] = 50000;
	}
	for (int i = 0; i < o->n_rates; i++)
		if (!o->rates[i]) {
			usage();
			return 2;
		}
	if (!o->n || o->seconds <= 0 || o->burst_ns <= 0 || optind != argc) {
		usage();
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc, failed = 0;

	rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (sched_getaffinity(0, sizeof(orig_cpus), &orig_cpus)) {
		fprintf(stderr, "bench_writer: sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < o.n_dirs; i++) {
		char label[16];

		dir_label(&o, i, label, sizeof(label));
		result_add(" %s=%s", label, o.dirs[i]);
		if (o.tput)
			failed |= run_tput(&o, o.dirs[i], label);
		for (int r = 0; o.lat && r < o.n_rates; r++)
			failed |= run_lat(&o, o.dirs[i], label, o.rates[r]);
	}
	/* sizeof counts the NUL, the file a newline instead. */
	printf("RESULT%s line_bytes=%zu%s\n", result, sizeof(template_line),
	       failed ? " failed=1" : "");
	return failed ? 1 : 0;
}
