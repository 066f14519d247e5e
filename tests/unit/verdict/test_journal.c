// SPDX-License-Identifier: GPL-2.0-only
/* The people journal: round trip, replay twice, torn and corrupt tails, reset. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "verdict/journal.h"
#include "verdict/people.h"

static char root[64], dir[128], path[160];

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/ew-journal-XXXXXX");
	cr_assert(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/state", root);
	snprintf(path, sizeof(path), "%s/%s", dir, EW_JOURNAL_FILE);
}

static void teardown(void)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(journal, .init = setup, .fini = teardown);

static struct ew_people *mk(void)
{
	struct ew_people_opts o = {0};
	struct ew_people *p;
	char err[256];

	cr_assert_eq(ew_people_new(&p, &o, err, sizeof(err)), 0, "%s", err);
	return p;
}

static struct ew_people_key key(enum ew_people_scope scope, const char *name, int cls, int year)
{
	struct ew_people_key k;

	cr_assert_eq(ew_people_key(&k, scope, name, cls, false, year), 0);
	return k;
}

static uint64_t count(struct ew_people *p, enum ew_people_scope scope, const char *name, int cls,
		      int year)
{
	struct ew_people_key k = key(scope, name, cls, year);
	struct ew_people_counter *c = ew_people_get(p, &k, false);
	struct ew_people_count n;

	if (!c)
		return 0;
	ew_people_count(c, &n);
	cr_assert(n.exact);
	return n.estimate;
}

/* 100 people of entity "acme" 2026 PI, 10 of them also channel "sc-us", 5 in 2025 sensitive. */
static void write_some(void)
{
	struct ew_people_key pi = key(EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_PI, 2026),
			     ch = key(EW_PEOPLE_CHANNEL, "sc-us", EW_PEOPLE_PI, 2026),
			     se = key(EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_SENSITIVE_PI, 2025);
	struct ew_journal *j;
	char err[256] = "";

	cr_assert_eq(ew_journal_open(&j, dir, err, sizeof(err)), 0, "%s", err);
	for (uint64_t h = 1; h <= 100; h++) {
		cr_assert_eq(ew_journal_add(j, &pi, h * 0x9e3779b97f4a7c15ull), 0);
		if (h <= 10)
			cr_assert_eq(ew_journal_add(j, &ch, h * 0x9e3779b97f4a7c15ull), 0);
		if (h <= 5)
			cr_assert_eq(ew_journal_add(j, &se, h), 0);
		/* a sync now and then, as the stage does once per drain */
		if (h % 7 == 0)
			cr_assert_eq(ew_journal_sync(j), 0);
	}
	cr_assert_gt(ew_journal_pending(j), 0);
	cr_assert_eq(ew_journal_sync(j), 0);
	cr_assert_eq(ew_journal_pending(j), 0);
	ew_journal_free(j);
}

static off_t size_of(void)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

Test(journal, round_trip_and_mode)
{
	struct ew_journal_replay st;
	struct ew_people *p = mk();
	char err[256] = "";
	struct stat sd;

	write_some();
	cr_assert_eq(size_of(), 115 * EW_JOURNAL_ENTRY);
	cr_assert_eq(stat(path, &sd), 0);
	cr_assert_eq(sd.st_mode & 0777, 0600);
	cr_assert_eq(stat(dir, &sd), 0);
	cr_assert_eq(sd.st_mode & 0777, 0700);
	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(st.entries, 115);
	cr_assert_eq(st.added, 115);
	cr_assert_eq(st.cut_bytes, 0);
	cr_assert_eq(count(p, EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_PI, 2026), 100);
	cr_assert_eq(count(p, EW_PEOPLE_CHANNEL, "sc-us", EW_PEOPLE_PI, 2026), 10);
	cr_assert_eq(count(p, EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_SENSITIVE_PI, 2025), 5);
	ew_people_free(p);
}

/* Counters are sets: replaying into a snapshot that has them already adds nothing. */
Test(journal, replay_is_idempotent)
{
	struct ew_journal_replay st;
	struct ew_people *p = mk();
	char err[256] = "";

	write_some();
	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(st.entries, 115);
	cr_assert_eq(st.added, 0);
	cr_assert_eq(count(p, EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_PI, 2026), 100);
	/* through a snapshot: saved, loaded fresh, the journal replayed on top */
	cr_assert_eq(ew_people_save(p, dir, err, sizeof(err)), 0, "%s", err);
	ew_people_free(p);
	p = mk();
	cr_assert_eq(ew_people_load(p, dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(st.added, 0);
	cr_assert_eq(count(p, EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_PI, 2026), 100);
	cr_assert_eq(count(p, EW_PEOPLE_CHANNEL, "sc-us", EW_PEOPLE_PI, 2026), 10);
	ew_people_free(p);
}

/* A crash mid-write: the half entry is cut, named, and every whole one kept. */
Test(journal, torn_tail_cut)
{
	struct ew_journal_replay st;
	struct ew_people *p = mk();
	char err[256] = "";

	write_some();
	cr_assert_eq(truncate(path, 115 * EW_JOURNAL_ENTRY - 30), 0);
	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, path), "%s", err);
	cr_assert_eq(st.entries, 114);
	cr_assert_eq(st.cut_bytes, EW_JOURNAL_ENTRY - 30);
	cr_assert_eq(size_of(), 114 * EW_JOURNAL_ENTRY);
	/* the cut file is whole again */
	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(st.entries, 114);
	ew_people_free(p);
}

/* A flipped byte (or a page of zeros) ends the journal at that entry. */
Test(journal, corrupt_entry_ends_it)
{
	struct ew_journal_replay st;
	struct ew_people *p = mk();
	char err[256] = "";
	uint8_t b;
	int fd;

	write_some();
	fd = open(path, O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, &b, 1, 50 * EW_JOURNAL_ENTRY + 20), 1);
	b ^= 0x40;
	cr_assert_eq(pwrite(fd, &b, 1, 50 * EW_JOURNAL_ENTRY + 20), 1);
	close(fd);
	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), -EBADMSG);
	cr_assert_eq(st.entries, 50);
	cr_assert_eq(st.cut_bytes, 65 * EW_JOURNAL_ENTRY);
	cr_assert(strstr(err, "byte 4400"), "%s", err);
	ew_people_free(p);
}

Test(journal, missing_is_empty_and_reset_empties)
{
	struct ew_people_key k = key(EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_PI, 2026);
	struct ew_journal_replay st;
	struct ew_people *p = mk();
	struct ew_journal *j;
	char err[256] = "";

	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(st.entries, 0);
	cr_assert_eq(ew_journal_open(&j, dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_journal_add(j, &k, 1), 0);
	cr_assert_eq(ew_journal_sync(j), 0);
	cr_assert_eq(ew_journal_add(j, &k, 2), 0);
	cr_assert_eq(ew_journal_reset(j), 0);
	cr_assert_eq(ew_journal_pending(j), 0);
	cr_assert_eq(size_of(), 0);
	/* appends after a reset start at the beginning */
	cr_assert_eq(ew_journal_add(j, &k, 3), 0);
	cr_assert_eq(ew_journal_sync(j), 0);
	cr_assert_eq(size_of(), EW_JOURNAL_ENTRY);
	ew_journal_free(j);
	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(count(p, EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_PI, 2026), 1);
	ew_people_free(p);
}

/* Many entries: past the buffer's write-out point, all of them come back. */
Test(journal, large)
{
	struct ew_people_key k = key(EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_PI, 2026);
	struct ew_journal_replay st;
	struct ew_people *p = mk();
	struct ew_journal *j;
	char err[256] = "";

	cr_assert_eq(ew_journal_open(&j, dir, err, sizeof(err)), 0, "%s", err);
	for (uint64_t h = 0; h < 50000; h++)
		cr_assert_eq(ew_journal_add(j, &k, h * 0x9e3779b97f4a7c15ull + 1), 0);
	cr_assert_eq(ew_journal_sync(j), 0);
	ew_journal_free(j);
	cr_assert_eq(ew_journal_replay(dir, p, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(count(p, EW_PEOPLE_ENTITY, "acme", EW_PEOPLE_PI, 2026), 50000);
	ew_people_free(p);
}
