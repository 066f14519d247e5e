/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * http_host.h - host name from the start of a plaintext HTTP/1.x request,
 * so a flow to a shared address is recorded with the site it talked to.
 */
#ifndef EW_HTTP_HOST_H
#define EW_HTTP_HOST_H

#include <stddef.h>
#include <stdint.h>

/**
 * ew_http_host() - the host of an HTTP/1.x request, without port.
 * @buf: untrusted bytes: the start of the client's first payload
 * @len: bytes in @buf (a bounded copy may stop anywhere)
 * @out: receives the NUL-terminated, lowercased host (an IPv6 literal
 *       without its brackets)
 * @outlen: size of @out; 254 always suffices
 *
 * Allocation-free. Expects "METHOD SP target SP HTTP/1.x CRLF" and header
 * lines up to the empty line. An absolute-form target (http://host/...) wins
 * over the Host header, as RFC 9112 3.2.2 requires of servers. The first Host
 * header is returned as soon as its line is complete, so the rest of the
 * header block need not be captured.
 *
 * Return: 0; -ENOENT for a well-formed request without a host (HTTP/1.0);
 * -EAGAIN when the request line or the headers continue past @len; -EINVAL
 * when malformed (not HTTP/1.x, control bytes, obsolete line folding, a host
 * that is empty, longer than 253 or holds bytes outside [A-Za-z0-9.-_], a
 * bad port); -ENOSPC when the host does not fit @outlen.
 */
int ew_http_host(const uint8_t *buf, size_t len, char *out, size_t outlen);

#endif
