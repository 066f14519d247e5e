/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * elf_syms.h - the few facts about one ELF file that choosing uprobe
 * targets needs: where named functions start in the file, the build id,
 * the symbol-version definitions, whether it is a Go binary, and a
 * version string in .rodata.
 *
 * The file is untrusted (any executable a process maps): every offset and
 * size is checked against the file before use, and a malformed file is an
 * error, never a crash. Reads go through pread (ELF_C_READ), not mmap, so a
 * file truncated while it is read gives short data instead of SIGBUS.
 */
#ifndef EW_ELF_SYMS_H
#define EW_ELF_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ew_elf_syms;

/* What ew_elf_syms_find() learnt about one name. */
enum ew_elf_sym_state {
	EW_ELF_SYM_ABSENT,  /* no symbol of that name */
	EW_ELF_SYM_UNDEF,   /* only a reference to it (an import) */
	EW_ELF_SYM_DEFINED, /* a function defined here: the offset is valid */
};

struct ew_elf_sym_query {
	const char *name;
	enum ew_elf_sym_state state; /* out */
	uint64_t offset;	     /* out: file offset of the function's first byte */
};

/**
 * ew_elf_syms_open() - start reading the ELF file open on @fd.
 *
 * @fd stays the caller's and must stay open until ew_elf_syms_close().
 * Return: 0, -ENOEXEC when it is not an ELF file libelf can read (garbage,
 * truncated, an archive), or another -errno.
 */
int ew_elf_syms_open(int fd, struct ew_elf_syms **out);

void ew_elf_syms_close(struct ew_elf_syms *e);

/**
 * ew_elf_syms_read_code() - @n bytes at file offset @off, all inside one
 * executable segment. Return: 0, -ERANGE when they are not, or -EIO.
 */
int ew_elf_syms_read_code(struct ew_elf_syms *e, uint64_t off, void *buf, size_t n);

/**
 * ew_elf_syms_find() - look up @n function names in .dynsym, then .symtab.
 *
 * Only STT_FUNC and STT_GNU_IFUNC symbols count; a defined one (any
 * section but SHN_UNDEF) gets the file offset of its address, through the
 * PT_LOAD segment that holds it. A name defined in .dynsym is not looked
 * up again in .symtab. A name whose address lies in no segment stays
 * absent.
 * Return: how many names are defined, or -ENOEXEC for a malformed table.
 */
int ew_elf_syms_find(struct ew_elf_syms *e, struct ew_elf_sym_query *q, int n);

/**
 * ew_elf_syms_build_id() - the GNU build id as lowercase hex.
 * Return: 0, -ENOENT when there is none, -ENOSPC when @len is too small
 * for the hex and its NUL.
 */
int ew_elf_syms_build_id(struct ew_elf_syms *e, char *hex, size_t len);

/**
 * ew_elf_syms_verdef_max() - the highest version definition named
 * @prefix followed by a number, e.g. "OPENSSL_" finds "OPENSSL_3.0.0" and
 * "GNUTLS_" finds "GNUTLS_3_7_7" (not "GNUTLS_PRIVATE_3_4").
 *
 * Versions compare numerically, part by part, with '.' or '_' between.
 * Return: 0 with the name in @out, -ENOENT when none matches.
 */
int ew_elf_syms_verdef_max(struct ew_elf_syms *e, const char *prefix, char *out, size_t len);

/* ew_elf_syms_is_go() - a .go.buildinfo section or a runtime.buildVersion symbol. */
bool ew_elf_syms_is_go(struct ew_elf_syms *e);

/**
 * ew_elf_syms_rodata_find() - the first string in .rodata that starts with
 * @prefix followed by a digit, e.g. "OpenSSL " finds "OpenSSL 3.0.19 27 Jan 2026".
 *
 * Reads at most the first 64 MiB of .rodata, copies at most @len - 1 bytes
 * and stops at the string's NUL or at a non-printable byte.
 * Return: 0, or -ENOENT.
 */
int ew_elf_syms_rodata_find(struct ew_elf_syms *e, const char *prefix, char *out, size_t len);

/**
 * ew_elf_syms_rodata_version() - the first string in .rodata that is a bare
 * "M.N.P" with M in [@lo, @hi], provided .rodata also holds the string
 * @marker. A statically linked OpenSSL 3 often lacks "OpenSSL 3.0.19 ..."
 * (OpenSSL_version() not linked in) but always has its core's parameter
 * "openssl-version" with the bare "3.0.19" as its value.
 * Return: 0, or -ENOENT.
 */
int ew_elf_syms_rodata_version(struct ew_elf_syms *e, const char *marker, unsigned int lo,
			       unsigned int hi, char *out, size_t len);

/**
 * ew_elf_syms_version() - parse "3.0.19" or "3_7_7" into up to @n numbers.
 * Return: how many numbers were parsed (0 when @s does not start with a digit).
 */
int ew_elf_syms_version(const char *s, unsigned int *v, int n);

#endif
