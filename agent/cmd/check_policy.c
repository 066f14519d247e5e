// SPDX-License-Identifier: GPL-2.0-only
/*
 * egresswatch check-policy: every mistake in a policy file at once, with
 * its JSON path, so counsel and operators fix a file in one pass before
 * `run` (which refuses the same file with the same messages).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "config/config.h"
#include "content/taxonomy.h"
#include "policy/policy.h"
#include "util/jsonw.h"

static const char usage[] =
    "Usage: egresswatch check-policy [OPTIONS] FILE\n"
    "\n"
    "Check a policy file (" EW_DEFAULT_POLICY "): report every error, not only\n"
    "the first, each as FILE: JSON-PATH: what was expected; and warnings (a\n"
    "channel already expired, valid_until before valid_from, an exemption\n"
    "without the evidence it needs, a category the taxonomy does not know).\n"
    "An \"enforce\": true workload the kernel cannot select at connect() is an\n"
    "error (command_line alone; an executable glob that is not absolute); a\n"
    "command_line beside other selectors is a warning: the others decide.\n"
    "\n"
    "Options:\n"
    "  -t, --taxonomy FILE   also check category ids against this taxonomy\n"
    "      --today DATE      date for expiry warnings, YYYY-MM-DD (default:\n"
    "                        today in the policy's timezone)\n"
    "  -j, --json            one JSON object: {file, valid, errors[], warnings[]}\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 valid (warnings possible), 1 invalid, 2 bad option or the\n"
    "file cannot be read.\n";

struct tax_ctx {
	const struct ew_taxonomy *tax;
};

static bool tax_known(void *arg, const char *id)
{
	const struct tax_ctx *c = arg;

	return ew_taxonomy_find(c->tax, id) != NULL;
}

/* Category ids the rules name that the taxonomy lacks: warnings, as they may be added later. */
static void check_categories(const struct ew_policy *p, const struct ew_taxonomy *tax,
			     struct ew_jc_diags *d, const char *file)
{
	struct tax_ctx c = {.tax = tax};
	struct ew_jc jc = {.file = file, .err = NULL, .errlen = 0, .diags = d};
	char err[1024];

	for (int i = 0; i < p->rules.n_cats; i++)
		if (!ew_taxonomy_find(tax, p->rules.cats[i]))
			ew_jc_warn(&jc, "$.channels|$.exemptions",
				   "category \"%s\" is not in the taxonomy", p->rules.cats[i]);
	if (ew_labels_check_categories(&p->labels, tax_known, &c, err, sizeof(err)))
		ew_jc_warn(&jc, "$.workloads|$.destinations", "%s", err);
}

static void print_text(const char *file, const struct ew_jc_diags *d)
{
	for (int i = 0; i < d->n; i++) {
		const struct ew_jc_diag *g = &d->v[i];

		/* "FILE:LINE:COL: not valid JSON" as compilers print it */
		if (!g->path[0] && isdigit((unsigned char)g->msg[0]))
			fprintf(stderr, "%s:%s\n", file, g->msg);
		else
			fprintf(stderr, "%s: %s%s%s%s\n", file, g->warning ? "warning: " : "",
				g->path, g->path[0] ? ": " : "", g->msg);
	}
	if (d->dropped)
		fprintf(stderr, "%s: %d more not shown\n", file, d->dropped);
	if (d->n_errors)
		fprintf(stderr, "%s: %d error%s, %d warning%s\n", file, d->n_errors,
			d->n_errors == 1 ? "" : "s", d->n_warnings, d->n_warnings == 1 ? "" : "s");
	else
		printf("%s: valid (%d warning%s)\n", file, d->n_warnings,
		       d->n_warnings == 1 ? "" : "s");
}

static void print_json(const char *file, const struct ew_jc_diags *d)
{
	struct ew_jsonw w;

	ew_jsonw_init(&w);
	ew_jsonw_obj_begin(&w, NULL);
	ew_jsonw_str(&w, "file", file);
	ew_jsonw_bool(&w, "valid", d->n_errors == 0);
	for (int pass = 0; pass < 2; pass++) {
		ew_jsonw_arr_begin(&w, pass ? "warnings" : "errors");
		for (int i = 0; i < d->n; i++) {
			if (d->v[i].warning != (pass == 1))
				continue;
			ew_jsonw_obj_begin(&w, NULL);
			ew_jsonw_str(&w, "path", d->v[i].path);
			ew_jsonw_str(&w, "message", d->v[i].msg);
			ew_jsonw_obj_end(&w);
		}
		ew_jsonw_arr_end(&w);
	}
	ew_jsonw_obj_end(&w);
	if (w.buf)
		printf("%.*s\n", (int)w.len, w.buf);
	ew_jsonw_free(&w);
}

int ew_cmd_check_policy(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"taxonomy", required_argument, NULL, 't'},
	    {"today", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *taxonomy = NULL, *today_s = NULL;
	struct ew_jc_diags d = {0};
	struct ew_policy p;
	bool json = false;
	int32_t today = EW_RULES_NO_DATE;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:jh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			taxonomy = optarg;
			break;
		case 'd':
			today_s = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EW_EXIT_OK;
		default:
			fputs(usage, stderr);
			return EW_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "check-policy: give one FILE\n\n%s", usage);
		return EW_EXIT_USAGE;
	}
	if (today_s && ew_rules_date_parse(today_s, &today)) {
		fprintf(stderr, "check-policy: --today: expected YYYY-MM-DD\n");
		return EW_EXIT_USAGE;
	}
	if (!today_s) {
		struct ew_rules def;

		/* the default timezone; a policy's own is close enough for a warning */
		ew_rules_defaults(&def);
		today = ew_rules_day(&def, (int64_t)time(NULL));
	}
	rc = ew_policy_check(argv[optind], NULL, today, &p, &d);
	if (rc && rc != -EINVAL) {
		print_text(argv[optind], &d);
		ew_jc_diags_free(&d);
		return EW_EXIT_USAGE;
	}
	if (!rc && taxonomy) {
		struct ew_taxonomy *tax = NULL;
		char err[1024];

		if (ew_taxonomy_load(taxonomy, &tax, err, sizeof(err))) {
			fprintf(stderr, "check-policy: %s\n", err);
			ew_policy_free(&p);
			ew_jc_diags_free(&d);
			return EW_EXIT_USAGE;
		}
		check_categories(&p, tax, &d, argv[optind]);
		ew_taxonomy_free(tax);
	}
	if (!rc)
		ew_policy_free(&p);
	if (json)
		print_json(argv[optind], &d);
	else
		print_text(argv[optind], &d);
	rc = d.n_errors ? EW_EXIT_FAIL : EW_EXIT_OK;
	ew_jc_diags_free(&d);
	return rc;
}
