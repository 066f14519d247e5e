// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_scan - what validation costs on top of Hyperscan.
 *
 * Scans the same bytes two ways, in 16 KiB chunks through one stream:
 *  - ours: ew_scan_feed() with the taxonomy's patterns and validators (VIN
 *    check digits, plates, phones, ID numbers, coordinate pairing);
 *  - raw: a Hyperscan streaming database of the same patterns whose match
 *    callback only counts: no window, no validation.
 * on two inputs:
 *  - dense: synthetic telematics JSON, every record with a VIN, a plate, a
 *    driver's phone and ID number and a lat/lon pair;
 *  - sparse: ordinary low-density traffic: random binary and plain text
 *    (HTTP headers, prose, numbers) with no identifiers.
 * Thread CPU time, median of the rounds; prints MB/s of both and the ratio
 * ours/raw (the goal is >= 0.8).
 *
 *   bench_scan [-t TAXONOMY] [-m MEGABYTES] [-r ROUNDS] [-c CPU]
 *
 * Defaults: deploy/taxonomy.json under $EW_SOURCE_ROOT (or .), 16 MB per
 * input, 7 rounds. The last line printed starts with "RESULT ".
 */
#include <getopt.h>
#include <hs/hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "content/scan.h"
#include "pin.h"

#define CHUNK	   16384
#define MAX_ROUNDS 51

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *pick(const char *set)
{
	static char c[2];

	c[0] = set[next() % strlen(set)];
	return c;
}

static void make_vin(char *v)
{
	static const char chars[] = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
	static const char years[] = "ABCDEFGHJKLMNPRSTVWXY123456789";
	static const int w[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
	char canon[EW_VALID_CANON_MAX];

	for (;;) {
		int sum = 0;

		memcpy(v, "LSV", 3);
		for (int i = 3; i < 17; i++)
			v[i] = chars[next() % (sizeof(chars) - 1)];
		v[9] = years[next() % (sizeof(years) - 1)];
		for (int i = 0; i < 17; i++) {
			static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
			static const int val[] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
						  5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
			int x = v[i] <= '9' ? v[i] - '0' : val[strchr(letters, v[i]) - letters];

			sum += x * w[i];
		}
		v[8] = sum % 11 == 10 ? 'X' : (char)('0' + sum % 11);
		v[17] = '\0';
		if (ew_valid_vin((const uint8_t *)v, 17, canon, sizeof(canon)))
			return;
	}
}

static void make_id(char *s)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;

	snprintf(s, 19, "%02d%04d%04d%02d%02d%03d", 31 + (int)(next() % 7),
		 (int)(next() % 9000) + 100, 1950 + (int)(next() % 60), 1 + (int)(next() % 12),
		 1 + (int)(next() % 28), (int)(next() % 1000));
	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * w[i];
	s[17] = "10X98765432"[sum % 11];
	s[18] = '\0';
}

static size_t dense(char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 512 < cap) {
		char vin[18], id[19];

		make_vin(vin);
		make_id(id);
		n += (size_t)snprintf(
		    buf + n, cap - n,
		    "{\"vin\":\"%s\",\"ts\":%llu,\"lat\":%d.%06d,\"lon\":%d.%06d,"
		    "\"plate\":\"%sA%05d\",\"driver_phone\":\"138%08d\",\"driver_id\":\"%s\","
		    "\"speed\":%d.%d,\"soc\":0.%04d,\"odometer\":%d},\n",
		    vin, 1700000000000ull + next() % 100000000, 22 + (int)(next() % 20),
		    (int)(next() % 1000000), 100 + (int)(next() % 20), (int)(next() % 1000000),
		    next() % 2 ? "沪" : "\\u4eac", (int)(next() % 100000),
		    (int)(next() % 100000000), id, (int)(next() % 120), (int)(next() % 10),
		    (int)(next() % 10000), (int)(next() % 300000));
	}
	return n;
}

static size_t sparse(char *buf, size_t cap)
{
	static const char *const words[] = {"the",
					    "request",
					    "Content-Type: text/html\r\n",
					    "GET /index.html HTTP/1.1\r\n",
					    "cache",
					    "server",
					    "Accept-Encoding: gzip\r\n",
					    "of",
					    "and",
					    "value",
					    "lorem",
					    "ipsum",
					    "2026-12-01",
					    "12:00",
					    "error",
					    "<div class=\"x\">"};
	size_t n = 0;

	while (n + 4096 < cap) {
		if (next() % 2) {
			for (int i = 0; i < 2048; i += 8) {
				uint64_t r = next();

				memcpy(buf + n + i, &r, 8);
			}
			n += 2048;
		} else {
			size_t end = n + 2048;

			while (n < end) {
				n += (size_t)snprintf(buf + n, cap - n, "%s ",
						      next() % 4 ? words[next() % 16]
								 : pick("0123456789"));
			}
		}
	}
	return n;
}

static double thread_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_hit(void *arg, const struct ew_hit *h)
{
	++*(size_t *)arg;
}

static double ours(struct ew_scanner *s, const char *buf, size_t n, size_t *hits)
{
	struct ew_scan_stream *st = ew_scan_open(s);
	double t0 = thread_s();

	*hits = 0;
	for (size_t at = 0; at < n; at += CHUNK)
		ew_scan_feed(st, buf + at, n - at < CHUNK ? n - at : CHUNK, on_hit, hits);
	ew_scan_close(st, on_hit, hits);
	return thread_s() - t0;
}

static int on_raw(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		  void *ctx)
{
	++*(size_t *)ctx;
	return 0;
}

static double raw(hs_database_t *db, hs_scratch_t *scr, const char *buf, size_t n, size_t *matches)
{
	hs_stream_t *st;
	double t0 = thread_s();

	*matches = 0;
	hs_open_stream(db, 0, &st);
	for (size_t at = 0; at < n; at += CHUNK)
		hs_scan_stream(st, buf + at, (unsigned)(n - at < CHUNK ? n - at : CHUNK), 0, scr,
			       on_raw, matches);
	hs_close_stream(st, scr, on_raw, matches);
	return thread_s() - t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

static hs_database_t *raw_db(const struct ew_taxonomy *t)
{
	const char *exprs[256];
	unsigned ids[256], flags[256] = {0}, n = 0;
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;

	for (int i = 0; i < ew_taxonomy_count(t); i++) {
		const struct ew_category *c = ew_taxonomy_get(t, i);

		for (int j = 0; j < c->n_recognisers && n < 256; j++, n++) {
			exprs[n] = c->recognisers[j].pattern;
			ids[n] = n;
		}
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_STREAM, NULL, &db, &cerr)) {
		fprintf(stderr, "bench_scan: %s\n", cerr->message);
		exit(1);
	}
	return db;
}

int main(int argc, char **argv)
{
	const char *root = getenv("EW_SOURCE_ROOT");
	char path[4096], err[1024];
	int rounds = 7, cpu = -1, opt;
	size_t mb = 16;
	struct ew_taxonomy *t;
	struct ew_scanner *s;
	hs_database_t *db;
	hs_scratch_t *scr = NULL;
	const char *names[2] = {"dense", "sparse"};
	double mbs[2][2];

	snprintf(path, sizeof(path), "%s/deploy/taxonomy.json", root ? root : ".");
	while ((opt = getopt(argc, argv, "t:m:r:c:")) != -1) {
		if (opt == 't')
			snprintf(path, sizeof(path), "%s", optarg);
		else if (opt == 'm')
			mb = strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'c')
			cpu = atoi(optarg);
		else
			return 2;
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || mb < 1 || mb > 1024)
		return 2;
	if (ew_taxonomy_load(path, &t, err, sizeof(err)) ||
	    ew_scanner_new(t, &s, err, sizeof(err))) {
		fprintf(stderr, "bench_scan: %s\n", err);
		return 1;
	}
	db = raw_db(t);
	hs_alloc_scratch(db, &scr);
	bench_pin_cpu(cpu, "bench_scan");
	for (int k = 0; k < 2; k++) {
		size_t cap = mb << 20, n, hits = 0, matches = 0;
		char *buf = malloc(cap);
		double to[MAX_ROUNDS], tr[MAX_ROUNDS];

		if (!buf)
			return 1;
		n = k == 0 ? dense(buf, cap) : sparse(buf, cap);
		for (int r = 0; r < rounds; r++) {
			/* Alternate, so that drift on a shared machine hits both alike. */
			to[r] = ours(s, buf, n, &hits);
			tr[r] = raw(db, scr, buf, n, &matches);
		}
		mbs[k][0] = (double)n / 1e6 / median(to, rounds);
		mbs[k][1] = (double)n / 1e6 / median(tr, rounds);
		printf("%-6s %6.1f MB: ours %7.1f MB/s (%zu hits), raw %7.1f MB/s (%zu matches), "
		       "ratio %.2f\n",
		       names[k], (double)n / 1e6, mbs[k][0], hits, mbs[k][1], matches,
		       mbs[k][0] / mbs[k][1]);
		free(buf);
	}
	printf("RESULT dense_ours_mbs=%.1f dense_raw_mbs=%.1f dense_ratio=%.2f "
	       "sparse_ours_mbs=%.1f sparse_raw_mbs=%.1f sparse_ratio=%.2f\n",
	       mbs[0][0], mbs[0][1], mbs[0][0] / mbs[0][1], mbs[1][0], mbs[1][1],
	       mbs[1][0] / mbs[1][1]);
	hs_free_scratch(scr);
	hs_free_database(db);
	ew_scanner_free(s);
	ew_taxonomy_free(t);
	return 0;
}
