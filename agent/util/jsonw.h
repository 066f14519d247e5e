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
#include <string.h>

#define EW_JSONW_MAX_DEPTH 63

struct ew_jsonw {
	char *buf;
	size_t len, cap;
	int depth;
	uint64_t first; /* bit d: no member written yet at depth d */
	/* The document is unusable: allocation failed, or nesting was deeper
	 * than EW_JSONW_MAX_DEPTH or unbalanced. Writes are dropped until reset. */
	bool oom;
	bool fixed; /* buf is lent (ew_jsonw_init_fixed()): never grown or freed */
};

/**
 * ew_jsonw_init() - an empty writer; allocates nothing yet.
 * @w: the writer
 */
void ew_jsonw_init(struct ew_jsonw *w);

/**
 * ew_jsonw_init_fixed() - a writer into @cap bytes at @buf, lent by the caller.
 * @w: the writer
 * @buf: where the document goes (the records writer's batch: no copy after)
 * @cap: its size; a document that needs more is oom, not moved elsewhere
 */
void ew_jsonw_init_fixed(struct ew_jsonw *w, char *buf, size_t cap);

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

/* Every byte a key must not hold to be copied as it is (those jsonw.c escapes). */
#define EW_JSONW_ESCAPED                                                                           \
	"\"\\\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11"                 \
	"\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f\x80\x81\x82"                 \
	"\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94"                 \
	"\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f\xa0\xa1\xa2\xa3\xa4\xa5\xa6"                 \
	"\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8"                 \
	"\xb9\xba\xbb\xbc\xbd\xbe\xbf\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca"                 \
	"\xcb\xcc\xcd\xce\xcf\xd0\xd1\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xd9\xda\xdb\xdc"                 \
	"\xdd\xde\xdf\xe0\xe1\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xea\xeb\xec\xed\xee"                 \
	"\xef\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff"

/*
 * Set in a key's length when the compiler proved the key needs no escaping:
 * a literal (GCC folds strcspn() of one), so nothing is checked per call.
 * Callers of the _k functions who measure a key themselves leave it clear.
 */
#define EW_JSONW_KEY_PLAIN ((size_t)1 << 63)

/*
 * Each writer takes its key's length (the _k functions); the inline wrappers
 * below measure it, which the compiler does at build time for a literal key,
 * as every key on the record path is (and proves it plain).
 */
static inline size_t ew_jsonw_klen(const char *key)
{
	if (!key)
		return 0;
	if (__builtin_constant_p(__builtin_strcspn(key, EW_JSONW_ESCAPED) ==
				 __builtin_strlen(key)) &&
	    __builtin_strcspn(key, EW_JSONW_ESCAPED) == __builtin_strlen(key))
		return __builtin_strlen(key) | EW_JSONW_KEY_PLAIN;
	return __builtin_strlen(key);
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

/**
 * ew_jsonw_members_begin() - room for members ("k":v,...) of the innermost
 * object written in place by the caller, who vouches for them (as with
 * ew_jsonw_members()): the record path writes its runs of numbers and
 * addresses without a call, a check and a copy for each.
 * @w: the writer
 * @max: the most bytes the caller writes
 *
 * A comma goes first unless they are the object's first members; the caller
 * writes at least one, then calls ew_jsonw_members_end().
 * Return: where to write, or NULL if the document is unusable (oom).
 */
char *ew_jsonw_members_begin(struct ew_jsonw *w, size_t max);

/*
 * EW_JSONW_LIT() - a literal's bytes at @p, which moves past them: the runs of
 * members written in place after ew_jsonw_members_begin() take their keys and
 * punctuation this way, with no call, check or copy per member.
 */
#define EW_JSONW_LIT(p, s) ((p) = (char *)memcpy((p), (s), sizeof(s) - 1) + sizeof(s) - 1)

/** ew_jsonw_members_end() - the members begun end at @end. */
void ew_jsonw_members_end(struct ew_jsonw *w, char *end);

/**
 * ew_jsonw_members_end_in() - the members begun end at @end, inside an
 * object they opened last and left open with members in it ("k":{"a":1):
 * it is the innermost object now, closed by ew_jsonw_obj_end().
 */
void ew_jsonw_members_end_in(struct ew_jsonw *w, char *end);

#endif
