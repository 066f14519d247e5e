// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the HTTP request decoder. Input: two control bytes
 * (where to split, and the decoded-bytes limit), then the stream. The stream
 * is fed whole, split at the chosen byte, and (when short) a byte at a time:
 * all three must report the same requests, body bytes and stop code.
 */
#include <stdlib.h>
#include <string.h>

#include "content/http_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct digest {
	uint64_t h;
	size_t body, limit;
};

static void mix(struct digest *d, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		d->h = (d->h ^ b[i]) * 0x100000001b3ULL;
}

static void str(struct digest *d, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n >= max)
		abort();
	mix(d, s, n + 1);
}

static void on_request(void *arg, const struct ew_http_req_info *r)
{
	struct digest *d = arg;
	uint8_t f = (uint8_t)(r->git_push | r->git_fetch << 1 | r->s3_multipart << 2);

	str(d, r->method, EW_HTTP_METHOD_MAX);
	str(d, r->target, EW_HTTP_TARGET_MAX);
	str(d, r->content_type, EW_HTTP_CTYPE_MAX);
	str(d, r->content_encoding, EW_HTTP_CENC_MAX);
	mix(d, &f, 1);
}

static void on_body(void *arg, const uint8_t *p, size_t n)
{
	struct digest *d = arg;

	if (!n)
		abort();
	d->body += n;
	mix(d, p, n);
}

static void on_end(void *arg)
{
	mix(arg,
	    "\xff"
	    "END",
	    4);
}

static const struct ew_http_req_ops ops = {on_request, on_body, on_end};

static int run(const uint8_t *p, size_t n, size_t cut, struct digest *d)
{
	struct ew_http_req *h = ew_http_req_open(d->limit, &ops, d);
	int r = 0;

	if (!h)
		abort();
	if (cut == SIZE_MAX) {
		for (size_t i = 0; i < n; i++)
			r = ew_http_req_feed(h, p + i, 1);
	} else {
		ew_http_req_feed(h, p, cut);
		r = ew_http_req_feed(h, p + cut, n - cut);
	}
	ew_http_req_close(h);
	/* Body bytes are decoded bytes after form/JSON unescaping, which only shrinks them. */
	if (d->body > d->limit || r > 0 || r < EW_HTTP_ESWITCH)
		abort();
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest a = {0}, b = {0}, c = {0};
	size_t cut, limit;
	int ra, rb;

	if (size < 2)
		return 0;
	limit = data[1] < 128 ? (size_t)data[1] * 64 : (size_t)1 << 20;
	cut = data[0];
	data += 2;
	size -= 2;
	cut = size ? cut % (size + 1) : 0;
	a.limit = b.limit = c.limit = limit;
	ra = run(data, size, size, &a);
	rb = run(data, size, cut, &b);
	if (ra != rb || a.h != b.h || a.body != b.body)
		abort();
	if (size <= 512 && (run(data, size, SIZE_MAX, &c) != ra || c.h != a.h))
		abort();
	ew_http_req_sniff(data, size);
	return 0;
}
