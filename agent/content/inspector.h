/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * inspector.h - the content engine's sink in a live run: each stream read
 * by stream.c (sniffed, decoded, recognised) under one scanner, one
 * taxonomy and the legal entity's subject key, its content_hits events
 * handed to the pipeline. It owns the scanner and the key; the taxonomy is
 * the inputs'.
 */
#ifndef EW_INSPECTOR_H
#define EW_INSPECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/engine.h"

struct ew_taxonomy;
struct ew_inspector;

/**
 * ew_inspector_new() - compile @t's recognisers and load (or create) the
 * subject key at @key_path.
 * @decoded_limit: bytes of decoded HTTP bodies per stream
 * @emit, @arg: where each content_hits event goes (the pipeline)
 * @ready: whether the pipeline has the flow of a cookie yet (stream.h)
 * Return: 0; -EINVAL (the reason logged, naming the file); -ENOMEM.
 */
int ew_inspector_new(const struct ew_taxonomy *t, const char *key_path, size_t decoded_limit,
		     ew_content_emit_fn emit, bool (*ready)(void *arg, uint64_t cookie), void *arg,
		     struct ew_inspector **out);

/* The sink ops; their ctx is the inspector. */
extern const struct ew_content_sink_ops ew_inspector_sink;

/** ew_inspector_stream_size() - bytes one open stream holds at most. */
size_t ew_inspector_stream_size(const struct ew_inspector *in);

/** ew_inspector_detach() - the pipeline is gone: later hits are dropped. NULL is fine. */
void ew_inspector_detach(struct ew_inspector *in);

/** ew_inspector_free() - NULL is fine; every stream must be closed first. */
void ew_inspector_free(struct ew_inspector *in);

#endif
