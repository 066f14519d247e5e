// SPDX-License-Identifier: GPL-2.0-only
#include "pipeline/decode.h"

#include <stddef.h>
#include <string.h>

static const struct ew_event_desc descs[EW_EV_TYPE_MAX] = {
#define EW_X(nm, num, st, min, mnr, lbl, dc)                                                       \
	[num] = {.name = #nm,                                                                      \
		 .label = lbl,                                                                     \
		 .doc = dc,                                                                        \
		 .type = num,                                                                      \
		 .size = sizeof(struct st),                                                        \
		 .min_size = min,                                                                  \
		 .minor = mnr,                                                                     \
		 .raw = (min) == 0},
    EW_EVENT_TYPES(EW_X)
#undef EW_X
};

const struct ew_event_desc *ew_event_desc(unsigned int type)
{
	return type < EW_EV_TYPE_MAX && descs[type].name ? &descs[type] : NULL;
}

size_t ew_event_size(unsigned int type)
{
	const struct ew_event_desc *d = ew_event_desc(type);

	return d && !d->raw ? d->size : 0;
}

static void terminate(char *s, size_t n)
{
	s[n - 1] = '\0';
}

/*
 * A string of @used bytes in a buffer of @size: what lies past its length
 * is zeroed (the kernel reserves ring-buffer space without clearing it, and
 * a capture may hold anything there), and the buffer ends with a NUL
 * whatever the length says, so a reader may take it as a C string or by its
 * length and get the same bytes.
 */
static void bound(char *s, size_t size, size_t used)
{
	if (used < size)
		memset(s + used, 0, size - used);
	terminate(s, size);
}

static void bound_comm(struct ew_task *t)
{
	bound(t->comm, sizeof(t->comm), strnlen(t->comm, sizeof(t->comm)));
}

static int check_family(unsigned int family)
{
	return family == EW_AF_INET || family == EW_AF_INET6 ? EW_DEC_OK : EW_DEC_FIELD;
}

/* Names reach records and policy matching: the charset the parsers allow. */
static int check_name(char *name, size_t size, unsigned int len, unsigned int result)
{
	terminate(name, size);
	if (result >= EW_PARSE_MAX || len > 253 || strlen(name) != len)
		return EW_DEC_FIELD;
	if ((result == EW_PARSE_OK) != (len > 0) || (len && name[len - 1] == '.'))
		return EW_DEC_FIELD;
	for (unsigned int i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '_' || c == ':'))
			return EW_DEC_FIELD;
	}
	/* Checked against its length first: zeroing first would cut a longer name to fit. */
	bound(name, size, len);
	return EW_DEC_OK;
}

/*
 * The command line is argv joined by NULs and read by its length only: it
 * may fill its buffer without a NUL (a truncated command line does).
 */
static int sanitize_exec(struct ew_ev_exec *x)
{
	bound_comm(&x->task);
	bound(x->exe, sizeof(x->exe), x->exe_len);
	if (x->args_len < sizeof(x->args))
		memset(x->args + x->args_len, 0, sizeof(x->args) - x->args_len);
	bound(x->cgroup, sizeof(x->cgroup), x->cgroup_len);
	if (x->exe_len > EW_PATH_LEN || x->args_len > EW_ARGS_LEN || x->cgroup_len > EW_CGROUP_LEN)
		return EW_DEC_FIELD;
	return EW_DEC_OK;
}

/* Category ids reach records and metric labels: the taxonomy's charset. */
static int check_hits(struct ew_ev_content_hits *h)
{
	size_t n;

	terminate(h->category, sizeof(h->category));
	n = strlen(h->category);
	if (!n || h->n_subjects > EW_HIT_SUBJECTS || h->dir > EW_DIR_IN || !h->via ||
	    h->via > EW_VIA_DESTINATION || !h->cls || h->cls > EW_CLASS_IMPORTANT_DATA)
		return EW_DEC_FIELD;
	for (size_t i = 0; i < n; i++) {
		char c = h->category[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return EW_DEC_FIELD;
	}
	bound(h->category, sizeof(h->category), n);
	/* Unused subject slots are zero, so two equal events compare equal. */
	memset(h->subjects + h->n_subjects, 0, (EW_HIT_SUBJECTS - h->n_subjects) * 8);
	return EW_DEC_OK;
}

/* The library's name reaches records and metric labels: a short word. */
static int check_library(struct ew_ev_tls_link *t)
{
	size_t n;

	terminate(t->library, sizeof(t->library));
	n = strlen(t->library);
	if (t->dir > EW_DIR_IN || t->skip > 1)
		return EW_DEC_FIELD;
	for (size_t i = 0; i < n; i++) {
		char c = t->library[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return EW_DEC_FIELD;
	}
	bound(t->library, sizeof(t->library), n);
	memset(t->_pad, 0, sizeof(t->_pad));
	return EW_DEC_OK;
}

static int sanitize(union ew_event *e)
{
	switch (e->h.type) {
	case EW_EV_EXEC:
	case EW_EV_PROC:
		return sanitize_exec(&e->exec);
	case EW_EV_CONNECT:
	case EW_EV_UDP_SEND:
	case EW_EV_UDP_RECV:
		bound_comm(&e->sa.task);
		if (e->sa.proto != EW_IPPROTO_TCP && e->sa.proto != EW_IPPROTO_UDP)
			return EW_DEC_FIELD;
		return check_family(e->sa.family);
	case EW_EV_TCP_ACCEPT:
		bound_comm(&e->acc.owner);
		if (e->acc.how >= EW_OWNER_HOW_MAX)
			return EW_DEC_FIELD;
		return check_family(e->tcp.family);
	case EW_EV_TCP_CLOSE:
	case EW_EV_TCP_COUNT:
		return check_family(e->tcp.family);
	case EW_EV_UDP_COUNT:
		/* Its last_ns becomes a flow's end time. */
		if (e->udp.val.last_ns >= EW_TIME_MAX)
			return EW_DEC_FIELD;
		return check_family(e->udp.val.family);
	case EW_EV_PEER_NAME:
		if (e->name.source != EW_NAME_SNI && e->name.source != EW_NAME_HTTP_HOST)
			return EW_DEC_FIELD;
		return check_name(e->name.name, sizeof(e->name.name), e->name.name_len,
				  e->name.result);
	case EW_EV_DNS_ANSWER:
		return check_name(e->dns.name, sizeof(e->dns.name), e->dns.name_len, e->dns.result);
	case EW_EV_DNS_QUERY:
		return check_name(e->query.name, sizeof(e->query.name), e->query.name_len,
				  e->query.result);
	case EW_EV_ACCEPT_OWNER:
		bound_comm(&e->ao.task);
		return e->ao.how < EW_OWNER_HOW_MAX ? EW_DEC_OK : EW_DEC_FIELD;
	case EW_EV_CGROUP:
		bound(e->cg.path, sizeof(e->cg.path), e->cg.path_len);
		return e->cg.path_len > EW_CGROUP_LEN ? EW_DEC_FIELD : EW_DEC_OK;
	case EW_EV_TICK:
		return e->tick.realtime_ns < EW_TIME_MAX ? EW_DEC_OK : EW_DEC_FIELD;
	case EW_EV_CONTENT_HITS:
		return check_hits(&e->hits);
	case EW_EV_TLS_LINK:
		return check_library(&e->tls);
	case EW_EV_CONNECT_REFUSED:
		bound_comm(&e->refused.task);
		if ((e->refused.proto != EW_IPPROTO_TCP && e->refused.proto != EW_IPPROTO_UDP) ||
		    !e->refused.reason || e->refused.reason >= EW_REFUSE_MAX)
			return EW_DEC_FIELD;
		memset(e->refused._pad, 0, sizeof(e->refused._pad));
		return check_family(e->refused.family);
	case EW_EV_POLICY:
		if (e->policy.flags & ~(__u32)EW_POLICY_F_ALL)
			return EW_DEC_FIELD;
		e->policy._pad = 0;
		return EW_DEC_OK;
	case EW_EV_CONTENT_STATUS:
		return e->cstatus.dir <= EW_DIR_IN && e->cstatus.status < EW_INSPECT_MAX &&
			       e->cstatus.reason < EW_REASON_MAX
			   ? EW_DEC_OK
			   : EW_DEC_FIELD;
	default:
		return EW_DEC_OK;
	}
}

/* The ABI 2.0 snapshot had nine counters and no count. */
static void kstats_from_v0(union ew_event *e)
{
	struct ew_ev_kstats_v0 v0 = e->kstats_v0;

	memset(&e->kstats, 0, sizeof(e->kstats));
	e->kstats.h = v0.h;
	e->kstats.h.type = EW_EV_KSTATS;
	e->kstats.h.size = sizeof(e->kstats);
	e->kstats.count = EW_KSTATS_V0_COUNT;
	memcpy(e->kstats.counters, v0.counters, sizeof(v0.counters));
}

int ew_decode(const void *data, size_t len, union ew_event *out)
{
	const struct ew_event_hdr *h = data;
	const struct ew_event_desc *d;
	size_t n;
	int rc;

	if (len < sizeof(*h))
		return EW_DEC_SHORT;
	d = ew_event_desc(h->type);
	if (!d || d->raw)
		return EW_DEC_TYPE;
	if (h->size < d->min_size || h->size > len)
		return EW_DEC_SIZE;
	n = h->size < d->size ? h->size : d->size;
	memcpy(out, data, n);
	if (n < d->size)
		memset((char *)out + n, 0, d->size - n);
	if (out->h.type == EW_EV_KSTATS) {
		if (out->kstats.count >
		    (h->size - __builtin_offsetof(struct ew_ev_kstats, counters)) / 8)
			return EW_DEC_FIELD;
		/* Counters of a newer minor beyond ours are dropped, not misread. */
		if (out->kstats.count > EW_KSTAT_MAX)
			out->kstats.count = EW_KSTAT_MAX;
	}
	out->h.size = (__u16)d->size;
	if (out->h.type == EW_EV_KSTATS_V0)
		kstats_from_v0(out);
	rc = sanitize(out);
	/* Times are added to and subtracted from each other as signed 64-bit
	 * nanoseconds; no clock gives one this large. */
	if (rc == EW_DEC_OK && out->h.ts_ns >= EW_TIME_MAX)
		rc = EW_DEC_FIELD;
	return rc;
}

const char *ew_decode_err_name(int err)
{
	static const char *const names[EW_DEC_MAX] = {
	    [EW_DEC_OK] = "ok",
	    [EW_DEC_SHORT] = "short",
	    [EW_DEC_TYPE] = "unknown_type",
	    [EW_DEC_SIZE] = "bad_size",
	    [EW_DEC_FIELD] = "bad_field",
	};
	return err >= 0 && err < EW_DEC_MAX ? names[err] : "unknown";
}

/* Bytes [0, @end) lie within the data and within the size the event gives itself. */
static bool within(const struct ew_event_hdr *h, size_t len, size_t end)
{
	return end <= len && end <= h->size;
}

bool ew_decode_key(const void *data, size_t len, struct ew_flow_key *k)
{
	const unsigned char *b = data;
	struct ew_event_hdr h;
	size_t off;

	if (len < sizeof(h))
		return false;
	memcpy(&h, b, sizeof(h));
	memset(k, 0, sizeof(*k));
	switch (h.type) {
	case EW_EV_CONNECT:
	case EW_EV_UDP_SEND:
	case EW_EV_UDP_RECV: {
		uint8_t proto;

		if (!within(&h, len, offsetof(struct ew_ev_sock_addr, proto) + 1))
			return false;
		memcpy(&k->cookie, b + offsetof(struct ew_ev_sock_addr, cookie), 8);
		proto = b[offsetof(struct ew_ev_sock_addr, proto)];
		if (proto == EW_IPPROTO_UDP) {
			memcpy(k->raddr, b + offsetof(struct ew_ev_sock_addr, raddr), 16);
			memcpy(&k->rport, b + offsetof(struct ew_ev_sock_addr, rport), 2);
			k->udp_owner = true;
			return true;
		}
		return proto == EW_IPPROTO_TCP;
	}
	case EW_EV_UDP_COUNT:
		if (!within(&h, len, offsetof(struct ew_ev_udp_count, key.rport) + 2))
			return false;
		memcpy(&k->cookie, b + offsetof(struct ew_ev_udp_count, key.cookie), 8);
		memcpy(k->raddr, b + offsetof(struct ew_ev_udp_count, key.raddr), 16);
		memcpy(&k->rport, b + offsetof(struct ew_ev_udp_count, key.rport), 2);
		return true;
	case EW_EV_TCP_ACCEPT:
	case EW_EV_TCP_CLOSE:
	case EW_EV_TCP_COUNT:
		off = offsetof(struct ew_ev_tcp, cookie);
		break;
	case EW_EV_ACCEPT_OWNER:
		off = offsetof(struct ew_ev_accept_owner, cookie);
		break;
	default:
		return false;
	}
	if (!within(&h, len, off + 8))
		return false;
	memcpy(&k->cookie, b + off, 8);
	return true;
}
