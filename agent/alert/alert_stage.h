/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert_stage.h - the last enricher: the alert rules on each flow record's
 * evaluation (flow_rules.h) and on each metric report (health_rules.h),
 * folding (alert_fold.h), and the alert ids the flow's records carry
 * (ew_eval.alert_ids). What it raises goes to the sinks (alert_sinks.h),
 * each of which delivers on its own thread, like a subscriber that never
 * blocks: no stage reads its output.
 */
#ifndef EW_ALERT_STAGE_H
#define EW_ALERT_STAGE_H

#include "pipeline/stage.h"

extern const struct ew_stage_def ew_alert_stage;

struct ew_pipeline;

/* A connect the enforcement hook refused (EW-010). */
struct ew_alert_refusal {
	uint64_t now_ns; /* boottime of the refusal (the event's) */
	uint32_t pid, uid;
	const char *comm;    /* the task's */
	const char *exe;     /* from the process table; NULL: unknown */
	const uint8_t *peer; /* 16 bytes, IPv4 as ::ffff:a.b.c.d */
	uint16_t port;
	bool udp;
	const char *country; /* the peer's alpha-2 as the place stage has it; NULL: unknown */
	const char *domain;  /* the peer's name; NULL: none */
};

/**
 * ew_alert_connect_refused() - raise EW-010 for @r through @p's alert stage
 * (folded like any alert: one per executable and destination per window).
 * Call it from the pipeline's thread, e.g. a stage's event() for the
 * refusal event. Return: 0, -ENOENT when alerts are off.
 */
int ew_alert_connect_refused(struct ew_pipeline *p, const struct ew_alert_refusal *r);

#endif
