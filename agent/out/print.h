/* SPDX-License-Identifier: GPL-2.0-only */
/* print.h - the subscriber behind --print: one summary line per record. */
#ifndef EW_PRINT_H
#define EW_PRINT_H

#include "pipeline/stage.h"

extern const struct ew_stage_def ew_print_stage;

#endif
