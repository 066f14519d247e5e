/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * people.h - how many distinct people each legal entity has exported, per
 * category class and calendar year (counted from 1 January in the
 * configured zone, Asia/Shanghai by default), and each channel for its
 * people cap. People arrive as 64-bit keyed hashes; a counter holds them
 * exactly up to a crossover (2,000,000 by default), then as a
 * postgresql-hll HyperLogLog with a stated error band. A new year starts
 * new counters and keeps the old ones, readable and persisted: a threshold
 * crossed last year does not un-trigger on 1 January.
 *
 * State lives in one file per year, STATE_DIR/people-<year>.state, the
 * previous snapshot kept as people-<year>.state.prev (see people_state.c).
 * Not thread-safe: one thread (the verdict stage) adds, counts and saves.
 */
#ifndef EW_PEOPLE_H
#define EW_PEOPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verdict/hll.h"
#include "verdict/tz.h"

#define EW_PEOPLE_CROSSOVER 2000000ull
#define EW_PEOPLE_NAME_MAX  64 /* bytes of an entity name or channel id, with its NUL */
#define EW_PEOPLE_ESTIMATED 2  /* ew_people_add(): counted by the sketch, newness unknown */

enum ew_people_class {
	EW_PEOPLE_PI = 0,
	EW_PEOPLE_SENSITIVE_PI = 1,
	EW_PEOPLE_IMPORTANT_DATA = 2,
	EW_PEOPLE_NCLASS = 3,
};

enum ew_people_scope {
	EW_PEOPLE_ENTITY = 0,  /* a legal entity: the thresholds */
	EW_PEOPLE_CHANNEL = 1, /* an approved channel: its people cap */
};

struct ew_people_key {
	uint8_t scope;	  /* enum ew_people_scope */
	uint8_t cls;	  /* enum ew_people_class */
	uint8_t attested; /* 1: flows under a human-attested exemption, a bucket of their own */
	int32_t year;	  /* calendar year in the configured zone */
	char name[EW_PEOPLE_NAME_MAX];
};

struct ew_people_count {
	uint64_t estimate;
	uint64_t lo; /* == hi == estimate while exact */
	uint64_t hi; /* estimate +- 3 standard errors once estimated */
	bool exact;
	double std_error; /* relative standard error; 0 while exact */
};

struct ew_people_opts {
	uint64_t crossover;	  /* distinct people held exactly; 0: EW_PEOPLE_CROSSOVER */
	const char *tz;		  /* NULL: EW_TZ_DEFAULT */
	const char *zoneinfo_dir; /* NULL: EW_TZ_ZONEINFO_DIR */
};

struct ew_people;
struct ew_people_counter;

/**
 * ew_people_new() - an empty set of counters.
 * Return: 0, -ENOENT or -EINVAL for the zone (@err says why), -ENOMEM.
 */
int ew_people_new(struct ew_people **out, const struct ew_people_opts *o, char *err, size_t errlen);

/** ew_people_free() - free @p and every counter. NULL is fine. */
void ew_people_free(struct ew_people *p);

/** ew_people_year() - the calendar year at @unix_sec (CLOCK_REALTIME seconds) in @p's zone. */
int ew_people_year(const struct ew_people *p, int64_t unix_sec);

/**
 * ew_people_year_boot() - the calendar year at a CLOCK_BOOTTIME instant
 * (the kernel's event timestamps), taken to wall-clock time with the two
 * clocks' difference now: a flow's year is that of when it happened.
 */
int ew_people_year_boot(const struct ew_people *p, uint64_t boot_ns);

/**
 * ew_people_key() - fill @k. @name is an entity name or channel id, 1 to
 * EW_PEOPLE_NAME_MAX - 1 bytes. Return: 0, -EINVAL (bad name or field).
 */
int ew_people_key(struct ew_people_key *k, enum ew_people_scope scope, const char *name,
		  enum ew_people_class cls, bool attested, int year);

/**
 * ew_people_get() - the counter of @k, made empty when @create and it is
 * missing. The pointer stays valid until ew_people_free() or ew_people_load():
 * keep it rather than looking up per hash.
 * Return: the counter, or NULL (missing and !@create, or out of memory).
 */
struct ew_people_counter *ew_people_get(struct ew_people *p, const struct ew_people_key *k,
					bool create);

/**
 * ew_people_add() - count the person @hash.
 * Return: 1 when new, 0 when counted before (exact mode), EW_PEOPLE_ESTIMATED
 * past the crossover (the sketch cannot tell), -ENOMEM (not counted).
 */
int ew_people_add(struct ew_people_counter *c, uint64_t hash);

/**
 * ew_people_add_many() - ew_people_add() for @n hashes (a flow's people of
 * one category), prefetching ahead. @added, if not NULL, receives how many
 * were new (exact mode) or @n once estimated. Return: 0 or -ENOMEM.
 */
int ew_people_add_many(struct ew_people_counter *c, const uint64_t *hash, size_t n,
		       uint64_t *added);

/**
 * ew_people_count() - the count of @c: exact below the crossover; after it
 * the sketch's estimate with lo/hi at +-3 standard errors, lo never below
 * the crossover + 1 people the exact set had seen.
 */
void ew_people_count(const struct ew_people_counter *c, struct ew_people_count *out);

/**
 * ew_people_count_union() - the distinct people of @n counters together:
 * a group's entities rolled up (splitting exports across entities is
 * forbidden), or a class with its attested bucket. Exact when every counter
 * is and the union fits under the crossover of the first; otherwise from
 * the union of their sketches (exact members added), with a +-3 sigma band
 * whose lo is never below the largest exact count among them.
 * Return: 0, -EINVAL (@n is 0), -ENOMEM.
 */
int ew_people_count_union(struct ew_people_counter *const *c, size_t n,
			  struct ew_people_count *out);

/** ew_people_counter_key() - the key @c counts. */
const struct ew_people_key *ew_people_counter_key(const struct ew_people_counter *c);

/** ew_people_foreach() - call @fn for every counter, in creation order. */
void ew_people_foreach(struct ew_people *p,
		       void (*fn)(const struct ew_people_counter *c, void *arg), void *arg);

/**
 * ew_people_save() - write every year with changes since the last save or
 * load to @dir (created 0700; files 0600): each to a temporary file,
 * fsync'd, the current file linked to .prev, the temporary renamed over it,
 * the directory fsync'd. A crash at any point leaves the last complete
 * snapshot readable. Return: 0 or -errno (@err names the file and call).
 */
int ew_people_save(struct ew_people *p, const char *dir, char *err, size_t errlen);

/**
 * ew_people_load() - read every year's file in @dir into @p, which must
 * have no counters. A file that is corrupt or truncated is renamed to
 * people-<year>.state.corrupt and its .prev snapshot loaded instead; @err
 * names each file and what was wrong with it. Leftover temporary files of
 * an interrupted save are removed.
 * Return: 0 (all read, or @dir missing: nothing saved yet), -EBADMSG (some
 * year came from its .prev: counts may lag the crash by one save), -EIO
 * (some year had no good snapshot and is NOT loaded: its counts would
 * restart from zero, so the caller should refuse to start), -EBUSY (@p has
 * counters), other -errno.
 */
int ew_people_load(struct ew_people *p, const char *dir, char *err, size_t errlen);

/* For the crash test: called after the temporary file is complete, before any rename. */
extern void (*ew_people_save_hook)(const char *tmp_path);

#endif
