// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_geo - address → country + ASN + border decisions per second on one
 * core, with the geolocation cache and without it.
 *
 * Each timed call is ew_border_decide(), what the pipeline runs for every
 * record: policy networks, the geolocation lookup (cache, then databases),
 * the special-purpose ranges. The address mix is meant to look like an
 * egress stream: DISTINCT addresses, mostly IPv4 drawn from the space the
 * database itself places in a country (so weighted by allocation size),
 * some IPv6 from large providers' prefixes, a few private and link-local
 * peers; they are requested with a Zipf skew (rank r with weight 1/r^S),
 * so popular destinations repeat as real traffic does.
 *
 *   bench_geo [-n MILLIONS] [-u MILLIONS] [-d DISTINCT] [-s S] [-c CPU]
 *             [-g FILE]... [-p POLICY] [--v6 PERCENT] [--local PERCENT] [--seed N]
 *
 * -n lookups timed with the cache (default 20 million), -u without it
 * (default 1 million), -g databases as `egresswatch run --geo-db` (default
 * Debian's libloc database). The last line printed starts with "RESULT ".
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/addr.h"
#include "geo/border.h"
#include "geo/geo.h"
#include "pin.h"
#include "policy/policy.h"

struct opts {
	double cached_m, uncached_m;
	uint32_t distinct;
	double zipf_s;
	int cpu;
	const char *geo_db[EW_GEO_MAX_DBS];
	int n_geo;
	const char *policy;
	unsigned int v6_pct, local_pct;
	uint64_t seed;
};

#define STREAM_LEN (1u << 22) /* indices replayed in a loop: 16 MiB */

/* Large providers' IPv6 blocks: where a vehicle backend's v6 traffic goes. */
static const char *const v6_prefixes[] = {
    "2001:4860::/32", "2404:6800::/32", "2a00:1450::/32", /* Google */
    "2606:4700::/32", "2400:cb00::/32",			  /* Cloudflare */
    "2600:1f00::/24", "2406:da00::/24", "2600:9000::/28", /* Amazon */
    "2603:1000::/24", "2a01:111::/32",			  /* Microsoft */
    "2a03:2880::/32",					  /* Meta */
    "2a04:4e40::/32",					  /* Fastly */
    "240e::/20",      "2408:8000::/20", "2409:8000::/20", /* CN Telecom, Unicom, Mobile */
    "2401:b180::/32", "2402:4e00::/32",			  /* Alibaba, Tencent */
};

/* Peers inside the organisation: decided by the special ranges, not the database. */
static const char *const local_prefixes[] = {
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fd00::/8", "fe80::/64",
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A random address inside CIDR (prefix over the 128-bit form). */
static void random_in(const char *cidr, uint8_t out[16])
{
	uint8_t net[16], prefix;

	if (ew_cidr_parse(cidr, net, &prefix)) {
		fprintf(stderr, "bench_geo: bad built-in prefix %s\n", cidr);
		exit(1);
	}
	for (int i = 0; i < 16; i++) {
		int keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
		uint8_t mask = (uint8_t)(0xff00 >> keep);

		out[i] = (uint8_t)((net[i] & mask) | ((uint8_t)rnd() & ~mask));
	}
}

/*
 * A public IPv4 address that the database places in a country; after many
 * tries (a database that knows little), any address.
 */
static void random_located_v4(struct ew_geo *g, const struct ew_policy *pol, uint8_t out[16])
{
	struct ew_place pl;

	for (int tries = 0; tries < 1000; tries++) {
		uint32_t v = (uint32_t)rnd();

		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v, 4);
		ew_border_decide(pol, g, out, &pl);
		if (pl.by == EW_BY_DATABASE)
			return;
	}
}

struct mix {
	uint8_t (*addr)[16];
	uint32_t n, n_v4, n_v6, n_local;
	uint32_t *stream; /* indices into addr, Zipf-distributed */
	uint64_t border[4];
};

static void shuffle(uint8_t (*a)[16], uint32_t n)
{
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rnd() % (i + 1));
		uint8_t t[16];

		memcpy(t, a[i], 16);
		memcpy(a[i], a[j], 16);
		memcpy(a[j], t, 16);
	}
}

static void build_addresses(struct mix *m, const struct opts *o, struct ew_geo *g,
			    const struct ew_policy *pol)
{
	const size_t n6 = sizeof(v6_prefixes) / sizeof(v6_prefixes[0]);
	const size_t nl = sizeof(local_prefixes) / sizeof(local_prefixes[0]);

	m->n = o->distinct;
	m->n_local = o->distinct * o->local_pct / 100;
	m->n_v6 = o->distinct * o->v6_pct / 100;
	m->n_v4 = m->n - m->n_v6 - m->n_local;
	m->addr = calloc(m->n, 16);
	if (!m->addr)
		exit(1);
	ew_geo_set_cache(g, false); /* sampling must not warm the cache it measures */
	for (uint32_t i = 0; i < m->n; i++) {
		if (i < m->n_v4)
			random_located_v4(g, pol, m->addr[i]);
		else if (i < m->n_v4 + m->n_v6)
			random_in(v6_prefixes[rnd() % n6], m->addr[i]);
		else
			random_in(local_prefixes[rnd() % nl], m->addr[i]);
	}
	/* Popularity must not follow the kind of address. */
	shuffle(m->addr, m->n);
}

static void build_stream(struct mix *m, double s)
{
	double *cdf = malloc(sizeof(*cdf) * m->n), sum = 0;

	m->stream = malloc(sizeof(*m->stream) * STREAM_LEN);
	if (!cdf || !m->stream)
		exit(1);
	for (uint32_t r = 0; r < m->n; r++)
		cdf[r] = (sum += 1.0 / pow(r + 1, s));
	for (uint32_t i = 0; i < STREAM_LEN; i++) {
		double u = (double)(rnd() >> 11) / 9007199254740992.0 * sum;
		uint32_t lo = 0, hi = m->n - 1;

		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		m->stream[i] = lo;
	}
	free(cdf);
}

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timing {
	uint64_t n;
	double wall, cpu;
	uint64_t hits, misses;
};

/* The measured loop: what the pipeline does per record. */
static uint64_t decide_many(const struct mix *m, const struct ew_policy *pol, struct ew_geo *g,
			    uint64_t n, uint64_t *border)
{
	struct ew_place pl;
	uint64_t sink = 0;

	for (uint64_t i = 0; i < n; i++) {
		ew_border_decide(pol, g, m->addr[m->stream[i % STREAM_LEN]], &pl);
		sink += pl.asn;
		if (border)
			border[pl.border]++;
	}
	return sink;
}

static void timed(const struct mix *m, const struct ew_policy *pol, struct ew_geo *g, uint64_t n,
		  struct timing *t)
{
	uint64_t h0, m0, h1, m1;
	double w0, c0;
	volatile uint64_t sink;

	ew_geo_cache_stats(g, &h0, &m0);
	w0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	sink = decide_many(m, pol, g, n, NULL);
	t->cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	t->wall = now_s(CLOCK_MONOTONIC) - w0;
	(void)sink;
	ew_geo_cache_stats(g, &h1, &m1);
	t->n = n;
	t->hits = h1 - h0;
	t->misses = m1 - m0;
}

static void usage(void)
{
	fputs("Usage: bench_geo [-n MILLIONS] [-u MILLIONS] [-d DISTINCT] [-s S] [-c CPU]\n"
	      "                 [-g FILE]... [-p POLICY] [--v6 PERCENT] [--local PERCENT]\n"
	      "                 [--seed N]\n"
	      "  -n  lookups timed with the cache, in millions (default 20)\n"
	      "  -u  lookups timed without the cache, in millions (default 1)\n"
	      "  -d  distinct addresses (default 20000)\n"
	      "  -s  Zipf exponent of their popularity (default 1.0)\n"
	      "  -c  CPU to pin to (default the last allowed)\n"
	      "  -g  geolocation database, repeatable (default " EW_GEO_DEFAULT_DB ")\n"
	      "  -p  policy file (default: domestic CN, no networks)\n"
	      "  --v6, --local  shares of IPv6 and of private/link-local peers (default 15, 5)\n",
	      stderr);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
	    {"v6", required_argument, NULL, '6'},
	    {"local", required_argument, NULL, 'l'},
	    {"seed", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	*o = (struct opts){.cached_m = 20,
			   .uncached_m = 1,
			   .distinct = 20000,
			   .zipf_s = 1.0,
			   .cpu = -1,
			   .v6_pct = 15,
			   .local_pct = 5,
			   .seed = 1};
	while ((c = getopt_long(argc, argv, "n:u:d:s:c:g:p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->cached_m = strtod(optarg, NULL);
			break;
		case 'u':
			o->uncached_m = strtod(optarg, NULL);
			break;
		case 'd':
			o->distinct = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			o->zipf_s = strtod(optarg, NULL);
			break;
		case 'c':
			o->cpu = atoi(optarg);
			break;
		case 'g':
			if (o->n_geo == EW_GEO_MAX_DBS)
				return -1;
			o->geo_db[o->n_geo++] = optarg;
			break;
		case 'p':
			o->policy = optarg;
			break;
		case '6':
			o->v6_pct = (unsigned int)atoi(optarg);
			break;
		case 'l':
			o->local_pct = (unsigned int)atoi(optarg);
			break;
		case 'S':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		default:
			return -1;
		}
	}
	if (o->distinct < 2 || o->v6_pct + o->local_pct > 100 || o->cached_m <= 0 ||
	    o->uncached_m <= 0)
		return -1;
	return 0;
}

static struct ew_geo *open_geo(const struct opts *o)
{
	struct ew_geo *g;
	char err[1024];

	if (ew_geo_open(o->geo_db, o->n_geo, &g, err, sizeof(err))) {
		fprintf(stderr, "bench_geo: %s\n", err);
		exit(1);
	}
	return g;
}

static void report(const char *what, const struct timing *t)
{
	uint64_t asked = t->hits + t->misses;

	printf("%-9s %6.1f M lookups: %.3f s wall, %.3f s CPU: %.0f lookups/s (CPU), "
	       "%.1f ns/lookup",
	       what, t->n / 1e6, t->wall, t->cpu, t->n / t->cpu, t->cpu * 1e9 / t->n);
	if (asked)
		printf(", cache hits %.1f%%", 100.0 * t->hits / asked);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct timing cached, uncached;
	struct ew_policy pol;
	struct mix m = {0};
	struct ew_geo *g;
	struct opts o;
	char err[1024];
	uint64_t stream_n;
	int cpu;

	if (parse(argc, argv, &o)) {
		usage();
		return 2;
	}
	rng_state = o.seed;
	if (o.policy) {
		if (ew_policy_load(o.policy, &pol, err, sizeof(err))) {
			fprintf(stderr, "bench_geo: %s\n", err);
			return 1;
		}
	} else {
		ew_policy_defaults(&pol);
	}
	g = open_geo(&o);
	for (int i = 0; ew_geo_describe(g, i); i++)
		printf("database:  %s\n", ew_geo_describe(g, i));
	build_addresses(&m, &o, g, &pol);
	ew_geo_close(g);
	build_stream(&m, o.zipf_s);
	cpu = bench_pin_cpu(o.cpu, "bench_geo");

	/* A fresh handle: the cached run starts cold and warms up as the agent does. */
	g = open_geo(&o);
	stream_n = STREAM_LEN;
	decide_many(&m, &pol, g, stream_n, m.border);
	printf("mix:       %u distinct (%u IPv4, %u IPv6, %u private), Zipf s=%.2f; "
	       "stream: %.1f%% cross_border, %.1f%% domestic, %.1f%% local, %.1f%% unknown\n",
	       m.n, m.n_v4, m.n_v6, m.n_local, o.zipf_s,
	       100.0 * m.border[EW_BORDER_CROSS] / stream_n,
	       100.0 * m.border[EW_BORDER_DOMESTIC] / stream_n,
	       100.0 * m.border[EW_BORDER_LOCAL] / stream_n,
	       100.0 * m.border[EW_BORDER_UNKNOWN] / stream_n);
	timed(&m, &pol, g, (uint64_t)(o.cached_m * 1e6), &cached);
	ew_geo_set_cache(g, false);
	timed(&m, &pol, g, (uint64_t)(o.uncached_m * 1e6), &uncached);
	ew_geo_close(g);

	printf("CPU:       %d\n", cpu);
	report("cached", &cached);
	report("uncached", &uncached);
	printf("ratio:     the cache makes a decision %.1fx faster\n",
	       (uncached.cpu / uncached.n) / (cached.cpu / cached.n));
	printf("RESULT lookups_per_s=%.0f ns_per_lookup=%.1f hit_rate=%.4f "
	       "uncached_lookups_per_s=%.0f uncached_ns_per_lookup=%.1f speedup=%.1f "
	       "distinct=%u zipf_s=%.2f cpu=%d\n",
	       cached.n / cached.cpu, cached.cpu * 1e9 / cached.n,
	       (double)cached.hits /
		   (double)(cached.hits + cached.misses ? cached.hits + cached.misses : 1),
	       uncached.n / uncached.cpu, uncached.cpu * 1e9 / uncached.n,
	       (uncached.cpu / uncached.n) / (cached.cpu / cached.n), m.n, o.zipf_s, cpu);
	ew_policy_free(&pol);
	free(m.addr);
	free(m.stream);
	return 0;
}
