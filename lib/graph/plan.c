/* SPDX-License-Identifier: Apache-2.0 */
/* plan.c: the steps of a graph call, described and sent. */
#include <string.h>

#include "util/util-private.h"
#include "query/query-private.h"
#include "graph/graph-private.h"
#include "model/model-private.h"
#include "store/store-private.h"
#include "doc/doc-private.h"

static const char *const step_names[] = {"insert",      "update",      "delete", "link",       "unlink",
                                         "updateWhere", "deleteWhere", "delete", "updateLinks"};

void
docrel_plan__init (docrel_plan_t *plan, docrel_session_t *session)
{
   memset (plan, 0, sizeof *plan);
   plan->session = session;
   docrel_undo__init (&plan->undo, session);
}

void
docrel_plan__destroy (docrel_plan_t *plan)
{
   size_t i, k;

   for (i = 0; i < plan->n_steps; i++) {
      docrel_step_t *s = &plan->steps[i];
      for (k = 0; k < s->n; k++) {
         if (s->payloads[k]) {
            bson_destroy (s->payloads[k]);
         }
      }
      bson_free (s->docs);
      bson_free (s->payloads);
      if (s->filter) {
         bson_destroy (s->filter);
      }
      if (s->update) {
         bson_destroy (s->update);
      }
   }
   bson_free (plan->steps);
   docrel_undo__forget (&plan->undo); /* a no-op after run or restore */
   memset (plan, 0, sizeof *plan);
}

docrel_step_t *
docrel_plan__step (docrel_plan_t *plan, docrel_step_kind_t kind, docrel_model_t *model, int level)
{
   docrel_step_t *s;

   if (plan->n_steps > 0) {
      s = &plan->steps[plan->n_steps - 1];
      if (s->kind == kind && s->model == model && s->level == level && !s->filter) {
         return s;
      }
   }
   if (plan->n_steps == plan->cap_steps) {
      plan->cap_steps = plan->cap_steps ? plan->cap_steps * 2 : 8;
      plan->steps = bson_realloc (plan->steps, plan->cap_steps * sizeof *plan->steps);
   }
   s = &plan->steps[plan->n_steps++];
   memset (s, 0, sizeof *s);
   s->kind = kind;
   s->model = model;
   s->level = level;
   return s;
}

void
docrel_step__add (docrel_step_t *step, docrel_doc_t *doc, bson_t *payload)
{
   if (step->n == step->cap) {
      step->cap = step->cap ? step->cap * 2 : 8;
      step->docs = bson_realloc (step->docs, step->cap * sizeof *step->docs);
      step->payloads = bson_realloc (step->payloads, step->cap * sizeof *step->payloads);
   }
   step->docs[step->n] = doc;
   step->payloads[step->n] = payload;
   step->n++;
}

/* The id a step shows for its k-th document. */
static const bson_value_t *
shown_id (const docrel_step_t *s, size_t k, bson_iter_t *iter)
{
   if (s->kind == DOCREL_STEP_INSERT && s->payloads[k] && bson_iter_init_find (iter, s->payloads[k], "_id")) {
      return bson_iter_value (iter);
   }
   return s->docs[k] && s->docs[k]->has_id ? &s->docs[k]->id : NULL;
}

/* Appends the documents (ids) or links (their key pairs) that step s names,
 * with their count; a step that names none (a filter step) has neither. */
static void
describe_targets (const docrel_step_t *s, bson_t *w)
{
   bool links = s->kind == DOCREL_STEP_LINK || s->kind == DOCREL_STEP_LINK_UPDATE;
   bson_t list;
   size_t k;

   if (s->n == 0 && !links) {
      return;
   }
   BSON_APPEND_INT64 (w, "count", (int64_t) s->n);
   bson_append_array_begin (w, links ? "links" : "ids", -1, &list);
   for (k = 0; k < s->n; k++) {
      bson_iter_t iter;
      const bson_value_t *id;
      char buf[16];
      const char *key;

      bson_uint32_to_string ((uint32_t) k, &key, buf, sizeof buf);
      if (links) {
         bson_t pair; /* the link's key pair: its generated _id says nothing */
         bson_append_document_begin (&list, key, -1, &pair);
         if (s->kind == DOCREL_STEP_LINK_UPDATE) {
            docrel_graph__describe_link_update (s->payloads[k], &pair);
         } else {
            bson_copy_to_excluding_noinit (s->payloads[k], &pair, "_id", NULL);
         }
         bson_append_document_end (&list, &pair);
      } else if ((id = shown_id (s, k, &iter))) {
         bson_append_value (&list, key, -1, id);
      } else {
         bson_append_null (&list, key, -1);
      }
   }
   bson_append_array_end (w, &list);
}

void
docrel_plan__describe_none (bson_t *out)
{
   bson_t writes;

   if (out) {
      bson_init (out);
      bson_append_array_begin (out, "writes", 6, &writes);
      bson_append_array_end (out, &writes);
   }
}

void
docrel_plan__describe (const docrel_plan_t *plan, size_t n, bson_t *out)
{
   bson_t writes, w;
   size_t i;

   if (!out) {
      return;
   }
   bson_reinit (out);
   bson_append_array_begin (out, "writes", 6, &writes);
   for (i = 0; i < n && i < plan->n_steps; i++) {
      const docrel_step_t *s = &plan->steps[i];
      char buf[16];
      const char *key;

      bson_uint32_to_string ((uint32_t) i, &key, buf, sizeof buf);
      bson_append_document_begin (&writes, key, -1, &w);
      BSON_APPEND_UTF8 (&w, "op", step_names[s->kind]);
      BSON_APPEND_UTF8 (&w, "model", s->model->name);
      BSON_APPEND_UTF8 (&w, "collection", s->model->collection);
      BSON_APPEND_INT32 (&w, "level", s->level);
      describe_targets (s, &w);
      if (s->filter) {
         BSON_APPEND_DOCUMENT (&w, "filter", s->filter);
      }
      if (s->update) {
         BSON_APPEND_DOCUMENT (&w, "update", s->update);
      }
      bson_append_document_end (&writes, &w);
   }
   bson_append_array_end (out, &writes);
}

bool
docrel_plan__use (docrel_plan_t *plan, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < plan->n_steps; i++) {
      if (!docrel_model__use (plan->steps[i].model, error)) {
         return false;
      }
   }
   return true;
}

/* Sends a filter-shaped step (UNLINK, *_WHERE, and DELETE(_IDS) by ids). */
static bool
send_filtered (docrel_store_t *store, const docrel_step_t *s, const bson_t *spec, bson_error_t *error)
{
   docrel_filter_t *filter = docrel_filter__new (spec, error);
   bool ok;

   if (!filter) {
      return false;
   }
   ok = s->kind == DOCREL_STEP_UPDATE_WHERE
           ? docrel_store__update_where (store, s->model->collection, filter, s->update, NULL, error)
           : docrel_store__delete_many (store, s->model->collection, filter, NULL, error);
   docrel_filter__destroy (filter);
   return ok;
}

static bool
run_step (docrel_plan_t *plan, docrel_step_t *s, bson_error_t *error)
{
   docrel_store_t *store = plan->session->store;
   size_t k;

   switch (s->kind) {
   case DOCREL_STEP_INSERT:
      return docrel_write__send_inserts (store, s->model->collection, s->docs, (const bson_t *const *) s->payloads,
                                         s->n, plan->sent, error);
   case DOCREL_STEP_LINK:
      return docrel_store__insert_many (store, s->model->collection, (const bson_t *const *) s->payloads, s->n, NULL,
                                        error);
   case DOCREL_STEP_LINK_UPDATE:
      return docrel_graph__send_link_updates (store, s, error);
   case DOCREL_STEP_UPDATE:
      return docrel_write__send_updates (store, s->model->collection, s->docs, (const bson_t *const *) s->payloads,
                                         s->n, plan->sent, error);
   case DOCREL_STEP_DELETE_IDS: {
      bson_t spec = BSON_INITIALIZER;
      bool ok;
      docrel_doc__ids_filter (s->docs, s->n, &spec);
      ok = send_filtered (store, s, &spec, error);
      bson_destroy (&spec);
      return ok;
   }
   case DOCREL_STEP_DELETE: {
      bson_t spec = BSON_INITIALIZER;
      bool ok;
      docrel_doc__ids_filter (s->docs, s->n, &spec);
      ok = send_filtered (store, s, &spec, error);
      bson_destroy (&spec);
      if (ok) {
         for (k = 0; k < s->n; k++) {
            docrel_undo__touch (plan->sent, s->docs[k]);
            docrel_doc__mark_unsaved (s->docs[k]);
         }
      }
      return ok;
   }
   case DOCREL_STEP_UNLINK:
   case DOCREL_STEP_UPDATE_WHERE:
   case DOCREL_STEP_DELETE_WHERE:
   default:
      return send_filtered (store, s, s->filter, error);
   }
}

/* Takes the documents of the first n steps' deletes out of every slot of
 * the session: one pass over the session for the whole call. */
static void
forget_deleted (docrel_plan_t *plan, size_t n)
{
   docrel_doc_t **gone = NULL;
   size_t n_gone = 0, i, k;

   for (i = 0; i < n; i++) {
      const docrel_step_t *s = &plan->steps[i];
      if (s->kind == DOCREL_STEP_DELETE && s->n > 0) {
         gone = bson_realloc (gone, (n_gone + s->n) * sizeof *gone);
         for (k = 0; k < s->n; k++) {
            gone[n_gone++] = s->docs[k];
         }
      }
   }
   docrel_graph__forget (plan->sent, plan->session, gone, n_gone);
   bson_free (gone);
}

/* Runs the plan's prepare hook; only once, since a retried transaction
 * sends the steps it planned. */
static bool
prepare_once (docrel_plan_t *plan, bool transaction, bson_error_t *error)
{
   bool (*prepare) (void *, bool, bson_error_t *) = plan->prepare;

   plan->prepare = NULL;
   return prepare (plan->prepare_ctx, transaction, error);
}

/* One attempt: begin, every step, commit. On failure the transaction is
 * aborted; *rolled_back tells whether the store undid everything (a
 * transaction was open, or none could begin). */
static bool
attempt (docrel_plan_t *plan, bool *rolled_back, bson_error_t *error)
{
   docrel_store_t *store = plan->session->store;
   bool active = false;
   size_t i;

   *rolled_back = true;
   if (!docrel_store__begin (store, &active, error)) {
      return false;
   }
   i = 0;
   if (plan->prepare && !prepare_once (plan, active, error)) {
      goto fail;
   }
   for (i = 0; i < plan->n_steps; i++) {
      if (!run_step (plan, &plan->steps[i], error)) {
         goto fail;
      }
   }
   forget_deleted (plan, plan->n_steps);
   if (docrel_store__commit (store, error)) {
      plan->done = plan->n_steps;
      return true;
   }
fail:
   docrel_store__abort (store);
   *rolled_back = active;
   if (!active) {
      plan->done = i;
      forget_deleted (plan, i); /* what was written stays written */
   }
   return false;
}

/* After a commit whose outcome is unknown: every inserted document may be
 * stored (write-batch.c looks them up before inserting them again). */
static void
doubt_inserts (docrel_plan_t *plan)
{
   size_t i, k;

   for (i = 0; i < plan->n_steps; i++) {
      const docrel_step_t *s = &plan->steps[i];
      for (k = 0; s->kind == DOCREL_STEP_INSERT && k < s->n; k++) {
         docrel_write__mark_in_doubt (s->docs[k], s->payloads[k]);
      }
   }
}

bool
docrel_plan__run (docrel_plan_t *plan, bson_error_t *error)
{
   int tries;

   plan->done = 0;
   if (plan->n_steps == 0 && !plan->prepare) {
      docrel_undo__forget (&plan->undo);
      return true;
   }
   /* A transaction that failed with TransientTransactionError (a write
    * conflict, a primary stepping down) is run again from the start, as the
    * MongoDB drivers' withTransaction does; the confirmed steps' effects on
    * memory are undone first (sent), the call's own changes kept (undo). */
   for (tries = 1;; tries++) {
      docrel_undo_t sent;
      bool ok, rolled_back;

      docrel_undo__init (&sent, plan->session);
      plan->sent = &sent;
      ok = attempt (plan, &rolled_back, error);
      plan->sent = NULL;
      if (ok || !rolled_back) {
         /* done, or written in part without a transaction: memory says what
          * the store holds */
         docrel_undo__forget (&sent);
         docrel_undo__forget (&plan->undo);
         return ok;
      }
      docrel_undo__restore (&sent);
      if (tries < DOCREL_TRANSACTION_TRIES && docrel_error__is_transient (error)) {
         continue;
      }
      docrel_undo__restore (&plan->undo);
      if (docrel_error__is_commit_unknown (error)) {
         doubt_inserts (plan); /* the commit may have happened */
      }
      return false;
   }
}
