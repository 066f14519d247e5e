/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * syslog_sink.h - alerts as RFC 5424 messages on the local syslog socket
 * (/dev/log, a unix datagram socket), for SOCs whose collectors read syslog:
 *
 *   <130>1 2026-12-01T07:20:23.123+00:00 host1 egresswatch 812 EW-001
 *   [egresswatch@32473 rule="EW-001" severity="critical" alert_id="b00f-1"
 *   flow_id="abcdef0123456789"] uploader sent VINs of 12 people to US ...
 *
 * The structured data carries what SOC filters match (rule, severity, alert
 * and flow ids); MSGID is the rule id as well, for collectors that drop
 * structured data. Sends never block: a full socket or an absent syslogd
 * is a drop the caller counts. One sink is used by one thread at a time
 * (it formats into its own buffer).
 */
#ifndef EW_SYSLOG_SINK_H
#define EW_SYSLOG_SINK_H

#include <stddef.h>

#include "alert/alert.h"

#define EW_SYSLOG_PATH "/dev/log"
/*
 * 32473 is the Private Enterprise Number RFC 5612 reserves for examples and
 * documentation; the project has none of its own. SD-IDs with it are valid.
 */
#define EW_SYSLOG_SD_ID "egresswatch@32473"
/* local0: kept apart from the system's own facilities, so a collector can route it */
#define EW_SYSLOG_FACILITY_DEFAULT 16
/* Fits any syslogd's datagram limit (rsyslog's default maxMessageSize is 8k). */
#define EW_SYSLOG_MAX 2048

struct ew_syslog_opts {
	const char *path;     /* NULL: EW_SYSLOG_PATH */
	const char *hostname; /* NULL: gethostname() */
	int facility;	      /* 0..23 (ew_syslog_facility_by_name()); -1: the default */
};

struct ew_syslog;

/**
 * ew_syslog_facility_by_name() - "local0".."local7", "user", "daemon",
 * "auth" (also "security"), "authpriv", "audit" (13), "alert" (14).
 * Return: the facility code, or -EINVAL.
 */
int ew_syslog_facility_by_name(const char *name);

/** ew_syslog_severity() - syslog severity: critical 2, high 3, medium 4, low 5. */
int ew_syslog_severity(enum ew_severity s);

/**
 * ew_syslog_format() - @a as one RFC 5424 message.
 * @buf: receives it, NUL-terminated (the NUL is not sent)
 * @n: size of @buf; the sentence is cut (on a UTF-8 boundary) to fit
 * @facility: 0..23
 * @hostname: HOSTNAME; non-printable or space bytes become '_'; NULL or "": "-"
 * @procid: PROCID
 * @a: the alert
 *
 * flow_id is there when the alert has a flow or a flow id (a fold summary
 * has no flow). PARAM-VALUEs escape '"', '\\' and ']' with a backslash; control bytes in
 * the sentence become spaces, so the message stays on one line.
 *
 * Return: the length, or -ENOSPC when @n cannot hold the header.
 */
int ew_syslog_format(char *buf, size_t n, int facility, const char *hostname, int procid,
		     const struct ew_alert *a);

/**
 * ew_syslog_open() - a sink on @o->path. A syslogd that is not (yet)
 * listening is not an error: each send tries to connect again.
 * Return: 0 or -errno (-ENOMEM, -EINVAL for a facility out of range).
 */
int ew_syslog_open(struct ew_syslog **out, const struct ew_syslog_opts *o);

/**
 * ew_syslog_send() - format and send @a without blocking. A socket the
 * syslogd has left (it restarted) is reconnected and the send retried once.
 * Return: 0, or -errno for a dropped alert: -EAGAIN when syslogd is behind,
 * -ECONNREFUSED / -ENOENT when none listens.
 */
int ew_syslog_send(struct ew_syslog *s, const struct ew_alert *a);

/**
 * ew_syslog_encode() - ew_syslog_format() with @s's facility, hostname and
 * pid. Reads only what ew_syslog_open() set, so one thread may encode while
 * another sends with ew_syslog_sendn() (a sink's encode and deliver).
 * Return: the length, or -ENOSPC.
 */
int ew_syslog_encode(const struct ew_syslog *s, const struct ew_alert *a, char *buf, size_t n);

/**
 * ew_syslog_sendn() - send an already formatted message (@len bytes),
 * reconnecting as ew_syslog_send() does. Return: as ew_syslog_send().
 */
int ew_syslog_sendn(struct ew_syslog *s, const char *msg, size_t len);

/** ew_syslog_close() - close and free; NULL is fine. */
void ew_syslog_close(struct ew_syslog *s);

#endif
