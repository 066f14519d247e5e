/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * revpath.h - turn the kernel's leaf-first path components into a path.
 *
 * The BPF side walks dentries from the leaf up and cannot reverse them under
 * the verifier's bounds, so it ships "curl\0bin\0usr\0" (EW_F_REVPATH). When
 * it cannot walk, it ships a component that starts with '/': an absolute
 * path that stands for everything above the components before it.
 */
#ifndef EW_REVPATH_H
#define EW_REVPATH_H

#include <stddef.h>

/**
 * ew_path_from_rev() - forward path from leaf-first components.
 * @rev: NUL-terminated components, leaf first; the last NUL may be missing
 * @len: bytes of @rev in use
 * @out: receives the NUL-terminated path ("/usr/bin/curl"); always terminated
 *       when @outlen > 0, cut short if it does not fit
 * @outlen: size of @out; @len + 2 always suffices
 *
 * Empty components are skipped; no components gives "/". Components after
 * (above) an absolute one are ignored.
 *
 * Return: the length of the full path (like snprintf), so a result
 * >= @outlen means @out was truncated.
 */
size_t ew_path_from_rev(const char *rev, size_t len, char *out, size_t outlen);

#endif
