// SPDX-License-Identifier: GPL-2.0-only
#include "pipeline/decode.h"

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
	return EW_DEC_OK;
}

static int sanitize(union ew_event *e)
{
	switch (e->h.type) {
	case EW_EV_EXEC:
	case EW_EV_PROC:
		terminate(e->exec.task.comm, sizeof(e->exec.task.comm));
		/* The kernel ends every component inside the buffer; a capture
		 * need not, and these reach strcmp() and strdup(). */
		terminate(e->exec.exe, sizeof(e->exec.exe));
		terminate(e->exec.cgroup, sizeof(e->exec.cgroup));
		if (e->exec.exe_len > EW_PATH_LEN || e->exec.args_len > EW_ARGS_LEN ||
		    e->exec.cgroup_len > EW_CGROUP_LEN)
			return EW_DEC_FIELD;
		return EW_DEC_OK;
	case EW_EV_CONNECT:
	case EW_EV_UDP_SEND:
	case EW_EV_UDP_RECV:
		terminate(e->sa.task.comm, sizeof(e->sa.task.comm));
		if (e->sa.proto != EW_IPPROTO_TCP && e->sa.proto != EW_IPPROTO_UDP)
			return EW_DEC_FIELD;
		return check_family(e->sa.family);
	case EW_EV_TCP_ACCEPT:
		terminate(e->acc.owner.comm, sizeof(e->acc.owner.comm));
		if (e->acc.how >= EW_OWNER_HOW_MAX)
			return EW_DEC_FIELD;
		return check_family(e->tcp.family);
	case EW_EV_TCP_CLOSE:
	case EW_EV_TCP_COUNT:
		return check_family(e->tcp.family);
	case EW_EV_UDP_COUNT:
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
		terminate(e->ao.task.comm, sizeof(e->ao.task.comm));
		return e->ao.how < EW_OWNER_HOW_MAX ? EW_DEC_OK : EW_DEC_FIELD;
	case EW_EV_CGROUP:
		terminate(e->cg.path, sizeof(e->cg.path));
		return e->cg.path_len > EW_CGROUP_LEN ? EW_DEC_FIELD : EW_DEC_OK;
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
	return sanitize(out);
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
