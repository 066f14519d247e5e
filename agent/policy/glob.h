/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * glob.h - the policy's shell globs, compiled once to the cheapest compare
 * that decides them: a literal for "abc", "abc*", "*abc", "*abc*" and "*";
 * fnmatch() only for the rest, and then after its literal head and tail
 * have been compared. '*' matches '/' too, so "/opt/dms/" and a star is everything
 * under /opt/dms.
 */
#ifndef EW_GLOB_H
#define EW_GLOB_H

#include <stdbool.h>
#include <stdint.h>

struct ew_glob {
	char *pat;	  /* as written; NULL: no glob */
	char *lit;	  /* the literal part; for fnmatch() globs, the literal head */
	const char *tail; /* fnmatch() globs: the literal tail (into pat), or NULL */
	uint16_t len;	  /* of lit */
	uint16_t tail_len;
	uint8_t kind; /* enum ew_glob_kind in glob.c */
};

/**
 * ew_glob_compile() - compile @pat into the zeroed @g.
 * @why: on -EINVAL, what is wrong with @pat ("has a '[' that is never closed")
 * Return: 0, -EINVAL or -ENOMEM; @g is for ew_glob_free() either way.
 */
int ew_glob_compile(struct ew_glob *g, const char *pat, const char **why);

/** ew_glob_literal_prefix() - @g matches what starts with @lit (no metacharacters). */
int ew_glob_literal_prefix(struct ew_glob *g, const char *lit);

/** ew_glob_match() - whether @s matches @g; NULL or "" never does, nor does an empty @g. */
bool ew_glob_match(const struct ew_glob *g, const char *s);

void ew_glob_free(struct ew_glob *g);

#endif
