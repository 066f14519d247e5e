// SPDX-License-Identifier: GPL-2.0-only
#include "out/writer_batch.h"

#include <sys/mman.h>

#define SPARE_BATCHES 1		   /* kept when idle; the rest unmapped */
#define TRIM_EVERY_NS 1000000000ll /* spares unused for this long are unmapped */

static struct ew_writer_batch *emptied(struct ew_writer_batch *b)
{
	b->next = NULL;
	b->len = 0;
	b->n = 0;
	b->n_segs = 0;
	return b;
}

void ew_writer_batch_init(struct ew_writer_batches *p, size_t max_spare, int64_t now_ns)
{
	*p = (struct ew_writer_batches){.max_spare = max_spare, .trim_ns = now_ns};
}

struct ew_writer_batch *ew_writer_batch_spare(struct ew_writer_batches *p)
{
	struct ew_writer_batch *b = p->spare;

	if (!b)
		return NULL;
	p->spare = b->next;
	p->n_spare--;
	if (p->n_spare < p->spare_low)
		p->spare_low = p->n_spare;
	return emptied(b);
}

struct ew_writer_batch *ew_writer_batch_map(struct ew_writer_batches *p)
{
	struct ew_writer_batch *b =
	    mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (b == MAP_FAILED)
		return NULL;
	__atomic_add_fetch(&p->mapped, 1, __ATOMIC_RELAXED);
	return emptied(b);
}

static void unmap_one(struct ew_writer_batches *p, struct ew_writer_batch *b)
{
	munmap(b, sizeof(*b));
	__atomic_sub_fetch(&p->mapped, 1, __ATOMIC_RELAXED);
}

void ew_writer_batch_give(struct ew_writer_batches *p, struct ew_writer_batch *b)
{
	if (p->n_spare < p->max_spare) {
		b->next = p->spare;
		p->spare = b;
		p->n_spare++;
	} else {
		unmap_one(p, b);
	}
}

struct ew_writer_batch *ew_writer_batch_trim(struct ew_writer_batches *p, int64_t now_ns)
{
	struct ew_writer_batch *out = NULL;

	if (now_ns - p->trim_ns < TRIM_EVERY_NS)
		return NULL;
	while (p->spare_low > SPARE_BATCHES && p->spare) {
		struct ew_writer_batch *b = p->spare;

		p->spare = b->next;
		p->n_spare--;
		p->spare_low--;
		b->next = out;
		out = b;
	}
	p->spare_low = p->n_spare;
	p->trim_ns = now_ns;
	return out;
}

void ew_writer_batch_unmap(struct ew_writer_batches *p, struct ew_writer_batch *b)
{
	for (struct ew_writer_batch *next; b; b = next) {
		next = b->next;
		unmap_one(p, b);
	}
}

uint64_t ew_writer_batch_mapped_bytes(const struct ew_writer_batches *p)
{
	return (uint64_t)__atomic_load_n(&p->mapped, __ATOMIC_RELAXED) *
	       sizeof(struct ew_writer_batch);
}
