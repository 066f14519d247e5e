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

#endif
