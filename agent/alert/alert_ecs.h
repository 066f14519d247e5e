/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert_ecs.h - an alert as one ECS JSON object (schemas/alert.schema.json),
 * the shape of DATA_DIR/alerts.jsonl and stdout. Built from the alert's own
 * copies (struct ew_alert_facts) only, so it is the same for an alert
 * raised from a record and for a fold summary written later; the OCSF
 * encoder mirrors it field by field.
 */
#ifndef EW_ALERT_ECS_H
#define EW_ALERT_ECS_H

#include "alert/alert.h"
#include "util/jsonw.h"

/**
 * ew_alert_ecs_encode() - @a into @w (reset first), without a newline.
 * Fields: @timestamp, event.{kind "alert", id, code, severity, ...},
 * rule.{id, name}, message, the flow's ECS fields (source, destination,
 * network, process, user, container, host) and egresswatch.{severity,
 * flow_id, alert.{id, count, summary}, categories, verdict, missing, ...}.
 */
void ew_alert_ecs_encode(struct ew_jsonw *w, const struct ew_alert *a);

/** ew_alert_ecs_event_id() - event.id: @a->id, or "<id>-summary" for a fold summary. */
void ew_alert_ecs_event_id(const struct ew_alert *a, char *buf, size_t len);

#endif
