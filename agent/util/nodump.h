/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nodump.h - keeps the plaintext the agent inspects out of core dumps.
 */
#ifndef EW_NODUMP_H
#define EW_NODUMP_H

/**
 * ew_nodump_rings() - MADV_DONTDUMP on every BPF map this process has
 * mapped (the ring buffers, which hold captured payload until it is read).
 * Return: how many mappings were marked, or -errno when /proc/self/maps
 * could not be read.
 */
int ew_nodump_rings(void);

/**
 * ew_nodump_process() - no core dump of this process at all: decoders and
 * reassembly hold plaintext on the heap, where madvise cannot single it
 * out. Return: 0 or -errno.
 */
int ew_nodump_process(void);

#endif
