// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include <criterion/criterion.h>

#include "proc/revpath.h"

#define REV(s) s, sizeof(s) - 1

struct rcase {
	const char *rev;
	size_t len;
	const char *want;
};

static const struct rcase cases[] = {
    {REV("curl\0bin\0usr\0"), "/usr/bin/curl"},
    {REV("curl\0bin\0usr"), "/usr/bin/curl"}, /* last NUL missing */
    {REV("init\0"), "/init"},
    {REV(""), "/"},
    {REV("\0\0"), "/"},
    {REV("a\0\0b\0"), "/b/a"},				    /* empty component skipped */
    {REV("curl\0/opt/tools\0"), "/opt/tools/curl"},	    /* absolute fallback */
    {REV("curl\0/opt/tools/\0"), "/opt/tools/curl"},	    /* no double slash */
    {REV("curl\0/\0"), "/curl"},			    /* root as the fallback */
    {REV("/usr/bin/curl\0"), "/usr/bin/curl"},		    /* fallback only */
    {REV("curl\0/opt/x\0ignored\0above\0"), "/opt/x/curl"}, /* nothing above absolute */
    {REV("/system.slice/x.service\0"), "/system.slice/x.service"},
    {REV("nginx.service\0system.slice\0"), "/system.slice/nginx.service"},
};

Test(revpath, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		size_t n = ew_path_from_rev(cases[i].rev, cases[i].len, out, sizeof(out));

		cr_expect_str_eq(out, cases[i].want, "case %zu", i);
		cr_expect_eq(n, strlen(cases[i].want), "case %zu", i);
	}
}

Test(revpath, truncates_like_snprintf)
{
	char out[8];
	size_t n = ew_path_from_rev(REV("curl\0bin\0usr\0"), out, sizeof(out));

	cr_assert_eq(n, 13);
	cr_assert_str_eq(out, "/usr/bi");
	n = ew_path_from_rev(REV("curl\0bin\0usr\0"), out, 0);
	cr_assert_eq(n, 13);
}

Test(revpath, len_plus_one_always_fits)
{
	/* The caller sizes out as len + 2: check the bound on a full buffer. */
	char rev[512], out[514];

	for (size_t i = 0; i < sizeof(rev); i++)
		rev[i] = i % 4 == 3 ? '\0' : 'x';
	cr_assert_lt(ew_path_from_rev(rev, sizeof(rev), out, sizeof(out)), sizeof(out));
	cr_assert_eq(strlen(out), 512);
	cr_assert_eq(strncmp(out, "/xxx/xxx", 8), 0);
}

Test(revpath, unterminated_is_bounded_by_len)
{
	char rev[4] = {'a', 'b', 'c', 'd'};
	char out[16];

	cr_assert_eq(ew_path_from_rev(rev, 2, out, sizeof(out)), 3);
	cr_assert_str_eq(out, "/ab");
}
