// SPDX-License-Identifier: GPL-2.0-only
/*
 * stages.c - the registered stages, in the order they run (stage.h).
 * Adding a stage is its file and one line here.
 */
#include "pipeline/stage.h"

#include "alert/alert_stage.h"
#include "content/content_stage.h"
#include "enforce/refused.h"
#include "geo/place.h"
#include "names/names_stage.h"
#include "out/print.h"
#include "out/records.h"
#include "verdict/verdict_stage.h"

/* Each fills its part of the evaluation, in this order. */
const struct ew_stage_def *const ew_enrichers[] = {
    &ew_names_stage, &ew_place_stage, &ew_content_stage, &ew_verdict_stage, &ew_alert_stage, NULL,
};

/* Each receives every record with its evaluation, in this order. */
const struct ew_stage_def *const ew_subscribers[] = {
    &ew_records_stage,
    &ew_print_stage,
    &ew_refused_stage,
    NULL,
};
