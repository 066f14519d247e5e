/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert_file.h - the alerts.jsonl sink: ECS lines in hourly files rotated
 * exactly like the records (out/hourly.h), under DATA_DIR/alerts:
 *
 *   DATA_DIR/alerts/YYYY-MM-DD/HH.jsonl     the open hour (local time)
 *   DATA_DIR/alerts/YYYY-MM-DD/HH.jsonl.gz  closed hours, gzip, fsync'd
 *   DATA_DIR/alerts.jsonl                   a symbolic link to the open hour's
 *                                           file, replaced atomically at each
 *                                           new hour: `tail -F` follows it
 *
 * The hour is the alert's (@timestamp's) and files roll only forward. At
 * an orderly stop the open hour stays .jsonl (the link stays valid); the
 * next start compresses hours that are past. Each batch is fdatasync'd.
 */
#ifndef EW_ALERT_FILE_H
#define EW_ALERT_FILE_H

#include "alert/sink.h"
#include "util/jsonw.h"

/*
 * A file sink's shape: its name (the metrics' sink label), its own
 * directory under DATA_DIR and link, and its encoding (ECS here, OCSF in
 * ocsf_sink.c). Rotation, syncing and the link are the file sink's.
 */
struct ew_alert_file_kind {
	const char *name;
	const char *dir;  /* "alerts": DATA_DIR/alerts/YYYY-MM-DD/HH.jsonl */
	const char *link; /* "alerts.jsonl": the link to the open hour */
	/* the line into @w (reset); 0, or -ENOMSG: not for this sink; -errno */
	int (*encode)(struct ew_jsonw *w, const struct ew_alert *a);
};

/** ew_alert_file_open_kind() - a file sink of @env->data_dir shaped by @k. */
int ew_alert_file_open_kind(const struct ew_alert_sink_env *env, const struct ew_alert_file_kind *k,
			    struct ew_alert_sink **out);

/** ew_alert_file_open() - the file sink of @env->data_dir. */
int ew_alert_file_open(const struct ew_alert_sink_env *env, struct ew_alert_sink **out);

/** ew_alert_stdout_open() - ECS lines on standard output (alert_stdout.c). */
int ew_alert_stdout_open(const struct ew_alert_sink_env *env, struct ew_alert_sink **out);

#endif
