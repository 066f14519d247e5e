/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * record_ip.h - the text of an address as records, alerts and the console
 * show it: inet_ntop()'s, a v4-mapped address as a dotted quad, without a
 * sprintf() per group (every record has two).
 */
#ifndef EW_RECORD_IP_H
#define EW_RECORD_IP_H

#include <stddef.h>
#include <stdint.h>

/**
 * ew_record_ip_text() - the text of @addr into @buf.
 * @addr: 16 bytes, IPv4 as v4-mapped
 * @buf: receives the text and a NUL
 * @len: its size (INET6_ADDRSTRLEN holds any)
 * Return: the text's length.
 */
size_t ew_record_ip_text(const uint8_t addr[16], char *buf, size_t len);

/** ew_record_ip() - ew_record_ip_text(), returning @buf. */
const char *ew_record_ip(const uint8_t addr[16], char *buf, size_t len);

#endif
