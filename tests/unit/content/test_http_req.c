// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <criterion/criterion.h>

#include "content/http_req.h"

/* Everything the parser reported, in order, as one byte string. */
struct log {
	char *p;
	size_t n, cap;
	size_t bodies; /* body bytes */
};

static void add(struct log *l, const void *p, size_t n)
{
	if (l->n + n + 1 > l->cap) {
		l->cap = (l->n + n + 1) * 2;
		l->p = realloc(l->p, l->cap);
		cr_assert(l->p);
	}
	memcpy(l->p + l->n, p, n);
	l->n += n;
	l->p[l->n] = '\0';
}

static void on_request(void *arg, const struct ew_http_req_info *r)
{
	char s[4096];
	int k = snprintf(s, sizeof(s), "<%s %s|%s|%s|%s%s%s>", r->method, r->target,
			 r->content_type, r->content_encoding, r->git_push ? "P" : "",
			 r->git_fetch ? "F" : "", r->s3_multipart ? "S" : "");

	add(arg, s, (size_t)k < sizeof(s) ? (size_t)k : sizeof(s) - 1);
}

static void on_body(void *arg, const uint8_t *p, size_t n)
{
	struct log *l = arg;

	cr_assert(n > 0);
	add(l, p, n);
	l->bodies += n;
}

static void on_end(void *arg)
{
	add(arg, "<END>", 5);
}

static const struct ew_http_req_ops ops = {on_request, on_body, on_end};

/* Feed @in cut at @cut (0: whole; SIZE_MAX: a byte at a time). */
static int run(const void *in, size_t n, size_t limit, size_t cut, struct log *l)
{
	struct ew_http_req *h = ew_http_req_open(limit, &ops, l);
	const uint8_t *p = in;
	int r = 0;

	cr_assert(h);
	memset(l, 0, sizeof(*l));
	add(l, "", 0);
	if (cut == SIZE_MAX) {
		for (size_t i = 0; i < n; i++)
			r = ew_http_req_feed(h, p + i, 1);
	} else {
		cut = cut > n ? n : cut;
		r = ew_http_req_feed(h, p, cut);
		r = ew_http_req_feed(h, p + cut, n - cut);
	}
	/* Once stopped, the parser takes nothing more. */
	if (r) {
		size_t before = l->n;

		cr_assert_eq(ew_http_req_feed(h, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18), r);
		cr_assert_eq(l->n, before);
	}
	ew_http_req_close(h);
	return r;
}

/* Every split of @in, and byte at a time, gives @want and @rc. */
static void check(const void *in, size_t n, size_t limit, const void *want, size_t wn, int rc)
{
	struct log l;
	int r;

	for (size_t cut = 0; cut <= n + 1; cut++) {
		r = run(in, n, limit, cut <= n ? cut : SIZE_MAX, &l);
		cr_assert_eq(r, rc, "cut %zu: rc %d (%s), want %d", cut, r, ew_http_req_strerror(r),
			     rc);
		cr_assert_eq(l.n, wn, "cut %zu: got %zu bytes [%s], want %zu [%.*s]", cut, l.n, l.p,
			     wn, (int)wn, (const char *)want);
		cr_assert(!memcmp(l.p, want, wn), "cut %zu: got [%s]", cut, l.p);
		free(l.p);
	}
}

static void check_str(const char *in, const char *want, int rc)
{
	check(in, strlen(in), 1 << 20, want, strlen(want), rc);
}

/* zlib in the test: @wbits 31 gzip, 15 zlib, -15 raw deflate. */
static size_t compress_with(const void *in, size_t n, uint8_t *out, size_t cap, int wbits)
{
	z_stream z = {0};

	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return z.total_out;
}

/* A request with @body framed by Content-Length (@chunk 0) or in chunks of @chunk bytes. */
static size_t request(uint8_t *out, const char *head, const uint8_t *body, size_t n, size_t chunk)
{
	size_t o = (size_t)sprintf((char *)out, "%s%s\r\n\r\n", head,
				   chunk ? "Transfer-Encoding: chunked" : "");

	if (!chunk) {
		o = (size_t)sprintf((char *)out, "%sContent-Length: %zu\r\n\r\n", head, n);
		memcpy(out + o, body, n);
		return o + n;
	}
	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;

		o += (size_t)sprintf((char *)out + o, "%zx;ext=1\r\n", k);
		memcpy(out + o, body + i, k);
		o += k;
		memcpy(out + o, "\r\n", 2);
		o += 2;
	}
	memcpy(out + o, "0\r\nX-Trailer: 1\r\n\r\n", 19);
	return o + 19;
}

#define JSON_BODY                                                                                  \
	"{\"plate\":\"\\u4eacA12345\",\"s\":\"a\\/b\\n\\\"q\\\"\",\"e\":\"\\ud83d\\ude00\","       \
	"\"bad\":\"\\x\\u12G\"}"
#define JSON_DECODED                                                                               \
	"{\"plate\":\"\xe4\xba\xac"                                                                \
	"A12345\",\"s\":\"a/b\n\"q\"\",\"e\":\"\xf0\x9f\x98\x80\",\"bad\":\"\\x\\u12G\"}"

Test(http_req, json_body_content_length)
{
	uint8_t in[1024];
	size_t n = request(in,
			   "POST /v1/track HTTP/1.1\r\nHost: a.test\r\nContent-Type: "
			   "application/json; charset=utf-8\r\n",
			   (const uint8_t *)JSON_BODY, strlen(JSON_BODY), 0);

	check(in, n, 1 << 20,
	      "<POST /v1/track|application/json; charset=utf-8||>" JSON_DECODED "<END>",
	      strlen("<POST /v1/track|application/json; charset=utf-8||>" JSON_DECODED "<END>"), 0);
}

Test(http_req, json_escapes_at_body_end_and_lone_surrogates)
{
	/* A lone high surrogate, a lone low one, a high one followed by no \u. */
	check_str("POST / HTTP/1.1\r\nContent-Type: application/vnd.api+json\r\n"
		  "Content-Length: 23\r\n\r\n\\ud800x\\udc00\\ud800\\n\\u",
		  "<POST /|application/vnd.api+json||>\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd\n\\u"
		  "<END>",
		  0);
}

Test(http_req, form_body)
{
	check_str("POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		  "Content-Length: 36\r\n\r\nvin=LSVAU2180N2183294&n=a+b%2Fc%zz%4",
		  "<POST /f|application/x-www-form-urlencoded||>vin=LSVAU2180N2183294&n=a b/c%zz%4"
		  "<END>",
		  0);
}

Test(http_req, target_decoded_and_pipelined)
{
	check_str("\r\nGET /a%20b?q=x+y%41%00 HTTP/1.1\r\nHost: a\r\n\r\n"
		  "POST http://h.test/p+q HTTP/1.0\r\ncontent-length: 3\r\n\r\nabc"
		  "PUT /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
		  "<GET /a b?q=x yA|||><END><POST http://h.test/p+q|||>abc<END><PUT /x|||><END>",
		  0);
}

Test(http_req, git_and_s3)
{
	check_str(
	    "POST /r.git/git-receive-pack HTTP/1.1\r\n"
	    "Content-Type: application/x-git-receive-pack-request\r\nContent-Length: 0\r\n\r\n"
	    "POST /r.git/git-upload-pack HTTP/1.1\r\n"
	    "Content-Type: application/x-git-upload-pack-request\r\nContent-Length: 0\r\n\r\n"
	    "GET /r.git/info/refs?service=git-receive-pack HTTP/1.1\r\n\r\n"
	    "POST /r.git/git-receive-pack HTTP/1.1\r\nContent-Type: text/plain\r\n\r\n"
	    "PUT /b/k?partNumber=2&uploadId=XyZ HTTP/1.1\r\n\r\n"
	    "PUT /b/k?partNumber=2 HTTP/1.1\r\n\r\n"
	    "POST /b/k?uploads HTTP/1.1\r\n\r\n"
	    "POST /b/k?uploadId=XyZ HTTP/1.1\r\n\r\n"
	    "POST /b/k?partnumber=1&uploadid=1 HTTP/1.1\r\n\r\n",
	    "<POST /r.git/git-receive-pack|application/x-git-receive-pack-request||P><END>"
	    "<POST /r.git/git-upload-pack|application/x-git-upload-pack-request||F><END>"
	    "<GET /r.git/info/refs?service=git-receive-pack|||><END>"
	    "<POST /r.git/git-receive-pack|text/plain||><END>"
	    "<PUT /b/k?partNumber=2&uploadId=XyZ|||S><END>"
	    "<PUT /b/k?partNumber=2|||><END>"
	    "<POST /b/k?uploads|||S><END>"
	    "<POST /b/k?uploadId=XyZ|||S><END>"
	    "<POST /b/k?partnumber=1&uploadid=1|||><END>",
	    0);
}

static void coded(int wbits, const char *ce, size_t chunk)
{
	static uint8_t z[4096], in[8192];
	char head[256], want[4096];
	size_t zn = compress_with(JSON_BODY, strlen(JSON_BODY), z, sizeof(z), wbits);
	size_t n;

	snprintf(head, sizeof(head),
		 "POST /u HTTP/1.1\r\nContent-Type: application/json\r\nContent-Encoding: %s\r\n",
		 ce);
	n = request(in, head, z, zn, chunk);
	snprintf(want, sizeof(want), "<POST /u|application/json|%s|>%s<END>", ce, JSON_DECODED);
	check(in, n, 1 << 20, want, strlen(want), 0);
}

Test(http_req, gzip_deflate_raw_deflate)
{
	coded(31, "gzip", 0);
	coded(31, "x-gzip", 0);
	coded(15, "deflate", 0);
	coded(-15, "deflate", 0);
}

Test(http_req, chunked_and_gzip_together)
{
	coded(31, "gzip", 7);
	coded(31, "gzip", 1);
	coded(-15, "deflate", 3);
}

Test(http_req, chunked_identity_with_bare_lf)
{
	check_str("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "3\r\nabc\r\nA \r\n0123456789\n0\n\n",
		  "<POST /c|||>abc0123456789<END>", 0);
}

Test(http_req, gzip_members)
{
	uint8_t z[256], in[512];
	size_t zn = compress_with("one,", 4, z, sizeof(z), 31);
	size_t n;

	zn += compress_with("two", 3, z + zn, sizeof(z) - zn, 31);
	n = request(in, "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n", z, zn, 0);
	check(in, n, 1 << 20, "<POST /||gzip|>one,two<END>", 27, 0);
}

Test(http_req, corrupt_gzip)
{
	uint8_t z[256], in[512];
	size_t zn = compress_with(JSON_BODY, strlen(JSON_BODY), z, sizeof(z), 31);
	size_t n;
	struct log l;

	/* A flipped byte in the deflate data: the CRC or the codes fail. */
	z[zn / 2] ^= 0x55;
	n = request(in, "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n", z, zn, 0);
	cr_assert_eq(run(in, n, 1 << 20, 0, &l), EW_HTTP_ECORRUPT);
	cr_assert_null(strstr(l.p, "<END>"));
	free(l.p);
	/* Cut short: the body ends inside the stream. */
	zn = compress_with(JSON_BODY, strlen(JSON_BODY), z, sizeof(z), 31);
	n = request(in, "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n", z, zn - 4, 0);
	check(in, n, 1 << 20, "<POST /||gzip|>" JSON_BODY, 15 + strlen(JSON_BODY),
	      EW_HTTP_ECORRUPT);
	/* ... or inside its deflate data. */
	n = request(in, "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n", z, 10, 0);
	check(in, n, 1 << 20, "<POST /||gzip|>", 15, EW_HTTP_ECORRUPT);
	/* Not gzip at all. */
	check_str("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd",
		  "<POST /||gzip|>", EW_HTTP_ECORRUPT);
	/* A gzip member followed by garbage. */
	zn = compress_with("x", 1, z, sizeof(z), 31);
	memcpy(z + zn, "junk", 4);
	n = request(in, "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n", z, zn + 4, 0);
	check(in, n, 1 << 20, "<POST /||gzip|>x", 16, EW_HTTP_ECORRUPT);
}

Test(http_req, framing_errors)
{
	check_str("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "<POST /|||>",
		  EW_HTTP_ECHUNK);
	check_str("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
		  "<POST /|||>a", EW_HTTP_ECHUNK);
	check_str("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "1000000000000000\r\n",
		  "<POST /|||>", EW_HTTP_ECHUNK);
	check_str("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "",
		  EW_HTTP_EPARSE);
	check_str("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "", EW_HTTP_EPARSE);
	check_str("POST / HTTP/1.1\r\nHost : a\r\n\r\n", "", EW_HTTP_EPARSE);
	check_str("POST / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", "", EW_HTTP_EPARSE);
	check_str("POST / HTTP/2.0\r\n\r\n", "", EW_HTTP_EPARSE);
	check_str("\x16\x03\x01\x02\x01\x01\xfc\x03\x03\r\n", "", EW_HTTP_EPARSE);
	check_str("POST / HTTP/1.1\r\nContent-Encoding: br\r\n\r\n", "", EW_HTTP_EENCODING);
	check_str("POST / HTTP/1.1\r\nContent-Encoding: gzip, deflate\r\n\r\n", "",
		  EW_HTTP_EENCODING);
	check_str("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "", EW_HTTP_EENCODING);
	check_str("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "",
		  EW_HTTP_EENCODING);
	check_str("CONNECT a.test:443 HTTP/1.1\r\n\r\n\x16\x03\x01", "<CONNECT a.test:443|||><END>",
		  EW_HTTP_ESWITCH);
	check_str("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x85", "<GET /ws|||><END>",
		  EW_HTTP_ESWITCH);
}

Test(http_req, header_too_long)
{
	size_t n = EW_HTTP_LINE_MAX + 64;
	char *in = malloc(n + 1);
	struct log l;

	cr_assert(in);
	memset(in, 'a', n);
	memcpy(in, "GET / HTTP/1.1\r\nX: ", 19);
	in[n] = '\0';
	cr_assert_eq(run(in, n, 1 << 20, 0, &l), EW_HTTP_EHEADER);
	free(l.p);
	cr_assert_eq(run(in, n, 1 << 20, SIZE_MAX, &l), EW_HTTP_EHEADER);
	free(l.p);
	/* Many short header lines: the block as a whole is bounded. */
	free(in);
	in = malloc(EW_HTTP_HEAD_MAX + 64);
	cr_assert(in);
	n = (size_t)sprintf(in, "GET / HTTP/1.1\r\n");
	while (n + 8 < EW_HTTP_HEAD_MAX + 64)
		n += (size_t)sprintf(in + n, "X: y\r\n");
	cr_assert_eq(run(in, n, 1 << 20, 0, &l), EW_HTTP_EHEADER);
	free(l.p);
	free(in);
}

/* 2 MiB of zeros gzipped (a few KiB) against a 1 MiB limit: exactly 1 MiB comes out. */
Test(http_req, decode_limit)
{
	size_t big = 2 << 20, zn, n;
	uint8_t *zeros = calloc(1, big), *z = malloc(big), *in = malloc(big);
	struct log l;
	size_t cuts[] = {0, 100, 1000, SIZE_MAX};

	cr_assert(zeros && z && in);
	zn = compress_with(zeros, big, z, big, 31);
	cr_assert_lt(zn, 8192);
	n = request(in, "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n", z, zn, 0);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		cr_assert_eq(run(in, n, 1 << 20, cuts[i], &l), EW_HTTP_DECODE_LIMIT);
		cr_assert_eq(l.bodies, 1 << 20);
		free(l.p);
	}
	/* Under the limit, it all comes out; the limit spans the stream's requests. */
	cr_assert_eq(run(in, n, 3 << 20, 0, &l), 0);
	cr_assert_eq(l.bodies, big);
	free(l.p);
	memcpy(in + n, in, n);
	cr_assert_eq(run(in, 2 * n, 3 << 20, 0, &l), EW_HTTP_DECODE_LIMIT);
	cr_assert_eq(l.bodies, 3 << 20);
	free(l.p);
	free(zeros);
	free(z);
	free(in);
}

Test(http_req, identity_limit)
{
	const char *in = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";

	check(in, strlen(in), 4, "<POST /|||>0123", 15, EW_HTTP_DECODE_LIMIT);
	check(in, strlen(in), 10, "<POST /|||>0123456789<END>", 26, 0);
}

Test(http_req, sniff)
{
	static const char *yes[] = {"GET / HTTP/1.1\r\n", "POST /x HTTP/1.0\n", "PUT /a",
				    "GET http://a/ HTTP/1.1\r\n", "CONNECT a:443 HTTP/1.1\r\n"};
	static const char *no[] = {"",
				   "GET",
				   "GET ",
				   "get / HTTP/1.1\r\n",
				   "FOO / HTTP/1.1\r\n",
				   "GET / HTTP/2.0\r\n",
				   "PRI * HTTP/2.0\r\n",
				   "\x16\x03\x01",
				   "GET  /\r\n",
				   "##\x02\xfe"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_assert(ew_http_req_sniff((const uint8_t *)yes[i], strlen(yes[i])), "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_assert(!ew_http_req_sniff((const uint8_t *)no[i], strlen(no[i])), "%s", no[i]);
}

Test(http_req, state_is_bounded)
{
	/* The parser, its line buffer and zlib's bound. */
	cr_assert_lt(ew_http_req_state_size(), 64 * 1024);
	cr_assert_gt(ew_http_req_state_size(), EW_HTTP_LINE_MAX + EW_HTTP_ZLIB_MAX);
}

static size_t slurp(const char *name, uint8_t *buf, size_t cap)
{
	char path[4096];
	const char *root = getenv("EW_SOURCE_ROOT");
	FILE *fp;
	size_t n;

	cr_assert(root);
	snprintf(path, sizeof(path), "%s/tests/data/http-req/%s", root, name);
	fp = fopen(path, "rb");
	cr_assert(fp, "%s", path);
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	cr_assert_lt(n, cap);
	return n;
}

/* What curl 7.88 sent for --data-binary @body.json.gz with gzip and chunked headers. */
Test(http_req, recorded_curl_gzip_chunked)
{
	static uint8_t in[4096], body[4096];
	static char want[8192];
	size_t n = slurp("curl-json-gzip-chunked.bin", in, sizeof(in));
	size_t bn = slurp("curl-json-gzip-chunked.expect", body, sizeof(body));
	size_t wn = (size_t)sprintf(want, "<POST /v1/track|application/json|gzip|>");

	/* The body had the plate as \u4eac: it comes out as UTF-8. */
	cr_assert(memmem(body, bn,
			 "\xe4\xba\xac"
			 "A12345",
			 9));
	memcpy(want + wn, body, bn);
	wn += bn;
	memcpy(want + wn, "<END>", 5);
	check(in, n, 1 << 20, want, wn + 5, 0);
}

/* curl --data-urlencode 'plate=京A12345' ... */
Test(http_req, recorded_curl_form)
{
	uint8_t in[1024];
	size_t n = slurp("curl-form.bin", in, sizeof(in));
	const char *want = "<POST /f|application/x-www-form-urlencoded||>"
			   "plate=\xe4\xba\xac"
			   "A12345&vin=LSVAU218XN2183294&lat=39.904211&lon=116.407395<END>";

	check(in, n, 1 << 20, want, strlen(want), 0);
}
