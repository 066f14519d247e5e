// SPDX-License-Identifier: GPL-2.0-only
/*
 * proc.bpf.c - process lifecycle: exec (identity at the moment a short-lived
 * process could still be named), fork and exit.
 */
#include "maps.bpf.h"
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MAX_PATH_DEPTH 24
/* One component is at most NAME_MAX + NUL; writing it at an offset masked to
 * EW_NAME_OFF_MASK keeps every write inside the 512-byte buffers. */
#define COMP_MAX (EW_PATH_LEN - EW_NAME_OFF_MASK - 1)

_Static_assert(COMP_MAX >= 256, "a path component must fit at any masked offset");
_Static_assert(EW_CGROUP_LEN >= EW_NAME_OFF_MASK + COMP_MAX, "cgroup buffer too small");

/* Copies one name at *off; false when the buffer has no room for another. */
static __always_inline bool put_comp(char *buf, __u32 *off, const unsigned char *name)
{
	long n;

	if (*off > EW_NAME_OFF_MASK)
		return false;
	n = bpf_probe_read_kernel_str(&buf[*off & EW_NAME_OFF_MASK], COMP_MAX, name);
	if (n <= 0)
		return false;
	*off += n;
	return true;
}

/*
 * The walks run under bpf_loop(): an unrolled or open-coded loop gives the
 * verifier one path per (component or mount crossing) sequence and blows
 * its 1M-instruction budget; a callback is verified once.
 */
struct path_walk {
	struct ew_ev_exec *ev;
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct kernfs_node *kn;
	__u32 off;
	bool done; /* reached the root */
};

/* One step towards the root, crossing mounts like d_path() but up to the
 * global root (a chroot does not hide where a binary lives). */
static long exe_step(__u32 i, void *ctx)
{
	/* Locals, not w->x, inside BPF_CORE_READ: it would relocate w too. */
	struct path_walk *w = ctx;
	struct dentry *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

	if (dentry == mnt_root || dentry == parent) {
		struct mount *mparent = BPF_CORE_READ(mnt, mnt_parent);

		/* Own parent without being a mount root: an unlinked or
		 * pseudo-fs root; either way nothing above it. */
		if (dentry != mnt_root || mnt == mparent) {
			w->done = true;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mparent;
		w->vfsmnt = &mparent->mnt;
		return 0;
	}
	if (!put_comp(w->ev->exe, &w->off, BPF_CORE_READ(dentry, d_name.name)))
		return 1;
	w->dentry = parent;
	return 0;
}

static long cgroup_step(__u32 i, void *ctx)
{
	struct path_walk *w = ctx;
	struct kernfs_node *kn = w->kn;
	struct kernfs_node *parent;

	if (!kn) {
		w->done = true;
		return 1;
	}
	parent = ew_kn_parent(kn);
	if (!parent) { /* the root's name is "/" or empty: not a component */
		w->done = true;
		return 1;
	}
	if (!put_comp(w->ev->cgroup, &w->off, (const unsigned char *)BPF_CORE_READ(kn, name)))
		return 1;
	w->kn = parent;
	return 0;
}

static __always_inline void read_exe(struct ew_ev_exec *ev, struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	struct path_walk w = {.ev = ev};
	long n;

	ev->flags |= EW_F_REVPATH;
	if (file) {
		w.dentry = BPF_CORE_READ(file, f_path.dentry);
		w.vfsmnt = BPF_CORE_READ(file, f_path.mnt);
		w.mnt = container_of(w.vfsmnt, struct mount, mnt);
		bpf_loop(MAX_PATH_DEPTH, exe_step, &w, 0);
		ev->exe_len = w.off;
		if (w.done && w.off)
			return;
		if (w.off) {
			ev->flags |= EW_F_EXE_TRUNC;
			return;
		}
	}
	/* As one component: a leading '/' tells userspace it is whole. */
	n = bpf_probe_read_kernel_str(ev->exe, COMP_MAX, BPF_CORE_READ(bprm, filename));
	ev->exe_len = n > 0 ? n : 0;
	ev->flags |= EW_F_EXE_FALLBACK;
	ew_kstat_inc(EW_KSTAT_PATH_READ_FAIL);
}

static __always_inline void read_args(struct ew_ev_exec *ev, struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long start, end, len;

	if (!mm)
		return;
	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	if (end <= start)
		return;
	len = end - start;
	if (len >= EW_ARGS_LEN) {
		if (len > EW_ARGS_LEN)
			ev->flags |= EW_F_ARGS_TRUNC;
		if (bpf_probe_read_user(ev->args, EW_ARGS_LEN, (void *)start) == 0)
			ev->args_len = EW_ARGS_LEN;
		return;
	}
	len &= EW_ARGS_LEN - 1;
	if (bpf_probe_read_user(ev->args, len, (void *)start) == 0)
		ev->args_len = len;
}

static __always_inline void read_cgroup(struct ew_ev_exec *ev, struct task_struct *task)
{
	struct path_walk w = {.ev = ev};

	w.kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
	bpf_loop(MAX_PATH_DEPTH, cgroup_step, &w, 0);
	if (!w.done)
		ev->flags |= EW_F_CG_TRUNC;
	ev->cgroup_len = w.off;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ew_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ew_ev_exec *ev;

	ev = ew_reserve(sizeof(*ev), EW_EV_EXEC, EW_KSTAT_RB_FULL_EXEC);
	if (!ev)
		return 0;
	ew_fill_task(&ev->task);
	ev->ppid = BPF_CORE_READ(p, real_parent, tgid);
	ev->flags = 0;
	ev->start_boottime = BPF_CORE_READ(p, start_boottime);
	ev->exe_len = 0;
	ev->args_len = 0;
	ev->cgroup_len = 0;
	ev->_pad = 0;
	read_exe(ev, bprm);
	read_args(ev, p);
	read_cgroup(ev, p);
	ew_submit(ev);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ew_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ew_ev_fork *ev;

	if (child->pid != child->tgid) /* a new thread, not a process */
		return 0;
	ev = ew_reserve(sizeof(*ev), EW_EV_FORK, EW_KSTAT_RB_FULL_PROC);
	if (!ev)
		return 0;
	ev->parent_tgid = parent->tgid;
	ev->child_tgid = child->tgid;
	ev->child_start_boottime = child->start_boottime;
	ew_submit(ev);
	return 0;
}

/* Reported when the last thread leaves (group_dead), not when the leader
 * does: a leader that exits first leaves a live process behind. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(ew_exit, struct task_struct *task, bool group_dead)
{
	struct ew_ev_exit *ev;
	struct task_struct *leader;

	if (!group_dead)
		return 0;
	ev = ew_reserve(sizeof(*ev), EW_EV_EXIT, EW_KSTAT_RB_FULL_PROC);
	if (!ev)
		return 0;
	leader = BPF_CORE_READ(task, group_leader);
	ev->tgid = task->tgid;
	ev->exit_code = BPF_CORE_READ(task, signal, group_exit_code);
	if (!ev->exit_code)
		ev->exit_code = task->exit_code;
	ev->start_boottime = BPF_CORE_READ(leader, start_boottime);
	ew_submit(ev);
	return 0;
}
