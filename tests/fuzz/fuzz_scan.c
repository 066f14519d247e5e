// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the scanner and validators: arbitrary bytes through
 * the shipped taxonomy, cut into chunks by the first byte. No crash; every
 * identifier hit is canonical (its validator takes it back unchanged) and
 * every point lies in China's box.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ew_taxonomy *tax;
static struct ew_scanner *scanner;

static void on_hit(void *arg, const struct ew_hit *h)
{
	char canon[EW_VALID_CANON_MAX];
	const uint8_t *v = (const uint8_t *)h->value;
	size_t n = h->value_len, r = 0;
	const char *id = h->cat->id;

	if (!h->value) {
		if (strcmp(id, "trajectory") == 0 && !ew_valid_in_china(h->lat, h->lon))
			abort();
		return;
	}
	if (strcmp(id, "vin") == 0)
		r = ew_valid_vin(v, n, canon, sizeof(canon));
	else if (strcmp(id, "licence_plate") == 0)
		r = ew_valid_licence_plate(v, n, canon, sizeof(canon));
	else if (strcmp(id, "mobile_number") == 0)
		r = ew_valid_mobile_number(v, n, canon, sizeof(canon));
	else if (strcmp(id, "id_number") == 0)
		r = ew_valid_id_number(v, n, canon, sizeof(canon));
	if (r != n || memcmp(canon, v, n) != 0)
		abort();
	++*(size_t *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_scan_stream *st;
	char err[1024];
	size_t hits = 0, step;

	if (!scanner) {
		if (ew_taxonomy_load(EW_FUZZ_TAXONOMY, &tax, err, sizeof(err)) ||
		    ew_scanner_new(tax, &scanner, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
	}
	if (size == 0)
		return 0;
	step = 1 + data[0] % 64;
	st = ew_scan_open(scanner);
	if (!st)
		abort();
	for (size_t at = 1; at < size; at += step)
		if (ew_scan_feed(st, data + at, at + step <= size ? step : size - at, on_hit,
				 &hits))
			abort();
	ew_scan_close(st, on_hit, &hits);
	return 0;
}
