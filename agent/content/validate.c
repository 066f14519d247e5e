// SPDX-License-Identifier: GPL-2.0-only
#include "content/validate.h"

#include <string.h>
#include <time.h>

#include "util/str.h"

/* NULL-terminated, as the taxonomy loader's enum field wants it. */
const char *const ew_validator_table[EW_VALID_COUNT + 1] = {
    [EW_VALID_NONE] = "none",
    [EW_VALID_VIN] = "vin",
    [EW_VALID_LICENCE_PLATE] = "licence_plate",
    [EW_VALID_MOBILE_NUMBER] = "mobile_number",
    [EW_VALID_ID_NUMBER] = "id_number",
    [EW_VALID_LATITUDE] = "latitude",
    [EW_VALID_LONGITUDE] = "longitude",
    [EW_VALID_COUNT] = NULL,
};

int ew_validator_lookup(const char *name)
{
	for (int i = 0; i < EW_VALID_COUNT; i++)
		if (strcmp(ew_validator_table[i], name) == 0)
			return i;
	return -1;
}

const char *ew_validator_name(enum ew_validator v)
{
	return (unsigned)v < EW_VALID_COUNT ? ew_validator_table[v] : "?";
}

const char *ew_validator_names(void)
{
	return "\"vin\", \"licence_plate\", \"mobile_number\", \"id_number\", \"latitude\", "
	       "\"longitude\", \"none\"";
}

bool ew_validator_names_subject(enum ew_validator v)
{
	return v == EW_VALID_VIN || v == EW_VALID_LICENCE_PLATE || v == EW_VALID_MOBILE_NUMBER ||
	       v == EW_VALID_ID_NUMBER;
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static size_t put(const char *s, size_t n, char *canon, size_t cap)
{
	if (n + 1 > cap)
		return 0;
	memcpy(canon, s, n);
	canon[n] = '\0';
	return n;
}

/* GB 16735 transliteration of VIN characters, plus one; 0 for I, O, Q and others. */
static const uint8_t vin_values[256] = {
    ['0'] = 1,	['1'] = 2,  ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9,	['9'] = 10, ['A'] = 2, ['B'] = 3, ['C'] = 4, ['D'] = 5, ['E'] = 6, ['F'] = 7,
    ['G'] = 8,	['H'] = 9,  ['J'] = 2, ['K'] = 3, ['L'] = 4, ['M'] = 5, ['N'] = 6, ['P'] = 8,
    ['R'] = 10, ['S'] = 3,  ['T'] = 4, ['U'] = 5, ['V'] = 6, ['W'] = 7, ['X'] = 8, ['Y'] = 9,
    ['Z'] = 10, ['a'] = 2,  ['b'] = 3, ['c'] = 4, ['d'] = 5, ['e'] = 6, ['f'] = 7, ['g'] = 8,
    ['h'] = 9,	['j'] = 2,  ['k'] = 3, ['l'] = 4, ['m'] = 5, ['n'] = 6, ['p'] = 8, ['r'] = 10,
    ['s'] = 3,	['t'] = 4,  ['u'] = 5, ['v'] = 6, ['w'] = 7, ['x'] = 8, ['y'] = 9, ['z'] = 10,
};

size_t ew_valid_vin(const uint8_t *p, size_t n, char *canon, size_t cap)
{
	static const int weights[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
	char up[17];
	int sum = 0, digits = 0;
	char check;

	if (n != 17)
		return 0;
	for (size_t i = 0; i < 17; i++) {
		int v = vin_values[p[i]] - 1;

		if (v < 0)
			return 0;
		up[i] = (char)(p[i] >= 'a' ? p[i] - 'a' + 'A' : p[i]);
		digits += is_digit(p[i]);
		sum += v * weights[i];
	}
	check = sum % 11 == 10 ? 'X' : (char)('0' + sum % 11);
	if (up[8] != check || digits == 17 || up[9] == 'U' || up[9] == 'Z' || up[9] == '0')
		return 0;
	return put(up, 17, canon, cap);
}

size_t ew_valid_mobile_number(const uint8_t *p, size_t n, char *canon, size_t cap)
{
	if (n != 11 || p[0] != '1' || p[1] < '3' || p[1] > '9')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(p[i]))
			return 0;
	return put((const char *)p, n, canon, cap);
}

/* GB/T 2260 first two digits: provinces, autonomous regions, Taiwan, HK, Macao. */
static bool id_province(int code)
{
	return (code >= 11 && code <= 15) || (code >= 21 && code <= 23) ||
	       (code >= 31 && code <= 37) || (code >= 41 && code <= 46) ||
	       (code >= 50 && code <= 54) || (code >= 61 && code <= 65) || code == 71 ||
	       code == 81 || code == 82;
}

static int num(const uint8_t *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

/* Looked up once a day per thread: gmtime_r() would cost more than the check. */
static int this_year(void)
{
	static _Thread_local time_t until;
	static _Thread_local int year;
	time_t now = time(NULL);
	struct tm tm;

	if (now >= until || now < until - 86400) {
		if (!gmtime_r(&now, &tm))
			return 2100;
		/* Asia/Shanghai is ahead of UTC: a birth on its 1 January is this year. */
		year = tm.tm_year + 1900 + (tm.tm_mon == 11 && tm.tm_mday == 31);
		until = now + 86400 - now % 86400;
	}
	return year;
}

static bool real_date(int y, int m, int d)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1900 || y > this_year() || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days[m - 1] + (m == 2 && leap);
}

size_t ew_valid_id_number(const uint8_t *p, size_t n, char *canon, size_t cap)
{
	static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char checks[] = "10X98765432";
	char out[18];
	int sum = 0;

	if (n != 18)
		return 0;
	for (size_t i = 0; i < 17; i++) {
		if (!is_digit(p[i]))
			return 0;
		sum += (p[i] - '0') * weights[i];
	}
	memcpy(out, p, 17);
	out[17] = (char)(p[17] == 'x' ? 'X' : p[17]);
	if (out[17] != checks[sum % 11])
		return 0;
	if (!id_province(num(p, 2)) || !real_date(num(p + 6, 4), num(p + 10, 2), num(p + 12, 2)))
		return 0;
	return put(out, 18, canon, cap);
}

/* One character of a plate: ASCII, a UTF-8 CJK character, or a JSON \uXXXX escape. */
struct plate_char {
	uint32_t cp;
	size_t len; /* bytes consumed */
};

static bool next_char(const uint8_t *p, size_t n, struct plate_char *c)
{
	if (n >= 1 && p[0] < 0x80 && p[0] != '\\') {
		c->cp = p[0];
		c->len = 1;
		return true;
	}
	if (n >= 3 && (p[0] & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
		c->cp =
		    (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		c->len = 3;
		return true;
	}
	if (n >= 6 && p[0] == '\\' && p[1] == 'u') {
		c->cp = 0;
		for (int i = 2; i < 6; i++) {
			int h = ew_hexval(p[i]);

			if (h < 0)
				return false;
			c->cp = c->cp << 4 | (uint32_t)h;
		}
		c->len = 6;
		return true;
	}
	return false;
}

static bool in_list(uint32_t cp, const uint16_t *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == cp)
			return true;
	return false;
}

/* 京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼 */
static const uint16_t provinces[] = {0x4eac, 0x6d25, 0x6caa, 0x6e1d, 0x5180, 0x8c6b, 0x4e91, 0x8fbd,
				     0x9ed1, 0x6e58, 0x7696, 0x9c81, 0x65b0, 0x82cf, 0x6d59, 0x8d63,
				     0x9102, 0x6842, 0x7518, 0x664b, 0x8499, 0x9655, 0x5409, 0x95fd,
				     0x8d35, 0x7ca4, 0x9752, 0x85cf, 0x5ddd, 0x5b81, 0x743c};
/* 挂学警港澳使领 */
static const uint16_t suffixes[] = {0x6302, 0x5b66, 0x8b66, 0x6e2f, 0x6fb3, 0x4f7f, 0x9886};

static bool plate_letter(uint32_t c)
{
	return c >= 'A' && c <= 'Z' && c != 'I' && c != 'O';
}

static bool plate_alnum(uint32_t c)
{
	return (c >= '0' && c <= '9') || plate_letter(c);
}

static bool energy_letter(uint32_t c)
{
	return c != 0 && strchr("DABCEFGHJK", (int)c) != NULL;
}

static size_t put_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	out[0] = (char)(0xe0 | cp >> 12);
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

size_t ew_valid_licence_plate(const uint8_t *p, size_t n, char *canon, size_t cap)
{
	struct plate_char c[8];
	size_t k = 0, off = 0, len = 0;
	char out[24];
	int letters = 0;

	while (off < n) {
		if (k == 8 || !next_char(p + off, n - off, &c[k]))
			return 0;
		off += c[k++].len;
	}
	/* province, issuing letter, then a serial of 5 or 6 */
	if (k < 7 || !in_list(c[0].cp, provinces, sizeof(provinces) / 2) || !plate_letter(c[1].cp))
		return 0;
	for (size_t i = 2; i < k - 1; i++)
		if (!plate_alnum(c[i].cp))
			return 0;
	if (k == 7) {
		if (!plate_alnum(c[6].cp) && !in_list(c[6].cp, suffixes, sizeof(suffixes) / 2))
			return 0;
		for (size_t i = 2; i < 7; i++)
			letters += plate_letter(c[i].cp);
		if (letters > 2)
			return 0;
	} else {
		if (!plate_alnum(c[7].cp) || !(energy_letter(c[2].cp) || energy_letter(c[7].cp)))
			return 0;
	}
	for (size_t i = 0; i < k; i++)
		len += put_utf8(c[i].cp, out + len);
	return put(out, len, canon, cap);
}

/*
 * [-]digits.digits, already checked; strtod() would cost more than the rest
 * of a match. Digits past the 15th decimal are dropped (1e-15 degrees).
 */
static double parse_decimal(const char *s)
{
	static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,	 1e6,  1e7,
				       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	bool neg = *s == '-';
	uint64_t m = 0;
	int decs = 0;

	s += neg;
	for (; *s != '.'; s++)
		m = m * 10 + (uint64_t)(*s - '0');
	for (s++; *s && decs < 15; s++, decs++)
		m = m * 10 + (uint64_t)(*s - '0');
	return (neg ? -(double)m : (double)m) / pow10[decs];
}

/* [-]digits.digits, optionally in quotes: the value of a JSON coordinate key. */
static bool coord(const uint8_t *p, size_t n, double lim, double *out)
{
	char buf[32];
	size_t i = 0, ints = 0, decs = 0;
	double v;

	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p++;
		n -= 2;
	}
	if (n >= sizeof(buf))
		return false;
	if (i < n && p[i] == '-')
		i++;
	while (i < n && is_digit(p[i]))
		i++, ints++;
	if (i == n || p[i] != '.')
		return false;
	i++;
	while (i < n && is_digit(p[i]))
		i++, decs++;
	if (i != n || ints == 0 || ints > 3 || decs < 4)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	v = parse_decimal(buf);
	if (v < -lim || v > lim)
		return false;
	*out = v;
	return true;
}

bool ew_valid_latitude(const uint8_t *p, size_t n, double *out)
{
	return coord(p, n, 90.0, out);
}

bool ew_valid_longitude(const uint8_t *p, size_t n, double *out)
{
	return coord(p, n, 180.0, out);
}

bool ew_valid_in_china(double lat, double lon)
{
	return lat >= EW_CN_LAT_MIN && lat <= EW_CN_LAT_MAX && lon >= EW_CN_LON_MIN &&
	       lon <= EW_CN_LON_MAX;
}
