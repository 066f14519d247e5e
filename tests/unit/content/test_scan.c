// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "content/scan.h"

static struct ew_taxonomy *tax;
static struct ew_scanner *scanner;
static char err[1024];

static void setup(void)
{
	const char *root = getenv("EW_SOURCE_ROOT");
	char path[4096];

	snprintf(path, sizeof(path), "%s/deploy/taxonomy.json", root ? root : ".");
	cr_assert_eq(ew_taxonomy_load(path, &tax, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_scanner_new(tax, &scanner, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
	ew_scanner_free(scanner);
	ew_taxonomy_free(tax);
}

/* Hits as text, in order: "vin=LSV...;trajectory@39.904200,116.407400;" */
struct log {
	char s[8192];
	size_t n;
};

static void record(void *arg, const struct ew_hit *h)
{
	struct log *l = arg;

	if (h->value)
		l->n += (size_t)snprintf(l->s + l->n, sizeof(l->s) - l->n, "%s=%.*s;", h->cat->id,
					 (int)h->value_len, h->value);
	else if (h->lat != 0 || h->lon != 0)
		l->n += (size_t)snprintf(l->s + l->n, sizeof(l->s) - l->n, "%s@%.6f,%.6f;",
					 h->cat->id, h->lat, h->lon);
	else
		l->n += (size_t)snprintf(l->s + l->n, sizeof(l->s) - l->n, "%s;", h->cat->id);
	cr_assert_lt(l->n, sizeof(l->s));
}

/* Scan @text cut into pieces at @cuts (ascending offsets). */
static void scan_cut(struct ew_scanner *s, const char *text, const size_t *cuts, int ncuts,
		     struct log *l)
{
	struct ew_scan_stream *st = ew_scan_open(s);
	size_t at = 0, n = strlen(text);

	cr_assert(st);
	memset(l, 0, sizeof(*l));
	for (int i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;

		cr_assert_eq(ew_scan_feed(st, text + at, end - at, record, l), 0);
		at = end;
	}
	ew_scan_close(st, record, l);
}

static void scan_whole(const char *text, struct log *l)
{
	scan_cut(scanner, text, NULL, 0, l);
}

static void expect(const char *text, const char *want)
{
	struct log l;

	scan_whole(text, &l);
	cr_assert_str_eq(l.s, want, "in: %s", text);
}

#define RECORD                                                                                     \
	"{\"vin\":\"LSVAB218XE2123456\",\"plate\":\"\\u4eacA12345\",\"owner\":\"粤B1234学\","    \
	"\"tel\":\"+86 13812345678\",\"idcard\":\"11010519491231002x\",\"lat\":39.904211,"         \
	"\"lon\":116.407395}"
#define RECORD_HITS                                                                                \
	"vin=LSVAB218XE2123456;licence_plate=京A12345;licence_plate=粤B1234学;"                 \
	"mobile_number=13812345678;id_number=11010519491231002X;"                                  \
	"trajectory@39.904211,116.407395;"

TestSuite(scan, .init = setup, .fini = teardown);

Test(scan, one_record)
{
	expect(RECORD, RECORD_HITS);
	/* At the very start and end of the stream. */
	expect("LSVAB218XE2123456", "vin=LSVAB218XE2123456;");
	expect("13812345678", "mobile_number=13812345678;");
	expect("[\"\\u7CA4B1234\\u5b66\",\"\\u7ca4BD12345\"]",
	       "licence_plate=粤B1234学;licence_plate=粤BD12345;");
}

Test(scan, split_at_every_offset)
{
	const char *text = "x " RECORD " y " RECORD;
	size_t n = strlen(text);
	struct log l;

	for (size_t cut = 0; cut <= n; cut++) {
		scan_cut(scanner, text, &cut, 1, &l);
		cr_assert_str_eq(l.s, RECORD_HITS RECORD_HITS, "cut at %zu", cut);
	}
	for (size_t a = 0; a <= n; a += 7) {
		for (size_t b = a; b <= n; b += 5) {
			size_t cuts[2] = {a, b};

			scan_cut(scanner, text, cuts, 2, &l);
			cr_assert_str_eq(l.s, RECORD_HITS RECORD_HITS, "cuts at %zu, %zu", a, b);
		}
	}
}

Test(scan, byte_by_byte)
{
	const char *text = RECORD;
	size_t n = strlen(text), cuts[1024];
	struct log l;

	cr_assert_lt(n, 1024);
	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	scan_cut(scanner, text, cuts, (int)n - 1, &l);
	cr_assert_str_eq(l.s, RECORD_HITS);
}

Test(scan, long_runs_are_not_identifiers)
{
	/* 17-digit floats, long hashes and order numbers hold VIN- and phone-shaped windows. */
	expect("{\"x\":0.13812345678901234,\"y\":3.1415926535897931}", "");
	expect("sha1 3f786850e387550fdab836ed7e6dc881de23001b", "");
	expect("ORDER LSVAB218XE21234567 and 2LSVAB218XE2123456", "");
	expect("id 4403011990030712301 and 8613812345678 and 138123456789", "");
	expect("v=0.13812345678 w=13812345678.5", "mobile_number=13812345678;");
	expect("{\"lat\":39.9042,\"lon\":116.407}", "");   /* 3 decimals */
	expect("{\"lat\":37.7749,\"lon\":-122.4194}", ""); /* San Francisco */
	expect("{\"lat\":39.9042,\"x\":1,\"lat\":31.2304,\"lng\":121.4737}",
	       "trajectory@31.230400,121.473700;");
	expect("京I12345 京A1O345 京ABCDEF", "");
}

Test(scan, many_hits_and_state)
{
	char text[64 * 100 + 1];
	struct log l;
	size_t n = 0;
	int hits = 0;

	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "\"lat\":3%d.%04d,\"lon\":11%d.1234 ", i % 10, i, i % 10);
	scan_whole(text, &l);
	for (const char *p = l.s; (p = strstr(p, "trajectory@")); p++)
		hits++;
	cr_assert_eq(hits, 100);
	cr_assert_gt(ew_scanner_stream_size(scanner), 64, "%zu", ew_scanner_stream_size(scanner));
	cr_assert_lt(ew_scanner_stream_size(scanner), 4096, "%zu", ew_scanner_stream_size(scanner));
}

Test(scan, customer_patterns_and_overlaps)
{
	struct ew_taxonomy *t = NULL;
	struct ew_scanner *s = NULL;
	const char *text =
	    "{\"version\":1,\"categories\":["
	    "{\"id\":\"fleet_vin\",\"name_zh\":\"车\",\"name_en\":\"V\",\"class\":\"pi\","
	    "\"recognisers\":[{\"pattern\":\"VIN=[A-Z0-9]{17}\",\"validator\":\"vin\"},"
	    "{\"pattern\":\"=[A-Z0-9]{17}\",\"validator\":\"vin\"}]},"
	    "{\"id\":\"marker\",\"name_zh\":\"标\",\"name_en\":\"M\",\"class\":\"important_data\","
	    "\"recognisers\":[{\"pattern\":\"BMSDUMP1\",\"validator\":\"none\"}]},"
	    "{\"id\":\"quiet\",\"name_zh\":\"无\",\"name_en\":\"Q\",\"class\":\"pi\"}]}";
	struct log l;
	size_t cut = 9;

	cr_assert_eq(ew_taxonomy_parse("t", text, &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_scanner_new(t, &s, err, sizeof(err)), 0, "%s", err);
	scan_cut(s, "VIN=LSVAB218XE2123456 BMSDUMP1 VIN=LSVAB2180E2123456", &cut, 1, &l);
	/* Two patterns of one category on one VIN: one hit. A bad check digit: none. */
	cr_assert_str_eq(l.s, "fleet_vin=LSVAB218XE2123456;marker;");
	ew_scanner_free(s);
	ew_taxonomy_free(t);
}

Test(scan, no_recognisers)
{
	struct ew_taxonomy *t = NULL;
	struct ew_scanner *s = NULL;
	struct log l;

	cr_assert_eq(ew_taxonomy_parse("t",
				       "{\"version\":1,\"categories\":[{\"id\":\"b\",\"name_zh\":"
				       "\"生\",\"name_en\":\"B\",\"class\":\"sensitive_pi\"}]}",
				       &t, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ew_scanner_new(t, &s, err, sizeof(err)), 0, "%s", err);
	scan_cut(s, RECORD, NULL, 0, &l);
	cr_assert_str_eq(l.s, "");
	ew_scan_close(NULL, NULL, NULL);
	ew_scanner_free(s);
	ew_taxonomy_free(t);
}

Test(scan, close_without_callback)
{
	struct ew_scan_stream *st = ew_scan_open(scanner);
	struct log l = {0};

	cr_assert_eq(ew_scan_feed(st, "LSVAB218XE2123456", 17, record, &l), 0);
	cr_assert_str_eq(l.s, ""); /* the \b at its end waits for the next byte */
	ew_scan_close(st, NULL, NULL);
}
