/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hourly_gz.h - a closed hour's HH.jsonl into HH.jsonl.gz, crash-safely
 * (hourly.h says when; this file how).
 */
#ifndef EW_HOURLY_GZ_H
#define EW_HOURLY_GZ_H

/**
 * ew_hourly_gz_hour() - HH.jsonl in @dirfd into HH.jsonl.gz (a new gzip
 * member if that exists), fsync'd and renamed into place, then the .jsonl
 * unlinked.
 * @dirfd: the day's directory
 * @hh: the hour, "00".."23"
 *
 * A missing .jsonl is nothing to do; one already in the .gz (a crash between
 * the rename and the unlink) is only unlinked.
 * Return: 0 or -errno (the .jsonl is kept then).
 */
int ew_hourly_gz_hour(int dirfd, const char *hh);

#endif
