// SPDX-License-Identifier: GPL-2.0-only
/*
 * Precision and recall of the shipped taxonomy's recognisers on the labelled
 * corpus (tests/data/corpus, written by its gen_corpus.py): each line is
 * "LABELS<TAB>TEXT", scanned as one stream cut in two at a line-dependent
 * offset. A line is detected for a category when it gives a hit of it (a
 * trajectory: min_points points). Printed per category; both >= 0.99.
 * EW_CORPUS_VERBOSE=1 prints the lines it got wrong (synthetic values).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "content/scan.h"

#define MAX_CATS 64

struct line_hits {
	const struct ew_taxonomy *t;
	int n[MAX_CATS];
};

struct tally {
	long tp, fp, fn;
};

static int cat_index(const struct ew_taxonomy *t, const struct ew_category *c)
{
	for (int i = 0; i < ew_taxonomy_count(t); i++)
		if (ew_taxonomy_get(t, i) == c)
			return i;
	return -1;
}

static void count(void *arg, const struct ew_hit *h)
{
	struct line_hits *lh = arg;
	int i = cat_index(lh->t, h->cat);

	cr_assert_geq(i, 0);
	lh->n[i]++;
}

static bool labelled(const char *labels, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = labels; (p = strstr(p, id)); p += n)
		if ((p == labels || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

static void scan_file(struct ew_scanner *s, const struct ew_taxonomy *t, const char *path,
		      struct tally *tl, long *lines)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;

	cr_assert(f, "%s", path);
	while ((len = getline(&buf, &cap, f)) > 0) {
		struct line_hits lh = {.t = t};
		struct ew_scan_stream *st;
		char *tab = strchr(buf, '\t');
		size_t n, cut;

		cr_assert(tab, "%s: line without a tab", path);
		*tab = '\0';
		n = (size_t)len - (size_t)(tab + 1 - buf);
		if (n && tab[n] == '\n')
			n--;
		cut = n ? (size_t)(*lines * 7919) % n : 0;
		st = ew_scan_open(s);
		cr_assert(st);
		cr_assert_eq(ew_scan_feed(st, tab + 1, cut, count, &lh), 0);
		cr_assert_eq(ew_scan_feed(st, tab + 1 + cut, n - cut, count, &lh), 0);
		ew_scan_close(st, count, &lh);
		for (int i = 0; i < ew_taxonomy_count(t); i++) {
			const struct ew_category *c = ew_taxonomy_get(t, i);
			bool want = labelled(buf, c->id);
			bool got =
			    c->n_recognisers && c->recognisers[0].validator == EW_VALID_LATITUDE
				? lh.n[i] >= (int)c->min_points
				: lh.n[i] > 0;

			if (want != got && getenv("EW_CORPUS_VERBOSE"))
				printf("%s %s: %s\t%.*s\n", want ? "missed" : "false", c->id, buf,
				       (int)n, tab + 1);
			tl[i].tp += want && got;
			tl[i].fp += !want && got;
			tl[i].fn += want && !got;
		}
		(*lines)++;
	}
	free(buf);
	fclose(f);
}

Test(corpus, precision_and_recall)
{
	static const char *const files[] = {"vin",	 "licence_plate", "mobile_number",
					    "id_number", "trajectory",	  "mixed"};
	const char *root = getenv("EW_SOURCE_ROOT");
	struct tally tl[MAX_CATS] = {0};
	struct ew_taxonomy *t = NULL;
	struct ew_scanner *s = NULL;
	char path[4096], err[1024];
	long lines = 0;
	int checked = 0;

	if (!root)
		root = ".";
	snprintf(path, sizeof(path), "%s/deploy/taxonomy.json", root);
	cr_assert_eq(ew_taxonomy_load(path, &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_leq(ew_taxonomy_count(t), MAX_CATS);
	cr_assert_eq(ew_scanner_new(t, &s, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/tests/data/corpus/%s.tsv", root, files[i]);
		scan_file(s, t, path, tl, &lines);
	}
	printf("corpus: %ld lines\n%-16s %6s %6s %6s %9s %9s\n", lines, "category", "tp", "fp",
	       "fn", "precision", "recall");
	for (int i = 0; i < ew_taxonomy_count(t); i++) {
		const struct ew_category *c = ew_taxonomy_get(t, i);
		double p, r;

		if (!c->n_recognisers)
			continue;
		p = tl[i].tp + tl[i].fp ? (double)tl[i].tp / (double)(tl[i].tp + tl[i].fp) : 0;
		r = tl[i].tp + tl[i].fn ? (double)tl[i].tp / (double)(tl[i].tp + tl[i].fn) : 0;
		printf("%-16s %6ld %6ld %6ld %9.4f %9.4f\n", c->id, tl[i].tp, tl[i].fp, tl[i].fn, p,
		       r);
		cr_expect_geq(p, 0.99, "%s: precision %.4f", c->id, p);
		cr_expect_geq(r, 0.99, "%s: recall %.4f", c->id, r);
		cr_assert_geq(tl[i].tp, 300, "%s: too few positives in the corpus", c->id);
		checked++;
	}
	cr_assert_eq(checked, 5);
	fflush(stdout);
	ew_scanner_free(s);
	ew_taxonomy_free(t);
}
