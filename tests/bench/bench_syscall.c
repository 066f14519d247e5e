// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_syscall - getppid() system calls per second in a tight loop.
 *
 * Deliberately simple: it measures the cost of entering and leaving the
 * kernel, which a syscall tracepoint program (attached anywhere on the host)
 * raises for every task (KERNEL-NOTES "Costs").
 *
 *   bench_syscall [-t SECONDS] [-c CPU]
 *
 * -t: how long to loop (default 5); -c: pin to that CPU (default: not pinned).
 * The last line printed starts with "RESULT ".
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Calls between two looks at the clock. */
#define BATCH 1024

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double duration = 5, t0, t1;
	uint64_t calls = 0;
	int c, cpu = -1;

	while ((c = getopt(argc, argv, "t:c:h")) != -1) {
		switch (c) {
		case 't':
			duration = strtod(optarg, NULL);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			fputs("Usage: bench_syscall [-t SECONDS] [-c CPU]\n", stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (duration <= 0) {
		fputs("bench_syscall: -t needs a positive number of seconds\n", stderr);
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "bench_syscall: cannot pin to CPU %d: %s\n", cpu,
				strerror(errno));
			return 1;
		}
	}

	t0 = now_s();
	do {
		for (int i = 0; i < BATCH; i++)
			syscall(SYS_getppid);
		calls += BATCH;
		t1 = now_s();
	} while (t1 - t0 < duration);

	printf("getppid:         %llu calls in %.3f s (cpu %d)\n", (unsigned long long)calls,
	       t1 - t0, cpu);
	printf("RESULT calls=%llu seconds=%.3f calls_per_s=%.0f ns_per_call=%.2f cpu=%d\n",
	       (unsigned long long)calls, t1 - t0, calls / (t1 - t0), (t1 - t0) * 1e9 / calls, cpu);
	return 0;
}
