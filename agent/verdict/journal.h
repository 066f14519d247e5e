/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * journal.h - the people counted since the last snapshot, so a kill -9
 * between two saves loses none. The verdict stage appends every newly
 * counted (counter key, subject hash) and fdatasyncs once per ring drain,
 * before the records of that drain are handed to the writer: the journal
 * is never behind the records. At start the snapshot is loaded and the
 * journal replayed into it (counters are sets: replaying twice is
 * harmless); after each snapshot save the journal is emptied.
 *
 * File STATE_DIR/journal (0600), fixed 88-byte entries, little-endian:
 *   "EWJ1"  u32 CRC-32 (zlib's) of the 80 bytes that follow
 *   u8 scope, u8 class, u8 attested, u8 0, i32 year, u64 hash,
 *   char name[64] (NUL-padded)
 * Hashes are the content engine's keyed hashes, never raw identifiers.
 */
#ifndef EW_JOURNAL_H
#define EW_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "verdict/people.h"

#define EW_JOURNAL_FILE	 "journal"
#define EW_JOURNAL_ENTRY 88

struct ew_journal;

struct ew_journal_replay {
	uint64_t entries;   /* whole, valid entries read */
	uint64_t added;	    /* of them, people the snapshot did not have */
	uint64_t cut_bytes; /* a torn or bad tail, cut off the file */
};

/**
 * ew_journal_open() - a journal appending to STATE_DIR/journal. Nothing is
 * created until the first write (then the directory 0700, the file 0600).
 * Return: 0, -ENAMETOOLONG (@err says so), -ENOMEM.
 */
int ew_journal_open(struct ew_journal **out, const char *dir, char *err, size_t errlen);

/** ew_journal_path() - STATE_DIR/journal, for messages. */
const char *ew_journal_path(const struct ew_journal *j);

/** ew_journal_free() - close @j without syncing what it buffers. NULL is fine. */
void ew_journal_free(struct ew_journal *j);

/** ew_journal_add() - buffer one counted person. Return: 0 or -ENOMEM (not journalled). */
int ew_journal_add(struct ew_journal *j, const struct ew_people_key *k, uint64_t hash);

/** ew_journal_pending() - entries buffered and not yet written. */
size_t ew_journal_pending(const struct ew_journal *j);

/**
 * ew_journal_sync() - write what is buffered and fdatasync it; nothing to
 * do when the buffer is empty. On failure the buffer is dropped (those
 * people wait for the next snapshot). Return: 0 or -errno.
 */
int ew_journal_sync(struct ew_journal *j);

/**
 * ew_journal_reset() - a snapshot holding every counted person is on disk:
 * empty the file and drop the buffer. Return: 0 or -errno.
 */
int ew_journal_reset(struct ew_journal *j);

/**
 * ew_journal_replay() - add every entry of STATE_DIR/journal to @p. A torn
 * or corrupt entry ends the journal: the file is cut at the last whole one.
 * Return: 0 (all read, or no journal), -EBADMSG (a tail was cut: @err names
 * the file, the offset and the bytes), -ENOMEM, other -errno.
 */
int ew_journal_replay(const char *dir, struct ew_people *p, struct ew_journal_replay *st, char *err,
		      size_t errlen);

#endif
