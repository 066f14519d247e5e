/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * record_owner.h - the owner's part of a flow record (process, user,
 * container, egresswatch.process, and the host), encoded once per owner.
 *
 * A process's flows repeat these fields record after record; encoding them
 * was about a quarter of the record's cost. The encoded members are kept per owner,
 * keyed by everything they are made of (the process and cgroup entries by
 * their serials, which a changed entry does not keep), so a hit is the same
 * bytes as encoding afresh.
 */
#ifndef EW_RECORD_OWNER_H
#define EW_RECORD_OWNER_H

#include "pipeline/eval.h"
#include "util/jsonw.h"

struct ew_record_owners;
struct ew_record_owner;

/** ew_record_owners_new() - an empty cache; NULL without memory. */
struct ew_record_owners *ew_record_owners_new(void);
void ew_record_owners_free(struct ew_record_owners *c);

/**
 * ew_record_owner_put() - the members "process", "user" and, as the cgroup
 * says, "container", "orchestrator" and "kubernetes" of @o, into the object
 * open in @w.
 * @c: the cache, or NULL to encode without one
 * Return: the handle for ew_record_owner_put_extra() of the same @o, valid
 * until the next call (NULL: it encodes in place)
 */
const struct ew_record_owner *ew_record_owner_put(struct ew_jsonw *w, struct ew_record_owners *c,
						  const struct ew_owner *o);

/** ew_record_owner_put_extra() - the member "process" of egresswatch.*: how @o was found. */
void ew_record_owner_put_extra(struct ew_jsonw *w, const struct ew_record_owner *h,
			       const struct ew_owner *o);

/**
 * ew_record_owner_put_host() - the member "host" of the machine the owners
 * run on, named @hostname (not ""), encoded once per name.
 * @c: the cache, or NULL to encode without one
 */
void ew_record_owner_put_host(struct ew_jsonw *w, struct ew_record_owners *c, const char *hostname);

#endif
