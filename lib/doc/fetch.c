/* SPDX-License-Identifier: Apache-2.0 */
/* fetch.c: reading stored documents into a session.
 *
 * Every read goes through the identity map: a document the session already
 * holds comes back as the same pointer, with its unsaved changes kept and
 * the fields it lacked filled in. The public reads (join/cursor.c, read.c)
 * and the joins (join/join.c) both read through here, so neither calls the
 * other. */
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

/* Where docrel_fetch__all puts what it reads. */
typedef struct {
   docrel_session_t *session;
   docrel_model_t *model;
   bool partial;
   docrel_doc_t **docs;
   size_t n, cap;
} fetched_t;

static void
adopt_one (const bson_t *raw, void *ctx)
{
   fetched_t *f = ctx;
   bool created;

   if (f->n == f->cap) {
      f->cap = f->cap ? f->cap * 2 : 16;
      f->docs = bson_realloc (f->docs, f->cap * sizeof *f->docs);
   }
   f->docs[f->n++] = docrel_fetch__adopt (f->session, f->model, raw, f->partial, &created);
}

bool
docrel_fetch__all (docrel_session_t *session,
                   docrel_model_t *model,
                   const docrel_find_spec_t *spec,
                   docrel_doc_t ***out,
                   size_t *n,
                   bson_error_t *error)
{
   fetched_t f = {session, model, spec->projection != NULL, NULL, 0, 0};
   docrel_read_mark_t mark;
   bool ok;

   *out = NULL;
   *n = 0;
   if (!docrel_model__use (model, error)) {
      return false;
   }
   docrel_session__read_begin (session, &mark);
   ok = docrel_store__for_each (session->store, model->collection, spec, adopt_one, &f, error);
   docrel_session__read_end (session, &mark, !ok);
   if (!ok) {
      bson_free (f.docs);
      return false;
   }
   *out = f.docs;
   *n = f.n;
   return true;
}
