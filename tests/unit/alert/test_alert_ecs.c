// SPDX-License-Identifier: GPL-2.0-only
/*
 * An alert from a flow and its evaluation: the facts copied out, the one
 * sentence, the ECS line, and the line against schemas/alert.schema.json.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert/alert_ecs.h"
#include "alert/facts.h"
#include "content/enums.h"
#include "geo/border.h"

static struct ew_flow *flow;
static struct ew_eval e;
static struct ew_proc proc;
static struct ew_eval_category cats[2];

static void setup(void)
{
	flow = calloc(1, sizeof(*flow) + 16);
	flow->proto = EW_IPPROTO_TCP;
	flow->family = EW_AF_INET;
	flow->dir = EW_DIR_EGRESS;
	flow->have_local = true;
	memcpy(flow->local, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x12\x00\x01", 16);
	memcpy(flow->peer, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x12\x00\x02", 16);
	flow->local_port = 40000;
	flow->peer_port = 443;
	flow->bytes_out = 1234;
	proc.tgid = 4242;
	snprintf(proc.comm, sizeof(proc.comm), "uploader");
	proc.exe = "/usr/bin/python3.11";
	snprintf(proc.entity_id, sizeof(proc.entity_id), "ent-1");
	memset(&e, 0, sizeof(e));
	e.flow_id = 0x1234abcd5678ef00ull;
	e.owner = (struct ew_owner){.known = true,
				    .pid = 4242,
				    .uid = 1000,
				    .comm = "uploader",
				    .proc = &proc,
				    .user = "alice"};
	e.domain = "upload.example.com";
	e.place.border = EW_BORDER_CROSS;
	memcpy(e.place.country, "US", 3);
	e.place.asn = 64500;
	cats[0] = (struct ew_eval_category){
	    .id = "vin", .cls = EW_CLASS_PI, .matches_total = 3, .subjects_total = 3};
	cats[1] = (struct ew_eval_category){
	    .id = "mobile_number", .cls = EW_CLASS_PI, .matches_total = 1, .subjects_total = 1};
	e.categories = cats;
	e.n_categories = 2;
	e.has_verdict = true;
	e.verdict.verdict = EW_VERDICT_VIOLATION;
	e.verdict.rule = EW_RULE_NO_CHANNEL;
	e.verdict.route = EW_ROUTE_STANDARD_CONTRACT_OR_CERTIFICATION;
	e.verdict.channel = -1;
	snprintf(e.verdict.missing, sizeof(e.verdict.missing),
		 "no channel for standard_contract_or_certification to US");
}

static void teardown(void)
{
	free(flow);
}

TestSuite(alert_ecs, .init = setup, .fini = teardown);

static void violation(struct ew_alert *a)
{
	memset(a, 0, sizeof(*a));
	a->rule = EW_ALERT_VIOLATION;
	a->severity = ew_alert_rule_severity(a->rule);
	a->time_ns = 1795000000ll * 1000000000ll;
	a->count = 1;
	a->flow_id = e.flow_id;
	a->hostname = "unit-host";
	snprintf(a->id, sizeof(a->id), "0123abcd-7");
	ew_alert_facts_fill(&a->facts, flow, &e);
	ew_alert_message(a);
}

Test(alert_ecs, message_names_who_what_where_and_what_is_missing)
{
	struct ew_alert a;

	violation(&a);
	cr_assert_str_eq(
	    a.message,
	    "uploader (pid 4242, user alice, /usr/bin/python3.11) sent vin (3 matches, 3 people) "
	    "and mobile_number (1 match, 1 person) to US (upload.example.com, 198.18.0.2:443) "
	    "without an approved route; missing approval: no channel for "
	    "standard_contract_or_certification to US.");
}

static cJSON *encode(const struct ew_alert *a, struct ew_jsonw *w)
{
	ew_alert_ecs_encode(w, a);
	cr_assert_not(w->oom);
	return cJSON_ParseWithLength(w->buf, w->len);
}

static const char *str(cJSON *o, const char *path)
{
	char buf[128], *save, *k;
	cJSON *c = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && c; k = strtok_r(NULL, ".", &save))
		c = cJSON_GetObjectItemCaseSensitive(c, k);
	cr_assert(cJSON_IsString(c), "%s is not a string", path);
	return c->valuestring;
}

static double num(cJSON *o, const char *path)
{
	char buf[128], *save, *k;
	cJSON *c = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && c; k = strtok_r(NULL, ".", &save))
		c = cJSON_GetObjectItemCaseSensitive(c, k);
	cr_assert(cJSON_IsNumber(c), "%s is not a number", path);
	return c->valuedouble;
}

/* Lines in @path against the schema, with the system's Python and jsonschema. */
static void validate(const char *path)
{
	char cmd[1024];
	const char *root = getenv("EW_SOURCE_ROOT");

	cr_assert_not_null(root, "run through meson test");
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys,jsonschema\n"
		 "s=json.load(open(sys.argv[1]))\n"
		 "v=jsonschema.Draft202012Validator(s,format_checker=jsonschema.FormatChecker())\n"
		 "n=0\n"
		 "for l in open(sys.argv[2]):\n"
		 "    v.validate(json.loads(l)); n+=1\n"
		 "sys.exit(0 if n==3 else 3)' %s/schemas/alert.schema.json %s",
		 root, path);
	cr_assert_eq(system(cmd), 0, "alerts do not validate");
}

Test(alert_ecs, fields_and_schema)
{
	char path[] = "/tmp/ew-alert-ecs-XXXXXX";
	struct ew_jsonw w;
	struct ew_alert a, s;
	FILE *out;
	cJSON *o;
	int fd;

	ew_jsonw_init(&w);
	violation(&a);
	o = encode(&a, &w);
	cr_assert_not_null(o);
	cr_assert_str_eq(str(o, "event.kind"), "alert");
	cr_assert_str_eq(str(o, "event.id"), "0123abcd-7");
	cr_assert_str_eq(str(o, "rule.id"), "EW-001");
	cr_assert_str_eq(str(o, "rule.name"), "Regulated data left without an approved route");
	cr_assert_eq(num(o, "event.severity"), 99);
	cr_assert_str_eq(str(o, "egresswatch.severity"), "critical");
	cr_assert_str_eq(str(o, "egresswatch.flow_id"), "1234abcd5678ef00");
	cr_assert_str_eq(str(o, "egresswatch.alert.id"), "0123abcd-7");
	cr_assert_eq(num(o, "egresswatch.alert.count"), 1);
	cr_assert_str_eq(str(o, "destination.ip"), "198.18.0.2");
	cr_assert_eq(num(o, "destination.port"), 443);
	cr_assert_str_eq(str(o, "destination.geo.country_iso_code"), "US");
	cr_assert_str_eq(str(o, "source.ip"), "198.18.0.1");
	cr_assert_str_eq(str(o, "process.executable"), "/usr/bin/python3.11");
	cr_assert_eq(num(o, "process.pid"), 4242);
	cr_assert_str_eq(str(o, "user.name"), "alice");
	cr_assert_str_eq(str(o, "host.hostname"), "unit-host");
	cr_assert_str_eq(str(o, "egresswatch.missing"),
			 "no channel for standard_contract_or_certification to US");
	cr_assert_str_eq(str(o, "@timestamp"), "2026-11-18T11:06:40.000+00:00");
	cr_assert_eq(cJSON_GetArraySize(
			 cJSON_GetObjectItem(cJSON_GetObjectItem(o, "egresswatch"), "categories")),
		     2);
	cJSON_Delete(o);

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	out = fdopen(fd, "w");
	fprintf(out, "%.*s\n", (int)w.len, w.buf);
	/* A fold summary and a health alert. */
	ew_alert_copy(&s, &a);
	s.summary = true;
	s.count = 1000;
	s.first_ns = a.time_ns;
	s.last_ns = a.time_ns + 5;
	ew_alert_message(&s);
	o = encode(&s, &w);
	cr_assert_str_eq(str(o, "event.id"), "0123abcd-7-summary");
	cr_assert_eq(num(o, "egresswatch.alert.count"), 1000);
	cJSON_Delete(o);
	fprintf(out, "%.*s\n", (int)w.len, w.buf);
	memset(&a, 0, sizeof(a));
	a.rule = EW_ALERT_MONITORING_GAP;
	a.severity = EW_SEV_HIGH;
	a.count = 1;
	a.metric = "lost_total";
	a.lost = 40;
	a.hostname = "unit-host";
	snprintf(a.id, sizeof(a.id), "0123abcd-8");
	snprintf(a.facts.detail, sizeof(a.facts.detail),
		 "kernel_drops_total.ringbuf_full_sock: 40");
	ew_alert_message(&a);
	cr_assert_str_eq(a.message,
			 "Monitoring gap on unit-host: 40 events or records lost since the last "
			 "report (kernel_drops_total.ringbuf_full_sock: 40).");
	o = encode(&a, &w);
	cr_assert_null(cJSON_GetObjectItem(o, "destination"));
	cr_assert_eq(num(o, "egresswatch.monitoring.lost"), 40);
	cJSON_Delete(o);
	fprintf(out, "%.*s\n", (int)w.len, w.buf);
	fclose(out);
	validate(path);
	unlink(path);
	ew_jsonw_free(&w);
}

/* A process's name and file are anyone's: no control bytes reach the sentence. */
Test(alert_ecs, control_bytes_escaped)
{
	struct ew_alert a;

	proc.exe = "/tmp/evil\x1b[2J";
	violation(&a);
	cr_assert_null(strchr(a.message, '\x1b'));
	cr_assert(strstr(a.message, "/tmp/evil\\x1b[2J"), "%s", a.message);
}
