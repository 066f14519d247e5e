// SPDX-License-Identifier: GPL-2.0-only
#include "content/scan.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

struct pattern_ref {
	const struct ew_category *cat;
	enum ew_validator validator;
	unsigned width;
};

struct ew_scanner {
	hs_database_t *db; /* NULL: the taxonomy has no recogniser at all */
	hs_scratch_t *scratch;
	struct pattern_ref *refs;
	size_t tail_cap;
	size_t hs_stream_bytes;
};

enum coord_kind { COORD_NONE, COORD_LAT, COORD_LON };

struct ew_scan_stream {
	struct ew_scanner *s;
	hs_stream_t *hs;
	uint64_t base; /* stream offset of the chunk being fed */
	const uint8_t *chunk;
	size_t chunk_len;
	ew_hit_fn fn;
	void *arg;
	const struct ew_category *last_cat; /* the last hit, to merge overlapping patterns */
	uint64_t last_end;
	const struct ew_category *pend_cat; /* a coordinate waiting for its pair */
	enum coord_kind pend_kind;
	double pend_val;
	uint64_t pend_end;
	size_t tail_len;
	uint8_t tail[]; /* the tail_cap bytes before base */
};

int ew_scanner_new(const struct ew_taxonomy *t, struct ew_scanner **out, char *err, size_t errlen)
{
	struct ew_scanner *s = calloc(1, sizeof(*s));
	const char **exprs = NULL;
	unsigned *ids = NULL, *flags = NULL;
	hs_compile_error_t *cerr = NULL;
	unsigned n = 0, k = 0;
	int rc = -ENOMEM;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	for (int i = 0; i < ew_taxonomy_count(t); i++)
		n += (unsigned)ew_taxonomy_get(t, i)->n_recognisers;
	if (n == 0) {
		*out = s;
		return 0;
	}
	exprs = calloc(n, sizeof(*exprs));
	ids = calloc(n, sizeof(*ids));
	flags = calloc(n, sizeof(*flags));
	s->refs = calloc(n, sizeof(*s->refs));
	if (!exprs || !ids || !flags || !s->refs)
		goto out;
	for (int i = 0; i < ew_taxonomy_count(t); i++) {
		const struct ew_category *c = ew_taxonomy_get(t, i);

		for (int j = 0; j < c->n_recognisers; j++, k++) {
			const struct ew_recogniser *r = &c->recognisers[j];

			exprs[k] = r->pattern;
			ids[k] = k;
			s->refs[k] = (struct pattern_ref){c, r->validator, r->max_width};
			if (r->max_width > s->tail_cap)
				s->tail_cap = r->max_width;
		}
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_STREAM, NULL, &s->db, &cerr) !=
	    HS_SUCCESS) {
		int e = cerr ? cerr->expression : -1;

		if (e >= 0 && (unsigned)e < n)
			snprintf(err, errlen, "category \"%s\": pattern \"%s\": Hyperscan: %s",
				 s->refs[e].cat->id, exprs[e], cerr->message);
		else
			snprintf(err, errlen, "Hyperscan: %s",
				 cerr ? cerr->message : "cannot compile the patterns");
		hs_free_compile_error(cerr);
		s->db = NULL;
		rc = -EINVAL;
		goto out;
	}
	if (hs_alloc_scratch(s->db, &s->scratch) != HS_SUCCESS ||
	    hs_stream_size(s->db, &s->hs_stream_bytes) != HS_SUCCESS)
		goto out;
	rc = 0;
out:
	free(exprs);
	free(ids);
	free(flags);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		ew_scanner_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void ew_scanner_free(struct ew_scanner *s)
{
	if (!s)
		return;
	hs_free_scratch(s->scratch);
	hs_free_database(s->db);
	free(s->refs);
	free(s);
}

size_t ew_scanner_stream_size(const struct ew_scanner *s)
{
	return sizeof(struct ew_scan_stream) + s->tail_cap + s->hs_stream_bytes;
}

struct ew_scan_stream *ew_scan_open(struct ew_scanner *s)
{
	struct ew_scan_stream *st = calloc(1, sizeof(*st) + s->tail_cap);

	if (!st)
		return NULL;
	st->s = s;
	if (s->db && hs_open_stream(s->db, 0, &st->hs) != HS_SUCCESS) {
		free(st);
		return NULL;
	}
	return st;
}

/*
 * The bytes [to - want, to) of the stream, from the tail and the chunk; the
 * window starts later when the stream holds fewer. Points into the chunk when
 * it can, else copies into @buf.
 */
static const uint8_t *window(const struct ew_scan_stream *st, uint64_t to, size_t want,
			     uint8_t *buf, size_t *len)
{
	uint64_t first = st->base - st->tail_len;
	uint64_t from = to > want ? to - want : 0;
	size_t k = 0;

	if (from < first)
		from = first;
	*len = (size_t)(to - from);
	if (from >= st->base)
		return st->chunk + (from - st->base);
	for (uint64_t o = from; o < to && o < st->base; o++)
		buf[k++] = st->tail[st->tail_len - (size_t)(st->base - o)];
	if (to > st->base)
		memcpy(buf + k, st->chunk, (size_t)(to - st->base));
	return buf;
}

static void emit(struct ew_scan_stream *st, const struct ew_category *cat, const char *value,
		 size_t len, double lat, double lon)
{
	struct ew_hit h = {.cat = cat, .value = value, .value_len = len, .lat = lat, .lon = lon};

	if (st->fn)
		st->fn(st->arg, &h);
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(uint8_t c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/*
 * The identifier that ends the window. A fixed-length one must not continue
 * a longer run before it (the pattern's own job, checked again for patterns a
 * customer wrote); a plate is 9 to 17 bytes (UTF-8 or \u-escaped characters).
 */
static size_t identifier(enum ew_validator v, const uint8_t *w, size_t n, char *canon)
{
	size_t len = v == EW_VALID_VIN ? 17 : v == EW_VALID_MOBILE_NUMBER ? 11 : 18;

	if (v == EW_VALID_LICENCE_PLATE) {
		for (size_t l = 9; l <= 17 && l <= n; l++) {
			uint8_t c = w[n - l];
			size_t r;

			/* a province: a UTF-8 CJK lead byte or a \u escape */
			if (c != '\\' && (c < 0xe3 || c > 0xe9))
				continue;
			r = ew_valid_licence_plate(w + n - l, l, canon, EW_VALID_CANON_MAX);

			if (r)
				return r;
		}
		return 0;
	}
	if (n < len)
		return 0;
	if (n > len && (v == EW_VALID_VIN ? is_alnum(w[n - len - 1]) : is_digit(w[n - len - 1])))
		return 0;
	switch (v) {
	case EW_VALID_VIN:
		return ew_valid_vin(w + n - len, len, canon, EW_VALID_CANON_MAX);
	case EW_VALID_MOBILE_NUMBER:
		return ew_valid_mobile_number(w + n - len, len, canon, EW_VALID_CANON_MAX);
	default:
		return ew_valid_id_number(w + n - len, len, canon, EW_VALID_CANON_MAX);
	}
}

/* The number that ends the window, paired with the coordinate before it. */
static void coordinate(struct ew_scan_stream *st, const struct pattern_ref *ref, const uint8_t *w,
		       size_t n, uint64_t to)
{
	enum coord_kind kind = ref->validator == EW_VALID_LATITUDE ? COORD_LAT : COORD_LON;
	size_t i = n;
	double v;
	bool ok;

	while (i > 0 && (is_digit(w[i - 1]) || w[i - 1] == '.'))
		i--;
	if (i > 0 && w[i - 1] == '-')
		i--;
	ok = kind == COORD_LAT ? ew_valid_latitude(w + i, n - i, &v)
			       : ew_valid_longitude(w + i, n - i, &v);
	if (!ok)
		return;
	if (st->pend_cat == ref->cat && st->pend_kind != COORD_NONE && st->pend_kind != kind &&
	    to - st->pend_end <= EW_SCAN_PAIR_GAP) {
		double lat = kind == COORD_LAT ? v : st->pend_val;
		double lon = kind == COORD_LON ? v : st->pend_val;

		st->pend_kind = COORD_NONE;
		if (ew_valid_in_china(lat, lon))
			emit(st, ref->cat, NULL, 0, lat, lon);
		return;
	}
	st->pend_cat = ref->cat;
	st->pend_kind = kind;
	st->pend_val = v;
	st->pend_end = to;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		    void *ctx)
{
	struct ew_scan_stream *st = ctx;
	const struct pattern_ref *ref = &st->s->refs[id];
	uint8_t buf[EW_TAXONOMY_MAX_WIDTH];
	char canon[EW_VALID_CANON_MAX];
	const uint8_t *w;
	size_t n, len;

	if (ref->cat == st->last_cat && to == st->last_end)
		return 0;
	w = window(st, to, ref->width, buf, &n);
	switch (ref->validator) {
	case EW_VALID_NONE:
		emit(st, ref->cat, NULL, 0, 0, 0);
		break;
	case EW_VALID_LATITUDE:
	case EW_VALID_LONGITUDE:
		coordinate(st, ref, w, n, to);
		return 0;
	default:
		len = identifier(ref->validator, w, n, canon);
		if (!len)
			return 0;
		emit(st, ref->cat, canon, len, 0, 0);
		break;
	}
	st->last_cat = ref->cat;
	st->last_end = to;
	return 0;
}

/* Keep the last tail_cap bytes seen, for matches that end in a later chunk. */
static void keep_tail(struct ew_scan_stream *st, const uint8_t *p, size_t n)
{
	size_t cap = st->s->tail_cap, keep;

	if (n >= cap) {
		memcpy(st->tail, p + n - cap, cap);
		st->tail_len = cap;
		return;
	}
	keep = st->tail_len < cap - n ? st->tail_len : cap - n;
	memmove(st->tail, st->tail + st->tail_len - keep, keep);
	memcpy(st->tail + keep, p, n);
	st->tail_len = keep + n;
}

int ew_scan_feed(struct ew_scan_stream *st, const void *p, size_t n, ew_hit_fn fn, void *arg)
{
	const uint8_t *b = p;

	if (!st->hs)
		return 0;
	st->fn = fn;
	st->arg = arg;
	while (n > 0) {
		size_t k = n > (1u << 30) ? (1u << 30) : n;

		st->chunk = b;
		st->chunk_len = k;
		if (hs_scan_stream(st->hs, (const char *)b, (unsigned)k, 0, st->s->scratch,
				   on_match, st) != HS_SUCCESS)
			return -EIO;
		keep_tail(st, b, k);
		st->base += k;
		b += k;
		n -= k;
	}
	st->chunk = NULL;
	st->chunk_len = 0;
	return 0;
}

void ew_scan_close(struct ew_scan_stream *st, ew_hit_fn fn, void *arg)
{
	if (!st)
		return;
	if (st->hs) {
		st->fn = fn;
		st->arg = arg;
		st->chunk = NULL;
		st->chunk_len = 0;
		hs_close_stream(st->hs, st->s->scratch, fn ? on_match : NULL, st);
	}
	free(st);
}
