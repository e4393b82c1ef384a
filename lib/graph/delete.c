/* SPDX-License-Identifier: Apache-2.0 */
/* delete.c: docrel_delete and docrel_delete_all, removing loaded
 * documents: the walk's documents deleted dependents first (deepest level
 * first, one delete per model and level), their links removed (one delete
 * per link collection and side), and the loaded documents outside the walk
 * that referenced them stripped of the key, in memory and in the store. */
#include <string.h>

#include "docrel/docrel-graph.h"
#include "docrel/docrel-write.h"
#include "util/util-private.h"
#include "graph/graph-private.h"
#include "model/model-private.h"
#include "bsonx/bsonx-private.h"

/* Removes paths from doc's fields as the store now holds it (not dirty). */
static void
strip_key (docrel_undo_t *undo, docrel_doc_t *doc, char *const *paths, size_t n)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (docrel_doc_has (doc, paths[i])) {
         docrel_undo__touch (undo, doc);
         docrel_path__unset (doc->fields, paths[i], NULL, NULL);
      }
   }
}

/* Loaded documents outside gone that reference one of gone (all of model
 * m) through relation r: their key goes, in memory now and in the store
 * by one range update of their ids. */
static void
clear_loaded_refs (docrel_plan_t *plan,
                   docrel_doc_t *const *gone,
                   size_t n,
                   const docrel_idmap_t *gone_set,
                   docrel_model_t *from,
                   char *const *from_paths,
                   char *const *m_paths,
                   size_t n_keys,
                   int level)
{
   docrel_idmap_t codes;
   docrel_buf_t code = DOCREL_BUF_INIT;
   docrel_doc_t **saved = NULL;
   size_t n_saved = 0;
   docrel_doc_t *d;
   size_t i;

   docrel_idmap__init (&codes);
   for (i = 0; i < n; i++) {
      if (docrel_graph__code (gone[i], m_paths, n_keys, &code)) {
         docrel_idmap__put (&codes, NULL, code.data, code.len, (void *) 1);
      }
   }
   for (d = plan->session->head; d; d = d->next) {
      if (d->model != from || docrel_idmap__get (gone_set, NULL, (const uint8_t *) &d, sizeof d) ||
          !docrel_graph__code (d, from_paths, n_keys, &code) ||
          !docrel_idmap__get (&codes, NULL, code.data, code.len)) {
         continue;
      }
      strip_key (&plan->undo, d, from_paths, n_keys);
      if (d->saved && d->has_id) {
         saved = bson_realloc (saved, (n_saved + 1) * sizeof *saved);
         saved[n_saved++] = d;
      }
   }
   if (n_saved) {
      docrel_step_t *step = docrel_plan__step (plan, DOCREL_STEP_UPDATE_WHERE, from, level);
      step->filter = bson_new ();
      docrel_doc__ids_filter (saved, n_saved, step->filter);
      step->update = docrel_graph__unset_update (from_paths, n_keys);
   }
   bson_free (saved);
   docrel_idmap__destroy (&codes);
   docrel_buf__destroy (&code);
}

/* Plans the removal of gone (saved documents, all of model m): loaded
 * references cleared and links removed at level, the documents deleted by
 * the caller afterwards. */
static void
plan_refs (docrel_plan_t *plan,
           docrel_model_t *m,
           docrel_doc_t *const *gone,
           size_t n,
           const docrel_idmap_t *gone_set,
           docrel_idmap_t *done,
           int level)
{
   docrel_relation_t **refs = NULL;
   size_t n_refs = docrel_graph__references (m, &refs), i, side;

   for (i = 0; i < n_refs; i++) {
      docrel_relation_t *r = refs[i];
      docrel_model_t *from;
      char *const *from_paths;
      char *const *m_paths;
      char *const *fields[2];
      char *const *sides[2];
      size_t n_sides;

      if (docrel_graph__reference (r, m, &from, &from_paths, &m_paths)) {
         if (!docrel_graph__once (done, from, from_paths, r->n_keys)) {
            clear_loaded_refs (plan, gone, n, gone_set, from, from_paths, m_paths, r->n_keys, level);
         }
         continue;
      }
      n_sides = docrel_graph__link_sides (r, m, fields, sides);
      for (side = 0; side < n_sides; side++) {
         docrel_step_t *step;
         if (docrel_graph__once (done, r->link, fields[side], r->n_keys)) {
            continue;
         }
         step = docrel_plan__step (plan, DOCREL_STEP_DELETE_WHERE, r->link, level);
         step->filter = bson_new ();
         docrel_graph__keys_filter (gone, n, sides[side], fields[side], r->n_keys, step->filter);
      }
   }
   bson_free (refs);
}

/* One delete_all call. */
typedef struct {
   docrel_plan_t plan;
   docrel_walk_t w;
   docrel_doc_t **gone; /* the walk's saved documents, in write order */
   size_t n_gone;
   docrel_idmap_t gone_set; /* doc pointer -> doc, for each of gone */
   docrel_idmap_t done;     /* what plan_refs planned (docrel_graph__once) */
} delete_t;

/* Every document is saved, all of one session. */
static bool
check_docs (docrel_doc_t *const *docs, size_t n, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (!docs || !docs[i] || docs[i]->session != docs[0]->session) {
         return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                   "delete_all: document %zu is NULL or belongs to another session", i);
      }
      if (!docs[i]->saved || !docs[i]->has_id) {
         return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_NOT_SAVED,
                                   "model '%s': cannot delete a document that is not saved", docs[i]->model->name);
      }
   }
   return true;
}

/* The saved documents of the ordered walk: the ones to delete. */
static void
collect_gone (delete_t *d)
{
   size_t n_nodes = docrel_walk__n_nodes (&d->w), i;

   d->gone = bson_malloc ((n_nodes + 1) * sizeof *d->gone);
   for (i = 0; i < n_nodes; i++) {
      docrel_doc_t *doc = docrel_walk__doc (&d->w, docrel_walk__ordered (&d->w, i));
      if (doc->saved && doc->has_id) {
         d->gone[d->n_gone++] = doc;
         docrel_idmap__put (&d->gone_set, NULL, (const uint8_t *) &doc, sizeof doc, (void *) doc);
      }
   }
}

/* References and links, per model of the documents to delete. */
static void
plan_model_refs (delete_t *d)
{
   size_t i, k;

   for (i = 0; i < d->n_gone; i++) {
      docrel_model_t *m = d->gone[i]->model;
      docrel_doc_t **same = NULL;
      size_t n_same = 0;
      if (docrel_graph__once (&d->done, m, NULL, 0)) {
         continue;
      }
      for (k = i; k < d->n_gone; k++) {
         if (d->gone[k]->model == m) {
            same = bson_realloc (same, (n_same + 1) * sizeof *same);
            same[n_same++] = d->gone[k];
         }
      }
      plan_refs (&d->plan, m, same, n_same, &d->gone_set, &d->done, 0);
      bson_free (same);
   }
}

/* The deletes, dependents first: children (deeper levels) before their
 * owners, one per model and level, after the references (level 0). */
static void
plan_deletes (delete_t *d)
{
   size_t n_nodes = docrel_walk__n_nodes (&d->w), n = 0, i;
   docrel_batch_t *batches = bson_malloc ((n_nodes + 1) * sizeof *batches);
   int top = docrel_walk__top_level (&d->w);

   for (i = 0; i < n_nodes; i++) {
      docrel_doc_t *doc = docrel_walk__doc (&d->w, i);
      if (doc->saved && doc->has_id) {
         batches[n].level = top - docrel_walk__level (&d->w, i) + 1;
         batches[n].kind = 0;
         batches[n].node = i;
         n++;
      }
   }
   docrel_walk__sort_batches (&d->w, batches, n);
   for (i = 0; i < n; i++) {
      docrel_doc_t *doc = docrel_walk__doc (&d->w, batches[i].node);
      docrel_step__add (docrel_plan__step (&d->plan, DOCREL_STEP_DELETE, doc->model, batches[i].level), doc, NULL);
   }
   bson_free (batches);
}

static void
delete_destroy (delete_t *d)
{
   bson_free (d->gone);
   docrel_idmap__destroy (&d->gone_set);
   docrel_idmap__destroy (&d->done);
   docrel_walk__destroy (&d->w);
   docrel_plan__destroy (&d->plan);
}

bool
docrel_delete_all (docrel_doc_t *doc, const bson_t *tree, bson_error_t *error)
{
   return docrel_delete_all_many (&doc, 1, tree, error);
}

bool
docrel_delete_all_many (docrel_doc_t *const *docs, size_t n, const bson_t *tree, bson_error_t *error)
{
   delete_t d;
   size_t i;
   bool ok = false;

   if (n == 0) {
      return true;
   }
   if (!check_docs (docs, n, error)) {
      return false;
   }
   memset (&d, 0, sizeof d);
   docrel_plan__init (&d.plan, docs[0]->session);
   docrel_walk__init (&d.w);
   docrel_idmap__init (&d.gone_set);
   docrel_idmap__init (&d.done);
   for (i = 0; i < n; i++) {
      docrel_walk__root (&d.w, docs[i], tree);
   }
   if (docrel_walk__run (&d.w, error)) {
      docrel_walk__order (&d.w);
      collect_gone (&d);
      plan_model_refs (&d);
      plan_deletes (&d);
      ok = docrel_plan__use (&d.plan, error) && docrel_plan__run (&d.plan, error);
   }
   if (!ok) {
      docrel_undo__restore (&d.plan.undo);
   }
   delete_destroy (&d);
   return ok;
}

bool
docrel_delete (docrel_doc_t *doc, bson_error_t *error)
{
   bson_t none = BSON_INITIALIZER; /* the document alone */
   bool ok = docrel_delete_all (doc, &none, error);

   bson_destroy (&none);
   return ok;
}
