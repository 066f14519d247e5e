// SPDX-License-Identifier: GPL-2.0-only
/*
 * http_body.c - content coding (RFC 9110 8.4.1: gzip RFC 1952, deflate as
 * zlib RFC 1950, or raw RFC 1951 as some clients send) and the escapes of
 * application/x-www-form-urlencoded and JSON (RFC 8259 7) undone over a
 * stream of body bytes split anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include "content/http_body.h"
#include "util/str.h"
#include "content/http_req.h"

/* Text stage states. */
enum {
	T_NORM,
	T_PCT1,	 /* form: after '%' */
	T_PCT2,	 /* form: after '%' and one hex digit */
	T_ESC,	 /* JSON: after '\' */
	T_U,	 /* JSON: in the 4 hex digits of \u */
	T_HI_BS, /* JSON: high surrogate done, want '\' of its low half */
	T_HI_U,	 /* JSON: high surrogate done, want 'u' */
	T_LO,	 /* JSON: in the hex digits of the low half */
};

void ew_http_body_flush(struct ew_http_body *b)
{
	if (b->nout && b->sink)
		b->sink(b->arg, b->out, b->nout);
	b->nout = 0;
}

static void put(struct ew_http_body *b, uint8_t c)
{
	if (b->nout == sizeof(b->out))
		ew_http_body_flush(b);
	b->out[b->nout++] = c;
}

static void put_run(struct ew_http_body *b, const uint8_t *p, size_t n)
{
	if (n >= sizeof(b->out)) {
		ew_http_body_flush(b);
		if (b->sink)
			b->sink(b->arg, p, n);
		return;
	}
	if (n > sizeof(b->out) - b->nout)
		ew_http_body_flush(b);
	memcpy(b->out + b->nout, p, n);
	b->nout += n;
}

static void put_utf8(struct ew_http_body *b, uint32_t cp)
{
	if (cp < 0x80) {
		put(b, (uint8_t)cp);
	} else if (cp < 0x800) {
		put(b, (uint8_t)(0xc0 | cp >> 6));
		put(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		put(b, (uint8_t)(0xe0 | cp >> 12));
		put(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		put(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		put(b, (uint8_t)(0xf0 | cp >> 18));
		put(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
		put(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		put(b, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

/* An escape that turned out malformed is passed on as it came. */
static void put_raw_u(struct ew_http_body *b)
{
	put(b, '\\');
	put(b, 'u');
	for (int i = 0; i < b->ndig; i++)
		put(b, (uint8_t)b->dig[i]);
}

static uint32_t digits(const struct ew_http_body *b)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 4 | (uint32_t)ew_hexval((uint8_t)b->dig[i]);
	return v;
}

/* A complete \uXXXX that is not the low half of a pending pair. */
static void json_code(struct ew_http_body *b, uint32_t cp)
{
	if (cp >= 0xd800 && cp <= 0xdbff) {
		b->hi = (uint16_t)cp;
		b->tstate = T_HI_BS;
		return;
	}
	/* A lone low surrogate has no UTF-8 form. */
	put_utf8(b, cp >= 0xdc00 && cp <= 0xdfff ? 0xfffd : cp);
	b->tstate = T_NORM;
}

static void json_byte(struct ew_http_body *b, uint8_t c)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *e;

	for (;;) {
		switch (b->tstate) {
		case T_NORM:
			if (c == '\\')
				b->tstate = T_ESC;
			else
				put(b, c);
			return;
		case T_ESC:
			b->tstate = T_NORM;
			if (c == 'u') {
				b->tstate = T_U;
				b->ndig = 0;
			} else if (c && (e = strchr(from, c)) != NULL) {
				put(b, (uint8_t)to[e - from]);
			} else {
				put(b, '\\');
				put(b, c);
			}
			return;
		case T_U:
		case T_LO:
			if (ew_hexval(c) < 0) {
				if (b->tstate == T_LO)
					put_utf8(b, 0xfffd);
				put_raw_u(b);
				b->tstate = T_NORM;
				continue; /* c itself is ordinary text or a new escape */
			}
			b->dig[b->ndig++] = (char)c;
			if (b->ndig < 4)
				return;
			if (b->tstate == T_LO) {
				uint32_t lo = digits(b);

				if (lo >= 0xdc00 && lo <= 0xdfff) {
					put_utf8(b, 0x10000 + ((uint32_t)(b->hi - 0xd800) << 10) +
							(lo - 0xdc00));
					b->tstate = T_NORM;
					return;
				}
				put_utf8(b, 0xfffd);
				json_code(b, lo);
				return;
			}
			json_code(b, digits(b));
			return;
		case T_HI_BS:
			if (c == '\\') {
				b->tstate = T_HI_U;
				return;
			}
			put_utf8(b, 0xfffd);
			b->tstate = T_NORM;
			continue;
		case T_HI_U:
			if (c == 'u') {
				b->tstate = T_LO;
				b->ndig = 0;
				return;
			}
			put_utf8(b, 0xfffd);
			b->tstate = T_ESC;
			continue;
		default:
			b->tstate = T_NORM;
			continue;
		}
	}
}

static void form_byte(struct ew_http_body *b, uint8_t c)
{
	for (;;) {
		switch (b->tstate) {
		case T_PCT1:
			if (ew_hexval(c) >= 0) {
				b->dig[0] = (char)c;
				b->tstate = T_PCT2;
				return;
			}
			put(b, '%');
			b->tstate = T_NORM;
			continue;
		case T_PCT2:
			b->tstate = T_NORM;
			if (ew_hexval(c) >= 0) {
				put(b,
				    (uint8_t)(ew_hexval((uint8_t)b->dig[0]) << 4 | ew_hexval(c)));
				return;
			}
			put(b, '%');
			put(b, (uint8_t)b->dig[0]);
			continue;
		default:
			if (c == '%')
				b->tstate = T_PCT1;
			else
				put(b, c == '+' ? ' ' : c);
			return;
		}
	}
}

/* Pass on what a half-received escape held when its body ends. */
static void text_end(struct ew_http_body *b)
{
	switch (b->tstate) {
	case T_PCT1:
		put(b, '%');
		break;
	case T_PCT2:
		put(b, '%');
		put(b, (uint8_t)b->dig[0]);
		break;
	case T_ESC:
		put(b, '\\');
		break;
	case T_U:
		put_raw_u(b);
		break;
	case T_HI_BS:
		put_utf8(b, 0xfffd);
		break;
	case T_HI_U:
		put_utf8(b, 0xfffd);
		put(b, '\\');
		break;
	case T_LO:
		put_utf8(b, 0xfffd);
		put_raw_u(b);
		break;
	}
	b->tstate = T_NORM;
	ew_http_body_flush(b);
}

static void text(struct ew_http_body *b, const uint8_t *p, size_t n)
{
	if (b->text == EW_HTTP_TEXT_NONE) {
		if (n && b->sink)
			b->sink(b->arg, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (b->text == EW_HTTP_TEXT_JSON) {
			/* Most JSON holds no escape: pass runs between backslashes on whole. */
			if (b->tstate == T_NORM) {
				const uint8_t *bs = memchr(p + i, '\\', n - i);
				size_t run = bs ? (size_t)(bs - p) - i : n - i;

				put_run(b, p + i, run);
				i += run;
				if (i == n)
					return;
			}
			json_byte(b, p[i]);
		} else {
			form_byte(b, p[i]);
		}
	}
}

/* Bytes with the content coding undone: count them against the stream's bound. */
static int decoded(struct ew_http_body *b, const uint8_t *p, size_t n)
{
	if (n > b->left) {
		text(b, p, b->left);
		b->left = 0;
		return EW_HTTP_DECODE_LIMIT;
	}
	b->left -= n;
	text(b, p, n);
	return 0;
}

/* zlib's allocations, bounded per stream and counted; a size word precedes each. */
static voidpf zalloc(voidpf opaque, uInt items, uInt size)
{
	struct ew_http_body *b = opaque;
	size_t n;
	size_t *m;

	if (__builtin_mul_overflow((size_t)items, (size_t)size, &n) ||
	    n > EW_HTTP_ZLIB_MAX - b->zbytes)
		return NULL;
	m = malloc(sizeof(max_align_t) + n);
	if (!m)
		return NULL;
	*m = n;
	b->zbytes += n;
	return (char *)m + sizeof(max_align_t);
}

static void zfree(voidpf opaque, voidpf p)
{
	struct ew_http_body *b = opaque;
	size_t *m;

	if (!p)
		return;
	m = (size_t *)(void *)((char *)p - sizeof(max_align_t));
	b->zbytes -= *m;
	free(m);
}

static void zrelease(struct ew_http_body *b)
{
	if (b->zinit)
		inflateEnd(&b->z);
	b->zinit = false;
}

static int zstart(struct ew_http_body *b, int wbits)
{
	memset(&b->z, 0, sizeof(b->z));
	b->z.zalloc = zalloc;
	b->z.zfree = zfree;
	b->z.opaque = b;
	if (inflateInit2(&b->z, wbits) != Z_OK)
		return EW_HTTP_ENOMEM;
	b->zinit = true;
	b->zend = false;
	return 0;
}

static int inflate_bytes(struct ew_http_body *b, const uint8_t *p, size_t n)
{
	uint8_t out[8192];
	int r, e;

	b->z.next_in = (Bytef *)(uintptr_t)p;
	b->z.avail_in = (uInt)n;
	for (;;) {
		if (b->zend) {
			/* RFC 1952 2.2: a gzip body may be several members; deflate ends once. */
			if (b->coding != EW_HTTP_CODING_GZIP || !b->z.avail_in)
				return 0;
			if (inflateReset(&b->z) != Z_OK)
				return EW_HTTP_ECORRUPT;
			b->zend = false;
		}
		b->z.next_out = out;
		b->z.avail_out = sizeof(out);
		r = inflate(&b->z, Z_NO_FLUSH);
		e = decoded(b, out, sizeof(out) - b->z.avail_out);
		if (e)
			return e;
		if (r == Z_STREAM_END) {
			b->zend = true;
			continue;
		}
		if (r == Z_MEM_ERROR)
			return EW_HTTP_ENOMEM;
		if (r != Z_OK && r != Z_BUF_ERROR)
			return EW_HTTP_ECORRUPT;
		if (r == Z_BUF_ERROR || (!b->z.avail_in && b->z.avail_out))
			return 0;
	}
}

/* RFC 1950 2.2: CM 8, CINFO <= 7, FCHECK; anything else is taken as raw deflate. */
static int zlib_header(const uint8_t s[2])
{
	return (s[0] & 0x0f) == 8 && (s[0] >> 4) <= 7 && ((s[0] << 8) | s[1]) % 31 == 0;
}

static int inflate_feed(struct ew_http_body *b, const uint8_t *p, size_t n)
{
	int r;

	if (b->zinit)
		return inflate_bytes(b, p, n);
	if (b->coding == EW_HTTP_CODING_GZIP) {
		r = zstart(b, 16 + MAX_WBITS);
		return r ? r : inflate_bytes(b, p, n);
	}
	/* deflate: which of the two wrappers needs two bytes, which may come apart. */
	while (b->nsniff < 2 && n) {
		b->sniff[b->nsniff++] = *p++;
		n--;
	}
	if (b->nsniff < 2)
		return 0;
	r = zstart(b, zlib_header(b->sniff) ? MAX_WBITS : -MAX_WBITS);
	if (!r)
		r = inflate_bytes(b, b->sniff, 2);
	return r ? r : inflate_bytes(b, p, n);
}

void ew_http_body_init(struct ew_http_body *b, size_t limit,
		       void (*sink)(void *arg, const uint8_t *p, size_t n), void *arg)
{
	memset(b, 0, sizeof(*b));
	b->sink = sink;
	b->arg = arg;
	b->left = limit;
}

void ew_http_body_start(struct ew_http_body *b, enum ew_http_coding coding, enum ew_http_text text)
{
	zrelease(b);
	b->coding = (uint8_t)coding;
	b->text = (uint8_t)text;
	b->zend = false;
	b->nsniff = 0;
	b->tstate = T_NORM;
	b->nout = 0;
}

int ew_http_body_feed(struct ew_http_body *b, const uint8_t *p, size_t n)
{
	if (!n)
		return 0;
	if (b->coding == EW_HTTP_CODING_NONE)
		return decoded(b, p, n);
	return inflate_feed(b, p, n);
}

int ew_http_body_finish(struct ew_http_body *b)
{
	int r = 0;

	/* A coded body of no bytes is empty; one cut inside its stream is corrupt. */
	if (b->coding != EW_HTTP_CODING_NONE && (b->nsniff == 1 || (b->zinit && !b->zend)))
		r = EW_HTTP_ECORRUPT;
	text_end(b);
	zrelease(b);
	b->coding = EW_HTTP_CODING_NONE;
	return r;
}

void ew_http_body_stop(struct ew_http_body *b)
{
	ew_http_body_flush(b);
	zrelease(b);
	b->coding = EW_HTTP_CODING_NONE;
	b->tstate = T_NORM;
}
