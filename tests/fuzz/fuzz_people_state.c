// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for ew_people_load(): arbitrary bytes as a year's state
 * file. No crash, no leak; a file is refused with a reason or taken whole,
 * and what is taken saves and loads back to the same counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verdict/people.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put_file(const char *name, const uint8_t *d, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, d, n) != (ssize_t)n)
		abort();
	close(fd);
}

static void clear(void)
{
	static const char *const names[] = {"people-2026.state", "people-2026.state.prev",
					    "people-2026.state.corrupt", "people-2026.state.tmp"};
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
}

struct sum {
	uint64_t n, total;
};

static void add_up(const struct ew_people_counter *c, void *arg)
{
	struct sum *s = arg;
	struct ew_people_count n;

	ew_people_count(c, &n);
	s->n++;
	s->total += n.estimate;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_people_opts o = {.crossover = 64, .tz = "UTC"};
	struct ew_people *p, *q;
	struct sum s1 = {0}, s2 = {0};
	char err[1024];
	int r;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz-people-%d", (int)getpid());
		mkdir(dir, 0700);
	}
	clear();
	put_file("people-2026.state", data, size);
	if (ew_people_new(&p, &o, err, sizeof(err)))
		abort();
	r = ew_people_load(p, dir, err, sizeof(err));
	if (r == 0) {
		struct ew_people_key k;

		ew_people_foreach(p, add_up, &s1);
		/* One more person in a new counter makes the year dirty: all of it is written. */
		if (ew_people_key(&k, EW_PEOPLE_CHANNEL, "fuzz-new", EW_PEOPLE_PI, false, 2026) ||
		    ew_people_add(ew_people_get(p, &k, true), 0x1234) != 1)
			abort();
		clear();
		if (ew_people_save(p, dir, err, sizeof(err)) ||
		    ew_people_new(&q, &o, err, sizeof(err)))
			abort();
		if (ew_people_load(q, dir, err, sizeof(err)))
			abort();
		ew_people_foreach(q, add_up, &s2);
		if (s1.n + 1 != s2.n || s1.total + 1 != s2.total)
			abort();
		ew_people_free(q);
	} else if (r != -EIO || !strstr(err, "NOT loaded")) {
		abort();
	}
	ew_people_free(p);
	return 0;
}
