/* compare.h: MongoDB's comparison order for BSON values.
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
#ifndef DOCREL_COMPARE_H
#define DOCREL_COMPARE_H

#include <bson/bson.h>

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

#endif
