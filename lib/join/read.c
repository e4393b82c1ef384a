/* SPDX-License-Identifier: Apache-2.0 */
/* read.c: the reads that return at once: docrel_find_all (a cursor read to
 * the end, then joined in one go), docrel_get (the identity map first, then
 * one query), docrel_count and docrel_explain. A read that fails part way
 * leaves the session as it was (docrel_session__read_begin / _end). */
#include <string.h>

#include "docrel/docrel-query.h"
#include "util/util-private.h"
#include "store/store-private.h"
#include "model/model-private.h"
#include "doc/doc-private.h"
#include "join/join-private.h"

bool
docrel_find_all (docrel_session_t *session,
                 docrel_model_t *model,
                 const bson_t *filter,
                 const bson_t *opts,
                 docrel_doc_t ***out,
                 size_t *n,
                 bson_error_t *error)
{
   docrel_find_t joined;
   docrel_cursor_t *cursor;
   docrel_doc_t **docs = NULL;
   size_t count = 0, cap = 0;
   docrel_doc_t *doc;
   docrel_read_mark_t mark;
   docrel_read_scope_t scope;
   bool ok = true;

   if (out) {
      *out = NULL;
   }
   if (n) {
      *n = 0;
   }
   if (!out || !n) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "find_all needs out and n");
   }
   memset (&joined, 0, sizeof joined);
   docrel_store__read_begin (session->store, &scope); /* one snapshot for the call */
   cursor = docrel_cursor__open (session, model, filter, opts, &joined, error);
   if (!cursor) {
      docrel_store__read_end (session->store, &scope);
      return false;
   }
   docrel_session__read_begin (session, &mark);
   while (docrel_cursor_next (cursor, &doc)) {
      if (count == cap) {
         cap = cap ? cap * 2 : 16;
         docs = bson_realloc (docs, cap * sizeof *docs);
      }
      docrel_cursor_keep (cursor);
      docs[count++] = doc;
   }
   if (docrel_cursor_error (cursor, error)) {
      ok = false;
   }
   docrel_cursor_destroy (cursor);
   if (ok && joined.join_data && count > 0) {
      bson_t tree;
      ok = bson_init_static (&tree, joined.join_data, joined.join_len) &&
           docrel_join__load (session, model, docs, count, &tree, error);
   }
   docrel_session__read_end (session, &mark, !ok);
   docrel_store__read_end (session->store, &scope);
   if (!ok) {
      bson_free (docs);
      return false;
   }
   *out = docs;
   *n = count;
   return true;
}

bool
docrel_get (docrel_session_t *session,
            docrel_model_t *model,
            const bson_value_t *key,
            const bson_t *tree,
            docrel_doc_t **out,
            bson_error_t *error)
{
   bson_t filter = BSON_INITIALIZER;
   bson_t eq;
   docrel_cursor_t *cursor = NULL;
   docrel_doc_t *doc = NULL;
   docrel_read_mark_t mark;
   docrel_read_scope_t scope;
   bool ok = false;

   if (out) {
      *out = NULL;
   }
   if (!out || !key) {
      docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "get needs a key and out");
      bson_destroy (&filter);
      return false;
   }
   if (!docrel_find__check_args (session, model, error) || (tree && !docrel_join__check (model, tree, error))) {
      bson_destroy (&filter);
      return false;
   }
   docrel_session__read_begin (session, &mark);
   docrel_store__read_begin (session->store, &scope); /* one snapshot for the call */
   /* The identity map answers without a round trip. */
   doc = docrel_session__lookup (session, model, key);
   if (!doc) {
      bson_append_document_begin (&filter, "_id", 3, &eq);
      bson_append_value (&eq, "$eq", 3, key);
      bson_append_document_end (&filter, &eq);
      cursor = docrel_find (session, model, &filter, NULL, error);
      if (!cursor) {
         goto done;
      }
      if (!docrel_cursor_next (cursor, &doc)) {
         if (!docrel_cursor_error (cursor, error)) {
            char *json = docrel_error__value_json (key);
            docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_NOT_FOUND,
                               "model '%s': no document with _id %s", model->name, json);
            bson_free (json);
         }
         goto done;
      }
      docrel_cursor_keep (cursor);
   }
   ok = !tree || docrel_join__load (session, model, &doc, 1, tree, error);
done:
   docrel_cursor_destroy (cursor);
   docrel_store__read_end (session->store, &scope);
   docrel_session__read_end (session, &mark, !ok);
   if (ok) {
      *out = doc;
   }
   bson_destroy (&filter);
   return ok;
}

bool
docrel_count (docrel_session_t *session,
              docrel_model_t *model,
              const bson_t *filter,
              const bson_t *opts,
              int64_t *out,
              bson_error_t *error)
{
   docrel_find_t find;
   bool ok;

   if (!out) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "count needs out");
   }
   *out = 0;
   if (!docrel_find__check_args (session, model, error) ||
       !docrel_find__parse (model, filter, opts, true, &find, error)) {
      return false;
   }
   ok = docrel_store__count_matches (session->store, model->collection, &find.spec, out, error);
   docrel_find__destroy (&find);
   return ok;
}

bool
docrel_explain (docrel_session_t *session,
                docrel_model_t *model,
                const bson_t *filter,
                const bson_t *opts,
                bson_t *out,
                bson_error_t *error)
{
   docrel_find_t find;
   bool ok;

   if (!out) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "explain needs out");
   }
   bson_init (out);
   if (!docrel_find__check_args (session, model, error) ||
       !docrel_find__parse (model, filter, opts, false, &find, error)) {
      return false;
   }
   bson_destroy (out);
   ok = docrel_store__explain (session->store, model->collection, &find.spec, out, error);
   docrel_find__destroy (&find);
   return ok;
}
