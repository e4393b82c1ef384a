/* SPDX-License-Identifier: Apache-2.0 */
/* purge.c: docrel_purge, deleting a document and applying every
 * relation's onDelete in the store, loaded or not.
 *
 * Breadth first from the document: for each model of the current frontier
 * and each relation referencing it, "restrict" counts referencing
 * documents (one count; any is an error), "cascade" finds them (one find)
 * and makes them the next frontier, "setNull" plans one range update, and
 * links are removed by one range delete per link collection and side.
 * Then the documents are deleted, deepest first, one delete per model and
 * depth, all in one transaction. The reads run before the transaction. */
#include <string.h>

#include "docrel/docrel-graph.h"
#include "util/util-private.h"
#include "query/query-private.h"
#include "graph/graph-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"
#include "store/store-private.h"

/* Documents of one model to purge, as found (scratch documents, not in the
 * session: only their fields matter here). */
typedef struct {
   docrel_model_t *model;
   docrel_doc_t **docs;
   size_t n;
   int depth;
   size_t step; /* the plan step deleting them */
} frontier_t;

/* Set-null effects to bring loaded documents in line afterwards: the keys
 * at paths of model from whose codes are listed, cleared by plan step. */
typedef struct {
   docrel_model_t *from;
   char *const *paths;
   size_t n_keys;
   docrel_idmap_t codes;
   size_t step; /* the plan step clearing them */
} nulled_t;

typedef struct {
   docrel_plan_t plan;
   docrel_session_t *scratch; /* holds the found documents */
   frontier_t *fronts;
   size_t n_fronts;
   docrel_idmap_t purged; /* (model, keycode(_id)) */
   /* set-null effects to bring loaded documents in line afterwards */
   nulled_t *nulls;
   size_t n_nulls;
} purge_t;

static void
add_front (purge_t *p, docrel_model_t *model, int depth, docrel_doc_t *doc)
{
   frontier_t *f = NULL;
   size_t i;

   if (doc->has_id) {
      docrel_buf_t key = DOCREL_BUF_INIT;
      bool seen;
      docrel_keycode__append (&key, &doc->id);
      seen = docrel_idmap__get (&p->purged, model, key.data, key.len) != NULL;
      if (!seen) {
         docrel_idmap__put (&p->purged, model, key.data, key.len, (void *) 1);
      }
      docrel_buf__destroy (&key);
      if (seen) {
         return;
      }
   }
   for (i = 0; i < p->n_fronts; i++) {
      if (p->fronts[i].model == model && p->fronts[i].depth == depth) {
         f = &p->fronts[i];
      }
   }
   if (!f) {
      p->fronts = bson_realloc (p->fronts, (p->n_fronts + 1) * sizeof *p->fronts);
      f = &p->fronts[p->n_fronts++];
      memset (f, 0, sizeof *f);
      f->model = model;
      f->depth = depth;
   }
   f->docs = bson_realloc (f->docs, (f->n + 1) * sizeof *f->docs);
   f->docs[f->n++] = doc;
}

/* {from_paths: keys of docs} as a filter (scratch bson the caller owns). */
static docrel_filter_t *
refs_filter (docrel_doc_t *const *docs,
             size_t n,
             char *const *m_paths,
             char *const *from_paths,
             size_t n_keys,
             bson_t *spec,
             bson_error_t *error)
{
   bson_init (spec);
   docrel_graph__keys_filter (docs, n, m_paths, from_paths, n_keys, spec);
   return docrel_filter__new (spec, error);
}

static bool
restricted (purge_t *p,
            const frontier_t *f,
            const docrel_relation_t *r,
            docrel_model_t *from,
            char *const *from_paths,
            char *const *m_paths,
            docrel_model_t *target,
            bson_error_t *error)
{
   docrel_find_spec_t find;
   bson_t spec;
   docrel_filter_t *filter = refs_filter (f->docs, f->n, m_paths, from_paths, r->n_keys, &spec, error);
   int64_t n = 0;
   bool ok;

   memset (&find, 0, sizeof find);
   find.filter = filter;
   find.limit = 1;
   ok = filter && docrel_model__use (target, error) &&
        docrel_store__count_matches (p->plan.session->store, target->collection, &find, &n, error);
   if (filter) {
      docrel_filter__destroy (filter);
   }
   bson_destroy (&spec);
   if (ok && n > 0) {
      return !docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_RESTRICTED,
                                 "model '%s': cannot purge: '%s' documents reference it through '%s' "
                                 "(onDelete \"restrict\")",
                                 f->model->name, from->name, r->field);
   }
   return !ok;
}

/* Finds the documents of from referencing f's documents: the next frontier. */
static bool
cascade (purge_t *p,
         const frontier_t *f,
         const docrel_relation_t *r,
         docrel_model_t *from,
         char *const *from_paths,
         char *const *m_paths,
         bson_error_t *error)
{
   docrel_store_t *store = p->plan.session->store;
   docrel_find_spec_t find;
   docrel_backend_cursor_t *cursor = NULL;
   bson_error_t cursor_error;
   const bson_t *found;
   bson_t spec;
   docrel_filter_t *filter = refs_filter (f->docs, f->n, m_paths, from_paths, r->n_keys, &spec, error);
   int depth = f->depth; /* f moves as the frontier grows */
   bool ok = false;

   if (!filter || !docrel_model__use (from, error)) {
      goto done;
   }
   memset (&find, 0, sizeof find);
   find.filter = filter;
   cursor = docrel_store__find (store, from->collection, &find, error);
   if (!cursor) {
      goto done;
   }
   memset (&cursor_error, 0, sizeof cursor_error);
   while (docrel_store__cursor_next (store, cursor, &found, &cursor_error)) {
      docrel_doc_t *d = docrel_doc__alloc (p->scratch, from);
      docrel_doc__replace_fields (d, found);
      add_front (p, from, depth + 1, d);
   }
   if (cursor_error.code) {
      if (error) {
         *error = cursor_error;
      }
      goto done;
   }
   ok = true;
done:
   docrel_store__cursor_destroy (store, cursor);
   if (filter) {
      docrel_filter__destroy (filter);
   }
   bson_destroy (&spec);
   return ok;
}

static void
set_null (purge_t *p,
          const frontier_t *f,
          const docrel_relation_t *r,
          docrel_model_t *from,
          char *const *from_paths,
          char *const *m_paths)
{
   docrel_step_t *step = docrel_plan__step (&p->plan, DOCREL_STEP_UPDATE_WHERE, from, 0);
   docrel_buf_t code = DOCREL_BUF_INIT;
   size_t i;

   step->filter = bson_new ();
   docrel_graph__keys_filter (f->docs, f->n, m_paths, from_paths, r->n_keys, step->filter);
   step->update = docrel_graph__unset_update (from_paths, r->n_keys);
   p->nulls = bson_realloc (p->nulls, (p->n_nulls + 1) * sizeof *p->nulls);
   p->nulls[p->n_nulls].from = from;
   p->nulls[p->n_nulls].paths = from_paths;
   p->nulls[p->n_nulls].n_keys = r->n_keys;
   p->nulls[p->n_nulls].step = docrel_plan__index (&p->plan, step);
   docrel_idmap__init (&p->nulls[p->n_nulls].codes);
   for (i = 0; i < f->n; i++) {
      if (docrel_graph__code (f->docs[i], m_paths, r->n_keys, &code)) {
         docrel_idmap__put (&p->nulls[p->n_nulls].codes, NULL, code.data, code.len, (void *) 1);
      }
   }
   p->n_nulls++;
   docrel_buf__destroy (&code);
}

/* Applies every relation referencing f's model. */
static bool
visit (purge_t *p, size_t fi, bson_error_t *error)
{
   docrel_relation_t **refs = NULL;
   docrel_model_t *model = p->fronts[fi].model;
   size_t n_refs = docrel_graph__references (model, &refs), i, side;
   bool ok = true;

   for (i = 0; ok && i < n_refs; i++) {
      const frontier_t *f = &p->fronts[fi]; /* cascade may move the array */
      docrel_relation_t *r = refs[i];
      docrel_model_t *from;
      char *const *from_paths;
      char *const *m_paths;
      char *const *fields[2];
      char *const *sides[2];
      size_t n_sides;

      if (docrel_graph__reference (r, model, &from, &from_paths, &m_paths)) {
         switch (r->on_delete) {
         case DOCREL_ON_DELETE_RESTRICT:
            ok = !restricted (p, f, r, from, from_paths, m_paths, from, error);
            break;
         case DOCREL_ON_DELETE_CASCADE:
            ok = cascade (p, f, r, from, from_paths, m_paths, error);
            break;
         case DOCREL_ON_DELETE_SET_NULL:
            set_null (p, f, r, from, from_paths, m_paths);
            break;
         case DOCREL_ON_DELETE_NO_ACTION:
         default:
            break;
         }
         continue;
      }
      n_sides = docrel_graph__link_sides (r, model, fields, sides);
      for (side = 0; ok && side < n_sides; side++) {
         docrel_step_t *step;
         if (r->on_delete == DOCREL_ON_DELETE_RESTRICT) {
            ok = !restricted (p, f, r, r->link, fields[side], sides[side], r->link, error);
            continue;
         }
         step = docrel_plan__step (&p->plan, DOCREL_STEP_DELETE_WHERE, r->link, 0);
         step->filter = bson_new ();
         docrel_graph__keys_filter (f->docs, f->n, sides[side], fields[side], r->n_keys, step->filter);
      }
   }
   bson_free (refs);
   return ok;
}

/* The deletes, deepest first, one per model and depth. */
static void
plan_deletes (purge_t *p)
{
   int depth, top = 0;
   size_t i;

   for (i = 0; i < p->n_fronts; i++) {
      top = p->fronts[i].depth > top ? p->fronts[i].depth : top;
   }
   for (depth = top; depth >= 0; depth--) {
      for (i = 0; i < p->n_fronts; i++) {
         frontier_t *f = &p->fronts[i];
         docrel_step_t *step;
         if (f->depth != depth) {
            continue;
         }
         step = docrel_plan__step (&p->plan, DOCREL_STEP_DELETE_WHERE, f->model, top - depth + 1);
         f->step = docrel_plan__index (&p->plan, step);
         step->filter = bson_new ();
         docrel_doc__ids_filter (f->docs, f->n, step->filter);
      }
   }
}

/* After the purge, or the part of it the store holds (a standalone MongoDB
 * that failed part way: the steps docrel_plan__stored names): purged
 * documents of the session unsaved and out of slots, keys gone from loaded
 * documents that referenced them. */
static void
bring_in_line (purge_t *p)
{
   docrel_session_t *session = p->plan.session;
   docrel_doc_t **gone = NULL;
   docrel_buf_t code = DOCREL_BUF_INIT;
   size_t n_gone = 0, i, k;
   docrel_doc_t *d;

   for (i = 0; i < p->n_fronts; i++) {
      const frontier_t *f = &p->fronts[i];
      for (k = 0; docrel_plan__stored (&p->plan, f->step) && k < f->n; k++) {
         docrel_doc_t *loaded = docrel_session__lookup (session, f->model, &f->docs[k]->id);
         if (loaded && loaded->saved) {
            docrel_doc__mark_unsaved (loaded);
            gone = bson_realloc (gone, (n_gone + 1) * sizeof *gone);
            gone[n_gone++] = loaded;
         }
      }
   }
   for (d = session->head; d; d = d->next) {
      for (i = 0; i < p->n_nulls; i++) {
         if (docrel_plan__stored (&p->plan, p->nulls[i].step) && d->model == p->nulls[i].from && d->saved &&
             docrel_graph__code (d, p->nulls[i].paths, p->nulls[i].n_keys, &code) &&
             docrel_idmap__get (&p->nulls[i].codes, NULL, code.data, code.len)) {
            for (k = 0; k < p->nulls[i].n_keys; k++) {
               docrel_path__unset (d->fields, p->nulls[i].paths[k], NULL, NULL);
            }
         }
      }
   }
   docrel_graph__forget (&p->plan.undo, session, gone, n_gone);
   docrel_undo__forget (&p->plan.undo);
   bson_free (gone);
   docrel_buf__destroy (&code);
}

bool
docrel_purge (docrel_doc_t *doc, bson_error_t *error)
{
   purge_t p;
   docrel_doc_t *first;
   size_t i;
   bool ok = false;

   if (!doc) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "doc must not be NULL");
   }
   if (!doc->saved || !doc->has_id) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_NOT_SAVED,
                                "model '%s': cannot purge a document that is not saved", doc->model->name);
   }
   memset (&p, 0, sizeof p);
   docrel_plan__init (&p.plan, doc->session);
   p.scratch = docrel_session_new (doc->session->store);
   docrel_idmap__init (&p.purged);
   first = docrel_doc__alloc (p.scratch, doc->model);
   docrel_doc__replace_fields (first, doc->fields);
   add_front (&p, doc->model, 0, first);
   for (i = 0; i < p.n_fronts; i++) {
      if (!visit (&p, i, error)) {
         goto done;
      }
   }
   plan_deletes (&p);
   if (!docrel_plan__use (&p.plan, error)) {
      goto done;
   }
   ok = docrel_plan__run (&p.plan, error);
   bring_in_line (&p);
done:
   for (i = 0; i < p.n_fronts; i++) {
      bson_free (p.fronts[i].docs);
   }
   bson_free (p.fronts);
   for (i = 0; i < p.n_nulls; i++) {
      docrel_idmap__destroy (&p.nulls[i].codes);
   }
   bson_free (p.nulls);
   docrel_idmap__destroy (&p.purged);
   docrel_session_destroy (p.scratch);
   docrel_plan__destroy (&p.plan);
   return ok;
}
