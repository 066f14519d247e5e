/* SPDX-License-Identifier: GPL-2.0-only */
/* rules_parse.h - what rules.c, channels.c and chanidx.c share; not for other modules. */
#ifndef EW_RULES_PARSE_H
#define EW_RULES_PARSE_H

#include "policy/rules.h"

/** ew_rules_intern() - the number of category @id, added when new; -ENOSPC when full. */
int ew_rules_intern(struct ew_rules *r, const char *id);

int ew_rules_parse_channels(struct ew_jc *jc, const cJSON *arr, int32_t today, struct ew_rules *r);
int ew_rules_parse_exemptions(struct ew_jc *jc, const cJSON *arr, int32_t today,
			      struct ew_rules *r);

void ew_chanidx_free(struct ew_chan_index *x);

#endif
