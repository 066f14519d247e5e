/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * subject_set.h - the distinct people one flow named in one category, as
 * keyed hashes (never values), bounded so a flow that names millions of
 * people costs a fixed amount: past the bound, new hashes are counted as
 * not held, and the count of distinct people becomes a lower bound.
 */
#ifndef EW_SUBJECT_SET_H
#define EW_SUBJECT_SET_H

#include <stdbool.h>
#include <stdint.h>

struct ew_subject_set {
	uint64_t *slots; /* open addressing; 0 is empty (a keyed hash is never 0) */
	uint32_t cap;	 /* slots allocated, a power of two */
	uint32_t count;	 /* distinct hashes held */
	uint32_t max;	 /* the bound on count */
	uint32_t over;	 /* hashes refused at the bound (maybe repeats) */
};

/** ew_subject_set_init() - an empty set holding at most @max hashes. */
void ew_subject_set_init(struct ew_subject_set *s, uint32_t max);

/**
 * ew_subject_set_add() - hold @h. Return: 1 when it is new, 0 when held
 * already, -1 when the set is full (or out of memory) and @h is not held.
 */
int ew_subject_set_add(struct ew_subject_set *s, uint64_t h);

/** ew_subject_set_has() - whether @h is held. */
bool ew_subject_set_has(const struct ew_subject_set *s, uint64_t h);

void ew_subject_set_free(struct ew_subject_set *s);

#endif
