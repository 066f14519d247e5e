// SPDX-License-Identifier: GPL-2.0-only
#include "pipeline/decode.h"

#include <string.h>

static const unsigned short sizes[EW_EV_TYPE_MAX] = {
    [EW_EV_EXEC] = sizeof(struct ew_ev_exec),
    [EW_EV_FORK] = sizeof(struct ew_ev_fork),
    [EW_EV_EXIT] = sizeof(struct ew_ev_exit),
    [EW_EV_CONNECT] = sizeof(struct ew_ev_sock_addr),
    [EW_EV_UDP_SEND] = sizeof(struct ew_ev_sock_addr),
    [EW_EV_UDP_RECV] = sizeof(struct ew_ev_sock_addr),
    [EW_EV_TCP_ACCEPT] = sizeof(struct ew_ev_tcp),
    [EW_EV_ACCEPT_OWNER] = sizeof(struct ew_ev_accept_owner),
    [EW_EV_TCP_CLOSE] = sizeof(struct ew_ev_tcp),
    [EW_EV_PROC] = sizeof(struct ew_ev_exec),
    [EW_EV_UDP_COUNT] = sizeof(struct ew_ev_udp_count),
    [EW_EV_TCP_COUNT] = sizeof(struct ew_ev_tcp),
    [EW_EV_SWEEP_END] = sizeof(struct ew_ev_sweep_end),
    [EW_EV_CGROUP] = sizeof(struct ew_ev_cgroup),
    [EW_EV_TICK] = sizeof(struct ew_ev_tick),
    [EW_EV_KSTATS] = sizeof(struct ew_ev_kstats),
    [EW_EV_PEER_NAME] = sizeof(struct ew_ev_peer_name),
    [EW_EV_DNS_ANSWER] = sizeof(struct ew_ev_dns_answer),
};

size_t ew_event_size(unsigned int type)
{
	return type < EW_EV_TYPE_MAX ? sizes[type] : 0;
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
	case EW_EV_ACCEPT_OWNER:
		terminate(e->ao.task.comm, sizeof(e->ao.task.comm));
		return EW_DEC_OK;
	case EW_EV_TCP_ACCEPT:
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
	case EW_EV_CGROUP:
		terminate(e->cg.path, sizeof(e->cg.path));
		return e->cg.path_len > EW_CGROUP_LEN ? EW_DEC_FIELD : EW_DEC_OK;
	default:
		return EW_DEC_OK;
	}
}

int ew_decode(const void *data, size_t len, union ew_event *out)
{
	const struct ew_event_hdr *h = data;
	size_t want;

	if (len < sizeof(*h))
		return EW_DEC_SHORT;
	want = ew_event_size(h->type);
	if (!want)
		return EW_DEC_TYPE;
	if (h->size != want || len < want)
		return EW_DEC_SIZE;
	memcpy(out, data, want);
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
