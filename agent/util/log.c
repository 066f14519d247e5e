// SPDX-License-Identifier: GPL-2.0-only
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static enum ew_log_level max_level = EW_LOG_INFO;
static bool to_syslog;

void ew_log_set_level(enum ew_log_level level)
{
	max_level = level;
}

void ew_log_use_syslog(bool on)
{
	if (on && !to_syslog)
		openlog("egresswatch", LOG_PID, LOG_DAEMON);
	to_syslog = on;
}

void ew_log(enum ew_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {[EW_LOG_ERR] = "error",
					    [EW_LOG_WARN] = "warning",
					    [EW_LOG_INFO] = "info",
					    [EW_LOG_DEBUG] = "debug"};
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "egresswatch: %s: ", names[level] ? names[level] : "log");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (to_syslog) {
		va_start(ap, fmt);
		vsyslog(level, fmt, ap);
		va_end(ap);
	}
}

void ew_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
