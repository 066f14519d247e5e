// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/digits.h"
#include "util/jsonw.h"

#define INITIAL_CAP 4096

/* 0: copy as is; 'u': \u00XX; other: the letter after '\'; 1: non-ASCII. */
static const char esc[256] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f',  ['\r'] = 'r', [0x00] = 'u',
    [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',  [0x05] = 'u', [0x06] = 'u',
    [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u',  [0x10] = 'u', [0x11] = 'u',
    [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u',  [0x16] = 'u', [0x17] = 'u',
    [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',  [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\', [0x7f] = 'u', [0x80 ... 0xff] = 1,
};

static const char hexd[] = "0123456789abcdef";

void ew_jsonw_init(struct ew_jsonw *w)
{
	memset(w, 0, sizeof(*w));
	w->first = 1;
}

void ew_jsonw_init_fixed(struct ew_jsonw *w, char *buf, size_t cap)
{
	ew_jsonw_init(w);
	w->buf = buf;
	w->cap = cap;
	w->fixed = true;
	if (cap)
		buf[0] = '\0';
	else
		w->oom = true;
}

void ew_jsonw_reset(struct ew_jsonw *w)
{
	w->len = 0;
	w->depth = 0;
	w->first = 1;
	w->oom = w->fixed && !w->cap;
	if (w->buf && w->cap)
		w->buf[0] = '\0';
}

void ew_jsonw_free(struct ew_jsonw *w)
{
	if (!w->fixed)
		free(w->buf);
	ew_jsonw_init(w);
}

/* reserve() when the buffer must grow, or cannot. */
static __attribute__((noinline)) bool grow(struct ew_jsonw *w, size_t n)
{
	size_t need, cap;
	char *p;

	if (w->oom)
		return false;
	need = w->len + n + 1;
	if (need <= w->cap)
		return true;
	if (w->fixed) { /* lent room: the caller writes the document elsewhere */
		w->oom = true;
		return false;
	}
	if (n > SIZE_MAX / 4 - w->len) {
		w->oom = true;
		return false;
	}
	cap = w->cap ? w->cap : INITIAL_CAP;
	while (cap < need)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p) {
		w->oom = true;
		return false;
	}
	w->buf = p;
	w->cap = cap;
	return true;
}

/* Room for @n more bytes and the trailing NUL; false (and oom) if not. */
static inline bool reserve(struct ew_jsonw *w, size_t n)
{
	if (__builtin_expect(!w->oom && w->len + n + 1 <= w->cap, 1))
		return true;
	return grow(w, n);
}

static inline void put1(struct ew_jsonw *w, char c)
{
	w->buf[w->len++] = c;
}

/* Length of the valid UTF-8 sequence at @s (2-4), or, for an invalid one, the
 * negated length of its maximal subpart (Unicode 15, 3.9 "U+FFFD substitution"). */
static int utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int need, i;

	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return -1; /* continuation byte, C0/C1 overlong lead, or > F4 */
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	for (i = 1; i < need; i++) {
		if ((size_t)i >= n || s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Whether none of 8 bytes needs escaping: all are 0x20..0x7e but '"' and '\\'. */
static inline bool plain8(const unsigned char *s)
{
	uint64_t v, q, b, d;

	memcpy(&v, s, 8);
	q = v ^ (ONES * '"');
	b = v ^ (ONES * '\\');
	d = v ^ (ONES * 0x7f);
	/* (x - ONES) & ~x & HIGHS: some byte of x is zero (or, with 0x20, below it) */
	return !((v | ((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) | ((b - ONES) & ~b) |
		  ((d - ONES) & ~d)) &
		 HIGHS);
}

/*
 * Whether none of @n bytes needs escaping: eight at a time, the last eight
 * overlapping; under eight, one word put together from overlapping pieces
 * and padded with spaces. Keys and most values are short and plain.
 */
static inline bool plain(const unsigned char *s, size_t n)
{
	unsigned char t[8];

	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			if (!plain8(s + i))
				return false;
		return plain8(s + n - 8);
	}
	memset(t, ' ', sizeof(t));
	if (n >= 4) {
		memcpy(t, s, 4);
		memcpy(t + 4, s + n - 4, 4);
	} else if (n) {
		t[0] = s[0];
		t[1] = s[n / 2];
		t[2] = s[n - 1];
	}
	return plain8(t);
}

/* memcpy() without a call for the short strings of most members. */
static inline void copy(char *o, const char *s, size_t n)
{
	if (n > 16) {
		memcpy(o, s, n);
	} else if (n >= 8) {
		memcpy(o, s, 8);
		memcpy(o + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(o, s, 4);
		memcpy(o + n - 4, s + n - 4, 4);
	} else if (n) {
		o[0] = s[0];
		o[n / 2] = s[n / 2];
		o[n - 1] = s[n - 1];
	}
}

static inline void put(struct ew_jsonw *w, const void *s, size_t n)
{
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* A number's digits and most raw values are short: copied without a call. */
static inline void put_short(struct ew_jsonw *w, const char *s, size_t n)
{
	copy(w->buf + w->len, s, n);
	w->len += n;
}

/* Caller reserved 6 bytes per input byte plus the quotes. */
static void put_escaped(struct ew_jsonw *w, const char *val, size_t n)
{
	const unsigned char *s = (const unsigned char *)val;
	char *o = w->buf + w->len;
	size_t i = 0;

	*o++ = '"';
	if (plain(s, n)) {
		copy(o, val, n);
		o[n] = '"';
		w->len += n + 2;
		return;
	}
	while (i < n) {
		size_t run = i;
		char e;

		/* Eight bytes at a time through the plain ASCII of keys, paths, names. */
		while (run + 8 <= n && plain8(s + run))
			run += 8;
		while (run < n && !esc[s[run]])
			run++;
		memcpy(o, s + i, run - i);
		o += run - i;
		i = run;
		if (i == n)
			break;
		e = esc[s[i]];
		if (e == 1) {
			int k = utf8_seq(s + i, n - i);

			if (k > 0) {
				memcpy(o, s + i, (size_t)k);
				o += k;
				i += (size_t)k;
			} else {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				i += (size_t)-k;
			}
		} else if (e == 'u') {
			memcpy(o, "\\u00", 4);
			o[4] = hexd[s[i] >> 4];
			o[5] = hexd[s[i] & 15];
			o += 6;
			i++;
		} else {
			o[0] = '\\';
			o[1] = e;
			o += 2;
			i++;
		}
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
}

/* Keys are nearly always plain literals: copied whole unless a byte needs escaping. */
static inline __attribute__((always_inline)) void put_key(struct ew_jsonw *w, const char *key,
							  size_t kl, bool known_plain)
{
	char *o = w->buf + w->len;

	if (!known_plain && !plain((const unsigned char *)key, kl)) {
		put_escaped(w, key, kl);
		put1(w, ':');
		return;
	}
	o[0] = '"';
	copy(o + 1, key, kl);
	o[kl + 1] = '"';
	o[kl + 2] = ':';
	w->len += kl + 3;
}

/*
 * Comma and key before a value; false if the value must not be written.
 * Inlined in each writer: the call and its saved registers were a third of
 * a member's cost, and most writers' @value_max is a constant.
 */
static inline __attribute__((always_inline)) bool member(struct ew_jsonw *w, const char *key,
							 size_t kl, size_t value_max)
{
	bool plain_key = kl & EW_JSONW_KEY_PLAIN;

	kl &= ~EW_JSONW_KEY_PLAIN;
	if (!reserve(w, 1 + (key ? kl * 6 + 3 : 0) + value_max))
		return false;
	if (w->depth > 0) {
		uint64_t bit = 1ull << w->depth;

		if (w->first & bit)
			w->first &= ~bit;
		else
			put1(w, ',');
	}
	if (key)
		put_key(w, key, kl, plain_key);
	return true;
}

static inline void done(struct ew_jsonw *w)
{
	w->buf[w->len] = '\0';
}

static void open_(struct ew_jsonw *w, const char *key, size_t kl, char c)
{
	if (w->depth >= EW_JSONW_MAX_DEPTH) {
		w->oom = true;
		return;
	}
	if (!member(w, key, kl, 1))
		return;
	put1(w, c);
	w->depth++;
	w->first |= 1ull << w->depth;
	done(w);
}

static void close_(struct ew_jsonw *w, char c)
{
	if (w->depth <= 0) {
		w->oom = true;
		return;
	}
	if (!reserve(w, 1))
		return;
	put1(w, c);
	w->depth--;
	done(w);
}

void ew_jsonw_obj_begin_k(struct ew_jsonw *w, const char *key, size_t kl)
{
	open_(w, key, kl, '{');
}

void ew_jsonw_obj_end(struct ew_jsonw *w)
{
	close_(w, '}');
}

void ew_jsonw_arr_begin_k(struct ew_jsonw *w, const char *key, size_t kl)
{
	open_(w, key, kl, '[');
}

void ew_jsonw_arr_end(struct ew_jsonw *w)
{
	close_(w, ']');
}

void ew_jsonw_strn_k(struct ew_jsonw *w, const char *key, size_t kl, const char *val, size_t n)
{
	if (!val) {
		ew_jsonw_null_k(w, key, kl);
		return;
	}
	if (n > (SIZE_MAX - 64) / 6) {
		w->oom = true;
		return;
	}
	if (!member(w, key, kl, n * 6 + 2))
		return;
	put_escaped(w, val, n);
	done(w);
}

/*
 * Digits go straight to the buffer, from the last: through a buffer on the
 * stack, the copy's wide loads of the digits' two-byte stores stalled on
 * store forwarding, a dozen times a record.
 */
void ew_jsonw_u64_k(struct ew_jsonw *w, const char *key, size_t kl, uint64_t v)
{
	size_t n = ew_digits_count(v);

	if (!member(w, key, kl, 20))
		return;
	ew_digits_u64(v, w->buf + w->len + n);
	w->len += n;
	done(w);
}

void ew_jsonw_i64_k(struct ew_jsonw *w, const char *key, size_t kl, int64_t v)
{
	char tmp[21], *s;

	/* Negate in unsigned arithmetic: -INT64_MIN does not fit in int64_t. */
	s = ew_digits_u64(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, tmp + sizeof(tmp));
	if (v < 0)
		*--s = '-';
	if (!member(w, key, kl, 21))
		return;
	put_short(w, s, (size_t)(tmp + sizeof(tmp) - s));
	done(w);
}

void ew_jsonw_double_k(struct ew_jsonw *w, const char *key, size_t kl, double v)
{
	char tmp[32];
	int n;

	if (!isfinite(v)) {
		ew_jsonw_null_k(w, key, kl);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	if (!member(w, key, kl, (size_t)n))
		return;
	put(w, tmp, (size_t)n);
	done(w);
}

void ew_jsonw_bool_k(struct ew_jsonw *w, const char *key, size_t kl, bool v)
{
	if (!member(w, key, kl, 5))
		return;
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
	done(w);
}

void ew_jsonw_null_k(struct ew_jsonw *w, const char *key, size_t kl)
{
	if (!member(w, key, kl, 4))
		return;
	put(w, "null", 4);
	done(w);
}

void ew_jsonw_raw_k(struct ew_jsonw *w, const char *key, size_t kl, const char *json, size_t n)
{
	if (!json) {
		ew_jsonw_null_k(w, key, kl);
		return;
	}
	if (!member(w, key, kl, n))
		return;
	put_short(w, json, n);
	done(w);
}

char *ew_jsonw_members_begin(struct ew_jsonw *w, size_t max)
{
	if (!member(w, NULL, 0, max))
		return NULL;
	return w->buf + w->len;
}

void ew_jsonw_members_end(struct ew_jsonw *w, char *end)
{
	w->len = (size_t)(end - w->buf);
	done(w);
}

void ew_jsonw_members_end_in(struct ew_jsonw *w, char *end)
{
	w->len = (size_t)(end - w->buf);
	if (w->depth >= EW_JSONW_MAX_DEPTH) {
		w->oom = true;
		return;
	}
	w->depth++;
	w->first &= ~(1ull << w->depth); /* it has members: the next takes a comma */
	done(w);
}
