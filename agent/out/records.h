/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * records.h - the subscriber that writes every flow record and the periodic
 * metric record as ECS JSON lines into DATA_DIR/records/YYYY-MM-DD/HH.jsonl
 * (hourly.h), and metrics.prom beside them.
 */
#ifndef EW_RECORDS_H
#define EW_RECORDS_H

#include "pipeline/stage.h"

extern const struct ew_stage_def ew_records_stage;

#endif
