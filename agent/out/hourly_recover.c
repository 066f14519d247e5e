// SPDX-License-Identifier: GPL-2.0-only
#include "out/hourly_recover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "out/hourly.h"
#include "out/hourly_gz.h"
#include "util/log.h"

static bool is_date(const char *s)
{
	for (int i = 0; i < 10; i++) {
		bool dash = i == 4 || i == 7;

		if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return false;
	}
	return s[10] == '\0';
}

static bool is_hour_file(const char *s, const char *suffix)
{
	return s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' &&
	       strcmp(s + 2, suffix) == 0;
}

/* One day's directory: the first compression's -errno, or 0. */
static int recover_day(const char *root, int dfd, const char *date, const char *now_key)
{
	DIR *dd = fdopendir(dup(dfd));
	struct dirent *fe;
	int first_rc = 0;

	if (!dd)
		return 0;
	while ((fe = readdir(dd))) {
		char key[EW_HOURLY_KEY_LEN + 1], hh[3] = {fe->d_name[0], fe->d_name[1], 0};
		int rc;

		if (is_hour_file(fe->d_name, ".jsonl.gz.tmp")) {
			unlinkat(dfd, fe->d_name, 0);
			continue;
		}
		if (!is_hour_file(fe->d_name, ".jsonl"))
			continue;
		memcpy(key, date, 10); /* is_date() checked the length */
		key[10] = '/';
		memcpy(key + 11, hh, 3);
		if (strcmp(key, now_key) >= 0)
			continue; /* the current hour (or a clock set back): keep appending */
		rc = ew_hourly_gz_hour(dfd, hh);
		if (rc) {
			ew_warn("cannot compress %s/%s: %s", root, key, strerror(-rc));
			if (!first_rc)
				first_rc = rc;
		}
	}
	closedir(dd);
	return first_rc;
}

int ew_hourly_recover(const char *root, const char *now_key)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int first_rc = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int dfd, rc;

		if (!is_date(de->d_name))
			continue;
		dfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (dfd < 0)
			continue;
		rc = recover_day(root, dfd, de->d_name, now_key);
		close(dfd);
		if (rc && !first_rc)
			first_rc = rc;
	}
	closedir(d);
	return first_rc;
}
