// SPDX-License-Identifier: GPL-2.0-only
/*
 * flows_hold - open N concurrent loopback TCP connections and hold them.
 *
 * The connections are split in groups of at most -q (default 16000) so that
 * no process needs more descriptors than a 20000 RLIMIT_NOFILE hard limit
 * allows (a container without CAP_SYS_RESOURCE cannot raise it). Each group
 * has its own listening port on ADDR (distinct destinations also let
 * connect() reuse ephemeral ports, so N may exceed the ephemeral range), a
 * forked acceptor that keeps every accepted socket, and a forked client that
 * connects (from its own source address 127.1.0.G and bound ports when
 * ADDR is on 127/8),
 * writes 5 bytes on each connection and holds them. When all are
 * open this prints "READY connections=N", holds them until SIGTERM/SIGINT,
 * stdin EOF, or -H SECONDS, then closes them all.
 *
 *   flows_hold [-n N] [-q PER_PROCESS] [-a ADDR] [-H SECONDS]
 * The last line printed starts with "RESULT ".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_GROUPS 256

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What a child tells the coordinator, one atomic pipe write each. */
struct msg {
	char kind; /* 'A' acceptor ready, 'D' acceptor has all, 'C' client done connecting */
	int group;
	uint64_t count, failed;
	int err;
};

static void tell(int fd, char kind, int group, uint64_t count, uint64_t failed, int err)
{
	struct msg m = {.kind = kind, .group = group, .count = count, .failed = failed, .err = err};

	if (write(fd, &m, sizeof(m)) != sizeof(m))
		_exit(1);
}

static int raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= want)
		return 0;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	return 0;
}

/* An acceptor: keep every accepted socket open until killed. */
static void acceptor(int ls, int group, uint64_t n, int report)
{
	uint64_t accepted = 0;
	bool told = false;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	tell(report, 'A', group, 0, 0, 0);
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "flows_hold: acceptor %d stopped at %llu: %s\n", group,
				(unsigned long long)accepted, strerror(errno));
			pause();
		}
		if (++accepted == n && !told) {
			tell(report, 'D', group, accepted, 0, 0);
			told = true;
		}
	}
}

/* A client: connect @n times, report, hold until SIGTERM, close. */
/*
 * On 127/8 each group connects from its own source address with explicitly
 * bound ports (10000 up): every group has a port space of its own, and
 * connect() does not crawl through the ephemeral ports others hold.
 */
static int bind_source(int fd, uint32_t src, uint16_t *next_port)
{
	struct sockaddr_in s = {.sin_family = AF_INET, .sin_addr.s_addr = src};

	while (*next_port < 65000) {
		s.sin_port = htons((*next_port)++);
		if (bind(fd, (struct sockaddr *)&s, sizeof(s)) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -1;
	}
	return -1;
}

static void client(const struct sockaddr_in *sa, int group, uint64_t n, int report)
{
	uint32_t dst = ntohl(sa->sin_addr.s_addr), src = 0;
	uint16_t next_port = 10000;
	uint64_t opened = 0, failed = 0;
	int *fds = malloc(n * sizeof(*fds)), err = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((dst >> 24) == 127)
		src = htonl(0x7f010001u + (uint32_t)group); /* 127.1.0.1 + group */
	for (uint64_t i = 0; i < n && !stop; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd >= 0 && src && bind_source(fd, src, &next_port)) {
			close(fd);
			fd = -1;
		}
		if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ||
		    write(fd, "hello", 5) != 5) {
			err = errno;
			if (fd >= 0)
				close(fd);
			if (++failed > 100)
				break;
			continue;
		}
		fds[opened++] = fd;
	}
	tell(report, 'C', group, opened, failed, err);
	while (!stop)
		pause();
	for (uint64_t i = 0; i < opened; i++)
		close(fds[i]);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	const char *addr = "127.0.0.1";
	uint64_t n = 100000, per = 16000, opened = 0, failed = 0, accepted_groups = 0;
	pid_t acc[MAX_GROUPS], cli[MAX_GROUPS];
	uint16_t port[MAX_GROUPS];
	int c, pfd[2], groups, last_err = 0, clients_done = 0;
	double hold = 0, t0, t1, t2;
	struct sigaction sact = {.sa_handler = on_signal};

	while ((c = getopt(argc, argv, "n:q:a:H:h")) != -1) {
		switch (c) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'q':
			per = strtoull(optarg, NULL, 0);
			break;
		case 'a':
			addr = optarg;
			break;
		case 'H':
			hold = strtod(optarg, NULL);
			break;
		default:
			fputs("Usage: flows_hold [-n N] [-q PER_PROCESS] [-a ADDR] [-H SECONDS]\n",
			      stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (!n || !per || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fputs("flows_hold: bad arguments\n", stderr);
		return 2;
	}
	groups = (int)((n + per - 1) / per);
	if (groups > MAX_GROUPS) {
		fprintf(stderr, "flows_hold: at most %d groups\n", MAX_GROUPS);
		return 2;
	}
	if (raise_nofile(per + 256)) {
		fprintf(stderr,
			"flows_hold: cannot raise RLIMIT_NOFILE to %llu: use a smaller -q\n",
			(unsigned long long)(per + 256));
		return 1;
	}
	if (pipe(pfd)) {
		perror("flows_hold: pipe");
		return 1;
	}
	sigaction(SIGTERM, &sact, NULL);
	sigaction(SIGINT, &sact, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* One listener (kernel-chosen port) and one acceptor per group. */
	for (int g = 0; g < groups; g++) {
		uint64_t quota = g == groups - 1 ? n - per * (uint64_t)g : per;
		socklen_t slen = sizeof(sa);
		int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		sa.sin_port = 0;
		if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 4096) ||
		    getsockname(ls, (struct sockaddr *)&sa, &slen)) {
			fprintf(stderr, "flows_hold: listen on %s: %s\n", addr, strerror(errno));
			return 1;
		}
		port[g] = ntohs(sa.sin_port);
		acc[g] = fork();
		if (acc[g] == 0) {
			close(pfd[0]);
			acceptor(ls, g, quota, pfd[1]);
		}
		close(ls);
	}
	for (int got = 0; got < groups;) {
		struct msg m;

		if (read(pfd[0], &m, sizeof(m)) != sizeof(m))
			return 1;
		if (m.kind == 'A')
			got++;
	}
	t0 = now_s();
	for (int g = 0; g < groups; g++) {
		uint64_t quota = g == groups - 1 ? n - per * (uint64_t)g : per;

		sa.sin_port = htons(port[g]);
		cli[g] = fork();
		if (cli[g] == 0) {
			close(pfd[0]);
			client(&sa, g, quota, pfd[1]);
		}
	}
	/* Every client reports 'C'; every acceptor 'D' once it holds its quota. */
	while ((clients_done < groups || accepted_groups < (uint64_t)groups) && !stop) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		struct msg m;

		if (poll(&p, 1, 60000) != 1) {
			fputs("flows_hold: timed out waiting for connections\n", stderr);
			break;
		}
		if (read(pfd[0], &m, sizeof(m)) != sizeof(m))
			break;
		if (m.kind == 'C') {
			clients_done++;
			opened += m.count;
			failed += m.failed;
			if (m.err)
				last_err = m.err;
			if (m.failed && clients_done == groups && opened < n)
				break; /* some acceptor will never see its quota */
		} else if (m.kind == 'D') {
			accepted_groups++;
		}
	}
	t1 = now_s();
	printf("READY connections=%llu failed=%llu seconds=%.2f processes=%d+%d addr=%s "
	       "ports=%u..%u\n",
	       (unsigned long long)opened, (unsigned long long)failed, t1 - t0, groups, groups,
	       addr, port[0], port[groups - 1]);
	fflush(stdout);

	t2 = now_s();
	while (!stop && (hold <= 0 || now_s() - t2 < hold)) {
		struct pollfd p = {.fd = 0, .events = POLLIN};
		char b[64];

		if (poll(&p, 1, 200) == 1 && (p.revents & (POLLIN | POLLHUP)) &&
		    read(0, b, sizeof(b)) <= 0 && hold <= 0)
			break; /* stdin closed */
	}
	for (int g = 0; g < groups; g++)
		kill(cli[g], SIGTERM);
	for (int g = 0; g < groups; g++)
		waitpid(cli[g], NULL, 0);
	for (int g = 0; g < groups; g++) {
		kill(acc[g], SIGKILL);
		waitpid(acc[g], NULL, 0);
	}
	printf("RESULT connections=%llu failed=%llu open_seconds=%.2f held_seconds=%.1f%s%s\n",
	       (unsigned long long)opened, (unsigned long long)failed, t1 - t0, now_s() - t2,
	       last_err ? " last_error=" : "", last_err ? strerror(last_err) : "");
	return opened == n ? 0 : 1;
}
