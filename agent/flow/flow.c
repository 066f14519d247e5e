// SPDX-License-Identifier: GPL-2.0-only
#include "flow/flow.h"

#include <stdlib.h>
#include <string.h>

#include "flow/tasks.h"
#include "flow/tcp_bytes.h"
#include "pipeline/eval.h"
#include "util/addr.h"
#include "util/siphash.h"

#define OWNER_SLOTS 16384 /* UDP socket owners, direct-mapped: a cache, not a table */
#define SLAB_SHIFT  10	  /* flows are allocated in blocks: no per-flow malloc header */
#define SLAB_FLOWS  (1u << SLAB_SHIFT)
#define LINE	    64 /* slabs start on a cache line: see struct ew_flow */

/* The flow slot does not grow, and what a lookup and an unlink touch stays in one line. */
_Static_assert(offsetof(struct ew_flow, ext) == 164, "struct ew_flow grew");
_Static_assert(offsetof(struct ew_flow, last_ns) + sizeof(uint64_t) <= LINE,
	       "the fields a lookup and an unlink touch span two cache lines");

struct owner {
	uint64_t cookie;
	struct ew_task task;
	struct ew_proc *proc;
	uint8_t connected_peer[16];
	uint16_t connected_port;
};

/* Flows refer to each other by 1-based 32-bit references (0: none), not pointers. */
typedef uint32_t ref_t;

struct ew_flows {
	struct ew_flow_opts o;
	ref_t *buckets;
	uint64_t mask;
	/*
	 * Three queues so a tick touches only the flows that are due: activity
	 * order per protocol (eviction, UDP idle) and report order (interim
	 * records; a flow moves to the tail each time it is reported).
	 */
	struct ew_list {
		ref_t head, tail;
	} act[2], rep;
	ref_t free_list;
	char **slabs; /* each SLAB_FLOWS flows of stride bytes */
	size_t n_slabs;
	size_t stride; /* a flow and its stages' bytes, 8-aligned */
	struct owner *owners;
	/*
	 * Cookies of recently evicted TCP flows (direct-mapped: a cache): their
	 * close must not come back as a flow of unknown direction and process.
	 */
	uint64_t *evicted;
	uint64_t evicted_mask;
	/* Network namespaces swept once: from then on a sweep updates flows and
	 * makes none (a socket it finds unknown was evicted, or is closing). */
	uint32_t *swept;
	size_t n_swept;
	bool swept_all; /* an ABI 2.0 sweep: one for every namespace */
	uint64_t seed;
	struct ew_tasks *tasks; /* the flows' owners, shared */
	const ref_t *pf_head;	/* ew_flows_prefetch(): the bucket it asked for last */
	struct ew_flow_stats st;
};

/* splitmix64's finalizer: for flow ids only (id_hash()), never to index a table. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* The bucket of a key: keyed, so peers cannot choose to share one (util/siphash.h). */
static uint64_t key_hash(uint64_t cookie, const uint8_t raddr[16], uint16_t rport)
{
	uint64_t a, b;

	memcpy(&a, raddr, 8);
	memcpy(&b, raddr + 8, 8);
	return ew_hash_u64x4(cookie, a, b, rport);
}

/*
 * What flow ids are made of, and only that: ids are in records already
 * written, so this stays the unkeyed mix it always was. Never a bucket.
 */
static uint64_t id_hash(uint64_t cookie, const uint8_t raddr[16], uint16_t rport)
{
	uint64_t a, b;

	memcpy(&a, raddr, 8);
	memcpy(&b, raddr + 8, 8);
	return mix64(cookie ^ mix64(a ^ mix64(b ^ rport)));
}

struct ew_flows *ew_flows_new(const struct ew_flow_opts *o)
{
	struct ew_flows *t = calloc(1, sizeof(*t));
	uint64_t n = 1024;

	if (!t)
		return NULL;
	t->o = *o;
	while (n < o->max_flows / 2)
		n <<= 1;
	t->buckets = calloc(n, sizeof(*t->buckets));
	t->owners = calloc(OWNER_SLOTS, sizeof(*t->owners));
	t->tasks = ew_tasks_new();
	if (!t->buckets || !t->owners || !t->tasks) {
		ew_flows_free(t);
		return NULL;
	}
	t->mask = n - 1;
	t->stride = (offsetof(struct ew_flow, ext) + o->ext_bytes + 7) & ~(size_t)7;
	for (n = 1024; n < o->max_flows / 8;)
		n <<= 1;
	t->evicted = calloc(n, sizeof(*t->evicted));
	if (!t->evicted) {
		ew_flows_free(t);
		return NULL;
	}
	t->evicted_mask = n - 1;
	for (const char *s = o->boot_id; s && *s; s++)
		t->seed = mix64(t->seed ^ (uint8_t)*s);
	return t;
}

const struct ew_flow_stats *ew_flows_stats(const struct ew_flows *t)
{
	return &t->st;
}

static inline struct ew_flow *at(const struct ew_flows *t, ref_t r)
{
	if (!r)
		return NULL;
	r--;
	return (struct ew_flow *)(t->slabs[r >> SLAB_SHIFT] +
				  (size_t)(r & (SLAB_FLOWS - 1)) * t->stride);
}

enum { ACT, REP };

static struct ew_link *link_of(struct ew_flow *f, int which)
{
	return which == ACT ? &f->act : &f->rep;
}

static struct ew_list *list_of(struct ew_flows *t, const struct ew_flow *f, int which)
{
	return which == ACT ? &t->act[f->proto == EW_IPPROTO_UDP] : &t->rep;
}

static void q_unlink(struct ew_flows *t, struct ew_flow *f, int which)
{
	struct ew_link *l = link_of(f, which);
	struct ew_list *q = list_of(t, f, which);

	if (l->prev)
		link_of(at(t, l->prev), which)->next = l->next;
	else
		q->head = l->next;
	if (l->next)
		link_of(at(t, l->next), which)->prev = l->prev;
	else
		q->tail = l->prev;
	l->prev = l->next = 0;
}

static void q_append(struct ew_flows *t, struct ew_flow *f, int which)
{
	struct ew_link *l = link_of(f, which);
	struct ew_list *q = list_of(t, f, which);

	l->prev = q->tail;
	l->next = 0;
	if (q->tail)
		link_of(at(t, q->tail), which)->next = f->self;
	else
		q->head = f->self;
	q->tail = f->self;
}

static void q_to_tail(struct ew_flows *t, struct ew_flow *f, int which)
{
	if (list_of(t, f, which)->tail != f->self) {
		q_unlink(t, f, which);
		q_append(t, f, which);
	}
}

/* Events of one flow can come out of order across CPUs: the latest wins. */
static void note_active(struct ew_flow *f, uint64_t ts)
{
	if (ts > f->last_ns)
		f->last_ns = ts;
}

static void touch(struct ew_flows *t, struct ew_flow *f, uint64_t ts)
{
	note_active(f, ts);
	q_to_tail(t, f, ACT);
}

/*
 * Taking @f out of a queue writes its neighbours, flows last active about
 * when it was: rarely in the cache. Asked for together as soon as @f is
 * found, their misses overlap each other and the work before the unlink
 * (for a close, the whole record), instead of coming one after another.
 */
static void prefetch_links(const struct ew_flows *t, const struct ew_flow *f, bool rep)
{
	const struct ew_link *l[2] = {&f->act, &f->rep};

	/* The flow's own other lines too: its counters and local end are written next. */
	for (size_t off = LINE; off < t->stride; off += LINE)
		__builtin_prefetch((const char *)f + off, 1);

	for (int i = 0; i < (rep ? 2 : 1); i++) {
		if (l[i]->prev)
			__builtin_prefetch(at(t, l[i]->prev), 1);
		if (l[i]->next)
			__builtin_prefetch(at(t, l[i]->next), 1);
	}
}

/* The least recently active flow of either protocol: the one to evict. */
static struct ew_flow *least_active(const struct ew_flows *t)
{
	struct ew_flow *a = at(t, t->act[0].head), *b = at(t, t->act[1].head);

	if (!a || !b)
		return a ? a : b;
	return a->last_ns <= b->last_ns ? a : b;
}

static const uint8_t zero16[16];

/* A TCP socket has one peer, so its key is the cookie alone; UDP adds the peer. */
static const uint8_t *key_addr(const struct ew_flow *f)
{
	return f->proto == EW_IPPROTO_UDP ? f->peer : zero16;
}

static uint16_t key_port(const struct ew_flow *f)
{
	return f->proto == EW_IPPROTO_UDP ? f->peer_port : 0;
}

static inline bool same_addr(const uint8_t a[16], const uint8_t b[16])
{
	uint64_t x[2], y[2];

	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return x[0] == y[0] && x[1] == y[1];
}

/* A key's chain, found once for the lookup and the create that may follow it. */
static ref_t *bucket_of(struct ew_flows *t, uint64_t cookie, const uint8_t raddr[16],
			uint16_t rport)
{
	return &t->buckets[key_hash(cookie, raddr, rport) & t->mask];
}

static struct ew_flow *lookup(struct ew_flows *t, const ref_t *head, uint64_t cookie,
			      const uint8_t raddr[16], uint16_t rport, uint8_t proto)
{
	struct ew_flow *f;

	for (ref_t r = *head; r; r = f->hnext) {
		f = at(t, r);
		if (f->cookie == cookie && key_port(f) == rport && f->proto == proto &&
		    same_addr(key_addr(f), raddr))
			return f;
	}
	return NULL;
}

/* A final record (@end not EW_END_NONE) leaves the flow where it is: it is removed next. */
static void emit(struct ew_flows *t, struct ew_flow *f, enum ew_flow_end end, uint64_t now)
{
	f->end = (uint8_t)end;
	t->o.emit(t->o.arg, f, now);
	f->rep_out = f->bytes_out;
	f->rep_in = f->bytes_in;
	f->report_ns = now;
	if (end == EW_END_NONE)
		q_to_tail(t, f, REP);
	t->st.records++;
}

/* @head: the bucket of @f's key if the caller has it, else NULL. */
static void remove_flow(struct ew_flows *t, struct ew_flow *f, ref_t *head)
{
	ref_t *pp = head ? head : bucket_of(t, f->cookie, key_addr(f), key_port(f));

	for (; *pp; pp = &at(t, *pp)->hnext) {
		if (*pp == f->self) {
			*pp = f->hnext;
			break;
		}
	}
	q_unlink(t, f, ACT);
	q_unlink(t, f, REP);
	t->st.open--;
	if (f->proto == EW_IPPROTO_TCP)
		t->st.open_tcp--;
	if (t->o.free)
		t->o.free(t->o.arg, f);
	ew_proc_unref(f->proc);
	f->proc = NULL;
	ew_tasks_put(t->tasks, f->task);
	f->task = NULL;
	f->have_task = false;
	f->hnext = t->free_list;
	t->free_list = f->self;
}

static void end_flow(struct ew_flows *t, struct ew_flow *f, enum ew_flow_end why, uint64_t now,
		     ref_t *head)
{
	emit(t, f, why, now);
	remove_flow(t, f, head);
}

/* @head: bucket_of() the key; evicting a flow first leaves it valid. */
static struct ew_flow *create(struct ew_flows *t, ref_t *head, uint64_t cookie,
			      const uint8_t raddr[16], uint16_t rport, uint8_t proto, uint64_t ts)
{
	ref_t self;
	struct ew_flow *f;

	if (t->st.open >= t->o.max_flows && least_active(t)) {
		struct ew_flow *old = least_active(t);

		t->st.evicted++;
		if (old->proto == EW_IPPROTO_TCP)
			t->evicted[ew_hash_u64(old->cookie) & t->evicted_mask] = old->cookie;
		end_flow(t, old, EW_END_EVICTED, ts, NULL);
	}
	if (!t->free_list) {
		char *sl = aligned_alloc(LINE, SLAB_FLOWS * t->stride);
		char **v = sl ? realloc(t->slabs, (t->n_slabs + 1) * sizeof(*v)) : NULL;
		ref_t base = (ref_t)(t->n_slabs << SLAB_SHIFT);

		if (!v) {
			free(sl);
			t->st.alloc_failures++;
			return NULL;
		}
		t->slabs = v;
		t->slabs[t->n_slabs++] = sl;
		for (int i = SLAB_FLOWS - 1; i >= 0; i--) {
			struct ew_flow *nf = (struct ew_flow *)(sl + (size_t)i * t->stride);

			nf->self = base + (ref_t)i + 1;
			nf->hnext = t->free_list;
			t->free_list = nf->self;
		}
	}
	f = at(t, t->free_list);
	self = f->self;
	t->free_list = f->hnext;
	memset(f, 0, t->stride);
	f->self = self;
	f->cookie = cookie;
	if (proto == EW_IPPROTO_UDP) {
		memcpy(f->peer, raddr, 16);
		f->peer_port = rport;
	}
	f->proto = proto;
	f->start_ns = f->last_ns = f->report_ns = ts;
	f->hnext = *head;
	*head = f->self;
	q_append(t, f, ACT);
	q_append(t, f, REP);
	t->st.open++;
	t->st.created++;
	if (proto == EW_IPPROTO_TCP)
		t->st.open_tcp++;
	return f;
}

static void set_peer(struct ew_flow *f, const uint8_t addr[16], uint16_t port)
{
	memcpy(f->peer, addr, 16);
	f->peer_port = port;
	f->family = ew_addr_is_v4(addr) ? EW_AF_INET : EW_AF_INET6;
}

static void set_local(struct ew_flow *f, const uint8_t addr[16], uint16_t port)
{
	memcpy(f->local, addr, 16);
	f->local_port = port;
	f->have_local = true;
}

uint64_t ew_flows_id(const struct ew_flows *t, const struct ew_flow *f)
{
	return mix64(t->seed ^ mix64(id_hash(f->cookie, key_addr(f), key_port(f)) ^ f->start_ns));
}

static void set_owner(struct ew_flows *t, struct ew_flow *f, const struct ew_task *task,
		      struct ew_proc *proc, uint8_t attribution)
{
	const struct ew_task *shared = ew_tasks_get(t->tasks, task);

	if (!shared) {
		t->st.alloc_failures++;
		return;
	}
	ew_tasks_put(t->tasks, f->task);
	f->task = shared;
	f->have_task = true;
	f->attribution = attribution;
	if (proc != f->proc) {
		ew_proc_ref(proc);
		ew_proc_unref(f->proc);
		f->proc = proc;
	}
}

static struct owner *owner_slot(struct ew_flows *t, uint64_t cookie)
{
	return &t->owners[ew_hash_u64(cookie) & (OWNER_SLOTS - 1)];
}

static bool connected_to(const struct owner *o, uint64_t cookie, const uint8_t raddr[16],
			 uint16_t rport)
{
	return o && o->cookie == cookie && o->connected_port == rport &&
	       !memcmp(o->connected_peer, raddr, 16);
}

static struct owner *remember_owner(struct ew_flows *t, const struct ew_ev_sock_addr *ev,
				    struct ew_proc *proc)
{
	struct owner *o = owner_slot(t, ev->cookie);

	if (o->cookie != ev->cookie)
		memset(o->connected_peer, 0, sizeof(o->connected_peer));
	o->cookie = ev->cookie;
	o->task = ev->task;
	if (proc != o->proc) {
		ew_proc_ref(proc);
		ew_proc_unref(o->proc);
		o->proc = proc;
	}
	if (ev->h.type == EW_EV_CONNECT) {
		memcpy(o->connected_peer, ev->raddr, 16);
		o->connected_port = ev->rport;
	}
	return o;
}

/* A hook ran in the owner's context: it names the flow's process and namespace. */
static struct ew_flow *claimed(struct ew_flows *t, struct ew_flow *f,
			       const struct ew_ev_sock_addr *ev, struct ew_proc *proc)
{
	set_owner(t, f, &ev->task, proc, EW_ATTR_SOCKET);
	if (ev->netns)
		f->netns = (uint32_t)ev->netns;
	touch(t, f, ev->h.ts_ns);
	return f;
}

struct ew_flow *ew_flows_sock_addr(struct ew_flows *t, const struct ew_ev_sock_addr *ev,
				   struct ew_proc *proc)
{
	struct ew_flow *f;
	uint8_t dir = ev->h.type == EW_EV_UDP_RECV ? EW_DIR_INGRESS : EW_DIR_EGRESS;
	ref_t *head;

	if (ev->proto == EW_IPPROTO_UDP) {
		struct owner *o;

		/* The bucket's miss overlaps the owner slot's. */
		head = bucket_of(t, ev->cookie, ev->raddr, ev->rport);
		__builtin_prefetch(head);
		o = remember_owner(t, ev, proc);
		/* A connect() alone moves no data; the first datagram makes the flow. */
		if (ev->h.type == EW_EV_CONNECT)
			return NULL;
		f = lookup(t, head, ev->cookie, ev->raddr, ev->rport, EW_IPPROTO_UDP);
		if (!f) {
			f = create(t, head, ev->cookie, ev->raddr, ev->rport, EW_IPPROTO_UDP,
				   ev->h.ts_ns);
			if (!f)
				return NULL;
			/* send() on a connected socket passes no hook: a reply read
			 * with recvfrom() is the first event, yet this side began. */
			if (connected_to(o, ev->cookie, ev->raddr, ev->rport))
				dir = EW_DIR_EGRESS;
			f->dir = dir;
			set_peer(f, ev->raddr, ev->rport);
		}
		return claimed(t, f, ev, proc);
	}
	head = bucket_of(t, ev->cookie, zero16, 0);
	f = lookup(t, head, ev->cookie, zero16, 0, EW_IPPROTO_TCP);
	if (f && f->dir != EW_DIR_UNKNOWN)
		return f; /* a repeated connect() on a non-blocking socket */
	if (!f) {
		f = create(t, head, ev->cookie, zero16, 0, EW_IPPROTO_TCP, ev->h.ts_ns);
		if (!f)
			return NULL;
	}
	f->dir = EW_DIR_EGRESS;
	set_peer(f, ev->raddr, ev->rport);
	return claimed(t, f, ev, proc);
}

void ew_flows_prefetch(struct ew_flows *t, const struct ew_flow_key *k)
{
	const ref_t *prev = t->pf_head;
	const ref_t *head = NULL;

	if (k) {
		head = bucket_of(t, k->cookie, k->raddr, k->rport);
		__builtin_prefetch(head, 1);
		if (k->udp_owner) {
			const struct owner *o = owner_slot(t, k->cookie);

			/* A slot may straddle two lines: ask for both ends. */
			__builtin_prefetch(o, 1);
			__builtin_prefetch((const char *)(o + 1) - 1, 1);
		}
	}
	/* Buckets hold valid references or 0 whatever happened since: at() is safe. */
	if (prev && *prev)
		__builtin_prefetch(at(t, *prev), 1);
	t->pf_head = head;
}

struct ew_flow *ew_flows_find_tcp(struct ew_flows *t, uint64_t cookie)
{
	return lookup(t, bucket_of(t, cookie, zero16, 0), cookie, zero16, 0, EW_IPPROTO_TCP);
}

/*
 * accept() (ABI 2.0) and the listener both name the owner once, so the first
 * one stays. The process that closes the socket is the one that held it last
 * (a pre-forking server's worker, not the parent that listened): it wins over
 * the listener.
 */
struct ew_flow *ew_flows_owner(struct ew_flows *t, uint64_t cookie, const struct ew_task *task,
			       uint8_t how, struct ew_proc *proc)
{
	static const uint8_t attr[EW_OWNER_HOW_MAX] = {
	    [EW_OWNER_ACCEPT] = EW_ATTR_ACCEPT,
	    [EW_OWNER_LISTENER] = EW_ATTR_LISTENER,
	    [EW_OWNER_SCAN] = EW_ATTR_LISTENER_SCAN,
	    [EW_OWNER_CLOSER] = EW_ATTR_CLOSER,
	};
	struct ew_flow *f = ew_flows_find_tcp(t, cookie);

	if (!f || how >= EW_OWNER_HOW_MAX)
		return NULL;
	if (f->have_task && !(how == EW_OWNER_CLOSER && (f->attribution == EW_ATTR_LISTENER ||
							 f->attribution == EW_ATTR_LISTENER_SCAN)))
		return NULL;
	set_owner(t, f, task, proc, attr[how]);
	return f;
}

static void tcp_counters(struct ew_flow *f, const struct ew_ev_tcp *ev)
{
	uint64_t out, in;

	ew_tcp_payload(ev, f->dir != EW_DIR_INGRESS, &out, &in);
	/* Counters only grow; a smaller value is a reading from before the last one.
	 * Sweeps and the close count alike (sent, or acked in ABI 2.0 captures),
	 * so the interim records and the final one add up to the close's count. */
	if (out > f->bytes_out)
		f->bytes_out = out;
	if (in > f->bytes_in)
		f->bytes_in = in;
}

/* Whether a namespace's sockets were all listed by a sweep since the start. */
static bool swept_ns(const struct ew_flows *t, uint64_t netns)
{
	for (size_t i = 0; i < t->n_swept; i++)
		if (t->swept[i] == (uint32_t)netns)
			return true;
	return false;
}

/*
 * Whether an event about a socket the table does not hold makes a flow. An
 * accept always does. Once a sweep has listed a namespace's sockets (every
 * socket older than the agent has a flow from then on), a count or a close
 * of an unknown socket there is one whose flow was evicted (its bytes since
 * are counted lost with the eviction) or that closed while the sweep read it:
 * no record without a process or a direction for it. Events that do not say
 * their namespace count as the agent's own. Captures of ABI 2.0 (sweeps
 * without a namespace) keep their old behaviour for closes.
 */
static bool makes_flow(const struct ew_flows *t, const struct ew_ev_tcp *ev)
{
	bool swept = t->n_swept ? !ev->netns || swept_ns(t, ev->netns) : t->swept_all;

	switch (ev->h.type) {
	case EW_EV_TCP_CLOSE:
		if (t->evicted[ew_hash_u64(ev->cookie) & t->evicted_mask] == ev->cookie)
			return false;
		return t->n_swept ? !swept : true;
	case EW_EV_TCP_COUNT:
		return !swept;
	default:
		return true;
	}
}

void ew_flows_tcp(struct ew_flows *t, const struct ew_ev_tcp *ev)
{
	ref_t *head = bucket_of(t, ev->cookie, zero16, 0);
	struct ew_flow *f = lookup(t, head, ev->cookie, zero16, 0, EW_IPPROTO_TCP);

	if (f)
		prefetch_links(t, f, ev->h.type == EW_EV_TCP_CLOSE);
	if (!f) {
		if (!makes_flow(t, ev)) {
			if (ev->h.type == EW_EV_TCP_CLOSE)
				t->st.evicted_close++;
			return;
		}
		f = create(t, head, ev->cookie, zero16, 0, EW_IPPROTO_TCP, ev->h.ts_ns);
		if (!f)
			return;
		if (ev->h.type == EW_EV_TCP_ACCEPT)
			f->dir = EW_DIR_INGRESS;
		else if (ev->h.type == EW_EV_TCP_CLOSE)
			t->st.unknown_close++;
	} else if (ev->h.type == EW_EV_TCP_ACCEPT && f->dir == EW_DIR_UNKNOWN) {
		/* A sweep met the socket before its accept event was read. */
		f->dir = EW_DIR_INGRESS;
	}
	if (ev->netns)
		f->netns = (uint32_t)ev->netns;
	set_peer(f, ev->raddr, ev->rport);
	set_local(f, ev->laddr, ev->lport);
	if (ev->h.type == EW_EV_TCP_COUNT)
		f->seen_ns = ev->h.ts_ns;
	tcp_counters(f, ev);
	if (ev->h.type != EW_EV_TCP_CLOSE) {
		touch(t, f, ev->h.ts_ns);
		return;
	}
	/* Its place in the activity order no longer matters: it leaves the table. */
	note_active(f, ev->h.ts_ns);
	end_flow(t, f, EW_END_CLOSED, ev->h.ts_ns, head);
}

static struct owner *owner_of(struct ew_flows *t, uint64_t cookie)
{
	struct owner *o = owner_slot(t, cookie);

	return o->cookie == cookie ? o : NULL;
}

void ew_flows_udp_count(struct ew_flows *t, const struct ew_ev_udp_count *ev)
{
	const struct ew_udp_key *k = &ev->key;
	const struct ew_udp_val *v = &ev->val;
	ref_t *head = bucket_of(t, k->cookie, k->raddr, k->rport);
	struct ew_flow *f = lookup(t, head, k->cookie, k->raddr, k->rport, EW_IPPROTO_UDP);
	uint64_t d_out, d_in;

	if (f)
		prefetch_links(t, f, false);
	if (!f) {
		struct owner *o = owner_of(t, k->cookie);

		f = create(t, head, k->cookie, k->raddr, k->rport, EW_IPPROTO_UDP, ev->h.ts_ns);
		if (!f)
			return;
		set_peer(f, k->raddr, k->rport);
		if (connected_to(o, k->cookie, k->raddr, k->rport))
			f->dir = EW_DIR_EGRESS;
		else if (!v->bytes_in && !v->pkts_in)
			f->dir = EW_DIR_EGRESS;
		else if (!v->bytes_out && !v->pkts_out)
			f->dir = EW_DIR_INGRESS;
		if (o)
			set_owner(t, f, &o->task, o->proc, EW_ATTR_SOCKET);
	}
	if (v->bytes_out < f->raw_out || v->bytes_in < f->raw_in) {
		/* The kernel entry was deleted and started again from zero. */
		t->st.udp_counter_resets++;
		f->raw_out = f->raw_in = 0;
	}
	d_out = v->bytes_out - f->raw_out;
	d_in = v->bytes_in - f->raw_in;
	f->raw_out = v->bytes_out;
	f->raw_in = v->bytes_in;
	f->bytes_out += d_out;
	f->bytes_in += d_in;
	set_local(f, v->laddr, v->lport);
	touch(t, f, v->last_ns ? v->last_ns : ev->h.ts_ns);
}

/*
 * A sweep of one namespace lists every open socket there: a flow of that
 * namespace older than the sweep that it did not list is gone without a
 * close event (lost from a full ring). A flow of another namespace, or of
 * an unknown one, is not ended: it was not looked for. An ABI 2.0 sweep
 * (netns 0) covered everything the agent could see.
 */
void ew_flows_sweep_end(struct ew_flows *t, const struct ew_ev_sweep_end *ev)
{
	struct ew_flow *f = at(t, t->act[0].head), *next;
	uint32_t ns = (uint32_t)ev->netns;

	for (; f; f = next) {
		next = at(t, f->act.next);
		if (ns && f->netns != ns)
			continue;
		if (f->start_ns < ev->started_ns && f->seen_ns < ev->started_ns) {
			t->st.vanished++;
			end_flow(t, f, EW_END_VANISHED, ev->h.ts_ns, NULL);
		}
	}
	if (!ns) {
		t->swept_all = true;
	} else if (!swept_ns(t, ns)) {
		uint32_t *v = realloc(t->swept, (t->n_swept + 1) * sizeof(*v));

		if (v) {
			t->swept = v;
			t->swept[t->n_swept++] = ns;
		}
	}
}

void ew_flows_tick(struct ew_flows *t, uint64_t now)
{
	struct ew_flow *f;

	while ((f = at(t, t->act[1].head)) && now > f->last_ns &&
	       now - f->last_ns >= t->o.udp_idle_ns)
		end_flow(t, f, EW_END_IDLE, f->last_ns, NULL);
	/* Each report moves the flow to the tail, so this ends at the first one not due. */
	while ((f = at(t, t->rep.head)) && now > f->report_ns &&
	       now - f->report_ns >= t->o.report_interval_ns)
		emit(t, f, EW_END_NONE, now);
}

void ew_flows_record(struct ew_flows *t, struct ew_flow *f, uint64_t now)
{
	emit(t, f, EW_END_NONE, now > f->report_ns ? now : f->report_ns);
}

void ew_flows_flush(struct ew_flows *t, uint64_t now)
{
	struct ew_flow *f;

	while ((f = least_active(t)))
		end_flow(t, f, EW_END_SHUTDOWN, now > f->last_ns ? now : f->last_ns, NULL);
}

void ew_flows_free(struct ew_flows *t)
{
	if (!t)
		return;
	while (t->rep.head)
		remove_flow(t, at(t, t->rep.head), NULL);
	for (size_t i = 0; i < t->n_slabs; i++)
		free(t->slabs[i]);
	free(t->slabs);
	if (t->owners)
		for (size_t i = 0; i < OWNER_SLOTS; i++)
			ew_proc_unref(t->owners[i].proc);
	free(t->owners);
	free(t->evicted);
	free(t->swept);
	free(t->buckets);
	ew_tasks_free(t->tasks);
	free(t);
}
