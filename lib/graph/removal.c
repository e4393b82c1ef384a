/* SPDX-License-Identifier: Apache-2.0 */
/* removal.c: the removal engine behind docrel_delete, docrel_delete_all
 * (_many) and docrel_purge (graph-private.h): every relation's onDelete
 * applied in the store, to loaded and unloaded documents alike.
 *
 * Expanding goes depth by depth: for each model and depth, each "cascade"
 * relation referencing the model finds the referencing documents (one
 * find), which join the next depth. Once every document to delete is
 * known, each "restrict" relation counts the referencing documents the
 * call does not delete (one count per relation and model, the deleted ones
 * excluded in the filter); any refuses the call. So does each "setNull"
 * relation whose key a required belongsTo holds (one count per key
 * paths): unsetting it would leave documents their model refuses. Planning
 * adds one range update per "setNull" relation and model, one range delete
 * per link collection side and model, then the deletes, deepest first,
 * one per model and depth. The reads run before the transaction; memory changes
 * only after the store confirmed the writes. A dry run expands and plans
 * (the reads decide the plan) and sends nothing. */
#include <inttypes.h>
#include <string.h>

#include "docrel/docrel-graph.h"
#include "util/util-private.h"
#include "query/query-private.h"
#include "graph/graph-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"
#include "store/store-private.h"

/* A restrict count reads at most this many: the error then says "at least". */
#define RESTRICT_COUNT_CAP 1000

static char *const id_path[] = {"_id"};

void
docrel_removal__init (docrel_removal_t *rm, docrel_session_t *session, const char *call)
{
   memset (rm, 0, sizeof *rm);
   docrel_plan__init (&rm->plan, session);
   rm->call = call;
   docrel_idmap__init (&rm->ids);
   rm->n_relations = docrel_graph__all_relations (session->store, &rm->relations);
}

void
docrel_removal__destroy (docrel_removal_t *rm)
{
   size_t i;

   for (i = 0; i < rm->n_fronts; i++) {
      bson_free (rm->fronts[i].docs);
   }
   bson_free (rm->fronts);
   for (i = 0; i < rm->n_nulls; i++) {
      docrel_idmap__destroy (&rm->nulls[i].codes);
   }
   bson_free (rm->nulls);
   bson_free (rm->relations);
   docrel_idmap__destroy (&rm->ids);
   docrel_session_destroy (rm->scratch);
   docrel_plan__destroy (&rm->plan);
   memset (rm, 0, sizeof *rm);
}

/* True if (model, doc's id) is new to the removal; records it. */
static bool
first_time (docrel_removal_t *rm, docrel_model_t *model, const docrel_doc_t *doc)
{
   docrel_buf_t key = DOCREL_BUF_INIT;
   bool seen;

   docrel_keycode__append (&key, &doc->id);
   seen = docrel_idmap__get (&rm->ids, model, key.data, key.len) != NULL;
   if (!seen) {
      docrel_idmap__put (&rm->ids, model, key.data, key.len, (void *) 1);
   }
   docrel_buf__destroy (&key);
   return !seen;
}

static void
add_front (docrel_removal_t *rm, docrel_model_t *model, int depth, docrel_doc_t *doc)
{
   docrel_front_t *f = NULL;
   size_t i;

   if (!doc->has_id || !first_time (rm, model, doc)) {
      return;
   }
   for (i = 0; i < rm->n_fronts && !f; i++) {
      if (rm->fronts[i].model == model && rm->fronts[i].depth == depth) {
         f = &rm->fronts[i];
      }
   }
   if (!f) {
      rm->fronts = bson_realloc (rm->fronts, (rm->n_fronts + 1) * sizeof *rm->fronts);
      f = &rm->fronts[rm->n_fronts++];
      memset (f, 0, sizeof *f);
      f->model = model;
      f->depth = depth;
   }
   if (f->n == f->cap) {
      f->cap = f->cap ? f->cap * 2 : 8;
      f->docs = bson_realloc (f->docs, f->cap * sizeof *f->docs);
   }
   f->docs[f->n++] = doc;
}

void
docrel_removal__seed (docrel_removal_t *rm, docrel_doc_t *doc, int depth)
{
   add_front (rm, doc->model, depth, doc);
}

/* The documents of model to delete, at every depth. *out is bson_malloc'd
 * (NULL when there are none). */
static size_t
model_docs (const docrel_removal_t *rm, const docrel_model_t *model, docrel_doc_t ***out)
{
   docrel_doc_t **docs = NULL;
   size_t n = 0, i;

   for (i = 0; i < rm->n_fronts; i++) {
      const docrel_front_t *f = &rm->fronts[i];
      if (f->model == model && f->n > 0) {
         docs = bson_realloc (docs, (n + f->n) * sizeof *docs);
         memcpy (docs + n, f->docs, f->n * sizeof *docs);
         n += f->n;
      }
   }
   *out = docs;
   return n;
}

/* True if an earlier front than i has the same model (a model is handled
 * once, at its first front). */
static bool
model_seen (const docrel_removal_t *rm, size_t i)
{
   size_t k;

   for (k = 0; k < i; k++) {
      if (rm->fronts[k].model == rm->fronts[i].model) {
         return true;
      }
   }
   return false;
}

/* The documents of one model the removal deletes, at every depth, and the
 * relations that reference the model. */
typedef struct {
   docrel_model_t *m;
   docrel_doc_t **docs;
   size_t n;
   docrel_relation_t **refs;
   size_t n_refs;
} deleted_t;

static void
deleted_init (const docrel_removal_t *rm, docrel_model_t *m, deleted_t *d)
{
   d->m = m;
   d->n = model_docs (rm, m, &d->docs);
   d->n_refs = docrel_graph__references (rm->relations, rm->n_relations, m, &d->refs);
}

static void
deleted_destroy (deleted_t *d)
{
   bson_free (d->docs);
   bson_free (d->refs);
}

/* Appends {"$nor": [{filter_paths: the keys of docs}]} to spec: documents
 * matching none of docs (nothing if docs is empty). */
static void
append_none_of (bson_t *spec,
                docrel_doc_t *const *docs,
                size_t n,
                char *const *doc_paths,
                char *const *filter_paths,
                size_t n_keys)
{
   bson_t nor, item;

   if (n == 0) {
      return;
   }
   bson_append_array_begin (spec, "$nor", 4, &nor);
   bson_append_document_begin (&nor, "0", 1, &item);
   docrel_graph__keys_filter (docs, n, doc_paths, filter_paths, n_keys, &item);
   bson_append_document_end (&nor, &item);
   bson_append_array_end (spec, &nor);
}

/* Cascades ------------------------------------------------------------------ */

/* Where cascade puts what it finds: scratch documents of the next depth. */
typedef struct {
   docrel_removal_t *rm;
   docrel_model_t *from;
   int depth;
} cascaded_t;

static void
add_cascaded (const bson_t *found, void *ctx)
{
   cascaded_t *c = ctx;
   docrel_doc_t *d = docrel_doc__alloc (c->rm->scratch, c->from);

   docrel_doc__replace_fields (d, found);
   add_front (c->rm, c->from, c->depth, d);
}

/* Finds the documents of from referencing the documents of front fi at
 * from_paths: they join the next depth. */
static bool
cascade (docrel_removal_t *rm,
         size_t fi,
         docrel_model_t *from,
         char *const *from_paths,
         char *const *m_paths,
         size_t n_keys,
         bson_error_t *error)
{
   docrel_store_t *store = rm->plan.session->store;
   cascaded_t found = {rm, from, rm->fronts[fi].depth + 1}; /* the fronts move as they grow */
   docrel_find_spec_t find = {0};
   bson_t spec = BSON_INITIALIZER;
   docrel_filter_t *filter;
   bool ok;

   docrel_graph__keys_filter (rm->fronts[fi].docs, rm->fronts[fi].n, m_paths, from_paths, n_keys, &spec);
   filter = docrel_filter__new (&spec, error);
   find.filter = filter;
   if (!rm->scratch) {
      rm->scratch = docrel_session_new (store);
   }
   ok = filter && docrel_model__use (from, error) &&
        docrel_store__for_each (store, from->collection, &find, add_cascaded, &found, error);
   docrel_filter__destroy (filter);
   bson_destroy (&spec);
   return ok;
}

/* Applies every cascade relation referencing the model of front fi. */
static bool
expand_front (docrel_removal_t *rm, size_t fi, bson_error_t *error)
{
   docrel_relation_t **refs = NULL;
   size_t n_refs = docrel_graph__references (rm->relations, rm->n_relations, rm->fronts[fi].model, &refs), i;
   bool ok = true;

   for (i = 0; ok && i < n_refs; i++) {
      docrel_model_t *from;
      char *const *from_paths;
      char *const *m_paths;

      if (refs[i]->on_delete == DOCREL_ON_DELETE_CASCADE &&
          docrel_graph__reference (refs[i], rm->fronts[fi].model, &from, &from_paths, &m_paths)) {
         ok = cascade (rm, fi, from, from_paths, m_paths, refs[i]->n_keys, error);
      }
   }
   bson_free (refs);
   return ok;
}

static int
top_depth (const docrel_removal_t *rm)
{
   int top = 0;
   size_t i;

   for (i = 0; i < rm->n_fronts; i++) {
      top = rm->fronts[i].depth > top ? rm->fronts[i].depth : top;
   }
   return top;
}

/* Restrict checks ----------------------------------------------------------- */

/* Counts the documents of model matching spec, up to RESTRICT_COUNT_CAP. */
static bool
count_matching (docrel_removal_t *rm, docrel_model_t *model, const bson_t *spec, int64_t *n, bson_error_t *error)
{
   docrel_find_spec_t find;
   docrel_filter_t *filter = docrel_filter__new (spec, error);
   bool ok;

   memset (&find, 0, sizeof find);
   find.filter = filter;
   find.limit = RESTRICT_COUNT_CAP;
   ok = filter && docrel_model__use (model, error) &&
        docrel_store__count_matches (rm->plan.session->store, model->collection, &find, n, error);
   docrel_filter__destroy (filter);
   return ok;
}

static bool
refuse (const docrel_removal_t *rm,
        const docrel_model_t *m,
        const docrel_relation_t *r,
        const docrel_model_t *other,
        int64_t n,
        bson_error_t *error)
{
   const char *at_least = n >= RESTRICT_COUNT_CAP ? "at least " : "";
   const char *noun_s = n == 1 ? "" : "s", *verb_s = n == 1 ? "s" : "";

   if (r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_RESTRICTED,
                                "model '%s': cannot %s: %s%" PRId64 " link%s in '%s' tie%s it to '%s' documents "
                                "this call does not delete, through relation '%s.%s' (onDelete \"restrict\"); "
                                "nothing was deleted",
                                m->name, rm->call, at_least, n, noun_s, r->link->name, verb_s, other->name,
                                r->model->name, r->field);
   }
   return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_RESTRICTED,
                             "model '%s': cannot %s: %s%" PRId64 " '%s' document%s that this call does not delete "
                             "reference%s it through relation '%s.%s' (onDelete \"restrict\"); nothing was deleted",
                             m->name, rm->call, at_least, n, other->name, noun_s, verb_s, r->model->name, r->field);
}

/* Refuses a setNull that would unset the key of a required belongsTo. */
static bool
refuse_required (const docrel_removal_t *rm,
                 const docrel_model_t *m,
                 const docrel_relation_t *r,
                 const docrel_relation_t *required,
                 int64_t n,
                 bson_error_t *error)
{
   return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_REQUIRED,
                             "model '%s': cannot %s: %s%" PRId64 " '%s' document%s that this call does not delete "
                             "reference%s it through relation '%s.%s' (onDelete \"setNull\"), and belongsTo "
                             "'%s.%s' is required, so their key cannot be unset (make the relation \"cascade\" or "
                             "\"restrict\"); nothing was deleted",
                             m->name, rm->call, n >= RESTRICT_COUNT_CAP ? "at least " : "", n, required->model->name,
                             n == 1 ? "" : "s", n == 1 ? "s" : "", r->model->name, r->field, required->model->name,
                             required->field);
}

/* The required belongsTo of the documents referencing m through r whose
 * key a setNull of r would unset, or NULL. */
static const docrel_relation_t *
required_by (const docrel_relation_t *r, const docrel_model_t *m)
{
   docrel_model_t *from;
   char *const *from_paths;
   char *const *m_paths;

   if (!docrel_graph__reference (r, m, &from, &from_paths, &m_paths)) {
      return NULL;
   }
   return docrel_graph__required_key (from, from_paths, r->n_keys);
}

/* Documents of from referencing d's documents through r, other than the
 * ones the call deletes: any refuses the call (restrict, or a setNull of
 * the key of required, a required belongsTo, when given). True if r does
 * not reference d's model that way. */
static bool
check_reference (docrel_removal_t *rm,
                 const deleted_t *d,
                 const docrel_relation_t *r,
                 const docrel_relation_t *required,
                 bson_error_t *error)
{
   docrel_model_t *from;
   char *const *from_paths;
   char *const *m_paths;
   docrel_doc_t **gone = NULL;
   size_t n_gone;
   bson_t spec = BSON_INITIALIZER;
   int64_t count = 0;
   bool ok;

   if (!docrel_graph__reference (r, d->m, &from, &from_paths, &m_paths)) {
      return true;
   }
   n_gone = model_docs (rm, from, &gone);
   docrel_graph__keys_filter (d->docs, d->n, m_paths, from_paths, r->n_keys, &spec);
   append_none_of (&spec, gone, n_gone, id_path, id_path, 1);
   ok = count_matching (rm, from, &spec, &count, error);
   bson_destroy (&spec);
   bson_free (gone);
   if (ok && count > 0) {
      return required ? refuse_required (rm, d->m, r, required, count, error)
                      : refuse (rm, d->m, r, from, count, error);
   }
   return ok;
}

/* Links of r holding keys of d's documents on side whose other end the call
 * does not delete: any refuses the call. */
static bool
check_side (docrel_removal_t *rm,
            const deleted_t *d,
            const docrel_relation_t *r,
            char *const *field,
            char *const *m_paths,
            bson_error_t *error)
{
   bool left = field == (char *const *) r->link_left;
   docrel_model_t *other = left ? r->target : r->model;
   docrel_doc_t **gone = NULL;
   size_t n_gone = model_docs (rm, other, &gone);
   bson_t spec = BSON_INITIALIZER;
   int64_t count = 0;
   bool ok;

   docrel_graph__keys_filter (d->docs, d->n, m_paths, field, r->n_keys, &spec);
   append_none_of (&spec, gone, n_gone, left ? r->right_keys : r->left_keys, left ? r->link_right : r->link_left,
                   r->n_keys);
   ok = count_matching (rm, r->link, &spec, &count, error) && (count == 0 || refuse (rm, d->m, r, other, count, error));
   bson_destroy (&spec);
   bson_free (gone);
   return ok;
}

/* A setNull relation referencing d's model on the key of a required
 * belongsTo: refused while a document the call leaves holds such a key
 * (one count per key paths, however many relations share them). */
static bool
check_set_null (docrel_removal_t *rm,
                const deleted_t *d,
                const docrel_relation_t *r,
                docrel_idmap_t *done,
                bson_error_t *error)
{
   const docrel_relation_t *required = required_by (r, d->m);
   docrel_model_t *from;
   char *const *from_paths;
   char *const *m_paths;

   if (!required || !docrel_graph__reference (r, d->m, &from, &from_paths, &m_paths) ||
       docrel_graph__once (done, from, from_paths, r->n_keys)) {
      return true;
   }
   return check_reference (rm, d, r, required, error);
}

/* Every restrict relation referencing the model of front fi, and every
 * setNull one on a required key, for all of that model's documents. */
static bool
check_model (docrel_removal_t *rm, size_t fi, bson_error_t *error)
{
   deleted_t d;
   docrel_idmap_t done;
   size_t i, side;
   bool ok = true;

   deleted_init (rm, rm->fronts[fi].model, &d);
   docrel_idmap__init (&done);
   for (i = 0; ok && i < d.n_refs; i++) {
      docrel_relation_t *r = d.refs[i];
      char *const *fields[2];
      char *const *sides[2];
      size_t n_sides = docrel_graph__link_sides (r, d.m, fields, sides);

      if (r->on_delete == DOCREL_ON_DELETE_SET_NULL) {
         ok = check_set_null (rm, &d, r, &done, error);
      }
      if (r->on_delete != DOCREL_ON_DELETE_RESTRICT) {
         continue;
      }
      for (side = 0; ok && side < n_sides; side++) {
         ok = check_side (rm, &d, r, fields[side], sides[side], error);
      }
      if (ok && n_sides == 0) { /* not a link: a key in the referencing documents */
         ok = check_reference (rm, &d, r, NULL, error);
      }
   }
   docrel_idmap__destroy (&done);
   deleted_destroy (&d);
   return ok;
}

bool
docrel_removal__expand (docrel_removal_t *rm, bson_error_t *error)
{
   int depth;
   size_t i;

   /* depth by depth: a front is complete once the depth above it is done */
   for (depth = 0; depth <= top_depth (rm); depth++) {
      for (i = 0; i < rm->n_fronts; i++) {
         if (rm->fronts[i].depth == depth && !expand_front (rm, i, error)) {
            return false;
         }
      }
   }
   for (i = 0; i < rm->n_fronts; i++) {
      if (!model_seen (rm, i) && !check_model (rm, i, error)) {
         return false;
      }
   }
   return true;
}

/* Planning ------------------------------------------------------------------ */

static void
set_null (docrel_removal_t *rm, const deleted_t *d, const docrel_relation_t *r, int level)
{
   docrel_model_t *from;
   char *const *from_paths;
   char *const *m_paths;
   docrel_step_t *step;
   docrel_buf_t code = DOCREL_BUF_INIT;
   docrel_nulled_t *nulled;
   size_t i;

   docrel_graph__reference (r, d->m, &from, &from_paths, &m_paths);
   step = docrel_plan__step (&rm->plan, DOCREL_STEP_UPDATE_WHERE, from, level);
   step->filter = bson_new ();
   docrel_graph__keys_filter (d->docs, d->n, m_paths, from_paths, r->n_keys, step->filter);
   step->update = docrel_graph__unset_update (from_paths, r->n_keys);
   rm->nulls = bson_realloc (rm->nulls, (rm->n_nulls + 1) * sizeof *rm->nulls);
   nulled = &rm->nulls[rm->n_nulls++];
   nulled->from = from;
   nulled->paths = from_paths;
   nulled->n_keys = r->n_keys;
   nulled->step = docrel_plan__index (&rm->plan, step);
   docrel_idmap__init (&nulled->codes);
   for (i = 0; i < d->n; i++) {
      if (docrel_graph__code (d->docs[i], m_paths, r->n_keys, &code)) {
         docrel_idmap__put (&nulled->codes, NULL, code.data, code.len, (void *) 1);
      }
   }
   docrel_buf__destroy (&code);
}

/* Marks done the (model, key paths) of every cascade relation towards d's
 * model: its find took every document holding those keys into the call,
 * so a setNull declared on the other end would only update documents the
 * call then deletes. */
static void
skip_cascaded (const deleted_t *d, docrel_idmap_t *done)
{
   docrel_model_t *from;
   char *const *from_paths;
   char *const *m_paths;
   size_t i;

   for (i = 0; i < d->n_refs; i++) {
      docrel_relation_t *r = d->refs[i];
      if (r->on_delete == DOCREL_ON_DELETE_CASCADE && docrel_graph__reference (r, d->m, &from, &from_paths, &m_paths)) {
         (void) docrel_graph__once (done, from, from_paths, r->n_keys);
      }
   }
}

/* The link deletes (nulls false) or the setNull updates (nulls true, at
 * level) for the documents of front fi's model, at every depth: once per
 * (model, key paths) written, so a relation declared from both ends costs
 * one command, and no update where a cascade deletes the documents holding
 * the keys. */
static void
plan_model (docrel_removal_t *rm, size_t fi, bool nulls, int level)
{
   deleted_t d;
   docrel_idmap_t done;
   size_t i, side;

   deleted_init (rm, rm->fronts[fi].model, &d);
   docrel_idmap__init (&done);
   if (nulls) {
      skip_cascaded (&d, &done);
   }
   for (i = 0; i < d.n_refs; i++) {
      docrel_relation_t *r = d.refs[i];
      char *const *fields[2];
      char *const *sides[2];
      size_t n_sides = nulls ? 0 : docrel_graph__link_sides (r, d.m, fields, sides);
      docrel_model_t *from;
      char *const *from_paths;
      char *const *m_paths;

      for (side = 0; side < n_sides; side++) { /* links go whatever the onDelete */
         if (!docrel_graph__once (&done, r->link, fields[side], r->n_keys)) {
            docrel_step_t *step = docrel_plan__step (&rm->plan, DOCREL_STEP_UNLINK, r->link, 0);
            step->filter = bson_new ();
            docrel_graph__keys_filter (d.docs, d.n, sides[side], fields[side], r->n_keys, step->filter);
         }
      }
      if (nulls && r->on_delete == DOCREL_ON_DELETE_SET_NULL &&
          docrel_graph__reference (r, d.m, &from, &from_paths, &m_paths) &&
          !docrel_graph__once (&done, from, from_paths, r->n_keys)) {
         set_null (rm, &d, r, level);
      }
   }
   docrel_idmap__destroy (&done);
   deleted_destroy (&d);
}

/* Every model's link deletes or setNull updates (plan_model). */
static void
plan_models (docrel_removal_t *rm, bool nulls, int level)
{
   for (size_t i = 0; i < rm->n_fronts; i++) {
      if (!model_seen (rm, i)) {
         plan_model (rm, i, nulls, level);
      }
   }
}

void
docrel_removal__plan (docrel_removal_t *rm, bool nulls_last)
{
   int depth, top = top_depth (rm);
   size_t i;

   plan_models (rm, false, 0);
   if (!nulls_last) {
      plan_models (rm, true, 0);
   }
   for (depth = top; depth >= 0; depth--) { /* dependents first */
      for (i = 0; i < rm->n_fronts; i++) {
         docrel_front_t *f = &rm->fronts[i];
         docrel_step_t *step;
         size_t k;
         if (f->depth != depth) {
            continue;
         }
         step = docrel_plan__step (&rm->plan, DOCREL_STEP_DELETE_IDS, f->model, top - depth + 1);
         f->step = docrel_plan__index (&rm->plan, step);
         for (k = 0; k < f->n; k++) {
            docrel_step__add (step, f->docs[k], NULL);
         }
      }
   }
   if (nulls_last) {
      plan_models (rm, true, top + 2);
   }
}

void
docrel_removal__describe (const docrel_removal_t *rm, bool dry_run, bson_t *out)
{
   docrel_plan__describe (&rm->plan, dry_run ? rm->plan.n_steps : rm->plan.done, out);
}

/* Running ------------------------------------------------------------------- */

/* The session's documents of the fronts whose delete the store holds:
 * unsaved now, listed in *gone (bson_malloc'd) and in set. */
static size_t
unsave_deleted (docrel_removal_t *rm, docrel_idmap_t *set, docrel_doc_t ***gone)
{
   docrel_session_t *session = rm->plan.session;
   docrel_doc_t **list = NULL;
   size_t n = 0, i, k;

   for (i = 0; i < rm->n_fronts; i++) {
      const docrel_front_t *f = &rm->fronts[i];
      for (k = 0; docrel_plan__stored (&rm->plan, f->step) && k < f->n; k++) {
         docrel_doc_t *d = f->docs[k];
         docrel_doc_t *loaded = d->session == session ? d : docrel_session__lookup (session, f->model, &d->id);
         if (loaded && loaded->saved) {
            docrel_doc__mark_unsaved (loaded);
            list = bson_realloc (list, (n + 1) * sizeof *list);
            list[n++] = loaded;
            docrel_idmap__put (set, NULL, (const uint8_t *) &loaded, sizeof loaded, (void *) loaded);
         }
      }
   }
   *gone = list;
   return n;
}

/* Removes the keys a stored setNull update cleared from d (any document of
 * the session the call did not delete, saved or not). */
static void
clear_nulled (docrel_removal_t *rm, docrel_doc_t *d, docrel_buf_t *code)
{
   size_t i, k;

   for (i = 0; i < rm->n_nulls; i++) {
      const docrel_nulled_t *nulled = &rm->nulls[i];
      if (docrel_plan__stored (&rm->plan, nulled->step) && d->model == nulled->from &&
          docrel_graph__code (d, nulled->paths, nulled->n_keys, code) &&
          docrel_idmap__get (&nulled->codes, NULL, code->data, code->len)) {
         for (k = 0; k < nulled->n_keys; k++) {
            docrel_path__unset (d->fields, nulled->paths[k], NULL, NULL);
         }
      }
   }
}

/* After the run, or the part of it the store holds (a standalone MongoDB
 * that failed part way: the steps docrel_plan__stored names): deleted
 * documents of the session unsaved and out of slots, keys gone from loaded
 * documents that referenced them through a setNull relation. */
static void
bring_in_line (docrel_removal_t *rm)
{
   docrel_session_t *session = rm->plan.session;
   docrel_buf_t code = DOCREL_BUF_INIT;
   docrel_doc_t **gone = NULL;
   docrel_idmap_t set;
   size_t n_gone;
   docrel_doc_t *d;

   docrel_idmap__init (&set);
   n_gone = unsave_deleted (rm, &set, &gone);
   for (d = session->head; d && rm->n_nulls; d = d->next) {
      if (!docrel_idmap__get (&set, NULL, (const uint8_t *) &d, sizeof d)) {
         clear_nulled (rm, d, &code);
      }
   }
   docrel_graph__forget (&rm->plan.undo, session, gone, n_gone);
   docrel_undo__forget (&rm->plan.undo);
   bson_free (gone);
   docrel_idmap__destroy (&set);
   docrel_buf__destroy (&code);
}

static bool
prepare (void *ctx, bool transaction, bson_error_t *error)
{
   docrel_removal_t *rm = ctx;

   if (!docrel_removal__expand (rm, error)) {
      return false;
   }
   docrel_removal__plan (rm, transaction);
   return true;
}

bool
docrel_removal__run (docrel_removal_t *rm, bson_error_t *error)
{
   docrel_model_t **seeds = bson_malloc (rm->n_fronts * sizeof *seeds);
   size_t i;
   bool ok;

   for (i = 0; i < rm->n_fronts; i++) {
      seeds[i] = rm->fronts[i].model;
   }
   ok = docrel_relation__use_reachable (rm->plan.session->store, seeds, rm->n_fronts, error);
   bson_free (seeds);
   if (ok) {
      rm->plan.prepare = prepare;
      rm->plan.prepare_ctx = rm;
      ok = docrel_plan__run (&rm->plan, error);
   }
   bring_in_line (rm);
   return ok;
}
