// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "alert/syslog_sink.h"
#include "util/timefmt.h"

static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ew_timefmt_reset();
}

TestSuite(syslog_sink, .init = utc);

/* any non-NULL flow marks a flow alert; the sink reads only flow_id */
static const int fake_flow;

static struct ew_alert violation(void)
{
	return (struct ew_alert){.id = "b00f-1",
				 .rule = EW_ALERT_VIOLATION,
				 .severity = EW_SEV_CRITICAL,
				 .time_ns = 1764572423123000000,
				 .count = 1,
				 .message =
				     "uploader sent VINs of 12 people to US with no approved route",
				 .flow = (const struct ew_flow *)&fake_flow,
				 .flow_id = 0xabcdef0123456789ull};
}

Test(syslog_sink, flow_alert_exact)
{
	struct ew_alert a = violation();
	char buf[EW_SYSLOG_MAX];
	int n = ew_syslog_format(buf, sizeof(buf), 16, "host1", 812, &a);

	cr_assert_str_eq(buf, "<130>1 2025-12-01T07:00:23.123+00:00 host1 egresswatch 812 EW-001 "
			      "[egresswatch@32473 rule=\"EW-001\" severity=\"critical\" "
			      "alert_id=\"b00f-1\" flow_id=\"abcdef0123456789\"] uploader sent "
			      "VINs of 12 people to US with no approved route");
	cr_expect_eq(n, (int)strlen(buf));
}

Test(syslog_sink, health_alert_escapes_param_values)
{
	struct ew_alert a = {.id = "b00f-2",
			     .rule = EW_ALERT_MONITORING_GAP,
			     .severity = EW_SEV_HIGH,
			     .count = 3,
			     .summary = true,
			     .message = "line one\nline two",
			     .metric = "a\"b\\c]d",
			     .lost = 12};
	char buf[EW_SYSLOG_MAX];

	cr_assert_gt(ew_syslog_format(buf, sizeof(buf), 4, NULL, 1, &a), 0);
	/* auth (4) * 8 + err (3); no time: NILVALUE; no host: NILVALUE; no flow_id */
	cr_expect_str_eq(buf, "<35>1 - - egresswatch 1 EW-006 [egresswatch@32473 rule=\"EW-006\" "
			      "severity=\"high\" alert_id=\"b00f-2\" count=\"3\" "
			      "metric=\"a\\\"b\\\\c\\]d\" lost=\"12\"] line one line two");
}

Test(syslog_sink, severities_and_facilities)
{
	cr_expect_eq(ew_syslog_severity(EW_SEV_LOW), 5);
	cr_expect_eq(ew_syslog_severity(EW_SEV_MEDIUM), 4);
	cr_expect_eq(ew_syslog_severity(EW_SEV_HIGH), 3);
	cr_expect_eq(ew_syslog_severity(EW_SEV_CRITICAL), 2);
	cr_expect_eq(ew_syslog_facility_by_name("local0"), 16);
	cr_expect_eq(ew_syslog_facility_by_name("LOCAL7"), 23);
	cr_expect_eq(ew_syslog_facility_by_name("security"), 4);
	cr_expect_eq(ew_syslog_facility_by_name("kern"), -EINVAL);
}

Test(syslog_sink, hostname_is_printable_ascii)
{
	struct ew_alert a = violation();
	char buf[EW_SYSLOG_MAX];

	cr_assert_gt(ew_syslog_format(buf, sizeof(buf), 16, "my host\x01", 1, &a), 0);
	cr_expect_not_null(strstr(buf, " my_host_ egresswatch "), "%s", buf);
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc0 ? 1 : -1;

		if (n < 0)
			return false;
		for (p++; n; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

Test(syslog_sink, long_sentence_cut_on_utf8_boundary)
{
	struct ew_alert a = violation();
	char msg[3000], buf[300];
	int n;

	for (size_t i = 0; i + 3 < sizeof(msg); i += 3)
		memcpy(msg + i, "\xe8\xbd\xa6", 3); /* 车 */
	msg[sizeof(msg) - 3] = '\0';
	a.message = msg;
	for (size_t cap = 200; cap < sizeof(buf); cap++) {
		n = ew_syslog_format(buf, cap, 16, "host1", 1, &a);
		cr_assert_gt(n, 0);
		cr_assert_lt((size_t)n, cap);
		cr_assert(valid_utf8(buf), "cut inside a character at %zu", cap);
	}
	cr_expect_eq(ew_syslog_format(buf, 100, 16, "host1", 1, &a), -ENOSPC);
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	return fd;
}

Test(syslog_sink, sends_reconnects_and_never_blocks)
{
	char path[] = "/tmp/ew-syslog-XXXXXX", sock[64], got[EW_SYSLOG_MAX], want[EW_SYSLOG_MAX];
	struct ew_syslog_opts o = {.path = sock, .hostname = "host1", .facility = -1};
	struct ew_alert a = violation();
	struct ew_syslog *s;
	int srv, n, drops = 0;

	cr_assert_not_null(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/log", path);

	/* nobody listening yet: a drop, not an error at open */
	cr_assert_eq(ew_syslog_open(&s, &o), 0);
	cr_expect_eq(ew_syslog_send(s, &a), -ENOENT);

	srv = listen_at(sock);
	cr_assert_eq(ew_syslog_send(s, &a), 0);
	n = (int)recv(srv, got, sizeof(got) - 1, 0);
	cr_assert_gt(n, 0);
	got[n] = '\0';
	ew_syslog_format(want, sizeof(want), 16, "host1", (int)getpid(), &a);
	cr_expect_str_eq(got, want);

	/* syslogd restarts: a new socket at the same path */
	close(srv);
	srv = listen_at(sock);
	cr_assert_eq(ew_syslog_send(s, &a), 0);
	cr_assert_gt(recv(srv, got, sizeof(got), MSG_DONTWAIT), 0);

	/* syslogd stops reading: sends fail fast with -EAGAIN */
	for (int i = 0; i < 100000 && !drops; i++) {
		int err = ew_syslog_send(s, &a);

		cr_assert(err == 0 || err == -EAGAIN, "%s", strerror(-err));
		drops += err == -EAGAIN;
	}
	cr_expect_eq(drops, 1);
	close(srv);
	unlink(sock);
	cr_expect_lt(ew_syslog_send(s, &a), 0);
	ew_syslog_close(s);
	rmdir(path);
}

Test(syslog_sink, summary_keeps_flow_id_and_encode_matches_send)
{
	char path[] = "/tmp/ew-syslog-XXXXXX", sock[64], got[EW_SYSLOG_MAX], enc[EW_SYSLOG_MAX];
	struct ew_syslog_opts o = {.path = sock, .hostname = "h", .facility = 23};
	struct ew_alert a = violation();
	struct ew_syslog *s;
	int srv, n, len;

	a.flow = NULL; /* a fold summary: the flow is gone, its id stays */
	a.summary = true;
	a.count = 1000;
	cr_assert_not_null(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/log", path);
	srv = listen_at(sock);
	cr_assert_eq(ew_syslog_open(&s, &o), 0);
	len = ew_syslog_encode(s, &a, enc, sizeof(enc));
	cr_assert_gt(len, 0);
	cr_expect_not_null(strstr(enc, " flow_id=\"abcdef0123456789\" count=\"1000\"]"), "%s", enc);
	cr_expect_eq(strncmp(enc, "<186>1 ", 7), 0, "local7 crit: %s", enc);
	cr_assert_eq(ew_syslog_sendn(s, enc, (size_t)len), 0);
	n = (int)recv(srv, got, sizeof(got) - 1, 0);
	cr_assert_eq(n, len);
	got[n] = '\0';
	cr_expect_str_eq(got, enc);
	ew_syslog_close(s);
	close(srv);
	unlink(sock);
	rmdir(path);
}
