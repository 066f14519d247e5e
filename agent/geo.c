// SPDX-License-Identifier: GPL-2.0-only
#include "geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libloc/as.h>
#include <endian.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { LIBLOC, MMDB };

struct db {
	enum kind kind;
	char desc[512];
	struct loc_database *loc;
	MMDB_s mmdb;
};

#define CACHE_SLOTS 8192 /* direct-mapped: peers repeat, and a miss costs a tree walk */

struct cache_slot {
	uint8_t addr[16];
	bool valid;
	int rc;
	struct ew_geo_result r;
};

struct ew_geo {
	struct cache_slot *cache;
	uint64_t hits, misses;
	struct loc_ctx *ctx;
	struct db dbs[EW_GEO_MAX_DBS];
	int n;
};

/*
 * libloc maps the file and trusts the offsets in its header: a truncated
 * file makes it read past the end. Check that every section lies inside.
 */
static bool libloc_layout_ok(FILE *f)
{
	/* The start of libloc's on-disk v1 header (format.h keeps it private),
	 * big-endian, after the 7-byte magic and the version byte. */
	struct {
		char magic[7];
		uint8_t version;
	} m;
	struct {
		uint64_t created_at;
		uint32_t vendor, description, license;
		uint32_t sec[10]; /* (offset, length) of AS, network data, tree, countries, pool */
	} h;
	const uint32_t *sec = h.sec;
	uint64_t size;

	if (fseek(f, 0, SEEK_END) || (long long)(size = (uint64_t)ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		return false;
	if (fread(&m, sizeof(m), 1, f) != 1 || m.version != 1 || fread(&h, sizeof(h), 1, f) != 1)
		return false;
	for (int i = 0; i < 10; i += 2)
		if ((uint64_t)be32toh(sec[i]) + be32toh(sec[i + 1]) > size)
			return false;
	if (be32toh(h.vendor) >= be32toh(h.sec[9]) || be32toh(h.description) >= be32toh(h.sec[9]) ||
	    be32toh(h.license) >= be32toh(h.sec[9]))
		return false;
	rewind(f);
	return true;
}

static int open_libloc(struct ew_geo *g, struct db *d, const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "re");
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, len, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	if (!libloc_layout_ok(f)) {
		fclose(f);
		snprintf(err, len,
			 "%s: not a usable libloc database (truncated: a section ends past the end "
			 "of the file): reinstall libloc-database or give another file",
			 path);
		return -EINVAL;
	}
	if (!g->ctx && loc_new(&g->ctx)) {
		fclose(f);
		return -ENOMEM;
	}
	rc = loc_database_new(g->ctx, &d->loc, f);
	fclose(f);
	if (rc) {
		snprintf(err, len,
			 "%s: not a usable libloc database (corrupt or truncated): reinstall "
			 "libloc-database or give another file",
			 path);
		return -EINVAL;
	}
	d->kind = LIBLOC;
	snprintf(d->desc, sizeof(d->desc), "libloc %s (%s)", path,
		 loc_database_get_vendor(d->loc) ? loc_database_get_vendor(d->loc) : "?");
	return 0;
}

static int open_mmdb(struct db *d, const char *path, char *err, size_t len)
{
	int rc = MMDB_open(path, MMDB_MODE_MMAP, &d->mmdb);

	if (rc != MMDB_SUCCESS) {
		snprintf(err, len, "%s: not a usable MaxMind DB: %s", path,
			 rc == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(rc));
		return rc == MMDB_IO_ERROR ? -errno : -EINVAL;
	}
	d->kind = MMDB;
	snprintf(d->desc, sizeof(d->desc), "mmdb %s (%s)", path,
		 d->mmdb.metadata.database_type ? d->mmdb.metadata.database_type : "?");
	return 0;
}

static bool is_libloc(const char *path)
{
	char magic[7] = {0};
	FILE *f = fopen(path, "re");
	bool yes;

	if (!f)
		return false;
	yes = fread(magic, 1, sizeof(magic), f) == sizeof(magic) && !memcmp(magic, "LOCDBXX", 7);
	fclose(f);
	return yes;
}

int ew_geo_open(const char *const *paths, int n, struct ew_geo **out, char *err, size_t errlen)
{
	static const char *const def[] = {EW_GEO_DEFAULT_DB};
	struct ew_geo *g;
	int rc = 0;

	if (n > EW_GEO_MAX_DBS) {
		snprintf(err, errlen, "at most %d geolocation databases", EW_GEO_MAX_DBS);
		return -E2BIG;
	}
	if (n == 0) {
		paths = def;
		n = 1;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->cache = calloc(CACHE_SLOTS, sizeof(*g->cache));
	if (!g->cache) {
		free(g);
		return -ENOMEM;
	}
	for (int i = 0; i < n && !rc; i++) {
		rc = is_libloc(paths[i]) ? open_libloc(g, &g->dbs[i], paths[i], err, errlen)
					 : open_mmdb(&g->dbs[i], paths[i], err, errlen);
		if (!rc)
			g->n++;
	}
	if (rc) {
		ew_geo_close(g);
		return rc;
	}
	*out = g;
	return 0;
}

static void lookup_libloc(struct db *d, const uint8_t addr[16], struct ew_geo_result *r)
{
	struct loc_network *net = NULL;
	struct in6_addr a;

	memcpy(&a, addr, 16);
	if (loc_database_lookup(d->loc, &a, &net) || !net)
		return;
	if (!r->country[0] && loc_network_get_country_code(net)) {
		const char *cc = loc_network_get_country_code(net);

		/* libloc's special codes (A1 proxy, A2 satellite, A3 anycast, XD) are no countries.
		 */
		if (cc[0] && !(cc[0] == 'A' && cc[1] >= '1' && cc[1] <= '3') && strcmp(cc, "XD"))
			snprintf(r->country, sizeof(r->country), "%s", cc);
	}
	if (loc_network_has_flag(net, LOC_NETWORK_FLAG_ANYCAST))
		r->anycast = true;
	if (!r->asn && loc_network_get_asn(net)) {
		struct loc_as *as = NULL;

		r->asn = loc_network_get_asn(net);
		if (!r->as_org[0] && loc_database_get_as(d->loc, &as, r->asn) == 0 && as) {
			if (loc_as_get_name(as))
				snprintf(r->as_org, sizeof(r->as_org), "%s", loc_as_get_name(as));
			loc_as_unref(as);
		}
	}
	loc_network_unref(net);
}

static void mmdb_string(MMDB_entry_s *e, char *out, size_t len, const char *const *path)
{
	MMDB_entry_data_s v;

	if (!out[0] && MMDB_aget_value(e, &v, path) == MMDB_SUCCESS && v.has_data &&
	    v.type == MMDB_DATA_TYPE_UTF8_STRING)
		snprintf(out, len, "%.*s", (int)(v.data_size < len - 1 ? v.data_size : len - 1),
			 v.utf8_string);
}

static void lookup_mmdb(struct db *d, const uint8_t addr[16], struct ew_geo_result *r)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const char *const country[] = {"country", "iso_code", NULL};
	static const char *const registered[] = {"registered_country", "iso_code", NULL};
	static const char *const asn_path[] = {"autonomous_system_number", NULL};
	static const char *const org_path[] = {"autonomous_system_organization", NULL};
	struct sockaddr_storage ss = {0};
	MMDB_lookup_result_s res;
	MMDB_entry_data_s v;
	int mmerr = 0;

	if (!memcmp(addr, v4, 12)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, addr + 12, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, addr, 16);
	}
	res = MMDB_lookup_sockaddr(&d->mmdb, (struct sockaddr *)&ss, &mmerr);
	if (mmerr != MMDB_SUCCESS || !res.found_entry)
		return;
	mmdb_string(&res.entry, r->country, sizeof(r->country), country);
	mmdb_string(&res.entry, r->country, sizeof(r->country), registered);
	if (!r->asn && MMDB_aget_value(&res.entry, &v, asn_path) == MMDB_SUCCESS && v.has_data &&
	    v.type == MMDB_DATA_TYPE_UINT32)
		r->asn = v.uint32;
	mmdb_string(&res.entry, r->as_org, sizeof(r->as_org), org_path);
}

static int lookup_uncached(struct ew_geo *g, const uint8_t addr[16], struct ew_geo_result *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < g->n; i++) {
		if (g->dbs[i].kind == LIBLOC)
			lookup_libloc(&g->dbs[i], addr, r);
		else
			lookup_mmdb(&g->dbs[i], addr, r);
	}
	return r->country[0] || r->asn || r->anycast ? 0 : -ENOENT;
}

int ew_geo_lookup(struct ew_geo *g, const uint8_t addr[16], struct ew_geo_result *r)
{
	uint64_t a, b, h;
	struct cache_slot *c;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	h = (a ^ (b * 0x9E3779B97F4A7C15ull)) * 0xbf58476d1ce4e5b9ull;
	c = &g->cache[(h >> 40) % CACHE_SLOTS];
	if (c->valid && !memcmp(c->addr, addr, 16)) {
		g->hits++;
		*r = c->r;
		return c->rc;
	}
	g->misses++;
	c->rc = lookup_uncached(g, addr, &c->r);
	memcpy(c->addr, addr, 16);
	c->valid = true;
	*r = c->r;
	return c->rc;
}

const char *ew_geo_describe(const struct ew_geo *g, int i)
{
	return i >= 0 && i < g->n ? g->dbs[i].desc : NULL;
}

void ew_geo_close(struct ew_geo *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n; i++) {
		if (g->dbs[i].kind == LIBLOC)
			loc_database_unref(g->dbs[i].loc);
		else
			MMDB_close(&g->dbs[i].mmdb);
	}
	if (g->ctx)
		loc_unref(g->ctx);
	free(g->cache);
	free(g);
}
