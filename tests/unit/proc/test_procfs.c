// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ew.h"
#include "proc/procfs.h"

#define S(lit) lit, sizeof(lit) - 1

static const char stat_line[] =
    "4242 (a) b) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 "
    "12345678 300 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 3 0 0 0 0 0\n";

Test(procfs, stat_comm_with_paren_and_space)
{
	uint32_t ppid = 0;
	uint64_t st = 0;
	char comm[16];

	cr_assert_eq(ew_procfs_parse_stat(S(stat_line), &ppid, &st, comm), 0);
	cr_assert_eq(ppid, 17);
	cr_assert_eq(st, 123456);
	cr_assert_str_eq(comm, "a) b");
}

Test(procfs, stat_comm_cut_to_15)
{
	uint32_t ppid;
	uint64_t st;
	char comm[16];
	const char line[] = "1 (0123456789abcdefXYZ) R 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0";

	cr_assert_eq(ew_procfs_parse_stat(S(line), &ppid, &st, comm), 0);
	cr_assert_str_eq(comm, "0123456789abcde");
	cr_assert_eq(ppid, 0);
	cr_assert_eq(st, 7);
}

Test(procfs, stat_garbage_and_truncation)
{
	uint32_t ppid;
	uint64_t st;
	char comm[16];

	cr_assert_eq(ew_procfs_parse_stat(S(""), &ppid, &st, comm), -EINVAL);
	cr_assert_eq(ew_procfs_parse_stat(S("hello world"), &ppid, &st, comm), -EINVAL);
	cr_assert_eq(ew_procfs_parse_stat(S(") 1 2 ("), &ppid, &st, comm), -EINVAL);
	cr_assert_eq(ew_procfs_parse_stat(S("1 (x) S abc"), &ppid, &st, comm), -EINVAL);
	/* Every prefix that stops before starttime ends must fail, not read past len. */
	size_t stop = (size_t)(strstr(stat_line, " 123456 ") - stat_line) + 7;

	for (size_t n = 0; n < stop; n++) {
		char *copy = malloc(n ? n : 1);

		memcpy(copy, stat_line, n);
		cr_assert_eq(ew_procfs_parse_stat(copy, n, &ppid, &st, comm), -EINVAL, "len %zu",
			     n);
		free(copy);
	}
}

static const char status[] = "Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t10\n"
			     "Uid:\t1000\t0\t0\t0\nGid:\t100\t5\t5\t5\nFDSize:\t256\n";

Test(procfs, status_real_ids)
{
	uint32_t uid = 1, gid = 1;

	cr_assert_eq(ew_procfs_parse_status_ids(S(status), &uid, &gid), 0);
	cr_assert_eq(uid, 1000);
	cr_assert_eq(gid, 100);
}

Test(procfs, status_missing_or_bad)
{
	uint32_t uid = 7, gid = 7;

	cr_assert_eq(ew_procfs_parse_status_ids(S("Name:\tx\nUid:\t5\t5\t5\t5\n"), &uid, &gid),
		     -EINVAL);
	cr_assert_eq(ew_procfs_parse_status_ids(S("Uid:\t\nGid:\t1\n"), &uid, &gid), -EINVAL);
	cr_assert_eq(ew_procfs_parse_status_ids(S("Uid:\t99999999999\nGid:\t1\n"), &uid, &gid),
		     -EINVAL);
	cr_assert_eq(uid, 7, "outputs untouched on error");
	/* Cut after the real gid: enough. Cut inside it: "10" is not "100". */
	cr_assert_eq(ew_procfs_parse_status_ids(status, sizeof(status) - 1 - 18, &uid, &gid), 0);
	cr_assert_eq(gid, 100);
	cr_assert_eq(ew_procfs_parse_status_ids(status, sizeof(status) - 1 - 20, &uid, &gid),
		     -EINVAL);
}

Test(procfs, cgroup_v2_line)
{
	char out[64];
	const char hybrid[] =
	    "12:pids:/user.slice\n1:name=systemd:/x\n0::/system.slice/a.service\n";

	cr_assert_eq(ew_procfs_parse_cgroup_v2(S(hybrid), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/system.slice/a.service");
	cr_assert_eq(ew_procfs_parse_cgroup_v2(S("0::/\n"), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/");
	cr_assert_eq(ew_procfs_parse_cgroup_v2(S("0::/no/newline"), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/no/newline");
	cr_assert_eq(ew_procfs_parse_cgroup_v2(S("4:memory:/a\n1:cpu:/\n"), out, sizeof(out)),
		     -ENOENT);
	cr_assert_eq(ew_procfs_parse_cgroup_v2(S(""), out, sizeof(out)), -ENOENT);
	cr_assert_eq(ew_procfs_parse_cgroup_v2(S("10::/x\n"), out, sizeof(out)), -ENOENT);
	cr_assert_eq(ew_procfs_parse_cgroup_v2(S("0::/abcdefgh\n"), out, 5), -ENAMETOOLONG);
	cr_assert_str_eq(out, "/abc");
}

static void cgroup2_mount(char *out, size_t n)
{
	char dev[256], dir[PATH_MAX], type[64];
	FILE *f = fopen("/proc/mounts", "r");

	out[0] = '\0';
	cr_assert_not_null(f);
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
		if (strcmp(type, "cgroup2") == 0) {
			snprintf(out, n, "%s", dir);
			break;
		}
	}
	fclose(f);
}

Test(procfs, read_self)
{
	struct ew_ev_exec ev;
	char exe[PATH_MAX], comm[16] = {0}, cg2[PATH_MAX], path[PATH_MAX * 2], cmd[64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;
	FILE *f;

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	prctl(PR_GET_NAME, comm);
	cgroup2_mount(cg2, sizeof(cg2));

	memset(&ev, 0xa5, sizeof(ev));
	cr_assert_eq(ew_procfs_read("/proc", cg2[0] ? cg2 : NULL, getpid(), &ev), 0);
	cr_assert_eq(ev.h.type, EW_EV_PROC);
	cr_assert_eq(ev.h.size, sizeof(ev));
	cr_assert_eq(ev.h.ts_ns, 0);
	cr_assert_eq(ev.task.tgid, (uint32_t)getpid());
	cr_assert_eq(ev.task.tid, (uint32_t)getpid());
	cr_assert_eq(ev.ppid, (uint32_t)getppid());
	cr_assert_eq(ev.task.uid, getuid());
	cr_assert_eq(ev.task.gid, getgid());
	cr_assert_str_eq(ev.task.comm, comm);
	cr_assert_eq(ev.flags & EW_F_REVPATH, 0);
	cr_assert_str_eq(ev.exe, exe);
	cr_assert_eq(ev.exe_len, strlen(exe) + 1);
	/* args: argv[0] first, NUL-separated. */
	f = fopen("/proc/self/cmdline", "r");
	cr_assert_not_null(f);
	n = (ssize_t)fread(cmd, 1, sizeof(cmd), f);
	fclose(f);
	cr_assert_gt(ev.args_len, 0);
	cr_assert_eq(memcmp(ev.args, cmd, (size_t)n < ev.args_len ? (size_t)n : ev.args_len), 0);
	/* Started before now, after boot. */
	{
		struct timespec bt;

		clock_gettime(CLOCK_BOOTTIME, &bt);
		cr_assert_lt(ev.start_boottime,
			     (uint64_t)bt.tv_sec * 1000000000ull + (uint64_t)bt.tv_nsec);
		cr_assert_gt(ev.start_boottime, 0);
	}
	cr_assert_eq(ev.cgroup[0], '/');
	cr_assert_eq(ev.cgroup_len, strlen(ev.cgroup) + 1);
	if (cg2[0]) {
		/* The cgroup id is the cgroup directory's inode number on cgroupfs. */
		snprintf(path, sizeof(path), "%s%s", cg2, ev.cgroup);
		cr_assert_eq(stat(path, &st), 0);
		cr_assert_eq(ev.task.cgroup_id, (uint64_t)st.st_ino);
	}
}

Test(procfs, long_cmdline_truncated)
{
	/* A child with a command line longer than EW_ARGS_LEN. */
	char big[EW_ARGS_LEN * 2];
	int pfd[2];
	pid_t pid;
	struct ew_ev_exec ev;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(pfd[1]);
		dup2(pfd[0], 0);
		execl("/bin/sh", "sh", "-c", "read x", big, (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	for (int i = 0; i < 200; i++) {
		cr_assert_eq(ew_procfs_read("/proc", NULL, pid, &ev), 0);
		/* exec sets comm before the new argv is in place: wait for both. */
		if (strcmp(ev.task.comm, "sh") == 0 && ev.args_len == EW_ARGS_LEN)
			break;
		usleep(10000);
	}
	close(pfd[1]);
	waitpid(pid, NULL, 0);
	cr_assert_str_eq(ev.task.comm, "sh");
	cr_assert_eq(ev.ppid, (uint32_t)getpid());
	cr_assert(ev.flags & EW_F_ARGS_TRUNC);
	cr_assert_eq(ev.args_len, EW_ARGS_LEN);
	cr_assert_eq(memcmp(ev.args, "sh\0-c\0read x\0xxx", 16), 0);
	cr_assert_eq(ev.task.cgroup_id, 0, "no cgroup2 root given");
}

Test(procfs, exited_child_is_enoent)
{
	struct ew_ev_exec ev;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	cr_assert_eq(ew_procfs_read("/proc", NULL, pid, &ev), -ENOENT);
	cr_assert_eq(ew_procfs_read("/nonexistent", NULL, 1, &ev), -ENOENT);
}

struct walk {
	int n, seen_self, stop_after;
};

static int count(int pid, void *arg)
{
	struct walk *w = arg;

	cr_assert_gt(pid, 0);
	w->n++;
	if (pid == getpid())
		w->seen_self = 1;
	return w->stop_after && w->n == w->stop_after ? 42 : 0;
}

Test(procfs, foreach_pid)
{
	struct walk w = {0};

	cr_assert_eq(ew_procfs_foreach_pid("/proc", count, &w), 0);
	cr_assert(w.seen_self);
	cr_assert_gt(w.n, 1);
	w = (struct walk){.stop_after = 1};
	cr_assert_eq(ew_procfs_foreach_pid("/proc", count, &w), 42);
	cr_assert_eq(w.n, 1);
	cr_assert_eq(ew_procfs_foreach_pid("/nonexistent", count, &w), -ENOENT);
}

Test(procfs, foreach_pid_skips_non_numeric)
{
	char dir[] = "/tmp/ew-procfs-XXXXXX", p[64];
	struct walk w = {0};
	const char *names[] = {"1", "23", "self", "1a", "0", "99999999999", "sys"};

	cr_assert_not_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		cr_assert_eq(mkdir(p, 0700), 0);
	}
	cr_assert_eq(ew_procfs_foreach_pid(dir, count, &w), 0);
	cr_assert_eq(w.n, 2);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		rmdir(p);
	}
	rmdir(dir);
}
