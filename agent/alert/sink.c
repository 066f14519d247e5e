// SPDX-License-Identifier: GPL-2.0-only
#include "alert/sink.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct msg {
	struct msg *next;
	int64_t time_ns;
	size_t len;
	char data[];
};

struct ew_alert_sink {
	const struct ew_alert_sink_ops *ops;
	void *ctx;
	size_t queue_bytes;
	bool block;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the thread: work, reopen or stop */
	pthread_cond_t room; /* producers and waiters: the queue shrank */
	struct msg *head, *tail;
	size_t queued_bytes;
	uint64_t queued;
	bool stop, reopen, busy;
	struct ew_alert_sink_stats st;
	char buf[EW_ALERT_SINK_MSG_MAX]; /* the pipeline thread's encoding */
};

static void *run(void *arg)
{
	struct ew_alert_sink *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct msg *m;
		bool reopen;
		uint64_t sent = 0, failed = 0;

		while (!s->head && !s->reopen && !s->stop)
			pthread_cond_wait(&s->wake, &s->lock);
		if (!s->head && !s->reopen && s->stop)
			break;
		m = s->head;
		reopen = s->reopen;
		s->head = s->tail = NULL;
		s->reopen = false;
		s->busy = true;
		pthread_mutex_unlock(&s->lock);

		if (reopen && s->ops->reopen)
			s->ops->reopen(s->ctx);
		for (struct msg *next; m; m = next) {
			next = m->next;
			if (s->ops->deliver(s->ctx, m->time_ns, m->data, m->len))
				failed++;
			else
				sent++;
			pthread_mutex_lock(&s->lock);
			s->queued_bytes -= m->len;
			s->queued--;
			pthread_cond_broadcast(&s->room);
			pthread_mutex_unlock(&s->lock);
			free(m);
		}
		if (s->ops->flush && s->ops->flush(s->ctx) && sent) {
			/* Handed over but not kept (a full disk): they count as failed. */
			failed += sent;
			sent = 0;
		}

		pthread_mutex_lock(&s->lock);
		s->st.sent += sent;
		s->st.failed += failed;
		s->busy = false;
		pthread_cond_broadcast(&s->room);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int ew_alert_sink_start(const struct ew_alert_sink_ops *ops, void *ctx, size_t queue_bytes,
			bool block_when_full, struct ew_alert_sink **out)
{
	struct ew_alert_sink *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		ops->close(ctx);
		return -ENOMEM;
	}
	s->ops = ops;
	s->ctx = ctx;
	s->queue_bytes = queue_bytes ? queue_bytes : (size_t)1 << 20;
	s->block = block_when_full;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	pthread_cond_init(&s->room, NULL);
	rc = -pthread_create(&s->thread, NULL, run, s);
	if (rc) {
		ops->close(ctx);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->wake);
		pthread_cond_destroy(&s->room);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void ew_alert_sink_put(struct ew_alert_sink *s, const struct ew_alert *a)
{
	ssize_t n = s->ops->encode(s->ctx, a, s->buf, sizeof(s->buf));
	struct msg *m;

	/* Not this sink's kind of alert (OCSF takes only alerts about a flow). */
	if (n == -ENOMSG)
		return;
	pthread_mutex_lock(&s->lock);
	s->st.put++;
	if (n < 0 || (size_t)n > sizeof(s->buf)) {
		s->st.failed++;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	while (s->block && s->head && s->queued_bytes + (size_t)n > s->queue_bytes && !s->stop)
		pthread_cond_wait(&s->room, &s->lock);
	/* One alert always fits an empty queue: a huge one is not starved. */
	if (s->queued && s->queued_bytes + (size_t)n > s->queue_bytes) {
		s->st.dropped++;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	pthread_mutex_unlock(&s->lock);
	m = malloc(sizeof(*m) + (size_t)n);
	pthread_mutex_lock(&s->lock);
	if (!m) {
		s->st.dropped++;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	m->next = NULL;
	m->time_ns = a->time_ns;
	m->len = (size_t)n;
	memcpy(m->data, s->buf, (size_t)n);
	if (s->tail)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
	s->queued_bytes += (size_t)n;
	s->queued++;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

void ew_alert_sink_reopen(struct ew_alert_sink *s)
{
	pthread_mutex_lock(&s->lock);
	s->reopen = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

void ew_alert_sink_wait(struct ew_alert_sink *s)
{
	pthread_mutex_lock(&s->lock);
	while (s->head || s->busy || s->reopen)
		pthread_cond_wait(&s->room, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void ew_alert_sink_stats(struct ew_alert_sink *s, struct ew_alert_sink_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	st->queued = s->queued;
	pthread_mutex_unlock(&s->lock);
}

const char *ew_alert_sink_name(const struct ew_alert_sink *s)
{
	return s->ops->name;
}

int ew_alert_sink_stop(struct ew_alert_sink *s, struct ew_alert_sink_stats *final)
{
	int rc;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_cond_broadcast(&s->room);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	if (final)
		ew_alert_sink_stats(s, final);
	rc = s->ops->close(s->ctx);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->room);
	free(s);
	return rc;
}
