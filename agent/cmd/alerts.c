// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch alerts: the stored alerts, as a table for people or JSON lines for tools. */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "alert/alert_files.h"
#include "alert/alert_line.h"
#include "alert/alert_table.h"
#include "alert/alert_tail.h"
#include "cmd/cmd.h"
#include "config/config.h"

static const char usage[] =
    "Usage: egresswatch alerts [OPTIONS]\n"
    "\n"
    "Print the alerts the agent raised, oldest first: the rotated hourly files\n"
    "(DATA_DIR/alerts/YYYY-MM-DD/HH.jsonl[.gz]), then DATA_DIR/alerts.jsonl\n"
    "(a link to the open hour's file, read once).\n"
    "On a terminal, a table: time, severity (in colour; NO_COLOR turns it off),\n"
    "rule and the sentence, cut to the width. Piped, or with --json, the JSON\n"
    "lines exactly as stored.\n"
    "\n"
    "Options:\n"
    "  -f, --follow          keep printing new alerts as they come (like tail -F:\n"
    "                        across rotation and truncation); stop with Ctrl-C\n"
    "  -d, --data-dir DIR    the agent's data directory (default: the config's\n"
    "                        data_dir, else " EW_DEFAULT_DATA_DIR ")\n"
    "  -c, --config FILE     config whose data_dir to read (default\n"
    "                        " EW_DEFAULT_CONFIG " when it exists)\n"
    "  -s, --since TIME      alerts at or after TIME: RFC 3339\n"
    "                        (2026-12-01T08:00:00+08:00, or Z) or a span back from\n"
    "                        now: 90s, 10m, 2h, 1d, 1w\n"
    "  -S, --severity LEVEL  LEVEL and above: low, medium, high, critical\n"
    "  -r, --rule ID         one rule's alerts, e.g. EW-001 (rules below)\n"
    "  -j, --json            JSON lines even on a terminal\n"
    "  -h, --help            this text\n"
    "\n"
    "Rules:\n"
#define EW_X(name, id, title, sev) "  " id "  " title "\n"
    EW_ALERT_RULES(EW_X)
#undef EW_X
	"\n"
	"Exit status: 0 printed (or nothing matched), 1 data directory unreadable,\n"
	"2 bad option.\n";

struct view {
	struct ew_alert_filter filter;
	bool table, colour;
	uint64_t shown, malformed;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int term_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (cols && atoi(cols) > 0)
		return atoi(cols);
	return 80;
}

static int show(void *arg, const char *line, size_t len)
{
	struct view *v = arg;
	struct ew_alert_line l;
	static char row[8192];

	if (ew_alert_line_parse(line, len, &l)) {
		v->malformed++;
		return 0;
	}
	if (!ew_alert_filter_match(&v->filter, &l))
		return 0;
	v->shown++;
	if (!v->table) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
		return 0;
	}
	ew_alert_table_row(row, sizeof(row), &l, term_width(), v->colour);
	puts(row);
	return 0;
}

static int bad_usage(const char *fmt, const char *arg)
{
	fputs("egresswatch alerts: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'egresswatch alerts --help'.\n", stderr);
	return EW_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct view *v, bool *follow, const char **dir,
		      const char **config)
{
	static const struct option longs[] = {
	    {"follow", no_argument, NULL, 'f'},
	    {"data-dir", required_argument, NULL, 'd'},
	    {"since", required_argument, NULL, 's'},
	    {"severity", required_argument, NULL, 'S'},
	    {"rule", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "fd:c:s:S:r:jh", longs, NULL)) != -1) {
		switch (c) {
		case 'f':
			*follow = true;
			break;
		case 'd':
			*dir = optarg;
			break;
		case 'c':
			*config = optarg;
			break;
		case 's':
			if (ew_alert_since_parse(optarg, now_ns(), &v->filter.since_ns))
				return bad_usage("--since \"%s\": give RFC 3339 "
						 "(2026-12-01T08:00:00Z) or a span (10m, 2h, 1d)",
						 optarg);
			break;
		case 'S':
			v->filter.min_severity = ew_severity_by_name(optarg);
			if (v->filter.min_severity < 0)
				return bad_usage("--severity \"%s\": give low, medium, high or "
						 "critical",
						 optarg);
			break;
		case 'r':
			v->filter.rule = ew_alert_rule_by_id(optarg);
			if (v->filter.rule < 0)
				return bad_usage("--rule \"%s\": no such rule (EW-001 .. EW-010; "
						 "see --help)",
						 optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EW_EXIT_OK;
		default:
			fputs("Try 'egresswatch alerts --help'.\n", stderr);
			return EW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument \"%s\"", argv[optind]);
	v->table = !json && isatty(STDOUT_FILENO);
	v->colour = v->table && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]) &&
		    !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb"));
	return -1;
}

static int read_history(const char *dir, const struct ew_alert_tail *tail, struct view *v)
{
	struct ew_alert_files files;
	struct stat live;
	int rc = ew_alert_files_history(dir, v->filter.since_ns,
					ew_alert_tail_stat(tail, &live) ? NULL : &live, &files);

	if (rc) {
		fprintf(stderr, "egresswatch alerts: %s: %s\n", dir, strerror(-rc));
		return EW_EXIT_FAIL;
	}
	for (size_t i = 0; i < files.n; i++) {
		rc = ew_alert_files_read(files.paths[i], show, v, &v->malformed);
		if (rc && rc != -ENOENT) /* rotated away meanwhile: its lines are in the next */
			fprintf(stderr, "egresswatch alerts: %s: %s (skipped)\n", files.paths[i],
				strerror(-rc));
	}
	ew_alert_files_free(&files);
	return EW_EXIT_OK;
}

/* --data-dir, else the config's data_dir, as `run` would write there. */
static int data_dir(const char *dir_arg, const char *config, struct ew_config *c, const char **dir)
{
	char err[512];
	int rc;

	*dir = dir_arg;
	if (dir_arg)
		return 0;
	if (!config && access(EW_DEFAULT_CONFIG, F_OK))
		config = NULL;
	else if (!config)
		config = EW_DEFAULT_CONFIG;
	if (!config) {
		*dir = EW_DEFAULT_DATA_DIR;
		return 0;
	}
	rc = ew_config_load(config, c, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "egresswatch alerts: %s\n", err);
		return EW_EXIT_USAGE;
	}
	*dir = c->data_dir;
	return 0;
}

int ew_cmd_alerts(int argc, char **argv)
{
	struct view v = {
	    .filter = {.since_ns = EW_ALERT_TIME_NONE, .min_severity = -1, .rule = -1}};
	const char *dir_arg = NULL, *config = NULL, *dir;
	static struct ew_config cfg;
	char live[4096], head[256];
	struct ew_alert_tail *tail;
	bool follow = false;
	struct stat st;
	int rc;

	rc = parse_args(argc, argv, &v, &follow, &dir_arg, &config);
	if (rc >= 0)
		return rc; /* help, or a bad option */
	rc = data_dir(dir_arg, config, &cfg, &dir);
	if (rc)
		return rc;
	setlocale(LC_CTYPE, ""); /* wcwidth() of the sentences' characters */
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"egresswatch alerts: %s: %s (the agent's data directory; give another "
			"with --data-dir DIR)\n",
			dir, errno ? strerror(errno) : "not a directory");
		return EW_EXIT_FAIL;
	}
	if (ew_alert_files_live(dir, live, sizeof(live)) || ew_alert_tail_open(&tail, live)) {
		fprintf(stderr, "egresswatch alerts: %s: path too long\n", dir);
		return EW_EXIT_USAGE;
	}
	if (v.table) {
		ew_alert_table_header(head, sizeof(head), term_width(), v.colour);
		puts(head);
	}
	rc = read_history(dir, tail, &v);
	if (rc == EW_EXIT_OK)
		rc = ew_alert_tail_poll(tail, show, &v) ? EW_EXIT_FAIL : EW_EXIT_OK;
	fflush(stdout);
	/* a 200 ms poll: new alerts show within a second, at no cost worth an inotify watch */
	while (follow && rc == EW_EXIT_OK) {
		poll(NULL, 0, 200);
		if (ew_alert_tail_poll(tail, show, &v) < 0)
			rc = EW_EXIT_FAIL;
		fflush(stdout);
	}
	v.malformed += ew_alert_tail_skipped(tail);
	ew_alert_tail_close(tail);
	if (v.table && !v.shown)
		fputs("(no alerts)\n", stdout);
	if (v.malformed)
		fprintf(stderr, "egresswatch alerts: skipped %llu line(s) that are not alerts\n",
			(unsigned long long)v.malformed);
	return rc;
}
