// SPDX-License-Identifier: GPL-2.0-only
#include "out/records.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out/hourly.h"
#include "out/record.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/timefmt.h"

struct records {
	char data_dir[PATH_MAX];
	char prom_path[PATH_MAX + 16];
	const char *hostname;
	struct ew_hourly *files;
	struct ew_jsonw w;
	uint64_t written;
	uint64_t write_errors;
};

static int init(struct ew_stage *s, const struct ew_stage_env *env)
{
	struct records *r = calloc(1, sizeof(*r));
	char dir[PATH_MAX + 16];
	int rc;

	if (!r)
		return -ENOMEM;
	s->state = r;
	snprintf(r->data_dir, sizeof(r->data_dir), "%s", env->data_dir);
	snprintf(r->prom_path, sizeof(r->prom_path), "%s/metrics.prom", env->data_dir);
	r->hostname = env->hostname;
	ew_jsonw_init(&r->w);
	if (mkdir(r->data_dir, 0750) && errno != EEXIST) {
		rc = -errno;
		ew_err("cannot create data directory %s: %s", r->data_dir, strerror(-rc));
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s/records", r->data_dir);
	rc = ew_hourly_open(dir, &r->files);
	if (rc)
		ew_err("cannot open records directory %s: %s", dir, strerror(-rc));
	return rc;
}

static void write_line(struct records *r, int64_t realtime_ns)
{
	int rc;

	if (r->w.oom) {
		r->write_errors++;
		return;
	}
	rc = ew_hourly_write(r->files, realtime_ns, r->w.buf, r->w.len);
	if (rc) {
		if (r->write_errors++ % 1000 == 0)
			ew_warn("cannot write records under %s/records: %s (%llu lost so far)",
				r->data_dir, strerror(-rc), (unsigned long long)r->write_errors);
		return;
	}
	r->written++;
}

static void record(struct ew_stage *s, const struct ew_flow *f, const struct ew_eval *e)
{
	struct records *r = s->state;

	ew_record_flow(&r->w, r->hostname, f, e);
	write_line(r, (int64_t)e->now_ns + e->realtime_offset_ns);
}

static void report(struct ew_stage *s, const struct ew_metrics *m, uint64_t now,
		   int64_t realtime_offset_ns)
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
	ew_metrics_json(m, &r->w);
	ew_jsonw_obj_end(&r->w);
	ew_jsonw_obj_end(&r->w);
	ew_jsonw_obj_end(&r->w);
	write_line(r, realtime);
	rc = ew_metrics_write_prom(m, r->prom_path);
	if (rc)
		ew_warn("cannot write %s: %s", r->prom_path, strerror(-rc));
}

static void metrics(struct ew_stage *s, struct ew_metrics *m)
{
	struct records *r = s->state;

	ew_metrics_add(m, "records_written_total", "Lines written to the records files.", 0,
		       r->written);
	ew_metrics_add(m, "record_write_errors_total", "Records that could not be written.",
		       EW_M_LOSS, r->write_errors);
}

static void hup(struct ew_stage *s)
{
	struct records *r = s->state;
	int rc = ew_hourly_reopen(r->files);

	if (rc)
		ew_err("SIGHUP: cannot reopen the records file under %s/records: %s", r->data_dir,
		       strerror(-rc));
}

static int finish(struct ew_stage *s)
{
	struct records *r = s->state;
	int rc = ew_hourly_close(r->files, true);

	r->files = NULL;
	if (rc)
		ew_err("closing the records files under %s/records failed: %s", r->data_dir,
		       strerror(-rc));
	return rc ? rc : (r->write_errors ? -EIO : 0);
}

static void stage_free(struct ew_stage *s)
{
	struct records *r = s->state;

	if (!r)
		return;
	if (r->files)
		ew_hourly_close(r->files, false);
	ew_jsonw_free(&r->w);
	free(r);
}

const struct ew_stage_def ew_records_stage = {
    .name = "records",
    .init = init,
    .record = record,
    .report = report,
    .metrics = metrics,
    .hup = hup,
    .finish = finish,
    .free = stage_free,
};
