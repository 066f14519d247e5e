/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * payload.h - turns the kernel's raw payload copies into name events.
 *
 * Raw payloads may hold plaintext and identifiers, so they stop here: only
 * the names parsed from them (and what the parse gave, for the counters)
 * go on to the pipeline, the capture file and replay.
 */
#ifndef EW_PAYLOAD_H
#define EW_PAYLOAD_H

#include <stddef.h>

#include "ew.h"

/**
 * ew_payload_peer_name() - the name in a TCP first payload: the TLS SNI, or
 * else the HTTP Host. @len is the event's length as received; an event
 * whose header lies gives result EW_PARSE_BAD. @out is always filled.
 */
void ew_payload_peer_name(const struct ew_ev_payload *ev, size_t len, struct ew_ev_peer_name *out);

/* Called for each answer event; it must copy what it keeps. */
typedef void (*ew_dns_answer_sink)(const struct ew_ev_dns_answer *a, void *arg);

/**
 * ew_payload_dns() - one EW_EV_DNS_ANSWER per address of a DNS response, or
 * a single one with result != EW_PARSE_OK when it gave none. Each carries
 * the response's transaction (server, its port, this host's port, txid), for
 * the names stage to match against the queries this host sent. A response
 * without this host's port (lport 0) can match no query: it is EW_PARSE_BAD
 * rather than an answer that looks like ABI 2.0's, which had no transaction.
 * Return: the number of events passed to @sink.
 */
int ew_payload_dns(const struct ew_ev_payload *ev, size_t len, ew_dns_answer_sink sink, void *arg);

/**
 * ew_payload_dns_query() - the EW_EV_DNS_QUERY of a DNS query this host sent:
 * its transaction and question (result EW_PARSE_OK), or why it named none.
 * @len is the event's length as received; @out is always filled.
 */
void ew_payload_dns_query(const struct ew_ev_payload *ev, size_t len, struct ew_ev_dns_query *out);

/** ew_payload_len_ok() - whether @len bytes hold the event its header describes. */
int ew_payload_len_ok(const struct ew_ev_payload *ev, size_t len);

#endif
