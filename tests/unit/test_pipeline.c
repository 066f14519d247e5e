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

#include "capture.h"
#include "pipeline.h"
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

static struct ew_pipeline *open_pipe(const char *sub)
{
	struct ew_pipeline_opts o = {.report_interval_s = 60,
				     .udp_idle_timeout_s = 30,
				     .flow_table_max = 4096,
				     .boot_id = "c0ffee00-1234",
				     .hostname = "unit-host"};
	struct ew_pipeline *p;
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	o.data_dir = path;
	cr_assert_eq(ew_pipeline_new(&o, &p), 0);
	return p;
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
	struct ew_metrics m;
	unsigned char junk[64] = {0xff, 0xff, 0x40, 0};
	char *text;

	cr_assert_eq(ew_pipeline_feed(p, junk, sizeof(junk)), -EINVAL);
	cr_assert_eq(ew_pipeline_feed(p, junk, 3), -EINVAL);
	scenario(p);
	ew_pipeline_metrics(p, &m);
	cr_assert_eq(m.decode_errors[EW_DEC_TYPE], 1);
	cr_assert_eq(m.decode_errors[EW_DEC_SHORT], 1);
	cr_assert_eq(m.events[EW_EV_CONNECT], 1);
	cr_assert_eq(m.flows.records, 1);
	cr_assert_eq(ew_metrics_lost(&m), 2);
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
