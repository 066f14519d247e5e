// SPDX-License-Identifier: GPL-2.0-only
#include "enforce/allowset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"

/*
 * Never refused, whatever the policy: this host, the site's own networks
 * and the link. A connect to them cannot cross a border by itself; 0.0.0.0
 * and :: connect to this host.
 */
static const char *const always[] = {
    "0.0.0.0/32",    "127.0.0.0/8",    "10.0.0.0/8",  "172.16.0.0/12", "192.168.0.0/16",
    "100.64.0.0/10", "169.254.0.0/16", "224.0.0.0/4", "::/128",	       "::1/128",
    "fc00::/7",	     "fe80::/10",      "ff00::/8",
};

static void clear_host_bits(uint8_t a[16], uint8_t prefix)
{
	for (int i = 0; i < 16; i++) {
		int keep = (int)prefix - i * 8;

		if (keep <= 0)
			a[i] = 0;
		else if (keep < 8)
			a[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

int ew_allowset_add(struct ew_allowset *s, const uint8_t addr[16], uint8_t prefix, bool allow,
		    enum ew_allow_rank rank)
{
	if (prefix > 128)
		return -EINVAL;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 64;
		struct ew_allow_net *v = realloc(s->v, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	memcpy(s->v[s->n].addr, addr, 16);
	clear_host_bits(s->v[s->n].addr, prefix);
	s->v[s->n].prefix = prefix;
	s->v[s->n].allow = allow;
	s->v[s->n].rank = (uint8_t)rank;
	s->n++;
	return 0;
}

static int country_index(const struct ew_allowset *s, const char *cc)
{
	for (int i = 0; i < s->n_cc; i++)
		if (s->cc[i][0] == cc[0] && s->cc[i][1] == cc[1])
			return i;
	return -1;
}

static int add_cb(void *arg, const char *cc, const uint8_t addr[16], uint8_t prefix)
{
	struct ew_allowset *s = arg;
	int i = country_index(s, cc), rc;

	if (i < 0)
		return 0;
	rc = ew_allowset_add(s, addr, prefix, true, EW_ALLOW_GEO);
	if (!rc) {
		s->n_geo++;
		s->n_cc_nets[i]++;
	}
	return rc;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void allow_country(struct ew_allowset *s, const char *cc)
{
	if (country_index(s, cc) < 0 && s->n_cc < (int)(sizeof(s->cc) / sizeof(s->cc[0]))) {
		memcpy(s->cc[s->n_cc], cc, 2);
		s->cc[s->n_cc++][2] = '\0';
	}
}

static bool channel_valid(const struct ew_channel *c, int32_t today)
{
	return today == EW_RULES_NO_DATE || (today >= c->valid_from && today <= c->valid_until);
}

static int add_channel(struct ew_allowset *s, const struct ew_channel *c)
{
	const struct ew_scope *sc = &c->scope;
	uint8_t a[16];
	char cc[3];
	int rc;

	if (!sc->n_nets && !sc->n_countries) {
		s->n_domain_only += sc->n_domains > 0;
		return 0;
	}
	s->n_channels++;
	for (int i = 0; i < sc->n_nets; i++) {
		put_be64(a, sc->nets[i].hi);
		put_be64(a + 8, sc->nets[i].lo);
		if ((rc = ew_allowset_add(s, a, sc->nets[i].prefix, true, EW_ALLOW_FIXED)))
			return rc;
	}
	for (int i = 0; i < sc->n_countries; i++) {
		cc[0] = (char)(sc->countries[i] >> 8);
		cc[1] = (char)(sc->countries[i] & 0xff);
		cc[2] = '\0';
		allow_country(s, cc);
	}
	return 0;
}

/*
 * The policy's networks: allowed in an allowed country, refused in any
 * other (even inside an allowed range: the longest match decides).
 */
static int add_policy_nets(struct ew_allowset *s, const struct ew_policy *p)
{
	int rc;

	for (int i = 0; i < p->n_nets; i++) {
		int c = country_index(s, p->nets[i].country);

		if ((rc = ew_allowset_add(s, p->nets[i].addr, p->nets[i].prefix, c >= 0,
					  EW_ALLOW_POLICY)))
			return rc;
		if (c >= 0)
			s->n_cc_nets[c]++;
	}
	return 0;
}

static int cmp_net(const void *x, const void *y)
{
	const struct ew_allow_net *a = x, *b = y;
	int c = memcmp(a->addr, b->addr, 16);

	if (c)
		return c;
	if (a->prefix != b->prefix)
		return (int)a->prefix - (int)b->prefix;
	return (int)b->rank - (int)a->rank;
}

static bool same_net(const struct ew_allow_net *a, const struct ew_allow_net *b)
{
	return a->prefix == b->prefix && !memcmp(a->addr, b->addr, 16);
}

static void sort_unique(struct ew_allowset *s)
{
	int w = 0;

	if (s->n)
		qsort(s->v, (size_t)s->n, sizeof(*s->v), cmp_net);
	for (int i = 0; i < s->n; i++)
		if (!w || !same_net(&s->v[w - 1], &s->v[i]))
			s->v[w++] = s->v[i];
	s->n = w;
}

/* @b is the upper half of the network whose lower half is @a. */
static bool halves(const struct ew_allow_net *a, const struct ew_allow_net *b)
{
	uint8_t x[16], m;
	int bit, byte;

	if (!a->prefix || a->prefix != b->prefix)
		return false;
	bit = a->prefix - 1;
	byte = bit / 8;
	m = (uint8_t)(0x80u >> (bit % 8));
	if (a->addr[byte] & m)
		return false;
	memcpy(x, a->addr, 16);
	x[byte] |= m;
	return !memcmp(x, b->addr, 16);
}

/* The database lists a country in many small networks; folding the halves
 * of each whole into it takes the trie from hundreds of thousands of entries
 * to a fraction. Only database entries fold, and only into a prefix no
 * stronger entry holds. */
static void fold(struct ew_allowset *s)
{
	int w = 0;

	/* Sorted by address: a whole's halves are neighbours, and a whole made
	 * here may be the upper half of the entry below it, so look again. */
	for (int i = 0; i < s->n; i++) {
		s->v[w++] = s->v[i];
		while (w >= 2 && s->v[w - 1].rank == EW_ALLOW_GEO &&
		       s->v[w - 2].rank == EW_ALLOW_GEO && halves(&s->v[w - 2], &s->v[w - 1])) {
			w--;
			s->v[w - 1].prefix--;
		}
	}
	s->n = w;
	sort_unique(s);
}

void ew_allowset_finish(struct ew_allowset *s)
{
	sort_unique(s);
	fold(s);
}

int ew_allowset_build(const struct ew_policy *p, int32_t today, ew_country_nets_fn geo,
		      void *geo_arg, struct ew_allowset *s)
{
	uint8_t a[16], pl;
	int rc;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		ew_cidr_parse(always[i], a, &pl);
		if ((rc = ew_allowset_add(s, a, pl, true, EW_ALLOW_FIXED)))
			return rc;
	}
	for (int i = 0; i < p->n_domestic; i++)
		allow_country(s, p->domestic[i]);
	for (int i = 0; i < p->rules.n_channels; i++)
		if (channel_valid(&p->rules.channels[i], today) &&
		    (rc = add_channel(s, &p->rules.channels[i])))
			return rc;
	if ((rc = add_policy_nets(s, p)))
		return rc;
	/* one pass over the database for every country: a pass costs seconds */
	if (geo && s->n_cc && (rc = geo(geo_arg, s->cc, s->n_cc, add_cb, s)) == -ENOMEM)
		return rc;
	for (int i = 0; i < s->n_cc; i++)
		if (!s->n_cc_nets[i] && s->n_no_nets < 8)
			memcpy(s->no_nets[s->n_no_nets++], s->cc[i], 3);
	ew_allowset_finish(s);
	return 0;
}

bool ew_allowset_covers(const struct ew_allowset *s, const uint8_t addr[16])
{
	int best = -1;
	uint8_t a[16];

	for (int i = 0; i < s->n; i++) {
		memcpy(a, addr, 16);
		clear_host_bits(a, s->v[i].prefix);
		if (!memcmp(a, s->v[i].addr, 16) &&
		    (best < 0 || s->v[i].prefix > s->v[best].prefix))
			best = i;
	}
	return best >= 0 && s->v[best].allow;
}

void ew_allowset_free(struct ew_allowset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
