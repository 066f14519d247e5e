/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert_sinks.h - the sinks the config switches on (alerts.file,
 * alerts.stdout, alerts.syslog, alerts.ocsf), each behind its own queue
 * and thread (sink.h), fed every alert the alert stage sends.
 */
#ifndef EW_ALERT_SINKS_H
#define EW_ALERT_SINKS_H

#include "alert/sink.h"
#include "pipeline/metrics.h"

struct ew_alert_sinks;

/** ew_alert_syslog_open() - RFC 5424 to alerts.syslog_socket (alert_syslog.c). */
int ew_alert_syslog_open(const struct ew_alert_sink_env *env, struct ew_alert_sink **out);
/** ew_alert_ocsf_open() - OCSF 4001 lines under DATA_DIR/alerts-ocsf (ocsf_sink.c). */
int ew_alert_ocsf_open(const struct ew_alert_sink_env *env, struct ew_alert_sink **out);

/** ew_alert_sinks_open() - open every sink switched on; -errno when one fails (logged). */
int ew_alert_sinks_open(const struct ew_alert_sink_env *env, struct ew_alert_sinks **out);
/** ew_alert_sinks_put() - @a to every sink (encoded now, delivered by each sink's thread). */
void ew_alert_sinks_put(struct ew_alert_sinks *s, const struct ew_alert *a);
/** ew_alert_sinks_reopen() - SIGHUP. */
void ew_alert_sinks_reopen(struct ew_alert_sinks *s);
/** ew_alert_sinks_wait() - until every sink delivered what it was given. */
void ew_alert_sinks_wait(struct ew_alert_sinks *s);
/** ew_alert_sinks_metrics() - alerts_dropped_total{sink}, alerts_failed_total{sink}. */
void ew_alert_sinks_metrics(struct ew_alert_sinks *s, struct ew_metrics *m);
/** ew_alert_sinks_stop() - deliver, stop and close every sink; counters stay. 0 or -errno. */
int ew_alert_sinks_stop(struct ew_alert_sinks *s);
void ew_alert_sinks_free(struct ew_alert_sinks *s);

#endif
