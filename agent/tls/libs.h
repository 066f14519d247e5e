/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libs.h - the TLS libraries whose plaintext can be captured, the
 * functions hooked in each and what each one's arguments mean.
 *
 * Every WRITE function takes (session or fd, const void *buf, length) as
 * its first three arguments. A READ function returns the byte count; a
 * READ_EX function returns 1 and stores the count through its fourth
 * argument. FREE ends the session, so per-session state can go.
 */
#ifndef EW_TLS_LIBS_H
#define EW_TLS_LIBS_H

#include <stdbool.h>
#include <stddef.h>

#include "tls/elf_syms.h"

enum ew_tls_role {
	EW_TLS_ROLE_WRITE,
	EW_TLS_ROLE_READ,
	EW_TLS_ROLE_READ_EX,
	EW_TLS_ROLE_FREE,
};

#define EW_TLS_MAX_FUNCS 8
#define EW_TLS_NAME_LEN	 16 /* a library's name with its NUL: a BPF map value's size */

struct ew_tls_func {
	const char *name;
	enum ew_tls_role role;
};

struct ew_tls_lib {
	const char *family;	   /* "openssl", "gnutls", "nss" */
	const char *file_prefix;   /* the shared library's file name starts so: "libssl.so" */
	const char *verdef_prefix; /* its version definitions: "OPENSSL_"; NULL: none */
	const char *rodata_prefix; /* its version string: "OpenSSL "; NULL: none */
	const char *rodata_marker; /* with this string in .rodata, a bare "3.0.19" is its version */
	const char *fixed_version; /* the version the file name itself says ("4" for libnspr4) */
	const struct ew_tls_func *funcs;
	int n_funcs;
};

extern const struct ew_tls_lib ew_tls_libs[];
extern const int ew_tls_n_libs;

/* What examining one file found. */
struct ew_tls_found {
	const struct ew_tls_lib *lib; /* NULL: no TLS library functions in it */
	char library[EW_TLS_NAME_LEN];
	int n_syms;
	struct {
		enum ew_tls_role role;
		const char *name;
		unsigned long long offset;
	} syms[EW_TLS_MAX_FUNCS];
};

/**
 * ew_tls_libs_by_file() - the library a file name says it is: "libssl.so.3"
 * is OpenSSL, "libgnutls.so.30" GnuTLS, "libnspr4.so" NSS. NULL for any other.
 */
const struct ew_tls_lib *ew_tls_libs_by_file(const char *basename);

/**
 * ew_tls_libs_examine() - which library's functions the file defines.
 * @lib: the library the file name says it is; NULL to try every library
 *       (an executable or library that may hold one statically).
 *
 * A file that only imports another library's write function is not taken
 * for a static copy of this one (a compatibility layer over GnuTLS that
 * defines SSL_write would see each write twice).
 * Return: 0 with @out filled (@out->lib NULL when nothing was found), or
 * -ENOEXEC for a malformed file.
 */
int ew_tls_libs_examine(struct ew_elf_syms *e, const struct ew_tls_lib *lib,
			struct ew_tls_found *out);

/**
 * ew_tls_libs_name() - "openssl-3.0" from a version definition
 * ("OPENSSL_3.0.0") or a version string ("OpenSSL 3.0.19 ..."), whichever
 * is given (@verdef wins); the bare family name when neither parses.
 */
void ew_tls_libs_name(const struct ew_tls_lib *lib, const char *verdef, const char *rodata,
		      char out[EW_TLS_NAME_LEN]);

/* ew_tls_role_name() - "write", "read", "read_ex", "free". */
const char *ew_tls_role_name(enum ew_tls_role role);

#endif
