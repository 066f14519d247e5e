// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static union ew_event out;

Test(decode, valid_connect)
{
	struct ew_ev_sock_addr e = {.h = {.type = EW_EV_CONNECT, .size = sizeof(e)}};

	e.proto = EW_IPPROTO_TCP;
	e.family = EW_AF_INET;
	memset(e.task.comm, 'x', sizeof(e.task.comm)); /* no NUL: must be terminated */
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_OK);
	cr_assert_eq(strlen(out.sa.task.comm), EW_COMM_LEN - 1);
}

Test(decode, rejects_short_unknown_and_mismatched)
{
	struct ew_ev_tick t = {.h = {.type = EW_EV_TICK, .size = sizeof(t)}};

	cr_assert_eq(ew_decode(&t, 3, &out), EW_DEC_SHORT);
	t.h.type = 99;
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_TYPE);
	t.h.type = EW_EV_TICK;
	t.h.size = sizeof(t) + 8;
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_SIZE);
	t.h.size = sizeof(t);
	cr_assert_eq(ew_decode(&t, sizeof(t) - 1, &out), EW_DEC_SIZE);
	cr_assert_eq(ew_decode(&t, sizeof(t), &out), EW_DEC_OK);
}

Test(decode, rejects_bad_fields)
{
	struct ew_ev_sock_addr e = {.h = {.type = EW_EV_CONNECT, .size = sizeof(e)}};
	struct ew_ev_exec *x = calloc(1, sizeof(*x));

	e.proto = 1; /* ICMP is not ours */
	e.family = EW_AF_INET;
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	e.proto = EW_IPPROTO_UDP;
	e.family = 2; /* AF_INET's number, not EW_AF_INET */
	cr_assert_eq(ew_decode(&e, sizeof(e), &out), EW_DEC_FIELD);
	x->h.type = EW_EV_EXEC;
	x->h.size = sizeof(*x);
	x->exe_len = EW_PATH_LEN + 1;
	cr_assert_eq(ew_decode(x, sizeof(*x), &out), EW_DEC_FIELD);
	free(x);
}

/* Random bytes must never crash the decoder nor pass as a valid event of a wrong size. */
Test(decode, random_bytes)
{
	unsigned char buf[2048];

	srand(42);
	for (int i = 0; i < 100000; i++) {
		size_t len = (size_t)(rand() % (int)sizeof(buf));
		int rc;

		for (size_t j = 0; j < len; j++)
			buf[j] = (unsigned char)rand();
		if (i % 3 == 0 && len >= 16) { /* plausible headers, to get past the first check */
			buf[0] = (unsigned char)(rand() % 40);
			buf[1] = 0;
		}
		rc = ew_decode(buf, len, &out);
		if (rc == EW_DEC_OK)
			cr_assert_eq(ew_event_size(out.h.type), out.h.size);
	}
}
