// SPDX-License-Identifier: GPL-2.0-only
/*
 * alert_stdout.c - alerts as ECS JSON lines on standard output, for
 * containers whose log driver collects stdout. A reader that stops reading
 * stalls only this sink's thread; the queue in front of it drops.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "alert/alert_ecs.h"
#include "config/config.h"
#include "alert/alert_file.h"

struct astdout {
	struct ew_jsonw w;
};

static ssize_t encode(void *ctx, const struct ew_alert *a, char *buf, size_t cap)
{
	struct astdout *o = ctx;

	ew_alert_ecs_encode(&o->w, a);
	if (o->w.oom || o->w.len + 1 > cap)
		return -ENOSPC;
	memcpy(buf, o->w.buf, o->w.len);
	buf[o->w.len] = '\n';
	return (ssize_t)o->w.len + 1;
}

static int deliver(void *ctx, int64_t time_ns, const char *msg, size_t len)
{
	(void)ctx;
	(void)time_ns;
	while (len) {
		ssize_t n = write(STDOUT_FILENO, msg, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		msg += n;
		len -= (size_t)n;
	}
	return 0;
}

static int close_stdout(void *ctx)
{
	struct astdout *o = ctx;

	ew_jsonw_free(&o->w);
	free(o);
	return 0;
}

static const struct ew_alert_sink_ops ops = {
    .name = "stdout",
    .encode = encode,
    .deliver = deliver,
    .close = close_stdout,
};

int ew_alert_stdout_open(const struct ew_alert_sink_env *env, struct ew_alert_sink **out)
{
	struct astdout *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	ew_jsonw_init(&o->w);
	return ew_alert_sink_start(&ops, o, env->cfg ? env->cfg->alerts_queue_bytes : 0,
				   env->replay, out);
}
