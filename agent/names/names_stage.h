/* SPDX-License-Identifier: GPL-2.0-only */
/* names_stage.h - the enricher that names peers (egresswatch.peer.domain). */
#ifndef EW_NAMES_STAGE_H
#define EW_NAMES_STAGE_H

#include "pipeline/stage.h"

extern const struct ew_stage_def ew_names_stage;

#endif
