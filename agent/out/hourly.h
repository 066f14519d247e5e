/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hourly.h - records as hourly JSON Lines files, ROOT/YYYY-MM-DD/HH.jsonl
 * (local time), each closed hour gzip-compressed to HH.jsonl.gz and fsync'd.
 *
 * A log shipper tails the open .jsonl; an auditor reads the .gz files with
 * zcat. A restart within an hour appends a second gzip member to the hour's
 * .gz (multi-member gzip, which zcat, gzread and Python's gzip read whole).
 * Errors are returned as -errno for the caller to count; nothing aborts.
 */
#ifndef EW_HOURLY_H
#define EW_HOURLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ew_hourly;

/* An hour's key, "YYYY-MM-DD/HH" (local time), without its NUL. */
#define EW_HOURLY_KEY_LEN 13

/**
 * ew_hourly_key_of() - the hour whose file a record of @realtime_ns goes to.
 * @realtime_ns: CLOCK_REALTIME in ns
 * @key: receives "YYYY-MM-DD/HH" and a NUL
 *
 * Records of one key go to one file, so a caller can hand a run of them
 * over together (ew_hourly_write_lines()).
 * Return: 0, or -EOVERFLOW if the time cannot be represented.
 */
int ew_hourly_key_of(int64_t realtime_ns, char key[EW_HOURLY_KEY_LEN + 1]);

/* What became of the records handed to ew_hourly_write(), owned by the writer. */
struct ew_hourly_stats {
	uint64_t written;	 /* whole lines in the files */
	uint64_t lost;		 /* refused by the disk (full, read-only): not in any file */
	uint64_t torn_tails_cut; /* files found ending inside a line, cut back at open */
	uint64_t cut_failures;	 /* a torn line could not be cut back (it stays: one bad line) */
};

/**
 * ew_hourly_open() - start writing under @root.
 * @root: the records directory; created (mode 0750) if missing
 * @out: the new writer
 *
 * Compresses the .jsonl files of past hours left by a crash, and removes
 * half-written .gz.tmp files. The current hour's .jsonl is appended to, after
 * a line torn by a crash or a full disk is cut off. Files are opened without
 * following symbolic links and created with mode 0640 whatever the umask.
 *
 * Return: 0 or -errno.
 */
int ew_hourly_open(const char *root, struct ew_hourly **out);

/**
 * ew_hourly_write() - buffer one record.
 * @h: the writer
 * @realtime_ns: the record's wall-clock time; picks the hour's file
 * @line: the record, without a newline (the writer adds it)
 * @len: bytes in @line
 *
 * Files roll only forward: a record older than the open hour is written to
 * the open file (late events must not reopen closed, compressed hours).
 * Rolling closes, fsyncs and compresses the previous hour; a failure there
 * is logged and the .jsonl kept for the next start to compress.
 *
 * Return: 0, or -errno if the record was not accepted (it is lost).
 */
int ew_hourly_write(struct ew_hourly *h, int64_t realtime_ns, const char *line, size_t len);

/**
 * ew_hourly_write_lines() - lend a run of records of one hour, written in place.
 * @h: the writer
 * @realtime_ns: the time of the first; all of them have its ew_hourly_key_of()
 * @text: the records, each ending with a newline
 * @len: bytes in @text
 * @lines: records in @text
 *
 * Nothing is copied: @text must stay as it is until the next
 * ew_hourly_flush() (or the ew_hourly_close()) returns. Files roll as with
 * ew_hourly_write(), and every record is counted written or lost alike.
 *
 * Return: 0, or -errno if the records were not accepted (they are lost).
 */
int ew_hourly_write_lines(struct ew_hourly *h, int64_t realtime_ns, const char *text, size_t len,
			  uint64_t lines);

/**
 * ew_hourly_flush() - hand buffered and lent records to the kernel (no fsync).
 * @h: the writer
 *
 * A failure (a full disk) keeps the whole lines that were written, cuts off a
 * line written in part, and counts the records that did not make it as lost
 * (ew_hourly_stats()): the next record starts on a line boundary.
 * Return: 0, or -errno.
 */
int ew_hourly_flush(struct ew_hourly *h);

/** ew_hourly_fd() - the open hour's descriptor, to fdatasync (out/syncer.h); -1: none. */
int ew_hourly_fd(const struct ew_hourly *h);

/** ew_hourly_stats() - the counters of @h (read by the thread that writes). */
const struct ew_hourly_stats *ew_hourly_stats(const struct ew_hourly *h);

/**
 * ew_hourly_reopen() - close and reopen the open hour's file by name.
 * @h: the writer
 *
 * For SIGHUP after an external rotation moved the file away.
 *
 * Return: 0 or -errno.
 */
int ew_hourly_reopen(struct ew_hourly *h);

/**
 * ew_hourly_sync() - wait for the compression of the last closed hour, which
 * runs in a thread of its own so the ring consumer never waits for zlib.
 * Return: 0 or that compression's -errno (the .jsonl then stays for the next start).
 */
int ew_hourly_sync(struct ew_hourly *h);

/**
 * ew_hourly_close() - flush, fsync and free @h (freed even on error).
 * @h: the writer, or NULL
 * @compress_current: also compress the open hour (orderly exit); without it
 *	the .jsonl stays and a restart within the hour continues it
 *
 * Return: 0, or the first -errno met (data may be left in the .jsonl).
 */
int ew_hourly_close(struct ew_hourly *h, bool compress_current);

/** ew_hourly_key() - the open hour as "YYYY-MM-DD/HH" (its file: ROOT/KEY.jsonl); "": none. */
const char *ew_hourly_key(const struct ew_hourly *h);

/**
 * ew_hourly_bytes_written() - bytes of JSON Lines handed to the kernel.
 * @h: the writer
 */
uint64_t ew_hourly_bytes_written(const struct ew_hourly *h);

#endif
