/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics.h - what the agent counts, written two ways: a periodic record
 * (event.kind "metric") in the records stream, and a Prometheus text file
 * for node_exporter's textfile collector. Each counter is owned by the
 * stage that counts it; this is only a snapshot of them.
 */
#ifndef EW_METRICS_H
#define EW_METRICS_H

#include <stdint.h>

#include "pipeline/decode.h"
#include "names/dns_cache.h"
#include "ew.h"
#include "flow/flow.h"
#include "util/jsonw.h"

/* Which parser met the untrusted bytes. */
enum ew_parser { EW_PARSER_TLS, EW_PARSER_HTTP, EW_PARSER_DNS, EW_PARSER_MAX };

struct ew_metrics {
	uint64_t events[EW_EV_TYPE_MAX];
	uint64_t decode_errors[EW_DEC_MAX];
	uint64_t kstats[EW_KSTAT_MAX]; /* the kernel's, as last read */
	struct ew_flow_stats flows;
	uint64_t procs;
	uint64_t records_written;
	uint64_t record_write_errors;
	uint64_t capture_write_errors;
	uint64_t proc_lookups_failed; /* a socket event whose process was already gone */
	uint64_t degraded_hooks;
	/* names stage */
	uint64_t parsed[EW_PARSER_MAX][EW_PARSE_MAX]; /* untrusted payloads, by outcome */
	uint64_t named[EW_NAME_SOURCE_MAX];	      /* flows given a name, by source */
	uint64_t names_unmatched;		      /* a TCP name whose socket has no flow */
	uint64_t names_live;
	struct ew_dns_cache_stats dns;
	uint64_t geo_reloads;
	uint64_t geo_reload_failures; /* the databases in use were kept */
};

/** ew_metrics_lost() - everything dropped anywhere, for the one-line summary. */
uint64_t ew_metrics_lost(const struct ew_metrics *m);

/** ew_metrics_json() - the members of the egresswatch.metrics object. */
void ew_metrics_json(struct ew_jsonw *w, const struct ew_metrics *m);

/**
 * ew_metrics_write_prom() - write @path atomically (temp file, rename),
 * mode 0644: the textfile collector runs as another user.
 * Return: 0 or -errno.
 */
int ew_metrics_write_prom(const struct ew_metrics *m, const char *path);

#endif
