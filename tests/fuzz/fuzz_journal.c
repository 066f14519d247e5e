// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for ew_journal_replay(): arbitrary bytes as the people
 * journal. No crash, no leak; the file is cut to a whole number of entries
 * exactly where its first bad entry was, the cut is said, and a second
 * replay reads the same entries and adds nobody.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verdict/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[128];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_people_opts o = {.crossover = 64, .tz = "UTC"};
	struct ew_journal_replay a, b;
	struct ew_people *p;
	char err[512] = "";
	struct stat st;
	int fd, r;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz-journal-%d", (int)getpid());
		mkdir(dir, 0700);
		snprintf(path, sizeof(path), "%s/%s", dir, EW_JOURNAL_FILE);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (ew_people_new(&p, &o, err, sizeof(err)))
		abort();
	r = ew_journal_replay(dir, p, &a, err, sizeof(err));
	if (r != 0 && r != -EBADMSG)
		abort();
	if (stat(path, &st) || (uint64_t)st.st_size != a.entries * EW_JOURNAL_ENTRY)
		abort();
	if (a.entries * EW_JOURNAL_ENTRY + a.cut_bytes != size || (r == -EBADMSG) != !!a.cut_bytes)
		abort();
	if (r == -EBADMSG && !strstr(err, path))
		abort();
	if (ew_journal_replay(dir, p, &b, err, sizeof(err)) || b.entries != a.entries || b.added ||
	    b.cut_bytes)
		abort();
	ew_people_free(p);
	return 0;
}
