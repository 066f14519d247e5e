/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * names.h - interned names (peers' names, AS names), reference counted.
 *
 * Thousands of flows and cache entries share a few hundred names; each
 * holds a 24-bit id instead of a copy, which keeps struct ew_flow and the
 * geolocation cache entries small. An id lives while any holder has a
 * reference.
 */
#ifndef EW_NAMES_H
#define EW_NAMES_H

#include <stdint.h>

#define EW_NAMES_MAX ((1u << 24) - 1) /* ids fit 24 bits; 0 is "no name" */

struct ew_names;

struct ew_names *ew_names_new(void);
void ew_names_free(struct ew_names *n);

/**
 * ew_names_get() - the id of @name (NUL-terminated, at most 253 characters),
 * interning it if new, with one reference for the caller.
 * Return: the id, or 0 when memory or ids ran out.
 */
uint32_t ew_names_get(struct ew_names *n, const char *name);

/** ew_names_find() - the id of @name if interned, else 0; takes no reference. */
uint32_t ew_names_find(const struct ew_names *n, const char *name);

void ew_names_ref(struct ew_names *n, uint32_t id);
/** ew_names_put() - drop a reference; the last one frees the name. 0 is fine. */
void ew_names_put(struct ew_names *n, uint32_t id);

/** ew_names_str() - the name of a live @id, "" for 0. */
const char *ew_names_str(const struct ew_names *n, uint32_t id);

/** ew_names_count() - names alive. */
uint32_t ew_names_count(const struct ew_names *n);

#endif
