// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <zlib.h>

#include "gzfile.h"

char *ew_test_slurp(const char *dir, const char *rel)
{
	char path[512];
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	gzFile g;
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	g = gzopen(path, "rb");
	cr_assert_not_null(g, "cannot open %s", path);
	cr_assert_not_null(buf);
	while ((n = gzread(g, buf + len, (unsigned)(cap - len - 1))) > 0) {
		len += (size_t)n;
		if (cap - len < 4096)
			buf = realloc(buf, cap *= 2);
		cr_assert_not_null(buf);
	}
	cr_assert_geq(n, 0, "gzread error on %s", path);
	cr_assert_eq(gzclose(g), Z_OK, "%s not a clean gzip", path);
	buf[len] = '\0';
	return buf;
}

void ew_test_expect_file(const char *dir, const char *rel, const char *want)
{
	char *got = ew_test_slurp(dir, rel);

	cr_assert_str_eq(got, want, "content of %s", rel);
	free(got);
}
