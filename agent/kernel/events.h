/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * events.h - the live sources: the ring-buffer consumer, and the userspace
 * readers (/proc, UDP counters, TCP sweep) that turn system state into
 * events for the pipeline. Everything here runs only in a live run; a
 * replay gets the same events from the capture file.
 */
#ifndef EW_EVENTS_H
#define EW_EVENTS_H

#include <stdint.h>

#include "content/engine.h"
#include "pipeline/pipeline.h"

struct ew_events;

/**
 * ew_events_open() - consume ring buffer @ringbuf_fd into @p.
 * @cgroup2: the cgroup v2 mount, to resolve cgroup ids of unknown processes
 */
int ew_events_open(int ringbuf_fd, struct ew_pipeline *p, const char *cgroup2,
		   struct ew_events **out);
/**
 * ew_events_content() - also consume the content ring @content_fd into a
 * content engine made with @o (its emit goes to the pipeline), whose
 * statuses reach the pipeline before each flow's TCP_CLOSE; the engine's
 * counters join the pipeline's metrics. The pipeline must be freed before
 * ew_events_close(). Return: 0 or -errno.
 */
int ew_events_content(struct ew_events *e, int content_fd, const struct ew_content_opts *o);
/** ew_events_epoll_fd() - readable when the kernel woke the consumer. */
int ew_events_epoll_fd(struct ew_events *e);
/** ew_events_content_epoll_fd() - the same for the content ring; -1 without one. */
int ew_events_content_epoll_fd(struct ew_events *e);
/** ew_events_content_tick() - once a second: idle content streams give their state back. */
void ew_events_content_tick(struct ew_events *e, uint64_t now);
/** ew_events_drain() - consume everything pending, wake-up or not. Return: events or -errno. */
int ew_events_drain(struct ew_events *e);
void ew_events_close(struct ew_events *e);

/** ew_events_now() - CLOCK_BOOTTIME in ns, the kernel events' clock. */
uint64_t ew_events_now(void);
/** ew_events_tick() - feed a clock event (boottime and wall clock together). */
void ew_events_tick(struct ew_pipeline *p);
/** ew_events_scan_procs() - feed every process in /proc. Return: processes fed. */
int ew_events_scan_procs(struct ew_events *e);
/**
 * ew_events_sweep_tcp() - feed the counters of every open TCP socket, then
 * (after draining the ring so closes are seen first) the end of the sweep.
 */
int ew_events_sweep_tcp(struct ew_events *e);
/** ew_events_feed_kstats() - feed the kernel loss counters when they changed. */
void ew_events_feed_kstats(struct ew_events *e, const __u64 *counters);

#endif
