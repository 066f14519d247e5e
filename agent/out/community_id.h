/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * community_id.h - Community ID v1 flow hashes
 * (https://github.com/corelight/community-id-spec), so a record can be
 * joined with Zeek, Suricata or Elastic data about the same flow.
 */
#ifndef EW_COMMUNITY_ID_H
#define EW_COMMUNITY_ID_H

#include <stdint.h>

/* "1:" + base64 of a 20-byte SHA-1 (28) + NUL = 31. */
#define EW_COMMUNITY_ID_LEN 32

/**
 * ew_community_id() - Community ID v1 string of one flow.
 * @seed: the spec's seed (0 unless the deployment agreed on another)
 * @proto: IP protocol number (6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58 ICMPv6, ...)
 * @saddr: source address, 16 bytes; ::ffff:a.b.c.d means IPv4
 * @sport: source port, host order (ICMP/ICMPv6: the message type)
 * @daddr: destination address, 16 bytes
 * @dport: destination port, host order (ICMP/ICMPv6: the message code)
 * @out: receives the NUL-terminated string, e.g. "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
 *
 * Both directions of a flow give the same string. Ports are ignored for
 * protocols that have none (anything but TCP, UDP, SCTP and the ICMPs).
 *
 * Return: 0, or -EINVAL when one address is IPv4 and the other IPv6.
 */
int ew_community_id(uint16_t seed, uint8_t proto, const uint8_t saddr[16], uint16_t sport,
		    const uint8_t daddr[16], uint16_t dport, char out[EW_COMMUNITY_ID_LEN]);

#endif
