/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert_table.h - stored alerts as a table for a person at a terminal:
 * time, severity (in colour), rule, the sentence, cut to the width.
 */
#ifndef EW_ALERT_TABLE_H
#define EW_ALERT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "alert/alert_line.h"

/* Below this many columns the table is not narrowed further: lines wrap. */
#define EW_ALERT_TABLE_MIN_WIDTH 40

/**
 * ew_alert_table_header() - the column titles for @width columns.
 * Return: the length written to @out (NUL-terminated, no newline).
 */
size_t ew_alert_table_header(char *out, size_t n, int width, bool colour);

/**
 * ew_alert_table_row() - @l as one row of at most @width columns.
 * @out: receives the row, NUL-terminated, no newline; 4 * @width + 64 bytes
 *       always suffice
 * @colour: ANSI colours for the severity (critical bold red, high red,
 *          medium yellow, low cyan)
 *
 * Text from the file is escaped for the terminal (control bytes as \xNN)
 * before it is cut; a cut sentence ends in "...". Columns are counted per
 * character, double for wide ones (wcwidth() in the caller's locale).
 * Return: the length written.
 */
size_t ew_alert_table_row(char *out, size_t n, const struct ew_alert_line *l, int width,
			  bool colour);

#endif
