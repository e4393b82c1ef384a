/* SPDX-License-Identifier: Apache-2.0 */
/* bsonx-private.h: what the files of lib/bsonx/ share. */
#ifndef DOCREL_BSONX_PRIVATE_H
#define DOCREL_BSONX_PRIVATE_H

#include <bson/bson.h>

#include "util/util-private.h"

/* ---- compare ------------------------------------------------------------ */

/* MongoDB's comparison order for BSON values.
 *
 * Type brackets, low to high: MinKey, (undefined), null, numbers (int32,
 * int64, double, decimal128 compared by value; NaN below every number),
 * strings and symbols (binary UTF-8), documents, arrays, binary (length,
 * then subtype, then bytes), ObjectId, bool, datetime, timestamp, regex,
 * (dbpointer, code, code-with-scope), MaxKey. Documents and arrays compare
 * element by element (type bracket, then field name, then value); the
 * shorter is lower. Arrays skip the field names (they are positions).
 *
 * Numbers compare exactly across int32, int64 and double (-0 equals 0, NaN
 * equals NaN). decimal128 is approximated: exact when it is an integer within
 * int64 range, otherwise taken as its nearest double. Containers nested
 * deeper than DOCREL_COMPARE_MAX_DEPTH compare by raw bytes. keycode.c
 * encodes exactly this order; change the two together. */
/* Documents and arrays this deep (the top-level document is depth 0) compare
 * by their raw BSON bytes (memcmp, then length) instead of element by
 * element, which bounds recursion. */
#define DOCREL_COMPARE_MAX_DEPTH 100

/* A number in canonical form: value == approx + rem exactly, for every int32,
 * int64, double and integral decimal128 in int64 range. approx is the nearest
 * double (NaN for NaN, never -0); rem is non-zero only for int64 values that
 * a double cannot hold, and |rem| <= 1024. Two numbers compare as the pairs
 * (approx, rem) compare lexicographically, with NaN below everything. */
typedef struct {
   double approx;
   int32_t rem;
} docrel_number_t;

/* The type bracket of t: equal for types that compare by value (the number
 * types; string and symbol; undefined and EOD; MaxKey and unknown types).
 * Larger is higher in the order. */
int docrel_compare__bracket (bson_type_t t);

/* <0, 0, >0 as a is below, equal to or above b in MongoDB's order. */
int docrel_compare__values (const bson_value_t *a, const bson_value_t *b);

/* Same, on two whole documents (as embedded documents compare). */
int docrel_compare__documents (const bson_t *a, const bson_t *b);

/* Fills *out if value is a number (int32, int64, double, decimal128) and
 * returns true; returns false for other types. */
bool docrel_compare__number (const bson_value_t *value, docrel_number_t *out);

/* <0, 0, >0 on two canonical numbers. */
int docrel_compare__numbers (const docrel_number_t *a, const docrel_number_t *b);

/* ---- keycode ------------------------------------------------------------ */

/* An order-preserving byte encoding of BSON values.
 *
 * memcmp of two encodings orders them exactly as docrel_compare__values
 * orders the values, and equal values (1, 1L and 1.0 included) encode to the
 * same bytes. Encodings are self-delimiting, so several can be concatenated
 * into a compound key. The SQLite backend uses them for the _id column, index
 * expressions and sort keys; the session uses them as identity-map keys.
 * (When comparing encodings of different lengths, the shorter is lower when
 * it is a prefix of the longer: that is what memcmp-then-length gives, and
 * what SQLite does for BLOBs.)
 *
 * The format is internal and may change between versions: keys are never
 * stored across versions without being rebuilt. keycode.c documents it. */
/* The class byte that starts the encoding of every array. Alone, it is the
 * whole encoding of a value that is an array when used as an index key:
 * index keys of array values collapse to this one marker (see sqlite.c). It
 * sorts after every document and before every array's full encoding and
 * every binary. */
#define DOCREL_KEYCODE_ARRAY_MARKER 0x3c

/* Appends the encoding of value to out. This function can't fail. */
void docrel_keycode__append (docrel_buf_t *out, const bson_value_t *value);

/* Appends the encoding of the BSON null value (also used for missing). */
void docrel_keycode__append_null (docrel_buf_t *out);

/* ---- path --------------------------------------------------------------- */

/* Dotted paths into BSON documents ("a.b.0.c").
 *
 * These helpers address exactly one value: a numeric component indexes an
 * array. (Filters walk arrays with MongoDB's implicit traversal instead; see
 * filter.c.) Writers rebuild the document, since bson_t is append-only. */
/* Returns false and sets error (DOCREL_ERROR_DOCUMENT) if path is NULL,
 * empty, has an empty component, or a component starting with '$'. */
bool docrel_path__check (const char *path, bson_error_t *error);

/* Finds the value at path. Returns true with *out positioned on it. */
bool docrel_path__find (const bson_t *doc, const char *path, bson_iter_t *out);

/* Finds the top-level field key (key_len bytes, no NUL inside), as
 * bson_iter_init_find does, at a fraction of its cost: the fields before it
 * are skipped by their sizes, without an iterator step each. */
bool docrel_path__find_key (const bson_t *doc, const char *key, size_t key_len, bson_iter_t *out);

/* Writes value at path into *doc, creating sub-documents as needed and
 * replacing what was there. Fails (doc unchanged) if a component runs into
 * a non-container value or a non-numeric key of an array. */
bool docrel_path__set (bson_t *doc, const char *path, const bson_value_t *value, bson_error_t *error);

/* Removes the value at path; *removed tells whether there was one (may be NULL). */
bool docrel_path__unset (bson_t *doc, const char *path, bool *removed, bson_error_t *error);

#endif
