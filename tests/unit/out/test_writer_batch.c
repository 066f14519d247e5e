// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>

#include "out/writer_batch.h"

#define SEC  1000000000ll
#define SIZE sizeof(struct ew_writer_batch)

/* Given back past max_spare a batch is unmapped at once; spares come back emptied. */
Test(writer_batch, spares_are_kept_up_to_max_and_the_rest_unmapped)
{
	struct ew_writer_batches p;
	struct ew_writer_batch *b[4], *got[2];

	ew_writer_batch_init(&p, 2, 0);
	cr_assert_null(ew_writer_batch_spare(&p));
	for (int i = 0; i < 4; i++) {
		b[i] = ew_writer_batch_map(&p);
		cr_assert_not_null(b[i]);
		b[i]->len = 100;
		b[i]->n = 1;
		b[i]->n_segs = 1;
		b[i]->data[0] = 'x'; /* the memory is there */
	}
	cr_assert_eq(ew_writer_batch_mapped_bytes(&p), 4 * SIZE);
	for (int i = 0; i < 4; i++)
		ew_writer_batch_give(&p, b[i]);
	cr_assert_eq(p.n_spare, 2);
	cr_assert_eq(ew_writer_batch_mapped_bytes(&p), 2 * SIZE);
	for (int i = 0; i < 2; i++) {
		struct ew_writer_batch *s = ew_writer_batch_spare(&p);

		cr_assert(s == b[0] || s == b[1]);
		cr_assert_eq(s->len + s->n + s->n_segs, 0);
		cr_assert_null(s->next);
		got[i] = s;
	}
	cr_assert_neq(got[0], got[1]);
	cr_assert_null(ew_writer_batch_spare(&p));
	got[0]->next = got[1];
	ew_writer_batch_unmap(&p, got[0]);
	cr_assert_eq(ew_writer_batch_mapped_bytes(&p), 0);
}

/* Spares untouched for a second leave but one; a trim sooner does nothing. */
Test(writer_batch, unused_spares_are_trimmed_to_one)
{
	struct ew_writer_batches p;
	struct ew_writer_batch *out;
	int n = 0;

	ew_writer_batch_init(&p, 3, 0);
	for (int i = 0; i < 3; i++) {
		struct ew_writer_batch *b = ew_writer_batch_map(&p);

		cr_assert_not_null(b);
		ew_writer_batch_give(&p, b);
	}
	/* The first trim counts the spares; only the next one, a second on, frees. */
	cr_assert_null(ew_writer_batch_trim(&p, SEC / 2));
	cr_assert_null(ew_writer_batch_trim(&p, SEC));
	cr_assert_eq(p.n_spare, 3);
	cr_assert_null(ew_writer_batch_trim(&p, SEC + SEC / 2), "trimmed sooner than a second");
	out = ew_writer_batch_trim(&p, 2 * SEC);
	for (struct ew_writer_batch *b = out; b; b = b->next)
		n++;
	cr_assert_eq(n, 2);
	cr_assert_eq(p.n_spare, 1);
	ew_writer_batch_unmap(&p, out);
	cr_assert_eq(ew_writer_batch_mapped_bytes(&p), SIZE);
	ew_writer_batch_unmap(&p, p.spare);
}

/* A spare taken since the last trim was needed: as many as were in use stay. */
Test(writer_batch, spares_in_use_are_not_trimmed)
{
	struct ew_writer_batches p;
	struct ew_writer_batch *b[3];

	ew_writer_batch_init(&p, 3, 0);
	for (int i = 0; i < 3; i++)
		b[i] = ew_writer_batch_map(&p);
	for (int i = 0; i < 3; i++)
		ew_writer_batch_give(&p, b[i]);
	cr_assert_null(ew_writer_batch_trim(&p, SEC)); /* counts 3 spares */
	/* Two taken and given back: only one went unused since. */
	b[0] = ew_writer_batch_spare(&p);
	b[1] = ew_writer_batch_spare(&p);
	ew_writer_batch_give(&p, b[0]);
	ew_writer_batch_give(&p, b[1]);
	cr_assert_null(ew_writer_batch_trim(&p, 2 * SEC));
	cr_assert_eq(p.n_spare, 3);
	ew_writer_batch_unmap(&p, p.spare);
}
