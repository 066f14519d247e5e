// SPDX-License-Identifier: GPL-2.0-only
#include "geo/geo.h"
#include "util/addr.h"
#include "geo/geo_file.h"
#include "names/names.h"
#include "util/siphash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libloc/as.h>
#include <libloc/country-list.h>
#include <libloc/country.h>
#include <endian.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind { LIBLOC, MMDB };

struct db {
	enum kind kind;
	char desc[512];
	struct loc_database *loc;
	MMDB_s mmdb;
};

/*
 * Peers repeat, and a miss costs a walk of the databases' trees (microseconds):
 * remember 64 Ki answers in 4-way sets kept in LRU order. A slot is 32 bytes
 * because the AS name is an offset into the names pool, not a copy.
 */
#define CACHE_WAYS     4
#define CACHE_SET_BITS 14
#define CACHE_BYTES    (sizeof(struct cache_set) << CACHE_SET_BITS)

#define ANS_VALID   0x1
#define ANS_FOUND   0x2
#define ANS_ANYCAST 0x4

struct answer {
	uint8_t addr[16];
	uint32_t asn;
	uint32_t org; /* AS name, an id of names.h, 0: none */
	char country[2];
	uint8_t flags;	  /* ANS_* */
	uint8_t spare[5]; /* 32 bytes: a set is two cache lines */
};

struct cache_set {
	struct answer way[CACHE_WAYS]; /* way[0] most recently used */
};

struct ew_geo {
	struct cache_set *cache;
	struct ew_names *names; /* AS names, each kept once, for as long as the handle */
	bool no_cache;
	uint64_t hits, misses;
	struct loc_ctx *ctx;
	struct db dbs[EW_GEO_MAX_DBS];
	int n;
	/* ew_geo_changed(): the files as loaded, as seen last call, as last reported */
	char *paths[EW_GEO_MAX_DBS];
	int n_paths;
	struct ew_file_id loaded[EW_GEO_MAX_DBS], seen[EW_GEO_MAX_DBS], reported[EW_GEO_MAX_DBS];
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

static int open_libloc(struct ew_geo *g, struct db *d, const char *path, int fd, char *err,
		       size_t len)
{
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	FILE *f = dfd < 0 ? NULL : fdopen(dfd, "r");
	int rc;

	if (!f) {
		rc = -errno;
		if (dfd >= 0)
			close(dfd);
		snprintf(err, len, "%s: cannot read: %s", path, strerror(-rc));
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

/* libmaxminddb opens by name only: give it our copy's name. */
static int open_mmdb(struct db *d, const char *path, int fd, char *err, size_t len)
{
	char name[64];
	int rc;

	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	rc = MMDB_open(name, MMDB_MODE_MMAP, &d->mmdb);
	if (rc != MMDB_SUCCESS) {
		snprintf(err, len,
			 "%s: not a usable MaxMind DB (%s): give a complete GeoIP2, GeoLite2 or "
			 "DB-IP file",
			 path, rc == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(rc));
		return rc == MMDB_IO_ERROR ? -errno : -EINVAL;
	}
	d->kind = MMDB;
	snprintf(d->desc, sizeof(d->desc), "mmdb %s (%s)", path,
		 d->mmdb.metadata.database_type ? d->mmdb.metadata.database_type : "?");
	return 0;
}

static bool is_libloc(int fd)
{
	char magic[7] = {0};

	return pread(fd, magic, sizeof(magic), 0) == sizeof(magic) && !memcmp(magic, "LOCDBXX", 7);
}

static int open_one(struct ew_geo *g, int i, const char *path, char *err, size_t len)
{
	int fd = ew_file_snapshot(path, &g->loaded[i], err, len), rc;

	if (fd < 0)
		return fd;
	rc = is_libloc(fd) ? open_libloc(g, &g->dbs[i], path, fd, err, len)
			   : open_mmdb(&g->dbs[i], path, fd, err, len);
	close(fd); /* the mapping keeps the copy */
	return rc;
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
	/* Page-aligned and zero-filled on first touch: a host talking to few
	 * peers pays for the sets it uses, not for all 2 MiB. */
	g->cache =
	    mmap(NULL, CACHE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->cache == MAP_FAILED)
		g->cache = NULL;
	g->names = ew_names_new();
	for (int i = 0; i < n && g->cache; i++)
		if ((g->paths[i] = strdup(paths[i])))
			g->n_paths++;
	if (!g->cache || !g->names || g->n_paths < n) {
		ew_geo_close(g);
		return -ENOMEM;
	}
	for (int i = 0; i < n && !rc; i++) {
		rc = open_one(g, i, paths[i], err, errlen);
		if (!rc)
			g->n++;
	}
	if (rc) {
		ew_geo_close(g);
		return rc;
	}
	memcpy(g->seen, g->loaded, sizeof(g->seen));
	memcpy(g->reported, g->loaded, sizeof(g->reported));
	*out = g;
	return 0;
}

bool ew_geo_changed(struct ew_geo *g)
{
	struct ew_file_id now[EW_GEO_MAX_DBS] = {0};
	bool settled = true, differs = false, unreported = false;

	for (int i = 0; i < g->n_paths; i++) {
		ew_file_id_get(g->paths[i], &now[i]);
		settled &= ew_file_id_eq(&now[i], &g->seen[i]);
		differs |= !ew_file_id_eq(&now[i], &g->loaded[i]);
		unreported |= !ew_file_id_eq(&now[i], &g->reported[i]);
	}
	memcpy(g->seen, now, sizeof(now[0]) * (size_t)g->n_paths);
	/* A file still being written changes between calls: wait for it to settle. */
	if (!settled || !differs || !unreported)
		return false;
	memcpy(g->reported, now, sizeof(now[0]) * (size_t)g->n_paths);
	return true;
}

void ew_geo_set_cache(struct ew_geo *g, bool on)
{
	g->no_cache = !on;
}

/* The id of AS name @s (@n bytes, no NUL needed), cut to what a result holds;
 * one reference per distinct name, dropped with the handle. 0: none. */
static uint32_t intern_org(struct ew_geo *g, const char *s, size_t n)
{
	char name[sizeof(((struct ew_geo_result *)0)->as_org)];
	uint32_t id;

	n = strnlen(s, n);
	if (n > sizeof(name) - 1)
		n = sizeof(name) - 1;
	if (n == 0)
		return 0;
	memcpy(name, s, n);
	name[n] = '\0';
	id = ew_names_find(g->names, name);
	return id ? id : ew_names_get(g->names, name);
}

static void set_country(struct answer *a, const char *cc, size_t n)
{
	a->country[0] = n > 0 ? cc[0] : 0;
	a->country[1] = n > 1 ? cc[1] : 0;
}

static void lookup_libloc(struct ew_geo *g, struct db *d, const uint8_t addr[16], struct answer *a)
{
	struct loc_network *net = NULL;
	struct in6_addr in;
	uint32_t asn;

	memcpy(&in, addr, 16);
	if (loc_database_lookup(d->loc, &in, &net) || !net)
		return;
	if (!a->country[0] && loc_network_get_country_code(net)) {
		const char *cc = loc_network_get_country_code(net);

		/* libloc's special codes (A1 proxy, A2 satellite, A3 anycast, XD) are no countries.
		 */
		if (cc[0] && !(cc[0] == 'A' && cc[1] >= '1' && cc[1] <= '3') && strcmp(cc, "XD"))
			set_country(a, cc, strlen(cc));
	}
	if (loc_network_has_flag(net, LOC_NETWORK_FLAG_ANYCAST))
		a->flags |= ANS_ANYCAST;
	asn = loc_network_get_asn(net);
	if (!a->asn && asn) {
		struct loc_as *as = NULL;

		a->asn = asn;
		if (!a->org && loc_database_get_as(d->loc, &as, asn) == 0 && as) {
			if (loc_as_get_name(as))
				a->org = intern_org(g, loc_as_get_name(as), SIZE_MAX);
			loc_as_unref(as);
		}
	}
	loc_network_unref(net);
}

/* Every network libloc places in @cc[0..@n), through @add; flattened, so
 * that a network of another country inside one of theirs is cut out. */
static int country_nets_libloc(struct ew_geo *g, struct db *d, const char (*cc)[3], int n,
			       int (*add)(void *, const char *, const uint8_t[16], uint8_t),
			       void *arg)
{
	struct loc_database_enumerator *e = NULL;
	struct loc_country_list *list = NULL;
	struct loc_network *net = NULL;
	int rc = -ENOMEM;

	if (loc_country_list_new(g->ctx, &list))
		goto out;
	for (int i = 0; i < n; i++) {
		struct loc_country *c = NULL;

		if (loc_country_new(g->ctx, &c, cc[i]))
			continue; /* not a code libloc takes: it has no networks */
		rc = loc_country_list_append(list, c);
		loc_country_unref(c);
		if (rc) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = 0;
	if (loc_country_list_empty(list))
		goto out; /* an enumerator without countries would list them all */
	rc = -ENOMEM;
	if (loc_database_enumerator_new(&e, d->loc, LOC_DB_ENUMERATE_NETWORKS,
					LOC_DB_ENUMERATOR_FLAGS_FLATTEN) ||
	    loc_database_enumerator_set_countries(e, list))
		goto out;
	rc = 0;
	while (!rc && loc_database_enumerator_next_network(e, &net) == 0 && net) {
		const struct in6_addr *a = loc_network_get_first_address(net);
		const char *c = loc_network_get_country_code(net);
		unsigned int pl = loc_network_prefix(net);

		/* libloc states IPv4 prefixes over 32 bits; ours are over the 128-bit form */
		if (loc_network_address_family(net) == AF_INET)
			pl += 96;
		if (a && c && pl <= 128)
			rc = add(arg, c, a->s6_addr, (uint8_t)pl);
		loc_network_unref(net);
		net = NULL;
	}
out:
	if (e)
		loc_database_enumerator_unref(e);
	if (list)
		loc_country_list_unref(list);
	return rc;
}

int ew_geo_country_nets(struct ew_geo *g, const char (*cc)[3], int n,
			int (*add)(void *arg, const char *cc, const uint8_t addr[16],
				   uint8_t prefix),
			void *arg)
{
	int rc = -EOPNOTSUPP;

	for (int i = 0; i < g->n; i++) {
		if (g->dbs[i].kind != LIBLOC)
			continue;
		rc = country_nets_libloc(g, &g->dbs[i], cc, n, add, arg);
		if (rc)
			return rc;
	}
	return rc;
}

static bool mmdb_string(MMDB_entry_s *e, const char *const *path, const char **s, size_t *n)
{
	MMDB_entry_data_s v;

	if (MMDB_aget_value(e, &v, path) != MMDB_SUCCESS || !v.has_data ||
	    v.type != MMDB_DATA_TYPE_UTF8_STRING)
		return false;
	*s = v.utf8_string;
	*n = v.data_size;
	return true;
}

static void lookup_mmdb(struct ew_geo *g, struct db *d, const uint8_t addr[16], struct answer *a)
{
	static const char *const country[] = {"country", "iso_code", NULL};
	static const char *const registered[] = {"registered_country", "iso_code", NULL};
	static const char *const asn_path[] = {"autonomous_system_number", NULL};
	static const char *const org_path[] = {"autonomous_system_organization", NULL};
	static const char *const anycast_path[] = {"traits", "is_anycast", NULL};
	struct sockaddr_storage ss = {0};
	MMDB_lookup_result_s res;
	MMDB_entry_data_s v;
	int mmerr = 0;
	const char *str;
	size_t n;

	if (ew_addr_is_v4(addr)) {
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
	if (!a->country[0] && mmdb_string(&res.entry, country, &str, &n))
		set_country(a, str, strnlen(str, n));
	if (!a->country[0] && mmdb_string(&res.entry, registered, &str, &n))
		set_country(a, str, strnlen(str, n));
	if (!a->asn && MMDB_aget_value(&res.entry, &v, asn_path) == MMDB_SUCCESS && v.has_data &&
	    v.type == MMDB_DATA_TYPE_UINT32)
		a->asn = v.uint32;
	if (!a->org && mmdb_string(&res.entry, org_path, &str, &n))
		a->org = intern_org(g, str, n);
	/* GeoIP2 City/Country/Enterprise mark anycast networks in traits. */
	if (MMDB_aget_value(&res.entry, &v, anycast_path) == MMDB_SUCCESS && v.has_data &&
	    v.type == MMDB_DATA_TYPE_BOOLEAN && v.boolean)
		a->flags |= ANS_ANYCAST;
}

static void lookup_uncached(struct ew_geo *g, const uint8_t addr[16], struct answer *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < g->n; i++) {
		if (g->dbs[i].kind == LIBLOC)
			lookup_libloc(g, &g->dbs[i], addr, a);
		else
			lookup_mmdb(g, &g->dbs[i], addr, a);
	}
	memcpy(a->addr, addr, 16);
	a->flags |= ANS_VALID;
	if (a->country[0] || a->asn || (a->flags & ANS_ANYCAST))
		a->flags |= ANS_FOUND;
}

static int answer_to_result(const struct ew_geo *g, const struct answer *a, struct ew_geo_result *r)
{
	const char *org = ew_names_str(g->names, a->org);
	size_t n = strlen(org);

	r->country[0] = a->country[0];
	r->country[1] = a->country[1];
	r->country[2] = '\0';
	r->asn = a->asn;
	r->anycast = a->flags & ANS_ANYCAST;
	memcpy(r->as_org, org, n + 1);
	return a->flags & ANS_FOUND ? 0 : -ENOENT;
}

static bool same_addr(const struct answer *a, uint64_t lo, uint64_t hi)
{
	uint64_t x, y;

	memcpy(&x, a->addr, 8);
	memcpy(&y, a->addr + 8, 8);
	return x == lo && y == hi && (a->flags & ANS_VALID);
}

int ew_geo_lookup(struct ew_geo *g, const uint8_t addr[16], struct ew_geo_result *r)
{
	struct cache_set *set;
	struct answer fresh;
	uint64_t lo, hi, h;

	if (g->no_cache) {
		lookup_uncached(g, addr, &fresh);
		return answer_to_result(g, &fresh, r);
	}
	memcpy(&lo, addr, 8);
	memcpy(&hi, addr + 8, 8);
	/* Keyed: peers must not be able to choose to evict each other. */
	h = ew_hash_u64x2(lo, hi);
	set = &g->cache[h >> (64 - CACHE_SET_BITS)];
	for (int w = 0; w < CACHE_WAYS; w++) {
		if (same_addr(&set->way[w], lo, hi)) {
			struct answer hit = set->way[w];

			g->hits++;
			/* Move to the front: the least recently used is evicted. */
			memmove(&set->way[1], &set->way[0], sizeof(hit) * (size_t)w);
			set->way[0] = hit;
			return answer_to_result(g, &hit, r);
		}
	}
	g->misses++;
	lookup_uncached(g, addr, &fresh);
	memmove(&set->way[1], &set->way[0], sizeof(fresh) * (CACHE_WAYS - 1));
	set->way[0] = fresh;
	return answer_to_result(g, &fresh, r);
}

void ew_geo_cache_stats(const struct ew_geo *g, uint64_t *hits, uint64_t *misses)
{
	*hits = g->hits;
	*misses = g->misses;
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
	for (int i = 0; i < g->n_paths; i++)
		free(g->paths[i]);
	ew_names_free(g->names);
	if (g->cache)
		munmap(g->cache, CACHE_BYTES);
	free(g);
}
