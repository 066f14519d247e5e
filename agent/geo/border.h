/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * border.h - where a peer is, and whether talking to it crosses the border.
 *
 * Order (first that knows wins): the policy's explicit networks, then the
 * geolocation databases against the policy's domestic countries, then the
 * RFC 6890 special-purpose ranges (local), else unknown. Anycast addresses
 * and unknowns are marked for human review.
 */
#ifndef EW_BORDER_H
#define EW_BORDER_H

#include <stdint.h>

#include "geo/geo.h"
#include "policy/policy.h"

enum ew_border { EW_BORDER_UNKNOWN, EW_BORDER_DOMESTIC, EW_BORDER_CROSS, EW_BORDER_LOCAL };
enum ew_border_by { EW_BY_NONE, EW_BY_NETWORK, EW_BY_DATABASE, EW_BY_SPECIAL };

#define EW_REVIEW_ANYCAST 0x1
#define EW_REVIEW_UNKNOWN 0x2

struct ew_place {
	uint8_t border; /* enum ew_border */
	uint8_t by;	/* enum ew_border_by */
	uint8_t review; /* EW_REVIEW_* */
	char country[3];
	uint32_t asn;
	char as_org[96];
	char net_name[64]; /* the policy network's name, or the special range's */
};

/** ew_border_decide() - @geo may be NULL (no database). */
void ew_border_decide(const struct ew_policy *pol, struct ew_geo *geo, const uint8_t addr[16],
		      struct ew_place *out);

const char *ew_border_name(int border);
const char *ew_border_by_name(int by);

#endif
