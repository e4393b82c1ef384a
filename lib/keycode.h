/* keycode.h: an order-preserving byte encoding of BSON values.
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
#ifndef DOCREL_KEYCODE_H
#define DOCREL_KEYCODE_H

#include <bson/bson.h>

#include "buffer.h"

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

#endif
