/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * http_head.h - the request line and header fields of one HTTP/1.x request,
 * for http_req.c: kept bounded, judged as RFC 9112 tells a server to.
 */
#ifndef EW_HTTP_HEAD_H
#define EW_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/http_body.h"
#include "content/http_req.h"

/* Opaque to callers but for @chunked, @have_cl and @cl, the body's framing. */
struct ew_http_head {
	bool chunked, have_cl, upgrade, cenc_long;
	bool path_push, path_fetch, q_part, q_upid, q_uploads;
	uint64_t cl;
	char method[EW_HTTP_METHOD_MAX];
	char target[EW_HTTP_TARGET_MAX];
	char ctype[EW_HTTP_CTYPE_MAX];
	char cenc[EW_HTTP_CENC_MAX];
};

/**
 * ew_http_head_request() - a request line starts a request's head.
 * @h: the head; every field of the previous request is forgotten
 * @s: the line without its CRLF (untrusted)
 * @n: bytes at @s
 *
 * Return: 0 or EW_HTTP_EPARSE.
 */
int ew_http_head_request(struct ew_http_head *h, const char *s, size_t n);

/**
 * ew_http_head_field() - a header (or trailer) field line.
 * @h: the head
 * @s: the line without its CRLF (untrusted)
 * @n: bytes at @s
 * @trailer: a trailer field: checked, not kept
 *
 * Return: 0, EW_HTTP_EPARSE or EW_HTTP_EENCODING.
 */
int ew_http_head_field(struct ew_http_head *h, const char *s, size_t n, bool trailer);

/**
 * ew_http_head_end() - the head is complete: how to decode the body.
 * @h: the head
 * @info: receives the request's description (strings point into @h)
 * @coding: receives the content coding
 * @text: receives the escapes of the media type
 *
 * Return: 0 or EW_HTTP_EENCODING.
 */
int ew_http_head_end(const struct ew_http_head *h, struct ew_http_req_info *info,
		     enum ew_http_coding *coding, enum ew_http_text *text);

/**
 * ew_http_head_switches() - whether the connection leaves HTTP after this request.
 * @h: the head
 *
 * Return: true for CONNECT and for an Upgrade request.
 */
bool ew_http_head_switches(const struct ew_http_head *h);

#endif
