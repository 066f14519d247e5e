// SPDX-License-Identifier: GPL-2.0-only
/*
 * tls_sni.c - parse the server_name of a TLS ClientHello (RFC 8446 4.1.2,
 * RFC 6066 3) from untrusted, possibly truncated bytes.
 */
#include <errno.h>

#include "inspect/tls_sni.h"

#define REC_HANDSHAKE	   0x16
#define HS_CLIENT_HELLO	   1
#define EXT_SERVER_NAME	   0
#define SNI_HOST_NAME	   0
#define TLS_MAX_RECORD	   (16384 + 2048) /* largest TLSCiphertext, RFC 8446 5.2 */
#define TLS_RANDOM_LEN	   32
#define TLS_MAX_SESSION_ID 32

/*
 * @end is where the enclosing structure says it ends (reading past it is a
 * lie: -EINVAL); @avail is where the captured bytes end (reading past it
 * only means the capture is short: -EAGAIN).
 */
struct cur {
	const uint8_t *b;
	size_t pos, end, avail;
};

static int need(const struct cur *c, size_t n)
{
	if (n > c->end - c->pos)
		return -EINVAL;
	if (c->pos + n > c->avail)
		return -EAGAIN;
	return 0;
}

static int get8(struct cur *c, unsigned *v)
{
	int r = need(c, 1);

	if (r)
		return r;
	*v = c->b[c->pos++];
	return 0;
}

static int get16(struct cur *c, unsigned *v)
{
	int r = need(c, 2);

	if (r)
		return r;
	*v = (unsigned)c->b[c->pos] << 8 | c->b[c->pos + 1];
	c->pos += 2;
	return 0;
}

/* Length-checked against @end only: skipping needs no captured bytes until the next read. */
static int skip(struct cur *c, size_t n)
{
	if (n > c->end - c->pos)
		return -EINVAL;
	c->pos += n;
	return 0;
}

/* A sub-structure of @n bytes starting here; it must fit in its parent. */
static int sub(struct cur *c, size_t n, struct cur *s)
{
	if (n > c->end - c->pos)
		return -EINVAL;
	*s = *c;
	s->end = c->pos + n;
	c->pos += n;
	return 0;
}

static int hostchar(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '-' || ch == '_';
}

static int copy_name(struct cur *c, size_t n, char *out, size_t outlen)
{
	int r;

	/* Lengths first: a forged length is malformed whatever was captured. */
	if (n == 0 || n > EW_HOSTNAME_LEN - 1)
		return -EINVAL;
	r = need(c, n);
	if (r)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!hostchar(c->b[c->pos + i]))
			return -EINVAL;
	if (outlen < n + 1)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = c->b[c->pos + i];

		out[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	out[n] = '\0';
	return 0;
}

/* RFC 6066 3: ServerNameList; the first host_name is the one servers use. */
static int server_name(struct cur *ext, char *out, size_t outlen)
{
	struct cur list;
	unsigned n, type;
	int r;

	if ((r = get16(ext, &n)) || (r = sub(ext, n, &list)))
		return r;
	/* The list is the whole extension body; anything after it is a lie. */
	if (ext->pos != ext->end || n == 0)
		return -EINVAL;
	if ((r = get8(&list, &type)) || (r = get16(&list, &n)))
		return r;
	if (type != SNI_HOST_NAME)
		return -EINVAL;
	if (n > list.end - list.pos)
		return -EINVAL;
	return copy_name(&list, n, out, outlen);
}

static int client_hello(struct cur *hs, char *out, size_t outlen)
{
	struct cur exts, ext;
	unsigned v, n, type;
	int r;

	if ((r = get8(hs, &v)))
		return r;
	/* legacy_version is 0x0303 in TLS 1.3; SSL 3.0 to TLS 1.2 all start with 3. */
	if (v != 3)
		return -EINVAL;
	if ((r = skip(hs, 1 + TLS_RANDOM_LEN)) || (r = get8(hs, &n)))
		return r;
	if (n > TLS_MAX_SESSION_ID)
		return -EINVAL;
	if ((r = skip(hs, n)) || (r = get16(hs, &n)))
		return r;
	if (n < 2 || n % 2)
		return -EINVAL;
	if ((r = skip(hs, n)) || (r = get8(hs, &n)))
		return r;
	if (n < 1)
		return -EINVAL;
	if ((r = skip(hs, n)))
		return r;
	/*
	 * Extensions are optional before TLS 1.2; no extensions, no name. Say
	 * so only once the whole ClientHello was captured, so a short capture
	 * never passes for a conclusion.
	 */
	if (hs->pos == hs->end)
		return hs->end <= hs->avail ? -ENOENT : -EAGAIN;
	if ((r = get16(hs, &n)) || (r = sub(hs, n, &exts)))
		return r;
	if (hs->pos != hs->end)
		return -EINVAL;
	while (exts.pos < exts.end) {
		if ((r = get16(&exts, &type)) || (r = get16(&exts, &n)) ||
		    (r = sub(&exts, n, &ext)))
			return r;
		if (type == EXT_SERVER_NAME)
			return server_name(&ext, out, outlen);
	}
	/* Every extension was captured, so the absence is a fact, not a short capture. */
	return exts.end <= exts.avail ? -ENOENT : -EAGAIN;
}

int ew_tls_sni(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	struct cur rec = {.b = buf, .pos = 0, .end = len, .avail = len};
	struct cur hs;
	unsigned v, major, rlen, type, hlen_hi, hlen_lo;
	size_t hlen;
	int r;

	if (!buf || !out || outlen == 0)
		return -EINVAL;
	out[0] = '\0';
	/* The record header's end is not known yet; let need() report only -EAGAIN. */
	rec.end = SIZE_MAX;
	if ((r = get8(&rec, &type)))
		return r;
	if (type != REC_HANDSHAKE)
		return -EINVAL;
	if ((r = get8(&rec, &major)))
		return r;
	if (major != 3)
		return -EINVAL;
	if ((r = get8(&rec, &v)) || (r = get16(&rec, &rlen)))
		return r;
	/* The handshake header must start in this record (RFC 8446 5.1 forbids empty ones). */
	if (rlen < 4 || rlen > TLS_MAX_RECORD)
		return -EINVAL;
	rec.end = rec.pos + rlen;
	if ((r = get8(&rec, &type)))
		return r;
	if (type != HS_CLIENT_HELLO)
		return -EINVAL;
	if ((r = get8(&rec, &hlen_hi)) || (r = get16(&rec, &hlen_lo)))
		return r;
	hlen = (size_t)hlen_hi << 16 | hlen_lo;
	/*
	 * A ClientHello longer than its record continues in the next record,
	 * which this parser does not reassemble: the record's end then only
	 * limits what is available, the handshake length limits what is valid.
	 */
	hs = rec;
	hs.end = rec.pos + hlen;
	if (rec.end < hs.avail)
		hs.avail = rec.end;
	return client_hello(&hs, out, outlen);
}
