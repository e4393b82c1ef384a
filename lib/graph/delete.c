/* SPDX-License-Identifier: Apache-2.0 */
/* delete.c: docrel_delete, docrel_delete_all(_many) and docrel_purge, the
 * delete calls, with their _with_opts variants. Each chooses the documents
 * it deletes and hands them to the removal engine (removal.c), which
 * applies every relation's onDelete in the store: delete_all the saved
 * documents its tree reaches through loaded slots (at their walk level, so
 * that dependents go first), delete and purge the document alone. With
 * {"dryRun": true} the engine reads what decides the plan (cascade finds,
 * restrict counts) and stops before sending anything. */
#include <string.h>

#include "docrel/docrel-graph.h"
#include "docrel/docrel-write.h" /* docrel_delete */
#include "util/util-private.h"
#include "graph/graph-private.h"
#include "model/model-private.h"

/* Every document is saved, all of one session. */
static bool
check_docs (const char *call, docrel_doc_t *const *docs, size_t n, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (!docs || !docs[i] || docs[i]->session != docs[0]->session) {
         return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                   "%s: document %zu is NULL or belongs to another session", call, i);
      }
      if (!docs[i]->saved || !docs[i]->has_id) {
         return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_NOT_SAVED,
                                   "model '%s': cannot delete a document that is not saved", docs[i]->model->name);
      }
   }
   return true;
}

/* The beforeDelete hooks of the n documents the call was handed or walked
 * (never of those a cascade finds in the store), snapshotting each first. */
static bool
before_delete (docrel_undo_t *undo, docrel_doc_t *const *docs, size_t n, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (docrel_hooks__has (docs[i]->model, DOCREL_HOOK_BEFORE_DELETE)) {
         docrel_undo__touch (undo, docs[i]);
         if (!docrel_hooks__run (docs[i]->model, DOCREL_HOOK_BEFORE_DELETE, docs[i], error)) {
            return false;
         }
      }
   }
   return true;
}

static bool
after_delete (docrel_doc_t *const *docs, size_t n, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (!docrel_hooks__run (docs[i]->model, DOCREL_HOOK_AFTER_DELETE, docs[i], error)) {
         return false;
      }
   }
   return true;
}

/* Runs a seeded removal between the hooks of docs, its seeds. A failure
 * that deleted none of them puts back what the hooks changed. */
static bool
run_hooked (docrel_removal_t *rm, docrel_doc_t *const *docs, size_t n, bson_error_t *error)
{
   docrel_undo_t undo;
   bool ok, kept = true;
   size_t i;

   docrel_undo__init (&undo, docs[0]->session);
   ok = before_delete (&undo, docs, n, error) && docrel_removal__run (rm, error); /* reads inside its transaction */
   for (i = 0; i < n; i++) {
      kept = kept && docs[i]->saved;
   }
   if (!ok && kept) {
      docrel_undo__restore (&undo);
   } else {
      docrel_undo__forget (&undo);
   }
   return ok;
}

/* Expands and plans a seeded removal, then runs it unless dry_run;
 * describes it into plan (if not NULL) and destroys it. docs are the n
 * seeds, whose hooks run around a real run: the after-hooks once the
 * store has the call (their failure leaves it written). */
static bool
remove_seeded (docrel_removal_t *rm,
               docrel_doc_t *const *docs,
               size_t n,
               bool dry_run,
               bson_t *plan,
               bson_error_t *error)
{
   bool ok;

   if (dry_run) {
      ok = docrel_removal__expand (rm, error);
      if (ok) {
         docrel_removal__plan (rm, true); /* as a store with transactions runs it */
      }
   } else {
      ok = run_hooked (rm, docs, n, error);
   }
   if (ok || !dry_run) {
      docrel_removal__describe (rm, dry_run, plan);
   }
   docrel_removal__destroy (rm);
   return ok && (dry_run || after_delete (docs, n, error));
}

/* The delete calls: n roots walked through tree, named call in errors. */
static bool
delete_roots (const char *call,
              docrel_doc_t *const *docs,
              size_t n,
              const bson_t *tree,
              const bson_t *opts,
              bson_t *plan,
              bson_error_t *error)
{
   docrel_graph_opts_t o;
   docrel_removal_t rm;
   docrel_walk_t w;
   docrel_doc_t **seeds;
   size_t i, n_seeds = 0;
   bool ok;

   docrel_plan__describe_none (plan);
   if (!docrel_graph__read_opts (call, opts, DOCREL_GRAPH_OPT_DRY_RUN, &o, error)) {
      return false;
   }
   if (n == 0) {
      return true;
   }
   if (!check_docs (call, docs, n, error) || !docrel_session__enter (docs[0]->session, call, error)) {
      return false;
   }
   docrel_walk__init (&w);
   for (i = 0; i < n; i++) {
      docrel_walk__root (&w, docs[i], tree);
   }
   if (!docrel_walk__run (&w, error)) {
      docrel_walk__destroy (&w);
      docrel_session__leave (docs[0]->session);
      return false;
   }
   docrel_walk__order (&w);
   docrel_removal__init (&rm, docs[0]->session, "delete");
   seeds = bson_malloc ((docrel_walk__n_nodes (&w) + 1) * sizeof *seeds);
   for (i = 0; i < docrel_walk__n_nodes (&w); i++) {
      docrel_doc_t *doc = docrel_walk__doc (&w, docrel_walk__ordered (&w, i));
      if (doc->saved && doc->has_id) {
         /* belongsTo targets sit above their owners: owners go first */
         docrel_removal__seed (&rm, doc, docrel_walk__level (&w, docrel_walk__ordered (&w, i)));
         seeds[n_seeds++] = doc;
      }
   }
   docrel_walk__destroy (&w);
   ok = remove_seeded (&rm, seeds, n_seeds, o.dry_run, plan, error);
   bson_free (seeds);
   docrel_session__leave (docs[0]->session);
   return ok;
}

bool
docrel_delete_all_many_with_opts (docrel_doc_t *const *docs,
                                  size_t n,
                                  const bson_t *tree,
                                  const bson_t *opts,
                                  bson_t *plan,
                                  bson_error_t *error)
{
   return delete_roots ("delete_all", docs, n, tree, opts, plan, error);
}

bool
docrel_delete_all_with_opts (docrel_doc_t *doc,
                             const bson_t *tree,
                             const bson_t *opts,
                             bson_t *plan,
                             bson_error_t *error)
{
   return delete_roots ("delete_all", &doc, 1, tree, opts, plan, error);
}

bool
docrel_delete_with_opts (docrel_doc_t *doc, const bson_t *opts, bson_t *plan, bson_error_t *error)
{
   bson_t none = BSON_INITIALIZER; /* the document alone */
   bool ok = delete_roots ("delete", &doc, 1, &none, opts, plan, error);

   bson_destroy (&none);
   return ok;
}

bool
docrel_purge_with_opts (docrel_doc_t *doc, const bson_t *opts, bson_t *plan, bson_error_t *error)
{
   docrel_graph_opts_t o;
   docrel_removal_t rm;
   bool ok;

   docrel_plan__describe_none (plan);
   if (!docrel_graph__read_opts ("purge", opts, DOCREL_GRAPH_OPT_DRY_RUN, &o, error)) {
      return false;
   }
   if (!doc) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "doc must not be NULL");
   }
   if (!doc->saved || !doc->has_id) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_NOT_SAVED,
                                "model '%s': cannot purge a document that is not saved", doc->model->name);
   }
   if (!docrel_session__enter (doc->session, "purge", error)) {
      return false;
   }
   docrel_removal__init (&rm, doc->session, "purge");
   docrel_removal__seed (&rm, doc, 0);
   ok = remove_seeded (&rm, &doc, 1, o.dry_run, plan, error);
   docrel_session__leave (doc->session);
   return ok;
}

bool
docrel_delete_all_many (docrel_doc_t *const *docs, size_t n, const bson_t *tree, bson_error_t *error)
{
   return docrel_delete_all_many_with_opts (docs, n, tree, NULL, NULL, error);
}

bool
docrel_delete_all (docrel_doc_t *doc, const bson_t *tree, bson_error_t *error)
{
   return docrel_delete_all_with_opts (doc, tree, NULL, NULL, error);
}

bool
docrel_delete (docrel_doc_t *doc, bson_error_t *error)
{
   return docrel_delete_with_opts (doc, NULL, NULL, error);
}

bool
docrel_purge (docrel_doc_t *doc, bson_error_t *error)
{
   return docrel_purge_with_opts (doc, NULL, NULL, error);
}
