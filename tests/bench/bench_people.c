// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_people - inserts per second into one yearly people counter, exact
 * mode (agent/verdict/people.c), the way the verdict stage feeds it.
 *
 * Cases, each on a fresh counter with the crossover above N:
 *  - new:     N distinct random hashes one by one (the table grows from
 *             empty, so its rehashes are in the time)
 *  - seen:    the same N again: every one already counted
 *  - batch:   N distinct through ew_people_add_many() in flows of 64
 *             people, which prefetches ahead
 *  - hll:     N distinct into a counter past its crossover (the sketch)
 * Also the time to save the counter of N sorted hashes (to -d DIR,
 * /dev/shm by default) and to load it back.
 *
 *   bench_people [-n N] [-r ROUNDS] [-c CPU] [-d DIR]
 *
 * Defaults: N 2,000,000 (the default crossover), 5 rounds, the best and
 * median round printed. Times are the thread's CPU time: on a shared
 * machine other processes' time slices would otherwise decide the median
 * (their cache pressure still counts; save_s excludes the fsync wait). The last line starts with
 * "RESULT ".
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pin.h"
#include "verdict/people.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum { NEW, SEEN, BATCH, HLL, SAVE, LOAD, NCASE };
static const char *const names[NCASE] = {"new", "seen", "batch", "hll", "save_s", "load_s"};

int main(int argc, char **argv)
{
	uint64_t n = 2000000, seed = 1;
	int rounds = 5, cpu = -1, o;
	const char *dir = "/dev/shm";
	double t[NCASE][64];
	char err[512], sdir[512];

	while ((o = getopt(argc, argv, "n:r:c:d:")) != -1) {
		switch (o) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n N] [-r ROUNDS] [-c CPU] [-d DIR]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > 64 || n < 1) {
		fprintf(stderr, "bench_people: bad -n or -r\n");
		return 2;
	}
	bench_pin_cpu(cpu, "bench_people");
	uint64_t *h = malloc(n * sizeof(*h));

	if (!h)
		return 1;
	for (uint64_t i = 0; i < n; i++)
		h[i] = splitmix(&seed);
	snprintf(sdir, sizeof(sdir), "%s/bench_people.%d", dir, (int)getpid());
	for (int r = 0; r < rounds; r++) {
		struct ew_people_opts opt = {.crossover = n + 1};
		struct ew_people *p, *q;
		struct ew_people_key k;
		struct ew_people_counter *c;
		double t0;

		if (ew_people_new(&p, &opt, err, sizeof(err))) {
			fprintf(stderr, "bench_people: %s\n", err);
			return 1;
		}
		ew_people_key(&k, EW_PEOPLE_ENTITY, "bench", EW_PEOPLE_PI, false, 2026);
		c = ew_people_get(p, &k, true);
		t0 = now();
		for (uint64_t i = 0; i < n; i++)
			ew_people_add(c, h[i]);
		t[NEW][r] = now() - t0;
		t0 = now();
		for (uint64_t i = 0; i < n; i++)
			ew_people_add(c, h[i]);
		t[SEEN][r] = now() - t0;
		t0 = now();
		if (ew_people_save(p, sdir, err, sizeof(err))) {
			fprintf(stderr, "bench_people: %s\n", err);
			return 1;
		}
		t[SAVE][r] = now() - t0;
		ew_people_new(&q, &opt, err, sizeof(err));
		t0 = now();
		if (ew_people_load(q, sdir, err, sizeof(err))) {
			fprintf(stderr, "bench_people: %s\n", err);
			return 1;
		}
		t[LOAD][r] = now() - t0;
		ew_people_free(q);

		k.cls = EW_PEOPLE_SENSITIVE_PI;
		c = ew_people_get(p, &k, true);
		t0 = now();
		for (uint64_t i = 0; i < n; i += 64)
			ew_people_add_many(c, h + i, n - i < 64 ? n - i : 64, NULL);
		t[BATCH][r] = now() - t0;

		ew_people_free(p);
		opt.crossover = 1;
		ew_people_new(&p, &opt, err, sizeof(err));
		c = ew_people_get(p, &k, true);
		ew_people_add(c, 1);
		ew_people_add(c, 2); /* past the crossover: a sketch from here */
		t0 = now();
		for (uint64_t i = 0; i < n; i++)
			ew_people_add(c, h[i]);
		t[HLL][r] = now() - t0;
		ew_people_free(p);
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sdir);
		if (system(cmd))
			fprintf(stderr, "bench_people: could not remove %s\n", sdir);
	}
	printf("bench_people: %llu hashes, %d rounds\n", (unsigned long long)n, rounds);
	printf("RESULT n=%llu", (unsigned long long)n);
	for (int i = 0; i < NCASE; i++) {
		qsort(t[i], (size_t)rounds, sizeof(double), cmp_d);
		if (i < SAVE)
			printf(" %s_per_s=%.0f %s_best_per_s=%.0f", names[i], n / t[i][rounds / 2],
			       names[i], n / t[i][0]);
		else
			printf(" %s=%.3f", names[i], t[i][rounds / 2]);
	}
	printf("\n");
	free(h);
	return 0;
}
