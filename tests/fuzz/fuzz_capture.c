// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for replay: the input is a capture file. It goes
 * through the capture reader, the decoder (whose promises are checked here:
 * strings end inside their buffers, lengths within them, a decoded event
 * decodes again to itself) and the whole pipeline, every stage included,
 * writing records, metrics and --print lines into a temporary data dir.
 *
 * The data dir is removed after each input, so runs do not grow it;
 * EW_FUZZ_DATA names the directory of the geolocation test databases.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config.h"
#include "geo/geo.h"
#include "pipeline/capture.h"
#include "pipeline/decode.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "util/log.h"

#ifndef EW_FUZZ_DATA
#define EW_FUZZ_DATA "tests/data/abi2"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char data_dir[64];
static char capture_path[64];
static char geo_paths[2][512];
static const char *geo_db[2] = {geo_paths[0], geo_paths[1]};
static int capture_fd = -1;
static struct ew_config cfg;
static struct ew_policy policy;
static FILE *devnull;

/* A policy that sends records down every border branch. */
static const char policy_text[] =
    "{\"version\": 1, \"domestic_countries\": [\"CN\", \"DE\"], \"networks\": ["
    "{\"cidr\": \"10.0.0.0/8\", \"country\": \"CN\", \"name\": \"plant\"},"
    "{\"cidr\": \"2001:db8::/32\", \"country\": \"US\"}]}";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tree(void)
{
	nftw(data_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
	rm_tree();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[1024];

	(void)argc;
	(void)argv;
	ew_log_set_level(EW_LOG_ERR);
	snprintf(data_dir, sizeof(data_dir), "/dev/shm/ew-fuzz-capture-XXXXXX");
	if (!mkdtemp(data_dir)) {
		snprintf(data_dir, sizeof(data_dir), "/tmp/ew-fuzz-capture-XXXXXX");
		if (!mkdtemp(data_dir))
			abort();
	}
	atexit(cleanup);
	/* The reader opens by name: a memfd has one without touching a disk. */
	capture_fd = memfd_create("ew-fuzz-capture", MFD_CLOEXEC);
	if (capture_fd < 0)
		abort();
	snprintf(capture_path, sizeof(capture_path), "/proc/self/fd/%d", capture_fd);
	ew_config_defaults(&cfg);
	/* The smallest tables, so that eviction and cache replacement happen. */
	cfg.flow_table_max = 1024;
	cfg.dns_cache_entries = 64;
	cfg.report_interval = 1;
	cfg.udp_idle_timeout = 1;
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", data_dir);
	if (ew_policy_parse("fuzz-policy", policy_text, &policy, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	snprintf(geo_paths[0], sizeof(geo_paths[0]), "%s/country.mmdb", EW_FUZZ_DATA);
	snprintf(geo_paths[1], sizeof(geo_paths[1]), "%s/asn.mmdb", EW_FUZZ_DATA);
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		abort();
	return 0;
}

static bool ends_inside(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

/* What ew_decode() promises about an event it accepted (decode.h). */
static void check_decoded(const union ew_event *ev)
{
	union ew_event again;

	if (ev->h.size != ew_event_size(ev->h.type))
		abort();
	switch (ev->h.type) {
	case EW_EV_EXEC:
	case EW_EV_PROC:
		if (!ends_inside(ev->exec.task.comm, EW_COMM_LEN) ||
		    !ends_inside(ev->exec.exe, EW_PATH_LEN) ||
		    !ends_inside(ev->exec.cgroup, EW_CGROUP_LEN) ||
		    ev->exec.exe_len > EW_PATH_LEN || ev->exec.args_len > EW_ARGS_LEN ||
		    ev->exec.cgroup_len > EW_CGROUP_LEN)
			abort();
		break;
	case EW_EV_CONNECT:
	case EW_EV_UDP_SEND:
	case EW_EV_UDP_RECV:
		if (!ends_inside(ev->sa.task.comm, EW_COMM_LEN))
			abort();
		break;
	case EW_EV_TCP_ACCEPT:
		if (!ends_inside(ev->acc.owner.comm, EW_COMM_LEN))
			abort();
		break;
	case EW_EV_ACCEPT_OWNER:
		if (!ends_inside(ev->ao.task.comm, EW_COMM_LEN))
			abort();
		break;
	case EW_EV_CGROUP:
		if (!ends_inside(ev->cg.path, EW_CGROUP_LEN) || ev->cg.path_len > EW_CGROUP_LEN)
			abort();
		break;
	case EW_EV_PEER_NAME:
		if (strnlen(ev->name.name, EW_NAME_LEN) != ev->name.name_len)
			abort();
		break;
	case EW_EV_DNS_ANSWER:
		if (strnlen(ev->dns.name, EW_NAME_LEN) != ev->dns.name_len)
			abort();
		break;
	case EW_EV_DNS_QUERY:
		if (strnlen(ev->query.name, EW_NAME_LEN) != ev->query.name_len)
			abort();
		break;
	case EW_EV_KSTATS:
		if (ev->kstats.count > EW_KSTAT_MAX)
			abort();
		break;
	case EW_EV_KSTATS_V0:
		abort(); /* always comes out as EW_EV_KSTATS */
	}
	/* What passed once passes again unchanged: the checks are a fixed point. */
	if (ew_decode(ev, ev->h.size, &again) != EW_DEC_OK || memcmp(&again, ev, ev->h.size))
		abort();
}

static void feed_all(struct ew_capture_reader *r, struct ew_pipeline *p)
{
	const void *frame;
	char err[1024] = "";
	size_t len;
	int rc;

	while ((rc = ew_capture_next(r, &frame, &len, err, sizeof(err))) == 1) {
		union ew_event ev;

		if (len == 0 || len > 65536)
			abort();
		if (ew_decode(frame, len, &ev) == EW_DEC_OK)
			check_decoded(&ev);
		/* The hint gets the same untrusted bytes, and cut short. */
		ew_pipeline_prefetch(p, frame, len / 2);
		ew_pipeline_prefetch(p, frame, len);
		ew_pipeline_feed(p, frame, len);
	}
	if (rc != 0 && rc != -EPROTO && rc != -EINVAL)
		abort();
	if (rc && !err[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_pipeline_opts po = {0};
	struct ew_capture_reader *r = NULL;
	struct ew_pipeline *p = NULL;
	struct ew_capture_meta meta;
	struct ew_geo *geo = NULL;
	char err[1024] = "";

	if (ftruncate(capture_fd, 0) || pwrite(capture_fd, data, size, 0) != (ssize_t)size)
		abort();
	if (ew_capture_open(capture_path, &r, &meta, err, sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	if (!ends_inside(meta.boot_id, sizeof(meta.boot_id)) ||
	    !ends_inside(meta.hostname, sizeof(meta.hostname)))
		abort();
	if (ew_geo_open(geo_db, 2, &geo, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	po.env.cfg = &cfg;
	po.env.policy = &policy;
	po.env.data_dir = cfg.data_dir;
	po.env.hostname = meta.hostname;
	po.env.print = devnull;
	po.env.geo = &geo;
	po.env.geo_db = geo_db;
	po.env.n_geo_db = 2;
	po.boot_id = meta.boot_id;
	if (ew_pipeline_new(&po, &p))
		abort();
	feed_all(r, p);
	ew_pipeline_finish(p);
	ew_pipeline_free(p);
	ew_geo_close(geo);
	ew_capture_reader_close(r);
	rm_tree();
	return 0;
}
