// SPDX-License-Identifier: GPL-2.0-only
#include "config/config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "alert/syslog_sink.h"
#include "content/subject.h"
#include "util/jsoncheck.h"
#include "util/log.h"

void ew_config_defaults(struct ew_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", EW_DEFAULT_DATA_DIR);
	c->report_interval = 60;
	c->udp_idle_timeout = 30;
	c->flow_table_max = 262144;
	c->ringbuf_bytes = 8u << 20;
	c->ringbuf_wakeup_bytes = 256u << 10;
	c->poll_interval_ms = 100;
	c->udp_map_entries = 65536;
	c->hook_udp = true;
	c->hook_accept = true;
	c->hook_proc = true;
	c->hook_names = true;
	c->dns_cache_entries = 65536;
	c->proc_table_max = 65536;
	c->cgroup_table_max = 16384;
	c->content_enabled = true;
	c->content_flow_bytes = 256u << 10;
	c->content_max_streams = 4096;
	c->content_tls = true;
	c->content_write_bytes = 16u << 10;
	c->content_ringbuf_bytes = 4u << 20; /* mapped once (kernel/ringbuf.c): 4 MiB of RSS */
	c->log_level = EW_LOG_INFO;
	c->log_syslog = false;
	c->print_records = false;
	snprintf(c->subject_key, sizeof(c->subject_key), "%s", EW_DEFAULT_SUBJECT_KEY);
	snprintf(c->taxonomy, sizeof(c->taxonomy), "%s", EW_DEFAULT_TAXONOMY);
	c->alerts_enabled = true;
	c->alerts_file = true;
	snprintf(c->alerts_syslog_socket, sizeof(c->alerts_syslog_socket), "/dev/log");
	snprintf(c->alerts_syslog_facility, sizeof(c->alerts_syslog_facility), "local0");
	c->alerts_fold_seconds = 300;
	c->alerts_queue_bytes = 1u << 20;
}

static const char *const log_levels[] = {"error", "warning", "info", "debug", NULL};
static const int log_level_values[] = {EW_LOG_ERR, EW_LOG_WARN, EW_LOG_INFO, EW_LOG_DEBUG};

struct raw_config {
	struct ew_config c;
	int log_level_index;
	char schema[1024]; /* "$schema" is allowed for editors; not ours to keep */
};

#define F(k, kind, member, lo, hi)                                                                 \
	{                                                                                          \
		k, kind, offsetof(struct raw_config, member), lo, hi, NULL                         \
	}

static const struct ew_jc_field top_fields[] = {
    F("data_dir", EW_JC_STRING, c.data_dir, 0, sizeof(((struct ew_config *)0)->data_dir)),
    F("report_interval", EW_JC_U32, c.report_interval, 1, 86400),
    F("udp_idle_timeout", EW_JC_U32, c.udp_idle_timeout, 1, 86400),
    F("flow_table_max", EW_JC_U32, c.flow_table_max, 1024, 16u << 20),
    F("ringbuf_bytes", EW_JC_U32, c.ringbuf_bytes, 4096, 1u << 30),
    F("ringbuf_wakeup_bytes", EW_JC_U32, c.ringbuf_wakeup_bytes, 1, 1u << 30),
    F("poll_interval_ms", EW_JC_U32, c.poll_interval_ms, 1, 10000),
    F("udp_map_entries", EW_JC_U32, c.udp_map_entries, 64, 16u << 20),
    F("dns_cache_entries", EW_JC_U32, c.dns_cache_entries, 64, 16u << 20),
    F("geo_db", EW_JC_ARRAY, c, 0, 0),
    F("proc_table_max", EW_JC_U32, c.proc_table_max, 1024, 16u << 20),
    F("cgroup_table_max", EW_JC_U32, c.cgroup_table_max, 256, 16u << 20),
    F("hooks", EW_JC_OBJECT, c, 0, 0),
    F("log", EW_JC_OBJECT, c, 0, 0),
    F("print_records", EW_JC_BOOL, c.print_records, 0, 0),
    F("content", EW_JC_OBJECT, c, 0, 0),
    F("alerts", EW_JC_OBJECT, c, 0, 0),
    F("$schema", EW_JC_STRING, schema, 0, sizeof(((struct raw_config *)0)->schema)),
};

static const struct ew_jc_field hook_fields[] = {
    F("udp", EW_JC_BOOL, c.hook_udp, 0, 0),
    F("accept", EW_JC_BOOL, c.hook_accept, 0, 0),
    F("proc", EW_JC_BOOL, c.hook_proc, 0, 0),
    F("names", EW_JC_BOOL, c.hook_names, 0, 0),
};

/* Offsets in a stream are 32-bit in the kernel: 1 GiB keeps far from the wrap. */
static const struct ew_jc_field content_fields[] = {
    F("enabled", EW_JC_BOOL, c.content_enabled, 0, 0),
    F("inbound", EW_JC_BOOL, c.content_inbound, 0, 0),
    F("flow_bytes", EW_JC_U32, c.content_flow_bytes, 1024, 1u << 30),
    F("max_streams", EW_JC_U32, c.content_max_streams, 1, 1u << 20),
    /* A write is taken in at most 16 chunks of 4 KiB (tls.bpf.c). */
    F("tls", EW_JC_BOOL, c.content_tls, 0, 0),
    F("write_bytes", EW_JC_U32, c.content_write_bytes, 1, 64u << 10),
    F("ringbuf_bytes", EW_JC_U32, c.content_ringbuf_bytes, 65536, 1u << 30),
    F("subject_key", EW_JC_STRING, c.subject_key, 0, sizeof(((struct ew_config *)0)->subject_key)),
    F("taxonomy", EW_JC_STRING, c.taxonomy, 0, sizeof(((struct ew_config *)0)->taxonomy)),
};

static const struct ew_jc_field alert_fields[] = {
    F("enabled", EW_JC_BOOL, c.alerts_enabled, 0, 0),
    F("file", EW_JC_BOOL, c.alerts_file, 0, 0),
    F("stdout", EW_JC_BOOL, c.alerts_stdout, 0, 0),
    F("syslog", EW_JC_BOOL, c.alerts_syslog, 0, 0),
    F("ocsf", EW_JC_BOOL, c.alerts_ocsf, 0, 0),
    F("syslog_socket", EW_JC_STRING, c.alerts_syslog_socket, 0,
      sizeof(((struct ew_config *)0)->alerts_syslog_socket)),
    F("syslog_facility", EW_JC_STRING, c.alerts_syslog_facility, 0,
      sizeof(((struct ew_config *)0)->alerts_syslog_facility)),
    F("fold_seconds", EW_JC_U32, c.alerts_fold_seconds, 0, 86400),
    F("queue_bytes", EW_JC_U32, c.alerts_queue_bytes, 65536, 1u << 30),
};

static const struct ew_jc_field log_fields[] = {
    {"level", EW_JC_ENUM, offsetof(struct raw_config, log_level_index), 0, 0, log_levels},
    F("syslog", EW_JC_BOOL, c.log_syslog, 0, 0),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int check_relations(struct ew_jc *jc, const struct ew_config *c)
{
	if (c->ringbuf_bytes & (c->ringbuf_bytes - 1))
		return ew_jc_fail(jc, "$.ringbuf_bytes",
				  "must be a power of two (e.g. 8388608), got %u",
				  c->ringbuf_bytes);
	if (c->ringbuf_wakeup_bytes > c->ringbuf_bytes)
		return ew_jc_fail(jc, "$.ringbuf_wakeup_bytes",
				  "must be at most ringbuf_bytes (%u), got %u", c->ringbuf_bytes,
				  c->ringbuf_wakeup_bytes);
	if (ew_syslog_facility_by_name(c->alerts_syslog_facility) < 0)
		return ew_jc_fail(jc, "$.alerts.syslog_facility",
				  "must be a syslog facility (local0..local7, user, daemon, auth, "
				  "authpriv, security, audit, alert), got \"%s\"",
				  c->alerts_syslog_facility);
	if (c->alerts_syslog_socket[0] != '/')
		return ew_jc_fail(jc, "$.alerts.syslog_socket",
				  "must be an absolute path (e.g. /dev/log), got \"%s\"",
				  c->alerts_syslog_socket);
	if (c->content_ringbuf_bytes & (c->content_ringbuf_bytes - 1))
		return ew_jc_fail(jc, "$.content.ringbuf_bytes",
				  "must be a power of two (e.g. 16777216), got %u",
				  c->content_ringbuf_bytes);
	if (c->data_dir[0] != '/')
		return ew_jc_fail(jc, "$.data_dir", "must be an absolute path, got \"%s\"",
				  c->data_dir);
	if (c->subject_key[0] != '/')
		return ew_jc_fail(jc, "$.content.subject_key",
				  "must be an absolute path (the secret file is relative to "
				  "nothing), like \"%s\", got \"%s\"",
				  EW_DEFAULT_SUBJECT_KEY, c->subject_key);
	return 0;
}

static int apply_geo_db(struct ew_jc *jc, const cJSON *arr, struct ew_config *c)
{
	char path[32];
	const cJSON *v;
	int i = 0;

	if (cJSON_GetArraySize(arr) > EW_CONFIG_MAX_GEO_DB)
		return ew_jc_fail(jc, "$.geo_db", "expected at most %d database files, got %d",
				  EW_CONFIG_MAX_GEO_DB, cJSON_GetArraySize(arr));
	cJSON_ArrayForEach(v, arr)
	{
		snprintf(path, sizeof(path), "$.geo_db[%d]", i);
		if (!cJSON_IsString(v) || v->valuestring[0] != '/' ||
		    strlen(v->valuestring) >= sizeof(c->geo_db[0]))
			return ew_jc_fail(jc, path,
					  "expected the absolute path of a libloc or MaxMind DB "
					  "file, like \"/usr/share/GeoIP/GeoLite2-Country.mmdb\"");
		if (ew_jc_has_control(v->valuestring))
			return ew_jc_fail(jc, path, "control character in \"%s\"", v->valuestring);
		snprintf(c->geo_db[i++], sizeof(c->geo_db[0]), "%s", v->valuestring);
	}
	c->n_geo_db = i;
	return 0;
}

static int apply_fields(struct ew_jc *jc, const cJSON *doc, struct ew_config *c)
{
	struct raw_config raw;
	const cJSON *sub;
	int rc;

	raw.c = *c;
	raw.log_level_index = 2;
	for (size_t i = 0; i < N(log_levels) - 1; i++)
		if (log_level_values[i] == c->log_level)
			raw.log_level_index = (int)i;
	rc = ew_jc_apply(jc, doc, "$", top_fields, N(top_fields), &raw);
	if (rc)
		return rc;
	sub = cJSON_GetObjectItemCaseSensitive(doc, "hooks");
	if (sub && (rc = ew_jc_apply(jc, sub, "$.hooks", hook_fields, N(hook_fields), &raw)))
		return rc;
	sub = cJSON_GetObjectItemCaseSensitive(doc, "content");
	if (sub &&
	    (rc = ew_jc_apply(jc, sub, "$.content", content_fields, N(content_fields), &raw)))
		return rc;
	sub = cJSON_GetObjectItemCaseSensitive(doc, "alerts");
	if (sub && (rc = ew_jc_apply(jc, sub, "$.alerts", alert_fields, N(alert_fields), &raw)))
		return rc;
	sub = cJSON_GetObjectItemCaseSensitive(doc, "log");
	if (sub && (rc = ew_jc_apply(jc, sub, "$.log", log_fields, N(log_fields), &raw)))
		return rc;
	sub = cJSON_GetObjectItemCaseSensitive(doc, "geo_db");
	if (sub && (rc = apply_geo_db(jc, sub, &raw.c)))
		return rc;
	raw.c.log_level = log_level_values[raw.log_level_index];
	rc = check_relations(jc, &raw.c);
	if (rc)
		return rc;
	*c = raw.c;
	return 0;
}

static int apply_doc(struct ew_jc *jc, const cJSON *doc, void *dst)
{
	struct ew_config *c = dst;

	return apply_fields(jc, doc, c);
}

int ew_config_parse(const char *name, const char *text, struct ew_config *c, char *err,
		    size_t errlen)
{
	ew_config_defaults(c);
	return ew_jc_load(name, text, apply_doc, c, err, errlen);
}

int ew_config_load(const char *path, struct ew_config *c, char *err, size_t errlen)
{
	ew_config_defaults(c);
	return ew_jc_load(path, NULL, apply_doc, c, err, errlen);
}
