// SPDX-License-Identifier: GPL-2.0-only
#include "util/jsoncheck.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/escape.h"
#include "util/regfile.h"

#define MAX_FILE_BYTES (4u << 20)

static void set_err(struct ew_jc *jc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(struct ew_jc *jc, const char *fmt, ...)
{
	char raw[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Keys and values quoted from the file go to a terminal. */
	ew_escape_ctl(jc->err, jc->errlen, raw);
}

static void add_diag(struct ew_jc_diags *d, const char *path, const char *msg, bool warning)
{
	struct ew_jc_diag *g;

	if (warning)
		d->n_warnings++;
	else
		d->n_errors++;
	if (d->n >= EW_JC_MAX_DIAGS) {
		d->dropped++;
		return;
	}
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 16;
		struct ew_jc_diag *v = realloc(d->v, (size_t)cap * sizeof(*v));

		if (!v) {
			d->dropped++;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	g = &d->v[d->n++];
	ew_escape_ctl(g->path, sizeof(g->path), path);
	ew_escape_ctl(g->msg, sizeof(g->msg), msg);
	g->warning = warning;
}

int ew_jc_fail(struct ew_jc *jc, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (jc->diags) {
		add_diag(jc->diags, path, msg, false);
		/* the first error stays the one-line message */
		if (jc->diags->n_errors > 1)
			return -EINVAL;
	}
	set_err(jc, "%s: %s: %s", jc->file, path, msg);
	return -EINVAL;
}

void ew_jc_warn(struct ew_jc *jc, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!jc->diags)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add_diag(jc->diags, path, msg, true);
}

void ew_jc_diags_free(struct ew_jc_diags *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

void ew_jc_diags_join(const struct ew_jc_diags *d, const char *file, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (int i = 0; i < d->n; i++) {
		int k;

		if (d->v[i].warning)
			continue;
		k = snprintf(buf + off, len - off, "%s%s: %s%s%s", off ? "\n" : "", file,
			     d->v[i].path, d->v[i].path[0] ? ": " : "", d->v[i].msg);
		if (k < 0 || (size_t)k >= len - off) {
			if (len > 4)
				memcpy(buf + len - 4, "...", 4);
			return;
		}
		off += (size_t)k;
	}
}

static const char *type_name(const cJSON *v)
{
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "null";
}

static const struct ew_jc_field *find_field(const struct ew_jc_field *fields, size_t n,
					    const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

static int known_keys(const struct ew_jc_field *fields, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", fields[i].key);
	return 0;
}

static int apply_one(struct ew_jc *jc, const cJSON *v, const char *path,
		     const struct ew_jc_field *f, void *dst)
{
	char *p = (char *)dst + f->offset;

	switch (f->kind) {
	case EW_JC_U32: {
		double d = v->valuedouble;

		/* In range first: converting a negative or huge double is undefined. */
		if (!cJSON_IsNumber(v) || !(d >= (double)f->min && d <= (double)f->max) ||
		    d != (double)(uint64_t)d)
			return ew_jc_fail(jc, path, "expected an integer from %llu to %llu, got %s",
					  (unsigned long long)f->min, (unsigned long long)f->max,
					  cJSON_IsNumber(v) ? "a number out of range"
							    : type_name(v));
		*(uint32_t *)p = (uint32_t)d;
		return 0;
	}
	case EW_JC_BOOL:
		if (!cJSON_IsBool(v))
			return ew_jc_fail(jc, path, "expected true or false, got %s", type_name(v));
		*(bool *)p = cJSON_IsTrue(v);
		return 0;
	case EW_JC_STRING:
		if (!cJSON_IsString(v) || !v->valuestring[0])
			return ew_jc_fail(jc, path, "expected a non-empty string, got %s",
					  type_name(v));
		/* They name files and end up in messages of every module. */
		if (ew_jc_has_control(v->valuestring))
			return ew_jc_fail(jc, path, "control character in \"%s\"", v->valuestring);
		if (strlen(v->valuestring) >= f->max)
			return ew_jc_fail(jc, path, "string longer than %llu bytes",
					  (unsigned long long)f->max - 1);
		memcpy(p, v->valuestring, strlen(v->valuestring) + 1);
		return 0;
	case EW_JC_ENUM: {
		char names[256];
		size_t off = 0;

		if (cJSON_IsString(v)) {
			for (int i = 0; f->enums[i]; i++) {
				if (strcmp(f->enums[i], v->valuestring) == 0) {
					*(int *)p = i;
					return 0;
				}
			}
		}
		names[0] = '\0';
		for (int i = 0; f->enums[i] && off < sizeof(names); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s\"%s\"",
						i ? ", " : "", f->enums[i]);
		return ew_jc_fail(jc, path, "expected one of %s", names);
	}
	case EW_JC_OBJECT:
		if (!cJSON_IsObject(v))
			return ew_jc_fail(jc, path, "expected an object, got %s", type_name(v));
		return 0;
	case EW_JC_ARRAY:
		if (!cJSON_IsArray(v))
			return ew_jc_fail(jc, path, "expected an array, got %s", type_name(v));
		return 0;
	}
	return -EINVAL;
}

int ew_jc_apply(struct ew_jc *jc, const cJSON *obj, const char *path,
		const struct ew_jc_field *fields, size_t n, void *dst)
{
	const cJSON *v;
	char sub[256];
	int rc, bad = 0;

	if (!cJSON_IsObject(obj))
		return ew_jc_fail(jc, path, "expected an object, got %s", type_name(obj));
	cJSON_ArrayForEach(v, obj)
	{
		const struct ew_jc_field *f = find_field(fields, n, v->string);

		snprintf(sub, sizeof(sub), "%s.%s", path, v->string);
		if (!f) {
			char keys[512];

			known_keys(fields, n, keys, sizeof(keys));
			rc = ew_jc_fail(jc, sub, "unknown key (known keys: %s)", keys);
		} else {
			rc = apply_one(jc, v, sub, f, dst);
		}
		/* with a collector, the other members are still checked */
		if (rc && !jc->diags)
			return rc;
		if (rc)
			bad = rc;
	}
	return bad;
}

static void line_col(const char *text, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = text; p < at && *p; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

cJSON *ew_jc_parse_text(struct ew_jc *jc, const char *text)
{
	const char *end = NULL;
	cJSON *doc;
	int line, col;

	doc = cJSON_ParseWithOpts(text, &end, 1);
	if (!doc) {
		line_col(text, end ? end : text, &line, &col);
		set_err(jc, "%s:%d:%d: not valid JSON near here", jc->file, line, col);
	}
	return doc;
}

cJSON *ew_jc_parse_file(struct ew_jc *jc, const char *path, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	cJSON *doc = NULL;
	struct stat st;
	FILE *f;
	int fd;

	fd = ew_regfile_open(path, &st);
	if (fd == -EINVAL) {
		*rc = fd;
		set_err(jc, "%s: is %s, not a regular file: give the path of a JSON file", path,
			ew_regfile_kind(st.st_mode));
		return NULL;
	}
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		*rc = fd < 0 ? fd : -errno;
		if (fd >= 0)
			close(fd);
		set_err(jc, "%s: cannot open: %s", path, strerror(-*rc));
		return NULL;
	}
	text = malloc(MAX_FILE_BYTES + 1);
	if (!text) {
		*rc = -ENOMEM;
		goto out;
	}
	len = fread(text, 1, MAX_FILE_BYTES + 1, f);
	if (ferror(f)) {
		*rc = -EIO;
		set_err(jc, "%s: read error", path);
		goto out;
	}
	if (len > MAX_FILE_BYTES) {
		*rc = -EFBIG;
		set_err(jc, "%s: larger than %u bytes", path, MAX_FILE_BYTES);
		goto out;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		*rc = -EINVAL;
		set_err(jc, "%s: contains a NUL byte: not a JSON text file", path);
		goto out;
	}
	doc = ew_jc_parse_text(jc, text);
	*rc = doc ? 0 : -EINVAL;
out:
	free(text);
	fclose(f);
	return doc;
}

bool ew_jc_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int ew_jc_load(const char *name, const char *text,
	       int (*apply)(struct ew_jc *jc, const cJSON *doc, void *dst), void *dst, char *err,
	       size_t errlen)
{
	struct ew_jc jc = {.file = name, .err = err, .errlen = errlen};
	cJSON *doc;
	int rc = -EINVAL;

	doc = text ? ew_jc_parse_text(&jc, text) : ew_jc_parse_file(&jc, name, &rc);
	if (!doc)
		return rc;
	rc = apply(&jc, doc, dst);
	cJSON_Delete(doc);
	return rc;
}

int ew_jc_load_diags(const char *name, const char *text,
		     int (*apply)(struct ew_jc *jc, const cJSON *doc, void *dst), void *dst,
		     struct ew_jc_diags *diags, char *err, size_t errlen)
{
	struct ew_jc jc = {.file = name, .err = err, .errlen = errlen, .diags = diags};
	cJSON *doc;
	int rc = -EINVAL;

	if (errlen)
		err[0] = '\0';
	doc = text ? ew_jc_parse_text(&jc, text) : ew_jc_parse_file(&jc, name, &rc);
	if (!doc) {
		const char *m = err;
		size_t fl = strlen(name);

		/* "FILE: message" or "FILE:L:C: message": keep the message part */
		if (!strncmp(m, name, fl) && m[fl] == ':')
			m += fl + (m[fl + 1] == ' ' ? 2 : 1);
		add_diag(diags, "", m, false);
		return rc;
	}
	rc = apply(&jc, doc, dst);
	cJSON_Delete(doc);
	if (!rc && diags->n_errors)
		rc = -EINVAL;
	return rc;
}
