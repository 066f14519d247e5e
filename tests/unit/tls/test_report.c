// SPDX-License-Identifier: GPL-2.0-only
/* The probe's TLS section: the system's libraries as a table and as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "tls/report.h"

Test(report, table_and_json)
{
	struct ew_tls_targets *r;
	struct ew_jsonw w;
	cJSON *doc, *arr, *it;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool ssl = false;

	cr_assert_eq(ew_tls_targets_new(NULL, NULL, &r), 0);
	ew_tls_targets_scan_system(r);
	ew_tls_report_print(f, r, false);
	fclose(f);
	cr_assert_not_null(strstr(text, "openssl-3.0   hookable     /"), "%s", text);
	cr_assert_not_null(strstr(text, "SSL_write(_ex) SSL_read(_ex) SSL_free\n"), "%s", text);
	cr_assert_not_null(strstr(text, "\nGo crypto/tls: unsupported"));
	cr_assert_null(strstr(text, "hooked"), "nothing is attached: hookable");
	free(text);

	ew_jsonw_init(&w);
	ew_jsonw_obj_begin(&w, NULL);
	ew_tls_report_json(&w, "tls_libraries", r, true);
	ew_jsonw_obj_end(&w);
	doc = cJSON_ParseWithLength(w.buf, w.len);
	cr_assert_not_null(doc, "%.*s", (int)w.len, w.buf);
	arr = cJSON_GetObjectItem(doc, "tls_libraries");
	cr_assert_eq(cJSON_GetArraySize(arr), ew_tls_targets_count(r));
	cJSON_ArrayForEach(it, arr)
	{
		const char *lib = cJSON_GetObjectItem(it, "library")->valuestring;

		cr_assert_str_eq(cJSON_GetObjectItem(it, "result")->valuestring, "hooked");
		if (strcmp(lib, "openssl-3.0"))
			continue;
		ssl = true;
		cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(it, "static")));
		cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(it, "functions")), 3);
		cr_assert_str_eq(
		    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(it, "functions"), 1),
					"role")
			->valuestring,
		    "read_ex");
	}
	cr_assert(ssl);
	cJSON_Delete(doc);
	ew_jsonw_free(&w);
	ew_tls_targets_free(r);
}
