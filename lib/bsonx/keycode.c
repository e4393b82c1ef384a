/* SPDX-License-Identifier: Apache-2.0 */
/* keycode.c: encoding BSON values as bytes that sort like the values.
 *
 * SQLite compares BLOBs with memcmp, so storing this encoding lets its B-trees
 * order and compare _id values, index keys and sort keys exactly as
 * docrel_compare__values (compare.c) would, without calling back into C.
 *
 * Every value starts with a class byte, one per type bracket, increasing with
 * the bracket and never 0x00. The payload after it is fixed-size or ends in a
 * terminator below every class byte, so a value's end is known from its bytes
 * and a shorter container sorts first:
 *
 *   number      8 bytes: the canonical double (docrel_number_t.approx) with
 *               its bits made order-preserving (sign bit flipped for
 *               positives, all bits for negatives; NaN as 8 zero bytes,
 *               below -inf), then 2 bytes: rem + 0x8000, big-endian
 *   string      bytes with 0x00 escaped as 0x00 0xFF, then 0x00 0x00
 *   document    per element: class byte, key bytes, 0x00 (keys hold no NUL),
 *               payload; then 0x00
 *   array       per element: class byte, payload; then 0x00
 *   binary      4-byte big-endian length, subtype, bytes
 *   ObjectId    12 bytes;  bool  1 byte;  datetime  8 bytes big-endian with
 *               the sign bit flipped;  timestamp  t then i, 4 bytes each
 *   regex       pattern, 0x00, options, 0x00
 *   dbpointer   4-byte big-endian name length, name, 12 ObjectId bytes
 *   code        as a string;  code-with-scope  code as a string, then the
 *               scope as a document
 *   MinKey, undefined, null, MaxKey: the class byte alone
 *
 * Containers nested DOCREL_COMPARE_MAX_DEPTH deep encode their raw BSON as a
 * string, as compare.c compares them. */
#include "bsonx/bsonx-private.h"

#include <math.h>
#include <string.h>

enum {
   CLASS_MIN_KEY = 0x08,
   CLASS_UNDEFINED = 0x10,
   CLASS_NULL = 0x18,
   CLASS_NUMBER = 0x20,
   CLASS_STRING = 0x28,
   CLASS_DOCUMENT = 0x30,
   CLASS_ARRAY = DOCREL_KEYCODE_ARRAY_MARKER,
   CLASS_BINARY = 0x40,
   CLASS_OID = 0x48,
   CLASS_BOOL = 0x50,
   CLASS_DATE_TIME = 0x58,
   CLASS_TIMESTAMP = 0x60,
   CLASS_REGEX = 0x68,
   CLASS_DBPOINTER = 0x70,
   CLASS_CODE = 0x78,
   CLASS_CODEWSCOPE = 0x80,
   CLASS_MAX_KEY = 0xf0
};

#define TERMINATOR 0x00

static uint8_t
class_of (bson_type_t t)
{
   switch (t) {
   case BSON_TYPE_MINKEY:
      return CLASS_MIN_KEY;
   case BSON_TYPE_EOD:
   case BSON_TYPE_UNDEFINED:
      return CLASS_UNDEFINED;
   case BSON_TYPE_NULL:
      return CLASS_NULL;
   case BSON_TYPE_INT32:
   case BSON_TYPE_INT64:
   case BSON_TYPE_DOUBLE:
   case BSON_TYPE_DECIMAL128:
      return CLASS_NUMBER;
   case BSON_TYPE_UTF8:
   case BSON_TYPE_SYMBOL:
      return CLASS_STRING;
   case BSON_TYPE_DOCUMENT:
      return CLASS_DOCUMENT;
   case BSON_TYPE_ARRAY:
      return CLASS_ARRAY;
   case BSON_TYPE_BINARY:
      return CLASS_BINARY;
   case BSON_TYPE_OID:
      return CLASS_OID;
   case BSON_TYPE_BOOL:
      return CLASS_BOOL;
   case BSON_TYPE_DATE_TIME:
      return CLASS_DATE_TIME;
   case BSON_TYPE_TIMESTAMP:
      return CLASS_TIMESTAMP;
   case BSON_TYPE_REGEX:
      return CLASS_REGEX;
   case BSON_TYPE_DBPOINTER:
      return CLASS_DBPOINTER;
   case BSON_TYPE_CODE:
      return CLASS_CODE;
   case BSON_TYPE_CODEWSCOPE:
      return CLASS_CODEWSCOPE;
   case BSON_TYPE_MAXKEY:
   default:
      return CLASS_MAX_KEY;
   }
}

static void store_be (uint8_t *at, uint64_t v, int n_bytes);

static void
append_be (docrel_buf_t *out, uint64_t v, int n_bytes)
{
   store_be (docrel_buf__extend (out, (size_t) n_bytes), v, n_bytes);
}

static void
store_be (uint8_t *at, uint64_t v, int n_bytes)
{
   int i;

   for (i = n_bytes - 1; i >= 0; i--) {
      at[i] = (uint8_t) (v & 0xffu);
      v >>= 8;
   }
}

#define NUMBER_BYTES 10

/* A number's payload, written at at (NUMBER_BYTES of room). */
static void
store_number (uint8_t *at, const docrel_number_t *n)
{
   uint64_t bits = 0;

   if (!isnan (n->approx)) {
      memcpy (&bits, &n->approx, sizeof bits);
      bits = (bits & 0x8000000000000000u) ? ~bits : bits ^ 0x8000000000000000u;
   }
   store_be (at, bits, 8);
   store_be (at + 8, (uint64_t) (uint16_t) (n->rem + 0x8000), 2);
}

static void
append_number (docrel_buf_t *out, const docrel_number_t *n)
{
   store_number (docrel_buf__extend (out, NUMBER_BYTES), n);
}

/* Bytes with 0x00 escaped, then the 0x00 0x00 terminator. */
static void
append_string (docrel_buf_t *out, const char *s, size_t len)
{
   const char *end = s + len;
   const char *nul;

   while (s < end && (nul = memchr (s, 0, (size_t) (end - s)))) {
      docrel_buf__append (out, s, (size_t) (nul - s) + 1);
      docrel_buf__append_byte (out, 0xff);
      s = nul + 1;
   }
   docrel_buf__append (out, s, (size_t) (end - s));
   docrel_buf__append_byte (out, TERMINATOR);
   docrel_buf__append_byte (out, TERMINATOR);
}

/* A C string (no NUL inside), then one 0x00. */
static void
append_cstring (docrel_buf_t *out, const char *s)
{
   docrel_buf__append (out, s, strlen (s) + 1);
}

static void append_payload (docrel_buf_t *out, const bson_value_t *value, int depth);

static void
append_container (docrel_buf_t *out, const uint8_t *data, uint32_t len, bool is_array, int depth)
{
   bson_t doc;
   bson_iter_t iter;

   if (depth >= DOCREL_COMPARE_MAX_DEPTH || !bson_init_static (&doc, data, len) || !bson_iter_init (&iter, &doc)) {
      append_string (out, (const char *) data, len);
      return;
   }
   while (bson_iter_next (&iter)) {
      docrel_buf__append_byte (out, class_of (bson_iter_type (&iter)));
      if (!is_array) {
         docrel_buf__append (out, bson_iter_key (&iter), bson_iter_key_len (&iter));
         docrel_buf__append_byte (out, TERMINATOR);
      }
      append_payload (out, bson_iter_value (&iter), depth + 1);
   }
   docrel_buf__append_byte (out, TERMINATOR);
}

static void
append_payload (docrel_buf_t *out, const bson_value_t *value, int depth)
{
   docrel_number_t n;

   switch (value->value_type) {
   case BSON_TYPE_INT32:
   case BSON_TYPE_INT64:
   case BSON_TYPE_DOUBLE:
   case BSON_TYPE_DECIMAL128:
      docrel_compare__number (value, &n);
      append_number (out, &n);
      break;
   case BSON_TYPE_UTF8:
      append_string (out, value->value.v_utf8.str, value->value.v_utf8.len);
      break;
   case BSON_TYPE_SYMBOL:
      append_string (out, value->value.v_symbol.symbol, value->value.v_symbol.len);
      break;
   case BSON_TYPE_DOCUMENT:
   case BSON_TYPE_ARRAY:
      append_container (out, value->value.v_doc.data, value->value.v_doc.data_len, value->value_type == BSON_TYPE_ARRAY,
                        depth);
      break;
   case BSON_TYPE_BINARY:
      append_be (out, value->value.v_binary.data_len, 4);
      docrel_buf__append_byte (out, (uint8_t) value->value.v_binary.subtype);
      docrel_buf__append (out, value->value.v_binary.data, value->value.v_binary.data_len);
      break;
   case BSON_TYPE_OID:
      docrel_buf__append (out, value->value.v_oid.bytes, 12);
      break;
   case BSON_TYPE_BOOL:
      docrel_buf__append_byte (out, value->value.v_bool ? 1 : 0);
      break;
   case BSON_TYPE_DATE_TIME:
      append_be (out, (uint64_t) value->value.v_datetime ^ 0x8000000000000000u, 8);
      break;
   case BSON_TYPE_TIMESTAMP:
      append_be (out, value->value.v_timestamp.timestamp, 4);
      append_be (out, value->value.v_timestamp.increment, 4);
      break;
   case BSON_TYPE_REGEX:
      append_cstring (out, value->value.v_regex.regex);
      append_cstring (out, value->value.v_regex.options);
      break;
   case BSON_TYPE_DBPOINTER:
      append_be (out, value->value.v_dbpointer.collection_len, 4);
      docrel_buf__append (out, value->value.v_dbpointer.collection, value->value.v_dbpointer.collection_len);
      docrel_buf__append (out, value->value.v_dbpointer.oid.bytes, 12);
      break;
   case BSON_TYPE_CODE:
      append_string (out, value->value.v_code.code, value->value.v_code.code_len);
      break;
   case BSON_TYPE_CODEWSCOPE:
      append_string (out, value->value.v_codewscope.code, value->value.v_codewscope.code_len);
      append_container (out, value->value.v_codewscope.scope_data, value->value.v_codewscope.scope_len, false, depth);
      break;
   default:
      break; /* MinKey, MaxKey, null, undefined: the class byte says it all */
   }
}

void
docrel_keycode__append (docrel_buf_t *out, const bson_value_t *value)
{
   docrel_number_t n;
   uint8_t *at;

   switch (value->value_type) {
   case BSON_TYPE_INT32:
   case BSON_TYPE_INT64:
   case BSON_TYPE_DOUBLE:
   case BSON_TYPE_DECIMAL128:
      /* the commonest key: class byte and payload in one extension */
      docrel_compare__number (value, &n);
      at = docrel_buf__extend (out, 1 + NUMBER_BYTES);
      at[0] = CLASS_NUMBER;
      store_number (at + 1, &n);
      break;
   default:
      docrel_buf__append_byte (out, class_of (value->value_type));
      append_payload (out, value, 0);
   }
}

void
docrel_keycode__append_null (docrel_buf_t *out)
{
   docrel_buf__append_byte (out, CLASS_NULL);
}
