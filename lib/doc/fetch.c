/* SPDX-License-Identifier: Apache-2.0 */
/* fetch.c: reading stored documents into a session.
 *
 * Every read goes through the identity map: a document the session already
 * holds comes back as the same pointer, with its unsaved changes kept and
 * the fields it lacked filled in. The public reads (join/find.c) and the
 * joins (join/join.c) both read through here, so neither calls the other. */
#include "doc/doc-private.h"
#include "util/util-private.h"
#include "model/model-private.h"
#include "store/store-private.h"

docrel_doc_t *
docrel_fetch__adopt (docrel_session_t *session, docrel_model_t *model, const bson_t *raw, bool partial, bool *created)
{
   bson_iter_t iter;
   docrel_doc_t *doc = NULL;

   *created = false;
   if (bson_iter_init_find (&iter, raw, "_id")) {
      doc = docrel_session__lookup (session, model, bson_iter_value (&iter));
   }
   if (doc) {
      docrel_doc__widen (doc, raw, partial);
      return doc;
   }
   doc = docrel_doc__alloc (session, model);
   docrel_doc__replace_fields (doc, raw);
   doc->partial = partial;
   docrel_doc__mark_saved (doc);
   *created = true;
   return doc;
}

/* Reads every document of the backend cursor into a growing array. */
static bool
adopt_all (docrel_session_t *session,
           docrel_model_t *model,
           docrel_backend_cursor_t *cursor,
           bool partial,
           docrel_doc_t ***out,
           size_t *n,
           bson_error_t *error)
{
   docrel_doc_t **docs = NULL;
   size_t count = 0, cap = 0;
   const bson_t *raw;
   bson_error_t cursor_error = {0};
   bool created;

   while (docrel_store__cursor_next (session->store, cursor, &raw, &cursor_error)) {
      if (count == cap) {
         cap = cap ? cap * 2 : 16;
         docs = bson_realloc (docs, cap * sizeof *docs);
      }
      docs[count++] = docrel_fetch__adopt (session, model, raw, partial, &created);
   }
   if (cursor_error.code != 0) {
      if (error) {
         *error = cursor_error;
      }
      bson_free (docs);
      return false;
   }
   *out = docs;
   *n = count;
   return true;
}

bool
docrel_fetch__all (docrel_session_t *session,
                   docrel_model_t *model,
                   const docrel_find_spec_t *spec,
                   docrel_doc_t ***out,
                   size_t *n,
                   bson_error_t *error)
{
   docrel_backend_cursor_t *cursor;
   docrel_read_mark_t mark;
   bool ok;

   *out = NULL;
   *n = 0;
   if (!docrel_model__use (model, error)) {
      return false;
   }
   cursor = docrel_store__find (session->store, model->collection, spec, error);
   if (!cursor) {
      return false;
   }
   docrel_session__read_begin (session, &mark);
   ok = adopt_all (session, model, cursor, spec->projection != NULL, out, n, error);
   docrel_store__cursor_destroy (session->store, cursor);
   docrel_session__read_end (session, &mark, !ok);
   return ok;
}
