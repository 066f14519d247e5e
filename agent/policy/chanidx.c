// SPDX-License-Identifier: GPL-2.0-only
/*
 * chanidx.c - the channels indexed for the verdict: which channels a route,
 * a country and an address select, as bit sets, so a flow costs a few
 * binary searches instead of a walk over every channel's lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/rules_parse.h"

void ew_chanidx_free(struct ew_chan_index *x)
{
	free(x->cc);
	free(x->by_cat);
	for (int i = 0; i < x->n_levels; i++)
		free(x->levels[i].v);
	free(x->levels);
	memset(x, 0, sizeof(*x));
}

static int cmp_cc(const void *a, const void *b)
{
	const struct ew_cc_chans *x = a, *y = b;

	return (x->cc > y->cc) - (x->cc < y->cc);
}

static int cmp_net(const void *a, const void *b)
{
	const struct ew_net_entry *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

static void mask_of(uint8_t prefix, uint64_t *mhi, uint64_t *mlo)
{
	*mhi = prefix >= 64 ? ~0ull : prefix ? ~0ull << (64 - prefix) : 0;
	*mlo = prefix >= 128 ? ~0ull : prefix > 64 ? ~0ull << (128 - prefix) : 0;
}

static int build_cc(struct ew_rules *r, struct ew_chan_index *x)
{
	int total = 0, n = 0;

	for (int i = 0; i < r->n_channels; i++)
		total += r->channels[i].scope.n_countries;
	x->cc = calloc((size_t)total + 1, sizeof(*x->cc));
	if (!x->cc)
		return -ENOMEM;
	for (int i = 0; i < r->n_channels; i++) {
		const struct ew_scope *s = &r->channels[i].scope;

		for (int j = 0; j < s->n_countries; j++) {
			int k;

			for (k = 0; k < n && x->cc[k].cc != s->countries[j]; k++)
				;
			if (k == n)
				x->cc[n++].cc = s->countries[j];
			ew_bits_set(&x->cc[k].chans, (unsigned int)i);
		}
	}
	qsort(x->cc, (size_t)n, sizeof(*x->cc), cmp_cc);
	x->n_cc = n;
	return 0;
}

static int build_level(struct ew_rules *r, struct ew_net_level *lv)
{
	int total = 0, n = 0;

	for (int i = 0; i < r->n_channels; i++)
		total += r->channels[i].scope.n_nets;
	lv->v = calloc((size_t)total + 1, sizeof(*lv->v));
	if (!lv->v)
		return -ENOMEM;
	for (int i = 0; i < r->n_channels; i++) {
		const struct ew_scope *s = &r->channels[i].scope;

		for (int j = 0; j < s->n_nets; j++)
			if (s->nets[j].prefix == lv->prefix) {
				lv->v[n].hi = s->nets[j].hi;
				lv->v[n].lo = s->nets[j].lo;
				ew_bits_set(&lv->v[n++].chans, (unsigned int)i);
			}
	}
	qsort(lv->v, (size_t)n, sizeof(*lv->v), cmp_net);
	/* one entry per network: the channels that name it merged */
	lv->n = 0;
	for (int i = 0; i < n; i++) {
		struct ew_net_entry *last = lv->n ? &lv->v[lv->n - 1] : NULL;

		if (last && last->hi == lv->v[i].hi && last->lo == lv->v[i].lo) {
			for (int w = 0; w < 4; w++)
				last->chans.w[w] |= lv->v[i].chans.w[w];
		} else {
			lv->v[lv->n++] = lv->v[i];
		}
	}
	return 0;
}

int ew_rules_index(struct ew_rules *r)
{
	struct ew_chan_index *x = &r->idx;
	bool lens[129] = {false};
	int rc;

	ew_chanidx_free(x);
	x->by_cat = calloc((size_t)r->n_cats + 1, sizeof(*x->by_cat));
	if (!x->by_cat)
		return -ENOMEM;
	for (int i = 0; i < r->n_channels && i < EW_RULES_MAX_CHANNELS; i++) {
		const struct ew_channel *c = &r->channels[i];

		for (int k = 1; k < EW_CLASSES; k++)
			if (c->scope.classes >> k & 1)
				ew_bits_set(&x->by_class[k], (unsigned int)i);
		for (int k = 0; k < r->n_cats; k++)
			if (ew_bits_test(&c->scope.cats, (unsigned int)k))
				ew_bits_set(&x->by_cat[k], (unsigned int)i);

		ew_bits_set(&x->by_route[c->route % 3], (unsigned int)i);
		if (c->scope.n_domains)
			ew_bits_set(&x->with_domains, (unsigned int)i);
		for (int j = 0; j < c->scope.n_nets; j++)
			lens[c->scope.nets[j].prefix] = true;
	}
	rc = build_cc(r, x);
	if (rc)
		return rc;
	x->levels = calloc(129, sizeof(*x->levels));
	if (!x->levels)
		return -ENOMEM;
	for (int p = 128; p >= 0; p--) {
		struct ew_net_level *lv;

		if (!lens[p])
			continue;
		lv = &x->levels[x->n_levels++];
		lv->prefix = (uint8_t)p;
		mask_of((uint8_t)p, &lv->mhi, &lv->mlo);
		rc = build_level(r, lv);
		if (rc)
			return rc;
	}
	return 0;
}
