/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * http_body.h - the decoding chain of one HTTP body, for http_req.c: content
 * coding undone with zlib (bounded output), then the escapes of the media
 * type (form percent-encoding, JSON string escapes) undone, streaming.
 */
#ifndef EW_HTTP_BODY_H
#define EW_HTTP_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

enum ew_http_coding { EW_HTTP_CODING_NONE, EW_HTTP_CODING_GZIP, EW_HTTP_CODING_DEFLATE };
enum ew_http_text { EW_HTTP_TEXT_NONE, EW_HTTP_TEXT_FORM, EW_HTTP_TEXT_JSON };

/* Opaque to callers: the fields are here so it can live inside http_req's struct. */
struct ew_http_body {
	void (*sink)(void *arg, const uint8_t *p, size_t n);
	void *arg;
	size_t left;   /* decoded bytes the stream may still produce */
	size_t zbytes; /* held by zlib now */
	z_stream z;
	uint8_t coding; /* enum ew_http_coding */
	uint8_t text;	/* enum ew_http_text */
	bool zinit;	/* z is initialised */
	bool zend;	/* z reached the end of a (gzip member's) stream */
	uint8_t nsniff; /* deflate: bytes held to tell zlib from raw */
	uint8_t sniff[2];
	uint8_t tstate; /* escape state of the text stage */
	uint8_t ndig;
	char dig[4]; /* hex digits of a pending escape, as received */
	uint16_t hi; /* a high surrogate waiting for its low half */
	size_t nout;
	uint8_t out[512]; /* text stage output, flushed to sink */
};

/**
 * ew_http_body_init() - set up the chain for a stream.
 * @b: the chain
 * @limit: decoded bytes the whole stream may produce
 * @sink: receives the decoded bytes
 * @arg: for @sink
 */
void ew_http_body_init(struct ew_http_body *b, size_t limit,
		       void (*sink)(void *arg, const uint8_t *p, size_t n), void *arg);

/**
 * ew_http_body_start() - the next body starts.
 * @b: the chain, idle
 * @coding: its content coding
 * @text: its media type's escapes
 */
void ew_http_body_start(struct ew_http_body *b, enum ew_http_coding coding, enum ew_http_text text);

/**
 * ew_http_body_feed() - framed body bytes, in order.
 * @b: the chain
 * @p: untrusted bytes
 * @n: bytes at @p
 *
 * Return: 0, EW_HTTP_ECORRUPT, EW_HTTP_DECODE_LIMIT or EW_HTTP_ENOMEM.
 */
int ew_http_body_feed(struct ew_http_body *b, const uint8_t *p, size_t n);

/**
 * ew_http_body_finish() - the body ended: flush escapes, check the coding ended.
 * @b: the chain; idle afterwards
 *
 * Return: 0 or EW_HTTP_ECORRUPT (a compressed stream cut short).
 */
int ew_http_body_finish(struct ew_http_body *b);

/**
 * ew_http_body_flush() - pass what the text stage holds to the sink.
 * @b: the chain
 */
void ew_http_body_flush(struct ew_http_body *b);

/**
 * ew_http_body_stop() - give up the body: flush, free zlib; idle afterwards.
 * @b: the chain
 */
void ew_http_body_stop(struct ew_http_body *b);

#endif
