// SPDX-License-Identifier: GPL-2.0-only
#include "content/subject.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "util/regfile.h"

/* Room for the longest key as hex and a line end, and one byte to see more. */
#define FILE_MAX (2 * EW_SUBJECT_KEY_MAX + 64)

void ew_subject_key_free(struct ew_subject_key *k)
{
	EVP_MAC_CTX_free(k->mac);
	OPENSSL_cleanse(k, sizeof(*k));
}

int ew_subject_key_set(struct ew_subject_key *k, const uint8_t *key, size_t len)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac;

	memset(k, 0, sizeof(*k));
	if (len < EW_SUBJECT_KEY_MIN || len > EW_SUBJECT_KEY_MAX)
		return -EINVAL;
	memcpy(k->key, key, len);
	k->len = len;
	/* Fetched and keyed once: HMAC() fetches the digest on every call, 6x slower. */
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return -ENOMEM;
	k->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!k->mac || !EVP_MAC_init(k->mac, k->key, k->len, params)) {
		ew_subject_key_free(k);
		return -ENOMEM;
	}
	return 0;
}

uint64_t ew_subject_hash(const struct ew_subject_key *k, const char *category, const void *value,
			 size_t n)
{
	static const unsigned char sep;
	unsigned char md[32];
	size_t len;

	/* A NULL key reinitialises with the key given at ew_subject_key_set(). */
	if (!k->mac || !EVP_MAC_init(k->mac, NULL, 0, NULL) ||
	    !EVP_MAC_update(k->mac, (const unsigned char *)category, strlen(category)) ||
	    !EVP_MAC_update(k->mac, &sep, 1) || (n && !EVP_MAC_update(k->mac, value, n)) ||
	    !EVP_MAC_final(k->mac, md, &len, sizeof(md)) || len != sizeof(md))
		return 0;
	return ew_subject_truncate(md);
}

uint64_t ew_subject_truncate(const uint8_t mac[32])
{
	uint64_t h = 0;

	for (int i = 0; i < 8; i++)
		h = h << 8 | mac[i];
	return h ? h : 1;
}

/* @text of @n bytes → @key; the messages never quote the text. */
static int parse_hex(const char *path, const char *text, size_t n, uint8_t *key, size_t *len,
		     char *err, size_t errlen)
{
	size_t digits = 0, i;
	bool same = true;

	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' ||
		     text[n - 1] == '\t'))
		n--;
	for (i = 0; i < n; i++) {
		if (ew_hexval(text[i]) < 0) {
			snprintf(err, errlen,
				 "%s: byte %zu is not a hex digit: the file holds 64 to 128 hex "
				 "digits and a newline, nothing else (make one with `openssl rand "
				 "-hex 32`)",
				 path, i + 1);
			return -EINVAL;
		}
		digits++;
	}
	if (digits < 2 * EW_SUBJECT_KEY_MIN || digits > 2 * EW_SUBJECT_KEY_MAX || digits % 2) {
		snprintf(err, errlen,
			 "%s: holds %zu hex digits, expected an even number from %d to %d "
			 "(%d to %d bytes; make one with `openssl rand -hex 32`)",
			 path, digits, 2 * EW_SUBJECT_KEY_MIN, 2 * EW_SUBJECT_KEY_MAX,
			 EW_SUBJECT_KEY_MIN, EW_SUBJECT_KEY_MAX);
		return -EINVAL;
	}
	for (i = 0; i < digits / 2; i++) {
		key[i] = (uint8_t)(ew_hexval(text[2 * i]) << 4 | ew_hexval(text[2 * i + 1]));
		same &= key[i] == key[0];
	}
	if (same) {
		snprintf(err, errlen,
			 "%s: is one byte repeated: a placeholder, not a secret (make one with "
			 "`openssl rand -hex 32`)",
			 path);
		return -EINVAL;
	}
	*len = digits / 2;
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char dir[4096];
	char *slash;
	int fd, rc = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return -EINVAL;
	slash[slash == dir] = '\0'; /* "/key" lives in "/" */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fill_random(uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		got += (size_t)r;
	}
	return 0;
}

/*
 * A new key, written under a temporary name and linked to @path: link()
 * fails if @path appeared meanwhile (-EEXIST: read that one instead).
 */
static int create_key(const char *path, char *err, size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t key[EW_SUBJECT_KEY_NEW];
	char text[2 * EW_SUBJECT_KEY_NEW + 1], tmp[4096];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC); /* O_CREAT | O_EXCL, mode 0600 */
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot create it: %s%s", path, strerror(-rc),
			 rc == -ENOENT ? " (its directory does not exist)" : "");
		return rc;
	}
	rc = fill_random(key, sizeof(key));
	for (size_t i = 0; i < sizeof(key); i++) {
		text[2 * i] = hex[key[i] >> 4];
		text[2 * i + 1] = hex[key[i] & 15];
	}
	text[sizeof(text) - 1] = '\n';
	if (!rc && !(rc = write_all(fd, text, sizeof(text))) && fsync(fd))
		rc = -errno;
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(text, sizeof(text));
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && link(tmp, path))
		rc = -errno;
	unlink(tmp);
	if (rc == -EEXIST)
		return rc;
	if (!rc)
		rc = fsync_dir_of(path);
	if (rc)
		snprintf(err, errlen, "%s: cannot create it: %s", path, strerror(-rc));
	return rc;
}

/* Refuse a secret that someone else owns or may read or change. */
static int check_owner_mode(const char *path, const struct stat *st, char *err, size_t errlen)
{
	mode_t bad = st->st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH);
	uid_t me = geteuid();

	if (st->st_uid != me) {
		snprintf(err, errlen,
			 "%s: owned by uid %u, not by uid %u that runs egresswatch: "
			 "chown %u %s",
			 path, (unsigned int)st->st_uid, (unsigned int)me, (unsigned int)me, path);
		return -EPERM;
	}
	if (bad) {
		char who[96] = "";
		static const struct {
			mode_t bit;
			const char *what;
		} bits[] = {{S_IRGRP, "group read"},
			    {S_IWGRP, "group write"},
			    {S_IROTH, "others read"},
			    {S_IWOTH, "others write"}};

		for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
			if (bad & bits[i].bit)
				snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s",
					 who[0] ? ", " : "", bits[i].what);
		snprintf(err, errlen, "%s: mode %04o lets %s it: chmod 0600 %s", path,
			 (unsigned int)(st->st_mode & 07777), who, path);
		return -EPERM;
	}
	return 0;
}

static int read_key(const char *path, struct ew_subject_key *out, char *err, size_t errlen)
{
	char text[FILE_MAX];
	uint8_t key[EW_SUBJECT_KEY_MAX];
	struct stat st;
	size_t n = 0, len = 0;
	int fd, rc;

	fd = ew_regfile_open(path, &st);
	if (fd == -EINVAL) {
		snprintf(err, errlen, "%s: is %s, not a regular file", path,
			 ew_regfile_kind(st.st_mode));
		return fd;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-fd));
		return fd;
	}
	rc = check_owner_mode(path, &st, err, errlen);
	while (!rc && n < sizeof(text)) {
		ssize_t r = read(fd, text + n, sizeof(text) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-rc));
		}
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!rc && n == sizeof(text)) {
		snprintf(err, errlen, "%s: longer than %d bytes: not a key file", path,
			 FILE_MAX - 1);
		rc = -EINVAL;
	}
	if (!rc)
		rc = parse_hex(path, text, n, key, &len, err, errlen);
	if (!rc && (rc = ew_subject_key_set(out, key, len)))
		snprintf(err, errlen, "%s: cannot set up HMAC-SHA-256: %s", path, strerror(-rc));
	OPENSSL_cleanse(text, sizeof(text));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int ew_subject_key_load(const char *path, bool create, struct ew_subject_key *out, char *err,
			size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!path || path[0] != '/') {
		snprintf(err, errlen, "subject key \"%s\": must be an absolute path, like \"%s\"",
			 path ? path : "", EW_DEFAULT_SUBJECT_KEY);
		return -EINVAL;
	}
	rc = read_key(path, out, err, errlen);
	if (rc != -ENOENT || !create)
		return rc;
	rc = create_key(path, err, errlen);
	if (rc == -EEXIST) /* another agent made it first: use theirs */
		return read_key(path, out, err, errlen);
	if (rc)
		return rc;
	rc = read_key(path, out, err, errlen);
	return rc ? rc : 1;
}
