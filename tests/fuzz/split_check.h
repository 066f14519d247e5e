/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * split_check.h - what the harnesses of the streaming frame parsers share:
 * the input's first byte chooses where the rest is split, and the parser
 * must report the same whether fed whole, split there, or (when short) a
 * byte at a time. Each harness digests what its parser reported.
 */
#ifndef EW_SPLIT_CHECK_H
#define EW_SPLIT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Folds reported bytes into a digest (FNV-1a). */
static inline void split_mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ULL;
}

/* The digest of one parse of @p, fed in two parts at @cut, or a byte at a time (SIZE_MAX). */
typedef uint64_t (*split_run_fn)(const uint8_t *p, size_t n, size_t cut);

/**
 * split_check() - take the split byte off *@data and compare the three
 * feedings; aborts on a difference. Return: false for an empty input.
 */
static inline bool split_check(const uint8_t **data, size_t *size, split_run_fn run)
{
	size_t cut;
	uint64_t a;

	if (*size < 1)
		return false;
	cut = (*data)[0];
	(*data)++;
	(*size)--;
	cut = *size ? cut % (*size + 1) : 0;
	a = run(*data, *size, *size);
	if (run(*data, *size, cut) != a)
		abort();
	if (*size <= 1024 && run(*data, *size, SIZE_MAX) != a)
		abort();
	return true;
}

#endif
