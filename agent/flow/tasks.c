// SPDX-License-Identifier: GPL-2.0-only
#include "flow/tasks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/siphash.h"

struct entry {
	struct ew_task task; /* first: what callers are given points here */
	struct entry *next;
	uint32_t refs;
	uint32_t hash; /* of task, kept: the bucket at any size, whatever the key does later */
};

struct ew_tasks {
	struct entry **buckets;
	size_t mask;
	size_t n;
};

struct ew_tasks *ew_tasks_new(void)
{
	struct ew_tasks *ts = calloc(1, sizeof(*ts));

	if (!ts)
		return NULL;
	ts->buckets = calloc(64, sizeof(*ts->buckets));
	if (!ts->buckets) {
		free(ts);
		return NULL;
	}
	ts->mask = 63;
	return ts;
}

void ew_tasks_free(struct ew_tasks *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i <= ts->mask; i++)
		for (struct entry *e = ts->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	free(ts->buckets);
	free(ts);
}

/* Keyed (util/siphash.h): programs naming themselves cannot pick a bucket. */
static uint32_t hash_of(const struct ew_task *t)
{
	return (uint32_t)ew_hash(t, sizeof(*t));
}

static void grow(struct ew_tasks *ts)
{
	size_t n = (ts->mask + 1) * 2;
	struct entry **b = calloc(n, sizeof(*b));
	struct entry **old = ts->buckets;
	size_t old_n = ts->mask + 1;

	if (!b)
		return; /* longer chains, still correct */
	ts->buckets = b;
	ts->mask = n - 1;
	for (size_t i = 0; i < old_n; i++)
		for (struct entry *e = old[i], *next; e; e = next) {
			size_t k = e->hash & ts->mask;

			next = e->next;
			e->next = b[k];
			b[k] = e;
		}
	free(old);
}

const struct ew_task *ew_tasks_get(struct ew_tasks *ts, const struct ew_task *task)
{
	/* Compared and hashed whole (the struct has no padding), comm's bytes
	 * after its NUL too: the owner as the kernel sent it. */
	uint32_t h = hash_of(task);
	struct entry *e;

	for (e = ts->buckets[h & ts->mask]; e; e = e->next)
		if (e->hash == h && !memcmp(&e->task, task, sizeof(*task))) {
			e->refs++;
			return &e->task;
		}
	e = malloc(sizeof(*e));
	if (!e)
		return NULL;
	e->task = *task;
	e->refs = 1;
	e->hash = h;
	e->next = ts->buckets[h & ts->mask];
	ts->buckets[h & ts->mask] = e;
	if (++ts->n > ts->mask + 1)
		grow(ts);
	return &e->task;
}

void ew_tasks_put(struct ew_tasks *ts, const struct ew_task *task)
{
	struct entry *e = (struct entry *)task, **pp;

	if (!task || --e->refs)
		return;
	for (pp = &ts->buckets[e->hash & ts->mask]; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			ts->n--;
			free(e);
			return;
		}
}

size_t ew_tasks_count(const struct ew_tasks *ts)
{
	return ts->n;
}
