// SPDX-License-Identifier: GPL-2.0-only
#include "content/subject_set.h"

#include <stdlib.h>

/* Slots start small: most flows name a handful of people. */
#define FIRST_CAP 8

void ew_subject_set_init(struct ew_subject_set *s, uint32_t max)
{
	*s = (struct ew_subject_set){.max = max};
}

/* The hashes are keyed HMAC output already: their low bits index directly. */
static uint32_t probe(const uint64_t *slots, uint32_t cap, uint64_t h)
{
	uint32_t i = (uint32_t)h & (cap - 1);

	while (slots[i] && slots[i] != h)
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct ew_subject_set *s)
{
	uint32_t cap = s->cap ? s->cap * 2 : FIRST_CAP;
	uint64_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (uint32_t i = 0; i < s->cap; i++)
		if (s->slots[i])
			slots[probe(slots, cap, s->slots[i])] = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

bool ew_subject_set_has(const struct ew_subject_set *s, uint64_t h)
{
	return h && s->cap && s->slots[probe(s->slots, s->cap, h)] == h;
}

int ew_subject_set_add(struct ew_subject_set *s, uint64_t h)
{
	if (!h)
		return 0;
	if (ew_subject_set_has(s, h))
		return 0;
	/* At most half full, so probes stay short. */
	if (s->count >= s->max || ((s->count + 1) * 2 > s->cap && grow(s))) {
		s->over++;
		return -1;
	}
	s->slots[probe(s->slots, s->cap, h)] = h;
	s->count++;
	return 1;
}

void ew_subject_set_free(struct ew_subject_set *s)
{
	free(s->slots);
	*s = (struct ew_subject_set){.max = s->max};
}
