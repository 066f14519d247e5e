// SPDX-License-Identifier: GPL-2.0-only
/*
 * dns_msg.c - walk the answers of an untrusted DNS response (RFC 1035 4.1),
 * following CNAME chains back to the name the client asked for; read the
 * question of an untrusted query.
 */
#include <errno.h>
#include <string.h>

#include "inspect/dns_msg.h"

#define HDR_LEN	      12
#define MAX_JUMPS     64
#define MAX_LABEL     63
#define MAX_NAME_TEXT (EW_DNS_NAME_LEN - 1)
/* Longer CNAME chains are refused by resolvers long before (BIND stops at 16). */
#define MAX_CHAIN 16
/*
 * CNAMEs kept for following chains: real answers hold a handful, and a fixed
 * table keeps the work per address bounded whatever a hostile message holds.
 */
#define MAX_CNAMES 32
#define TYPE_A	   1
#define TYPE_CNAME 5
#define TYPE_AAAA  28
#define CLASS_IN   1

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int labelchar(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

/*
 * Decompress the name at @off into @out (lowercase text, "" for the root)
 * and set *@next to the first byte after it in the message. Pointers must
 * point strictly before themselves, which alone rules out loops; the jump
 * limit bounds the work a hostile message can cause anyway.
 */
static int read_name(const uint8_t *msg, size_t len, size_t off, char out[EW_DNS_NAME_LEN],
		     size_t *next)
{
	size_t pos = off, n = 0;
	int jumps = 0;

	*next = 0;
	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EAGAIN;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len)
				return -EAGAIN;
			to = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (to >= pos || to < HDR_LEN || ++jumps > MAX_JUMPS)
				return -EINVAL;
			if (!*next)
				*next = pos + 2;
			pos = to;
			continue;
		}
		/* 0x40 and 0x80 are the extended and reserved label types of RFC 6891. */
		if (l & 0xc0)
			return -EINVAL;
		if (l == 0)
			break;
		/* + '.' separator; the text limit also bounds the 255-octet wire limit. */
		if (n + (n ? 1 : 0) + l > MAX_NAME_TEXT)
			return -EINVAL;
		if (l > len - pos - 1)
			return -EAGAIN;
		if (n)
			out[n++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t ch = msg[pos + 1 + i];

			if (!labelchar(ch))
				return -EINVAL;
			out[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
		}
		pos += 1 + (size_t)l;
	}
	out[n] = '\0';
	if (!*next)
		*next = pos + 1;
	return 0;
}

struct rr {
	size_t owner; /* offset of the owner name */
	uint16_t type, class;
	uint32_t ttl;
	size_t rdata, rdlen;
};

/* Parse the resource record at *@off, validating what this parser relies on. */
static int read_rr(const uint8_t *msg, size_t len, size_t *off, struct rr *rr)
{
	char name[EW_DNS_NAME_LEN];
	size_t pos;
	int r;

	rr->owner = *off;
	if ((r = read_name(msg, len, *off, name, &pos)))
		return r;
	if (len - pos < 10)
		return -EAGAIN;
	rr->type = rd16(msg + pos);
	rr->class = rd16(msg + pos + 2);
	rr->ttl = rd32(msg + pos + 4);
	rr->rdlen = rd16(msg + pos + 8);
	rr->rdata = pos + 10;
	if (rr->rdlen > len - rr->rdata)
		return -EAGAIN;
	*off = rr->rdata + rr->rdlen;
	if (rr->class != CLASS_IN)
		return 0;
	if ((rr->type == TYPE_A && rr->rdlen != 4) || (rr->type == TYPE_AAAA && rr->rdlen != 16))
		return -EINVAL;
	if (rr->type == TYPE_CNAME) {
		/* The target must end exactly where the record says its data ends. */
		r = read_name(msg, *off, rr->rdata, name, &pos);
		if (r == -EAGAIN || (!r && pos != *off))
			return -EINVAL;
		return r;
	}
	return 0;
}

struct cname {
	char owner[EW_DNS_NAME_LEN], target[EW_DNS_NAME_LEN];
};

/*
 * Replace @name by the owner of a CNAME whose target it is, as long as there
 * is one: with www.a.test CNAME b.test and b.test A, b.test leads back to
 * www.a.test. The hop limit also ends cycles (a CNAME b, b CNAME a).
 */
static void chain_back(const struct cname *cn, unsigned ncn, char name[EW_DNS_NAME_LEN])
{
	for (int hop = 0; hop < MAX_CHAIN; hop++) {
		unsigned i;

		for (i = 0; i < ncn; i++)
			if (!strcmp(cn[i].target, name) && strcmp(cn[i].owner, name))
				break;
		if (i == ncn)
			return;
		memcpy(name, cn[i].owner, EW_DNS_NAME_LEN);
	}
}

int ew_dns_answers(const uint8_t *msg, size_t len, ew_dns_answer_fn fn, void *arg)
{
	struct cname cn[MAX_CNAMES];
	char name[EW_DNS_NAME_LEN];
	unsigned qdcount, ancount, ncn = 0;
	size_t off, answers;
	int r, reported = 0;

	if (!msg || !fn)
		return -EINVAL;
	if (len < HDR_LEN)
		return -EAGAIN;
	/* QR=1 and OPCODE=0: only responses to standard queries carry answers to report. */
	if (!(msg[2] & 0x80) || (msg[2] & 0x78))
		return -EINVAL;
	if (msg[3] & 0x0f)
		return 0;
	qdcount = rd16(msg + 4);
	ancount = rd16(msg + 6);
	off = HDR_LEN;
	for (unsigned i = 0; i < qdcount; i++) {
		if ((r = read_name(msg, len, off, name, &off)))
			return r;
		if (len - off < 4)
			return -EAGAIN;
		off += 4;
	}
	answers = off;
	for (unsigned i = 0; i < ancount; i++) {
		struct rr rr;

		size_t next;

		if ((r = read_rr(msg, len, &off, &rr)))
			return r;
		if (rr.type != TYPE_CNAME || rr.class != CLASS_IN || ncn == MAX_CNAMES)
			continue;
		/* read_rr() validated both names. */
		if ((r = read_name(msg, len, rr.owner, cn[ncn].owner, &next)) ||
		    (r = read_name(msg, len, rr.rdata, cn[ncn].target, &next)))
			return r;
		ncn++;
	}
	off = answers;
	for (unsigned i = 0; i < ancount; i++) {
		uint8_t addr[16] = {0};
		struct rr rr;
		size_t next;

		/* Validated above: these cannot fail now. */
		if ((r = read_rr(msg, len, &off, &rr)))
			return r;
		if (rr.class != CLASS_IN || (rr.type != TYPE_A && rr.type != TYPE_AAAA))
			continue;
		if ((r = read_name(msg, len, rr.owner, name, &next)))
			return r;
		chain_back(cn, ncn, name);
		if (rr.type == TYPE_A) {
			addr[10] = 0xff;
			addr[11] = 0xff;
			memcpy(addr + 12, msg + rr.rdata, 4);
		} else {
			memcpy(addr, msg + rr.rdata, 16);
		}
		if ((r = fn(name, addr, rr.ttl, arg)) < 0)
			return r;
		reported++;
	}
	return reported;
}

int ew_dns_txid(const uint8_t *msg, size_t len)
{
	if (!msg || len < 2)
		return -EAGAIN;
	return rd16(msg);
}

int ew_dns_query(const uint8_t *msg, size_t len, struct ew_dns_question *q)
{
	size_t off;
	int r;

	if (!q)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	if (!msg)
		return -EINVAL;
	if (len >= 2)
		q->txid = rd16(msg);
	if (len < HDR_LEN)
		return -EAGAIN;
	/* QR=0 and OPCODE=0: NOTIFY, UPDATE and responses ask nothing a flow is named by. */
	if ((msg[2] & 0x80) || (msg[2] & 0x78))
		return -EINVAL;
	if (!rd16(msg + 4))
		return -ENOENT;
	r = read_name(msg, len, HDR_LEN, q->name, &off);
	if (!r && len - off < 4)
		r = -EAGAIN;
	if (r) {
		/* read_name() may have left part of a name behind. */
		memset(q->name, 0, sizeof(q->name));
		return r;
	}
	q->qtype = rd16(msg + off);
	return q->name[0] ? 0 : -ENOENT;
}
