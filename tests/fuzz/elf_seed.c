// SPDX-License-Identifier: GPL-2.0-only
/* A seed for fuzz_elf_syms: OpenSSL's function names, version definitions, a version string. */
#include <stddef.h>

const char *seed_version(void);

const char *seed_version(void)
{
	return "OpenSSL 3.0.99 seed";
}

int SSL_write(void *s, const void *b, int n);
int SSL_write(void *s, const void *b, int n)
{
	return s && b ? n : -1;
}

int SSL_read(void *s, void *b, int n);
int SSL_read(void *s, void *b, int n)
{
	return s && b ? n : -1;
}

void SSL_free(void *s);
void SSL_free(void *s)
{
	(void)s;
}
