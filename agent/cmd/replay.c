// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch replay: feed a capture file through the same pipeline as `run`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/capture.h"
#include "cmd/cmd.h"
#include "config/config.h"
#include "geo/geo.h"
#include "policy/policy.h"
#include "util/log.h"
#include "pipeline/pipeline.h"

static const char usage[] =
    "Usage: egresswatch replay FILE [OPTIONS]\n"
    "\n"
    "Feed the events that `egresswatch run --capture FILE` wrote through the\n"
    "same userspace pipeline, and write the same records, without a kernel,\n"
    "root or /proc. Given the same config, policy and geolocation databases,\n"
    "a replay is deterministic.\n"
    "\n"
    "Options:\n"
    "  -d, --data-dir DIR    where to write records (default ./egresswatch-replay)\n"
    "  -c, --config FILE     config whose intervals and sizes to use (use the\n"
    "                        run's config to reproduce its records exactly)\n"
    "  -p, --policy FILE     compliance policy (default: domestic = CN)\n"
    "  -g, --geo-db FILE     geolocation database, libloc or MaxMind DB\n"
    "                        (repeatable; default the libloc database)\n"
    "      --print           print one line per record on stdout\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 replayed (a capture cut short by a crash ends with a\n"
    "warning), 1 corrupt capture or write failure, 2 bad command line or config.\n";

int ew_cmd_replay(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"data-dir", required_argument, NULL, 'd'},
	    {"config", required_argument, NULL, 'c'},
	    {"policy", required_argument, NULL, 'p'},
	    {"geo-db", required_argument, NULL, 'g'},
	    {"print", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *data_dir = "egresswatch-replay", *config = NULL, *policy = NULL, *file;
	const char *dbs[EW_GEO_MAX_DBS];
	struct ew_geo *geo = NULL;
	struct ew_policy pol;
	int n_db = 0;
	struct ew_capture_reader *r = NULL;
	struct ew_pipeline_opts po = {0};
	struct ew_capture_meta meta;
	struct ew_pipeline *p = NULL;
	struct ew_config cfg;
	bool print = false;
	char err[1024];
	const void *data;
	size_t len;
	int c, rc, status = EW_EXIT_OK;
	unsigned long long frames = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:c:g:p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (n_db == EW_GEO_MAX_DBS) {
				fprintf(stderr, "egresswatch replay: at most %d --geo-db files\n",
					EW_GEO_MAX_DBS);
				return EW_EXIT_USAGE;
			}
			dbs[n_db++] = optarg;
			break;
		case 'p':
			policy = optarg;
			break;
		case 'd':
			data_dir = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'P':
			print = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EW_EXIT_OK;
		default:
			fputs("Try 'egresswatch replay --help'.\n", stderr);
			return EW_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs("egresswatch replay: exactly one capture FILE expected\n"
		      "Try 'egresswatch replay --help'.\n",
		      stderr);
		return EW_EXIT_USAGE;
	}
	file = argv[optind];
	ew_config_defaults(&cfg);
	if (config && ew_config_load(config, &cfg, err, sizeof(err))) {
		ew_err("%s", err);
		return EW_EXIT_USAGE;
	}
	ew_policy_defaults(&pol);
	if (policy && ew_policy_load(policy, &pol, err, sizeof(err))) {
		ew_err("%s", err);
		return EW_EXIT_USAGE;
	}
	if (ew_geo_open(dbs, n_db, &geo, err, sizeof(err))) {
		if (n_db) {
			ew_err("%s", err);
			ew_policy_free(&pol);
			return EW_EXIT_USAGE;
		}
		geo = NULL;
		ew_warn("%s; records carry no country or ASN", err);
	}
	if (ew_capture_open(file, &r, &meta, err, sizeof(err))) {
		ew_geo_close(geo);
		ew_policy_free(&pol);
		ew_err("%s", err);
		return EW_EXIT_FAIL;
	}
	po.report_interval_s = cfg.report_interval;
	po.udp_idle_timeout_s = cfg.udp_idle_timeout;
	po.flow_table_max = cfg.flow_table_max;
	po.dns_cache_entries = cfg.dns_cache_entries;
	po.data_dir = data_dir;
	po.boot_id = meta.boot_id;
	po.hostname = meta.hostname;
	po.print = print ? stdout : NULL;
	po.geo = geo;
	po.policy = &pol;
	umask(027);
	if (ew_pipeline_new(&po, &p)) {
		ew_capture_reader_close(r);
		ew_geo_close(geo);
		ew_policy_free(&pol);
		return EW_EXIT_FAIL;
	}
	while ((rc = ew_capture_next(r, &data, &len, err, sizeof(err))) == 1) {
		ew_pipeline_feed(p, data, len);
		frames++;
	}
	if (rc == -EPROTO) {
		ew_warn("%s: %s; replayed the %llu events before it", file, err, frames);
	} else if (rc < 0) {
		ew_err("%s: %s; replayed the %llu events before it", file, err, frames);
		status = EW_EXIT_FAIL;
	}
	if (ew_pipeline_finish(p))
		status = EW_EXIT_FAIL;
	ew_pipeline_free(p);
	ew_capture_reader_close(r);
	ew_geo_close(geo);
	ew_policy_free(&pol);
	return status;
}
