/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sockdiag.h - byte counters of open TCP sockets, read through
 * NETLINK_SOCK_DIAG (inet_diag with INET_DIAG_INFO).
 *
 * The kernel reports counters at close; a long-lived connection would show
 * nothing until then. A periodic sweep reads the same tcp_sock counters
 * (tcpi_bytes_acked, tcpi_bytes_received, tcpi_bytes_sent,
 * tcpi_bytes_retrans) for every open socket so interim
 * records can say how much has left so far. Sockets are keyed by the same
 * cookie the BPF programs use. A sock_diag socket sees its own network
 * namespace only: ew_sockdiag_socket() makes one in the namespace asked for.
 */
#ifndef EW_SOCKDIAG_H
#define EW_SOCKDIAG_H

#include "ew.h"

#include <stdint.h>

/**
 * ew_sockdiag_socket() - a sock_diag socket in the network namespace @nsfd.
 * @nsfd: an open /proc/PID/ns/net or /run/netns/NAME; -1: the caller's
 * @home_nsfd: the caller's own namespace, to return to (needs CAP_SYS_ADMIN)
 * @netns: set to that namespace's cookie (what the BPF programs report)
 * Return: the socket, or -errno.
 */
int ew_sockdiag_socket(int nsfd, int home_nsfd, uint64_t *netns);

/**
 * ew_sockdiag_sweep() - report every open TCP socket (IPv4 and IPv6) that
 * sock_diag socket @fd (ew_sockdiag_socket()) sees.
 * @fn: called once per socket with an EW_EV_TCP_COUNT event (h.type,
 *	h.size set; h.ts_ns 0): cookie, laddr/raddr (IPv4 as ::ffff:a.b.c.d),
 *	lport/rport host order, family (EW_AF_* of the socket: an IPv6 socket
 *	talking IPv4 is EW_AF_INET6 with mapped addresses), newstate (the TCP
 *	state), bytes_acked, bytes_received, and where tcp_info has them
 *	(4.19) bytes_sent and bytes_retrans with EW_TCP_F_SENT; flags also say
 *	which FINs the counters hold, from the state (EW_TCP_F_FIN_IN in
 *	CLOSE_WAIT, LAST_ACK, CLOSING; EW_TCP_F_FIN_OUT_ACKED in FIN_WAIT2);
 *	netns 0; a non-zero return stops the sweep
 * @arg: passed to @fn
 *
 * Listening sockets, TIME_WAIT and CLOSE are skipped, as are request
 * sockets (NEW_SYN_RECV), which have no counters yet.
 *
 * Return: the number of sockets reported, @fn's non-zero return if it
 * stopped the sweep, or -errno.
 */
int ew_sockdiag_sweep(int fd, int (*fn)(const struct ew_ev_tcp *ev, void *arg), void *arg);

#endif
