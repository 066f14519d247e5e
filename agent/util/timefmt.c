// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "util/timefmt.h"

/* "YYYY-MM-DDTHH:MM:" for up to six-digit years, and "+HH:MM". */
struct minute {
	int64_t start; /* UTC second at which local seconds are :00 */
	unsigned gen;
	bool valid;
	unsigned char plen;
	char prefix[24];
	char off[7];
};

static unsigned generation = 1;
static __thread struct minute cache;

void ew_timefmt_reset(void)
{
	__atomic_add_fetch(&generation, 1, __ATOMIC_RELAXED);
}

static void two(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

static void split(int64_t ns, int64_t *sec, unsigned *ms)
{
	int64_t s = ns / 1000000000, r = ns % 1000000000;

	if (r < 0) { /* floor, so that -1 ns is 23:59:59.999 of the day before */
		r += 1000000000;
		s--;
	}
	*sec = s;
	*ms = (unsigned)(r / 1000000);
}

/* Fills @m for the local minute containing @sec; false if unrepresentable. */
static bool minute_of(int64_t sec, struct minute *m)
{
	time_t t = (time_t)sec, a, b;
	struct tm tm, ta, tb;
	long off, aoff;
	int year, len;
	char *p;

	if ((int64_t)t != sec || !localtime_r(&t, &tm))
		return false;
	year = tm.tm_year + 1900;
	if (year < 0 || year > 999999)
		return false;
	p = m->prefix;
	if (year > 9999) {
		len = year > 99999 ? 6 : 5;
		for (int i = len - 1, y = year; i >= 0; i--, y /= 10)
			p[i] = (char)('0' + y % 10);
		p += len;
	} else {
		two(p, (unsigned)year / 100);
		two(p + 2, (unsigned)year % 100);
		p += 4;
	}
	p[0] = '-';
	two(p + 1, (unsigned)tm.tm_mon + 1);
	p[3] = '-';
	two(p + 4, (unsigned)tm.tm_mday);
	p[6] = 'T';
	two(p + 7, (unsigned)tm.tm_hour);
	p[9] = ':';
	two(p + 10, (unsigned)tm.tm_min);
	p[12] = ':';
	m->plen = (unsigned char)(p + 13 - m->prefix);

	off = tm.tm_gmtoff;
	aoff = off < 0 ? -off : off;
	m->off[0] = off < 0 ? '-' : '+';
	two(m->off + 1, (unsigned)(aoff / 3600));
	m->off[3] = ':';
	two(m->off + 4, (unsigned)(aoff / 60 % 60));

	/* Seconds of this minute follow from the start only if no transition
	 * falls inside it: check the offset and the wall clock at both ends. */
	m->start = sec - tm.tm_sec;
	a = (time_t)m->start;
	b = (time_t)(m->start + 59);
	m->valid = localtime_r(&a, &ta) && localtime_r(&b, &tb) && ta.tm_gmtoff == off &&
		   tb.tm_gmtoff == off && ta.tm_sec == 0 && tb.tm_sec == 59 &&
		   ta.tm_min == tm.tm_min && tb.tm_min == tm.tm_min;
	return true; /* even when not cacheable, start is right for @sec itself */
}

/* The minute for @sec, from the cache when possible; NULL if unrepresentable. */
static const struct minute *lookup(int64_t sec, struct minute *tmp)
{
	unsigned gen = __atomic_load_n(&generation, __ATOMIC_RELAXED);

	if (cache.valid && cache.gen == gen && sec >= cache.start && sec < cache.start + 60)
		return &cache;
	if (!minute_of(sec, tmp))
		return NULL;
	tmp->gen = gen;
	if (tmp->valid)
		cache = *tmp;
	return tmp;
}

size_t ew_timefmt_iso8601(int64_t realtime_ns, char *out, size_t n)
{
	struct minute tmp;
	const struct minute *m;
	int64_t sec;
	unsigned ms;
	char *p;

	split(realtime_ns, &sec, &ms);
	m = n ? lookup(sec, &tmp) : NULL;
	if (!m || n < (size_t)m->plen + 13) {
		if (n)
			out[0] = '\0';
		return 0;
	}
	p = out;
	memcpy(p, m->prefix, m->plen);
	p += m->plen;
	two(p, (unsigned)(sec - m->start));
	p[2] = '.';
	p[3] = (char)('0' + ms / 100);
	two(p + 4, ms % 100);
	memcpy(p + 6, m->off, 6);
	p += 12;
	*p = '\0';
	return (size_t)(p - out);
}

int ew_timefmt_hour(int64_t realtime_ns, char date[11], int *hour)
{
	struct minute tmp;
	const struct minute *m;
	int64_t sec;
	unsigned ms;
	size_t dl;

	split(realtime_ns, &sec, &ms);
	m = lookup(sec, &tmp);
	if (!m)
		return -EOVERFLOW;
	dl = (size_t)m->plen - 7; /* before "THH:MM:" */
	if (dl > 10)
		return -EOVERFLOW; /* years past 9999 do not fit the date buffer */
	memcpy(date, m->prefix, dl);
	date[dl] = '\0';
	*hour = (m->prefix[dl + 1] - '0') * 10 + (m->prefix[dl + 2] - '0');
	return 0;
}
