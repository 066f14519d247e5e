// SPDX-License-Identifier: GPL-2.0-only
/*
 * elf_syms on this machine's real TLS libraries. The expected offsets come
 * from an independent source: the dynamic linker. The bytes at the file
 * offset found must be the bytes the loaded library has at dlsym()'s address.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tls/elf_syms.h"

/* The file the dynamic linker loaded for @soname, and the address of @sym in it. */
static void *loaded(const char *soname, const char *sym, char *path, size_t len)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	Dl_info info;
	void *addr;

	cr_assert_not_null(h, "%s is not installed (scripts/deps installs it): %s", soname,
			   dlerror());
	addr = dlsym(h, sym);
	cr_assert_not_null(addr, "%s has no %s", soname, sym);
	cr_assert(dladdr(addr, &info) && info.dli_fname);
	snprintf(path, len, "%s", info.dli_fname);
	return addr;
}

/* The running libcrypto's own banner, asked through the dynamic linker. */
static const char *OpenSSL_version_text(void)
{
	void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	const char *(*version)(int) = h ? (const char *(*)(int))dlsym(h, "OpenSSL_version") : NULL;

	cr_assert_not_null(version);
	return version(0); /* OPENSSL_VERSION */
}

/* The file's code as loaded; a running agent's uprobes show as int3 (0xcc) in memory. */
static bool same_code(const unsigned char *file, const unsigned char *mem, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (file[i] != mem[i] && mem[i] != 0xcc)
			return false;
	return true;
}

static void offsets_match(const char *soname, const char *const *names, int n)
{
	struct ew_elf_sym_query q[8];
	struct ew_elf_syms *e;
	char path[4096];
	int fd;

	loaded(soname, names[0], path, sizeof(path));
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(ew_elf_syms_open(fd, &e), 0);
	for (int i = 0; i < n; i++)
		q[i].name = names[i];
	cr_assert_eq(ew_elf_syms_find(e, q, n), n, "%s", path);
	for (int i = 0; i < n; i++) {
		unsigned char file[32];
		void *mem = loaded(soname, names[i], path, sizeof(path));

		cr_assert_eq(q[i].state, EW_ELF_SYM_DEFINED);
		cr_assert_eq(pread(fd, file, sizeof(file), (off_t)q[i].offset),
			     (ssize_t)sizeof(file));
		cr_assert(same_code(file, mem, sizeof(file)), "%s: %s at file offset 0x%llx", path,
			  names[i], (unsigned long long)q[i].offset);
	}
	ew_elf_syms_close(e);
	close(fd);
}

Test(elf_syms, openssl_offsets_are_the_loaded_code)
{
	static const char *const n[] = {"SSL_write", "SSL_write_ex", "SSL_read", "SSL_read_ex",
					"SSL_free"};

	offsets_match("libssl.so.3", n, 5);
}

Test(elf_syms, gnutls_offsets_are_the_loaded_code)
{
	static const char *const n[] = {"gnutls_record_send", "gnutls_record_recv", "gnutls_deinit",
					"gnutls_record_send2"};

	offsets_match("libgnutls.so.30", n, 4);
}

Test(elf_syms, nspr_offsets_are_the_loaded_code)
{
	static const char *const n[] = {"PR_Write", "PR_Send", "PR_Read", "PR_Recv", "PR_Close"};

	offsets_match("libnspr4.so", n, 5);
}

static struct ew_elf_syms *open_lib(const char *soname, const char *sym, int *fd)
{
	struct ew_elf_syms *e;
	char path[4096];

	loaded(soname, sym, path, sizeof(path));
	*fd = open(path, O_RDONLY);
	cr_assert_geq(*fd, 0);
	cr_assert_eq(ew_elf_syms_open(*fd, &e), 0);
	return e;
}

Test(elf_syms, imports_and_absent_names)
{
	struct ew_elf_sym_query q[] = {
	    {.name = "BIO_write"}, {.name = "no_such_function"}, {.name = "SSL_write"}};
	int fd;
	struct ew_elf_syms *e = open_lib("libssl.so.3", "SSL_write", &fd);

	cr_assert_eq(ew_elf_syms_find(e, q, 3), 1);
	cr_assert_eq(q[0].state, EW_ELF_SYM_UNDEF, "libssl imports BIO_write from libcrypto");
	cr_assert_eq(q[1].state, EW_ELF_SYM_ABSENT);
	cr_assert_eq(q[2].state, EW_ELF_SYM_DEFINED);
	ew_elf_syms_close(e);
	close(fd);
}

Test(elf_syms, build_id_is_readelfs)
{
	char path[4096], cmd[4200], want[64] = "", got[41];
	struct ew_elf_syms *e;
	FILE *p;
	int fd;

	loaded("libssl.so.3", "SSL_write", path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "readelf -n '%s' | sed -n 's/.*Build ID: //p'", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(want, sizeof(want), p), "readelf shows no build id");
	pclose(p);
	want[strcspn(want, "\n")] = '\0';
	fd = open(path, O_RDONLY);
	cr_assert_eq(ew_elf_syms_open(fd, &e), 0);
	cr_assert_eq(ew_elf_syms_build_id(e, got, 8), -ENOSPC);
	cr_assert_eq(ew_elf_syms_build_id(e, got, sizeof(got)), 0);
	cr_assert_str_eq(got, want);
	ew_elf_syms_close(e);
	close(fd);
}

Test(elf_syms, highest_version_definitions)
{
	char v[64];
	int fd1, fd2, fd3;
	struct ew_elf_syms *ssl = open_lib("libssl.so.3", "SSL_write", &fd1);
	struct ew_elf_syms *gnutls = open_lib("libgnutls.so.30", "gnutls_record_send", &fd2);
	struct ew_elf_syms *nspr = open_lib("libnspr4.so", "PR_Write", &fd3);

	cr_assert_eq(ew_elf_syms_verdef_max(ssl, "OPENSSL_", v, sizeof(v)), 0);
	cr_assert_str_eq(v, "OPENSSL_3.0.0");
	cr_assert_eq(ew_elf_syms_verdef_max(ssl, "OPENSSL_", v, 5), -ENOSPC);
	/* 3_7_x beats 3_6_14 and 3_4; GNUTLS_PRIVATE_3_4 and GNUTLS_FIPS140_3_4 are not versions.
	 */
	cr_assert_eq(ew_elf_syms_verdef_max(gnutls, "GNUTLS_", v, sizeof(v)), 0);
	cr_assert(!strncmp(v, "GNUTLS_3_7_", 11), "%s", v);
	cr_assert_eq(ew_elf_syms_verdef_max(nspr, "NSPR_", v, sizeof(v)), -ENOENT);
	cr_assert_not(ew_elf_syms_is_go(ssl));
	ew_elf_syms_close(ssl);
	ew_elf_syms_close(gnutls);
	ew_elf_syms_close(nspr);
	close(fd1);
	close(fd2);
	close(fd3);
}

Test(elf_syms, version_numbers)
{
	unsigned int v[4];

	cr_assert_eq(ew_elf_syms_version("3.0.19 27 Jan", v, 4), 3);
	cr_assert(v[0] == 3 && v[1] == 0 && v[2] == 19);
	cr_assert_eq(ew_elf_syms_version("3_7_x", v, 4), 2);
	cr_assert(v[0] == 3 && v[1] == 7);
	cr_assert_eq(ew_elf_syms_version("1_1_1", v, 2), 2);
	cr_assert_eq(ew_elf_syms_version("PRIVATE_3", v, 4), 0);
	cr_assert_eq(ew_elf_syms_version("99999999999.1", v, 4), 2);
	cr_assert_eq(v[0], 1000000);
}

static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("elf", 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

/* Whatever the bytes, an error or an answer: never a crash. */
static void survives(int fd)
{
	struct ew_elf_sym_query q[] = {{.name = "SSL_write"}, {.name = "main"}};
	struct ew_elf_syms *e;
	char s[128];
	int rc = ew_elf_syms_open(fd, &e);

	if (rc) {
		cr_assert_eq(rc, -ENOEXEC);
		return;
	}
	cr_assert_leq(ew_elf_syms_find(e, q, 2), 2);
	ew_elf_syms_build_id(e, s, sizeof(s));
	ew_elf_syms_verdef_max(e, "OPENSSL_", s, sizeof(s));
	ew_elf_syms_rodata_find(e, "OpenSSL ", s, sizeof(s));
	ew_elf_syms_is_go(e);
	ew_elf_syms_close(e);
}

Test(elf_syms, garbage_and_truncated_files)
{
	static const char text[] = "not an ELF file at all";
	char path[4096], *buf;
	size_t cuts[] = {0, 4, 16, 63, 64, 200, 4096, 100000, 300000};
	long size;
	FILE *f;
	int fd;

	fd = memfd_with(text, sizeof(text));
	cr_assert_eq(ew_elf_syms_open(fd, &(struct ew_elf_syms *){NULL}), -ENOEXEC);
	close(fd);
	cr_assert_eq(ew_elf_syms_open(open("/", O_RDONLY), &(struct ew_elf_syms *){NULL}),
		     -ENOEXEC);

	loaded("libssl.so.3", "SSL_write", path, sizeof(path));
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size);
	cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		fd = memfd_with(buf, cuts[i] < (size_t)size ? cuts[i] : (size_t)size);
		survives(fd);
		close(fd);
	}
	/* The whole file with its section and program header offsets pointing far away. */
	memset(buf + 0x20, 0x7f, 16);
	fd = memfd_with(buf, (size_t)size);
	survives(fd);
	close(fd);
	free(buf);
}

Test(elf_syms, go_binary_by_its_buildinfo_section)
{
	char dir[] = "/tmp/ew-elf-XXXXXX", cmd[512], path[600];
	struct ew_elf_syms *e;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "printf '\\377 Go buildinf:' > %s/bi && objcopy --add-section .go.buildinfo=%s/bi "
		 "/bin/true %s/gobin",
		 dir, dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(path, sizeof(path), "%s/gobin", dir);
	fd = open(path, O_RDONLY);
	cr_assert_eq(ew_elf_syms_open(fd, &e), 0);
	cr_assert(ew_elf_syms_is_go(e));
	ew_elf_syms_close(e);
	close(fd);
	fd = open("/bin/true", O_RDONLY);
	cr_assert_eq(ew_elf_syms_open(fd, &e), 0);
	cr_assert_not(ew_elf_syms_is_go(e));
	ew_elf_syms_close(e);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* libcrypto's banner "OpenSSL 3.0.19 27 Jan 2026"; the static program's core parameter "3.0.19". */
Test(elf_syms, version_strings_in_rodata)
{
	const char *prog = getenv("EW_TLS_STATIC");
	char banner[64], bare[16], small[10];
	struct ew_elf_syms *e;
	int fd;

	e = open_lib("libcrypto.so.3", "OpenSSL_version", &fd);
	cr_assert_eq(ew_elf_syms_rodata_find(e, "OpenSSL ", banner, sizeof(banner)), 0);
	cr_assert(!strncmp(banner, "OpenSSL 3.", 10), "%s", banner);
	cr_assert_str_eq(banner, OpenSSL_version_text());
	cr_assert_eq(ew_elf_syms_rodata_find(e, "OpenSSL ", small, sizeof(small)), 0);
	cr_assert_str_eq(small, "OpenSSL 3");
	cr_assert_eq(ew_elf_syms_rodata_find(e, "NoSuchBanner ", banner, sizeof(banner)), -ENOENT);
	ew_elf_syms_close(e);
	close(fd);

	cr_assert_not_null(prog, "EW_TLS_STATIC is set by meson");
	fd = open(prog, O_RDONLY);
	cr_assert_eq(ew_elf_syms_open(fd, &e), 0);
	cr_assert_eq(ew_elf_syms_rodata_version(e, "openssl-version", 3, 99, bare, sizeof(bare)),
		     0);
	cr_assert(!strncmp(OpenSSL_version_text() + 8, bare, strlen(bare)), "%s", bare);
	cr_assert_eq(ew_elf_syms_rodata_version(e, "no-such-marker", 3, 99, bare, sizeof(bare)),
		     -ENOENT);
	ew_elf_syms_close(e);
	close(fd);
}
