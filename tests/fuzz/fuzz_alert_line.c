// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for what `egresswatch alerts` does with a stored line
 * (parse, filter, table row at several widths) and for the syslog sink's
 * escaping of the same bytes as a sentence and a PARAM-VALUE: no crash, rows
 * NUL-terminated and without raw escape bytes, and the structured data ends
 * at the first unescaped ']'.
 */
#include <stdlib.h>
#include <string.h>

#include "alert/alert_line.h"
#include "alert/alert_table.h"
#include "alert/syslog_sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_syslog(const char *text)
{
	struct ew_alert a = {.id = "f-1",
			     .rule = EW_ALERT_POLICY_INVALID,
			     .severity = EW_SEV_HIGH,
			     .count = 1,
			     .message = text,
			     .metric = text,
			     .time_ns = 1};
	char buf[EW_SYSLOG_MAX];
	const char *p;
	int n = ew_syslog_format(buf, sizeof(buf), 16, text, 1, &a);

	if (n < 0)
		return;
	if ((size_t)n != strlen(buf) || memchr(buf, '\n', (size_t)n))
		abort();
	/* the hostname may hold '[': the SD is after APP-NAME, PROCID and MSGID */
	p = strstr(buf, " egresswatch 1 EW-009 [");
	if (!p)
		abort();
	p = strchr(p, '[');
	/* inside PARAM-VALUEs every '"', '\' and ']' is escaped: the SD ends at "] " */
	for (p++; *p && *p != ']'; p++) {
		if (*p == '\\') {
			if (p[1] != '"' && p[1] != '\\' && p[1] != ']')
				abort();
			p++;
		}
	}
	if (*p != ']' || (p[1] && p[1] != ' '))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_alert_filter f = {.since_ns = 0, .min_severity = 2, .rule = 0};
	struct ew_alert_line l;
	char *text = malloc(size + 1);
	static char row[8192];
	int64_t ns;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)ew_alert_time_parse(text, &ns);
	(void)ew_alert_since_parse(text, 0, &ns);
	if (ew_alert_line_parse((const char *)data, size, &l) == 0) {
		(void)ew_alert_filter_match(&f, &l);
		for (int w = 0; w <= 240; w += 37) {
			size_t n = ew_alert_table_row(row, sizeof(row), &l, w, false);

			if (n != strlen(row) || strchr(row, '\033'))
				abort();
		}
		check_syslog(l.message);
	}
	check_syslog(text);
	free(text);
	return 0;
}
