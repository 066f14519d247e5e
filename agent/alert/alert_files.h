/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert_files.h - where stored alerts are, and reading them back.
 *
 * The live file is DATA_DIR/alerts.jsonl; older alerts are in hourly files
 * like the records', DATA_DIR/alerts/YYYY-MM-DD/HH.jsonl and HH.jsonl.gz
 * (local time). The file sink makes alerts.jsonl a symbolic link to the open
 * hour's file; a sink that renames alerts.jsonl away at rotation works too.
 * ew_alert_files_history() is the one place that knows that scheme.
 */
#ifndef EW_ALERT_FILES_H
#define EW_ALERT_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define EW_ALERT_LIVE_FILE   "alerts.jsonl"
#define EW_ALERT_HISTORY_DIR "alerts"
/* A longer line is not an alert the agent wrote: skipped. */
#define EW_ALERT_LINE_MAX (1 << 20)

struct ew_alert_files {
	char **paths;
	size_t n;
};

/**
 * ew_alert_files_history() - the rotated alert files, oldest first.
 * @data_dir: the agent's data directory
 * @since_ns: files wholly older than this are left out (EW_ALERT_TIME_NONE: none)
 * @live: the live file as opened (its dev and ino), or NULL: the hour's file
 *        it is (alerts.jsonl links to it) is left out, read as the live one
 * @out: receives the paths; free with ew_alert_files_free()
 *
 * Of an hour with both HH.jsonl and HH.jsonl.gz (compression was under
 * way), only the .gz is listed: it holds the same lines.
 * Return: 0 (no history is an empty list), -ENAMETOOLONG or -ENOMEM.
 */
int ew_alert_files_history(const char *data_dir, int64_t since_ns, const struct stat *live,
			   struct ew_alert_files *out);

/** ew_alert_files_free() - release @f's paths; @f is then empty. */
void ew_alert_files_free(struct ew_alert_files *f);

/** ew_alert_files_live() - DATA_DIR/alerts.jsonl into @buf. Return: 0 or -ENAMETOOLONG. */
int ew_alert_files_live(const char *data_dir, char *buf, size_t n);

/* Called for each whole line, without its newline; nonzero stops the reading. */
typedef int (*ew_alert_line_fn)(void *arg, const char *line, size_t len);

/**
 * ew_alert_files_read() - each whole line of @path, plain or gzip. A last
 * line without a newline (being written, or torn) is not passed; lines
 * longer than EW_ALERT_LINE_MAX are skipped and counted in *@skipped.
 * Return: 0, what @fn returned, or -errno.
 */
int ew_alert_files_read(const char *path, ew_alert_line_fn fn, void *arg, uint64_t *skipped);

#endif
