// SPDX-License-Identifier: GPL-2.0-only
#include "tls/entry.h"

#include <stdint.h>
#include <string.h>

/* Bytes looked at from a function's start for the call to its worker. */
#define SCAN 64

static const uint8_t endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};

static int32_t rel32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

/* Code at a function's start; 0 bytes past the executable segment's end stay zero. */
static int code(struct ew_elf_syms *e, uint64_t off, uint8_t *buf, size_t n)
{
	memset(buf, 0, n);
	while (n && ew_elf_syms_read_code(e, off, buf, n))
		n /= 2;
	return n ? 0 : -1;
}

/*
 * The *_ex function: [endbr64] [sub $imm8,%rsp] call WORKER, so nothing
 * touched the argument registers. Return: WORKER's file offset, or 0.
 */
static uint64_t worker_of_ex(struct ew_elf_syms *e, uint64_t off)
{
	uint8_t b[16];
	size_t i = 0;

	if (code(e, off, b, sizeof(b)))
		return 0;
	if (!memcmp(b, endbr64, sizeof(endbr64)))
		i += sizeof(endbr64);
	if (b[i] == 0x48 && b[i + 1] == 0x83 && b[i + 2] == 0xec)
		i += 4;
	if (b[i] != 0xe8)
		return 0;
	return off + i + 5 + (uint64_t)(int64_t)rel32(b + i + 1);
}

/* Does the function at @off call @worker within its first SCAN bytes? */
static bool calls(struct ew_elf_syms *e, uint64_t off, uint64_t worker)
{
	uint8_t b[SCAN];

	if (code(e, off, b, sizeof(b)))
		return false;
	for (size_t i = 0; i + 5 <= sizeof(b); i++)
		if (b[i] == 0xe8 && off + i + 5 + (uint64_t)(int64_t)rel32(b + i + 1) == worker)
			return true;
	return false;
}

/* The worker's first instruction, past an endbr64, if it is a push (emulated). */
static uint64_t push_at(struct ew_elf_syms *e, uint64_t worker)
{
	uint8_t b[8];
	size_t i = 0;

	if (code(e, worker, b, sizeof(b)))
		return 0;
	if (!memcmp(b, endbr64, sizeof(endbr64)))
		i += sizeof(endbr64);
	if ((b[i] >= 0x50 && b[i] <= 0x57) ||
	    (b[i] == 0x41 && b[i + 1] >= 0x50 && b[i + 1] <= 0x57))
		return worker + i;
	return 0;
}

static int find(const struct ew_tls_found *f, const char *name)
{
	for (int i = 0; i < f->n_syms; i++)
		if (!strcmp(f->syms[i].name, name))
			return i;
	return -1;
}

static void drop(struct ew_tls_found *f, int i)
{
	memmove(&f->syms[i], &f->syms[i + 1], (size_t)(f->n_syms - i - 1) * sizeof(f->syms[0]));
	f->n_syms--;
}

/* @plain and @ex of OpenSSL share a worker: one probe on it, as @name. */
static int openssl_pair(struct ew_elf_syms *e, struct ew_tls_found *f, const char *plain,
			const char *ex, const char *name, enum ew_tls_role role)
{
	int p = find(f, plain), x = find(f, ex);
	uint64_t worker, at;

	if (p < 0 || x < 0)
		return 0;
	worker = worker_of_ex(e, f->syms[x].offset);
	if (!worker || !calls(e, f->syms[p].offset, worker) || !(at = push_at(e, worker)))
		return 0;
	f->syms[x].name = name;
	f->syms[x].role = role;
	f->syms[x].offset = at;
	drop(f, p);
	return 1;
}

/* gnutls_record_send: xor %r8d,%r8d; xor %ecx,%ecx; jmp gnutls_record_send2. */
static int gnutls_send(struct ew_elf_syms *e, struct ew_tls_found *f)
{
	static const uint8_t shape[] = {0x45, 0x31, 0xc0, 0x31, 0xc9, 0xe9};
	int i = find(f, "gnutls_record_send");
	uint8_t b[sizeof(shape)];

	if (i < 0 || code(e, f->syms[i].offset, b, sizeof(b)) || memcmp(b, shape, sizeof(b)))
		return 0;
	f->syms[i].offset += 5;
	return 1;
}

int ew_tls_entry_refine(struct ew_elf_syms *e, struct ew_tls_found *f)
{
	if (!f->lib)
		return 0;
	if (!strcmp(f->lib->family, "openssl"))
		return openssl_pair(e, f, "SSL_write", "SSL_write_ex", "SSL_write(_ex)",
				    EW_TLS_ROLE_WRITE) +
		       openssl_pair(e, f, "SSL_read", "SSL_read_ex", "SSL_read(_ex)",
				    EW_TLS_ROLE_READ_EX);
	if (!strcmp(f->lib->family, "gnutls"))
		return gnutls_send(e, f);
	return 0;
}
