/* compare.h: MongoDB's comparison order for BSON values.
 *
 * Type brackets, low to high: MinKey, (undefined), null, numbers (int32,
 * int64, double, decimal128 compared by value; NaN below every number),
 * strings and symbols (binary UTF-8), documents, arrays, binary (length,
 * then subtype, then bytes), ObjectId, bool, datetime, timestamp, regex,
 * (dbpointer, code, code-with-scope), MaxKey. Documents and arrays compare
 * element by element (type bracket, then field name, then value); the
 * shorter is lower. */
#ifndef DOCREL_COMPARE_H
#define DOCREL_COMPARE_H

#include <bson/bson.h>

/* The type bracket of t: equal for types that compare by value (the number
 * types; string and symbol). Larger is higher in the order. */
int docrel_compare__bracket (bson_type_t t);

/* <0, 0, >0 as a is below, equal to or above b in MongoDB's order. */
int docrel_compare__values (const bson_value_t *a, const bson_value_t *b);

/* Same, on two whole documents (as embedded documents compare). */
int docrel_compare__documents (const bson_t *a, const bson_t *b);

#endif
