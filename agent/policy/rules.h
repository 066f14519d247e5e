/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules.h - the policy's export rules (REGULATION.md): the CIIO flag,
 * approved channels, the nine exemptions, the yearly people thresholds and
 * the working-day calendar. Parsed with the rest of policy.json; every
 * number has REGULATION.md's default so a customer's counsel can change it
 * without a rebuild.
 *
 * The verdict runs on every cross-border flow, so what it looks up is
 * indexed at load: categories interned to bit numbers, channels as bit sets
 * per route and per country, and the channels' networks in one table per
 * prefix length (agent/policy/chanidx.c).
 */
#ifndef EW_RULES_H
#define EW_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ew.h"
#include "policy/glob.h"
#include "util/jsoncheck.h"

#define EW_RULES_MAX_CHANNELS	256
#define EW_RULES_MAX_EXEMPTIONS 64
#define EW_RULES_MAX_CATS	256 /* distinct category ids named by channels and exemptions */
#define EW_RULES_MAX_COUNTRIES	64  /* of one scope */
#define EW_RULES_MAX_NETS	256 /* of one scope */
#define EW_RULES_MAX_DOMAINS	64  /* of one scope */
#define EW_RULES_MAX_WORKLOADS	32  /* of one scope */
#define EW_RULES_MAX_DATES	512 /* holidays, working weekends */
#define EW_RULES_ID_LEN		64
#define EW_RULES_NO_DATE	INT32_MIN

/* enum ew_class (bpf/ew.h) is 1-based: arrays by class have EW_CLASSES slots, 0 unused. */
#define EW_CLASSES 4

/* What a channel was approved as. */
enum ew_channel_route {
	EW_CHAN_SECURITY_ASSESSMENT,
	EW_CHAN_STANDARD_CONTRACT,
	EW_CHAN_CERTIFICATION
};

/* The nine exemptions; the first three are decided with configured evidence. */
enum ew_exempt_kind {
	EW_EXEMPT_SECURITY_INCIDENT,
	EW_EXEMPT_OTA_DEFECT,
	EW_EXEMPT_RETURNED_ABROAD,
	EW_EXEMPT_CONTRACT,
	EW_EXEMPT_HR,
	EW_EXEMPT_EMERGENCY,
	EW_EXEMPT_FTZ_NEGATIVE_LIST,
	EW_EXEMPT_GBA,
	EW_EXEMPT_NO_PI_TRADE,
	EW_EXEMPT_MAX
};

/* 256 bits: channels in a set, or interned categories. */
struct ew_bits256 {
	uint64_t w[4];
};

static inline bool ew_bits_test(const struct ew_bits256 *b, unsigned int i)
{
	return (b->w[(i >> 6) & 3] >> (i & 63)) & 1;
}

static inline void ew_bits_set(struct ew_bits256 *b, unsigned int i)
{
	b->w[(i >> 6) & 3] |= 1ull << (i & 63);
}

struct ew_rule_net {
	uint64_t hi, lo; /* big-endian halves of the 128-bit form, host bits zero */
	uint8_t prefix;
};

/*
 * Where and what a channel or exemption applies to. Empty lists do not
 * restrict (an exemption without "countries" applies to every country); a
 * channel must name at least one destination and one category.
 */
struct ew_scope {
	struct ew_bits256 cats; /* interned ids in ew_rules.cats */
	uint8_t classes;	/* bit per enum ew_class: the whole class */
	bool has_cats;
	uint16_t *countries; /* owned; 'C' << 8 | 'N' */
	int n_countries;
	struct ew_rule_net *nets; /* owned */
	int n_nets;
	struct ew_glob *domains; /* owned; lowercase */
	int n_domains;
	char (*workloads)[EW_RULES_ID_LEN]; /* owned; workload label names */
	int n_workloads;
};

struct ew_channel {
	char id[EW_RULES_ID_LEN];
	enum ew_channel_route route;
	char reference[128];
	char recipient[128];
	struct ew_scope scope;
	int32_t valid_from, valid_until; /* days since 1970-01-01, both inclusive */
	uint64_t people_cap;		 /* yearly distinct people; 0 with !has_cap */
	bool has_cap;
};

struct ew_exemption {
	char id[EW_RULES_ID_LEN];
	enum ew_exempt_kind kind;
	char reference[128];
	char purpose[256];
	char attested_by[128];
	int32_t filed_on;    /* EW_RULES_NO_DATE when absent */
	int32_t attested_on; /* EW_RULES_NO_DATE when absent */
	struct ew_scope scope;
};

struct ew_thresholds {
	uint64_t pi_standard;	       /* 100,000: standard contract or certification */
	uint64_t pi_assessment;	       /* 1,000,000: security assessment */
	uint64_t sensitive_assessment; /* 10,000: security assessment */
	double warn[2];		       /* 0.8, 0.95 of each threshold */
	char timezone[64];	       /* "Asia/Shanghai": when the year starts */
	int32_t tz_offset;	       /* seconds east of UTC for @timezone */
	bool pi_over_100k_is_important;
	uint64_t exact_crossover; /* 2,000,000: exact counts up to here, then a sketch */
};

struct ew_calendar {
	int32_t *holidays; /* owned, sorted days */
	int n_holidays;
	int32_t *working_weekends; /* owned, sorted days */
	int n_working_weekends;
	int renew_working_days; /* 60 */
};

/* Channel sets by country: sorted by code for a binary search. */
struct ew_cc_chans {
	uint16_t cc;
	struct ew_bits256 chans;
};

/* Channel networks of one prefix length, sorted by network. */
struct ew_net_entry {
	uint64_t hi, lo;
	struct ew_bits256 chans;
};

struct ew_net_level {
	uint8_t prefix;
	uint64_t mhi, mlo;
	struct ew_net_entry *v; /* owned */
	int n;
};

struct ew_chan_index {
	struct ew_bits256 by_route[3]; /* enum ew_channel_route */
	struct ew_bits256 with_domains;
	struct ew_bits256 by_class[EW_CLASSES]; /* channels carrying a whole class */
	struct ew_bits256 *by_cat;		/* owned, [n_cats]: channels naming the id */
	struct ew_cc_chans *cc;			/* owned */
	int n_cc;
	struct ew_net_level *levels; /* owned, longest prefix first */
	int n_levels;
};

struct ew_rules {
	bool ciio;
	struct ew_thresholds th;
	struct ew_calendar cal;
	struct ew_channel *channels; /* owned */
	int n_channels;
	struct ew_exemption *exemptions; /* owned */
	int n_exemptions;
	char (*cats)[32]; /* owned: interned category ids */
	int n_cats;
	struct ew_chan_index idx;
};

/** ew_rules_defaults() - REGULATION.md's numbers, no channels, no exemptions. */
void ew_rules_defaults(struct ew_rules *r);

/** ew_rules_free() - release what parsing allocated; @r keeps its defaults after. */
void ew_rules_free(struct ew_rules *r);

/**
 * ew_rules_parse() - the members "ciio", "channels", "exemptions",
 * "thresholds" and "calendar" of the policy document @doc.
 * With a collector on @jc every error is reported and parsing goes on;
 * warnings (a channel already expired on @today, valid_until before
 * valid_from) go to the collector too.
 * @today: days since 1970-01-01 for expiry warnings, EW_RULES_NO_DATE for none
 * Return: 0, -EINVAL (errors set through @jc) or -ENOMEM.
 */
int ew_rules_parse(struct ew_jc *jc, const cJSON *doc, int32_t today, struct ew_rules *r);

/**
 * ew_rules_index() - build ew_rules.idx from the channels (done by
 * ew_rules_parse(); again after editing channels by hand, as tests do).
 * Return: 0 or -ENOMEM.
 */
int ew_rules_index(struct ew_rules *r);

/** ew_rules_cat_index() - the interned number of category @id, or -1 if no rule names it. */
int ew_rules_cat_index(const struct ew_rules *r, const char *id);

/** ew_rules_class_parse() - "pi", "sensitive_pi", "important_data" to enum ew_class, or -1. */
int ew_rules_class_parse(const char *s);

const char *ew_rules_class_name(enum ew_class c);
const char *ew_rules_chan_route_name(enum ew_channel_route r);
const char *ew_rules_exempt_kind_name(enum ew_exempt_kind k);

/** ew_rules_exempt_attested() - whether @k needs a human attestation (not decidable). */
bool ew_rules_exempt_attested(enum ew_exempt_kind k);

/**
 * ew_rules_date_parse() - "YYYY-MM-DD" (a real date, 1970 to 9999) to days
 * since 1970-01-01.
 * Return: 0 or -EINVAL.
 */
int ew_rules_date_parse(const char *s, int32_t *day);

/** ew_rules_date_format() - @day as "YYYY-MM-DD" into @buf (11 bytes). */
void ew_rules_date_format(int32_t day, char buf[11]);

/**
 * ew_rules_day() - the day (since 1970-01-01) that Unix time @t falls on in
 * the policy's timezone; the people counters' year starts on its 1 January.
 */
int32_t ew_rules_day(const struct ew_rules *r, int64_t t);

/** ew_rules_year() - the calendar year of @day. */
int ew_rules_year(int32_t day);

/** ew_rules_working_day() - whether @day is a working day under the calendar. */
bool ew_rules_working_day(const struct ew_calendar *c, int32_t day);

/**
 * ew_rules_working_days() - working days in (@from, @to]: 0 when @to <= @from.
 * "Renew within 60 working days of expiry" is working_days(today, valid_until)
 * <= renew_working_days.
 */
int ew_rules_working_days(const struct ew_calendar *c, int32_t from, int32_t to);

#endif
