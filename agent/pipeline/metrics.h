/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics.h - what the agent counts, collected from the stage that owns
 * each counter and written two ways: a periodic record (event.kind
 * "metric") in the records stream, and a Prometheus text file for
 * node_exporter's textfile collector. A collection is a snapshot: the
 * pipeline asks every stage for its counters each report interval.
 *
 * A family is a name with zero, one or two labels. In JSON a scalar is
 * "name": value, a labelled family "name": {"key": value} (two labels:
 * "name": {"key1": {"key2": value}}); in Prometheus egresswatch_name{...}.
 * A family flagged EW_M_LOSS counts records or bytes lost, and lost_total
 * is exactly the sum of those.
 */
#ifndef EW_METRICS_H
#define EW_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/jsonw.h"

#define EW_M_COUNTER 0x0
#define EW_M_GAUGE   0x1
#define EW_M_LOSS    0x2 /* a counter of lost records or bytes: part of lost_total */
/* A fact of this host's run, not of the events (what the live agent found and
 * attached): metrics.prom only, so a replay's metric records equal the run's. */
#define EW_M_HOST 0x4

struct ew_metrics;

struct ew_metrics *ew_metrics_new(void);
void ew_metrics_free(struct ew_metrics *m);

/** ew_metrics_add() - a scalar: name, help text, EW_M_* flags, value. */
void ew_metrics_add(struct ew_metrics *m, const char *name, const char *help, int flags,
		    uint64_t value);
/**
 * ew_metrics_add1() - one member of a family with one label: name{label="key"}.
 * Members of one family are added together, with the same help and flags.
 */
void ew_metrics_add1(struct ew_metrics *m, const char *name, const char *help, int flags,
		     const char *label, const char *key, uint64_t value);
/** ew_metrics_add2() - a family with two labels: name{label1="key1",label2="key2"}. */
void ew_metrics_add2(struct ew_metrics *m, const char *name, const char *help, int flags,
		     const char *label1, const char *key1, const char *label2, const char *key2,
		     uint64_t value);

/**
 * ew_metrics_get() - the value of a member, 0 when absent.
 * @key1, @key2: the label values, NULL for a scalar (or a one-label family's @key2).
 */
uint64_t ew_metrics_get(const struct ew_metrics *m, const char *name, const char *key1,
			const char *key2);
/** ew_metrics_sum() - the sum of every member of family @name. */
uint64_t ew_metrics_sum(const struct ew_metrics *m, const char *name);

/** ew_metrics_lost() - the sum of every EW_M_LOSS member. */
uint64_t ew_metrics_lost(const struct ew_metrics *m);

/**
 * ew_metrics_json() - the members of the egresswatch.metrics object: every
 * family, then lost_total, lost_since_previous (against @prev, the previous
 * report's collection, NULL for the first) and losses_moved (the loss
 * counters that grew since @prev, as "family.label").
 */
void ew_metrics_json(const struct ew_metrics *m, const struct ew_metrics *prev, struct ew_jsonw *w);

/**
 * ew_metrics_losses_moved() - the loss counters that grew since @prev (NULL:
 * since zero) as "family.key: growth, ..." into @buf (cut to fit).
 * Return: how many grew.
 */
size_t ew_metrics_losses_moved(const struct ew_metrics *m, const struct ew_metrics *prev, char *buf,
			       size_t len);

/**
 * ew_metrics_write_prom() - write @path atomically (temp file, rename),
 * mode 0644: the textfile collector runs as another user.
 * Return: 0 or -errno.
 */
int ew_metrics_write_prom(const struct ew_metrics *m, const char *path);

#endif
