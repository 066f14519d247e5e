// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch run: load the kernel programs and feed the pipeline until told to stop. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "config/inputs.h"
#include "geo/geo.h"
#include "kernel/runtime.h"
#include "util/log.h"

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
    "refused with an error and the one in use is kept. SIGHUP also rescans\n"
    "the executables and cgroups of the policy's \"enforce\" workloads.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE     agent configuration (default " EW_DEFAULT_CONFIG ";\n"
    "                        built-in defaults when that file does not exist)\n"
    "  -p, --policy FILE     compliance policy (default " EW_DEFAULT_POLICY ")\n"
    "  -T, --taxonomy FILE   data categories and their recognisers (default: the\n"
    "                        config's content.taxonomy, " EW_DEFAULT_TAXONOMY ")\n"
    "  -g, --geo-db FILE     geolocation database, libloc or MaxMind DB\n"
    "                        (repeatable; default: the config's geo_db, else\n"
    "                        " EW_GEO_DEFAULT_DB ")\n"
    "  -d, --data-dir DIR    where records, metrics.prom and state go\n"
    "                        (overrides the config's data_dir)\n"
    "  -t, --duration SECS   stop by itself after SECS seconds\n"
    "  -w, --capture FILE    also write every event the pipeline consumed to FILE,\n"
    "                        for `replay` (payload bytes never: only the names\n"
    "                        parsed from them), and each policy applied to\n"
    "                        FILE.policies/<sha256>.json\n"
    "      --print           print one line per record on stdout (default when\n"
    "                        stdout is a terminal)\n"
    "  -q, --quiet           do not print records on stdout\n"
    "  -v, --verbose         debug logging\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 stopped cleanly, 1 runtime failure (kernel, disk),\n"
    "2 bad command line, config or policy.\n";

struct run_opts {
	struct ew_input_args in;
	const char *capture;
	double duration;
	int print; /* -1 auto, 0 no, 1 yes */
	bool verbose;
};

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option longs[] = {
	    {"config", required_argument, NULL, 'c'},	{"policy", required_argument, NULL, 'p'},
	    {"taxonomy", required_argument, NULL, 'T'}, {"geo-db", required_argument, NULL, 'g'},
	    {"data-dir", required_argument, NULL, 'd'}, {"duration", required_argument, NULL, 't'},
	    {"capture", required_argument, NULL, 'w'},	{"print", no_argument, NULL, 'P'},
	    {"quiet", no_argument, NULL, 'q'},		{"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},		{0},
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->in.cmd = "run";
	o->print = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:p:T:g:d:t:w:qvh", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->in.config = optarg;
			break;
		case 'p':
			o->in.policy = optarg;
			break;
		case 'T':
			o->in.taxonomy = optarg;
			break;
		case 'g':
			if (ew_input_args_geo_db(&o->in, optarg))
				return EW_EXIT_USAGE;
			break;
		case 'd':
			o->in.data_dir = optarg;
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

int ew_cmd_run(int argc, char **argv)
{
	struct ew_runtime_opts ro = {0};
	struct ew_inputs in;
	struct run_opts o;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? EW_EXIT_OK : rc;
	if (o.verbose)
		ew_log_set_level(EW_LOG_DEBUG);
	rc = ew_inputs_load(&o.in, &in);
	if (rc)
		return ew_cmd_exit_status(rc);
	ew_log_set_level(o.verbose ? EW_LOG_DEBUG : (enum ew_log_level)in.cfg.log_level);
	ew_log_use_syslog(in.cfg.log_syslog);
	ro.in = &in;
	ro.capture = o.capture;
	ro.duration = o.duration;
	ro.print = o.print == 1 || (o.print == -1 && (in.cfg.print_records || isatty(1)));
	rc = ew_runtime_run(&ro);
	ew_inputs_free(&in);
	return rc ? EW_EXIT_FAIL : EW_EXIT_OK;
}
