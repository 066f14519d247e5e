// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_tls_targets - what finding TLS uprobe targets costs.
 *
 * Times, with CLOCK_MONOTONIC, on a fresh registry that attaches nothing:
 * ew_tls_targets_scan_system(), then ew_tls_targets_scan_all() (every file
 * of every process is new: the cost at agent start), then rounds of
 * ew_tls_targets_scan_pid() on processes already seen (the cost the agent
 * pays at each exec and first connect of a process whose files it knows):
 * this process, and every process in /proc once per round. Prints the
 * median per scan_pid in µs. Then the mapping walk alone on this process,
 * with PROCMAP_QUERY (Linux 6.11+) and with the text of /proc/PID/maps.
 *
 *   bench_tls_targets [-r ROUNDS] [-c CPU]
 *
 * Defaults: 200 rounds. Needs root to read other users' processes. The
 * last line printed starts with "RESULT ".
 */
#include <ctype.h>
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "pin.h"
#include "tls/maps.h"
#include "tls/targets.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n ? v[n / 2] : 0;
}

static int pids(int *v, int max)
{
	struct dirent *d;
	DIR *dh = opendir("/proc");
	int n = 0;

	while (dh && (d = readdir(dh)) && n < max)
		if (isdigit((unsigned char)d->d_name[0]))
			v[n++] = atoi(d->d_name);
	if (dh)
		closedir(dh);
	return n;
}

static bool all_known(void *ctx, uint64_t dev, uint64_t ino)
{
	return true;
}

static void none(void *ctx, const struct ew_maps_entry *m)
{
}

/* Median µs of one walk of this process's executable mappings. */
static double walk_us(bool text_only, double *v, int rounds, bool *query)
{
	struct ew_maps *m;

	if (ew_maps_new(text_only, &m))
		return -1;
	for (int i = 0; i < rounds; i++) {
		double t0 = now_us();

		ew_maps_each_exec(m, getpid(), all_known, none, NULL);
		v[i] = now_us() - t0;
	}
	*query = ew_maps_uses_query(m);
	ew_maps_free(m);
	return median(v, rounds);
}

int main(int argc, char **argv)
{
	static int pid[4096];
	struct ew_tls_targets *r;
	struct ew_tls_stats s0, s1;
	double t0, sys_us, all_us, *self, *each;
	int rounds = 200, cpu = -1, c, np;

	while ((c = getopt(argc, argv, "r:c:")) != -1) {
		if (c == 'r')
			rounds = atoi(optarg);
		else if (c == 'c')
			cpu = atoi(optarg);
		else
			return 2;
	}
	if (rounds < 1)
		rounds = 1;
	bench_pin_cpu(cpu, "bench_tls_targets");
	if (ew_tls_targets_new(NULL, NULL, &r))
		return 1;
	t0 = now_us();
	ew_tls_targets_scan_system(r);
	sys_us = now_us() - t0;
	t0 = now_us();
	ew_tls_targets_scan_all(r);
	all_us = now_us() - t0;
	s0 = ew_tls_targets_stats(r);
	np = pids(pid, 4096);
	printf("scan_system %.0f us, scan_all %.0f us: %d processes, %llu files examined, "
	       "%d with TLS functions\n",
	       sys_us, all_us, np, (unsigned long long)s0.examined, ew_tls_targets_count(r));

	self = calloc((size_t)rounds, sizeof(*self));
	each = calloc((size_t)rounds, sizeof(*each));
	if (!self || !each)
		return 1;
	for (int i = 0; i < rounds; i++) {
		t0 = now_us();
		ew_tls_targets_scan_pid(r, getpid());
		self[i] = now_us() - t0;
		t0 = now_us();
		for (int p = 0; p < np; p++)
			ew_tls_targets_scan_pid(r, pid[p]);
		each[i] = (now_us() - t0) / (np ? np : 1);
	}
	s1 = ew_tls_targets_stats(r);
	printf("seen processes: scan_pid self median %.1f us, every process median %.1f us per "
	       "scan; %llu files examined in %d rounds (new processes only)\n",
	       median(self, rounds), median(each, rounds),
	       (unsigned long long)(s1.examined - s0.examined), rounds);
	{
		double q_self = median(self, rounds), q_each = median(each, rounds);
		bool used_query, used_text;
		double wq = walk_us(false, self, rounds, &used_query);
		double wt = walk_us(true, each, rounds, &used_text);

		printf("mapping walk of this process: %.1f us with %s, %.1f us with the text\n", wq,
		       used_query ? "PROCMAP_QUERY" : "the text (no PROCMAP_QUERY)", wt);
		printf("RESULT scan_system_us=%.0f scan_all_us=%.0f processes=%d examined=%llu "
		       "scan_pid_seen_self_us=%.1f scan_pid_seen_avg_us=%.1f walk_query_us=%.1f "
		       "walk_text_us=%.1f\n",
		       sys_us, all_us, np, (unsigned long long)s0.examined, q_self, q_each, wq, wt);
	}
	free(self);
	free(each);
	ew_tls_targets_free(r);
	return 0;
}
