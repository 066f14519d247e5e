// SPDX-License-Identifier: GPL-2.0-only
/*
 * egresswatch classify: the agent's recognisers over files or standard
 * input, as the content stage would run them over a flow's bytes (the
 * first bytes say HTTP request, GB/T 32960, JT/T 808 or raw; bodies are
 * decoded), with counts per category. People are counted as keyed hashes
 * under a key drawn for this run: the counts are the agent's, the hashes
 * are not kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "config/config.h"
#include "content/enums.h"
#include "content/scan.h"
#include "content/stream.h"
#include "content/subject.h"
#include "content/subject_set.h"
#include "content/taxonomy.h"
#include "util/jsonw.h"
#include "util/log.h"

/* Bodies decoded per input at most, as the agent's content.decoded_bytes default. */
#define DECODED_LIMIT (16u << 20)

static const char usage[] =
    "Usage: egresswatch classify [OPTIONS] [FILE...]\n"
    "\n"
    "Run the agent's data-category recognisers over each FILE (standard input\n"
    "when none, or for -) as if it were what one flow sent: an HTTP/1.x request\n"
    "stream (chunked and gzip/deflate bodies decoded, JSON escapes and URL\n"
    "encoding undone), GB/T 32960 or JT/T 808 frames, or raw bytes. Print per\n"
    "input each category found, its class, its validated matches and the\n"
    "distinct people they name.\n"
    "\n"
    "Options:\n"
    "  -t, --taxonomy FILE   the categories and their patterns (default\n"
    "                        " EW_DEFAULT_TAXONOMY ")\n"
    "  -j, --json            one JSON object per input\n"
    "      --show-matches    also print each matched value: personal data, on\n"
    "                        standard output; never use it on records of others\n"
    "                        without a reason\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 classified (whether or not anything matched), 1 an input\n"
    "could not be read, 2 bad option or taxonomy.\n";

struct tally {
	uint64_t matches;
	struct ew_subject_set people;
};

struct classify {
	const struct ew_taxonomy *tax;
	struct tally *t;
	bool show;
};

static void on_hits(void *arg, const struct ew_ev_content_hits *ev)
{
	struct classify *c = arg;
	int i = ew_taxonomy_index(c->tax, ew_taxonomy_find(c->tax, ev->category));

	if (i < 0)
		return;
	c->t[i].matches += ev->matches;
	for (int k = 0; k < ev->n_subjects; k++)
		ew_subject_set_add(&c->t[i].people, ev->subjects[k]);
}

static void on_show(void *arg, const char *category, const char *value, size_t n)
{
	printf("match\t%s\t%.*s\n", category, (int)n, value);
}

static void print_text(const char *name, struct classify *c, uint64_t bytes, int reason)
{
	int found = 0;

	printf("%s: %llu bytes%s%s\n", name, (unsigned long long)bytes,
	       reason ? ", inspection stopped: " : "", reason ? ew_reason_name(reason) : "");
	for (int i = 0; i < ew_taxonomy_count(c->tax); i++) {
		const struct ew_category *cat = ew_taxonomy_get(c->tax, i);

		if (!c->t[i].matches)
			continue;
		found++;
		printf("  %-24s %-15s matches %-8llu people %u%s\n", cat->id,
		       ew_class_name(cat->cls), (unsigned long long)c->t[i].matches,
		       c->t[i].people.count, c->t[i].people.over ? " (at least)" : "");
	}
	if (!found)
		puts("  no category");
}

static void print_json(const char *name, struct classify *c, uint64_t bytes, int reason)
{
	struct ew_jsonw w;

	ew_jsonw_init(&w);
	ew_jsonw_obj_begin(&w, NULL);
	ew_jsonw_str(&w, "file", name);
	ew_jsonw_u64(&w, "bytes", bytes);
	ew_jsonw_obj_begin(&w, "inspection");
	ew_jsonw_str(&w, "status",
		     ew_inspection_name(reason ? EW_INSPECT_TRUNCATED : EW_INSPECT_COMPLETE));
	if (reason)
		ew_jsonw_str(&w, "reason", ew_reason_name(reason));
	ew_jsonw_obj_end(&w);
	ew_jsonw_arr_begin(&w, "categories");
	for (int i = 0; i < ew_taxonomy_count(c->tax); i++) {
		const struct ew_category *cat = ew_taxonomy_get(c->tax, i);

		if (!c->t[i].matches)
			continue;
		ew_jsonw_obj_begin(&w, NULL);
		ew_jsonw_str(&w, "id", cat->id);
		ew_jsonw_str(&w, "class", ew_class_name(cat->cls));
		ew_jsonw_u64(&w, "matches", c->t[i].matches);
		ew_jsonw_u64(&w, "subjects", c->t[i].people.count);
		if (c->t[i].people.over)
			ew_jsonw_bool(&w, "subjects_capped", true);
		ew_jsonw_obj_end(&w);
	}
	ew_jsonw_arr_end(&w);
	ew_jsonw_obj_end(&w);
	printf("%.*s\n", (int)w.len, w.buf);
	ew_jsonw_free(&w);
}

/* One input through one stream. Return: 0, or -errno when it could not be read. */
static int classify_one(const struct ew_stream_env *env, struct classify *c, const char *path,
			bool json)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	static uint8_t buf[EW_CHUNK_MAX];
	struct ew_stream *s;
	uint64_t bytes = 0;
	int reason = 0, n = ew_taxonomy_count(c->tax), rc = 0;
	ssize_t got;

	if (fd < 0) {
		rc = -errno;
		ew_err("%s: %s", path, strerror(errno));
		return rc;
	}
	c->t = calloc((size_t)n, sizeof(*c->t));
	s = c->t ? ew_stream_open(env, 1, EW_DIR_OUT) : NULL;
	if (!s) {
		free(c->t);
		if (fd != STDIN_FILENO)
			close(fd);
		ew_err("%s: out of memory", path);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		ew_subject_set_init(&c->t[i].people, 1u << 24);
	/* Chunks the size the kernel sends, so matches across them are exercised as live. */
	while ((got = read(fd, buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			ew_err("%s: %s", path, strerror(errno));
			break;
		}
		bytes += (uint64_t)got;
		if (!reason)
			reason = -ew_stream_feed(s, buf, (size_t)got, 0);
	}
	ew_stream_close(s, 0);
	if (fd != STDIN_FILENO)
		close(fd);
	if (!rc)
		(json ? print_json : print_text)(path, c, bytes, reason);
	for (int i = 0; i < n; i++)
		ew_subject_set_free(&c->t[i].people);
	free(c->t);
	return rc;
}

int ew_cmd_classify(int argc, char **argv)
{
	enum { OPT_SHOW = 256 };
	static const struct option longs[] = {
	    {"taxonomy", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"show-matches", no_argument, NULL, OPT_SHOW},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *taxonomy = EW_DEFAULT_TAXONOMY;
	struct classify c = {0};
	struct ew_stream_env env = {.decoded_limit = DECODED_LIMIT, .emit = on_hits, .arg = &c};
	struct ew_taxonomy *tax = NULL;
	struct ew_scanner *scanner = NULL;
	struct ew_subject_key key = {0};
	uint8_t rnd[32];
	bool json = false;
	char err[512];
	int opt, status = EW_EXIT_OK;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:jh", longs, NULL)) != -1) {
		switch (opt) {
		case 't':
			taxonomy = optarg;
			break;
		case 'j':
			json = true;
			break;
		case OPT_SHOW:
			c.show = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EW_EXIT_OK;
		default:
			fputs("Try 'egresswatch classify --help'.\n", stderr);
			return EW_EXIT_USAGE;
		}
	}
	if (ew_taxonomy_load(taxonomy, &tax, err, sizeof(err))) {
		ew_err("%s", err);
		return EW_EXIT_USAGE;
	}
	if (ew_scanner_new(tax, &scanner, err, sizeof(err))) {
		ew_err("%s", err);
		ew_taxonomy_free(tax);
		return EW_EXIT_USAGE;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd) ||
	    ew_subject_key_set(&key, rnd, sizeof(rnd))) {
		ew_err("no random bytes for this run's key");
		status = EW_EXIT_FAIL;
		goto out;
	}
	if (c.show) {
		fputs("egresswatch classify: --show-matches prints personal data (identifiers "
		      "as found) on standard output\n",
		      stderr);
		env.show = on_show;
	}
	c.tax = tax;
	env.taxonomy = tax;
	env.scanner = scanner;
	env.key = &key;
	if (optind >= argc && classify_one(&env, &c, "-", json))
		status = EW_EXIT_FAIL;
	for (int i = optind; i < argc; i++)
		if (classify_one(&env, &c, argv[i], json))
			status = EW_EXIT_FAIL;
out:
	ew_subject_key_free(&key);
	ew_scanner_free(scanner);
	ew_taxonomy_free(tax);
	return status;
}
