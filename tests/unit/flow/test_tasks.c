// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "flow/tasks.h"

static struct ew_task task(uint32_t tgid, uint32_t tid, const char *comm)
{
	struct ew_task t;

	memset(&t, 0, sizeof(t));
	t.tgid = tgid;
	t.tid = tid;
	t.uid = 1000;
	t.cgroup_id = 77;
	strncpy(t.comm, comm, sizeof(t.comm) - 1);
	return t;
}

Test(tasks, equal_owners_share_one_entry_until_the_last_reference)
{
	struct ew_tasks *ts = ew_tasks_new();
	struct ew_task a = task(10, 11, "curl"), b = task(10, 12, "curl");
	const struct ew_task *a1, *a2, *b1;

	cr_assert_not_null(ts);
	a1 = ew_tasks_get(ts, &a);
	a2 = ew_tasks_get(ts, &a);
	b1 = ew_tasks_get(ts, &b);
	cr_assert_eq(a1, a2);
	cr_assert_neq(a1, b1);
	cr_assert_eq(a1->tid, 11);
	cr_assert_str_eq(b1->comm, "curl");
	cr_assert_eq(ew_tasks_count(ts), 2);
	ew_tasks_put(ts, a1);
	cr_assert_eq(ew_tasks_count(ts), 2);
	ew_tasks_put(ts, a2);
	cr_assert_eq(ew_tasks_count(ts), 1);
	ew_tasks_put(ts, b1);
	cr_assert_eq(ew_tasks_count(ts), 0);
	ew_tasks_put(ts, NULL);
	ew_tasks_free(ts);
}

Test(tasks, bytes_after_the_name_do_not_make_a_new_entry)
{
	struct ew_tasks *ts = ew_tasks_new();
	struct ew_task a = task(5, 5, "sh"), b = a;
	const struct ew_task *x, *y;

	b.comm[10] = 'x'; /* after the NUL: not part of the name */
	x = ew_tasks_get(ts, &a);
	y = ew_tasks_get(ts, &b);
	cr_assert_eq(ew_tasks_count(ts), 2, "comm is compared whole, as the kernel sent it");
	ew_tasks_put(ts, x);
	ew_tasks_put(ts, y);
	ew_tasks_free(ts);
}

Test(tasks, many_owners_grow_the_table_and_stay_found)
{
	struct ew_tasks *ts = ew_tasks_new();
	static const struct ew_task *got[5000];

	for (uint32_t i = 0; i < 5000; i++) {
		struct ew_task t = task(i, i, "worker");

		got[i] = ew_tasks_get(ts, &t);
		cr_assert_not_null(got[i]);
	}
	cr_assert_eq(ew_tasks_count(ts), 5000);
	for (uint32_t i = 0; i < 5000; i++) {
		struct ew_task t = task(i, i, "worker");
		const struct ew_task *again = ew_tasks_get(ts, &t);

		cr_assert_eq(again, got[i]);
		ew_tasks_put(ts, again);
		ew_tasks_put(ts, got[i]);
	}
	cr_assert_eq(ew_tasks_count(ts), 0);
	ew_tasks_free(ts);
}
