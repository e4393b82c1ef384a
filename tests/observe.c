/* SPDX-License-Identifier: Apache-2.0 */
/* observe.c: reading back what a user sees, for the suites to assert on —
 * the ids a cursor yields, a loaded slot's size, the commands the store
 * counted (see fixture.h). */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

docrel_cursor_t *
fixture_find_related (docrel_doc_t *doc, const char *field, const char *filter_json, const char *opts_json)
{
   bson_t *filter = filter_json ? fixture_json (filter_json) : NULL;
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   bson_error_t error;
   docrel_cursor_t *cursor = docrel_find_related (doc, field, filter, opts, &error);

   ck_assert_msg (cursor != NULL, "find_related '%s': %s", field, error.message);
   if (filter) {
      bson_destroy (filter);
   }
   if (opts) {
      bson_destroy (opts);
   }
   return cursor;
}

char *
fixture_cursor_ids (docrel_cursor_t *cursor)
{
   bson_string_t *out = bson_string_new ("[");
   docrel_doc_t *doc;
   bson_error_t error;
   int n = 0;

   while (docrel_cursor_next (cursor, &doc)) {
      bson_string_append_printf (out, "%s%d", n++ ? ", " : "", (int) fixture_id_of (doc));
   }
   ck_assert_msg (!docrel_cursor_error (cursor, &error), "cursor: %s", error.message);
   docrel_cursor_destroy (cursor);
   bson_string_append (out, "]");
   return bson_string_free (out, false);
}

void
fixture_assert_related (docrel_doc_t *doc,
                        const char *field,
                        const char *filter,
                        const char *opts,
                        const char *expected)
{
   char *ids = fixture_cursor_ids (fixture_find_related (doc, field, filter, opts));

   ck_assert_msg (strcmp (ids, expected) == 0, "'%s' with filter %s, opts %s: got %s, expected %s", field,
                  filter ? filter : "null", opts ? opts : "null", ids, expected);
   bson_free (ids);
}

size_t
fixture_slot_size (const docrel_doc_t *doc, const char *field)
{
   docrel_doc_t *const *docs;
   size_t n = 0;

   ck_assert_msg (docrel_doc_related (doc, field, &docs, &n), "'%s' is not loaded", field);
   return n;
}

static int
compare_int64 (const void *a, const void *b)
{
   int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
   return x < y ? -1 : x > y;
}

void
fixture_format_ids (docrel_doc_t **docs, size_t n, char *buf, size_t size)
{
   int64_t ids[64];
   size_t i, len = 0;

   ck_assert_uint_le (n, 64);
   for (i = 0; i < n; i++) {
      const bson_value_t *id = docrel_doc_id (docs[i]);
      ck_assert_ptr_nonnull (id);
      ck_assert_msg (id->value_type == BSON_TYPE_INT32 || id->value_type == BSON_TYPE_INT64,
                     "an _id came back as BSON type 0x%02x", (unsigned) id->value_type);
      ids[i] = id->value_type == BSON_TYPE_INT32 ? id->value.v_int32 : id->value.v_int64;
   }
   qsort (ids, n, sizeof ids[0], compare_int64);
   buf[0] = '\0';
   for (i = 0; i < n && len < size; i++) {
      len += (size_t) snprintf (buf + len, size - len, "%s%lld", i ? " " : "", (long long) ids[i]);
   }
}

bool
fixture_on_sqlite (docrel_store_t *store)
{
   return strcmp (docrel_store_backend_name (store), "sqlite") == 0;
}

uint64_t
fixture_commands (docrel_store_t *store)
{
   docrel_store_stats_t stats;

   docrel_store_stats (store, &stats);
   return stats.commands;
}

void
fixture_assert_commands (docrel_store_t *store, uint64_t finds, uint64_t inserts, uint64_t updates, uint64_t deletes)
{
   docrel_store_stats_t stats;

   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (stats.finds, finds);
   ck_assert_uint_eq (stats.inserts, inserts);
   ck_assert_uint_eq (stats.updates, updates);
   ck_assert_uint_eq (stats.deletes, deletes);
}
