// SPDX-License-Identifier: GPL-2.0-only
/*
 * http_req.c - HTTP/1.x request framing (RFC 9112 3, 5, 6, 7.1) over a
 * stream of untrusted bytes split anywhere. Header lines are collected in a
 * bounded buffer; body bytes go straight to the decoding chain (http_body.c).
 * Anything the RFC tells a server to reject stops the stream instead of
 * being guessed at.
 */
#include <stdlib.h>
#include <string.h>

#include "content/http_body.h"
#include "content/http_req.h"

enum { ST_LINE, ST_BODY, ST_CSIZE, ST_CEXT, ST_CLF, ST_CDATA, ST_CDATA_CR, ST_CDATA_LF };
enum { L_REQ, L_HDR, L_TRAILER };

/* A chunk size of 15 hex digits is 2^60: more than any stream carries. */
#define MAX_CHUNK_DIGITS 15
#define MAX_CHUNK_EXT	 4096

struct ew_http_req {
	const struct ew_http_req_ops *ops;
	void *arg;
	int state, kind, err;
	size_t linelen, headbytes, extlen;
	uint64_t remain; /* bytes of the body or chunk still to come */
	unsigned cdigits;
	bool chunked, have_cl, upgrade, cenc_long;
	bool path_push, path_fetch, q_part, q_upid, q_uploads;
	uint64_t cl;
	char method[EW_HTTP_METHOD_MAX];
	char target[EW_HTTP_TARGET_MAX];
	char ctype[EW_HTTP_CTYPE_MAX];
	char cenc[EW_HTTP_CENC_MAX];
	struct ew_http_body body;
	char line[EW_HTTP_LINE_MAX];
};

static int tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ieq(const char *p, size_t n, const char *s)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((uint8_t)p[i]) != s[i])
			return 0;
	return 1;
}

static int ends_with(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && !memcmp(p + n - k, s, k);
}

/* Percent-decode @src into @dst (cut at @cap - 1); '+' is a space in the query. */
static void url_decode(const char *src, size_t n, char *dst, size_t cap)
{
	size_t o = 0;
	int query = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		uint8_t c = (uint8_t)src[i];

		if (c == '?')
			query = 1;
		if (c == '%' && i + 2 < n && hexval((uint8_t)src[i + 1]) >= 0 &&
		    hexval((uint8_t)src[i + 2]) >= 0) {
			c = (uint8_t)(hexval((uint8_t)src[i + 1]) << 4 |
				      hexval((uint8_t)src[i + 2]));
			i += 2;
			if (!c)
				continue; /* the info strings are C strings */
		} else if (c == '+' && query) {
			c = ' ';
		}
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

/* What the raw target says about git smart HTTP and S3 multipart uploads. */
static void target_kind(struct ew_http_req *h, const char *t, size_t n)
{
	size_t ps = 0, pe, i;

	if (n > 7 && (ieq(t, 7, "http://") || (n > 8 && ieq(t, 8, "https://")))) {
		const char *s = memchr(t + 7, '/', n - 7);

		ps = s ? (size_t)(s - t) : n;
	}
	for (pe = ps; pe < n && t[pe] != '?' && t[pe] != '#'; pe++)
		;
	h->path_push = ends_with(t + ps, pe - ps, "/git-receive-pack");
	h->path_fetch = ends_with(t + ps, pe - ps, "/git-upload-pack");
	if (pe == n || t[pe] != '?')
		return;
	for (i = pe + 1; i < n && t[i] != '#';) {
		size_t s = i, eq;

		while (i < n && t[i] != '&' && t[i] != '#')
			i++;
		for (eq = s; eq < i && t[eq] != '='; eq++)
			;
		/* S3 parameter names are case-sensitive. */
		if (eq - s == 10 && !memcmp(t + s, "partNumber", 10) && eq < i)
			h->q_part = true;
		else if (eq - s == 8 && !memcmp(t + s, "uploadId", 8) && eq < i)
			h->q_upid = true;
		else if (eq - s == 7 && !memcmp(t + s, "uploads", 7))
			h->q_uploads = true;
		if (i < n && t[i] == '&')
			i++;
	}
}

static int request_line(struct ew_http_req *h, const char *s, size_t n)
{
	size_t i = 0, ts, te;

	while (i < n && tchar((uint8_t)s[i]))
		i++;
	if (!i || i >= sizeof(h->method) || i == n || s[i] != ' ')
		return EW_HTTP_EPARSE;
	memcpy(h->method, s, i);
	h->method[i] = '\0';
	ts = te = i + 1;
	while (te < n && s[te] != ' ') {
		/* No controls; raw UTF-8 some clients send is let through. */
		if ((uint8_t)s[te] <= 0x20 || (uint8_t)s[te] == 0x7f)
			return EW_HTTP_EPARSE;
		te++;
	}
	if (te == ts || n - te != 9 || memcmp(s + te, " HTTP/1.", 8) || s[n - 1] < '0' ||
	    s[n - 1] > '9')
		return EW_HTTP_EPARSE;
	h->path_push = h->path_fetch = h->q_part = h->q_upid = h->q_uploads = false;
	target_kind(h, s + ts, te - ts);
	url_decode(s + ts, te - ts, h->target, sizeof(h->target));
	h->chunked = h->have_cl = h->upgrade = h->cenc_long = false;
	h->ctype[0] = h->cenc[0] = '\0';
	return 0;
}

/* Copy a field value, cut to fit; appended after ", " when the field repeats. */
static bool keep(char *dst, size_t cap, const char *v, size_t n)
{
	size_t o = strlen(dst);
	bool cut = false;

	if (o && o + 2 < cap) {
		memcpy(dst + o, ", ", 2);
		o += 2;
	}
	if (n > cap - 1 - o) {
		n = cap - 1 - o;
		cut = true;
	}
	memcpy(dst + o, v, n);
	dst[o + n] = '\0';
	return cut;
}

static int content_length(struct ew_http_req *h, const char *v, size_t n)
{
	uint64_t cl = 0;

	if (!n || n > 18)
		return EW_HTTP_EPARSE;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return EW_HTTP_EPARSE;
		cl = cl * 10 + (uint64_t)(v[i] - '0');
	}
	/* RFC 9112 6.3: differing lengths make the framing unknowable. */
	if (h->have_cl && h->cl != cl)
		return EW_HTTP_EPARSE;
	h->have_cl = true;
	h->cl = cl;
	return 0;
}

/* Only "chunked" (last) is decoded; "identity" is a no-op. */
static int transfer_encoding(struct ew_http_req *h, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e == s)
			continue;
		if (h->chunked)
			return EW_HTTP_EENCODING; /* a coding after chunked */
		if (ieq(v + s, e - s, "chunked"))
			h->chunked = true;
		else if (!ieq(v + s, e - s, "identity"))
			return EW_HTTP_EENCODING;
	}
	return 0;
}

static int header_line(struct ew_http_req *h, const char *s, size_t n)
{
	size_t i = 0, vs, ve;

	while (i < n && tchar((uint8_t)s[i]))
		i++;
	if (!i || i == n || s[i] != ':')
		return EW_HTTP_EPARSE; /* also obs-fold and space before the colon */
	for (vs = i + 1; vs < n && (s[vs] == ' ' || s[vs] == '\t'); vs++)
		;
	for (ve = n; ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'); ve--)
		;
	for (size_t k = vs; k < ve; k++)
		if (((uint8_t)s[k] < 0x20 && s[k] != '\t') || (uint8_t)s[k] == 0x7f)
			return EW_HTTP_EPARSE;
	if (h->kind == L_TRAILER)
		return 0;
	if (ieq(s, i, "content-length"))
		return content_length(h, s + vs, ve - vs);
	if (ieq(s, i, "transfer-encoding"))
		return transfer_encoding(h, s + vs, ve - vs);
	if (ieq(s, i, "content-type"))
		keep(h->ctype, sizeof(h->ctype), s + vs, ve - vs);
	else if (ieq(s, i, "content-encoding"))
		h->cenc_long |= keep(h->cenc, sizeof(h->cenc), s + vs, ve - vs);
	else if (ieq(s, i, "upgrade"))
		h->upgrade = true;
	return 0;
}

static int coding_of(const struct ew_http_req *h, enum ew_http_coding *out)
{
	const char *v = h->cenc;
	size_t i = 0, n = strlen(v);
	int found = 0;

	*out = EW_HTTP_CODING_NONE;
	if (h->cenc_long)
		return EW_HTTP_EENCODING;
	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		for (s = i; i < n && v[i] != ','; i++)
			;
		for (e = i; e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'); e--)
			;
		if (e == s || ieq(v + s, e - s, "identity"))
			continue;
		if (found++)
			return EW_HTTP_EENCODING; /* stacked codings: not seen from clients */
		if (ieq(v + s, e - s, "gzip") || ieq(v + s, e - s, "x-gzip"))
			*out = EW_HTTP_CODING_GZIP;
		else if (ieq(v + s, e - s, "deflate"))
			*out = EW_HTTP_CODING_DEFLATE;
		else
			return EW_HTTP_EENCODING;
	}
	return 0;
}

/* Length of the media type of a Content-Type value, parameters left out. */
static size_t media_len(const char *ct)
{
	size_t e = strcspn(ct, ";");

	while (e && (ct[e - 1] == ' ' || ct[e - 1] == '\t'))
		e--;
	return e;
}

static int media_is(const char *ct, const char *type)
{
	return ieq(ct, media_len(ct), type);
}

static enum ew_http_text text_of(const char *ct)
{
	size_t e = media_len(ct);

	if (ieq(ct, e, "application/x-www-form-urlencoded"))
		return EW_HTTP_TEXT_FORM;
	if (ieq(ct, e, "application/json") || ieq(ct, e, "text/json") ||
	    (e >= 5 && ieq(ct + e - 5, 5, "+json")))
		return EW_HTTP_TEXT_JSON;
	return EW_HTTP_TEXT_NONE;
}

static int message_end(struct ew_http_req *h)
{
	int r = ew_http_body_finish(&h->body);

	if (r)
		return r;
	if (h->ops->end)
		h->ops->end(h->arg);
	if (h->upgrade || !strcmp(h->method, "CONNECT"))
		return EW_HTTP_ESWITCH;
	h->state = ST_LINE;
	h->kind = L_REQ;
	h->headbytes = 0;
	return 0;
}

static int head_end(struct ew_http_req *h)
{
	struct ew_http_req_info info = {
	    .method = h->method,
	    .target = h->target,
	    .content_type = h->ctype,
	    .content_encoding = h->cenc,
	};
	enum ew_http_coding coding;
	int r = coding_of(h, &coding);
	bool post = !strcmp(h->method, "POST");

	if (r)
		return r;
	info.git_push =
	    post && h->path_push && media_is(h->ctype, "application/x-git-receive-pack-request");
	info.git_fetch = post && h->path_fetch;
	info.s3_multipart = (!strcmp(h->method, "PUT") && h->q_part && h->q_upid) ||
			    (post && (h->q_uploads || h->q_upid));
	if (h->ops->request)
		h->ops->request(h->arg, &info);
	ew_http_body_start(&h->body, coding, text_of(h->ctype));
	if (h->chunked) {
		h->state = ST_CSIZE;
		h->remain = 0;
		h->cdigits = 0;
		return 0;
	}
	/* RFC 9112 6.3: a request with neither field has no body. */
	if (h->have_cl && h->cl) {
		h->state = ST_BODY;
		h->remain = h->cl;
		return 0;
	}
	return message_end(h);
}

static int line_done(struct ew_http_req *h)
{
	size_t n = h->linelen;

	h->linelen = 0;
	if (n && h->line[n - 1] == '\r')
		n--;
	if (memchr(h->line, '\r', n) || memchr(h->line, '\0', n))
		return EW_HTTP_EPARSE;
	switch (h->kind) {
	case L_REQ:
		if (!n)
			return 0; /* RFC 9112 2.2: empty lines before a request */
		h->kind = L_HDR;
		return request_line(h, h->line, n);
	case L_HDR:
		return n ? header_line(h, h->line, n) : head_end(h);
	default:
		return n ? header_line(h, h->line, n) : message_end(h);
	}
}

static int line_bytes(struct ew_http_req *h, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *lf = memchr(p, '\n', n);
	size_t take = lf ? (size_t)(lf - p) : n;

	if (take > sizeof(h->line) - h->linelen || h->headbytes + take >= EW_HTTP_HEAD_MAX)
		return EW_HTTP_EHEADER;
	memcpy(h->line + h->linelen, p, take);
	h->linelen += take;
	h->headbytes += take + (lf != NULL);
	*used = take + (lf != NULL);
	return lf ? line_done(h) : 0;
}

static int chunk_size_done(struct ew_http_req *h)
{
	if (h->remain) {
		h->state = ST_CDATA;
		return 0;
	}
	h->state = ST_LINE;
	h->kind = L_TRAILER;
	h->headbytes = 0;
	return 0;
}

/* One byte of a chunk-size line or of a chunk's closing CRLF. */
static int chunk_byte(struct ew_http_req *h, uint8_t c)
{
	int v = hexval(c);

	switch (h->state) {
	case ST_CSIZE:
		if (v >= 0) {
			if (++h->cdigits > MAX_CHUNK_DIGITS)
				return EW_HTTP_ECHUNK;
			h->remain = h->remain << 4 | (uint64_t)v;
			return 0;
		}
		if (!h->cdigits)
			return EW_HTTP_ECHUNK;
		if (c == '\n')
			return chunk_size_done(h);
		if (c == '\r') {
			h->state = ST_CLF;
			return 0;
		}
		if (c != ';' && c != ' ' && c != '\t')
			return EW_HTTP_ECHUNK;
		h->state = ST_CEXT;
		h->extlen = 0;
		return 0;
	case ST_CEXT:
		if (c == '\n')
			return chunk_size_done(h);
		if (c == '\r') {
			h->state = ST_CLF;
			return 0;
		}
		if (++h->extlen > MAX_CHUNK_EXT || (c < 0x20 && c != '\t') || c == 0x7f)
			return EW_HTTP_ECHUNK;
		return 0;
	case ST_CLF:
		return c == '\n' ? chunk_size_done(h) : EW_HTTP_ECHUNK;
	case ST_CDATA_CR:
		if (c == '\r') {
			h->state = ST_CDATA_LF;
			return 0;
		}
		/* A bare LF is accepted as the line end. */
		__attribute__((fallthrough));
	default:
		if (c != '\n')
			return EW_HTTP_ECHUNK;
		h->state = ST_CSIZE;
		h->remain = 0;
		h->cdigits = 0;
		return 0;
	}
}

static int step(struct ew_http_req *h, const uint8_t *p, size_t n, size_t *used)
{
	size_t take;
	int r;

	switch (h->state) {
	case ST_LINE:
		return line_bytes(h, p, n, used);
	case ST_BODY:
	case ST_CDATA:
		take = n < h->remain ? n : (size_t)h->remain;
		*used = take;
		h->remain -= take;
		r = ew_http_body_feed(&h->body, p, take);
		if (r || h->remain)
			return r;
		if (h->state == ST_CDATA) {
			h->state = ST_CDATA_CR;
			return 0;
		}
		return message_end(h);
	default:
		*used = 1;
		return chunk_byte(h, *p);
	}
}

static void sink(void *arg, const uint8_t *p, size_t n)
{
	struct ew_http_req *h = arg;

	if (h->ops->body)
		h->ops->body(h->arg, p, n);
}

struct ew_http_req *ew_http_req_open(size_t decoded_limit, const struct ew_http_req_ops *ops,
				     void *arg)
{
	static const struct ew_http_req_ops none;
	struct ew_http_req *h = malloc(sizeof(*h));

	if (!h)
		return NULL;
	memset(h, 0, offsetof(struct ew_http_req, line));
	h->ops = ops ? ops : &none;
	h->arg = arg;
	h->state = ST_LINE;
	h->kind = L_REQ;
	ew_http_body_init(&h->body, decoded_limit, sink, h);
	return h;
}

int ew_http_req_feed(struct ew_http_req *h, const uint8_t *p, size_t n)
{
	while (!h->err && n) {
		size_t used = 0;
		int r = step(h, p, n, &used);

		if (r) {
			ew_http_body_stop(&h->body);
			h->err = r;
			break;
		}
		p += used;
		n -= used;
	}
	ew_http_body_flush(&h->body);
	return h->err;
}

void ew_http_req_close(struct ew_http_req *h)
{
	if (!h)
		return;
	ew_http_body_stop(&h->body);
	free(h);
}

size_t ew_http_req_state_size(void)
{
	return sizeof(struct ew_http_req) + EW_HTTP_ZLIB_MAX;
}

bool ew_http_req_sniff(const uint8_t *p, size_t n)
{
	static const char *const methods[] = {
	    "GET",   "POST",	"PUT",	 "HEAD",     "DELETE",	  "OPTIONS",
	    "PATCH", "CONNECT", "TRACE", "PROPFIND", "PROPPATCH", "MKCOL",
	    "COPY",  "MOVE",	"LOCK",	 "UNLOCK",   "REPORT",	  "SEARCH",
	};
	const uint8_t *lf;
	size_t m = 0, t;

	while (m < n && m < 16 && p[m] >= 'A' && p[m] <= 'Z')
		m++;
	if (m == n || p[m] != ' ' || m + 1 == n)
		return false;
	for (t = 0; t < sizeof(methods) / sizeof(methods[0]); t++)
		if (strlen(methods[t]) == m && !memcmp(p, methods[t], m))
			break;
	if (t == sizeof(methods) / sizeof(methods[0]) || p[m + 1] <= 0x20 || p[m + 1] == 0x7f)
		return false;
	lf = memchr(p, '\n', n);
	if (!lf)
		return true;
	t = (size_t)(lf - p);
	if (t && p[t - 1] == '\r')
		t--;
	return t >= m + 11 && !memcmp(p + t - 9, " HTTP/1.", 8) && p[t - 1] >= '0' &&
	       p[t - 1] <= '9';
}

const char *ew_http_req_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case EW_HTTP_EPARSE:
		return "malformed request";
	case EW_HTTP_EHEADER:
		return "header too long";
	case EW_HTTP_ECHUNK:
		return "bad chunked framing";
	case EW_HTTP_ECORRUPT:
		return "corrupt compressed body";
	case EW_HTTP_EENCODING:
		return "unsupported coding";
	case EW_HTTP_DECODE_LIMIT:
		return "decoded body limit";
	case EW_HTTP_ENOMEM:
		return "out of memory";
	case EW_HTTP_ESWITCH:
		return "protocol switched";
	default:
		return "unknown";
	}
}
