// SPDX-License-Identifier: GPL-2.0-only
/* Geolocation and the border decision against real databases: Debian's
 * libloc database, a libloc database and MaxMind DBs written by the test. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <libloc/writer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geo/border.h"
#include "geo/geo.h"
#include "policy/policy.h"

static char dir[64], loc_path[128], c_mmdb[128], a_mmdb[128];
static char err[512];

static void addr(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (strchr(s, ':')) {
		cr_assert_eq(inet_pton(AF_INET6, s, out), 1);
	} else {
		out[10] = out[11] = 0xff;
		cr_assert_eq(inet_pton(AF_INET, s, out + 12), 1);
	}
}

static void add_net(struct loc_writer *w, const char *cidr, const char *cc, uint32_t asn,
		    bool anycast)
{
	struct loc_network *n = NULL;

	cr_assert_eq(loc_writer_add_network(w, &n, cidr), 0);
	loc_network_set_country_code(n, cc);
	loc_network_set_asn(n, asn);
	if (anycast)
		loc_network_set_flag(n, LOC_NETWORK_FLAG_ANYCAST);
	loc_network_unref(n);
}

/* A libloc database with libloc's own writer. */
static void write_libloc(void)
{
	struct loc_ctx *ctx;
	struct loc_writer *w;
	FILE *f;

	cr_assert_eq(loc_new(&ctx), 0);
	cr_assert_eq(loc_writer_new(ctx, &w, NULL, NULL), 0);
	loc_writer_set_vendor(w, "egresswatch tests");
	add_net(w, "198.18.0.2/32", "DE", 64500, false);
	add_net(w, "198.18.0.3/32", "HK", 64501, false);
	add_net(w, "198.18.0.4/32", "US", 64502, true);
	add_net(w, "198.18.0.5/32", "CN", 64503, false);
	f = fopen(loc_path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(loc_writer_write(w, f, LOC_DATABASE_VERSION_LATEST), 0);
	fclose(f);
	loc_writer_unref(w);
	loc_unref(ctx);
}

static void setup(void)
{
	char cmd[512];

	snprintf(dir, sizeof(dir), "/tmp/ew-test-geo-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(loc_path, sizeof(loc_path), "%s/test.db", dir);
	snprintf(c_mmdb, sizeof(c_mmdb), "%s/country.mmdb", dir);
	snprintf(a_mmdb, sizeof(a_mmdb), "%s/asn.mmdb", dir);
	write_libloc();
	snprintf(cmd, sizeof(cmd), "perl %s/tests/data/make-test-mmdb.pl %s %s",
		 getenv("EW_SOURCE_ROOT"), c_mmdb, a_mmdb);
	cr_assert_eq(system(cmd), 0, "the MaxMind DB writer (libmaxmind-db-writer-perl) failed");
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	system(cmd);
}

TestSuite(geo, .init = setup, .fini = teardown);

static void expect(struct ew_geo *g, const struct ew_policy *p, const char *ip, int border,
		   const char *cc, int review)
{
	struct ew_place pl;
	uint8_t a[16];

	addr(ip, a);
	ew_border_decide(p, g, a, &pl);
	cr_assert_eq(pl.border, border, "%s: border %s, want %s", ip, ew_border_name(pl.border),
		     ew_border_name(border));
	cr_assert_str_eq(pl.country, cc, "%s", ip);
	cr_assert_eq(pl.review, review, "%s: review %d", ip, pl.review);
}

Test(geo, debian_database_answers_offline)
{
	struct ew_geo_result r;
	struct ew_geo *g;
	uint8_t a[16];

	cr_assert_eq(ew_geo_open(NULL, 0, &g, err, sizeof(err)), 0, "%s", err);
	addr("8.8.8.8", a);
	cr_assert_eq(ew_geo_lookup(g, a, &r), 0);
	cr_assert_str_eq(r.country, "US");
	cr_assert_eq(r.asn, 15169);
	cr_assert_str_eq(r.as_org, "GOOGLE");
	addr("2001:4860:4860::8888", a);
	cr_assert_eq(ew_geo_lookup(g, a, &r), 0);
	cr_assert_eq(r.asn, 15169);
	addr("223.5.5.5", a);
	cr_assert_eq(ew_geo_lookup(g, a, &r), 0);
	cr_assert_str_eq(r.country, "CN");
	ew_geo_close(g);
}

Test(geo, libloc_written_database_and_border)
{
	struct ew_policy p;
	struct ew_geo *g;
	const char *paths[] = {loc_path};

	ew_policy_defaults(&p);
	cr_assert_eq(ew_geo_open(paths, 1, &g, err, sizeof(err)), 0, "%s", err);
	expect(g, &p, "198.18.0.2", EW_BORDER_CROSS, "DE", 0);
	expect(g, &p, "198.18.0.3", EW_BORDER_CROSS, "HK", 0);
	expect(g, &p, "198.18.0.4", EW_BORDER_CROSS, "US", EW_REVIEW_ANYCAST);
	expect(g, &p, "198.18.0.5", EW_BORDER_DOMESTIC, "CN", 0);
	expect(g, &p, "198.18.0.9", EW_BORDER_LOCAL, "", 0);
	expect(g, &p, "127.0.0.1", EW_BORDER_LOCAL, "", 0);
	expect(g, &p, "fe80::1", EW_BORDER_LOCAL, "", 0);
	expect(g, &p, "8.8.4.4", EW_BORDER_UNKNOWN, "", EW_REVIEW_UNKNOWN);
	ew_geo_close(g);
}

Test(geo, maxmind_country_and_asn_databases)
{
	struct ew_geo_result r;
	struct ew_policy p;
	struct ew_geo *g;
	const char *paths[] = {c_mmdb, a_mmdb};
	uint8_t a[16];

	ew_policy_defaults(&p);
	cr_assert_eq(ew_geo_open(paths, 2, &g, err, sizeof(err)), 0, "%s", err);
	addr("198.18.0.2", a);
	cr_assert_eq(ew_geo_lookup(g, a, &r), 0);
	cr_assert_str_eq(r.country, "DE");
	cr_assert_eq(r.asn, 64500, "the ASN comes from the second file");
	cr_assert_str_eq(r.as_org, "EXAMPLE-AS");
	expect(g, &p, "198.18.0.3", EW_BORDER_CROSS, "HK", 0);
	expect(g, &p, "198.18.0.4", EW_BORDER_CROSS, "US", 0);
	expect(g, &p, "198.18.0.5", EW_BORDER_DOMESTIC, "CN", 0);
	expect(g, &p, "2001:db8:de::7", EW_BORDER_CROSS, "DE", 0);
	expect(g, &p, "198.18.1.1", EW_BORDER_LOCAL, "", 0);
	ew_geo_close(g);
}

/* Writes a pair of databases in @layout's shape into @c and @a. */
static void write_layout(const char *layout, char *c, char *a, size_t len)
{
	char cmd[640];

	snprintf(c, len, "%s/%s.mmdb", dir, layout);
	snprintf(a, len, "%s/%s-asn.mmdb", dir, layout);
	snprintf(cmd, sizeof(cmd), "perl %s/tests/data/make-test-mmdb.pl --layout %s %s %s",
		 getenv("EW_SOURCE_ROOT"), layout, c, a);
	cr_assert_eq(system(cmd), 0, "the MaxMind DB writer failed for layout %s", layout);
}

Test(geo, geoip2_city_layout_registered_country_and_anycast)
{
	char c[160], a[160];
	const char *paths[] = {c, a};
	struct ew_geo_result r;
	struct ew_policy p;
	struct ew_geo *g;
	uint8_t ip[16];

	write_layout("city", c, a, sizeof(c));
	ew_policy_defaults(&p);
	cr_assert_eq(ew_geo_open(paths, 2, &g, err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(ew_geo_describe(g, 0), "GeoIP2-City"), "%s", ew_geo_describe(g, 0));
	expect(g, &p, "198.18.0.2", EW_BORDER_CROSS, "DE", 0);
	expect(g, &p, "198.18.0.5", EW_BORDER_DOMESTIC, "CN", 0);
	/* traits.is_anycast: the country is a guess, a human should look. */
	expect(g, &p, "198.18.0.4", EW_BORDER_CROSS, "US", EW_REVIEW_ANYCAST);
	/* No country, only the registration: Macao, cross-border by default. */
	expect(g, &p, "198.18.0.6", EW_BORDER_CROSS, "MO", 0);
	addr("198.18.0.6", ip);
	cr_assert_eq(ew_geo_lookup(g, ip, &r), 0);
	cr_assert_eq(r.asn, 64500);
	cr_assert_not(r.anycast);
	ew_geo_close(g);
}

Test(geo, dbip_lite_city_and_asn_layouts)
{
	char c[160], a[160];
	const char *paths[] = {c, a};
	struct ew_geo_result r;
	struct ew_policy p;
	struct ew_geo *g;
	uint8_t ip[16];

	write_layout("dbip", c, a, sizeof(c));
	ew_policy_defaults(&p);
	cr_assert_eq(ew_geo_open(paths, 2, &g, err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(ew_geo_describe(g, 0), "DBIP-City-Lite"), "%s", ew_geo_describe(g, 0));
	cr_assert(strstr(ew_geo_describe(g, 1), "DBIP-ASN-Lite"), "%s", ew_geo_describe(g, 1));
	expect(g, &p, "198.18.0.3", EW_BORDER_CROSS, "HK", 0);
	expect(g, &p, "198.18.0.5", EW_BORDER_DOMESTIC, "CN", 0);
	addr("198.18.0.4", ip);
	cr_assert_eq(ew_geo_lookup(g, ip, &r), 0);
	cr_assert_str_eq(r.country, "US");
	cr_assert_eq(r.asn, 64500);
	cr_assert_str_eq(r.as_org, "EXAMPLE-AS");
	ew_geo_close(g);
}

Test(geo, policy_networks_come_first)
{
	struct ew_policy p;
	struct ew_place pl;
	struct ew_geo *g;
	const char *paths[] = {loc_path};
	uint8_t a[16];

	cr_assert_eq(ew_policy_parse("p.json",
				     "{\"version\":1,\"domestic_countries\":[\"CN\",\"HK\"],"
				     "\"networks\":[{\"cidr\":\"198.18.0.0/31\",\"country\":\"CN\","
				     "\"name\":\"dc-shanghai\"},{\"cidr\":\"198.18.0.4/32\","
				     "\"country\":\"SG\",\"name\":\"partner\"}]}",
				     &p, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ew_geo_open(paths, 1, &g, err, sizeof(err)), 0, "%s", err);
	addr("198.18.0.4", a); /* the database says US and anycast; the policy says SG */
	ew_border_decide(&p, g, a, &pl);
	cr_assert_eq(pl.border, EW_BORDER_CROSS);
	cr_assert_str_eq(pl.country, "SG");
	cr_assert_str_eq(pl.net_name, "partner");
	cr_assert_eq(pl.by, EW_BY_NETWORK);
	cr_assert_eq(pl.review, 0);
	expect(g, &p, "198.18.0.3", EW_BORDER_DOMESTIC, "HK", 0); /* domestic set from policy */
	ew_geo_close(g);
	ew_policy_free(&p);
}

Test(geo, corrupt_truncated_and_missing_files)
{
	const char *paths[1];
	struct ew_geo *g;
	char cut[160], cmd[512];

	snprintf(cut, sizeof(cut), "%s/cut.db", dir);
	snprintf(cmd, sizeof(cmd), "head -c 200 %s > %s", EW_GEO_DEFAULT_DB, cut);
	cr_assert_eq(system(cmd), 0);
	paths[0] = cut;
	cr_assert_lt(ew_geo_open(paths, 1, &g, err, sizeof(err)), 0);
	cr_assert(strstr(err, "cut.db: not a usable libloc database"), "%s", err);

	snprintf(cut, sizeof(cut), "%s/junk.mmdb", dir);
	snprintf(cmd, sizeof(cmd), "head -c 4096 /dev/urandom > %s", cut);
	cr_assert_eq(system(cmd), 0);
	cr_assert_lt(ew_geo_open(paths, 1, &g, err, sizeof(err)), 0);
	cr_assert(strstr(err, "junk.mmdb: not a usable MaxMind DB"), "%s", err);

	paths[0] = "/nonexistent/geo.mmdb";
	cr_assert_lt(ew_geo_open(paths, 1, &g, err, sizeof(err)), 0);
	cr_assert(strstr(err, "/nonexistent/geo.mmdb"), "%s", err);
}

static void write_mmdb(const char *path, const char *cc)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "perl %s/tests/data/make-test-mmdb.pl --country 198.18.0.2/32=%s %s",
		 getenv("EW_SOURCE_ROOT"), cc, path);
	cr_assert_eq(system(cmd), 0, "the MaxMind DB writer (libmaxmind-db-writer-perl) failed");
}

static void write_bytes(const char *path, const char *bytes, size_t n)
{
	FILE *f = fopen(path, "w"); /* in place: same inode, truncated first */

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(bytes, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

static void expect_country(struct ew_geo *g, const char *ip, const char *cc)
{
	struct ew_geo_result r;
	uint8_t a[16];

	addr(ip, a);
	cr_assert_eq(ew_geo_lookup(g, a, &r), 0, "%s: not found", ip);
	cr_assert_str_eq(r.country, cc, "%s", ip);
}

Test(geo, changed_reports_a_rename_once_it_settled)
{
	char path[160], next[160];
	const char *paths[] = {path};
	struct ew_geo *g, *g2;

	snprintf(path, sizeof(path), "%s/watched.mmdb", dir);
	snprintf(next, sizeof(next), "%s/watched.mmdb.new", dir);
	write_mmdb(path, "DE");
	cr_assert_eq(ew_geo_open(paths, 1, &g, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(ew_geo_changed(g), "nothing changed yet");
	write_mmdb(next, "US");
	cr_assert_eq(rename(next, path), 0);
	cr_assert_not(ew_geo_changed(g), "first seen: it may still be changing");
	cr_assert(ew_geo_changed(g), "the same twice in a row: reload");
	cr_assert_not(ew_geo_changed(g), "reported once");
	expect_country(g, "198.18.0.2", "DE");
	cr_assert_eq(ew_geo_open(paths, 1, &g2, err, sizeof(err)), 0, "%s", err);
	expect_country(g2, "198.18.0.2", "US");
	cr_assert_not(ew_geo_changed(g2));
	cr_assert_not(ew_geo_changed(g2));
	ew_geo_close(g2);
	ew_geo_close(g);
}

Test(geo, rewrite_in_place_spares_the_open_database)
{
	static const char junk[] = "this is not a database, it is half of a download";
	char path[160];
	const char *paths[] = {path};
	struct ew_geo *g, *g2;

	snprintf(path, sizeof(path), "%s/inplace.mmdb", dir);
	write_mmdb(path, "DE");
	cr_assert_eq(ew_geo_open(paths, 1, &g, err, sizeof(err)), 0, "%s", err);
	write_bytes(path, junk, 20);
	/* Mapped from the file, this lookup would end in SIGBUS. */
	expect_country(g, "198.18.0.2", "DE");
	cr_assert_not(ew_geo_changed(g));
	cr_assert(ew_geo_changed(g));
	cr_assert_lt(ew_geo_open(paths, 1, &g2, err, sizeof(err)), 0);
	cr_assert(strstr(err, "inplace.mmdb: not a usable MaxMind DB"), "%s", err);
	for (int i = 0; i < 3; i++)
		cr_assert_not(ew_geo_changed(g),
			      "a state that failed is not retried until it changes");
	write_bytes(path, junk, sizeof(junk));
	cr_assert_not(ew_geo_changed(g));
	cr_assert(ew_geo_changed(g), "changed again: retry");
	cr_assert_eq(unlink(path), 0);
	cr_assert_not(ew_geo_changed(g));
	cr_assert(ew_geo_changed(g), "removed");
	cr_assert_lt(ew_geo_open(paths, 1, &g2, err, sizeof(err)), 0);
	cr_assert(strstr(err, "inplace.mmdb: cannot open"), "%s", err);
	write_mmdb(path, "DE");
	cr_assert_not(ew_geo_changed(g));
	cr_assert(ew_geo_changed(g), "back, as a new file");
	expect_country(g, "198.18.0.2", "DE");
	ew_geo_close(g);
}

Test(geo, empty_file_is_refused)
{
	char path[160];
	const char *paths[] = {path};
	struct ew_geo *g;

	snprintf(path, sizeof(path), "%s/empty.mmdb", dir);
	write_bytes(path, "", 0);
	cr_assert_lt(ew_geo_open(paths, 1, &g, err, sizeof(err)), 0);
	cr_assert(strstr(err, "empty.mmdb: empty file"), "%s", err);
}

/* A FIFO without a writer would block the open for ever: the timeout fails the test if it does. */
Test(geo, fifo_and_directory_are_refused, .timeout = 10)
{
	char path[160];
	const char *paths[] = {path};
	struct ew_geo *g;

	snprintf(path, sizeof(path), "%s/fifo.mmdb", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(ew_geo_open(paths, 1, &g, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "fifo.mmdb: is a FIFO, not a regular file"), "%s", err);
	paths[0] = dir;
	cr_assert_eq(ew_geo_open(paths, 1, &g, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, ": is a directory, not a regular file"), "%s", err);
}

Test(geo, uncached_lookups_give_the_same_answers)
{
	static const char *const ips[] = {"8.8.8.8", "223.5.5.5", "2001:4860:4860::8888", "1.1.1.1",
					  "10.1.2.3"};
	struct ew_geo_result r1, r2;
	struct ew_geo *g;
	uint8_t a[16];

	cr_assert_eq(ew_geo_open(NULL, 0, &g, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		int rc1, rc2;

		addr(ips[i], a);
		ew_geo_set_cache(g, true);
		rc1 = ew_geo_lookup(g, a, &r1);
		rc1 = ew_geo_lookup(g, a, &r1); /* from the cache */
		ew_geo_set_cache(g, false);
		rc2 = ew_geo_lookup(g, a, &r2);
		cr_assert_eq(rc1, rc2, "%s", ips[i]);
		cr_assert_str_eq(r1.country, r2.country, "%s", ips[i]);
		cr_assert_eq(r1.asn, r2.asn, "%s", ips[i]);
		cr_assert_str_eq(r1.as_org, r2.as_org, "%s", ips[i]);
		cr_assert_eq(r1.anycast, r2.anycast, "%s", ips[i]);
	}
	ew_geo_close(g);
}
