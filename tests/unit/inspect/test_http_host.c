// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "inspect/http_host.h"

static int host(const char *req, char *out)
{
	return ew_http_host((const uint8_t *)req, strlen(req), out, 254);
}

static void ok(const char *req, const char *want)
{
	char out[254];

	cr_assert_eq(host(req, out), 0, "%s", req);
	cr_assert_str_eq(out, want);
}

static void bad(const char *req, int err)
{
	char out[254];

	cr_assert_eq(host(req, out), err, "%s", req);
}

/* What curl 7.88 sends for curl http://Example.TEST:8080/x. */
#define CURL_REQ                                                                                   \
	"GET /x HTTP/1.1\r\nHost: Example.TEST:8080\r\nUser-Agent: curl/7.88.1\r\n"                \
	"Accept: */*\r\n\r\n"

Test(http_host, typical_requests)
{
	ok(CURL_REQ, "example.test");
	ok("POST /api HTTP/1.1\r\nContent-Length: 0\r\nhost:a.test\r\n\r\n", "a.test");
	ok("GET / HTTP/1.1\r\nHOST: \t a.test \t\r\n\r\n", "a.test");
	ok("GET / HTTP/1.1\r\nHost: [2001:DB8::1]:80\r\n\r\n", "2001:db8::1");
	ok("GET / HTTP/1.1\r\nHost: a.test:\r\n\r\n", "a.test");
	/* The first Host suffices: the rest of the headers need not be captured. */
	ok("GET / HTTP/1.1\r\nHost: a.test\r\nAcc", "a.test");
	/* Absolute form wins over Host (RFC 9112 3.2.2). */
	ok("GET http://Proxy.Test:3128/x?y HTTP/1.1\r\nHost: other.test\r\n\r\n", "proxy.test");
}

Test(http_host, no_host)
{
	bad("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", -ENOENT);
	bad("GET / HTTP/1.0\r\n\r\n", -ENOENT);
}

Test(http_host, truncation_at_every_offset)
{
	const char *req = CURL_REQ;
	size_t end = strstr(req, "8080\r\n") - req + 5; /* through the Host line's CRLF */
	char out[254];

	for (size_t cut = 0; cut <= strlen(req); cut++) {
		int r = ew_http_host((const uint8_t *)req, cut, out, sizeof(out));

		if (cut <= end)
			cr_assert_eq(r, -EAGAIN, "cut at %zu: %d", cut, r);
		else
			cr_assert(r == 0 && !strcmp(out, "example.test"), "cut at %zu", cut);
	}
}

Test(http_host, malformed)
{
	bad("\x16\x03\x01\x02\x00", -EINVAL); /* TLS, not HTTP */
	bad("GET / HTTP/2.0\r\nHost: a.test\r\n\r\n", -EINVAL);
	bad("GET /  HTTP/1.1\r\nHost: a.test\r\n\r\n", -EINVAL);
	bad("GET / HTTP/1.1\nHost: a.test\n\n", -EINVAL);
	bad("GET / HTTP/1.1\r\nHost: a.test\rX\r\n\r\n", -EINVAL);
	bad("GET / HTTP/1.1\r\nHost:\r\n\r\n", -EINVAL);
	bad("GET / HTTP/1.1\r\nHost: a test\r\n\r\n", -EINVAL);
	bad("GET / HTTP/1.1\r\nHost: a.test:80x\r\n\r\n", -EINVAL);
	bad("GET / HTTP/1.1\r\nHost: a.test:123456\r\n\r\n", -EINVAL);
	bad("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", -EINVAL);
	bad("GET / HTTP/1.1\r\nHost: a.te\x01st\r\n\r\n", -EINVAL);
	bad("GET / HTTP/1.1\r\nX: y\r\n Host: a.test\r\n\r\n", -EINVAL);
	bad("GET / HTTP/1.1\r\nBad Name: y\r\nHost: a.test\r\n\r\n", -EINVAL);
	bad("GET http://user@a.test/ HTTP/1.1\r\n\r\n", -EINVAL);
}

Test(http_host, name_lengths)
{
	char req[600], out[254];
	char name[260];

	memset(name, 'a', 254);
	name[254] = '\0';
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", name);
	cr_assert_eq(host(req, out), -EINVAL);
	name[253] = '\0';
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", name);
	cr_assert_eq(host(req, out), 0);
	cr_assert_eq(strlen(out), 253);
	cr_assert_eq(ew_http_host((const uint8_t *)req, strlen(req), out, 253), -ENOSPC);
}
