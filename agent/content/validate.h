/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * validate.h - the built-in validators of the content stage: what turns a
 * pattern's match into a regulated identifier, or rejects a look-alike.
 * Rules are those of REGULATION.md's taxonomy table; where a validator is
 * stricter than the table, its comment says so and why ([I]).
 *
 * The identifier validators take exactly the candidate (no surrounding
 * bytes), write its canonical form NUL-terminated into @canon and return the
 * canonical length, 0 when rejected (or when @cap is too small). Untrusted
 * bytes: no allocation, bounded reads only.
 */
#ifndef EW_VALIDATE_H
#define EW_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What each validator's canonical form needs at most, NUL included. */
#define EW_VALID_CANON_MAX 32

/* China's box: REGULATION.md, trajectory. */
#define EW_CN_LON_MIN 72.004
#define EW_CN_LON_MAX 137.8347
#define EW_CN_LAT_MIN 0.8293
#define EW_CN_LAT_MAX 55.8271

enum ew_validator {
	EW_VALID_NONE,
	EW_VALID_VIN,
	EW_VALID_LICENCE_PLATE,
	EW_VALID_MOBILE_NUMBER,
	EW_VALID_ID_NUMBER,
	EW_VALID_LATITUDE,
	EW_VALID_LONGITUDE,
	EW_VALID_COUNT
};

/* Each validator's name, by enum ew_validator, then NULL. */
extern const char *const ew_validator_table[EW_VALID_COUNT + 1];

/** ew_validator_lookup() - the validator called @name ("vin", ...); -1 if none. */
int ew_validator_lookup(const char *name);

/** ew_validator_name() - "vin", "licence_plate", ... "none". */
const char *ew_validator_name(enum ew_validator v);

/** ew_validator_names() - all names, comma-separated and quoted, for messages. */
const char *ew_validator_names(void);

/** ew_validator_names_subject() - whether @v's values name a person (they are counted). */
bool ew_validator_names_subject(enum ew_validator v);

/**
 * ew_valid_vin() - a vehicle identification number.
 *
 * 17 of [A-HJ-NPR-Z0-9] (lower case accepted, canonical is upper case) with
 * the GB 16735 check digit at position 9. Also refused [I]: 17 digits (a
 * number: real WMIs and VDSs carry letters) and a model-year code (position
 * 10) of U, Z or 0, which ISO 3779 never assigns.
 */
size_t ew_valid_vin(const uint8_t *p, size_t n, char *canon, size_t cap);

/**
 * ew_valid_licence_plate() - a Chinese licence plate (GA 36).
 *
 * Province abbreviation in UTF-8 or as a JSON \uXXXX escape, an issuing
 * letter (no I/O), then 5 alphanumerics (no I/O; the last may be
 * 挂学警港澳使领, also escaped) or, new-energy, 6 with an energy letter
 * (D/A/B/C/E/F/G/H/J/K) first or last. An ordinary serial holds at most two
 * letters [I: GA 36 issues no more], so words in capitals are not plates.
 * Canonical form: UTF-8, escapes undone.
 */
size_t ew_valid_licence_plate(const uint8_t *p, size_t n, char *canon, size_t cap);

/** ew_valid_mobile_number() - 11 digits 1[3-9]...; the caller checks the digit-run bounds. */
size_t ew_valid_mobile_number(const uint8_t *p, size_t n, char *canon, size_t cap);

/**
 * ew_valid_id_number() - an 18-character resident identity number: GB/T 2260
 * province prefix, a real calendar date of birth from 1900 to this year, the
 * ISO 7064 MOD 11-2 check character (canonical: upper-case X).
 */
size_t ew_valid_id_number(const uint8_t *p, size_t n, char *canon, size_t cap);

/**
 * ew_valid_latitude() - a JSON number (optionally quoted) with at least 4
 * decimals and at most 3 integer digits, within [-90, 90]; stored in @out.
 */
bool ew_valid_latitude(const uint8_t *p, size_t n, double *out);

/** ew_valid_longitude() - as ew_valid_latitude(), within [-180, 180]. */
bool ew_valid_longitude(const uint8_t *p, size_t n, double *out);

/** ew_valid_in_china() - whether a point lies inside China's box. */
bool ew_valid_in_china(double lat, double lon);

#endif
