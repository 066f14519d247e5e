// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch replay: feed a capture file through the same pipeline as `run`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "config/inputs.h"
#include "geo/geo.h"
#include "out/datadir.h"
#include "pipeline/capture.h"
#include "pipeline/pipeline.h"
#include "util/log.h"
#include "util/siphash.h"

static const char usage[] =
    "Usage: egresswatch replay FILE [OPTIONS]\n"
    "\n"
    "Feed the events that `egresswatch run --capture FILE` wrote through the\n"
    "same userspace pipeline, and write the same records, without a kernel,\n"
    "root or /proc. Given the same config, policy and geolocation databases,\n"
    "a replay is deterministic. Captures of every earlier minor version of\n"
    "this release's event ABI replay (fields they lack read as zero).\n"
    "\n"
    "Options:\n"
    "  -d, --data-dir DIR    where to write records (default ./egresswatch-replay;\n"
    "                        the config's data_dir is not used)\n"
    "  -c, --config FILE     config whose intervals and sizes to use (default\n"
    "                        " EW_DEFAULT_CONFIG " when it exists, as for `run`)\n"
    "  -p, --policy FILE     compliance policy (default " EW_DEFAULT_POLICY "\n"
    "                        when it exists, else domestic = CN)\n"
    "  -T, --taxonomy FILE   data categories and their recognisers (default: the\n"
    "                        config's content.taxonomy, " EW_DEFAULT_TAXONOMY ")\n"
    "  -g, --geo-db FILE     geolocation database, libloc or MaxMind DB\n"
    "                        (repeatable; default: the config's geo_db, else\n"
    "                        " EW_GEO_DEFAULT_DB ")\n"
    "  -s, --state DIR       start the yearly people counters from the snapshot\n"
    "                        in DIR (a copy of a run's DATA_DIR/state; it is\n"
    "                        read, never written); default: from zero\n"
    "      --print           print one line per record on stdout\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 replayed (a capture cut short by a crash ends with a\n"
    "warning), 1 corrupt capture or write failure, 2 bad command line or config.\n";

static int parse_args(int argc, char **argv, struct ew_input_args *in, bool *print)
{
	static const struct option longs[] = {
	    {"data-dir", required_argument, NULL, 'd'},
	    {"config", required_argument, NULL, 'c'},
	    {"policy", required_argument, NULL, 'p'},
	    {"taxonomy", required_argument, NULL, 'T'},
	    {"geo-db", required_argument, NULL, 'g'},
	    {"print", no_argument, NULL, 'P'},
	    {"state", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	in->data_dir = "egresswatch-replay";
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:c:g:p:T:s:h", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			in->state_dir = optarg;
			break;
		case 'g':
			if (ew_input_args_geo_db(in, optarg))
				return EW_EXIT_USAGE;
			break;
		case 'p':
			in->policy = optarg;
			break;
		case 'T':
			in->taxonomy = optarg;
			break;
		case 'd':
			in->data_dir = optarg;
			break;
		case 'c':
			in->config = optarg;
			break;
		case 'P':
			*print = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
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
	return 0;
}

static int replay(struct ew_capture_reader *r, struct ew_pipeline *p, const char *file)
{
	unsigned long long frames = 0;
	const void *data;
	char err[1024];
	size_t len;
	int rc;

	while ((rc = ew_capture_next(r, &data, &len, err, sizeof(err))) == 1) {
		ew_pipeline_feed(p, data, len);
		frames++;
	}
	if (rc == -EPROTO) {
		ew_warn("%s: %s; replayed the %llu events before it", file, err, frames);
	} else if (rc < 0) {
		ew_err("%s: %s; replayed the %llu events before it", file, err, frames);
		return EW_EXIT_FAIL;
	}
	return EW_EXIT_OK;
}

int ew_cmd_replay(int argc, char **argv)
{
	struct ew_input_args a = {.cmd = "replay"};
	struct ew_capture_reader *r = NULL;
	struct ew_datadir *dd = NULL;
	struct ew_pipeline_opts po = {0};
	struct ew_capture_meta meta;
	struct ew_pipeline *p = NULL;
	struct ew_inputs in;
	bool print = false;
	const char *file;
	char err[1024];
	int rc, status;

	/* Tables then fill and evict alike on every replay: the same records. */
	ew_hash_key_fixed();
	rc = parse_args(argc, argv, &a, &print);
	if (rc)
		return rc < 0 ? EW_EXIT_OK : rc;
	file = argv[optind];
	rc = ew_inputs_load(&a, &in);
	if (rc)
		return ew_cmd_exit_status(rc);
	if (ew_capture_open(file, &r, &meta, err, sizeof(err))) {
		ew_err("%s", err);
		ew_inputs_free(&in);
		return EW_EXIT_FAIL;
	}
	if (ew_datadir_open(in.cfg.data_dir, &dd, err, sizeof(err))) {
		ew_err("%s", err);
		ew_capture_reader_close(r);
		ew_inputs_free(&in);
		return EW_EXIT_FAIL;
	}
	if (meta.abi_minor > EW_ABI_MINOR)
		ew_warn("%s: written with event ABI %u.%u, newer than this release's %u.%u: "
			"fields and events it does not know are left out",
			file, meta.abi_major, meta.abi_minor, EW_ABI_MAJOR, EW_ABI_MINOR);
	po.env.cfg = &in.cfg;
	po.env.policy = &in.pol;
	po.env.taxonomy = in.taxonomy;
	po.env.data_dir = in.cfg.data_dir;
	po.env.hostname = meta.hostname;
	po.env.print = print ? stdout : NULL;
	po.env.geo = &in.geo;
	po.env.geo_db = in.geo_db;
	po.env.state_dir = a.state_dir;
	po.env.n_geo_db = in.n_geo;
	po.env.replay = true;
	po.boot_id = meta.boot_id;
	umask(027);
	if (ew_pipeline_new(&po, &p)) {
		ew_capture_reader_close(r);
		ew_datadir_close(dd);
		ew_inputs_free(&in);
		return EW_EXIT_FAIL;
	}
	status = replay(r, p, file);
	if (ew_pipeline_finish(p))
		status = EW_EXIT_FAIL;
	ew_pipeline_free(p);
	ew_capture_reader_close(r);
	ew_datadir_close(dd);
	ew_inputs_free(&in);
	return status;
}
