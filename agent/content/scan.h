/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scan.h - the recognisers of the content stage: one Hyperscan database in
 * streaming mode for every pattern of every category of a taxonomy, and the
 * built-in validator of each pattern run on each match. A stream is one
 * flow direction's decoded bytes, fed in chunks as they come; a match that
 * spans chunks is found, and its validator sees the whole candidate because
 * each stream keeps the last EW_TAXONOMY_MAX_WIDTH (at most) bytes it saw.
 *
 * Hits:
 * - identifier validators (vin, licence_plate, mobile_number, id_number):
 *   one hit per validated value, with its canonical form;
 * - latitude/longitude: a coordinate only becomes a hit, a trajectory point,
 *   when a latitude and a longitude of the same category follow each other
 *   in the stream (no other coordinate between, at most EW_SCAN_PAIR_GAP
 *   bytes apart) and the point lies in China's box. Whether a flow's points
 *   make a trajectory (struct ew_category.min_points) is the caller's call;
 * - none: every match of the pattern.
 * Two patterns of one category that match the same bytes give one hit.
 *
 * A scanner owns one Hyperscan scratch: use it, and its streams, from one
 * thread (one scanner per thread).
 */
#ifndef EW_SCAN_H
#define EW_SCAN_H

#include <stddef.h>

#include "content/taxonomy.h"

/* Bytes between the end of a latitude and of its longitude, or back. */
#define EW_SCAN_PAIR_GAP 256

struct ew_hit {
	const struct ew_category *cat;
	const char *value; /* canonical value for subject-naming validators, else NULL */
	size_t value_len;  /* valid only during the callback */
	double lat, lon;   /* a trajectory point */
};

typedef void (*ew_hit_fn)(void *arg, const struct ew_hit *h);

struct ew_scanner;
struct ew_scan_stream;

/**
 * ew_scanner_new() - compile every recogniser of @t into one database.
 * @t: must outlive the scanner (hits point at its categories)
 * Return: 0; -EINVAL with the category and Hyperscan's message in @err;
 * -ENOMEM.
 */
int ew_scanner_new(const struct ew_taxonomy *t, struct ew_scanner **out, char *err, size_t errlen);

/** ew_scanner_free() - free a scanner whose streams are all closed; NULL is a no-op. */
void ew_scanner_free(struct ew_scanner *s);

/** ew_scanner_stream_size() - bytes one open stream holds (Hyperscan's state and the tail). */
size_t ew_scanner_stream_size(const struct ew_scanner *s);

/** ew_scan_open() - a stream for one flow direction; NULL when out of memory. */
struct ew_scan_stream *ew_scan_open(struct ew_scanner *s);

/**
 * ew_scan_feed() - scan the next @n bytes of the stream.
 * @fn: called for each hit found so far (some are only known once the next
 *      byte, or the end of the stream, has been seen)
 * Return: 0, or -EIO when Hyperscan failed (the stream is unusable).
 */
int ew_scan_feed(struct ew_scan_stream *st, const void *p, size_t n, ew_hit_fn fn, void *arg);

/**
 * ew_scan_close() - end the stream: report the hits that waited for its
 * end (@fn may be NULL to drop them), then free it. NULL is a no-op.
 */
void ew_scan_close(struct ew_scan_stream *st, ew_hit_fn fn, void *arg);

#endif
