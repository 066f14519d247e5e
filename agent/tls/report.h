/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * report.h - the TLS targets a registry found, for people (`egresswatch
 * probe`) and as JSON. The probe attaches nothing, so a file whose
 * functions were found reads "hookable" there rather than "hooked".
 */
#ifndef EW_TLS_REPORT_H
#define EW_TLS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "tls/targets.h"
#include "util/jsonw.h"

/**
 * ew_tls_report_print() - one line per file: library, result, file (the
 * process it was found in), its functions; the reason under it when there
 * is one; and a closing line saying Go's crypto/tls is not hooked.
 * @attached: false when the registry ran without attaching ("hookable").
 */
void ew_tls_report_print(FILE *f, const struct ew_tls_targets *r, bool attached);

/**
 * ew_tls_report_json() - the same as member @key of the object open in @w:
 * an array of {"library", "family", "file", "path", "pid", "static",
 * "result", "why", "build_id", "functions": [{"name", "role", "offset"}]}.
 */
void ew_tls_report_json(struct ew_jsonw *w, const char *key, const struct ew_tls_targets *r,
			bool attached);

/* ew_tls_report_result() - the result as the report words it. */
const char *ew_tls_report_result(enum ew_tls_result res, bool attached);

#endif
