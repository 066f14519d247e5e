// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "synth.h"
#include "inspect/dns_msg.h"

/* A DNS message assembled by hand; offsets kept so tests can point at them. */
struct msg {
	uint8_t b[1024];
	size_t len;
};

struct seen {
	int n;
	char name[8][EW_DNS_NAME_LEN];
	uint8_t addr[8][16];
	uint32_t ttl[8];
};

static int record(const char *name, const uint8_t addr[16], uint32_t ttl, void *arg)
{
	struct seen *s = arg;

	cr_assert_lt(s->n, 8);
	snprintf(s->name[s->n], EW_DNS_NAME_LEN, "%s", name);
	memcpy(s->addr[s->n], addr, 16);
	s->ttl[s->n] = ttl;
	s->n++;
	return 0;
}

static void bytes(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void u16(struct msg *m, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	bytes(m, b, 2);
}

static void u32(struct msg *m, uint32_t v)
{
	u16(m, v >> 16);
	u16(m, v & 0xffff);
}

/* Labels of a dotted name, ending with the root unless @ptr: then a pointer to @ptr. */
static size_t name(struct msg *m, const char *dotted, int ptr)
{
	size_t at = m->len;
	const char *p = dotted;

	while (*p) {
		size_t l = strcspn(p, ".");
		uint8_t lb = (uint8_t)l;

		bytes(m, &lb, 1);
		bytes(m, p, l);
		p += l + (p[l] == '.');
	}
	if (ptr >= 0)
		u16(m, 0xc000 | (unsigned)ptr);
	else
		bytes(m, "", 1);
	return at;
}

static void header(struct msg *m, unsigned flags, unsigned qd, unsigned an)
{
	m->len = 0;
	u16(m, 0xbeef);
	u16(m, flags);
	u16(m, qd);
	u16(m, an);
	u16(m, 0);
	u16(m, 0);
}

static void rr_head(struct msg *m, unsigned type, uint32_t ttl, unsigned rdlen)
{
	u16(m, type);
	u16(m, 1);
	u32(m, ttl);
	u16(m, rdlen);
}

/*
 * www.a.test CNAME b.test; b.test A 198.18.0.9, the shape of a CDN answer,
 * with compression the way servers write it.
 */
static void cname_chain(struct msg *m)
{
	size_t q, b;
	uint8_t a[4] = {198, 18, 0, 9};

	header(m, 0x8180, 1, 2);
	q = name(m, "www.a.test", -1);
	u16(m, 1);
	u16(m, 1);
	name(m, "", (int)q);
	rr_head(m, 5, 300, 4);
	b = name(m, "b", (int)q + 6); /* "b" + the "test" of the question */
	name(m, "", (int)b);
	rr_head(m, 1, 60, 4);
	bytes(m, a, 4);
}

Test(dns_msg, cname_chain_reports_question_name)
{
	struct msg m;
	struct seen s = {0};
	uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 9};

	cname_chain(&m);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), 1);
	cr_assert_str_eq(s.name[0], "www.a.test");
	cr_assert_arr_eq(s.addr[0], want, 16);
	cr_assert_eq(s.ttl[0], 60);
}

Test(dns_msg, truncation_at_every_offset)
{
	struct msg m;
	struct seen s = {0};

	cname_chain(&m);
	for (size_t cut = 0; cut < m.len; cut++) {
		int r = ew_dns_answers(m.b, cut, record, &s);

		cr_assert_eq(r, -EAGAIN, "cut at %zu: %d", cut, r);
		cr_assert_eq(s.n, 0, "nothing reported from a short message");
	}
}

Test(dns_msg, longer_chain_and_aaaa_and_case)
{
	struct msg m;
	struct seen s = {0};
	size_t q, c1, c2;
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};

	/* WWW.A.test CNAME c1.cdn.test CNAME c2.cdn.test AAAA; A records for c2 too. */
	header(&m, 0x8180, 1, 4);
	q = name(&m, "WWW.A.test", -1);
	u16(&m, 28), u16(&m, 1);
	name(&m, "", (int)q);
	rr_head(&m, 5, 300, 0);
	size_t rdlen_at = m.len - 2;
	c1 = name(&m, "c1.cdn", (int)q + 6);
	m.b[rdlen_at + 1] = (uint8_t)(m.len - c1);
	name(&m, "", (int)c1);
	rr_head(&m, 5, 300, 0);
	rdlen_at = m.len - 2;
	c2 = name(&m, "c2", (int)c1 + 3);
	m.b[rdlen_at + 1] = (uint8_t)(m.len - c2);
	name(&m, "", (int)c2);
	rr_head(&m, 28, 20, 16);
	bytes(&m, v6, 16);
	name(&m, "unrelated.test", -1);
	rr_head(&m, 1, 5, 4);
	bytes(&m, "\x0a\x00\x00\x01", 4);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), 2);
	cr_assert_str_eq(s.name[0], "www.a.test");
	cr_assert_arr_eq(s.addr[0], v6, 16);
	cr_assert_eq(s.ttl[0], 20);
	/* An owner not reached from the question is reported as itself. */
	cr_assert_str_eq(s.name[1], "unrelated.test");
}

Test(dns_msg, pointer_loop_and_forward_pointer)
{
	struct msg m;
	struct seen s = {0};

	/* A question name that points at itself. */
	header(&m, 0x8180, 1, 0);
	u16(&m, 0xc000 | 12);
	u16(&m, 1), u16(&m, 1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
	/* Two pointers pointing at each other: the first one points forward. */
	header(&m, 0x8180, 1, 0);
	u16(&m, 0xc000 | 14);
	u16(&m, 0xc000 | 12);
	u16(&m, 1), u16(&m, 1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
	/* A forward pointer to a perfectly good name. */
	header(&m, 0x8180, 1, 0);
	u16(&m, 0xc000 | 18);
	u16(&m, 1), u16(&m, 1);
	name(&m, "a.test", -1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
	/* A pointer into the header. */
	header(&m, 0x8180, 1, 0);
	u16(&m, 0xc000 | 4);
	u16(&m, 1), u16(&m, 1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
	cr_assert_eq(s.n, 0);
}

Test(dns_msg, jump_limit)
{
	struct msg m;
	struct seen s = {0};
	size_t prev;

	/* 65 questions, each a pointer to the previous: the last needs 65 jumps. */
	header(&m, 0x8180, 66, 0);
	prev = name(&m, "a", -1);
	u16(&m, 1), u16(&m, 1);
	for (int i = 0; i < 64; i++) {
		size_t at = m.len;

		u16(&m, 0xc000 | (unsigned)prev);
		u16(&m, 1), u16(&m, 1);
		prev = at;
	}
	/* 64 jumps are allowed... */
	m.b[5] = 65;
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), 0);
	/* ...65 are not. */
	u16(&m, 0xc000 | (unsigned)prev);
	u16(&m, 1), u16(&m, 1);
	m.b[5] = 66;
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
}

Test(dns_msg, oversize_label_and_name)
{
	struct msg m;
	struct seen s = {0};
	char lab[80], big[4 * 80];

	/* A 64-byte length has the 0x40 bit: an extended label type, refused. */
	memset(lab, 'a', 64);
	lab[64] = '\0';
	header(&m, 0x8180, 1, 0);
	name(&m, lab, -1);
	u16(&m, 1), u16(&m, 1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
	lab[63] = '\0';
	header(&m, 0x8180, 1, 0);
	name(&m, lab, -1);
	u16(&m, 1), u16(&m, 1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), 0);

	/* 4 x 63 + 3 dots = 255 text characters: too long; 253 is fine. */
	snprintf(big, sizeof(big), "%s.%s.%s.%s", lab, lab, lab, lab);
	header(&m, 0x8180, 1, 0);
	name(&m, big, -1);
	u16(&m, 1), u16(&m, 1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
	big[251] = '\0'; /* drop the last two characters: 253 */
	header(&m, 0x8180, 1, 0);
	name(&m, big, -1);
	u16(&m, 1), u16(&m, 1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), 0);

	/* A label with a byte that is not a hostname byte. */
	header(&m, 0x8180, 1, 0);
	name(&m, "a b.test", -1);
	u16(&m, 1), u16(&m, 1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
}

Test(dns_msg, bad_rdata_lengths)
{
	struct msg m;
	struct seen s = {0};

	cname_chain(&m);
	m.b[m.len - 5] = 5; /* A rdlength 5 */
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EAGAIN);
	bytes(&m, "", 1);
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
	/* A CNAME whose name runs past its rdlength. */
	cname_chain(&m);
	m.b[28 + 2 + 8 + 1] = 3;
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
	cr_assert_eq(s.n, 0);
}

Test(dns_msg, header_checks)
{
	struct msg m;
	struct seen s = {0};

	cname_chain(&m);
	m.b[2] &= 0x7f; /* a query */
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), -EINVAL);
	cname_chain(&m);
	m.b[3] |= 3; /* NXDOMAIN */
	cr_assert_eq(ew_dns_answers(m.b, m.len, record, &s), 0);
	cr_assert_eq(s.n, 0);
}

static int stop(const char *n, const uint8_t a[16], uint32_t t, void *arg)
{
	(void)n, (void)a, (void)t, (void)arg;
	return -ECANCELED;
}

Test(dns_msg, callback_stops_walk)
{
	struct msg m;

	cname_chain(&m);
	cr_assert_eq(ew_dns_answers(m.b, m.len, stop, NULL), -ECANCELED);
}

/* Answers recorded from dnsmasq on 127.0.0.1: www.a.test CNAME b.test, b.test A/AAAA. */
Test(dns_msg, recorded_dnsmasq_answers)
{
	uint8_t buf[512];
	struct seen s = {0};
	uint8_t v4[16] = {[10] = 0xff, [11] = 0xff, 198, 18, 0, 9};
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};
	size_t len = synth_load_data("dns-dnsmasq-cname-a.bin", buf, sizeof(buf));

	cr_assert_eq(ew_dns_answers(buf, len, record, &s), 1);
	cr_assert_str_eq(s.name[0], "www.a.test");
	cr_assert_arr_eq(s.addr[0], v4, 16);
	for (size_t cut = 0; cut < len; cut++)
		cr_assert_eq(ew_dns_answers(buf, cut, record, &s), -EAGAIN, "cut %zu", cut);
	len = synth_load_data("dns-dnsmasq-cname-aaaa.bin", buf, sizeof(buf));
	cr_assert_eq(ew_dns_answers(buf, len, record, &s), 1);
	cr_assert_str_eq(s.name[1], "www.a.test");
	cr_assert_arr_eq(s.addr[1], v6, 16);
}

/* Recorded: dig @dnsmasq WWW.A.test A (EDNS, a cookie) and dnsmasq's reply, id 0x8026. */
Test(dns_msg, recorded_dig_query)
{
	struct ew_dns_question q;
	uint8_t buf[512];
	size_t len = synth_load_data("dns-dig-query-a.bin", buf, sizeof(buf));
	const size_t question_end = 12 + 12 + 4; /* header, 3WWW1A4test0, type and class */

	memset(&q, 0xa5, sizeof(q));
	cr_assert_eq(ew_dns_query(buf, len, &q), 0);
	cr_assert_eq(q.txid, 0x8026);
	cr_assert_eq(q.qtype, 1);
	cr_assert_str_eq(q.name, "www.a.test", "the question is lowercased: %s", q.name);
	/* The OPT record after the question is not needed: any cut past it is whole. */
	for (size_t cut = 0; cut <= len; cut++) {
		int want = cut < question_end ? -EAGAIN : 0;

		cr_assert_eq(ew_dns_query(buf, cut, &q), want, "cut %zu", cut);
		cr_assert_eq(q.txid, cut >= 2 ? 0x8026 : 0, "cut %zu", cut);
		if (want)
			cr_assert_str_eq(q.name, "", "cut %zu leaves a name behind", cut);
	}
	/* A query is no response: it has no answers to report. */
	cr_assert_eq(ew_dns_answers(buf, len, record, &(struct seen){0}), -EINVAL);
	len = synth_load_data("dns-dnsmasq-reply-a.bin", buf, sizeof(buf));
	cr_assert_eq(ew_dns_txid(buf, len), 0x8026);
	cr_assert_eq(ew_dns_txid(buf, 2), 0x8026);
	cr_assert_eq(ew_dns_txid(buf, 1), -EAGAIN);
	cr_assert_eq(ew_dns_txid(NULL, 12), -EAGAIN);
	/* A response is no query. */
	cr_assert_eq(ew_dns_query(buf, len, &q), -EINVAL);
	cr_assert_eq(q.txid, 0x8026);
}

static void query(struct msg *m, const char *qname)
{
	header(m, 0x0100, 1, 0);
	name(m, qname, -1);
	u16(m, 28);
	u16(m, 1);
}

Test(dns_msg, query_outcomes)
{
	struct ew_dns_question q;
	struct msg m;

	query(&m, "Api.Example.DE");
	cr_assert_eq(ew_dns_query(m.b, m.len, &q), 0);
	cr_assert_eq(q.txid, 0xbeef);
	cr_assert_eq(q.qtype, 28);
	cr_assert_str_eq(q.name, "api.example.de");

	m.b[2] |= 0x80; /* a response */
	cr_assert_eq(ew_dns_query(m.b, m.len, &q), -EINVAL);
	cr_assert_eq(q.txid, 0xbeef, "the id is read whatever the rest says");
	query(&m, "api.example.de");
	m.b[2] |= 4 << 3; /* NOTIFY */
	cr_assert_eq(ew_dns_query(m.b, m.len, &q), -EINVAL);
	query(&m, "api.example.de");
	m.b[2] |= 5 << 3; /* UPDATE */
	cr_assert_eq(ew_dns_query(m.b, m.len, &q), -EINVAL);

	/* Well formed, but nothing asked: no question, or the root. */
	header(&m, 0x0100, 0, 0);
	cr_assert_eq(ew_dns_query(m.b, m.len, &q), -ENOENT);
	cr_assert_eq(q.txid, 0xbeef);
	query(&m, "");
	cr_assert_eq(ew_dns_query(m.b, m.len, &q), -ENOENT);
	cr_assert_str_eq(q.name, "");

	/* Names are held to the answers' rules. */
	query(&m, "a b.example");
	cr_assert_eq(ew_dns_query(m.b, m.len, &q), -EINVAL);
	cr_assert_str_eq(q.name, "");
	query(&m, "api.example.de");
	m.b[12] = 0x40; /* an extended label type */
	cr_assert_eq(ew_dns_query(m.b, m.len, &q), -EINVAL);
	/* A pointer in the first question has nothing before it to point at. */
	header(&m, 0x0100, 1, 0);
	u16(&m, 0xc000 | 12);
	u16(&m, 1);
	u16(&m, 1);
	cr_assert_eq(ew_dns_query(m.b, m.len, &q), -EINVAL);
	/* A 254-character name is one too long. */
	{
		char big[300];

		memset(big, 'a', sizeof(big));
		for (int i = 63; i < 254; i += 64)
			big[i] = '.';
		big[254] = '\0';
		query(&m, big);
		cr_assert_eq(ew_dns_query(m.b, m.len, &q), -EINVAL);
		big[253] = '\0';
		query(&m, big);
		cr_assert_eq(ew_dns_query(m.b, m.len, &q), 0);
		cr_assert_eq(strlen(q.name), 253);
	}
	cr_assert_eq(ew_dns_query(NULL, 12, &q), -EINVAL);
	cr_assert_eq(ew_dns_query(m.b, m.len, NULL), -EINVAL);
}
