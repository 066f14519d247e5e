/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * http_req.h - streaming parser of the HTTP/1.x requests one direction of a
 * TCP flow carries (client to server), so the recognisers see each body as
 * the application meant it: framing (Content-Length, chunked) and content
 * coding (gzip, deflate) undone, form and JSON escapes decoded.
 */
#ifndef EW_HTTP_REQ_H
#define EW_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Why a stream stopped. The caller maps EW_HTTP_DECODE_LIMIT to the
 * inspection reason decode_limit and every other code but EW_HTTP_ESWITCH
 * to decode_error. EW_HTTP_ESWITCH is no fault: the connection left HTTP
 * (CONNECT, Upgrade) and what follows is another protocol.
 */
enum {
	EW_HTTP_EPARSE = -1,	   /* malformed request line or header field */
	EW_HTTP_EHEADER = -2,	   /* a line or the header block is too long */
	EW_HTTP_ECHUNK = -3,	   /* bad chunk size line or chunk delimiter */
	EW_HTTP_ECORRUPT = -4,	   /* corrupt or truncated gzip/deflate body */
	EW_HTTP_EENCODING = -5,	   /* a content or transfer coding not decoded here */
	EW_HTTP_DECODE_LIMIT = -6, /* decoded body bytes passed the stream's limit */
	EW_HTTP_ENOMEM = -7,	   /* zlib could not get its (bounded) memory */
	EW_HTTP_ESWITCH = -8,	   /* CONNECT or Upgrade: the rest is not HTTP */
};

/* Bounds on what one request keeps; longer values are cut (the target) or refused. */
#define EW_HTTP_METHOD_MAX 32	 /* with NUL; a longer method is EW_HTTP_EPARSE */
#define EW_HTTP_TARGET_MAX 2048	 /* with NUL; the decoded target is cut there */
#define EW_HTTP_CTYPE_MAX  128	 /* with NUL; Content-Type is cut there */
#define EW_HTTP_CENC_MAX   64	 /* with NUL; a longer Content-Encoding is EENCODING */
#define EW_HTTP_LINE_MAX   8192	 /* request line, header line, trailer line */
#define EW_HTTP_HEAD_MAX   65536 /* a whole header (or trailer) block */
#define EW_HTTP_ZLIB_MAX   49152 /* what zlib may allocate for one inflate stream */

/**
 * struct ew_http_req_info - one request, as its header block ended.
 * @method: the method token, e.g. "POST"
 * @target: the request target percent-decoded ('+' as space after '?'),
 *          cut at EW_HTTP_TARGET_MAX - 1 bytes; may hold any byte but NUL
 * @content_type: the Content-Type field value, trimmed, "" if absent
 * @content_encoding: the Content-Encoding field value, "" if absent
 * @git_push: POST of .../git-receive-pack with the receive-pack request type
 * @git_fetch: POST of .../git-upload-pack (smart HTTP fetch or clone)
 * @s3_multipart: a part of an S3 multipart upload: PUT ?partNumber=&uploadId=,
 *                or POST ?uploads (initiate) or ?uploadId= (complete)
 *
 * The strings live until the callback returns.
 */
struct ew_http_req_info {
	const char *method, *target, *content_type, *content_encoding;
	bool git_push, git_fetch, s3_multipart;
};

/**
 * struct ew_http_req_ops - what the parser calls, in stream order.
 * @request: a request's header block is complete
 * @body: decoded body bytes of the last request, in pieces of any size
 * @end: the last request's body is complete (not called for a request a
 *       stop cut short)
 */
struct ew_http_req_ops {
	void (*request)(void *arg, const struct ew_http_req_info *r);
	void (*body)(void *arg, const uint8_t *p, size_t n);
	void (*end)(void *arg);
};

struct ew_http_req;

/**
 * ew_http_req_open() - a parser for one client-to-server byte stream.
 * @decoded_limit: body bytes after content decoding (gzip, deflate, or none)
 *                 the whole stream may produce; past it the stream stops
 *                 with EW_HTTP_DECODE_LIMIT after delivering exactly this many
 * @ops: callbacks; each may be NULL
 * @arg: passed to the callbacks
 *
 * Return: the parser, or NULL without memory.
 */
struct ew_http_req *ew_http_req_open(size_t decoded_limit, const struct ew_http_req_ops *ops,
				     void *arg);

/**
 * ew_http_req_feed() - the next bytes of the stream, in order.
 * @h: the parser
 * @p: untrusted bytes; any split of the stream works, one byte at a time too
 * @n: bytes at @p
 *
 * Pipelined requests follow each other. Once the parser stops it consumes
 * nothing more and returns the same code on every later call; the body
 * bytes decoded before the stop have been delivered.
 *
 * Return: 0, or the negative EW_HTTP_E* (or EW_HTTP_DECODE_LIMIT) it stopped with.
 */
int ew_http_req_feed(struct ew_http_req *h, const uint8_t *p, size_t n);

/**
 * ew_http_req_close() - free the parser and its zlib state.
 * @h: the parser, or NULL
 */
void ew_http_req_close(struct ew_http_req *h);

/**
 * ew_http_req_state_size() - the most memory one open parser holds.
 *
 * Return: bytes: the parser and the zlib allocation bound (EW_HTTP_ZLIB_MAX).
 */
size_t ew_http_req_state_size(void);

/**
 * ew_http_req_sniff() - whether a stream starts as an HTTP/1.x request.
 * @p: the first bytes of the stream
 * @n: bytes at @p
 *
 * A known method, a space and the start of a target; if the request line
 * is complete within @n it must end in " HTTP/1.<digit>".
 *
 * Return: true if it does.
 */
bool ew_http_req_sniff(const uint8_t *p, size_t n);

/**
 * ew_http_req_strerror() - a short label of a stop code, for counters.
 * @err: an EW_HTTP_E* code
 *
 * Return: a static string.
 */
const char *ew_http_req_strerror(int err);

#endif
