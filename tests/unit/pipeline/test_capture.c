// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/capture.h"
#include "ew.h"

static char path[64];

static void setup(void)
{
	snprintf(path, sizeof(path), "/tmp/ew-test-capture-XXXXXX");
	close(mkstemp(path));
}

static void teardown(void)
{
	unlink(path);
}

static void write_ticks(int n)
{
	struct ew_capture_meta m = {.boot_id = "0123abcd-1111", .hostname = "host-a"};
	struct ew_capture *c;

	cr_assert_eq(ew_capture_create(path, &m, &c), 0);
	for (int i = 0; i < n; i++) {
		struct ew_ev_tick t = {.h = {.type = EW_EV_TICK, .size = sizeof(t), .ts_ns = i}};

		t.realtime_ns = 1000 + i;
		cr_assert_eq(ew_capture_write(c, &t, sizeof(t)), 0);
	}
	cr_assert_eq(ew_capture_close(c), 0);
}

TestSuite(capture, .init = setup, .fini = teardown);

Test(capture, round_trip_and_mode)
{
	struct ew_capture_reader *r;
	struct ew_capture_meta m;
	struct stat st;
	const void *d;
	size_t len;
	char err[256];
	int n = 0;

	write_ticks(1000);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(ew_capture_open(path, &r, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(m.hostname, "host-a");
	cr_assert_str_eq(m.boot_id, "0123abcd-1111");
	while (ew_capture_next(r, &d, &len, err, sizeof(err)) == 1) {
		const struct ew_ev_tick *t = d;

		cr_assert_eq(len, sizeof(*t));
		cr_assert_eq(t->h.ts_ns, (uint64_t)n);
		cr_assert_eq(t->realtime_ns, 1000u + n);
		n++;
	}
	cr_assert_eq(n, 1000);
	ew_capture_reader_close(r);
}

Test(capture, torn_tail_is_reported_not_fatal)
{
	struct ew_capture_reader *r;
	struct ew_capture_meta m;
	struct stat st;
	const void *d;
	size_t len;
	char err[256];
	int n = 0, rc;

	write_ticks(10);
	stat(path, &st);
	cr_assert_eq(truncate(path, st.st_size - 5), 0);
	cr_assert_eq(ew_capture_open(path, &r, &m, err, sizeof(err)), 0);
	while ((rc = ew_capture_next(r, &d, &len, err, sizeof(err))) == 1)
		n++;
	cr_assert_eq(n, 9);
	cr_assert_eq(rc, -EPROTO);
	cr_assert(strstr(err, "ends inside a frame"), "%s", err);
	ew_capture_reader_close(r);
}

Test(capture, corrupt_frame_and_foreign_file)
{
	struct ew_capture_reader *r;
	struct ew_capture_meta m;
	const void *d;
	size_t len;
	char err[256];
	FILE *f;
	uint32_t huge = 1u << 30;

	write_ticks(2);
	f = fopen(path, "ab");
	fwrite(&huge, sizeof(huge), 1, f);
	fclose(f);
	cr_assert_eq(ew_capture_open(path, &r, &m, err, sizeof(err)), 0);
	cr_assert_eq(ew_capture_next(r, &d, &len, err, sizeof(err)), 1);
	cr_assert_eq(ew_capture_next(r, &d, &len, err, sizeof(err)), 1);
	cr_assert_eq(ew_capture_next(r, &d, &len, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "corrupt frame at byte"), "%s", err);
	ew_capture_reader_close(r);

	f = fopen(path, "wb");
	fputs("{\"not\": \"a capture\"}\n", f);
	fclose(f);
	cr_assert_eq(ew_capture_open(path, &r, &m, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not an egresswatch capture"), "%s", err);
}
