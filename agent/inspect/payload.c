// SPDX-License-Identifier: GPL-2.0-only
#include "inspect/payload.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "util/addr.h"
#include "inspect/dns_msg.h"
#include "inspect/http_host.h"
#include "inspect/tls_sni.h"

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

/* "GET ", "POST ", "PROPFIND ": an HTTP/1.x request line's method token. */
static bool looks_like_http(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 16 && p[i] >= 'A' && p[i] <= 'Z'; i++)
		;
	return i > 0 && i < len && p[i] == ' ';
}

/* "example.com." is example.com: one name, one spelling in records. */
static void strip_dots(struct ew_ev_peer_name *out)
{
	while (out->name_len && out->name[out->name_len - 1] == '.')
		out->name[--out->name_len] = '\0';
}

static void set_result(struct ew_ev_peer_name *out, uint8_t result)
{
	out->result = result;
	if (result != EW_PARSE_OK) {
		memset(out->name, 0, sizeof(out->name));
		out->name_len = 0;
	}
}

void ew_payload_peer_name(const struct ew_ev_payload *ev, size_t len, struct ew_ev_peer_name *out)
{
	bool tls;
	int rc;

	memset(out, 0, sizeof(*out));
	out->h.type = EW_EV_PEER_NAME;
	out->h.size = sizeof(*out);
	/* Whatever the event says, the result must decode: source is always set. */
	out->source = EW_NAME_HTTP_HOST;
	if (len >= sizeof(ev->h)) {
		out->h.cpu = ev->h.cpu;
		out->h.ts_ns = ev->h.ts_ns;
	}
	if (len >= EW_PAYLOAD_HDR)
		out->cookie = ev->cookie;
	if (!ew_payload_len_ok(ev, len)) {
		set_result(out, EW_PARSE_BAD);
		return;
	}
	/* A TLS record starts with its content type; an HTTP request with a
	 * method token, which is never 0x16. */
	tls = ev->len && ev->data[0] == TLS_HANDSHAKE;
	if (tls) {
		out->source = EW_NAME_SNI;
		rc = ew_tls_sni(ev->data, ev->len, out->name, sizeof(out->name));
	} else {
		rc = ew_http_host(ev->data, ev->len, out->name, sizeof(out->name));
		if (rc == -EINVAL && !looks_like_http(ev->data, ev->len)) {
			set_result(out, EW_PARSE_OTHER); /* another protocol: not hostile */
			return;
		}
	}
	set_result(out, parse_result(rc));
	if (out->result != EW_PARSE_OK)
		return;
	out->name_len = (uint16_t)strnlen(out->name, sizeof(out->name) - 1);
	strip_dots(out);
	if (!out->name_len)
		set_result(out, EW_PARSE_BAD);
	/* An address is not a name: it must not hide a DNS name of the peer. */
	else if (is_address(out->name))
		set_result(out, EW_PARSE_NONE);
}

struct dns_walk {
	const struct ew_ev_payload *ev;
	ew_dns_answer_sink sink;
	void *arg;
	int sent;
	bool have_tx; /* the event is whole: its transaction can be read */
	uint16_t txid;
	struct ew_ev_dns_answer a;
};

static void init_answer(struct dns_walk *w)
{
	struct ew_ev_dns_answer *a = &w->a;
	const struct ew_ev_payload *ev = w->ev;

	memset(a, 0, sizeof(*a));
	a->h.type = EW_EV_DNS_ANSWER;
	a->h.size = sizeof(*a);
	a->h.cpu = ev->h.cpu;
	a->h.ts_ns = ev->h.ts_ns;
	if (!w->have_tx)
		return;
	memcpy(a->server, ev->raddr, 16);
	a->server_port = ev->rport;
	a->client_port = ev->lport;
	a->txid = w->txid;
}

static int on_answer(const char *name, const uint8_t addr[16], uint32_t ttl, void *arg)
{
	struct dns_walk *w = arg;
	size_t n = strnlen(name, EW_NAME_LEN - 1);

	if (!n)
		return 0; /* an address for the root name: nothing to name a flow with */
	init_answer(w);
	memcpy(w->a.addr, addr, 16);
	w->a.ttl = ttl;
	w->a.result = EW_PARSE_OK;
	memcpy(w->a.name, name, n);
	w->a.name_len = (uint16_t)n;
	w->sink(&w->a, w->arg);
	w->sent++;
	return 0;
}

int ew_payload_dns(const struct ew_ev_payload *ev, size_t len, ew_dns_answer_sink sink, void *arg)
{
	struct dns_walk w = {.ev = ev, .sink = sink, .arg = arg};
	int rc = -EINVAL;

	/* client_port 0 would read as an ABI 2.0 answer, believed unmatched. */
	if (ew_payload_len_ok(ev, len) && ev->lport) {
		rc = ew_dns_txid(ev->data, ev->len);
		w.have_tx = rc >= 0;
		w.txid = w.have_tx ? (uint16_t)rc : 0;
		rc = ew_dns_answers(ev->data, ev->len, on_answer, &w);
	}
	if (w.sent)
		return w.sent;
	init_answer(&w);
	w.a.result = rc > 0 ? EW_PARSE_BAD : rc == 0 ? EW_PARSE_NONE : parse_result(rc);
	sink(&w.a, arg);
	return 1;
}

void ew_payload_dns_query(const struct ew_ev_payload *ev, size_t len, struct ew_ev_dns_query *out)
{
	struct ew_dns_question q;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	out->h.type = EW_EV_DNS_QUERY;
	out->h.size = sizeof(*out);
	if (len >= sizeof(ev->h)) {
		out->h.cpu = ev->h.cpu;
		out->h.ts_ns = ev->h.ts_ns;
	}
	if (!ew_payload_len_ok(ev, len) || !ev->lport) {
		out->result = EW_PARSE_BAD;
		return;
	}
	memcpy(out->server, ev->raddr, 16);
	out->server_port = ev->rport;
	out->client_port = ev->lport;
	rc = ew_dns_query(ev->data, ev->len, &q);
	out->txid = q.txid;
	out->result = parse_result(rc);
	if (rc)
		return;
	n = strnlen(q.name, sizeof(q.name));
	out->qtype = q.qtype;
	memcpy(out->name, q.name, n);
	out->name_len = (uint16_t)n;
}
