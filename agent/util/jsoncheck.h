/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jsoncheck.h - table-driven checks of a parsed JSON object, shared by the
 * config and policy loaders so both report errors the same way:
 * "FILE: $.json.path: expected ..., got ...".
 */
#ifndef EW_JSONCHECK_H
#define EW_JSONCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

enum ew_jc_kind { EW_JC_U32, EW_JC_BOOL, EW_JC_STRING, EW_JC_ENUM, EW_JC_OBJECT, EW_JC_ARRAY };

struct ew_jc_field {
	const char *key;
	enum ew_jc_kind kind;
	size_t offset;		  /* into the destination struct; unused for OBJECT/ARRAY */
	uint64_t min, max;	  /* U32 range; STRING: max = buffer size */
	const char *const *enums; /* ENUM: NULL-terminated names; stored as int index */
};

/* One problem found in a file: every one is kept when a collector is set. */
struct ew_jc_diag {
	char path[192]; /* JSON path, like $.channels[2].valid_until; "" for the file */
	char msg[512];	/* what was expected, control characters escaped */
	bool warning;
};

/*
 * A collector: with one set, ew_jc_fail() records the error and callers go
 * on checking what they can, so a file with five mistakes reports five.
 * The first error also stays in the error buffer for one-line callers.
 */
struct ew_jc_diags {
	struct ew_jc_diag *v; /* owned */
	int n, cap;
	int n_errors, n_warnings;
	int dropped; /* past EW_JC_MAX_DIAGS */
};

#define EW_JC_MAX_DIAGS 1000

struct ew_jc {
	const char *file;
	char *err;
	size_t errlen;
	struct ew_jc_diags *diags; /* NULL: stop at the first error */
};

/** ew_jc_warn() - record a warning at @path when a collector is set (else nothing). */
void ew_jc_warn(struct ew_jc *jc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** ew_jc_diags_free() - release what the collector holds; it is empty after. */
void ew_jc_diags_free(struct ew_jc_diags *d);

/**
 * ew_jc_diags_join() - every error as "FILE: PATH: message" lines into @buf
 * (truncated with "..." when it does not fit).
 */
void ew_jc_diags_join(const struct ew_jc_diags *d, const char *file, char *buf, size_t len);

/**
 * ew_jc_fail() - format "FILE: PATH: message" into the error buffer; returns -EINVAL.
 * Control characters in the message (keys and values quoted from the file)
 * come out as \xNN, so that printing it cannot drive the terminal.
 */
int ew_jc_fail(struct ew_jc *jc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * ew_jc_has_control() - whether @s holds an ASCII control character (or DEL).
 * Strings that name files are refused with one: every message quoting them
 * would carry it.
 */
bool ew_jc_has_control(const char *s);

/**
 * ew_jc_apply() - check every member of @obj against @fields and store it.
 * @path: JSON path of @obj ("$" at the top), for messages
 *
 * Unknown keys are errors (a typo must not silently fall back to a default).
 * OBJECT and ARRAY members are only type-checked; the caller descends.
 * Return: 0 or -EINVAL with the error set.
 */
int ew_jc_apply(struct ew_jc *jc, const cJSON *obj, const char *path,
		const struct ew_jc_field *fields, size_t n, void *dst);

/**
 * ew_jc_parse_file() - read @path and parse it as JSON.
 * Only a regular file is read: a FIFO, a device or a directory is refused
 * (-EINVAL, the message says what it is) without blocking.
 * Return: the document, or NULL with the error set (and *rc = -errno).
 */
cJSON *ew_jc_parse_file(struct ew_jc *jc, const char *path, int *rc);

/** ew_jc_parse_text() - parse @text; a syntax error names line and column. */
cJSON *ew_jc_parse_text(struct ew_jc *jc, const char *text);

/**
 * ew_jc_load() - parse a file (@text NULL: read @name) or a string, then
 * hand the document to @apply. One path for config and policy so both
 * report errors alike.
 * Return: 0 or -errno with "NAME: ..." in @err.
 */
int ew_jc_load(const char *name, const char *text,
	       int (*apply)(struct ew_jc *jc, const cJSON *doc, void *dst), void *dst, char *err,
	       size_t errlen);

/**
 * ew_jc_load_diags() - ew_jc_load() collecting every error and warning in
 * @diags (a parse or read error is one diagnostic with an empty path).
 */
int ew_jc_load_diags(const char *name, const char *text,
		     int (*apply)(struct ew_jc *jc, const cJSON *doc, void *dst), void *dst,
		     struct ew_jc_diags *diags, char *err, size_t errlen);

#endif
