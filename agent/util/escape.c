// SPDX-License-Identifier: GPL-2.0-only
#include "util/escape.h"

#include <stdbool.h>

/* Bytes of the valid UTF-8 sequence at @s (2-4), 0 when it is not one. */
static int utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

size_t ew_escape_ctl(char *out, size_t outlen, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	if (!outlen)
		return 0;
	while (*s) {
		int n = *s < 0x80 ? 1 : utf8_len(s);
		bool ctl = *s < 0x20 || *s == 0x7f || n == 0 || (*s == 0xc2 && s[1] < 0xa0);

		if (!n)
			n = 1;
		if (o + (ctl ? 4 * (size_t)n : (size_t)n) >= outlen)
			break;
		for (int i = 0; i < n; i++, s++) {
			if (ctl) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[*s >> 4];
				out[o++] = hex[*s & 15];
			} else {
				out[o++] = (char)*s;
			}
		}
	}
	out[o] = '\0';
	return o;
}
