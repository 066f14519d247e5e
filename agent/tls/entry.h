/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * entry.h - where a TLS function's probe goes, so it costs one cheap trap.
 *
 * A uprobe on an instruction the kernel cannot emulate (most: sub, mov,
 * xor) single-steps it out of line, a second trap: on these VMs a probe on
 * SSL_write's first instruction costs 20-40 us where one on a push, a call
 * or a jmp costs about one. So where the code is the known shape, the probe
 * moves to an emulated instruction at which the arguments still hold:
 *  - OpenSSL's SSL_write and SSL_write_ex (SSL_read, SSL_read_ex) both call
 *    one internal function with their first three arguments as received and
 *    a pointer for the count (1.1.1 and 3.x): it gets the one probe (named
 *    "SSL_write(_ex)", "SSL_read(_ex)"), taken
 *    as a size_t write (a read counted through its fourth argument), and
 *    two probes become one that starts with a push;
 *  - GnuTLS's gnutls_record_send zeroes two argument registers it adds and
 *    jumps to gnutls_record_send2: the probe goes on that jump.
 * Anything else keeps its probe at the function's entry.
 */
#ifndef EW_TLS_ENTRY_H
#define EW_TLS_ENTRY_H

#include "tls/elf_syms.h"
#include "tls/libs.h"

/**
 * ew_tls_entry_refine() - move @f's probes to cheaper places where the code
 * allows; symbols without a match are left as they are.
 * Return: how many probes moved.
 */
int ew_tls_entry_refine(struct ew_elf_syms *e, struct ew_tls_found *f);

#endif
