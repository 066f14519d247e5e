// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for dns_msg.c: ew_dns_answers() (no crash, sane names,
 * count matches the calls) and ew_dns_query() on the same bytes (no crash, a
 * sane question or none, the id as the header says, never both a question
 * and answers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/dns_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sane(const char *name)
{
	size_t n = strlen(name);

	return n <= 253 && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789.-_") == n;
}

static int count(const char *name, const uint8_t addr[16], uint32_t ttl, void *arg)
{
	(void)addr;
	(void)ttl;
	if (!sane(name))
		abort();
	++*(int *)arg;
	return 0;
}

static int stop(const char *name, const uint8_t addr[16], uint32_t ttl, void *arg)
{
	(void)name;
	(void)addr;
	(void)ttl;
	(void)arg;
	return -ECANCELED;
}

static void query(const uint8_t *data, size_t size, int answers)
{
	struct ew_dns_question q;
	int r = ew_dns_query(data, size, &q);
	int txid = ew_dns_txid(data, size);

	if (r != 0 && r != -ENOENT && r != -EAGAIN && r != -EINVAL)
		abort();
	if (!sane(q.name) || (r == 0) != (q.name[0] != '\0'))
		abort();
	if (size < 2 ? txid != -EAGAIN || q.txid != 0
		     : txid != (data[0] << 8 | data[1]) || q.txid != txid)
		abort();
	/* QR tells a query from a response: one message is never both. */
	if (r == 0 && answers > 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int calls = 0;
	int r = ew_dns_answers(data, size, count, &calls);

	if (r >= 0 ? r != calls : (r != -EAGAIN && r != -EINVAL) || calls != 0)
		abort();
	query(data, size, r);
	r = ew_dns_answers(data, size, stop, NULL);
	if ((calls > 0 && r != -ECANCELED) || (calls == 0 && r == -ECANCELED))
		abort();
	return 0;
}
