/* SPDX-License-Identifier: Apache-2.0 */
/* check.c: docrel_check_integrity. The check reads only: per relation one
 * streamed scan (plus one sorted read for a hasOne's duplicates), per model
 * one streamed validation. A repair then runs, in one transaction where
 * the store has them, the passes of the relations that had problems, with
 * fixes instead of samples; when it deleted documents, the relations
 * referencing their models are scanned again (their rule applies to the
 * keys the deletion left dangling), round after round until a round
 * deletes nothing. */
#include <string.h>

#include "integrity/integrity-private.h"
#include "store/store-private.h"

/* Everything one call checks: every relation of the store (those out of
 * scope only take part in later repair rounds) and the models in scope. */
typedef struct {
   docrel_rel_check_t *checks;
   bool *in_scope;
   size_t n;
   docrel_model_t **models;
   docrel_finding_t *invalid;
   size_t n_models;
   int rounds;
} run_t;

/* A snapshot of the store's models (bson_malloc'd). */
static size_t
store_models (docrel_store_t *store, docrel_model_t ***out)
{
   size_t n;

   pthread_mutex_lock (&store->mutex);
   n = store->n_models;
   *out = bson_malloc0 ((n ? n : 1) * sizeof **out);
   if (n) {
      memcpy (*out, store->models, n * sizeof **out);
   }
   pthread_mutex_unlock (&store->mutex);
   return n;
}

static void
run_init (run_t *run, docrel_store_t *store, docrel_model_t *only)
{
   docrel_model_t **models;
   size_t n_models = store_models (store, &models), i, k;

   memset (run, 0, sizeof *run);
   run->models = bson_malloc0 ((n_models ? n_models : 1) * sizeof *run->models);
   run->invalid = bson_malloc0 ((n_models ? n_models : 1) * sizeof *run->invalid);
   for (i = 0; i < n_models; i++) {
      docrel_model_t *m = models[i];
      if (!only || m == only) {
         run->models[run->n_models] = m;
         docrel_finding__init (&run->invalid[run->n_models++]);
      }
      for (k = 0; k < m->n_relations; k++) {
         docrel_rel_check_t *rc;
         run->checks = bson_realloc (run->checks, (run->n + 1) * sizeof *run->checks);
         run->in_scope = bson_realloc (run->in_scope, (run->n + 1) * sizeof *run->in_scope);
         rc = &run->checks[run->n];
         memset (rc, 0, sizeof *rc);
         rc->r = m->relations[k];
         docrel_finding__init (&rc->dangling);
         docrel_finding__init (&rc->orphans);
         docrel_finding__init (&rc->duplicates);
         run->in_scope[run->n++] = !only || m == only;
      }
   }
   bson_free (models);
}

static void
run_destroy (run_t *run)
{
   size_t i;

   for (i = 0; i < run->n; i++) {
      docrel_finding__destroy (&run->checks[i].dangling);
      docrel_finding__destroy (&run->checks[i].orphans);
      docrel_finding__destroy (&run->checks[i].duplicates);
   }
   for (i = 0; i < run->n_models; i++) {
      docrel_finding__destroy (&run->invalid[i]);
   }
   bson_free (run->checks);
   bson_free (run->in_scope);
   bson_free (run->models);
   bson_free (run->invalid);
}

static bool
has_problems (const docrel_rel_check_t *rc)
{
   return rc->dangling.count + rc->orphans.count + rc->duplicates.count > 0;
}

/* The scans of one relation: links, or dangling keys (and duplicates for
 * a hasOne, unless only the dangling keys are asked for). */
static bool
check_relation (docrel_integrity_t *it, docrel_rel_check_t *rc, bool dangling_only, bson_error_t *error)
{
   if (rc->r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
      return docrel_integrity__links (it, rc, error);
   }
   return docrel_integrity__dangling (it, rc, error) &&
          (dangling_only || rc->r->kind != DOCREL_HAS_ONE || docrel_integrity__duplicates (it, rc, error));
}

static bool
check (docrel_integrity_t *it, run_t *run, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < run->n; i++) {
      if (run->in_scope[i] && !check_relation (it, &run->checks[i], false, error)) {
         return false;
      }
   }
   for (i = 0; i < run->n_models; i++) {
      if (!docrel_integrity__invalid (it, run->models[i], &run->invalid[i], error)) {
         return false;
      }
   }
   return true;
}

/* Round one: the relations with problems; then, while a round deleted
 * documents, the relations referencing their models. */
static bool
repair_rounds (docrel_integrity_t *it, run_t *run, bson_error_t *error)
{
   docrel_idmap_t next;
   bool ok = true;
   size_t i;

   it->repairing = true;
   for (run->rounds = 1; ok && run->rounds <= DOCREL_INTEGRITY_MAX_ROUNDS; run->rounds++) {
      docrel_idmap__init (&next);
      it->next = &next;
      for (i = 0; ok && i < run->n; i++) {
         docrel_rel_check_t *rc = &run->checks[i];
         bool first = run->rounds == 1;
         if (first ? run->in_scope[i] && has_problems (rc) : docrel_integrity__touched (it, rc->r)) {
            ok = check_relation (it, rc, !first, error);
         }
      }
      docrel_idmap__destroy (&it->shrunk);
      it->shrunk = next; /* taken over */
      it->next = NULL;
      if (it->shrunk.n_entries == 0) {
         break;
      }
   }
   return ok;
}

static bool
any_problems (const run_t *run)
{
   size_t i;

   for (i = 0; i < run->n; i++) {
      if (run->in_scope[i] && has_problems (&run->checks[i])) {
         return true;
      }
   }
   return false;
}

static bool
repair (docrel_integrity_t *it, run_t *run, bson_error_t *error)
{
   bool active = false;

   if (!docrel_store__begin (it->store, &active, error)) {
      return false;
   }
   if (repair_rounds (it, run, error) && docrel_store__commit (it->store, error)) {
      return true;
   }
   docrel_store__abort (it->store);
   return false;
}

void
docrel_integrity__shrank (docrel_integrity_t *it, const docrel_model_t *model)
{
   if (it->next) {
      docrel_idmap__put (it->next, model, (const uint8_t *) "m", 1, (void *) 1);
   }
}

static bool
shrunk (const docrel_integrity_t *it, const docrel_model_t *model)
{
   return docrel_idmap__get (&it->shrunk, model, (const uint8_t *) "m", 1) != NULL;
}

bool
docrel_integrity__touched (const docrel_integrity_t *it, const docrel_relation_t *r)
{
   switch (r->kind) {
   case DOCREL_BELONGS_TO:
      return shrunk (it, r->target);
   case DOCREL_HAS_ONE:
   case DOCREL_HAS_MANY:
      return shrunk (it, r->model);
   case DOCREL_HAS_AND_BELONGS_TO_MANY:
   default:
      return shrunk (it, r->model) || shrunk (it, r->target);
   }
}

/* ---- the report --------------------------------------------------------- */

static void
append_relation (const docrel_rel_check_t *rc, bool repaired, bson_t *list, uint32_t i)
{
   const docrel_relation_t *r = rc->r;
   char buf[16];
   const char *key;
   bson_t entry, changes;

   bson_uint32_to_string (i, &key, buf, sizeof buf);
   bson_append_document_begin (list, key, -1, &entry);
   BSON_APPEND_UTF8 (&entry, "model", r->model->name);
   BSON_APPEND_UTF8 (&entry, "relation", r->field);
   BSON_APPEND_UTF8 (&entry, "kind", docrel_integrity__kind_name (r->kind));
   BSON_APPEND_UTF8 (&entry, "target", r->target->name);
   BSON_APPEND_UTF8 (&entry, "onDelete", docrel_integrity__on_delete_name (r->on_delete));
   if (r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
      BSON_APPEND_UTF8 (&entry, "link", r->link->name);
      docrel_finding__append (&rc->orphans, "orphanLinks", &entry);
   } else {
      docrel_finding__append (&rc->dangling, "danglingKeys", &entry);
   }
   if (r->kind == DOCREL_HAS_ONE) {
      docrel_finding__append (&rc->duplicates, "duplicateChildren", &entry);
   }
   if (repaired) {
      bson_append_document_begin (&entry, "repaired", 8, &changes);
      BSON_APPEND_INT64 (&changes, "unset", rc->unset);
      BSON_APPEND_INT64 (&changes, "deleted", rc->deleted);
      BSON_APPEND_INT64 (&changes, "unlinked", rc->unlinked);
      bson_append_document_end (&entry, &changes);
   }
   bson_append_document_end (list, &entry);
}

static void
append_invalid (const run_t *run, bson_t *out)
{
   bson_t list, entry;
   uint32_t n = 0;
   size_t i;

   bson_append_array_begin (out, "invalidDocuments", -1, &list);
   for (i = 0; i < run->n_models; i++) {
      char buf[16];
      const char *key;
      if (run->invalid[i].count == 0) {
         continue;
      }
      bson_uint32_to_string (n++, &key, buf, sizeof buf);
      bson_append_document_begin (&list, key, -1, &entry);
      BSON_APPEND_UTF8 (&entry, "model", run->models[i]->name);
      BSON_APPEND_INT64 (&entry, "count", run->invalid[i].count);
      BSON_APPEND_ARRAY (&entry, "sample", run->invalid[i].sample);
      bson_append_document_end (&list, &entry);
   }
   bson_append_array_end (out, &list);
}

static void
append_totals (const run_t *run, bson_t *out)
{
   int64_t unset = 0, deleted = 0, unlinked = 0;
   bson_t totals;
   size_t i;

   for (i = 0; i < run->n; i++) {
      unset += run->checks[i].unset;
      deleted += run->checks[i].deleted;
      unlinked += run->checks[i].unlinked;
   }
   bson_append_document_begin (out, "repaired", -1, &totals);
   BSON_APPEND_INT64 (&totals, "unset", unset);
   BSON_APPEND_INT64 (&totals, "deleted", deleted);
   BSON_APPEND_INT64 (&totals, "unlinked", unlinked);
   BSON_APPEND_INT32 (&totals, "rounds", run->rounds);
   bson_append_document_end (out, &totals);
}

static void
make_report (const run_t *run, bool repaired, bson_t *out)
{
   bool ok = true;
   bson_t list;
   uint32_t n = 0;
   size_t i;

   for (i = 0; i < run->n; i++) {
      ok = ok && !(run->in_scope[i] && has_problems (&run->checks[i]));
   }
   for (i = 0; i < run->n_models; i++) {
      ok = ok && run->invalid[i].count == 0;
   }
   BSON_APPEND_BOOL (out, "ok", ok);
   bson_append_array_begin (out, "relations", -1, &list);
   for (i = 0; i < run->n; i++) {
      const docrel_rel_check_t *rc = &run->checks[i];
      if (run->in_scope[i] || rc->unset + rc->deleted + rc->unlinked > 0) {
         append_relation (rc, repaired, &list, n++);
      }
   }
   bson_append_array_end (out, &list);
   append_invalid (run, out);
   if (repaired) {
      append_totals (run, out);
   }
}

bool
docrel_check_integrity (docrel_store_t *store, const bson_t *opts, bson_t *report, bson_error_t *error)
{
   docrel_integrity_opts_t o;
   docrel_integrity_t it;
   run_t run;
   bool ok;

   if (report) {
      bson_init (report);
   }
   if (!store) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT,
                                "check_integrity: store is NULL");
   }
   if (!docrel_integrity__read_opts (store, opts, &o, error)) {
      return false;
   }
   memset (&it, 0, sizeof it);
   it.store = store;
   it.opts = &o;
   docrel_idmap__init (&it.shrunk);
   run_init (&run, store, o.model);
   ok = check (&it, &run, error);
   if (ok && o.repair && any_problems (&run)) {
      ok = repair (&it, &run, error);
   }
   if (ok && report) {
      make_report (&run, o.repair, report);
   }
   docrel_idmap__destroy (&it.shrunk);
   run_destroy (&run);
   return ok;
}
