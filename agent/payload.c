// SPDX-License-Identifier: GPL-2.0-only
#include "payload.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "addr.h"
#include "dns_msg.h"
#include "http_host.h"
#include "tls_sni.h"

#define TLS_HANDSHAKE 0x16

int ew_payload_len_ok(const struct ew_ev_payload *ev, size_t len)
{
	return len >= EW_PAYLOAD_HDR && ev->len <= EW_PAYLOAD_MAX &&
	       ev->h.size == EW_PAYLOAD_HDR + ev->len && len == ev->h.size;
}

static uint8_t parse_result(int rc)
{
	switch (rc) {
	case 0:
		return EW_PARSE_OK;
	case -ENOENT:
		return EW_PARSE_NONE;
	case -EAGAIN:
		return EW_PARSE_SHORT;
	default:
		return EW_PARSE_BAD;
	}
}

static bool is_address(const char *name)
{
	uint8_t a[16];

	return ew_addr_parse(name, a) == 0;
}

void ew_payload_peer_name(const struct ew_ev_payload *ev, size_t len, struct ew_ev_peer_name *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->h.type = EW_EV_PEER_NAME;
	out->h.size = sizeof(*out);
	out->h.cpu = ev->h.cpu;
	out->h.ts_ns = ev->h.ts_ns;
	out->cookie = ev->cookie;
	if (!ew_payload_len_ok(ev, len)) {
		out->result = EW_PARSE_BAD;
		return;
	}
	/* A TLS record starts with its content type; an HTTP request with a
	 * method token, which is never 0x16. */
	if (ev->data[0] == TLS_HANDSHAKE) {
		rc = ew_tls_sni(ev->data, ev->len, out->name, sizeof(out->name));
		out->source = EW_NAME_SNI;
	} else {
		rc = ew_http_host(ev->data, ev->len, out->name, sizeof(out->name));
		out->source = EW_NAME_HTTP_HOST;
		if (rc == -EINVAL)
			rc = 1; /* not HTTP either: some other protocol, not hostile */
	}
	out->result = rc == 1 ? EW_PARSE_OTHER : parse_result(rc);
	if (out->result != EW_PARSE_OK) {
		memset(out->name, 0, sizeof(out->name));
		return;
	}
	out->name_len = (uint16_t)strnlen(out->name, sizeof(out->name) - 1);
	/* "example.com." is example.com: one name, one spelling in records. */
	if (out->name_len > 1 && out->name[out->name_len - 1] == '.')
		out->name[--out->name_len] = '\0';
	/* An address is not a name: it must not hide a DNS name of the peer. */
	if (is_address(out->name)) {
		out->result = EW_PARSE_NONE;
		memset(out->name, 0, sizeof(out->name));
		out->name_len = 0;
	}
}

struct dns_walk {
	const struct ew_ev_payload *ev;
	ew_dns_answer_sink sink;
	void *arg;
	struct ew_ev_dns_answer a;
};

static void init_answer(struct ew_ev_dns_answer *a, const struct ew_ev_payload *ev)
{
	memset(a, 0, sizeof(*a));
	a->h.type = EW_EV_DNS_ANSWER;
	a->h.size = sizeof(*a);
	a->h.cpu = ev->h.cpu;
	a->h.ts_ns = ev->h.ts_ns;
}

static int on_answer(const char *name, const uint8_t addr[16], uint32_t ttl, void *arg)
{
	struct dns_walk *w = arg;
	size_t n = strnlen(name, EW_NAME_LEN - 1);

	init_answer(&w->a, w->ev);
	memcpy(w->a.addr, addr, 16);
	w->a.ttl = ttl;
	w->a.result = EW_PARSE_OK;
	memcpy(w->a.name, name, n);
	w->a.name_len = (uint16_t)n;
	w->sink(&w->a, w->arg);
	return 0;
}

int ew_payload_dns(const struct ew_ev_payload *ev, size_t len, ew_dns_answer_sink sink, void *arg)
{
	struct dns_walk w = {.ev = ev, .sink = sink, .arg = arg};
	int rc = -EINVAL;

	if (ew_payload_len_ok(ev, len))
		rc = ew_dns_answers(ev->data, ev->len, on_answer, &w);
	if (rc > 0)
		return rc;
	init_answer(&w.a, ev);
	w.a.result = rc == 0 ? EW_PARSE_NONE : parse_result(rc);
	sink(&w.a, arg);
	return 1;
}
