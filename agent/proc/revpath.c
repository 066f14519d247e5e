// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "proc/revpath.h"

static void put(char *out, size_t outlen, size_t *pos, const char *s, size_t n)
{
	if (*pos < outlen) {
		size_t room = outlen - *pos;

		memcpy(out + *pos, s, n < room ? n : room);
	}
	*pos += n;
}

size_t ew_path_from_rev(const char *rev, size_t len, char *out, size_t outlen)
{
	size_t end = len, pos = 0;
	size_t stop = 0;

	/* An absolute component replaces all that lies above it (after it). */
	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || rev[i - 1] == '\0') && rev[i] == '/') {
			end = i + strnlen(rev + i, len - i);
			break;
		}
	}
	/* Emit from the root-most component (the end) back to the leaf. */
	while (end > stop) {
		size_t start = end, n;

		while (start > stop && rev[start - 1] == '\0')
			start--;
		if (start == stop)
			break;
		end = start;
		while (start > stop && rev[start - 1] != '\0')
			start--;
		n = end - start;
		if (rev[start] == '/') {
			while (n > 1 && rev[start + n - 1] == '/')
				n--; /* "/opt/" + "x" must not become "/opt//x" */
			if (n == 1)
				n = 0; /* "/" itself: the separator below provides it */
			put(out, outlen, &pos, rev + start, n);
		} else {
			put(out, outlen, &pos, "/", 1);
			put(out, outlen, &pos, rev + start, n);
		}
		end = start;
	}
	if (pos == 0)
		put(out, outlen, &pos, "/", 1);
	if (outlen)
		out[pos < outlen ? pos : outlen - 1] = '\0';
	return pos;
}
