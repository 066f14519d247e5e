// SPDX-License-Identifier: GPL-2.0-only
/*
 * ringdump - dev tool: load the BPF programs through the real loader and
 * print every ring-buffer event decoded, one line each, plus the UDP flow
 * map and the kernel drop counters at exit.
 *
 * Usage: ringdump [-d SECONDS] [-n] [-q] [-w WAKEUP_BYTES]
 *   -d  stop after SECONDS (default: until SIGINT/SIGTERM)
 *   -n  no proc hooks (exec/fork/exit)
 *   -q  quiet: count events per type instead of printing them
 *   -w  wake the consumer once this many bytes are queued (default 0: every event)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ew.h"
#include "kernel/loader.h"
#include "util/log.h"

static volatile sig_atomic_t stop;
static bool quiet;
static unsigned long counts[EW_EV_TYPE_MAX];

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static const char *addr_str(const __u8 a[16], char *buf, size_t len)
{
	static const __u8 v4pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (!memcmp(a, v4pfx, 12))
		return inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

/* Leaf-first NUL-separated components back to "/a/b/c". */
static void revpath(const char *src, unsigned n, char *out, size_t len)
{
	const char *comp[64];
	int nc = 0;
	size_t o = 0;

	for (unsigned i = 0; i < n && nc < 64;) {
		comp[nc++] = src + i;
		i += (unsigned)strnlen(src + i, n - i) + 1;
	}
	out[0] = '\0';
	for (int i = nc - 1; i >= 0 && o + 1 < len; i--) {
		if (comp[i][0] == '/')
			o += (size_t)snprintf(out + o, len - o, "%s", comp[i]);
		else
			o += (size_t)snprintf(out + o, len - o, "/%s", comp[i]);
	}
}

static void args_str(const char *a, unsigned n, char *out, size_t len)
{
	size_t o = 0;

	for (unsigned i = 0; i < n && o + 2 < len; i++)
		out[o++] = a[i] ? a[i] : ' ';
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static void task_str(const struct ew_task *t, char *buf, size_t len)
{
	snprintf(buf, len, "tgid=%u tid=%u uid=%u gid=%u cg=%llu comm=%.16s", t->tgid, t->tid,
		 t->uid, t->gid, (unsigned long long)t->cgroup_id, t->comm);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct ew_event_hdr *h = data;
	char a[64], b[64], t[160];
	static const char *const names[] = {[EW_EV_CONNECT] = "CONNECT",
					    [EW_EV_UDP_SEND] = "UDP_SEND",
					    [EW_EV_UDP_RECV] = "UDP_RECV",
					    [EW_EV_TCP_ACCEPT] = "TCP_ACCEPT",
					    [EW_EV_TCP_CLOSE] = "TCP_CLOSE"};

	(void)ctx;
	if (size < sizeof(*h) || h->size > size) {
		printf("BAD size=%zu\n", size);
		return 0;
	}
	if (h->type < EW_EV_TYPE_MAX)
		counts[h->type]++;
	if (quiet)
		return 0;
	switch (h->type) {
	case EW_EV_EXEC: {
		const struct ew_ev_exec *e = data;
		char exe[600], args[600], cg[600];

		if (e->flags & EW_F_REVPATH)
			revpath(e->exe, e->exe_len, exe, sizeof(exe));
		else
			snprintf(exe, sizeof(exe), "%.*s", (int)e->exe_len, e->exe);
		revpath(e->cgroup, e->cgroup_len, cg, sizeof(cg));
		args_str(e->args, e->args_len, args, sizeof(args));
		task_str(&e->task, t, sizeof(t));
		printf("EXEC %s ppid=%u start=%llu flags=%#x exe_len=%u args_len=%u cg_len=%u "
		       "exe=%s cgroup=%s args=[%s]\n",
		       t, e->ppid, (unsigned long long)e->start_boottime, e->flags, e->exe_len,
		       e->args_len, e->cgroup_len, exe, cg, args);
		break;
	}
	case EW_EV_FORK: {
		const struct ew_ev_fork *e = data;

		printf("FORK parent=%u child=%u start=%llu\n", e->parent_tgid, e->child_tgid,
		       (unsigned long long)e->child_start_boottime);
		break;
	}
	case EW_EV_EXIT: {
		const struct ew_ev_exit *e = data;

		printf("EXIT tgid=%u code=%#x start=%llu\n", e->tgid, e->exit_code,
		       (unsigned long long)e->start_boottime);
		break;
	}
	case EW_EV_CONNECT:
	case EW_EV_UDP_SEND:
	case EW_EV_UDP_RECV: {
		const struct ew_ev_sock_addr *e = data;

		task_str(&e->task, t, sizeof(t));
		printf("%s %s cookie=%llu raddr=%s rport=%u proto=%u family=%u\n", names[h->type],
		       t, (unsigned long long)e->cookie, addr_str(e->raddr, a, sizeof(a)), e->rport,
		       e->proto, e->family);
		break;
	}
	case EW_EV_TCP_ACCEPT:
	case EW_EV_TCP_CLOSE: {
		const struct ew_ev_tcp *e = data;

		printf("%s cookie=%llu %s:%u -> %s:%u family=%u old=%u new=%u flags=%#x acked=%llu "
		       "received=%llu\n",
		       names[h->type], (unsigned long long)e->cookie,
		       addr_str(e->laddr, a, sizeof(a)), e->lport, addr_str(e->raddr, b, sizeof(b)),
		       e->rport, e->family, e->oldstate, e->newstate, e->flags,
		       (unsigned long long)e->bytes_acked, (unsigned long long)e->bytes_received);
		break;
	}
	case EW_EV_ACCEPT_OWNER: {
		const struct ew_ev_accept_owner *e = data;

		task_str(&e->task, t, sizeof(t));
		printf("ACCEPT_OWNER %s cookie=%llu\n", t, (unsigned long long)e->cookie);
		break;
	}
	default:
		printf("UNKNOWN type=%u size=%u\n", h->type, h->size);
	}
	fflush(stdout);
	return 0;
}

static void dump_udp(int fd)
{
	struct ew_udp_key k, next, *prev = NULL;
	struct ew_udp_val v;
	char a[64], b[64];

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		printf("UDPMAP cookie=%llu %s:%u -> %s:%u family=%u out=%llu/%llu in=%llu/%llu\n",
		       (unsigned long long)k.cookie, addr_str(v.laddr, a, sizeof(a)), v.lport,
		       addr_str(k.raddr, b, sizeof(b)), k.rport, v.family,
		       (unsigned long long)v.bytes_out, (unsigned long long)v.pkts_out,
		       (unsigned long long)v.bytes_in, (unsigned long long)v.pkts_in);
	}
}

int main(int argc, char **argv)
{
	struct ew_loader_opts o = {.ringbuf_bytes = 1u << 22,
				   .udp_map_entries = 4096,
				   .wakeup_bytes = 0,
				   .enable_udp = true,
				   .enable_accept = true,
				   .enable_proc = true};
	__u64 ks[EW_KSTAT_MAX];
	struct ring_buffer *rb;
	struct ew_loader *l;
	int duration = 0, c, rc;
	time_t end;

	while ((c = getopt(argc, argv, "d:nqw:")) != -1) {
		if (c == 'd')
			duration = atoi(optarg);
		else if (c == 'n')
			o.enable_proc = false;
		else if (c == 'q')
			quiet = true;
		else if (c == 'w')
			o.wakeup_bytes = (__u32)atoi(optarg);
		else
			return 2;
	}
	o.self_tgid = (__u32)getpid();
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	rc = ew_loader_open(&o, &l);
	if (rc)
		return 1;
	rb = ring_buffer__new(ew_loader_ringbuf_fd(l), on_event, NULL, NULL);
	if (!rb)
		return 1;
	printf("READY\n");
	fflush(stdout);
	end = time(NULL) + duration;
	while (!stop && (!duration || time(NULL) < end))
		ring_buffer__poll(rb, 100);
	ring_buffer__consume(rb);
	dump_udp(ew_loader_udp_map_fd(l));
	if (ew_loader_read_kstats(l, ks) == 0) {
		printf("KSTATS");
		for (int i = 0; i < EW_KSTAT_MAX; i++)
			printf(" %llu", (unsigned long long)ks[i]);
		printf("\n");
	}
	if (quiet) {
		printf("COUNTS");
		for (int i = 1; i < EW_EV_TYPE_MAX; i++)
			if (counts[i])
				printf(" %d=%lu", i, counts[i]);
		printf("\n");
	}
	ring_buffer__free(rb);
	ew_loader_close(l);
	return 0;
}
