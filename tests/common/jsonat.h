/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jsonat.h - a member of a parsed record by its dotted path, for unit tests
 * that check what the record writers put where.
 */
#ifndef EW_TEST_JSONAT_H
#define EW_TEST_JSONAT_H

#include <cjson/cJSON.h>

/* The member at @path ("a.b.c") under @j; a Criterion failure if there is none. */
const cJSON *ew_test_json_at(const cJSON *j, const char *path);

#endif
