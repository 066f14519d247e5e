/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * enforce.h - fills the kernel's enforcement maps from a policy: the
 * allowed networks (enforce/allowset.h), the executables and cgroups of
 * the enforced workloads (enforce/targets.h), and last the switch that
 * turns them on. A policy without "enforce" leaves the maps empty and the
 * switch off: monitor only.
 */
#ifndef EW_KERNEL_ENFORCE_H
#define EW_KERNEL_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/loader.h"
#include "policy/policy.h"

/**
 * ew_enforce_apply() - make the kernel enforce @pol, at start and again on
 * every policy reload (which also finds files and cgroups made since). With
 * a libloc database and countries to allow this takes seconds: call it off
 * the event loop's hot path, or accept the pause (the ring buffers hold it). Entries the new policy
 * keeps stay in place while the rest is added and removed, so no connect sees an empty set midway.
 * @geo_db: the geolocation files, @n_geo of them (0: the libloc default),
 *          opened only when an enforced workload needs countries as
 *          networks; a database that does not open leaves the policy's
 *          networks only (a warning says so)
 * Return: 0, or -errno (logged); on failure enforcement is switched off
 * rather than left half-filled.
 */
int ew_enforce_apply(struct ew_loader *l, const struct ew_policy *pol, const char *const *geo_db,
		     int n_geo);

/**
 * ew_enforce_rescan() - the executables and cgroups of @pol's enforced
 * workloads again (files deployed, units started since), the allowed
 * networks kept: milliseconds, for SIGHUP and every few seconds. @pol must
 * be the policy last applied. Nothing happens while enforcement is off.
 * @log: say what was found (info); otherwise only when it changed.
 * Return: 0 or -errno (logged); on failure the previous scan stays.
 */
int ew_enforce_rescan(struct ew_loader *l, const struct ew_policy *pol, bool log);

/**
 * ew_enforce_usable() - whether this kernel can enforce: an LPM trie can be
 * made. @why: the reason when it cannot. The connect hooks are probed with
 * the others.
 */
bool ew_enforce_usable(char *why, size_t whylen);

#endif
