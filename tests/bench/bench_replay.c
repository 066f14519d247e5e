// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_replay - userspace pipeline throughput on one core.
 *
 * Builds a synthetic, time-ordered event stream in memory (exec events for a
 * few hundred processes, then per flow a CONNECT and a TCP_CLOSE, or a
 * UDP_SEND and some UDP_COUNTs, a few long TCP flows with TCP_COUNTs, and a
 * TICK every simulated second), feeds it through ew_pipeline_feed() into a
 * pipeline whose data_dir is on tmpfs (/dev/shm), and prints events/s,
 * records/s and ns/event, by wall clock and by the process's CPU time.
 *
 *   bench_replay [-n EVENTS] [-r EVENTS_PER_SIM_SECOND] [-p PROCS] [-c CPU]
 *                [-d DIR] [-k] [-g] [-N] [-w CAPTURE_FILE] [--open-flows N]
 *                [--feed-only] [--prefetch N]
 *
 * -g geolocates every record (the default libloc database); -N adds the
 * names stage's events: a DNS answer before half the flows, a TLS SNI after
 * each connect to port 443 and an HTTP Host after each to port 80. With -N
 * the same -n holds fewer flows: compare records/s, not events/s.
 *
 * -w writes the stream as a capture file (for timing `egresswatch replay`)
 * and exits. --open-flows N feeds N TCP connects that never close and
 * prints the process's VmRSS/VmHWM with them all open. --feed-only skips
 * finish (the flush of open flows and gzip, seconds of zlib) so a profile
 * of the whole process is mostly the feed phase. --prefetch N hands each
 * event to ew_pipeline_prefetch() N events before it is fed (default 2, as
 * a caller with a run of events would; 0: never).
 * The last line printed starts with "RESULT ".
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/capture.h"
#include "ew.h"
#include "geo/geo.h"
#include "pin.h"
#include "pipeline/pipeline.h"
#include "synth.h"

#define NS	   1000000000ull
#define BOOT_BASE  (1000 * NS)		  /* simulated boottime of the first event */
#define REAL_BASE  1717200000000000000ull /* 2024-06-01T00:00:00Z */
#define MAX_CG	   24
#define N_DEST	   4096
#define LONG_EVERY 100 /* one TCP flow in this many is long-lived */

struct opts {
	uint64_t n_events;
	uint64_t per_sec;
	uint32_t procs;
	int cpu;
	const char *dir_base;
	const char *capture;
	uint64_t open_flows;
	bool keep;
	bool geo;	/* -g: geolocate every record with the default libloc database */
	bool names;	/* -N: DNS answers before half the flows, SNI/Host after TCP connects */
	bool feed_only; /* --feed-only: no finish, for profiling the feed phase */
	int ahead;	/* --prefetch N: ew_pipeline_prefetch() N events ahead, 0 never */
};

/* ---- where generated events go ---- */

typedef void (*sink_fn)(void *ctx, const void *ev, size_t len);

struct stream {
	uint8_t *buf;
	size_t len, cap;
	uint64_t n;
};

static void stream_add(void *ctx, const void *ev, size_t len)
{
	struct stream *s = ctx;
	size_t need = (8 + len + 7) & ~(size_t)7;

	if (s->len + need > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64u << 20;

		while (cap < s->len + need)
			cap *= 2;
		s->buf = realloc(s->buf, cap);
		if (!s->buf) {
			perror("bench_replay: realloc");
			exit(1);
		}
		s->cap = cap;
	}
	/* A frame: the length in an 8-byte slot, then the event, padded to 8. */
	*(uint32_t *)(s->buf + s->len) = (uint32_t)len;
	memcpy(s->buf + s->len + 8, ev, len);
	s->len += need;
	s->n++;
}

/* A frame's bytes in the stream, its length slot included. */
static size_t frame_bytes(const uint8_t *frame)
{
	return (8 + *(const uint32_t *)frame + 7) & ~(size_t)7;
}

/* ---- a deterministic generator ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

enum fkind { F_TCP, F_TCP_LONG, F_UDP };

struct gflow {
	uint64_t cookie;
	uint32_t tgid;
	uint16_t dest;
	uint16_t lport;
	uint8_t kind;
	uint8_t counts_left; /* UDP counts or long-TCP sweeps still to come */
	uint64_t out, in;    /* cumulative bytes so far */
};

/* A pending event for a flow, due in some simulated second. */
struct due {
	uint32_t flow;
	uint8_t what; /* EW_EV_TCP_CLOSE, EW_EV_UDP_COUNT, EW_EV_TCP_COUNT */
};

struct bucket {
	struct due *d;
	uint32_t n, cap;
};

struct gen {
	const struct opts *o;
	sink_fn sink;
	void *ctx;
	uint64_t emitted;
	uint64_t limit;
	uint64_t sec;  /* current simulated second, from 0 */
	uint64_t ts;   /* boottime of the last event */
	uint64_t step; /* ns between events within a second */
	struct gflow *flows;
	uint64_t nflows, flows_cap;
	struct bucket *buckets;
	uint64_t nbuckets;
	uint8_t dest_addr[N_DEST][16];
	uint16_t dest_port[N_DEST];
	uint32_t *tgids;
	uint64_t *tgid_cg;
	uint8_t local[16];
	uint64_t next_cookie;
};

static void emit(struct gen *g, const void *ev, size_t len)
{
	g->sink(g->ctx, ev, len);
	g->emitted++;
}

static uint64_t next_ts(struct gen *g)
{
	uint64_t ts = g->ts + g->step;
	uint64_t end = BOOT_BASE + (g->sec + 1) * NS - 1;

	g->ts = ts < end ? ts : end;
	return g->ts;
}

static void schedule(struct gen *g, uint64_t sec, uint32_t flow, uint8_t what)
{
	struct bucket *b;

	if (sec >= g->nbuckets) {
		uint64_t n = g->nbuckets ? g->nbuckets : 256;

		while (n <= sec)
			n *= 2;
		g->buckets = realloc(g->buckets, n * sizeof(*g->buckets));
		memset(g->buckets + g->nbuckets, 0, (n - g->nbuckets) * sizeof(*g->buckets));
		g->nbuckets = n;
	}
	b = &g->buckets[sec];
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->d = realloc(b->d, b->cap * sizeof(*b->d));
	}
	b->d[b->n++] = (struct due){.flow = flow, .what = what};
}

static void task_of(struct gen *g, struct ew_task *t, uint32_t tgid)
{
	t->tgid = t->tid = tgid;
	t->uid = tgid % 7 ? 0 : 1000;
	t->gid = t->uid;
	t->cgroup_id = g->tgid_cg[tgid - 1000];
	snprintf(t->comm, sizeof(t->comm), "svc%u", tgid - 1000);
}

static void gen_setup(struct gen *g)
{
	static const uint16_t ports[] = {443, 443, 443, 443, 80, 8080, 53, 123, 5432, 6379};
	static struct ew_ev_exec ex;
	struct ew_ev_tick t;
	char exe[64], arg1[32], cg[96];
	const char *argv[4];

	synth_v4(g->local, 10, 0, 0, 5);
	for (int i = 0; i < N_DEST; i++) {
		if (i % 8 == 7) { /* some IPv6 peers */
			memset(g->dest_addr[i], 0, 16);
			g->dest_addr[i][0] = 0x20;
			g->dest_addr[i][1] = 0x01;
			g->dest_addr[i][2] = 0x0d;
			g->dest_addr[i][3] = 0xb8;
			g->dest_addr[i][14] = (uint8_t)(i >> 8);
			g->dest_addr[i][15] = (uint8_t)i;
		} else {
			synth_v4(g->dest_addr[i], (uint8_t)(20 + i % 180), (uint8_t)(i >> 4),
				 (uint8_t)(i * 7), (uint8_t)(1 + i % 250));
		}
		g->dest_port[i] = ports[i % (sizeof(ports) / sizeof(ports[0]))];
	}
	g->tgids = calloc(g->o->procs, sizeof(*g->tgids));
	g->tgid_cg = calloc(g->o->procs, sizeof(*g->tgid_cg));
	g->step = NS / (g->o->per_sec + 1);
	g->next_cookie = 1ull << 32;
	g->ts = BOOT_BASE;

	t = synth_tick(g->ts, REAL_BASE);
	emit(g, &t, sizeof(t));
	for (int i = 0; i < MAX_CG; i++) {
		struct ew_ev_cgroup c = {.h = {.type = EW_EV_CGROUP, .size = sizeof(c)}};

		c.h.ts_ns = g->ts;
		c.cgroup_id = 5000 + (uint64_t)i;
		c.path_len =
		    (uint16_t)snprintf(c.path, sizeof(c.path), "/system.slice/bench-%d.service", i);
		emit(g, &c, sizeof(c));
	}
	for (uint32_t i = 0; i < g->o->procs; i++) {
		uint32_t tgid = 1000 + i;

		g->tgids[i] = tgid;
		g->tgid_cg[i] = 5000 + i % MAX_CG;
		snprintf(exe, sizeof(exe), "/usr/lib/bench/svc%u", i);
		snprintf(arg1, sizeof(arg1), "--worker=%u", i);
		snprintf(cg, sizeof(cg), "/system.slice/bench-%u.service", i % MAX_CG);
		argv[0] = exe + 15;
		argv[1] = arg1;
		argv[2] = "--config=/etc/bench/svc.conf";
		argv[3] = NULL;
		synth_exec(&ex, EW_EV_EXEC, g->ts, tgid, 1, exe, argv, cg, g->tgid_cg[i]);
		ex.task.uid = ex.task.gid = i % 7 ? 0 : 1000;
		emit(g, &ex, sizeof(ex));
	}
}

static uint32_t new_flow(struct gen *g, enum fkind kind)
{
	/* Flows that never close are not looked at again: one slot for all of
	 * them, so the generator's memory does not count as the pipeline's. */
	uint64_t id = g->o->open_flows ? 0 : g->nflows;
	struct gflow *f;

	if (id == g->flows_cap) {
		g->flows_cap = g->flows_cap ? g->flows_cap * 2 : 1 << 16;
		g->flows = realloc(g->flows, g->flows_cap * sizeof(*g->flows));
	}
	f = &g->flows[id];
	memset(f, 0, sizeof(*f));
	f->cookie = g->next_cookie++;
	f->tgid = g->tgids[rnd_below(g->o->procs)];
	f->dest = (uint16_t)(rnd() % N_DEST);
	f->lport = (uint16_t)(32768 + g->nflows % 28000);
	f->kind = (uint8_t)kind;
	g->nflows++;
	return (uint32_t)id;
}

static void dest_name(const struct gen *g, const struct gflow *f, char *out, size_t len)
{
	snprintf(out, len, "h%u.svc%u.example.com", f->dest, f->dest % 50);
	(void)g;
}

/* As the names stage would feed them: parsed already, never raw bytes. */
static void emit_dns_answer(struct gen *g, const struct gflow *f)
{
	struct ew_ev_dns_answer a = {.h = {.type = EW_EV_DNS_ANSWER, .size = sizeof(a)}};

	a.h.ts_ns = next_ts(g);
	memcpy(a.addr, g->dest_addr[f->dest], 16);
	a.ttl = 300;
	a.result = EW_PARSE_OK;
	dest_name(g, f, a.name, sizeof(a.name));
	a.name_len = (uint16_t)strlen(a.name);
	emit(g, &a, sizeof(a));
}

static void emit_peer_name(struct gen *g, const struct gflow *f)
{
	struct ew_ev_peer_name n = {.h = {.type = EW_EV_PEER_NAME, .size = sizeof(n)}};
	uint16_t port = g->dest_port[f->dest];

	if (port != 443 && port != 80)
		return;
	n.h.ts_ns = next_ts(g);
	n.cookie = f->cookie;
	n.source = port == 443 ? EW_NAME_SNI : EW_NAME_HTTP_HOST;
	n.result = EW_PARSE_OK;
	dest_name(g, f, n.name, sizeof(n.name));
	n.name_len = (uint16_t)strlen(n.name);
	emit(g, &n, sizeof(n));
}

static void emit_sock(struct gen *g, uint16_t type, const struct gflow *f, uint8_t proto)
{
	struct ew_ev_sock_addr e = synth_connect(next_ts(g), f->cookie, f->tgid, proto,
						 g->dest_addr[f->dest], g->dest_port[f->dest]);

	e.h.type = type;
	task_of(g, &e.task, f->tgid);
	emit(g, &e, sizeof(e));
}

static void emit_tcp(struct gen *g, uint16_t type, struct gflow *f)
{
	struct ew_ev_tcp e;
	uint8_t flags = 0;

	f->out += 200 + rnd_below(64 * 1024);
	f->in += 500 + rnd_below(512 * 1024);
	if (type == EW_EV_TCP_CLOSE)
		flags = EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED;
	/* Sequence space: SYN counts one, each FIN one. */
	e = synth_tcp(type, next_ts(g), f->cookie, g->local, f->lport, g->dest_addr[f->dest],
		      g->dest_port[f->dest], f->out + 1 + (flags ? 1 : 0),
		      f->in + 1 + (flags ? 1 : 0), flags);
	if (e.family == EW_AF_INET6)
		memset(e.laddr, 0, 16), e.laddr[0] = 0xfd, e.laddr[15] = 5;
	if (type != EW_EV_TCP_CLOSE)
		e.oldstate = e.newstate = 1; /* ESTABLISHED */
	emit(g, &e, sizeof(e));
}

static void emit_udp_count(struct gen *g, struct gflow *f)
{
	struct ew_ev_udp_count e = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(e)}};
	const uint8_t *ra = g->dest_addr[f->dest];

	f->out += 40 + rnd_below(1200);
	f->in += rnd_below(4) ? 40 + rnd_below(1200) : 0;
	e.h.ts_ns = next_ts(g);
	e.key.cookie = f->cookie;
	memcpy(e.key.raddr, ra, 16);
	e.key.rport = g->dest_port[f->dest];
	memcpy(e.val.laddr, g->local, 16);
	e.val.lport = f->lport;
	e.val.family = ra[10] == 0xff ? EW_AF_INET : EW_AF_INET6;
	e.val.bytes_out = f->out;
	e.val.bytes_in = f->in;
	e.val.pkts_out = f->out / 500 + 1;
	e.val.pkts_in = f->in / 500;
	e.val.last_ns = e.h.ts_ns;
	emit(g, &e, sizeof(e));
}

static bool full(const struct gen *g)
{
	return g->emitted >= g->limit;
}

static void start_flow(struct gen *g, bool never_close)
{
	uint32_t r = rnd_below(100), id;
	struct gflow *f;

	if (never_close || r < 75) {
		bool lng = !never_close && rnd_below(LONG_EVERY) == 0;

		id = new_flow(g, lng ? F_TCP_LONG : F_TCP);
		f = &g->flows[id];
		if (g->o->names && rnd_below(2))
			emit_dns_answer(g, f);
		emit_sock(g, EW_EV_CONNECT, f, EW_IPPROTO_TCP);
		if (g->o->names)
			emit_peer_name(g, f);
		if (never_close)
			return;
		if (lng) {
			/* 90..210 s, a counter sweep every 30 s (report_interval/2). */
			f->counts_left = (uint8_t)(3 + rnd_below(5));
			schedule(g, g->sec + 30, id, EW_EV_TCP_COUNT);
		} else {
			schedule(g, g->sec + 1 + rnd_below(3), id, EW_EV_TCP_CLOSE);
		}
		return;
	}
	id = new_flow(g, F_UDP);
	f = &g->flows[id];
	if (g->o->names && rnd_below(2))
		emit_dns_answer(g, f);
	emit_sock(g, EW_EV_UDP_SEND, f, EW_IPPROTO_UDP);
	f->counts_left = (uint8_t)(1 + rnd_below(3)); /* polled once a second while active */
	schedule(g, g->sec + 1, id, EW_EV_UDP_COUNT);
}

static void run_due(struct gen *g, struct due d)
{
	struct gflow *f = &g->flows[d.flow];

	switch (d.what) {
	case EW_EV_TCP_CLOSE:
		emit_tcp(g, EW_EV_TCP_CLOSE, f);
		break;
	case EW_EV_TCP_COUNT:
		emit_tcp(g, EW_EV_TCP_COUNT, f);
		if (--f->counts_left)
			schedule(g, g->sec + 30, d.flow, EW_EV_TCP_COUNT);
		else
			schedule(g, g->sec + 1 + rnd_below(20), d.flow, EW_EV_TCP_CLOSE);
		break;
	case EW_EV_UDP_COUNT:
		emit_udp_count(g, f);
		if (--f->counts_left)
			schedule(g, g->sec + 1, d.flow, EW_EV_UDP_COUNT);
		break;
	}
}

/* Average events per flow of the mix, to size new flows per second. */
#define EVENTS_PER_FLOW 2.3

static void generate(struct gen *g)
{
	double new_per_sec = (double)g->o->per_sec / EVENTS_PER_FLOW, acc = 0;
	uint64_t started = 0;

	gen_setup(g);
	while (!full(g)) {
		struct ew_ev_tick t;
		uint64_t n_new;

		if (g->o->open_flows) {
			n_new = g->o->per_sec;
			if (n_new > g->o->open_flows - started)
				n_new = g->o->open_flows - started;
		} else {
			acc += new_per_sec;
			n_new = (uint64_t)acc;
			acc -= (double)n_new;
		}
		/* Due events and new flows interleaved through the second. */
		if (g->sec < g->nbuckets) {
			/* schedule() may move g->buckets: index it afresh each time. */
			uint64_t i = 0, made = 0, nd = g->buckets[g->sec].n;

			while ((i < nd || made < n_new) && !full(g)) {
				if (i < nd && (made >= n_new || (i + made) % 2 == 0)) {
					run_due(g, g->buckets[g->sec].d[i++]);
				} else {
					start_flow(g, g->o->open_flows != 0);
					made++;
				}
			}
			started += made;
			free(g->buckets[g->sec].d);
			g->buckets[g->sec] = (struct bucket){0};
		} else {
			for (uint64_t i = 0; i < n_new && !full(g); i++, started++)
				start_flow(g, g->o->open_flows != 0);
		}
		if (full(g))
			break;
		g->sec++;
		g->ts = BOOT_BASE + g->sec * NS;
		t = synth_tick(g->ts, REAL_BASE + g->sec * NS);
		emit(g, &t, sizeof(t));
		if (g->o->open_flows && started >= g->o->open_flows)
			break;
	}
}

static void gen_free(struct gen *g)
{
	for (uint64_t i = 0; i < g->nbuckets; i++)
		free(g->buckets[i].d);
	free(g->buckets);
	free(g->flows);
	free(g->tgids);
	free(g->tgid_cg);
}

/* ---- measurement ---- */

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long status_kib(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void usage(void)
{
	fputs("Usage: bench_replay [-n EVENTS] [-r EVENTS_PER_SIM_S] [-p PROCS] [-c CPU]\n"
	      "                    [-d DIR] [-k] [-g] [-N] [-w CAPTURE] [--open-flows N]\n"
	      "  -n  events to generate (default 1000000)\n"
	      "  -r  events per simulated second (default 10000)\n"
	      "  -p  processes (default 300)\n"
	      "  -c  CPU to pin to (default: the highest allowed one)\n"
	      "  -d  where to make the data dir (default /dev/shm, tmpfs)\n"
	      "  -g  geolocate every record (default libloc database)\n"
	      "  -N  names: DNS answers, TLS SNI and HTTP Host events (compare records/s)\n"
	      "  -k  keep the data dir\n"
	      "  -w  write the stream as a capture file and exit (time `egresswatch replay`)\n"
	      "  --open-flows N  feed N TCP connects that never close; print RSS\n"
	      "  --feed-only     skip finish (flush and gzip): profile the feed phase\n"
	      "  --prefetch N    prefetch hints N events ahead (default 2; 0: none)\n",
	      stderr);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
	    {"open-flows", required_argument, NULL, 'o'},
	    {"feed-only", no_argument, NULL, 'F'},
	    {"prefetch", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	*o = (struct opts){.n_events = 1000000,
			   .per_sec = 10000,
			   .procs = 300,
			   .cpu = -1,
			   .dir_base = "/dev/shm",
			   .ahead = 2};
	while ((c = getopt_long(argc, argv, "n:r:p:c:d:kgNw:h", longs, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->n_events = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			o->per_sec = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			o->procs = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			o->cpu = atoi(optarg);
			break;
		case 'd':
			o->dir_base = optarg;
			break;
		case 'g':
			o->geo = true;
			break;
		case 'N':
			o->names = true;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'w':
			o->capture = optarg;
			break;
		case 'o':
			o->open_flows = strtoull(optarg, NULL, 0);
			break;
		case 'F':
			o->feed_only = true;
			break;
		case 'P':
			o->ahead = atoi(optarg);
			break;
		default:
			usage();
			return c == 'h' ? 0 : 2;
		}
	}
	if (!o->n_events || !o->per_sec || !o->procs || o->procs > 60000 || o->ahead < 0 ||
	    o->ahead > 8 || optind != argc) {
		usage();
		return 2;
	}
	return -1;
}

static int open_pipeline(const struct opts *o, char *dir, size_t dirlen, struct ew_pipeline **p)
{
	static struct ew_config cfg;
	static struct ew_policy pol;
	static struct ew_geo *geo;
	struct ew_pipeline_opts po = {0};
	int rc;

	snprintf(dir, dirlen, "%s/ew-bench-XXXXXX", o->dir_base);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_replay: mkdtemp %s: %s\n", dir, strerror(errno));
		return -1;
	}
	ew_config_defaults(&cfg);
	ew_policy_defaults(&pol);
	po.env.cfg = &cfg;
	po.env.policy = &pol;
	po.env.data_dir = dir;
	po.env.hostname = "bench";
	po.env.geo = &geo;
	po.boot_id = "0f0e0d0c-0b0a-0908-0706-050403020100";
	if (o->geo) {
		char err[512];

		if (ew_geo_open(NULL, 0, &geo, err, sizeof(err))) {
			fprintf(stderr, "bench_replay: %s\n", err);
			return -EINVAL;
		}
	}
	rc = ew_pipeline_new(&po, p);
	if (rc) {
		fprintf(stderr, "bench_replay: ew_pipeline_new: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static void cleanup_dir(const struct opts *o, const char *dir)
{
	if (o->keep)
		fprintf(stderr, "bench_replay: data dir kept: %s\n", dir);
	else
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void feed_direct(void *ctx, const void *ev, size_t len)
{
	ew_pipeline_feed(ctx, ev, len);
}

static void capture_add(void *ctx, const void *ev, size_t len)
{
	if (ew_capture_write(ctx, ev, len)) {
		fprintf(stderr, "bench_replay: capture write failed\n");
		exit(1);
	}
}

static int write_capture(const struct opts *o)
{
	struct ew_capture_meta meta = {.boot_id = "0f0e0d0c-0b0a-0908-0706-050403020100",
				       .hostname = "bench"};
	struct ew_capture *c;
	struct gen g = {.o = o, .sink = capture_add, .limit = o->n_events};
	int rc = ew_capture_create(o->capture, &meta, &c);

	if (rc) {
		fprintf(stderr, "bench_replay: %s: %s\n", o->capture, strerror(-rc));
		return 1;
	}
	g.ctx = c;
	generate(&g);
	rc = ew_capture_close(c);
	if (rc) {
		fprintf(stderr, "bench_replay: %s: %s\n", o->capture, strerror(-rc));
		return 1;
	}
	printf("RESULT capture=%s events=%llu flows=%llu sim_seconds=%llu\n", o->capture,
	       (unsigned long long)g.emitted, (unsigned long long)g.nflows,
	       (unsigned long long)g.sec);
	gen_free(&g);
	return 0;
}

static int open_flows_mode(const struct opts *o, int cpu)
{
	struct gen g = {.o = o, .sink = feed_direct, .limit = UINT64_MAX};
	struct ew_pipeline *p;
	struct ew_metrics *m;
	uint64_t open;
	char dir[4096];
	long rss0, rss, hwm;
	double t0, t1;

	rss0 = status_kib("VmRSS");
	if (open_pipeline(o, dir, sizeof(dir), &p))
		return 1;
	g.ctx = p;
	t0 = now_s(CLOCK_MONOTONIC);
	generate(&g);
	t1 = now_s(CLOCK_MONOTONIC);
	m = ew_pipeline_metrics(p);
	open = ew_metrics_get(m, "flows_open", NULL, NULL);
	ew_metrics_free(m);
	rss = status_kib("VmRSS");
	hwm = status_kib("VmHWM");
	printf("open flows:      %llu (%llu events fed in %.2f s)\n", (unsigned long long)open,
	       (unsigned long long)g.emitted, t1 - t0);
	printf("VmRSS:           %.1f MiB (%.1f MiB before the pipeline existed)\n", rss / 1024.0,
	       rss0 / 1024.0);
	printf("VmHWM:           %.1f MiB\n", hwm / 1024.0);
	printf("per open flow:   %.0f bytes of RSS growth\n",
	       open ? (double)(rss - rss0) * 1024.0 / (double)open : 0.0);
	ew_pipeline_finish(p);
	ew_pipeline_free(p);
	cleanup_dir(o, dir);
	printf("RESULT mode=replay open_flows=%llu rss_mib=%.1f hwm_mib=%.1f base_rss_mib=%.1f "
	       "bytes_per_flow=%.0f cpu=%d\n",
	       (unsigned long long)open, rss / 1024.0, hwm / 1024.0, rss0 / 1024.0,
	       open ? (double)(rss - rss0) * 1024.0 / (double)open : 0.0, cpu);
	gen_free(&g);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct stream s = {0};
	struct gen g = {0};
	struct ew_pipeline *p;
	struct ew_metrics *m;
	uint64_t written, created;
	char dir[4096];
	double w0, w1, w2, c0, c1, c2, feed_wall, feed_cpu;
	size_t ahead = 0;
	uint64_t fed = 0, bad = 0, records, types[EW_EV_TYPE_MAX] = {0};
	int rc, cpu;

	rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	cpu = bench_pin_cpu(o.cpu, "bench_replay");
	if (o.capture)
		return write_capture(&o);
	if (o.open_flows)
		return open_flows_mode(&o, cpu);

	g = (struct gen){.o = &o, .sink = stream_add, .ctx = &s, .limit = o.n_events};
	w0 = now_s(CLOCK_MONOTONIC);
	generate(&g);
	w1 = now_s(CLOCK_MONOTONIC);
	fprintf(stderr,
		"generated %llu events (%.1f MiB, %llu flows, %llu simulated s) in %.2f s\n",
		(unsigned long long)s.n, s.len / 1048576.0, (unsigned long long)g.nflows,
		(unsigned long long)g.sec, w1 - w0);
	gen_free(&g);

	if (open_pipeline(&o, dir, sizeof(dir), &p))
		return 1;
	/* Touch the stream once so page faults of the buffer are not measured. */
	for (size_t off = 0; off < s.len; off += 4096)
		((volatile uint8_t *)s.buf)[off];

	/* ahead: the frame o.ahead frames on, the next one handed to the prefetch */
	for (int i = 0; i < o.ahead && ahead < s.len; i++)
		ahead += frame_bytes(s.buf + ahead);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	w0 = now_s(CLOCK_MONOTONIC);
	for (size_t off = 0; off < s.len;) {
		uint32_t len = *(uint32_t *)(s.buf + off);

		if (o.ahead && ahead < s.len) {
			ew_pipeline_prefetch(p, s.buf + ahead + 8, *(uint32_t *)(s.buf + ahead));
			ahead += frame_bytes(s.buf + ahead);
		}
		if (ew_pipeline_feed(p, s.buf + off + 8, len))
			bad++;
		fed++;
		off += (8 + len + 7) & ~(size_t)7;
	}
	c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	w1 = now_s(CLOCK_MONOTONIC);
	m = ew_pipeline_metrics(p);
	records = ew_metrics_get(m, "records_written_total", NULL, NULL);
	ew_metrics_free(m);
	rc = o.feed_only ? 0 : ew_pipeline_finish(p);
	c2 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	w2 = now_s(CLOCK_MONOTONIC);
	m = ew_pipeline_metrics(p);
	for (unsigned int t = 0; t < EW_EV_TYPE_MAX; t++)
		if (ew_event_desc(t))
			types[t] = ew_metrics_get(m, "events_total", ew_event_desc(t)->label, NULL);
	written = ew_metrics_get(m, "records_written_total", NULL, NULL);
	created = ew_metrics_get(m, "flows_created_total", NULL, NULL);
	ew_metrics_free(m);
	ew_pipeline_free(p);
	cleanup_dir(&o, dir);
	free(s.buf);

	feed_wall = w1 - w0;
	feed_cpu = c1 - c0;
	printf("events fed:      %llu (%llu rejected by decode)\n", (unsigned long long)fed,
	       (unsigned long long)bad);
	printf("  mix:           exec %llu, cgroup %llu, connect %llu, tcp_close %llu, "
	       "tcp_count %llu, udp_send %llu, udp_count %llu, tick %llu\n",
	       (unsigned long long)types[EW_EV_EXEC], (unsigned long long)types[EW_EV_CGROUP],
	       (unsigned long long)types[EW_EV_CONNECT], (unsigned long long)types[EW_EV_TCP_CLOSE],
	       (unsigned long long)types[EW_EV_TCP_COUNT],
	       (unsigned long long)types[EW_EV_UDP_SEND],
	       (unsigned long long)types[EW_EV_UDP_COUNT], (unsigned long long)types[EW_EV_TICK]);
	printf("records:         %llu during feed, %llu after finish (%llu flows)\n",
	       (unsigned long long)records, (unsigned long long)written,
	       (unsigned long long)created);
	printf("feed (CPU %d):   %.3f s wall, %.3f s CPU\n", cpu, feed_wall, feed_cpu);
	printf("  events/s:      %.0f wall, %.0f CPU\n", fed / feed_wall, fed / feed_cpu);
	printf("  records/s:     %.0f wall, %.0f CPU\n", records / feed_wall, records / feed_cpu);
	printf("  ns/event:      %.1f wall, %.1f CPU\n", feed_wall * 1e9 / fed,
	       feed_cpu * 1e9 / fed);
	printf("finish:          %.3f s wall, %.3f s CPU (flush %llu open flows, compress)%s\n",
	       w2 - w1, c2 - c1, (unsigned long long)(written - records), rc ? " FAILED" : "");
	printf("with finish:     %.0f events/s wall\n", fed / (w2 - w0));
	printf("RESULT events=%llu events_per_s=%.0f events_per_s_cpu=%.0f records=%llu "
	       "records_per_s=%.0f records_per_s_cpu=%.0f ns_per_event=%.1f "
	       "ns_per_event_cpu=%.1f finish_s=%.3f events_per_s_with_finish=%.0f cpu=%d "
	       "decode_errors=%llu\n",
	       (unsigned long long)fed, fed / feed_wall, fed / feed_cpu,
	       (unsigned long long)records, records / feed_wall, records / feed_cpu,
	       feed_wall * 1e9 / fed, feed_cpu * 1e9 / fed, w2 - w1, fed / (w2 - w0), cpu,
	       (unsigned long long)bad);
	return rc ? 1 : 0;
}
