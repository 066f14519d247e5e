// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verdict stage in a pipeline: a channel's people counted for its cap
 * (and kept across a restart), a reloaded policy taking over from the next
 * event with the old one freed, the journal restoring people after a stop
 * without the final save.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "synth.h"
#include "verdict/decide.h"

#define S	  1000000000ull
#define REALTIME0 1795000000ull /* 2026-11-18 */
#define T0	  (200 * S)

static char dir[64];
static struct ew_config cfg;
static struct ew_geo *no_geo;

struct seen {
	char verdict[16], rule[32], channel[32];
	uint8_t failed;
};

static struct seen seen[32];
static int n_seen;

static void on_record(struct ew_stage *s, const struct ew_flow *f, const struct ew_eval *e)
{
	struct seen *x = &seen[n_seen < 31 ? n_seen++ : 31];

	(void)s;
	(void)f;
	cr_assert(e->has_verdict);
	snprintf(x->verdict, sizeof(x->verdict), "%s", ew_decide_verdict_name(e->verdict.verdict));
	snprintf(x->rule, sizeof(x->rule), "%s", ew_decide_rule_name(e->verdict.rule));
	snprintf(x->channel, sizeof(x->channel), "%s",
		 e->verdict.channel_id ? e->verdict.channel_id : "");
	x->failed = e->verdict.failed_scopes;
}

static const struct ew_stage_def watcher = {.name = "watcher", .record = on_record};

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ew-vstage-XXXXXX");
	cr_assert(mkdtemp(dir));
	n_seen = 0;
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(vstage, .init = setup, .fini = teardown);

static void parse(struct ew_policy *p, int cap)
{
	char text[2048], err[2048];

	snprintf(text, sizeof(text),
		 "{\"version\":1,\"legal_entity\":\"Acme\",\"domestic_countries\":[\"CN\"],"
		 "\"networks\":[{\"cidr\":\"203.0.113.0/24\",\"country\":\"US\",\"name\":\"us\"}],"
		 "\"channels\":[{\"id\":\"sc-us\",\"route\":\"standard_contract\","
		 "\"reference\":\"SC-1\",\"countries\":[\"US\"],"
		 "\"categories\":[\"pi\",\"sensitive_pi\"],\"valid_from\":\"2026-01-01\","
		 "\"valid_until\":\"2099-12-31\",\"people_cap\":%d}]}",
		 cap);
	cr_assert_eq(ew_policy_parse("p.json", text, p, err, sizeof(err)), 0, "%s", err);
}

static void feed(struct ew_pipeline *p, const void *ev, size_t len)
{
	cr_assert_eq(ew_pipeline_feed(p, ev, len), 0);
}

static struct ew_pipeline *open_pipe(const struct ew_policy *pol)
{
	struct ew_pipeline_opts o = {.boot_id = "c0ffee00-1234"};
	struct ew_ev_tick t0 = synth_tick(100 * S, REALTIME0 * S);
	struct ew_pipeline *p;

	ew_config_defaults(&cfg);
	cfg.report_interval = 600;
	o.env.cfg = &cfg;
	o.env.policy = pol;
	o.env.data_dir = dir;
	o.env.hostname = "unit-host";
	o.env.geo = &no_geo;
	cr_assert_eq(ew_pipeline_new(&o, &p), 0);
	cr_assert_eq(ew_pipeline_subscribe(p, &watcher, NULL), 0);
	feed(p, &t0, sizeof(t0));
	return p;
}

/* A TCP flow to 203.0.113.9:443 (US) sending ID numbers of people @subjects, then closed. */
static void upload(struct ew_pipeline *p, uint64_t cookie, const uint64_t *subjects, int n)
{
	struct ew_ev_content_hits h = {.h = {.type = EW_EV_CONTENT_HITS, .size = sizeof(h)}};
	uint64_t ts = T0 + cookie * S;
	uint8_t peer[16], local[16];
	struct ew_ev_sock_addr c;
	struct ew_ev_tcp cl;

	synth_v4(peer, 203, 0, 113, 9);
	synth_v4(local, 198, 18, 0, 1);
	c = synth_connect(ts, cookie, 4242, EW_IPPROTO_TCP, peer, 443);
	feed(p, &c, sizeof(c));
	h.h.ts_ns = ts + 1;
	h.dir = EW_DIR_OUT;
	h.cookie = cookie;
	snprintf(h.category, sizeof(h.category), "id_number");
	h.matches = (uint32_t)n;
	h.via = EW_VIA_CONTENT;
	h.cls = EW_CLASS_SENSITIVE_PI;
	h.n_subjects = (uint8_t)n;
	memcpy(h.subjects, subjects, (size_t)n * 8);
	feed(p, &h, sizeof(h));
	cl = synth_tcp(EW_EV_TCP_CLOSE, ts + 2, cookie, local, (uint16_t)(40000 + cookie), peer,
		       443, 101, 51, EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED);
	feed(p, &cl, sizeof(cl));
}

static uint64_t metric(struct ew_pipeline *p, const char *name, const char *key)
{
	struct ew_metrics *m = ew_pipeline_metrics(p);
	uint64_t v;

	cr_assert_not_null(m);
	v = ew_metrics_get(m, name, key, NULL);
	ew_metrics_free(m);
	return v;
}

static const struct seen *last(void)
{
	cr_assert_gt(n_seen, 0);
	return &seen[n_seen - 1];
}

#define EXPECT(verdict_, rule_, channel_)                                                          \
	do {                                                                                       \
		cr_assert_str_eq(last()->verdict, verdict_);                                       \
		cr_assert_str_eq(last()->rule, rule_);                                             \
		cr_assert_str_eq(last()->channel, channel_);                                       \
	} while (0)

/* Cap 3: two people, then a third (at the cap), then a fourth (over it). */
Test(vstage, channel_people_cap_and_reload)
{
	static struct ew_policy p3, p10;
	uint64_t a[] = {1, 2}, b[] = {3}, c[] = {4}, d[] = {1}, e[] = {5},
		 f[] = {6, 7, 8, 9, 10, 11};
	struct ew_pipeline *p;

	parse(&p3, 3);
	p = open_pipe(&p3);
	upload(p, 1, a, 2);
	EXPECT("allowed", "channel", "sc-us");
	upload(p, 2, b, 1);
	EXPECT("allowed", "channel", "sc-us");
	upload(p, 3, c, 1);
	EXPECT("violation", "channel_out_of_scope", "sc-us");
	cr_assert_eq(last()->failed, EW_SCOPE_PEOPLE_CAP);
	upload(p, 4, d, 1);
	EXPECT("violation", "channel_out_of_scope", "sc-us");
	cr_assert_eq(metric(p, "people_year", "pi"), 4);
	cr_assert_eq(metric(p, "people_year", "sensitive_pi"), 4);

	/* The cap raised to 10: from the next event on; the old policy is gone. */
	parse(&p10, 10);
	ew_pipeline_set_policy(p, &p10);
	ew_policy_free(&p3);
	memset(&p3, 0x5a, sizeof(p3));
	upload(p, 5, e, 1);
	EXPECT("allowed", "channel", "sc-us");
	cr_assert_eq(metric(p, "policy_reloads_total", "ok"), 1);
	ew_pipeline_policy_rejected(p);
	cr_assert_eq(metric(p, "policy_reloads_total", "invalid"), 1);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);

	/* The channel's 5 people were saved: 6 more are over 10. */
	p = open_pipe(&p10);
	upload(p, 6, f, 6);
	EXPECT("violation", "channel_out_of_scope", "sc-us");
	cr_assert_eq(last()->failed, EW_SCOPE_PEOPLE_CAP);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
	ew_policy_free(&p10);
}

/* Stopped without the final save (as kill -9 would): the journal has the people. */
Test(vstage, journal_restores_without_a_save)
{
	static struct ew_policy pol;
	uint64_t a[] = {1, 2, 3}, b[] = {4, 5};
	struct ew_pipeline *p;
	char path[128];
	struct stat st;

	parse(&pol, 100);
	p = open_pipe(&pol);
	upload(p, 1, a, 3);
	upload(p, 2, b, 2);
	ew_pipeline_flush(p);
	snprintf(path, sizeof(path), "%s/state/journal", dir);
	cr_assert_eq(stat(path, &st), 0);
	/* five people for the entity's sensitive PI and PI, and the channel's */
	cr_assert_eq(st.st_size, 15 * 88);
	cr_assert_eq(metric(p, "people_journal_syncs_total", NULL), 1);
	ew_pipeline_free(p); /* no finish: no snapshot */

	p = open_pipe(&pol);
	cr_assert_eq(metric(p, "people_journal_replayed", NULL), 15);
	upload(p, 3, a, 1);
	cr_assert_eq(metric(p, "people_year", "pi"), 5);
	cr_assert_eq(metric(p, "people_year", "sensitive_pi"), 5);
	/* the orderly end saves a snapshot and empties the journal */
	cr_assert_eq(ew_pipeline_finish(p), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, 0);
	ew_pipeline_free(p);
	ew_policy_free(&pol);
}
