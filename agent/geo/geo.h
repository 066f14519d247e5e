/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * geo.h - address → country, ASN, AS name, anycast, from real databases:
 * Debian's libloc database by default, or MaxMind DB files (GeoIP2/GeoLite2
 * Country, City, ASN; DB-IP lite) given with --geo-db. Several files are
 * asked in order; each answer fills what the earlier ones left empty.
 */
#ifndef EW_GEO_H
#define EW_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EW_GEO_DEFAULT_DB "/usr/share/libloc-location/location.db"
#define EW_GEO_MAX_DBS	  8

struct ew_geo_result {
	char country[3]; /* ISO 3166-1 alpha-2, "" when unknown */
	uint32_t asn;	 /* 0 when unknown */
	char as_org[96];
	bool anycast;
};

struct ew_geo;

/**
 * ew_geo_open() - open @n databases (@n == 0: the libloc default).
 * The format is recognised from the file: libloc ("LOCDBXX" magic) or MaxMind DB.
 * Each file is read into memory of its own, so rewriting or removing the
 * file later does not touch the lookups of this handle.
 * Return: 0, or -errno with "FILE: what is wrong and how to fix it" in @err.
 */
int ew_geo_open(const char *const *paths, int n, struct ew_geo **out, char *err, size_t errlen);

/** ew_geo_lookup() - 0 with @r filled, -ENOENT when no database knows @addr (16 bytes). */
int ew_geo_lookup(struct ew_geo *g, const uint8_t addr[16], struct ew_geo_result *r);

/**
 * ew_geo_changed() - whether the database files now differ from those
 * loaded (replaced by rename, rewritten in place, removed), so that the
 * caller should open them again. Call it periodically: a file is reported
 * once it was the same on two calls in a row (a copy in progress keeps
 * changing), and each state once only, so a file that does not load is
 * retried when it changes again, not on every call.
 */
bool ew_geo_changed(struct ew_geo *g);

/** ew_geo_set_cache() - @on false: every lookup asks the databases (to measure them). */
void ew_geo_set_cache(struct ew_geo *g, bool on);

/** ew_geo_cache_stats() - lookups answered by the cache, and those that asked the databases. */
void ew_geo_cache_stats(const struct ew_geo *g, uint64_t *hits, uint64_t *misses);

/** ew_geo_describe() - "libloc FILE (vendor)" etc. of database @i, NULL past the last. */
const char *ew_geo_describe(const struct ew_geo *g, int i);

/**
 * ew_geo_country_nets() - call @add for every network the libloc databases
 * place in one of the countries @cc[0..@n) (alpha-2), with its country, in
 * one pass per database (a pass walks the whole database: seconds); MaxMind
 * files cannot list a country's networks and are passed over.
 * Return: 0, -EOPNOTSUPP when no database is a libloc one, -ENOMEM, or what
 * @add returned.
 */
int ew_geo_country_nets(struct ew_geo *g, const char (*cc)[3], int n,
			int (*add)(void *arg, const char *cc, const uint8_t addr[16],
				   uint8_t prefix),
			void *arg);

void ew_geo_close(struct ew_geo *g);

#endif
