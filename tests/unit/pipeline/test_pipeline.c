// SPDX-License-Identifier: GPL-2.0-only
/* The pipeline end to end, from events to record files, and replay determinism. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "inspect/payload.h"
#include "names/dns_cache.h"
#include "content/content_stage.h"
#include "content/taxonomy.h"
#include "pipeline/capture.h"
#include "pipeline/pipeline.h"
#include "synth.h"

#define S	  1000000000ull
#define REALTIME0 1795000000ull /* 2026-11-18, in seconds */

static char dir[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static void setup(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	snprintf(dir, sizeof(dir), "/tmp/ew-test-pipe-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(pipeline, .init = setup, .fini = teardown);

/* All records under DIR/records, decompressed, in file order. */
static char *read_records(const char *data_dir)
{
	char cmd[512], *buf = calloc(1, 1 << 20);
	size_t n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "find %s/records -type f -name '*.jsonl*' | sort | while read f; do "
		 "case $f in *.gz) zcat $f;; *) cat $f;; esac; done",
		 data_dir);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	pclose(f);
	buf[n] = '\0';
	return buf;
}

static void feed(struct ew_pipeline *p, const void *ev, size_t len)
{
	cr_assert_eq(ew_pipeline_feed(p, ev, len), 0);
}

static struct ew_config cfg;
static struct ew_policy pol;
static struct ew_geo *no_geo;

static struct ew_pipeline *open_pipe(const char *sub)
{
	struct ew_pipeline_opts o = {.boot_id = "c0ffee00-1234"};
	struct ew_pipeline *p;
	static char path[128];

	ew_config_defaults(&cfg);
	cfg.report_interval = 60;
	cfg.udp_idle_timeout = 30;
	cfg.flow_table_max = 4096;
	ew_policy_defaults(&pol);
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	o.env.cfg = &cfg;
	o.env.policy = &pol;
	o.env.data_dir = path;
	o.env.hostname = "unit-host";
	o.env.geo = &no_geo;
	cr_assert_eq(ew_pipeline_new(&o, &p), 0);
	return p;
}

/* One counter of the pipeline's stages, as the metric record would say it now. */
static uint64_t metric(struct ew_pipeline *p, const char *name, const char *k1, const char *k2)
{
	struct ew_metrics *m = ew_pipeline_metrics(p);
	uint64_t v;

	cr_assert_not_null(m);
	v = ew_metrics_get(m, name, k1, k2);
	ew_metrics_free(m);
	return v;
}

static uint64_t lost(struct ew_pipeline *p)
{
	struct ew_metrics *m = ew_pipeline_metrics(p);
	uint64_t v;

	cr_assert_not_null(m);
	v = ew_metrics_lost(m);
	ew_metrics_free(m);
	return v;
}

/* A curl that connects, sends 1000 bytes, receives 500, and closes. */
static void scenario(struct ew_pipeline *p)
{
	static const char *const argv[] = {"curl", "-s", "--data-binary", "@x", NULL};
	struct ew_ev_exec *x = calloc(1, sizeof(*x));
	struct ew_ev_tick t0 = synth_tick(100 * S, REALTIME0 * S);
	struct ew_ev_tick t1 = synth_tick(101 * S, (REALTIME0 + 1) * S);
	uint8_t peer[16], local[16];
	struct ew_ev_sock_addr c;
	struct ew_ev_tcp cl;

	synth_v4(peer, 198, 18, 0, 2);
	synth_v4(local, 198, 18, 0, 1);
	feed(p, &t0, sizeof(t0));
	synth_exec(x, EW_EV_EXEC, 100 * S + 1, 4242, 1, "/usr/bin/curl", argv,
		   "/system.slice/docker-"
		   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
		   777);
	feed(p, x, sizeof(*x));
	c = synth_connect(100 * S + 2, 99, 4242, EW_IPPROTO_TCP, peer, 8080);
	c.task.uid = 0;
	c.task.cgroup_id = 777;
	feed(p, &c, sizeof(c));
	cl = synth_tcp(EW_EV_TCP_CLOSE, 100 * S + 500000000, 99, local, 41000, peer, 8080, 1002,
		       501, EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED);
	feed(p, &cl, sizeof(cl));
	feed(p, &t1, sizeof(t1));
	free(x);
}

Test(pipeline, flow_record_fields)
{
	struct ew_pipeline *p = open_pipe("a");
	char *text, *line, sub[128];
	cJSON *r;

	scenario(p);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	text = read_records(sub);
	line = strtok(text, "\n");
	cr_assert_not_null(line, "no records written");
	r = cJSON_Parse(line);
	cr_assert_not_null(r, "record is not JSON: %s", line);
#define STR(path) cJSON_GetStringValue(cJSON_GetObjectItem(r, path))
	cr_assert_str_eq(cJSON_GetObjectItem(r, "@timestamp")->valuestring,
			 "2026-11-18T19:06:40.500+08:00");
	{
		cJSON *ev = cJSON_GetObjectItem(r, "event"),
		      *net = cJSON_GetObjectItem(r, "network");
		cJSON *src = cJSON_GetObjectItem(r, "source"),
		      *dst = cJSON_GetObjectItem(r, "destination");
		cJSON *proc = cJSON_GetObjectItem(r, "process"),
		      *ew = cJSON_GetObjectItem(r, "egresswatch");
		cJSON *ctr = cJSON_GetObjectItem(r, "container");

		cr_assert_str_eq(cJSON_GetObjectItem(ev, "kind")->valuestring, "event");
		cr_assert_str_eq(cJSON_GetObjectItem(ev, "action")->valuestring, "flow");
		cr_assert_str_eq(cJSON_GetObjectItem(ev, "start")->valuestring,
				 "2026-11-18T19:06:40.000+08:00");
		cr_assert_str_eq(cJSON_GetObjectItem(net, "transport")->valuestring, "tcp");
		cr_assert_str_eq(cJSON_GetObjectItem(net, "type")->valuestring, "ipv4");
		cr_assert_str_eq(cJSON_GetObjectItem(net, "direction")->valuestring, "egress");
		cr_assert_not_null(cJSON_GetObjectItem(net, "community_id"));
		cr_assert_str_eq(cJSON_GetObjectItem(src, "ip")->valuestring, "198.18.0.1");
		cr_assert_eq(cJSON_GetObjectItem(src, "port")->valueint, 41000);
		cr_assert_str_eq(cJSON_GetObjectItem(dst, "ip")->valuestring, "198.18.0.2");
		cr_assert_eq(cJSON_GetObjectItem(dst, "port")->valueint, 8080);
		cr_assert_eq(cJSON_GetObjectItem(proc, "pid")->valueint, 4242);
		cr_assert_str_eq(cJSON_GetObjectItem(proc, "executable")->valuestring,
				 "/usr/bin/curl");
		cr_assert_str_eq(cJSON_GetObjectItem(proc, "command_line")->valuestring,
				 "curl -s --data-binary @x");
		cr_assert_eq(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(proc, "parent"), "pid")->valueint, 1);
		cr_assert_str_eq(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "user"), "id")->valuestring, "0");
		cr_assert_str_eq(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "user"), "name")->valuestring,
		    "root");
		cr_assert_not_null(ctr, "container id from the docker scope");
		cr_assert_str_eq(
		    cJSON_GetObjectItem(ctr, "id")->valuestring,
		    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
		cr_assert_eq(cJSON_GetObjectItem(ew, "bytes_out")->valueint, 1000);
		cr_assert_eq(cJSON_GetObjectItem(ew, "bytes_in")->valueint, 500);
		cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(ew, "final")));
		cr_assert_str_eq(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(ew, "peer"), "ip")->valuestring,
		    "198.18.0.2");
	}
	cJSON_Delete(r);
	/* The finish writes a metric record after the flows. */
	line = strtok(NULL, "\n");
	cr_assert_not_null(line);
	cr_assert(strstr(line, "\"kind\":\"metric\""), "%s", line);
	free(text);
}

Test(pipeline, replay_of_capture_is_identical)
{
	struct ew_capture_meta m = {.boot_id = "c0ffee00-1234", .hostname = "unit-host"};
	struct ew_capture *c;
	struct ew_capture_reader *r;
	struct ew_pipeline *p = open_pipe("live"), *q;
	char cap[128], err[256], *a, *b, sub[128];
	const void *d;
	size_t len;

	snprintf(cap, sizeof(cap), "%s/cap", dir);
	cr_assert_eq(ew_capture_create(cap, &m, &c), 0);
	ew_pipeline_set_capture(p, c);
	scenario(p);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
	cr_assert_eq(ew_capture_close(c), 0);

	q = open_pipe("replay");
	cr_assert_eq(ew_capture_open(cap, &r, &m, err, sizeof(err)), 0, "%s", err);
	while (ew_capture_next(r, &d, &len, err, sizeof(err)) == 1)
		ew_pipeline_feed(q, d, len);
	ew_capture_reader_close(r);
	cr_assert_eq(ew_pipeline_finish(q), 0);
	ew_pipeline_free(q);
	snprintf(sub, sizeof(sub), "%s/live", dir);
	a = read_records(sub);
	snprintf(sub, sizeof(sub), "%s/replay", dir);
	b = read_records(sub);
	cr_assert_gt(strlen(a), 100);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
}

Test(pipeline, garbage_is_counted_and_the_rest_survives)
{
	struct ew_pipeline *p = open_pipe("g");
	unsigned char junk[64] = {0xff, 0xff, 0x40, 0};
	char *text;

	cr_assert_eq(ew_pipeline_feed(p, junk, sizeof(junk)), -EINVAL);
	cr_assert_eq(ew_pipeline_feed(p, junk, 3), -EINVAL);
	scenario(p);
	cr_assert_eq(metric(p, "decode_errors_total", "unknown_type", NULL), 1);
	cr_assert_eq(metric(p, "decode_errors_total", "short", NULL), 1);
	cr_assert_eq(metric(p, "events_total", "connect", NULL), 1);
	cr_assert_eq(metric(p, "flow_records_total", NULL, NULL), 1);
	cr_assert_eq(lost(p), 2);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
	{
		char sub[128];

		snprintf(sub, sizeof(sub), "%s/g", dir);
		text = read_records(sub);
	}
	cr_assert(strstr(text, "\"bytes_out\":1000"), "the flow after the garbage was recorded");
	cr_assert(strstr(text, "\"bad_size\":0"));
	cr_assert(strstr(text, "\"unknown_type\":1"));
	free(text);
	{
		char prom[256], line[256];
		FILE *f;
		int found = 0;

		snprintf(prom, sizeof(prom), "%s/g/metrics.prom", dir);
		f = fopen(prom, "r");
		cr_assert_not_null(f);
		while (fgets(line, sizeof(line), f))
			found += !strcmp(
			    line, "egresswatch_decode_errors_total{reason=\"unknown_type\"} 1\n");
		fclose(f);
		cr_assert_eq(found, 1);
	}
}

/*
 * Peer names: DNS answers, TLS SNI and HTTP Host, through ew_pipeline_feed()
 * only, checked in the records written.
 */

#define T0 (200 * S) /* after the tick at 100 s: the realtime offset is known */

static struct ew_ev_dns_answer ev_dns(uint64_t ts, const uint8_t addr[16], const char *name,
				      uint32_t ttl, uint8_t result)
{
	struct ew_ev_dns_answer e = {.h = {.type = EW_EV_DNS_ANSWER, .size = sizeof(e)}};

	e.h.ts_ns = ts;
	if (addr)
		memcpy(e.addr, addr, 16);
	e.ttl = ttl;
	e.result = result;
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.name_len = (uint16_t)strlen(name);
	return e;
}

static struct ew_ev_peer_name ev_name(uint64_t ts, uint64_t cookie, uint8_t source, uint8_t result,
				      const char *name)
{
	struct ew_ev_peer_name e = {.h = {.type = EW_EV_PEER_NAME, .size = sizeof(e)}};

	e.h.ts_ns = ts;
	e.cookie = cookie;
	e.source = source;
	e.result = result;
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.name_len = (uint16_t)strlen(name);
	return e;
}

static void feed_dns(struct ew_pipeline *p, uint64_t ts, const uint8_t addr[16], const char *name,
		     uint32_t ttl)
{
	struct ew_ev_dns_answer e = ev_dns(ts, addr, name, ttl, EW_PARSE_OK);

	feed(p, &e, sizeof(e));
}

static void feed_name(struct ew_pipeline *p, uint64_t ts, uint64_t cookie, uint8_t source,
		      const char *name)
{
	struct ew_ev_peer_name e = ev_name(ts, cookie, source, EW_PARSE_OK, name);

	feed(p, &e, sizeof(e));
}

static void feed_connect(struct ew_pipeline *p, uint64_t ts, uint64_t cookie, uint8_t proto,
			 const uint8_t peer[16], uint16_t port)
{
	struct ew_ev_sock_addr c = synth_connect(ts, cookie, 4242, proto, peer, port);

	if (proto == EW_IPPROTO_UDP)
		c.h.type = EW_EV_UDP_SEND;
	feed(p, &c, sizeof(c));
}

static void feed_close(struct ew_pipeline *p, uint64_t ts, uint64_t cookie, const uint8_t peer[16],
		       uint16_t port)
{
	uint8_t local[16];
	struct ew_ev_tcp cl;

	synth_v4(local, 198, 18, 0, 1);
	cl = synth_tcp(EW_EV_TCP_CLOSE, ts, cookie, local, (uint16_t)(40000 + cookie), peer, port,
		       101, 51, EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED);
	feed(p, &cl, sizeof(cl));
}

static struct ew_pipeline *open_named(const char *sub)
{
	struct ew_pipeline *p = open_pipe(sub);
	struct ew_ev_tick t0 = synth_tick(100 * S, REALTIME0 * S);

	feed(p, &t0, sizeof(t0));
	return p;
}

/* Every record of a finished pipeline: flow records in order, and the last metric record. */
struct recs {
	cJSON *flow[32];
	int nflow;
	cJSON *metric;
	cJSON *all[64];
	int n;
};

static void finish_and_read(struct ew_pipeline *p, const char *sub, struct recs *rs)
{
	char path[128], *text, *line, *save;

	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
	memset(rs, 0, sizeof(*rs));
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	text = read_records(path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *r = cJSON_Parse(line);
		const char *kind;

		cr_assert_not_null(r, "record is not JSON: %s", line);
		cr_assert_lt(rs->n, 64);
		rs->all[rs->n++] = r;
		kind = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(r, "event"), "kind"));
		cr_assert_not_null(kind, "%s", line);
		if (!strcmp(kind, "metric")) {
			rs->metric = r;
		} else {
			cr_assert_lt(rs->nflow, 32);
			rs->flow[rs->nflow++] = r;
		}
	}
	free(text);
	cr_assert_not_null(rs->metric, "no metric record");
}

static void free_recs(struct recs *rs)
{
	for (int i = 0; i < rs->n; i++)
		cJSON_Delete(rs->all[i]);
}

/* "a.b.c" → r["a"]["b"]["c"], or NULL. */
static cJSON *at(cJSON *r, const char *path)
{
	char buf[128], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && r; tok = strtok_r(NULL, ".", &save))
		r = cJSON_GetObjectItemCaseSensitive(r, tok);
	return r;
}

static void expect_str(cJSON *r, const char *path, const char *want)
{
	const char *got = cJSON_GetStringValue(at(r, path));

	cr_assert_not_null(got, "%s missing (want \"%s\")", path, want);
	cr_assert_str_eq(got, want, "%s", path);
}

static void expect_absent(cJSON *r, const char *path)
{
	cJSON *x = at(r, path);
	char *s = x ? cJSON_PrintUnformatted(x) : NULL;

	cr_assert_null(x, "%s is present: %s", path, s ? s : "");
}

static void expect_num(cJSON *r, const char *path, double want)
{
	cJSON *x = at(r, path);

	cr_assert(cJSON_IsNumber(x), "%s missing or not a number", path);
	cr_assert_eq(x->valuedouble, want, "%s is %.0f, want %.0f", path, x->valuedouble, want);
}

#define METRIC(rs, name, want) expect_num((rs)->metric, "egresswatch.metrics." name, want)

/* The final flow record to @port (flows here differ by destination port). */
static cJSON *flow_to(struct recs *rs, unsigned int port)
{
	for (int i = 0; i < rs->nflow; i++) {
		cJSON *pt = at(rs->flow[i], "destination.port");

		if (cJSON_IsNumber(pt) && pt->valueint == (int)port &&
		    cJSON_IsTrue(at(rs->flow[i], "egresswatch.final")))
			return rs->flow[i];
	}
	cr_assert_fail("no final record of a flow to port %u", port);
	return NULL;
}

static void expect_named(cJSON *r, const char *domain, const char *source)
{
	expect_str(r, "egresswatch.peer.domain", domain);
	expect_str(r, "egresswatch.peer.name_source", source);
	expect_str(r, "destination.domain", domain);
	expect_absent(r, "source.domain");
	if (!strcmp(source, "sni"))
		expect_str(r, "tls.client.server_name", domain);
	else
		expect_absent(r, "tls");
}

static void expect_unnamed(cJSON *r)
{
	expect_absent(r, "egresswatch.peer.domain");
	expect_absent(r, "egresswatch.peer.name_source");
	expect_absent(r, "destination.domain");
	expect_absent(r, "source.domain");
	expect_absent(r, "tls");
}

Test(pipeline, dns_answer_names_the_flow)
{
	struct ew_pipeline *p = open_named("dns");
	struct recs rs;
	uint8_t peer[16], other[16];

	synth_v4(peer, 203, 0, 113, 7);
	synth_v4(other, 203, 0, 113, 8);
	feed_dns(p, T0, peer, "api.example.de", 30);
	feed_connect(p, T0 + 1 * S, 1, EW_IPPROTO_TCP, peer, 443);
	feed_close(p, T0 + 2 * S, 1, peer, 443);
	/* Another address is not named by it. */
	feed_connect(p, T0 + 3 * S, 2, EW_IPPROTO_TCP, other, 444);
	feed_close(p, T0 + 4 * S, 2, other, 444);
	/* UDP to the same address (QUIC): named too, ended by the finish. */
	feed_connect(p, T0 + 5 * S, 3, EW_IPPROTO_UDP, peer, 4443);
	finish_and_read(p, "dns", &rs);

	cr_assert_eq(rs.nflow, 3);
	expect_named(flow_to(&rs, 443), "api.example.de", "dns");
	expect_str(flow_to(&rs, 443), "destination.ip", "203.0.113.7");
	expect_unnamed(flow_to(&rs, 444));
	expect_named(flow_to(&rs, 4443), "api.example.de", "dns");
	expect_str(flow_to(&rs, 4443), "network.transport", "udp");
	METRIC(&rs, "flows_named_total.dns", 2);
	METRIC(&rs, "flows_named_total.sni", 0);
	METRIC(&rs, "flows_named_total.http_host", 0);
	METRIC(&rs, "dns_cache_inserts_total", 1);
	METRIC(&rs, "dns_cache_hits_total", 2);
	METRIC(&rs, "dns_cache_misses_total", 1);
	METRIC(&rs, "dns_cache_evicted_live_total", 0);
	METRIC(&rs, "payloads_parsed_total.dns.ok", 1);
	METRIC(&rs, "events_total.dns_answer", 1);
	/* Flows are gone; the cache still holds the one name. */
	METRIC(&rs, "names", 1);
	METRIC(&rs, "names_unmatched_total", 0);
	free_recs(&rs);
}

/* An answer serves for its TTL plus EW_DNS_GRACE_S, not a nanosecond more. */
Test(pipeline, dns_answer_expires_after_grace)
{
	struct ew_pipeline *p = open_named("grace");
	struct recs rs;
	uint8_t peer[16];
	const uint64_t end = T0 + (30 + EW_DNS_GRACE_S) * S;

	synth_v4(peer, 203, 0, 113, 7);
	feed_dns(p, T0, peer, "api.example.de", 30);
	feed_connect(p, end - 1, 1, EW_IPPROTO_TCP, peer, 1001);
	feed_close(p, end - 1, 1, peer, 1001);
	feed_connect(p, end, 2, EW_IPPROTO_TCP, peer, 1002);
	feed_close(p, end, 2, peer, 1002);
	feed_connect(p, end + 1 * S, 3, EW_IPPROTO_TCP, peer, 1003);
	feed_close(p, end + 2 * S, 3, peer, 1003);
	finish_and_read(p, "grace", &rs);

	cr_assert_eq(rs.nflow, 3);
	expect_named(flow_to(&rs, 1001), "api.example.de", "dns");
	expect_unnamed(flow_to(&rs, 1002));
	expect_unnamed(flow_to(&rs, 1003));
	METRIC(&rs, "flows_named_total.dns", 1);
	METRIC(&rs, "dns_cache_hits_total", 1);
	METRIC(&rs, "dns_cache_misses_total", 2);
	free_recs(&rs);
}

Test(pipeline, sni_names_the_flow)
{
	struct ew_pipeline *p = open_named("sni");
	struct recs rs;
	uint8_t peer[16];

	synth_v4(peer, 198, 51, 100, 7);
	feed_connect(p, T0, 7, EW_IPPROTO_TCP, peer, 443);
	feed_name(p, T0 + 1000, 7, EW_NAME_SNI, "sni.example.us");
	feed_close(p, T0 + 1 * S, 7, peer, 443);
	finish_and_read(p, "sni", &rs);

	cr_assert_eq(rs.nflow, 1);
	expect_named(flow_to(&rs, 443), "sni.example.us", "sni");
	METRIC(&rs, "flows_named_total.sni", 1);
	METRIC(&rs, "flows_named_total.dns", 0);
	METRIC(&rs, "payloads_parsed_total.tls.ok", 1);
	METRIC(&rs, "events_total.peer_name", 1);
	METRIC(&rs, "names", 0); /* the flow's reference went with it */
	METRIC(&rs, "dns_cache_misses_total", 1);
	free_recs(&rs);
}

/* The stronger source wins whatever the order: sni > http_host > dns. */
Test(pipeline, name_sources_by_strength)
{
	struct ew_pipeline *p = open_named("strength");
	struct recs rs;
	uint8_t a[16], b[16], c[16], d[16];

	synth_v4(a, 203, 0, 113, 1);
	synth_v4(b, 203, 0, 113, 2);
	synth_v4(c, 203, 0, 113, 3);
	synth_v4(d, 203, 0, 113, 4);
	/* DNS, then SNI: sni. */
	feed_dns(p, T0, a, "dns.example.de", 300);
	feed_connect(p, T0 + 1 * S, 1, EW_IPPROTO_TCP, a, 2001);
	feed_name(p, T0 + 2 * S, 1, EW_NAME_SNI, "sni.example.us");
	feed_close(p, T0 + 3 * S, 1, a, 2001);
	/* SNI, then an HTTP Host: sni stays. */
	feed_connect(p, T0 + 4 * S, 2, EW_IPPROTO_TCP, b, 2002);
	feed_name(p, T0 + 5 * S, 2, EW_NAME_SNI, "sni2.example.us");
	feed_name(p, T0 + 6 * S, 2, EW_NAME_HTTP_HOST, "http.example.hk");
	feed_close(p, T0 + 7 * S, 2, b, 2002);
	/* HTTP Host alone: http_host, and no tls object. */
	feed_connect(p, T0 + 8 * S, 3, EW_IPPROTO_TCP, c, 2003);
	feed_name(p, T0 + 9 * S, 3, EW_NAME_HTTP_HOST, "http.example.hk");
	feed_close(p, T0 + 10 * S, 3, c, 2003);
	/* DNS, then an HTTP Host: http_host. */
	feed_dns(p, T0 + 11 * S, d, "dns4.example.de", 300);
	feed_connect(p, T0 + 12 * S, 4, EW_IPPROTO_TCP, d, 2004);
	feed_name(p, T0 + 13 * S, 4, EW_NAME_HTTP_HOST, "http4.example.hk");
	feed_close(p, T0 + 14 * S, 4, d, 2004);
	finish_and_read(p, "strength", &rs);

	cr_assert_eq(rs.nflow, 4);
	expect_named(flow_to(&rs, 2001), "sni.example.us", "sni");
	expect_named(flow_to(&rs, 2002), "sni2.example.us", "sni");
	expect_named(flow_to(&rs, 2003), "http.example.hk", "http_host");
	expect_named(flow_to(&rs, 2004), "http4.example.hk", "http_host");
	METRIC(&rs, "flows_named_total.dns", 2);
	METRIC(&rs, "flows_named_total.sni", 2);
	METRIC(&rs, "flows_named_total.http_host", 2);
	METRIC(&rs, "payloads_parsed_total.tls.ok", 2);
	METRIC(&rs, "payloads_parsed_total.http.ok", 3);
	METRIC(&rs, "payloads_parsed_total.dns.ok", 2);
	/* No reference leaked: only the two cached DNS names are alive. */
	METRIC(&rs, "names", 2);
	free_recs(&rs);
}

/* A name for a socket without a flow is counted; outcomes without a name are not. */
Test(pipeline, unmatched_names)
{
	struct ew_pipeline *p = open_named("unmatched");
	struct ew_ev_peer_name bad = ev_name(T0, 999, EW_NAME_SNI, EW_PARSE_BAD, "");
	struct recs rs;
	uint8_t peer[16];

	synth_v4(peer, 203, 0, 113, 9);
	feed_name(p, T0, 999, EW_NAME_SNI, "nobody.example.us");
	cr_assert_eq(metric(p, "names_unmatched_total", NULL, NULL), 1);
	cr_assert_eq(metric(p, "names", NULL, NULL), 0, "an unmatched name is not kept");
	feed(p, &bad, sizeof(bad));
	cr_assert_eq(metric(p, "names_unmatched_total", NULL, NULL), 1,
		     "a failed parse has no name to match");
	/* A flow that has closed is no match either. */
	feed_connect(p, T0 + 1 * S, 5, EW_IPPROTO_TCP, peer, 3001);
	feed_close(p, T0 + 2 * S, 5, peer, 3001);
	feed_name(p, T0 + 3 * S, 5, EW_NAME_HTTP_HOST, "late.example.hk");
	finish_and_read(p, "unmatched", &rs);

	cr_assert_eq(rs.nflow, 1);
	expect_unnamed(flow_to(&rs, 3001));
	METRIC(&rs, "names_unmatched_total", 2);
	METRIC(&rs, "flows_named_total.sni", 0);
	METRIC(&rs, "flows_named_total.http_host", 0);
	METRIC(&rs, "payloads_parsed_total.tls.ok", 1);
	METRIC(&rs, "payloads_parsed_total.tls.bad", 1);
	METRIC(&rs, "payloads_parsed_total.http.ok", 1);
	METRIC(&rs, "names", 0);
	free_recs(&rs);
}

/* Each parse outcome lands in its own counter of the metric record. */
Test(pipeline, parse_outcomes_counted)
{
	static const char *const results[] = {"ok", "none", "short", "bad", "other"};
	struct ew_pipeline *p = open_named("outcomes");
	/* [parser][result]: how many events of each to feed. */
	const int want[3][EW_PARSE_MAX] = {
	    {0, 1, 2, 3, 1}, /* tls */
	    {1, 2, 0, 1, 4}, /* http */
	    {0, 3, 1, 2, 0}, /* dns (OTHER is a TCP outcome) */
	};
	const char *parsers[] = {"tls", "http", "dns"};
	char path[96];
	struct recs rs;
	uint64_t ts = T0;

	for (int pr = 0; pr < 3; pr++) {
		for (uint8_t r = 0; r < EW_PARSE_MAX; r++) {
			for (int i = 0; i < want[pr][r]; i++) {
				const char *nm = r == EW_PARSE_OK ? "x.example.de" : "";

				if (pr < 2) {
					struct ew_ev_peer_name e = ev_name(
					    ts++, 1000 + (uint64_t)i,
					    pr == 0 ? EW_NAME_SNI : EW_NAME_HTTP_HOST, r, nm);

					feed(p, &e, sizeof(e));
				} else {
					struct ew_ev_dns_answer e = ev_dns(ts++, NULL, nm, 0, r);

					feed(p, &e, sizeof(e));
				}
			}
		}
	}
	for (int pr = 0; pr < 3; pr++)
		for (int r = 0; r < EW_PARSE_MAX; r++)
			cr_assert_eq(metric(p, "payloads_parsed_total", parsers[pr], results[r]),
				     (uint64_t)want[pr][r], "%s.%s", parsers[pr], results[r]);
	cr_assert_eq(metric(p, "events_total", "peer_name", NULL), 15);
	cr_assert_eq(metric(p, "events_total", "dns_answer", NULL), 6);
	finish_and_read(p, "outcomes", &rs);
	for (int pr = 0; pr < 3; pr++) {
		for (int r = 0; r < EW_PARSE_MAX; r++) {
			snprintf(path, sizeof(path),
				 "egresswatch.metrics.payloads_parsed_total.%s.%s", parsers[pr],
				 results[r]);
			expect_num(rs.metric, path, want[pr][r]);
		}
	}
	METRIC(&rs, "events_total.peer_name", 15);
	METRIC(&rs, "events_total.dns_answer", 6);
	METRIC(&rs, "decode_errors_total.bad_field", 0);
	METRIC(&rs, "lost_total", 0);
	METRIC(&rs, "dns_cache_inserts_total", 0);
	free_recs(&rs);
}

/* Name events that fail decode are decode errors: no parse outcome, no name. */
Test(pipeline, refused_name_events)
{
	struct ew_pipeline *p = open_named("refused");
	struct ew_ev_peer_name upper =
	    ev_name(T0 + 1, 1, EW_NAME_SNI, EW_PARSE_OK, "Up.example.us");
	struct ew_ev_peer_name nosrc = ev_name(T0 + 2, 1, EW_NAME_NONE, EW_PARSE_BAD, "");
	struct ew_ev_dns_answer dots;
	uint8_t peer[16];

	synth_v4(peer, 203, 0, 113, 7);
	dots = ev_dns(T0 + 3, peer, "api.example.de.", 30, EW_PARSE_OK);
	feed_connect(p, T0, 1, EW_IPPROTO_TCP, peer, 443);
	cr_assert_eq(ew_pipeline_feed(p, &upper, sizeof(upper)), -EINVAL);
	cr_assert_eq(ew_pipeline_feed(p, &nosrc, sizeof(nosrc)), -EINVAL);
	cr_assert_eq(ew_pipeline_feed(p, &dots, sizeof(dots)), -EINVAL);
	cr_assert_eq(metric(p, "decode_errors_total", "bad_field", NULL), 3);
	cr_assert_eq(metric(p, "events_total", "peer_name", NULL), 0);
	cr_assert_eq(metric(p, "events_total", "dns_answer", NULL), 0);
	{
		struct ew_metrics *m = ew_pipeline_metrics(p);

		cr_assert_eq(ew_metrics_sum(m, "payloads_parsed_total"), 0);
		ew_metrics_free(m);
	}
	cr_assert_eq(metric(p, "dns_cache_inserts_total", NULL, NULL), 0);
	cr_assert_eq(metric(p, "names", NULL, NULL), 0);
	cr_assert_eq(lost(p), 3);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
}

/* A later answer for the same address renames flows that start after it. */
Test(pipeline, dns_reanswer_takes_newest)
{
	struct ew_pipeline *p = open_named("reanswer");
	struct recs rs;
	uint8_t peer[16];

	synth_v4(peer, 203, 0, 113, 7);
	feed_dns(p, T0, peer, "old.example.de", 300);
	feed_connect(p, T0 + 1 * S, 1, EW_IPPROTO_TCP, peer, 5001);
	feed_dns(p, T0 + 2 * S, peer, "new.example.hk", 300);
	feed_close(p, T0 + 3 * S, 1, peer, 5001);
	feed_connect(p, T0 + 4 * S, 2, EW_IPPROTO_TCP, peer, 5002);
	feed_close(p, T0 + 5 * S, 2, peer, 5002);
	finish_and_read(p, "reanswer", &rs);

	expect_named(flow_to(&rs, 5001), "old.example.de", "dns");
	expect_named(flow_to(&rs, 5002), "new.example.hk", "dns");
	METRIC(&rs, "dns_cache_inserts_total", 2);
	METRIC(&rs, "dns_cache_evicted_live_total", 0);
	METRIC(&rs, "names", 1);
	free_recs(&rs);
}

/* A long flow keeps its name in interim records, and in the final one. */
Test(pipeline, name_in_interim_records)
{
	struct ew_pipeline *p = open_named("interim");
	struct ew_ev_tick t;
	struct recs rs;
	uint8_t peer[16];
	int interim = 0;

	synth_v4(peer, 203, 0, 113, 7);
	feed_connect(p, T0, 1, EW_IPPROTO_TCP, peer, 443);
	feed_name(p, T0 + 1, 1, EW_NAME_SNI, "long.example.us");
	for (int i = 1; i <= 3; i++) {
		t = synth_tick(T0 + (uint64_t)i * 61 * S, (REALTIME0 + 100 + (uint64_t)i * 61) * S);
		feed(p, &t, sizeof(t));
	}
	feed_close(p, T0 + 200 * S, 1, peer, 443);
	finish_and_read(p, "interim", &rs);

	for (int i = 0; i < rs.nflow; i++) {
		expect_named(rs.flow[i], "long.example.us", "sni");
		interim += !cJSON_IsTrue(at(rs.flow[i], "egresswatch.final"));
	}
	cr_assert_geq(interim, 2, "%d interim records", interim);
	cr_assert_eq(rs.nflow, interim + 1);
	free_recs(&rs);
}

static void feed_answer(const struct ew_ev_dns_answer *a, void *arg)
{
	feed(arg, a, sizeof(*a));
}

static struct ew_ev_payload *payload(uint16_t type, uint64_t ts, uint64_t cookie, const void *d,
				     size_t len)
{
	struct ew_ev_payload *ev = calloc(1, sizeof(*ev));

	cr_assert_not_null(ev);
	ev->h.type = type;
	ev->h.size = (uint16_t)(EW_PAYLOAD_HDR + len);
	ev->h.ts_ns = ts;
	ev->cookie = cookie;
	ev->len = (uint16_t)len;
	ev->wire_len = (uint32_t)len;
	memcpy(ev->data, d, len);
	return ev;
}

/*
 * The live path: recorded payloads through payload.c into the pipeline.
 * dig asked dnsmasq for WWW.A.test (id 0x8026, from port 40123); dnsmasq
 * answered www.a.test → 198.18.0.9 with TTL 0: the grace keeps it.
 */
Test(pipeline, recorded_payloads_name_flows)
{
	struct ew_pipeline *p = open_named("live");
	struct ew_ev_payload *ev;
	struct ew_ev_peer_name nm;
	struct ew_ev_dns_query q;
	struct recs rs;
	uint8_t buf[1024], peer[16], resolver[16];
	size_t n;

	synth_v4(peer, 198, 18, 0, 9);
	synth_v4(resolver, 198, 18, 0, 2);
	n = synth_load_data("dns-dig-query-a.bin", buf, sizeof(buf));
	ev = payload(EW_EV_DNS_QUERY_PAYLOAD, T0 - 1000, 0, buf, n);
	memcpy(ev->raddr, resolver, 16);
	ev->rport = 53;
	ev->lport = 40123;
	ew_payload_dns_query(ev, EW_PAYLOAD_HDR + n, &q);
	free(ev);
	feed(p, &q, sizeof(q));
	n = synth_load_data("dns-dnsmasq-reply-a.bin", buf, sizeof(buf));
	ev = payload(EW_EV_DNS_PAYLOAD, T0, 0, buf, n);
	memcpy(ev->raddr, resolver, 16);
	ev->rport = 53;
	ev->lport = 40123;
	cr_assert_eq(ew_payload_dns(ev, EW_PAYLOAD_HDR + n, feed_answer, p), 1);
	free(ev);
	/* Plain HTTP to it, 30 s later: the DNS name. */
	feed_connect(p, T0 + 30 * S, 1, EW_IPPROTO_TCP, peer, 80);
	feed_close(p, T0 + 31 * S, 1, peer, 80);
	/* TLS to it: the SNI of the curl ClientHello wins. */
	feed_connect(p, T0 + 32 * S, 2, EW_IPPROTO_TCP, peer, 443);
	n = synth_load_data("clienthello-curl.bin", buf, sizeof(buf));
	ev = payload(EW_EV_TCP_PAYLOAD, T0 + 32 * S + 1000, 2, buf, n);
	ew_payload_peer_name(ev, EW_PAYLOAD_HDR + n, &nm);
	free(ev);
	feed(p, &nm, sizeof(nm));
	feed_close(p, T0 + 33 * S, 2, peer, 443);
	finish_and_read(p, "live", &rs);

	cr_assert_eq(rs.nflow, 2);
	expect_named(flow_to(&rs, 80), "www.a.test", "dns");
	expect_named(flow_to(&rs, 443), "example.test", "sni");
	METRIC(&rs, "payloads_parsed_total.dns_query.ok", 1);
	METRIC(&rs, "payloads_parsed_total.dns.ok", 1);
	METRIC(&rs, "payloads_parsed_total.tls.ok", 1);
	METRIC(&rs, "dns_answers_matched_total", 1);
	METRIC(&rs, "dns_answers_unmatched_total", 0);
	METRIC(&rs, "flows_named_total.dns", 2);
	METRIC(&rs, "flows_named_total.sni", 1);
	METRIC(&rs, "lost_total", 0);
	free_recs(&rs);
}

/*
 * DNS answers must answer a query this host sent (ABI 2.1): same server,
 * server port, client port, transaction id and question name.
 */

#define RESOLVER_PORT 53
#define CLIENT_PORT   40001
#define TXID	      0x4d2e

static uint8_t resolver[16];

static struct ew_ev_dns_query ev_query(uint64_t ts, uint16_t client_port, uint16_t txid,
				       const char *name)
{
	struct ew_ev_dns_query e = {.h = {.type = EW_EV_DNS_QUERY, .size = sizeof(e)}};

	e.h.ts_ns = ts;
	synth_v4(resolver, 198, 18, 0, 2);
	memcpy(e.server, resolver, 16);
	e.server_port = RESOLVER_PORT;
	e.client_port = client_port;
	e.txid = txid;
	e.result = EW_PARSE_OK;
	e.qtype = 1;
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.name_len = (uint16_t)strlen(name);
	return e;
}

static void feed_query(struct ew_pipeline *p, uint64_t ts, uint16_t client_port, uint16_t txid,
		       const char *name)
{
	struct ew_ev_dns_query e = ev_query(ts, client_port, txid, name);

	feed(p, &e, sizeof(e));
}

/* An answer from the resolver to CLIENT_PORT with TXID, unless the caller changes it. */
static struct ew_ev_dns_answer ev_answer(uint64_t ts, const uint8_t addr[16], const char *name)
{
	struct ew_ev_dns_answer e = ev_dns(ts, addr, name, 300, EW_PARSE_OK);

	synth_v4(resolver, 198, 18, 0, 2);
	memcpy(e.server, resolver, 16);
	e.server_port = RESOLVER_PORT;
	e.client_port = CLIENT_PORT;
	e.txid = TXID;
	return e;
}

/* A TCP flow to @addr:@port (cookie @port) opened at @ts and closed a second later. */
static void flow(struct ew_pipeline *p, uint64_t ts, const uint8_t addr[16], uint16_t port)
{
	feed_connect(p, ts, port, EW_IPPROTO_TCP, addr, port);
	feed_close(p, ts + 1 * S, port, addr, port);
}

/* The answer to the query names the flow; every address of one response does. */
Test(pipeline, dns_matched_answer_names_the_flow)
{
	struct ew_pipeline *p = open_named("dnsmatch");
	struct ew_ev_dns_answer a1, a2;
	struct recs rs;
	uint8_t x[16], y[16];

	synth_v4(x, 203, 0, 113, 7);
	synth_v4(y, 203, 0, 113, 8);
	feed_query(p, T0, CLIENT_PORT, TXID, "api.example.de");
	cr_assert_eq(metric(p, "dns_queries_kept_total", NULL, NULL), 1);
	a1 = ev_answer(T0 + 5000000, x, "api.example.de");
	a2 = ev_answer(T0 + 5000000, y, "api.example.de");
	feed(p, &a1, sizeof(a1));
	feed(p, &a2, sizeof(a2));
	flow(p, T0 + 1 * S, x, 6001);
	flow(p, T0 + 3 * S, y, 6002);
	finish_and_read(p, "dnsmatch", &rs);

	expect_named(flow_to(&rs, 6001), "api.example.de", "dns");
	expect_named(flow_to(&rs, 6002), "api.example.de", "dns");
	METRIC(&rs, "dns_answers_matched_total", 2);
	METRIC(&rs, "dns_answers_unmatched_total", 0);
	METRIC(&rs, "dns_queries_kept_total", 1);
	METRIC(&rs, "dns_queries_evicted_total", 0);
	METRIC(&rs, "payloads_parsed_total.dns_query.ok", 1);
	METRIC(&rs, "events_total.dns_query", 1);
	METRIC(&rs, "dns_cache_inserts_total", 2);
	METRIC(&rs, "flows_named_total.dns", 2);
	free_recs(&rs);
}

/* The issue: a datagram from port 53 that answers nothing this host asked. */
Test(pipeline, dns_forged_answer_is_ignored_and_counted)
{
	struct ew_pipeline *p = open_named("forged");
	struct ew_ev_dns_answer a;
	struct recs rs;
	uint8_t x[16];

	synth_v4(x, 203, 0, 113, 66);
	a = ev_answer(T0, x, "bank.example");
	feed(p, &a, sizeof(a));
	cr_assert_eq(metric(p, "dns_answers_unmatched_total", NULL, NULL), 1);
	flow(p, T0 + 1 * S, x, 6101);
	finish_and_read(p, "forged", &rs);

	expect_unnamed(flow_to(&rs, 6101));
	METRIC(&rs, "dns_answers_unmatched_total", 1);
	METRIC(&rs, "dns_answers_matched_total", 0);
	METRIC(&rs, "payloads_parsed_total.dns.ok", 1);
	METRIC(&rs, "dns_cache_inserts_total", 0);
	METRIC(&rs, "flows_named_total.dns", 0);
	METRIC(&rs, "names", 0);
	METRIC(&rs, "lost_total", 0);
	free_recs(&rs);
}

/*
 * A query is pending; answers that differ from it in one field each are
 * ignored, one address each; then the real answer, which names its flow.
 */
Test(pipeline, dns_answer_must_match_every_field)
{
	enum { WRONG_TXID, WRONG_CLIENT_PORT, WRONG_SERVER_PORT, WRONG_SERVER, WRONG_NAME, N };
	struct ew_pipeline *p = open_named("fields");
	struct recs rs;
	uint8_t addr[N + 1][16];

	feed_query(p, T0, CLIENT_PORT, TXID, "api.example.de");
	for (int i = 0; i <= N; i++) {
		struct ew_ev_dns_answer a;

		synth_v4(addr[i], 203, 0, 113, (uint8_t)(10 + i));
		a = ev_answer(T0 + 1000 + (uint64_t)i, addr[i], "api.example.de");
		switch (i) {
		case WRONG_TXID:
			a.txid = TXID + 1;
			break;
		case WRONG_CLIENT_PORT:
			a.client_port = CLIENT_PORT + 1;
			break;
		case WRONG_SERVER_PORT:
			a.server_port = 5353;
			break;
		case WRONG_SERVER:
			a.server[15] = 3;
			break;
		case WRONG_NAME:
			/* The same transaction, an address for another name. */
			snprintf(a.name, sizeof(a.name), "bank.example");
			a.name_len = 12;
			break;
		}
		feed(p, &a, sizeof(a));
		cr_assert_eq(metric(p, "dns_answers_unmatched_total", NULL, NULL),
			     (uint64_t)(i < N ? i + 1 : N), "answer %d", i);
	}
	for (int i = 0; i <= N; i++)
		flow(p, T0 + 1 * S, addr[i], (uint16_t)(6200 + i));
	finish_and_read(p, "fields", &rs);

	for (int i = 0; i < N; i++)
		expect_unnamed(flow_to(&rs, 6200 + (unsigned)i));
	expect_named(flow_to(&rs, 6200 + N), "api.example.de", "dns");
	METRIC(&rs, "dns_answers_unmatched_total", N);
	METRIC(&rs, "dns_answers_matched_total", 1);
	METRIC(&rs, "dns_cache_inserts_total", 1);
	free_recs(&rs);
}

/* A query waits 30 s for its answer, not a nanosecond more; case does not matter. */
Test(pipeline, dns_query_expires)
{
	struct ew_pipeline *p = open_named("qexpire");
	struct ew_ev_dns_answer a;
	struct recs rs;
	uint8_t x[16], y[16];

	synth_v4(x, 203, 0, 113, 20);
	synth_v4(y, 203, 0, 113, 21);
	feed_query(p, T0, CLIENT_PORT, TXID, "late.example.de");
	feed_query(p, T0, CLIENT_PORT, TXID + 1, "edge.example.de");
	a = ev_answer(T0 + 30 * S, x, "late.example.de");
	feed(p, &a, sizeof(a));
	a = ev_answer(T0 + 30 * S - 1, y, "edge.example.de");
	a.txid = TXID + 1;
	feed(p, &a, sizeof(a));
	flow(p, T0 + 31 * S, x, 6301);
	flow(p, T0 + 31 * S, y, 6302);
	finish_and_read(p, "qexpire", &rs);

	expect_unnamed(flow_to(&rs, 6301));
	expect_named(flow_to(&rs, 6302), "edge.example.de", "dns");
	METRIC(&rs, "dns_answers_unmatched_total", 1);
	METRIC(&rs, "dns_answers_matched_total", 1);
	free_recs(&rs);
}

/*
 * The first response takes the query: a second one to the same transaction
 * (a spoof that lost the race, or a duplicate) is not believed; a retry of
 * the query is a new chance.
 */
Test(pipeline, dns_second_response_is_not_believed)
{
	struct ew_pipeline *p = open_named("second");
	struct ew_ev_dns_answer a;
	struct recs rs;
	uint8_t real[16], spoof[16], retry[16];

	synth_v4(real, 203, 0, 113, 30);
	synth_v4(spoof, 203, 0, 113, 31);
	synth_v4(retry, 203, 0, 113, 32);
	feed_query(p, T0, CLIENT_PORT, TXID, "api.example.de");
	a = ev_answer(T0 + 1000, real, "api.example.de");
	feed(p, &a, sizeof(a));
	a = ev_answer(T0 + 2000, spoof, "api.example.de");
	feed(p, &a, sizeof(a));
	feed_query(p, T0 + 3000, CLIENT_PORT, TXID, "api.example.de");
	a = ev_answer(T0 + 4000, retry, "api.example.de");
	feed(p, &a, sizeof(a));
	flow(p, T0 + 1 * S, real, 6401);
	flow(p, T0 + 1 * S, spoof, 6402);
	flow(p, T0 + 1 * S, retry, 6403);
	finish_and_read(p, "second", &rs);

	expect_named(flow_to(&rs, 6401), "api.example.de", "dns");
	expect_unnamed(flow_to(&rs, 6402));
	expect_named(flow_to(&rs, 6403), "api.example.de", "dns");
	METRIC(&rs, "dns_answers_matched_total", 2);
	METRIC(&rs, "dns_answers_unmatched_total", 1);
	free_recs(&rs);
}

/* ABI 2.0 answers have no transaction (client_port 0): believed as before, counted as neither. */
Test(pipeline, dns_legacy_answer_is_believed)
{
	struct ew_pipeline *p = open_named("legacy");
	struct recs rs;
	uint8_t x[16];

	synth_v4(x, 203, 0, 113, 40);
	feed_dns(p, T0, x, "old.example.de", 300);
	flow(p, T0 + 1 * S, x, 6501);
	finish_and_read(p, "legacy", &rs);

	expect_named(flow_to(&rs, 6501), "old.example.de", "dns");
	METRIC(&rs, "dns_answers_matched_total", 0);
	METRIC(&rs, "dns_answers_unmatched_total", 0);
	free_recs(&rs);
}

/*
 * The query table is bounded: far more queries in flight than it holds push
 * the oldest out (counted) and hold no more names than it has room for; the
 * newest query still matches, the first one's answer is not believed.
 */
Test(pipeline, dns_query_table_is_bounded)
{
	const int queries = 40000;
	struct ew_pipeline *p = open_named("qbound");
	struct ew_ev_dns_answer a;
	struct recs rs;
	uint8_t first[16], last[16];
	uint64_t evicted, names;
	char name[64];

	for (int i = 0; i < queries; i++) {
		snprintf(name, sizeof(name), "q%d.example.de", i);
		feed_query(p, T0 + (uint64_t)i, (uint16_t)(1024 + i % 60000), (uint16_t)i, name);
	}
	evicted = metric(p, "dns_queries_evicted_total", NULL, NULL);
	names = metric(p, "names", NULL, NULL);
	cr_assert_geq(evicted, (uint64_t)queries - 8192, "evicted %lu", (unsigned long)evicted);
	cr_assert_lt(evicted, (uint64_t)queries);
	cr_assert_leq(names, 8192, "%lu names held", (unsigned long)names);
	cr_assert_eq(metric(p, "dns_queries_kept_total", NULL, NULL), (uint64_t)queries);

	synth_v4(first, 203, 0, 113, 50);
	synth_v4(last, 203, 0, 113, 51);
	a = ev_answer(T0 + 1 * S, first, "q0.example.de");
	a.client_port = 1024;
	a.txid = 0;
	feed(p, &a, sizeof(a));
	a = ev_answer(T0 + 1 * S, last, "");
	snprintf(a.name, sizeof(a.name), "q%d.example.de", queries - 1);
	a.name_len = (uint16_t)strlen(a.name);
	a.client_port = (uint16_t)(1024 + (queries - 1) % 60000);
	a.txid = (uint16_t)(queries - 1);
	feed(p, &a, sizeof(a));
	flow(p, T0 + 2 * S, first, 6601);
	flow(p, T0 + 2 * S, last, 6602);
	finish_and_read(p, "qbound", &rs);

	expect_unnamed(flow_to(&rs, 6601));
	snprintf(name, sizeof(name), "q%d.example.de", queries - 1);
	expect_named(flow_to(&rs, 6602), name, "dns");
	METRIC(&rs, "dns_answers_unmatched_total", 1);
	METRIC(&rs, "dns_answers_matched_total", 1);
	free_recs(&rs);
}

/* A capture of a run with queries replays to the same records: matching happens in replay too. */
Test(pipeline, dns_matching_replays)
{
	struct ew_capture_meta m = {.boot_id = "c0ffee00-1234", .hostname = "unit-host"};
	struct ew_capture *c;
	struct ew_capture_reader *r;
	struct ew_pipeline *p = open_pipe("mlive"), *q;
	struct ew_ev_tick t0 = synth_tick(100 * S, REALTIME0 * S);
	struct ew_ev_dns_answer a;
	char cap[128], err[256], *ra, *rb, sub[128];
	uint8_t x[16], y[16];
	const void *d;
	size_t len;

	snprintf(cap, sizeof(cap), "%s/mcap", dir);
	cr_assert_eq(ew_capture_create(cap, &m, &c), 0);
	ew_pipeline_set_capture(p, c);
	feed(p, &t0, sizeof(t0));
	synth_v4(x, 203, 0, 113, 60);
	synth_v4(y, 203, 0, 113, 61);
	feed_query(p, T0, CLIENT_PORT, TXID, "api.example.de");
	a = ev_answer(T0 + 1000, x, "api.example.de");
	feed(p, &a, sizeof(a));
	a = ev_answer(T0 + 2000, y, "bank.example");
	feed(p, &a, sizeof(a));
	flow(p, T0 + 1 * S, x, 6701);
	flow(p, T0 + 1 * S, y, 6702);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
	cr_assert_eq(ew_capture_close(c), 0);

	q = open_pipe("mreplay");
	cr_assert_eq(ew_capture_open(cap, &r, &m, err, sizeof(err)), 0, "%s", err);
	while (ew_capture_next(r, &d, &len, err, sizeof(err)) == 1)
		ew_pipeline_feed(q, d, len);
	ew_capture_reader_close(r);
	cr_assert_eq(ew_pipeline_finish(q), 0);
	ew_pipeline_free(q);
	snprintf(sub, sizeof(sub), "%s/mlive", dir);
	ra = read_records(sub);
	snprintf(sub, sizeof(sub), "%s/mreplay", dir);
	rb = read_records(sub);
	cr_assert(strstr(ra, "\"domain\":\"api.example.de\""), "%s", ra);
	cr_assert_null(strstr(ra, "bank.example"), "%s", ra);
	cr_assert(strstr(ra, "\"dns_answers_unmatched_total\":1"), "%s", ra);
	cr_assert_str_eq(ra, rb);
	free(ra);
	free(rb);
}

/*
 * Hostile events: what a capture (or a kernel bug) can put in an event's
 * buffers. Under ASan and UBSan (build-san) a read past a buffer or an
 * overflowing time would end the test; here the records say what was kept.
 */

/* A connect and close by @tgid in cgroup @cg at @ts, one record; the
 * connect's task.comm is @comm's EW_COMM_LEN bytes (NULL: "synth"). */
static void one_flow(struct ew_pipeline *p, uint64_t ts, uint32_t tgid, uint64_t cg,
		     const char *comm)
{
	uint8_t peer[16], local[16];
	struct ew_ev_sock_addr c;
	struct ew_ev_tcp cl;

	synth_v4(peer, 198, 18, 0, 9);
	synth_v4(local, 198, 18, 0, 1);
	c = synth_connect(ts, 1234, tgid, EW_IPPROTO_TCP, peer, 443);
	c.task.cgroup_id = cg;
	if (comm)
		memcpy(c.task.comm, comm, sizeof(c.task.comm));
	feed(p, &c, sizeof(c));
	cl = synth_tcp(EW_EV_TCP_CLOSE, ts + S / 2, 1234, local, 40000, peer, 443, 12, 11, 0);
	feed(p, &cl, sizeof(cl));
}

static cJSON *only_record(const char *sub)
{
	char path[128], *text, *line;
	cJSON *r;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	text = read_records(path);
	line = strtok(text, "\n");
	cr_assert_not_null(line, "no records written");
	r = cJSON_Parse(line);
	cr_assert_not_null(r, "record is not JSON: %s", line);
	free(text);
	return r;
}

static const char *rec_str(cJSON *r, const char *obj, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, obj), key));

	cr_assert_not_null(s, "no %s.%s", obj, key);
	return s;
}

Test(pipeline, unterminated_process_strings_stay_in_their_buffers)
{
	struct ew_pipeline *p = open_pipe("h");
	struct ew_ev_exec *x = calloc(1, sizeof(*x));
	struct ew_ev_tick t0 = synth_tick(100 * S, REALTIME0 * S);
	char want[EW_PATH_LEN];
	const char *cmd;
	cJSON *r, *ew;

	cr_assert_not_null(x);
	feed(p, &t0, sizeof(t0));
	x->h.type = EW_EV_EXEC;
	x->h.size = sizeof(*x);
	x->h.ts_ns = 100 * S + 1;
	x->task.tgid = x->task.tid = 77;
	x->task.cgroup_id = 9;
	/* Not one buffer holds a NUL, and every length says "all of it". */
	memset(x->task.comm, 'C', sizeof(x->task.comm));
	memset(x->exe, 'A', sizeof(x->exe));
	x->exe_len = EW_PATH_LEN;
	memset(x->args, 'a', sizeof(x->args));
	x->args_len = EW_ARGS_LEN;
	x->flags = EW_F_ARGS_TRUNC;
	memset(x->cgroup, 'B', sizeof(x->cgroup));
	x->cgroup_len = EW_CGROUP_LEN;
	feed(p, x, sizeof(*x));
	one_flow(p, 100 * S + 2, 77, 9, "DDDDDDDDDDDDDDDD");
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);

	r = only_record("h");
	memset(want, 'D', EW_COMM_LEN - 1);
	want[EW_COMM_LEN - 1] = '\0';
	cr_assert_str_eq(rec_str(r, "process", "name"), want);
	memset(want, 'A', EW_PATH_LEN - 1);
	want[EW_PATH_LEN - 1] = '\0';
	cr_assert_str_eq(rec_str(r, "process", "executable"), want);
	cmd = rec_str(r, "process", "command_line");
	cr_assert_eq(strlen(cmd), EW_ARGS_LEN + 3, "%zu", strlen(cmd));
	cr_assert_eq(strcmp(cmd + EW_ARGS_LEN, "..."), 0);
	ew = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "egresswatch"), "process");
	memset(want, 'B', EW_CGROUP_LEN - 1);
	want[EW_CGROUP_LEN - 1] = '\0';
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ew, "cgroup")), want);
	cJSON_Delete(r);
	free(x);
}

/* The kernel reserves ring-buffer space without clearing it: a path is its
 * length, not what happens to follow it. */
Test(pipeline, bytes_past_a_length_are_not_the_path)
{
	struct ew_pipeline *p = open_pipe("l");
	struct ew_ev_cgroup cg = {.h = {.type = EW_EV_CGROUP, .size = sizeof(cg)}};
	struct ew_ev_tick t0 = synth_tick(100 * S, REALTIME0 * S);
	cJSON *r, *ew;

	feed(p, &t0, sizeof(t0));
	cg.h.ts_ns = 100 * S + 1;
	cg.cgroup_id = 10;
	memset(cg.path, 'Z', sizeof(cg.path));
	memcpy(cg.path, "/system.slice/ssh.service", 25);
	cg.path_len = 25;
	feed(p, &cg, sizeof(cg));
	one_flow(p, 100 * S + 2, 78, 10, NULL);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);

	r = only_record("l");
	ew = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "egresswatch"), "process");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ew, "cgroup")),
			 "/system.slice/ssh.service");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ew, "systemd_unit")),
			 "ssh.service");
	cJSON_Delete(r);
}

/* Times near 2^63 would overflow the signed sums that place a record in
 * wall time: refused and counted, and the flows after them are recorded. */
Test(pipeline, times_no_clock_gives_are_counted_not_used)
{
	struct ew_pipeline *p = open_pipe("t");
	struct ew_ev_tick bad = synth_tick(100 * S, UINT64_MAX - 5);
	struct ew_ev_tick t0 = synth_tick(100 * S, REALTIME0 * S);
	struct ew_ev_sock_addr c;
	uint8_t peer[16];
	cJSON *r;

	synth_v4(peer, 198, 18, 0, 9);
	c = synth_connect(INT64_MAX, 55, 79, EW_IPPROTO_TCP, peer, 443);
	cr_assert_eq(ew_pipeline_feed(p, &bad, sizeof(bad)), -EINVAL);
	cr_assert_eq(ew_pipeline_feed(p, &c, sizeof(c)), -EINVAL);
	bad = synth_tick(UINT64_MAX, REALTIME0 * S);
	cr_assert_eq(ew_pipeline_feed(p, &bad, sizeof(bad)), -EINVAL);
	feed(p, &t0, sizeof(t0));
	one_flow(p, 100 * S + 2, 79, 0, NULL);
	cr_assert_eq(metric(p, "decode_errors_total", "bad_field", NULL), 3);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);

	r = only_record("t");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "@timestamp")),
			 "2026-11-18T19:06:40.500+08:00");
	cJSON_Delete(r);
}

/* --print writes to a terminal: a process's name and path come out escaped. */
Test(pipeline, print_escapes_process_names)
{
	static const char *const argv[] = {"x", NULL};
	struct ew_pipeline_opts o = {.boot_id = "c0ffee00-1234"};
	struct ew_ev_tick t0 = synth_tick(100 * S, REALTIME0 * S);
	struct ew_ev_exec *x = calloc(1, sizeof(*x));
	struct ew_pipeline *p;
	char path[128], *out = NULL;
	size_t len = 0;
	FILE *f;

	cr_assert_not_null(x);
	f = open_memstream(&out, &len);
	cr_assert_not_null(f);
	ew_config_defaults(&cfg);
	ew_policy_defaults(&pol);
	snprintf(path, sizeof(path), "%s/print", dir);
	o.env.cfg = &cfg;
	o.env.policy = &pol;
	o.env.data_dir = path;
	o.env.hostname = "unit-host";
	o.env.geo = &no_geo;
	o.env.print = f;
	cr_assert_eq(ew_pipeline_new(&o, &p), 0);
	feed(p, &t0, sizeof(t0));
	synth_exec(x, EW_EV_EXEC, 100 * S + 1, 80, 1, "/tmp/\x1b[31mred", argv, NULL, 0);
	feed(p, x, sizeof(*x));
	one_flow(p, 100 * S + 2, 80, 0, "\x1b]0;own\x07\x1b[2J\0\0\0");
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
	cr_assert_eq(fclose(f), 0);

	cr_assert(strstr(out, " \\x1b]0;own\\x07\\x1b[2J[80] /tmp/\\x1b[31mred "), "%s", out);
	for (size_t i = 0; i < len; i++)
		cr_assert(out[i] == '\n' || (unsigned char)out[i] >= 0x20,
			  "control byte 0x%02x at %zu", (unsigned char)out[i], i);
	free(out);
	free(x);
}

/* The content engine's derived events, as events.c feeds them. */
static void feed_hits_dir(struct ew_pipeline *p, uint64_t ts, uint64_t cookie, uint8_t dir,
			  const char *cat, uint8_t cls, uint32_t matches, const uint64_t *subjects,
			  int n)
{
	struct ew_ev_content_hits h = {.h = {.type = EW_EV_CONTENT_HITS, .size = sizeof(h)}};

	h.h.ts_ns = ts;
	h.dir = dir;
	h.cookie = cookie;
	snprintf(h.category, sizeof(h.category), "%s", cat);
	h.matches = matches;
	h.via = EW_VIA_CONTENT;
	h.cls = cls;
	h.n_subjects = (uint8_t)n;
	memcpy(h.subjects, subjects, (size_t)n * 8);
	feed(p, &h, sizeof(h));
}

static void feed_hits(struct ew_pipeline *p, uint64_t ts, uint64_t cookie, const char *cat,
		      uint8_t cls, uint32_t matches, const uint64_t *subjects, int n)
{
	feed_hits_dir(p, ts, cookie, EW_DIR_OUT, cat, cls, matches, subjects, n);
}

static void feed_status_dir(struct ew_pipeline *p, uint64_t ts, uint64_t cookie, uint8_t dir,
			    uint8_t status, uint8_t reason, uint64_t bytes)
{
	struct ew_ev_content_status st = {.h = {.type = EW_EV_CONTENT_STATUS, .size = sizeof(st)}};

	st.h.ts_ns = ts;
	st.cookie = cookie;
	st.dir = dir;
	st.status = status;
	st.reason = reason;
	st.bytes = bytes;
	feed(p, &st, sizeof(st));
}

static void feed_status(struct ew_pipeline *p, uint64_t ts, uint64_t cookie, uint8_t status,
			uint8_t reason, uint64_t bytes)
{
	feed_status_dir(p, ts, cookie, EW_DIR_OUT, status, reason, bytes);
}

static cJSON *category(cJSON *r, const char *id)
{
	cJSON *c;

	cJSON_ArrayForEach(c, at(r, "egresswatch.categories")) if (!strcmp(cJSON_GetStringValue(
									       cJSON_GetObjectItem(
										   c, "id")),
									   id)) return c;
	return NULL;
}

/* Categories on the record: counts per interval and in total, people counted once. */
Test(pipeline, content_categories_on_records)
{
	struct ew_pipeline *p = open_named("content");
	uint64_t a[] = {11, 12, 13}, b[] = {12, 14};
	struct ew_ev_tick t;
	cJSON *fin, *inter = NULL, *c;
	struct recs rs;
	uint8_t peer[16];

	synth_v4(peer, 203, 0, 113, 9);
	feed_connect(p, T0, 5, EW_IPPROTO_TCP, peer, 80);
	feed_hits(p, T0 + 1, 5, "vin", EW_CLASS_PI, 3, a, 3);
	t = synth_tick(T0 + 61 * S, (REALTIME0 + 161) * S);
	feed(p, &t, sizeof(t));
	feed_hits(p, T0 + 62 * S, 5, "vin", EW_CLASS_PI, 2, b, 2);
	feed_hits(p, T0 + 62 * S, 5, "id_number", EW_CLASS_SENSITIVE_PI, 1, b, 1);
	feed_status(p, T0 + 63 * S, 5, EW_INSPECT_COMPLETE, EW_REASON_NONE, 100);
	feed_close(p, T0 + 63 * S, 5, peer, 80);
	finish_and_read(p, "content", &rs);

	/*
	 * Records: the early one at vin's first match (T0+1), the interval's at
	 * the tick, the early one at id_number's first match (T0+62, with vin's
	 * second batch in its interval), the final one.
	 */
	fin = flow_to(&rs, 80);
	for (int i = 0; i < rs.nflow && !inter; i++)
		if (!cJSON_IsTrue(at(rs.flow[i], "egresswatch.final")))
			inter = rs.flow[i];
	cr_assert_not_null(inter, "no interim record");
	expect_str(inter, "egresswatch.inspection.status", "none");
	expect_str(inter, "egresswatch.inspection.reason", "pending");
	c = category(inter, "vin");
	cr_assert_not_null(c);
	expect_num(c, "matches", 3);
	expect_num(c, "subjects", 3);
	expect_str(c, "class", "pi");
	expect_str(c, "via", "content");
	cr_assert_null(category(inter, "id_number"));
	inter = NULL;
	for (int i = 0; i < rs.nflow; i++)
		if (!cJSON_IsTrue(at(rs.flow[i], "egresswatch.final")) &&
		    category(rs.flow[i], "id_number"))
			inter = rs.flow[i];
	cr_assert_not_null(inter, "no early record at id_number's first match");
	c = category(inter, "vin");
	expect_num(c, "matches", 2);
	expect_num(c, "subjects", 1); /* 12 was named in the first interval */
	expect_num(category(inter, "id_number"), "matches", 1);

	expect_str(fin, "egresswatch.inspection.status", "complete");
	expect_absent(fin, "egresswatch.inspection.reason");
	expect_num(fin, "egresswatch.inspection.bytes", 100);
	c = category(fin, "vin");
	cr_assert_not_null(c);
	expect_num(c, "matches", 0);
	expect_num(c, "matches_total", 5);
	expect_num(c, "subjects_total", 4);
	c = category(fin, "id_number");
	cr_assert_not_null(c);
	expect_str(c, "class", "sensitive_pi");
	expect_num(c, "subjects_total", 1);
	METRIC(&rs, "early_records_total", 2);
	METRIC(&rs, "content_matches_total.vin", 5);
	METRIC(&rs, "flows_categorised_total.id_number", 1);
	METRIC(&rs, "content_status_total.complete", 1);
	METRIC(&rs, "content_bytes_inspected_total", 100);
	free_recs(&rs);
}

/* What a flow received (content.inbound) goes in categories_in and inspection_in, never in
 * categories; a flow whose received stream was not inspected has neither. */
Test(pipeline, content_inbound_apart)
{
	struct ew_pipeline *p = open_named("content-in");
	uint64_t a[] = {21, 22}, b[] = {31};
	cJSON *r, *c, *q;
	struct recs rs;
	uint8_t peer[16];

	synth_v4(peer, 203, 0, 113, 9);
	feed_connect(p, T0, 5, EW_IPPROTO_TCP, peer, 80);
	feed_connect(p, T0, 6, EW_IPPROTO_TCP, peer, 81);
	feed_hits_dir(p, T0 + 1, 5, EW_DIR_IN, "vin", EW_CLASS_PI, 4, a, 2);
	feed_hits(p, T0 + 1, 5, "mobile_number", EW_CLASS_PI, 1, b, 1);
	feed_status(p, T0 + 2, 5, EW_INSPECT_COMPLETE, EW_REASON_NONE, 60);
	feed_status_dir(p, T0 + 2, 5, EW_DIR_IN, EW_INSPECT_TRUNCATED, EW_REASON_FLOW_BYTES, 4096);
	feed_close(p, T0 + 2, 5, peer, 80);
	feed_status(p, T0 + 3, 6, EW_INSPECT_COMPLETE, EW_REASON_NONE, 10);
	feed_close(p, T0 + 3, 6, peer, 81);
	finish_and_read(p, "content-in", &rs);

	r = flow_to(&rs, 80);
	expect_str(r, "egresswatch.inspection.status", "complete");
	expect_num(r, "egresswatch.inspection.bytes", 60);
	expect_str(r, "egresswatch.inspection_in.status", "truncated");
	expect_str(r, "egresswatch.inspection_in.reason", "flow_bytes");
	expect_num(r, "egresswatch.inspection_in.bytes", 4096);
	cr_assert_null(category(r, "vin"), "received VINs are not exports");
	cr_assert_not_null(category(r, "mobile_number"));
	cr_assert_eq(cJSON_GetArraySize(at(r, "egresswatch.categories")), 1);
	q = at(r, "egresswatch.categories_in");
	cr_assert_eq(cJSON_GetArraySize(q), 1);
	c = cJSON_GetArrayItem(q, 0);
	expect_str(c, "id", "vin");
	expect_str(c, "via", "content");
	/* The early record at mobile_number's first match took the interval's 4. */
	expect_num(c, "matches_total", 4);
	expect_num(c, "subjects_total", 2);

	r = flow_to(&rs, 81);
	expect_absent(r, "egresswatch.inspection_in");
	expect_absent(r, "egresswatch.categories_in");
	METRIC(&rs, "content_status_total.complete", 2);
	METRIC(&rs, "content_in_status_total.truncated", 1);
	METRIC(&rs, "content_matches_total.mobile_number", 1);
	free_recs(&rs);
}

/* Content of a socket with no flow is counted; a bad category id is a decode error. */
Test(pipeline, content_events_unmatched_and_refused)
{
	struct ew_pipeline *p = open_named("content-bad");
	struct ew_ev_content_hits h = {.h = {.type = EW_EV_CONTENT_HITS, .size = sizeof(h)}};
	uint64_t one = 1;

	feed_hits(p, T0, 77, "vin", EW_CLASS_PI, 1, &one, 1);
	cr_assert_eq(metric(p, "content_events_unmatched_total", NULL, NULL), 1);
	h.h.ts_ns = T0;
	h.via = EW_VIA_CONTENT;
	h.cls = EW_CLASS_PI;
	memcpy(h.category, "VIN\"", 4);
	cr_assert_neq(ew_pipeline_feed(p, &h, sizeof(h)), 0);
	cr_assert_eq(metric(p, "decode_errors_total", "bad_field", NULL), 1);
	h.category[0] = 'v';
	h.category[1] = '\0';
	h.n_subjects = EW_HIT_SUBJECTS + 1;
	cr_assert_neq(ew_pipeline_feed(p, &h, sizeof(h)), 0);
	cr_assert_eq(metric(p, "decode_errors_total", "bad_field", NULL), 2);
	ew_pipeline_free(p);
}

/* A UDP flow says why it was not inspected; one past the bound of people is a lower bound. */
Test(pipeline, content_udp_and_subject_cap)
{
	struct ew_pipeline *p = open_named("content-cap");
	uint64_t s[EW_HIT_SUBJECTS];
	struct recs rs;
	uint8_t peer[16];
	cJSON *c;

	synth_v4(peer, 203, 0, 113, 10);
	feed_connect(p, T0, 6, EW_IPPROTO_TCP, peer, 81);
	for (uint64_t i = 0; i <= EW_CONTENT_SUBJECTS_MAX / EW_HIT_SUBJECTS; i++) {
		for (int k = 0; k < EW_HIT_SUBJECTS; k++)
			s[k] = 1 + i * EW_HIT_SUBJECTS + (uint64_t)k;
		feed_hits(p, T0 + 1 + i, 6, "mobile_number", EW_CLASS_PI, EW_HIT_SUBJECTS, s,
			  EW_HIT_SUBJECTS);
	}
	feed_close(p, T0 + 2 * S, 6, peer, 81);
	feed_connect(p, T0 + 3 * S, 7, EW_IPPROTO_UDP, peer, 53);
	finish_and_read(p, "content-cap", &rs);
	c = category(flow_to(&rs, 81), "mobile_number");
	cr_assert_not_null(c);
	expect_num(c, "subjects_total", EW_CONTENT_SUBJECTS_MAX);
	expect_num(c, "matches_total", EW_CONTENT_SUBJECTS_MAX + EW_HIT_SUBJECTS);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(c, "subjects_capped")));
	expect_str(flow_to(&rs, 81), "egresswatch.inspection.reason", "disabled");
	for (int i = 0; i < rs.nflow; i++)
		if (!strcmp(cJSON_GetStringValue(at(rs.flow[i], "network.transport")), "udp"))
			expect_str(rs.flow[i], "egresswatch.inspection.reason", "udp");
	METRIC(&rs, "content_subjects_capped_total", 1);
	free_recs(&rs);
}

/* The policy's labels: a workload's categories and a destination's, with the taxonomy's class. */
Test(pipeline, labels_on_records)
{
	static const char policy[] =
	    "{\"version\": 1, \"domestic_countries\": [\"CN\"],"
	    " \"workloads\": [{\"name\": \"uploader\", \"executable\": \"/usr/bin/cu*\","
	    "   \"categories\": [\"adas_model\", \"cabin_media\"]}],"
	    " \"destinations\": [{\"name\": \"maps\", \"networks\": [\"198.18.0.0/24\"],"
	    "   \"categories\": [\"hd_map\"]}]}";
	struct ew_pipeline_opts o = {.boot_id = "c0ffee00-1234"};
	struct ew_taxonomy *tax;
	struct ew_pipeline *p;
	char err[512], path[600];
	struct recs rs;
	cJSON *r, *c;

	snprintf(path, sizeof(path), "%s/deploy/taxonomy.json", getenv("EW_SOURCE_ROOT"));
	cr_assert_eq(ew_taxonomy_load(path, &tax, err, sizeof(err)), 0, "%s", err);
	ew_config_defaults(&cfg);
	cr_assert_eq(ew_policy_parse("p.json", policy, &pol, err, sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/labels", dir);
	o.env.cfg = &cfg;
	o.env.policy = &pol;
	o.env.taxonomy = tax;
	o.env.data_dir = path;
	o.env.geo = &no_geo;
	cr_assert_eq(ew_pipeline_new(&o, &p), 0);
	scenario(p); /* /usr/bin/curl to 198.18.0.2:8080 */
	finish_and_read(p, "labels", &rs);
	r = flow_to(&rs, 8080);
	c = category(r, "adas_model");
	cr_assert_not_null(c);
	expect_str(c, "via", "workload");
	expect_str(c, "class", "important_data");
	expect_num(c, "matches", 0);
	cr_assert_not_null(category(r, "cabin_media"));
	c = category(r, "hd_map");
	cr_assert_not_null(c);
	expect_str(c, "via", "destination");
	cr_assert_null(category(r, "vin"));
	free_recs(&rs);
	ew_policy_free(&pol);
	ew_taxonomy_free(tax);
}
