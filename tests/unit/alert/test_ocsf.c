// SPDX-License-Identifier: GPL-2.0-only
/*
 * Real alerts, encoded, against OCSF 1.3.0 Network Activity's required
 * fields and enums (tests/data/ocsf/network_activity_1.3.0.required, which
 * says where each comes from in the schema).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "alert/ocsf.h"
#include "flow/flow.h"
#include "pipeline/eval.h"

static struct ew_jsonw w;

static void setup(void)
{
	ew_jsonw_init(&w);
}

static void teardown(void)
{
	ew_jsonw_free(&w);
}

TestSuite(ocsf, .init = setup, .fini = teardown);

/* a.b.c in @root; NULL when any step is missing */
static cJSON *at(cJSON *root, const char *path)
{
	char buf[256], *save = NULL;
	cJSON *o = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
	return o;
}

static bool in_list(double v, const char *csv)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", csv);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (atof(t) == v)
			return true;
	return false;
}

static bool has_profile(cJSON *root, const char *name)
{
	cJSON *p, *profiles = at(root, "metadata.profiles");

	cJSON_ArrayForEach(p, profiles)
	{
		if (cJSON_IsString(p) && !strcmp(p->valuestring, name))
			return true;
	}
	return false;
}

#define FAIL_IF(cond, ...)                                                                         \
	do {                                                                                       \
		if (cond) {                                                                        \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			fails++;                                                                   \
		}                                                                                  \
	} while (0)

/* @json against every line of the required-fields file: the checks that failed. */
static int check_ocsf(const char *json, int *checked_out)
{
	const char *root_dir = getenv("EW_SOURCE_ROOT");
	char path[512], line[1024];
	cJSON *root = cJSON_Parse(json);
	int checked = 0, fails = 0;
	FILE *fp;

	cr_assert_not_null(root, "not JSON: %s", json);
	snprintf(path, sizeof(path), "%s/tests/data/ocsf/network_activity_1.3.0.required",
		 root_dir ? root_dir : ".");
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		char op[16], a[256], b[512] = "";
		int n;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		n = sscanf(line, "%15s %255s %511s", op, a, b);
		cr_assert_geq(n, 2, "bad line: %s", line);
		checked++;
		if (!strcmp(op, "required")) {
			FAIL_IF(!at(root, a), "required %s missing in %s", a, json);
		} else if (!strcmp(op, "equal")) {
			cJSON *v = at(root, a);

			FAIL_IF(!cJSON_IsNumber(v) || v->valuedouble != atof(b), "%s != %s", a, b);
		} else if (!strcmp(op, "enum")) {
			cJSON *v = at(root, a);

			if (v)
				FAIL_IF(!cJSON_IsNumber(v) || !in_list(v->valuedouble, b),
					"%s=%g not in %s", a,
					cJSON_IsNumber(v) ? v->valuedouble : -1, b);
		} else if (!strcmp(op, "if")) {
			cJSON *p = at(root, a);

			if (p)
				FAIL_IF(!at(p, b), "%s present without %s", a, b);
		} else if (!strcmp(op, "each")) {
			cJSON *el, *arr = at(root, a);

			cJSON_ArrayForEach(el, arr)
			{
				FAIL_IF(!at(el, b), "an element of %s without %s", a, b);
			}
		} else if (!strcmp(op, "one")) {
			cJSON *p = at(root, a);
			char buf[512], *save = NULL;
			bool any = false;

			if (!p)
				continue;
			snprintf(buf, sizeof(buf), "%s", b);
			for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
				any |= at(p, t) != NULL;
			FAIL_IF(!any, "%s has none of %s", a, b);
		} else if (!strcmp(op, "profile")) {
			if (has_profile(root, a))
				FAIL_IF(!at(root, b), "profile %s without %s", a, b);
		} else {
			cr_assert_fail("unknown check %s", op);
		}
	}
	fclose(fp);
	/* dictionary.json: type_uid = class_uid * 100 + activity_id */
	FAIL_IF(!at(root, "type_uid") || !at(root, "class_uid") || !at(root, "activity_id") ||
		    at(root, "type_uid")->valuedouble != at(root, "class_uid")->valuedouble * 100 +
							     at(root, "activity_id")->valuedouble,
		"type_uid is not class_uid * 100 + activity_id");
	cJSON_Delete(root);
	if (checked_out)
		*checked_out = checked;
	return fails;
}

static struct ew_proc proc = {.tgid = 4242, .uid = 1000, .comm = "uploader"};
static char exe[] = "/opt/fleet/bin/uploader";
static char cmdline[] = "/opt/fleet/bin/uploader --batch";

static struct ew_eval_category cats[] = {
    {.id = "vin",
     .cls = EW_CLASS_PI,
     .via = EW_VIA_CONTENT,
     .matches_total = 12,
     .subjects_total = 12},
    {.id = "vehicle_location",
     .cls = EW_CLASS_IMPORTANT_DATA,
     .via = EW_VIA_CONTENT,
     .matches_total = 3,
     .subjects_total = 0},
};

static void make(struct ew_flow *f, struct ew_eval *e, struct ew_alert *a)
{
	static const uint8_t peer[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 19, 0, 2};
	static const uint8_t local[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1};

	proc.exe = exe;
	proc.cmdline = cmdline;
	strcpy(proc.entity_id, "ent-4242");
	memset(f, 0, sizeof(*f));
	memcpy(f->peer, peer, 16);
	memcpy(f->local, local, 16);
	f->peer_port = 443;
	f->local_port = 51000;
	f->proto = EW_IPPROTO_TCP;
	f->family = EW_AF_INET;
	f->dir = EW_DIR_EGRESS;
	f->have_local = true;
	f->have_task = true;
	f->proc = &proc;
	memset(e, 0, sizeof(*e));
	e->flow_id = 0xabcdef0123456789ull;
	e->owner = (struct ew_owner){.known = true,
				     .pid = 4242,
				     .uid = 1000,
				     .comm = "uploader",
				     .proc = &proc,
				     .user = "fleet"};
	e->domain = "telemetry.example.com";
	strcpy(e->place.country, "US");
	e->categories = cats;
	e->n_categories = 2;
	e->has_verdict = true;
	strcpy(e->verdict.missing, "no channel for security_assessment to US");
	*a = (struct ew_alert){.id = "b00f-1",
			       .rule = EW_ALERT_VIOLATION,
			       .severity = EW_SEV_CRITICAL,
			       .time_ns = 1764000000123456789,
			       .count = 1,
			       .message = "uploader sent VINs of 12 people to US "
					  "with no approved route",
			       .flow = f,
			       .eval = e,
			       .flow_id = e->flow_id};
}

Test(ocsf, violation_has_every_required_field)
{
	struct ew_flow f;
	struct ew_eval e;
	struct ew_alert a;
	cJSON *root;

	make(&f, &e, &a);
	cr_assert_eq(ew_alert_ocsf(&w, "host1", &a), 0);
	int checked = 0;

	cr_expect_eq(check_ocsf(w.buf, &checked), 0, "%s", w.buf);
	cr_expect_gt(checked, 30);

	root = cJSON_Parse(w.buf);
	cr_expect_eq(at(root, "type_uid")->valuedouble, 400106);
	cr_expect_eq(at(root, "activity_id")->valuedouble, 6);
	cr_expect_eq(at(root, "time")->valuedouble, 1764000000123.0);
	cr_expect_eq(at(root, "severity_id")->valuedouble, 5);
	cr_expect_str_eq(at(root, "metadata.version")->valuestring, "1.3.0");
	cr_expect_str_eq(at(root, "dst_endpoint.ip")->valuestring, "198.19.0.2");
	cr_expect_eq(at(root, "dst_endpoint.port")->valuedouble, 443);
	cr_expect_str_eq(at(root, "dst_endpoint.location.country")->valuestring, "US");
	cr_expect_str_eq(at(root, "src_endpoint.ip")->valuestring, "198.18.0.1");
	cr_expect_eq(at(root, "connection_info.direction_id")->valuedouble, 2);
	cr_expect_str_eq(at(root, "actor.process.file.path")->valuestring, exe);
	cr_expect_str_eq(at(root, "actor.process.file.name")->valuestring, "uploader");
	cr_expect_str_eq(at(root, "actor.process.user.name")->valuestring, "fleet");
	cr_expect_eq(at(root, "actor.process.pid")->valuedouble, 4242);
	cr_expect(has_profile(root, "data_classification"));
	/* PI plus important data: a mix, so Other; important data is Restricted */
	cr_expect_eq(at(root, "metadata.data_classification.category_id")->valuedouble, 99);
	cr_expect_eq(at(root, "metadata.data_classification.confidentiality_id")->valuedouble, 6);
	cr_expect_str_eq(at(root, "metadata.data_classification.category")->valuestring,
			 "vin, vehicle_location");
	cr_expect_str_eq(at(root, "unmapped.egresswatch.rule.id")->valuestring, "EW-001");
	cr_expect_str_eq(at(root, "unmapped.egresswatch.flow_id")->valuestring, "abcdef0123456789");
	cr_expect_str_eq(at(root, "message")->valuestring, a.message);
	cJSON_Delete(root);
}

Test(ocsf, every_flow_rule_and_severity_validates)
{
	struct ew_flow f;
	struct ew_eval e;
	struct ew_alert a;

	for (int r = 0; r < EW_ALERT_RULE_MAX; r++) {
		make(&f, &e, &a);
		a.rule = (enum ew_alert_rule)r;
		a.severity = ew_alert_rule_severity(a.rule);
		e.n_categories = (unsigned)r % 3; /* none, PI only, PI and important data */
		f.dir = r & 1 ? EW_DIR_INGRESS : EW_DIR_EGRESS;
		f.have_local = r != 3;
		ew_jsonw_reset(&w);
		cr_assert_eq(ew_alert_ocsf(&w, r == 4 ? NULL : "host1", &a), 0);
		cr_expect_eq(check_ocsf(w.buf, NULL), 0, "rule %d: %s", r, w.buf);
	}
	for (int s = 0; s < EW_SEV_MAX; s++)
		cr_expect_eq(ew_alert_ocsf_severity((enum ew_severity)s), s + 2);
}

Test(ocsf, refused_connect_is_a_denied_refuse)
{
	struct ew_flow f;
	struct ew_eval e;
	struct ew_alert a;
	cJSON *root;

	make(&f, &e, &a);
	a.rule = EW_ALERT_CONNECT_REFUSED;
	a.severity = EW_SEV_HIGH;
	e.n_categories = 0;
	cr_assert_eq(ew_alert_ocsf(&w, "host1", &a), 0);
	cr_expect_eq(check_ocsf(w.buf, NULL), 0, "%s", w.buf);
	root = cJSON_Parse(w.buf);
	cr_expect_eq(at(root, "type_uid")->valuedouble, 400105);
	cr_expect_eq(at(root, "action_id")->valuedouble, 2);
	cr_expect_eq(at(root, "severity_id")->valuedouble, 4);
	cr_expect_null(at(root, "metadata.data_classification"));
	cr_expect(!has_profile(root, "data_classification"));
	cJSON_Delete(root);
}

Test(ocsf, pi_only_is_personal_and_confidential)
{
	struct ew_flow f;
	struct ew_eval e;
	struct ew_alert a;
	cJSON *root;

	make(&f, &e, &a);
	e.n_categories = 1;
	cr_assert_eq(ew_alert_ocsf(&w, "host1", &a), 0);
	root = cJSON_Parse(w.buf);
	cr_expect_eq(at(root, "metadata.data_classification.category_id")->valuedouble, 1);
	cr_expect_eq(at(root, "metadata.data_classification.confidentiality_id")->valuedouble, 2);
	cJSON_Delete(root);
}

Test(ocsf, health_alert_is_not_an_ocsf_event)
{
	struct ew_alert a = {.id = "b00f-2",
			     .rule = EW_ALERT_MONITORING_GAP,
			     .severity = EW_SEV_HIGH,
			     .count = 1,
			     .message = "lost 12 events",
			     .metric = "ringbuf_full_total",
			     .lost = 12};

	cr_expect_eq(ew_alert_ocsf(&w, "host1", &a), -ENOMSG);
	cr_expect_eq(w.len, 0);
}

Test(ocsf, the_checker_catches_what_is_missing)
{
	/* the oracle must be able to fail: no dst_endpoint, a bad enum, a file
	 * without type_id, a profile without its field */
	const char *bad = "{\"class_uid\":4001,\"category_uid\":4,\"activity_id\":8,"
			  "\"type_uid\":400108,\"time\":1,\"severity_id\":5,"
			  "\"metadata\":{\"version\":\"1.3.0\",\"profiles\":[\"security_control\"],"
			  "\"product\":{\"vendor_name\":\"x\"}},"
			  "\"actor\":{\"process\":{\"pid\":1,\"file\":{\"name\":\"a\"}}}}";

	cr_expect_eq(check_ocsf(bad, NULL), 4);
}

Test(ocsf, fold_summary_from_a_described_flow)
{
	struct ew_alert a = {.id = "b00f-9",
			     .rule = EW_ALERT_VIOLATION,
			     .severity = EW_SEV_CRITICAL,
			     .time_ns = 1796109623000000000,
			     .count = 1000,
			     .summary = true,
			     .first_ns = 1796109600000000000,
			     .last_ns = 1796109623000000000,
			     .message = "1000 repeats",
			     .flow_id = 0x42};
	struct ew_ocsf_flow v = {.peer_ip = "2001:db8::2",
				 .peer_port = 443,
				 .country = "DE",
				 .direction_known = true,
				 .proto = 6,
				 .family = 6,
				 .have_process = true,
				 .pid = 7,
				 .comm = "curl",
				 .n_cats = 1,
				 .missing = "no channel for standard_contract to DE"};
	cJSON *root;

	v.cats[0].id = "phone_number";
	v.cats[0].cls = EW_CLASS_PI;
	v.cats[0].matches = 5000;
	cr_expect_eq(ew_alert_ocsf(&w, "host1", &a), -ENOMSG, "no flow, no description");
	cr_expect_eq(ew_alert_ocsf_flow(&w, "host1", &a, NULL), -ENOMSG);
	cr_assert_eq(ew_alert_ocsf_flow(&w, "host1", &a, &v), 0);
	cr_expect_eq(check_ocsf(w.buf, NULL), 0, "%s", w.buf);
	root = cJSON_Parse(w.buf);
	cr_expect_null(at(root, "src_endpoint"), "the local end was not known");
	cr_expect_str_eq(at(root, "dst_endpoint.ip")->valuestring, "2001:db8::2");
	cr_expect_eq(at(root, "connection_info.protocol_ver_id")->valuedouble, 6);
	cr_expect_eq(at(root, "count")->valuedouble, 1000);
	cr_expect_eq(at(root, "unmapped.egresswatch.alert.first_ms")->valuedouble, 1796109600000.0);
	cr_expect_str_eq(at(root, "unmapped.egresswatch.flow_id")->valuestring, "0000000000000042");
	cr_expect_eq(at(root, "metadata.data_classification.category_id")->valuedouble, 1);
	cr_expect_null(at(root, "actor.process.file"), "no executable known: no file object");
	cJSON_Delete(root);
}
