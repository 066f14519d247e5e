// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_connect - short TCP connections per second on loopback.
 *
 * A forked server accepts, reads the client's 64 bytes and closes first; the
 * client connects, writes 64 bytes, waits for the server's FIN and closes
 * (so TIME_WAIT stays on the server side, as in KERNEL-NOTES "Costs").
 * Both processes are pinned to one CPU unless -c -1.
 *
 *   bench_connect [-n COUNT | -t SECONDS] [-a ADDR] [-p PORT] [-c CPU] [-W WARMUP]
 *   bench_connect -S [-a ADDR] [-p PORT] [-c CPU]
 *   bench_connect -C -p PORT [-n COUNT | -t SECONDS] [-a ADDR] [-c CPU] [-W WARMUP]
 *
 * -S is the server only (e.g. under `ip netns exec`): it listens on ADDR:PORT
 * (PORT 0: any), prints "ready ADDR:PORT" and serves until killed. -C is the
 * client only, to a -S server at ADDR:PORT. Without either, the server is
 * forked and listens on ADDR:PORT (default: any port).
 *
 * The last line printed starts with "RESULT " (not in -S mode).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "bench_connect: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

static void serve(int ls)
{
	char buf[PAYLOAD];

	for (;;) {
		int fd = accept(ls, NULL, NULL);
		size_t got = 0;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			_exit(1);
		}
		while (got < sizeof(buf)) {
			ssize_t n = read(fd, buf + got, sizeof(buf) - got);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		close(fd); /* the server closes first */
	}
}

/* One connection; 0 or -errno. */
static int one(const struct sockaddr_in *sa)
{
	static const char msg[PAYLOAD] =
	    "egresswatch bench_connect 64-byte payload ..................";
	char buf[16];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ||
	    write(fd, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		rc = -errno;
	else if (read(fd, buf, sizeof(buf)) < 0) /* the server's FIN */
		rc = -errno;
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t slen = sizeof(sa);
	const char *addr = "127.0.0.1";
	uint64_t count = 20000, warmup = 1000, done = 0, errors = 0;
	double duration = 0, t0, t1;
	int c, cpu = 1, ls, one_v = 1, last_err = 0, port = 0;
	bool server_only = false, client_only = false;
	pid_t server = -1;

	while ((c = getopt(argc, argv, "n:t:a:p:c:W:SCh")) != -1) {
		switch (c) {
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 't':
			duration = strtod(optarg, NULL);
			break;
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'W':
			warmup = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			server_only = true;
			break;
		case 'C':
			client_only = true;
			break;
		default:
			fputs("Usage: bench_connect [-S | -C] [-n COUNT | -t SECONDS] [-a ADDR] "
			      "[-p PORT] [-c CPU|-1] [-W WARMUP]\n",
			      stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if ((server_only && client_only) || (client_only && port <= 0) || port < 0 ||
	    port > 65535) {
		fputs("bench_connect: -S and -C exclude each other; -C needs -p PORT\n", stderr);
		return 2;
	}
	if (cpu >= sysconf(_SC_NPROCESSORS_ONLN))
		cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "bench_connect: bad IPv4 address %s\n", addr);
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	if (client_only) {
		pin(cpu);
		goto client;
	}
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one_v, sizeof(one_v));
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 4096) ||
	    getsockname(ls, (struct sockaddr *)&sa, &slen)) {
		fprintf(stderr, "bench_connect: listen on %s: %s\n", addr, strerror(errno));
		return 1;
	}
	pin(cpu);
	if (server_only) {
		printf("ready %s:%u\n", addr, ntohs(sa.sin_port));
		fflush(stdout);
		serve(ls);
	}
	server = fork();
	if (server < 0) {
		perror("bench_connect: fork");
		return 1;
	}
	if (server == 0)
		serve(ls);
	close(ls);

client:
	for (uint64_t i = 0; i < warmup; i++)
		one(&sa);
	t0 = now_s();
	for (;;) {
		int rc;

		if (duration > 0) {
			if ((done & 63) == 0 && now_s() - t0 >= duration)
				break;
		} else if (done >= count) {
			break;
		}
		rc = one(&sa);
		if (rc) {
			errors++;
			last_err = -rc;
		}
		done++;
	}
	t1 = now_s();
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}

	printf("connections:     %llu in %.3f s to %s:%u (cpu %d), %llu failed%s%s\n",
	       (unsigned long long)done, t1 - t0, addr, ntohs(sa.sin_port), cpu,
	       (unsigned long long)errors, errors ? ", last: " : "",
	       errors ? strerror(last_err) : "");
	printf("RESULT conns=%llu seconds=%.3f conns_per_s=%.0f us_per_conn=%.2f errors=%llu "
	       "cpu=%d\n",
	       (unsigned long long)done, t1 - t0, done / (t1 - t0), (t1 - t0) * 1e6 / done,
	       (unsigned long long)errors, cpu);
	return errors ? 1 : 0;
}
