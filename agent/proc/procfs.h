/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * procfs.h - a process read from /proc, in the shape the kernel sends at exec.
 *
 * Processes that started before the agent (or whose exec event was lost)
 * are read here into the same struct ew_ev_exec, so the rest of the pipeline
 * cannot tell the two sources apart except by h.type (EW_EV_PROC).
 */
#ifndef EW_PROCFS_H
#define EW_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#include "ew.h"

/**
 * ew_procfs_read() - one process from /proc as an EW_EV_PROC event.
 * @proc_root: where procfs is mounted, normally "/proc"
 * @cgroup2_root: where cgroup v2 is mounted (to resolve task.cgroup_id), or NULL
 * @pid: the process (thread-group leader)
 * @ev: zeroed and filled: h.type, h.size (h.ts_ns is left 0 for the caller),
 *      task.tgid/tid/uid/gid/comm/cgroup_id, ppid, start_boottime (ns),
 *      exe (forward path, " (deleted)" stripped), args (cmdline bytes),
 *      cgroup (forward path of the "0::" line) and the EW_F_*_TRUNC flags
 *
 * Fields the process does not let us read (exe of a kernel thread, of
 * another user's process without privilege) are left empty; task.cgroup_id
 * is 0 when it cannot be resolved.
 *
 * Return: 0, -ENOENT if the process is gone, another -errno otherwise.
 */
int ew_procfs_read(const char *proc_root, const char *cgroup2_root, int pid, struct ew_ev_exec *ev);

/**
 * ew_procfs_parse_stat() - fields of /proc/PID/stat.
 * @buf: the file's content (need not be NUL-terminated)
 * @len: bytes in @buf
 * @ppid: field 4
 * @starttime_ticks: field 22, clock ticks since boot
 * @comm: field 2 without its parentheses, NUL-terminated, cut to 15 bytes
 *
 * comm may hold spaces and ')', so the fields are counted after the last ')'.
 *
 * Return: 0, or -EINVAL if @buf is not a stat line.
 */
int ew_procfs_parse_stat(const char *buf, size_t len, uint32_t *ppid, uint64_t *starttime_ticks,
			 char comm[16]);

/**
 * ew_procfs_parse_status_ids() - real uid and gid from /proc/PID/status.
 * @buf: the file's content (need not be NUL-terminated)
 * @len: bytes in @buf
 * @uid: first number of the "Uid:" line (real, as bpf_get_current_uid_gid)
 * @gid: first number of the "Gid:" line
 *
 * Return: 0, or -EINVAL if either line is missing or malformed.
 */
int ew_procfs_parse_status_ids(const char *buf, size_t len, uint32_t *uid, uint32_t *gid);

/**
 * ew_procfs_parse_cgroup_v2() - the cgroup v2 path from /proc/PID/cgroup.
 * @buf: the file's content (need not be NUL-terminated)
 * @len: bytes in @buf
 * @out: receives the path of the "0::" line, NUL-terminated
 * @outlen: size of @out (> 0)
 *
 * Return: 0; -ENAMETOOLONG if the path was cut to fit (@out holds the
 * prefix); -ENOENT if there is no "0::" line (a cgroup v1-only host).
 */
int ew_procfs_parse_cgroup_v2(const char *buf, size_t len, char *out, size_t outlen);

/**
 * ew_procfs_foreach_pid() - call @fn for each process in @proc_root.
 * @proc_root: where procfs is mounted
 * @fn: called with each numeric entry (a tgid; threads are not listed);
 *      a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Return: 0 after a full walk, @fn's non-zero value if it stopped the walk,
 * or -errno if @proc_root cannot be read.
 */
int ew_procfs_foreach_pid(const char *proc_root, int (*fn)(int pid, void *arg), void *arg);

#endif
