// SPDX-License-Identifier: GPL-2.0-only
#include "out/writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out/hourly.h"
#include "out/syncer.h"
#include "out/writer_batch.h"
#include "util/log.h"

#define BATCH_AGE_NS  200000000ll /* a batch older than this goes at the next put */
#define SYNC_EVERY_NS 5000000000ll
#define SYNC_RETRY_NS 100000000ll	 /* the previous sync still runs: look again */
#define GROW_WAIT_NS  50000000ll	 /* live: a full queue waits this long, then grows */
#define QUEUE_MAX     ((size_t)16 << 20) /* the default cap of a grown queue */
#define BEGIN_ROOM    8192		 /* ew_writer_begin(): a record line is one or two KiB */

struct ew_writer {
	struct ew_writer_opts o;
	char *dir;		 /* o.records_dir, owned */
	struct ew_hourly *files; /* the thread's alone once it runs */
	struct ew_syncer *sync;	 /* its fdatasyncs, on a thread of their own */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;		     /* the thread: work, or stop */
	pthread_cond_t room;		     /* a blocked producer: the queue shrank */
	struct ew_writer_batch *head, *tail; /* the queue */
	size_t queued; /* bytes queued or being written: all the batches held */
	size_t queue_peak;
	uint64_t grown; /* times queued went past o.queue_bytes */
	bool over;	/* queued is past o.queue_bytes since it last grew */
	/*
	 * A busy writer (a replay, a burst) keeps a spare more than an idle
	 * one: mapping fresh batches costs a page fault per 4 KiB. Those not
	 * taken for a second go back to the system.
	 */
	struct ew_writer_batches pool;
	bool stop, reopen;
	bool stalled; /* a live wait for room timed out: grow, or drop, until the thread moves */
	/* the producer's */
	struct ew_writer_batch *cur;
	int64_t cur_born_ns;
	char seg_key[EW_HOURLY_KEY_LEN + 1]; /* of cur's last run */
	char key[EW_HOURLY_KEY_LEN + 1];     /* of the record being put */
	bool new_seg;			     /* it starts a run */
	int64_t begun_ns;		     /* ew_writer_begin()'s time */
	/* counters: the producer's and the thread's, read under the lock */
	uint64_t put, dropped;
	struct ew_hourly_stats files_st;
	bool failing; /* the last write failed: say so once, and when it recovers */
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* A spare if there is one, else a fresh mapping. */
static struct ew_writer_batch *batch_new(struct ew_writer *w)
{
	struct ew_writer_batch *b;

	pthread_mutex_lock(&w->lock);
	b = ew_writer_batch_spare(&w->pool);
	pthread_mutex_unlock(&w->lock);
	return b ? b : ew_writer_batch_map(&w->pool);
}

/* Under the lock: @b is written (or dropped) and its bytes no longer held. */
static void batch_done(struct ew_writer *w, struct ew_writer_batch *b, size_t held)
{
	w->queued -= held;
	if (w->queued <= w->o.queue_bytes)
		w->over = false;
	ew_writer_batch_give(&w->pool, b);
}

/* Lent to the files: @b must stay until their next flush. */
static void write_batch(struct ew_writer *w, const struct ew_writer_batch *b)
{
	size_t off = 0;

	for (unsigned int i = 0; i < b->n_segs; i++) {
		ew_hourly_write_lines(w->files, b->segs[i].realtime_ns, b->data + off,
				      b->segs[i].len, b->segs[i].lines);
		off += b->segs[i].len;
	}
}

/* One error line when writing starts failing, one when it works again. */
static void report(struct ew_writer *w, int rc, const struct ew_hourly_stats *st)
{
	if (rc && !w->failing) {
		w->failing = true;
		ew_err("cannot write records under %s: %s; records are counted as lost until it "
		       "works again (%llu so far)",
		       w->o.records_dir, strerror(-rc), (unsigned long long)st->lost);
	} else if (!rc && w->failing) {
		w->failing = false;
		ew_info("writing records under %s again (%llu lost while it failed)",
			w->o.records_dir, (unsigned long long)st->lost);
	}
}

static void *run(void *arg)
{
	struct ew_writer *w = arg;
	int64_t last_sync = mono_ns();
	bool dirty = false; /* written since the last fdatasync */

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct ew_writer_batch *b, *trimmed;
		bool reopen, wrote;
		int rc = 0;

		while (!w->head && !w->reopen && !w->stop &&
		       !(dirty && mono_ns() - last_sync >= SYNC_EVERY_NS)) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&w->wake, &w->lock, &until);
		}
		if (!w->head && !w->reopen && w->stop)
			break;
		b = w->head;
		reopen = w->reopen;
		w->head = NULL;
		w->tail = NULL;
		w->reopen = false;
		trimmed = ew_writer_batch_trim(&w->pool, mono_ns());
		pthread_mutex_unlock(&w->lock);
		ew_writer_batch_unmap(&w->pool, trimmed);

		wrote = b != NULL;
		if (b) {
			for (struct ew_writer_batch *i = b; i; i = i->next)
				write_batch(w, i);
			rc = ew_hourly_flush(w->files);
			/* Each batch's room is given back once it is written, not before:
			 * the queue bounds every batch in memory, these included. */
			pthread_mutex_lock(&w->lock);
			for (struct ew_writer_batch *next; b; b = next) {
				next = b->next;
				batch_done(w, b, b->len);
			}
			w->stalled = false;
			pthread_mutex_unlock(&w->lock);
			/* After the unlock: a producer woken here does not block on the lock. */
			pthread_cond_broadcast(&w->room);
			dirty = true;
		}
		if (reopen) {
			int r = ew_hourly_reopen(w->files);

			if (r)
				ew_err("SIGHUP: cannot reopen the records file under %s: %s",
				       w->o.records_dir, strerror(-r));
		}
		if (dirty && mono_ns() - last_sync >= SYNC_EVERY_NS) {
			if (ew_syncer_start(w->sync, ew_hourly_fd(w->files))) {
				last_sync = mono_ns();
				dirty = false;
			} else {
				last_sync = mono_ns() - SYNC_EVERY_NS + SYNC_RETRY_NS;
			}
		}
		if (!rc)
			rc = ew_syncer_result(w->sync);
		if (wrote || rc)
			report(w, rc, ew_hourly_stats(w->files));

		pthread_mutex_lock(&w->lock);
		w->files_st = *ew_hourly_stats(w->files);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int ew_writer_open(const struct ew_writer_opts *o, struct ew_writer **out)
{
	struct ew_writer *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	w->o = *o;
	w->dir = strdup(o->records_dir);
	if (!w->dir) {
		free(w);
		return -ENOMEM;
	}
	w->o.records_dir = w->dir;
	if (!w->o.queue_bytes)
		w->o.queue_bytes = (size_t)1 << 20;
	if (!w->o.queue_max_bytes)
		w->o.queue_max_bytes = QUEUE_MAX;
	/* A replay waits for room instead: its queue never grows. */
	if (w->o.queue_max_bytes < w->o.queue_bytes || w->o.block_when_full)
		w->o.queue_max_bytes = w->o.queue_bytes;
	/* Two: the thread writes a batch as soon as it is handed over, so a busy
	 * writer seldom has more in flight; more spares would hold memory for
	 * the rare burst that queues them all. */
	ew_writer_batch_init(&w->pool, w->o.queue_bytes / EW_WRITER_BATCH_BYTES < 2 ? 1 : 2,
			     mono_ns());
	rc = ew_hourly_open(o->records_dir, &w->files);
	if (rc) {
		free(w->dir);
		free(w);
		return rc;
	}
	w->files_st = *ew_hourly_stats(w->files);
	rc = ew_syncer_new(&w->sync);
	if (rc) {
		ew_hourly_close(w->files, false);
		free(w->dir);
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->room, NULL);
	rc = -pthread_create(&w->thread, NULL, run, w);
	if (rc) {
		ew_syncer_free(w->sync);
		ew_hourly_close(w->files, false);
		free(w->dir);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static bool full(const struct ew_writer *w, const struct ew_writer_batch *b, size_t limit)
{
	return w->queued && w->queued + b->len > limit;
}

/*
 * Wait for room: a replay for as long as it takes; live for GROW_WAIT_NS at
 * most (a burst of records, e.g. every open flow's interim record at once,
 * outruns a working thread for a moment), and not at all while the thread
 * is stalled: the queue grows instead (hand_over()).
 */
static void wait_room(struct ew_writer *w, const struct ew_writer_batch *b)
{
	struct timespec until;

	if (w->o.block_when_full) {
		while (full(w, b, w->o.queue_bytes) && !w->stop)
			pthread_cond_wait(&w->room, &w->lock);
		return;
	}
	if (w->stalled || !full(w, b, w->o.queue_bytes))
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += GROW_WAIT_NS;
	until.tv_sec += until.tv_nsec / 1000000000l;
	until.tv_nsec %= 1000000000l;
	while (full(w, b, w->o.queue_bytes) && !w->stop)
		if (pthread_cond_timedwait(&w->room, &w->lock, &until) == ETIMEDOUT) {
			w->stalled = full(w, b, w->o.queue_bytes);
			break;
		}
}

/*
 * Queue the current batch; a full queue waits (wait_room()), then grows up
 * to o.queue_max_bytes (live), then drops it.
 */
static void hand_over(struct ew_writer *w)
{
	struct ew_writer_batch *b = w->cur;

	if (!b || !b->n)
		return;
	w->cur = NULL;
	pthread_mutex_lock(&w->lock);
	wait_room(w, b);
	if (full(w, b, w->o.queue_max_bytes)) {
		w->dropped += b->n;
		batch_done(w, b, 0);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	b->next = NULL;
	if (w->tail)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	w->queued += b->len;
	if (w->queued > w->o.queue_bytes && !w->over) {
		w->over = true;
		w->grown++;
	}
	if (w->queued > w->queue_peak)
		w->queue_peak = w->queued;
	pthread_mutex_unlock(&w->lock);
	/*
	 * After the unlock: woken on this CPU, the thread would otherwise run at
	 * once only to block on the lock still held, two more switches a batch.
	 */
	pthread_cond_signal(&w->wake);
}

static void drop_one(struct ew_writer *w)
{
	__atomic_add_fetch(&w->put, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&w->lock);
	w->dropped++;
	pthread_mutex_unlock(&w->lock);
}

/*
 * The current batch, with @need bytes free for a record of @realtime_ns:
 * handed over first if it has not, if it is old, or if the record starts a
 * run of a new hour it has no place for. NULL: no batch (no memory).
 */
static struct ew_writer_batch *room_for(struct ew_writer *w, int64_t realtime_ns, size_t need)
{
	/* A time without an hour gets the zero key: the thread counts those lost. */
	if (ew_hourly_key_of(realtime_ns, w->key))
		memset(w->key, 0, sizeof(w->key));
	w->new_seg = !w->cur || memcmp(w->key, w->seg_key, EW_HOURLY_KEY_LEN) != 0;
	if (w->cur && (w->cur->len + need > EW_WRITER_BATCH_BYTES ||
		       (w->new_seg && w->cur->n_segs == EW_WRITER_BATCH_SEGS) ||
		       mono_ns() - w->cur_born_ns > BATCH_AGE_NS))
		hand_over(w);
	if (!w->cur) {
		w->cur = batch_new(w);
		if (!w->cur)
			return NULL;
		w->cur_born_ns = mono_ns();
		w->new_seg = true;
	}
	return w->cur;
}

/* The @len bytes at the end of the current batch are a record of room_for()'s time. */
static void append(struct ew_writer *w, int64_t realtime_ns, size_t len)
{
	struct ew_writer_batch *b = w->cur;
	struct ew_writer_seg *sg;

	if (w->new_seg) {
		b->segs[b->n_segs++] = (struct ew_writer_seg){.realtime_ns = realtime_ns};
		memcpy(w->seg_key, w->key, sizeof(w->key));
		w->new_seg = false;
	}
	sg = &b->segs[b->n_segs - 1];
	b->data[b->len + len] = '\n';
	b->len += len + 1;
	sg->len += (uint32_t)len + 1;
	sg->lines++;
	b->n++;
	__atomic_add_fetch(&w->put, 1, __ATOMIC_RELAXED);
}

void ew_writer_put(struct ew_writer *w, int64_t realtime_ns, const char *line, size_t len)
{
	struct ew_writer_batch *b;

	if (len + 1 > EW_WRITER_BATCH_BYTES) { /* no record is near this: drop, do not corrupt */
		drop_one(w);
		return;
	}
	b = room_for(w, realtime_ns, len + 1);
	if (!b) {
		drop_one(w);
		return;
	}
	memcpy(b->data + b->len, line, len);
	append(w, realtime_ns, len);
}

char *ew_writer_begin(struct ew_writer *w, int64_t realtime_ns, size_t *room)
{
	struct ew_writer_batch *b = room_for(w, realtime_ns, BEGIN_ROOM);

	if (!b)
		return NULL;
	w->begun_ns = realtime_ns;
	*room = EW_WRITER_BATCH_BYTES - b->len - 1; /* the newline's byte kept */
	return b->data + b->len;
}

void ew_writer_commit(struct ew_writer *w, size_t len)
{
	append(w, w->begun_ns, len);
}

void ew_writer_push(struct ew_writer *w)
{
	hand_over(w);
}

void ew_writer_reopen(struct ew_writer *w)
{
	hand_over(w);
	pthread_mutex_lock(&w->lock);
	w->reopen = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void ew_writer_stats(struct ew_writer *w, struct ew_writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	st->put = __atomic_load_n(&w->put, __ATOMIC_RELAXED);
	st->dropped = w->dropped;
	st->written = w->files_st.written;
	st->write_errors = w->files_st.lost;
	st->torn_tails_cut = w->files_st.torn_tails_cut;
	st->queued_bytes = w->queued + (w->cur ? w->cur->len : 0);
	st->queue_peak_bytes = w->queue_peak;
	st->queue_grown = w->grown;
	st->mapped_bytes = ew_writer_batch_mapped_bytes(&w->pool);
	pthread_mutex_unlock(&w->lock);
}

int ew_writer_close(struct ew_writer *w, bool compress_current, struct ew_writer_stats *final)
{
	int rc;

	if (!w)
		return 0;
	hand_over(w);
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_cond_broadcast(&w->room);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	/* A sync in progress ends before the hour's file is closed and fsync'd. */
	ew_syncer_free(w->sync);
	w->sync = NULL;
	/* The thread flushed before it stopped: its counters are final. */
	if (final)
		ew_writer_stats(w, final);
	rc = ew_hourly_close(w->files, compress_current);
	w->files = NULL;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->room);
	if (w->cur)
		ew_writer_batch_unmap(&w->pool, w->cur);
	ew_writer_batch_unmap(&w->pool, w->pool.spare);
	free(w->dir);
	free(w);
	return rc;
}
