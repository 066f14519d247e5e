/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * verdict_stage.h - the enricher that gives every flow record its verdict
 * (egresswatch.route_required, verdict, rule, channel or exemption) and
 * keeps the legal entity's yearly people counters.
 */
#ifndef EW_VERDICT_STAGE_H
#define EW_VERDICT_STAGE_H

#include "pipeline/stage.h"

extern const struct ew_stage_def ew_verdict_stage;

#endif
