// SPDX-License-Identifier: GPL-2.0-only
#include "kernel/ringbuf.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

struct ew_ringbuf {
	ew_ringbuf_fn fn;
	ew_ringbuf_peek_fn peek; /* may be NULL */
	void *ctx;
	int epoll_fd;
	size_t page;
	size_t size;			   /* of the data area: a power of two */
	unsigned long *consumer_pos;	   /* its own page, ours to write */
	const unsigned long *producer_pos; /* the page before the data, read-only */
	const char *data;
	char *wrap; /* a record that wraps, made whole */
	size_t wrap_cap;
};

int ew_ringbuf_new(int map_fd, ew_ringbuf_fn fn, void *ctx, struct ew_ringbuf **out)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	struct epoll_event ev = {.events = EPOLLIN};
	struct ew_ringbuf *r;
	void *p;
	int rc;

	rc = bpf_obj_get_info_by_fd(map_fd, &info, &len);
	if (rc)
		return rc < 0 ? rc : -EINVAL;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fn = fn;
	r->ctx = ctx;
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->size = info.max_entries;
	r->epoll_fd = -1;
	p = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	r->consumer_pos = p;
	/* The kernel lays the data out twice after this page; one copy is enough. */
	p = mmap(NULL, r->page + r->size, PROT_READ, MAP_SHARED, map_fd, (off_t)r->page);
	if (p == MAP_FAILED)
		goto fail;
	r->producer_pos = p;
	r->data = (const char *)p + r->page;
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epoll_fd < 0 || epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev))
		goto fail;
	*out = r;
	return 0;
fail:
	rc = -errno;
	ew_ringbuf_free(r);
	return rc;
}

/* The record at data offset @off, @len bytes, as one piece. */
static void *whole(struct ew_ringbuf *r, size_t off, size_t len)
{
	size_t first = r->size - off;

	if (len <= first)
		return (void *)(r->data + off);
	if (len > r->wrap_cap) {
		char *b = realloc(r->wrap, len);

		if (!b)
			return NULL;
		r->wrap = b;
		r->wrap_cap = len;
	}
	memcpy(r->wrap, r->data + off, first);
	memcpy(r->wrap + first, r->data, len - first);
	return r->wrap;
}

/* The ring space of a record of @body bytes: its header and body, 8-aligned. */
static size_t span(size_t body)
{
	return (body + BPF_RINGBUF_HDR_SZ + 7) & ~(size_t)7;
}

/* Give the record's space back to the kernel. */
static void advance(struct ew_ringbuf *r, unsigned long *cons, size_t body)
{
	*cons += span(body);
	__atomic_store_n(r->consumer_pos, *cons, __ATOMIC_RELEASE);
}

void ew_ringbuf_set_peek(struct ew_ringbuf *r, ew_ringbuf_peek_fn peek)
{
	r->peek = peek;
}

/*
 * Show the peek callback the record at @pos if it is whole already: below
 * @prod, its header neither busy nor discarded, its body not wrapping. Only
 * reads: the consumer position moves as it would without it.
 */
static void peek_at(struct ew_ringbuf *r, unsigned long pos, unsigned long prod)
{
	const size_t mask = r->size - 1;
	uint32_t len;
	size_t off;

	if (pos >= prod)
		return;
	len = __atomic_load_n((const uint32_t *)(r->data + (pos & mask)), __ATOMIC_ACQUIRE);
	if (len & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT))
		return;
	off = (pos + BPF_RINGBUF_HDR_SZ) & mask;
	if (len <= r->size - off)
		r->peek(r->ctx, r->data + off, len);
}

int ew_ringbuf_consume(struct ew_ringbuf *r)
{
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	const size_t mask = r->size - 1;
	long n = 0;
	bool more;

	do {
		unsigned long prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);

		more = false;
		while (cons < prod) {
			const uint32_t *hdr = (const uint32_t *)(r->data + (cons & mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			size_t body = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			void *rec;

			if (len & BPF_RINGBUF_BUSY_BIT)
				return n > INT_MAX ? INT_MAX : (int)n;
			more = true;
			/* Headers are 8-aligned and the size a multiple of 8: a header never wraps.
			 */
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				int rc;

				/* No memory for a wrapped copy: it stays, for the next consume. */
				rec = whole(r, (cons + BPF_RINGBUF_HDR_SZ) & mask, body);
				if (!rec)
					return -ENOMEM;
				if (r->peek)
					peek_at(r, cons + span(body), prod);
				rc = r->fn(r->ctx, rec, body);
				if (rc < 0) {
					advance(r, &cons, body);
					return rc;
				}
				n++;
			}
			advance(r, &cons, body);
		}
	} while (more);
	return n > INT_MAX ? INT_MAX : (int)n;
}

int ew_ringbuf_epoll_fd(const struct ew_ringbuf *r)
{
	return r->epoll_fd;
}

void ew_ringbuf_free(struct ew_ringbuf *r)
{
	if (!r)
		return;
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page);
	if (r->producer_pos)
		munmap((void *)r->producer_pos, r->page + r->size);
	free(r->wrap);
	free(r);
}
