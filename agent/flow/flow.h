/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flow.h - the flow table: socket cookie (and, for UDP, the peer) → flow.
 *
 * It owns open flows and decides when a record is due: at a TCP close, at a
 * UDP idle timeout, every report interval for long flows, at a sweep that
 * finds a socket gone, at eviction and at shutdown. It does not format
 * records: it hands each due flow to the emit callback. Each flow carries
 * ext_bytes of zeroed space after it for the stages (ew_flow_ext()).
 */
#ifndef EW_FLOW_H
#define EW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ew.h"
#include "proc/proc.h"

enum ew_flow_dir { EW_DIR_UNKNOWN, EW_DIR_EGRESS, EW_DIR_INGRESS };

/* Why a final record was written; also the reason an interim one was not final. */
enum ew_flow_end {
	EW_END_NONE,	 /* interim record: the flow goes on */
	EW_END_CLOSED,	 /* TCP reached CLOSE */
	EW_END_IDLE,	 /* UDP quiet for udp_idle_timeout */
	EW_END_VANISHED, /* the socket disappeared without a close event */
	EW_END_EVICTED,	 /* the table was full */
	EW_END_SHUTDOWN, /* the agent stopped */
};

/*
 * 164 bytes before the stages' bytes: a host with 100,000 connections holds
 * 200,000 of these (both ends), so the links are 32-bit references, the
 * owner is shared with the owner's other flows, and the fields are ordered
 * to leave no hole. Ordered by use, too: what a lookup compares and what a
 * neighbour's unlink writes are in the first 64 bytes, which the flow table
 * aligns to a cache line, so finding a flow or taking one out of its queues
 * touches one line of it, not two or three.
 */
struct ew_flow {
	uint32_t hnext, self; /* the table's references: 1-based, 0 none */
	/* key: the socket; UDP adds the peer (peer, peer_port) */
	uint64_t cookie;
	struct ew_link {
		uint32_t prev, next;
	} act, rep; /* activity order per protocol; report order: oldest first */
	uint8_t peer[16];
	uint16_t peer_port;
	uint16_t local_port;
	uint8_t proto;
	uint8_t family;	     /* EW_AF_* on the wire (v4-mapped peers are IPv4) */
	uint8_t attribution; /* enum ew_attribution (pipeline/eval.h): how task was found */
	uint8_t dir : 2;     /* enum ew_flow_dir */
	uint8_t end : 3;     /* enum ew_flow_end of the record being emitted */
	bool have_local : 1;
	bool have_task : 1; /* task is set */
	uint64_t last_ns;
	uint64_t start_ns, report_ns;
	uint64_t bytes_out, bytes_in; /* payload so far */
	uint64_t rep_out, rep_in;     /* at the previous record */
	uint64_t raw_out;	      /* UDP: the kernel's cumulative counters */
	union {
		uint64_t raw_in;  /* UDP */
		uint64_t seen_ns; /* TCP: last reported by a counter sweep */
	};
	struct ew_proc *proc;	    /* a reference, or NULL */
	const struct ew_task *task; /* from the hook that named the owner (shared: flow/tasks.h) */
	uint8_t local[16];
	uint32_t netns; /* the socket's network namespace cookie (its low 32 bits); 0: unknown */
	uint32_t ext[]; /* the stages' bytes (ew_flow_ext()), 4-byte aligned */
};

/* Called for each record due; @now_ns is the record's time (boottime). */
typedef void (*ew_flow_emit_fn)(void *arg, const struct ew_flow *f, uint64_t now_ns);
/* Called when a flow leaves the table, after its last record. */
typedef void (*ew_flow_free_fn)(void *arg, struct ew_flow *f);

struct ew_flow_stats {
	uint64_t open;
	uint64_t open_tcp;
	uint64_t created;
	uint64_t records;
	uint64_t evicted;
	uint64_t vanished;
	uint64_t unknown_close; /* TCP closes of sockets never seen opening */
	uint64_t evicted_close; /* TCP closes of evicted flows: no second record */
	uint64_t udp_counter_resets;
	uint64_t alloc_failures;
};

struct ew_flow_opts {
	uint32_t max_flows;
	uint64_t report_interval_ns;
	uint64_t udp_idle_ns;
	const char *boot_id; /* seeds flow ids */
	size_t ext_bytes;    /* zeroed bytes after each flow, for the stages; 4-byte aligned */
	ew_flow_emit_fn emit;
	ew_flow_free_fn free; /* may be NULL */
	void *arg;
};

struct ew_flows;

struct ew_flows *ew_flows_new(const struct ew_flow_opts *o);
void ew_flows_free(struct ew_flows *t);

/* Event handlers; @proc may be NULL (borrowed: the table takes its own reference). */
/** ew_flows_sock_addr() - Return: the flow the event names, NULL when it made none. */
struct ew_flow *ew_flows_sock_addr(struct ew_flows *t, const struct ew_ev_sock_addr *ev,
				   struct ew_proc *proc);
/**
 * ew_flows_owner() - @task owns accepted socket @cookie, found as @how
 * (enum ew_owner_how). Return: the flow whose owner it named, NULL when none.
 */
struct ew_flow *ew_flows_owner(struct ew_flows *t, uint64_t cookie, const struct ew_task *task,
			       uint8_t how, struct ew_proc *proc);
void ew_flows_tcp(struct ew_flows *t, const struct ew_ev_tcp *ev);
void ew_flows_udp_count(struct ew_flows *t, const struct ew_ev_udp_count *ev);
/* What finds a flow: the socket, and for UDP the peer (zero for TCP). */
struct ew_flow_key {
	uint64_t cookie;
	uint8_t raddr[16];
	uint16_t rport;
	bool udp_owner; /* a UDP socket event: it writes the socket's owner slot too */
};

/**
 * ew_flows_prefetch() - a hint, nothing else: ask the cache for the bucket
 * of the event @k names (NULL: an event without a flow), and for the first
 * flow of the bucket asked for by the previous call, whose line has had a
 * call's time to arrive. Called an event or two ahead of the handlers, their
 * misses overlap the work on the events before. Changes nothing a handler
 * or a record can see.
 */
void ew_flows_prefetch(struct ew_flows *t, const struct ew_flow_key *k);
/** ew_flows_find_tcp() - the open TCP flow of socket @cookie, or NULL. */
struct ew_flow *ew_flows_find_tcp(struct ew_flows *t, uint64_t cookie);
/** ew_flows_id() - @f's flow id: the same in every record of the flow. */
uint64_t ew_flows_id(const struct ew_flows *t, const struct ew_flow *f);

/** ew_flow_ext() - the stages' bytes of @f at offset @off (4-byte aligned). */
static inline void *ew_flow_ext(const struct ew_flow *f, size_t off)
{
	return (char *)f->ext + off;
}
void ew_flows_sweep_end(struct ew_flows *t, const struct ew_ev_sweep_end *ev);
/** ew_flows_tick() - interim records and UDP idle ends, as of @now_ns. */
void ew_flows_tick(struct ew_flows *t, uint64_t now_ns);
/**
 * ew_flows_record() - an interim record of @f now, out of turn (the alert
 * stage's early evidence: ew_pipeline_record_soon()); its next interim
 * record comes a report interval after this one.
 */
void ew_flows_record(struct ew_flows *t, struct ew_flow *f, uint64_t now_ns);
/** ew_flows_flush() - end every flow (EW_END_SHUTDOWN) at @now_ns. */
void ew_flows_flush(struct ew_flows *t, uint64_t now_ns);

const struct ew_flow_stats *ew_flows_stats(const struct ew_flows *t);

#endif
