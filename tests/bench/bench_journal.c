// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_journal - what the people journal costs a ring drain: buffering
 * entries and one write + fdatasync per drain, for drains of 1, 16 and 256
 * newly counted people, in the directory given (a disk, not tmpfs, for the
 * sync to mean anything).
 *
 *   bench_journal [-d DIR] [-n DRAINS]
 * Prints per batch size the median and 99th percentile microseconds of a
 * drain's sync, and entries/s buffered; RESULT last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "verdict/journal.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const int batch[] = {1, 16, 256};
	const char *dir = "/var/tmp";
	struct ew_people_key k;
	char sdir[512], err[256] = "", cmd[600];
	double p50[3], p99[3], add_rate = 0;
	int drains = 500, opt;

	while ((opt = getopt(argc, argv, "d:n:")) != -1) {
		if (opt == 'd') {
			dir = optarg;
		} else if (opt == 'n') {
			drains = atoi(optarg);
		} else {
			fprintf(stderr, "usage: %s [-d DIR] [-n DRAINS]\n", argv[0]);
			return 2;
		}
	}
	if (drains < 10) {
		fprintf(stderr, "bench_journal: -n must be at least 10\n");
		return 2;
	}
	snprintf(sdir, sizeof(sdir), "%s/bench_journal.%d", dir, (int)getpid());
	if (ew_people_key(&k, EW_PEOPLE_ENTITY, "Acme", EW_PEOPLE_PI, false, 2026))
		return 1;
	for (int b = 0; b < 3; b++) {
		double *t = calloc((size_t)drains, sizeof(*t)), t0, adds = 0;
		struct ew_journal *j;
		uint64_t h = 1;

		if (!t || ew_journal_open(&j, sdir, err, sizeof(err))) {
			fprintf(stderr, "bench_journal: %s\n", err);
			return 1;
		}
		for (int d = 0; d < drains; d++) {
			t0 = now();
			for (int i = 0; i < batch[b]; i++)
				ew_journal_add(j, &k, h++ * 0x9e3779b97f4a7c15ull);
			adds += now() - t0;
			t0 = now();
			if (ew_journal_sync(j)) {
				fprintf(stderr, "bench_journal: sync failed\n");
				return 1;
			}
			t[d] = now() - t0;
		}
		if (b == 2)
			add_rate = (double)drains * batch[b] / adds;
		ew_journal_reset(j);
		ew_journal_free(j);
		qsort(t, (size_t)drains, sizeof(*t), cmp);
		p50[b] = t[drains / 2] * 1e6;
		p99[b] = t[drains * 99 / 100] * 1e6;
		printf("bench_journal: %d drains of %d people in %s: sync median %.0f us, p99 %.0f "
		       "us\n",
		       drains, batch[b], dir, p50[b], p99[b]);
		free(t);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sdir);
	if (system(cmd))
		fprintf(stderr, "bench_journal: could not remove %s\n", sdir);
	printf("RESULT sync1_us=%.0f sync1_p99_us=%.0f sync16_us=%.0f sync256_us=%.0f "
	       "sync256_p99_us=%.0f add_per_s=%.0f\n",
	       p50[0], p99[0], p50[1], p50[2], p99[2], add_rate);
	return 0;
}
