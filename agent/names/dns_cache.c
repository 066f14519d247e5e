// SPDX-License-Identifier: GPL-2.0-only
#include "names/dns_cache.h"

#include <stdlib.h>
#include <string.h>

#include "util/siphash.h"

#define WAYS 4

struct slot {
	uint8_t addr[16];
	uint64_t expires_ns;
	uint32_t name_id; /* 0: empty */
};

struct ew_dns_cache {
	struct ew_names *names;
	struct slot *slots;
	uint32_t set_mask;
	struct ew_dns_cache_stats st;
};

/* Keyed: the addresses are in DNS answers that anyone can send us. */
static uint64_t addr_hash(const uint8_t a[16])
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	return ew_hash_u64x2(x, y);
}

struct ew_dns_cache *ew_dns_cache_new(struct ew_names *names, uint32_t entries)
{
	struct ew_dns_cache *c = calloc(1, sizeof(*c));
	uint32_t sets = 16;

	if (!c)
		return NULL;
	while (sets * WAYS < entries && sets < (1u << 24))
		sets <<= 1;
	c->names = names;
	c->set_mask = sets - 1;
	c->slots = calloc((size_t)sets * WAYS, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	return c;
}

void ew_dns_cache_free(struct ew_dns_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < ((size_t)c->set_mask + 1) * WAYS; i++)
		ew_names_put(c->names, c->slots[i].name_id);
	free(c->slots);
	free(c);
}

static struct slot *set_of(struct ew_dns_cache *c, const uint8_t addr[16])
{
	return &c->slots[(addr_hash(addr) & c->set_mask) * WAYS];
}

/* The same address first, then an empty or expired slot, else the entry
 * closest to expiry. */
static struct slot *victim_in(struct slot *set, const uint8_t addr[16], uint64_t now_ns)
{
	struct slot *v = &set[0];

	for (int i = 0; i < WAYS; i++)
		if (set[i].name_id && memcmp(set[i].addr, addr, 16) == 0)
			return &set[i];
	for (int i = 0; i < WAYS; i++) {
		if (!set[i].name_id || set[i].expires_ns <= now_ns)
			return &set[i];
		if (set[i].expires_ns < v->expires_ns)
			v = &set[i];
	}
	return v;
}

void ew_dns_cache_put(struct ew_dns_cache *c, const uint8_t addr[16], uint32_t name_id,
		      uint64_t now_ns, uint64_t expires_ns)
{
	struct slot *v;

	if (!name_id)
		return;
	v = victim_in(set_of(c, addr), addr, now_ns);
	if (v->name_id && v->expires_ns > now_ns && memcmp(v->addr, addr, 16) != 0)
		c->st.evicted_live++;
	ew_names_ref(c->names, name_id);
	ew_names_put(c->names, v->name_id);
	memcpy(v->addr, addr, 16);
	v->name_id = name_id;
	v->expires_ns = expires_ns;
	c->st.inserts++;
}

uint32_t ew_dns_cache_get(struct ew_dns_cache *c, const uint8_t addr[16], uint64_t now_ns)
{
	struct slot *set = set_of(c, addr);

	for (int i = 0; i < WAYS; i++) {
		if (set[i].name_id && set[i].expires_ns > now_ns &&
		    memcmp(set[i].addr, addr, 16) == 0) {
			c->st.hits++;
			return set[i].name_id;
		}
	}
	c->st.misses++;
	return 0;
}

const struct ew_dns_cache_stats *ew_dns_cache_stats(const struct ew_dns_cache *c)
{
	return &c->st;
}
