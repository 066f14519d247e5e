// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the taxonomy loader: arbitrary bytes as a taxonomy
 * file. No crash, no leak; an error names the file; a taxonomy that loads
 * has sane categories and compiles into a scanner that scans the input.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void cleanup(void)
{
	unlink(path);
}

static void on_hit(void *arg, const struct ew_hit *h)
{
	if (!h->cat || !h->cat->id[0] || (h->value && h->value_len >= EW_VALID_CANON_MAX))
		abort();
	++*(size_t *)arg;
}

static void check(const struct ew_taxonomy *t, const uint8_t *data, size_t size)
{
	struct ew_scanner *s = NULL;
	struct ew_scan_stream *st;
	char err[1024];
	size_t hits = 0;

	if (ew_taxonomy_count(t) > EW_TAXONOMY_MAX_CATEGORIES)
		abort();
	for (int i = 0; i < ew_taxonomy_count(t); i++) {
		const struct ew_category *c = ew_taxonomy_get(t, i);

		if (strlen(c->id) >= EW_TAXONOMY_ID_MAX || ew_taxonomy_find(t, c->id) != c ||
		    c->n_recognisers > EW_TAXONOMY_MAX_RECOGNISERS || c->min_points == 0)
			abort();
		for (int j = 0; j < c->n_recognisers; j++)
			if (c->recognisers[j].max_width > EW_TAXONOMY_MAX_WIDTH ||
			    c->recognisers[j].validator >= EW_VALID_COUNT)
				abort();
	}
	/* Patterns that pass one by one may still fail together: an error, not a crash. */
	if (ew_scanner_new(t, &s, err, sizeof(err)))
		return;
	st = ew_scan_open(s);
	if (st) {
		ew_scan_feed(st, data, size / 2, on_hit, &hits);
		ew_scan_feed(st, data + size / 2, size - size / 2, on_hit, &hits);
		ew_scan_close(st, on_hit, &hits);
	}
	ew_scanner_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_taxonomy *t = NULL;
	char err[1024];
	int fd, rc;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/ew-fuzz-taxonomy-%d.json", (int)getpid());
		atexit(cleanup);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	err[0] = '\0';
	rc = ew_taxonomy_load(path, &t, err, sizeof(err));
	if (rc == 0) {
		check(t, data, size);
		ew_taxonomy_free(t);
	} else if (t || strncmp(err, path, strlen(path)) != 0) {
		abort();
	}
	return 0;
}
