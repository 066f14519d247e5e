/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stage.h - the contract between the pipeline and its stages.
 *
 * The pipeline decodes each event, keeps the process and flow tables, and
 * hands every event a stage asked for to that stage. When a flow record is
 * due it builds one evaluation (eval.h): the enrichers fill it in the order
 * of registration (names, then place: geolocation and border; later content
 * and verdict), then every subscriber gets the flow and its evaluation (the
 * records writer, metrics.prom, --print; in a live run the kernel-map upkeep).
 * A stage owns its state and its counters and exports them through
 * metrics(); it may keep a few bytes per flow (flow_slot), zeroed when the
 * flow is created and released in flow_free(). Adding a stage is its file
 * and one line in stages.c. No stage reads another's output.
 *
 * Stages never read the clock or the system (but in poll(), live only), so
 * a replay of a capture evaluates every record as the live run did.
 */
#ifndef EW_STAGE_H
#define EW_STAGE_H

#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "flow/flow.h"
#include "pipeline/decode.h"
#include "pipeline/eval.h"
#include "pipeline/metrics.h"
#include "policy/policy.h"

struct ew_geo;
struct ew_taxonomy;

/* What a stage is given when it starts; valid for the pipeline's life, but
 * the policy: valid until the stage's policy() hook hands it a new one. */
struct ew_stage_env {
	const struct ew_config *cfg;
	const struct ew_policy *policy;
	const char *data_dir;
	const char *hostname;
	FILE *print;		   /* --print: a line per record here; NULL: none */
	struct ew_geo **geo;	   /* opened by the command; the place stage takes it (sets NULL) */
	const char *const *geo_db; /* the files it came from (reloads), n_geo_db of them */
	int n_geo_db;
	const struct ew_taxonomy *taxonomy; /* the data categories; NULL: none installed */
	struct ew_flows *flows;		    /* to find a flow by its socket */
	bool replay;			    /* fed from a capture: wait rather than drop */
	/* where the yearly people counters live; NULL: DATA_DIR/state (run),
	 * none (replay: counted from zero, never saved) */
	const char *state_dir;
};

struct ew_stage;

struct ew_stage_def {
	const char *name;
	size_t flow_slot;    /* bytes of per-flow state (ew_stage_slot), 4-byte aligned */
	uint64_t event_mask; /* EW_STAGE_EV(type) of the events it wants */
	/** init() - set s->state; -errno (logged) stops the pipeline's start. */
	int (*init)(struct ew_stage *s, const struct ew_stage_env *env);
	/** event() - a decoded event, after the pipeline's tables; @f the flow it touched, or NULL.
	 */
	void (*event)(struct ew_stage *s, const union ew_event *ev, struct ew_flow *f);
	/** enrich() - enrichers: fill their part of @e. */
	void (*enrich)(struct ew_stage *s, const struct ew_flow *f, struct ew_eval *e);
	/** record() - subscribers: one flow record. */
	void (*record)(struct ew_stage *s, const struct ew_flow *f, const struct ew_eval *e);
	/**
	 * report() - subscribers: the periodic counters of every stage, at boottime
	 * @now; @prev: the previous report's (NULL at the first).
	 */
	void (*report)(struct ew_stage *s, const struct ew_metrics *m,
		       const struct ew_metrics *prev, uint64_t now, int64_t realtime_offset_ns);
	/** flow_free() - @f leaves the table: release what its slot holds. */
	void (*flow_free)(struct ew_stage *s, struct ew_flow *f);
	/** metrics() - add this stage's counters. */
	void (*metrics)(struct ew_stage *s, struct ew_metrics *m);
	/** flush() - the live loop drained the kernel's ring: hand queued output on now. */
	void (*flush)(struct ew_stage *s);
	/**
	 * policy() - a reloaded policy replaces env->policy from the next event
	 * on. The old one is freed when every stage has returned: a stage keeps
	 * no pointer into it (indexes derived from it are derived again).
	 */
	void (*policy)(struct ew_stage *s, const struct ew_policy *p);
	/** hup() - SIGHUP: reopen outputs, reload inputs. */
	void (*hup)(struct ew_stage *s);
	/** poll() - once a second in a live run: inputs that changed on disk. */
	void (*poll)(struct ew_stage *s);
	/** finish() - the orderly end: flush and close. Return: 0 or the first -errno. */
	int (*finish)(struct ew_stage *s);
	void (*free)(struct ew_stage *s);
};

#define EW_STAGE_EV(type) (1ull << (type))

struct ew_stage {
	const struct ew_stage_def *def;
	void *state;
	size_t slot_off; /* of this stage's flow slot, set by the pipeline */
	struct ew_pipeline *pipeline;
};

static inline void *ew_stage_slot(const struct ew_stage *s, const struct ew_flow *f)
{
	return ew_flow_ext(f, s->slot_off);
}

/* The registered stages, in order (stages.c). */
extern const struct ew_stage_def *const ew_enrichers[];
extern const struct ew_stage_def *const ew_subscribers[];

#endif
