/* SPDX-License-Identifier: Apache-2.0 */
/* save.c: docrel_save_all, writing a graph in dependency order.
 *
 * 1. Walk: from the roots through loaded slots (the tree's, or all), each
 *    document once by identity, recording each (document, relation) edge
 *    once.
 * 2. New documents get their generated keys now, so that every key is known
 *    before anything is written and a belongsTo cycle needs no second pass.
 * 3. Order: belongsTo targets before owners, owners before hasOne / hasMany
 *    children (Kahn's algorithm; a cycle is broken at its first document).
 *    A document's level is its longest chain of prerequisites.
 * 4. Keys: removed children follow onRemove, a cleared belongsTo loses its
 *    key, then, in order, owners pull belongsTo keys and push theirs into
 *    children.
 * 5. Plan: one insert and one update per level and model, deletes of removed
 *    children, then per link collection one unlink and one link step.
 * Nothing is sent before every payload is prepared and validated. */
#include <string.h>

#include "bsonx/bsonx-private.h"
#include "docrel/docrel-graph.h"
#include "util/util-private.h"
#include "graph/graph-private.h"
#include "model/model-private.h"
#include "doc/doc-private.h"

typedef docrel_edge_t edge_t;

typedef struct {
   docrel_plan_t plan;
   docrel_walk_t w;
   docrel_doc_t **doomed; /* removed children to delete */
   size_t n_doomed;
   bool hooks; /* not a dry run: run the models' hooks */
   /* the documents whose before-hooks ran, in write order, and the event
    * of their after-hooks, run after the commit */
   docrel_doc_t **hooked;
   docrel_hook_event_t *after;
   size_t n_hooked;
} save_t;

/* Keys ---------------------------------------------------------------------- */

/* Removed children and cleared belongsTo slots, before keys are copied. */
static bool
apply_removals (save_t *s, bson_error_t *error)
{
   bson_value_t pkey[DOCREL_MAX_KEYS], ckey[DOCREL_MAX_KEYS];
   size_t i, k, j;

   for (i = 0; i < docrel_walk__n_edges (&s->w); i++) {
      const edge_t *e = docrel_walk__edge (&s->w, i);
      docrel_doc_t *p = e->parent;
      docrel_relation_t *r = e->r;
      docrel_slot_t *slot = docrel_walk__edge_slot (&s->w, i);

      if (r->kind == DOCREL_BELONGS_TO) {
         if (slot->n == 0 && slot->n_base > 0 &&
             !docrel_graph__unset_key (&s->plan.undo, p, r->left_keys, r->n_keys, error)) {
            return false;
         }
         continue;
      }
      if (r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY || r->on_remove == DOCREL_ON_REMOVE_KEEP) {
         continue;
      }
      for (k = 0; k < slot->n_base; k++) {
         docrel_doc_t *c = slot->base[k];
         bool same = true;
         if (docrel_slot__holds (slot, c)) {
            continue;
         }
         if (r->on_remove == DOCREL_ON_REMOVE_DELETE) {
            if (c->saved) {
               s->doomed = bson_realloc (s->doomed, (s->n_doomed + 1) * sizeof *s->doomed);
               s->doomed[s->n_doomed++] = c;
            }
            continue;
         }
         /* setNull, unless the child already points elsewhere */
         if (docrel_graph__key (p, r->left_keys, r->n_keys, pkey) &&
             docrel_graph__key (c, r->right_keys, r->n_keys, ckey)) {
            for (j = 0; j < r->n_keys; j++) {
               same = same && docrel_compare__values (&pkey[j], &ckey[j]) == 0;
            }
         }
         if (same && !docrel_graph__unset_key (&s->plan.undo, c, r->right_keys, r->n_keys, error)) {
            return false;
         }
      }
   }
   return true;
}

/* Copies the key of r that from holds at from_paths into to's to_paths. The
 * values are copied first: they borrow from's fields, and from may be to. */
static bool
copy_key (docrel_undo_t *undo,
          const docrel_relation_t *r,
          docrel_doc_t *from,
          char *const *from_paths,
          docrel_doc_t *to,
          char *const *to_paths,
          bson_error_t *error)
{
   bson_value_t held[DOCREL_MAX_KEYS], key[DOCREL_MAX_KEYS];
   size_t i;
   bool ok;

   if (!docrel_graph__key (from, from_paths, r->n_keys, held)) {
      return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_REQUIRED,
                                "model '%s': relation '%s': the '%s' document has no key '%s' to copy", r->model->name,
                                r->field, from->model->name, docrel_graph__missing (from, from_paths, r->n_keys));
   }
   for (i = 0; i < r->n_keys; i++) {
      bson_value_copy (&held[i], &key[i]);
   }
   ok = docrel_graph__set_key (undo, to, to_paths, key, r->n_keys, error);
   for (i = 0; i < r->n_keys; i++) {
      bson_value_destroy (&key[i]);
   }
   return ok;
}

/* In write order: each document pulls its belongsTo keys, then pushes its
 * own key into its hasOne / hasMany children. */
static bool
copy_keys (save_t *s, bson_error_t *error)
{
   size_t n_nodes = docrel_walk__n_nodes (&s->w), n_edges = docrel_walk__n_edges (&s->w);
   const edge_t **by_parent;
   size_t *first, i, k, o;
   bool ok = true;

   /* edges grouped by parent node */
   first = bson_malloc0 ((n_nodes + 1) * sizeof *first);
   by_parent = bson_malloc ((n_edges + 1) * sizeof *by_parent);
   for (i = 0; i < n_edges; i++) {
      first[docrel_walk__index (&s->w, docrel_walk__edge (&s->w, i)->parent) + 1]++;
   }
   for (i = 0; i < n_nodes; i++) {
      first[i + 1] += first[i];
   }
   {
      size_t *fill = bson_malloc0 ((n_nodes + 1) * sizeof *fill);
      for (i = 0; i < n_edges; i++) {
         const edge_t *e = docrel_walk__edge (&s->w, i);
         size_t p = docrel_walk__index (&s->w, e->parent);
         by_parent[first[p] + fill[p]++] = e;
      }
      bson_free (fill);
   }
   for (o = 0; ok && o < n_nodes; o++) {
      size_t v = docrel_walk__ordered (&s->w, o);
      docrel_doc_t *p = docrel_walk__doc (&s->w, v);
      int pass;
      for (pass = 0; ok && pass < 2; pass++) {
         for (k = first[v]; ok && k < first[v + 1]; k++) {
            docrel_relation_t *r = by_parent[k]->r;
            docrel_slot_t *slot = docrel_doc__slot (p, r->index);
            size_t c;
            if (pass == 0 && r->kind == DOCREL_BELONGS_TO && slot->n == 1) {
               ok = copy_key (&s->plan.undo, r, slot->docs[0], r->right_keys, p, r->left_keys, error);
            } else if (pass == 1 && (r->kind == DOCREL_HAS_ONE || r->kind == DOCREL_HAS_MANY)) {
               for (c = 0; ok && c < slot->n; c++) {
                  ok = copy_key (&s->plan.undo, r, p, r->left_keys, slot->docs[c], r->right_keys, error);
               }
            }
         }
      }
   }
   bson_free (first);
   bson_free (by_parent);
   return ok;
}

/* Document writes -------------------------------------------------------------- */

/* Notes that d's after-hooks of event are due once the store has the call. */
static void
note_hooked (save_t *s, docrel_doc_t *d, docrel_hook_event_t event)
{
   if (d->model->n_hooks == 0) {
      return;
   }
   s->hooked = bson_realloc (s->hooked, (s->n_hooked + 1) * sizeof *s->hooked);
   s->after = bson_realloc (s->after, (s->n_hooked + 1) * sizeof *s->after);
   s->hooked[s->n_hooked] = d;
   s->after[s->n_hooked++] = event;
}

/* The payload of d's write: with its before-hooks unless a dry run. */
static bool
prepare_write (save_t *s, docrel_doc_t *d, bson_t *out, bson_error_t *error)
{
   if (!s->hooks) {
      return d->saved ? docrel_write__prepare_update (d, out, error) : docrel_write__prepare_insert (d, out, error);
   }
   note_hooked (s, d, d->saved ? DOCREL_HOOK_AFTER_UPDATE : DOCREL_HOOK_AFTER_INSERT);
   return docrel_write__prepare_hooked (d, &s->plan.undo, out, error);
}

/* A removed child deleted under onRemove "delete": its beforeDelete hooks. */
static bool
plan_doomed (save_t *s, docrel_doc_t *d, int level, bson_error_t *error)
{
   if (s->hooks && docrel_hooks__has (d->model, DOCREL_HOOK_BEFORE_DELETE)) {
      docrel_undo__touch (&s->plan.undo, d);
      if (!docrel_hooks__run (d->model, DOCREL_HOOK_BEFORE_DELETE, d, error)) {
         return false;
      }
   }
   if (s->hooks) {
      note_hooked (s, d, DOCREL_HOOK_AFTER_DELETE);
   }
   docrel_step__add (docrel_plan__step (&s->plan, DOCREL_STEP_DELETE, d->model, level), d, NULL);
   return true;
}

/* After the commit: the after-hooks, in write order, up to the first that
 * fails (the data stays written). */
static bool
run_after_hooks (save_t *s, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < s->n_hooked; i++) {
      if (!docrel_hooks__run (s->hooked[i]->model, s->after[i], s->hooked[i], error)) {
         return false;
      }
   }
   return true;
}

static bool
plan_documents (save_t *s, bson_error_t *error)
{
   docrel_batch_t *writes = bson_malloc ((docrel_walk__n_nodes (&s->w) + 1) * sizeof *writes);
   size_t n = 0, i;
   int top = docrel_walk__top_level (&s->w);
   bool ok = true;

   for (i = 0; i < docrel_walk__n_nodes (&s->w); i++) {
      docrel_doc_t *d = docrel_walk__doc (&s->w, i);
      if (!d->saved || d->n_dirty > 0) {
         writes[n].level = docrel_walk__level (&s->w, i);
         writes[n].kind = d->saved ? 1 : 0; /* inserts first */
         writes[n].node = i;
         n++;
      }
   }
   docrel_walk__sort_batches (&s->w, writes, n);
   for (i = 0; ok && i < n; i++) {
      docrel_doc_t *d = docrel_walk__doc (&s->w, writes[i].node);
      bson_t prepared;
      bson_t *payload;
      ok = prepare_write (s, d, &prepared, error);
      if (ok && d->saved && bson_empty (&prepared)) {
         docrel_undo__touch (&s->plan.undo, d);
         docrel_write__finish_update (d); /* dirty, yet nothing to send */
      }
      if (!ok || (d->saved && bson_empty (&prepared))) {
         bson_destroy (&prepared);
         continue;
      }
      payload = bson_copy (&prepared); /* the step owns a heap copy */
      bson_destroy (&prepared);
      docrel_step__add (docrel_plan__step (&s->plan, d->saved ? DOCREL_STEP_UPDATE : DOCREL_STEP_INSERT, d->model,
                                           writes[i].level),
                        d, payload);
   }
   for (i = 0; ok && i < s->n_doomed; i++) {
      docrel_doc_t *d = s->doomed[i];
      if (!docrel_walk__reached (&s->w, d)) { /* not moved to another slot in this call */
         ok = plan_doomed (s, d, top + 1, error);
      }
   }
   bson_free (writes);
   return ok;
}

/* The whole call -------------------------------------------------------------------- */

static void
save_destroy (save_t *s)
{
   docrel_plan__destroy (&s->plan);
   docrel_walk__destroy (&s->w);
   bson_free (s->doomed);
   bson_free (s->hooked);
   bson_free (s->after);
}

/* Every root is a document, all of one session. */
static bool
check_roots (docrel_doc_t *const *docs, size_t n, bson_error_t *error)
{
   size_t i;

   if (!docs) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "docs must not be NULL");
   }
   for (i = 0; i < n; i++) {
      if (!docs[i] || docs[i]->session != docs[0]->session) {
         return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                   "save_all: root %zu is NULL or belongs to another session", i);
      }
   }
   return true;
}

/* 1. Walk, with the children removed under onRemove "setNull" (their key
 * goes). */
static bool
walk_roots (save_t *s, docrel_doc_t *const *docs, size_t n, const bson_t *tree, bson_error_t *error)
{
   size_t i;

   docrel_walk__include_removed (&s->w);
   for (i = 0; i < n; i++) {
      docrel_walk__root (&s->w, docs[i], tree);
   }
   return docrel_walk__run (&s->w, error);
}

/* 2. Generated keys for new documents. */
static void
make_keys (save_t *s)
{
   size_t i;

   for (i = 0; i < docrel_walk__n_nodes (&s->w); i++) {
      docrel_doc_t *d = docrel_walk__doc (&s->w, i);
      /* fresh: its key is made here, so no link to it can exist yet */
      bool fresh = !d->saved && !d->has_id && d->model->pk_kind != DOCREL_PK_CALLER;

      docrel_walk__set_fresh (&s->w, i, fresh);
      if (fresh) {
         docrel_undo__touch (&s->plan.undo, d);
         docrel_write__assign_id (d);
      }
   }
}

/* 4. and 5., on the ordered walk: keys moved, then every write planned. */
static bool
plan_writes (save_t *s, bson_error_t *error)
{
   return apply_removals (s, error) && copy_keys (s, error) && plan_documents (s, error) &&
          docrel_graph__plan_links (&s->plan, &s->w, docrel_walk__top_level (&s->w) + 2, error);
}

/* Written: every slot walked now matches the store, deferred links are done. */
static void
settle (save_t *s)
{
   size_t i;

   for (i = 0; i < docrel_walk__n_edges (&s->w); i++) {
      docrel_slot__settle (docrel_walk__edge_slot (&s->w, i));
   }
   for (i = 0; i < docrel_walk__n_nodes (&s->w); i++) {
      docrel_doc__clear_pending (docrel_walk__doc (&s->w, i));
   }
}

bool
docrel_save_all_many (docrel_doc_t *const *docs,
                      size_t n,
                      const bson_t *tree,
                      const bson_t *opts,
                      bson_t *plan,
                      bson_error_t *error)
{
   docrel_graph_opts_t o;
   save_t s;
   bool ok = false;

   docrel_plan__describe_none (plan);
   if (!docrel_graph__read_opts ("save_all", opts, DOCREL_GRAPH_OPT_DRY_RUN, &o, error)) {
      return false;
   }
   if (n == 0) {
      return true;
   }
   if (!check_roots (docs, n, error) || !docrel_session__enter (docs[0]->session, "save_all", error)) {
      return false;
   }
   memset (&s, 0, sizeof s);
   s.hooks = !o.dry_run;
   docrel_plan__init (&s.plan, docs[0]->session);
   docrel_walk__init (&s.w);
   if (!walk_roots (&s, docs, n, tree, error)) {
      goto done;
   }
   make_keys (&s);
   docrel_walk__order (&s.w); /* 3. */
   if (!plan_writes (&s, error)) {
      goto done;
   }
   if (o.dry_run) {
      docrel_plan__describe (&s.plan, s.plan.n_steps, plan); /* before the keys made go */
      docrel_undo__restore (&s.plan.undo);
      save_destroy (&s);
      docrel_session__leave (docs[0]->session);
      return true;
   }
   if (docrel_plan__use (&s.plan, error) && docrel_plan__run (&s.plan, error)) {
      settle (&s);
      ok = true;
   }
done:
   if (!ok) {
      docrel_undo__restore (&s.plan.undo); /* a no-op if run already decided */
   }
   docrel_plan__describe (&s.plan, s.plan.done, plan); /* what the store holds */
   ok = ok && run_after_hooks (&s, error);             /* written whatever they say */
   save_destroy (&s);
   docrel_session__leave (docs[0]->session);
   return ok;
}

bool
docrel_save_all (docrel_doc_t *doc, const bson_t *tree, const bson_t *opts, bson_t *plan, bson_error_t *error)
{
   if (!doc) {
      docrel_plan__describe_none (plan);
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "doc must not be NULL");
   }
   return docrel_save_all_many (&doc, 1, tree, opts, plan, error);
}
