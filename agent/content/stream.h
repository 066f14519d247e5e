/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stream.h - one direction of one flow read as the application meant it:
 * the first bytes say what it is (an HTTP/1.x request stream, GB/T 32960 or
 * JT/T 808 frames, else raw bytes), a decoder undoes its framing and
 * encodings, and the recognisers scan what comes out. What they find leaves
 * as content_hits events: categories, match counts and the people named as
 * keyed hashes. Raw bytes and identifiers stay inside this file.
 *
 * The content engine (engine.c) feeds it in-order bytes; the classify
 * command feeds it files.
 */
#ifndef EW_STREAM_H
#define EW_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ew.h"

struct ew_scanner;
struct ew_taxonomy;
struct ew_subject_key;

/* Shared by every stream; valid while any is open. */
struct ew_stream_env {
	struct ew_scanner *scanner;
	const struct ew_taxonomy *taxonomy;
	const struct ew_subject_key *key;
	size_t decoded_limit; /* bytes of decoded body per stream (content.decoded_bytes) */
	/* Each derived event: a struct ew_ev_content_hits, copied by the callee. */
	void (*emit)(void *arg, const struct ew_ev_content_hits *ev);
	void *arg;
	/*
	 * Whether the pipeline has @cookie's flow yet: chunks come on a ring of
	 * their own, so a flow's first bytes can be read before its connect.
	 * Until then its counts wait in the stream (a batch that fills goes
	 * anyway); NULL: always.
	 */
	bool (*ready)(void *arg, uint64_t cookie);
	/* classify --show-matches only: each raw value, with its category. NULL in the agent. */
	void (*show)(void *arg, const char *category, const char *value, size_t n);
};

struct ew_stream;

/** ew_stream_open() - a stream of socket @cookie's direction @dir; NULL: no memory. */
struct ew_stream *ew_stream_open(const struct ew_stream_env *env, uint64_t cookie, uint8_t dir);

/**
 * ew_stream_feed() - the next @n bytes of the stream, read at boottime @ts
 * (the events' time). Return: 0, or a negative enum ew_inspect_reason when
 * the stream stopped being inspected (a corrupt or oversized body): later
 * bytes are ignored and the reason stands.
 */
int ew_stream_feed(struct ew_stream *s, const uint8_t *p, size_t n, uint64_t ts);

/** ew_stream_poll() - emit the hits held back while the flow was not known, if it is now. */
void ew_stream_poll(struct ew_stream *s);

/** ew_stream_close() - the stream ended: emit what it still holds and free it. */
void ew_stream_close(struct ew_stream *s, uint64_t ts);

/** ew_stream_size() - bytes one open stream holds at most, decoders and scanner included. */
size_t ew_stream_size(const struct ew_stream_env *env);

#endif
