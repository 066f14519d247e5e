/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gzfile.h - what a unit test reads back from the records and alert files
 * the agent wrote: plain or gzip (every member), through Criterion asserts.
 */
#ifndef EW_TEST_GZFILE_H
#define EW_TEST_GZFILE_H

/* The whole text of @dir/@rel, decompressed if it is gzip; free() it. */
char *ew_test_slurp(const char *dir, const char *rel);

/* @dir/@rel holds exactly @want. */
void ew_test_expect_file(const char *dir, const char *rel, const char *want);

#endif
