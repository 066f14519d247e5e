/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * writer_batch.h - the records writer's batches (out/writer.h): record lines
 * as the files want them, in memory mapped for each batch, and the few kept
 * for reuse. Not locked: the writer calls these under its own lock, but for
 * ew_writer_batch_map() and ew_writer_batch_unmap().
 */
#ifndef EW_WRITER_BATCH_H
#define EW_WRITER_BATCH_H

#include <stddef.h>
#include <stdint.h>

#define EW_WRITER_BATCH_BYTES ((size_t)256 * 1024)
#define EW_WRITER_BATCH_SEGS  8 /* runs of one hour in a batch; a new hour is rare */

/* A run of records of one hour (ew_hourly_key_of()), in the batch's order. */
struct ew_writer_seg {
	int64_t realtime_ns; /* of its first record */
	uint32_t len, lines;
};

/*
 * Records as the files want them, each line ending with a newline: the
 * writer's thread lends the runs to the files (ew_hourly_write_lines()),
 * which write them from here. No copy between the producer's and the kernel's.
 */
struct ew_writer_batch {
	struct ew_writer_batch *next;
	size_t len, n;
	unsigned int n_segs;
	struct ew_writer_seg segs[EW_WRITER_BATCH_SEGS];
	char data[EW_WRITER_BATCH_BYTES];
};

/* The batches given back, kept for reuse up to max_spare; the count mapped. */
struct ew_writer_batches {
	struct ew_writer_batch *spare;
	size_t n_spare, max_spare;
	size_t spare_low; /* the fewest spares since the last trim */
	int64_t trim_ns;
	long mapped; /* atomic: mapped by the producer, unmapped by either thread */
};

/** ew_writer_batch_init() - no spares yet; keep up to @max_spare; time of the first trim's count.
 */
void ew_writer_batch_init(struct ew_writer_batches *p, size_t max_spare, int64_t now_ns);

/** ew_writer_batch_spare() - a spare to reuse, emptied, or NULL: none. */
struct ew_writer_batch *ew_writer_batch_spare(struct ew_writer_batches *p);

/**
 * ew_writer_batch_map() - a fresh batch, emptied, mapped rather than
 * malloc'd: a burst's worth going back leaves no holes in the heap, and its
 * memory is returned to the system. Return: NULL: no memory.
 */
struct ew_writer_batch *ew_writer_batch_map(struct ew_writer_batches *p);

/**
 * ew_writer_batch_give() - @b is written or dropped: kept as a spare, or
 * unmapped at once past max_spare (a queue grown by a stalled disk gives its
 * memory back as soon as the disk moves).
 */
void ew_writer_batch_give(struct ew_writer_batches *p, struct ew_writer_batch *b);

/**
 * ew_writer_batch_trim() - spares not taken since the last trim but one
 * leave, once a second at most.
 * Return: the list leaving, for ew_writer_batch_unmap() (outside any lock).
 */
struct ew_writer_batch *ew_writer_batch_trim(struct ew_writer_batches *p, int64_t now_ns);

/** ew_writer_batch_unmap() - unmap every batch of the list @b (next-linked). */
void ew_writer_batch_unmap(struct ew_writer_batches *p, struct ew_writer_batch *b);

/** ew_writer_batch_mapped_bytes() - memory mapped for batches now. */
uint64_t ew_writer_batch_mapped_bytes(const struct ew_writer_batches *p);

#endif
