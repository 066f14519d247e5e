// SPDX-License-Identifier: GPL-2.0-only
/* Saving and loading the yearly counters: round trip, crash mid-save, damaged files, size. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "verdict/people.h"

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static char root[64], dir[128];

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/ew-people-XXXXXX");
	cr_assert(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/state", root);
}

static void teardown(void)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

static struct ew_people *mk(uint64_t crossover)
{
	struct ew_people_opts o = {.crossover = crossover};
	struct ew_people *p;
	char err[256];

	cr_assert_eq(ew_people_new(&p, &o, err, sizeof(err)), 0, "%s", err);
	return p;
}

static struct ew_people_counter *ctr(struct ew_people *p, const char *name, int cls, int year,
				     bool create)
{
	struct ew_people_key k;

	cr_assert_eq(ew_people_key(&k, EW_PEOPLE_ENTITY, name, cls, false, year), 0);
	return ew_people_get(p, &k, create);
}

static uint64_t count(struct ew_people *p, const char *name, int cls, int year)
{
	struct ew_people_counter *c = ctr(p, name, cls, year, false);
	struct ew_people_count n;

	cr_assert_not_null(c, "%s/%d/%d missing", name, cls, year);
	ew_people_count(c, &n);
	return n.estimate;
}

static void fill(struct ew_people *p, const char *name, int cls, int year, int n, uint64_t seed)
{
	struct ew_people_counter *c = ctr(p, name, cls, year, true);

	for (int i = 0; i < n; i++)
		cr_assert_geq(ew_people_add(c, splitmix(&seed)), 0);
}

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

Test(people_state, round_trip, .init = setup, .fini = teardown)
{
	struct ew_people *p = mk(5000), *q = mk(5000);
	char err[512], path[256];
	struct stat st;

	fill(p, "A", EW_PEOPLE_PI, 2025, 3000, 1);
	fill(p, "A", EW_PEOPLE_PI, 2026, 20000, 2); /* past the crossover: a sketch */
	fill(p, "B", EW_PEOPLE_SENSITIVE_PI, 2026, 17, 3);
	ctr(p, "C", EW_PEOPLE_IMPORTANT_DATA, 2026, true); /* empty, but seen */
	cr_assert_eq(ew_people_save(p, dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700);
	path_of(path, sizeof(path), "people-2026.state");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);

	/* Files not named people-YYYY.state are not ours: left alone, not errors. */
	static const char *const stray[] = {"people--123.state", "people-20x6.state", "notes.txt",
					    "people-12345.state"};

	for (size_t i = 0; i < sizeof(stray) / sizeof(stray[0]); i++) {
		path_of(path, sizeof(path), stray[i]);
		FILE *f = fopen(path, "w");

		cr_assert(f && fputs("junk", f) >= 0 && !fclose(f));
	}
	cr_assert_eq(ew_people_load(q, dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(count(q, "A", EW_PEOPLE_PI, 2025), 3000);
	cr_assert_eq(count(q, "A", EW_PEOPLE_PI, 2026), count(p, "A", EW_PEOPLE_PI, 2026));
	cr_assert_eq(count(q, "B", EW_PEOPLE_SENSITIVE_PI, 2026), 17);
	cr_assert_eq(count(q, "C", EW_PEOPLE_IMPORTANT_DATA, 2026), 0);
	/* The same people again are not new after a restart. */
	uint64_t s = 1;

	cr_assert_eq(ew_people_add(ctr(q, "A", EW_PEOPLE_PI, 2025, false), splitmix(&s)), 0);
	cr_assert_eq(ew_people_load(q, dir, err, sizeof(err)), -EBUSY);
	ew_people_free(q);

	/* A missing directory is a first start, not an error. */
	q = mk(0);
	cr_assert_eq(ew_people_load(q, "/tmp/ew-people-none", err, sizeof(err)), 0);
	ew_people_free(q);
	ew_people_free(p);
}

static void die_before_rename(const char *tmp)
{
	(void)tmp;
	kill(getpid(), SIGKILL);
}

/* A save killed after its temporary file is written, before the rename. */
Test(people_state, crash_mid_save, .init = setup, .fini = teardown)
{
	struct ew_people *p = mk(0), *q = mk(0);
	char err[512], path[256];
	struct stat st;
	int status;
	pid_t pid;

	fill(p, "A", EW_PEOPLE_PI, 2026, 1000, 1);
	cr_assert_eq(ew_people_save(p, dir, err, sizeof(err)), 0, "%s", err);
	fill(p, "A", EW_PEOPLE_PI, 2026, 500, 99);
	pid = fork();
	if (pid == 0) {
		ew_people_save_hook = die_before_rename;
		ew_people_save(p, dir, err, sizeof(err));
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	path_of(path, sizeof(path), "people-2026.state.tmp");
	cr_assert_eq(stat(path, &st), 0, "the killed save left its temporary file");

	cr_assert_eq(ew_people_load(q, dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(count(q, "A", EW_PEOPLE_PI, 2026), 1000); /* the last complete state */
	cr_assert_neq(stat(path, &st), 0, "the temporary file is removed");
	ew_people_free(q);

	/* A truncated temporary file of some other crash is ignored the same way. */
	int fd = open(path, O_WRONLY | O_CREAT, 0600);

	cr_assert_eq(write(fd, "EWPEOP", 6), 6);
	close(fd);
	q = mk(0);
	cr_assert_eq(ew_people_load(q, dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(count(q, "A", EW_PEOPLE_PI, 2026), 1000);
	ew_people_free(q);
	ew_people_free(p);
}

/* A damaged current file: named, kept aside, and the .prev snapshot loaded. */
Test(people_state, damaged_file_falls_back, .init = setup, .fini = teardown)
{
	struct ew_people *p = mk(2000), *q;
	char err[1024], path[256], bad[256];
	struct stat st;

	fill(p, "A", EW_PEOPLE_PI, 2026, 1000, 1);
	fill(p, "A", EW_PEOPLE_SENSITIVE_PI, 2026, 3000, 5); /* a sketch too */
	cr_assert_eq(ew_people_save(p, dir, err, sizeof(err)), 0, "%s", err);
	fill(p, "A", EW_PEOPLE_PI, 2026, 10, 77);
	cr_assert_eq(ew_people_save(p, dir, err, sizeof(err)), 0, "%s", err);
	path_of(path, sizeof(path), "people-2026.state");
	path_of(bad, sizeof(bad), "people-2026.state.corrupt");
	cr_assert_eq(stat(path, &st), 0);

	/* Every truncation, and a flipped byte at several places. */
	for (off_t cut = 0; cut < st.st_size; cut += st.st_size / 37 + 1) {
		char cmd[1400];

		snprintf(cmd, sizeof(cmd), "cp '%s.prev' '%s.keep' && cp '%s' '%s.full'", path,
			 path, path, path);
		cr_assert_eq(system(cmd), 0);
		cr_assert_eq(truncate(path, cut), 0);
		q = mk(2000);
		err[0] = 0;
		cr_assert_eq(ew_people_load(q, dir, err, sizeof(err)), -EBADMSG, "cut %ld: %s",
			     (long)cut, err);
		cr_assert(strstr(err, "people-2026.state: ") && strstr(err, ".prev"), "%s", err);
		cr_assert_eq(count(q, "A", EW_PEOPLE_PI, 2026), 1000);
		cr_assert_eq(stat(bad, &st), 0, "the bad file is kept");
		ew_people_free(q);
		snprintf(cmd, sizeof(cmd), "mv '%s.full' '%s' && mv '%s.keep' '%s.prev'", path,
			 path, path, path);
		cr_assert_eq(system(cmd), 0);
		cr_assert_eq(stat(path, &st), 0);
	}
	int fd = open(path, O_RDWR);
	uint8_t b;

	cr_assert_eq(pread(fd, &b, 1, 100), 1);
	b ^= 0x40;
	cr_assert_eq(pwrite(fd, &b, 1, 100), 1);
	close(fd);
	q = mk(2000);
	err[0] = 0;
	cr_assert_eq(ew_people_load(q, dir, err, sizeof(err)), -EBADMSG);
	printf("people_state: flipped byte: %s\n", err);
	cr_assert_eq(count(q, "A", EW_PEOPLE_PI, 2026), 1000);
	/* Saving again writes the good state back over the damaged one. */
	cr_assert_eq(ew_people_save(q, dir, err, sizeof(err)), 0, "%s", err);
	ew_people_free(q);
	q = mk(2000);
	cr_assert_eq(ew_people_load(q, dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(count(q, "A", EW_PEOPLE_PI, 2026), 1000);
	ew_people_free(q);

	/* Both bad: the year is not loaded, loudly, never silently from zero. */
	cr_assert_eq(truncate(path, 30), 0);
	char prev[300];

	snprintf(prev, sizeof(prev), "%s.prev", path);
	cr_assert_eq(truncate(prev, 50), 0);
	q = mk(2000);
	err[0] = 0;
	cr_assert_eq(ew_people_load(q, dir, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "NOT loaded"), "%s", err);
	printf("people_state: both bad: %s\n", err);
	cr_assert_null(ctr(q, "A", EW_PEOPLE_PI, 2026, false));
	ew_people_free(q);
	ew_people_free(p);
}

/* Ten counters a year in sketch form, five years: under 2 MiB, .prev files included. */
Test(people_state, size_on_disk, .init = setup, .fini = teardown)
{
	struct ew_people *p = mk(1000);
	char err[512], path[600];
	struct dirent *de;
	uint64_t bytes = 0, blocks = 0;
	DIR *d;

	for (int y = 2022; y < 2027; y++)
		for (int i = 0; i < 10; i++) {
			char name[8];

			snprintf(name, sizeof(name), "E%d", i);
			fill(p, name, i % 3, y, 20000, (uint64_t)(y * 100 + i));
		}
	cr_assert_eq(ew_people_save(p, dir, err, sizeof(err)), 0, "%s", err);
	fill(p, "E0", 0, 2026, 10, 5);
	cr_assert_eq(ew_people_save(p, dir, err, sizeof(err)), 0, "%s", err);
	d = opendir(dir);
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		cr_assert_eq(stat(path, &st), 0);
		bytes += (uint64_t)st.st_size;
		blocks += (uint64_t)st.st_blocks * 512;
	}
	closedir(d);
	printf("people_state: 10 sketches x 5 years: %lu bytes (%lu on disk)\n", bytes, blocks);
	cr_assert_leq(blocks, 2u << 20);
	cr_assert_geq(bytes, 50 * 10243);
	ew_people_free(p);
}
