// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_verdict - verdicts per second on one core (issue 11: at least
 * 1,000,000 with 100 channels and 1,000 networks).
 *
 * Builds a policy of 100 channels (10 networks each, IPv4 /16 to /28 and
 * IPv6; 1 to 3 countries each; every tenth with domain globs;
 * category ids and classes) and 4 exemptions, parsed from JSON as `run`
 * would (IPv6 networks /48 and /56). Then 4,096 flows: a country from a list where most have a
 * channel, an address inside a channel's network half of the time, a domain on some, 1 to 3
 * categories of every class, people counts around every threshold and some with an error band. Each
 * round decides every flow many times on the thread's CPU clock; prints min and median and the
 * verdict mix.
 *
 *   bench_verdict [-r ROUNDS] [-n VERDICTS_PER_ROUND] [-c CPU]
 *
 * The last line printed starts with "RESULT ".
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pin.h"
#include "policy/policy.h"
#include "verdict/decide.h"

#define N_FLOWS 4096

static const char *const countries[] = {"DE", "FR", "JP", "SG", "US", "GB", "KR", "NL",
					"IT", "ES", "SE", "CH", "AU", "CA", "BR", "IN",
					"HK", "MO", "TW", "TH", "MY", "VN", "ID", "MX"};
static const char *const cat_ids[] = {"vin",	     "licence_plate", "mobile_number", "id_number",
				      "trajectory",  "hd_map",	      "adas_model",    "ota_source",
				      "source_code", "biometric"};
static const enum ew_class cat_cls[] = {EW_CLASS_PI,
					EW_CLASS_PI,
					EW_CLASS_PI,
					EW_CLASS_SENSITIVE_PI,
					EW_CLASS_SENSITIVE_PI,
					EW_CLASS_IMPORTANT_DATA,
					EW_CLASS_IMPORTANT_DATA,
					EW_CLASS_IMPORTANT_DATA,
					EW_CLASS_IMPORTANT_DATA,
					EW_CLASS_SENSITIVE_PI};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static size_t put(char *buf, size_t len, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t len, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (off >= len)
		return off;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
	return n < 0 ? off : off + (size_t)n;
}

/* Network j of channel i: IPv4 for most, IPv6 for every fifth. */
static void net_of(int i, int j, uint8_t addr[16], int *v4, char *cidr, size_t len)
{
	if (j % 5 == 4) {
		unsigned int g = (unsigned int)i * 16 + (unsigned int)j;

		/* /48 and /56 */
		if (j == 4)
			snprintf(cidr, len, "2001:db8:%x::/48", g);
		else
			snprintf(cidr, len, "2001:db8:%x:%x00::/56", g, (unsigned int)j);
		memset(addr, 0, 16);
		addr[0] = 0x20, addr[1] = 0x01, addr[2] = 0x0d, addr[3] = 0xb8;
		addr[4] = (uint8_t)(g >> 8), addr[5] = (uint8_t)g;
		addr[6] = j == 4 ? 0 : (uint8_t)j;
		*v4 = 0;
	} else {
		int pfx = 16 + (j % 4) * 4;
		unsigned int a = 20u + (unsigned int)i, b = (unsigned int)j * 16;

		snprintf(cidr, len, "%u.%u.0.0/%d", a, b, pfx);
		memset(addr, 0, 16);
		addr[10] = addr[11] = 0xff;
		addr[12] = (uint8_t)a, addr[13] = (uint8_t)b;
		*v4 = 1;
	}
}

static char *policy_text(void)
{
	static const char *const routes[] = {"security_assessment", "standard_contract",
					     "certification"};
	size_t len = 1 << 20, off = 0;
	char *b = malloc(len);
	char cidr[64];
	uint8_t a[16];
	int v4;

	if (!b)
		exit(1);
	off = put(b, len, off, "{\"version\":1,\"channels\":[");
	for (int i = 0; i < 100; i++) {
		off = put(b, len, off,
			  "%s{\"id\":\"ch%d\",\"route\":\"%s\",\"reference\":\"REF-%d\","
			  "\"recipient\":\"R%d\",\"countries\":[\"%s\"",
			  i ? "," : "", i, routes[i % 3], i, i, countries[i % 24]);
		if (i % 2)
			off = put(b, len, off, ",\"%s\"", countries[(i * 7 + 3) % 24]);
		off = put(b, len, off, "],\"networks\":[");
		for (int j = 0; j < 10; j++) {
			net_of(i, j, a, &v4, cidr, sizeof(cidr));
			off = put(b, len, off, "%s\"%s\"", j ? "," : "", cidr);
		}
		off = put(b, len, off, "]");
		if (i % 10 == 0)
			off = put(b, len, off,
				  ",\"domains\":[\"*.r%d.example\",\"api.r%d.example\"]", i, i);
		off = put(b, len, off, ",\"categories\":[\"%s\",\"%s\",\"%s\"]",
			  i % 4 == 0 ? "pi" : cat_ids[i % 10], cat_ids[(i + 3) % 10],
			  i % 5 == 0 ? "important_data" : "sensitive_pi");
		off = put(b, len, off, ",\"valid_from\":\"2026-01-01\",\"valid_until\":\"%s\"%s}",
			  i % 7 == 0 ? "2026-07-15" : "2028-12-31",
			  i % 6 == 0 ? ",\"people_cap\":500000" : "");
	}
	off = put(b, len, off,
		  "],\"exemptions\":["
		  "{\"id\":\"ota\",\"kind\":\"ota_defect\",\"reference\":\"M\","
		  "\"filed_on\":\"2026-02-01\"},"
		  "{\"id\":\"vuln\",\"kind\":\"security_incident\",\"reference\":\"V\","
		  "\"filed_on\":\"2026-09-01\"},"
		  "{\"id\":\"gba\",\"kind\":\"gba\",\"attested_by\":\"L\","
		  "\"attested_on\":\"2026-01-01\"},"
		  "{\"id\":\"hr\",\"kind\":\"hr\",\"attested_by\":\"L\","
		  "\"attested_on\":\"2026-01-01\",\"scope\":{\"workloads\":[\"hr-sync\"]}}]}");
	if (off >= len)
		exit(1);
	return b;
}

struct flowset {
	struct ew_verdict_in in[N_FLOWS];
	struct ew_flow_cat cats[N_FLOWS][3];
	uint8_t addr[N_FLOWS][16];
	char domain[N_FLOWS][40];
};

static void make_flows(const struct ew_rules *r, struct flowset *s, struct ew_people_band *cp)
{
	static const uint64_t counts[] = {50,	   99999, 100000, 150000, 999999,
					  1000000, 9999,  10000,  300000, 2000};
	int32_t d0;

	ew_rules_date_parse("2026-06-01", &d0);
	for (int i = 0; i < 100; i++)
		cp[i] = (struct ew_people_band){rnd() % 600000, 0};
	for (int i = 0; i < 100; i++)
		cp[i].hi = cp[i].lo + (i % 9 == 0 ? 20000 : 0);
	for (int f = 0; f < N_FLOWS; f++) {
		struct ew_verdict_in *in = &s->in[f];
		int n = 1 + (int)(rnd() % 3), v4;
		char cidr[64];

		memset(in, 0, sizeof(*in));
		in->day = d0 + (int32_t)(rnd() % 120);
		in->place = rnd() % 10 == 0 ? EW_VPLACE_UNCERTAIN : EW_VPLACE_CROSS_BORDER;
		if (in->place == EW_VPLACE_CROSS_BORDER)
			memcpy(in->country, countries[rnd() % 24], 3);
		if (rnd() % 2) {
			net_of((int)(rnd() % 100), (int)(rnd() % 10), s->addr[f], &v4, cidr,
			       sizeof(cidr));
			s->addr[f][15] = (uint8_t)rnd();
		} else {
			memset(s->addr[f], 0, 16);
			s->addr[f][10] = s->addr[f][11] = 0xff;
			for (int k = 12; k < 16; k++)
				s->addr[f][k] = (uint8_t)rnd();
		}
		in->addr = s->addr[f];
		if (rnd() % 4 == 0) {
			snprintf(s->domain[f], sizeof(s->domain[f]), "x.r%u.example",
				 (rnd() % 10) * 10);
			in->domain = s->domain[f];
		}
		for (int k = 0; k < n; k++) {
			int c = (int)(rnd() % 10);

			s->cats[f][k] =
			    (struct ew_flow_cat){.id = cat_ids[c],
						 .idx = ew_rules_cat_index(r, cat_ids[c]),
						 .cls = cat_cls[c],
						 .subjects = rnd() % 50};
		}
		in->cats = s->cats[f];
		in->n_cats = n;
		for (int c = 1; c < EW_CLASSES; c++) {
			uint64_t lo = counts[rnd() % 10];

			in->people[c] =
			    (struct ew_people_band){lo, lo + (rnd() % 8 == 0 ? lo / 50 : 0)};
		}
		in->channel_people = cp;
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static struct flowset set;
	static struct ew_people_band cp[100];
	unsigned long per_round = 4000000, mix[5] = {0};
	int rounds = 7, cpu = -1, c;
	double t[64];
	struct ew_policy p;
	struct ew_verdict v;
	char err[4096];
	char *text;
	volatile unsigned long sink = 0;

	while ((c = getopt(argc, argv, "r:n:c:")) != -1) {
		if (c == 'r')
			rounds = atoi(optarg);
		else if (c == 'n')
			per_round = strtoul(optarg, NULL, 10);
		else if (c == 'c')
			cpu = atoi(optarg);
		else
			return 2;
	}
	if (rounds < 1 || rounds > 64)
		rounds = 7;
	bench_pin_cpu(cpu, "bench_verdict");
	text = policy_text();
	if (ew_policy_parse("bench-policy", text, &p, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	free(text);
	make_flows(&p.rules, &set, cp);
	for (int f = 0; f < N_FLOWS; f++) {
		ew_decide(&p.rules, &set.in[f], &v);
		mix[v.verdict]++;
	}
	printf("policy: %d channels, %d network levels, %d exemptions\n", p.rules.n_channels,
	       p.rules.idx.n_levels, p.rules.n_exemptions);
	printf("mix of %d flows: not_applicable %lu allowed %lu exempt %lu violation %lu review "
	       "%lu\n",
	       N_FLOWS, mix[0], mix[1], mix[2], mix[3], mix[4]);
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ns();

		for (unsigned long i = 0; i < per_round; i++) {
			ew_decide(&p.rules, &set.in[i % N_FLOWS], &v);
			sink += (unsigned long)v.verdict;
		}
		t[r] = now_ns() - t0;
	}
	qsort(t, (size_t)rounds, sizeof(t[0]), cmp_d);
	printf("RESULT verdicts=%lu rounds=%d min_ns=%.1f median_ns=%.1f "
	       "verdicts_per_s_median=%.0f verdicts_per_s_best=%.0f\n",
	       per_round, rounds, t[0] / (double)per_round, t[rounds / 2] / (double)per_round,
	       (double)per_round * 1e9 / t[rounds / 2], (double)per_round * 1e9 / t[0]);
	ew_policy_free(&p);
	return sink == 0xdeadbeef;
}
