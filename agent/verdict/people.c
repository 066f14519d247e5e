// SPDX-License-Identifier: GPL-2.0-only
#include "verdict/people_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIRST_CAP 64

int ew_people_new(struct ew_people **out, const struct ew_people_opts *o, char *err, size_t errlen)
{
	struct ew_people *p = calloc(1, sizeof(*p));
	int r;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->crossover = o && o->crossover ? o->crossover : EW_PEOPLE_CROSSOVER;
	r = ew_tz_load(&p->tz, o ? o->tz : NULL, o ? o->zoneinfo_dir : NULL, err, errlen);
	if (r) {
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

static void counter_free(struct ew_people_counter *c)
{
	if (!c)
		return;
	free(c->slots);
	if (c->hll)
		ew_hll_free(c->hll);
	free(c->hll);
	free(c);
}

void ew_people_free(struct ew_people *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		counter_free(p->c[i]);
	free(p->c);
	ew_tz_free(&p->tz);
	free(p);
}

int ew_people_year(const struct ew_people *p, int64_t unix_sec)
{
	return ew_tz_year(&p->tz, unix_sec);
}

int ew_people_year_boot(const struct ew_people *p, uint64_t boot_ns)
{
	struct timespec rt, bt;
	int64_t real_ns;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	real_ns = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec -
		  ((int64_t)bt.tv_sec * 1000000000 + bt.tv_nsec - (int64_t)boot_ns);
	return ew_tz_year(&p->tz,
			  real_ns >= 0 ? real_ns / 1000000000 : (real_ns - 999999999) / 1000000000);
}

int ew_people_key(struct ew_people_key *k, enum ew_people_scope scope, const char *name,
		  enum ew_people_class cls, bool attested, int year)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n >= EW_PEOPLE_NAME_MAX || (unsigned)scope > EW_PEOPLE_CHANNEL ||
	    (unsigned)cls >= EW_PEOPLE_NCLASS || year < 1970 || year > 9999)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->scope = (uint8_t)scope;
	k->cls = (uint8_t)cls;
	k->attested = attested;
	k->year = year;
	memcpy(k->name, name, n);
	return 0;
}

static bool key_eq(const struct ew_people_key *a, const struct ew_people_key *b)
{
	return a->scope == b->scope && a->cls == b->cls && a->attested == b->attested &&
	       a->year == b->year && !strcmp(a->name, b->name);
}

struct ew_people_counter *ew_people_append(struct ew_people *p, const struct ew_people_key *k)
{
	struct ew_people_counter *c;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct ew_people_counter **v = realloc(p->c, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->c = v;
		p->cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = *k;
	c->crossover = p->crossover;
	p->c[p->n++] = c;
	return c;
}

struct ew_people_counter *ew_people_get(struct ew_people *p, const struct ew_people_key *k,
					bool create)
{
	struct ew_people_counter *c;

	for (size_t i = 0; i < p->n; i++)
		if (key_eq(&p->c[i]->key, k))
			return p->c[i];
	if (!create)
		return NULL;
	c = ew_people_append(p, k);
	if (c)
		c->dirty = true; /* an empty counter is state too: the year was seen */
	return c;
}

const struct ew_people_key *ew_people_counter_key(const struct ew_people_counter *c)
{
	return &c->key;
}

void ew_people_foreach(struct ew_people *p,
		       void (*fn)(const struct ew_people_counter *c, void *arg), void *arg)
{
	for (size_t i = 0; i < p->n; i++)
		fn(p->c[i], arg);
}

/*
 * The hashes are keyed HMAC output: their top bits index directly. Top,
 * not low: the table is then in hash order, so doubling it moves each
 * entry to about twice its index and the rehash streams through memory
 * instead of writing at random (growth was half the insert time).
 */
static uint64_t *slot(uint64_t *slots, uint64_t cap, uint8_t shift, uint64_t h)
{
	uint64_t i = h >> shift;

	while (slots[i] && slots[i] != h)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct ew_people_counter *c)
{
	uint64_t cap = c->cap ? c->cap * 2 : FIRST_CAP;
	uint8_t shift = (uint8_t)(64 - __builtin_ctzll(cap));
	uint64_t *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (uint64_t i = 0; i < c->cap; i++)
		if (c->slots[i])
			*slot(s, cap, shift, c->slots[i]) = c->slots[i];
	free(c->slots);
	c->slots = s;
	c->cap = cap;
	c->shift = shift;
	return 0;
}

int ew_people_set_put(struct ew_people_counter *c, uint64_t h)
{
	uint64_t *s;

	if (!h) {
		if (c->has_zero)
			return 0;
		c->has_zero = true;
		c->count++;
		return 1;
	}
	if (c->cap) {
		s = slot(c->slots, c->cap, c->shift, h);
		if (*s == h)
			return 0;
	}
	/* At most 3/4 full, so probes stay short. */
	if ((c->count + 1) * 4 > c->cap * 3) {
		if (grow(c))
			return -ENOMEM;
	}
	s = slot(c->slots, c->cap, c->shift, h);
	*s = h;
	c->count++;
	return 1;
}

int ew_people_to_hll(struct ew_people_counter *c)
{
	struct ew_hll *h = malloc(sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	ew_hll_init(h, EW_HLL_LOG2M, EW_HLL_REGWIDTH, -1, true);
	for (uint64_t i = 0; i < c->cap; i++) {
		if (c->slots[i] && (r = ew_hll_add(h, c->slots[i])))
			goto fail;
	}
	if (c->has_zero && (r = ew_hll_add(h, 0)))
		goto fail;
	free(c->slots);
	c->slots = NULL;
	c->cap = 0;
	c->hll = h;
	return 0;
fail:
	ew_hll_free(h);
	free(h);
	return r;
}

int ew_people_add(struct ew_people_counter *c, uint64_t h)
{
	int r;

	if (c->hll) {
		r = ew_hll_add(c->hll, h);
		if (r)
			return r;
		c->dirty = true; /* registers may not change; saving again is harmless */
		return EW_PEOPLE_ESTIMATED;
	}
	if (h && c->cap) {
		/* The hot path: a person seen before costs one probe sequence. */
		uint64_t i = h >> c->shift;

		while (c->slots[i]) {
			if (c->slots[i] == h)
				return 0;
			i = (i + 1) & (c->cap - 1);
		}
		if (c->count < c->crossover && (c->count + 1) * 4 <= c->cap * 3) {
			c->slots[i] = h;
			c->count++;
			c->dirty = true;
			return 1;
		}
	}
	if (c->count >= c->crossover) {
		if (h ? false : c->has_zero)
			return 0;
		r = ew_people_to_hll(c);
		if (r)
			return r;
		c->dirty = true;
		r = ew_hll_add(c->hll, h);
		return r ? r : 1; /* it was not in the exact set: new */
	}
	r = ew_people_set_put(c, h);
	if (r > 0)
		c->dirty = true;
	return r;
}

int ew_people_add_many(struct ew_people_counter *c, const uint64_t *h, size_t n, uint64_t *added)
{
	uint64_t nnew = 0;

	for (size_t i = 0; i < n; i++) {
		int r;

		if (i + 8 < n && c->cap)
			__builtin_prefetch(&c->slots[h[i + 8] >> c->shift]);
		r = ew_people_add(c, h[i]);
		if (r < 0)
			return r;
		nnew += r == 1;
		if (r == EW_PEOPLE_ESTIMATED)
			nnew = n;
	}
	if (added)
		*added = nnew;
	return 0;
}

void ew_people_count(const struct ew_people_counter *c, struct ew_people_count *out)
{
	double est, se, lo, hi;

	if (!c->hll) {
		*out = (struct ew_people_count){
		    .estimate = c->count, .lo = c->count, .hi = c->count, .exact = true};
		return;
	}
	est = ew_hll_cardinality(c->hll);
	se = ew_hll_std_error(c->hll->log2m);
	lo = est * (1.0 - 3.0 * se);
	hi = est * (1.0 + 3.0 * se);
	/* The exact set had seen crossover + 1 people before it handed over. */
	if (lo < (double)c->crossover + 1)
		lo = (double)c->crossover + 1;
	if (est < lo)
		est = lo;
	if (hi < est)
		hi = est;
	*out = (struct ew_people_count){.estimate = (uint64_t)(est + 0.5),
					.lo = (uint64_t)lo,
					.hi = (uint64_t)(hi + 0.999999),
					.exact = false,
					.std_error = se};
}

static int hll_of(struct ew_hll *u, struct ew_people_counter *const *c, size_t n)
{
	ew_hll_init(u, EW_HLL_LOG2M, EW_HLL_REGWIDTH, -1, true);
	for (size_t i = 0; i < n; i++) {
		int r = 0;

		if (c[i]->hll)
			r = ew_hll_union(u, c[i]->hll);
		for (uint64_t j = 0; j < c[i]->cap && !r; j++)
			if (c[i]->slots[j])
				r = ew_hll_add(u, c[i]->slots[j]);
		if (!r && c[i]->has_zero)
			r = ew_hll_add(u, 0);
		if (r) {
			ew_hll_free(u);
			return r;
		}
	}
	return 0;
}

int ew_people_count_union(struct ew_people_counter *const *c, size_t n, struct ew_people_count *out)
{
	struct ew_people_counter u = {.crossover = n ? c[0]->crossover : 0};
	uint64_t floor = 0;
	bool exact = true;
	int r = 0;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct ew_people_count one;

		ew_people_count(c[i], &one);
		exact = exact && one.exact;
		if (one.lo > floor)
			floor = one.lo;
	}
	/* Exact sets merged into a scratch set while they fit under the crossover. */
	for (size_t i = 0; i < n && exact && !r; i++) {
		if (c[i]->has_zero)
			r = ew_people_set_put(&u, 0);
		for (uint64_t j = 0; j < c[i]->cap && r >= 0 && exact; j++) {
			if (c[i]->slots[j])
				r = ew_people_set_put(&u, c[i]->slots[j]);
			exact = u.count <= u.crossover;
		}
		r = r < 0 ? r : 0;
	}
	free(u.slots);
	if (r)
		return r;
	if (exact) {
		*out = (struct ew_people_count){
		    .estimate = u.count, .lo = u.count, .hi = u.count, .exact = true};
		return 0;
	}
	u = (struct ew_people_counter){.crossover = floor ? floor - 1 : 0};
	u.hll = malloc(sizeof(*u.hll));
	if (!u.hll)
		return -ENOMEM;
	r = hll_of(u.hll, c, n);
	if (!r)
		ew_people_count(&u, out);
	if (!r)
		ew_hll_free(u.hll);
	free(u.hll);
	return r;
}
