// SPDX-License-Identifier: GPL-2.0-only
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tls/libs.h"

static const char *family_of(const char *file)
{
	const struct ew_tls_lib *l = ew_tls_libs_by_file(file);

	return l ? l->family : NULL;
}

Test(libs, file_names)
{
	cr_assert_str_eq(family_of("libssl.so.3"), "openssl");
	cr_assert_str_eq(family_of("libssl.so"), "openssl");
	cr_assert_str_eq(family_of("libssl.so.1.1"), "openssl");
	cr_assert_str_eq(family_of("libgnutls.so.30.34.3"), "gnutls");
	cr_assert_str_eq(family_of("libnspr4.so"), "nss");
	cr_assert_null(family_of("libssl3.so"), "NSS's SSL layer, not OpenSSL");
	cr_assert_null(family_of("libgnutls-openssl.so.27"));
	cr_assert_null(family_of("libssl.so3"));
	cr_assert_null(family_of("libcrypto.so.3"));
	cr_assert_null(family_of(""));
}

static const char *name(const char *family, const char *verdef, const char *rodata)
{
	static char out[EW_TLS_NAME_LEN];
	const struct ew_tls_lib *l = NULL;

	for (int i = 0; i < ew_tls_n_libs; i++)
		if (!strcmp(ew_tls_libs[i].family, family))
			l = &ew_tls_libs[i];
	cr_assert_not_null(l);
	memset(out, 'x', sizeof(out));
	ew_tls_libs_name(l, verdef, rodata, out);
	cr_assert_lt(strlen(out), EW_TLS_NAME_LEN);
	return out;
}

Test(libs, names_from_versions)
{
	cr_assert_str_eq(name("openssl", "OPENSSL_3.0.0", NULL), "openssl-3.0");
	cr_assert_str_eq(name("openssl", "OPENSSL_3.2.0", "OpenSSL 3.0.1"), "openssl-3.2");
	cr_assert_str_eq(name("openssl", "OPENSSL_1_1_1", NULL), "openssl-1.1");
	cr_assert_str_eq(name("openssl", NULL, "OpenSSL 3.0.19 27 Jan 2026"), "openssl-3.0");
	cr_assert_str_eq(name("openssl", "OPENSSL_3", "OpenSSL 1.1.1w"), "openssl-1.1");
	cr_assert_str_eq(name("openssl", NULL, NULL), "openssl");
	cr_assert_str_eq(name("openssl", "GNUTLS_3_7_7", "OpenSSL x"), "openssl");
	cr_assert_str_eq(name("openssl", "OPENSSL_999.999", NULL), "openssl-999.999");
	cr_assert_str_eq(name("openssl", "OPENSSL_99999.1", NULL), "openssl");
	cr_assert_str_eq(name("gnutls", "GNUTLS_3_7_7", NULL), "gnutls-3.7");
	cr_assert_str_eq(name("gnutls", NULL, "GnuTLS 3.8.1"), "gnutls-3.8");
	cr_assert_str_eq(name("nss", NULL, NULL), "nss-4");
}

static void examine(const char *soname, const char *sym, const char *want_name, int want_syms,
		    struct ew_tls_found *f)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	struct ew_elf_syms *e;
	Dl_info info;
	int fd;

	cr_assert_not_null(h, "%s: %s", soname, dlerror());
	cr_assert(dladdr(dlsym(h, sym), &info));
	fd = open(info.dli_fname, O_RDONLY);
	cr_assert_eq(ew_elf_syms_open(fd, &e), 0);
	cr_assert_eq(ew_tls_libs_examine(e, NULL, f), 0);
	cr_assert_not_null(f->lib, "%s", info.dli_fname);
	cr_assert_str_eq(f->library, want_name);
	cr_assert_eq(f->n_syms, want_syms);
	ew_elf_syms_close(e);
	close(fd);
}

static bool has(const struct ew_tls_found *f, const char *fn, enum ew_tls_role role)
{
	for (int i = 0; i < f->n_syms; i++)
		if (!strcmp(f->syms[i].name, fn))
			return f->syms[i].role == role && f->syms[i].offset;
	return false;
}

static uint64_t offset_of(const struct ew_tls_found *f, const char *fn)
{
	for (int i = 0; i < f->n_syms; i++)
		if (!strcmp(f->syms[i].name, fn))
			return f->syms[i].offset;
	return 0;
}

static bool push_opcode(const uint8_t *p)
{
	return (p[0] >= 0x50 && p[0] <= 0x57) || (p[0] == 0x41 && p[1] >= 0x50 && p[1] <= 0x57);
}

static bool jmp_opcode(const uint8_t *p)
{
	return p[0] == 0xe9;
}

/* The code at file offset @off of the library that defines @sym, read from the file
 * (in memory a running agent's uprobe would show as int3). */
static bool code_at(const char *soname, const char *sym, uint64_t off, bool (*ok)(const uint8_t *))
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	uint8_t b[8];
	Dl_info info;
	int fd;

	cr_assert(off);
	cr_assert(h && dladdr(dlsym(h, sym), &info));
	fd = open(info.dli_fname, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, b, sizeof(b), (off_t)off), (ssize_t)sizeof(b));
	close(fd);
	return ok(b);
}

Test(libs, real_libraries)
{
	struct ew_tls_found f;

	examine("libssl.so.3", "SSL_write", "openssl-3.0", 3, &f);
	/* SSL_write and SSL_write_ex share their worker: one probe there, on a push. */
	cr_assert(has(&f, "SSL_write(_ex)", EW_TLS_ROLE_WRITE));
	cr_assert(has(&f, "SSL_read(_ex)", EW_TLS_ROLE_READ_EX));
	cr_assert(has(&f, "SSL_free", EW_TLS_ROLE_FREE));
	cr_assert_not(has(&f, "SSL_write", EW_TLS_ROLE_WRITE));
	cr_assert(code_at("libssl.so.3", "SSL_free", offset_of(&f, "SSL_write(_ex)"), push_opcode));
	examine("libgnutls.so.30", "gnutls_record_send", "gnutls-3.7", 3, &f);
	/* ... and gnutls_record_send's on its jmp to gnutls_record_send2 (0xe9). */
	cr_assert(code_at("libgnutls.so.30", "gnutls_record_send",
			  offset_of(&f, "gnutls_record_send"), jmp_opcode));
	/* gnutls_record_send tail-calls gnutls_record_send2: one of them only. */
	cr_assert(has(&f, "gnutls_record_send", EW_TLS_ROLE_WRITE));
	cr_assert_not(has(&f, "gnutls_record_send2", EW_TLS_ROLE_WRITE));
	examine("libnspr4.so", "PR_Write", "nss-4", 5, &f);
	cr_assert(has(&f, "PR_Recv", EW_TLS_ROLE_READ));
	cr_assert_str_eq(ew_tls_role_name(EW_TLS_ROLE_READ_EX), "read_ex");
}

/* The openssl command imports SSL_write from libssl.so.3: nothing of its own to hook. */
Test(libs, a_program_importing_ssl_write_is_not_static_openssl)
{
	struct ew_elf_sym_query q = {.name = "SSL_write"};
	struct ew_elf_syms *e;
	struct ew_tls_found f;
	int fd = open("/usr/bin/openssl", O_RDONLY);

	cr_assert_geq(fd, 0, "the openssl package is not installed (scripts/deps installs it)");
	cr_assert_eq(ew_elf_syms_open(fd, &e), 0);
	cr_assert_eq(ew_elf_syms_find(e, &q, 1), 0);
	cr_assert_eq(q.state, EW_ELF_SYM_UNDEF);
	cr_assert_eq(ew_tls_libs_examine(e, NULL, &f), 0);
	cr_assert_null(f.lib);
	cr_assert_eq(f.n_syms, 0);
	ew_elf_syms_close(e);
	close(fd);
}
