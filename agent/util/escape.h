/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * escape.h - text from files and processes made safe for a terminal.
 *
 * Config keys, file names, process names and command lines are chosen by
 * someone else; printed as they are, ESC [ 2 J clears the operator's screen
 * and an OSC sequence retitles the window or worse.
 */
#ifndef EW_ESCAPE_H
#define EW_ESCAPE_H

#include <stddef.h>

/**
 * ew_escape_ctl() - copy @in to @out with control characters as \xNN.
 * @out: receives the NUL-terminated result, cut short (never inside an
 *       escape or a UTF-8 sequence) when it does not fit
 * @outlen: size of @out; 4 * strlen(@in) + 1 always suffices
 *
 * C0 controls, DEL and C1 controls (U+0080 to U+009F as UTF-8, and bytes
 * that are not UTF-8 at all, which some terminals take as C1) are escaped,
 * each byte as \xNN; other UTF-8 and printable ASCII are copied.
 * Return: the length written.
 */
size_t ew_escape_ctl(char *out, size_t outlen, const char *in);

#endif
