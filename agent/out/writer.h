/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * writer.h - a thread of its own writes the records files, behind a bounded
 * queue, so a slow or full disk holds up the thread that reads the kernel's
 * ring buffer for 50 ms at most.
 *
 * The producer (the records stage) puts whole lines into a batch; a batch
 * goes to the queue when it is full, when ew_writer_push() is called (the
 * live loop does after every drain of the ring) or when it is 200 ms old.
 * The thread writes what it is given at once and fdatasyncs every five
 * seconds, so `tail -F` sees a record within about a second of its flow's
 * end and a kill -9 loses at most that second. The queue bounds
 * every batch held, those being written included. A live producer whose
 * batch finds the queue full waits up to 50 ms for room (a burst outruns a
 * working thread for a moment, and it makes room within milliseconds);
 * then the thread is stalled (a disk taking hundreds of milliseconds, e.g.
 * behind the fdatasync's writeback of the same file) and the queue grows
 * past its steady size, up to queue_max_bytes, rather than drop: the
 * producer, which also drains the kernel's ring buffer, goes on at once.
 * Past that cap a batch is dropped and counted, without waiting again until
 * the thread has written something (a hung disk must not keep the ring from
 * being read). The batches beyond the steady size are unmapped as soon as
 * they are written, so the memory goes back once the disk moves. A replay
 * waits for as long as it takes (block_when_full), at the steady size,
 * because nothing is lost by waiting there.
 * Every record put is in the end either written, dropped or lost to a write
 * error, and counted as one of them.
 */
#ifndef EW_WRITER_H
#define EW_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ew_writer_opts {
	const char *records_dir; /* DATA_DIR/records */
	size_t queue_bytes;	 /* bytes queued or being written, steady; 0: 1 MiB */
	size_t queue_max_bytes;	 /* a stalled thread: the queue may grow to this; 0: 16 MiB; a
				    replay: queue_bytes */
	bool block_when_full;	 /* wait for room instead of dropping (replay) */
};

struct ew_writer_stats {
	uint64_t put;		   /* records handed to ew_writer_put() */
	uint64_t written;	   /* whole lines in the files */
	uint64_t dropped;	   /* the queue was full: never written */
	uint64_t write_errors;	   /* refused by the disk: never written */
	uint64_t torn_tails_cut;   /* files found ending inside a line at open, cut back */
	uint64_t queued_bytes;	   /* waiting now */
	uint64_t queue_peak_bytes; /* the most queued or being written at once, ever */
	uint64_t queue_grown;	   /* times the queue grew past queue_bytes (a stalled disk) */
	uint64_t mapped_bytes;	   /* batch memory mapped now: queued, being filled, spares */
};

struct ew_writer;

/** ew_writer_open() - open the files (ew_hourly_open()) and start the thread. */
int ew_writer_open(const struct ew_writer_opts *o, struct ew_writer **out);

/** ew_writer_put() - one record line (no newline) for the hour of @realtime_ns. */
void ew_writer_put(struct ew_writer *w, int64_t realtime_ns, const char *line, size_t len);

/**
 * ew_writer_begin() - room for one record line, written in place by the
 * caller (no copy from a buffer of its own), then ew_writer_commit().
 * @w: the writer
 * @realtime_ns: the record's time, for its hour
 * @room: receives the most bytes the line may have (no newline: the
 *	writer adds it)
 *
 * A line that does not fit is put with ew_writer_put() instead: nothing is
 * put until the commit, and a begin not committed puts nothing.
 * Return: where to write, or NULL (no memory: ew_writer_put() counts the loss).
 */
char *ew_writer_begin(struct ew_writer *w, int64_t realtime_ns, size_t *room);

/** ew_writer_commit() - the line begun is @len bytes: it is put, as by ew_writer_put(). */
void ew_writer_commit(struct ew_writer *w, size_t len);

/** ew_writer_push() - hand the records put so far to the thread now. */
void ew_writer_push(struct ew_writer *w);

/** ew_writer_reopen() - SIGHUP: the thread closes and reopens the hour's file by name. */
void ew_writer_reopen(struct ew_writer *w);

/** ew_writer_stats() - the counters now (safe from the producer's thread). */
void ew_writer_stats(struct ew_writer *w, struct ew_writer_stats *st);

/**
 * ew_writer_close() - write everything queued, stop the thread, fsync and
 * close the files; compress the open hour when @compress_current.
 * @final: the counters once everything is written (may be NULL)
 * Return: 0, or the first -errno of closing (losses are in the counters).
 */
int ew_writer_close(struct ew_writer *w, bool compress_current, struct ew_writer_stats *final);

#endif
