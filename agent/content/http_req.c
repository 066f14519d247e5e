// SPDX-License-Identifier: GPL-2.0-only
/*
 * http_req.c - HTTP/1.x request framing (RFC 9112 2.2, 6, 7.1) over a
 * stream of untrusted bytes split anywhere. Header lines are collected in a
 * bounded buffer and judged by http_head.c; body bytes go straight to the
 * decoding chain (http_body.c).
 * Anything the RFC tells a server to reject stops the stream instead of
 * being guessed at.
 */
#include <stdlib.h>
#include <string.h>

#include "content/http_body.h"
#include "util/str.h"
#include "content/http_head.h"
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
	struct ew_http_head head;
	struct ew_http_body body;
	char line[EW_HTTP_LINE_MAX];
};

static int message_end(struct ew_http_req *h)
{
	int r = ew_http_body_finish(&h->body);

	if (r)
		return r;
	if (h->ops->end)
		h->ops->end(h->arg);
	if (ew_http_head_switches(&h->head))
		return EW_HTTP_ESWITCH;
	h->state = ST_LINE;
	h->kind = L_REQ;
	h->headbytes = 0;
	return 0;
}

static int head_end(struct ew_http_req *h)
{
	struct ew_http_req_info info;
	enum ew_http_coding coding;
	enum ew_http_text text;
	int r = ew_http_head_end(&h->head, &info, &coding, &text);

	if (r)
		return r;
	if (h->ops->request)
		h->ops->request(h->arg, &info);
	ew_http_body_start(&h->body, coding, text);
	if (h->head.chunked) {
		h->state = ST_CSIZE;
		h->remain = 0;
		h->cdigits = 0;
		return 0;
	}
	/* RFC 9112 6.3: a request with neither field has no body. */
	if (h->head.have_cl && h->head.cl) {
		h->state = ST_BODY;
		h->remain = h->head.cl;
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
		return ew_http_head_request(&h->head, h->line, n);
	case L_HDR:
		return n ? ew_http_head_field(&h->head, h->line, n, false) : head_end(h);
	default:
		return n ? ew_http_head_field(&h->head, h->line, n, true) : message_end(h);
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
	int v = ew_hexval(c);

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
