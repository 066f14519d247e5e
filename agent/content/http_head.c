// SPDX-License-Identifier: GPL-2.0-only
/*
 * http_head.c - the request line and header fields of an HTTP/1.x request
 * (RFC 9112 3, 5, 6.1-6.3; RFC 9110 5.5, 8.3, 8.4): what the framing, the
 * decoding chain and the request callback need of them, bounded.
 */
#include <string.h>

#include "content/http_head.h"
#include "util/str.h"
#include "content/http_req.h"

static int tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
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
		if (c == '%' && i + 2 < n && ew_hexval((uint8_t)src[i + 1]) >= 0 &&
		    ew_hexval((uint8_t)src[i + 2]) >= 0) {
			c = (uint8_t)(ew_hexval((uint8_t)src[i + 1]) << 4 |
				      ew_hexval((uint8_t)src[i + 2]));
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
static void target_kind(struct ew_http_head *h, const char *t, size_t n)
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

int ew_http_head_request(struct ew_http_head *h, const char *s, size_t n)
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

static int content_length(struct ew_http_head *h, const char *v, size_t n)
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
static int transfer_encoding(struct ew_http_head *h, const char *v, size_t n)
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

int ew_http_head_field(struct ew_http_head *h, const char *s, size_t n, bool trailer)
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
	if (trailer)
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

static int coding_of(const struct ew_http_head *h, enum ew_http_coding *out)
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

int ew_http_head_end(const struct ew_http_head *h, struct ew_http_req_info *info,
		     enum ew_http_coding *coding, enum ew_http_text *text)
{
	bool post = !strcmp(h->method, "POST");
	int r = coding_of(h, coding);

	if (r)
		return r;
	*text = text_of(h->ctype);
	memset(info, 0, sizeof(*info));
	info->method = h->method;
	info->target = h->target;
	info->content_type = h->ctype;
	info->content_encoding = h->cenc;
	info->git_push =
	    post && h->path_push && media_is(h->ctype, "application/x-git-receive-pack-request");
	info->git_fetch = post && h->path_fetch;
	info->s3_multipart = (!strcmp(h->method, "PUT") && h->q_part && h->q_upid) ||
			     (post && (h->q_uploads || h->q_upid));
	return 0;
}

bool ew_http_head_switches(const struct ew_http_head *h)
{
	return h->upgrade || !strcmp(h->method, "CONNECT");
}
