/* SPDX-License-Identifier: Apache-2.0 */
/* query.c: queries on the MongoDB backend: find and its cursor,
 * count and explain.
 *
 * The compiled filter, sort and projection give back the documents they were
 * compiled from (query-private.h), so the server gets what the caller wrote
 * (a nested projection {"a": {"b": 1}} spelt "a.b", which every server
 * version reads alike). A plain query is one find command:
 *
 *   {find: c, filter, sort, projection, skip, limit, batchSize}
 *
 * A grouped query (docrel_find_spec_t.group_paths, for per-parent limits in
 * joins) is one aggregate. Sorted, on MongoDB 5.0+ (wire version 13):
 *
 *   [{$match: filter},
 *    {$setWindowFields: {partitionBy: {k0: {$ifNull: ["$path0", null]}, ...},
 *                        sortBy: sort,
 *                        output: {__docrel_n: {$sum: 1, window: {documents: ["unbounded", "current"]}}}}},
 *    {$match: {__docrel_n: {$gt: skip, $lte: skip + limit}}},
 *    {$unset: "__docrel_n"}, {$sort: sort}, {$project: projection}]
 *
 * Unsorted, or on an older server:
 *
 *   [{$match: filter}, {$sort: sort},
 *    {$group: {_id: {k0: ...}, d: {$push: "$$ROOT"}}},
 *    {$project: {_id: 0, d: {$slice: ["$d", skip, limit]}}},
 *    {$unwind: "$d"}, {$replaceRoot: {newRoot: "$d"}},
 *    {$sort: sort}, {$project: projection}]
 *
 * $push keeps each group in input order: sort order, or natural order
 * without a sort (the embedded store keeps insertion order); without a sort
 * the groups themselves come in no particular order. A $push group passes
 * through one document of the pipeline, so a group over 16 MB fails with
 * the server's error; the window form has no such limit. $ifNull makes a
 * missing key and null one group, as on the embedded store. The field
 * __docrel_n is reserved in grouped queries. Counts use countDocuments'
 * pipeline ([$match, $skip, $limit, $group $sum]), or the $push form pushing
 * only _id and ending with {$count: "n"}.
 *
 * batchSize: the caller's, else as many documents as fit the server's
 * 16 MB reply, so reading a whole result usually costs the one command the
 * embedded store costs. Each getMore is counted as a find (mongodb.c).
 *
 * find sends its command at once and reads the first document, so that a
 * server error is find's error, as a SQLite error is. */
#include <stddef.h>
#include <string.h>

#include "util/util-private.h"
#include "store/mongodb/mongodb-private.h"
#include "bsonx/bsonx-private.h"

#define GROUP_KEY_PREFIX "k"      /* k0, k1, ... in a group's key */
#define WINDOW_FIELD "__docrel_n" /* a document's number in its group */

struct _docrel_backend_cursor_t {
   docrel_cursor_head_t head; /* the store's, first (store-private.h) */
   docrel_mongodb_op_t op;    /* the client, kept until destroy */
   mongoc_cursor_t *cursor;
   char *collection;
   const bson_t *first; /* read by find, not yet returned */
   bool done;
};
BSON_STATIC_ASSERT2 (cursor_head_first, offsetof (struct _docrel_backend_cursor_t, head) == 0);

const bson_t *
docrel_mongodb__filter_doc (const docrel_filter_t *filter)
{
   static bson_t empty = BSON_INITIALIZER; /* never written */
   const bson_t *spec = filter ? docrel_filter__spec (filter) : NULL;

   return spec ? spec : &empty;
}

/* A find's filter document: the compiled filter's, or a key lookup's
 * $in built into own (initialised here; the caller destroys it). */
static const bson_t *
find_filter (const docrel_find_spec_t *spec, bson_t *own)
{
   bson_init (own);
   if (spec->lookup) {
      docrel_filter__append_in (own, spec->lookup->path, spec->lookup->values, spec->lookup->n);
      return own;
   }
   return docrel_mongodb__filter_doc (spec->filter);
}

/* Building commands --------------------------------------------------------------- */

static int32_t
clamp32 (int64_t n)
{
   return n > INT32_MAX ? INT32_MAX : (int32_t) n;
}

/* The batch size to ask for: the caller's, else as many as fit a reply
 * (the server caps every batch at 16 MB), but no more than the limit. */
static int32_t
batch_size (const docrel_find_spec_t *spec, bool grouped)
{
   if (spec->batch_size > 0) {
      return spec->batch_size;
   }
   return spec->limit > 0 && !grouped ? clamp32 (spec->limit) : INT32_MAX;
}

static void
append_sort (bson_t *out, const char *key, const docrel_sort_t *sort)
{
   bson_t doc;

   bson_append_document_begin (out, key, -1, &doc);
   for (size_t i = 0; i < docrel_sort__n_fields (sort); i++) {
      bson_append_int32 (&doc, docrel_sort__path (sort, i), -1, docrel_sort__direction (sort, i));
   }
   bson_append_document_end (out, &doc);
}

static bool
has_sort (const docrel_find_spec_t *spec)
{
   return spec->sort && docrel_sort__n_fields (spec->sort) > 0;
}

static bool
has_projection (const docrel_find_spec_t *spec)
{
   return !docrel_projection__is_identity (spec->projection);
}

/* Appends spec with nested sub-projections spelt as dotted paths
 * ({"a": {"b": 1}} -> {"a.b": 1}), a form every server version reads the
 * same way. spec was checked when compiled (no operators, bounded depth). */
static void
append_flat_projection (bson_t *out, const bson_t *spec, const char *prefix)
{
   bson_iter_t iter;

   if (!bson_iter_init (&iter, spec)) {
      return;
   }
   while (bson_iter_next (&iter)) {
      char *path = prefix ? bson_strdup_printf ("%s.%s", prefix, bson_iter_key (&iter))
                          : bson_strdup (bson_iter_key (&iter));
      const uint8_t *data;
      uint32_t len;
      bson_t sub;

      if (BSON_ITER_HOLDS_DOCUMENT (&iter)) {
         bson_iter_document (&iter, &len, &data);
         if (bson_init_static (&sub, data, len)) {
            append_flat_projection (out, &sub, path);
         }
      } else {
         bson_append_value (out, path, -1, bson_iter_value (&iter));
      }
      bson_free (path);
   }
}

static void
append_projection (bson_t *out, const char *key, const docrel_projection_t *projection)
{
   bson_t doc;

   bson_append_document_begin (out, key, -1, &doc);
   append_flat_projection (&doc, docrel_projection__spec (projection), NULL);
   bson_append_document_end (out, &doc);
}

/* The options of a find: sort, projection, skip, limit, batchSize. */
static void
find_opts (const docrel_find_spec_t *spec, bson_t *opts)
{
   if (has_sort (spec)) {
      append_sort (opts, "sort", spec->sort);
   }
   if (has_projection (spec)) {
      append_projection (opts, "projection", spec->projection);
   }
   if (spec->skip > 0) {
      BSON_APPEND_INT64 (opts, "skip", spec->skip);
   }
   if (spec->limit > 0) {
      BSON_APPEND_INT64 (opts, "limit", spec->limit);
   }
   BSON_APPEND_INT32 (opts, "batchSize", batch_size (spec, false));
}

/* A pipeline under construction: the array and its next index. */
typedef struct {
   bson_t *array;
   uint32_t n;
} pipeline_t;

/* Appends {name: <body, begun>} as the next stage; stage_end closes both. */
static void
stage_begin (pipeline_t *p, const char *name, bson_t *stage, bson_t *body)
{
   char buf[16];
   const char *key;

   bson_uint32_to_string (p->n++, &key, buf, sizeof buf);
   bson_append_document_begin (p->array, key, -1, stage);
   bson_append_document_begin (stage, name, -1, body);
}

static void
stage_end (pipeline_t *p, bson_t *stage, bson_t *body)
{
   bson_append_document_end (stage, body);
   bson_append_document_end (p->array, stage);
}

/* Appends {name: "value"} as the next stage. */
static void
stage_utf8 (pipeline_t *p, const char *name, const char *value)
{
   char buf[16];
   const char *key;
   bson_t stage;

   bson_uint32_to_string (p->n++, &key, buf, sizeof buf);
   bson_append_document_begin (p->array, key, -1, &stage);
   bson_append_utf8 (&stage, name, -1, value, -1);
   bson_append_document_end (p->array, &stage);
}

static void
stage_sort (pipeline_t *p, const docrel_sort_t *sort)
{
   char buf[16];
   const char *key;
   bson_t stage;

   bson_uint32_to_string (p->n++, &key, buf, sizeof buf);
   bson_append_document_begin (p->array, key, -1, &stage);
   append_sort (&stage, "$sort", sort);
   bson_append_document_end (p->array, &stage);
}

static void
stage_document (pipeline_t *p, const char *name, const bson_t *body)
{
   bson_t stage, copy;

   stage_begin (p, name, &stage, &copy);
   bson_concat (&copy, body);
   stage_end (p, &stage, &copy);
}

/* The group key {k0: {$ifNull: ["$path0", null]}, ...} under key. */
static void
append_group_key (bson_t *out, const char *key, const docrel_find_spec_t *spec)
{
   bson_t doc, expr, args;
   char name[32];

   bson_append_document_begin (out, key, -1, &doc);
   for (size_t i = 0; i < spec->n_group_paths; i++) {
      char *ref = bson_strdup_printf ("$%s", spec->group_paths[i]);

      bson_snprintf (name, sizeof name, GROUP_KEY_PREFIX "%zu", i);
      bson_append_document_begin (&doc, name, -1, &expr);
      BSON_APPEND_ARRAY_BEGIN (&expr, "$ifNull", &args);
      BSON_APPEND_UTF8 (&args, "0", ref);
      BSON_APPEND_NULL (&args, "1");
      bson_append_array_end (&expr, &args);
      bson_append_document_end (&doc, &expr);
      bson_free (ref);
   }
   bson_append_document_end (out, &doc);
}

/* Whether a grouped query numbers documents with $setWindowFields: on a
 * server that has it (5.0, wire version 13), for a sorted query (it needs an
 * order; unsorted groups keep natural order only through $push). */
static bool
uses_window (const docrel_backend_t *b, const docrel_find_spec_t *spec, bool counting)
{
   return b->max_wire_version >= 13 && has_sort (spec) && !counting;
}

/* [$setWindowFields numbering each group in sort order, $match the numbers
 * in (skip, skip + limit], $unset the number]. */
static void
window_stages (const docrel_find_spec_t *spec, pipeline_t *p)
{
   bson_t stage, body, output, field, range, bounds;

   stage_begin (p, "$setWindowFields", &stage, &body);
   append_group_key (&body, "partitionBy", spec);
   append_sort (&body, "sortBy", spec->sort);
   /* A running count rather than $documentNumber, which MongoDB allows
    * only with a sortBy of one field. */
   BSON_APPEND_DOCUMENT_BEGIN (&body, "output", &output);
   BSON_APPEND_DOCUMENT_BEGIN (&output, WINDOW_FIELD, &field);
   BSON_APPEND_INT32 (&field, "$sum", 1);
   BSON_APPEND_DOCUMENT_BEGIN (&field, "window", &range);
   BSON_APPEND_ARRAY_BEGIN (&range, "documents", &bounds);
   BSON_APPEND_UTF8 (&bounds, "0", "unbounded");
   BSON_APPEND_UTF8 (&bounds, "1", "current");
   bson_append_array_end (&range, &bounds);
   bson_append_document_end (&field, &range);
   bson_append_document_end (&output, &field);
   bson_append_document_end (&body, &output);
   stage_end (p, &stage, &body);

   stage_begin (p, "$match", &stage, &body);
   BSON_APPEND_DOCUMENT_BEGIN (&body, WINDOW_FIELD, &range);
   BSON_APPEND_INT64 (&range, "$gt", spec->skip);
   if (spec->limit > 0) {
      BSON_APPEND_INT64 (&range, "$lte", spec->skip <= INT64_MAX - spec->limit ? spec->skip + spec->limit : INT64_MAX);
   }
   bson_append_document_end (&body, &range);
   stage_end (p, &stage, &body);
   stage_utf8 (p, "$unset", WINDOW_FIELD);
}

/* [$group pushing each group's documents (or _ids when counting) in input
 * order, $project the slice [skip, skip + limit), $unwind it] and, unless
 * counting, $replaceRoot with the documents. */
static void
push_stages (const docrel_find_spec_t *spec, bool counting, pipeline_t *p)
{
   bson_t stage, body, acc, slice;

   stage_begin (p, "$group", &stage, &body);
   append_group_key (&body, "_id", spec);
   BSON_APPEND_DOCUMENT_BEGIN (&body, "d", &acc);
   BSON_APPEND_UTF8 (&acc, "$push", counting ? "$_id" : "$$ROOT");
   bson_append_document_end (&body, &acc);
   stage_end (p, &stage, &body);

   stage_begin (p, "$project", &stage, &body);
   BSON_APPEND_INT32 (&body, "_id", 0);
   BSON_APPEND_DOCUMENT_BEGIN (&body, "d", &acc);
   BSON_APPEND_ARRAY_BEGIN (&acc, "$slice", &slice);
   BSON_APPEND_UTF8 (&slice, "0", "$d");
   BSON_APPEND_INT32 (&slice, "1", clamp32 (spec->skip));
   BSON_APPEND_INT32 (&slice, "2", spec->limit > 0 ? clamp32 (spec->limit) : INT32_MAX);
   bson_append_array_end (&acc, &slice);
   bson_append_document_end (&body, &acc);
   stage_end (p, &stage, &body);

   stage_utf8 (p, "$unwind", "$d");
   if (!counting) {
      stage_begin (p, "$replaceRoot", &stage, &body);
      BSON_APPEND_UTF8 (&body, "newRoot", "$d");
      stage_end (p, &stage, &body);
   }
}

/* The grouped pipeline of the file comment into array (being built).
 * counting: the documents are only counted, {$count: "n"}. */
static void
group_pipeline (const docrel_backend_t *b, const docrel_find_spec_t *spec, bool counting, bson_t *array)
{
   pipeline_t p = {array, 0};
   bool sorted = has_sort (spec) && !counting;

   stage_document (&p, "$match", docrel_mongodb__filter_doc (spec->filter));
   if (uses_window (b, spec, counting)) {
      window_stages (spec, &p);
   } else {
      if (sorted) {
         stage_sort (&p, spec->sort);
      }
      push_stages (spec, counting, &p);
   }
   if (counting) {
      stage_utf8 (&p, "$count", "n");
      return;
   }
   if (sorted) {
      stage_sort (&p, spec->sort);
   }
   if (has_projection (spec)) {
      char buf[16];
      const char *key;
      bson_t stage;

      bson_uint32_to_string (p.n++, &key, buf, sizeof buf);
      bson_append_document_begin (p.array, key, -1, &stage);
      append_projection (&stage, "$project", spec->projection);
      bson_append_document_end (p.array, &stage);
   }
}

/* {pipeline: [...]} for a grouped query (the form mongoc_collection_aggregate
 * takes), and its options. */
static void
aggregate_parts (const docrel_backend_t *b,
                 const docrel_find_spec_t *spec,
                 bool counting,
                 bson_t *pipeline,
                 bson_t *opts)
{
   bson_t stages;

   BSON_APPEND_ARRAY_BEGIN (pipeline, "pipeline", &stages);
   group_pipeline (b, spec, counting, &stages);
   bson_append_array_end (pipeline, &stages);
   if (!counting) {
      BSON_APPEND_INT32 (opts, "batchSize", batch_size (spec, true));
   }
   BSON_APPEND_BOOL (opts, "allowDiskUse", true); /* $sort and $group past 100 MB */
}

/* Find ------------------------------------------------------------------------------- */

static bool
cursor_fail (docrel_backend_cursor_t *cursor, bson_error_t *error)
{
   bson_error_t cause;
   const bson_t *reply = NULL;

   mongoc_cursor_error_document (cursor->cursor, &cause, &reply);
   return docrel_mongodb__fail (error, &cause, reply, cursor->collection, "reading collection '%s'",
                                cursor->collection);
}

docrel_backend_cursor_t *
docrel_mongodb__find (docrel_backend_t *b, const char *collection, const docrel_find_spec_t *spec, bson_error_t *error)
{
   docrel_backend_cursor_t *cursor;
   mongoc_collection_t *coll;
   bson_t opts = BSON_INITIALIZER;
   bson_t pipeline = BSON_INITIALIZER;
   bson_t lookup;
   const bson_t *doc;

   cursor = bson_malloc0 (sizeof *cursor);
   cursor->collection = bson_strdup (collection ? collection : "");
   docrel_mongodb__op_begin (b, &cursor->op, false);
   if (!docrel_mongodb__session_opts (&cursor->op, &opts, error)) {
      goto fail;
   }
   coll = docrel_mongodb__collection (&cursor->op, cursor->collection);
   if (spec->n_group_paths > 0) {
      aggregate_parts (b, spec, false, &pipeline, &opts);
      cursor->cursor = mongoc_collection_aggregate (coll, MONGOC_QUERY_NONE, &pipeline, &opts, NULL);
   } else {
      find_opts (spec, &opts);
      cursor->cursor = mongoc_collection_find_with_opts (coll, find_filter (spec, &lookup), &opts, NULL);
      bson_destroy (&lookup); /* the cursor keeps a copy */
   }
   mongoc_collection_destroy (coll);
   if (mongoc_cursor_next (cursor->cursor, &doc)) {
      cursor->first = doc;
   } else if (mongoc_cursor_error (cursor->cursor, NULL)) {
      cursor_fail (cursor, error);
      goto fail;
   } else {
      cursor->done = true;
   }
   bson_destroy (&opts);
   bson_destroy (&pipeline);
   return cursor;
fail:
   bson_destroy (&opts);
   bson_destroy (&pipeline);
   docrel_mongodb__cursor_destroy (cursor);
   return NULL;
}

bool
docrel_mongodb__cursor_next (docrel_backend_cursor_t *cursor, const bson_t **doc, bson_error_t *error)
{
   *doc = NULL;
   if (error) {
      error->domain = 0;
      error->code = 0;
      error->message[0] = '\0';
   }
   if (cursor->first) {
      *doc = cursor->first;
      cursor->first = NULL;
      return true;
   }
   if (cursor->done) {
      return false;
   }
   if (mongoc_cursor_next (cursor->cursor, doc)) {
      return true;
   }
   *doc = NULL;
   cursor->done = true;
   if (mongoc_cursor_error (cursor->cursor, NULL)) {
      cursor_fail (cursor, error);
   }
   return false;
}

/* Kills a server cursor left open (killCursors) before the client goes back. */
void
docrel_mongodb__cursor_destroy (docrel_backend_cursor_t *cursor)
{
   if (!cursor) {
      return;
   }
   mongoc_cursor_destroy (cursor->cursor);
   docrel_mongodb__op_end (&cursor->op);
   bson_free (cursor->collection);
   bson_free (cursor);
}

/* Count ------------------------------------------------------------------------------ */

bool
docrel_mongodb__count_filter (const docrel_mongodb_op_t *op,
                              const char *collection,
                              const bson_t *filter,
                              int64_t *out,
                              bson_error_t *error)
{
   mongoc_collection_t *coll = docrel_mongodb__collection (op, collection);
   bson_t opts = BSON_INITIALIZER;
   bson_error_t cause;
   bson_t reply;
   bool ok = docrel_mongodb__session_opts (op, &opts, error);

   if (ok) {
      *out = mongoc_collection_count_documents (coll, filter, &opts, NULL, &reply, &cause);
      ok = *out >= 0;
      if (!ok) {
         *out = 0;
         docrel_mongodb__fail (error, &cause, &reply, collection, "counting in collection '%s'", collection);
      }
      bson_destroy (&reply);
   }
   bson_destroy (&opts);
   mongoc_collection_destroy (coll);
   return ok;
}

/* The grouped count: the one document of the pipeline, {n: count}, or none. */
static bool
count_grouped (const docrel_mongodb_op_t *op,
               const char *collection,
               const docrel_find_spec_t *spec,
               int64_t *out,
               bson_error_t *error)
{
   mongoc_collection_t *coll = docrel_mongodb__collection (op, collection);
   mongoc_cursor_t *cursor = NULL;
   bson_t pipeline = BSON_INITIALIZER;
   bson_t opts = BSON_INITIALIZER;
   const bson_t *doc;
   bson_error_t cause;
   const bson_t *reply = NULL;
   bson_iter_t iter;
   bool ok = docrel_mongodb__session_opts (op, &opts, error);

   if (ok) {
      aggregate_parts (op->b, spec, true, &pipeline, &opts);
      cursor = mongoc_collection_aggregate (coll, MONGOC_QUERY_NONE, &pipeline, &opts, NULL);
      if (mongoc_cursor_next (cursor, &doc) && bson_iter_init_find (&iter, doc, "n") &&
          BSON_ITER_HOLDS_NUMBER (&iter)) {
         *out = bson_iter_as_int64 (&iter);
      }
      if (mongoc_cursor_error_document (cursor, &cause, &reply)) {
         ok = docrel_mongodb__fail (error, &cause, reply, collection, "counting in collection '%s'", collection);
      }
   }
   mongoc_cursor_destroy (cursor);
   bson_destroy (&pipeline);
   bson_destroy (&opts);
   mongoc_collection_destroy (coll);
   return ok;
}

bool
docrel_mongodb__count (docrel_backend_t *b,
                       const char *collection,
                       const docrel_find_spec_t *spec,
                       int64_t *out,
                       bson_error_t *error)
{
   docrel_mongodb_op_t op;
   mongoc_collection_t *coll;
   bson_t opts = BSON_INITIALIZER;
   bson_error_t cause;
   bson_t reply;
   bool ok;

   *out = 0;
   docrel_mongodb__op_begin (b, &op, false);
   if (spec->n_group_paths > 0) {
      ok = count_grouped (&op, collection, spec, out, error);
   } else if ((ok = docrel_mongodb__session_opts (&op, &opts, error))) {
      if (spec->skip > 0) {
         BSON_APPEND_INT64 (&opts, "skip", spec->skip);
      }
      if (spec->limit > 0) {
         BSON_APPEND_INT64 (&opts, "limit", spec->limit);
      }
      coll = docrel_mongodb__collection (&op, collection);
      *out = mongoc_collection_count_documents (coll, docrel_mongodb__filter_doc (spec->filter), &opts, NULL, &reply,
                                                &cause);
      ok = *out >= 0;
      if (!ok) {
         *out = 0;
         docrel_mongodb__fail (error, &cause, &reply, collection, "counting in collection '%s'", collection);
      }
      bson_destroy (&reply);
      mongoc_collection_destroy (coll);
   }
   docrel_mongodb__op_end (&op);
   bson_destroy (&opts);
   return ok;
}

/* Explain ---------------------------------------------------------------------------- */

/* {"backend": "mongodb", "command": <the find or aggregate docrel sends>},
 * built without a round trip. */
bool
docrel_mongodb__explain (docrel_backend_t *b,
                         const char *collection,
                         const docrel_find_spec_t *spec,
                         bson_t *out,
                         bson_error_t *error)
{
   bson_t command, cursor;
   bson_t pipeline = BSON_INITIALIZER;
   bson_t opts = BSON_INITIALIZER;
   bson_t lookup;
   bson_iter_t iter;

   (void) error; /* building the command cannot fail */
   bson_init (out);
   BSON_APPEND_UTF8 (out, "backend", "mongodb");
   BSON_APPEND_DOCUMENT_BEGIN (out, "command", &command);
   if (spec->n_group_paths > 0) {
      BSON_APPEND_UTF8 (&command, "aggregate", collection);
      aggregate_parts (b, spec, false, &pipeline, &opts);
      bson_concat (&command, &pipeline);
      BSON_APPEND_DOCUMENT_BEGIN (&command, "cursor", &cursor);
      if (bson_iter_init_find (&iter, &opts, "batchSize")) {
         BSON_APPEND_INT32 (&cursor, "batchSize", bson_iter_int32 (&iter));
      }
      bson_append_document_end (&command, &cursor);
      BSON_APPEND_BOOL (&command, "allowDiskUse", true);
   } else {
      BSON_APPEND_UTF8 (&command, "find", collection);
      BSON_APPEND_DOCUMENT (&command, "filter", find_filter (spec, &lookup));
      bson_destroy (&lookup);
      find_opts (spec, &opts);
      bson_concat (&command, &opts);
   }
   bson_append_document_end (out, &command);
   bson_destroy (&pipeline);
   bson_destroy (&opts);
   return true;
}
