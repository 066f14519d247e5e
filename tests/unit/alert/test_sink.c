// SPDX-License-Identifier: GPL-2.0-only
/* A slow sink never blocks the pipeline: its queue drops, and counts. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "alert/sink.h"

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static int delivered, closed;

static ssize_t encode(void *ctx, const struct ew_alert *a, char *buf, size_t cap)
{
	(void)ctx;
	cr_assert_geq(cap, 1000);
	memset(buf, 'x', 1000);
	memcpy(buf, a->id, strlen(a->id));
	return 1000;
}

static int deliver(void *ctx, int64_t t, const char *msg, size_t len)
{
	(void)ctx;
	(void)t;
	(void)msg;
	cr_assert_eq(len, 1000);
	pthread_mutex_lock(&gate); /* held by the test: a stuck sink */
	delivered++;
	pthread_mutex_unlock(&gate);
	return 0;
}

static int close_ctx(void *ctx)
{
	(void)ctx;
	closed++;
	return 0;
}

static const struct ew_alert_sink_ops ops = {
    .name = "slow", .encode = encode, .deliver = deliver, .close = close_ctx};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(sink, stuck_sink_drops_and_counts)
{
	struct ew_alert_sink *s;
	struct ew_alert_sink_stats st;
	struct ew_alert a = {.id = "abc-1"};
	double t0;

	pthread_mutex_lock(&gate);
	cr_assert_eq(ew_alert_sink_start(&ops, NULL, 65536, false, &s), 0);
	t0 = now_s();
	for (int i = 0; i < 1000; i++)
		ew_alert_sink_put(s, &a);
	cr_assert_lt(now_s() - t0, 0.5, "a stuck sink held up the producer");
	ew_alert_sink_stats(s, &st);
	cr_assert_eq(st.put, 1000);
	/* 65 fit the queue, and the one the thread holds. */
	cr_assert_geq(st.dropped, 1000 - 66);
	cr_assert_leq(st.dropped, 1000 - 65);
	pthread_mutex_unlock(&gate);
	ew_alert_sink_wait(s);
	ew_alert_sink_stats(s, &st);
	cr_assert_eq(st.sent + st.dropped, 1000);
	cr_assert_eq(ew_alert_sink_stop(s, &st), 0);
	cr_assert_eq(delivered, (int)st.sent);
	cr_assert_eq(closed, 1);
}

Test(sink, replay_waits_and_loses_nothing)
{
	struct ew_alert_sink *s;
	struct ew_alert_sink_stats st;
	struct ew_alert a = {.id = "abc-2"};

	delivered = 0;
	cr_assert_eq(ew_alert_sink_start(&ops, NULL, 65536, true, &s), 0);
	for (int i = 0; i < 1000; i++)
		ew_alert_sink_put(s, &a);
	cr_assert_eq(ew_alert_sink_stop(s, &st), 0);
	cr_assert_eq(st.dropped, 0);
	cr_assert_eq(st.sent, 1000);
	cr_assert_eq(delivered, 1000);
}
