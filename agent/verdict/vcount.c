// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcount.c - the verdict stage's people: the legal entity's yearly counters
 * per class, each capped channel's, the journal that keeps what was counted
 * since the last snapshot, and the snapshots (see verdict_int.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "verdict/verdict_int.h"

/*
 * The snapshot is loaded: the journal's people join it (sets: those already
 * saved change nothing), and are saved with the next snapshot.
 */
int ew_vcount_open_journal(struct vstage *v)
{
	struct ew_journal_replay st;
	char err[512] = "";
	int rc = ew_journal_replay(v->state_dir, v->people, &st, err, sizeof(err));

	if (rc == -EBADMSG) {
		ew_warn("people journal %s (the entries before it are kept)", err);
		v->journal_cut += st.cut_bytes;
	} else if (rc) {
		ew_err("people journal: %s", err[0] ? err : strerror(-rc));
		return rc;
	}
	v->journal_replayed = st.entries;
	v->bands_known = 0;
	if (st.added) {
		ew_info("people journal: %llu people counted since the last snapshot restored",
			(unsigned long long)st.added);
		v->dirty = true;
	}
	err[0] = '\0';
	rc = ew_journal_open(&v->journal, v->state_dir, err, sizeof(err));
	if (rc)
		ew_err("people journal: %s", err);
	return rc;
}

static struct ew_people_counter *counter(struct vstage *v, enum ew_people_scope scope,
					 const char *name, int cls, bool attested, int year)
{
	struct ew_people_key k;

	if (ew_people_key(&k, scope, name, (enum ew_people_class)(cls - 1), attested, year))
		return NULL;
	return ew_people_get(v->people, &k, true);
}

/* Return: whether @hash was new to @c (or may have been: a sketch cannot tell). */
static bool add(struct vstage *v, struct ew_people_counter *c, uint64_t hash)
{
	int rc = c ? ew_people_add(c, hash) : -ENOMEM;

	if (rc)
		v->bands_known = 0;

	if (rc < 0) {
		v->people_nomem++;
		return false;
	}
	if (!rc)
		return false;
	v->dirty = true;
	if (v->journal && ew_journal_add(v->journal, ew_people_counter_key(c), hash))
		v->journal_errors++;
	return true;
}

/* The flow's waiting people join the year: a sensitive person is a person too. */
void ew_vcount_people(struct vstage *v, struct pending *p, int year, bool attested)
{
	for (uint32_t i = 0; p && i < p->n; i++) {
		int cls = p->v[i].cls;

		if (cls < EW_CLASS_PI || cls > EW_CLASS_IMPORTANT_DATA)
			continue;
		add(v, counter(v, EW_PEOPLE_ENTITY, v->entity, cls, attested, year), p->v[i].hash);
		if (cls == EW_CLASS_SENSITIVE_PI)
			add(v, counter(v, EW_PEOPLE_ENTITY, v->entity, EW_CLASS_PI, attested, year),
			    p->v[i].hash);
	}
}

void ew_vcount_band(struct vstage *v, int cls, int year, struct ew_people_band *out)
{
	struct ew_people_counter *c[2];
	struct ew_people_count n = {0};

	if (v->bands_year != year) {
		v->bands_year = year;
		v->bands_known = 0;
	}
	if (v->bands_known & 1u << cls) {
		*out = v->bands[cls];
		return;
	}
	c[0] = counter(v, EW_PEOPLE_ENTITY, v->entity, cls, false, year);
	c[1] = counter(v, EW_PEOPLE_ENTITY, v->entity, cls, true, year);
	/* Attested flows count toward the totals, in a bucket of their own. */
	if (c[0] && c[1] && !ew_people_count_union(c, 2, &n)) {
		out->lo = n.lo;
		out->hi = n.hi;
		v->bands[cls] = *out;
		v->bands_known |= 1u << cls;
	}
}

/*
 * The capped channels and their counters for @year, found again only when
 * the year or the policy changed: a record costs a count per capped channel.
 */
static int chan_index(struct vstage *v, int year)
{
	const struct ew_rules *r = v->rules;
	size_t n = r->n_channels > 0 ? (size_t)r->n_channels : 1;

	if (v->chan_rules == r && v->chan_year == year)
		return 0;
	v->chan_rules = NULL;
	if (r->n_channels > v->chan_cap) {
		struct ew_people_band *b = realloc(v->chan_people, n * sizeof(*b));
		struct ew_people_counter **c;
		int *k;

		if (b)
			v->chan_people = b;
		c = b ? realloc(v->chan_ctr, n * sizeof(*c)) : NULL;
		if (c)
			v->chan_ctr = c;
		k = c ? realloc(v->capped, n * sizeof(*k)) : NULL;
		if (!k)
			return -ENOMEM;
		v->capped = k;
		v->chan_cap = r->n_channels;
	}
	v->n_capped = 0;
	for (int i = 0; i < r->n_channels; i++) {
		v->chan_people[i] = (struct ew_people_band){0, 0};
		v->chan_ctr[i] = NULL;
		if (!r->channels[i].has_cap)
			continue;
		v->chan_ctr[i] =
		    counter(v, EW_PEOPLE_CHANNEL, r->channels[i].id, EW_CLASS_PI, false, year);
		if (!v->chan_ctr[i])
			return -ENOMEM;
		v->capped[v->n_capped++] = i;
	}
	v->chan_rules = r;
	v->chan_year = year;
	return 0;
}

/* Each capped channel's people this year; NULL when no channel has a cap. */
const struct ew_people_band *ew_vcount_channel_bands(struct vstage *v, int year)
{
	if (chan_index(v, year)) {
		v->people_nomem++;
		return NULL;
	}
	for (int k = 0; k < v->n_capped; k++) {
		int i = v->capped[k];
		struct ew_people_count n;

		ew_people_count(v->chan_ctr[i], &n);
		v->chan_people[i] = (struct ew_people_band){n.lo, n.hi};
	}
	return v->n_capped ? v->chan_people : NULL;
}

/*
 * The flow went through channel @out->channel (it covers the flow, or would
 * but for its cap): its people count toward the channel's year, whether or
 * not they already count toward the entity's. Return: whether any was new.
 */
bool ew_vcount_channel(struct vstage *v, const struct pending *p, int year,
		       const struct ew_verdict *out)
{
	struct ew_people_counter *c;
	bool through, added = false;

	through = out->verdict == EW_VERDICT_ALLOWED || out->rule == EW_RULE_CAP_UNCERTAIN ||
		  (out->rule == EW_RULE_CHANNEL_OUT_OF_SCOPE &&
		   out->failed_scopes == EW_SCOPE_PEOPLE_CAP);
	if (!p || !p->n || out->channel < 0 || !through ||
	    !v->rules->channels[out->channel].has_cap || chan_index(v, year))
		return false;
	c = v->chan_ctr[out->channel];
	for (uint32_t i = 0; i < p->n; i++)
		if (p->v[i].cls >= EW_CLASS_PI && p->v[i].cls <= EW_CLASS_SENSITIVE_PI)
			added |= add(v, c, p->v[i].hash);
	return added;
}

void ew_vcount_save(struct vstage *v)
{
	char err[512] = "";
	int rc;

	if (!v->dirty || !v->state_dir[0] || v->readonly)
		return;
	rc = ew_people_save(v->people, v->state_dir, err, sizeof(err));
	if (rc) {
		if (!v->save_errors++)
			ew_err("people counters not saved: %s", err);
		return;
	}
	v->dirty = false;
	/* Every journalled person is in the snapshot now. */
	if (v->journal && (rc = ew_journal_reset(v->journal)) && !v->journal_errors++)
		ew_err("people journal %s/%s not emptied: %s", v->state_dir, EW_JOURNAL_FILE,
		       strerror(-rc));
}
