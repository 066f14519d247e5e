/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert_tail.h - follow the live alert file like `tail -F`: new whole lines
 * as they are appended, across rotation (the path names a new inode) and
 * truncation (a poll finds the file shorter than what was read: like
 * tail -F, a file truncated and refilled past that point between two polls
 * is read from the old offset). A file that is missing is waited for.
 */
#ifndef EW_ALERT_TAIL_H
#define EW_ALERT_TAIL_H

#include <stdint.h>
#include <sys/stat.h>

#include "alert/alert_files.h"

struct ew_alert_tail;

/**
 * ew_alert_tail_open() - follow @path from its start (the first poll
 * passes the lines already there). The file is opened now, when it exists
 * (a symbolic link is followed: the file sink's alerts.jsonl is one), so an
 * hour that rolls after this call is still read to its end.
 * Return: 0, -ENAMETOOLONG or -ENOMEM.
 */
int ew_alert_tail_open(struct ew_alert_tail **out, const char *path);

/** ew_alert_tail_stat() - the open file's identity. Return: 0, or -ENOENT when none is open. */
int ew_alert_tail_stat(const struct ew_alert_tail *t, struct stat *st);

/**
 * ew_alert_tail_poll() - pass each whole line appended since the last poll
 * to @fn. A rotated file is read to its end before the new one is opened.
 * Return: 0, what @fn returned, or -errno from read().
 */
int ew_alert_tail_poll(struct ew_alert_tail *t, ew_alert_line_fn fn, void *arg);

/** ew_alert_tail_skipped() - lines over EW_ALERT_LINE_MAX skipped so far. */
uint64_t ew_alert_tail_skipped(const struct ew_alert_tail *t);

/** ew_alert_tail_close() - NULL is fine. */
void ew_alert_tail_close(struct ew_alert_tail *t);

#endif
