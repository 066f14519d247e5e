// SPDX-License-Identifier: GPL-2.0-only
#include "geo/border.h"

#include "util/addr.h"
#include "util/str.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

/* The leading @bits (0..64) of a word set. */
static uint64_t lead_mask(unsigned int bits)
{
	return bits ? ~0ull << (64 - bits) : 0;
}

/* Runs for every record against every network: two masked words, no byte loop. */
static bool in_prefix(const uint8_t a[16], const uint8_t net[16], unsigned int prefix)
{
	unsigned int hi = prefix < 64 ? prefix : 64, lo = prefix > 64 ? prefix - 64 : 0;

	if (lo > 64)
		lo = 64;
	return !(((be64(a) ^ be64(net)) & lead_mask(hi)) |
		 ((be64(a + 8) ^ be64(net + 8)) & lead_mask(lo)));
}

struct special {
	const char *cidr;
	const char *name;
	uint8_t addr[16];
	uint8_t prefix;
	uint64_t net[2], mask[2]; /* the address and the prefix as words, for every record */
};

/* RFC 6890 and its registry, plus multicast: never a destination abroad. */
static struct special specials[] = {
    {"0.0.0.0/8", "this-network"},
    {"10.0.0.0/8", "private-use"},
    {"100.64.0.0/10", "shared-address"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.0.0/16", "link-local"},
    {"172.16.0.0/12", "private-use"},
    {"192.0.0.0/24", "ietf-protocol"},
    {"192.0.2.0/24", "documentation"},
    {"192.168.0.0/16", "private-use"},
    {"198.18.0.0/15", "benchmarking"},
    {"198.51.100.0/24", "documentation"},
    {"203.0.113.0/24", "documentation"},
    {"224.0.0.0/4", "multicast"},
    {"240.0.0.0/4", "reserved"},
    {"::1/128", "loopback"},
    {"::/128", "unspecified"},
    {"100::/64", "discard-only"},
    {"2001::/23", "ietf-protocol"},
    {"2001:db8::/32", "documentation"},
    {"fc00::/7", "unique-local"},
    {"fe80::/10", "link-local"},
    {"ff00::/8", "multicast"},
};

static void init_specials(void)
{
	static bool done;

	if (done)
		return;
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		struct special *sp = &specials[i];
		unsigned int p;

		ew_cidr_parse(sp->cidr, sp->addr, &sp->prefix);
		p = sp->prefix;
		sp->mask[0] = lead_mask(p < 64 ? p : 64);
		sp->mask[1] = lead_mask(p > 64 ? p - 64 : 0);
		sp->net[0] = be64(sp->addr) & sp->mask[0];
		sp->net[1] = be64(sp->addr + 8) & sp->mask[1];
	}
	done = true;
}

void ew_border_decide(const struct ew_policy *pol, struct ew_geo *geo, const uint8_t addr[16],
		      struct ew_place *out)
{
	const struct ew_policy_net *best = NULL;
	struct ew_geo_result g;
	uint64_t a0, a1;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < pol->n_nets; i++)
		if (in_prefix(addr, pol->nets[i].addr, pol->nets[i].prefix) &&
		    (!best || pol->nets[i].prefix > best->prefix))
			best = &pol->nets[i];
	if (geo && ew_geo_lookup(geo, addr, &g) == 0) {
		memcpy(out->country, g.country, sizeof(out->country));
		out->asn = g.asn;
		memcpy(out->as_org, g.as_org, sizeof(out->as_org));
		if (g.anycast)
			out->review |= EW_REVIEW_ANYCAST;
	}
	if (best) {
		out->by = EW_BY_NETWORK;
		memcpy(out->country, best->country, sizeof(out->country));
		ew_strlcpy(out->net_name, best->name, sizeof(out->net_name));
		out->border =
		    ew_policy_domestic(pol, best->country) ? EW_BORDER_DOMESTIC : EW_BORDER_CROSS;
		out->review &= (uint8_t)~EW_REVIEW_ANYCAST; /* the customer said where it is */
		return;
	}
	if (out->country[0]) {
		out->by = EW_BY_DATABASE;
		out->border =
		    ew_policy_domestic(pol, out->country) ? EW_BORDER_DOMESTIC : EW_BORDER_CROSS;
		return;
	}
	init_specials();
	a0 = be64(addr);
	a1 = be64(addr + 8);
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		if ((a0 & specials[i].mask[0]) == specials[i].net[0] &&
		    (a1 & specials[i].mask[1]) == specials[i].net[1]) {
			out->by = EW_BY_SPECIAL;
			out->border = EW_BORDER_LOCAL;
			ew_strlcpy(out->net_name, specials[i].name, sizeof(out->net_name));
			return;
		}
	}
	out->border = EW_BORDER_UNKNOWN;
	out->review |= EW_REVIEW_UNKNOWN;
}

const char *ew_border_name(int border)
{
	static const char *const n[] = {"unknown", "domestic", "cross_border", "local"};

	return border >= 0 && border <= EW_BORDER_LOCAL ? n[border] : "unknown";
}

const char *ew_border_by_name(int by)
{
	static const char *const n[] = {"none", "network", "database", "special_range"};

	return by >= 0 && by <= EW_BY_SPECIAL ? n[by] : "none";
}
