/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hourly_recover.h - what a crash or a kill -9 left under the records root:
 * past hours' .jsonl files still open (compressed now) and half-built
 * .gz.tmp files (removed). ew_hourly_open() runs it at every start.
 */
#ifndef EW_HOURLY_RECOVER_H
#define EW_HOURLY_RECOVER_H

/**
 * ew_hourly_recover() - compress every hour's .jsonl before @now_key under
 * @root, and remove every .jsonl.gz.tmp.
 * @root: the records directory (ROOT/YYYY-MM-DD/HH.jsonl)
 * @now_key: the current hour, "YYYY-MM-DD/HH" (ew_hourly_key_of()): its file
 *	and later ones (a clock set back) are kept to be appended to
 *
 * Only names of the form YYYY-MM-DD/HH.jsonl[.gz.tmp] are touched.
 * Return: 0, -errno of opening @root, or the first compression's -errno
 * (that hour's .jsonl then stays for the next start).
 */
int ew_hourly_recover(const char *root, const char *now_key);

#endif
