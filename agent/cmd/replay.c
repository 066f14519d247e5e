// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch replay: feed a capture file through the same pipeline as `run`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "config/inputs.h"
#include "config/policy_store.h"
#include "geo/geo.h"
#include "out/datadir.h"
#include "pipeline/capture.h"
#include "pipeline/decode.h"
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
    "Where the run reloaded its policy, the replay switches to the policy the\n"
    "run kept in FILE.policies/ at the same event.\n"
    "\n"
    "Options:\n"
    "  -d, --data-dir DIR    where to write records (default ./egresswatch-replay;\n"
    "                        the config's data_dir is not used)\n"
    "  -c, --config FILE     config whose intervals and sizes to use (default\n"
    "                        " EW_DEFAULT_CONFIG " when it exists, as for `run`)\n"
    "  -p, --policy FILE     compliance policy to start with (default: the one the\n"
    "                        run started with; for a capture that has none,\n"
    "                        " EW_DEFAULT_POLICY " when it exists, else\n"
    "                        domestic = CN)\n"
    "      --policy-dir DIR  the policies the run applied (default FILE.policies)\n"
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

/* How the replay follows the policy changes the capture recorded. */
struct follow {
	struct ew_inputs *in;
	struct ew_pipeline *p;
	const char *dir;   /* the run's policies: --policy-dir or FILE.policies */
	const char *given; /* --policy; NULL: none */
	bool started;	   /* the start event was met */
};

static int parse_args(int argc, char **argv, struct ew_input_args *in, bool *print,
		      const char **policy_dir)
{
	static const struct option longs[] = {
	    {"data-dir", required_argument, NULL, 'd'},
	    {"config", required_argument, NULL, 'c'},
	    {"policy", required_argument, NULL, 'p'},
	    {"taxonomy", required_argument, NULL, 'T'},
	    {"geo-db", required_argument, NULL, 'g'},
	    {"print", no_argument, NULL, 'P'},
	    {"policy-dir", required_argument, NULL, 'D'},
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
		case 'D':
			*policy_dir = optarg;
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

/* Whether the policy in force is the one @ev names. */
static bool in_force(const struct ew_inputs *in, const struct ew_ev_policy *ev, char *hex)
{
	uint8_t sha[EW_POLICY_SHA_LEN] = {0};

	if (in->policy_text && ew_policy_store_sha256(in->policy_text, in->policy_len, sha) == 0)
		ew_policy_store_hex(sha, hex);
	else
		snprintf(hex, EW_POLICY_HEX_LEN, "%s",
			 in->policy_text ? "?" : "(built-in default)");
	if (ev->flags & EW_POLICY_F_DEFAULT)
		return !in->policy_text;
	return in->policy_text && !memcmp(sha, ev->sha256, sizeof(sha));
}

/* The recorded policy of @ev, checked as a live reload checks one. */
static int load_recorded(const struct follow *fw, const struct ew_ev_policy *ev,
			 struct ew_policy **out, char **text, size_t *len, char *path,
			 size_t pathlen, char *err, size_t errlen)
{
	uint8_t sha[EW_POLICY_SHA_LEN];
	struct ew_policy *p = calloc(1, sizeof(*p));
	int rc;

	*text = NULL;
	*len = 0;
	if (!p)
		return -ENOMEM;
	if (ev->flags & EW_POLICY_F_DEFAULT) {
		snprintf(path, pathlen, "the built-in default policy");
		ew_policy_defaults(p);
		*out = p;
		return 0;
	}
	rc = ew_policy_store_path(fw->dir, ev->sha256, path, pathlen);
	if (!rc)
		rc = ew_policy_store_read(path, text, len, err, errlen);
	if (!rc &&
	    (ew_policy_store_sha256(*text, *len, sha) || memcmp(sha, ev->sha256, sizeof(sha)))) {
		snprintf(err, errlen, "%s: its SHA-256 is not its name: the file was changed",
			 path);
		rc = -EINVAL;
	}
	if (!rc && !(rc = ew_policy_parse(path, *text, p, err, errlen))) {
		rc = ew_inputs_check_policy(fw->in, path, p, err, errlen);
		if (rc)
			ew_policy_free(p);
	}
	if (rc) {
		if (rc == -ENAMETOOLONG)
			snprintf(err, errlen, "%s: path too long", fw->dir);
		free(p);
		free(*text);
		*text = NULL;
		return rc;
	}
	*out = p;
	return 0;
}

/* A `policy` event: the run's policy from here on, so the replay's too. */
static void follow_policy(struct follow *fw, const struct ew_ev_policy *ev)
{
	char now[EW_POLICY_HEX_LEN], want[EW_POLICY_HEX_LEN], path[4096], err[8192] = "";
	bool start = (ev->flags & EW_POLICY_F_START) && !fw->started;
	struct ew_policy *p;
	char *text;
	size_t len;

	if (ev->flags & EW_POLICY_F_START)
		fw->started = true;
	if (in_force(fw->in, ev, now))
		return;
	if (ev->flags & EW_POLICY_F_DEFAULT)
		snprintf(want, sizeof(want), "(built-in default)");
	else
		ew_policy_store_hex(ev->sha256, want);
	if (start && fw->given) {
		ew_warn("--policy %s (sha256 %s) is not the policy the run started with (sha256 "
			"%s): the replay starts under --policy, and follows the reloads recorded "
			"later",
			fw->given, now, want);
		return;
	}
	if (load_recorded(fw, ev, &p, &text, &len, path, sizeof(path), err, sizeof(err))) {
		char *save = NULL;

		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(ENOMEM));
		/* every error of the file on a line of its own, each naming the file */
		for (char *ln = strtok_r(err, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save))
			ew_err(
			    "the run switched to policy sha256 %s here, and the replay cannot: %s",
			    want, ln);
		ew_err(
		    "the replay goes on under policy sha256 %s: copy the run's file %s.json into "
		    "%s, or give --policy-dir DIR",
		    now, want, fw->dir);
		ew_pipeline_policy_missing(fw->p);
		return;
	}
	ew_pipeline_set_policy(fw->p, p);
	ew_inputs_use_policy(fw->in, p, text, len);
	ew_info("policy sha256 %s in force, as in the run: %s", want, path);
}

static int replay(struct ew_capture_reader *r, struct follow *fw, const char *file)
{
	struct ew_pipeline *p = fw->p;
	unsigned long long frames = 0;
	const void *data;
	char err[1024];
	size_t len;
	int rc;

	/* One frame read ahead (the reader keeps two): its flow-table lines are
	 * asked for while this one is worked on. */
	rc = ew_capture_next(r, &data, &len, err, sizeof(err));
	while (rc == 1) {
		const struct ew_event_hdr *h = data;
		union ew_event ev;
		const void *next = NULL;
		size_t next_len = 0;
		int next_rc = ew_capture_next(r, &next, &next_len, err, sizeof(err));

		if (next_rc == 1)
			ew_pipeline_prefetch(p, next, next_len);
		/* Before it is fed: the events after it are the new policy's. */
		if (len >= sizeof(*h) && h->type == EW_EV_POLICY &&
		    ew_decode(data, len, &ev) == EW_DEC_OK)
			follow_policy(fw, &ev.policy);
		ew_pipeline_feed(p, data, len);
		frames++;
		data = next;
		len = next_len;
		rc = next_rc;
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
	struct follow fw = {0};
	const char *policy_dir = NULL;
	char dir[4096];
	bool print = false;
	const char *file;
	char err[1024];
	int rc, status;

	/* Tables then fill and evict alike on every replay: the same records. */
	ew_hash_key_fixed();
	rc = parse_args(argc, argv, &a, &print, &policy_dir);
	if (rc)
		return rc < 0 ? EW_EXIT_OK : rc;
	file = argv[optind];
	if (!policy_dir && ew_policy_store_dir(file, dir, sizeof(dir)) == 0)
		policy_dir = dir;
	if (!policy_dir) {
		fputs("egresswatch replay: capture path too long\n", stderr);
		return EW_EXIT_USAGE;
	}
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
	fw = (struct follow){.in = &in, .p = p, .dir = policy_dir, .given = a.policy};
	status = replay(r, &fw, file);
	if (ew_pipeline_finish(p))
		status = EW_EXIT_FAIL;
	ew_pipeline_free(p);
	ew_capture_reader_close(r);
	ew_datadir_close(dd);
	ew_inputs_free(&in);
	return status;
}
