/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * inputs.h - what every command reads before it works, in one order and
 * with one set of defaults: the config file, then the policy, then the
 * geolocation databases and the taxonomy of data categories. `run`,
 * `replay` and `geo` all come through here,
 * so the same files give the same decisions live, in a replay and at the
 * command line.
 *
 * Defaults: the config is /etc/egresswatch/egresswatch.json when it exists
 * (built-in values otherwise), the policy /etc/egresswatch/policy.json when
 * it exists (domestic = CN otherwise), the databases --geo-db, else the
 * config's geo_db, else Debian's libloc database. A file named on the
 * command line or in the config must exist and work.
 */
#ifndef EW_INPUTS_H
#define EW_INPUTS_H

#include <stdbool.h>

#include "config/config.h"
#include "policy/policy.h"

struct ew_geo;
struct ew_taxonomy;

struct ew_input_args {
	const char *cmd;    /* "run": names the command in messages */
	const char *config; /* --config; NULL: the default, which may be absent */
	const char *policy; /* --policy; NULL: the default, which may be absent */
	const char *geo_db[EW_CONFIG_MAX_GEO_DB]; /* --geo-db, in order */
	int n_geo;
	const char *data_dir;  /* --data-dir: overrides the config's */
	bool geo_required;     /* the command is useless without a database */
	bool skip_geo;	       /* the command opens no database */
	const char *taxonomy;  /* --taxonomy; NULL: the config's */
	bool skip_taxonomy;    /* the command recognises no data categories */
	const char *state_dir; /* replay --state: the people counters' snapshot to start from */
};

struct ew_inputs {
	struct ew_config cfg;
	struct ew_policy pol;
	struct ew_geo *geo;			  /* NULL: no database (a warning said so) */
	const char *geo_db[EW_CONFIG_MAX_GEO_DB]; /* the files geo came from; none: the default */
	int n_geo;
	bool policy_loaded;
	const char *policy_path;      /* --policy as given; NULL: the default */
	struct ew_policy *reloaded;   /* the last policy a reload put in force; NULL: none */
	struct ew_taxonomy *taxonomy; /* NULL: the default file is absent (a warning said so) */
	char *policy_text;	      /* the policy in force's file bytes; NULL: built-in default */
	size_t policy_len;
};

/**
 * ew_input_args_geo_db() - add one --geo-db @path (in order).
 * Return: 0, or -E2BIG (said on stderr, naming a->cmd) past EW_CONFIG_MAX_GEO_DB.
 */
int ew_input_args_geo_db(struct ew_input_args *a, const char *path);

/**
 * ew_inputs_load() - read config, policy and databases, log what was used
 * and, on failure, one error naming the file, what is wrong and the fix.
 * Return: 0; -EINVAL for a bad command line, config or policy (exit 2);
 * -EIO when a required database does not work (exit 1).
 */
int ew_inputs_load(const struct ew_input_args *a, struct ew_inputs *in);
void ew_inputs_free(struct ew_inputs *in);

/** ew_inputs_policy() - the policy in force: the last reloaded, else the one read at start. */
const struct ew_policy *ew_inputs_policy(const struct ew_inputs *in);

/**
 * ew_inputs_check_policy() - what a policy needs of the other inputs: its
 * labels' categories must be the taxonomy's. @name names it in @err.
 * Return: 0 or -EINVAL with the reason in @err.
 */
int ew_inputs_check_policy(const struct ew_inputs *in, const char *name, struct ew_policy *p,
			   char *err, size_t errlen);

/**
 * ew_inputs_read_policy() - read the policy file again, checked as at start
 * (its labels' categories against the taxonomy in use). Every error is
 * logged, one per line: file, JSON path, what was expected.
 * @text, @len: receive the file's bytes (NULL: the built-in default), for
 *              ew_inputs_use_policy()
 * Return: 0 and a new policy in @out (for ew_inputs_use_policy()), -EINVAL
 * (invalid: nothing changes), -ENOMEM.
 */
int ew_inputs_read_policy(const struct ew_inputs *in, struct ew_policy **out, char **text,
			  size_t *len);

/**
 * ew_inputs_use_policy() - @p (malloc()ed, as from ew_inputs_read_policy())
 * is in force, read from @text (taken over; NULL: the built-in default):
 * the previous policy is freed (nothing may point into it any more).
 */
void ew_inputs_use_policy(struct ew_inputs *in, struct ew_policy *p, char *text, size_t len);

#endif
