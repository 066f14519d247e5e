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

struct ew_jc {
	const char *file;
	char *err;
	size_t errlen;
};

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

#endif
