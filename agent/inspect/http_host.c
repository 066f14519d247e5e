// SPDX-License-Identifier: GPL-2.0-only
/*
 * http_host.c - parse the host of an HTTP/1.x request (RFC 9112 3, 5;
 * RFC 9110 7.2) from untrusted, possibly truncated bytes.
 */
#include <errno.h>
#include <string.h>

#include "inspect/http_host.h"

#define MAX_HOST 253
/* Longer than any registered method; bounds the work before a verdict. */
#define MAX_METHOD 32

/* RFC 9110 5.6.2 token characters, for methods and field names. */
static int tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int hostchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

static int hexchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Bytes allowed in a field value: VCHAR, SP, HTAB and obs-text; no CTLs. */
static int valuechar(uint8_t c)
{
	return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

/* An authority "host[:port]" or "[v6]:port" in @p[0..@n): copy host lowercased. */
static int authority(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	size_t hs = 0, he, i;
	int v6 = 0;

	if (n && p[0] == '[') {
		v6 = 1;
		hs = 1;
		for (he = 1; he < n && p[he] != ']'; he++)
			if (!hexchar(p[he]) && p[he] != ':' && p[he] != '.')
				return -EINVAL;
		if (he == n)
			return -EINVAL;
		i = he + 1;
	} else {
		for (he = 0; he < n && p[he] != ':'; he++)
			if (!hostchar(p[he]))
				return -EINVAL;
		i = he;
	}
	if (i < n) {
		/* ":" then up to 5 digits; an empty port is allowed (RFC 3986 3.2.3). */
		if (p[i] != ':' || n - i - 1 > 5)
			return -EINVAL;
		for (i++; i < n; i++)
			if (p[i] < '0' || p[i] > '9')
				return -EINVAL;
	}
	if (he == hs || he - hs > MAX_HOST || (v6 && he - hs < 2))
		return -EINVAL;
	if (outlen < he - hs + 1)
		return -ENOSPC;
	for (i = hs; i < he; i++)
		out[i - hs] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
	out[he - hs] = '\0';
	return 0;
}

static int ieq(const uint8_t *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i];

		if (c != (uint8_t)s[i])
			return 0;
	}
	return 1;
}

/* The length of the line at @p up to CRLF, or -EAGAIN / -EINVAL (bare CR or LF). */
static int line(const uint8_t *p, size_t n, size_t *ll)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			return -EINVAL;
		if (p[i] != '\r')
			continue;
		if (i + 1 == n)
			return -EAGAIN;
		if (p[i + 1] != '\n')
			return -EINVAL;
		*ll = i;
		return 0;
	}
	return -EAGAIN;
}

static int request_line(const uint8_t *p, size_t n, size_t *ts, size_t *te)
{
	size_t i;

	for (i = 0; i < n && p[i] != ' '; i++)
		if (!tchar(p[i]) || i == MAX_METHOD)
			return -EINVAL;
	if (i == 0 || i == n)
		return -EINVAL;
	*ts = ++i;
	for (; i < n && p[i] != ' '; i++)
		if (p[i] <= 0x20 || p[i] == 0x7f)
			return -EINVAL;
	if (i == *ts || i == n)
		return -EINVAL;
	*te = i++;
	if (n - i != 8 || memcmp(p + i, "HTTP/1.", 7) || p[i + 7] < '0' || p[i + 7] > '9')
		return -EINVAL;
	return 0;
}

/*
 * Before the CRLF is captured, fail early on what cannot become a request
 * line, so that binary protocols are -EINVAL rather than waiting forever.
 */
static int partial_request_line(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != ' '; i++)
		if (!tchar(p[i]) || i == MAX_METHOD)
			return -EINVAL;
	if (i == 0 && n)
		return -EINVAL;
	return -EAGAIN;
}

int ew_http_host(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	size_t ll, ts, te, pos;
	int r;

	if (!buf || !out || outlen == 0)
		return -EINVAL;
	out[0] = '\0';
	r = line(buf, len, &ll);
	if (r == -EAGAIN)
		return partial_request_line(buf, len);
	if (r || (r = request_line(buf, ll, &ts, &te)))
		return r;
	/* Absolute form: the target names the host and Host must be ignored. */
	if (te - ts > 7 && ieq(buf + ts, "http://", 7)) {
		size_t as = ts + 7, ae = as;

		while (ae < te && buf[ae] != '/' && buf[ae] != '?' && buf[ae] != '#')
			ae++;
		/* userinfo is deprecated for http and a classic way to disguise the host. */
		if (memchr(buf + as, '@', ae - as))
			return -EINVAL;
		return authority(buf + as, ae - as, out, outlen);
	}
	for (pos = ll + 2;; pos += ll + 2) {
		size_t c, vs, ve;

		if ((r = line(buf + pos, len - pos, &ll)))
			return r;
		if (ll == 0)
			return -ENOENT;
		/* Obsolete line folding could hide a header from one parser but not another. */
		if (buf[pos] == ' ' || buf[pos] == '\t')
			return -EINVAL;
		for (c = 0; c < ll && buf[pos + c] != ':'; c++)
			if (!tchar(buf[pos + c]))
				return -EINVAL;
		if (c == 0 || c == ll)
			return -EINVAL;
		for (vs = c + 1; vs < ll; vs++)
			if (!valuechar(buf[pos + vs]))
				return -EINVAL;
		if (c != 4 || !ieq(buf + pos, "host", 4))
			continue;
		for (vs = c + 1; vs < ll && (buf[pos + vs] == ' ' || buf[pos + vs] == '\t'); vs++)
			;
		for (ve = ll; ve > vs && (buf[pos + ve - 1] == ' ' || buf[pos + ve - 1] == '\t');
		     ve--)
			;
		return authority(buf + pos + vs, ve - vs, out, outlen);
	}
}
