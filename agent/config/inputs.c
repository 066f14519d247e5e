// SPDX-License-Identifier: GPL-2.0-only
#include "config/inputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/policy_store.h"
#include "content/taxonomy.h"
#include "geo/geo.h"
#include "util/log.h"

static int load_config(const struct ew_input_args *a, struct ew_config *cfg)
{
	const char *path = a->config ? a->config : EW_DEFAULT_CONFIG;
	char err[1024];
	int rc;

	rc = ew_config_load(path, cfg, err, sizeof(err));
	if (rc == -ENOENT && !a->config) {
		ew_config_defaults(cfg);
		ew_debug("%s not found: using built-in defaults", path);
		return 0;
	}
	if (rc) {
		ew_err("%s", err);
		if (rc == -ENOENT)
			ew_err("fix: give an existing file to --config, or omit --config to use "
			       "the defaults");
		return -EINVAL;
	}
	return 0;
}

/*
 * The policy file's bytes are read once and parsed from memory, so the
 * bytes a capture keeps are those the policy came from.
 */
static int read_policy(const char *given, struct ew_policy *p, char **text, size_t *len, char *err,
		       size_t errlen)
{
	const char *path = given ? given : EW_DEFAULT_POLICY;
	int rc = ew_policy_store_read(path, text, len, err, errlen);

	if (rc == -ENOENT && !given) {
		ew_policy_defaults(p);
		return 1;
	}
	if (rc)
		return rc;
	rc = ew_policy_parse(path, *text, p, err, errlen);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

static int load_policy(const struct ew_input_args *a, struct ew_inputs *in)
{
	/* every error of the file, one per line, as check-policy prints them */
	char err[8192];
	int rc =
	    read_policy(a->policy, &in->pol, &in->policy_text, &in->policy_len, err, sizeof(err));

	if (rc < 0) {
		ew_err("%s", err);
		return -EINVAL;
	}
	in->policy_loaded = true;
	if (rc == 1)
		ew_debug("%s not found: using the default policy (domestic = CN)",
			 EW_DEFAULT_POLICY);
	return 0;
}

static bool known_category(void *arg, const char *id)
{
	return ew_taxonomy_find(arg, id) != NULL;
}

/*
 * The taxonomy named by --taxonomy or the config must load; the default may
 * be absent, and then nothing is recognised, which the policy's labels
 * cannot live with (their classes are the taxonomy's).
 */
static int load_taxonomy(const struct ew_input_args *a, struct ew_inputs *in)
{
	const char *path = a->taxonomy ? a->taxonomy : in->cfg.taxonomy;
	bool named = a->taxonomy || strcmp(path, EW_DEFAULT_TAXONOMY);
	bool labels = in->pol.labels.n_workloads || in->pol.labels.n_dests;
	char err[1024];

	if (!named && access(path, F_OK) && errno == ENOENT) {
		if (labels) {
			ew_err("%s not found: the policy's workload and destination labels need "
			       "the taxonomy of data categories (install deploy/taxonomy.json "
			       "there, or set content.taxonomy in the config)",
			       path);
			return -EINVAL;
		}
		ew_warn("%s not found: no data categories are recognised (install "
			"deploy/taxonomy.json there, or set content.taxonomy in the config)",
			path);
		return 0;
	}
	if (ew_taxonomy_load(path, &in->taxonomy, err, sizeof(err)) ||
	    ew_labels_check_categories(&in->pol.labels, known_category, in->taxonomy, err,
				       sizeof(err))) {
		ew_err("%s", err);
		return -EINVAL;
	}
	ew_debug("data categories: %d from %s", ew_taxonomy_count(in->taxonomy), path);
	return 0;
}

/* Named databases must work; without any, the default is tried and may be absent. */
static int open_geo(const struct ew_input_args *a, struct ew_inputs *in)
{
	const char *where = a->n_geo ? "--geo-db" : "geo_db in the config";
	char err[1024];

	if (a->n_geo) {
		for (int i = 0; i < a->n_geo; i++)
			in->geo_db[in->n_geo++] = a->geo_db[i];
	} else {
		for (int i = 0; i < in->cfg.n_geo_db; i++)
			in->geo_db[in->n_geo++] = in->cfg.geo_db[i];
	}
	for (int i = 0; i < in->n_geo; i++) {
		if (access(in->geo_db[i], R_OK)) {
			ew_err("%s %s: %s", where, in->geo_db[i], strerror(errno));
			return -EINVAL;
		}
	}
	if (ew_geo_open(in->geo_db, in->n_geo, &in->geo, err, sizeof(err)) == 0) {
		for (int i = 0; ew_geo_describe(in->geo, i); i++)
			ew_info("geolocation: %s", ew_geo_describe(in->geo, i));
		return 0;
	}
	in->geo = NULL;
	if (in->n_geo) {
		ew_err("%s", err);
		return a->geo_required ? -EIO : -EINVAL;
	}
	if (a->geo_required) {
		ew_err("%s (install libloc-database, or give --geo-db)", err);
		return -EIO;
	}
	ew_warn("%s; records carry no country or ASN (install libloc-database, or give "
		"--geo-db)",
		err);
	return 0;
}

int ew_input_args_geo_db(struct ew_input_args *a, const char *path)
{
	if (a->n_geo == EW_CONFIG_MAX_GEO_DB) {
		fprintf(stderr, "egresswatch %s: at most %d --geo-db files\n", a->cmd,
			EW_CONFIG_MAX_GEO_DB);
		return -E2BIG;
	}
	a->geo_db[a->n_geo++] = path;
	return 0;
}

int ew_inputs_load(const struct ew_input_args *a, struct ew_inputs *in)
{
	int rc;

	memset(in, 0, sizeof(*in));
	in->policy_path = a->policy;
	if ((rc = load_config(a, &in->cfg)) || (rc = load_policy(a, in)))
		goto fail;
	if (a->data_dir)
		snprintf(in->cfg.data_dir, sizeof(in->cfg.data_dir), "%s", a->data_dir);
	if (!a->skip_taxonomy && (rc = load_taxonomy(a, in)))
		goto fail;
	if (!a->skip_geo && (rc = open_geo(a, in)))
		goto fail;
	return 0;
fail:
	ew_inputs_free(in);
	return rc;
}

void ew_inputs_free(struct ew_inputs *in)
{
	ew_geo_close(in->geo);
	in->geo = NULL;
	ew_taxonomy_free(in->taxonomy);
	in->taxonomy = NULL;
	if (in->policy_loaded)
		ew_policy_free(&in->pol);
	in->policy_loaded = false;
	if (in->reloaded)
		ew_policy_free(in->reloaded);
	free(in->reloaded);
	in->reloaded = NULL;
	free(in->policy_text);
	in->policy_text = NULL;
}

const struct ew_policy *ew_inputs_policy(const struct ew_inputs *in)
{
	return in->reloaded ? in->reloaded : &in->pol;
}

/* Each line of @err (one error each) on a log line of its own. */
static void log_lines(const char *what, char *err)
{
	char *save = NULL;

	for (char *line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ew_err("%s: %s", what, line);
}

int ew_inputs_check_policy(const struct ew_inputs *in, const char *name, struct ew_policy *p,
			   char *err, size_t errlen)
{
	if (!p->labels.n_workloads && !p->labels.n_dests)
		return 0;
	if (!in->taxonomy) {
		snprintf(err, errlen,
			 "%s: workload and destination labels need the taxonomy of data "
			 "categories, and none is installed",
			 name);
		return -EINVAL;
	}
	if (ew_labels_check_categories(&p->labels, known_category, in->taxonomy, err, errlen))
		return -EINVAL;
	return 0;
}

int ew_inputs_read_policy(const struct ew_inputs *in, struct ew_policy **out, char **text,
			  size_t *len)
{
	static const char what[] = "policy reload refused, the policy in force stays";
	struct ew_policy *p = calloc(1, sizeof(*p));
	const char *name = in->policy_path ? in->policy_path : EW_DEFAULT_POLICY;
	char err[8192] = "";
	int rc;

	*out = NULL;
	*text = NULL;
	*len = 0;
	if (!p)
		return -ENOMEM;
	rc = read_policy(in->policy_path, p, text, len, err, sizeof(err));
	if (rc < 0) {
		log_lines(what, err);
		free(p);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	if (ew_inputs_check_policy(in, name, p, err, sizeof(err))) {
		log_lines(what, err);
		ew_policy_free(p);
		free(p);
		free(*text);
		*text = NULL;
		*len = 0;
		return -EINVAL;
	}
	*out = p;
	return 0;
}

void ew_inputs_use_policy(struct ew_inputs *in, struct ew_policy *p, char *text, size_t len)
{
	if (in->reloaded) {
		ew_policy_free(in->reloaded);
		free(in->reloaded);
	} else if (in->policy_loaded) {
		ew_policy_free(&in->pol);
		in->policy_loaded = false;
	}
	in->reloaded = p;
	free(in->policy_text);
	in->policy_text = text;
	in->policy_len = len;
}
