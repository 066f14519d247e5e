/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tls_hooks.h - finds the TLS libraries and executables on this host and
 * attaches the TLS probes to them, at start and as programs start.
 */
#ifndef EW_TLS_HOOKS_H
#define EW_TLS_HOOKS_H

#include "kernel/loader.h"

struct ew_pipeline;
struct ew_tls_hooks;

/**
 * ew_tls_hooks_start() - hook the system's TLS libraries and those of every
 * running process, then follow execs and connects (a live subscriber of @p).
 * Return: 0 (*@out NULL when TLS capture is off), or -errno.
 */
int ew_tls_hooks_start(struct ew_loader *l, struct ew_pipeline *p, struct ew_tls_hooks **out);

/* After the pipeline and before the loader. NULL is fine. */
void ew_tls_hooks_free(struct ew_tls_hooks *h);

#endif
