// SPDX-License-Identifier: GPL-2.0-only
/*
 * decide_util.c - the verdict's lookups: channels by country and network
 * through the index built at load, domain globs, and which exemption's
 * scope and evidence cover a flow.
 */
#include "verdict/decide_util.h"

#include <ctype.h>
#include <string.h>

const struct ew_cc_chans *ew_dutil_cc(const struct ew_chan_index *x, const char *cc)
{
	uint16_t k = (uint16_t)((unsigned char)cc[0] << 8 | (unsigned char)cc[1]);
	int lo = 0, hi = x->n_cc;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (x->cc[mid].cc < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->n_cc && x->cc[lo].cc == k ? &x->cc[lo] : NULL;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

void ew_dutil_nets(const struct ew_chan_index *x, const uint8_t *addr, struct ew_bits256 *d)
{
	uint64_t hi = be64(addr), lo = be64(addr + 8);

	for (int l = 0; l < x->n_levels; l++) {
		const struct ew_net_level *lv = &x->levels[l];
		uint64_t h = hi & lv->mhi, o = lo & lv->mlo;
		int a = 0, b = lv->n;

		/* IPv4 and IPv6 levels rarely overlap: most are out of range at once */
		if (!lv->n || h < lv->v[0].hi || h > lv->v[lv->n - 1].hi)
			continue;

		while (a < b) {
			int mid = (a + b) / 2;
			const struct ew_net_entry *e = &lv->v[mid];

			if (e->hi < h || (e->hi == h && e->lo < o))
				a = mid + 1;
			else
				b = mid;
		}
		if (a < lv->n && lv->v[a].hi == h && lv->v[a].lo == o)
			for (int w = 0; w < 4; w++)
				d->w[w] |= lv->v[a].chans.w[w];
	}
}

bool ew_dutil_domain(const struct ew_scope *s, const char *domain)
{
	for (int i = 0; i < s->n_domains; i++)
		if (ew_glob_match(&s->domains[i], domain))
			return true;
	return false;
}

static bool in_net(const struct ew_rule_net *n, const uint8_t *addr)
{
	uint64_t mhi, mlo, hi = be64(addr), lo = be64(addr + 8);

	mhi = n->prefix >= 64 ? ~0ull : n->prefix ? ~0ull << (64 - n->prefix) : 0;
	mlo = n->prefix >= 128 ? ~0ull : n->prefix > 64 ? ~0ull << (128 - n->prefix) : 0;
	return (hi & mhi) == n->hi && (lo & mlo) == n->lo;
}

bool ew_dutil_dest(const struct ew_scope *s, const struct ew_verdict_in *in, const char *domain)
{
	if (!s->n_countries && !s->n_nets && !s->n_domains)
		return true;
	if (in->country[0] && in->country[1]) {
		uint16_t k =
		    (uint16_t)((unsigned char)in->country[0] << 8 | (unsigned char)in->country[1]);

		for (int i = 0; i < s->n_countries; i++)
			if (s->countries[i] == k)
				return true;
	}
	for (int i = 0; in->addr && i < s->n_nets; i++)
		if (in_net(&s->nets[i], in->addr))
			return true;
	return domain[0] && ew_dutil_domain(s, domain);
}

void ew_dutil_domain_norm(const char *in, char *out, size_t len)
{
	size_t n = in ? strlen(in) : 0;

	out[0] = '\0';
	if (n && in[n - 1] == '.')
		n--;
	if (!n || n >= len)
		return;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
}

static bool workloads_ok(const struct ew_scope *s, const struct ew_verdict_in *in)
{
	if (!s->n_workloads)
		return true;
	for (int i = 0; i < in->n_workloads; i++)
		for (int j = 0; j < s->n_workloads; j++)
			if (in->workloads[i] && !strcmp(in->workloads[i], s->workloads[j]))
				return true;
	return false;
}

/* Every category on the flow inside the scope; without one, @deflt only (NULL: any). */
static bool cats_ok(const struct ew_scope *s, const struct ew_verdict_in *in, const char *deflt)
{
	for (int k = 0; k < in->n_cats; k++) {
		const struct ew_flow_cat *c = &in->cats[k];

		if (s->has_cats) {
			if (!((c->idx >= 0 && ew_bits_test(&s->cats, (unsigned int)c->idx)) ||
			      (s->classes >> (c->cls % EW_CLASSES) & 1)))
				return false;
		} else if (deflt && (!c->id || strcmp(c->id, deflt))) {
			return false;
		}
	}
	return true;
}

static bool dated(int32_t on, int32_t day)
{
	return on != EW_RULES_NO_DATE && on <= day;
}

int ew_dutil_filed_exemption(const struct ew_rules *r, const struct ew_verdict_in *in,
			     const char *domain)
{
	for (int i = 0; i < r->n_exemptions; i++) {
		const struct ew_exemption *e = &r->exemptions[i];
		const char *deflt;

		if (e->kind == EW_EXEMPT_SECURITY_INCIDENT)
			deflt = "security_vuln";
		else if (e->kind == EW_EXEMPT_OTA_DEFECT)
			deflt = "ota_source";
		else
			continue;
		/* evidence dated after the flow does not count */
		if (!e->reference[0] || !dated(e->filed_on, in->day))
			continue;
		if (cats_ok(&e->scope, in, deflt) && workloads_ok(&e->scope, in) &&
		    ew_dutil_dest(&e->scope, in, domain))
			return i;
	}
	return -1;
}

int ew_dutil_other_exemption(const struct ew_rules *r, const struct ew_verdict_in *in,
			     const char *domain, bool important)
{
	for (int i = 0; i < r->n_exemptions; i++) {
		const struct ew_exemption *e = &r->exemptions[i];

		if (e->kind == EW_EXEMPT_RETURNED_ABROAD) {
			/* lineage is the evidence; a filing date, when given, must precede */
			if (!in->returned_abroad ||
			    (e->filed_on != EW_RULES_NO_DATE && e->filed_on > in->day))
				continue;
		} else if (ew_rules_exempt_attested(e->kind)) {
			/* Order 16's attested scenarios are for PI, never important data */
			if (important || !e->attested_by[0] || !dated(e->attested_on, in->day))
				continue;
			if (e->kind == EW_EXEMPT_GBA && strcmp(in->country, "HK") &&
			    strcmp(in->country, "MO"))
				continue;
		} else {
			continue;
		}
		if (cats_ok(&e->scope, in, NULL) && workloads_ok(&e->scope, in) &&
		    ew_dutil_dest(&e->scope, in, domain))
			return i;
	}
	return -1;
}
