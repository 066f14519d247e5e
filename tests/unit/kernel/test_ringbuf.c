// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/ringbuf.h"

/* 304 bytes a record: 312 with its header, so the 14th of a 4096-byte ring wraps. */
#define REC   304
#define WORDS (REC / 8)

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};

	return i;
}

/* A socket filter that writes one record of REC bytes: words 1, 2, ... WORDS. */
static int load_writer(int map_fd)
{
	struct bpf_insn p[WORDS + 12];
	int n = 0;

	for (int k = 0; k < WORDS; k++)
		p[n++] = insn(BPF_ST | BPF_MEM | BPF_DW, 10, 0, (int16_t)(-REC + 8 * k), k + 1);
	p[n++] = insn(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd);
	p[n++] = insn(0, 0, 0, 0, 0);
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = insn(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -REC);
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, REC);
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
	p[n++] = insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output);
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "ew_rb_test", "GPL", p, (size_t)n, NULL);
}

static void run(int prog_fd, int times)
{
	char pkt[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = times);

	cr_assert_eq(bpf_prog_test_run_opts(prog_fd, &o), 0);
}

struct seen {
	int n, bad, stop_at;
};

static int check(void *ctx, void *data, size_t len)
{
	struct seen *s = ctx;
	uint64_t w[WORDS];

	s->n++;
	if (len != REC) {
		s->bad++;
		return 0;
	}
	memcpy(w, data, sizeof(w));
	for (int k = 0; k < WORDS; k++)
		if (w[k] != (uint64_t)k + 1)
			s->bad++;
	return s->n == s->stop_at ? -42 : 0;
}

static int map_fd = -1, prog_fd = -1;

/* CI runs as root on a BPF-capable kernel: there a missing BPF is a failure. */
static void no_bpf(const char *what, int err)
{
	const char *ci = getenv("CI");

	if (ci && !strcmp(ci, "true"))
		cr_assert_fail("CI=true: cannot %s (%s)", what, strerror(-err));
	cr_skip_test("cannot %s (%s): needs root", what, strerror(-err));
}

static void setup(void)
{
	map_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ew_rb_test", 0, 0, 4096, NULL);
	if (map_fd < 0)
		no_bpf("create a BPF ring buffer", map_fd);
	prog_fd = load_writer(map_fd);
	if (prog_fd < 0)
		no_bpf("load a BPF program", prog_fd);
}

static void teardown(void)
{
	if (prog_fd >= 0)
		close(prog_fd);
	if (map_fd >= 0)
		close(map_fd);
}

Test(ringbuf, records_that_wrap_around_the_end_arrive_whole, .init = setup, .fini = teardown)
{
	struct seen s = {0};
	struct ew_ringbuf *r;

	cr_assert_eq(ew_ringbuf_new(map_fd, check, &s, &r), 0);
	cr_assert_geq(ew_ringbuf_epoll_fd(r), 0);
	cr_assert_eq(ew_ringbuf_consume(r), 0, "an empty ring");
	/* 60 records through a ring that holds 13: the ends wrap several times. */
	for (int round = 0; round < 6; round++) {
		run(prog_fd, 10);
		cr_assert_eq(ew_ringbuf_consume(r), 10);
	}
	cr_assert_eq(s.n, 60);
	cr_assert_eq(s.bad, 0, "%d words differ", s.bad);
	ew_ringbuf_free(r);
}

Test(ringbuf, a_negative_callback_stops_after_its_record, .init = setup, .fini = teardown)
{
	struct seen s = {.stop_at = 3};
	struct ew_ringbuf *r;

	cr_assert_eq(ew_ringbuf_new(map_fd, check, &s, &r), 0);
	run(prog_fd, 5);
	cr_assert_eq(ew_ringbuf_consume(r), -42);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(ew_ringbuf_consume(r), 2, "the third is not handed over again");
	cr_assert_eq(s.bad, 0);
	ew_ringbuf_free(r);
}

struct peeked {
	struct seen s;
	int peeks, bad, early; /* early: a peek out of turn */
};

static void peek(void *ctx, const void *data, size_t len)
{
	struct peeked *pk = ctx;
	uint64_t w[WORDS];

	pk->peeks++;
	if (len != REC) {
		pk->bad++;
		return;
	}
	memcpy(w, data, sizeof(w));
	for (int k = 0; k < WORDS; k++)
		if (w[k] != (uint64_t)k + 1)
			pk->bad++;
}

static int check_peeked(void *ctx, void *data, size_t len)
{
	struct peeked *pk = ctx;

	/* The first ten: record n goes over after record n + 1 was peeked at, but the last. */
	if (pk->s.n < 10 && pk->peeks != (pk->s.n < 9 ? pk->s.n + 1 : 9))
		pk->early++;
	return check(&pk->s, data, len);
}

Test(ringbuf, a_peek_sees_the_next_record_and_changes_nothing, .init = setup, .fini = teardown)
{
	struct peeked pk = {0};
	struct ew_ringbuf *r;

	cr_assert_eq(ew_ringbuf_new(map_fd, check_peeked, &pk, &r), 0);
	ew_ringbuf_set_peek(r, peek);
	run(prog_fd, 10);
	cr_assert_eq(ew_ringbuf_consume(r), 10);
	cr_assert_eq(pk.peeks, 9, "each record but the last had its next one committed");
	/* Then the ends wrap: the record that wraps is not peeked at, the rest are. */
	for (int round = 0; round < 5; round++) {
		run(prog_fd, 10);
		cr_assert_eq(ew_ringbuf_consume(r), 10);
	}
	cr_assert_eq(pk.s.n, 60);
	cr_assert_eq(pk.s.bad, 0);
	cr_assert_eq(pk.bad, 0, "peeks saw whole records");
	cr_assert_eq(pk.early, 0);
	cr_assert_geq(pk.peeks, 6 * 9 - 5, "at most one wrapping record a round is skipped");
	cr_assert_lt(pk.peeks, 60);
	ew_ringbuf_set_peek(r, NULL);
	run(prog_fd, 3);
	cr_assert_eq(ew_ringbuf_consume(r), 3);
	cr_assert_lt(pk.peeks, 60);
	ew_ringbuf_free(r);
}

Test(ringbuf, not_a_ring_buffer_is_refused)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ew_rb_arr", 4, 8, 1, NULL);
	struct ew_ringbuf *r = NULL;

	if (fd < 0)
		no_bpf("create a BPF map", fd);
	cr_assert_eq(ew_ringbuf_new(fd, check, NULL, &r), -EINVAL);
	cr_assert_null(r);
	close(fd);
}
