// SPDX-License-Identifier: GPL-2.0-only
/* PROCMAP_QUERY and the text of /proc/PID/maps report the same executable file mappings. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tls/maps.h"

struct seen {
	struct ew_maps_entry e[256];
	char names[256][256];
	int n;
	uint64_t skip_ino; /* the file "known" already */
};

static bool known(void *ctx, uint64_t dev, uint64_t ino)
{
	return ((struct seen *)ctx)->skip_ino == ino;
}

static void add(void *ctx, const struct ew_maps_entry *m)
{
	struct seen *s = ctx;

	cr_assert_lt(s->n, 256);
	s->e[s->n] = *m;
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", m->name);
	s->n++;
}

static int scan(bool text_only, struct seen *s, bool *query)
{
	struct ew_maps *m;
	int rc;

	cr_assert_eq(ew_maps_new(text_only, &m), 0);
	rc = ew_maps_each_exec(m, getpid(), known, add, s);
	*query = ew_maps_uses_query(m);
	ew_maps_free(m);
	return rc;
}

Test(maps, query_and_text_agree)
{
	static struct seen q, t;
	char exe[4096];
	bool used_query, used_text;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;
	bool found_exe = false;

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	cr_assert_eq(scan(false, &q, &used_query), 0);
	cr_assert_eq(scan(true, &t, &used_text), 0);
	cr_assert_not(used_text);
	cr_assert_eq(q.n, t.n);
	cr_assert_gt(q.n, 2, "this program, libc, the loader");
	for (int i = 0; i < q.n; i++) {
		cr_assert_eq(q.e[i].start, t.e[i].start);
		cr_assert_eq(q.e[i].end, t.e[i].end);
		cr_assert_eq(q.e[i].dev, t.e[i].dev);
		cr_assert_eq(q.e[i].ino, t.e[i].ino);
		cr_assert_str_eq(q.names[i], t.names[i]);
		cr_assert_eq(stat(q.names[i], &st), 0, "%s", q.names[i]);
		cr_assert_eq((uint64_t)st.st_ino, q.e[i].ino, "%s", q.names[i]);
		found_exe |= !strcmp(q.names[i], exe);
	}
	cr_assert(found_exe, "the program's own text is a mapping");
	printf("PROCMAP_QUERY %s on this kernel\n", used_query ? "used" : "absent: text parsed");
}

Test(maps, known_files_are_counted_not_reported)
{
	static struct seen all, some;
	bool q;

	cr_assert_eq(scan(false, &all, &q), 0);
	some.skip_ino = all.e[0].ino;
	cr_assert_geq(scan(false, &some, &q), 1);
	for (int i = 0; i < some.n; i++)
		cr_assert_neq(some.e[i].ino, all.e[0].ino);
	cr_assert_lt(some.n, all.n);
}

Test(maps, a_process_that_is_gone)
{
	struct ew_maps *m;
	static struct seen s;

	cr_assert_eq(ew_maps_new(false, &m), 0);
	cr_assert_eq(ew_maps_each_exec(m, 0x7ffffff0, known, add, &s), -ENOENT);
	ew_maps_free(m);
}
