// SPDX-License-Identifier: GPL-2.0-only
#include "alert/alert_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "alert/alert.h"
#include "util/escape.h"

#define RESET "\033[0m"

static const char *const sev_colour[EW_SEV_MAX] = {"\033[36m", "\033[33m", "\033[31m",
						   "\033[1;31m"};

/* The date goes when the sentence would get fewer than this many columns. */
#define MSG_MIN	   40
#define TIME_FULL  19 /* "2026-12-01 07:20:23" */
#define TIME_SHORT 8  /* "07:20:23" */
#define SEV_W	   8  /* "critical" */
#define RULE_W	   6  /* "EW-001" */

static int time_width(int width)
{
	return width - (TIME_FULL + SEV_W + RULE_W + 6) >= MSG_MIN ? TIME_FULL : TIME_SHORT;
}

/* Columns of the UTF-8 character at @s (its byte length in *@len). */
static int char_cols(const char *s, size_t *len)
{
	mbstate_t st = {0};
	wchar_t wc;
	size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	int w;

	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		/* not a character here (C locale, or a stray byte): a whole UTF-8 sequence as one
		 */
		unsigned char c = (unsigned char)s[0];

		*len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		for (size_t i = 1; i < *len; i++)
			if (((unsigned char)s[i] & 0xc0) != 0x80) {
				*len = i;
				break;
			}
		return 1;
	}
	*len = n;
	w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

/* Copy @s into @out, at most @cols columns; "..." when cut. Return: bytes written. */
static size_t put_cols(char *out, size_t n, const char *s, int cols)
{
	size_t o = 0;
	int used = 0;

	for (size_t i = 0; s[i];) {
		size_t len;
		int w = char_cols(s + i, &len);

		if (used + w > cols || o + len + 4 > n) {
			/* back off to leave room for the ellipsis */
			while (o > 0 && used > cols - 3) {
				size_t k = o - 1;

				while (k > 0 && ((unsigned char)out[k] & 0xc0) == 0x80)
					k--;
				used -= char_cols(out + k, &len);
				o = k;
			}
			if (cols >= 3 && o + 4 <= n) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, s + i, len);
		o += len;
		used += w;
		i += len;
	}
	out[o] = '\0';
	return o;
}

size_t ew_alert_table_header(char *out, size_t n, int width, bool colour)
{
	int tw = time_width(width);
	int len = snprintf(out, n, "%s%-*s  %-*s  %-*s  %s%s", colour ? "\033[1m" : "", tw, "TIME",
			   SEV_W, "SEVERITY", RULE_W, "RULE", "MESSAGE", colour ? RESET : "");

	return len < 0 ? 0 : (size_t)len < n ? (size_t)len : n - 1;
}

size_t ew_alert_table_row(char *out, size_t n, const struct ew_alert_line *l, int width,
			  bool colour)
{
	char time[32], rule[16], esc[4 * sizeof(l->message) + 1], msg[4 * sizeof(l->message) + 32];
	int tw = time_width(width), msg_cols;
	const char *sev = l->severity >= 0 ? ew_severity_name(l->severity) : "?";
	size_t len;
	int k;

	if (width < EW_ALERT_TABLE_MIN_WIDTH)
		width = EW_ALERT_TABLE_MIN_WIDTH;
	msg_cols = width - (tw + SEV_W + RULE_W + 6);
	/* "2026-12-01T07:20:23.123+08:00": the writer's local time, as written */
	ew_escape_ctl(time, sizeof(time), l->time);
	if (strlen(time) >= 19 && time[10] == 'T') {
		time[10] = ' ';
		time[19] = '\0';
	}
	ew_escape_ctl(rule, sizeof(rule), l->rule_id[0] ? l->rule_id : "?");
	ew_escape_ctl(esc, sizeof(esc), l->message);
	if (l->count > 1) {
		snprintf(msg, sizeof(msg), "(x%llu) %s", (unsigned long long)l->count, esc);
	} else {
		snprintf(msg, sizeof(msg), "%s", esc);
	}
	k = snprintf(out, n, "%-*.*s  %s%-*s%s  %-*.*s  ", tw, tw,
		     tw == TIME_SHORT && strlen(time) >= 19 ? time + 11 : time,
		     colour && l->severity >= 0 ? sev_colour[l->severity] : "", SEV_W, sev,
		     colour && l->severity >= 0 ? RESET : "", RULE_W, RULE_W, rule);
	if (k < 0 || (size_t)k >= n)
		return n ? strlen(out) : 0;
	len = (size_t)k;
	return len + put_cols(out + len, n - len, msg, msg_cols);
}
