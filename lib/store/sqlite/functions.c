/* SPDX-License-Identifier: Apache-2.0 */
/* functions.c: the SQL functions that let SQLite read BSON.
 *
 * Documents are stored as BSON blobs, so SQLite needs help to see inside
 * them. Four functions are registered on every connection:
 *
 *   docrel_index_key(doc, 'path')      the keycode (keycode.c) of the value
 *       at the dotted path, as a key column holds it (columns.c computes
 *       the columns with the same C function, docrel_sqlite__index_key):
 *       the key of a path without a column, and of a table's rebuild. A missing value (or a
 *       path running into a scalar) gives the keycode of null, as MongoDB
 *       indexes missing fields as null. A path that meets an array anywhere
 *       (at its end or on the way) gives the one-byte
 *       DOCREL_KEYCODE_ARRAY_MARKER: filters look into arrays, an index key
 *       cannot, so every such document must stay a candidate and every
 *       narrowing IN list carries the marker. A unique index therefore
 *       treats all array values as one key.
 *   docrel_sort_key(doc, 'path', dir)  docrel_sort__key: ORDER BY it, ASC or
 *       DESC as dir says.
 *   docrel_match(doc, ?)               1 if doc matches the filter bound to
 *       the parameter with sqlite3_bind_pointer(..., "docrel_filter", NULL).
 *   docrel_lookup_match(doc, ?)        the same for the filter of a key
 *       lookup bound as a pointer (lookup.c).
 *
 * The first two are deterministic (as expressions of indexes of layouts 1
 * and 2, which the upgrade reads, had to be) and
 * innocuous (so they work with trusted_schema off). lookup.c adds the
 * docrel_keys table-valued function. */
#include <string.h>

#include "bsonx/bsonx-private.h"
#include "query/query-private.h"
#include "store/sqlite/sqlite-private.h"

/* Views argv as a BSON document without copying. False (and an error on
 * ctx) if it is not a blob holding one. */
static bool
doc_arg (sqlite3_context *ctx, sqlite3_value *arg, const char *fn, bson_t *out)
{
   const uint8_t *data;
   int len;

   if (sqlite3_value_type (arg) != SQLITE_BLOB) {
      char *msg = sqlite3_mprintf ("%s: the document is not a blob", fn);
      sqlite3_result_error (ctx, msg ? msg : fn, -1);
      sqlite3_free (msg);
      return false;
   }
   data = sqlite3_value_blob (arg);
   len = sqlite3_value_bytes (arg);
   if (!data || len < 5 || !bson_init_static (out, data, (size_t) len)) {
      char *msg = sqlite3_mprintf ("%s: the blob is not a BSON document", fn);
      sqlite3_result_error (ctx, msg ? msg : fn, -1);
      sqlite3_free (msg);
      return false;
   }
   return true;
}

static bool
path_arg (sqlite3_context *ctx, sqlite3_value *arg, const char *fn, const char **out)
{
   if (sqlite3_value_type (arg) != SQLITE_TEXT) {
      char *msg = sqlite3_mprintf ("%s: the path is not text", fn);
      sqlite3_result_error (ctx, msg ? msg : fn, -1);
      sqlite3_free (msg);
      return false;
   }
   *out = (const char *) sqlite3_value_text (arg);
   if (!*out) {
      sqlite3_result_error_nomem (ctx);
      return false;
   }
   return true;
}

/* Hands buf's bytes to SQLite as the result (no copy; SQLite frees them). */
static void
result_buf (sqlite3_context *ctx, docrel_buf_t *buf)
{
   if (buf->len > (size_t) INT32_MAX) {
      sqlite3_result_error_toobig (ctx);
      docrel_buf__destroy (buf);
      return;
   }
   sqlite3_result_blob (ctx, buf->data, (int) buf->len, bson_free);
   buf->data = NULL; /* SQLite owns it now */
   buf->len = buf->cap = 0;
}

void
docrel_sqlite__index_key (const bson_t *doc, const char *path, docrel_buf_t *out)
{
   const char *component = path;
   bson_iter_t iter, child;

   if (!bson_iter_init (&iter, doc)) {
      docrel_keycode__append_null (out);
      return;
   }
   for (;;) {
      const char *dot = strchr (component, '.');
      size_t len = dot ? (size_t) (dot - component) : strlen (component);

      if (len > INT32_MAX || !bson_iter_find_w_len (&iter, component, (int) len)) {
         break; /* missing */
      }
      if (BSON_ITER_HOLDS_ARRAY (&iter)) {
         docrel_buf__append_byte (out, DOCREL_KEYCODE_ARRAY_MARKER); /* a filter may look into it */
         return;
      }
      if (!dot) {
         docrel_keycode__append (out, bson_iter_value (&iter));
         return;
      }
      if (!BSON_ITER_HOLDS_DOCUMENT (&iter) || !bson_iter_recurse (&iter, &child)) {
         break; /* runs into a scalar: missing */
      }
      iter = child;
      component = dot + 1;
   }
   docrel_keycode__append_null (out);
}

/* docrel_index_key(doc, path). See the file comment. */
static void
fn_index_key (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
   docrel_buf_t buf = DOCREL_BUF_INIT;
   const char *path;
   bson_t doc;

   BSON_UNUSED (argc);
   if (!doc_arg (ctx, argv[0], "docrel_index_key", &doc) || !path_arg (ctx, argv[1], "docrel_index_key", &path)) {
      return;
   }
   docrel_sqlite__index_key (&doc, path, &buf);
   result_buf (ctx, &buf);
}

/* docrel_sort_key(doc, path, dir). */
static void
fn_sort_key (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
   docrel_buf_t buf = DOCREL_BUF_INIT;
   const char *path;
   bson_t doc;

   BSON_UNUSED (argc);
   if (!doc_arg (ctx, argv[0], "docrel_sort_key", &doc) || !path_arg (ctx, argv[1], "docrel_sort_key", &path)) {
      return;
   }
   docrel_sort__key (&doc, path, sqlite3_value_int (argv[2]) < 0 ? -1 : 1, &buf);
   result_buf (ctx, &buf);
}

/* 1 if the document in arg matches filter (fn names the function in
 * errors). */
static void
result_match (sqlite3_context *ctx, sqlite3_value *arg, const docrel_filter_t *filter, const char *fn)
{
   bson_t doc;

   if (doc_arg (ctx, arg, fn, &doc)) {
      sqlite3_result_int (ctx, docrel_filter__match (filter, &doc) ? 1 : 0);
   }
}

/* docrel_match(doc, filter pointer). */
static void
fn_match (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
   const docrel_filter_t *filter = sqlite3_value_pointer (argv[1], DOCREL_SQLITE_FILTER_PTR);

   BSON_UNUSED (argc);
   if (!filter) {
      sqlite3_result_error (ctx, "docrel_match: no filter bound", -1);
      return;
   }
   result_match (ctx, argv[0], filter, "docrel_match");
}

/* docrel_lookup_match(doc, lookup pointer): the lookup's filter (lookup.c). */
static void
fn_lookup_match (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
   docrel_sqlite_lookup_t *lookup = sqlite3_value_pointer (argv[1], DOCREL_SQLITE_LOOKUP_PTR);
   const docrel_filter_t *filter;

   BSON_UNUSED (argc);
   if (!lookup) {
      sqlite3_result_error (ctx, "docrel_lookup_match: no lookup bound", -1);
      return;
   }
   if (!(filter = docrel_sqlite__lookup_filter (lookup))) {
      sqlite3_result_error_nomem (ctx);
      return;
   }
   result_match (ctx, argv[0], filter, "docrel_lookup_match");
}

int
docrel_sqlite__register_functions (sqlite3 *db)
{
   const int pure = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
   int rc;

   rc = sqlite3_create_function_v2 (db, "docrel_index_key", 2, pure, NULL, fn_index_key, NULL, NULL, NULL);
   if (rc == SQLITE_OK) {
      rc = sqlite3_create_function_v2 (db, "docrel_sort_key", 3, pure, NULL, fn_sort_key, NULL, NULL, NULL);
   }
   if (rc == SQLITE_OK) {
      /* Reads a pointer parameter: only in our own statements. */
      rc = sqlite3_create_function_v2 (db, "docrel_match", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, fn_match, NULL,
                                       NULL, NULL);
   }
   if (rc == SQLITE_OK) {
      rc = sqlite3_create_function_v2 (db, "docrel_lookup_match", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
                                       fn_lookup_match, NULL, NULL, NULL);
   }
   if (rc == SQLITE_OK) {
      rc = docrel_sqlite__register_lookups (db);
   }
   return rc;
}
