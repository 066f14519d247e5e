// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "content/subject.h"

static char err[1024];
static char dir[64], path[128];

static void mk_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ew-test-subject-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/subject.key", dir);
}

static void rm_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static void write_key(const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	cr_assert_eq(close(fd), 0);
}

/* 00 01 .. 1f */
static const char *KEY_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void key_0_31(struct ew_subject_key *k)
{
	uint8_t b[32];

	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	cr_assert_eq(ew_subject_key_set(k, b, sizeof(b)), 0);
}

/*
 * Expected values from
 *   printf 'vin\0LSVAB4BR0EN123456' |
 *     openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f
 * (OpenSSL 3.0.19): the first 16 hex digits of the MAC.
 */
Test(subject, known_answers)
{
	struct ew_subject_key k;

	key_0_31(&k);
	/* 1a62dbe8cf203690ea3401004730feab809c46e6f64043f4f2ff2d54b5b66a2a */
	cr_assert_eq(ew_subject_hash(&k, "vin", "LSVAB4BR0EN123456", 17), 0x1a62dbe8cf203690ull);
	/* f36ef4d30d266863d91bfcce0a8cb047e6c552414b469b228af0b3120f96e48c */
	cr_assert_eq(ew_subject_hash(&k, "mobile_number", "13812345678", 11),
		     0xf36ef4d30d266863ull);
	/* an empty value: f7c8c56907acbabd210a6a07ddbf48ee8482873c4ba2f450c3d373376c5d90ba */
	cr_assert_eq(ew_subject_hash(&k, "vin", "", 0), 0xf7c8c56907acbabdull);
	/* the context is reused: the first answer again */
	cr_assert_eq(ew_subject_hash(&k, "vin", "LSVAB4BR0EN123456", 17), 0x1a62dbe8cf203690ull);
	ew_subject_key_free(&k);
}

Test(subject, categories_are_separate)
{
	struct ew_subject_key k;
	uint64_t vin, plate;

	key_0_31(&k);
	vin = ew_subject_hash(&k, "vin", "LSVAB4BR0EN123456", 17);
	plate = ew_subject_hash(&k, "licence_plate", "LSVAB4BR0EN123456", 17);
	/* 6df596a5f5efe9dbe4f4aa295ff382270f1340a6569870c82458aea711341fb1 */
	cr_assert_eq(plate, 0x6df596a5f5efe9dbull);
	cr_assert_neq(vin, plate);
	/* the 0x00 separator: "vi" + "n" is not "vin" + "" */
	cr_assert_neq(ew_subject_hash(&k, "vi", "n", 1), ew_subject_hash(&k, "vin", "", 0));
	ew_subject_key_free(&k);
}

Test(subject, truncation_to_64_bits)
{
	uint8_t mac[32];

	for (int i = 0; i < 32; i++)
		mac[i] = (uint8_t)(i + 1);
	cr_assert_eq(ew_subject_truncate(mac), 0x0102030405060708ull, "first 8 bytes, big-endian");
	memset(mac, 0, 8);
	cr_assert_eq(ew_subject_truncate(mac), 1, "0 means none in the ABI: it becomes 1");
	mac[7] = 1;
	cr_assert_eq(ew_subject_truncate(mac), 1);
	memset(mac, 0xff, 8);
	cr_assert_eq(ew_subject_truncate(mac), UINT64_MAX);
}

Test(subject, key_lengths)
{
	struct ew_subject_key k;
	uint8_t b[65] = {1, 2, 3};

	cr_assert_eq(ew_subject_key_set(&k, b, 31), -EINVAL);
	cr_assert_eq(ew_subject_key_set(&k, b, 65), -EINVAL);
	cr_assert_eq(ew_subject_key_set(&k, b, 64), 0);
	cr_assert_neq(ew_subject_hash(&k, "vin", "x", 1), 0);
	ew_subject_key_free(&k);
}

Test(subject, load_a_hex_file, .init = mk_dir, .fini = rm_dir)
{
	struct ew_subject_key k;
	char text[256];

	snprintf(text, sizeof(text), "%s\n", KEY_HEX);
	write_key(text, 0600);
	cr_assert_eq(ew_subject_key_load(path, false, &k, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(k.len, 32);
	cr_assert_eq(ew_subject_hash(&k, "vin", "LSVAB4BR0EN123456", 17), 0x1a62dbe8cf203690ull,
		     "the file's key is the known-answer key");
	ew_subject_key_free(&k);
	/* capitals, no newline, 0400: the same key */
	for (char *p = text; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	text[64] = '\0';
	write_key(text, 0400);
	cr_assert_eq(ew_subject_key_load(path, false, &k, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_subject_hash(&k, "vin", "LSVAB4BR0EN123456", 17), 0x1a62dbe8cf203690ull);
	ew_subject_key_free(&k);
}

Test(subject, refuses_mode_and_owner, .init = mk_dir, .fini = rm_dir)
{
	static const struct {
		mode_t mode;
		const char *want;
	} cases[] = {
	    {0640, "mode 0640 lets group read it: chmod 0600 "},
	    {0620, "mode 0620 lets group write it: chmod 0600 "},
	    {0604, "mode 0604 lets others read it: chmod 0600 "},
	    {0666, "mode 0666 lets group read, group write, others read, others write it"},
	};
	struct ew_subject_key k;
	char text[256];

	snprintf(text, sizeof(text), "%s\n", KEY_HEX);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_key(text, cases[i].mode);
		cr_assert_eq(ew_subject_key_load(path, true, &k, err, sizeof(err)), -EPERM,
			     "mode %o accepted", cases[i].mode);
		cr_assert(strstr(err, cases[i].want), "\"%s\" lacks \"%s\"", err, cases[i].want);
		cr_assert(strstr(err, path), "%s", err);
		cr_assert_null(strstr(err, KEY_HEX), "the secret is in the message");
	}
	/* group or others may execute it: odd, but it gives nothing away */
	write_key(text, 0710);
	cr_assert_eq(ew_subject_key_load(path, false, &k, err, sizeof(err)), 0, "%s", err);
	ew_subject_key_free(&k);
	/* another user's file */
	write_key(text, 0600);
	cr_assert_eq(chown(path, geteuid() + 1, (gid_t)-1), 0, "the tests run as root");
	cr_assert_eq(ew_subject_key_load(path, true, &k, err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, "owned by uid"), "%s", err);
	cr_assert(strstr(err, "chown "), "%s", err);
}

Test(subject, refuses_what_is_no_key, .init = mk_dir, .fini = rm_dir, .timeout = 10)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
	    {"", "holds 0 hex digits, expected an even number from 64 to 128"},
	    {"0123456789abcdef\n", "holds 16 hex digits"},
	    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0\n",
	     "holds 65 hex digits"},
	    {"000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f\n",
	     "byte 33 is not a hex digit"},
	    {"\x01\x02\x03\xff raw bytes are not a key file", "byte 1 is not a hex digit"},
	    {"0000000000000000000000000000000000000000000000000000000000000000\n",
	     "is one byte repeated: a placeholder"},
	};
	struct ew_subject_key k;
	char big[400];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_key(cases[i].text, 0600);
		cr_assert_eq(ew_subject_key_load(path, true, &k, err, sizeof(err)), -EINVAL,
			     "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: \"%s\" lacks \"%s\"", i, err,
			  cases[i].want);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_key(big, 0600);
	cr_assert_eq(ew_subject_key_load(path, true, &k, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "longer than"), "%s", err);
	/* not a regular file: refused, and a FIFO without blocking */
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(ew_subject_key_load(path, true, &k, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "subject.key: is a FIFO, not a regular file"), "%s", err);
	cr_assert_eq(ew_subject_key_load(dir, true, &k, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "is a directory"), "%s", err);
	cr_assert_eq(ew_subject_key_load("subject.key", true, &k, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "must be an absolute path"), "%s", err);
}

Test(subject, creates_when_absent, .init = mk_dir, .fini = rm_dir)
{
	struct ew_subject_key a, b;
	char text[256], other[160];
	struct stat st;
	FILE *f;
	DIR *d;
	struct dirent *e;
	int files = 0;

	cr_assert_eq(ew_subject_key_load(path, false, &a, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "subject.key: cannot open"), "%s", err);
	cr_assert_eq(ew_subject_key_load(path, true, &a, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(st.st_uid, geteuid());
	cr_assert_eq(st.st_size, 65, "64 hex digits and a newline");
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(text, sizeof(text), f));
	fclose(f);
	cr_assert_eq(strspn(text, "0123456789abcdef"), 64);
	cr_assert_eq(a.len, 32);
	/* the temporary name is gone: only the key is in the directory */
	d = opendir(dir);
	cr_assert_not_null(d);
	while ((e = readdir(d)))
		files += e->d_name[0] != '.';
	closedir(d);
	cr_assert_eq(files, 1);
	/* read back (another host with the same file): the same hashes */
	cr_assert_eq(ew_subject_key_load(path, true, &b, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_subject_hash(&a, "vin", "LSVAB4BR0EN123456", 17),
		     ew_subject_hash(&b, "vin", "LSVAB4BR0EN123456", 17));
	ew_subject_key_free(&b);
	/* another company's key: other hashes */
	snprintf(other, sizeof(other), "%s/other.key", dir);
	cr_assert_eq(ew_subject_key_load(other, true, &b, err, sizeof(err)), 1, "%s", err);
	cr_assert_neq(ew_subject_hash(&a, "vin", "LSVAB4BR0EN123456", 17),
		      ew_subject_hash(&b, "vin", "LSVAB4BR0EN123456", 17));
	ew_subject_key_free(&a);
	ew_subject_key_free(&b);
	/* no directory: said so, and not created */
	snprintf(other, sizeof(other), "%s/missing/subject.key", dir);
	cr_assert_eq(ew_subject_key_load(other, true, &a, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "its directory does not exist"), "%s", err);
}

/* What a hash costs: ew_subject_hash() runs for every identifier matched. */
Test(subject, cost_per_hash)
{
	struct ew_subject_key k;
	struct timespec t0, t1;
	uint64_t x = 0;
	const int n = 100000;
	double ns;

	key_0_31(&k);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (int i = 0; i < n; i++)
		x ^= ew_subject_hash(&k, "vin", "LSVAB4BR0EN123456", 17);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / n;
	fprintf(stderr, "subject: %.0f ns CPU per hash\n", ns);
	cr_assert_eq(x, 0, "an even number of the same hash");
	cr_assert_lt(ns, 20000);
	ew_subject_key_free(&k);
}
