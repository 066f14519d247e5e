// SPDX-License-Identifier: GPL-2.0-only
#include "kernel/events.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ew.h"
#include "content/engine.h"
#include "flow/tcp_bytes.h"
#include "util/log.h"
#include "inspect/payload.h"
#include "proc/procfs.h"
#include "kernel/ringbuf.h"
#include "kernel/sockdiag.h"

struct ew_events {
	struct ew_ringbuf *rb;
	struct ew_ringbuf *content_rb; /* ew_content: chunks, drained on its own */
	struct ew_content *content;
	struct ew_pipeline *p;
	int home_nsfd; /* this thread's network namespace, to come back to after a sweep */
	char cgroup2[PATH_MAX];
	__u64 kstats[EW_KSTAT_MAX];
	struct ew_ev_exec scratch; /* too big for the stack of a ring-buffer callback */
	struct ew_ev_peer_name name;
	struct ew_ev_dns_query query;
};

uint64_t ew_events_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ew_events_tick(struct ew_pipeline *p)
{
	struct ew_ev_tick t = {.h = {.type = EW_EV_TICK, .size = sizeof(t)}};
	struct timespec rt;

	t.h.ts_ns = ew_events_now();
	clock_gettime(CLOCK_REALTIME, &rt);
	t.realtime_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	ew_pipeline_feed(p, &t, sizeof(t));
}

static int read_proc(struct ew_events *e, uint32_t tgid, uint64_t ts)
{
	int rc = ew_procfs_read("/proc", e->cgroup2, (int)tgid, &e->scratch);

	if (rc)
		return rc;
	e->scratch.h.type = EW_EV_PROC;
	e->scratch.h.size = sizeof(e->scratch);
	e->scratch.h.ts_ns = ts;
	return 0;
}

/*
 * A socket event names a process by tgid and cgroup id. If the pipeline has
 * not met them (the process predates the agent and forked, or moved cgroup),
 * read /proc now, while the process most likely still exists, and feed that
 * first: the capture then holds the answer before the question, and a
 * replay needs no /proc.
 */
static void resolve(struct ew_events *e, const struct ew_event_hdr *h, const struct ew_task *t)
{
	bool fresh = false; /* scratch holds this process's /proc entry already */

	if (!ew_pipeline_knows_proc(e->p, t->tgid) && read_proc(e, t->tgid, h->ts_ns) == 0) {
		ew_pipeline_feed(e->p, &e->scratch, sizeof(e->scratch));
		fresh = true;
	}
	if (t->cgroup_id && !ew_pipeline_knows_cgroup(e->p, t->cgroup_id) &&
	    (fresh || read_proc(e, t->tgid, h->ts_ns) == 0) &&
	    e->scratch.task.cgroup_id == t->cgroup_id) {
		struct ew_ev_cgroup cg = {.h = {.type = EW_EV_CGROUP, .size = sizeof(cg)}};
		size_t n = strnlen(e->scratch.cgroup, sizeof(e->scratch.cgroup) - 1);

		cg.h.ts_ns = h->ts_ns;
		cg.cgroup_id = t->cgroup_id;
		memcpy(cg.path, e->scratch.cgroup, n);
		cg.path_len = (uint16_t)n;
		ew_pipeline_feed(e->p, &cg, sizeof(cg));
	}
}

static void feed_answer(const struct ew_ev_dns_answer *a, void *arg)
{
	ew_pipeline_feed(arg, a, sizeof(*a));
}

/*
 * A flow's chunks were committed in the kernel before its socket reached
 * CLOSE, so draining the content ring now hands the engine all of them;
 * the engine's status for the flow then goes into the pipeline before the
 * close does, and the flow's record can carry it.
 */
static void content_close(struct ew_events *e, const struct ew_ev_tcp *ev)
{
	uint64_t out, in;
	int dir;

	ew_ringbuf_consume(e->content_rb);
	dir = ew_pipeline_tcp_dir(e->p, ev->cookie);
	ew_tcp_payload(ev, dir != EW_DIR_INGRESS, &out, &in);
	ew_content_close(e->content, ev, out, in, dir < 0 || dir == EW_DIR_UNKNOWN);
}

static int on_sample(void *ctx, void *data, size_t len)
{
	struct ew_events *e = ctx;
	const struct ew_event_hdr *h = data;

	if (e->content && len == sizeof(struct ew_ev_tcp) && h->type == EW_EV_TCP_CLOSE &&
	    h->size == len)
		content_close(e, data);

	/* Raw payloads end here: only what was parsed from them goes on. */
	if (len >= sizeof(*h) && h->type == EW_EV_TCP_PAYLOAD) {
		ew_payload_peer_name(data, len, &e->name);
		ew_pipeline_feed(e->p, &e->name, sizeof(e->name));
		return 0;
	}
	if (len >= sizeof(*h) && h->type == EW_EV_DNS_PAYLOAD) {
		ew_payload_dns(data, len, feed_answer, e->p);
		return 0;
	}
	if (len >= sizeof(*h) && h->type == EW_EV_DNS_QUERY_PAYLOAD) {
		ew_payload_dns_query(data, len, &e->query);
		ew_pipeline_feed(e->p, &e->query, sizeof(e->query));
		return 0;
	}
	if (len >= sizeof(*h) && h->size == len) {
		switch (h->type) {
		case EW_EV_CONNECT:
		case EW_EV_UDP_SEND:
		case EW_EV_UDP_RECV:
			if (len == sizeof(struct ew_ev_sock_addr))
				resolve(e, h, &((const struct ew_ev_sock_addr *)data)->task);
			break;
		case EW_EV_ACCEPT_OWNER:
			if (len == sizeof(struct ew_ev_accept_owner))
				resolve(e, h, &((const struct ew_ev_accept_owner *)data)->task);
			break;
		case EW_EV_TCP_ACCEPT:
			if (len == sizeof(struct ew_ev_tcp_accept) &&
			    ((const struct ew_ev_tcp_accept *)data)->owner.tgid)
				resolve(e, h, &((const struct ew_ev_tcp_accept *)data)->owner);
			break;
		}
	}
	ew_pipeline_feed(e->p, data, len);
	return 0;
}

/* The next record's flow-table lines, asked for while this one is worked on. */
static void on_peek(void *ctx, const void *data, size_t len)
{
	const struct ew_events *e = ctx;

	ew_pipeline_prefetch(e->p, data, len);
}

int ew_events_open(int ringbuf_fd, struct ew_pipeline *p, const char *cgroup2,
		   struct ew_events **out)
{
	struct ew_events *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->p = p;
	e->home_nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(e->cgroup2, sizeof(e->cgroup2), "%s", cgroup2 ? cgroup2 : "");
	if (ringbuf_fd >= 0) {
		int rc = ew_ringbuf_new(ringbuf_fd, on_sample, e, &e->rb);

		if (rc) {
			if (e->home_nsfd >= 0)
				close(e->home_nsfd);
			free(e);
			return rc;
		}
		ew_ringbuf_set_peek(e->rb, on_peek);
	}
	*out = e;
	return 0;
}

static int on_chunk(void *ctx, void *data, size_t len)
{
	ew_content_chunk(ctx, data, len);
	return 0;
}

static void emit_derived(void *arg, const void *ev, size_t len)
{
	ew_pipeline_feed(arg, ev, len);
}

/* The flow table let a TCP flow go without its close (evicted, vanished, the end).
 * Live only: a replay has no engine, and this upkeep exports no counters, so
 * the records and metric records are the same either way. */
static void content_flow_free(struct ew_stage *s, struct ew_flow *f)
{
	struct ew_events *e = s->state;

	if (f->proto == EW_IPPROTO_TCP)
		ew_content_forget(e->content, f->cookie);
}

static const struct ew_stage_def content_upkeep = {
    .name = "content_engine",
    .flow_free = content_flow_free,
};

int ew_events_content(struct ew_events *e, int content_fd, const struct ew_content_opts *o)
{
	struct ew_content_opts co = *o;
	int rc;

	co.emit = emit_derived;
	co.emit_arg = e->p;
	rc = ew_content_new(&co, &e->content);
	if (rc)
		return rc;
	rc = ew_ringbuf_new(content_fd, on_chunk, e->content, &e->content_rb);
	if (rc)
		return rc;
	return ew_pipeline_subscribe(e->p, &content_upkeep, e);
}

int ew_events_epoll_fd(struct ew_events *e)
{
	return e->rb ? ew_ringbuf_epoll_fd(e->rb) : -1;
}

int ew_events_content_epoll_fd(struct ew_events *e)
{
	return e->content_rb ? ew_ringbuf_epoll_fd(e->content_rb) : -1;
}

int ew_events_drain(struct ew_events *e)
{
	/* Wake-ups are batched in the kernel (BPF_RB_NO_WAKEUP below a size),
	 * so the consumer must not rely on poll() alone. */
	int n = e->rb ? ew_ringbuf_consume(e->rb) : 0;

	/*
	 * Flow events first: the content of a flow whose connect is still
	 * unread would find no flow, and its hits would wait in the stream for
	 * its next bytes or its close (an alert raised late). A close drains
	 * the content ring itself first (content_close()).
	 */
	if (e->content_rb)
		ew_ringbuf_consume(e->content_rb);
	/* A connect committed between the two consumes: its flow is known now. */
	if (e->content) {
		int m = e->rb ? ew_ringbuf_consume(e->rb) : 0;

		n += m > 0 ? m : 0;
		ew_content_poll(e->content);
	}
	return n;
}

void ew_events_content_tick(struct ew_events *e, uint64_t now)
{
	if (e->content)
		ew_content_tick(e->content, now);
}

void ew_events_close(struct ew_events *e)
{
	if (!e)
		return;
	ew_ringbuf_free(e->rb);
	ew_ringbuf_free(e->content_rb);
	if (e->content) {
		const struct ew_content_stats *st = ew_content_stats(e->content);

		ew_info("content: %llu chunks, %llu flows inspected, %llu bytes inspected, %llu "
			"retransmitted, %llu never arrived, %llu flows past max_streams",
			(unsigned long long)st->chunks, (unsigned long long)st->streams_opened,
			(unsigned long long)st->bytes_inspected,
			(unsigned long long)st->bytes_duplicate, (unsigned long long)st->bytes_gap,
			(unsigned long long)st->streams_refused);
	}
	ew_content_free(e->content);
	if (e->home_nsfd >= 0)
		close(e->home_nsfd);
	free(e);
}

struct scan_ctx {
	struct ew_events *e;
	uint64_t ts;
	int fed;
};

static int scan_one(int pid, void *arg)
{
	struct scan_ctx *s = arg;

	if (read_proc(s->e, (uint32_t)pid, s->ts) == 0) {
		ew_pipeline_feed(s->e->p, &s->e->scratch, sizeof(s->e->scratch));
		s->fed++;
	}
	return 0;
}

int ew_events_scan_procs(struct ew_events *e)
{
	struct scan_ctx s = {.e = e, .ts = ew_events_now()};
	int rc = ew_procfs_foreach_pid("/proc", scan_one, &s);

	return rc < 0 ? rc : s.fed;
}

struct sweep_ctx {
	struct ew_events *e;
	uint64_t ts;
	uint64_t netns;
	unsigned int n;
};

static int sweep_one(const struct ew_ev_tcp *ev, void *arg)
{
	struct sweep_ctx *s = arg;
	struct ew_ev_tcp copy = *ev;

	copy.h.type = EW_EV_TCP_COUNT;
	copy.h.size = sizeof(copy);
	copy.h.ts_ns = s->ts;
	copy.netns = s->netns;
	ew_pipeline_feed(s->e->p, &copy, sizeof(copy));
	/* A sweep of many sockets takes long enough for a burst to fill the ring. */
	if (++s->n % 1024 == 0)
		ew_events_drain(s->e);
	return 0;
}

/* One namespace: its sockets, then the end that lets the missed ones go. */
static int sweep_ns(struct ew_events *e, int nsfd)
{
	struct ew_ev_sweep_end end = {.h = {.type = EW_EV_SWEEP_END, .size = sizeof(end)}};
	struct sweep_ctx s = {.e = e};
	int fd, rc;

	fd = ew_sockdiag_socket(nsfd, e->home_nsfd, &s.netns);
	if (fd < 0)
		return fd;
	ew_events_drain(e);
	end.started_ns = s.ts = ew_events_now();
	rc = ew_sockdiag_sweep(fd, sweep_one, &s);
	close(fd);
	if (rc < 0)
		return rc; /* without a full sweep nothing may be declared gone */
	ew_events_drain(e);
	end.h.ts_ns = ew_events_now();
	end.netns = s.netns;
	ew_pipeline_feed(e->p, &end, sizeof(end));
	return rc;
}

struct ns_list {
	struct {
		dev_t dev;
		ino_t ino;
	} * v;
	size_t n;
};

/* Whether @path names a namespace not listed yet; lists it. */
static bool new_ns(struct ns_list *l, const char *path)
{
	struct stat st;
	void *v;

	if (stat(path, &st))
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].dev == st.st_dev && l->v[i].ino == st.st_ino)
			return false;
	v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!v)
		return false;
	l->v = v;
	l->v[l->n].dev = st.st_dev;
	l->v[l->n].ino = st.st_ino;
	l->n++;
	return true;
}

struct ns_walk {
	struct ew_events *e;
	struct ns_list seen;
	int swept, failed, first_err;
	int sockets;
};

static void sweep_path(struct ns_walk *w, const char *path)
{
	int nsfd, rc;

	if (!new_ns(&w->seen, path))
		return;
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	rc = nsfd < 0 ? -errno : sweep_ns(w->e, nsfd);
	if (nsfd >= 0)
		close(nsfd);
	if (rc < 0) {
		w->failed++;
		if (!w->first_err)
			w->first_err = rc;
		return;
	}
	w->swept++;
	w->sockets += rc;
}

static int ns_of_pid(int pid, void *arg)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	sweep_path(arg, path);
	return 0;
}

/*
 * Every namespace that can hold a socket: each process's (containers'), and
 * those kept by `ip netns` without a process. The agent's own comes first.
 */
int ew_events_sweep_tcp(struct ew_events *e)
{
	struct ns_walk w = {.e = e};
	struct dirent *de;
	DIR *d;

	sweep_path(&w, "/proc/thread-self/ns/net");
	ew_procfs_foreach_pid("/proc", ns_of_pid, &w);
	d = opendir("/run/netns");
	while (d && (de = readdir(d))) {
		char path[300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		sweep_path(&w, path);
	}
	if (d)
		closedir(d);
	free(w.seen.v);
	if (w.failed)
		ew_debug("TCP sweep: %d network namespaces swept, %d not (%s): their flows are "
			 "not ended by it",
			 w.swept, w.failed, strerror(-w.first_err));
	return w.swept ? w.sockets : w.first_err;
}

void ew_events_feed_kstats(struct ew_events *e, const __u64 *counters)
{
	struct ew_ev_kstats k = {.h = {.type = EW_EV_KSTATS, .size = sizeof(k)}};

	if (memcmp(e->kstats, counters, sizeof(e->kstats)) == 0)
		return;
	memcpy(e->kstats, counters, sizeof(e->kstats));
	k.count = EW_KSTAT_MAX;
	memcpy(k.counters, counters, sizeof(k.counters));
	k.h.ts_ns = ew_events_now();
	ew_pipeline_feed(e->p, &k, sizeof(k));
}
