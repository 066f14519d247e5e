/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * enforced.h - which processes the kernel enforces, in the form it can test
 * at connect() without a race at exec: the executable files an enforced
 * workload's executable glob names (device and inode, found under the
 * glob's directory), and the cgroups its cgroup, systemd_unit and
 * container_id selectors match (the kernel also looks at the caller's
 * ancestors, so a unit's later children are covered). Files and cgroups
 * made after the scan are found by the next one (start, SIGHUP, reload).
 */
#ifndef EW_ENFORCED_H
#define EW_ENFORCED_H

#include <stdint.h>

#include "ew.h"
#include "policy/labels.h"

#define EW_ENF_MAX_KEYS	 16384	/* entries of ew_enf_exe and of ew_enf_cg */
#define EW_ENF_MAX_VISIT 500000 /* files looked at per executable glob */

struct ew_enf_exe_ent {
	struct ew_enf_exe_key key;
	uint64_t mask;
};

struct ew_enf_cg_ent {
	uint64_t id;
	uint64_t mask;
};

struct ew_enforced {
	uint64_t active, need_exe, need_cg;	 /* as struct ew_enf_cfg */
	const char *names[EW_ENF_MAX_WORKLOADS]; /* bit i: the workload's name (the policy's) */
	int n_workloads;
	int n_over;		    /* enforced workloads past EW_ENF_MAX_WORKLOADS: not enforced */
	struct ew_enf_exe_ent *exe; /* owned, one per file, masks merged */
	int n_exe, cap_exe;
	struct ew_enf_cg_ent *cg; /* owned, one per cgroup */
	int n_cg, cap_cg;
	int n_full; /* keys left out: the maps are full */
	int n_cut;  /* globs whose directory had more than EW_ENF_MAX_VISIT entries */
};

/**
 * ew_enforced_build() - the enforced workloads of @l and what selects them.
 * @cgroup2: the cgroup v2 mount to scan; NULL: no cgroups (selectors on them
 *           then select nothing)
 * Return: 0 or -ENOMEM; @t is for ew_enforced_free() either way.
 */
int ew_enforced_build(const struct ew_labels *l, const char *cgroup2, struct ew_enforced *t);

/** ew_enforced_exe_key() - the kernel's key for a file stat(2) gave @dev and @ino. */
struct ew_enf_exe_key ew_enforced_exe_key(uint64_t dev, uint64_t ino);

/**
 * ew_enforced_workload() - the name of the first enforced workload of @l in
 * @bits (struct ew_ev_connect_refused.workloads), or NULL.
 */
const char *ew_enforced_workload(const struct ew_labels *l, uint64_t bits);

void ew_enforced_free(struct ew_enforced *t);

#endif
