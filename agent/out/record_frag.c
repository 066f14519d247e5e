// SPDX-License-Identifier: GPL-2.0-only
#include "out/record_frag.h"

#include <string.h>

/* A few ways each: records alternate between TCP and UDP, verdicts, ends. */
#define WAYS 8

static __thread struct ew_record_frag frags[EW_RECORD_FRAG_KINDS][WAYS];
static __thread uint8_t next_way[EW_RECORD_FRAG_KINDS];

const struct ew_record_frag *ew_record_frag_get(int which, uint64_t key, ew_record_frag_fn fn,
						const void *arg)
{
	struct ew_record_frag *m;
	struct ew_jsonw s;

	for (int i = 0; i < WAYS; i++) {
		m = &frags[which][i];
		if (m->key == key + 1)
			return m;
	}
	m = &frags[which][next_way[which]];
	next_way[which] = (uint8_t)((next_way[which] + 1) % WAYS);
	/* Encoded by the same code as a miss writes in place: the same bytes. */
	ew_jsonw_init(&s);
	ew_jsonw_obj_begin(&s, NULL);
	fn(&s, arg);
	ew_jsonw_obj_end(&s);
	if (s.oom || s.len <= 2 || s.len - 2 > sizeof(m->text)) {
		m = NULL;
	} else {
		m->len = (uint32_t)(s.len - 2);
		memcpy(m->text, s.buf + 1, m->len);
		m->key = key + 1;
	}
	ew_jsonw_free(&s);
	return m;
}

void ew_record_frag_put(struct ew_jsonw *w, int which, uint64_t key, ew_record_frag_fn fn,
			const void *arg)
{
	const struct ew_record_frag *m = ew_record_frag_get(which, key, fn, arg);

	if (m)
		ew_jsonw_members(w, m->text, m->len);
	else
		fn(w, arg);
}
