// SPDX-License-Identifier: GPL-2.0-only
#include "out/syncer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct ew_syncer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int fd;	   /* to sync next; -1: none */
	bool busy; /* a sync was taken and has not finished */
	bool stop;
	int error; /* the first since the last ew_syncer_result() */
};

static void *run(void *arg)
{
	struct ew_syncer *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		int fd, rc;

		while (s->fd < 0 && !s->stop)
			pthread_cond_wait(&s->wake, &s->lock);
		if (s->fd < 0)
			break;
		fd = s->fd;
		s->fd = -1;
		pthread_mutex_unlock(&s->lock);
		rc = fdatasync(fd) ? -errno : 0;
		close(fd);
		pthread_mutex_lock(&s->lock);
		if (rc && !s->error)
			s->error = rc;
		s->busy = false;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int ew_syncer_new(struct ew_syncer **out)
{
	struct ew_syncer *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	rc = -pthread_create(&s->thread, NULL, run, s);
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

bool ew_syncer_start(struct ew_syncer *s, int fd)
{
	bool taken = false;
	int dup;

	if (fd < 0)
		return true;
	pthread_mutex_lock(&s->lock);
	if (!s->busy) {
		dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (dup < 0) {
			if (!s->error)
				s->error = -errno;
		} else {
			s->fd = dup;
			s->busy = true;
			pthread_cond_signal(&s->wake);
		}
		taken = true;
	}
	pthread_mutex_unlock(&s->lock);
	return taken;
}

int ew_syncer_result(struct ew_syncer *s)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = s->error;
	s->error = 0;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void ew_syncer_free(struct ew_syncer *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	/* A sync handed over before the stop still runs: the thread takes it first. */
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	free(s);
}
