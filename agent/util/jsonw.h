/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jsonw.h - a JSON writer for the record hot path.
 *
 * One writer is reset and reused per line, so after warm-up no call
 * allocates. Output is always valid UTF-8 JSON: strings from the kernel
 * (comm, args, paths) are untrusted bytes, and a SIEM that rejects one line
 * loses the record. The buffer is kept NUL-terminated after every call.
 */
#ifndef EW_JSONW_H
#define EW_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EW_JSONW_MAX_DEPTH 63

struct ew_jsonw {
	char *buf;
	size_t len, cap;
	int depth;
	uint64_t first; /* bit d: no member written yet at depth d */
	/* The document is unusable: allocation failed, or nesting was deeper
	 * than EW_JSONW_MAX_DEPTH or unbalanced. Writes are dropped until reset. */
	bool oom;
};

/**
 * ew_jsonw_init() - an empty writer; allocates nothing yet.
 * @w: the writer
 */
void ew_jsonw_init(struct ew_jsonw *w);

/**
 * ew_jsonw_reset() - start a new document, keeping the buffer.
 * @w: the writer
 */
void ew_jsonw_reset(struct ew_jsonw *w);

/**
 * ew_jsonw_free() - release the buffer; @w is as after ew_jsonw_init().
 * @w: the writer
 */
void ew_jsonw_free(struct ew_jsonw *w);

/*
 * Value writers. @key names the member inside an object and must be NULL at
 * the top level and inside arrays. Keys are expected to be literals but are
 * escaped like values, so a '"' in one cannot break the document.
 */

/*
 * Each writer takes its key's length (the _k functions); the inline wrappers
 * below measure it, which the compiler does at build time for a literal key,
 * as every key on the record path is.
 */
static inline size_t ew_jsonw_klen(const char *key)
{
	return key ? __builtin_strlen(key) : 0;
}

void ew_jsonw_obj_begin_k(struct ew_jsonw *w, const char *key, size_t klen);
void ew_jsonw_arr_begin_k(struct ew_jsonw *w, const char *key, size_t klen);
void ew_jsonw_strn_k(struct ew_jsonw *w, const char *key, size_t klen, const char *val, size_t n);
void ew_jsonw_u64_k(struct ew_jsonw *w, const char *key, size_t klen, uint64_t v);
void ew_jsonw_i64_k(struct ew_jsonw *w, const char *key, size_t klen, int64_t v);
void ew_jsonw_double_k(struct ew_jsonw *w, const char *key, size_t klen, double v);
void ew_jsonw_bool_k(struct ew_jsonw *w, const char *key, size_t klen, bool v);
void ew_jsonw_null_k(struct ew_jsonw *w, const char *key, size_t klen);
void ew_jsonw_raw_k(struct ew_jsonw *w, const char *key, size_t klen, const char *json, size_t n);

/** ew_jsonw_obj_begin() - open an object ("{"). */
static inline void ew_jsonw_obj_begin(struct ew_jsonw *w, const char *key)
{
	ew_jsonw_obj_begin_k(w, key, ew_jsonw_klen(key));
}
/** ew_jsonw_obj_end() - close the innermost object. */
void ew_jsonw_obj_end(struct ew_jsonw *w);
/** ew_jsonw_arr_begin() - open an array ("["). */
static inline void ew_jsonw_arr_begin(struct ew_jsonw *w, const char *key)
{
	ew_jsonw_arr_begin_k(w, key, ew_jsonw_klen(key));
}
/** ew_jsonw_arr_end() - close the innermost array. */
void ew_jsonw_arr_end(struct ew_jsonw *w);

/**
 * ew_jsonw_str() - a string value; NULL writes null.
 *
 * '"', '\\' and control characters are escaped (DEL as \u007f); invalid
 * UTF-8 (overlong forms, surrogates, truncated sequences, bytes above 0xF4)
 * becomes U+FFFD, one per maximal invalid subpart.
 */
static inline void ew_jsonw_str(struct ew_jsonw *w, const char *key, const char *val)
{
	ew_jsonw_strn_k(w, key, ew_jsonw_klen(key), val, val ? __builtin_strlen(val) : 0);
}
/** ew_jsonw_strn() - ew_jsonw_str() on @n bytes, which may include NULs (\u0000). */
static inline void ew_jsonw_strn(struct ew_jsonw *w, const char *key, const char *val, size_t n)
{
	ew_jsonw_strn_k(w, key, ew_jsonw_klen(key), val, n);
}
/** ew_jsonw_u64() - an unsigned integer. */
static inline void ew_jsonw_u64(struct ew_jsonw *w, const char *key, uint64_t v)
{
	ew_jsonw_u64_k(w, key, ew_jsonw_klen(key), v);
}
/** ew_jsonw_i64() - a signed integer. */
static inline void ew_jsonw_i64(struct ew_jsonw *w, const char *key, int64_t v)
{
	ew_jsonw_i64_k(w, key, ew_jsonw_klen(key), v);
}
/**
 * ew_jsonw_double() - a number, shortest of %.15g/%.17g that reads back
 * exactly; NaN and infinities (not JSON) are written as null. Assumes the
 * "C" numeric locale.
 */
static inline void ew_jsonw_double(struct ew_jsonw *w, const char *key, double v)
{
	ew_jsonw_double_k(w, key, ew_jsonw_klen(key), v);
}
/** ew_jsonw_bool() - true or false. */
static inline void ew_jsonw_bool(struct ew_jsonw *w, const char *key, bool v)
{
	ew_jsonw_bool_k(w, key, ew_jsonw_klen(key), v);
}
/** ew_jsonw_null() - null. */
static inline void ew_jsonw_null(struct ew_jsonw *w, const char *key)
{
	ew_jsonw_null_k(w, key, ew_jsonw_klen(key));
}
/**
 * ew_jsonw_raw() - @n bytes of already-encoded JSON, copied as they are
 * (the caller vouches for them); NULL writes null.
 */
static inline void ew_jsonw_raw(struct ew_jsonw *w, const char *key, const char *json, size_t n)
{
	ew_jsonw_raw_k(w, key, ew_jsonw_klen(key), json, n);
}

/**
 * ew_jsonw_members() - @n bytes of already-encoded members ("k":v,...) of
 * the innermost object, copied as they are (the caller vouches for them);
 * a comma goes before them unless they are the object's first.
 */
static inline void ew_jsonw_members(struct ew_jsonw *w, const char *json, size_t n)
{
	ew_jsonw_raw_k(w, NULL, 0, json, n);
}

#endif
