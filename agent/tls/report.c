// SPDX-License-Identifier: GPL-2.0-only
/* The TLS targets found, as a table and as JSON. */
#include <ctype.h>
#include <string.h>

#include "tls/report.h"

const char *ew_tls_report_result(enum ew_tls_result res, bool attached)
{
	switch (res) {
	case EW_TLS_HOOKED:
		return attached ? "hooked" : "hookable";
	case EW_TLS_FAILED:
		return "failed";
	case EW_TLS_NO_SYMBOLS:
		return "no symbols";
	case EW_TLS_UNSUPPORTED:
		return "unsupported";
	case EW_TLS_N_RESULTS:
		break;
	}
	return "?";
}

/* File names come from other processes: no control characters onto a terminal. */
static void put_clean(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(isprint((unsigned char)*s) ? *s : '?', f);
}

void ew_tls_report_print(FILE *f, const struct ew_tls_targets *r, bool attached)
{
	int n = ew_tls_targets_count(r);

	fputs("TLS LIBRARIES (plaintext capture: uprobes on their read and write functions)\n", f);
	if (!n)
		fputs("none found\n", f);
	else
		fprintf(f, "%-12s  %-11s  %s\n", "LIBRARY", "RESULT", "FILE / FUNCTIONS / REASON");
	for (int i = 0; i < n; i++) {
		const struct ew_tls_target *t = ew_tls_targets_get(r, i);

		fprintf(f, "%-12s  %-11s  ", t->library, ew_tls_report_result(t->result, attached));
		put_clean(f, t->file);
		if (t->is_static && t->family && strcmp(t->family, "go"))
			fputs(" (linked in statically)", f);
		if (t->pid)
			fprintf(f, " (pid %d)", t->pid);
		fputc('\n', f);
		if (t->n_syms) {
			fprintf(f, "%-12s  %-11s  ", "", "");
			for (int j = 0; j < t->n_syms; j++)
				fprintf(f, "%s%s", j ? " " : "", t->syms[j].name);
			fputc('\n', f);
		}
		if (t->why[0])
			fprintf(f, "%-12s  %-11s  -> %s\n", "", "", t->why);
	}
	fputs("Go crypto/tls: unsupported (Go programs do not use these libraries; their TLS "
	      "plaintext is not captured)\n",
	      f);
}

void ew_tls_report_json(struct ew_jsonw *w, const char *key, const struct ew_tls_targets *r,
			bool attached)
{
	ew_jsonw_arr_begin(w, key);
	for (int i = 0; i < ew_tls_targets_count(r); i++) {
		const struct ew_tls_target *t = ew_tls_targets_get(r, i);

		ew_jsonw_obj_begin(w, NULL);
		ew_jsonw_str(w, "library", t->library);
		ew_jsonw_str(w, "family", t->family);
		ew_jsonw_str(w, "file", t->file);
		ew_jsonw_str(w, "path", t->path);
		ew_jsonw_i64(w, "pid", t->pid);
		ew_jsonw_bool(w, "static", t->is_static);
		ew_jsonw_str(w, "result", ew_tls_report_result(t->result, attached));
		ew_jsonw_str(w, "why", t->why);
		ew_jsonw_str(w, "build_id", t->build_id);
		ew_jsonw_arr_begin(w, "functions");
		for (int j = 0; j < t->n_syms; j++) {
			ew_jsonw_obj_begin(w, NULL);
			ew_jsonw_str(w, "name", t->syms[j].name);
			ew_jsonw_str(w, "role", ew_tls_role_name(t->syms[j].role));
			ew_jsonw_u64(w, "offset", t->syms[j].offset);
			ew_jsonw_obj_end(w);
		}
		ew_jsonw_arr_end(w);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_arr_end(w);
}
