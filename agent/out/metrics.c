// SPDX-License-Identifier: GPL-2.0-only
#include "out/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const event_names[EW_EV_TYPE_MAX] = {
    [EW_EV_EXEC] = "exec",
    [EW_EV_FORK] = "fork",
    [EW_EV_EXIT] = "exit",
    [EW_EV_CONNECT] = "connect",
    [EW_EV_UDP_SEND] = "udp_send",
    [EW_EV_UDP_RECV] = "udp_recv",
    [EW_EV_TCP_ACCEPT] = "tcp_accept",
    [EW_EV_ACCEPT_OWNER] = "accept_owner",
    [EW_EV_TCP_CLOSE] = "tcp_close",
    [EW_EV_PROC] = "proc",
    [EW_EV_UDP_COUNT] = "udp_count",
    [EW_EV_TCP_COUNT] = "tcp_count",
    [EW_EV_SWEEP_END] = "sweep_end",
    [EW_EV_CGROUP] = "cgroup",
    [EW_EV_TICK] = "tick",
    [EW_EV_KSTATS] = "kstats",
    [EW_EV_PEER_NAME] = "peer_name",
    [EW_EV_DNS_ANSWER] = "dns_answer",
};

static const char *const kstat_names[EW_KSTAT_MAX] = {
    [EW_KSTAT_RB_FULL_EXEC] = "ringbuf_full_exec",
    [EW_KSTAT_RB_FULL_PROC] = "ringbuf_full_proc",
    [EW_KSTAT_RB_FULL_SOCK] = "ringbuf_full_sock",
    [EW_KSTAT_RB_FULL_TCP] = "ringbuf_full_tcp",
    [EW_KSTAT_UDP_MAP_FULL] = "udp_map_full",
    [EW_KSTAT_SEEN_MAP_FULL] = "udp_seen_map_full",
    [EW_KSTAT_PATH_READ_FAIL] = "path_read_fail",
    [EW_KSTAT_RB_FULL_PAYLOAD] = "ringbuf_full_payload",
};

/* Kernel counters that are losses; the rest count work spared. */
static bool kstat_is_loss(int i)
{
	return i != EW_KSTAT_PREFILTER_SKIP;
}

static const char *const parser_names[EW_PARSER_MAX] = {"tls", "http", "dns"};
static const char *const parse_results[EW_PARSE_MAX] = {"ok", "none", "short", "bad", "other"};
static const char *const source_names[EW_NAME_SOURCE_MAX] = {"none", "dns", "http_host", "sni"};

/* One table drives both outputs, so the JSON and Prometheus names cannot drift. */
struct scalar {
	const char *name;
	const char *help;
	const char *type;
	uint64_t value;
};

static size_t scalars(const struct ew_metrics *m, struct scalar *s)
{
	size_t n = 0;
#define S(nm, hp, ty, v) s[n++] = (struct scalar){nm, hp, ty, v}
	S("flows_open", "Flows open now.", "gauge", m->flows.open);
	S("flows_created_total", "Flows created.", "counter", m->flows.created);
	S("flow_records_total", "Flow records emitted.", "counter", m->flows.records);
	S("flows_evicted_total", "Flows ended early because the flow table was full.", "counter",
	  m->flows.evicted);
	S("flows_vanished_total", "TCP flows whose socket disappeared without a close event.",
	  "counter", m->flows.vanished);
	S("tcp_unknown_close_total", "TCP closes of sockets not seen opening.", "counter",
	  m->flows.unknown_close);
	S("udp_counter_resets_total", "UDP kernel counters that restarted from zero.", "counter",
	  m->flows.udp_counter_resets);
	S("flow_alloc_failures_total", "Flows lost to memory exhaustion.", "counter",
	  m->flows.alloc_failures);
	S("processes", "Processes in the process table.", "gauge", m->procs);
	S("records_written_total", "Lines written to the records files.", "counter",
	  m->records_written);
	S("record_write_errors_total", "Records that could not be written.", "counter",
	  m->record_write_errors);
	S("capture_write_errors_total", "Events that could not be written to the capture file.",
	  "counter", m->capture_write_errors);
	S("proc_lookups_failed_total", "Socket events whose process had exited unseen.", "counter",
	  m->proc_lookups_failed);
	S("degraded_hooks", "Kernel hooks wanted but not attached.", "gauge", m->degraded_hooks);
	S("prefilter_skipped_total",
	  "TCP connections to skip networks (loopback, domestic) whose payload was not inspected.",
	  "counter", m->kstats[EW_KSTAT_PREFILTER_SKIP]);
	S("names_unmatched_total", "Names from TCP payloads whose socket had no flow.", "counter",
	  m->names_unmatched);
	S("names", "Distinct peer names held.", "gauge", m->names_live);
	S("dns_cache_inserts_total", "Addresses learned from DNS answers.", "counter",
	  m->dns.inserts);
	S("dns_cache_hits_total", "Flows whose peer address was in the DNS cache.", "counter",
	  m->dns.hits);
	S("dns_cache_misses_total", "Flows whose peer address was not in the DNS cache.", "counter",
	  m->dns.misses);
	S("geo_reloads_total", "Geolocation database reloads (SIGHUP or a changed file).",
	  "counter", m->geo_reloads);
	S("geo_reload_failures_total",
	  "Geolocation reloads refused (the file did not open); the databases in use were kept.",
	  "counter", m->geo_reload_failures);
	S("dns_cache_evicted_live_total",
	  "DNS answers replaced before their TTL ended (the cache is too small).", "counter",
	  m->dns.evicted_live);
#undef S
	return n;
}

uint64_t ew_metrics_lost(const struct ew_metrics *m)
{
	uint64_t lost = m->flows.alloc_failures + m->record_write_errors;

	for (int i = 1; i < EW_DEC_MAX; i++)
		lost += m->decode_errors[i];
	for (int i = 0; i < EW_KSTAT_MAX; i++)
		if (kstat_is_loss(i))
			lost += m->kstats[i];
	return lost;
}

void ew_metrics_json(struct ew_jsonw *w, const struct ew_metrics *m)
{
	struct scalar s[48];
	size_t n = scalars(m, s);

	for (size_t i = 0; i < n; i++)
		ew_jsonw_u64(w, s[i].name, s[i].value);
	ew_jsonw_obj_begin(w, "events_total");
	for (int i = 0; i < EW_EV_TYPE_MAX; i++)
		if (event_names[i])
			ew_jsonw_u64(w, event_names[i], m->events[i]);
	ew_jsonw_obj_end(w);
	ew_jsonw_obj_begin(w, "decode_errors_total");
	for (int i = 1; i < EW_DEC_MAX; i++)
		ew_jsonw_u64(w, ew_decode_err_name(i), m->decode_errors[i]);
	ew_jsonw_obj_end(w);
	ew_jsonw_obj_begin(w, "kernel_drops_total");
	for (int i = 0; i < EW_KSTAT_MAX; i++)
		if (kstat_is_loss(i))
			ew_jsonw_u64(w, kstat_names[i], m->kstats[i]);
	ew_jsonw_obj_end(w);
	ew_jsonw_obj_begin(w, "payloads_parsed_total");
	for (int i = 0; i < EW_PARSER_MAX; i++) {
		ew_jsonw_obj_begin(w, parser_names[i]);
		for (int r = 0; r < EW_PARSE_MAX; r++)
			ew_jsonw_u64(w, parse_results[r], m->parsed[i][r]);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);
	ew_jsonw_obj_begin(w, "flows_named_total");
	for (int i = 1; i < EW_NAME_SOURCE_MAX; i++)
		ew_jsonw_u64(w, source_names[i], m->named[i]);
	ew_jsonw_obj_end(w);
	ew_jsonw_u64(w, "lost_total", ew_metrics_lost(m));
}

static void prom_family(FILE *f, const char *name, const char *help, const char *type)
{
	fprintf(f, "# HELP egresswatch_%s %s\n# TYPE egresswatch_%s %s\n", name, help, name, type);
}

int ew_metrics_write_prom(const struct ew_metrics *m, const char *path)
{
	char tmp[4096];
	struct scalar s[48];
	size_t n = scalars(m, s);
	FILE *f;
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		prom_family(f, s[i].name, s[i].help, s[i].type);
		fprintf(f, "egresswatch_%s %llu\n", s[i].name, (unsigned long long)s[i].value);
	}
	prom_family(f, "events_total", "Events consumed by the pipeline, by type.", "counter");
	for (int i = 0; i < EW_EV_TYPE_MAX; i++)
		if (event_names[i])
			fprintf(f, "egresswatch_events_total{type=\"%s\"} %llu\n", event_names[i],
				(unsigned long long)m->events[i]);
	prom_family(f, "decode_errors_total", "Events rejected by the decoder, by reason.",
		    "counter");
	for (int i = 1; i < EW_DEC_MAX; i++)
		fprintf(f, "egresswatch_decode_errors_total{reason=\"%s\"} %llu\n",
			ew_decode_err_name(i), (unsigned long long)m->decode_errors[i]);
	prom_family(f, "kernel_drops_total", "Events the kernel programs could not deliver.",
		    "counter");
	for (int i = 0; i < EW_KSTAT_MAX; i++)
		if (kstat_is_loss(i))
			fprintf(f, "egresswatch_kernel_drops_total{reason=\"%s\"} %llu\n",
				kstat_names[i], (unsigned long long)m->kstats[i]);
	prom_family(f, "payloads_parsed_total",
		    "Untrusted payloads parsed for names, by parser and outcome.", "counter");
	for (int i = 0; i < EW_PARSER_MAX; i++)
		for (int r = 0; r < EW_PARSE_MAX; r++)
			fprintf(f,
				"egresswatch_payloads_parsed_total{parser=\"%s\",result=\"%s\"} "
				"%llu\n",
				parser_names[i], parse_results[r],
				(unsigned long long)m->parsed[i][r]);
	prom_family(f, "flows_named_total", "Flows given a peer name, by source.", "counter");
	for (int i = 1; i < EW_NAME_SOURCE_MAX; i++)
		fprintf(f, "egresswatch_flows_named_total{source=\"%s\"} %llu\n", source_names[i],
			(unsigned long long)m->named[i]);
	prom_family(f, "lost_total", "Everything dropped anywhere.", "counter");
	fprintf(f, "egresswatch_lost_total %llu\n", (unsigned long long)ew_metrics_lost(m));
	if (fflush(f) || fsync(fd))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
