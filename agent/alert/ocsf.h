/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ocsf.h - an alert as an OCSF 1.3.0 Network Activity event (class 4001),
 * the second JSON shape for SIEMs that ingest OCSF (Security Lake, Splunk,
 * Sentinel's ASIM mappers). Category names and counts only, never values.
 */
#ifndef EW_OCSF_H
#define EW_OCSF_H

#include "alert/alert.h"
#include "util/jsonw.h"

/* The OCSF schema release the events follow (metadata.version). */
#define EW_OCSF_VERSION "1.3.0"

/**
 * ew_alert_ocsf() - write @a as one OCSF Network Activity object.
 * @w: a writer, reset by the caller; the object is its whole document
 * @hostname: this host (device.hostname); NULL or "" leaves device out
 * @a: the alert
 *
 * Alerts about the agent itself (no flow: EW-006..EW-009) have no network
 * activity to describe, and a 4001 event requires dst_endpoint: they are not
 * OCSF events and nothing is written. Those reach SOCs through the ECS file,
 * stdout and syslog sinks.
 *
 * Return: 0, -ENOMSG for an alert without a flow (skip it, not a drop),
 * -ENOMEM when the writer failed.
 */
int ew_alert_ocsf(struct ew_jsonw *w, const char *hostname, const struct ew_alert *a);

/** ew_alert_ocsf_severity() - severity_id: low 2, medium 3, high 4, critical 5. */
int ew_alert_ocsf_severity(enum ew_severity s);

#endif
