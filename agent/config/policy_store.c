// SPDX-License-Identifier: GPL-2.0-only
#include "config/policy_store.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/regfile.h"

int ew_policy_store_sha256(const void *data, size_t len, uint8_t sha[EW_POLICY_SHA_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(data, len, sha, &n, EVP_sha256(), NULL) || n != EW_POLICY_SHA_LEN)
		return -EIO;
	return 0;
}

void ew_policy_store_hex(const uint8_t sha[EW_POLICY_SHA_LEN], char hex[EW_POLICY_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < EW_POLICY_SHA_LEN; i++) {
		hex[2 * i] = digits[sha[i] >> 4];
		hex[2 * i + 1] = digits[sha[i] & 15];
	}
	hex[2 * EW_POLICY_SHA_LEN] = '\0';
}

int ew_policy_store_dir(const char *capture, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s.policies", capture);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ew_policy_store_path(const char *dir, const uint8_t sha[EW_POLICY_SHA_LEN], char *buf,
			 size_t len)
{
	char hex[EW_POLICY_HEX_LEN];
	int n;

	ew_policy_store_hex(sha, hex);
	n = snprintf(buf, len, "%s/%s.json", dir, hex);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The rename is durable only once the folder's entry is on disk. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int ew_policy_store_save(const char *dir, const void *data, size_t len,
			 uint8_t sha[EW_POLICY_SHA_LEN])
{
	char path[4096], tmp[4096 + 32];
	struct stat st;
	int fd, rc;

	rc = ew_policy_store_sha256(data, len, sha);
	if (rc)
		return rc;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* A link or a file in the folder's place is no place for the policies. */
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	rc = ew_policy_store_path(dir, sha, path, sizeof(path));
	if (rc)
		return rc;
	if (!lstat(path, &st))
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, data, len);
	if (!rc && (fchmod(fd, 0600) || fsync(fd)))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	sync_dir(dir);
	return 0;
}

int ew_policy_store_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t n = 0;
	char *buf;
	int fd = ew_regfile_open(path, &st);

	*text = NULL;
	*len = 0;
	if (fd == -EINVAL) {
		snprintf(err, errlen, "%s: is %s, not a regular file: give the path of a JSON file",
			 path, ew_regfile_kind(st.st_mode));
		return fd;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-fd));
		return fd;
	}
	buf = malloc(EW_POLICY_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t got = read(fd, buf + n, EW_POLICY_MAX_BYTES + 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int rc = -errno;

			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return rc;
		}
		if (got == 0 || (n += (size_t)got) > EW_POLICY_MAX_BYTES)
			break;
	}
	close(fd);
	if (n > EW_POLICY_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", path, EW_POLICY_MAX_BYTES);
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		snprintf(err, errlen, "%s: contains a NUL byte: not a JSON text file", path);
		free(buf);
		return -EINVAL;
	}
	*text = buf;
	*len = n;
	return 0;
}

void ew_policy_store_event(struct ew_ev_policy *ev, const uint8_t *sha, uint32_t flags,
			   uint64_t ts_ns)
{
	memset(ev, 0, sizeof(*ev));
	ev->h.type = EW_EV_POLICY;
	ev->h.size = sizeof(*ev);
	ev->h.ts_ns = ts_ns;
	ev->flags = flags | (sha ? 0 : EW_POLICY_F_DEFAULT);
	if (sha)
		memcpy(ev->sha256, sha, EW_POLICY_SHA_LEN);
}
