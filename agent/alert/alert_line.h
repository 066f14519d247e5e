/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert_line.h - one stored alert line (the ECS JSON the file sink wrote),
 * read back for `egresswatch alerts`: what the table shows and the filters
 * test. The lines come from disk: anything may be in them.
 */
#ifndef EW_ALERT_LINE_H
#define EW_ALERT_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EW_ALERT_TIME_NONE INT64_MIN

struct ew_alert_line {
	int64_t time_ns; /* @timestamp; EW_ALERT_TIME_NONE when absent or unreadable */
	int severity;	 /* enum ew_severity; -1 when absent */
	int rule;	 /* enum ew_alert_rule; -1 when absent or unknown */
	uint64_t count;	 /* egresswatch.alert.count; 1 when absent */
	char time[40];	 /* @timestamp as written */
	char rule_id[16];
	char message[1024]; /* as written (not escaped for a terminal), cut to fit */
};

/**
 * ew_alert_line_parse() - read @len bytes of @line (a JSON object; keys
 * nested like {"rule":{"id":..}} or dotted like "rule.id").
 * Return: 0, or -EINVAL when it is not a JSON object.
 */
int ew_alert_line_parse(const char *line, size_t len, struct ew_alert_line *out);

/**
 * ew_alert_time_parse() - RFC 3339: "2026-12-01T07:20:23Z",
 * "2026-12-01T15:20:23.123+08:00" (a space for the T, lowercase t/z too).
 * Return: 0, or -EINVAL.
 */
int ew_alert_time_parse(const char *s, int64_t *ns);

/**
 * ew_alert_since_parse() - --since: RFC 3339, or a span back from @now_ns:
 * "90s", "10m", "2h", "1d", "1w".
 * Return: 0, or -EINVAL.
 */
int ew_alert_since_parse(const char *s, int64_t now_ns, int64_t *ns);

struct ew_alert_filter {
	int64_t since_ns; /* EW_ALERT_TIME_NONE: any time */
	int min_severity; /* -1: any */
	int rule;	  /* -1: any */
};

/**
 * ew_alert_filter_match() - whether @l passes @f. A line without a time
 * fails a --since; one without a severity fails a --severity.
 */
bool ew_alert_filter_match(const struct ew_alert_filter *f, const struct ew_alert_line *l);

#endif
