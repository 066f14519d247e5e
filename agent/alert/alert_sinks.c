// SPDX-License-Identifier: GPL-2.0-only
#include "alert/alert_sinks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_file.h"
#include "config/config.h"
#include "util/log.h"

typedef int (*open_fn)(const struct ew_alert_sink_env *env, struct ew_alert_sink **out);

/*
 * The sinks in the order they are fed. A replay writes its alerts to files
 * under its own data directory only: what goes to a SOC's syslog or a
 * container's log (live) has been sent once already, by the live run.
 */
static const struct {
	const char *name; /* the metric label and the config key alerts.<name> */
	size_t on;	  /* offsetof the config's switch */
	open_fn open;
	bool live_only;
} table[] = {
    {"file", offsetof(struct ew_config, alerts_file), ew_alert_file_open, false},
    {"stdout", offsetof(struct ew_config, alerts_stdout), ew_alert_stdout_open, true},
    {"syslog", offsetof(struct ew_config, alerts_syslog), ew_alert_syslog_open, true},
    {"ocsf", offsetof(struct ew_config, alerts_ocsf), ew_alert_ocsf_open, false},
};

#define N_SINKS (sizeof(table) / sizeof(table[0]))

struct ew_alert_sinks {
	struct ew_alert_sink *sink[N_SINKS];
	struct ew_alert_sink_stats final[N_SINKS];
};

int ew_alert_sinks_open(const struct ew_alert_sink_env *env, struct ew_alert_sinks **out)
{
	struct ew_alert_sinks *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < N_SINKS; i++) {
		const bool *on = (const bool *)((const char *)env->cfg + table[i].on);
		int rc;

		if (!*on || (env->replay && table[i].live_only))
			continue;
		rc = table[i].open(env, &s->sink[i]);
		if (rc) {
			ew_err("cannot start the %s alert sink: %s", table[i].name, strerror(-rc));
			s->sink[i] = NULL;
			ew_alert_sinks_free(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

void ew_alert_sinks_put(struct ew_alert_sinks *s, const struct ew_alert *a)
{
	for (size_t i = 0; i < N_SINKS; i++)
		if (s->sink[i])
			ew_alert_sink_put(s->sink[i], a);
}

void ew_alert_sinks_reopen(struct ew_alert_sinks *s)
{
	for (size_t i = 0; i < N_SINKS; i++)
		if (s->sink[i])
			ew_alert_sink_reopen(s->sink[i]);
}

void ew_alert_sinks_wait(struct ew_alert_sinks *s)
{
	for (size_t i = 0; i < N_SINKS; i++)
		if (s->sink[i])
			ew_alert_sink_wait(s->sink[i]);
}

void ew_alert_sinks_metrics(struct ew_alert_sinks *s, struct ew_metrics *m)
{
	for (size_t i = 0; i < N_SINKS; i++) {
		struct ew_alert_sink_stats st = s->final[i];

		if (s->sink[i])
			ew_alert_sink_stats(s->sink[i], &st);
		ew_metrics_add1(m, "alerts_dropped_total",
				"Alerts a sink dropped because its queue was full (a slow sink).",
				EW_M_LOSS, "sink", table[i].name, st.dropped);
	}
	for (size_t i = 0; i < N_SINKS; i++) {
		struct ew_alert_sink_stats st = s->final[i];

		if (s->sink[i])
			ew_alert_sink_stats(s->sink[i], &st);
		ew_metrics_add1(m, "alerts_failed_total",
				"Alerts a sink could not encode or deliver (a full disk, no "
				"syslog daemon).",
				EW_M_LOSS, "sink", table[i].name, st.failed);
	}
}

int ew_alert_sinks_stop(struct ew_alert_sinks *s)
{
	int rc = 0;

	for (size_t i = 0; i < N_SINKS; i++) {
		int r = ew_alert_sink_stop(s->sink[i], &s->final[i]);

		s->sink[i] = NULL;
		if (r && !rc)
			rc = r;
	}
	return rc;
}

void ew_alert_sinks_free(struct ew_alert_sinks *s)
{
	if (!s)
		return;
	ew_alert_sinks_stop(s);
	free(s);
}
