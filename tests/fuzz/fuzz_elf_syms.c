// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for elf_syms and the TLS library recogniser: arbitrary
 * bytes as an ELF file (a memfd, read as the agent reads any file a process
 * maps). No crash, and every answer stays in its bounds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tls/elf_syms.h"
#include "tls/libs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s, size_t len)
{
	if (strnlen(s, len) >= len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_elf_sym_query q[] = {
	    {.name = "SSL_write"}, {.name = "main"}, {.name = "PR_Read"}};
	struct ew_elf_syms *e;
	struct ew_tls_found f;
	char s[48], small[6];
	int fd = memfd_create("fuzz", MFD_CLOEXEC), rc;

	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	rc = ew_elf_syms_open(fd, &e);
	if (rc) {
		if (rc != -ENOEXEC)
			abort();
		close(fd);
		return 0;
	}
	rc = ew_elf_syms_find(e, q, 3);
	if (rc > 3 || (rc < 0 && rc != -ENOEXEC))
		abort();
	for (int i = 0; i < 3; i++)
		if (q[i].state == EW_ELF_SYM_DEFINED && q[i].offset >= size)
			abort();
	if (!ew_elf_syms_build_id(e, s, sizeof(s)))
		check_string(s, sizeof(s));
	ew_elf_syms_build_id(e, small, sizeof(small));
	if (!ew_elf_syms_verdef_max(e, "OPENSSL_", s, sizeof(s)))
		check_string(s, sizeof(s));
	if (!ew_elf_syms_verdef_max(e, "A", small, sizeof(small)))
		check_string(small, sizeof(small));
	if (!ew_elf_syms_rodata_find(e, "OpenSSL ", small, sizeof(small)))
		check_string(small, sizeof(small));
	if (!ew_elf_syms_rodata_version(e, "openssl-version", 3, 99, small, sizeof(small)))
		check_string(small, sizeof(small));
	ew_elf_syms_is_go(e);
	if (!ew_tls_libs_examine(e, NULL, &f) && f.lib) {
		check_string(f.library, sizeof(f.library));
		if (f.n_syms < 1 || f.n_syms > EW_TLS_MAX_FUNCS)
			abort();
	}
	ew_elf_syms_close(e);
	close(fd);
	return 0;
}
