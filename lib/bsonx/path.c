/* SPDX-License-Identifier: Apache-2.0 */
/* path.c: reading and writing one value at a dotted path ("a.b.0.c").
 *
 * bson_t is append-only, so a write copies the document with the one value
 * replaced; documents are small and writes rare next to reads, and this keeps
 * every document a single contiguous buffer the backends can store as is.
 * Writes follow MongoDB's $set / $unset: missing sub-documents are created, a
 * numeric component indexes an array (padding with nulls past its end), and
 * unsetting an array element sets it to null rather than shifting the rest. */
#include "bsonx/bsonx-private.h"

#include <stdlib.h>
#include <string.h>

#include "util/util-private.h"

bool
docrel_path__check (const char *path, bson_error_t *error)
{
   const char *p;
   bool at_start = true;

   if (!path || !*path) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "a field path must not be empty");
   }
   for (p = path; *p; p++) {
      if (at_start && *p == '$') {
         return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                   "field path '%s': a component must not start with '$'", path);
      }
      if (*p == '.') {
         if (at_start) {
            return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                      "field path '%s' has an empty component", path);
         }
         at_start = true;
      } else {
         at_start = false;
      }
   }
   if (at_start) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "field path '%s' ends with '.'", path);
   }
   return true;
}

static uint32_t
read_le32 (const uint8_t *at)
{
   return (uint32_t) at[0] | (uint32_t) at[1] << 8 | (uint32_t) at[2] << 16 | (uint32_t) at[3] << 24;
}

/* The bytes of the value of type at data + at, or false when the scan
 * should leave the document to libbson: a type it does not size, or a
 * length that is implausible or runs past end (the document's last byte). */
static bool
value_size (uint8_t type, const uint8_t *data, uint32_t at, uint32_t end, uint64_t *size)
{
   static const uint32_t fixed[] = {
      [BSON_TYPE_DOUBLE] = 8, [BSON_TYPE_OID] = 12,      [BSON_TYPE_BOOL] = 1,  [BSON_TYPE_DATE_TIME] = 8,
      [BSON_TYPE_INT32] = 4,  [BSON_TYPE_TIMESTAMP] = 8, [BSON_TYPE_INT64] = 8, [BSON_TYPE_DECIMAL128] = 16};
   uint32_t l;

   switch (type) {
   case BSON_TYPE_NULL:
   case BSON_TYPE_UNDEFINED:
   case BSON_TYPE_MINKEY:
   case BSON_TYPE_MAXKEY:
      *size = 0;
      return true;
   case BSON_TYPE_DOUBLE:
   case BSON_TYPE_OID:
   case BSON_TYPE_BOOL:
   case BSON_TYPE_DATE_TIME:
   case BSON_TYPE_INT32:
   case BSON_TYPE_TIMESTAMP:
   case BSON_TYPE_INT64:
   case BSON_TYPE_DECIMAL128:
      *size = fixed[type];
      return (uint64_t) at + *size <= end;
   case BSON_TYPE_UTF8:
   case BSON_TYPE_CODE:
   case BSON_TYPE_SYMBOL:
   case BSON_TYPE_DOCUMENT:
   case BSON_TYPE_ARRAY:
   case BSON_TYPE_BINARY:
      break;
   default:
      return false; /* regex, dbpointer, code with scope, or not a type */
   }
   if ((uint64_t) at + 4 > end) {
      return false;
   }
   l = read_le32 (data + at);
   if (type == BSON_TYPE_DOCUMENT || type == BSON_TYPE_ARRAY) {
      *size = l;
      if (l < 5) {
         return false;
      }
   } else if (type == BSON_TYPE_BINARY) {
      *size = 5 + (uint64_t) l; /* the length, the subtype, the bytes */
      if ((uint64_t) at + 5 > end || data[at + 4] == BSON_SUBTYPE_BINARY_DEPRECATED) {
         return false; /* its inner length is libbson's to check */
      }
   } else {
      *size = 4 + (uint64_t) l; /* the length, the bytes, their 0x00 */
      if (l < 1 || (uint64_t) at + *size > end || data[at + *size - 1] != 0) {
         return false;
      }
   }
   return (uint64_t) at + *size <= end;
}

bool
docrel_path__find_key (const bson_t *doc, const char *key, size_t key_len, bson_iter_t *out)
{
   const uint8_t *data = bson_get_data (doc);
   uint32_t end = doc->len - 1; /* the document's closing 0x00 */
   uint32_t off = 4;
   bson_iter_t iter;

   while (doc->len >= 5 && off < end) {
      const uint8_t *k = data + off + 1;
      const uint8_t *nul = off + 1 < end ? memchr (k, 0, end - (off + 1)) : NULL;
      uint64_t size;
      size_t n;

      if (!nul || data[off] == BSON_TYPE_EOD) {
         break; /* malformed: libbson says what it holds */
      }
      n = (size_t) (nul - k);
      if (n == key_len && memcmp (k, key, key_len) == 0) {
         if (!bson_iter_init_from_data_at_offset (&iter, data, doc->len, off, (uint32_t) n)) {
            return false; /* the field itself is malformed, as bson_iter_next finds */
         }
         *out = iter;
         return true;
      }
      if (!value_size (data[off], data, off + 2 + (uint32_t) n, end, &size)) {
         break;
      }
      off += 2 + (uint32_t) n + (uint32_t) size;
   }
   if (doc->len >= 5 && off == end) {
      return false; /* every field seen: none is key */
   }
   if (!bson_iter_init (&iter, doc) || !bson_iter_find_w_len (&iter, key, (int) key_len)) {
      return false;
   }
   *out = iter;
   return true;
}

bool
docrel_path__find (const bson_t *doc, const char *path, bson_iter_t *out)
{
   bson_iter_t iter;

   if (!doc || !path || !*path) {
      return false;
   }
   if (!strchr (path, '.')) {
      return docrel_path__find_key (doc, path, strlen (path), out);
   }
   return bson_iter_init (&iter, doc) && bson_iter_find_descendant (&iter, path, out);
}

/* MongoDB's limit on the nulls one update may pad an array with (its
 * CannotBackfillArray): a short path must not build a huge array. */
#define MAX_PADDING 1500000

/* Parses a non-negative array index; false if the component is not one.
 * As in MongoDB, "01" is not one: it would name element 1 and yet not
 * match its key "1". */
static bool
parse_index (const char *key, size_t len, uint32_t *out)
{
   uint64_t v = 0;
   size_t i;

   if (len == 0 || len > 9 || (len > 1 && key[0] == '0')) {
      return false;
   }
   for (i = 0; i < len; i++) {
      if (key[i] < '0' || key[i] > '9') {
         return false;
      }
      v = v * 10 + (uint64_t) (key[i] - '0');
   }
   *out = (uint32_t) v;
   return true;
}

typedef struct {
   const char *full;          /* the whole path, for messages */
   const bson_value_t *value; /* NULL: unset */
   bool removed;
} edit_t;

static bool
edit_container (const bson_t *src, bool is_array, const char *path, edit_t *edit, bson_t *dst, bson_error_t *error);

/* Appends at key the container src (a document or array, or NULL for a new
 * empty document) edited at path. */
static bool
append_edited (bson_t *dst,
               const char *key,
               size_t key_len,
               const bson_t *src,
               bool is_array,
               const char *path,
               edit_t *edit,
               bson_error_t *error)
{
   bson_t child;
   bool ok;

   if (is_array) {
      bson_append_array_begin (dst, key, (int) key_len, &child);
   } else {
      bson_append_document_begin (dst, key, (int) key_len, &child);
   }
   ok = edit_container (src, is_array, path, edit, &child, error);
   if (is_array) {
      bson_append_array_end (dst, &child);
   } else {
      bson_append_document_end (dst, &child);
   }
   return ok;
}

/* Appends the edited element (positioned at iter, whose key matched the
 * head of path) to dst. rest is what follows the head, or NULL. */
static bool
edit_element (bson_iter_t *iter, const char *rest, edit_t *edit, bson_t *dst, bson_error_t *error)
{
   const char *key = bson_iter_key (iter);
   size_t key_len = bson_iter_key_len (iter);
   const uint8_t *data;
   uint32_t len;
   bson_t sub;
   bool is_array;

   if (!rest) {
      if (edit->value) {
         bson_append_value (dst, key, (int) key_len, edit->value);
      }
      edit->removed = true;
      return true;
   }
   is_array = BSON_ITER_HOLDS_ARRAY (iter);
   if (!is_array && !BSON_ITER_HOLDS_DOCUMENT (iter)) {
      if (!edit->value) {
         /* Unsetting below a scalar: nothing there, keep the scalar. */
         bson_append_iter (dst, key, (int) key_len, iter);
         return true;
      }
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "cannot set '%s': '%.*s' holds a %s, not a document", edit->full, (int) key_len, key,
                                bson_iter_type (iter) == BSON_TYPE_NULL ? "null" : "scalar value");
   }
   if (is_array) {
      bson_iter_array (iter, &len, &data);
   } else {
      bson_iter_document (iter, &len, &data);
   }
   if (!bson_init_static (&sub, data, len)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "corrupt BSON at '%s'",
                                edit->full);
   }
   return append_edited (dst, key, key_len, &sub, is_array, rest, edit, error);
}

static bool
edit_container (const bson_t *src, bool is_array, const char *path, edit_t *edit, bson_t *dst, bson_error_t *error)
{
   const char *dot = strchr (path, '.');
   size_t head_len = dot ? (size_t) (dot - path) : strlen (path);
   const char *rest = dot ? dot + 1 : NULL;
   uint32_t index = 0;
   uint32_t count = 0;
   bool found = false;
   bson_iter_t iter;
   char numkey[16];
   const char *k;

   if (is_array && !parse_index (path, head_len, &index)) {
      if (!edit->value) {
         /* MongoDB ignores $unset of a non-numeric path into an array. */
         return bson_concat (dst, src);
      }
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "cannot set '%s': '%.*s' is not an index into an array", edit->full, (int) head_len,
                                path);
   }
   if (src && bson_iter_init (&iter, src)) {
      while (bson_iter_next (&iter)) {
         count++;
         if (!found && bson_iter_key_len (&iter) == head_len && memcmp (bson_iter_key (&iter), path, head_len) == 0) {
            found = true;
            if (is_array && !rest && !edit->value) {
               /* $unset of an array element leaves a null in its place. */
               bson_append_null (dst, bson_iter_key (&iter), (int) head_len);
               edit->removed = true;
               continue;
            }
            if (!edit_element (&iter, rest, edit, dst, error)) {
               return false;
            }
            continue;
         }
         bson_append_iter (dst, NULL, 0, &iter);
      }
   }
   if (found || !edit->value) {
      return true;
   }
   /* The head is missing: create it (padding arrays with nulls). */
   if (is_array && count <= index && index + 1 - count > MAX_PADDING) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "cannot set '%s': an array is padded with at most %d elements, as MongoDB does "
                                "(index %u of %u elements needs %u)",
                                edit->full, MAX_PADDING, index, count, index + 1 - count);
   }
   if (is_array) {
      while (count < index) {
         bson_uint32_to_string (count++, &k, numkey, sizeof numkey);
         bson_append_null (dst, k, -1);
      }
   }
   if (!rest) {
      bson_append_value (dst, path, (int) head_len, edit->value);
      return true;
   }
   return append_edited (dst, path, head_len, NULL, false, rest, edit, error);
}

static bool
edit_path (bson_t *doc, const char *path, edit_t *edit, bson_error_t *error)
{
   bson_t out = BSON_INITIALIZER;

   if (!docrel_path__check (path, error)) {
      bson_destroy (&out);
      return false;
   }
   if (!edit_container (doc, false, path, edit, &out, error)) {
      bson_destroy (&out);
      return false;
   }
   bson_reinit (doc);
   bson_concat (doc, &out);
   bson_destroy (&out);
   return true;
}

bool
docrel_path__set (bson_t *doc, const char *path, const bson_value_t *value, bson_error_t *error)
{
   edit_t edit = {path, value, false};

   if (!value) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "cannot set '%s' to no value", path ? path : "");
   }
   return edit_path (doc, path, &edit, error);
}

bool
docrel_path__unset (bson_t *doc, const char *path, bool *removed, bson_error_t *error)
{
   edit_t edit = {path, NULL, false};
   bool ok = edit_path (doc, path, &edit, error);

   if (removed) {
      *removed = ok && edit.removed;
   }
   return ok;
}
