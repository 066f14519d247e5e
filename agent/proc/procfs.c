// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/procfs.h"

/* Reads up to @cap bytes; a short file is not an error. */
static ssize_t read_file(const char *proc_root, int pid, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	size_t got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/%s", proc_root, pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			/* A process that exits mid-read makes its files fail with ESRCH. */
			return n == -ESRCH ? -ENOENT : n;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

static const char *skip_fields(const char *p, const char *end, int n)
{
	for (int i = 0; i < n; i++) {
		while (p < end && *p == ' ')
			p++;
		while (p < end && *p != ' ')
			p++;
	}
	while (p < end && *p == ' ')
		p++;
	return p;
}

static int parse_u64(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = p;

	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	/* A number cut by the end of the buffer is not the number. */
	if (p == s || p == end || (*p != ' ' && *p != '\t' && *p != '\n'))
		return -EINVAL;
	*out = v;
	return 0;
}

int ew_procfs_parse_stat(const char *buf, size_t len, uint32_t *ppid, uint64_t *starttime_ticks,
			 char comm[16])
{
	const char *end = buf + len, *open = memchr(buf, '(', len), *close = NULL, *p;
	uint64_t v;
	size_t n;

	for (p = end; p > buf; p--) {
		if (p[-1] == ')') {
			close = p - 1;
			break;
		}
	}
	if (!open || !close || close < open)
		return -EINVAL;
	/* fields 3.. follow ") "; ppid is the 2nd of them, starttime the 20th */
	p = skip_fields(close + 1, end, 1);
	if (parse_u64(p, end, &v) || v > UINT32_MAX)
		return -EINVAL;
	*ppid = (uint32_t)v;
	p = skip_fields(close + 1, end, 19);
	if (parse_u64(p, end, starttime_ticks))
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n > 15)
		n = 15;
	memcpy(comm, open + 1, n);
	memset(comm + n, 0, 16 - n);
	return 0;
}

static int status_field(const char *buf, size_t len, const char *key, uint32_t *out)
{
	size_t kl = strlen(key);
	const char *p = buf, *end = buf + len;
	uint64_t v;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > kl && memcmp(p, key, kl) == 0) {
			p += kl;
			while (p < eol && (*p == '\t' || *p == ' '))
				p++;
			if (parse_u64(p, eol, &v) || v > UINT32_MAX)
				return -EINVAL;
			*out = (uint32_t)v;
			return 0;
		}
		p = eol + 1;
	}
	return -EINVAL;
}

int ew_procfs_parse_status_ids(const char *buf, size_t len, uint32_t *uid, uint32_t *gid)
{
	uint32_t u, g;

	if (status_field(buf, len, "Uid:", &u) || status_field(buf, len, "Gid:", &g))
		return -EINVAL;
	*uid = u;
	*gid = g;
	return 0;
}

int ew_procfs_parse_cgroup_v2(const char *buf, size_t len, char *out, size_t outlen)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!eol)
			eol = end;
		if (eol - p >= 3 && memcmp(p, "0::", 3) == 0) {
			n = (size_t)(eol - p - 3);
			if (n >= outlen) {
				memcpy(out, p + 3, outlen - 1);
				out[outlen - 1] = '\0';
				return -ENAMETOOLONG;
			}
			memcpy(out, p + 3, n);
			out[n] = '\0';
			return 0;
		}
		p = eol + 1;
	}
	return -ENOENT;
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	static long hz;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	/* Split so that ticks * 1e9 cannot overflow (it would after ~6 years at 100 Hz). */
	return ticks / (uint64_t)hz * 1000000000ull +
	       ticks % (uint64_t)hz * 1000000000ull / (uint64_t)hz;
}

static void read_exe(const char *proc_root, int pid, struct ew_ev_exec *ev)
{
	static const char deleted[] = " (deleted)";
	char path[PATH_MAX], link[PATH_MAX + 1];
	const char *s = link;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/exe", proc_root, pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return; /* kernel threads have none; other users' need privilege */
	link[n] = '\0';
	if ((size_t)n > sizeof(deleted) - 1 &&
	    memcmp(link + n - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1) == 0) {
		n -= sizeof(deleted) - 1;
		link[n] = '\0';
	}
	/* Too long: keep the leaf end from a '/' on, as the kernel side drops
	 * the root-most components; the name of the binary matters most. */
	if ((size_t)n >= sizeof(ev->exe)) {
		s = link + n - (sizeof(ev->exe) - 1);
		while (*s && *s != '/')
			s++;
		n -= s - link;
		ev->flags |= EW_F_EXE_TRUNC;
	}
	memcpy(ev->exe, s, (size_t)n + 1);
	ev->exe_len = (uint16_t)(n + 1);
}

static void cgroup_id(const char *cgroup2_root, struct ew_ev_exec *ev)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	char path[PATH_MAX];
	int mount_id;

	if (!cgroup2_root || (ev->flags & EW_F_CG_TRUNC) || !ev->cgroup_len)
		return;
	snprintf(path, sizeof(path), "%s%s", cgroup2_root, ev->cgroup);
	h.fh.handle_bytes = sizeof(h.id);
	/* kernfs file handles are the 64-bit cgroup id, the value
	 * bpf_get_current_cgroup_id() returns. */
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) == 0 &&
	    h.fh.handle_bytes == sizeof(uint64_t))
		memcpy(&ev->task.cgroup_id, h.fh.f_handle, sizeof(uint64_t));
}

int ew_procfs_read(const char *proc_root, const char *cgroup2_root, int pid, struct ew_ev_exec *ev)
{
	char buf[4096];
	uint64_t ticks;
	ssize_t n;
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->h.type = EW_EV_PROC;
	ev->h.size = sizeof(*ev);
	ev->task.tgid = ev->task.tid = (uint32_t)pid;

	n = read_file(proc_root, pid, "stat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	rc = ew_procfs_parse_stat(buf, (size_t)n, &ev->ppid, &ticks, ev->task.comm);
	if (rc)
		return rc;
	ev->start_boottime = ticks_to_ns(ticks);

	n = read_file(proc_root, pid, "status", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	rc = ew_procfs_parse_status_ids(buf, (size_t)n, &ev->task.uid, &ev->task.gid);
	if (rc)
		return rc;

	read_exe(proc_root, pid, ev);

	/* One byte more than fits tells a full buffer from a longer command line. */
	n = read_file(proc_root, pid, "cmdline", buf, sizeof(ev->args) + 1);
	if (n < 0)
		return (int)n;
	if ((size_t)n > sizeof(ev->args)) {
		n = sizeof(ev->args);
		ev->flags |= EW_F_ARGS_TRUNC;
	}
	memcpy(ev->args, buf, (size_t)n);
	ev->args_len = (uint16_t)n;

	n = read_file(proc_root, pid, "cgroup", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	rc = ew_procfs_parse_cgroup_v2(buf, (size_t)n, ev->cgroup, sizeof(ev->cgroup));
	if (rc == 0 || rc == -ENAMETOOLONG) {
		if (rc)
			ev->flags |= EW_F_CG_TRUNC;
		ev->cgroup_len = (uint16_t)(strlen(ev->cgroup) + 1);
		cgroup_id(cgroup2_root, ev);
	}
	return 0;
}

int ew_procfs_foreach_pid(const char *proc_root, int (*fn)(int pid, void *arg), void *arg)
{
	DIR *d = opendir(proc_root);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *s = de->d_name;
		long pid = 0;

		for (; *s >= '0' && *s <= '9' && pid <= INT_MAX; s++)
			pid = pid * 10 + (*s - '0');
		if (*s || s == de->d_name || pid > INT_MAX || pid <= 0)
			continue;
		rc = fn((int)pid, arg);
		if (rc)
			break;
	}
	closedir(d);
	return rc;
}
