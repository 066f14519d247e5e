// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "jsonat.h"

const cJSON *ew_test_json_at(const cJSON *j, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
		j = cJSON_GetObjectItemCaseSensitive(j, k);
	cr_assert_not_null(j, "no %s", path);
	return j;
}
