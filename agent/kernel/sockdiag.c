// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kernel/sockdiag.h"

/* TCP states as the kernel numbers them (include/net/tcp_states.h, ABI). */
enum {
	ST_ESTABLISHED = 1,
	ST_SYN_SENT,
	ST_SYN_RECV,
	ST_FIN_WAIT1,
	ST_FIN_WAIT2,
	ST_TIME_WAIT,
	ST_CLOSE,
	ST_CLOSE_WAIT,
	ST_LAST_ACK,
	ST_LISTEN,
	ST_CLOSING,
	ST_NEW_SYN_RECV,
};

/* Full sockets only: LISTEN has no peer, TIME_WAIT/CLOSE no counters left
 * to gain, NEW_SYN_RECV is a request sock without tcp_info. */
#define STATES                                                                                     \
	((1u << ST_ESTABLISHED) | (1u << ST_SYN_SENT) | (1u << ST_SYN_RECV) |                      \
	 (1u << ST_FIN_WAIT1) | (1u << ST_FIN_WAIT2) | (1u << ST_CLOSE_WAIT) |                     \
	 (1u << ST_LAST_ACK) | (1u << ST_CLOSING))

static int request(int fd, uint8_t family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
	    .nlh = {.nlmsg_len = sizeof(msg),
		    .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		    .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		    .nlmsg_seq = family},
	    .req = {.sdiag_family = family,
		    .sdiag_protocol = IPPROTO_TCP,
		    .idiag_ext = 1u << (INET_DIAG_INFO - 1),
		    .idiag_states = STATES},
	};
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};

	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -errno;
	return 0;
}

static void set_addr(uint8_t out[16], uint8_t family, const __be32 a[4])
{
	if (family == AF_INET) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, a, 4);
	} else {
		memcpy(out, a, 16);
	}
}

static bool fin_queued(uint8_t state)
{
	return state == ST_FIN_WAIT1 || state == ST_FIN_WAIT2 || state == ST_CLOSING ||
	       state == ST_LAST_ACK;
}

/*
 * As the close event does (tcp.bpf.c, read_sent): tcpi_bytes_sent also counts
 * sends the host dropped itself, so it is held to what was retransmitted plus
 * the sequence space acknowledged or in flight. In flight is idiag_wqueue
 * (write_seq - snd_una) less tcpi_notsent_bytes (write_seq - snd_nxt); the
 * two are read a moment apart, which can only make the bound a little loose.
 */
static void read_sent(const struct inet_diag_msg *m, const struct tcp_info *ti,
		      struct ew_ev_tcp *ev)
{
	uint64_t flight =
	    m->idiag_wqueue > ti->tcpi_notsent_bytes ? m->idiag_wqueue - ti->tcpi_notsent_bytes : 0;
	uint64_t bound = ti->tcpi_bytes_retrans + ti->tcpi_bytes_acked + flight;

	if (fin_queued(m->idiag_state) && ti->tcpi_notsent_bytes == 0 && bound)
		bound--;
	ev->bytes_sent = ti->tcpi_bytes_sent;
	ev->bytes_retrans = ti->tcpi_bytes_retrans;
	ev->flags |= EW_TCP_F_SENT;
	if (ev->bytes_sent > bound) {
		ev->bytes_sent = bound;
		ev->flags |= EW_TCP_F_SENT_BOUND;
	}
}

static void fill(const struct inet_diag_msg *m, size_t len, struct ew_ev_tcp *ev)
{
	const struct rtattr *rta = (const struct rtattr *)(m + 1);
	size_t rlen = len - NLMSG_ALIGN(sizeof(*m));

	memset(ev, 0, sizeof(*ev));
	ev->h.type = EW_EV_TCP_COUNT;
	ev->h.size = sizeof(*ev);
	ev->cookie = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32;
	set_addr(ev->laddr, m->idiag_family, m->id.idiag_src);
	set_addr(ev->raddr, m->idiag_family, m->id.idiag_dst);
	ev->lport = ntohs(m->id.idiag_sport);
	ev->rport = ntohs(m->id.idiag_dport);
	ev->family = m->idiag_family == AF_INET ? EW_AF_INET : EW_AF_INET6;
	ev->newstate = m->idiag_state;
	for (; RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
		struct tcp_info ti = {0};
		size_t n = RTA_PAYLOAD(rta);

		if (rta->rta_type != INET_DIAG_INFO)
			continue;
		/* Older kernels send a shorter struct: the missing tail stays 0. */
		memcpy(&ti, RTA_DATA(rta), n < sizeof(ti) ? n : sizeof(ti));
		if (n >= offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
			ev->bytes_acked = ti.tcpi_bytes_acked;
		if (n >=
		    offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
			ev->bytes_received = ti.tcpi_bytes_received;
		/* 4.19 and later: what left, acknowledged or not (ew_tcp_payload). */
		if (n >=
		    offsetof(struct tcp_info, tcpi_bytes_retrans) + sizeof(ti.tcpi_bytes_retrans))
			read_sent(m, &ti, ev);
	}
	/* The state says which FINs the counters hold, as the close event's flags
	 * do: without them a sweep after the peer's FIN counts it as a byte in. */
	if (m->idiag_state == ST_CLOSE_WAIT || m->idiag_state == ST_LAST_ACK ||
	    m->idiag_state == ST_CLOSING)
		ev->flags |= EW_TCP_F_FIN_IN;
	if (m->idiag_state == ST_FIN_WAIT2)
		ev->flags |= EW_TCP_F_FIN_OUT_ACKED;
}

/* Reads one family's dump to its end; returns sockets reported or -errno. */
static int receive(int fd, int (*fn)(const struct ew_ev_tcp *ev, void *arg), void *arg,
		   int *stopped)
{
	static __thread char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ew_ev_tcp ev;
	int count = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		size_t left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		left = (size_t)n;
		for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			int rc;

			if (h->nlmsg_type == NLMSG_DONE)
				return count;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error
					   ? e->error
					   : -EIO;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				continue;
			fill(NLMSG_DATA(h), h->nlmsg_len - NLMSG_LENGTH(0), &ev);
			count++;
			rc = fn(&ev, arg);
			if (rc) {
				/* The rest of the dump is unread: this socket is closed below. */
				*stopped = rc;
				return count;
			}
		}
	}
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int ew_sockdiag_socket(int nsfd, int home_nsfd, uint64_t *netns)
{
	socklen_t len = sizeof(*netns);
	int fd, rc;

	/* A socket lives in the namespace its creator was in at socket(). */
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET))
		return -errno;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	rc = fd < 0 ? -errno : 0;
	if (nsfd >= 0 && setns(home_nsfd, CLONE_NEWNET) && !rc) {
		/* Stuck elsewhere: nothing this thread makes later would be ours. */
		rc = -errno;
		close(fd);
		return rc;
	}
	if (rc)
		return rc;
	*netns = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, netns, &len)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int ew_sockdiag_sweep(int fd, int (*fn)(const struct ew_ev_tcp *ev, void *arg), void *arg)
{
	static const uint8_t families[] = {AF_INET, AF_INET6};
	int total = 0, stopped = 0, rc = 0;

	for (size_t i = 0; i < sizeof(families) && !stopped; i++) {
		rc = request(fd, families[i]);
		if (rc)
			break;
		rc = receive(fd, fn, arg, &stopped);
		if (rc < 0)
			break;
		total += rc;
		rc = 0;
	}
	if (stopped)
		return stopped;
	return rc < 0 ? rc : total;
}
