// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include <criterion/criterion.h>

#include "content/validate.h"

typedef size_t (*valid_fn)(const uint8_t *p, size_t n, char *canon, size_t cap);

static void good(valid_fn f, const char *in, const char *want)
{
	char canon[EW_VALID_CANON_MAX];
	size_t n = f((const uint8_t *)in, strlen(in), canon, sizeof(canon));

	cr_assert_eq(n, strlen(want), "%s: length %zu", in, n);
	cr_assert_str_eq(canon, want);
	/* A buffer one byte short is refused, never overrun. */
	cr_assert_eq(f((const uint8_t *)in, strlen(in), canon, n), 0, "%s", in);
}

static void bad(valid_fn f, const char *in)
{
	char canon[EW_VALID_CANON_MAX];

	cr_assert_eq(f((const uint8_t *)in, strlen(in), canon, sizeof(canon)), 0, "%s", in);
}

Test(validate, vin)
{
	good(ew_valid_vin, "1M8GDM9AXKP042788", "1M8GDM9AXKP042788");
	good(ew_valid_vin, "LSVAB218XE2123456", "LSVAB218XE2123456");
	good(ew_valid_vin, "LFV2A21K7G3000001", "LFV2A21K7G3000001");
	good(ew_valid_vin, "WDB1240271A123456", "WDB1240271A123456");
	good(ew_valid_vin, "lgwef4a58mh000123", "LGWEF4A58MH000123");
	bad(ew_valid_vin, "LFV2A21K8G3000001"); /* check digit */
	bad(ew_valid_vin, "LFV2A21K7G300000");	/* 16 */
	bad(ew_valid_vin, "LFV2A21K7G30000011");
	bad(ew_valid_vin, "IFV2A21K7G3000001"); /* I, O, Q are never VIN characters */
	bad(ew_valid_vin, "LFV2A21K7G300000O");
	bad(ew_valid_vin, "LFV2A21K7G300000Q");
	bad(ew_valid_vin, "12345678X01234567"); /* not 17 digits, but a year code of 0 */
	bad(ew_valid_vin, "LFV-A21K7G3000001");
}

Test(validate, vin_seventeen_digits)
{
	/* 17 digits with a right check digit: a number, not a VIN. */
	const char *d = "11111111111111111";
	int sum = 0;
	static const int w[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
	char s[18];

	memcpy(s, d, 18);
	for (int i = 0; i < 17; i++)
		sum += w[i];
	s[8] = sum % 11 == 10 ? 'X' : (char)('0' + sum % 11);
	if (s[8] != 'X')
		bad(ew_valid_vin, s);
}

Test(validate, licence_plate)
{
	good(ew_valid_licence_plate, "京A12345", "京A12345");
	good(ew_valid_licence_plate, "粤B1234学", "粤B1234学");
	good(ew_valid_licence_plate, "沪AD12345", "沪AD12345"); /* new-energy, small */
	good(ew_valid_licence_plate, "苏E12345F", "苏E12345F"); /* new-energy, large */
	good(ew_valid_licence_plate, "\\u4eacA12345", "京A12345");
	good(ew_valid_licence_plate, "\\u7CA4B1234\\u5b66", "粤B1234学");
	good(ew_valid_licence_plate, "琼AB1C23", "琼AB1C23");
	bad(ew_valid_licence_plate, "京I12345"); /* I and O look like 1 and 0 */
	bad(ew_valid_licence_plate, "京A1O345");
	bad(ew_valid_licence_plate, "京A1234");	   /* short */
	bad(ew_valid_licence_plate, "京A1234567"); /* long */
	bad(ew_valid_licence_plate, "京AX12345");  /* 6 without an energy letter */
	bad(ew_valid_licence_plate, "台A12345");   /* not a province abbreviation */
	bad(ew_valid_licence_plate, "\\u53f0A12345");
	bad(ew_valid_licence_plate, "京ABCDE1"); /* four letters: a word, not a serial */
	bad(ew_valid_licence_plate, "京a12345");
	bad(ew_valid_licence_plate, "京A1234挂5");
	bad(ew_valid_licence_plate, "\\u4eaA12345");
	bad(ew_valid_licence_plate, "\xe4\xba");
}

Test(validate, mobile_number)
{
	good(ew_valid_mobile_number, "13812345678", "13812345678");
	good(ew_valid_mobile_number, "19912345678", "19912345678");
	bad(ew_valid_mobile_number, "12812345678");
	bad(ew_valid_mobile_number, "1381234567");
	bad(ew_valid_mobile_number, "138123456789");
	bad(ew_valid_mobile_number, "1381234567a");
}

Test(validate, id_number)
{
	good(ew_valid_id_number, "11010519491231002X", "11010519491231002X");
	good(ew_valid_id_number, "11010519491231002x", "11010519491231002X");
	good(ew_valid_id_number, "440301199003071230", "440301199003071230");
	good(ew_valid_id_number, "310115200002294567", "310115200002294567"); /* 29 Feb 2000 */
	good(ew_valid_id_number, "510108198010100017", "510108198010100017");
	bad(ew_valid_id_number, "110105194912310021"); /* checksum */
	bad(ew_valid_id_number, "440301199002301234"); /* 30 February */
	bad(ew_valid_id_number, "310115190002294567"); /* 1900 was not leap (and checksum) */
	bad(ew_valid_id_number, "990105194912310020"); /* province 99 */
	bad(ew_valid_id_number, "11010518991231002X");
	bad(ew_valid_id_number, "11010529991231002X"); /* the future */
	bad(ew_valid_id_number, "1101051949123100X2");
	bad(ew_valid_id_number, "11010519491231002");
}

Test(validate, coordinates)
{
	double v = 0;

	cr_assert(ew_valid_latitude((const uint8_t *)"39.9042", 7, &v));
	cr_assert_float_eq(v, 39.9042, 1e-9);
	cr_assert(ew_valid_longitude((const uint8_t *)"\"116.407396\"", 12, &v));
	cr_assert_float_eq(v, 116.407396, 1e-9);
	cr_assert(ew_valid_longitude((const uint8_t *)"-122.4194", 9, &v));
	cr_assert_not(ew_valid_latitude((const uint8_t *)"39.904", 6, &v));   /* 3 decimals */
	cr_assert_not(ew_valid_latitude((const uint8_t *)"139.9042", 8, &v)); /* > 90 */
	cr_assert_not(ew_valid_longitude((const uint8_t *)"1160.4073", 9, &v));
	cr_assert_not(ew_valid_longitude((const uint8_t *)"116.4073.1", 10, &v));
	cr_assert_not(ew_valid_longitude((const uint8_t *)"", 0, &v));
	cr_assert(ew_valid_in_china(39.9042, 116.4074));
	cr_assert_not(ew_valid_in_china(37.7749, -122.4194));
	cr_assert_not(ew_valid_in_china(56.0, 116.0));
	cr_assert_not(ew_valid_in_china(39.9, 138.0));
}

Test(validate, names)
{
	cr_assert_eq(ew_validator_lookup("vin"), EW_VALID_VIN);
	cr_assert_eq(ew_validator_lookup("none"), EW_VALID_NONE);
	cr_assert_eq(ew_validator_lookup("phone"), -1);
	for (int i = 0; i < EW_VALID_COUNT; i++)
		cr_assert_eq(ew_validator_lookup(ew_validator_name(i)), i);
	cr_assert(ew_validator_names_subject(EW_VALID_ID_NUMBER));
	cr_assert_not(ew_validator_names_subject(EW_VALID_LATITUDE));
}
