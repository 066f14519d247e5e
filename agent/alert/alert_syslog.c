// SPDX-License-Identifier: GPL-2.0-only
/*
 * alert_syslog.c - the syslog sink: RFC 5424 messages (syslog_sink.c)
 * encoded on the pipeline's thread, sent on the sink's. A syslogd that is
 * away or full makes the send fail at once (counted), never wait.
 */
#include <errno.h>
#include <stdlib.h>

#include "alert/alert_sinks.h"
#include "alert/syslog_sink.h"
#include "config/config.h"

static ssize_t encode(void *ctx, const struct ew_alert *a, char *buf, size_t cap)
{
	int n = ew_syslog_encode(ctx, a, buf, cap);

	return n < 0 ? n : (ssize_t)n;
}

static int deliver(void *ctx, int64_t time_ns, const char *msg, size_t len)
{
	(void)time_ns;
	return ew_syslog_sendn(ctx, msg, len);
}

static int close_syslog(void *ctx)
{
	ew_syslog_close(ctx);
	return 0;
}

static const struct ew_alert_sink_ops ops = {
    .name = "syslog",
    .encode = encode,
    .deliver = deliver,
    .close = close_syslog,
};

int ew_alert_syslog_open(const struct ew_alert_sink_env *env, struct ew_alert_sink **out)
{
	struct ew_syslog_opts o = {.hostname = env->hostname, .facility = -1};
	struct ew_syslog *s;
	int rc;

	if (env->cfg && env->cfg->alerts_syslog_socket[0])
		o.path = env->cfg->alerts_syslog_socket;
	if (env->cfg && env->cfg->alerts_syslog_facility[0])
		o.facility = ew_syslog_facility_by_name(env->cfg->alerts_syslog_facility);
	rc = ew_syslog_open(&s, &o);
	if (rc)
		return rc;
	return ew_alert_sink_start(&ops, s, env->cfg ? env->cfg->alerts_queue_bytes : 0,
				   env->replay, out);
}
