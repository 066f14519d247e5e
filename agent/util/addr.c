// SPDX-License-Identifier: GPL-2.0-only
#include "util/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int ew_addr_parse(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (strchr(s, ':'))
		return inet_pton(AF_INET6, s, out) == 1 ? 0 : -EINVAL;
	out[10] = out[11] = 0xff;
	return inet_pton(AF_INET, s, out + 12) == 1 ? 0 : -EINVAL;
}

int ew_cidr_parse(const char *s, uint8_t addr[16], uint8_t *prefix)
{
	char buf[64], *slash, *end;
	long bits;
	bool v4;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	v4 = strchr(buf, ':') == NULL;
	if (ew_addr_parse(buf, addr))
		return -EINVAL;
	errno = 0;
	bits = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || bits < 0 || bits > (v4 ? 32 : 128))
		return -EINVAL;
	*prefix = (uint8_t)(v4 ? bits + 96 : bits);
	for (int i = *prefix; i < 128; i++) /* host bits must be zero: a typo otherwise */
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return -EDOM;
	return 0;
}
