// SPDX-License-Identifier: GPL-2.0-only
/* The supported TLS libraries, and recognising one in an ELF file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tls/libs.h"
#include "tls/entry.h"

/*
 * OpenSSL 3's SSL_write does not go through SSL_write_ex (both call an
 * internal function), so both are hooked; a program uses one or the other.
 * GnuTLS's gnutls_record_send only tail-jumps into gnutls_record_send2:
 * hooking both would see one write twice, so only the first is listed.
 */
static const struct ew_tls_func openssl_funcs[] = {
    {"SSL_write", EW_TLS_ROLE_WRITE}, {"SSL_write_ex", EW_TLS_ROLE_WRITE},
    {"SSL_read", EW_TLS_ROLE_READ},   {"SSL_read_ex", EW_TLS_ROLE_READ_EX},
    {"SSL_free", EW_TLS_ROLE_FREE},
};

static const struct ew_tls_func gnutls_funcs[] = {
    {"gnutls_record_send", EW_TLS_ROLE_WRITE},
    {"gnutls_record_recv", EW_TLS_ROLE_READ},
    {"gnutls_deinit", EW_TLS_ROLE_FREE},
};

/* NSS's plaintext passes through NSPR's I/O layer, above the SSL layer's own. */
static const struct ew_tls_func nspr_funcs[] = {
    {"PR_Write", EW_TLS_ROLE_WRITE}, {"PR_Send", EW_TLS_ROLE_WRITE}, {"PR_Read", EW_TLS_ROLE_READ},
    {"PR_Recv", EW_TLS_ROLE_READ},   {"PR_Close", EW_TLS_ROLE_FREE},
};

#define FUNCS(a) a, (int)(sizeof(a) / sizeof(a[0]))

const struct ew_tls_lib ew_tls_libs[] = {
    {"openssl", "libssl.so", "OPENSSL_", "OpenSSL ", "openssl-version", NULL, FUNCS(openssl_funcs)},
    {"gnutls", "libgnutls.so", "GNUTLS_", "GnuTLS ", NULL, NULL, FUNCS(gnutls_funcs)},
    {"nss", "libnspr4.so", NULL, NULL, NULL, "4", FUNCS(nspr_funcs)},
};
const int ew_tls_n_libs = (int)(sizeof(ew_tls_libs) / sizeof(ew_tls_libs[0]));

#define ALL_FUNCS 16

const struct ew_tls_lib *ew_tls_libs_by_file(const char *basename)
{
	for (int i = 0; i < ew_tls_n_libs; i++) {
		size_t n = strlen(ew_tls_libs[i].file_prefix);

		/* "libssl.so" and "libssl.so.3", not "libssl.so3" nor NSS's "libssl3.so". */
		if (!strncmp(basename, ew_tls_libs[i].file_prefix, n) &&
		    (basename[n] == '\0' || basename[n] == '.'))
			return &ew_tls_libs[i];
	}
	return NULL;
}

const char *ew_tls_role_name(enum ew_tls_role role)
{
	switch (role) {
	case EW_TLS_ROLE_WRITE:
		return "write";
	case EW_TLS_ROLE_READ:
		return "read";
	case EW_TLS_ROLE_READ_EX:
		return "read_ex";
	case EW_TLS_ROLE_FREE:
		return "free";
	}
	return "?";
}

/* How many version numbers the name carries: OpenSSL's ABI changes with the minor, NSPR's not. */
static int version_parts(const struct ew_tls_lib *lib)
{
	return lib->fixed_version ? 1 : 2;
}

void ew_tls_libs_name(const struct ew_tls_lib *lib, const char *verdef, const char *rodata,
		      char out[EW_TLS_NAME_LEN])
{
	unsigned int v[2];
	int n = 0;

	if (verdef && lib->verdef_prefix &&
	    !strncmp(verdef, lib->verdef_prefix, strlen(lib->verdef_prefix)))
		n = ew_elf_syms_version(verdef + strlen(lib->verdef_prefix), v, 2);
	if (n < version_parts(lib) && rodata && lib->rodata_prefix &&
	    !strncmp(rodata, lib->rodata_prefix, strlen(lib->rodata_prefix)))
		n = ew_elf_syms_version(rodata + strlen(lib->rodata_prefix), v, 2);
	if (n < version_parts(lib) && lib->fixed_version)
		n = ew_elf_syms_version(lib->fixed_version, v, 2);
	if (n >= 2 && version_parts(lib) >= 2 && v[0] < 1000 && v[1] < 1000)
		snprintf(out, EW_TLS_NAME_LEN, "%s-%u.%u", lib->family, v[0], v[1]);
	else if (n >= 1 && v[0] < 1000)
		snprintf(out, EW_TLS_NAME_LEN, "%s-%u", lib->family, v[0]);
	else
		snprintf(out, EW_TLS_NAME_LEN, "%s", lib->family);
}

static void name_of(struct ew_elf_syms *e, const struct ew_tls_lib *lib, char *out)
{
	char verdef[64] = "", rodata[64] = "";

	if (!lib->verdef_prefix ||
	    ew_elf_syms_verdef_max(e, lib->verdef_prefix, verdef, sizeof(verdef)))
		verdef[0] = '\0';
	if (!verdef[0] && lib->rodata_prefix &&
	    ew_elf_syms_rodata_find(e, lib->rodata_prefix, rodata, sizeof(rodata)))
		rodata[0] = '\0';
	/* OpenSSL 3's core parameter: its value, the bare version, is there when the banner is not.
	 */
	if (!verdef[0] && !rodata[0] && lib->rodata_marker && lib->rodata_prefix) {
		size_t n = strlen(lib->rodata_prefix);

		memcpy(rodata, lib->rodata_prefix, n);
		if (ew_elf_syms_rodata_version(e, lib->rodata_marker, 3, 99, rodata + n,
					       sizeof(rodata) - n))
			rodata[0] = '\0';
	}
	ew_tls_libs_name(lib, verdef, rodata, out);
}

int ew_tls_libs_examine(struct ew_elf_syms *e, const struct ew_tls_lib *lib,
			struct ew_tls_found *out)
{
	struct ew_elf_sym_query q[ALL_FUNCS];
	int first[8], n = 0, rc;
	bool imports_write = false;

	memset(out, 0, sizeof(*out));
	for (int l = 0; l < ew_tls_n_libs; l++) {
		first[l] = n;
		for (int f = 0; f < ew_tls_libs[l].n_funcs && n < ALL_FUNCS; f++)
			q[n++].name = ew_tls_libs[l].funcs[f].name;
	}
	rc = ew_elf_syms_find(e, q, n);
	if (rc < 0)
		return rc;
	for (int i = 0; i < n; i++)
		imports_write |= q[i].state == EW_ELF_SYM_UNDEF;
	for (int l = 0; l < ew_tls_n_libs && !out->lib; l++) {
		const struct ew_tls_lib *c = &ew_tls_libs[l];
		bool has_write = false;

		if ((lib && c != lib) || (!lib && imports_write))
			continue;
		for (int f = 0; f < c->n_funcs; f++)
			has_write |= q[first[l] + f].state == EW_ELF_SYM_DEFINED &&
				     c->funcs[f].role == EW_TLS_ROLE_WRITE;
		if (!has_write)
			continue;
		out->lib = c;
		for (int f = 0; f < c->n_funcs && out->n_syms < EW_TLS_MAX_FUNCS; f++) {
			if (q[first[l] + f].state != EW_ELF_SYM_DEFINED)
				continue;
			out->syms[out->n_syms].role = c->funcs[f].role;
			out->syms[out->n_syms].name = c->funcs[f].name;
			out->syms[out->n_syms].offset = q[first[l] + f].offset;
			out->n_syms++;
		}
		name_of(e, c, out->library);
		ew_tls_entry_refine(e, out);
	}
	return 0;
}
