// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ew.h"
#include "kernel/sockdiag.h"

#define N_UP   100000
#define N_DOWN 3000

struct find {
	uint64_t cookie[3];
	struct ew_ev_tcp got[3];
	int found[3];
	int total;
};

static int sweep(int (*fn)(const struct ew_ev_tcp *ev, void *arg), void *arg);

static int collect(const struct ew_ev_tcp *ev, void *arg)
{
	struct find *f = arg;

	cr_assert_eq(ev->h.type, EW_EV_TCP_COUNT);
	cr_assert_eq(ev->h.size, sizeof(*ev));
	f->total++;
	for (int i = 0; i < 3; i++) {
		if (ev->cookie == f->cookie[i]) {
			f->got[i] = *ev;
			f->found[i]++;
		}
	}
	return 0;
}

static uint64_t cookie_of(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len), 0);
	cr_assert_neq(c, 0);
	return c;
}

static void xfer(int from, int to, size_t n)
{
	static char buf[65536];
	size_t sent = 0, got = 0;

	memset(buf, 'e', sizeof(buf));
	while (sent < n || got < n) {
		if (sent < n) {
			size_t k = n - sent < sizeof(buf) ? n - sent : sizeof(buf);
			ssize_t w = send(from, buf, k, MSG_DONTWAIT);

			if (w > 0)
				sent += (size_t)w;
			else
				cr_assert(errno == EAGAIN || errno == EWOULDBLOCK);
		}
		if (got < sent) {
			ssize_t r = recv(to, buf, sizeof(buf), MSG_DONTWAIT);

			if (r > 0)
				got += (size_t)r;
		}
	}
}

static void run(int family)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	int lfd, cfd, sfd, one = 1;
	struct find f = {0};
	uint16_t port;
	uint8_t lo[16] = {0};

	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
		lo[10] = lo[11] = 0xff;
		lo[12] = 127;
		lo[15] = 1;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
		lo[15] = 1;
	}
	lfd = socket(family, SOCK_STREAM, 0);
	cr_assert_geq(lfd, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(lfd, (struct sockaddr *)&ss, sl), 0, "bind: %s", strerror(errno));
	cr_assert_eq(listen(lfd, 1), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&ss, &sl), 0);
	port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				       : ((struct sockaddr_in6 *)&ss)->sin6_port);
	cfd = socket(family, SOCK_STREAM, 0);
	cr_assert_eq(connect(cfd, (struct sockaddr *)&ss, sl), 0);
	sfd = accept(lfd, NULL, NULL);
	cr_assert_geq(sfd, 0);

	xfer(cfd, sfd, N_UP);
	xfer(sfd, cfd, N_DOWN);
	f.cookie[0] = cookie_of(cfd);
	f.cookie[1] = cookie_of(sfd);
	f.cookie[2] = cookie_of(lfd);

	/* Data was read, so it arrived; its ACK may still be on the way. */
	for (int tries = 0; tries < 100; tries++) {
		int n;

		memset(f.found, 0, sizeof(f.found));
		f.total = 0;
		n = sweep(collect, &f);
		cr_assert_geq(n, 2, "sweep: %d", n);
		cr_assert_eq(n, f.total);
		if (f.got[0].bytes_acked == N_UP + 1 && f.got[1].bytes_acked == N_DOWN)
			break;
		usleep(10000);
	}
	cr_assert_eq(f.found[0], 1, "client found once");
	cr_assert_eq(f.found[1], 1, "server side found once");
	cr_assert_eq(f.found[2], 0, "listeners are skipped");

	/* The active opener's SYN counts as one acked byte; the passive side's does not. */
	cr_assert_eq(f.got[0].bytes_acked, N_UP + 1);
	cr_assert_eq(f.got[0].bytes_received, N_DOWN);
	cr_assert_eq(f.got[1].bytes_acked, N_DOWN);
	cr_assert_eq(f.got[1].bytes_received, N_UP);

	/* What left, once: loopback loses nothing, so all of it was sent once. */
	for (int i = 0; i < 2; i++) {
		cr_assert(f.got[i].flags & EW_TCP_F_SENT, "tcp_info has tcpi_bytes_sent");
		cr_assert_eq(f.got[i].flags & EW_TCP_F_SENT_BOUND, 0, "nothing dropped here");
	}
	cr_assert_eq(f.got[0].bytes_sent - f.got[0].bytes_retrans, N_UP);
	cr_assert_eq(f.got[1].bytes_sent - f.got[1].bytes_retrans, N_DOWN);
	cr_assert_eq(f.got[0].flags & (EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED), 0);
	cr_assert_eq(f.got[0].netns, 0, "the sweep does not say its namespace");

	cr_assert_eq(f.got[0].rport, port);
	cr_assert_eq(f.got[1].lport, port);
	cr_assert_eq(f.got[0].lport, f.got[1].rport);
	cr_assert_neq(f.got[0].lport, 0);
	cr_assert_eq(memcmp(f.got[0].laddr, lo, 16), 0);
	cr_assert_eq(memcmp(f.got[0].raddr, lo, 16), 0);
	cr_assert_eq(f.got[0].family, family == AF_INET ? EW_AF_INET : EW_AF_INET6);
	cr_assert_eq(f.got[0].newstate, 1 /* TCP_ESTABLISHED */);
	close(cfd);
	close(sfd);
	close(lfd);
}

/* A sock_diag socket of this test's own namespace, with its cookie. */
static int sweep(int (*fn)(const struct ew_ev_tcp *ev, void *arg), void *arg)
{
	uint64_t netns = 0;
	int fd = ew_sockdiag_socket(-1, -1, &netns), n;

	cr_assert_geq(fd, 0, "sock_diag socket: %s", strerror(-fd));
	cr_assert_neq(netns, 0, "every namespace has a cookie");
	n = ew_sockdiag_sweep(fd, fn, arg);
	close(fd);
	return n;
}

Test(sockdiag, ipv4_loopback_pair)
{
	run(AF_INET);
}

Test(sockdiag, ipv6_loopback_pair)
{
	run(AF_INET6);
}

/* A half close: the side that shut down is in FIN_WAIT2 (its FIN acked, in
 * bytes_acked), the other in CLOSE_WAIT (the FIN in bytes_received). */
Test(sockdiag, fin_states_say_which_fin_is_counted)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0), cfd = socket(AF_INET, SOCK_STREAM, 0), sfd;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(a);
	struct find f = {0};
	char buf[16];

	cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sl), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&a, &sl), 0);
	cr_assert_eq(connect(cfd, (struct sockaddr *)&a, sl), 0);
	sfd = accept(lfd, NULL, NULL);
	cr_assert_geq(sfd, 0);
	cr_assert_eq(send(cfd, "hello", 5, 0), 5);
	cr_assert_eq(shutdown(cfd, SHUT_WR), 0);
	cr_assert_eq(recv(sfd, buf, sizeof(buf), 0), 5);
	cr_assert_eq(recv(sfd, buf, sizeof(buf), 0), 0, "the FIN arrived");
	f.cookie[0] = cookie_of(cfd);
	f.cookie[1] = cookie_of(sfd);
	for (int tries = 0; tries < 100; tries++) {
		memset(f.found, 0, sizeof(f.found));
		cr_assert_geq(sweep(collect, &f), 2);
		if (f.got[0].newstate == 5 /* FIN_WAIT2 */)
			break;
		usleep(10000);
	}
	cr_assert_eq(f.got[0].newstate, 5);
	cr_assert_eq(f.got[0].flags & (EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED),
		     EW_TCP_F_FIN_OUT_ACKED);
	cr_assert_eq(f.got[0].bytes_acked, 5 + 2, "SYN and FIN acked");
	cr_assert_eq(f.got[0].flags & (EW_TCP_F_SENT | EW_TCP_F_SENT_BOUND), EW_TCP_F_SENT,
		     "the bound (SYN, 5 bytes, FIN out) is above what was sent");
	cr_assert_eq(f.got[0].bytes_sent, 5);
	cr_assert_eq(f.got[1].newstate, 8 /* CLOSE_WAIT */);
	cr_assert_eq(f.got[1].flags & (EW_TCP_F_FIN_IN | EW_TCP_F_FIN_OUT_ACKED), EW_TCP_F_FIN_IN);
	cr_assert_eq(f.got[1].bytes_received, 5 + 1, "the FIN received");
	close(cfd);
	close(sfd);
	close(lfd);
}

static int stop_at_first(const struct ew_ev_tcp *ev, void *arg)
{
	(*(int *)arg)++;
	return -ECANCELED;
}

Test(sockdiag, callback_stops_the_sweep)
{
	/* Needs one socket to exist: make a pair. */
	int lfd = socket(AF_INET, SOCK_STREAM, 0), cfd = socket(AF_INET, SOCK_STREAM, 0), calls = 0;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(a);

	cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sl), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&a, &sl), 0);
	cr_assert_eq(connect(cfd, (struct sockaddr *)&a, sl), 0);
	cr_assert_eq(sweep(stop_at_first, &calls), -ECANCELED);
	cr_assert_eq(calls, 1);
	close(cfd);
	close(lfd);
}
