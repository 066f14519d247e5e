// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch run: load the kernel programs and feed the pipeline until told to stop. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "config/config.h"
#include "kernel/events.h"
#include "geo/geo.h"
#include "kernel/loader.h"
#include "util/log.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "kernel/udp_poll.h"

#define NS	   1000000000ull
#define MAX_GEO_DB 8

static const char usage[] =
    "Usage: egresswatch run [OPTIONS]\n"
    "\n"
    "Capture every outbound and accepted network flow on this host with eBPF,\n"
    "tie it to the process that made it, locate and name the peer (country,\n"
    "ASN, TLS SNI, HTTP Host, DNS) and decide whether it crossed the border;\n"
    "write flow records under\n"
    "DATA_DIR/records/YYYY-MM-DD/HH.jsonl (closed hours gzip-compressed).\n"
    "Runs as root until SIGTERM/SIGINT or --duration. SIGHUP reopens outputs\n"
    "and reloads the geolocation databases; they are also reloaded within two\n"
    "seconds of a change to their files. A database that does not load is\n"
    "refused with an error and the one in use is kept.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE     agent configuration (default " EW_DEFAULT_CONFIG ";\n"
    "                        built-in defaults when that file does not exist)\n"
    "  -p, --policy FILE     compliance policy (default " EW_DEFAULT_POLICY ")\n"
    "  -g, --geo-db FILE     geolocation database, libloc or MaxMind DB\n"
    "                        (repeatable; default " EW_GEO_DEFAULT_DB ")\n"
    "  -d, --data-dir DIR    where records, metrics.prom and state go\n"
    "                        (overrides the config's data_dir)\n"
    "  -t, --duration SECS   stop by itself after SECS seconds\n"
    "  -w, --capture FILE    also write every event the pipeline consumed to FILE,\n"
    "                        for `replay` (payload bytes never: only the names\n"
    "                        parsed from them)\n"
    "      --print           print one line per record on stdout (default when\n"
    "                        stdout is a terminal)\n"
    "  -q, --quiet           do not print records on stdout\n"
    "  -v, --verbose         debug logging\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 stopped cleanly, 1 runtime failure (kernel, disk),\n"
    "2 bad command line, config or policy.\n";

struct run_opts {
	const char *config;
	const char *policy;
	const char *geo_db[MAX_GEO_DB];
	int n_geo;
	const char *data_dir;
	const char *capture;
	double duration;
	int print; /* -1 auto, 0 no, 1 yes */
	bool verbose;
};

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option longs[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"policy", required_argument, NULL, 'p'},
	    {"geo-db", required_argument, NULL, 'g'},
	    {"data-dir", required_argument, NULL, 'd'},
	    {"duration", required_argument, NULL, 't'},
	    {"capture", required_argument, NULL, 'w'},
	    {"print", no_argument, NULL, 'P'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->print = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:p:g:d:t:w:qvh", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'p':
			o->policy = optarg;
			break;
		case 'g':
			if (o->n_geo == MAX_GEO_DB) {
				fprintf(stderr, "egresswatch run: at most %d --geo-db files\n",
					MAX_GEO_DB);
				return EW_EXIT_USAGE;
			}
			o->geo_db[o->n_geo++] = optarg;
			break;
		case 'd':
			o->data_dir = optarg;
			break;
		case 't':
			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || *end || o->duration <= 0) {
				fprintf(stderr,
					"egresswatch run: --duration wants a positive number of "
					"seconds, got \"%s\"\n",
					optarg);
				return EW_EXIT_USAGE;
			}
			break;
		case 'w':
			o->capture = optarg;
			break;
		case 'P':
			o->print = 1;
			break;
		case 'q':
			o->print = 0;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		default:
			fputs("Try 'egresswatch run --help'.\n", stderr);
			return EW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "egresswatch run: unexpected argument \"%s\"\n", argv[optind]);
		return EW_EXIT_USAGE;
	}
	return 0;
}

/* A file named on the command line must exist; the default may be absent. */
static int load_inputs(const struct run_opts *o, struct ew_config *cfg, struct ew_policy *pol)
{
	char err[1024];
	const char *path = o->config ? o->config : EW_DEFAULT_CONFIG;
	int rc;

	rc = ew_config_load(path, cfg, err, sizeof(err));
	if (rc == -ENOENT && !o->config) {
		ew_config_defaults(cfg);
		ew_info("%s not found: using built-in defaults", path);
	} else if (rc) {
		ew_err("%s", err);
		if (rc == -ENOENT)
			ew_err("fix: give an existing file to --config, or omit --config to use "
			       "the defaults");
		return EW_EXIT_USAGE;
	}
	rc = ew_policy_load_or_default(o->policy, pol, err, sizeof(err));
	if (rc == 1) {
		ew_info("%s not found: using the default policy (domestic = CN)",
			EW_DEFAULT_POLICY);
	} else if (rc < 0) {
		ew_err("%s", err);
		return EW_EXIT_USAGE;
	}
	for (int i = 0; i < o->n_geo; i++) {
		if (access(o->geo_db[i], R_OK)) {
			ew_err("--geo-db %s: %s", o->geo_db[i], strerror(errno));
			return EW_EXIT_USAGE;
		}
	}
	if (o->data_dir) {
		snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", o->data_dir);
	}
	return 0;
}

/* Named databases must work; without any, the default is tried and may be absent. */
static int open_geo(const struct run_opts *o, struct ew_geo **geo)
{
	char err[1024];
	int rc;

	rc = ew_geo_open(o->geo_db, o->n_geo, geo, err, sizeof(err));
	if (!rc) {
		for (int i = 0; ew_geo_describe(*geo, i); i++)
			ew_info("geolocation: %s", ew_geo_describe(*geo, i));
		return 0;
	}
	if (o->n_geo) {
		ew_err("%s", err);
		return EW_EXIT_USAGE;
	}
	*geo = NULL;
	ew_warn("%s; records carry no country or ASN (install libloc-database, or give "
		"--geo-db)",
		err);
	return 0;
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

struct live {
	struct ew_config cfg;
	struct ew_policy pol;
	struct ew_geo *geo;
	const char *const *geo_db; /* what to reload: --geo-db, or none for the default */
	int n_geo;
	struct ew_loader *loader;
	struct ew_pipeline *pipe;
	struct ew_events *events;
	struct ew_capture *capture;
	int udp_fd;
	uint64_t last_udp_poll;
	uint64_t last_sweep;
};

static void on_udp_end(void *arg, const struct ew_udp_key *key)
{
	struct live *l = arg;

	ew_udp_forget(l->udp_fd, key);
}

/*
 * Open the databases again and use them from the next record on; keep those
 * in use when that fails. Events wait in the ring buffer meanwhile: none is
 * lost, and no record is decided by a half-loaded database.
 */
static void reload_geo(struct live *l, const char *why)
{
	char err[1024], desc[2048] = "";
	struct ew_metrics m;
	struct ew_geo *geo;
	size_t len = 0;

	if (ew_geo_open(l->geo_db, l->n_geo, &geo, err, sizeof(err))) {
		/* Without libloc-database, every logrotate SIGHUP would say so again. */
		if (!l->geo && !l->n_geo) {
			ew_debug("geolocation still unavailable: %s", err);
			return;
		}
		ew_pipeline_geo_reload_failed(l->pipe);
		ew_err("geolocation reload (%s) failed, the databases in use are kept: %s", why,
		       err);
		return;
	}
	ew_pipeline_set_geo(l->pipe, geo);
	ew_geo_close(l->geo);
	l->geo = geo;
	ew_pipeline_metrics(l->pipe, &m);
	for (int i = 0; ew_geo_describe(geo, i) && len < sizeof(desc); i++)
		len += (size_t)snprintf(desc + len, sizeof(desc) - len, "%s%s", i ? "; " : "",
					ew_geo_describe(geo, i));
	ew_info("geolocation reloaded (%s): %s [%llu reloads, %llu failed]", why, desc,
		(unsigned long long)m.geo_reloads, (unsigned long long)m.geo_reload_failures);
}

/* One second of housekeeping, in an order that lets each step see the last. */
static void housekeeping(struct live *l, bool final)
{
	__u64 kstats[EW_KSTAT_MAX];
	uint64_t now;

	ew_events_drain(l->events);
	now = ew_events_now();
	ew_udp_poll(l->udp_fd, l->pipe, l->last_udp_poll, now);
	l->last_udp_poll = now;
	if (ew_loader_read_kstats(l->loader, kstats) == 0)
		ew_events_feed_kstats(l->events, kstats);
	if (!final && ew_pipeline_open_tcp(l->pipe) &&
	    now - l->last_sweep >= (uint64_t)l->cfg.report_interval * NS / 2) {
		int rc = ew_events_sweep_tcp(l->events);

		if (rc < 0)
			ew_warn("TCP counter sweep failed: %s (interim TCP byte counts wait)",
				strerror(-rc));
		l->last_sweep = now;
	}
	ew_events_tick(l->pipe);
	if (l->capture)
		ew_capture_flush(l->capture);
	if (!final && l->geo && ew_geo_changed(l->geo))
		reload_geo(l, "file changed");
}

static int make_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int loop(struct live *l, double duration)
{
	uint64_t start = ew_events_now(), next_tick = start + NS;
	uint64_t deadline = duration > 0 ? start + (uint64_t)(duration * 1e9) : UINT64_MAX;
	struct epoll_event ev = {.events = EPOLLIN};
	int ep, sfd, rb_fd;

	sfd = make_signalfd();
	ep = epoll_create1(EPOLL_CLOEXEC);
	rb_fd = ew_events_epoll_fd(l->events);
	if (sfd < 0 || ep < 0)
		return -errno;
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	if (rb_fd >= 0) {
		ev.data.fd = rb_fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, rb_fd, &ev);
	}
	for (;;) {
		struct epoll_event got[4];
		uint64_t now = ew_events_now();
		int timeout = (int)l->cfg.poll_interval_ms, n;

		if (now >= deadline) {
			ew_info("--duration reached: stopping");
			break;
		}
		if (now >= next_tick) {
			housekeeping(l, false);
			next_tick = now + NS;
		}
		n = epoll_wait(ep, got, 4, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (got[i].data.fd != sfd)
				continue;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				ew_info("SIGHUP: reopening output files, reloading geolocation");
				ew_pipeline_reopen(l->pipe);
				reload_geo(l, "SIGHUP");
				continue;
			}
			ew_info("%s: stopping", strsignal((int)si.ssi_signo));
			goto out;
		}
		ew_events_drain(l->events);
	}
out:
	close(ep);
	close(sfd);
	return 0;
}

static int run(const struct run_opts *o, struct live *l)
{
	struct ew_loader_opts lo = {0};
	struct ew_pipeline_opts po = {0};
	struct ew_capture_meta meta = {0};
	const char *degraded[32];
	int rc, ndeg;

	lo.ringbuf_bytes = l->cfg.ringbuf_bytes;
	lo.udp_map_entries = l->cfg.udp_map_entries;
	lo.wakeup_bytes = l->cfg.ringbuf_wakeup_bytes;
	lo.self_tgid = (uint32_t)getpid();
	lo.enable_udp = l->cfg.hook_udp;
	lo.enable_accept = l->cfg.hook_accept;
	lo.enable_proc = l->cfg.hook_proc;
	lo.enable_names = l->cfg.hook_names;
	lo.policy = &l->pol;
	rc = ew_loader_open(&lo, &l->loader);
	if (rc)
		return EW_EXIT_FAIL;
	l->udp_fd = ew_loader_udp_map_fd(l->loader);
	ndeg = ew_loader_degraded(l->loader, degraded, 32);

	read_line_file("/proc/sys/kernel/random/boot_id", meta.boot_id, sizeof(meta.boot_id));
	gethostname(meta.hostname, sizeof(meta.hostname) - 1);
	po.report_interval_s = l->cfg.report_interval;
	po.udp_idle_timeout_s = l->cfg.udp_idle_timeout;
	po.flow_table_max = l->cfg.flow_table_max;
	po.dns_cache_entries = l->cfg.dns_cache_entries;
	po.data_dir = l->cfg.data_dir;
	po.boot_id = meta.boot_id;
	po.hostname = meta.hostname;
	po.print = (o->print == 1 || (o->print == -1 && (l->cfg.print_records || isatty(1))))
		       ? stdout
		       : NULL;
	po.udp_end = on_udp_end;
	po.udp_end_arg = l;
	po.degraded_hooks = ndeg > 0 ? (uint32_t)ndeg : 0;
	po.geo = l->geo;
	po.policy = &l->pol;
	umask(027);
	rc = ew_pipeline_new(&po, &l->pipe);
	if (rc)
		return EW_EXIT_FAIL;
	if (o->capture) {
		rc = ew_capture_create(o->capture, &meta, &l->capture);
		if (rc) {
			ew_err("cannot create capture file %s: %s", o->capture, strerror(-rc));
			return EW_EXIT_FAIL;
		}
		ew_pipeline_set_capture(l->pipe, l->capture);
	}
	rc = ew_events_open(ew_loader_ringbuf_fd(l->loader), l->pipe,
			    ew_loader_cgroup2_path(l->loader), &l->events);
	if (rc) {
		ew_err("cannot consume the ring buffer: %s", strerror(-rc));
		return EW_EXIT_FAIL;
	}
	/* Programs are attached already, so nothing starting now is missed; the
	 * scan then names what ran before us. */
	ew_events_tick(l->pipe);
	rc = ew_events_scan_procs(l->events);
	ew_info("running: %d processes known, records in %s/records", rc < 0 ? 0 : rc,
		l->cfg.data_dir);
	l->last_udp_poll = ew_events_now();
	rc = ew_events_sweep_tcp(l->events);
	if (rc < 0)
		ew_warn("initial TCP sweep failed: %s", strerror(-rc));
	l->last_sweep = ew_events_now();
	/* Probing and loading parsed the kernel's BTF several times; give that back. */
	malloc_trim(0);
	loop(l, o->duration);
	housekeeping(l, true);
	return 0;
}

static int finish(struct live *l, int status)
{
	struct ew_metrics m;
	int rc;

	if (l->pipe) {
		if (ew_pipeline_finish(l->pipe) && status == EW_EXIT_OK)
			status = EW_EXIT_FAIL;
		ew_pipeline_metrics(l->pipe, &m);
		ew_info("stopped: %llu flows, %llu records written, %llu lost",
			(unsigned long long)m.flows.created, (unsigned long long)m.records_written,
			(unsigned long long)ew_metrics_lost(&m));
		if (m.geo_reloads || m.geo_reload_failures)
			ew_info("geolocation: %llu reloads, %llu failed",
				(unsigned long long)m.geo_reloads,
				(unsigned long long)m.geo_reload_failures);
	}
	rc = ew_capture_close(l->capture);
	if (rc) {
		ew_err("capture file incomplete: %s", strerror(-rc));
		status = EW_EXIT_FAIL;
	}
	ew_events_close(l->events);
	ew_pipeline_free(l->pipe);
	ew_loader_close(l->loader);
	ew_geo_close(l->geo);
	ew_policy_free(&l->pol);
	return status;
}

int ew_cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct live l = {.udp_fd = -1};
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? EW_EXIT_OK : rc;
	rc = load_inputs(&o, &l.cfg, &l.pol);
	if (rc)
		return rc;
	rc = open_geo(&o, &l.geo);
	l.geo_db = o.geo_db;
	l.n_geo = o.n_geo;
	if (rc) {
		ew_policy_free(&l.pol);
		return rc;
	}
	ew_log_set_level(o.verbose ? EW_LOG_DEBUG : (enum ew_log_level)l.cfg.log_level);
	ew_log_use_syslog(l.cfg.log_syslog);
	rc = run(&o, &l);
	return finish(&l, rc);
}
