/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * policy.h - /etc/egresswatch/policy.json: what counts as domestic, who the
 * legal entity is. The policy engine (routes, approvals, exemptions) grows
 * here; today the flow pipeline only needs the entity and the domestic set.
 */
#ifndef EW_POLICY_H
#define EW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/labels.h"
#include "policy/rules.h"
#include "util/jsoncheck.h"

#define EW_DEFAULT_POLICY "/etc/egresswatch/policy.json"

#define EW_POLICY_MAX_COUNTRIES 32
#define EW_POLICY_MAX_NETWORKS	1024

/* An explicit network: the company's data centres, partners' endpoints. */
struct ew_policy_net {
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint8_t prefix;	  /* over the 128-bit form */
	char country[3];
	char name[64];
};

struct ew_policy {
	int version;
	char legal_entity[128];
	char domestic[EW_POLICY_MAX_COUNTRIES][3]; /* ISO 3166-1 alpha-2 */
	int n_domestic;
	struct ew_policy_net *nets; /* owned */
	int n_nets;
	struct ew_labels labels; /* "workloads" and "destinations": categories by label */
	struct ew_rules rules;	 /* ciio, channels, exemptions, thresholds, calendar */
};

/** ew_policy_domestic() - whether country @cc (alpha-2) is in the domestic set. */
bool ew_policy_domestic(const struct ew_policy *p, const char *cc);

/** ew_policy_free() - release what ew_policy_load()/parse() allocated. */
void ew_policy_free(struct ew_policy *p);

/** ew_policy_defaults() - CN only: Hong Kong, Macao and Taiwan are cross-border. */
void ew_policy_defaults(struct ew_policy *p);

/**
 * ew_policy_load() - read and check a policy file.
 * Return: 0, or -errno with "FILE: $.path: ..." in @err.
 */
int ew_policy_load(const char *path, struct ew_policy *p, char *err, size_t errlen);
/**
 * ew_policy_load_or_default() - the policy a command was given: @path must
 * exist; with @path NULL, EW_DEFAULT_POLICY is read if it exists, else the
 * defaults are used.
 * Return: 0 loaded, 1 defaults used, or -errno with the message in @err.
 */
int ew_policy_load_or_default(const char *path, struct ew_policy *p, char *err, size_t errlen);

/**
 * ew_policy_parse() - ew_policy_load() on @text, @name naming it in messages.
 * Every error is found; @err holds them one per line ("NAME: $.path: ...").
 */
int ew_policy_parse(const char *name, const char *text, struct ew_policy *p, char *err,
		    size_t errlen);

/**
 * ew_policy_check() - load @path (or @text when not NULL, named @path),
 * collecting every error and warning in @d.
 * @today: days since 1970-01-01 for "already expired" warnings, or
 *         EW_RULES_NO_DATE
 * Return: 0 (@p loaded, warnings possible), -EINVAL (errors in @d; @p
 * freed) or another -errno for I/O (one diagnostic with an empty path).
 */
int ew_policy_check(const char *path, const char *text, int32_t today, struct ew_policy *p,
		    struct ew_jc_diags *d);

#endif
