// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "out/community_id.h"
#include "util/addr.h"
#include "util/sha1.h"

/*
 * ICMP has no ports: the spec uses type and code, except that a request and
 * its reply must hash alike, so for those the "destination port" is the
 * counterpart type. Pairs as in the spec's reference implementation (Zeek's
 * ICMP4_counterpart/ICMP6_counterpart).
 */
static const uint8_t icmp4_pairs[][2] = {
    {8, 0}, {13, 14}, {15, 16}, {10, 9}, {17, 18}, /* echo, tstamp, info, router, mask */
};
static const uint8_t icmp6_pairs[][2] = {
    {128, 129}, {133, 134}, {135, 136}, /* echo, router, neighbor */
    {130, 131}, {139, 140}, {144, 145}, /* MLD, node information, home agent */
};

/* Returns -1 for a one-way message type: those are never reordered. */
static int icmp_counterpart(uint8_t proto, uint16_t type)
{
	const uint8_t(*pairs)[2] = proto == 1 ? icmp4_pairs : icmp6_pairs;
	size_t n = proto == 1 ? sizeof(icmp4_pairs) / sizeof(icmp4_pairs[0])
			      : sizeof(icmp6_pairs) / sizeof(icmp6_pairs[0]);

	for (size_t i = 0; i < n; i++) {
		if (pairs[i][0] == type)
			return pairs[i][1];
		if (pairs[i][1] == type)
			return pairs[i][0];
	}
	return -1;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void base64(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*out++ = tab[v >> 18];
		*out++ = tab[v >> 12 & 63];
		*out++ = tab[v >> 6 & 63];
		*out++ = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		*out++ = tab[v >> 18];
		*out++ = tab[v >> 12 & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		*out++ = tab[v >> 18];
		*out++ = tab[v >> 12 & 63];
		*out++ = tab[v >> 6 & 63];
		*out++ = '=';
	}
	*out = '\0';
}

int ew_community_id(uint16_t seed, uint8_t proto, const uint8_t saddr[16], uint16_t sport,
		    const uint8_t daddr[16], uint16_t dport, char out[EW_COMMUNITY_ID_LEN])
{
	/* seed(2) + 2 * addr(16) + proto(1) + pad(1) + 2 * port(2) */
	uint8_t buf[2 + 16 + 16 + 1 + 1 + 2 + 2];
	uint8_t digest[EW_SHA1_LEN];
	bool v4 = ew_addr_is_v4(saddr);
	size_t alen = v4 ? 4 : 16, off = v4 ? 12 : 0, n = 0;
	bool has_ports = true, one_way = false;
	const uint8_t *a1 = saddr + off, *a2 = daddr + off;
	uint16_t p1 = sport, p2 = dport;
	int cmp, cp;

	if (v4 != ew_addr_is_v4(daddr))
		return -EINVAL;

	switch (proto) {
	case 6:
	case 17:
	case 132:
		break;
	case 1:
	case 58:
		cp = icmp_counterpart(proto, sport);
		if (cp >= 0)
			p2 = (uint16_t)cp;
		else
			one_way = true;
		break;
	default:
		has_ports = false;
		p1 = p2 = 0;
		break;
	}

	/* The smaller endpoint goes first so both directions hash alike; the
	 * comparison is on network-order bytes, as the spec's reference does. */
	cmp = memcmp(a1, a2, alen);
	if (!one_way && (cmp > 0 || (cmp == 0 && p1 > p2))) {
		const uint8_t *ta = a1;
		uint16_t tp = p1;

		a1 = a2;
		a2 = ta;
		p1 = p2;
		p2 = tp;
	}

	put_be16(buf, seed);
	n = 2;
	memcpy(buf + n, a1, alen);
	n += alen;
	memcpy(buf + n, a2, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	if (has_ports) {
		put_be16(buf + n, p1);
		put_be16(buf + n + 2, p2);
		n += 4;
	}
	ew_sha1(buf, n, digest);
	out[0] = '1';
	out[1] = ':';
	base64(digest, sizeof(digest), out + 2);
	return 0;
}
