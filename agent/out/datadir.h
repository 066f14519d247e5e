/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * datadir.h - the data directory (records, metrics.prom, later state and
 * reports): made if missing, refused when others could replace what the agent
 * writes there, and held with an exclusive lock for the process's life, so a
 * second agent (the systemd unit and scripts/run, say) cannot interleave its
 * records with the first's.
 */
#ifndef EW_DATADIR_H
#define EW_DATADIR_H

#include <stddef.h>

struct ew_datadir;

/**
 * ew_datadir_open() - create @path (mode 0750) if missing, check it and lock it.
 *
 * Refused, with a message in @err that says how to fix it: a path that is not
 * a directory or is a symbolic link, one not owned by the user running the
 * agent, one writable by its group or by others, and one another process
 * holds (the message names its pid).
 * Return: 0, -EBUSY (held by another), -EPERM (ownership, mode), other -errno.
 */
int ew_datadir_open(const char *path, struct ew_datadir **out, char *err, size_t errlen);

/** ew_datadir_close() - release the lock. NULL is fine. */
void ew_datadir_close(struct ew_datadir *d);

#endif
