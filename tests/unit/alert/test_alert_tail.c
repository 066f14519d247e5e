// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "alert/alert_tail.h"

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/ew-alert-tail-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(alert_tail, .init = setup, .fini = teardown);

struct seen {
	char all[512];
	int n;
};

static int collect(void *arg, const char *line, size_t len)
{
	struct seen *s = arg;
	size_t used = strlen(s->all);

	snprintf(s->all + used, sizeof(s->all) - used, "%.*s|", (int)len, line);
	s->n++;
	return 0;
}

static void append(const char *p, const char *text)
{
	FILE *f = fopen(p, "a");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(alert_tail, follows_appends_rotation_truncation)
{
	struct ew_alert_tail *t;
	struct seen s = {0};
	char old[160];

	cr_assert_eq(ew_alert_tail_open(&t, path), 0);
	cr_assert_eq(ew_alert_tail_poll(t, collect, &s), 0, "a missing file is waited for");
	cr_expect_eq(s.n, 0);

	append(path, "a\nb");
	cr_assert_eq(ew_alert_tail_poll(t, collect, &s), 0);
	cr_expect_str_eq(s.all, "a|", "a line being written waits for its newline");
	append(path, "c\n");
	ew_alert_tail_poll(t, collect, &s);
	cr_expect_str_eq(s.all, "a|bc|");

	/* rotated: a last line lands in the old file after the rename */
	snprintf(old, sizeof(old), "%s/rotated.jsonl", dir);
	cr_assert_eq(rename(path, old), 0);
	append(old, "d\n");
	append(path, "e\n");
	ew_alert_tail_poll(t, collect, &s);
	cr_expect_str_eq(s.all, "a|bc|d|e|");

	/* truncated in place (seen by a poll before it grows back past where we were) */
	cr_assert_eq(truncate(path, 0), 0);
	ew_alert_tail_poll(t, collect, &s);
	append(path, "f\n");
	ew_alert_tail_poll(t, collect, &s);
	cr_expect_str_eq(s.all, "a|bc|d|e|f|");

	/* removed, then created again */
	unlink(path);
	ew_alert_tail_poll(t, collect, &s);
	append(path, "g\n");
	ew_alert_tail_poll(t, collect, &s);
	cr_expect_str_eq(s.all, "a|bc|d|e|f|g|");
	cr_expect_eq(ew_alert_tail_skipped(t), 0);
	ew_alert_tail_close(t);
}
