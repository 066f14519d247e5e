/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ringbuf.h - the consumer side of a BPF ring buffer, mapping its data once.
 *
 * libbpf's consumer maps the data pages twice, back to back, so that a
 * record wrapping around the end reads as one piece; the kernel fills the
 * whole mapping at mmap time, so an 8 MiB ring costs 16 MiB of the agent's
 * resident memory. Here the data is mapped once and the rare record that
 * wraps is copied into a buffer of its own: the ring costs its size.
 */
#ifndef EW_RINGBUF_H
#define EW_RINGBUF_H

#include <stddef.h>

/* One record; @data is valid during the call only. A negative return stops the consume. */
typedef int (*ew_ringbuf_fn)(void *ctx, void *data, size_t len);

/* A look at a record before its turn (read only: a hint, such as a prefetch). */
typedef void (*ew_ringbuf_peek_fn)(void *ctx, const void *data, size_t len);

struct ew_ringbuf;

/**
 * ew_ringbuf_new() - map the BPF_MAP_TYPE_RINGBUF @map_fd for consuming.
 * Return: 0 with *@out set, or -errno.
 */
int ew_ringbuf_new(int map_fd, ew_ringbuf_fn fn, void *ctx, struct ew_ringbuf **out);

/**
 * ew_ringbuf_consume() - hand every committed record to the callback, in
 * order, until the ring is empty (a record still being written ends it).
 * Return: the records handed over (at most INT_MAX), or the callback's
 * negative return.
 */
int ew_ringbuf_consume(struct ew_ringbuf *r);

/**
 * ew_ringbuf_set_peek() - from now on, before a record goes to the callback,
 * @peek (NULL: none) sees the record after it, when that one is committed
 * already and does not wrap around the end (it is not copied for a peek).
 * What is consumed and when does not change.
 */
void ew_ringbuf_set_peek(struct ew_ringbuf *r, ew_ringbuf_peek_fn peek);

/** ew_ringbuf_epoll_fd() - an epoll fd readable when the kernel signals data. */
int ew_ringbuf_epoll_fd(const struct ew_ringbuf *r);

void ew_ringbuf_free(struct ew_ringbuf *r);

#endif
