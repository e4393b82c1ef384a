/* SPDX-License-Identifier: Apache-2.0 */
/* group.c: the MongoDB backend's grouped count (the vtable's group_count,
 * what a join tree's {"$count": true} edge sends), one aggregate:
 *
 *   one path:  [{$match: filter}, {$project: {_id: 0, k0: "$path"}},
 *               {$unwind: "$k0"}, {$group: {_id: {k0: "$k0"}, n: {$sum: 1}}}]
 *   several:   [{$match: filter},
 *               {$group: {_id: {k0: "$path0", k1: "$path1"}, n: {$sum: 1}}}]
 *
 * $unwind counts a document holding an array at the one path under each
 * element (a scalar is a one-element array; missing, null and empty
 * arrays drop out), as the embedded store does. $group compares values as
 * MongoDB does, so 1 and 1.0 share a group, as their keycodes are equal. A
 * group whose key lacks a component (missing) or holds null or, with
 * several paths, an array is skipped. The groups come back in one reply
 * (batchSize as large as the server allows), so a count is one command. */
#include <string.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "store/mongodb/mongodb-private.h"

/* Appends {name: value} as the next stage; value a document, or a string
 * when str is not NULL. */
static void
append_stage (bson_t *stages, uint32_t *n, const char *name, const bson_t *value, const char *str)
{
   char buf[16];
   const char *key;
   bson_t stage;

   bson_uint32_to_string ((*n)++, &key, buf, sizeof buf);
   bson_append_document_begin (stages, key, -1, &stage);
   if (str) {
      bson_append_utf8 (&stage, name, -1, str, -1);
   } else {
      bson_append_document (&stage, name, -1, value);
   }
   bson_append_document_end (stages, &stage);
}

/* Appends "$path" as the string field key of out. */
static void
append_field_ref (bson_t *out, const char *key, const char *path)
{
   char *ref = bson_strdup_printf ("$%s", path);
   BSON_APPEND_UTF8 (out, key, ref);
   bson_free (ref);
}

static void
build_pipeline (const bson_t *filter, const char *const *paths, size_t n_paths, bson_t *pipeline)
{
   bson_t stages, project = BSON_INITIALIZER, group = BSON_INITIALIZER, id = BSON_INITIALIZER;
   bson_t sum = BSON_INITIALIZER;
   uint32_t n = 0;
   char name[24];

   BSON_APPEND_ARRAY_BEGIN (pipeline, "pipeline", &stages);
   append_stage (&stages, &n, "$match", filter, NULL);
   if (n_paths == 1) {
      BSON_APPEND_INT32 (&project, "_id", 0);
      append_field_ref (&project, "k0", paths[0]);
      append_stage (&stages, &n, "$project", &project, NULL);
      append_stage (&stages, &n, "$unwind", NULL, "$k0");
      BSON_APPEND_UTF8 (&id, "k0", "$k0");
   } else {
      for (size_t i = 0; i < n_paths; i++) {
         bson_snprintf (name, sizeof name, "k%zu", i);
         append_field_ref (&id, name, paths[i]);
      }
   }
   BSON_APPEND_DOCUMENT (&group, "_id", &id);
   BSON_APPEND_INT32 (&sum, "$sum", 1);
   BSON_APPEND_DOCUMENT (&group, "n", &sum);
   append_stage (&stages, &n, "$group", &group, NULL);
   bson_append_array_end (pipeline, &stages);
   bson_destroy (&project);
   bson_destroy (&group);
   bson_destroy (&id);
   bson_destroy (&sum);
}

/* Visits one group of the reply, {_id: {k0: v0, ...}, n: count}, unless a
 * component is missing, null or (with several) an array. */
static void
visit_group (const bson_t *doc, size_t n_paths, docrel_buf_t *key, docrel_group_visit_t visit, void *ctx)
{
   bson_iter_t iter, id, k;
   char name[24];

   if (!bson_iter_init_find (&iter, doc, "_id") || !BSON_ITER_HOLDS_DOCUMENT (&iter) ||
       !bson_iter_recurse (&iter, &id)) {
      return;
   }
   docrel_buf__reset (key);
   for (size_t i = 0; i < n_paths; i++) {
      bson_snprintf (name, sizeof name, "k%zu", i);
      k = id;
      if (!bson_iter_find (&k, name) || BSON_ITER_HOLDS_NULL (&k) || BSON_ITER_HOLDS_ARRAY (&k)) {
         return;
      }
      docrel_keycode__append (key, bson_iter_value (&k));
   }
   if (bson_iter_init_find (&iter, doc, "n") && BSON_ITER_HOLDS_NUMBER (&iter)) {
      visit (key->data, key->len, bson_iter_as_int64 (&iter), ctx);
   }
}

bool
docrel_mongodb__group_count (docrel_backend_t *b,
                             const char *collection,
                             const docrel_filter_t *filter,
                             const char *const *paths,
                             size_t n_paths,
                             docrel_group_visit_t visit,
                             void *ctx,
                             bson_error_t *error)
{
   docrel_mongodb_op_t op;
   mongoc_collection_t *coll;
   mongoc_cursor_t *cursor = NULL;
   bson_t pipeline = BSON_INITIALIZER, opts = BSON_INITIALIZER;
   docrel_buf_t key = DOCREL_BUF_INIT;
   const bson_t *doc, *reply = NULL;
   bson_error_t cause;
   bool ok;

   docrel_mongodb__op_begin (b, &op, false);
   coll = docrel_mongodb__collection (&op, collection);
   ok = docrel_mongodb__session_opts (&op, &opts, error);
   if (ok) {
      build_pipeline (docrel_mongodb__filter_doc (filter), paths, n_paths, &pipeline);
      BSON_APPEND_INT32 (&opts, "batchSize", INT32_MAX); /* every group in the first reply */
      BSON_APPEND_BOOL (&opts, "allowDiskUse", true);
      cursor = mongoc_collection_aggregate (coll, MONGOC_QUERY_NONE, &pipeline, &opts, NULL);
      while (mongoc_cursor_next (cursor, &doc)) {
         visit_group (doc, n_paths, &key, visit, ctx);
      }
      if (mongoc_cursor_error_document (cursor, &cause, &reply)) {
         ok = docrel_mongodb__fail (error, &cause, reply, collection, "counting by group in collection '%s'",
                                    collection);
      }
   }
   mongoc_cursor_destroy (cursor);
   mongoc_collection_destroy (coll);
   docrel_mongodb__op_end (&op);
   bson_destroy (&pipeline);
   bson_destroy (&opts);
   docrel_buf__destroy (&key);
   return ok;
}
