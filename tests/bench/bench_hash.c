// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_hash - can peers choose to share a bucket of the flow table?
 *
 * Times inserting N UDP flows of ONE socket cookie, through the public API
 * (ew_flows_new(), then an EW_EV_UDP_SEND event per peer to
 * ew_flows_sock_addr()), for two peer sets of the same size:
 *
 *  - adversarial: N IPv6 addresses in one /64, one port, made so that the
 *    table's bucket hash before it was keyed (mix64 of cookie, address and
 *    port, unkeyed; reproduced below as old_key_hash()) gives all of them
 *    the same low 32 bits: one bucket at any table size. The mix is a
 *    bijection, so inverting it gives one interface id per wanted hash.
 *  - random: N random IPv6 addresses and ports (fixed seed).
 *
 * With an unkeyed hash the adversarial set makes one chain of N flows, so
 * the N inserts cost N^2/2 comparisons; with the keyed hash both sets cost
 * the same. Each round builds a fresh table per set and frees it outside
 * the timing, which counts the thread's CPU time (on a shared machine other
 * processes' time slices would otherwise decide the median). Prints min and
 * median per set and the ratios adversarial/random of the medians (ratio)
 * and of the minimums (ratio_min). About 1 means the attack is gone.
 *
 *   bench_hash [-n FLOWS] [-r ROUNDS] [-c CPU]
 *
 * Defaults: 65,536 flows, 11 rounds. The process keeps the fixed hash key
 * (util/siphash.h), so every run hashes the same. The last line printed
 * starts with "RESULT ".
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow/flow.h"
#include "pin.h"
#include "synth.h"
#include "util/siphash.h"

#define NS	   1000000000ull
#define COOKIE	   0x2a2a2a2aull
#define ADV_PORT   53
#define MAX_ROUNDS 101

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* The multiplicative inverse of odd @c modulo 2^64 (Newton's iteration). */
static uint64_t inverse(uint64_t c)
{
	uint64_t x = c;

	for (int i = 0; i < 5; i++)
		x *= 2 - c * x;
	return x;
}

static uint64_t unmix64(uint64_t x)
{
	x ^= x >> 31 ^ x >> 62;
	x *= inverse(0x94d049bb133111ebull);
	x ^= x >> 27 ^ x >> 54;
	x *= inverse(0xbf58476d1ce4e5b9ull);
	x ^= x >> 30 ^ x >> 60;
	return x;
}

/* The flow table's bucket hash of a UDP key before it was keyed. */
static uint64_t old_key_hash(uint64_t cookie, const uint8_t raddr[16], uint16_t rport)
{
	uint64_t a, b;

	memcpy(&a, raddr, 8);
	memcpy(&b, raddr + 8, 8);
	return mix64(cookie ^ mix64(a ^ mix64(b ^ rport)));
}

static void noop_emit(void *arg, const struct ew_flow *f, uint64_t now)
{
	(void)arg;
	(void)f;
	(void)now;
}

static struct ew_ev_sock_addr send_event(uint64_t ts, const uint8_t addr[16], uint16_t port)
{
	struct ew_ev_sock_addr e = synth_connect(ts, COOKIE, 4242, EW_IPPROTO_UDP, addr, port);

	e.h.type = EW_EV_UDP_SEND;
	return e;
}

/* 2001:db8:e9::/64, interface ids chosen so old_key_hash() ends in 32 equal bits. */
static void adversarial(struct ew_ev_sock_addr *ev, uint32_t n)
{
	static const uint8_t prefix[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0xe9, 0x00, 0x00};
	uint8_t addr[16];
	uint64_t a, b;

	memcpy(addr, prefix, 8);
	memcpy(&a, prefix, 8);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t want = ((uint64_t)(i + 1) << 32) | 0x5eed;

		b = unmix64(unmix64(unmix64(want) ^ COOKIE) ^ a) ^ ADV_PORT;
		memcpy(addr + 8, &b, 8);
		/* Distinct hashes of one function: distinct addresses too. */
		if (old_key_hash(COOKIE, addr, ADV_PORT) != want) {
			fprintf(stderr, "bench_hash: the old hash did not invert\n");
			exit(1);
		}
		ev[i] = send_event(NS + i, addr, ADV_PORT);
	}
}

static uint64_t splitmix(uint64_t *s)
{
	return mix64(*s += 0x9e3779b97f4a7c15ull);
}

static void random_peers(struct ew_ev_sock_addr *ev, uint32_t n)
{
	uint64_t seed = 20240601, w[2];
	uint8_t addr[16];

	for (uint32_t i = 0; i < n; i++) {
		w[0] = splitmix(&seed);
		w[1] = splitmix(&seed);
		memcpy(addr, w, 16);
		addr[0] = 0x20; /* global unicast, never ::ffff:0:0/96 (IPv4) */
		ev[i] = send_event(NS + i, addr, (uint16_t)(1024 + splitmix(&seed) % 64512));
	}
}

/* The thread's CPU time: other processes' time slices on a shared machine do not count. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Seconds to insert every event's flow into a fresh table. */
static double insert_all(const struct ew_ev_sock_addr *ev, uint32_t n)
{
	struct ew_flow_opts o = {.max_flows = 2 * n,
				 .report_interval_ns = 3600 * NS,
				 .udp_idle_ns = 3600 * NS,
				 .boot_id = "bench",
				 .emit = noop_emit};
	struct ew_flows *t = ew_flows_new(&o);
	double t0, dt;

	if (!t) {
		fprintf(stderr, "bench_hash: out of memory\n");
		exit(1);
	}
	t0 = now_s();
	for (uint32_t i = 0; i < n; i++)
		ew_flows_sock_addr(t, &ev[i], NULL);
	dt = now_s() - t0;
	if (ew_flows_stats(t)->open != n) {
		fprintf(stderr, "bench_hash: %llu flows open, %u expected\n",
			(unsigned long long)ew_flows_stats(t)->open, n);
		exit(1);
	}
	ew_flows_free(t);
	return dt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	double adv_t[MAX_ROUNDS], rnd_t[MAX_ROUNDS], adv_med, rnd_med;
	struct ew_ev_sock_addr *adv, *rnd;
	uint32_t n = 65536;
	int rounds = 11, cpu = -1, c;

	while ((c = getopt(argc, argv, "n:r:c:")) != -1) {
		switch (c) {
		case 'n':
			n = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench_hash [-n FLOWS] [-r ROUNDS] [-c CPU]\n");
			return 2;
		}
	}
	if (!n || n > (1u << 24) || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "bench_hash: -n 1..16777216, -r 1..%d\n", MAX_ROUNDS);
		return 2;
	}
	ew_hash_key_fixed();
	bench_pin_cpu(cpu, "bench_hash");
	adv = calloc(n, sizeof(*adv));
	rnd = calloc(n, sizeof(*rnd));
	if (!adv || !rnd) {
		fprintf(stderr, "bench_hash: out of memory\n");
		return 1;
	}
	adversarial(adv, n);
	random_peers(rnd, n);
	/* Warm up: the events' pages, the allocator, the CPU's clock. */
	insert_all(adv, n);
	insert_all(rnd, n);
	for (int r = 0; r < rounds; r++) {
		/* Alternate which set goes first so drift does not favour one. */
		if (r % 2) {
			rnd_t[r] = insert_all(rnd, n);
			adv_t[r] = insert_all(adv, n);
		} else {
			adv_t[r] = insert_all(adv, n);
			rnd_t[r] = insert_all(rnd, n);
		}
		printf("round %d: adversarial %.3f ms, random %.3f ms\n", r + 1, adv_t[r] * 1e3,
		       rnd_t[r] * 1e3);
	}
	adv_med = median(adv_t, rounds); /* sorts: [0] is the minimum */
	rnd_med = median(rnd_t, rounds);
	printf("%u UDP flows of one socket, %d rounds (min / median):\n", n, rounds);
	printf("  adversarial (one /64, one port): %.3f / %.3f ms, %.1f ns per insert\n",
	       adv_t[0] * 1e3, adv_med * 1e3, adv_med * 1e9 / n);
	printf("  random peers:                    %.3f / %.3f ms, %.1f ns per insert\n",
	       rnd_t[0] * 1e3, rnd_med * 1e3, rnd_med * 1e9 / n);
	printf("RESULT flows=%u rounds=%d adv_min_ms=%.3f adv_median_ms=%.3f rnd_min_ms=%.3f "
	       "rnd_median_ms=%.3f ratio=%.2f ratio_min=%.2f\n",
	       n, rounds, adv_t[0] * 1e3, adv_med * 1e3, rnd_t[0] * 1e3, rnd_med * 1e3,
	       adv_med / rnd_med, adv_t[0] / rnd_t[0]);
	free(adv);
	free(rnd);
	return 0;
}
