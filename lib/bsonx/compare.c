/* SPDX-License-Identifier: Apache-2.0 */
/* compare.c: MongoDB's total order over BSON values.
 *
 * Filters ($lt, $gt, ...), sorts and the order-preserving keycode all rest on
 * this one order, so that the embedded store returns documents in the order a
 * MongoDB server would. Values of different type brackets compare by bracket;
 * within a bracket each type has its own rule (see the compare section of
 * bsonx-private.h).
 *
 * Numbers of every type are first reduced to one canonical form,
 * docrel_number_t: the nearest double plus the small integer remainder an
 * int64 loses in that rounding. Ordering those pairs lexicographically is
 * exact for int32, int64 and double mixed together, without ever trusting a
 * blind int64 -> double cast; keycode.c encodes the same pairs, which is what
 * keeps memcmp of keycodes in step with this file.
 *
 * decimal128 is approximated: an integral decimal within int64 range is
 * handled exactly as that int64; any other decimal becomes its nearest double
 * (through bson_decimal128_to_string and strtod), so distinct decimals that
 * round to the same double compare equal (e.g. 0.1 and the double 0.1), tiny
 * ones underflow to 0 and huge ones overflow to +-infinity.
 *
 * Nesting is bounded: below DOCREL_COMPARE_MAX_DEPTH levels, documents and
 * arrays compare by their raw bytes (memcmp, then length) instead of element
 * by element, so that hostile documents cannot exhaust the stack. */
#include "bsonx/bsonx-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Brackets, low to high, spaced so a bracket can be added in between. */
enum {
   BRACKET_MIN_KEY = 5,
   BRACKET_UNDEFINED = 10, /* undefined, and EOO as MongoDB does */
   BRACKET_NULL = 15,
   BRACKET_NUMBER = 20,
   BRACKET_STRING = 25, /* string, symbol */
   BRACKET_DOCUMENT = 30,
   BRACKET_ARRAY = 35,
   BRACKET_BINARY = 40,
   BRACKET_OID = 45,
   BRACKET_BOOL = 50,
   BRACKET_DATE_TIME = 55,
   BRACKET_TIMESTAMP = 60,
   BRACKET_REGEX = 65,
   BRACKET_DBPOINTER = 70,
   BRACKET_CODE = 75,
   BRACKET_CODEWSCOPE = 80,
   BRACKET_MAX_KEY = 100
};

#define SIGN(x) ((x) < 0 ? -1 : ((x) > 0 ? 1 : 0))

int
docrel_compare__bracket (bson_type_t t)
{
   switch (t) {
   case BSON_TYPE_MINKEY:
      return BRACKET_MIN_KEY;
   case BSON_TYPE_EOD:
   case BSON_TYPE_UNDEFINED:
      return BRACKET_UNDEFINED;
   case BSON_TYPE_NULL:
      return BRACKET_NULL;
   case BSON_TYPE_INT32:
   case BSON_TYPE_INT64:
   case BSON_TYPE_DOUBLE:
   case BSON_TYPE_DECIMAL128:
      return BRACKET_NUMBER;
   case BSON_TYPE_UTF8:
   case BSON_TYPE_SYMBOL:
      return BRACKET_STRING;
   case BSON_TYPE_DOCUMENT:
      return BRACKET_DOCUMENT;
   case BSON_TYPE_ARRAY:
      return BRACKET_ARRAY;
   case BSON_TYPE_BINARY:
      return BRACKET_BINARY;
   case BSON_TYPE_OID:
      return BRACKET_OID;
   case BSON_TYPE_BOOL:
      return BRACKET_BOOL;
   case BSON_TYPE_DATE_TIME:
      return BRACKET_DATE_TIME;
   case BSON_TYPE_TIMESTAMP:
      return BRACKET_TIMESTAMP;
   case BSON_TYPE_REGEX:
      return BRACKET_REGEX;
   case BSON_TYPE_DBPOINTER:
      return BRACKET_DBPOINTER;
   case BSON_TYPE_CODE:
      return BRACKET_CODE;
   case BSON_TYPE_CODEWSCOPE:
      return BRACKET_CODEWSCOPE;
   case BSON_TYPE_MAXKEY:
   default:
      return BRACKET_MAX_KEY; /* unknown types: above everything but equal to MaxKey */
   }
}

/* ---- numbers ----------------------------------------------------------- */

static void
number_from_int64 (int64_t v, docrel_number_t *out)
{
   double d = (double) v; /* rounds; the remainder below recovers the rest */

   out->approx = d;
   if (d >= 9223372036854775808.0) {
      /* v rounded up to 2^63, which (int64_t) d cannot hold: v - 2^63. */
      out->rem = (int32_t) ((v - INT64_MAX) - 1);
   } else {
      out->rem = (int32_t) (v - (int64_t) d);
   }
}

static void
number_from_double (double d, docrel_number_t *out)
{
   out->approx = d == 0.0 ? 0.0 : d; /* -0 becomes +0 */
   out->rem = 0;
}

/* Reads libbson's decimal string ("-1.25E+3", "NaN", "-Infinity") into sign,
 * significant digits (no leading or trailing zeros) and a power of ten. Returns
 * false for NaN and the infinities. */
static bool
decimal_parse (const char *s, bool *negative, char *digits, size_t digits_size, long *exponent)
{
   size_t n = 0;
   long frac = 0;
   bool in_frac = false;

   *negative = false;
   *exponent = 0;
   if (*s == '-') {
      *negative = true;
      s++;
   }
   if (*s < '0' || *s > '9') {
      return false; /* NaN, Infinity */
   }
   for (; *s; s++) {
      if (*s == '.') {
         in_frac = true;
      } else if (*s >= '0' && *s <= '9') {
         if (n == 0 && *s == '0') {
            /* a leading zero carries no digit, only its place */
         } else if (n + 1 < digits_size) {
            digits[n++] = *s;
         }
         if (in_frac) {
            frac++;
         }
      } else if (*s == 'E' || *s == 'e') {
         *exponent = strtol (s + 1, NULL, 10);
         break;
      } else {
         break;
      }
   }
   while (n > 0 && digits[n - 1] == '0') {
      n--;
      frac--;
   }
   digits[n] = '\0';
   *exponent -= frac;
   if (n == 0) {
      *exponent = 0;
   }
   return true;
}

static void
number_from_decimal (const bson_decimal128_t *dec, docrel_number_t *out)
{
   char str[BSON_DECIMAL128_STRING];
   char digits[BSON_DECIMAL128_STRING];
   char text[BSON_DECIMAL128_STRING + 32];
   bool negative;
   long exponent;
   size_t n;
   uint64_t mag = 0;
   bool fits = true;
   size_t i;

   bson_decimal128_to_string (dec, str);
   if (!decimal_parse (str, &negative, digits, sizeof digits, &exponent)) {
      out->rem = 0;
      if (strchr (str, 'I')) {
         out->approx = str[0] == '-' ? -INFINITY : INFINITY;
      } else {
         out->approx = NAN;
      }
      return;
   }
   n = strlen (digits);
   if (n == 0) {
      number_from_double (0.0, out);
      return;
   }
   /* Integral and within int64: exact. */
   if (exponent >= 0 && (size_t) exponent + n <= 19) {
      for (i = 0; i < n + (size_t) exponent && fits; i++) {
         unsigned digit = i < n ? (unsigned) (digits[i] - '0') : 0u;
         if (mag > (UINT64_MAX - digit) / 10u) {
            fits = false;
         } else {
            mag = mag * 10u + digit;
         }
      }
      if (fits && !negative && mag <= (uint64_t) INT64_MAX) {
         number_from_int64 ((int64_t) mag, out);
         return;
      }
      if (fits && negative && mag <= (uint64_t) INT64_MAX + 1u) {
         number_from_int64 (mag == (uint64_t) INT64_MAX + 1u ? INT64_MIN : -(int64_t) mag, out);
         return;
      }
   }
   /* Otherwise the nearest double. The text has no radix character, so
    * strtod reads it the same in every locale. */
   bson_snprintf (text, sizeof text, "%s%se%ld", negative ? "-" : "", digits, exponent);
   number_from_double (strtod (text, NULL), out);
}

bool
docrel_compare__number (const bson_value_t *value, docrel_number_t *out)
{
   switch (value->value_type) {
   case BSON_TYPE_INT32:
      out->approx = (double) value->value.v_int32;
      out->rem = 0;
      return true;
   case BSON_TYPE_INT64:
      number_from_int64 (value->value.v_int64, out);
      return true;
   case BSON_TYPE_DOUBLE:
      number_from_double (value->value.v_double, out);
      return true;
   case BSON_TYPE_DECIMAL128:
      number_from_decimal (&value->value.v_decimal128, out);
      return true;
   default:
      return false;
   }
}

int
docrel_compare__numbers (const docrel_number_t *a, const docrel_number_t *b)
{
   bool a_nan = isnan (a->approx);
   bool b_nan = isnan (b->approx);

   if (a_nan || b_nan) {
      return (int) b_nan - (int) a_nan; /* NaN is below every number */
   }
   if (a->approx != b->approx) {
      return a->approx < b->approx ? -1 : 1;
   }
   return SIGN (a->rem - b->rem);
}

/* ---- the rest ---------------------------------------------------------- */

/* Byte strings: memcmp over the common length, then the shorter is lower. */
static int
compare_bytes (const void *a, size_t a_len, const void *b, size_t b_len)
{
   size_t n = a_len < b_len ? a_len : b_len;
   int r = n ? memcmp (a, b, n) : 0;

   if (r) {
      return SIGN (r);
   }
   return a_len < b_len ? -1 : (a_len > b_len ? 1 : 0);
}

static int
compare_u64 (uint64_t a, uint64_t b)
{
   return a < b ? -1 : (a > b ? 1 : 0);
}

static int compare_values (const bson_value_t *a, const bson_value_t *b, int depth);

/* Element by element; is_array skips the field names, which are positional. */
static int
compare_containers (const uint8_t *a, uint32_t a_len, const uint8_t *b, uint32_t b_len, bool is_array, int depth)
{
   bson_t a_doc;
   bson_t b_doc;
   bson_iter_t a_it;
   bson_iter_t b_it;
   bool a_more;
   bool b_more;
   int r;

   if (depth >= DOCREL_COMPARE_MAX_DEPTH || !bson_init_static (&a_doc, a, a_len) ||
       !bson_init_static (&b_doc, b, b_len) || !bson_iter_init (&a_it, &a_doc) || !bson_iter_init (&b_it, &b_doc)) {
      return compare_bytes (a, a_len, b, b_len);
   }
   for (;;) {
      a_more = bson_iter_next (&a_it);
      b_more = bson_iter_next (&b_it);
      if (!a_more || !b_more) {
         return (int) a_more - (int) b_more;
      }
      r = docrel_compare__bracket (bson_iter_type (&a_it)) - docrel_compare__bracket (bson_iter_type (&b_it));
      if (r) {
         return SIGN (r);
      }
      if (!is_array) {
         r = compare_bytes (bson_iter_key (&a_it), bson_iter_key_len (&a_it), bson_iter_key (&b_it),
                            bson_iter_key_len (&b_it));
         if (r) {
            return r;
         }
      }
      r = compare_values (bson_iter_value (&a_it), bson_iter_value (&b_it), depth + 1);
      if (r) {
         return r;
      }
   }
}

/* Numbers of any type, through their canonical form. */
static int
compare_numbers (const bson_value_t *a, const bson_value_t *b)
{
   docrel_number_t an;
   docrel_number_t bn;

   docrel_compare__number (a, &an);
   docrel_compare__number (b, &bn);
   return docrel_compare__numbers (&an, &bn);
}

/* The bytes of a string or a symbol, which share a bracket and compare
 * alike. */
static const char *
string_bytes (const bson_value_t *v, uint32_t *len)
{
   if (v->value_type == BSON_TYPE_UTF8) {
      *len = v->value.v_utf8.len;
      return v->value.v_utf8.str;
   }
   *len = v->value.v_symbol.len;
   return v->value.v_symbol.symbol;
}

static int
compare_strings (const bson_value_t *a, const bson_value_t *b)
{
   uint32_t a_len;
   uint32_t b_len;
   const char *a_str = string_bytes (a, &a_len);
   const char *b_str = string_bytes (b, &b_len);

   return compare_bytes (a_str, a_len, b_str, b_len);
}

/* Binary data: by length, then subtype, then bytes, as MongoDB does. */
static int
compare_binaries (const bson_value_t *a, const bson_value_t *b)
{
   if (a->value.v_binary.data_len != b->value.v_binary.data_len) {
      return a->value.v_binary.data_len < b->value.v_binary.data_len ? -1 : 1;
   }
   if (a->value.v_binary.subtype != b->value.v_binary.subtype) {
      return a->value.v_binary.subtype < b->value.v_binary.subtype ? -1 : 1;
   }
   return compare_bytes (a->value.v_binary.data, a->value.v_binary.data_len, b->value.v_binary.data,
                         b->value.v_binary.data_len);
}

static int
compare_timestamps (const bson_value_t *a, const bson_value_t *b)
{
   int r = compare_u64 (a->value.v_timestamp.timestamp, b->value.v_timestamp.timestamp);

   return r ? r : compare_u64 (a->value.v_timestamp.increment, b->value.v_timestamp.increment);
}

static int
compare_regexes (const bson_value_t *a, const bson_value_t *b)
{
   int r = SIGN (strcmp (a->value.v_regex.regex, b->value.v_regex.regex));

   return r ? r : SIGN (strcmp (a->value.v_regex.options, b->value.v_regex.options));
}

/* MongoDB compares the raw value: its size (so the name's length), then the
 * name, then the ObjectId. */
static int
compare_dbpointers (const bson_value_t *a, const bson_value_t *b)
{
   int r;

   if (a->value.v_dbpointer.collection_len != b->value.v_dbpointer.collection_len) {
      return a->value.v_dbpointer.collection_len < b->value.v_dbpointer.collection_len ? -1 : 1;
   }
   r = compare_bytes (a->value.v_dbpointer.collection, a->value.v_dbpointer.collection_len,
                      b->value.v_dbpointer.collection, b->value.v_dbpointer.collection_len);
   return r ? r : compare_bytes (a->value.v_dbpointer.oid.bytes, 12, b->value.v_dbpointer.oid.bytes, 12);
}

/* The code, then the scope as a document. */
static int
compare_code_with_scope (const bson_value_t *a, const bson_value_t *b, int depth)
{
   int r = compare_bytes (a->value.v_codewscope.code, a->value.v_codewscope.code_len, b->value.v_codewscope.code,
                          b->value.v_codewscope.code_len);

   return r ? r
            : compare_containers (a->value.v_codewscope.scope_data, a->value.v_codewscope.scope_len,
                                  b->value.v_codewscope.scope_data, b->value.v_codewscope.scope_len, false, depth);
}

/* a and b are in the same bracket: each bracket's own rule. */
static int
compare_same_bracket (const bson_value_t *a, const bson_value_t *b, int depth)
{
   switch (a->value_type) {
   case BSON_TYPE_INT32:
   case BSON_TYPE_INT64:
   case BSON_TYPE_DOUBLE:
   case BSON_TYPE_DECIMAL128:
      return compare_numbers (a, b);
   case BSON_TYPE_UTF8:
   case BSON_TYPE_SYMBOL:
      return compare_strings (a, b);
   case BSON_TYPE_DOCUMENT:
   case BSON_TYPE_ARRAY:
      return compare_containers (a->value.v_doc.data, a->value.v_doc.data_len, b->value.v_doc.data,
                                 b->value.v_doc.data_len, a->value_type == BSON_TYPE_ARRAY, depth);
   case BSON_TYPE_BINARY:
      return compare_binaries (a, b);
   case BSON_TYPE_OID:
      return compare_bytes (a->value.v_oid.bytes, 12, b->value.v_oid.bytes, 12);
   case BSON_TYPE_BOOL:
      return (int) a->value.v_bool - (int) b->value.v_bool;
   case BSON_TYPE_DATE_TIME:
      return (a->value.v_datetime > b->value.v_datetime) - (a->value.v_datetime < b->value.v_datetime);
   case BSON_TYPE_TIMESTAMP:
      return compare_timestamps (a, b);
   case BSON_TYPE_REGEX:
      return compare_regexes (a, b);
   case BSON_TYPE_DBPOINTER:
      return compare_dbpointers (a, b);
   case BSON_TYPE_CODE:
      return compare_bytes (a->value.v_code.code, a->value.v_code.code_len, b->value.v_code.code,
                            b->value.v_code.code_len);
   case BSON_TYPE_CODEWSCOPE:
      return compare_code_with_scope (a, b, depth);
   default:
      return 0; /* MinKey, MaxKey, null, undefined: one value each */
   }
}

static int
compare_values (const bson_value_t *a, const bson_value_t *b, int depth)
{
   int r = docrel_compare__bracket (a->value_type) - docrel_compare__bracket (b->value_type);

   if (r) {
      return SIGN (r);
   }
   return compare_same_bracket (a, b, depth);
}

int
docrel_compare__values (const bson_value_t *a, const bson_value_t *b)
{
   return compare_values (a, b, 0);
}

int
docrel_compare__documents (const bson_t *a, const bson_t *b)
{
   return compare_containers (bson_get_data (a), a->len, bson_get_data (b), b->len, false, 0);
}
