/* SPDX-License-Identifier: GPL-2.0-only */
/* people_int.h - what people.c and people_state.c share; nobody else includes it. */
#ifndef EW_PEOPLE_INT_H
#define EW_PEOPLE_INT_H

#include "verdict/people.h"

struct ew_people_counter {
	struct ew_people_key key;
	uint64_t *slots; /* open addressing, 0 empty; NULL once estimated */
	uint64_t cap;	 /* a power of two */
	uint8_t shift;	 /* 64 - log2(cap): a hash's home slot is its top bits */
	uint64_t count;	 /* distinct hashes held, the zero hash included */
	bool has_zero;	 /* keyed hashes are never 0 in practice; held aside if one is */
	bool dirty;
	uint64_t crossover;
	struct ew_hll *hll; /* past the crossover */
};

struct ew_people {
	struct ew_people_counter **c;
	size_t n, cap;
	uint64_t crossover;
	struct ew_tz tz;
};

/* A counter for @k, appended to @p (its key must be new). */
struct ew_people_counter *ew_people_append(struct ew_people *p, const struct ew_people_key *k);

/* Make @c estimated: its members into a new sketch, the set freed. */
int ew_people_to_hll(struct ew_people_counter *c);

/* Hold @h in the exact set without the crossover check (loading). Return: 1 new, 0 held, -ENOMEM.
 */
int ew_people_set_put(struct ew_people_counter *c, uint64_t h);

/* Append "; message" to @err (people_state.c). */
void ew_people_adderr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Open the state directory @dir (made 0700 when @create), owned by us and 0700. Return: fd or
 * -errno. */
int ew_people_open_dir(const char *dir, bool create, char *err, size_t errlen);

#endif
