// SPDX-License-Identifier: GPL-2.0-only
#include "names/names.h"

#include <stdlib.h>
#include <string.h>

#include "util/siphash.h"

struct entry {
	char *s; /* NULL: a free id */
	uint32_t refs;
	uint32_t next; /* hash chain, or the free list when s is NULL */
	uint64_t hash;
};

struct ew_names {
	struct entry *e; /* e[0] is never used: id 0 means no name */
	uint32_t cap;
	uint32_t used; /* ids handed out so far, free ones included */
	uint32_t live;
	uint32_t free_head;
	uint32_t *buckets;
	uint32_t mask;
};

/* Names come from the network (SNI, Host, DNS): keyed, so they cannot be chosen to collide. */
static uint64_t hash_str(const char *s)
{
	return ew_hash(s, strlen(s));
}

struct ew_names *ew_names_new(void)
{
	struct ew_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->mask = 1023;
	n->buckets = calloc(n->mask + 1, sizeof(*n->buckets));
	n->cap = 1024;
	n->e = calloc(n->cap, sizeof(*n->e));
	n->used = 1;
	if (!n->buckets || !n->e) {
		ew_names_free(n);
		return NULL;
	}
	return n;
}

void ew_names_free(struct ew_names *n)
{
	if (!n)
		return;
	for (uint32_t i = 1; n->e && i < n->used; i++)
		free(n->e[i].s);
	free(n->e);
	free(n->buckets);
	free(n);
}

/* Keeps chains short as names accumulate; ids do not move. */
static int grow_buckets(struct ew_names *n)
{
	uint32_t mask = n->mask * 2 + 1;
	uint32_t *b = calloc((size_t)mask + 1, sizeof(*b));

	if (!b)
		return -1;
	for (uint32_t id = 1; id < n->used; id++) {
		struct entry *e = &n->e[id];

		if (!e->s)
			continue;
		e->next = b[e->hash & mask];
		b[e->hash & mask] = id;
	}
	free(n->buckets);
	n->buckets = b;
	n->mask = mask;
	return 0;
}

static uint32_t new_id(struct ew_names *n)
{
	uint32_t id = n->free_head;

	if (id) {
		n->free_head = n->e[id].next;
		return id;
	}
	if (n->used > EW_NAMES_MAX)
		return 0;
	if (n->used == n->cap) {
		struct entry *e = realloc(n->e, (size_t)n->cap * 2 * sizeof(*e));

		if (!e)
			return 0;
		memset(e + n->cap, 0, (size_t)n->cap * sizeof(*e));
		n->e = e;
		n->cap *= 2;
	}
	return n->used++;
}

static uint32_t find(const struct ew_names *n, const char *name, uint64_t h)
{
	for (uint32_t id = n->buckets[h & n->mask]; id; id = n->e[id].next)
		if (n->e[id].hash == h && strcmp(n->e[id].s, name) == 0)
			return id;
	return 0;
}

uint32_t ew_names_find(const struct ew_names *n, const char *name)
{
	return find(n, name, hash_str(name));
}

uint32_t ew_names_get(struct ew_names *n, const char *name)
{
	uint64_t h = hash_str(name);
	uint32_t id = find(n, name, h);
	struct entry *e;

	if (id) {
		n->e[id].refs++;
		return id;
	}
	if (n->live + 1 > n->mask && grow_buckets(n))
		return 0;
	id = new_id(n);
	if (!id)
		return 0;
	e = &n->e[id];
	e->s = strdup(name);
	if (!e->s) {
		e->next = n->free_head;
		n->free_head = id;
		return 0;
	}
	e->refs = 1;
	e->hash = h;
	e->next = n->buckets[h & n->mask];
	n->buckets[h & n->mask] = id;
	n->live++;
	return id;
}

void ew_names_ref(struct ew_names *n, uint32_t id)
{
	if (id)
		n->e[id].refs++;
}

static void unchain(struct ew_names *n, uint32_t id)
{
	uint32_t *pp = &n->buckets[n->e[id].hash & n->mask];

	while (*pp != id)
		pp = &n->e[*pp].next;
	*pp = n->e[id].next;
}

void ew_names_put(struct ew_names *n, uint32_t id)
{
	struct entry *e;

	if (!id)
		return;
	e = &n->e[id];
	if (--e->refs)
		return;
	unchain(n, id);
	free(e->s);
	e->s = NULL;
	e->next = n->free_head;
	n->free_head = id;
	n->live--;
}

const char *ew_names_str(const struct ew_names *n, uint32_t id)
{
	return id && n->e[id].s ? n->e[id].s : "";
}

uint32_t ew_names_count(const struct ew_names *n)
{
	return n->live;
}
