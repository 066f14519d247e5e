// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce/refused.h"
#include "pipeline/decode.h"

static union ew_event out;

Test(decode, valid_connect)
{
	struct ew_ev_sock_addr e = {.h = {.type = EW_EV_CONNECT, .size = sizeof(e)}};

	e.proto = EW_IPPROTO_TCP;
	e.family = EW_AF_INET;
	memset(e.task.comm, 'x', sizeof(e.task.comm)); /* no NUL: must be terminated */
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK);
	cr_assert_eq(strlen(out.sa.task.comm), EW_COMM_LEN - 1);
}

Test(decode, rejects_short_unknown_and_mismatched)
{
	struct ew_ev_tick t = {.h = {.type = EW_EV_TICK, .size = sizeof(t)}};

	cr_assert_eq(ew_decode(&t, 3, &out), EW_DEC_SHORT);
	t.h.type = 99;
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_TYPE);
	t.h.type = EW_EV_TICK;
	t.h.size = sizeof(t) + 8;
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_SIZE);
	t.h.size = sizeof(t);
	cr_assert_eq(ew_decode(&t, sizeof(t) - 1, &out), EW_DEC_SIZE);
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_OK);
}

Test(decode, rejects_bad_fields)
{
	struct ew_ev_sock_addr e = {.h = {.type = EW_EV_CONNECT, .size = sizeof(e)}};
	struct ew_ev_exec *x = calloc(1, sizeof(*x));

	e.proto = 1; /* ICMP is not ours */
	e.family = EW_AF_INET;
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e.proto = EW_IPPROTO_UDP;
	e.family = 2; /* AF_INET's number, not EW_AF_INET */
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	x->h.type = EW_EV_EXEC;
	x->h.size = sizeof(*x);
	x->exe_len = EW_PATH_LEN + 1;
	cr_assert_eq(ew_decode(x, sizeof(*x), &out), EW_DEC_FIELD);
	free(x);
}

/* Random bytes must never crash the decoder nor pass as a valid event of a wrong size. */
Test(decode, random_bytes)
{
	unsigned char buf[2048];

	srand(42);
	for (int i = 0; i < 100000; i++) {
		size_t len = (size_t)(rand() % (int)sizeof(buf));
		int rc;

		for (size_t j = 0; j < len; j++)
			buf[j] = (unsigned char)rand();
		if (i % 3 == 0 && len >= 16) { /* plausible headers, to get past the first check */
			buf[0] = (unsigned char)(rand() % 40);
			buf[1] = 0;
		}
		rc = ew_decode(buf, len, &out);
		if (rc == EW_DEC_OK)
			cr_assert_eq(ew_event_size(out.h.type), out.h.size);
	}
}

/* Names: EW_EV_PEER_NAME and EW_EV_DNS_ANSWER carry what parsers found in untrusted bytes. */
static struct ew_ev_peer_name peer_name(uint8_t source, uint8_t result, const char *name)
{
	struct ew_ev_peer_name e = {.h = {.type = EW_EV_PEER_NAME, .size = sizeof(e)}};

	e.h.ts_ns = 42;
	e.cookie = 0xabc;
	e.source = source;
	e.result = result;
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.name_len = (uint16_t)strlen(name);
	return e;
}

static struct ew_ev_dns_answer dns_answer(uint8_t result, const char *name)
{
	struct ew_ev_dns_answer e = {.h = {.type = EW_EV_DNS_ANSWER, .size = sizeof(e)}};

	e.h.ts_ns = 43;
	e.addr[10] = e.addr[11] = 0xff;
	e.addr[12] = 203, e.addr[13] = 0, e.addr[14] = 113, e.addr[15] = 7;
	e.ttl = 30;
	e.result = result;
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.name_len = (uint16_t)strlen(name);
	return e;
}

Test(decode, peer_name_valid)
{
	struct ew_ev_peer_name e = peer_name(EW_NAME_SNI, EW_PARSE_OK, "sni.example.us");

	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK);
	cr_assert_eq(out.name.cookie, 0xabc);
	cr_assert_eq(out.name.source, EW_NAME_SNI);
	cr_assert_eq(out.name.result, EW_PARSE_OK);
	cr_assert_eq(out.name.name_len, 14);
	cr_assert_str_eq(out.name.name, "sni.example.us");
	e = peer_name(EW_NAME_HTTP_HOST, EW_PARSE_OK, "web-1.example_2.hk");
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK);
	cr_assert_str_eq(out.name.name, "web-1.example_2.hk");
	/* Every outcome without a name is fine for both parsers. */
	for (uint8_t r = EW_PARSE_NONE; r < EW_PARSE_MAX; r++) {
		e = peer_name(EW_NAME_SNI, r, "");
		cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK, "result %u", r);
		e = peer_name(EW_NAME_HTTP_HOST, r, "");
		cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK, "result %u", r);
	}
}

Test(decode, dns_answer_valid)
{
	struct ew_ev_dns_answer e = dns_answer(EW_PARSE_OK, "api.example.de");

	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK);
	cr_assert_eq(out.dns.ttl, 30);
	cr_assert_eq(out.dns.addr[15], 7);
	cr_assert_eq(out.dns.name_len, 14);
	cr_assert_str_eq(out.dns.name, "api.example.de");
	for (uint8_t r = EW_PARSE_NONE; r < EW_PARSE_MAX; r++) {
		e = dns_answer(r, "");
		cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK, "result %u", r);
	}
}

/* The same bad names for both events. */
static void both_refused(uint8_t result, const char *name, int fix_len, int len_delta)
{
	struct ew_ev_peer_name p = peer_name(EW_NAME_SNI, result, name);
	struct ew_ev_dns_answer d = dns_answer(result, name);

	if (fix_len) {
		p.name_len = (uint16_t)(p.name_len + len_delta);
		d.name_len = (uint16_t)(d.name_len + len_delta);
	}
	cr_assert_eq(ew_decode(&p, sizeof(p), &out), EW_DEC_FIELD, "peer name \"%s\" result %u",
		     name, result);
	cr_assert_eq(ew_decode(&d, sizeof(d), &out), EW_DEC_FIELD, "dns answer \"%s\" result %u",
		     name, result);
}

Test(decode, names_refused)
{
	/* Outside the lowercase hostname charset. */
	both_refused(EW_PARSE_OK, "Api.example.de", 0, 0);
	both_refused(EW_PARSE_OK, "api.EXAMPLE.de", 0, 0);
	both_refused(EW_PARSE_OK, "api example.de", 0, 0);
	both_refused(EW_PARSE_OK, "api/example.de", 0, 0);
	both_refused(EW_PARSE_OK, "api.example.de\n", 0, 0);
	both_refused(EW_PARSE_OK, "\"api\".de", 0, 0);
	both_refused(EW_PARSE_OK, "api.example.d\xc3\xa9", 0, 0);
	/* A trailing dot is another spelling of the same name. */
	both_refused(EW_PARSE_OK, "api.example.de.", 0, 0);
	both_refused(EW_PARSE_OK, ".", 0, 0);
	/* name_len not the string's length. */
	both_refused(EW_PARSE_OK, "api.example.de", 1, 1);
	both_refused(EW_PARSE_OK, "api.example.de", 1, -1);
	both_refused(EW_PARSE_NONE, "", 1, 1);
	/* A name iff OK. */
	both_refused(EW_PARSE_OK, "", 0, 0);
	both_refused(EW_PARSE_NONE, "api.example.de", 0, 0);
	both_refused(EW_PARSE_BAD, "api.example.de", 0, 0);
	/* Results past the enum. */
	both_refused(EW_PARSE_MAX, "", 0, 0);
	both_refused(EW_PARSE_MAX, "api.example.de", 0, 0);
	both_refused(255, "", 0, 0);
}

Test(decode, name_lengths)
{
	char name[260];
	struct ew_ev_peer_name p;
	struct ew_ev_dns_answer d;

	memset(name, 'a', sizeof(name));
	for (int i = 63; i < 253; i += 64)
		name[i] = '.';
	name[253] = '\0';
	p = peer_name(EW_NAME_SNI, EW_PARSE_OK, name);
	d = dns_answer(EW_PARSE_OK, name);
	cr_assert_eq(p.name_len, 253);
	cr_assert_eq(ew_decode(&p, sizeof(p), &out), EW_DEC_OK, "253 characters is the limit");
	cr_assert_eq(ew_decode(&d, sizeof(d), &out), EW_DEC_OK);
	name[253] = 'a';
	name[254] = '\0';
	both_refused(EW_PARSE_OK, name, 0, 0);
}

Test(decode, peer_name_source)
{
	struct ew_ev_peer_name e = peer_name(EW_NAME_NONE, EW_PARSE_OK, "a.example.de");

	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e.source = EW_NAME_DNS; /* DNS names come as EW_EV_DNS_ANSWER */
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e.source = EW_NAME_SOURCE_MAX;
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e.source = 0xff;
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e = peer_name(EW_NAME_NONE, EW_PARSE_BAD, "");
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD, "even without a name");
	e.source = EW_NAME_HTTP_HOST;
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK);
}

/* A name buffer without a NUL is terminated in the copy, and refused. */
Test(decode, unterminated_names)
{
	struct ew_ev_peer_name p = peer_name(EW_NAME_SNI, EW_PARSE_OK, "");
	struct ew_ev_dns_answer d = dns_answer(EW_PARSE_OK, "");
	uint16_t lens[] = {253, 255, 256, 0xffff};

	memset(p.name, 'a', sizeof(p.name));
	memset(d.name, 'a', sizeof(d.name));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		p.name_len = d.name_len = lens[i];
		memset(&out, 0x5a, sizeof(out));
		cr_assert_eq(ew_decode(&p, sizeof(p), &out), EW_DEC_FIELD, "name_len %u", lens[i]);
		cr_assert_eq(out.name.name[EW_NAME_LEN - 1], '\0');
		cr_assert_eq(strlen(out.name.name), EW_NAME_LEN - 1);
		memset(&out, 0x5a, sizeof(out));
		cr_assert_eq(ew_decode(&d, sizeof(d), &out), EW_DEC_FIELD, "name_len %u", lens[i]);
		cr_assert_eq(out.dns.name[EW_NAME_LEN - 1], '\0');
		cr_assert_eq(strlen(out.dns.name), EW_NAME_LEN - 1);
	}
	/* The input is left alone. */
	cr_assert_eq(p.name[EW_NAME_LEN - 1], 'a');
}

Test(decode, name_event_sizes)
{
	struct ew_ev_peer_name p = peer_name(EW_NAME_SNI, EW_PARSE_OK, "a.example.de");
	struct ew_ev_dns_answer d = dns_answer(EW_PARSE_OK, "a.example.de");

	cr_assert_eq(ew_event_size(EW_EV_PEER_NAME), sizeof(p));
	cr_assert_eq(ew_event_size(EW_EV_DNS_ANSWER), sizeof(d));
	cr_assert_eq(ew_decode(&p, sizeof(p) - 1, &out), EW_DEC_SIZE);
	cr_assert_eq(ew_decode(&d, sizeof(d) - 1, &out), EW_DEC_SIZE);
	p.h.size = sizeof(d); /* says more than the data holds */
	cr_assert_eq(ew_decode(&p, sizeof(p), &out), EW_DEC_SIZE);
	d.h.size = ew_event_desc(EW_EV_DNS_ANSWER)->min_size - 1; /* less than ABI 2.0's */
	cr_assert_eq(ew_decode(&d, sizeof(d), &out), EW_DEC_SIZE);
	d.h.size = ew_event_desc(EW_EV_DNS_ANSWER)->min_size; /* an ABI 2.0 answer */
	cr_assert_eq(ew_decode(&d, sizeof(d), &out), EW_DEC_OK);
	cr_assert_eq(out.dns.client_port, 0, "2.0 answers carry no transaction");
}

/* Raw payloads stop at the live side: decode knows no such event. */
Test(decode, raw_payloads_are_not_events)
{
	struct ew_ev_payload *ev = calloc(1, sizeof(*ev));
	static const char req[] = "GET / HTTP/1.1\r\nHost: a.example.de\r\n\r\n";

	cr_assert_not_null(ev);
	ev->len = sizeof(req) - 1;
	memcpy(ev->data, req, ev->len);
	ev->h.size = (uint16_t)(EW_PAYLOAD_HDR + ev->len);
	ev->h.type = EW_EV_TCP_PAYLOAD;
	cr_assert_eq(ew_decode(ev, ev->h.size, &out), EW_DEC_TYPE);
	ev->h.type = EW_EV_DNS_PAYLOAD;
	cr_assert_eq(ew_decode(ev, ev->h.size, &out), EW_DEC_TYPE);
	/* Not even at the size of some other event. */
	ev->h.size = sizeof(struct ew_ev_peer_name);
	cr_assert_eq(ew_decode(ev, sizeof(*ev), &out), EW_DEC_TYPE);
	ev->h.type = EW_EV_TCP_PAYLOAD;
	cr_assert_eq(ew_decode(ev, sizeof(*ev), &out), EW_DEC_TYPE);
	free(ev);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* What follows a string's length is zero in the copy: strlen() and the
 * length field agree, and no stale ring-buffer bytes travel on. */
Test(decode, strings_are_zero_past_their_length)
{
	struct ew_ev_exec *x = calloc(1, sizeof(*x));
	struct ew_ev_cgroup cg = {.h = {.type = EW_EV_CGROUP, .size = sizeof(cg)}};
	struct ew_ev_peer_name p = peer_name(EW_NAME_SNI, EW_PARSE_OK, "a.example.de");

	cr_assert_not_null(x);
	x->h.type = EW_EV_EXEC;
	x->h.size = sizeof(*x);
	memset(x->task.comm, 'z', sizeof(x->task.comm));
	memcpy(x->task.comm, "curl", 5);
	memset(x->exe, 'z', sizeof(x->exe));
	memcpy(x->exe, "/usr/bin/curl", 13); /* no NUL: the length ends it */
	x->exe_len = 13;
	memset(x->args, 'z', sizeof(x->args));
	memcpy(x->args, "curl\0-s", 8);
	x->args_len = 8;
	memset(x->cgroup, 'z', sizeof(x->cgroup));
	memcpy(x->cgroup, "/system.slice/a.service", 23);
	x->cgroup_len = 23;
	cr_assert_eq(ew_decode(x, sizeof(*x), &out), EW_DEC_OK);
	cr_assert_str_eq(out.exec.task.comm, "curl");
	cr_assert(all_zero(out.exec.task.comm + 4, EW_COMM_LEN - 4));
	cr_assert_str_eq(out.exec.exe, "/usr/bin/curl");
	cr_assert(all_zero(out.exec.exe + 13, EW_PATH_LEN - 13));
	cr_assert_eq(memcmp(out.exec.args, "curl\0-s", 8), 0);
	cr_assert(all_zero(out.exec.args + 8, EW_ARGS_LEN - 8));
	cr_assert_str_eq(out.exec.cgroup, "/system.slice/a.service");
	cr_assert(all_zero(out.exec.cgroup + 23, EW_CGROUP_LEN - 23));

	/* A command line cut by the kernel fills its buffer: read by its length, kept whole. */
	memset(x->args, 'a', sizeof(x->args));
	x->args_len = EW_ARGS_LEN;
	x->flags = EW_F_ARGS_TRUNC;
	cr_assert_eq(ew_decode(x, sizeof(*x), &out), EW_DEC_OK);
	cr_assert_eq(out.exec.args[EW_ARGS_LEN - 1], 'a');

	memset(cg.path, 'z', sizeof(cg.path));
	memcpy(cg.path, "/system.slice/ssh.service", 25);
	cg.path_len = 25;
	cr_assert_eq(ew_decode(&cg, sizeof(cg), &out), EW_DEC_OK);
	cr_assert_str_eq(out.cg.path, "/system.slice/ssh.service");
	cr_assert(all_zero(out.cg.path + 25, EW_CGROUP_LEN - 25));

	memset(p.name + 13, 'z', sizeof(p.name) - 13); /* past the NUL after the name */
	cr_assert_eq(ew_decode(&p, sizeof(p), &out), EW_DEC_OK);
	cr_assert_str_eq(out.name.name, "a.example.de");
	cr_assert(all_zero(out.name.name + 12, EW_NAME_LEN - 12));
	free(x);
}

/* Times are added and subtracted as signed nanoseconds downstream. */
Test(decode, times_no_clock_gives_are_refused)
{
	struct ew_ev_tick t = {.h = {.type = EW_EV_TICK, .size = sizeof(t)}};
	struct ew_ev_udp_count u = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(u)}};

	t.h.ts_ns = t.realtime_ns = EW_TIME_MAX - 1;
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_OK);
	t.h.ts_ns = EW_TIME_MAX;
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_FIELD);
	t.h.ts_ns = UINT64_MAX;
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_FIELD);
	t.h.ts_ns = 1;
	t.realtime_ns = EW_TIME_MAX;
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_FIELD);
	u.val.family = EW_AF_INET;
	u.val.last_ns = EW_TIME_MAX - 1;
	cr_assert_eq(ew_decode(&u, sizeof(u), &out), EW_DEC_OK);
	u.val.last_ns = UINT64_MAX;
	cr_assert_eq(ew_decode(&u, sizeof(u), &out), EW_DEC_FIELD);
}

/* ABI 2.4: a refused connect, its fields checked like a connect's, and its sentence. */
Test(decode, connect_refused)
{
	struct ew_ev_connect_refused e = {.h = {.type = EW_EV_CONNECT_REFUSED, .size = sizeof(e)}};
	char msg[512];

	e.proto = EW_IPPROTO_TCP;
	e.family = EW_AF_INET;
	e.reason = EW_REFUSE_UNCOVERED;
	e.task.tgid = 4242;
	e.raddr[10] = e.raddr[11] = 0xff;
	e.raddr[12] = 198, e.raddr[13] = 18, e.raddr[14] = 2, e.raddr[15] = 2;
	e.rport = 8602;
	e._pad[1] = 7;
	memset(e.task.comm, 'c', sizeof(e.task.comm)); /* no NUL */
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK);
	cr_assert_eq(strlen(out.refused.task.comm), EW_COMM_LEN - 1);
	cr_assert_eq(out.refused._pad[1], 0);
	cr_assert_gt(ew_refused_message(NULL, &out.refused, msg, sizeof(msg)), 0);
	cr_assert(strstr(msg, "(pid 4242) was refused a connection to 198.18.2.2 port 8602/tcp"),
		  "%s", msg);
	e.reason = 0;
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e.reason = EW_REFUSE_MAX;
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e.reason = EW_REFUSE_UNCOVERED;
	e.proto = 1;
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e.proto = EW_IPPROTO_UDP;
	e.family = 2;
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e.family = EW_AF_INET6;
	cr_assert_eq(ew_decode(&e, 103, &out), EW_DEC_SIZE);
}

/* The bytes each kind of socket event needs for its key: its cookie, UDP's peer too. */
static void expect_key_needs(const void *ev, size_t len, size_t need,
			     const struct ew_flow_key *want)
{
	struct ew_flow_key k;
	unsigned char *b = malloc(len);
	struct ew_event_hdr h;

	cr_assert_not_null(b);
	memcpy(b, ev, len);
	cr_assert(ew_decode_key(b, len, &k));
	cr_assert_eq(k.cookie, want->cookie);
	cr_assert_arr_eq(k.raddr, want->raddr, 16);
	cr_assert_eq(k.rport, want->rport);
	cr_assert_eq(k.udp_owner, want->udp_owner);
	for (size_t n = 0; n < need; n++)
		cr_assert_not(ew_decode_key(b, n, &k), "%zu bytes of %zu", n, need);
	cr_assert(ew_decode_key(b, need, &k));
	/* The size field bounds the fields too, whatever the buffer holds. */
	memcpy(&h, b, sizeof(h));
	h.size = (uint16_t)(need - 1);
	memcpy(b, &h, sizeof(h));
	cr_assert_not(ew_decode_key(b, len, &k));
	h.size = (uint16_t)need;
	memcpy(b, &h, sizeof(h));
	cr_assert(ew_decode_key(b, len, &k));
	free(b);
}

Test(decode, flow_keys_of_socket_events)
{
	struct ew_ev_sock_addr sa = {.h = {.type = EW_EV_CONNECT, .size = sizeof(sa)}};
	struct ew_ev_tcp_accept acc = {.tcp.h = {.type = EW_EV_TCP_ACCEPT, .size = sizeof(acc)}};
	struct ew_ev_accept_owner ao = {.h = {.type = EW_EV_ACCEPT_OWNER, .size = sizeof(ao)}};
	struct ew_ev_udp_count uc = {.h = {.type = EW_EV_UDP_COUNT, .size = sizeof(uc)}};
	struct ew_flow_key want = {.cookie = 0x1122334455667788ull};
	size_t sa_need = offsetof(struct ew_ev_sock_addr, proto) + 1;

	sa.cookie = want.cookie;
	memset(sa.raddr, 0xab, 16);
	sa.rport = 53;
	sa.proto = EW_IPPROTO_TCP;
	/* TCP: the cookie alone; the peer is not part of the key. */
	expect_key_needs(&sa, sizeof(sa), sa_need, &want);
	sa.proto = EW_IPPROTO_UDP;
	memset(want.raddr, 0xab, 16);
	want.rport = 53;
	want.udp_owner = true;
	for (uint16_t t = EW_EV_CONNECT; t <= EW_EV_UDP_RECV; t++) {
		sa.h.type = t;
		expect_key_needs(&sa, sizeof(sa), sa_need, &want);
	}
	sa.proto = 1; /* neither */
	cr_assert_not(ew_decode_key(&sa, sizeof(sa), &want));

	memset(&want, 0, sizeof(want));
	want.cookie = 42;
	acc.tcp.cookie = 42;
	memset(acc.tcp.raddr, 7, 16);
	for (int i = 0; i < 2; i++) {
		acc.tcp.h.type = i ? EW_EV_TCP_CLOSE : EW_EV_TCP_ACCEPT;
		expect_key_needs(&acc, sizeof(acc), offsetof(struct ew_ev_tcp, cookie) + 8, &want);
	}
	acc.tcp.h.type = EW_EV_TCP_COUNT;
	expect_key_needs(&acc, sizeof(struct ew_ev_tcp), offsetof(struct ew_ev_tcp, cookie) + 8,
			 &want);
	ao.cookie = 42;
	expect_key_needs(&ao, sizeof(ao), offsetof(struct ew_ev_accept_owner, cookie) + 8, &want);

	uc.key.cookie = 9;
	memset(uc.key.raddr, 3, 16);
	uc.key.rport = 5353;
	want = (struct ew_flow_key){.cookie = 9, .rport = 5353};
	memset(want.raddr, 3, 16);
	expect_key_needs(&uc, sizeof(uc), offsetof(struct ew_ev_udp_count, key.rport) + 2, &want);
}

Test(decode, no_flow_key_for_other_events)
{
	unsigned char b[2048] = {0};
	struct ew_flow_key k;
	struct ew_event_hdr h = {.size = sizeof(b)};

	for (unsigned int t = 0; t < 65536; t++) {
		h.type = (uint16_t)t;
		memcpy(b, &h, sizeof(h));
		b[offsetof(struct ew_ev_sock_addr, proto)] = EW_IPPROTO_TCP;
		if (ew_decode_key(b, sizeof(b), &k))
			cr_assert(t == EW_EV_CONNECT || t == EW_EV_UDP_SEND ||
				      t == EW_EV_UDP_RECV || t == EW_EV_TCP_ACCEPT ||
				      t == EW_EV_TCP_CLOSE || t == EW_EV_TCP_COUNT ||
				      t == EW_EV_ACCEPT_OWNER || t == EW_EV_UDP_COUNT,
				  "type %u", t);
	}
	cr_assert_not(ew_decode_key(NULL, 0, &k));
	cr_assert_not(ew_decode_key(b, sizeof(h) - 1, &k));
}
