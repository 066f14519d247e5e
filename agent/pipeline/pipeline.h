/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pipeline.h - the userspace pipeline: decode → process table → flow table
 * → for each record due, the enrichers in order, then the subscribers
 * (stage.h). Live runs and replays feed it the same events; it never reads
 * the clock or the system itself, so a replay of a capture writes the same
 * records.
 */
#ifndef EW_PIPELINE_H
#define EW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/capture.h"
#include "pipeline/metrics.h"
#include "pipeline/stage.h"

struct ew_pipeline_opts {
	struct ew_stage_env env; /* env.flows is the pipeline's own */
	const char *boot_id;	 /* seeds flow ids and entity ids */
	uint32_t degraded_hooks;
};

struct ew_pipeline;

/** ew_pipeline_new() - start every registered stage; -errno with a logged reason. */
int ew_pipeline_new(const struct ew_pipeline_opts *o, struct ew_pipeline **out);

/**
 * ew_pipeline_subscribe() - add a subscriber of the caller's own (a live
 * run's kernel-map upkeep), after the registered ones. @def->init is not
 * called: @state is the caller's. Return: 0 or -ENOMEM.
 */
int ew_pipeline_subscribe(struct ew_pipeline *p, const struct ew_stage_def *def, void *state);

/** ew_pipeline_set_capture() - also write every fed event to @c (not owned). */
void ew_pipeline_set_capture(struct ew_pipeline *p, struct ew_capture *c);

/**
 * ew_pipeline_feed() - consume one event (untrusted bytes).
 * Return: 0, or -EINVAL when it did not decode (counted, nothing else lost).
 */
int ew_pipeline_feed(struct ew_pipeline *p, const void *data, size_t len);

/**
 * ew_pipeline_prefetch() - a hint that @data (untrusted, not yet decoded)
 * is fed soon: the flow-table lines its lookup will miss on are asked for
 * now, so their misses overlap the work on the events fed before it. Call
 * it one or two events ahead of the feed: each call also asks for the first
 * flow of the bucket the previous call asked for. Reads only
 * within @len and the event's size; ignores what is not a socket event;
 * changes no table, counter or record: feeding with or without it gives
 * the same output.
 */
void ew_pipeline_prefetch(struct ew_pipeline *p, const void *data, size_t len);

/** ew_pipeline_knows_proc() - whether the process table has @tgid. */
bool ew_pipeline_knows_proc(struct ew_pipeline *p, uint32_t tgid);
/** ew_pipeline_knows_cgroup() - whether the process table has cgroup @cgroup_id. */
bool ew_pipeline_knows_cgroup(struct ew_pipeline *p, uint64_t cgroup_id);
/**
 * ew_pipeline_tcp_dir() - how TCP socket @cookie's open flow began: enum
 * ew_flow_dir (EW_DIR_UNKNOWN: a sweep found it, it predates the agent), or
 * -ENOENT when it has none.
 */
int ew_pipeline_tcp_dir(struct ew_pipeline *p, uint64_t cookie);
/** ew_pipeline_open_tcp() - TCP flows open (the live side sweeps only when some are). */
uint64_t ew_pipeline_open_tcp(const struct ew_pipeline *p);

/**
 * ew_pipeline_record_soon() - a stage's event() found evidence that should
 * not wait for @f's end or its next interim record (the first content match
 * of a category): when the batch of content_hits events it came in ends (at
 * the next event not of the batch: another type, socket or time; or at
 * ew_pipeline_flush()), @f gets an
 * interim record dated at this ask, so the enrichers and the alert rules
 * see it then. Deterministic: a replay ends batches at the same events.
 * Several asks for one flow within a batch make one record; past 64 flows
 * in one batch the rest are counted (early_records_skipped_total).
 */
void ew_pipeline_record_soon(struct ew_pipeline *p, struct ew_flow *f);

/**
 * ew_pipeline_stage() - the started stage named @name ("alert"), or NULL:
 * for code outside the chain that hands a stage something (an enforcement
 * refusal to the alert stage).
 */
struct ew_stage *ew_pipeline_stage(struct ew_pipeline *p, const char *name);

/** ew_pipeline_metrics() - every stage's counters now; ew_metrics_free() it. */
struct ew_metrics *ew_pipeline_metrics(struct ew_pipeline *p);

/**
 * ew_pipeline_set_policy() - every stage uses @pol from the next event on
 * (a SIGHUP's reload); the caller may free the previous policy on return.
 * Counted as policy_reloads_total{result="ok"}.
 */
void ew_pipeline_set_policy(struct ew_pipeline *p, const struct ew_policy *pol);
/**
 * ew_pipeline_policy_rejected() - a reload found the new policy invalid and
 * kept the old: policy_reloads_total{result="invalid"}.
 */
void ew_pipeline_policy_rejected(struct ew_pipeline *p);
/**
 * ew_pipeline_policy_missing() - a replay met a `policy` event whose file it
 * could not load and kept the policy in force: replay_policy_missing_total.
 */
void ew_pipeline_policy_missing(struct ew_pipeline *p);
/** ew_pipeline_hup() - SIGHUP: every stage reopens its outputs and reloads its inputs. */
void ew_pipeline_hup(struct ew_pipeline *p);
/** ew_pipeline_flush() - the live loop drained the ring: stages hand queued output on. */
void ew_pipeline_flush(struct ew_pipeline *p);
/** ew_pipeline_poll() - once a second in a live run: stages look for changed inputs. */
void ew_pipeline_poll(struct ew_pipeline *p);

/**
 * ew_pipeline_finish() - end every open flow as of the last event, report
 * the counters once more, and finish every stage (close and compress files).
 * Return: 0 or the first error.
 */
int ew_pipeline_finish(struct ew_pipeline *p);
void ew_pipeline_free(struct ew_pipeline *p);

#endif
