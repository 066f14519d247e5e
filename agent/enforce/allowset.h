/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * allowset.h - the addresses an enforced workload may connect to, as the
 * prefixes the kernel's LPM trie (ew_allow_nets) holds: loopback, private,
 * link-local and multicast ranges; the domestic countries' networks; every
 * channel's networks and its countries' networks. Countries become
 * networks through the policy's "networks" and, when one is given, the
 * geolocation database (ew_geo_country_nets()). A channel's domains open
 * nothing: the kernel sees an address, not a name.
 */
#ifndef EW_ALLOWSET_H
#define EW_ALLOWSET_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"

/*
 * An entry allows (1) or refuses (0) its network, the longest match
 * deciding: a policy network placed in a country no channel covers is
 * refused inside an allowed country's range. At the same prefix the
 * stronger source wins: the fixed ranges and channels' own networks, then
 * the policy's networks, then the database's.
 */
enum ew_allow_rank { EW_ALLOW_GEO, EW_ALLOW_POLICY, EW_ALLOW_FIXED };

struct ew_allow_net {
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d, host bits zero */
	uint8_t prefix;	  /* over the 128-bit form */
	uint8_t allow;	  /* the trie's value */
	uint8_t rank;	  /* enum ew_allow_rank */
};

struct ew_allowset {
	struct ew_allow_net *v; /* owned; sorted, no duplicates after ew_allowset_build() */
	int n, cap;
	int n_geo;	    /* of them from the geolocation database */
	int n_channels;	    /* channels that opened something */
	int n_domain_only;  /* channels naming only domains: they open nothing */
	char no_nets[8][3]; /* countries that gave no network at all (the first 8) */
	int n_no_nets;
	char cc[256][3];    /* the allowed countries */
	int n_cc_nets[256]; /* networks each gave */
	int n_cc;
};

/**
 * typedef ew_country_nets_fn - add every network of the countries
 * @cc[0..@n) (alpha-2) through @add(@add_arg, its country, addr, prefix),
 * in one pass over the database. Return: 0, or -errno (-EOPNOTSUPP: this
 * database cannot list a country's networks).
 */
typedef int (*ew_country_nets_fn)(void *arg, const char (*cc)[3], int n,
				  int (*add)(void *add_arg, const char *cc, const uint8_t addr[16],
					     uint8_t prefix),
				  void *add_arg);

/**
 * ew_allowset_build() - the allowed set of @p on day @today (channels not
 * valid on @today open nothing; EW_RULES_NO_DATE: every channel).
 * @geo: lists a country's networks; NULL: the policy's networks only
 * Return: 0 or -ENOMEM; @s is for ew_allowset_free() either way.
 */
int ew_allowset_build(const struct ew_policy *p, int32_t today, ew_country_nets_fn geo,
		      void *geo_arg, struct ew_allowset *s);

/** ew_allowset_add() - one entry (host bits are cleared). Return: 0, -EINVAL or -ENOMEM. */
int ew_allowset_add(struct ew_allowset *s, const uint8_t addr[16], uint8_t prefix, bool allow,
		    enum ew_allow_rank rank);

/**
 * ew_allowset_finish() - sort, keep one entry per prefix (the strongest),
 * and fold the database's networks: two halves into their whole, and a
 * network inside another one into it. Done by ew_allowset_build().
 */
void ew_allowset_finish(struct ew_allowset *s);

/** ew_allowset_covers() - whether the longest entry holding @addr allows it (the trie's answer). */
bool ew_allowset_covers(const struct ew_allowset *s, const uint8_t addr[16]);

void ew_allowset_free(struct ew_allowset *s);

#endif
