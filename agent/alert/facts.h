/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * facts.h - what an alert says about its flow, copied out of the flow and
 * its evaluation (struct ew_alert_facts), and the one sentence an analyst
 * reads (message).
 */
#ifndef EW_ALERT_FACTS_H
#define EW_ALERT_FACTS_H

#include <stddef.h>

#include "alert/alert.h"
#include "flow/flow.h"
#include "pipeline/eval.h"

/** ew_alert_facts_fill() - @x from @f as evaluated in @e (zeroed first). */
void ew_alert_facts_fill(struct ew_alert_facts *x, const struct ew_flow *f,
			 const struct ew_eval *e);

/**
 * ew_alert_facts_merge() - a fold's repeat: add @y's category counts to @x
 * (categories @x lacks are added while there is room).
 */
void ew_alert_facts_merge(struct ew_alert_facts *x, const struct ew_alert_facts *y);

/**
 * ew_alert_message() - @a->text: one sentence saying who sent which data
 * (category ids and counts, never values) to where and what approval is
 * missing, or what the agent lost; sets @a->message.
 */
void ew_alert_message(struct ew_alert *a);

#endif
