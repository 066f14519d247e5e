/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sink.h - where alerts go: a file, stdout, syslog, OCSF. Each sink encodes
 * an alert on the pipeline's thread (the alert and what it points to are
 * valid then) and delivers the bytes on a thread of its own, behind a
 * bounded queue: a slow sink (a full disk, a stuck syslog daemon, a paused
 * reader of stdout) never holds up the pipeline. What does not fit in the
 * queue is dropped and counted (alerts_dropped_total{sink}); a replay waits
 * for room instead, as the records writer does.
 *
 * A new sink is its ops, an open function in its own file and one line in
 * alert_sinks.c's table.
 */
#ifndef EW_ALERT_SINK_H
#define EW_ALERT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "alert/alert.h"

struct ew_config;

/* A sink's work; ctx is its own. */
struct ew_alert_sink_ops {
	const char *name; /* the metrics' sink label: "file", "stdout", "syslog", "ocsf" */
	/**
	 * encode() - the pipeline's thread: @a as this sink sends it, into @buf.
	 * Return: bytes written, -ENOMSG when @a is not for this sink (skipped,
	 * not counted), or -errno (the alert is counted as failed).
	 */
	ssize_t (*encode)(void *ctx, const struct ew_alert *a, char *buf, size_t cap);
	/**
	 * deliver() - the sink's thread: one encoded alert; @time_ns is its wall
	 * clock (a file's hour). Return: 0 or -errno (counted as failed).
	 */
	int (*deliver)(void *ctx, int64_t time_ns, const char *msg, size_t len);
	/** flush() - the sink's thread, after the alerts it had: 0 or -errno. May be NULL. */
	int (*flush)(void *ctx);
	/** reopen() - the sink's thread, on SIGHUP (a file moved away). May be NULL. */
	void (*reopen)(void *ctx);
	/** close() - after the thread delivered the last alert and stopped: free @ctx. */
	int (*close)(void *ctx);
};

/* What a sink's open function is given. */
struct ew_alert_sink_env {
	const struct ew_config *cfg;
	const char *data_dir;
	const char *hostname;
	bool replay; /* wait for room rather than drop */
};

struct ew_alert_sink_stats {
	uint64_t put;	  /* alerts handed to the sink */
	uint64_t sent;	  /* delivered */
	uint64_t dropped; /* the queue was full */
	uint64_t failed;  /* encode or deliver said no */
	uint64_t queued;  /* waiting now */
};

struct ew_alert_sink;

/** Largest encoded alert (bytes); longer ones fail and are counted. */
#define EW_ALERT_SINK_MSG_MAX 16384

/**
 * ew_alert_sink_start() - run @ops on @ctx behind a queue of @queue_bytes
 * (0: 1 MiB). On failure @ops->close(@ctx) has been called.
 * Return: 0 or -errno.
 */
int ew_alert_sink_start(const struct ew_alert_sink_ops *ops, void *ctx, size_t queue_bytes,
			bool block_when_full, struct ew_alert_sink **out);

/** ew_alert_sink_put() - encode @a now and queue it; never blocks a live run. */
void ew_alert_sink_put(struct ew_alert_sink *s, const struct ew_alert *a);

/** ew_alert_sink_reopen() - SIGHUP: the thread calls reopen() before its next delivery. */
void ew_alert_sink_reopen(struct ew_alert_sink *s);

/** ew_alert_sink_wait() - wait until everything queued is delivered (tests, replay). */
void ew_alert_sink_wait(struct ew_alert_sink *s);

/** ew_alert_sink_stats() - the counters now (any thread). */
void ew_alert_sink_stats(struct ew_alert_sink *s, struct ew_alert_sink_stats *st);

/** ew_alert_sink_name() - @ops->name. */
const char *ew_alert_sink_name(const struct ew_alert_sink *s);

/**
 * ew_alert_sink_stop() - deliver what is queued, stop the thread, close.
 * @final: the counters at the end (may be NULL). Return: close()'s result.
 */
int ew_alert_sink_stop(struct ew_alert_sink *s, struct ew_alert_sink_stats *final);

#endif
