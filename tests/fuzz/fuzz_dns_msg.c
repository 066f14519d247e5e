// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for ew_dns_answers(): no crash, sane names, count matches the calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/dns_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(const char *name, const uint8_t addr[16], uint32_t ttl, void *arg)
{
	size_t n = strlen(name);

	(void)addr;
	(void)ttl;
	if (n > 253 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != n)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int calls = 0;
	int r = ew_dns_answers(data, size, count, &calls);

	if (r >= 0 ? r != calls : (r != -EAGAIN && r != -EINVAL) || calls != 0)
		abort();
	r = ew_dns_answers(data, size, stop, NULL);
	if ((calls > 0 && r != -ECANCELED) || (calls == 0 && r == -ECANCELED))
		abort();
	return 0;
}
