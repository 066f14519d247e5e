// SPDX-License-Identifier: GPL-2.0-only
/*
 * journal.c - see journal.h. Entries are fixed-size and each carries its own
 * CRC, so a write cut by a crash (or a disk that kept half a page) shows as
 * a bad last entry, and everything before it is still good.
 */
#include "verdict/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC "EWJ1"
/* Entries buffered before they are written even without a sync (~1.4 MiB). */
#define WRITE_AT 16384

struct ew_journal {
	int fd; /* -1 until the first write: a run that counts nobody makes no file */
	char dir[4096], path[4096 + 16];
	uint8_t *buf;
	size_t n, cap; /* entries */
};

static void encode(uint8_t *e, const struct ew_people_key *k, uint64_t hash)
{
	uint32_t crc;

	memset(e, 0, EW_JOURNAL_ENTRY);
	memcpy(e, MAGIC, 4);
	e[8] = k->scope;
	e[9] = k->cls;
	e[10] = k->attested;
	for (int i = 0; i < 4; i++)
		e[12 + i] = (uint8_t)((uint32_t)k->year >> (8 * i));
	for (int i = 0; i < 8; i++)
		e[16 + i] = (uint8_t)(hash >> (8 * i));
	memcpy(e + 24, k->name, strnlen(k->name, EW_PEOPLE_NAME_MAX - 1));
	crc = (uint32_t)crc32(0, e + 8, EW_JOURNAL_ENTRY - 8);
	for (int i = 0; i < 4; i++)
		e[4 + i] = (uint8_t)(crc >> (8 * i));
}

/* Return: 0 and @k, @hash filled, or -EBADMSG. */
static int decode(const uint8_t *e, struct ew_people_key *k, uint64_t *hash)
{
	uint32_t crc = 0, year = 0;
	char name[EW_PEOPLE_NAME_MAX];

	for (int i = 0; i < 4; i++)
		crc |= (uint32_t)e[4 + i] << (8 * i);
	if (memcmp(e, MAGIC, 4) || crc != (uint32_t)crc32(0, e + 8, EW_JOURNAL_ENTRY - 8))
		return -EBADMSG;
	if (e[11] || e[24 + EW_PEOPLE_NAME_MAX - 1])
		return -EBADMSG;
	for (int i = 0; i < 4; i++)
		year |= (uint32_t)e[12 + i] << (8 * i);
	*hash = 0;
	for (int i = 0; i < 8; i++)
		*hash |= (uint64_t)e[16 + i] << (8 * i);
	memcpy(name, e + 24, sizeof(name));
	if (e[10] > 1 || e[9] >= EW_PEOPLE_NCLASS)
		return -EBADMSG;
	return ew_people_key(k, (enum ew_people_scope)e[8], name, (enum ew_people_class)e[9], e[10],
			     (int)(int32_t)year)
		   ? -EBADMSG
		   : 0;
}

int ew_journal_open(struct ew_journal **out, const char *dir, char *err, size_t errlen)
{
	struct ew_journal *j;

	*out = NULL;
	if (strlen(dir) >= sizeof(j->dir)) {
		snprintf(err, errlen, "%.64s...: path too long", dir);
		return -ENAMETOOLONG;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->fd = -1;
	snprintf(j->dir, sizeof(j->dir), "%s", dir);
	snprintf(j->path, sizeof(j->path), "%s/%s", dir, EW_JOURNAL_FILE);
	*out = j;
	return 0;
}

const char *ew_journal_path(const struct ew_journal *j)
{
	return j->path;
}

/* At the first write: the directory (0700) and the file (0600). */
static int open_file(struct ew_journal *j)
{
	if (j->fd >= 0)
		return 0;
	if (mkdir(j->dir, 0700) && errno != EEXIST)
		return -errno;
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	return j->fd < 0 ? -errno : 0;
}

void ew_journal_free(struct ew_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->buf);
	free(j);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int write_out(struct ew_journal *j)
{
	int rc = j->n ? open_file(j) : 0;

	if (!rc && j->n)
		rc = write_all(j->fd, j->buf, j->n * EW_JOURNAL_ENTRY);
	j->n = 0;
	return rc;
}

int ew_journal_add(struct ew_journal *j, const struct ew_people_key *k, uint64_t hash)
{
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 256;
		uint8_t *b;

		if (j->n >= WRITE_AT) {
			int rc = write_out(j);

			if (rc)
				return rc;
			cap = j->cap;
		}
		if (cap != j->cap) {
			b = realloc(j->buf, cap * EW_JOURNAL_ENTRY);
			if (!b)
				return -ENOMEM;
			j->buf = b;
			j->cap = cap;
		}
	}
	encode(j->buf + j->n++ * EW_JOURNAL_ENTRY, k, hash);
	return 0;
}

size_t ew_journal_pending(const struct ew_journal *j)
{
	return j->n;
}

int ew_journal_sync(struct ew_journal *j)
{
	int rc;

	if (!j->n)
		return 0;
	rc = write_out(j);
	if (!rc && fdatasync(j->fd))
		rc = -errno;
	return rc;
}

int ew_journal_reset(struct ew_journal *j)
{
	j->n = 0;
	/* not opened yet: the file may still hold what the start replayed */
	if (j->fd < 0)
		return truncate(j->path, 0) && errno != ENOENT ? -errno : 0;
	return ftruncate(j->fd, 0) ? -errno : 0;
}

static int replay_fd(int fd, const char *path, struct ew_people *p, struct ew_journal_replay *st,
		     char *err, size_t errlen)
{
	uint8_t e[EW_JOURNAL_ENTRY];
	off_t good = 0, size = lseek(fd, 0, SEEK_END);

	if (size < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		struct ew_people_counter *c;
		struct ew_people_key k;
		uint64_t hash;
		ssize_t r = pread(fd, e, sizeof(e), good);
		int rc;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r < (ssize_t)sizeof(e) || decode(e, &k, &hash))
			break;
		c = ew_people_get(p, &k, true);
		if (!c || (rc = ew_people_add(c, hash)) < 0)
			return -ENOMEM;
		st->entries++;
		st->added += rc == 1 || rc == EW_PEOPLE_ESTIMATED;
		good += (off_t)sizeof(e);
	}
	if (good == size)
		return 0;
	st->cut_bytes = (uint64_t)(size - good);
	snprintf(err, errlen, "%s: torn or corrupt entry at byte %lld: %lld bytes cut", path,
		 (long long)good, (long long)(size - good));
	if (ftruncate(fd, good) || fdatasync(fd))
		return -errno;
	return -EBADMSG;
}

int ew_journal_replay(const char *dir, struct ew_people *p, struct ew_journal_replay *st, char *err,
		      size_t errlen)
{
	char path[4096];
	int fd, rc;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/%s", dir, EW_JOURNAL_FILE);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return rc;
	}
	rc = replay_fd(fd, path, p, st, err, errlen);
	if (rc && rc != -EBADMSG && !err[0])
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	close(fd);
	return rc;
}
