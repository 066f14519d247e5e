/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * verdict_int.h - the verdict stage's state, shared by verdict_stage.c (the
 * stage's hooks and the verdict) and vcount.c (its people counters: the
 * entity's and the channels', the journal, the snapshots). Not an API.
 */
#ifndef EW_VERDICT_INT_H
#define EW_VERDICT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/flow.h"
#include "policy/policy.h"
#include "verdict/decide.h"
#include "verdict/journal.h"
#include "verdict/people.h"

/* People a flow may hold back for its next record: past it they are not counted. */
#define PENDING_MAX 4096

struct person {
	uint64_t hash;
	uint8_t cls; /* enum ew_class */
};

struct pending {
	struct person *v;
	uint32_t n, cap;
};

/* Warnings one record can carry: three thresholds, and caps and expiries. */
#define EW_VERDICT_WARN_MAX 16

/* Saves of the counters at most this often (seconds of poll()), and at the end. */
#define SAVE_EVERY 5

struct vstage {
	struct ew_flows *flows;
	const struct ew_policy *policy;
	const struct ew_rules *rules;
	const char *entity;
	struct ew_people *people;
	struct ew_journal *journal; /* NULL: replay, or no state dir */
	char state_dir[512];
	bool dirty;
	bool readonly; /* replay: the snapshot is read, never written */
	int polls;
	struct ew_flow_cat *cats;
	int cats_cap;
	uint64_t by_verdict[EW_VERDICT_REVIEW + 1];
	uint64_t by_rule[EW_RULE_MAX];
	uint64_t people_dropped, people_nomem, save_errors;
	uint64_t journal_errors, journal_syncs, journal_replayed, journal_cut;
	/* the capped channels' counters for chan_year under chan_rules (vcount.c) */
	struct ew_people_band *chan_people;  /* [chan_cap] yearly people per channel */
	struct ew_people_counter **chan_ctr; /* [chan_cap] NULL: no cap */
	int *capped;			     /* indexes of the capped channels */
	int chan_cap, n_capped, chan_year;
	const struct ew_rules *chan_rules; /* NULL: to be found again */
	int year;			   /* of the latest record, for the metrics */
	/* The entity's people by class in bands_year, counted once per change
	 * instead of per record: forgotten when a person is added or the
	 * policy changes (vcount.c). Bit c of bands_known: bands[c] holds. */
	struct ew_people_band bands[EW_CLASS_IMPORTANT_DATA + 1];
	uint32_t bands_known;
	int bands_year;
	struct ew_warning warnings[EW_VERDICT_WARN_MAX];
};

/* The snapshot is loaded: replay the journal into it and open it. Return: 0 or -errno (logged). */
int ew_vcount_open_journal(struct vstage *v);
/* A flow's waiting people join the entity's year (@attested: their own bucket). */
void ew_vcount_people(struct vstage *v, struct pending *p, int year, bool attested);
/* The entity's people of class @cls in @year, its attested bucket included. */
void ew_vcount_band(struct vstage *v, int cls, int year, struct ew_people_band *out);
/* Each capped channel's people in @year ([n_channels]); NULL when no channel has a cap. */
const struct ew_people_band *ew_vcount_channel_bands(struct vstage *v, int year);
/* The flow's people join its channel's year (@out decided it). Return: whether any was new. */
bool ew_vcount_channel(struct vstage *v, const struct pending *p, int year,
		       const struct ew_verdict *out);
/* A snapshot of the counters when they changed; then the journal is emptied. */
void ew_vcount_save(struct vstage *v);

#endif
