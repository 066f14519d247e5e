/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pipeline.h - the userspace pipeline: decode → process table → flow table
 * → records → sinks. Live runs and replays feed it the same events; it
 * never reads the clock or the system itself, so a replay of a capture
 * writes the same records. Later stages (names, geo, classify, policy)
 * plug in between the flow table and the record encoder.
 */
#ifndef EW_PIPELINE_H
#define EW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/capture.h"
#include "geo/geo.h"
#include "policy/policy.h"
#include "flow/flow.h"
#include "out/metrics.h"

struct ew_pipeline_opts {
	uint32_t report_interval_s; /* interim records and metric records */
	uint32_t udp_idle_timeout_s;
	uint32_t flow_table_max;
	uint32_t dns_cache_entries; /* 0: 65536 */
	const char *data_dir;	    /* records/ and metrics.prom go here */
	const char *boot_id;
	const char *hostname;
	FILE *print; /* non-NULL: a one-line summary of each record */
	ew_flow_udp_end_fn udp_end;
	void *udp_end_arg;
	uint32_t degraded_hooks;
	struct ew_geo *geo;		/* may be NULL: no geolocation */
	const struct ew_policy *policy; /* domestic set and explicit networks */
};

struct ew_pipeline;

/** ew_pipeline_new() - open the sinks under data_dir; -errno with a logged reason. */
int ew_pipeline_new(const struct ew_pipeline_opts *o, struct ew_pipeline **out);

/** ew_pipeline_set_capture() - also write every fed event to @c (not owned). */
void ew_pipeline_set_capture(struct ew_pipeline *p, struct ew_capture *c);

/**
 * ew_pipeline_feed() - consume one event (untrusted bytes).
 * Return: 0, or -EINVAL when it did not decode (counted, nothing else lost).
 */
int ew_pipeline_feed(struct ew_pipeline *p, const void *data, size_t len);

/** ew_pipeline_needs() - whether the pipeline lacks this process or cgroup. */
bool ew_pipeline_knows_proc(struct ew_pipeline *p, uint32_t tgid);
bool ew_pipeline_knows_cgroup(struct ew_pipeline *p, uint64_t cgroup_id);
/** ew_pipeline_open_tcp() - TCP flows open (the live side sweeps only when some are). */
uint64_t ew_pipeline_open_tcp(const struct ew_pipeline *p);

/** ew_pipeline_metrics() - a snapshot of every counter. */
void ew_pipeline_metrics(const struct ew_pipeline *p, struct ew_metrics *m);

/**
 * ew_pipeline_set_geo() - use @geo from the next record on (a reload).
 * The caller owns both databases and closes the old one after this call.
 */
void ew_pipeline_set_geo(struct ew_pipeline *p, struct ew_geo *geo);
/** ew_pipeline_geo_reload_failed() - count a reload that kept the old databases. */
void ew_pipeline_geo_reload_failed(struct ew_pipeline *p);

/** ew_pipeline_reopen() - SIGHUP: reopen output files. */
int ew_pipeline_reopen(struct ew_pipeline *p);

/**
 * ew_pipeline_finish() - end every open flow as of the last event, write a
 * metric record and metrics.prom, close and compress the records files.
 * Return: 0 or the first write error.
 */
int ew_pipeline_finish(struct ew_pipeline *p);
void ew_pipeline_free(struct ew_pipeline *p);

#endif
