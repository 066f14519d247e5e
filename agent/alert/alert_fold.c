// SPDX-License-Identifier: GPL-2.0-only
#include "alert/alert_fold.h"

#include <stdlib.h>
#include <string.h>

#include "alert/facts.h"

struct window {
	struct window *hnext; /* hash chain */
	struct window *next;  /* opening order: the oldest closes first */
	uint64_t hash;
	uint64_t opened, last; /* pipeline time */
	struct ew_alert a;     /* the first, then the sums of every repeat */
};

struct ew_alert_fold {
	uint64_t window_ns;
	uint32_t max_keys, n, mask;
	struct window **buckets;
	struct window *head, *tail;
	uint64_t unfolded;
};

/* What two alerts must share to fold: the rule, who, where. */
static const char *who(const struct ew_alert *a)
{
	return a->facts.exe[0] ? a->facts.exe : a->facts.comm;
}

static const char *where(const struct ew_alert *a)
{
	return a->facts.domain[0] ? a->facts.domain : a->facts.destination_ip;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull; /* a separator: ("ab","c") differs from ("a","bc") */
}

static uint64_t key_hash(const struct ew_alert *a)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)a->rule;

	return fnv(fnv(h, who(a)), where(a));
}

static bool same(const struct ew_alert *x, const struct ew_alert *y)
{
	return x->rule == y->rule && !strcmp(who(x), who(y)) && !strcmp(where(x), where(y));
}

struct ew_alert_fold *ew_alert_fold_new(uint64_t window_ns, uint32_t max_keys)
{
	struct ew_alert_fold *f = calloc(1, sizeof(*f));
	uint32_t nb = 16;

	if (!f)
		return NULL;
	while (nb < max_keys * 2 && nb < (1u << 24))
		nb <<= 1;
	f->window_ns = window_ns;
	f->max_keys = max_keys;
	f->mask = nb - 1;
	f->buckets = calloc(nb, sizeof(*f->buckets));
	if (!f->buckets) {
		free(f);
		return NULL;
	}
	return f;
}

void ew_alert_fold_free(struct ew_alert_fold *f)
{
	if (!f)
		return;
	for (struct window *w = f->head, *next; w; w = next) {
		next = w->next;
		free(w);
	}
	free(f->buckets);
	free(f);
}

bool ew_alert_fold_add(struct ew_alert_fold *f, struct ew_alert *a, uint64_t now)
{
	uint64_t h;
	struct window **b, *w;

	if (!f->window_ns)
		return true;
	h = key_hash(a);
	b = &f->buckets[h & f->mask];
	for (w = *b; w; w = w->hnext) {
		if (w->hash != h || !same(&w->a, a))
			continue;
		w->a.count++;
		w->last = now;
		w->a.last_ns = a->time_ns;
		w->a.lost += a->lost;
		ew_alert_facts_merge(&w->a.facts, &a->facts);
		memcpy(a->id, w->a.id, sizeof(a->id));
		return false;
	}
	if (f->n >= f->max_keys || !(w = malloc(sizeof(*w)))) {
		f->unfolded++;
		return true;
	}
	w->hash = h;
	w->opened = w->last = now;
	ew_alert_copy(&w->a, a);
	w->a.count = 1;
	w->a.first_ns = w->a.last_ns = a->time_ns;
	w->hnext = *b;
	*b = w;
	w->next = NULL;
	if (f->tail)
		f->tail->next = w;
	else
		f->head = w;
	f->tail = w;
	f->n++;
	return true;
}

static void unlink_hash(struct ew_alert_fold *f, struct window *w)
{
	struct window **pp = &f->buckets[w->hash & f->mask];

	while (*pp && *pp != w)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = w->hnext;
}

void ew_alert_fold_expire(struct ew_alert_fold *f, uint64_t now, bool all,
			  int64_t realtime_offset_ns, ew_alert_fold_fn fn, void *arg)
{
	struct window *w;

	/* Windows are equally long and open in time order: the oldest ends first. */
	while ((w = f->head) && (all || now - w->opened >= f->window_ns)) {
		f->head = w->next;
		if (!f->head)
			f->tail = NULL;
		unlink_hash(f, w);
		f->n--;
		if (w->a.count > 1) {
			uint64_t end =
			    all && now - w->opened < f->window_ns ? now : w->opened + f->window_ns;

			w->a.summary = true;
			w->a.time_ns = (int64_t)end + realtime_offset_ns;
			/* The first's flow stays: its id and fields lead to the records. */
			ew_alert_message(&w->a);
			fn(arg, &w->a);
		}
		free(w);
	}
}

uint32_t ew_alert_fold_open(const struct ew_alert_fold *f)
{
	return f->n;
}

uint64_t ew_alert_fold_unfolded(const struct ew_alert_fold *f)
{
	return f->unfolded;
}
