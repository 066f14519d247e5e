// SPDX-License-Identifier: GPL-2.0-only
#include "alert/alert_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert/alert_ecs.h"
#include "config/config.h"
#include "out/hourly.h"
#include "util/log.h"

struct afile {
	const struct ew_alert_file_kind *k;
	struct ew_alert_sink_ops ops; /* named for @k; freed with the sink, after its last use */
	char root[PATH_MAX];
	char link_key[16]; /* the hour the link points to */
	int dirfd;	   /* DATA_DIR */
	struct ew_hourly *h;
	struct ew_jsonw w; /* the pipeline thread's */
	bool failing;
};

static ssize_t encode(void *ctx, const struct ew_alert *a, char *buf, size_t cap)
{
	struct afile *f = ctx;
	int rc;

	ew_jsonw_reset(&f->w);
	rc = f->k->encode(&f->w, a);
	if (rc)
		return rc;
	if (f->w.oom || f->w.len > cap)
		return -ENOSPC;
	memcpy(buf, f->w.buf, f->w.len);
	return (ssize_t)f->w.len;
}

static int deliver(void *ctx, int64_t time_ns, const char *msg, size_t len)
{
	struct afile *f = ctx;

	return ew_hourly_write(f->h, time_ns, msg, len);
}

/* alerts.jsonl → alerts/KEY.jsonl, swapped in one rename. */
static void relink(struct afile *f)
{
	const char *key = ew_hourly_key(f->h);
	char target[128], tmp[96];

	if (!key[0] || !strcmp(key, f->link_key))
		return;
	snprintf(target, sizeof(target), "%s/%s.jsonl", f->k->dir, key);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->k->link);
	unlinkat(f->dirfd, tmp, 0);
	if (symlinkat(target, f->dirfd, tmp) || renameat(f->dirfd, tmp, f->dirfd, f->k->link)) {
		ew_warn("cannot point %s/../%s at %s: %s", f->root, f->k->link, target,
			strerror(errno));
		unlinkat(f->dirfd, tmp, 0);
		return;
	}
	snprintf(f->link_key, sizeof(f->link_key), "%s", key);
}

static int flush(void *ctx)
{
	struct afile *f = ctx;
	int rc = ew_hourly_flush(f->h), fd = ew_hourly_fd(f->h);

	/* An alert is worth its fdatasync: a crash right after it must not lose it. */
	if (!rc && fd >= 0 && fdatasync(fd))
		rc = -errno;
	relink(f);
	if (rc && !f->failing)
		ew_err("cannot write alerts under %s: %s", f->root, strerror(-rc));
	else if (!rc && f->failing)
		ew_info("writing alerts under %s again", f->root);
	f->failing = rc != 0;
	return rc;
}

static void reopen(void *ctx)
{
	struct afile *f = ctx;
	int rc = ew_hourly_reopen(f->h);

	if (rc)
		ew_err("SIGHUP: cannot reopen the alerts file under %s: %s", f->root,
		       strerror(-rc));
	f->link_key[0] = '\0';
	relink(f);
}

static int close_file(void *ctx)
{
	struct afile *f = ctx;
	int rc = 0;

	if (!f)
		return 0;
	/* The open hour stays .jsonl: alerts.jsonl goes on pointing at it. */
	if (f->h)
		rc = ew_hourly_close(f->h, false);
	if (f->dirfd >= 0)
		close(f->dirfd);
	ew_jsonw_free(&f->w);
	free(f);
	return rc;
}

static int ecs(struct ew_jsonw *w, const struct ew_alert *a)
{
	ew_alert_ecs_encode(w, a);
	return 0;
}

static const struct ew_alert_file_kind ecs_kind = {
    .name = "file",
    .dir = "alerts",
    .link = "alerts.jsonl",
    .encode = ecs,
};

int ew_alert_file_open(const struct ew_alert_sink_env *env, struct ew_alert_sink **out)
{
	return ew_alert_file_open_kind(env, &ecs_kind, out);
}

int ew_alert_file_open_kind(const struct ew_alert_sink_env *env, const struct ew_alert_file_kind *k,
			    struct ew_alert_sink **out)
{
	struct afile *f = calloc(1, sizeof(*f));
	int rc;

	if (!f)
		return -ENOMEM;
	f->k = k;
	f->ops = (struct ew_alert_sink_ops){.name = k->name,
					    .encode = encode,
					    .deliver = deliver,
					    .flush = flush,
					    .reopen = reopen,
					    .close = close_file};
	f->dirfd = -1;
	ew_jsonw_init(&f->w);
	snprintf(f->root, sizeof(f->root), "%s/%s", env->data_dir, k->dir);
	/* The records stage makes it too; this stage starts first. */
	if (mkdir(env->data_dir, 0750) && errno != EEXIST) {
		rc = -errno;
		ew_err("cannot create data directory %s: %s", env->data_dir, strerror(-rc));
		close_file(f);
		return rc;
	}
	f->dirfd = open(env->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0) {
		rc = -errno;
		ew_err("cannot open the data directory %s: %s", env->data_dir, strerror(-rc));
		close_file(f);
		return rc;
	}
	rc = ew_hourly_open(f->root, &f->h);
	if (rc) {
		ew_err("cannot open the alerts directory %s: %s", f->root, strerror(-rc));
		close_file(f);
		return rc;
	}
	return ew_alert_sink_start(&f->ops, f, env->cfg ? env->cfg->alerts_queue_bytes : 0,
				   env->replay, out);
}
