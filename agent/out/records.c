// SPDX-License-Identifier: GPL-2.0-only
#include "out/records.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out/record.h"
#include "out/writer.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/timefmt.h"

struct records {
	char data_dir[PATH_MAX];
	char prom_path[PATH_MAX + 16];
	const char *hostname;
	struct ew_writer *writer; /* NULL once finished: final holds its counters */
	struct ew_writer_stats final;
	struct ew_jsonw w;
	struct ew_record_owners *owners; /* NULL without memory: encoded afresh */
	uint64_t encode_errors;		 /* a record too large for memory: never written */
};

static int init(struct ew_stage *s, const struct ew_stage_env *env)
{
	struct records *r = calloc(1, sizeof(*r));
	struct ew_writer_opts wo = {0};
	struct ew_metrics *empty;
	char dir[PATH_MAX + 16];
	int rc;

	if (!r)
		return -ENOMEM;
	s->state = r;
	snprintf(r->data_dir, sizeof(r->data_dir), "%s", env->data_dir);
	snprintf(r->prom_path, sizeof(r->prom_path), "%s/metrics.prom", env->data_dir);
	r->hostname = env->hostname;
	ew_jsonw_init(&r->w);
	r->owners = ew_record_owners_new();
	if (mkdir(r->data_dir, 0750) && errno != EEXIST) {
		rc = -errno;
		ew_err("cannot create data directory %s: %s", r->data_dir, strerror(-rc));
		return rc;
	}
	/* metrics.prom and its spare exist from the start: a full disk later
	 * can still take their rewrites (ew_metrics_write_prom()). */
	empty = ew_metrics_new();
	for (int i = 0; i < 2 && empty; i++)
		if ((rc = ew_metrics_write_prom(empty, r->prom_path)))
			ew_warn("cannot write %s: %s", r->prom_path, strerror(-rc));
	ew_metrics_free(empty);
	snprintf(dir, sizeof(dir), "%s/records", r->data_dir);
	wo.records_dir = dir;
	wo.block_when_full = env->replay;
	rc = ew_writer_open(&wo, &r->writer);
	if (rc)
		ew_err("cannot open records directory %s: %s", dir, strerror(-rc));
	return rc;
}

static void write_line(struct records *r, int64_t realtime_ns)
{
	if (r->w.oom) {
		r->encode_errors++;
		return;
	}
	ew_writer_put(r->writer, realtime_ns, r->w.buf, r->w.len);
}

/*
 * Encoded straight into the writer's batch, which the files are written
 * from: no copy of the line in between. One that does not fit the room
 * left is encoded again into the stage's own buffer and copied.
 */
static void record(struct ew_stage *s, const struct ew_flow *f, const struct ew_eval *e)
{
	struct records *r = s->state;
	int64_t realtime = (int64_t)e->now_ns + e->realtime_offset_ns;
	struct ew_jsonw in_place;
	size_t room;
	char *p = ew_writer_begin(r->writer, realtime, &room);

	if (p) {
		ew_jsonw_init_fixed(&in_place, p,
				    room + 1); /* its NUL goes where the newline will */
		ew_record_flow(&in_place, r->owners, r->hostname, f, e);
		if (!in_place.oom) {
			ew_writer_commit(r->writer, in_place.len);
			return;
		}
	}
	ew_record_flow(&r->w, r->owners, r->hostname, f, e);
	write_line(r, realtime);
}

static void report(struct ew_stage *s, const struct ew_metrics *m, const struct ew_metrics *prev,
		   uint64_t now, int64_t realtime_offset_ns)
{
	struct records *r = s->state;
	int64_t realtime = (int64_t)now + realtime_offset_ns;
	char ts[48];
	int rc;

	ew_timefmt_iso8601(realtime, ts, sizeof(ts));
	ew_jsonw_reset(&r->w);
	ew_jsonw_obj_begin(&r->w, NULL);
	ew_jsonw_str(&r->w, "@timestamp", ts);
	ew_jsonw_obj_begin(&r->w, "event");
	ew_jsonw_str(&r->w, "kind", "metric");
	ew_jsonw_str(&r->w, "dataset", "egresswatch.agent");
	ew_jsonw_str(&r->w, "module", "egresswatch");
	ew_jsonw_obj_end(&r->w);
	if (r->hostname && r->hostname[0]) {
		ew_jsonw_obj_begin(&r->w, "host");
		ew_jsonw_str(&r->w, "hostname", r->hostname);
		ew_jsonw_obj_end(&r->w);
	}
	ew_jsonw_obj_begin(&r->w, "egresswatch");
	ew_jsonw_obj_begin(&r->w, "metrics");
	ew_metrics_json(m, prev, &r->w);
	ew_jsonw_obj_end(&r->w);
	ew_jsonw_obj_end(&r->w);
	ew_jsonw_obj_end(&r->w);
	write_line(r, realtime);
	rc = ew_metrics_write_prom(m, r->prom_path);
	if (rc)
		ew_warn("cannot write %s: %s", r->prom_path, strerror(-rc));
}

/*
 * Records still queued for the writer count as written: a replay's metric
 * records must not depend on the writer thread's timing. Every record is in
 * the end written, dropped (the queue was full) or refused by the disk, and
 * the last two are losses.
 */
static void metrics(struct ew_stage *s, struct ew_metrics *m)
{
	struct records *r = s->state;
	struct ew_writer_stats st = r->final;

	if (r->writer)
		ew_writer_stats(r->writer, &st);
	ew_metrics_add(m, "records_written_total",
		       "Records handed to the writer and not lost (those still queued included).",
		       0, st.put - st.dropped - st.write_errors);
	ew_metrics_add(m, "records_dropped_total",
		       "Records dropped because the writer's queue was full (a slow disk).",
		       EW_M_LOSS, st.dropped);
	ew_metrics_add(m, "record_write_errors_total",
		       "Records the disk refused (full, read-only) or too large to encode.",
		       EW_M_LOSS, st.write_errors + r->encode_errors);
	ew_metrics_add(m, "records_queue_peak_bytes",
		       "The most record bytes the writer held at once (steady up to 1 MiB; more: a "
		       "stalled disk grew the queue).",
		       EW_M_GAUGE | EW_M_HOST, st.queue_peak_bytes);
	ew_metrics_add(m, "records_queue_grown_total",
		       "Times the writer's queue grew past its steady size (a disk stalled).",
		       EW_M_HOST, st.queue_grown);
	ew_metrics_add(
	    m, "records_torn_lines_cut_total",
	    "Records files found ending inside a line (a crash) and cut back to the last "
	    "whole line.",
	    0, st.torn_tails_cut);
}

/* The live loop drained the ring: what is put goes to the writer now. */
static void flush(struct ew_stage *s)
{
	struct records *r = s->state;

	if (r->writer)
		ew_writer_push(r->writer);
}

static void hup(struct ew_stage *s)
{
	struct records *r = s->state;

	if (r->writer)
		ew_writer_reopen(r->writer);
}

static int finish(struct ew_stage *s)
{
	struct records *r = s->state;
	int rc = ew_writer_close(r->writer, true, &r->final);

	r->writer = NULL;
	if (rc)
		ew_err("closing the records files under %s/records failed: %s", r->data_dir,
		       strerror(-rc));
	if (!rc && (r->final.dropped || r->final.write_errors || r->encode_errors))
		rc = -EIO;
	return rc;
}

static void stage_free(struct ew_stage *s)
{
	struct records *r = s->state;

	if (!r)
		return;
	ew_writer_close(r->writer, false, NULL);
	ew_jsonw_free(&r->w);
	ew_record_owners_free(r->owners);
	free(r);
}

const struct ew_stage_def ew_records_stage = {
    .name = "records",
    .init = init,
    .record = record,
    .report = report,
    .metrics = metrics,
    .flush = flush,
    .hup = hup,
    .finish = finish,
    .free = stage_free,
};
