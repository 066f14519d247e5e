/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns_cache.h - address → the name a DNS answer gave it, until its TTL ends.
 *
 * Filled from the responses the host receives, read when a flow starts, so
 * a connection to an address resolved earlier carries the name the process
 * asked for. Bounded: a set-associative table that replaces the entry
 * closest to expiry, so memory never grows with traffic.
 */
#ifndef EW_DNS_CACHE_H
#define EW_DNS_CACHE_H

#include <stdint.h>

#include "names/names.h"

/* Answers are used this long past their TTL: resolvers and applications
 * (Java, browsers) keep addresses a while after the TTL says. */
#define EW_DNS_GRACE_S 60

struct ew_dns_cache_stats {
	uint64_t inserts;
	uint64_t hits;
	uint64_t misses;
	uint64_t evicted_live; /* replaced before they expired: the cache is too small */
};

struct ew_dns_cache;

/** ew_dns_cache_new() - room for @entries (rounded up to a power of two, >= 64). */
struct ew_dns_cache *ew_dns_cache_new(struct ew_names *names, uint32_t entries);
void ew_dns_cache_free(struct ew_dns_cache *c);

/** ew_dns_cache_put() - @addr is @name_id from @now_ns to @expires_ns (the cache takes its own
 * reference). */
void ew_dns_cache_put(struct ew_dns_cache *c, const uint8_t addr[16], uint32_t name_id,
		      uint64_t now_ns, uint64_t expires_ns);

/** ew_dns_cache_get() - the name id of @addr as of @now_ns, or 0 (no reference taken). */
uint32_t ew_dns_cache_get(struct ew_dns_cache *c, const uint8_t addr[16], uint64_t now_ns);

const struct ew_dns_cache_stats *ew_dns_cache_stats(const struct ew_dns_cache *c);

#endif
