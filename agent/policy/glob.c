// SPDX-License-Identifier: GPL-2.0-only
#include "policy/glob.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

enum ew_glob_kind {
	GLOB_EXACT,    /* no metacharacter */
	GLOB_PREFIX,   /* abc* */
	GLOB_SUFFIX,   /* *abc */
	GLOB_CONTAINS, /* *abc* */
	GLOB_ANY,      /* * */
	GLOB_FNMATCH,  /* anything else */
};

void ew_glob_free(struct ew_glob *g)
{
	free(g->pat);
	free(g->lit);
	memset(g, 0, sizeof(*g));
}

/* Where fnmatch() would read a bracket expression that never closes as
 * literal text, a policy author meant something else: say so at load. */
static const char *syntax(const char *p)
{
	for (; *p; p++) {
		if (*p == '\\') {
			if (!*++p)
				return "ends in a lone backslash";
		} else if (*p == '[') {
			const char *q = p + 1;

			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q++;
			if (!*q)
				return "has a '[' that is never closed";
			p = q;
		}
	}
	return NULL;
}

int ew_glob_compile(struct ew_glob *g, const char *pat, const char **why)
{
	size_t n = strlen(pat), stars = 0, first, last;
	bool other = false;

	*why = syntax(pat);
	if (*why)
		return -EINVAL;
	g->pat = strdup(pat);
	if (!g->pat)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (pat[i] == '*')
			stars++;
		else if (pat[i] == '?' || pat[i] == '[' || pat[i] == '\\')
			other = true;
	}
	first = strspn(pat, "*");
	last = n;
	while (last > first && pat[last - 1] == '*')
		last--;
	if (other || stars != first + (n - last)) {
		/*
		 * Only fnmatch() decides, but most subjects differ in the
		 * literal head or tail ("/kubepods.slice/", ".scope"): those
		 * compares reject them first. With a backslash the literal
		 * parts are not what they look like: no shortcut.
		 */
		size_t head = strcspn(pat, "*?[\\"), t = n;

		g->kind = GLOB_FNMATCH;
		if (strchr(pat, '\\'))
			return 0;
		while (t > head && !strchr("*?[]", pat[t - 1]))
			t--;
		g->tail = pat[t] ? g->pat + t : NULL;
		g->tail_len = (uint16_t)(n - t);
		g->lit = strndup(pat, head);
		g->len = (uint16_t)head;
		return g->lit ? 0 : -ENOMEM;
	}
	if (first == n)
		g->kind = GLOB_ANY;
	else if (!first && last == n)
		g->kind = GLOB_EXACT;
	else if (!first)
		g->kind = GLOB_PREFIX;
	else if (last == n)
		g->kind = GLOB_SUFFIX;
	else
		g->kind = GLOB_CONTAINS;
	g->lit = strndup(pat + first, last - first);
	if (!g->lit)
		return -ENOMEM;
	g->len = (uint16_t)(last - first);
	return 0;
}

/*
 * The policy's literals are short and most subjects differ in the first
 * bytes: a plain loop beats the libc calls' setup (strncmp, strstr were
 * two thirds of a record's matching time).
 */
static bool starts_with(const char *s, const char *lit, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != lit[i])
			return false; /* also at the end of s: lit holds no NUL */
	return true;
}

static bool contains(const char *s, const char *lit, size_t len)
{
	for (; (s = strchr(s, lit[0])); s++)
		if (starts_with(s + 1, lit + 1, len - 1))
			return true;
	return false;
}

bool ew_glob_match(const struct ew_glob *g, const char *s)
{
	size_t n;

	if (!g->pat || !s || !*s)
		return false;
	switch (g->kind) {
	case GLOB_EXACT:
		return strcmp(s, g->lit) == 0;
	case GLOB_PREFIX:
		return starts_with(s, g->lit, g->len);
	case GLOB_SUFFIX:
		n = strlen(s);
		return n >= g->len && memcmp(s + n - g->len, g->lit, g->len) == 0;
	case GLOB_CONTAINS:
		return contains(s, g->lit, g->len);
	case GLOB_ANY:
		return true;
	default:
		if (!starts_with(s, g->lit, g->len))
			return false;
		if (g->tail) {
			n = strlen(s);
			if (n < g->tail_len || memcmp(s + n - g->tail_len, g->tail, g->tail_len))
				return false;
		}
		return fnmatch(g->pat, s, 0) == 0;
	}
}

int ew_glob_literal_prefix(struct ew_glob *g, const char *lit)
{
	g->pat = strdup(lit);
	g->lit = strdup(lit);
	if (!g->pat || !g->lit)
		return -ENOMEM;
	g->kind = GLOB_PREFIX;
	g->len = (uint16_t)strlen(lit);
	return 0;
}
