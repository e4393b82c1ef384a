/* SPDX-License-Identifier: Apache-2.0 */
/* fetch.c: reading stored documents into a session.
 *
 * Every read goes through the identity map: a document the session already
 * holds comes back as the same pointer, with its unsaved changes kept and
 * the fields it lacked filled in. The public reads (join/cursor.c, read.c)
 * and the joins (join/join.c) both read through here, so neither calls the
 * other. */
#include "doc/doc-private.h"
#include "bsonx/bsonx-private.h"
#include "util/util-private.h"
#include "model/model-private.h"
#include "store/store-private.h"

docrel_doc_t *
docrel_fetch__adopt (docrel_session_t *session, docrel_model_t *model, const bson_t *raw, bool partial, bool *created)
{
   bson_iter_t iter;
   const bson_value_t *id = NULL;
   void **slot = NULL;
   docrel_doc_t *doc = NULL;

   *created = false;
   if (docrel_path__find_key (raw, "_id", 3, &iter)) {
      id = bson_iter_value (&iter);
      slot = docrel_session__claim (session, model, id); /* one probe: found, or the place to fill */
      doc = *slot;
   }
   if (doc) {
      docrel_doc__widen (doc, raw, partial);
      return doc;
   }
   doc = docrel_doc__alloc (session, model); /* leaves the map alone: slot stays valid */
   docrel_doc__load_stored (doc, raw, id, id ? &session->lookup_key : NULL, slot);
   doc->partial = partial;
   *created = true;
   return doc;
}

docrel_doc_t *
docrel_fetch__adopt_loaded (docrel_session_t *session,
                            docrel_model_t *model,
                            const bson_t *raw,
                            bool partial,
                            bool *created,
                            bson_error_t *error)
{
   docrel_doc_t *doc = docrel_fetch__adopt (session, model, raw, partial, created);

   if (*created && !docrel_hooks__run (model, DOCREL_HOOK_AFTER_LOAD, doc, error)) {
      docrel_doc__free (doc); /* the session as before this document */
      return NULL;
   }
   return doc;
}

/* Where docrel_fetch__all puts what it reads. */
typedef struct {
   docrel_session_t *session;
   docrel_model_t *model;
   bool partial;
   docrel_doc_t **docs;
   size_t n, cap;
   docrel_doc_t **created; /* with afterLoad hooks: the documents new to the
                            * session, whose hooks run once the read is over */
   size_t n_created, cap_created;
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
   f->docs[f->n] = docrel_fetch__adopt (f->session, f->model, raw, f->partial, &created);
   if (created && docrel_hooks__has (f->model, DOCREL_HOOK_AFTER_LOAD)) {
      if (f->n_created == f->cap_created) {
         f->cap_created = f->cap_created ? f->cap_created * 2 : 16;
         f->created = bson_realloc (f->created, f->cap_created * sizeof *f->created);
      }
      f->created[f->n_created++] = f->docs[f->n];
   }
   f->n++;
}

/* The afterLoad hooks of the documents read, run after the read, since a
 * hook may read too and the store is inside a call of adopt_one. */
static bool
run_after_load (fetched_t *f, bson_error_t *error)
{
   size_t i;
   bool ok = true;

   for (i = 0; ok && i < f->n_created; i++) {
      ok = docrel_hooks__run (f->model, DOCREL_HOOK_AFTER_LOAD, f->created[i], error);
   }
   bson_free (f->created);
   return ok;
}

bool
docrel_fetch__all (docrel_session_t *session,
                   docrel_model_t *model,
                   const docrel_find_spec_t *spec,
                   docrel_doc_t ***out,
                   size_t *n,
                   bson_error_t *error)
{
   fetched_t f = {session, model, spec->projection != NULL, NULL, 0, 0, NULL, 0, 0};
   docrel_read_mark_t mark;
   bool ok;

   *out = NULL;
   *n = 0;
   if (!docrel_model__use (model, error)) {
      return false;
   }
   docrel_session__read_begin (session, &mark);
   ok = docrel_store__for_each (session->store, model->collection, spec, adopt_one, &f, error);
   if (ok) {
      ok = run_after_load (&f, error);
   } else {
      bson_free (f.created);
   }
   docrel_session__read_end (session, &mark, !ok);
   if (!ok) {
      bson_free (f.docs);
      return false;
   }
   *out = f.docs;
   *n = f.n;
   return true;
}
