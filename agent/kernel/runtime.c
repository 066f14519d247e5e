// SPDX-License-Identifier: GPL-2.0-only
#include "kernel/runtime.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/policy_store.h"
#include "content/inspector.h"
#include "content/taxonomy.h"
#include "kernel/enforce.h"
#include "kernel/events.h"
#include "kernel/listeners.h"
#include "kernel/loader.h"
#include "kernel/probe.h"
#include "kernel/tls_hooks.h"
#include "kernel/udp_poll.h"
#include "out/datadir.h"
#include "pipeline/pipeline.h"
#include "util/log.h"
#include "util/nodump.h"
#include "util/siphash.h"

#define NS 1000000000ull
/* Decoded HTTP body bytes inspected per stream: gzip may expand what was captured. */
#define DECODED_LIMIT (4u << 20)

struct live {
	const struct ew_config *cfg;
	struct ew_inputs *in;	     /* the policy in force changes on SIGHUP */
	struct ew_capture_meta meta; /* boot id and host name: the stages keep pointers */
	struct ew_datadir *datadir;
	struct ew_loader *loader;
	struct ew_pipeline *pipe;
	struct ew_events *events;
	struct ew_capture *capture;
	struct ew_udp_poll *udp;
	struct ew_inspector *inspector; /* the content engine's sink; NULL: no taxonomy */
	struct ew_tls_hooks *tls;	/* NULL: TLS capture off */
	uint64_t last_sweep;
	uint64_t last_enforce_scan, enforce_every;
	int32_t enforce_day;   /* the policy's day the allowed set was built for */
	char policy_dir[4096]; /* <capture>.policies; empty: no capture */
};

/* How often enforced workloads' files and cgroups are looked for again: a
 * restarted unit's new cgroup is enforced within this, a new file too. A
 * scan that takes long (a glob over a big tree) runs at most 2 % of the time. */
#define ENFORCE_RESCAN_NS (2 * NS)

static void feed_derived(void *arg, const void *ev, size_t len)
{
	ew_pipeline_feed(arg, ev, len);
}

static bool flow_known(void *arg, uint64_t cookie)
{
	return ew_pipeline_tcp_dir(arg, cookie) >= 0;
}

static void read_line_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * The enforcement maps for @p as of today: a channel's validity is by day,
 * so the set is rebuilt when the policy's day turns (once a day) as well as
 * when the policy changes. A failure is logged; monitoring goes on.
 */
static void enforce_build(struct live *l, const struct ew_policy *p)
{
	l->enforce_day = ew_rules_day(&p->rules, (int64_t)time(NULL));
	ew_enforce_apply(l->loader, p, l->in->geo_db, l->in->n_geo);
}

/* One second of housekeeping, in an order that lets each step see the last. */
static void housekeeping(struct live *l, bool final)
{
	__u64 kstats[EW_KSTAT_MAX];
	uint64_t now;

	ew_events_drain(l->events);
	now = ew_events_now();
	ew_events_content_tick(l->events, now);
	ew_udp_poll_run(l->udp, now);
	if (ew_loader_read_kstats(l->loader, kstats) == 0)
		ew_events_feed_kstats(l->events, kstats);
	if (!final && ew_pipeline_open_tcp(l->pipe) &&
	    now - l->last_sweep >= (uint64_t)l->cfg->report_interval * NS / 2) {
		int rc = ew_events_sweep_tcp(l->events);

		if (rc < 0)
			ew_warn("TCP counter sweep failed: %s (interim TCP byte counts wait)",
				strerror(-rc));
		l->last_sweep = now;
	}
	if (!final && now - l->last_enforce_scan >= l->enforce_every) {
		const struct ew_policy *pol = ew_inputs_policy(l->in);

		if (ew_rules_day(&pol->rules, (int64_t)time(NULL)) != l->enforce_day)
			enforce_build(l, pol);
		ew_enforce_rescan(l->loader, pol, false);
		l->last_enforce_scan = ew_events_now();
		l->enforce_every = (l->last_enforce_scan - now) * 50;
		if (l->enforce_every < ENFORCE_RESCAN_NS)
			l->enforce_every = ENFORCE_RESCAN_NS;
	}
	ew_events_tick(l->pipe);
	if (l->capture)
		ew_capture_flush(l->capture);
	if (!final)
		ew_pipeline_poll(l->pipe);
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/*
 * Blocked before any thread starts (the records writer, compression), which
 * inherit the mask: a stop signal then waits in the signalfd for the loop,
 * instead of killing the process on whichever thread the kernel picked.
 */
static void block_signals(void)
{
	sigset_t set;

	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int make_signalfd(void)
{
	sigset_t set;

	stop_signals(&set);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/*
 * The policy in force from the next event on: a `policy` event in the
 * stream (and the capture), its file's bytes beside the capture, so a
 * replay switches at the same event. A file that cannot be kept is said:
 * a replay then stays on the policy before it.
 */
static void note_policy(struct live *l, uint32_t flags)
{
	uint8_t sha[EW_POLICY_SHA_LEN];
	struct ew_ev_policy ev;
	bool file = l->in->policy_text != NULL;
	int rc = 0;

	if (file)
		rc = ew_policy_store_sha256(l->in->policy_text, l->in->policy_len, sha);
	if (!rc && file && l->policy_dir[0])
		rc =
		    ew_policy_store_save(l->policy_dir, l->in->policy_text, l->in->policy_len, sha);
	if (rc)
		ew_warn("capture: cannot keep the policy in %s: %s (a replay of the capture will "
			"not find it and keeps the policy before it)",
			l->policy_dir[0] ? l->policy_dir : "memory", strerror(-rc));
	ew_policy_store_event(&ev, file ? sha : NULL, flags, ew_events_now());
	ew_pipeline_feed(l->pipe, &ev, sizeof(ev));
}

/*
 * Between two events: every stage takes the new policy before the next one,
 * and only then is the old freed. An invalid file changes nothing.
 */
/* Whether @text is the policy in force already (a SIGHUP from logrotate). */
static bool policy_unchanged(const struct ew_inputs *in, const char *text, size_t len)
{
	return text && in->policy_text && len == in->policy_len &&
	       !memcmp(text, in->policy_text, len);
}

static void reload_policy(struct live *l)
{
	struct ew_policy *p;
	char *text;
	size_t len;
	int rc;

	/* What the ring holds now was sent under the old policy. */
	ew_events_drain(l->events);
	ew_pipeline_flush(l->pipe);
	rc = ew_inputs_read_policy(l->in, &p, &text, &len);
	if (rc) {
		ew_pipeline_policy_rejected(l->pipe);
		return;
	}
	/* Same bytes: nothing to swap, and no seconds-long rebuild of the
	 * enforcement maps on every logrotate. */
	if (policy_unchanged(l->in, text, len)) {
		ew_policy_free(p);
		free(p);
		free(text);
		ew_info("policy unchanged: kept");
		return;
	}
	ew_pipeline_set_policy(l->pipe, p);
	rc = ew_loader_set_policy(l->loader, p);
	if (rc)
		ew_warn("policy reload: the payload pre-filter keeps some old networks: %s",
			strerror(-rc));
	/* Enforcement follows the policy in force: channels added or gone. */
	enforce_build(l, p);
	ew_inputs_use_policy(l->in, p, text, len);
	/* Nothing was fed since the drain: the events after this are the new policy's. */
	note_policy(l, 0);
	ew_info("policy reloaded: %d channels, %d exemptions, %d networks", p->rules.n_channels,
		p->rules.n_exemptions, p->n_nets);
}

/* Return: whether to go on. */
static bool on_signal(struct live *l, int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return true;
	if (si.ssi_signo == SIGHUP) {
		ew_info("SIGHUP: reopening output files, reloading geolocation and the policy");
		reload_policy(l);
		ew_pipeline_hup(l->pipe);
		/* executables and cgroups made since the last scan */
		ew_enforce_rescan(l->loader, ew_inputs_policy(l->in), true);
		return true;
	}
	ew_info("%s: stopping", strsignal((int)si.ssi_signo));
	return false;
}

static int loop(struct live *l, double duration)
{
	uint64_t start = ew_events_now(), next_tick = start + NS;
	uint64_t deadline = duration > 0 ? start + (uint64_t)(duration * 1e9) : UINT64_MAX;
	struct epoll_event ev = {.events = EPOLLIN};
	int ep, sfd, rb_fd, content_fd;

	sfd = make_signalfd();
	ep = epoll_create1(EPOLL_CLOEXEC);
	rb_fd = ew_events_epoll_fd(l->events);
	content_fd = ew_events_content_epoll_fd(l->events);
	if (sfd < 0 || ep < 0)
		return -errno;
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	if (rb_fd >= 0) {
		ev.data.fd = rb_fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, rb_fd, &ev);
	}
	if (content_fd >= 0) {
		ev.data.fd = content_fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, content_fd, &ev);
	}
	for (;;) {
		struct epoll_event got[4];
		uint64_t now = ew_events_now();
		int n;

		if (now >= deadline) {
			ew_info("--duration reached: stopping");
			break;
		}
		if (now >= next_tick) {
			housekeeping(l, false);
			next_tick = now + NS;
		}
		n = epoll_wait(ep, got, 4, (int)l->cfg->poll_interval_ms);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++)
			if (got[i].data.fd == sfd && !on_signal(l, sfd))
				goto out;
		ew_events_drain(l->events);
		ew_pipeline_flush(l->pipe);
	}
out:
	close(ep);
	close(sfd);
	return 0;
}

/* Captured plaintext lives in the rings and on the heap: no core dump holds it. */
static void keep_out_of_dumps(void)
{
	int n = ew_nodump_rings(), rc = ew_nodump_process();

	if (n < 0 || rc < 0)
		ew_warn("cannot keep captured payloads out of core dumps: %s",
			strerror(n < 0 ? -n : -rc));
	else
		ew_debug("content: %d ring mappings and the process kept out of core dumps", n);
}

static int load_kernel(const struct ew_inputs *in, struct live *l)
{
	struct ew_loader_opts lo = {0};

	lo.ringbuf_bytes = in->cfg.ringbuf_bytes;
	lo.udp_map_entries = in->cfg.udp_map_entries;
	lo.wakeup_bytes = in->cfg.ringbuf_wakeup_bytes;
	lo.self_tgid = (uint32_t)getpid();
	lo.enable_udp = in->cfg.hook_udp;
	lo.enable_accept = in->cfg.hook_accept;
	lo.enable_proc = in->cfg.hook_proc;
	lo.enable_names = in->cfg.hook_names;
	lo.enable_content = in->cfg.content_enabled;
	lo.content_inbound = in->cfg.content_inbound;
	lo.content_flow_bytes = in->cfg.content_flow_bytes;
	lo.enable_tls = in->cfg.content_tls;
	lo.tls_write_bytes = in->cfg.content_write_bytes;
	lo.content_ringbuf_bytes = in->cfg.content_ringbuf_bytes;
	/* As the main ring's default: a wake-up per 1/32 of the ring. */
	lo.content_wakeup_bytes = in->cfg.content_ringbuf_bytes / 32;
	lo.policy = &in->pol;
	return ew_loader_open(&lo, &l->loader);
}

static int start(const struct ew_runtime_opts *o, struct live *l)
{
	struct ew_inputs *in = o->in;
	struct ew_pipeline_opts po = {0};
	struct ew_capture_meta *meta = &l->meta;
	const char *degraded[32];
	char err[1024];
	int rc, ndeg;

	block_signals();
	/* Before the data directory: without the privileges, nothing else matters. */
	if (ew_probe_privileges(err, sizeof(err))) {
		ew_err("%s", err);
		return -1;
	}
	/* Before any table fills (the inputs loaded so far hashed nothing): a
	 * key nobody outside can know, so nobody can pick colliding peers. */
	rc = ew_hash_key_random();
	if (rc) {
		ew_err("cannot draw the hash tables' key from getrandom(2): %s", strerror(-rc));
		return -1;
	}
	/* Before the kernel: a second agent must not load programs only to stop. */
	if (ew_datadir_open(in->cfg.data_dir, &l->datadir, err, sizeof(err))) {
		ew_err("%s", err);
		return -1;
	}
	if (load_kernel(in, l))
		return -1;
	/* A failure is logged and leaves monitoring running, enforcement off. */
	enforce_build(l, &in->pol);
	ndeg = ew_loader_degraded(l->loader, degraded, 32);
	read_line_file("/proc/sys/kernel/random/boot_id", meta->boot_id, sizeof(meta->boot_id));
	gethostname(meta->hostname, sizeof(meta->hostname) - 1);
	po.env.cfg = &in->cfg;
	po.env.policy = &in->pol;
	po.env.taxonomy = in->taxonomy;
	po.env.data_dir = in->cfg.data_dir;
	po.env.hostname = meta->hostname;
	po.env.print = o->print ? stdout : NULL;
	po.env.geo = &in->geo;
	po.env.geo_db = in->geo_db;
	po.env.n_geo_db = in->n_geo;
	po.boot_id = meta->boot_id;
	po.degraded_hooks = ndeg > 0 ? (uint32_t)ndeg : 0;
	umask(027);
	if (ew_pipeline_new(&po, &l->pipe))
		return -1;
	if (o->capture) {
		rc = ew_capture_create(o->capture, meta, &l->capture);
		if (rc) {
			ew_err("cannot create capture file %s: %s", o->capture, strerror(-rc));
			return -1;
		}
		ew_pipeline_set_capture(l->pipe, l->capture);
		if (ew_policy_store_dir(o->capture, l->policy_dir, sizeof(l->policy_dir)))
			l->policy_dir[0] = '\0';
	}
	note_policy(l, EW_POLICY_F_START);
	rc = ew_udp_poll_new(l->pipe, ew_loader_udp_map_fd(l->loader), &l->udp);
	if (!rc)
		rc = ew_events_open(ew_loader_ringbuf_fd(l->loader), l->pipe,
				    ew_loader_cgroup2_path(l->loader), &l->events);
	if (!rc && ew_loader_content_fd(l->loader) >= 0) {
		struct ew_content_opts co = {
		    .flow_bytes = in->cfg.content_flow_bytes,
		    .max_streams = in->cfg.content_max_streams,
		    .inbound = in->cfg.content_inbound,
		};

		/* Without a taxonomy the bytes are still read, for the inspection status. */
		if (in->taxonomy) {
			if (ew_inspector_new(in->taxonomy, in->cfg.subject_key, DECODED_LIMIT,
					     feed_derived, flow_known, l->pipe, &l->inspector))
				return -1;
			co.sink = &ew_inspector_sink;
			co.sink_ctx = l->inspector;
			ew_info(
			    "content: %d data categories, %zu bytes per inspected stream at most",
			    ew_taxonomy_count(in->taxonomy),
			    ew_inspector_stream_size(l->inspector));
		}
		rc = ew_events_content(l->events, ew_loader_content_fd(l->loader), &co);
		if (!rc)
			keep_out_of_dumps();
	}
	if (rc) {
		ew_err("cannot consume the ring buffer: %s", strerror(-rc));
		return -1;
	}
	/* Before the process scan: a program started meanwhile is found at its exec. */
	rc = ew_tls_hooks_start(l->loader, l->pipe, &l->tls);
	if (rc) {
		ew_err("cannot start TLS capture: %s", strerror(-rc));
		return -1;
	}
	/* Programs are attached already, so nothing starting now is missed; the
	 * scans then name what ran before us. */
	ew_events_tick(l->pipe);
	rc = ew_events_scan_procs(l->events);
	if (in->cfg.hook_accept)
		ew_listeners_scan(ew_loader_listeners_map_fd(l->loader),
				  ew_loader_cgroup2_path(l->loader));
	ew_info("running: %d processes known, records in %s/records", rc < 0 ? 0 : rc,
		in->cfg.data_dir);
	rc = ew_events_sweep_tcp(l->events);
	if (rc < 0)
		ew_warn("initial TCP sweep failed: %s", strerror(-rc));
	l->last_sweep = ew_events_now();
	/* Probing and loading parsed the kernel's BTF several times; give that back. */
	malloc_trim(0);
	return 0;
}

static int finish(struct live *l, int status)
{
	struct ew_metrics *m;
	int rc;

	if (l->pipe) {
		if (ew_pipeline_finish(l->pipe) && status == 0)
			status = 1;
		m = ew_pipeline_metrics(l->pipe);
		if (m) {
			ew_info("stopped: %llu flows, %llu records written, %llu lost",
				(unsigned long long)ew_metrics_get(m, "flows_created_total", NULL,
								   NULL),
				(unsigned long long)ew_metrics_get(m, "records_written_total", NULL,
								   NULL),
				(unsigned long long)ew_metrics_lost(m));
			if (ew_metrics_get(m, "geo_reloads_total", NULL, NULL) ||
			    ew_metrics_get(m, "geo_reload_failures_total", NULL, NULL))
				ew_info("geolocation: %llu reloads, %llu failed",
					(unsigned long long)ew_metrics_get(m, "geo_reloads_total",
									   NULL, NULL),
					(unsigned long long)ew_metrics_get(
					    m, "geo_reload_failures_total", NULL, NULL));
			ew_metrics_free(m);
		}
	}
	rc = ew_capture_close(l->capture);
	if (rc) {
		ew_err("capture file incomplete: %s", strerror(-rc));
		status = 1;
	}
	/* The pipeline first: freeing its flows calls into the content engine. */
	/* Streams still open end with the engine, after the pipeline: their last
	 * hits have nowhere to go (the flows' final records are written). */
	ew_inspector_detach(l->inspector);
	ew_pipeline_free(l->pipe);
	ew_tls_hooks_free(l->tls);
	ew_events_close(l->events);
	ew_inspector_free(l->inspector);
	ew_udp_poll_free(l->udp);
	ew_loader_close(l->loader);
	ew_datadir_close(l->datadir);
	return status;
}

int ew_runtime_run(const struct ew_runtime_opts *o)
{
	struct live l = {.cfg = &o->in->cfg, .in = o->in, .enforce_every = ENFORCE_RESCAN_NS};

	if (start(o, &l))
		return finish(&l, 1);
	loop(&l, o->duration);
	housekeeping(&l, true);
	return finish(&l, 0);
}
