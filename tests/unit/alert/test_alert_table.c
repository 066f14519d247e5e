// SPDX-License-Identifier: GPL-2.0-only
#include <locale.h>
#include <string.h>

#include <criterion/criterion.h>

#include "alert/alert.h"
#include "alert/alert_table.h"

static void utf8(void)
{
	cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
}

TestSuite(alert_table, .init = utf8);

static struct ew_alert_line line(const char *msg)
{
	struct ew_alert_line l = {.severity = EW_SEV_CRITICAL, .rule = 0, .count = 1};

	strcpy(l.time, "2026-12-01T07:20:23.123+08:00");
	strcpy(l.rule_id, "EW-001");
	strcpy(l.message, msg);
	return l;
}

/* Columns of a row: UTF-8 characters, wide CJK as 2, escape sequences as 0. */
static int columns(const char *s)
{
	int cols = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		if (*p == 0x1b) {
			while (*p && *p != 'm')
				p++;
			p += *p == 'm';
			continue;
		}
		if (*p >= 0xe4 && *p <= 0xe9) { /* the CJK ideographs used below */
			cols += 2;
			p += 3;
			continue;
		}
		cols++;
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
	}
	return cols;
}

Test(alert_table, wide_row_plain)
{
	struct ew_alert_line l = line("uploader sent VINs of 12 people to US");
	char row[1024];

	ew_alert_table_row(row, sizeof(row), &l, 120, false);
	cr_expect_str_eq(row, "2026-12-01 07:20:23  critical  EW-001  uploader sent VINs of 12 "
			      "people to US");
	ew_alert_table_header(row, sizeof(row), 120, false);
	cr_expect_str_eq(row, "TIME                 SEVERITY  RULE    MESSAGE");
}

Test(alert_table, colour_per_severity)
{
	struct ew_alert_line l = line("x");
	char row[1024];

	ew_alert_table_row(row, sizeof(row), &l, 120, true);
	cr_expect_not_null(strstr(row, "\033[1;31mcritical\033[0m"), "%s", row);
	l.severity = EW_SEV_MEDIUM;
	ew_alert_table_row(row, sizeof(row), &l, 120, true);
	cr_expect_not_null(strstr(row, "\033[33mmedium  \033[0m"), "%s", row);
	ew_alert_table_row(row, sizeof(row), &l, 120, false);
	cr_expect_null(strchr(row, '\033'));
}

Test(alert_table, fits_every_width)
{
	char msg[600], row[4096];
	struct ew_alert_line l;

	for (size_t i = 0; i + 3 < 300; i += 3)
		memcpy(msg + i, "\xe8\xbd\xa6", 3); /* 车: 2 columns each */
	msg[297] = '\0';
	strcat(msg, " and more ascii text to make it long");
	l = line(msg);
	l.count = 1000;
	for (int w = EW_ALERT_TABLE_MIN_WIDTH; w <= 200; w++) {
		ew_alert_table_row(row, sizeof(row), &l, w, true);
		cr_assert_leq(columns(row), w, "width %d: %d columns: %s", w, columns(row), row);
		cr_assert_geq(columns(row), w - 2, "width %d wasted: %s", w, row);
		cr_assert_not_null(strstr(row, "..."));
	}
	ew_alert_table_row(row, sizeof(row), &l, 200, false);
	cr_expect_not_null(strstr(row, "(x1000) "), "%s", row);
	ew_alert_table_row(row, sizeof(row), &l, 60, false);
	cr_expect_eq(strncmp(row, "07:20:23  critical", 18), 0, "narrow: time only: %s", row);
}

Test(alert_table, terminal_escapes_in_the_file_are_defused)
{
	struct ew_alert_line l = line("evil \033[2J\033]0;title\a done");
	char row[1024];

	strcpy(l.rule_id, "\033[31m");
	ew_alert_table_row(row, sizeof(row), &l, 200, false);
	cr_expect_null(strchr(row, '\033'), "%s", row);
	cr_expect_null(strchr(row, '\a'), "%s", row);
	cr_expect_not_null(strstr(row, "\\x1b[2J"), "%s", row);
}
