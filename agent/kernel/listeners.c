// SPDX-License-Identifier: GPL-2.0-only
/*
 * listeners.c - owners for listening sockets that are older than the agent.
 *
 * The kernel names the owner of a listening socket when it enters LISTEN
 * (tcp.bpf.c); one created before the programs were attached missed that.
 * Once at start, this finds every listening TCP socket of every network
 * namespace (/proc/PID/net/tcp{,6} of one process per namespace), the
 * processes that hold it (/proc/PID/fd), takes a copy of the socket with
 * pidfd_getfd() for its cookie, and writes its owner into ew_listeners, where
 * the kernel finds it for every socket accepted later. When a parent and its
 * pre-forked workers all hold the socket, the parent (the holder whose parent
 * does not hold it) is the owner; a worker that closes an accepted socket is
 * reported as its owner then.
 */
#include "kernel/listeners.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ew.h"
#include "proc/procfs.h"
#include "util/log.h"

#define TCP_LISTEN_HEX 0x0A

struct holder {
	unsigned long ino;
	int pid;
	int fd;
};

/* A listening socket as its namespace's table shows it. */
struct listen_sock {
	unsigned long ino;
	unsigned long netns;
	unsigned int port;
};

struct scan {
	struct listen_sock *inos; /* sorted by inode once collected */
	size_t n_inos, cap_inos;
	unsigned long *netns; /* namespaces already read */
	size_t n_netns, cap_netns;
	struct holder *h;
	size_t n_h, cap_h;
	const char *cgroup2;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;

	if (n < *cap)
		return 0;
	nv = realloc(*v, (*cap ? *cap * 2 : 64) * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = *cap ? *cap * 2 : 64;
	return 0;
}

static bool seen_netns(struct scan *s, unsigned long ino)
{
	for (size_t i = 0; i < s->n_netns; i++)
		if (s->netns[i] == ino)
			return true;
	if (grow((void **)&s->netns, &s->cap_netns, s->n_netns, sizeof(*s->netns)) == 0)
		s->netns[s->n_netns++] = ino;
	return false;
}

/* The listening sockets from one /proc/PID/net/tcp or tcp6. */
static void read_table(struct scan *s, const char *path, unsigned long netns)
{
	unsigned int st, port;
	unsigned long ino;
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) { /* the header */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d: %*[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %lu", &port, &st,
			   &ino) != 3 ||
		    st != TCP_LISTEN_HEX || !ino)
			continue;
		if (grow((void **)&s->inos, &s->cap_inos, s->n_inos, sizeof(*s->inos)))
			break;
		s->inos[s->n_inos++] =
		    (struct listen_sock){.ino = ino, .netns = netns, .port = port};
	}
	fclose(f);
}

static int per_netns(int pid, void *arg)
{
	struct scan *s = arg;
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &st) || seen_netns(s, (unsigned long)st.st_ino))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/net/tcp", pid);
	read_table(s, path, (unsigned long)st.st_ino);
	snprintf(path, sizeof(path), "/proc/%d/net/tcp6", pid);
	read_table(s, path, (unsigned long)st.st_ino);
	return 0;
}

/* Both a struct listen_sock and a bare inode begin with the inode. */
static int cmp_ino(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static int per_fds(int pid, void *arg)
{
	struct scan *s = arg;
	char path[64], link[64];
	struct dirent *d;
	unsigned long ino;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%.16s", pid, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1 ||
		    !bsearch(&ino, s->inos, s->n_inos, sizeof(*s->inos), cmp_ino))
			continue;
		if (grow((void **)&s->h, &s->cap_h, s->n_h, sizeof(*s->h)))
			break;
		s->h[s->n_h++] = (struct holder){.ino = ino, .pid = pid, .fd = atoi(d->d_name)};
	}
	closedir(dir);
	return 0;
}

static int cmp_holder(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->pid - y->pid;
}

/* Write @h's process as the owner of its socket. Return: 1 written, 0 not, -errno. */
static int stamp(struct scan *s, int map_fd, const struct holder *h, const struct ew_ev_exec *ev)
{
	const struct listen_sock *ls =
	    bsearch(&h->ino, s->inos, s->n_inos, sizeof(*s->inos), cmp_ino);
	struct ew_listener val = {.how = EW_OWNER_SCAN};
	socklen_t len = sizeof(uint64_t);
	int pidfd, sfd, rc = 0;
	uint64_t cookie;

	pidfd = (int)syscall(SYS_pidfd_open, h->pid, 0);
	if (pidfd < 0)
		return -errno;
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, h->fd, 0);
	if (sfd < 0) {
		rc = -errno;
		close(pidfd);
		return rc;
	}
	val.task = ev->task;
	val.netns = (uint32_t)ls->netns;
	val.lport = (uint16_t)ls->port;
	/* NOEXIST: a listen() since the programs were attached named it already. */
	if (getsockopt(sfd, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		rc = -errno;
	else if (bpf_map_update_elem(map_fd, &cookie, &val, BPF_NOEXIST) == 0)
		rc = 1;
	else if (errno != EEXIST)
		rc = -errno;
	close(sfd);
	close(pidfd);
	return rc;
}

/* The holder whose parent does not hold the socket: the one that listened. */
static const struct holder *first_holder(struct scan *s, size_t i, size_t end,
					 struct ew_ev_exec *ev)
{
	for (size_t j = i; j < end; j++) {
		bool parent_holds = false;

		if (ew_procfs_read("/proc", s->cgroup2, s->h[j].pid, ev))
			continue;
		for (size_t k = i; k < end; k++)
			if ((uint32_t)s->h[k].pid == ev->ppid)
				parent_holds = true;
		if (!parent_holds)
			return &s->h[j];
	}
	return NULL;
}

int ew_listeners_scan(int map_fd, const char *cgroup2)
{
	struct scan s = {.cgroup2 = cgroup2};
	struct ew_ev_exec *ev = malloc(sizeof(*ev));
	int stamped = 0, failed = 0, last_err = 0;

	if (!ev || map_fd < 0) {
		free(ev);
		return map_fd < 0 ? 0 : -ENOMEM;
	}
	ew_procfs_foreach_pid("/proc", per_netns, &s);
	qsort(s.inos, s.n_inos, sizeof(*s.inos), cmp_ino);
	if (s.n_inos)
		ew_procfs_foreach_pid("/proc", per_fds, &s);
	qsort(s.h, s.n_h, sizeof(*s.h), cmp_holder);
	for (size_t i = 0, end; i < s.n_h; i = end) {
		const struct holder *h;
		int rc;

		for (end = i + 1; end < s.n_h && s.h[end].ino == s.h[i].ino;)
			end++;
		h = first_holder(&s, i, end, ev);
		if (!h)
			continue;
		rc = stamp(&s, map_fd, h, ev);
		if (rc > 0)
			stamped++;
		else if (rc < 0) {
			failed++;
			last_err = rc;
		}
	}
	if (failed)
		ew_warn("%d listening sockets older than the agent have no owner (%s): their "
			"accepted connections are named when they close",
			failed, strerror(-last_err));
	ew_debug("listeners older than the agent: %zu sockets in %zu network namespaces, %d "
		 "owners written",
		 s.n_inos, s.n_netns, stamped);
	free(s.inos);
	free(s.netns);
	free(s.h);
	free(ev);
	return stamped;
}
