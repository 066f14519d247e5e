// SPDX-License-Identifier: GPL-2.0-only
/*
 * alert_emit: sample alerts through the alert sinks, for the integration
 * tests until the alert stage drives them.
 *
 *   alert_emit syslog SOCKET   one line per command on stdin: "flow ID",
 *                              "health ID" or "quote ID" sends that alert
 *                              and prints "0" or the -errno
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alert/ocsf.h"
#include "alert/syslog_sink.h"

static const int fake_flow; /* the sink reads flow_id only */

static struct ew_alert sample(const char *kind, const char *id)
{
	struct ew_alert a = {.rule = EW_ALERT_VIOLATION,
			     .severity = EW_SEV_CRITICAL,
			     .time_ns = 1764572423123000000,
			     .count = 1,
			     .message = "uploader (pid 4242) sent VINs of 12 people to US "
					"(telemetry.example.com); no approved route",
			     .flow = (const struct ew_flow *)&fake_flow,
			     .flow_id = 0xabcdef0123456789ull};

	snprintf(a.id, sizeof(a.id), "%s", id);
	if (!strcmp(kind, "health")) {
		a.rule = EW_ALERT_MONITORING_GAP;
		a.severity = EW_SEV_HIGH;
		a.flow = NULL;
		a.flow_id = 0;
		a.metric = "ringbuf_full_total";
		a.lost = 1200;
		a.count = 4;
		a.summary = true;
		a.message = "1200 events lost: the ring buffer was full";
	} else if (!strcmp(kind, "quote")) {
		a.rule = EW_ALERT_POLICY_INVALID;
		a.severity = EW_SEV_HIGH;
		a.flow = NULL;
		a.flow_id = 0;
		a.metric = "policy \"x\\y\" [1]";
		a.message = "policy.yaml:3:1: unknown key";
	}
	return a;
}

int main(int argc, char **argv)
{
	char line[256], kind[32], id[40];

	if (argc == 3 && !strcmp(argv[1], "syslog")) {
		struct ew_syslog_opts o = {.path = argv[2], .hostname = "ewhost", .facility = -1};
		struct ew_syslog *s;

		if (ew_syslog_open(&s, &o))
			return 1;
		while (fgets(line, sizeof(line), stdin)) {
			if (sscanf(line, "%31s %39s", kind, id) != 2)
				continue;
			struct ew_alert a = sample(kind, id);
			printf("%d\n", ew_syslog_send(s, &a));
			fflush(stdout);
		}
		ew_syslog_close(s);
		return 0;
	}
	fprintf(stderr, "usage: alert_emit syslog SOCKET\n");
	return 2;
}
