// SPDX-License-Identifier: GPL-2.0-only
#include "alert/syslog_sink.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/str.h"
#include "util/timefmt.h"

struct ew_syslog {
	int fd; /* -1: not connected */
	int facility;
	int pid;
	struct sockaddr_un addr;
	char hostname[256];
	char buf[EW_SYSLOG_MAX];
};

int ew_syslog_facility_by_name(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} names[] = {
	    {"user", 1},    {"daemon", 3},  {"auth", 4},    {"security", 4}, {"authpriv", 10},
	    {"audit", 13},  {"alert", 14},  {"local0", 16}, {"local1", 17},  {"local2", 18},
	    {"local3", 19}, {"local4", 20}, {"local5", 21}, {"local6", 22},  {"local7", 23},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(name, names[i].name))
			return names[i].code;
	return -EINVAL;
}

int ew_syslog_severity(enum ew_severity s)
{
	/* critical: crit (2), high: err (3), medium: warning (4), low: notice (5).
	 * None is emerg/alert: those page every logged-in terminal. */
	static const int sev[EW_SEV_MAX] = {5, 4, 3, 2};

	return (unsigned)s < EW_SEV_MAX ? sev[s] : 5;
}

/* An appender that stops at the end of the buffer and remembers it did. */
struct out {
	char *p, *end; /* end: the last byte, kept for the NUL */
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	size_t room = (size_t)(o->end - o->p);

	if (n > room) {
		n = room;
		o->full = true;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* PARAM-VALUE (RFC 5424 6.3.3): '"', '\' and ']' must be escaped. */
static void put_param(struct out *o, const char *name, const char *val)
{
	put(o, " ", 1);
	puts_(o, name);
	put(o, "=\"", 2);
	for (const char *s = val; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == ']')
			put(o, "\\", 1);
		put(o, (*s >= 0 && *s < 0x20) || *s == 0x7f ? " " : s, 1);
	}
	put(o, "\"", 1);
}

static void put_param_u64(struct out *o, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	put_param(o, name, num);
}

/* HOSTNAME: PRINTUSASCII, at most 255 (RFC 5424 6.2.4). */
static void put_hostname(struct out *o, const char *h)
{
	size_t n = 0;

	if (!h || !h[0]) {
		put(o, "-", 1);
		return;
	}
	for (; n < 255 && h[n]; n++) {
		unsigned char c = (unsigned char)h[n];

		put(o, c > 32 && c < 127 ? &h[n] : "_", 1);
	}
}

/* Cut @o back to the start of the UTF-8 sequence it may have split. */
static void trim_utf8(char *start, struct out *o)
{
	char *q = o->p;
	int back = 0;

	while (q > start && back < 4 && ((unsigned char)q[-1] & 0xc0) == 0x80) {
		q--;
		back++;
	}
	if (q > start && ((unsigned char)q[-1] & 0x80)) {
		unsigned char lead = (unsigned char)q[-1];
		int need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;

		if (need != back)
			o->p = q - 1;
	}
}

int ew_syslog_format(char *buf, size_t n, int facility, const char *hostname, int procid,
		     const struct ew_alert *a)
{
	struct out o = {.p = buf, .end = buf + (n ? n - 1 : 0)};
	char head[64], ts[EW_TIMEFMT_ISO8601_LEN], *msg_start;
	const char *rule = ew_alert_rule_id(a->rule);

	if (n < 128)
		return -ENOSPC;
	snprintf(head, sizeof(head), "<%d>1 ",
		 (facility & 0x1f) * 8 + ew_syslog_severity(a->severity));
	puts_(&o, head);
	puts_(&o, a->time_ns && ew_timefmt_iso8601(a->time_ns, ts, sizeof(ts)) ? ts : "-");
	put(&o, " ", 1);
	put_hostname(&o, hostname);
	snprintf(head, sizeof(head), " egresswatch %d %s [" EW_SYSLOG_SD_ID, procid, rule);
	puts_(&o, head);
	put_param(&o, "rule", rule);
	put_param(&o, "severity", ew_severity_name(a->severity));
	put_param(&o, "alert_id", a->id);
	if (a->flow || a->flow_id) { /* a fold summary keeps the id, not the flow */
		char fid[17];

		snprintf(fid, sizeof(fid), "%016llx", (unsigned long long)a->flow_id);
		put_param(&o, "flow_id", fid);
	}
	if (a->count > 1 || a->summary)
		put_param_u64(&o, "count", a->count);
	if (a->metric) {
		put_param(&o, "metric", a->metric);
		put_param_u64(&o, "lost", a->lost);
	}
	put(&o, "]", 1);
	if (o.full)
		return -ENOSPC;
	if (a->message && a->message[0]) {
		put(&o, " ", 1);
		msg_start = o.p;
		for (const char *s = a->message; *s && !o.full; s++)
			put(&o, (*s >= 0 && *s < 0x20) || *s == 0x7f ? " " : s, 1);
		if (o.full)
			trim_utf8(msg_start, &o);
	}
	*o.p = '\0';
	return (int)(o.p - buf);
}

static void disconnect(struct ew_syslog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int reconnect(struct ew_syslog *s)
{
	disconnect(s);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -errno;
	if (connect(s->fd, (struct sockaddr *)&s->addr, sizeof(s->addr)) < 0) {
		int err = -errno;

		disconnect(s);
		return err;
	}
	return 0;
}

int ew_syslog_open(struct ew_syslog **out, const struct ew_syslog_opts *o)
{
	const char *path = o && o->path ? o->path : EW_SYSLOG_PATH;
	int facility = o && o->facility >= 0 ? o->facility : EW_SYSLOG_FACILITY_DEFAULT;
	struct ew_syslog *s;

	if (facility > 23 || strlen(path) >= sizeof(s->addr.sun_path))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->facility = facility;
	s->pid = (int)getpid();
	s->addr.sun_family = AF_UNIX;
	ew_strlcpy(s->addr.sun_path, path, sizeof(s->addr.sun_path));
	if (o && o->hostname)
		ew_strlcpy(s->hostname, o->hostname, sizeof(s->hostname));
	else if (gethostname(s->hostname, sizeof(s->hostname) - 1) < 0)
		s->hostname[0] = '\0';
	(void)reconnect(s); /* syslogd may start later */
	*out = s;
	return 0;
}

int ew_syslog_sendn(struct ew_syslog *s, const char *msg, size_t len)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int err;

		if (s->fd < 0) {
			err = reconnect(s);
			if (err)
				return err;
		}
		if (send(s->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		err = -errno;
		/* a syslogd that restarted left our peer address: connect anew */
		if (err != -ECONNREFUSED && err != -ENOTCONN && err != -ECONNRESET &&
		    err != -EDESTADDRREQ)
			return err == -EWOULDBLOCK ? -EAGAIN : err;
		disconnect(s);
		if (attempt)
			return err;
	}
	return -ECONNREFUSED;
}

int ew_syslog_encode(const struct ew_syslog *s, const struct ew_alert *a, char *buf, size_t n)
{
	return ew_syslog_format(buf, n, s->facility, s->hostname, s->pid, a);
}

int ew_syslog_send(struct ew_syslog *s, const struct ew_alert *a)
{
	int n = ew_syslog_format(s->buf, sizeof(s->buf), s->facility, s->hostname, s->pid, a);

	if (n < 0)
		return n;
	return ew_syslog_sendn(s, s->buf, (size_t)n);
}

void ew_syslog_close(struct ew_syslog *s)
{
	if (!s)
		return;
	disconnect(s);
	free(s);
}
