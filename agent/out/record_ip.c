// SPDX-License-Identifier: GPL-2.0-only
#include "out/record_ip.h"

#include <arpa/inet.h>
#include <string.h>

#include "util/addr.h"
#include "util/digits.h"
#include "util/str.h"

/* Hand-rolled: these run for every record, and printf costs more than the rest. */
static char *put_v4(char *p, const uint8_t a[4])
{
	for (int i = 0; i < 4; i++) {
		p = ew_digits_put(p, a[i]);
		if (i < 3)
			*p++ = '.';
	}
	return p;
}

/*
 * inet_ntop()'s text of an IPv6 address, without its sprintf() per group:
 * the first longest run of two or more zero groups is "::", and an address
 * of only its last 32 bits (or ::ffff: and them) ends dotted. @p has
 * INET6_ADDRSTRLEN bytes.
 */
static char *put_v6(char *p, const uint8_t a[16])
{
	static const char hex[] = "0123456789abcdef";
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	unsigned int g[8];

	for (int i = 0; i < 8; i++) {
		g[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
		if (!g[i]) {
			if (cur < 0)
				cur = i, cur_len = 0;
			if (++cur_len > best_len)
				best = cur, best_len = cur_len;
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && g[5] == 0xffff)))
			return put_v4(p, a + 12);
		for (int shift = 12; shift >= 0; shift -= 4)
			if (g[i] >> shift || !shift)
				*p++ = hex[g[i] >> shift & 15];
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return p;
}

size_t ew_record_ip_text(const uint8_t a[16], char *buf, size_t len)
{
	char *end;

	if (ew_addr_is_v4(a) && len >= 16) {
		end = put_v4(buf, a + 12);
	} else if (len >= INET6_ADDRSTRLEN) {
		end = put_v6(buf, a);
	} else {
		if (!inet_ntop(AF_INET6, a, buf, (socklen_t)len))
			ew_strlcpy(buf, "::", len);
		return strlen(buf);
	}
	*end = '\0';
	return (size_t)(end - buf);
}

const char *ew_record_ip(const uint8_t a[16], char *buf, size_t len)
{
	ew_record_ip_text(a, buf, len);
	return buf;
}
