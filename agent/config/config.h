/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config.h - /etc/egresswatch/egresswatch.json: where to write, buffer
 * sizes, hooks, intervals. Parsed with cJSON and checked key by key, so a
 * mistake is reported with the file, the JSON path and what was expected.
 */
#ifndef EW_CONFIG_H
#define EW_CONFIG_H

#define EW_DEFAULT_TAXONOMY "/etc/egresswatch/taxonomy.json"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EW_DEFAULT_CONFIG    "/etc/egresswatch/egresswatch.json"
#define EW_DEFAULT_DATA_DIR  "/var/lib/egresswatch"
#define EW_CONFIG_MAX_GEO_DB 8

struct ew_config {
	char data_dir[512];
	/* geolocation databases, libloc or MaxMind DB, each filling what the
	 * earlier left empty; none: the libloc default */
	char geo_db[EW_CONFIG_MAX_GEO_DB][512];
	int n_geo_db;
	uint32_t report_interval;  /* s: interim records of long flows, and metric records */
	uint32_t udp_idle_timeout; /* s: a UDP (socket, peer) with no traffic this long ends */
	uint32_t flow_table_max;   /* open flows; the oldest is evicted (and counted) past it */
	uint32_t ringbuf_bytes;
	uint32_t ringbuf_wakeup_bytes;
	uint32_t poll_interval_ms; /* longest wait before the ring buffer is drained */
	uint32_t udp_map_entries;
	uint32_t dns_cache_entries; /* addresses remembered from DNS answers */
	uint32_t proc_table_max;    /* processes remembered; the oldest goes past it */
	uint32_t cgroup_table_max;  /* cgroups remembered; the oldest goes past it */
	bool hook_udp;
	bool hook_accept;
	bool hook_proc;
	bool hook_names; /* peer names from TLS SNI, HTTP Host and DNS answers */
	/* content capture: what TCP flows send, for the content engine */
	bool content_enabled;
	bool content_inbound;		/* also what TCP flows receive */
	uint32_t content_flow_bytes;	/* bytes inspected per flow and direction */
	uint32_t content_max_streams;	/* streams inspected at once; past it: truncated */
	bool content_tls;		/* TLS plaintext through uprobes on TLS libraries */
	uint32_t content_write_bytes;	/* plaintext taken per TLS write (or read) */
	uint32_t content_ringbuf_bytes; /* the kernel's content ring, a power of two */
	int log_level;			/* enum ew_log_level */
	bool log_syslog;
	bool print_records; /* one line per record on stdout */
	/* content.subject_key: the legal entity's secret for subject hashes */
	char subject_key[512];
	/* content.taxonomy: the data categories and their recognisers */
	char taxonomy[512];
	/* alerts: where they go, and how repeats fold */
	bool alerts_enabled;		 /* alerts.enabled: the rules run at all */
	bool alerts_file;		 /* DATA_DIR/alerts.jsonl */
	bool alerts_stdout;		 /* ECS lines on stdout */
	bool alerts_syslog;		 /* RFC 5424 to alerts_syslog_socket */
	char alerts_syslog_socket[108];	 /* a unix datagram socket; default /dev/log */
	char alerts_syslog_facility[16]; /* "local0" (default) .. "local7", "auth", ... */
	bool alerts_ocsf;		 /* OCSF 4001 JSON lines */
	uint32_t alerts_fold_seconds;	 /* repeats within this fold; 0: none fold */
	uint32_t alerts_queue_bytes;	 /* each sink's queue; past it alerts are dropped */
};

/** ew_config_defaults() - the values used for every key a file leaves out. */
void ew_config_defaults(struct ew_config *c);

/**
 * ew_config_load() - read and check a config file.
 * @path: file to read
 * @c: filled from defaults first, then from the file
 * @err: on failure, "FILE: $.path: what was expected, what was found"
 *
 * Return: 0, or -errno (-ENOENT missing file, -EINVAL bad content).
 */
int ew_config_load(const char *path, struct ew_config *c, char *err, size_t errlen);

/** ew_config_parse() - as ew_config_load() on a string; @name names it in errors. */
int ew_config_parse(const char *name, const char *text, struct ew_config *c, char *err,
		    size_t errlen);

#endif
