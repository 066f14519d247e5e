// SPDX-License-Identifier: GPL-2.0-only
#include "alert/alert_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "alert/alert_line.h"

static int add(struct ew_alert_files *f, const char *path)
{
	char **p = realloc(f->paths, (f->n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	f->paths = p;
	f->paths[f->n] = strdup(path);
	if (!f->paths[f->n])
		return -ENOMEM;
	f->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "YYYY-MM-DD" */
static bool is_date(const char *s)
{
	int y, m, d;
	char tail;

	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3;
}

/* "HH.jsonl" or "HH.jsonl.gz": the hour, else -1 */
static int hour_of(const char *s, bool *gz)
{
	if (strlen(s) < 8 || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9')
		return -1;
	*gz = !strcmp(s + 2, ".jsonl.gz");
	if (!*gz && strcmp(s + 2, ".jsonl"))
		return -1;
	return (s[0] - '0') * 10 + s[1] - '0';
}

/* Whether the local hour @date @hour ended before @since_ns; two hours' slack for DST. */
static bool before(const char *date, int hour, int64_t since_ns)
{
	struct tm tm = {.tm_isdst = -1, .tm_hour = hour};
	time_t t;

	if (since_ns == EW_ALERT_TIME_NONE ||
	    sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = mktime(&tm);
	return t != (time_t)-1 && ((int64_t)t + 3 * 3600) * 1000000000 < since_ns;
}

/* Whether @path is the live file's inode: read through the live file instead. */
static bool is_live(const char *path, const struct stat *live)
{
	struct stat st;

	return live && stat(path, &st) == 0 && st.st_ino == live->st_ino &&
	       st.st_dev == live->st_dev;
}

static int scan_day(struct ew_alert_files *f, const char *root, const char *date, int64_t since_ns,
		    const struct stat *live)
{
	char dir[4096], path[4096];
	bool have[24] = {0}, gz_of[24] = {0};
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", root, date) >= sizeof(dir) - 16)
		return 0; /* no room for the file names: no history there */
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		bool gz;
		int h = hour_of(e->d_name, &gz);

		if (h < 0 || h > 23)
			continue;
		have[h] = true;
		gz_of[h] |= gz;
	}
	closedir(d);
	for (int h = 0; h < 24 && !rc; h++) {
		if (!have[h] || before(date, h, since_ns))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%02d.jsonl%s", dir, h,
				     gz_of[h] ? ".gz" : "") < sizeof(path) &&
		    !is_live(path, live))
			rc = add(f, path);
	}
	return rc;
}

int ew_alert_files_history(const char *data_dir, int64_t since_ns, const struct stat *live,
			   struct ew_alert_files *out)
{
	char root[4096];
	struct ew_alert_files days = {0};
	struct dirent *e;
	DIR *d;
	int rc = 0;

	out->paths = NULL;
	out->n = 0;
	if ((size_t)snprintf(root, sizeof(root), "%s/%s", data_dir, EW_ALERT_HISTORY_DIR) >=
	    sizeof(root) - 32)
		return -ENAMETOOLONG;
	d = opendir(root);
	if (!d)
		return 0;
	while (!rc && (e = readdir(d)))
		if (is_date(e->d_name))
			rc = add(&days, e->d_name);
	closedir(d);
	if (days.n)
		qsort(days.paths, days.n, sizeof(*days.paths), by_name);
	for (size_t i = 0; i < days.n && !rc; i++)
		rc = scan_day(out, root, days.paths[i], since_ns, live);
	ew_alert_files_free(&days);
	if (rc)
		ew_alert_files_free(out);
	return rc;
}

void ew_alert_files_free(struct ew_alert_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->paths[i]);
	free(f->paths);
	f->paths = NULL;
	f->n = 0;
}

int ew_alert_files_live(const char *data_dir, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s/%s", data_dir, EW_ALERT_LIVE_FILE);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

int ew_alert_files_read(const char *path, ew_alert_line_fn fn, void *arg, uint64_t *skipped)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t cap = 65536, len = 0;
	bool overlong = false;
	char *buf;
	gzFile gz;
	int rc = 0;

	if (fd < 0)
		return -errno;
	gz = gzdopen(fd, "rb"); /* reads plain files as they are */
	buf = malloc(cap);
	if (!gz || !buf) {
		free(buf);
		if (gz)
			gzclose(gz);
		else
			close(fd);
		return -ENOMEM;
	}
	for (;;) {
		int got = gzread(gz, buf + len, (unsigned)(cap - len));
		size_t start = 0;

		if (got <= 0) {
			int zerr = 0;

			if (got < 0 && gzerror(gz, &zerr) && zerr != Z_BUF_ERROR)
				rc = -EIO;
			break;
		}
		len += (size_t)got;
		for (size_t i = 0; i < len && !rc; i++) {
			if (buf[i] != '\n')
				continue;
			if (overlong)
				overlong = false;
			else
				rc = fn(arg, buf + start, i - start);
			start = i + 1;
		}
		if (rc)
			break;
		memmove(buf, buf + start, len - start);
		len -= start;
		if (len == cap) {
			if (cap >= EW_ALERT_LINE_MAX) {
				/* drop what we have; skip on to the next newline */
				if (!overlong && skipped)
					(*skipped)++;
				overlong = true;
				len = 0;
			} else {
				char *nb = realloc(buf, cap * 2);

				if (!nb) {
					rc = -ENOMEM;
					break;
				}
				buf = nb;
				cap *= 2;
			}
		}
	}
	free(buf);
	gzclose(gz);
	return rc;
}
