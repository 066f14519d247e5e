// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "util/log.h"
#include "policy/policy.h"

static struct ew_config c;
static char err[1024];

Test(config, empty_object_gives_defaults)
{
	cr_assert_eq(ew_config_parse("t.json", "{}", &c, err, sizeof(err)), 0);
	cr_assert_str_eq(c.data_dir, "/var/lib/egresswatch");
	cr_assert_eq(c.report_interval, 60);
	cr_assert_eq(c.udp_idle_timeout, 30);
	cr_assert(c.hook_udp && c.hook_accept && c.hook_proc && c.hook_names);
	cr_assert_eq(c.dns_cache_entries, 65536);
}

Test(config, shipped_default_file_loads)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/deploy/egresswatch.json", getenv("EW_SOURCE_ROOT"));
	cr_assert_eq(ew_config_load(path, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.ringbuf_bytes, 8u << 20);
	cr_assert_eq(c.log_level, EW_LOG_INFO);
}

Test(config, values_and_nested)
{
	cr_assert_eq(
	    ew_config_parse("t.json",
			    "{\"data_dir\":\"/tmp/x\",\"report_interval\":5,"
			    "\"hooks\":{\"udp\":false,\"names\":false},\"dns_cache_entries\":128,"
			    "\"log\":{\"level\":\"debug\"}}",
			    &c, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_str_eq(c.data_dir, "/tmp/x");
	cr_assert_eq(c.report_interval, 5);
	cr_assert_not(c.hook_udp);
	cr_assert_not(c.hook_names);
	cr_assert_eq(c.dns_cache_entries, 128);
	cr_assert(c.hook_proc);
	cr_assert_eq(c.log_level, EW_LOG_DEBUG);
}

Test(config, subject_key)
{
	cr_assert_eq(ew_config_parse("t.json", "{}", &c, err, sizeof(err)), 0);
	cr_assert_str_eq(c.subject_key, "/etc/egresswatch/subject.key");
	cr_assert_eq(ew_config_parse("t.json",
				     "{\"content\": {\"subject_key\": \"/srv/k/acme.key\"}}", &c,
				     err, sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(c.subject_key, "/srv/k/acme.key");
}

Test(config, geo_db_list)
{
	cr_assert_eq(ew_config_parse("t.json", "{}", &c, err, sizeof(err)), 0);
	cr_assert_eq(c.n_geo_db, 0, "none: the libloc default");
	cr_assert_eq(
	    ew_config_parse("t.json",
			    "{\"geo_db\": [\"/srv/geo/Country.mmdb\", \"/srv/geo/ASN.mmdb\"]}", &c,
			    err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(c.n_geo_db, 2);
	cr_assert_str_eq(c.geo_db[0], "/srv/geo/Country.mmdb");
	cr_assert_str_eq(c.geo_db[1], "/srv/geo/ASN.mmdb");
}

struct bad {
	const char *text;
	const char *want; /* substring of the message */
};

Test(config, errors_name_file_path_and_fix)
{
	static const struct bad cases[] = {
	    {"{\"report_interval\": \"60\"}", "t.json: $.report_interval: expected an integer"},
	    {"{\"report_interval\": 0}", "from 1 to 86400"},
	    {"{\"report_interval\": 1.5}", "$.report_interval"},
	    {"{\"report_interval\": -1}", "$.report_interval: expected an integer from 1 to 86400"},
	    {"{\"report_interval\": 1e300}", "$.report_interval: expected an integer from 1"},
	    {"{\"reprot_interval\": 5}", "$.reprot_interval: unknown key (known keys: data_dir"},
	    {"{\"hooks\": {\"tls\": true}}", "$.hooks.tls: unknown key"},
	    {"{\"hooks\": []}", "$.hooks: expected an object, got an array"},
	    {"{\"log\": {\"level\": \"loud\"}}", "$.log.level: expected one of \"error\""},
	    {"{\"ringbuf_bytes\": 12288}", "$.ringbuf_bytes: must be a power of two"},
	    {"{\"dns_cache_entries\": 10}", "$.dns_cache_entries: expected an integer from 64"},
	    {"{\"hooks\": {\"names\": 1}}", "$.hooks.names: expected"},
	    {"{\"data_dir\": \"var/lib\"}", "$.data_dir: must be an absolute path"},
	    {"{\"data_dir\": \"\"}", "$.data_dir: expected a non-empty string"},
	    {"{\"geo_db\": \"/a.mmdb\"}", "$.geo_db: expected an array"},
	    {"{\"geo_db\": [\"GeoLite2.mmdb\"]}", "$.geo_db[0]: expected the absolute path"},
	    {"{\"geo_db\": [\"/a\", 7]}", "$.geo_db[1]: expected the absolute path"},
	    {"{\"geo_db\": [\"/1\",\"/2\",\"/3\",\"/4\",\"/5\",\"/6\",\"/7\",\"/8\",\"/9\"]}",
	     "$.geo_db: expected at most 8 database files, got 9"},
	    {"{\"content\": {\"subject_key\": \"subject.key\"}}",
	     "t.json: $.content.subject_key: must be an absolute path (the secret file is relative "
	     "to nothing), like \"/etc/egresswatch/subject.key\", got \"subject.key\""},
	    {"{\"content\": {\"subject_key\": \"\"}}",
	     "$.content.subject_key: expected a non-empty string"},
	    {"{\"content\": {\"subject_key\": 1}}", "$.content.subject_key: expected a non-empty"},
	    {"{\"content\": {\"subject_keys\": \"/k\"}}", "$.content.subject_keys: unknown key"},
	    {"{\"content\": \"/k\"}", "$.content: expected an object"},
	    {"[1,2]", "$: expected an object, got an array"},
	    {"{\"a\":\n  1,,}", "t.json:2:"},
	    {"", "t.json:1:1: not valid JSON"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(ew_config_parse("t.json", cases[i].text, &c, err, sizeof(err)),
			     -EINVAL, "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: \"%s\" lacks \"%s\"", i, err,
			  cases[i].want);
	}
}

Test(config, missing_file)
{
	cr_assert_eq(ew_config_load("/nonexistent/egresswatch.json", &c, err, sizeof(err)),
		     -ENOENT);
	cr_assert(strstr(err, "/nonexistent/egresswatch.json: cannot open"), "%s", err);
}

static char tmpdir[64];

static void mk_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ew-test-config-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	cr_assert_geq(fputs(text, f), 0);
	cr_assert_eq(fclose(f), 0);
}

/* A FIFO without a writer would block open() and read() for ever: the
 * timeout fails the test if it does. */
Test(config, fifo_is_refused_without_blocking, .init = mk_tmpdir, .fini = rm_tmpdir, .timeout = 10)
{
	struct ew_policy p;
	char path[128];

	snprintf(path, sizeof(path), "%s/egresswatch.json", tmpdir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(ew_config_load(path, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "egresswatch.json: is a FIFO, not a regular file"), "%s", err);
	cr_assert_eq(ew_policy_load(path, &p, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "egresswatch.json: is a FIFO, not a regular file"), "%s", err);
}

Test(config, directory_and_device_are_refused, .init = mk_tmpdir, .fini = rm_tmpdir)
{
	cr_assert_eq(ew_config_load(tmpdir, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, ": is a directory, not a regular file"), "%s", err);
	cr_assert_eq(ew_config_load("/dev/null", &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "/dev/null: is a character device, not a regular file"), "%s", err);
}

/* No control character from a file reaches the message as itself. */
static void assert_no_controls(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		cr_assert(*p >= 0x20 && *p != 0x7f &&
			      !(p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0),
			  "control byte 0x%02x at %zu in \"%s\"", *p,
			  (size_t)(p - (const unsigned char *)s), s);
}

Test(config, escape_sequences_in_keys_and_values_are_escaped, .init = mk_tmpdir, .fini = rm_tmpdir)
{
	static const struct bad cases[] = {
	    /* a key: ESC [ 3 1 m turns the terminal red */
	    {"{\"\\u001b[31mred\": 1}", "t.json: $.\\x1b[31mred: unknown key"},
	    {"{\"hooks\": {\"\\u001b]0;owned\\u0007\": true}}",
	     "$.hooks.\\x1b]0;owned\\x07: unknown key"},
	    /* C1 CSI as UTF-8, and as a lone byte that is no UTF-8 */
	    {"{\"\\u009b2J\": 1}", "$.\\xc2\\x9b2J: unknown key"},
	    {"{\"\x9b"
	     "2J\": 1}",
	     "$.\\x9b2J: unknown key"},
	    /* UTF-8 that is not a control stays as it is */
	    {"{\"\u4e2d\u6587\": 1}", "$.\u4e2d\u6587: unknown key"},
	    /* values: refused, and quoted escaped */
	    {"{\"data_dir\": \"/var/\\u001b[2J\"}",
	     "$.data_dir: control character in \"/var/\\x1b[2J\""},
	    {"{\"geo_db\": [\"/srv/\\u001b[2J.mmdb\"]}",
	     "$.geo_db[0]: control character in \"/srv/\\x1b[2J.mmdb\""},
	    {"{\"log\": {\"level\": \"\\u001b[31m\"}}", "$.log.level: expected one of"},
	};
	struct ew_policy p;
	char path[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(ew_config_parse("t.json", cases[i].text, &c, err, sizeof(err)),
			     -EINVAL, "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: \"%s\" lacks \"%s\"", i, err,
			  cases[i].want);
		assert_no_controls(err);
	}
	/* The same from a file, and from a policy. */
	snprintf(path, sizeof(path), "%s/c.json", tmpdir);
	write_file(path, "{\"\\u001b[31mred\": 1}");
	cr_assert_eq(ew_config_load(path, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "c.json: $.\\x1b[31mred: unknown key"), "%s", err);
	assert_no_controls(err);
	write_file(path, "{\"version\": 1, \"networks\": [{\"cidr\": \"10.0.0.0/8\", "
			 "\"country\": \"CN\", \"\\u001b[31m\": 1}]}");
	cr_assert_eq(ew_policy_load(path, &p, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "unknown key \"\\x1b[31m\""), "%s", err);
	assert_no_controls(err);
}

Test(policy, defaults_and_values)
{
	struct ew_policy p;

	cr_assert_eq(ew_policy_parse("p.json", "{\"version\":1}", &p, err, sizeof(err)), 0);
	cr_assert_eq(p.n_domestic, 1);
	cr_assert_str_eq(p.domestic[0], "CN");
	ew_policy_free(&p);
	cr_assert_eq(ew_policy_parse("p.json",
				     "{\"version\":1,\"legal_entity\":\"X\","
				     "\"domestic_countries\":[\"CN\",\"MO\"]}",
				     &p, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(p.n_domestic, 2);
	cr_assert_str_eq(p.domestic[1], "MO");
	cr_assert_str_eq(p.legal_entity, "X");
	ew_policy_free(&p);
	cr_assert_eq(ew_policy_parse("p.json",
				     "{\"version\":1,\"networks\":[{\"cidr\":\"198.18.0.0/15\","
				     "\"country\":\"CN\",\"name\":\"dc-sh\"},{\"cidr\":"
				     "\"2001:db8::/32\",\"country\":\"DE\"}]}",
				     &p, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(p.n_nets, 2);
	cr_assert_eq(p.nets[0].prefix, 96 + 15);
	cr_assert_eq(p.nets[0].addr[12], 198);
	cr_assert_str_eq(p.nets[0].name, "dc-sh");
	cr_assert_eq(p.nets[1].prefix, 32);
	cr_assert_str_eq(p.nets[1].country, "DE");
	ew_policy_free(&p);
}

Test(policy, errors)
{
	static const struct bad cases[] = {
	    {"{}", "p.json: $.version: missing"},
	    {"{\"version\":2}", "$.version: expected an integer from 1 to 1"},
	    {"{\"version\":1,\"domestic_countries\":[\"cn\"]}",
	     "$.domestic_countries[0]: expected an ISO 3166-1 alpha-2 code"},
	    {"{\"version\":1,\"domestic_countries\":[]}", "expected 1 to 32 country codes"},
	    {"{\"version\":1,\"networks\":{}}", "$.networks: expected an array"},
	    {"{\"version\":1,\"networks\":[{\"cidr\":\"10.0.0.0\",\"country\":\"CN\"}]}",
	     "$.networks[0]: cidr \"10.0.0.0\" is not ADDRESS/PREFIX"},
	    {"{\"version\":1,\"networks\":[{\"cidr\":\"10.0.0.1/8\",\"country\":\"CN\"}]}",
	     "host bits set"},
	    {"{\"version\":1,\"networks\":[{\"cidr\":\"10.0.0.0/33\",\"country\":\"CN\"}]}",
	     "is not ADDRESS/PREFIX"},
	    {"{\"version\":1,\"networks\":[{\"cidr\":\"10.0.0.0/8\",\"country\":\"China\"}]}",
	     "$.networks[0]: \"country\" must be an ISO 3166-1 alpha-2 code"},
	    {"{\"version\":1,\"networks\":[{\"cidr\":\"10.0.0.0/8\",\"contry\":\"CN\"}]}",
	     "unknown key \"contry\""},
	};
	struct ew_policy p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(ew_policy_parse("p.json", cases[i].text, &p, err, sizeof(err)),
			     -EINVAL, "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: \"%s\" lacks \"%s\"", i, err,
			  cases[i].want);
	}
}

Test(config, content_keys)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"{\"content\":{\"ringbuf_bytes\":100000}}",
	     "$.content.ringbuf_bytes: must be a power of two"},
	    {"{\"content\":{\"flow_bytes\":10}}", "$.content.flow_bytes"},
	    {"{\"content\":{\"max_streams\":0}}", "$.content.max_streams"},
	    {"{\"content\":{\"enabled\":1}}", "$.content.enabled"},
	    {"{\"content\":{\"inbound\":1}}", "$.content.inbound"},
	};

	cr_assert_eq(ew_config_parse("t.json", "{}", &c, err, sizeof(err)), 0);
	cr_assert(c.content_enabled);
	cr_assert_eq(c.content_flow_bytes, 262144);
	cr_assert(!c.content_inbound);
	cr_assert_eq(c.content_max_streams, 4096);
	cr_assert_eq(c.content_ringbuf_bytes, 4u << 20);
	cr_assert_eq(
	    ew_config_parse("t.json",
			    "{\"content\":{\"enabled\":false,\"inbound\":true,\"flow_bytes\":65536,"
			    "\"max_streams\":10,\"ringbuf_bytes\":1048576}}",
			    &c, err, sizeof(err)),
	    0, "%s", err);
	cr_assert(!c.content_enabled);
	cr_assert(c.content_inbound);
	cr_assert_eq(c.content_flow_bytes, 65536);
	cr_assert_eq(c.content_max_streams, 10);
	cr_assert_eq(c.content_ringbuf_bytes, 1048576);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_neq(ew_config_parse("t.json", bad[i].text, &c, err, sizeof(err)), 0);
		cr_assert(strstr(err, bad[i].want), "%s: got %s", bad[i].text, err);
	}
}
