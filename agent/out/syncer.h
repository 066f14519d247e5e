/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * syncer.h - fdatasync off the records writer's thread. On a slow disk one
 * fdatasync took 2-3 s here; done by the writer, its queue (16 MiB, about
 * 18,000 records) filled and dropped records at 50,000 a second. The syncer
 * syncs a duplicate of the file's descriptor on a thread of its own while
 * the writer goes on appending; one sync at a time, the next waits its turn.
 */
#ifndef EW_SYNCER_H
#define EW_SYNCER_H

#include <stdbool.h>

struct ew_syncer;

/** ew_syncer_new() - start the thread. Return: 0 or -errno. */
int ew_syncer_new(struct ew_syncer **out);

/**
 * ew_syncer_start() - fdatasync @fd (duplicated: the caller may close it).
 * Return: true when taken (or @fd < 0: nothing to sync), false while the
 * previous sync still runs.
 */
bool ew_syncer_start(struct ew_syncer *s, int fd);

/** ew_syncer_result() - the first error of the syncs finished since the last call, or 0. */
int ew_syncer_result(struct ew_syncer *s);

/** ew_syncer_free() - wait for a sync in progress, stop the thread. NULL is fine. */
void ew_syncer_free(struct ew_syncer *s);

#endif
