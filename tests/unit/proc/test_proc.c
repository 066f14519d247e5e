// SPDX-License-Identifier: GPL-2.0-only
/* The process table: identity at exec, shared by forks, bounded, and released. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc.h"
#include "synth.h"

#define S 1000000000ull

static struct ew_ev_exec *exec_of(uint32_t tgid, const char *exe)
{
	static const char *const argv[] = {"svc", "--worker", NULL};
	struct ew_ev_exec *x = calloc(1, sizeof(*x));

	synth_exec(x, EW_EV_EXEC, 1 * S, tgid, 1, exe, argv, "/system.slice/svc.service", 77);
	return x;
}

static struct ew_ev_fork fork_of(uint32_t parent, uint32_t child)
{
	struct ew_ev_fork f = {.h = {.type = EW_EV_FORK, .size = sizeof(f)}};

	f.parent_tgid = parent;
	f.child_tgid = child;
	f.child_start_boottime = (uint64_t)child * S;
	return f;
}

Test(proc, forks_share_exe_and_command_line)
{
	struct ew_procs *t = ew_procs_new("b00t", 0, 0);
	struct ew_ev_exec *x = exec_of(100, "/usr/sbin/svc");
	struct ew_ev_fork f = fork_of(100, 101);
	struct ew_proc *parent, *child;

	ew_procs_exec(t, x);
	ew_procs_fork(t, &f);
	parent = ew_procs_get(t, 100);
	child = ew_procs_get(t, 101);
	cr_assert_not_null(parent);
	cr_assert_not_null(child);
	cr_assert_str_eq(child->exe, "/usr/sbin/svc");
	cr_assert_str_eq(child->cmdline, "svc --worker");
	cr_assert_eq(child->exe, parent->exe, "one copy of the path for both");
	cr_assert_eq(child->cmdline, parent->cmdline);
	cr_assert_eq(child->source, EW_PSRC_FORK);
	cr_assert_str_neq(child->entity_id, parent->entity_id);
	/* The parent goes; the child's strings stay. */
	ew_procs_exit(t, &(struct ew_ev_exit){.h = {.type = EW_EV_EXIT}, .tgid = 100});
	cr_assert_null(ew_procs_get(t, 100));
	cr_assert_str_eq(ew_procs_get(t, 101)->exe, "/usr/sbin/svc");
	ew_procs_free(t);
	free(x);
}

Test(proc, full_table_forgets_the_oldest_and_counts)
{
	struct ew_procs *t = ew_procs_new("b00t", 1024, 256);
	struct ew_ev_exec *x = exec_of(1, "/usr/sbin/init");
	struct ew_proc *kept;

	ew_procs_exec(t, x);
	kept = ew_procs_get(t, 1);
	ew_proc_ref(kept); /* a flow holds it */
	for (uint32_t i = 0; i < 3000; i++) {
		struct ew_ev_fork f = fork_of(i ? 1000 + i - 1 : 1, 1000 + i);

		ew_procs_fork(t, &f);
	}
	cr_assert_eq(ew_procs_count(t), 1024);
	cr_assert_eq(ew_procs_stats(t)->procs_evicted, 3001 - 1024);
	cr_assert_null(ew_procs_get(t, 1), "the oldest went first");
	cr_assert_null(ew_procs_get(t, 1000));
	cr_assert_not_null(ew_procs_get(t, 3999), "the newest stays");
	cr_assert_str_eq(kept->exe, "/usr/sbin/init", "a process a flow holds outlives the table");
	cr_assert_str_eq(ew_procs_get(t, 3999)->exe, "/usr/sbin/init");
	ew_proc_unref(kept);
	for (uint64_t id = 1; id <= 1000; id++) {
		char path[64];

		snprintf(path, sizeof(path), "/kubepods/pod%llu", (unsigned long long)id);
		ew_procs_cgroup(t, id, path);
	}
	cr_assert_eq(ew_procs_stats(t)->cgroups_evicted, 1000 - 256);
	cr_assert_null(ew_procs_cgroup_get(t, 1));
	cr_assert_str_eq(ew_procs_cgroup_get(t, 1000)->path, "/kubepods/pod1000");
	ew_procs_free(t);
	free(x);
}

/* A late exit of an older process with the same pid leaves the new one alone. */
Test(proc, late_exit_of_a_reused_pid)
{
	struct ew_procs *t = ew_procs_new("b00t", 0, 0);
	struct ew_ev_exec *x = exec_of(200, "/bin/new");
	struct ew_ev_exit e = {.h = {.type = EW_EV_EXIT}, .tgid = 200};

	x->start_boottime = 50 * S;
	ew_procs_exec(t, x);
	e.start_boottime = 10 * S;
	ew_procs_exit(t, &e);
	cr_assert_not_null(ew_procs_get(t, 200));
	e.start_boottime = 50 * S;
	ew_procs_exit(t, &e);
	cr_assert_null(ew_procs_get(t, 200));
	cr_assert_eq(ew_procs_count(t), 0);
	ew_procs_free(t);
	free(x);
}

/* The latest cgroup and user asked for are remembered: a dropped cgroup is
 * not found through that memory, and users asked for in turn keep their names. */
Test(proc, latest_cgroup_and_user_forgotten_when_they_go)
{
	struct ew_procs *t = ew_procs_new("b00t", 1024, 256);
	const struct ew_cgroup *c;
	char root[64], other[64];

	ew_procs_cgroup(t, 1, "/kubepods/pod1");
	c = ew_procs_cgroup_get(t, 1);
	cr_assert_not_null(c);
	cr_assert_eq(ew_procs_cgroup_get(t, 1), c, "asked again: the same entry");
	for (uint64_t id = 2; id <= 300; id++) {
		char path[64];

		snprintf(path, sizeof(path), "/kubepods/pod%llu", (unsigned long long)id);
		ew_procs_cgroup(t, id, path);
	}
	cr_assert_null(ew_procs_cgroup_get(t, 1), "dropped while it was the latest");
	cr_assert_str_eq(ew_procs_cgroup_get(t, 300)->path, "/kubepods/pod300");
	cr_assert_str_eq(ew_procs_cgroup_get(t, 299)->path, "/kubepods/pod299");
	cr_assert_str_eq(ew_procs_cgroup_get(t, 300)->path, "/kubepods/pod300");

	snprintf(root, sizeof(root), "%s", ew_procs_user(t, 0));
	snprintf(other, sizeof(other), "%s", ew_procs_user(t, 65534));
	for (uint32_t i = 0; i < 600; i++) {
		uint32_t uid = i % 3 ? 0 : (i % 2 ? 65534 : 100000 + i);

		if (uid == 0)
			cr_assert_str_eq(ew_procs_user(t, uid), root);
		else if (uid == 65534)
			cr_assert_str_eq(ew_procs_user(t, uid), other);
		else
			cr_assert_str_eq(ew_procs_user(t, uid), "", "uid %u has no name", uid);
	}
	cr_assert_str_eq(root, "root");
	ew_procs_free(t);
}
