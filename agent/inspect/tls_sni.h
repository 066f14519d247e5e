/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tls_sni.h - server name from the first bytes of a TLS connection, so a
 * flow to a CDN address can be recorded with the host the client meant.
 */
#ifndef EW_TLS_SNI_H
#define EW_TLS_SNI_H

#include <stddef.h>
#include <stdint.h>

/* A DNS name in text form is at most 253 characters; + NUL. */
#define EW_HOSTNAME_LEN 254

/**
 * ew_tls_sni() - host_name of the server_name extension of a ClientHello.
 * @buf: untrusted bytes: the start of the client's first TLS record
 * @len: bytes in @buf (a bounded copy may stop anywhere)
 * @out: receives the NUL-terminated, lowercased host name
 * @outlen: size of @out; EW_HOSTNAME_LEN always suffices
 *
 * Allocation-free and reads only @buf[0..@len). Every length field is
 * checked against the structure that contains it, so a lie is -EINVAL even
 * when the capture is short; running out of captured bytes inside a
 * consistent structure is -EAGAIN. A ClientHello fragmented over several
 * records is reported as -EAGAIN: only its first record is looked at.
 *
 * Return: 0; -ENOENT for a well-formed ClientHello without server_name;
 * -EAGAIN when the ClientHello continues past @len; -EINVAL when malformed
 * (not a handshake record, lengths that overrun, bad name types, a name that
 * is empty, longer than 253 or holds bytes outside [A-Za-z0-9.-_]);
 * -ENOSPC when the name does not fit @outlen.
 */
int ew_tls_sni(const uint8_t *buf, size_t len, char *out, size_t outlen);

#endif
