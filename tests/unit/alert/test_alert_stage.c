// SPDX-License-Identifier: GPL-2.0-only
/*
 * The alert stage in the real pipeline: a flow's first ID numbers to a country no
 * channel reaches raise EW-001 at once (an early record, before the close),
 * its records carry the alert's id, a repeat by the same executable and
 * destination folds into a summary written when the run ends, and an
 * enforcement refusal raises EW-010.
 */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_stage.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "synth.h"

#define S	  1000000000ull
#define REALTIME0 1795000000ull

static char dir[64];
static struct ew_config cfg;
static struct ew_policy pol;
static struct ew_geo *no_geo;
static char err[2048];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ew-test-alerts-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	if (!getenv("KEEP"))
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(alert_stage, .init = setup, .fini = teardown);

static void feed(struct ew_pipeline *p, const void *ev, size_t len)
{
	cr_assert_eq(ew_pipeline_feed(p, ev, len), 0);
}

static struct ew_pipeline *open_pipe(void)
{
	struct ew_pipeline_opts o = {.boot_id = "c0ffee00-1234"};
	struct ew_pipeline *p;
	struct ew_ev_tick t0 = synth_tick(100 * S, REALTIME0 * S);

	ew_config_defaults(&cfg);
	cfg.alerts_fold_seconds = 60;
	cr_assert_eq(ew_policy_parse("p.json",
				     "{\"version\":1,\"networks\":[{\"cidr\":\"203.0.113.0/24\","
				     "\"country\":\"DE\",\"name\":\"de\"}]}",
				     &pol, err, sizeof(err)),
		     0, "%s", err);
	o.env.cfg = &cfg;
	o.env.policy = &pol;
	o.env.data_dir = dir;
	o.env.hostname = "unit-host";
	o.env.geo = &no_geo;
	cr_assert_eq(ew_pipeline_new(&o, &p), 0);
	feed(p, &t0, sizeof(t0));
	return p;
}

static void upload(struct ew_pipeline *p, uint64_t ts, uint64_t cookie, const uint8_t peer[16])
{
	struct ew_ev_sock_addr c = synth_connect(ts, cookie, 4242, EW_IPPROTO_TCP, peer, 80);
	struct ew_ev_content_hits h = {.h = {.type = EW_EV_CONTENT_HITS, .size = sizeof(h)}};

	feed(p, &c, sizeof(c));
	h.h.ts_ns = ts + 1000;
	h.cookie = cookie;
	/* Sensitive PI needs a contract or certification whatever the volume. */
	snprintf(h.category, sizeof(h.category), "id_number");
	h.matches = 2;
	h.via = EW_VIA_CONTENT;
	h.cls = EW_CLASS_SENSITIVE_PI;
	h.n_subjects = 2;
	h.subjects[0] = cookie * 2;
	h.subjects[1] = cookie * 2 + 1;
	feed(p, &h, sizeof(h));
}

static void close_flow(struct ew_pipeline *p, uint64_t ts, uint64_t cookie, const uint8_t peer[16])
{
	uint8_t local[16];
	struct ew_ev_tcp cl;

	synth_v4(local, 198, 18, 0, 1);
	cl = synth_tcp(EW_EV_TCP_CLOSE, ts, cookie, local, (uint16_t)(40000 + cookie), peer, 80,
		       101, 51, EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED);
	feed(p, &cl, sizeof(cl));
}

static int count_in(const char *path, const char *needle)
{
	char line[8192];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void wait_sinks(struct ew_pipeline *p)
{
	/* The file sink writes on its own thread: a metric read is no barrier, finish is. */
	cr_assert_eq(ew_pipeline_finish(p), 0);
}

Test(alert_stage, early_violation_ids_fold_and_refusal)
{
	struct ew_pipeline *p = open_pipe();
	uint8_t de[16], de2[16];
	char path[128], recs[256];
	struct ew_alert_refusal r = {0};
	struct ew_ev_tick t1 = synth_tick(101 * S, (REALTIME0 + 1) * S);

	synth_v4(de, 203, 0, 113, 9);
	synth_v4(de2, 203, 0, 113, 10);
	upload(p, 100 * S + 10, 5, de);
	/* The early record came with the hits' batch: the alert is raised before any close. */
	feed(p, &t1, sizeof(t1));
	close_flow(p, 102 * S, 5, de);
	upload(p, 103 * S, 6, de);  /* a repeat: folds */
	upload(p, 103 * S, 7, de2); /* another destination: new */
	close_flow(p, 104 * S, 6, de);
	close_flow(p, 104 * S, 7, de2);
	r.now_ns = 104 * S + 5;
	r.pid = 77;
	r.comm = "blocked";
	r.exe = "/usr/bin/blocked";
	r.peer = de;
	r.port = 443;
	r.country = "DE";
	cr_assert_eq(ew_alert_connect_refused(p, &r), 0);
	wait_sinks(p);
	ew_pipeline_free(p);

	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	cr_assert_eq(count_in(path, "\"rule\":{\"id\":\"EW-001\""), 3, "first, other, summary");
	cr_assert_eq(count_in(path, "\"summary\":true"), 1);
	cr_assert_eq(count_in(path, "\"count\":2,\"summary\":true"), 1);
	cr_assert_eq(count_in(path, "\"rule\":{\"id\":\"EW-010\""), 1);
	cr_assert_eq(
	    count_in(path, "blocked (pid 77, uid 0, /usr/bin/blocked) was refused a connect to DE "
			   "(203.0.113.9:443)"),
	    1);
	cr_assert_eq(count_in(path, "\"@timestamp\":\"2026-11-18T"), 4);
	cr_assert_eq(count_in(path, "to DE (203.0.113.9:80) without an approved route; missing "
				    "approval: no channel for standard_contract or certification "
				    "to DE."),
		     2, "the first and its summary");
	/* Every record of flow 5 from its first match on names the alert; the early one is
	 * dated at the hits (100 s + 11 us), before the close at 102 s. */
	snprintf(recs, sizeof(recs),
		 "find %s/records -name '*.jsonl*' | xargs zcat -f | grep -c '\"ids\":\\[\"'", dir);
	{
		FILE *f = popen(recs, "r");
		int n = 0;

		cr_assert_not_null(f);
		cr_assert_eq(fscanf(f, "%d", &n), 1);
		pclose(f);
		/* 5: early + final; 6: early + final (the folded id); 7: early + final */
		cr_assert_eq(n, 6, "records with alert ids: %d", n);
	}
	snprintf(recs, sizeof(recs),
		 "find %s/records -name '*.jsonl*' | xargs zcat -f | grep '\"ids\"' | "
		 "grep -c '\"end_reason\":\"interim\"'",
		 dir);
	{
		FILE *f = popen(recs, "r");
		int n = 0;

		cr_assert_not_null(f);
		cr_assert_eq(fscanf(f, "%d", &n), 1);
		pclose(f);
		cr_assert_eq(n, 3, "one early record per flow");
	}
}
