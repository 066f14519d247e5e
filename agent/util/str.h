/* SPDX-License-Identifier: GPL-2.0-only */
/* str.h - string helpers for paths that run once per record. */
#ifndef EW_STR_H
#define EW_STR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * ew_strlcpy() - copy @src into @dst of @size bytes, cut to fit and always
 * NUL-terminated (snprintf("%s") without the format parsing, which costs
 * more than the copy). Return: strlen(@src).
 */
static inline size_t ew_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

/** ew_hexval() - the value of hex digit @c (either case), or -1. */
static inline int ew_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
