/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns_msg.h - addresses from DNS responses, so the agent can name a flow's
 * peer with the host the process looked up rather than a reverse lookup;
 * and the question of each query this host sends, so that only responses
 * to those are believed.
 */
#ifndef EW_DNS_MSG_H
#define EW_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>

/* A DNS name in text form is at most 253 characters; + NUL. */
#define EW_DNS_NAME_LEN 254

/**
 * typedef ew_dns_answer_fn - receives one address of a response.
 * @name: lowercase, dotted, no trailing dot; the question name when the
 *        address's owner is reached from it through CNAMEs in the message
 * @addr: IPv6 address, or IPv4 as ::ffff:a.b.c.d
 * @ttl: the address record's TTL in seconds
 * @arg: the caller's argument
 *
 * Return: 0 to go on; a negative errno stops the walk and is returned.
 */
typedef int (*ew_dns_answer_fn)(const char *name, const uint8_t addr[16], uint32_t ttl, void *arg);

/**
 * ew_dns_answers() - report the A and AAAA answers of a DNS response.
 * @msg: untrusted bytes: a DNS message as sent over UDP (for TCP, without
 *       the 2-byte length prefix); a bounded copy may stop anywhere
 * @len: bytes in @msg
 * @fn: called once per A or AAAA answer of class IN, in message order
 * @arg: passed to @fn
 *
 * Allocation-free. The question and answer sections are validated in full
 * before @fn is first called, so a malformed or short message reports
 * nothing. Authority and additional sections are not read. Names are
 * decompressed with at most 64 pointer jumps, each pointing before itself
 * and past the header; labels hold only [A-Za-z0-9-_] (names go to records
 * and policy matching), names are at most 253 characters. CNAME chains are
 * followed through the first 32 CNAMEs, 16 hops at most. A response with a
 * non-zero RCODE (NXDOMAIN, SERVFAIL, ...) carries no usable address and
 * reports 0 without being parsed further.
 *
 * Return: the number of addresses reported; -EINVAL when malformed or not a
 * standard query response (QR=0, OPCODE not 0); -EAGAIN when the answer
 * section continues past @len; or what @fn returned to stop.
 */
int ew_dns_answers(const uint8_t *msg, size_t len, ew_dns_answer_fn fn, void *arg);

/**
 * ew_dns_txid() - the transaction id of a DNS message (query or response).
 * @msg: untrusted bytes, as for ew_dns_answers()
 * @len: bytes in @msg
 *
 * Return: the id (0 to 65535), or -EAGAIN when @len is shorter than it.
 */
int ew_dns_txid(const uint8_t *msg, size_t len);

/* The question a query asks. */
struct ew_dns_question {
	uint16_t txid;
	uint16_t qtype;
	char name[EW_DNS_NAME_LEN]; /* lowercase, dotted, no trailing dot */
};

/**
 * ew_dns_query() - the transaction and first question of a DNS query.
 * @msg: untrusted bytes: a DNS message as sent over UDP; a bounded copy may
 *       stop anywhere
 * @len: bytes in @msg
 * @q: filled: txid whenever @len covers it, qtype and name when the result
 *     is 0 (name "" otherwise)
 *
 * Allocation-free. Only the header and the first question are read (a
 * query with more than one question is answered by no server in use); the
 * name is checked as ew_dns_answers() checks names, so a query and its
 * answer spell a name the same way whatever case the client sent (0x20
 * randomisation).
 *
 * Return: 0; -ENOENT when well formed but it asks no name (QDCOUNT 0, or
 * the root); -EAGAIN when @len ends inside the header or the question;
 * -EINVAL when malformed or not a standard query (QR=1, OPCODE not 0).
 */
int ew_dns_query(const uint8_t *msg, size_t len, struct ew_dns_question *q);

#endif
