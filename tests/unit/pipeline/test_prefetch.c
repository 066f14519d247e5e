// SPDX-License-Identifier: GPL-2.0-only
/*
 * ew_pipeline_prefetch(): a hint. Fed the same events, a pipeline given
 * hints (for the events ahead, and for truncated, oversized, unknown and
 * random bytes in between) writes the same records and metrics as one
 * given none. Every buffer handed over is allocated to its exact length.
 */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "synth.h"

#define S	  1000000000ull
#define REALTIME0 1795000000ull
#define MAX_EV	  80000

static char dir[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static void setup(void)
{
	setenv("TZ", "UTC", 1);
	snprintf(dir, sizeof(dir), "/tmp/ew-test-prefetch-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	if (getenv("EW_KEEP"))
		return;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(prefetch, .init = setup, .fini = teardown);

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct evs {
	void *ev[MAX_EV];
	size_t len[MAX_EV];
	int n;
};

static void add(struct evs *s, const void *ev, size_t len)
{
	cr_assert_lt(s->n, MAX_EV);
	s->ev[s->n] = malloc(len);
	cr_assert_not_null(s->ev[s->n]);
	memcpy(s->ev[s->n], ev, len);
	s->len[s->n++] = len;
}

static struct ew_ev_udp_count udp_count(uint64_t ts, uint64_t cookie, const uint8_t peer[16],
					uint16_t port, uint64_t out, uint64_t in)
{
	struct ew_ev_udp_count u = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(u), .ts_ns = ts}};

	u.key.cookie = cookie;
	memcpy(u.key.raddr, peer, 16);
	u.key.rport = port;
	synth_v4(u.val.laddr, 10, 0, 0, 1);
	u.val.lport = 40000;
	u.val.family = EW_AF_INET;
	u.val.bytes_out = out;
	u.val.bytes_in = in;
	u.val.pkts_out = out ? 1 : 0;
	u.val.pkts_in = in ? 1 : 0;
	u.val.last_ns = ts;
	return u;
}

/*
 * Processes, then per simulated second a tick and new flows of every kind
 * that finds a flow by its key: TCP connects with counts and closes,
 * accepts with their owner, UDP sends, receives and counts to a few peers
 * per socket. More flows than the table holds, so evictions happen too.
 */
static void build(struct evs *s)
{
	static const char *const argv[] = {"synth", "-x", NULL};
	struct ew_ev_exec *x = calloc(1, sizeof(*x));
	uint8_t local[16], peer[16];
	uint64_t cookie = 1000;

	synth_v4(local, 10, 0, 0, 1);
	{
		struct ew_ev_tick t = synth_tick(10 * S, REALTIME0 * S);

		add(s, &t, sizeof(t));
	}
	for (uint32_t pid = 100; pid < 140; pid++) {
		synth_exec(x, EW_EV_EXEC, 10 * S + pid, pid, 1, "/usr/bin/synth", argv, "/", 0);
		add(s, x, sizeof(*x));
	}
	free(x);
	for (uint64_t sec = 11; sec < 70; sec++) {
		struct ew_ev_tick t = synth_tick(sec * S, (REALTIME0 + sec - 10) * S);
		uint64_t ts = sec * S;

		add(s, &t, sizeof(t));
		for (int i = 0; i < 300; i++, cookie++) {
			uint32_t pid = 100 + (uint32_t)(rnd() % 40);
			uint16_t port = (uint16_t)(1 + rnd() % 4);

			ts += 1000;
			synth_v4(peer, 198, 18, (uint8_t)(rnd() % 4), (uint8_t)(rnd() % 250));
			switch (rnd() % 4) {
			case 0: { /* outbound TCP */
				struct ew_ev_sock_addr c =
				    synth_connect(ts, cookie, pid, EW_IPPROTO_TCP, peer, 443);
				struct ew_ev_tcp n = synth_tcp(EW_EV_TCP_COUNT, ts + 1, cookie,
							       local, 40000, peer, 443, 10, 20, 0);
				struct ew_ev_tcp cl =
				    synth_tcp(EW_EV_TCP_CLOSE, ts + 2, cookie, local, 40000, peer,
					      443, 100, 200, 0);

				add(s, &c, sizeof(c));
				add(s, &n, sizeof(n));
				if (rnd() % 3)
					add(s, &cl, sizeof(cl));
				break;
			}
			case 1: { /* inbound TCP and its owner */
				struct ew_ev_tcp_accept a = {0};
				struct ew_ev_accept_owner o = {.h = {.type = EW_EV_ACCEPT_OWNER,
								     .size = sizeof(o),
								     .ts_ns = ts + 1}};
				struct ew_ev_tcp cl = synth_tcp(EW_EV_TCP_CLOSE, ts + 2, cookie,
								local, 8080, peer, 50000, 5, 7, 0);

				a.tcp = synth_tcp(EW_EV_TCP_ACCEPT, ts, cookie, local, 8080, peer,
						  50000, 0, 0, 0);
				a.tcp.h.size = sizeof(a);
				o.cookie = cookie;
				o.task.tgid = o.task.tid = pid;
				strcpy(o.task.comm, "server");
				add(s, &a, sizeof(a));
				add(s, &o, sizeof(o));
				add(s, &cl, sizeof(cl));
				break;
			}
			default: { /* UDP: a socket, a few peers */
				struct ew_ev_sock_addr u =
				    synth_connect(ts, cookie, pid, EW_IPPROTO_UDP, peer, port);
				struct ew_ev_udp_count c =
				    udp_count(ts + 1, cookie, peer, port, 64, rnd() % 2 ? 128 : 0);

				u.h.type = rnd() % 3 ? EW_EV_UDP_SEND : EW_EV_UDP_RECV;
				add(s, &u, sizeof(u));
				add(s, &c, sizeof(c));
				peer[15]++;
				c = udp_count(ts + 2, cookie, peer, port, 0, 99);
				add(s, &c, sizeof(c));
				break;
			}
			}
		}
	}
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
	cfg.report_interval = 5;
	cfg.udp_idle_timeout = 3;
	cfg.flow_table_max = 1024; /* fewer than the stream's flows: some are evicted */
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

/* Hand @len bytes to the hint in a buffer of exactly that size. */
static void hint_bytes(struct ew_pipeline *p, const void *d, size_t len)
{
	void *b = malloc(len ? len : 1);

	cr_assert_not_null(b);
	memcpy(b, d, len);
	ew_pipeline_prefetch(p, b, len);
	free(b);
}

/* Every way an event can be wrong, made of @ev (@len bytes). */
static void hint_garbage(struct ew_pipeline *p, const uint8_t *ev, size_t len)
{
	static const uint16_t flow_types[] = {
	    EW_EV_CONNECT,   EW_EV_UDP_SEND,  EW_EV_UDP_RECV,	  EW_EV_TCP_ACCEPT,
	    EW_EV_TCP_CLOSE, EW_EV_TCP_COUNT, EW_EV_ACCEPT_OWNER, EW_EV_UDP_COUNT,
	};
	uint8_t buf[2048];
	struct ew_event_hdr h;
	size_t n;

	/* Truncated anywhere, the header itself too. */
	hint_bytes(p, ev, rnd() % len);
	ew_pipeline_prefetch(p, NULL, 0);
	/* Claims more than it has. */
	memcpy(buf, ev, len);
	memcpy(&h, buf, sizeof(h));
	h.size = (uint16_t)(len + 1 + rnd() % 4000);
	memcpy(buf, &h, sizeof(h));
	hint_bytes(p, buf, len);
	/* Says it is shorter than its fields. */
	h.size = (uint16_t)(rnd() % 40);
	memcpy(buf, &h, sizeof(h));
	hint_bytes(p, buf, len);
	/* Longer than any event, size field and all. */
	n = len + rnd() % (sizeof(buf) - len);
	for (size_t i = len; i < n; i++)
		buf[i] = (uint8_t)rnd();
	memcpy(&h, ev, sizeof(h));
	h.size = (uint16_t)n;
	memcpy(buf, &h, sizeof(h));
	hint_bytes(p, buf, n);
	/* Unknown types, and the raw ones never fed. */
	h.type = (uint16_t)(EW_EV_TYPE_MAX + rnd() % 1000);
	memcpy(buf, &h, sizeof(h));
	hint_bytes(p, buf, len);
	h.type = EW_EV_TCP_PAYLOAD;
	memcpy(buf, &h, sizeof(h));
	hint_bytes(p, buf, len);
	/* Random bytes, as any type, any size. */
	n = rnd() % 600;
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)rnd();
	hint_bytes(p, buf, n);
	if (n >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		h.type = flow_types[rnd() % (sizeof(flow_types) / sizeof(flow_types[0]))];
		memcpy(buf, &h, sizeof(h));
		hint_bytes(p, buf, n);
	}
}

static char *slurp(const char *cmd)
{
	char *buf = calloc(1, 32 << 20);
	size_t n;
	FILE *f = popen(cmd, "r");

	cr_assert_not_null(buf);
	cr_assert_not_null(f);
	n = fread(buf, 1, (32 << 20) - 1, f);
	pclose(f);
	cr_assert_lt(n, (32 << 20) - 1, "output too long for the test's buffer");
	buf[n] = '\0';
	return buf;
}

/*
 * The records (decompressed, in file order) and the metrics file of run
 * @sub (its values: not the comments, whose padding follows their
 * length); but the writer queue's size, which follows the writer thread's
 * timing, not the events.
 */
static char *output(const char *sub)
{
	char cmd[512];

	snprintf(
	    cmd, sizeof(cmd),
	    "cd %s/%s && find records -type f -name '*.jsonl*' | sort | while read f; do "
	    "echo \"== $f\"; case $f in *.gz) zcat $f;; *) cat $f;; esac; done; "
	    "echo '== metrics.prom'; grep -v -e '^egresswatch_records_queue_' -e '^#' metrics.prom",
	    dir, sub);
	return slurp(cmd);
}

static uint64_t metric(struct ew_pipeline *p, const char *name, const char *k1)
{
	struct ew_metrics *m = ew_pipeline_metrics(p);
	uint64_t v = ew_metrics_get(m, name, k1, NULL);

	ew_metrics_free(m);
	return v;
}

static void run(const struct evs *s, const char *sub, int mode)
{
	struct ew_pipeline *p = open_pipe(sub);

	for (int i = 0; i < s->n; i++) {
		if (mode && i + 2 < s->n)
			ew_pipeline_prefetch(p, s->ev[i + 2], s->len[i + 2]);
		if (mode == 2) {
			hint_garbage(p, s->ev[i], s->len[i]);
			if (i + 1 < s->n)
				ew_pipeline_prefetch(p, s->ev[i + 1], s->len[i + 1]);
		}
		cr_assert_eq(ew_pipeline_feed(p, s->ev[i], s->len[i]), 0, "event %d", i);
	}
	cr_assert_eq(metric(p, "decode_errors_total", "short"), 0);
	cr_assert_eq(metric(p, "decode_errors_total", "unknown_type"), 0);
	cr_assert_gt(metric(p, "flows_evicted_total", NULL), 0, "the table overflowed");
	cr_assert_gt(metric(p, "udp_counter_resets_total", NULL) +
			 metric(p, "flows_created_total", NULL),
		     1000);
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
}

Test(prefetch, hints_change_no_record_or_metric)
{
	struct evs *s = calloc(1, sizeof(*s));
	char *plain, *ahead, *junk;

	cr_assert_not_null(s);
	build(s);
	run(s, "plain", 0);
	run(s, "ahead", 1);
	run(s, "junk", 2);
	plain = output("plain");
	ahead = output("ahead");
	junk = output("junk");
	cr_assert_gt(strlen(plain), 100000, "the runs wrote records");
	cr_assert(strstr(plain, "\"evicted\""), "a record of an evicted flow");
	/* Not cr_assert_str_eq(): a message of megabytes stalls the runner. */
	cr_assert(!strcmp(plain, ahead), "hints ahead changed the output (%s/ahead)", dir);
	cr_assert(!strcmp(plain, junk), "hints of garbage changed the output (%s/junk)", dir);
	free(plain);
	free(ahead);
	free(junk);
	for (int i = 0; i < s->n; i++)
		free(s->ev[i]);
	free(s);
}

Test(prefetch, garbage_alone_is_harmless)
{
	struct ew_pipeline *p = open_pipe("g");
	uint8_t buf[700];

	for (int i = 0; i < 200000; i++) {
		size_t n = rnd() % sizeof(buf);

		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rnd();
		if (n >= 4 && i % 2) {
			/* A socket event's type, a size within the data: a key out of noise. */
			uint16_t t = i % 4 == 1 ? EW_EV_UDP_COUNT : EW_EV_CONNECT;
			uint16_t sz = (uint16_t)n;

			memcpy(buf, &t, 2);
			memcpy(buf + 2, &sz, 2);
		}
		hint_bytes(p, buf, n);
	}
	cr_assert_eq(metric(p, "flows_created_total", NULL), 0);
	cr_assert_eq(metric(p, "flows_open", NULL), 0);
	cr_assert_eq(metric(p, "decode_errors_total", "short"), 0, "hints are not decodes");
	cr_assert_eq(ew_pipeline_finish(p), 0);
	ew_pipeline_free(p);
}
