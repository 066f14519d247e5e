// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pipeline/eval.h"
#include "policy/labels.h"
#include "policy/policy.h"
#include "util/addr.h"

static char err[1024];
static struct ew_policy p;

/* What the callback saw, as "label:category,label:category," */
struct seen {
	char s[512];
	unsigned int calls;
};

static void collect(void *arg, unsigned int cat, const char *category, const char *label)
{
	struct seen *x = arg;
	size_t n = strlen(x->s);

	cr_assert_str_eq(p.labels.cats[cat], category, "index and id disagree");
	snprintf(x->s + n, sizeof(x->s) - n, "%s:%s,", label, category);
	x->calls++;
}

static void load(const char *json)
{
	char text[4096];

	snprintf(text, sizeof(text), "{\"version\":1,%s}", json);
	cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), 0, "%s", err);
}

static void fini(void)
{
	ew_policy_free(&p);
}

static const char *CID = "3f2a9c1b7d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef";

static const char *workload(const char *exe, const char *cmdline, const char *cgroup,
			    const char *cid, const char *unit)
{
	static struct seen x;
	struct ew_workload_view v = {exe, cmdline, cgroup, cid, unit};
	int n;

	memset(&x, 0, sizeof(x));
	n = ew_labels_workload(&p.labels, &v, collect, &x);
	cr_assert_geq(n, 0);
	return x.s;
}

Test(labels, executable_globs, .fini = fini)
{
	load("\"workloads\":["
	     "{\"name\":\"exact\",\"executable\":\"/usr/bin/dms\",\"categories\":[\"biometric\"]},"
	     "{\"name\":\"prefix\",\"executable\":\"/opt/voice/"
	     "*\",\"categories\":[\"cabin_media\"]},"
	     "{\"name\":\"suffix\",\"executable\":\"*/trainer\",\"categories\":[\"adas_model\"]},"
	     "{\"name\":\"infix\",\"executable\":\"*/mapper/*\",\"categories\":[\"hd_map\"]},"
	     "{\"name\":\"class\",\"executable\":\"/srv/cam[0-9]/up?oad\","
	     "\"categories\":[\"exterior_media\"]}]");
	cr_assert_str_eq(workload("/usr/bin/dms", NULL, NULL, NULL, NULL), "exact:biometric,");
	cr_assert_str_eq(workload("/usr/bin/dms2", NULL, NULL, NULL, NULL), "");
	cr_assert_str_eq(workload("/usr/bin/dm", NULL, NULL, NULL, NULL), "");
	/* '*' crosses '/': everything under the directory */
	cr_assert_str_eq(workload("/opt/voice/bin/asr", NULL, NULL, NULL, NULL),
			 "prefix:cabin_media,");
	cr_assert_str_eq(workload("/opt/voicex", NULL, NULL, NULL, NULL), "");
	cr_assert_str_eq(workload("/srv/ml/trainer", NULL, NULL, NULL, NULL), "suffix:adas_model,");
	cr_assert_str_eq(workload("/srv/ml/trainer2", NULL, NULL, NULL, NULL), "");
	cr_assert_str_eq(workload("/a/mapper/b", NULL, NULL, NULL, NULL), "infix:hd_map,");
	cr_assert_str_eq(workload("/a/mapperb", NULL, NULL, NULL, NULL), "");
	cr_assert_str_eq(workload("/srv/cam3/upload", NULL, NULL, NULL, NULL),
			 "class:exterior_media,");
	cr_assert_str_eq(workload("/srv/camx/upload", NULL, NULL, NULL, NULL), "");
	/* unknown executable: no selector on it matches */
	cr_assert_str_eq(workload(NULL, "x", "/", CID, "a.service"), "");
	cr_assert_str_eq(workload("", NULL, NULL, NULL, NULL), "");
}

Test(labels, each_selector, .fini = fini)
{
	load(
	    "\"workloads\":["
	    "{\"name\":\"cmd\",\"command_line\":\"python3 /srv/train/*\","
	    "\"categories\":[\"adas_model\"]},"
	    "{\"name\":\"cg\",\"cgroup\":\"/kubepods.slice/*/cri-containerd-*.scope\","
	    "\"categories\":[\"test_scenario\"]},"
	    "{\"name\":\"short\",\"container_id\":\"3f2a9c1b7d4e\",\"categories\":[\"biometric\"]},"
	    "{\"name\":\"full\",\"container_id\":\"3f2a9c1b7d4e5f60718293a4b5c6d7e8f90112233445566"
	    "778899aabbccddeef\",\"categories\":[\"face_image\"]},"
	    "{\"name\":\"unit\",\"systemd_unit\":\"dms-*.service\",\"categories\":[\"cabin_media\"]"
	    "}"
	    "]");
	cr_assert_str_eq(workload(NULL, "python3 /srv/train/run.py --epochs 3", NULL, NULL, NULL),
			 "cmd:adas_model,");
	cr_assert_str_eq(workload(NULL, "python3 /srv/other.py", NULL, NULL, NULL), "");
	cr_assert_str_eq(workload(NULL, NULL,
				  "/kubepods.slice/kubepods-pod1.slice/cri-containerd-ab.scope",
				  NULL, NULL),
			 "cg:test_scenario,");
	cr_assert_str_eq(workload(NULL, NULL, "/system.slice/cri-containerd-ab.scope", NULL, NULL),
			 "");
	cr_assert_str_eq(workload(NULL, NULL, NULL, CID, NULL), "short:biometric,full:face_image,");
	cr_assert_str_eq(
	    workload(NULL, NULL, NULL,
		     "3f2a9c1b7d4f5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef", NULL),
	    "", "a prefix, not a substring or near miss");
	cr_assert_str_eq(workload(NULL, NULL, NULL, "", NULL), "");
	cr_assert_str_eq(workload(NULL, NULL, NULL, NULL, "dms-camera.service"),
			 "unit:cabin_media,");
	cr_assert_str_eq(workload(NULL, NULL, NULL, NULL, "dms.service"), "");
}

Test(labels, all_given_selectors_must_match, .fini = fini)
{
	load("\"workloads\":[{\"name\":\"dms\",\"executable\":\"/opt/dms/*\","
	     "\"systemd_unit\":\"dms.service\",\"cgroup\":\"/system.slice/*\","
	     "\"categories\":[\"biometric\",\"cabin_media\"]},"
	     "{\"name\":\"any-dms\",\"executable\":\"*dms*\",\"categories\":[\"biometric\"]}]");
	cr_assert_str_eq(
	    workload("/opt/dms/face", NULL, "/system.slice/dms.service", NULL, "dms.service"),
	    "dms:biometric,dms:cabin_media,any-dms:biometric,",
	    "both labels, each category, in policy order");
	cr_assert_str_eq(
	    workload("/opt/dms/face", NULL, "/system.slice/dms.service", NULL, "other.service"),
	    "any-dms:biometric,");
	cr_assert_str_eq(workload("/opt/dms/face", NULL, NULL, NULL, "dms.service"),
			 "any-dms:biometric,", "cgroup unknown: that selector fails");
	cr_assert_str_eq(
	    workload("/usr/bin/x", NULL, "/system.slice/dms.service", NULL, "dms.service"), "");
	/* the same category from two labels keeps one index */
	cr_assert_eq(p.labels.n_cats, 2);
}

Test(labels, from_the_owner_of_a_record, .fini = fini)
{
	struct ew_proc proc = {.tgid = 7};
	struct ew_cgroup cg = {.id = 9};
	struct ew_owner o = {.known = true, .pid = 7, .proc = &proc, .cgroup = &cg};
	struct seen x = {0};

	load("\"workloads\":[{\"name\":\"ml\",\"executable\":\"/srv/ml/*\","
	     "\"container_id\":\"3f2a9c1b7d4e\",\"categories\":[\"adas_model\"]}]");
	proc.exe = "/srv/ml/sync";
	proc.cmdline = "sync --all";
	cg.path = "/system.slice/docker-x.scope";
	snprintf(cg.info.container_id, sizeof(cg.info.container_id), "%s", CID);
	cr_assert_eq(ew_labels_owner(&p.labels, &o, collect, &x), 1);
	cr_assert_str_eq(x.s, "ml:adas_model,");
	o.cgroup = NULL;
	cr_assert_eq(ew_labels_owner(&p.labels, &o, collect, &x), 0);
	o.cgroup = &cg;
	o.proc = NULL;
	cr_assert_eq(ew_labels_owner(&p.labels, &o, collect, &x), 0);
	o.proc = &proc;
	o.known = false;
	cr_assert_eq(ew_labels_owner(&p.labels, &o, collect, &x), 0);
	cr_assert_eq(x.calls, 1);
}

static const char *dest(const char *ip, const char *domain)
{
	static struct seen x;
	uint8_t a[16];

	memset(&x, 0, sizeof(x));
	if (ip)
		cr_assert_eq(ew_addr_parse(ip, a), 0);
	ew_labels_destination(&p.labels, ip ? a : NULL, domain, collect, &x);
	return x.s;
}

Test(labels, destinations, .fini = fini)
{
	load("\"destinations\":["
	     "{\"name\":\"map-vendor\",\"networks\":[\"198.18.4.0/22\",\"2001:db8:40::/48\"],"
	     "\"domains\":[\"Maps.Example.COM.\"],\"categories\":[\"hd_map\"]},"
	     "{\"name\":\"asr\",\"domains\":[\"speech.example.net\",\"asr.example.org\"],"
	     "\"categories\":[\"cabin_media\",\"biometric\"]},"
	     "{\"name\":\"one\",\"networks\":[\"198.19.0.1/32\"],\"categories\":[\"hd_map\"]}]");
	cr_assert_str_eq(dest("198.18.7.255", NULL), "map-vendor:hd_map,");
	cr_assert_str_eq(dest("198.18.8.0", NULL), "");
	cr_assert_str_eq(dest("198.18.3.255", NULL), "");
	cr_assert_str_eq(dest("2001:db8:40:ffff::1", NULL), "map-vendor:hd_map,");
	cr_assert_str_eq(dest("2001:db8:41::1", NULL), "");
	cr_assert_str_eq(dest("198.19.0.1", NULL), "one:hd_map,");
	cr_assert_str_eq(dest("198.19.0.2", NULL), "");
	/* either networks or domains is enough */
	cr_assert_str_eq(dest("192.0.2.1", "maps.example.com"), "map-vendor:hd_map,");
	cr_assert_str_eq(dest(NULL, "tiles.MAPS.example.com."), "map-vendor:hd_map,");
	cr_assert_str_eq(dest(NULL, "evilmaps.example.com"), "", "suffix at a label boundary");
	cr_assert_str_eq(dest(NULL, "example.com"), "");
	cr_assert_str_eq(dest(NULL, "maps.example.com.evil.net"), "");
	cr_assert_str_eq(dest(NULL, "eu.asr.example.org"), "asr:cabin_media,asr:biometric,");
	cr_assert_str_eq(dest("198.18.4.1", "speech.example.net"),
			 "map-vendor:hd_map,asr:cabin_media,asr:biometric,");
	cr_assert_str_eq(dest(NULL, ""), "");
	cr_assert_str_eq(dest(NULL, NULL), "");
}

static bool in_taxonomy(void *arg, const char *id)
{
	(void)arg;
	return strcmp(id, "biometrik") != 0;
}

Test(labels, unknown_category_named_with_its_path, .fini = fini)
{
	load("\"workloads\":[{\"name\":\"a\",\"executable\":\"/a\",\"categories\":[\"vin\"]},"
	     "{\"name\":\"b\",\"executable\":\"/b\",\"categories\":[\"vin\",\"biometrik\"]}]");
	cr_assert_eq(ew_labels_check_categories(&p.labels, in_taxonomy, NULL, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "p.json: $.workloads[1].categories[1]: unknown category "
			      "\"biometrik\": not an id of the taxonomy");
}

struct bad {
	const char *text;
	const char *want;
};

Test(labels, bad_policies)
{
	static const struct bad cases[] = {
	    {"\"workloads\":{}", "p.json: $.workloads: expected an array"},
	    {"\"workloads\":[1]", "$.workloads[0]: expected an object with name, categories"},
	    {"\"workloads\":[{\"executable\":\"/a\",\"categories\":[\"vin\"]}]",
	     "$.workloads[0]: \"name\" must be a string of 1 to 63 bytes"},
	    {"\"workloads\":[{\"name\":\"\",\"executable\":\"/a\",\"categories\":[\"vin\"]}]",
	     "$.workloads[0]: \"name\" must be"},
	    {"\"workloads\":[{\"name\":\"a\",\"categories\":[\"vin\"]}]",
	     "$.workloads[0]: no selector: give at least one of executable"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/a\"}]",
	     "$.workloads[0]: missing \"categories\": 1 to 16 category ids"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/a\",\"categories\":[]}]",
	     "$.workloads[0].categories: expected 1 to 16 category ids"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/a\",\"categories\":\"vin\"}]",
	     "$.workloads[0].categories: expected 1 to 16"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/a\",\"categories\":[\"Face\"]}]",
	     "$.workloads[0].categories[0]: expected a category id of 1 to 31 characters a-z, 0-9, "
	     "_ (like \"cabin_media\"), got \"Face\""},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/a\",\"categories\":[\"vin\",7]}]",
	     "$.workloads[0].categories[1]: expected a category id"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/a\","
	     "\"categories\":[\"a_very_long_category_id_over_31c\"]}]",
	     "$.workloads[0].categories[0]: expected a category id"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/"
	     "a\",\"categories\":[\"vin\",\"vin\"]}]",
	     "$.workloads[0].categories[1]: \"vin\" is listed twice"},
	    {"\"workloads\":[{\"name\":\"a\",\"exe\":\"/a\",\"categories\":[\"vin\"]}]",
	     "$.workloads[0]: unknown key \"exe\" (known keys: name, categories, enforce, "
	     "executable"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"\",\"categories\":[\"vin\"]}]",
	     "$.workloads[0].executable: expected a non-empty string"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":[\"/a\"],\"categories\":[\"vin\"]}]",
	     "$.workloads[0].executable: expected a non-empty string of at most 1023 bytes, like "
	     "\"/opt/dms/bin/*\""},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/a[0-9\",\"categories\":[\"vin\"]}]",
	     "$.workloads[0].executable: glob \"/a[0-9\" has a '[' that is never closed"},
	    {"\"workloads\":[{\"name\":\"a\",\"command_line\":\"x\\\\\",\"categories\":[\"vin\"]}]",
	     "$.workloads[0].command_line: glob \"x\\\" ends in a lone backslash"},
	    {"\"workloads\":[{\"name\":\"a\",\"cgroup\":\"/"
	     "a\\u001b[2J\",\"categories\":[\"vin\"]}]",
	     "$.workloads[0].cgroup: control character in \"/a\\x1b[2J\""},
	    {"\"workloads\":[{\"name\":\"a\",\"container_id\":\"3f2a9c1b7d4\","
	     "\"categories\":[\"vin\"]}]",
	     "$.workloads[0].container_id: expected the container id or its first 12 or more "
	     "characters, lowercase hex"},
	    {"\"workloads\":[{\"name\":\"a\",\"container_id\":\"3F2A9C1B7D4E\","
	     "\"categories\":[\"vin\"]}]",
	     "$.workloads[0].container_id: expected the container id"},
	    {"\"workloads\":[{\"name\":\"a\",\"container_id\":\"3f2a9c1b7d4*\","
	     "\"categories\":[\"vin\"]}]",
	     "$.workloads[0].container_id: expected the container id"},
	    {"\"workloads\":[{\"name\":\"a\",\"systemd_unit\":\"a\",\"categories\":[\"vin\"]},"
	     "{\"name\":\"a\",\"systemd_unit\":\"b\",\"categories\":[\"vin\"]}]",
	     "$.workloads[1]: name \"a\" is already $.workloads[0]'s"},
	    {"\"destinations\":[{\"name\":\"d\",\"categories\":[\"hd_map\"]}]",
	     "$.destinations[0]: names no destination: give \"networks\" or \"domains\""},
	    {"\"destinations\":[{\"name\":\"d\",\"networks\":[],\"domains\":[],"
	     "\"categories\":[\"hd_map\"]}]",
	     "$.destinations[0]: names no destination"},
	    {"\"destinations\":[{\"name\":\"d\",\"networks\":[\"10.0.0.1/8\"],"
	     "\"categories\":[\"hd_map\"]}]",
	     "$.destinations[0].networks[0]: cidr \"10.0.0.1/8\" has host bits set"},
	    {"\"destinations\":[{\"name\":\"d\",\"networks\":[\"10.0.0.0/8\",\"example.com\"],"
	     "\"categories\":[\"hd_map\"]}]",
	     "$.destinations[0].networks[1]: expected ADDRESS/PREFIX"},
	    {"\"destinations\":[{\"name\":\"d\",\"networks\":\"10.0.0.0/8\","
	     "\"categories\":[\"hd_map\"]}]",
	     "$.destinations[0].networks: expected an array of at most 256 CIDRs"},
	    {"\"destinations\":[{\"name\":\"d\",\"domains\":[\"*.example.com\"],"
	     "\"categories\":[\"hd_map\"]}]",
	     "$.destinations[0].domains[0]: expected a domain like \"example.com\": "
	     "\"*.example.com\" starts with '.' or '*': write the domain itself, its subdomains "
	     "match too"},
	    {"\"destinations\":[{\"name\":\"d\",\"domains\":[\"a..b\"],\"categories\":[\"hd_map\"]}"
	     "]",
	     "$.destinations[0].domains[0]: expected a domain like \"example.com\": \"a..b\" has "
	     "an "
	     "empty label"},
	    {"\"destinations\":[{\"name\":\"d\",\"domains\":[\"a b.com\"],"
	     "\"categories\":[\"hd_map\"]}]",
	     "has a character other than letters"},
	    {"\"destinations\":[{\"name\":\"d\",\"domains\":[\"http://a.com/\"],"
	     "\"categories\":[\"hd_map\"]}]",
	     "$.destinations[0].domains[0]: expected a domain"},
	    {"\"destinations\":[{\"name\":\"d\",\"domains\":[\"a.com\"],\"via\":\"x\","
	     "\"categories\":[\"hd_map\"]}]",
	     "$.destinations[0]: unknown key \"via\" (known keys: name, categories, networks, "
	     "domains)"},
	    {"\"destinations\":[{\"name\":\"d\",\"domains\":[\"a.com\"]}]",
	     "$.destinations[0]: missing \"categories\""},
	    {"\"destinations\":[{\"name\":\"d\",\"domains\":[\"a.com\"],\"categories\":[\"x\"]},"
	     "{\"name\":\"d\",\"domains\":[\"b.com\"],\"categories\":[\"x\"]}]",
	     "$.destinations[1]: name \"d\" is already $.destinations[0]'s"},
	    {"\"destinations\":[7]", "$.destinations[0]: expected an object"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/a\",\"executable\":\"/b\","
	     "\"categories\":[\"vin\"]}]",
	     "$.workloads[0]: key \"executable\" given twice"},
	    {"\"destinations\":[{\"name\":\"d\",\"domains\":[\"a.com\"],\"domains\":[\"b.com\"],"
	     "\"categories\":[\"x\"]}]",
	     "$.destinations[0]: key \"domains\" given twice"},
	};
	char text[4096];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		snprintf(text, sizeof(text), "{\"version\":1,%s}", cases[i].text);
		cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), -EINVAL,
			     "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: \"%s\" lacks \"%s\"", i, err,
			  cases[i].want);
		cr_assert_eq(p.labels.n_workloads + p.labels.n_dests, 0, "freed after an error");
	}
}

Test(labels, limits)
{
	static char text[200000];
	size_t off;

	off = (size_t)snprintf(text, sizeof(text), "{\"version\":1,\"workloads\":[");
	for (int i = 0; i <= EW_LABELS_MAX_WORKLOADS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"%s{\"name\":\"w%d\",\"executable\":\"/a\","
					"\"categories\":[\"c%d\"]}",
					i ? "," : "", i, i);
	snprintf(text + off, sizeof(text) - off, "]}");
	cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "$.workloads: expected an array of at most 256 labels"), "%s", err);
	/* 256 labels of 2 categories: the 257th distinct category is refused */
	off = (size_t)snprintf(text, sizeof(text), "{\"version\":1,\"workloads\":[");
	for (int i = 0; i < EW_LABELS_MAX_WORKLOADS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"%s{\"name\":\"w%d\",\"executable\":\"/a\","
					"\"categories\":[\"c%d\",\"d%d\"]}",
					i ? "," : "", i, i, i);
	snprintf(text + off, sizeof(text) - off, "]}");
	cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "$.workloads[128].categories[0]: more than 256 distinct categories"),
		  "%s", err);
}

Test(labels, shipped_policy_loads, .fini = fini)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/deploy/policy.json", getenv("EW_SOURCE_ROOT"));
	cr_assert_eq(ew_policy_load(path, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(p.labels.n_workloads, 0);
	cr_assert_gt(p.labels.n_dests, 0);
}

static void count(void *arg, unsigned int cat, const char *category, const char *label)
{
	(void)cat;
	(void)category;
	(void)label;
	(*(unsigned int *)arg)++;
}

/*
 * The cost per record of a realistic policy: 48 workload labels of every
 * selector kind (the usual case is no match, which is the slowest: every
 * label is tried) and 16 destinations of 8 networks and 4 domains each.
 */
Test(labels, cost_per_record, .fini = fini)
{
	static char text[65536];
	struct ew_workload_view v = {"/usr/lib/systemd/systemd-resolved",
				     "/usr/lib/systemd/systemd-resolved --log-level=info",
				     "/system.slice/systemd-resolved.service", "",
				     "systemd-resolved.service"};
	struct timespec t0, t1;
	unsigned int hits = 0;
	uint8_t a[16];
	size_t off;
	const int n = 200000;
	double ns_w, ns_d;

	off = (size_t)snprintf(text, sizeof(text), "{\"version\":1,\"workloads\":[");
	for (int i = 0; i < 48; i++) {
		static const char *const sel[] = {
		    "\"executable\":\"/opt/app%d/*\"",
		    "\"systemd_unit\":\"svc%d-*.service\"",
		    "\"command_line\":\"*--role=worker%d *\"",
		    "\"cgroup\":\"/kubepods.slice/*/cri-containerd-%d*.scope\"",
		    "\"container_id\":\"%012x\"",
		    "\"executable\":\"/srv/[a-c]pp%d/bin/*\"",
		};
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s{\"name\":\"w%d\",",
					i ? "," : "", i);
		off += (size_t)snprintf(text + off, sizeof(text) - off, sel[i % 6], i);
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					",\"categories\":[\"adas_model\"]}");
	}
	off += (size_t)snprintf(text + off, sizeof(text) - off, "],\"destinations\":[");
	for (int i = 0; i < 16; i++) {
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"%s{\"name\":\"d%d\",\"networks\":[", i ? "," : "", i);
		for (int j = 0; j < 8; j++)
			off += (size_t)snprintf(text + off, sizeof(text) - off,
						"%s\"10.%d.%d.0/24\"", j ? "," : "", i, j);
		off += (size_t)snprintf(
		    text + off, sizeof(text) - off,
		    "],\"domains\":[\"a%d.example\",\"b%d.example\","
		    "\"c%d.example\",\"d%d.example\"],\"categories\":[\"hd_map\"]}",
		    i, i, i, i);
	}
	snprintf(text + off, sizeof(text) - off, "]}");
	cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_addr_parse("203.0.113.9", a), 0);

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (int i = 0; i < n; i++)
		ew_labels_workload(&p.labels, &v, count, &hits);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	ns_w = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / n;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (int i = 0; i < n; i++)
		ew_labels_destination(&p.labels, a, "api.tiles.vendor.example.net", count, &hits);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	ns_d = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / n;
	cr_assert_eq(hits, 0);
	fprintf(stderr,
		"labels: %.0f ns CPU per record for 48 workload labels (no match), %.0f ns "
		"for 16 destinations of 8 networks and 4 domains\n",
		ns_w, ns_d);
	/* a generous bound: the point is no per-record allocation or reparse */
	cr_assert_lt(ns_w, 20000);
	cr_assert_lt(ns_d, 20000);
}

/* "enforce" defaults to false; the kernel's selectors are what it can decide. */
Test(labels, enforce_flag_and_what_the_kernel_can_decide, .fini = fini)
{
	struct ew_jc_diags d = {0};
	struct ew_policy q;
	static const char *const text =
	    "{\"version\":1,\"workloads\":["
	    "{\"name\":\"mon\",\"executable\":\"/opt/a/*\",\"categories\":[\"pi\"]},"
	    "{\"name\":\"exe\",\"executable\":\"/opt/b/"
	    "*\",\"enforce\":true,\"categories\":[\"pi\"]},"
	    "{\"name\":\"unit\",\"systemd_unit\":\"dms-*.service\",\"enforce\":true,"
	    "\"categories\":[\"pi\"]},"
	    "{\"name\":\"mixed\",\"executable\":\"/opt/c/x\",\"command_line\":\"x --up*\","
	    "\"enforce\":true,\"categories\":[\"pi\"]}]}";

	load("\"workloads\":[{\"name\":\"mon\",\"executable\":\"/opt/a/*\","
	     "\"categories\":[\"pi\"]},{\"name\":\"off\",\"executable\":\"/opt/b/*\","
	     "\"enforce\":false,\"categories\":[\"pi\"]}]");
	cr_assert_not(p.labels.workloads[0].enforce, "monitor only by default");
	cr_assert_not(p.labels.workloads[1].enforce);
	cr_assert_eq(ew_labels_enforceable(&p.labels.workloads[0]), 1u << EW_SEL_EXE);
	ew_policy_free(&p);

	cr_assert_eq(ew_policy_check("p.json", text, EW_RULES_NO_DATE, &q, &d), 0);
	cr_assert(q.labels.workloads[1].enforce && q.labels.workloads[2].enforce &&
		  q.labels.workloads[3].enforce);
	cr_assert_eq(ew_labels_enforceable(&q.labels.workloads[2]), 1u << EW_SEL_UNIT);
	cr_assert_eq(ew_labels_enforceable(&q.labels.workloads[3]), 1u << EW_SEL_EXE);
	/* The command line beside an executable: enforced without it, and said so. */
	cr_assert_eq(d.n_errors, 0);
	cr_assert_eq(d.n_warnings, 1);
	cr_assert(strstr(d.v[0].msg, "command_line is not known at connect()"), "%s", d.v[0].msg);
	cr_assert_str_eq(d.v[0].path, "$.workloads[3].enforce");
	ew_policy_free(&q);
	ew_jc_diags_free(&d);
}

Test(labels, enforce_refused_where_the_kernel_cannot_decide)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"\"workloads\":[{\"name\":\"a\",\"command_line\":\"python3 /srv/*\",\"enforce\":true,"
	     "\"categories\":[\"pi\"]}]",
	     "$.workloads[0].enforce: cannot be enforced in the kernel"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"*/curl\",\"enforce\":true,"
	     "\"categories\":[\"pi\"]}]",
	     "$.workloads[0].enforce: an enforced executable glob must be an absolute path"},
	    {"\"workloads\":[{\"name\":\"a\",\"executable\":\"/x\",\"enforce\":\"yes\","
	     "\"categories\":[\"pi\"]}]",
	     "$.workloads[0]: \"enforce\" must be true or false"},
	};
	char text[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		snprintf(text, sizeof(text), "{\"version\":1,%s}", cases[i].text);
		cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), -EINVAL,
			     "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: \"%s\" lacks \"%s\"", i, err,
			  cases[i].want);
	}
}
