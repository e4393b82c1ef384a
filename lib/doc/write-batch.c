/* SPDX-License-Identifier: Apache-2.0 */
/* write-batch.c: prepared writes sent as one batch, and documents in doubt.
 *
 * docrel_save and the graph calls both send through here, so the saved
 * flags follow what the store confirmed, document by document: without a
 * transaction (a standalone MongoDB) a batch that fails part way leaves its
 * written prefix saved. When the connection fails after a batch went out,
 * the documents after that prefix may or may not be stored; they stay
 * unsaved and are marked in doubt, and their next insert looks them up in
 * one query and rewrites the ones found instead of inserting them again. */
#include <string.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "store/store-private.h"
#include "doc/doc-private.h"

void
docrel_write__mark_in_doubt (docrel_doc_t *doc, const bson_t *payload)
{
   bson_iter_t iter;

   if (!doc->has_id && bson_iter_init_find (&iter, payload, "_id")) {
      /* an unsaved document: setting _id cannot fail and marks nothing dirty */
      docrel_doc_set_value (doc, "_id", bson_iter_value (&iter), NULL);
   }
   doc->in_doubt = true;
}

/* Finishes the inserts the store confirmed; the rest may be in doubt. */
static void
settle_inserts (docrel_doc_t *const *docs,
                const bson_t *const *payloads,
                size_t n,
                const docrel_write_outcome_t *outcome,
                docrel_undo_t *sent)
{
   size_t k;

   for (k = 0; k < n; k++) {
      if (k < outcome->written || outcome->in_doubt) {
         if (sent) {
            docrel_undo__touch (sent, docs[k]);
         }
         if (k < outcome->written) {
            docrel_write__finish_insert (docs[k], payloads[k]);
         } else {
            docrel_write__mark_in_doubt (docs[k], payloads[k]);
         }
      }
   }
}

static void
id_code (const bson_value_t *id, docrel_buf_t *code)
{
   docrel_buf__reset (code);
   docrel_keycode__append (code, id);
}

/* Where find_stored puts what it finds. */
typedef struct {
   docrel_idmap_t *stored;
   docrel_buf_t code;
} stored_ids_t;

static void
put_stored_id (const bson_t *found, void *ctx)
{
   stored_ids_t *s = ctx;
   bson_iter_t iter;

   if (bson_iter_init_find (&iter, found, "_id")) {
      id_code (bson_iter_value (&iter), &s->code);
      docrel_idmap__put (s->stored, NULL, s->code.data, s->code.len, (void *) 1);
   }
}

/* Puts into stored the key codes of the n documents in doubt that the
 * store holds: one query on their _id (each has one: mark_in_doubt). */
static bool
find_stored (docrel_store_t *store,
             const char *collection,
             docrel_doc_t *const *doubtful,
             size_t n,
             docrel_idmap_t *stored,
             bson_error_t *error)
{
   bson_t spec = BSON_INITIALIZER, only_id = BSON_INITIALIZER;
   docrel_filter_t *filter = NULL;
   docrel_projection_t *projection = NULL;
   docrel_find_spec_t find = {0};
   stored_ids_t found = {stored, DOCREL_BUF_INIT};
   bool ok;

   docrel_doc__ids_filter (doubtful, n, &spec);
   BSON_APPEND_INT32 (&only_id, "_id", 1);
   ok = (filter = docrel_filter__new (&spec, error)) && (projection = docrel_projection__new (&only_id, error));
   if (ok) {
      find.filter = filter;
      find.projection = projection;
      ok = docrel_store__for_each (store, collection, &find, put_stored_id, &found, error);
   }
   docrel_projection__destroy (projection);
   docrel_filter__destroy (filter);
   docrel_buf__destroy (&found.code);
   bson_destroy (&only_id);
   bson_destroy (&spec);
   return ok;
}

/* Sends updates; a rewrite is an update whose document is the whole
 * payload and, once confirmed, counts as the insert (a document in doubt
 * has its _id: mark_in_doubt). */
static bool
send_updates (docrel_store_t *store,
              const char *collection,
              bool rewrite,
              docrel_doc_t *const *docs,
              const bson_t *const *payloads,
              size_t n,
              docrel_undo_t *sent,
              bson_error_t *error)
{
   docrel_update_t *updates = bson_malloc ((n ? n : 1) * sizeof *updates);
   docrel_write_outcome_t outcome;
   bool ok;
   size_t k;

   for (k = 0; k < n; k++) {
      updates[k].id = &docs[k]->id;
      updates[k].update = payloads[k];
   }
   ok = docrel_store__update_many (store, collection, updates, n, &outcome, error);
   bson_free (updates);
   for (k = 0; k < outcome.written; k++) {
      if (sent) {
         docrel_undo__touch (sent, docs[k]);
      }
      if (rewrite) {
         docrel_write__finish_insert (docs[k], payloads[k]);
      } else {
         docrel_write__finish_update (docs[k]);
      }
   }
   return ok;
}

static bool
send_inserts (docrel_store_t *store,
              const char *collection,
              docrel_doc_t *const *docs,
              const bson_t *const *payloads,
              size_t n,
              docrel_undo_t *sent,
              bson_error_t *error)
{
   docrel_write_outcome_t outcome;
   bool ok;

   ok = docrel_store__insert_many (store, collection, payloads, n, &outcome, error);
   settle_inserts (docs, payloads, n, &outcome, sent);
   return ok;
}

/* Documents in doubt that the store holds are rewritten whole; the others
 * are inserted. */
static bool
insert_resolving_doubts (docrel_store_t *store,
                         const char *collection,
                         docrel_doc_t *const *docs,
                         const bson_t *const *payloads,
                         size_t n,
                         docrel_undo_t *sent,
                         bson_error_t *error)
{
   docrel_idmap_t stored;
   docrel_buf_t code = DOCREL_BUF_INIT;
   docrel_doc_t **rewrite_docs = bson_malloc (n * sizeof *rewrite_docs);
   const bson_t **rewrites = bson_malloc (n * sizeof *rewrites);
   docrel_doc_t **insert_docs = bson_malloc (n * sizeof *insert_docs);
   const bson_t **inserts = bson_malloc (n * sizeof *inserts);
   size_t n_rewrites = 0, n_inserts = 0, k;
   bool ok = false;

   docrel_idmap__init (&stored);
   for (k = 0; k < n; k++) {
      if (docs[k]->in_doubt) {
         rewrite_docs[n_rewrites++] = docs[k]; /* for the lookup, then reused */
      }
   }
   if (!find_stored (store, collection, rewrite_docs, n_rewrites, &stored, error)) {
      goto done;
   }
   n_rewrites = 0;
   for (k = 0; k < n; k++) {
      bool held = false;
      if (docs[k]->in_doubt) {
         id_code (&docs[k]->id, &code);
         held = docrel_idmap__get (&stored, NULL, code.data, code.len) != NULL;
      }
      if (held) {
         rewrite_docs[n_rewrites] = docs[k];
         rewrites[n_rewrites++] = payloads[k];
      } else {
         insert_docs[n_inserts] = docs[k];
         inserts[n_inserts++] = payloads[k];
      }
   }
   ok = send_updates (store, collection, true, rewrite_docs, rewrites, n_rewrites, sent, error) &&
        send_inserts (store, collection, insert_docs, inserts, n_inserts, sent, error);
done:
   docrel_idmap__destroy (&stored);
   docrel_buf__destroy (&code);
   bson_free (rewrite_docs);
   bson_free (rewrites);
   bson_free (insert_docs);
   bson_free (inserts);
   return ok;
}

bool
docrel_write__send_inserts (docrel_store_t *store,
                            const char *collection,
                            docrel_doc_t *const *docs,
                            const bson_t *const *payloads,
                            size_t n,
                            docrel_undo_t *sent,
                            bson_error_t *error)
{
   size_t k;

   for (k = 0; k < n; k++) {
      if (docs[k]->in_doubt) {
         return insert_resolving_doubts (store, collection, docs, payloads, n, sent, error);
      }
   }
   return send_inserts (store, collection, docs, payloads, n, sent, error);
}

bool
docrel_write__send_updates (docrel_store_t *store,
                            const char *collection,
                            docrel_doc_t *const *docs,
                            const bson_t *const *payloads,
                            size_t n,
                            docrel_undo_t *sent,
                            bson_error_t *error)
{
   return send_updates (store, collection, false, docs, payloads, n, sent, error);
}
