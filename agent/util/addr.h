/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * addr.h - text → the agent's 16-byte address form (IPv4 as ::ffff:a.b.c.d),
 * for every place that reads addresses or networks from people.
 */
#ifndef EW_ADDR_H
#define EW_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/** ew_addr_is_v4() - whether @a is an IPv4 address (::ffff:a.b.c.d). */
static inline bool ew_addr_is_v4(const uint8_t a[16])
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/** ew_addr_parse() - "198.18.0.2" or "2001:db8::1". Return: 0 or -EINVAL. */
int ew_addr_parse(const char *s, uint8_t out[16]);

/**
 * ew_cidr_parse() - "198.18.0.0/15" or "2001:db8::/32"; @prefix is over the
 * 128-bit form (an IPv4 /15 is 111).
 * Return: 0, -EINVAL when malformed, -EDOM when host bits are set.
 */
int ew_cidr_parse(const char *s, uint8_t addr[16], uint8_t *prefix);

#endif
