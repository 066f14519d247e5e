// SPDX-License-Identifier: GPL-2.0-only
/* Raw payload copies → EW_EV_PEER_NAME / EW_EV_DNS_ANSWER / EW_EV_DNS_QUERY, and that the pipeline
 * accepts them. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "synth.h"
#include "pipeline/decode.h"
#include "inspect/payload.h"

#define TS     123456789012ull
#define CPU    3
#define COOKIE 0xc00c1e0000000042ull
#define LPORT  40123

static const char zero_name[EW_NAME_LEN];

/* A payload event as the kernel sends it: h.size = EW_PAYLOAD_HDR + len. */
static struct ew_ev_payload *wrap(uint16_t type, const void *data, size_t len)
{
	struct ew_ev_payload *ev = calloc(1, sizeof(*ev));

	cr_assert_not_null(ev);
	cr_assert_leq(len, EW_PAYLOAD_MAX);
	ev->h.type = type;
	ev->h.size = (uint16_t)(EW_PAYLOAD_HDR + len);
	ev->h.cpu = CPU;
	ev->h.ts_ns = TS;
	ev->cookie = COOKIE;
	ev->raddr[10] = ev->raddr[11] = 0xff;
	ev->raddr[12] = 198, ev->raddr[13] = 18, ev->raddr[14] = 0, ev->raddr[15] = 9;
	ev->rport = 443;
	ev->lport = LPORT;
	ev->len = (uint16_t)len;
	ev->wire_len = (uint32_t)len;
	memcpy(ev->data, data, len);
	return ev;
}

static size_t ev_len(const struct ew_ev_payload *ev)
{
	return EW_PAYLOAD_HDR + ev->len;
}

/* The pipeline's first stage must accept what payload.c hands it, unchanged. */
static void decodes(const void *e, size_t len)
{
	union ew_event out;

	cr_assert_eq(ew_decode(e, len, &out), EW_DEC_OK, "an event made by payload.c was refused");
	cr_assert_eq(memcmp(&out, e, len), 0, "decode changed an event made by payload.c");
}

static void peer_name(const struct ew_ev_payload *ev, size_t len, struct ew_ev_peer_name *out)
{
	memset(out, 0xa5, sizeof(*out)); /* "always filled": no stale bytes survive */
	ew_payload_peer_name(ev, len, out);
	cr_assert_eq(out->h.type, EW_EV_PEER_NAME);
	cr_assert_eq(out->h.size, sizeof(*out));
	cr_assert_eq(out->h.cpu, CPU);
	cr_assert_eq(out->h.ts_ns, TS);
	cr_assert_eq(out->cookie, COOKIE);
	cr_assert_eq(out->_pad, 0);
}

Test(payload, struct_layout)
{
	cr_assert_eq(offsetof(struct ew_ev_payload, data), EW_PAYLOAD_HDR);
	cr_assert_eq(sizeof(struct ew_ev_payload), EW_PAYLOAD_HDR + EW_PAYLOAD_MAX);
}

static void hello(const char *client, const char *want)
{
	uint8_t buf[4096];
	char file[64];
	size_t n;
	struct ew_ev_payload *ev;
	struct ew_ev_peer_name out;

	snprintf(file, sizeof(file), "clienthello-%s.bin", client);
	n = synth_load_data(file, buf, sizeof(buf));
	ev = wrap(EW_EV_TCP_PAYLOAD, buf, n);
	peer_name(ev, ev_len(ev), &out);
	cr_assert_eq(out.result, EW_PARSE_OK, "%s: result %u", client, out.result);
	cr_assert_eq(out.source, EW_NAME_SNI, "%s", client);
	cr_assert_str_eq(out.name, want);
	cr_assert_eq(out.name_len, strlen(want), "%s", client);
	for (size_t i = strlen(want); i < sizeof(out.name); i++)
		cr_assert_eq(out.name[i], 0, "%s: byte %zu after the name", client, i);
	decodes(&out, sizeof(out));

	/* The first 60 bytes: a consistent start, the name not reached yet. */
	free(ev);
	ev = wrap(EW_EV_TCP_PAYLOAD, buf, 60);
	peer_name(ev, ev_len(ev), &out);
	cr_assert_eq(out.result, EW_PARSE_SHORT, "%s truncated: result %u", client, out.result);
	cr_assert_eq(out.source, EW_NAME_SNI);
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
	decodes(&out, sizeof(out));
	free(ev);
}

Test(payload, hello_curl)
{
	hello("curl", "example.test");
}

Test(payload, hello_openssl)
{
	hello("openssl", "openssl.test");
}

Test(payload, hello_python)
{
	hello("python", "python.test");
}

Test(payload, hello_wget)
{
	hello("wget", "wget.test");
}

Test(payload, hello_gnutls)
{
	hello("gnutls", "gnutls.test");
}

Test(payload, hello_without_sni_is_none)
{
	uint8_t buf[4096];
	size_t n = synth_load_data("clienthello-openssl-nosni.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev = wrap(EW_EV_TCP_PAYLOAD, buf, n);
	struct ew_ev_peer_name out;

	peer_name(ev, ev_len(ev), &out);
	cr_assert_eq(out.result, EW_PARSE_NONE);
	cr_assert_eq(out.source, EW_NAME_SNI);
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
	decodes(&out, sizeof(out));
	free(ev);
	ev = wrap(EW_EV_TCP_PAYLOAD, buf, 60);
	peer_name(ev, ev_len(ev), &out);
	cr_assert_eq(out.result, EW_PARSE_SHORT);
	decodes(&out, sizeof(out));
	free(ev);
}

static struct ew_ev_peer_name http(const char *req)
{
	struct ew_ev_payload *ev = wrap(EW_EV_TCP_PAYLOAD, req, strlen(req));
	struct ew_ev_peer_name out;

	peer_name(ev, ev_len(ev), &out);
	cr_assert_eq(out.source, EW_NAME_HTTP_HOST, "%s", req);
	decodes(&out, sizeof(out));
	free(ev);
	return out;
}

Test(payload, http_host)
{
	struct ew_ev_peer_name out = http("GET / HTTP/1.1\r\nHost: Web.Example.HK:8080\r\n\r\n");

	cr_assert_eq(out.result, EW_PARSE_OK);
	cr_assert_str_eq(out.name, "web.example.hk");
	cr_assert_eq(out.name_len, 14);
	for (size_t i = 14; i < sizeof(out.name); i++)
		cr_assert_eq(out.name[i], 0);

	/* One trailing dot is the same name. */
	out = http("GET / HTTP/1.1\r\nHost: Example.COM.\r\n\r\n");
	cr_assert_eq(out.result, EW_PARSE_OK);
	cr_assert_str_eq(out.name, "example.com");
	cr_assert_eq(out.name_len, 11);
	cr_assert_eq(out.name[11], 0);

	/* Absolute form wins over Host. */
	out = http("GET http://abs.example.de/x HTTP/1.1\r\nHost: other.example\r\n\r\n");
	cr_assert_eq(out.result, EW_PARSE_OK);
	cr_assert_str_eq(out.name, "abs.example.de");
	cr_assert_eq(out.name_len, 14);
}

Test(payload, http_outcomes)
{
	struct ew_ev_peer_name out;

	/* HTTP/1.0 without Host: well formed, no name. */
	out = http("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n");
	cr_assert_eq(out.result, EW_PARSE_NONE);
	cr_assert_eq(out.name_len, 0);
	/* The Host line not captured yet. */
	out = http("GET / HTTP/1.1\r\nHost: web.exa");
	cr_assert_eq(out.result, EW_PARSE_SHORT);
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
	/* HTTP, but a hostile Host: no name whatever the class (see bug_hostile_host_is_bad). */
	out = http("GET / HTTP/1.1\r\nHost: a/b.test\r\n\r\n");
	cr_assert(out.result == EW_PARSE_BAD || out.result == EW_PARSE_OTHER, "result %u",
		  out.result);
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
}

Test(payload, address_literals_are_not_names)
{
	struct ew_ev_peer_name out;

	out = http("GET / HTTP/1.1\r\nHost: 198.18.0.9:80\r\n\r\n");
	cr_assert_eq(out.result, EW_PARSE_NONE);
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
	out = http("GET / HTTP/1.1\r\nHost: [2001:DB8::9]:8080\r\n\r\n");
	cr_assert_eq(out.result, EW_PARSE_NONE);
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
}

Test(payload, other_protocols)
{
	static const uint8_t bin[] = {0x00, 0x00, 0x00, 0x2c, 0xff, 0x53, 0x4d, 0x42, 0x72, 0x00};
	struct ew_ev_payload *ev = wrap(EW_EV_TCP_PAYLOAD, bin, sizeof(bin));
	struct ew_ev_peer_name out;

	peer_name(ev, ev_len(ev), &out);
	cr_assert_eq(out.result, EW_PARSE_OTHER);
	cr_assert_eq(out.source, EW_NAME_HTTP_HOST);
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
	decodes(&out, sizeof(out));
	free(ev);
	/* An SSH banner is a line, but no request line. */
	out = http("SSH-2.0-OpenSSH_9.6\r\n");
	cr_assert_eq(out.result, EW_PARSE_OTHER);
	cr_assert_eq(out.name_len, 0);
}

/* A header that lies about its length gives BAD, no name, and reads nothing past it. */
Test(payload, lying_headers_are_bad)
{
	uint8_t buf[4096];
	size_t n = synth_load_data("clienthello-curl.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev = wrap(EW_EV_TCP_PAYLOAD, buf, n);
	struct ew_ev_peer_name out;
	size_t len = ev_len(ev);

	/* The baseline is a name: each lie alone turns it into BAD. */
	peer_name(ev, len, &out);
	cr_assert_eq(out.result, EW_PARSE_OK);

	ev->h.size = (uint16_t)(len + 1);
	peer_name(ev, len, &out);
	cr_assert_eq(out.result, EW_PARSE_BAD, "h.size one more than hdr + len");
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
	ev->h.size = (uint16_t)(len - 1);
	peer_name(ev, len, &out);
	cr_assert_eq(out.result, EW_PARSE_BAD, "h.size one less than hdr + len");

	ev->h.size = (uint16_t)len;
	peer_name(ev, len - 1, &out);
	cr_assert_eq(out.result, EW_PARSE_BAD, "received one byte less than h.size");
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
	peer_name(ev, len + 1, &out);
	cr_assert_eq(out.result, EW_PARSE_BAD, "received one byte more than h.size");
	/* Shorter than the payload header: nothing past the length is read. */
	ew_payload_peer_name(ev, EW_PAYLOAD_HDR - 1, &out);
	cr_assert_eq(out.result, EW_PARSE_BAD, "shorter than the payload header");
	cr_assert_eq(out.cookie, 0, "the cookie lies beyond the bytes received");
	decodes(&out, sizeof(out));

	/* len beyond the buffer, with h.size and the length agreeing with it. */
	ev->len = EW_PAYLOAD_MAX + 1;
	ev->h.size = EW_PAYLOAD_HDR + EW_PAYLOAD_MAX + 1;
	peer_name(ev, ev->h.size, &out);
	cr_assert_eq(out.result, EW_PARSE_BAD, "len > EW_PAYLOAD_MAX");
	cr_assert_eq(out.name_len, 0);
	cr_assert_eq(memcmp(out.name, zero_name, sizeof(zero_name)), 0);
	free(ev);
}

/* The largest payload is fine: EW_PAYLOAD_MAX bytes of an HTTP request. */
Test(payload, full_size_payload)
{
	char *req = calloc(1, EW_PAYLOAD_MAX + 1);
	const char *head = "GET / HTTP/1.1\r\nHost: big.example.de\r\nX-Pad: ";
	struct ew_ev_payload *ev;
	struct ew_ev_peer_name out;

	strcpy(req, head);
	memset(req + strlen(head), 'p', EW_PAYLOAD_MAX - strlen(head));
	ev = wrap(EW_EV_TCP_PAYLOAD, req, EW_PAYLOAD_MAX);
	cr_assert_eq(ev->h.size, EW_PAYLOAD_HDR + EW_PAYLOAD_MAX);
	cr_assert(ew_payload_len_ok(ev, ev_len(ev)));
	peer_name(ev, ev_len(ev), &out);
	cr_assert_eq(out.result, EW_PARSE_OK);
	cr_assert_str_eq(out.name, "big.example.de");
	free(ev);
	free(req);
}

Test(payload, len_ok)
{
	struct ew_ev_payload *ev = wrap(EW_EV_DNS_PAYLOAD, "abcd", 4);

	cr_assert(ew_payload_len_ok(ev, EW_PAYLOAD_HDR + 4));
	cr_assert_not(ew_payload_len_ok(ev, EW_PAYLOAD_HDR + 3));
	cr_assert_not(ew_payload_len_ok(ev, EW_PAYLOAD_HDR + 5));
	cr_assert_not(ew_payload_len_ok(ev, 16));
	ev->len = 0;
	ev->h.size = EW_PAYLOAD_HDR;
	cr_assert(ew_payload_len_ok(ev, EW_PAYLOAD_HDR));
	free(ev);
}

/* DNS: the answers a response gave, collected by the sink. */
struct answers {
	int n;
	struct ew_ev_dns_answer a[8];
};

static void collect(const struct ew_ev_dns_answer *a, void *arg)
{
	struct answers *s = arg;

	cr_assert_lt(s->n, 8);
	s->a[s->n++] = *a;
}

static int dns(const struct ew_ev_payload *ev, size_t len, struct answers *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = ew_payload_dns(ev, len, collect, s);
	cr_assert_eq(rc, s->n, "return %d, %d events", rc, s->n);
	for (int i = 0; i < s->n; i++) {
		const struct ew_ev_dns_answer *a = &s->a[i];

		cr_assert_eq(a->h.type, EW_EV_DNS_ANSWER);
		cr_assert_eq(a->h.size, sizeof(*a));
		cr_assert_eq(a->h.cpu, CPU);
		cr_assert_eq(a->h.ts_ns, TS);
		cr_assert_eq(a->_pad, 0);
		decodes(a, sizeof(*a));
	}
	return rc;
}

static void no_answer(const struct ew_ev_dns_answer *a, uint8_t result)
{
	static const uint8_t zero16[16];

	cr_assert_eq(a->result, result, "result %u, want %u", a->result, result);
	cr_assert_eq(a->name_len, 0);
	cr_assert_eq(a->ttl, 0);
	cr_assert_eq(memcmp(a->addr, zero16, 16), 0);
	cr_assert_eq(memcmp(a->name, zero_name, sizeof(zero_name)), 0);
}

/* Recorded from dnsmasq: www.a.test CNAME b.test, b.test A 198.18.0.9 (TTL 0). */
Test(payload, dns_recorded_a)
{
	static const uint8_t v4[16] = {[10] = 0xff, [11] = 0xff, 198, 18, 0, 9};
	uint8_t buf[512];
	size_t n = synth_load_data("dns-dnsmasq-cname-a.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev = wrap(EW_EV_DNS_PAYLOAD, buf, n);
	struct answers s;

	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	cr_assert_eq(s.a[0].result, EW_PARSE_OK);
	cr_assert_str_eq(s.a[0].name, "www.a.test");
	cr_assert_eq(s.a[0].name_len, 10);
	for (size_t i = 10; i < sizeof(s.a[0].name); i++)
		cr_assert_eq(s.a[0].name[i], 0);
	cr_assert_arr_eq(s.a[0].addr, v4, 16);
	cr_assert_eq(s.a[0].ttl, 0);
	free(ev);
}

Test(payload, dns_recorded_aaaa)
{
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};
	uint8_t buf[512];
	size_t n = synth_load_data("dns-dnsmasq-cname-aaaa.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev = wrap(EW_EV_DNS_PAYLOAD, buf, n);
	struct answers s;

	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	cr_assert_eq(s.a[0].result, EW_PARSE_OK);
	cr_assert_str_eq(s.a[0].name, "www.a.test");
	cr_assert_eq(s.a[0].name_len, 10);
	cr_assert_arr_eq(s.a[0].addr, v6, 16);
	cr_assert_eq(s.a[0].ttl, 0);
	free(ev);
}

/* Two A records for the question (a round-robin answer): one event each, in order. */
Test(payload, dns_two_addresses)
{
	static const uint8_t msg[] = {
	    0x12, 0x34, 0x81, 0x80, 0, 1,   0,	 2,   0,   0,	0,   0,	     /* header */
	    3,	  'A',	'p',  'I',  7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 2, /* API.example.de */
	    'd',  'e',	0,    0,    1, 0,   1,				     /* A IN */
	    0xc0, 12,	0,    1,    0, 1,   0,	 0,   0,   30,	0,   4,	  203,
	    0,	  113,	7, /* A, TTL 30 */
	    0xc0, 12,	0,    1,    0, 1,   0,	 0,   1,   44,	0,   4,	  203,
	    0,	  113,	8, /* A, TTL 300 */
	};
	static const uint8_t a7[16] = {[10] = 0xff, [11] = 0xff, 203, 0, 113, 7};
	static const uint8_t a8[16] = {[10] = 0xff, [11] = 0xff, 203, 0, 113, 8};
	struct ew_ev_payload *ev = wrap(EW_EV_DNS_PAYLOAD, msg, sizeof(msg));
	struct answers s;

	cr_assert_eq(dns(ev, ev_len(ev), &s), 2);
	cr_assert_str_eq(s.a[0].name, "api.example.de");
	cr_assert_eq(s.a[0].name_len, 14);
	cr_assert_arr_eq(s.a[0].addr, a7, 16);
	cr_assert_eq(s.a[0].ttl, 30);
	cr_assert_str_eq(s.a[1].name, "api.example.de");
	cr_assert_arr_eq(s.a[1].addr, a8, 16);
	cr_assert_eq(s.a[1].ttl, 300);
	cr_assert_eq(s.a[0].result, EW_PARSE_OK);
	cr_assert_eq(s.a[1].result, EW_PARSE_OK);
	free(ev);
}

Test(payload, dns_outcomes)
{
	uint8_t buf[512], copy[512];
	size_t n = synth_load_data("dns-dnsmasq-cname-a.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev;
	struct answers s;

	/* NXDOMAIN: well formed, no address. */
	memcpy(copy, buf, n);
	copy[3] = (uint8_t)((copy[3] & 0xf0) | 3);
	ev = wrap(EW_EV_DNS_PAYLOAD, copy, n);
	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	no_answer(&s.a[0], EW_PARSE_NONE);
	free(ev);

	/* A query, not a response: malformed for us. */
	memcpy(copy, buf, n);
	copy[2] &= 0x7f;
	ev = wrap(EW_EV_DNS_PAYLOAD, copy, n);
	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	no_answer(&s.a[0], EW_PARSE_BAD);
	free(ev);

	/* A compression pointer to itself. */
	memcpy(copy, buf, n);
	copy[0x1c] = 0xc0, copy[0x1d] = 0x1c;
	ev = wrap(EW_EV_DNS_PAYLOAD, copy, n);
	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	no_answer(&s.a[0], EW_PARSE_BAD);
	free(ev);

	/* The first 60 of 64 bytes: the A record's data is cut. */
	ev = wrap(EW_EV_DNS_PAYLOAD, buf, 60);
	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	no_answer(&s.a[0], EW_PARSE_SHORT);
	free(ev);

	/* No answer section at all: NONE. */
	memcpy(copy, buf, n);
	copy[7] = 0;
	ev = wrap(EW_EV_DNS_PAYLOAD, copy, 28);
	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	no_answer(&s.a[0], EW_PARSE_NONE);
	free(ev);

	/* A header that lies. */
	ev = wrap(EW_EV_DNS_PAYLOAD, buf, n);
	cr_assert_eq(dns(ev, ev_len(ev) - 1, &s), 1);
	no_answer(&s.a[0], EW_PARSE_BAD);
	ev->len = EW_PAYLOAD_MAX + 1;
	ev->h.size = EW_PAYLOAD_HDR + EW_PAYLOAD_MAX + 1;
	cr_assert_eq(dns(ev, ev->h.size, &s), 1);
	no_answer(&s.a[0], EW_PARSE_BAD);
	free(ev);
}

/* Single-bit flips of a sample, fed through payload.c: every event must decode. */
static void mutate(const uint8_t *buf, size_t n, uint16_t type, unsigned int seed)
{
	srand(seed);
	for (int i = 0; i < 3000; i++) {
		struct ew_ev_payload *ev = wrap(type, buf, n);
		struct ew_ev_peer_name out;
		struct answers s;

		for (int k = 0; k < 1 + i % 4; k++)
			ev->data[(size_t)rand() % n] ^= (uint8_t)(1u << (rand() % 8));
		if (type == EW_EV_TCP_PAYLOAD) {
			peer_name(ev, ev_len(ev), &out);
			cr_assert(out.source == EW_NAME_SNI || out.source == EW_NAME_HTTP_HOST);
			cr_assert_lt(out.result, EW_PARSE_MAX);
			decodes(&out, sizeof(out));
		} else {
			cr_assert_geq(dns(ev, ev_len(ev), &s), 1);
		}
		free(ev);
	}
}

Test(payload, mutated_payloads_always_decode)
{
	static const char req[] = "GET /index.html HTTP/1.1\r\nUser-Agent: curl/8.5.0\r\n"
				  "Host: www.example.hk:8080\r\nAccept: */*\r\n\r\n";
	const char *files[] = {"clienthello-curl.bin", "clienthello-gnutls.bin",
			       "clienthello-openssl-nosni.bin"};
	uint8_t buf[4096];

	for (size_t fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++)
		mutate(buf, synth_load_data(files[fi], buf, sizeof(buf)), EW_EV_TCP_PAYLOAD,
		       7 + (unsigned)fi);
	mutate((const uint8_t *)req, sizeof(req) - 1, EW_EV_TCP_PAYLOAD, 11);
}

/*
 * Whatever the bytes, payload.c makes events ew_decode() accepts, so they
 * are counted as parse outcomes, never as decode errors (lost_total).
 */

/* A lying header still sets a source, so the BAD result decodes. */
Test(payload, lying_header_event_decodes)
{
	uint8_t buf[4096];
	size_t n = synth_load_data("clienthello-curl.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev = wrap(EW_EV_TCP_PAYLOAD, buf, n);
	struct ew_ev_peer_name out;

	peer_name(ev, ev_len(ev) - 1, &out);
	cr_assert_eq(out.result, EW_PARSE_BAD);
	decodes(&out, sizeof(out));
	free(ev);
}

/* "Host: ." or "Host: a..": every trailing dot goes; nothing left is BAD. */
Test(payload, dots_only_host_decodes)
{
	const char *reqs[] = {"GET / HTTP/1.1\r\nHost: .\r\n\r\n",
			      "GET / HTTP/1.1\r\nHost: a..\r\n\r\n",
			      "GET / HTTP/1.1\r\nHost: ..\r\n\r\n"};

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct ew_ev_payload *ev = wrap(EW_EV_TCP_PAYLOAD, reqs[i], strlen(reqs[i]));
		struct ew_ev_peer_name out;

		peer_name(ev, ev_len(ev), &out);
		decodes(&out, sizeof(out));
		free(ev);
	}
}

/* An A record owned by the root (question ".") names nothing: one BAD event. */
Test(payload, root_name_answer_decodes)
{
	static const uint8_t msg[] = {
	    0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0,  0, 0,		     /* header */
	    0,	  0,	1,    0,    1,					     /* ". A IN" */
	    0xc0, 12,	0,    1,    0, 1, 0, 0, 0, 30, 0, 4, 203, 0, 113, 7, /* A */
	};
	struct ew_ev_payload *ev = wrap(EW_EV_DNS_PAYLOAD, msg, sizeof(msg));
	struct answers s;

	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	free(ev);
}

/* The same, reached by bit flips of the recorded answers (an owner pointer moved onto a root
 * label). */
Test(payload, mutated_dns_answers_decode)
{
	uint8_t buf[512];

	mutate(buf, synth_load_data("dns-dnsmasq-cname-a.bin", buf, sizeof(buf)), EW_EV_DNS_PAYLOAD,
	       9);
	mutate(buf, synth_load_data("dns-dnsmasq-cname-aaaa.bin", buf, sizeof(buf)),
	       EW_EV_DNS_PAYLOAD, 10);
}

/* A request line that starts like HTTP makes a hostile Host BAD, not OTHER. */
Test(payload, hostile_host_is_bad)
{
	struct ew_ev_peer_name out = http("GET / HTTP/1.1\r\nHost: a/b.test\r\n\r\n");

	cr_assert_eq(out.result, EW_PARSE_BAD, "result %u", out.result);
}

/* Answers carry their response's transaction: the server, its port, this host's port, the id. */
Test(payload, dns_answers_carry_transaction)
{
	static const uint8_t server[16] = {[10] = 0xff, [11] = 0xff, 198, 18, 0, 9};
	uint8_t buf[512];
	size_t n = synth_load_data("dns-dnsmasq-reply-a.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev = wrap(EW_EV_DNS_PAYLOAD, buf, n);
	struct answers s;

	ev->rport = 53;
	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	cr_assert_eq(s.a[0].result, EW_PARSE_OK);
	cr_assert_str_eq(s.a[0].name, "www.a.test");
	cr_assert_arr_eq(s.a[0].server, server, 16);
	cr_assert_eq(s.a[0].server_port, 53);
	cr_assert_eq(s.a[0].client_port, LPORT);
	cr_assert_eq(s.a[0].txid, 0x8026);
	cr_assert_eq(s.a[0]._pad2, 0);

	/* A response that gave no address still says its transaction. */
	buf[3] |= 3; /* NXDOMAIN */
	free(ev);
	ev = wrap(EW_EV_DNS_PAYLOAD, buf, n);
	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	no_answer(&s.a[0], EW_PARSE_NONE);
	cr_assert_eq(s.a[0].client_port, LPORT);
	cr_assert_eq(s.a[0].txid, 0x8026);
	free(ev);
}

/* Without this host's port a response could pass for an ABI 2.0 one, believed unmatched. */
Test(payload, dns_response_without_local_port_is_bad)
{
	static const uint8_t zero16[16];
	uint8_t buf[512];
	size_t n = synth_load_data("dns-dnsmasq-reply-a.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev = wrap(EW_EV_DNS_PAYLOAD, buf, n);
	struct ew_ev_dns_query q;
	struct answers s;

	ev->lport = 0;
	cr_assert_eq(dns(ev, ev_len(ev), &s), 1);
	no_answer(&s.a[0], EW_PARSE_BAD);
	cr_assert_eq(s.a[0].client_port, 0);
	cr_assert_arr_eq(s.a[0].server, zero16, 16);
	free(ev);
	n = synth_load_data("dns-dig-query-a.bin", buf, sizeof(buf));
	ev = wrap(EW_EV_DNS_QUERY_PAYLOAD, buf, n);
	ev->lport = 0;
	ew_payload_dns_query(ev, ev_len(ev), &q);
	cr_assert_eq(q.result, EW_PARSE_BAD);
	cr_assert_eq(q.name_len, 0);
	decodes(&q, sizeof(q));
	free(ev);
}

static void dns_query(const struct ew_ev_payload *ev, size_t len, struct ew_ev_dns_query *q)
{
	memset(q, 0xa5, sizeof(*q)); /* "always filled": no stale bytes survive */
	ew_payload_dns_query(ev, len, q);
	cr_assert_eq(q->h.type, EW_EV_DNS_QUERY);
	cr_assert_eq(q->h.size, sizeof(*q));
	cr_assert_eq(q->h.cpu, CPU);
	cr_assert_eq(q->h.ts_ns, TS);
	cr_assert_eq(q->_pad, 0);
	cr_assert_eq(q->_pad2, 0);
	cr_assert_lt(q->result, EW_PARSE_MAX);
	if (q->result != EW_PARSE_OK) {
		cr_assert_eq(q->name_len, 0);
		cr_assert_eq(memcmp(q->name, zero_name, sizeof(zero_name)), 0);
	}
	decodes(q, sizeof(*q));
}

/* Recorded: dig asked for WWW.A.test (mixed case) type A, id 0x8026. */
Test(payload, dns_query_recorded)
{
	static const uint8_t server[16] = {[10] = 0xff, [11] = 0xff, 198, 18, 0, 9};
	uint8_t buf[512];
	size_t n = synth_load_data("dns-dig-query-a.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev = wrap(EW_EV_DNS_QUERY_PAYLOAD, buf, n);
	struct ew_ev_dns_query q;

	ev->rport = 53;
	dns_query(ev, ev_len(ev), &q);
	cr_assert_eq(q.result, EW_PARSE_OK);
	cr_assert_str_eq(q.name, "www.a.test");
	cr_assert_eq(q.name_len, 10);
	for (size_t i = 10; i < sizeof(q.name); i++)
		cr_assert_eq(q.name[i], 0);
	cr_assert_eq(q.qtype, 1);
	cr_assert_eq(q.txid, 0x8026);
	cr_assert_arr_eq(q.server, server, 16);
	cr_assert_eq(q.server_port, 53);
	cr_assert_eq(q.client_port, LPORT);
	free(ev);
}

Test(payload, dns_query_outcomes)
{
	uint8_t buf[512], copy[512];
	size_t n = synth_load_data("dns-dig-query-a.bin", buf, sizeof(buf));
	struct ew_ev_payload *ev;
	struct ew_ev_dns_query q;

	/* Cut inside the question: SHORT, the id already known. */
	ev = wrap(EW_EV_DNS_QUERY_PAYLOAD, buf, 20);
	dns_query(ev, ev_len(ev), &q);
	cr_assert_eq(q.result, EW_PARSE_SHORT);
	cr_assert_eq(q.txid, 0x8026);
	free(ev);

	/* No question: NONE. */
	memcpy(copy, buf, n);
	copy[5] = 0;
	ev = wrap(EW_EV_DNS_QUERY_PAYLOAD, copy, n);
	dns_query(ev, ev_len(ev), &q);
	cr_assert_eq(q.result, EW_PARSE_NONE);
	free(ev);

	/* A response sent to port 53 is no query of ours: BAD. */
	n = synth_load_data("dns-dnsmasq-reply-a.bin", buf, sizeof(buf));
	ev = wrap(EW_EV_DNS_QUERY_PAYLOAD, buf, n);
	dns_query(ev, ev_len(ev), &q);
	cr_assert_eq(q.result, EW_PARSE_BAD);

	/* Headers that lie. */
	dns_query(ev, ev_len(ev) - 1, &q);
	cr_assert_eq(q.result, EW_PARSE_BAD);
	cr_assert_eq(q.client_port, 0);
	ev->len = EW_PAYLOAD_MAX + 1;
	ev->h.size = EW_PAYLOAD_HDR + EW_PAYLOAD_MAX + 1;
	dns_query(ev, ev->h.size, &q);
	cr_assert_eq(q.result, EW_PARSE_BAD);
	free(ev);
}

/* Bit flips of the recorded query: every event decodes, and a name is always lowercase. */
Test(payload, mutated_dns_queries_decode)
{
	uint8_t buf[512];
	size_t n = synth_load_data("dns-dig-query-a.bin", buf, sizeof(buf));
	int ok = 0;

	srand(12);
	for (int i = 0; i < 3000; i++) {
		struct ew_ev_payload *ev = wrap(EW_EV_DNS_QUERY_PAYLOAD, buf, n);
		struct ew_ev_dns_query q;

		for (int k = 0; k < 1 + i % 4; k++)
			ev->data[(size_t)rand() % n] ^= (uint8_t)(1u << (rand() % 8));
		dns_query(ev, ev_len(ev), &q);
		ok += q.result == EW_PARSE_OK;
		free(ev);
	}
	cr_assert_gt(ok, 0, "no mutation kept a question: the test exercises nothing");
}
