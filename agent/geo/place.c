// SPDX-License-Identifier: GPL-2.0-only
#include "geo/place.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "geo/border.h"
#include "geo/geo.h"
#include "util/log.h"

struct place {
	const struct ew_policy *policy;
	struct ew_geo *geo; /* NULL: no database could be opened */
	const char *const *paths;
	int n_paths;
	uint64_t reloads;
	uint64_t reload_failures;
};

static int init(struct ew_stage *s, const struct ew_stage_env *env)
{
	struct place *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return -ENOMEM;
	pl->policy = env->policy;
	pl->geo = *env->geo;
	*env->geo = NULL;
	pl->paths = env->geo_db;
	pl->n_paths = env->n_geo_db;
	s->state = pl;
	return 0;
}

static void enrich(struct ew_stage *s, const struct ew_flow *f, struct ew_eval *e)
{
	struct place *pl = s->state;

	ew_border_decide(pl->policy, pl->geo, f->peer, &e->place);
}

/*
 * Open the databases again and use them from the next record on; keep those
 * in use when that fails. Events wait in the ring buffer meanwhile: none is
 * lost, and no record is decided by a half-loaded database.
 */
static void reload(struct place *pl, const char *why)
{
	char err[1024], desc[2048] = "";
	struct ew_geo *geo;
	size_t len = 0;

	if (ew_geo_open(pl->paths, pl->n_paths, &geo, err, sizeof(err))) {
		/* Without libloc-database, every logrotate SIGHUP would say so again. */
		if (!pl->geo && !pl->n_paths) {
			ew_debug("geolocation still unavailable: %s", err);
			return;
		}
		pl->reload_failures++;
		ew_err("geolocation reload (%s) failed, the databases in use are kept: %s", why,
		       err);
		return;
	}
	ew_geo_close(pl->geo);
	pl->geo = geo;
	pl->reloads++;
	for (int i = 0; ew_geo_describe(geo, i) && len < sizeof(desc); i++)
		len += (size_t)snprintf(desc + len, sizeof(desc) - len, "%s%s", i ? "; " : "",
					ew_geo_describe(geo, i));
	ew_info("geolocation reloaded (%s): %s [%llu reloads, %llu failed]", why, desc,
		(unsigned long long)pl->reloads, (unsigned long long)pl->reload_failures);
}

/* The domestic set and the networks are read per record: nothing to derive. */
static void set_policy(struct ew_stage *s, const struct ew_policy *p)
{
	((struct place *)s->state)->policy = p;
}

static void hup(struct ew_stage *s)
{
	reload(s->state, "SIGHUP");
}

static void poll_files(struct ew_stage *s)
{
	struct place *pl = s->state;

	if (pl->geo && ew_geo_changed(pl->geo))
		reload(pl, "file changed");
}

static void metrics(struct ew_stage *s, struct ew_metrics *m)
{
	struct place *pl = s->state;

	ew_metrics_add(m, "geo_reloads_total",
		       "Geolocation database reloads (SIGHUP or a changed file).", 0, pl->reloads);
	ew_metrics_add(m, "geo_reload_failures_total",
		       "Geolocation reloads refused (the file did not open); the databases in use "
		       "were kept.",
		       0, pl->reload_failures);
}

static void stage_free(struct ew_stage *s)
{
	struct place *pl = s->state;

	if (!pl)
		return;
	ew_geo_close(pl->geo);
	free(pl);
}

const struct ew_stage_def ew_place_stage = {
    .name = "place",
    .init = init,
    .enrich = enrich,
    .policy = set_policy,
    .hup = hup,
    .poll = poll_files,
    .metrics = metrics,
    .free = stage_free,
};
