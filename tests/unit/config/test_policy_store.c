// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/policy_store.h"
#include "pipeline/capture.h"
#include "pipeline/decode.h"

/* FIPS 180-2's example: SHA-256("abc"). */
static const char abc_hex[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static char *tmpdir(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/ew-test-pstore-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

Test(policy_store, hex_is_the_sha256_of_the_bytes)
{
	uint8_t sha[EW_POLICY_SHA_LEN];
	char hex[EW_POLICY_HEX_LEN];

	cr_assert_eq(ew_policy_store_sha256("abc", 3, sha), 0);
	ew_policy_store_hex(sha, hex);
	cr_assert_str_eq(hex, abc_hex);
}

Test(policy_store, save_keeps_exact_bytes_private_and_once)
{
	char *base = tmpdir(), cap[256], dir[300], path[512], got[16] = "";
	uint8_t sha[EW_POLICY_SHA_LEN], sha2[EW_POLICY_SHA_LEN];
	struct stat st;
	FILE *f;

	snprintf(cap, sizeof(cap), "%s/run.ewcap", base);
	cr_assert_eq(ew_policy_store_dir(cap, dir, sizeof(dir)), 0);
	cr_assert_eq(strcmp(dir + strlen(dir) - 9, ".policies"), 0, "%s", dir);
	cr_assert_eq(ew_policy_store_save(dir, "abc", 3, sha), 0);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700);
	cr_assert_eq(ew_policy_store_path(dir, sha, path, sizeof(path)), 0);
	snprintf(got, sizeof(got), "%s", path + strlen(dir) + 1);
	cr_assert_eq(strncmp(got, abc_hex, 15), 0, "named by its hash: %s", path);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(st.st_size, 3);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fread(got, 1, sizeof(got), f), 3);
	fclose(f);
	cr_assert_eq(memcmp(got, "abc", 3), 0);
	/* Saved again: the file stays, even one changed by hand (its name is its content). */
	f = fopen(path, "w");
	fputs("changed", f);
	fclose(f);
	cr_assert_eq(ew_policy_store_save(dir, "abc", 3, sha2), 0);
	cr_assert_eq(memcmp(sha, sha2, sizeof(sha)), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, 7);
	unlink(path);
	rmdir(dir);
	rmdir(base);
}

Test(policy_store, a_file_in_the_folders_place_is_refused)
{
	char *base = tmpdir(), dir[256];
	uint8_t sha[EW_POLICY_SHA_LEN];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/x.policies", base);
	f = fopen(dir, "w");
	fclose(f);
	cr_assert_eq(ew_policy_store_save(dir, "abc", 3, sha), -ENOTDIR);
	unlink(dir);
	rmdir(base);
}

Test(policy_store, read_refuses_nul_bytes_and_missing_files)
{
	char *base = tmpdir(), path[256], err[512], *text;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/p.json", base);
	cr_assert_eq(ew_policy_store_read(path, &text, &len, err, sizeof(err)), -ENOENT);
	cr_assert_not_null(strstr(err, path));
	f = fopen(path, "w");
	fwrite("{}\0x", 1, 4, f);
	fclose(f);
	cr_assert_eq(ew_policy_store_read(path, &text, &len, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "NUL"));
	f = fopen(path, "w");
	fputs("{\"version\": 1}", f);
	fclose(f);
	cr_assert_eq(ew_policy_store_read(path, &text, &len, err, sizeof(err)), 0);
	cr_assert_eq(len, 14);
	cr_assert_str_eq(text, "{\"version\": 1}");
	free(text);
	unlink(path);
	rmdir(base);
}

Test(policy_store, event_encodes_and_decodes)
{
	uint8_t sha[EW_POLICY_SHA_LEN];
	struct ew_ev_policy ev;
	union ew_event out;

	ew_policy_store_sha256("abc", 3, sha);
	ew_policy_store_event(&ev, sha, EW_POLICY_F_START, 12345);
	cr_assert_eq(ev.h.type, EW_EV_POLICY);
	cr_assert_eq(ev.h.size, 56);
	cr_assert_eq(ew_decode(&ev, sizeof(ev), &out), EW_DEC_OK);
	cr_assert_eq(out.h.ts_ns, 12345);
	cr_assert_eq(out.policy.flags, EW_POLICY_F_START);
	cr_assert_eq(memcmp(out.policy.sha256, sha, sizeof(sha)), 0);
	/* No file: the built-in default, said by its flag, the hash zero. */
	ew_policy_store_event(&ev, NULL, 0, 1);
	cr_assert_eq(ew_decode(&ev, sizeof(ev), &out), EW_DEC_OK);
	cr_assert_eq(out.policy.flags, EW_POLICY_F_DEFAULT);
	for (int i = 0; i < EW_POLICY_SHA_LEN; i++)
		cr_assert_eq(out.policy.sha256[i], 0);
	/* Flags this release does not know are malformed; a short event too. */
	ev.flags = 0x80;
	cr_assert_eq(ew_decode(&ev, sizeof(ev), &out), EW_DEC_FIELD);
	ev.flags = 0;
	ev.h.size = 40;
	cr_assert_eq(ew_decode(&ev, sizeof(ev), &out), EW_DEC_SIZE);
}

Test(policy_store, event_round_trips_through_a_capture)
{
	char *base = tmpdir(), path[256], err[256];
	struct ew_capture_meta m = {.boot_id = "b", .hostname = "h"};
	struct ew_capture_reader *r;
	struct ew_capture *c;
	uint8_t sha[EW_POLICY_SHA_LEN];
	struct ew_ev_policy ev;
	union ew_event out;
	const void *data;
	size_t len;

	snprintf(path, sizeof(path), "%s/c.ewcap", base);
	ew_policy_store_sha256("abc", 3, sha);
	ew_policy_store_event(&ev, sha, 0, 7);
	cr_assert_eq(ew_capture_create(path, &m, &c), 0);
	cr_assert_eq(ew_capture_write(c, &ev, sizeof(ev)), 0);
	cr_assert_eq(ew_capture_close(c), 0);
	cr_assert_eq(ew_capture_open(path, &r, &m, err, sizeof(err)), 0);
	cr_assert_eq(m.abi_minor, EW_ABI_MINOR);
	cr_assert_eq(ew_capture_next(r, &data, &len, err, sizeof(err)), 1);
	cr_assert_eq(len, sizeof(ev));
	cr_assert_eq(ew_decode(data, len, &out), EW_DEC_OK);
	cr_assert_eq(out.h.type, EW_EV_POLICY);
	cr_assert_eq(memcmp(out.policy.sha256, sha, sizeof(sha)), 0);
	cr_assert_eq(ew_capture_next(r, &data, &len, err, sizeof(err)), 0);
	ew_capture_reader_close(r);
	unlink(path);
	rmdir(base);
}
