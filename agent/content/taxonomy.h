/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * taxonomy.h - the data categories of REGULATION.md as data
 * (deploy/taxonomy.json, schemas/taxonomy.schema.json): ids, names, class,
 * and the recognisers (a Hyperscan pattern and a built-in validator) that
 * find them in a flow's bytes. A customer adds a category, or a pattern with
 * a built-in validator, by editing the file: no rebuild.
 *
 * Patterns are byte-oriented Hyperscan expressions (no HS_FLAG_UTF8: write a
 * multi-byte character as a literal or in an alternation, not in a class)
 * and must be of bounded width, at most EW_TAXONOMY_MAX_WIDTH bytes: the
 * scanner keeps that many bytes of each stream so that a validator sees the
 * whole candidate of a match that spans chunks. A pattern for an identifier
 * validator must END with the identifier: Hyperscan's streaming mode gives
 * the end of a match only, and the validator reads the value backwards from
 * there.
 */
#ifndef EW_TAXONOMY_H
#define EW_TAXONOMY_H

#include <stdbool.h>
#include <stddef.h>

#include "content/validate.h"
#include "ew.h"

#define EW_TAXONOMY_MAX_WIDTH	       256
#define EW_TAXONOMY_MAX_CATEGORIES     256
#define EW_TAXONOMY_MAX_RECOGNISERS    32 /* per category */
#define EW_TAXONOMY_ID_MAX	       32 /* bytes, NUL included */
#define EW_TAXONOMY_DEFAULT_MIN_POINTS 5

struct ew_recogniser {
	const char *pattern;
	enum ew_validator validator;
	unsigned max_width; /* bytes, from Hyperscan's analysis of the pattern */
};

struct ew_category {
	const char *id; /* [a-z0-9_], at most 31 bytes */
	const char *name_zh;
	const char *name_en;
	enum ew_class cls;
	bool subjects;	     /* its values name people: counted as keyed hashes */
	unsigned min_points; /* coordinate pairs that make a trajectory */
	const struct ew_recogniser *recognisers;
	int n_recognisers; /* 0: known by workload or destination only */
};

struct ew_taxonomy;

/**
 * ew_taxonomy_load() - read and check a taxonomy file.
 * @path: a regular file (a FIFO or directory is refused without blocking)
 * @out: receives the taxonomy, to be freed with ew_taxonomy_free()
 * @err: receives "FILE: $.json.path: what was expected" on failure
 *
 * Every pattern is checked with Hyperscan (its compile error is quoted) and
 * must have a bounded width of at most EW_TAXONOMY_MAX_WIDTH bytes.
 * Return: 0, -EINVAL (bad content, message in @err), -ENOMEM or another
 * -errno from reading.
 */
int ew_taxonomy_load(const char *path, struct ew_taxonomy **out, char *err, size_t errlen);

/** ew_taxonomy_parse() - as ew_taxonomy_load() on @text; @name names it in messages. */
int ew_taxonomy_parse(const char *name, const char *text, struct ew_taxonomy **out, char *err,
		      size_t errlen);

/** ew_taxonomy_free() - free a taxonomy; NULL is a no-op. */
void ew_taxonomy_free(struct ew_taxonomy *t);

/** ew_taxonomy_count() - number of categories, in file order. */
int ew_taxonomy_count(const struct ew_taxonomy *t);

/** ew_taxonomy_get() - the @i-th category; NULL when out of range. */
const struct ew_category *ew_taxonomy_get(const struct ew_taxonomy *t, int i);

/** ew_taxonomy_index() - the position of @c, one of @t's categories, in file order; -1 if not. */
int ew_taxonomy_index(const struct ew_taxonomy *t, const struct ew_category *c);

/** ew_taxonomy_find() - the category called @id; NULL if none. */
const struct ew_category *ew_taxonomy_find(const struct ew_taxonomy *t, const char *id);

#endif
