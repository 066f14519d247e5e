/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * content_stage.h - the enricher that says which data categories a flow
 * carried and how much of it was inspected: it tallies the content
 * engine's derived events (content_hits, content_status) per flow, and the
 * policy's workload and destination labels per record.
 */
#ifndef EW_CONTENT_STAGE_H
#define EW_CONTENT_STAGE_H

#include "pipeline/stage.h"

/* Distinct people held per flow and category: past it subjects_total is a lower bound. */
#define EW_CONTENT_SUBJECTS_MAX 4096

extern const struct ew_stage_def ew_content_stage;

#endif
