/* SPDX-License-Identifier: Apache-2.0 */
/* count.c: counts per relation, a join tree's {"posts": {"$count": true}}
 * edge. Each parent gets the number of its related documents that match
 * the edge's $filter (docrel_doc_related_count); nothing is loaded, the
 * slot stays as it was (so save_all never removes anything because of a
 * count), and no document enters the session.
 *
 * What an edge costs, whatever the number of parents (each query once per
 * chunk of 10,000 keys, as a join's):
 *   hasOne, belongsTo, hasMany: one grouped count on the far side, by the
 *     far key, with the edge's $filter (the backend's group_count);
 *   hasAndBelongsToMany without $filter: one grouped count on the link
 *     collection (every link counts, as a link without its far document
 *     does not exist once docrel's deletes have run);
 *   hasAndBelongsToMany with $filter, or symmetric: the links of the
 *     parents, read by key (key fields only; one query per side), then,
 *     with $filter, one grouped count on the far side by the far keys they
 *     hold; memory grows with the number of those links (their keys), not
 *     with the documents behind them. A far document linked twice to one
 *     parent (both ways on a symmetric relation) counts once, as the join
 *     loads it once.
 * The counts are what loading the edge would put in each slot (for
 * hasOne and belongsTo the number matching, where the join would refuse
 * more than one). */
#include <string.h>

#include "util/util-private.h"
#include "query/query-private.h"
#include "join/join-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"
#include "doc/doc-private.h"

/* ---- checking ----------------------------------------------------------- */

bool
docrel_join__is_count (const bson_iter_t *edge)
{
   bson_iter_t opt;
   bson_t sub;

   return BSON_ITER_HOLDS_DOCUMENT (edge) && docrel_join__doc_view (edge, &sub) &&
          bson_iter_init_find (&opt, &sub, "$count") && BSON_ITER_HOLDS_BOOL (&opt) && bson_iter_bool (&opt);
}

bool
docrel_join__check_count (const bson_iter_t *edge, const char *where, bson_error_t *error)
{
   bson_iter_t opt;
   bson_t sub;

   if (!docrel_join__is_count (edge) || !docrel_join__doc_view (edge, &sub) || !bson_iter_init (&opt, &sub)) {
      return true;
   }
   while (bson_iter_next (&opt)) {
      const char *key = bson_iter_key (&opt);

      if (strcmp (key, "$count") == 0 || strcmp (key, "$filter") == 0) {
         continue;
      }
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "join tree at '%s': a $count edge counts the related documents and loads none: it "
                                "takes only $filter beside $count, not %s '%s'",
                                where, key[0] == '$' ? "option" : "relation", key);
   }
   return true;
}

/* ---- tallies: count per key tuple --------------------------------------- */

typedef struct {
   docrel_idmap_t map; /* keycode tuple -> position in counts, plus one */
   int64_t *counts;
   size_t n, cap;
} tally_t;

static void
tally_init (tally_t *t)
{
   memset (t, 0, sizeof *t);
   docrel_idmap__init (&t->map);
}

static void
tally_destroy (tally_t *t)
{
   docrel_idmap__destroy (&t->map);
   bson_free (t->counts);
}

static int64_t
tally_get (const tally_t *t, const uint8_t *key, size_t len)
{
   uintptr_t at = (uintptr_t) docrel_idmap__get (&t->map, NULL, key, len);
   return at ? t->counts[at - 1] : 0;
}

/* A docrel_group_visit_t: adds count to key's. */
static void
tally_add (const uint8_t *key, size_t len, int64_t count, void *ctx)
{
   tally_t *t = ctx;
   uintptr_t at = (uintptr_t) docrel_idmap__get (&t->map, NULL, key, len);

   if (!at) {
      if (t->n == t->cap) {
         t->cap = t->cap ? t->cap * 2 : 16;
         t->counts = bson_realloc (t->counts, t->cap * sizeof *t->counts);
      }
      t->counts[t->n++] = 0;
      at = t->n;
      docrel_idmap__put (&t->map, NULL, key, len, (void *) at);
   }
   t->counts[at - 1] += count;
}

/* Tallies the documents of model holding a tuple of set at paths and
 * matching edge_filter (may be NULL): one grouped count per chunk. */
static bool
tally_chunks (docrel_store_t *store,
              docrel_model_t *model,
              const docrel_keyset_t *set,
              char *const *paths,
              size_t n_paths,
              const bson_t *edge_filter,
              tally_t *t,
              bson_error_t *error)
{
   docrel_chunks_t chunks;
   bson_t filter;

   if (!docrel_model__use (model, error)) {
      return false;
   }
   docrel_chunks__init (&chunks, set, paths, n_paths, edge_filter);
   while (docrel_chunks__next (&chunks, &filter)) {
      docrel_filter_t *compiled = docrel_filter__new (&filter, error);
      bool ok = compiled && docrel_store__group_count (store, model->collection, compiled, (const char *const *) paths,
                                                       n_paths, tally_add, t, error);

      bson_destroy (&filter);
      docrel_filter__destroy (compiled);
      if (!ok) {
         return false;
      }
   }
   return true;
}

/* ---- links -------------------------------------------------------------- */

/* The (parent, far) key pairs of the links read, without repeats. */
typedef struct {
   const docrel_relation_t *r;
   char *const *near;
   char *const *far;
   docrel_idmap_t seen; /* near || far keycodes */
   docrel_buf_t bytes;  /* the pairs' keycodes, back to back */
   size_t *ends;        /* per pair: end of its near key, end of its far key */
   size_t n, cap;
   docrel_keyset_t far_keys;
   docrel_buf_t near_key, far_key;
} pairs_t;

static void
pairs_visit (const bson_t *raw, void *ctx)
{
   pairs_t *p = ctx;
   bson_value_t values[DOCREL_MAX_KEYS];
   size_t start = p->bytes.len;

   if (!docrel_join__tuple_key (raw, p->near, p->r->n_keys, &p->near_key, values) ||
       !docrel_join__tuple_key (raw, p->far, p->r->n_keys, &p->far_key, values)) {
      return;
   }
   docrel_keyset__add (&p->far_keys, &p->far_key, values, p->r->n_keys);
   docrel_buf__append (&p->bytes, p->near_key.data, p->near_key.len);
   docrel_buf__append (&p->bytes, p->far_key.data, p->far_key.len);
   if (docrel_idmap__get (&p->seen, NULL, p->bytes.data + start, p->bytes.len - start)) {
      p->bytes.len = start; /* linked both ways: counted once */
      return;
   }
   docrel_idmap__put (&p->seen, NULL, p->bytes.data + start, p->bytes.len - start, p);
   if (p->n == p->cap) {
      p->cap = p->cap ? p->cap * 2 : 16;
      p->ends = bson_realloc (p->ends, 2 * p->cap * sizeof *p->ends);
   }
   p->ends[2 * p->n] = start + p->near_key.len;
   p->ends[2 * p->n + 1] = p->bytes.len;
   p->n++;
}

/* Reads the links holding a tuple of parents at near (key fields only). */
static bool
read_links (docrel_store_t *store, pairs_t *p, const docrel_keyset_t *parents, bson_error_t *error)
{
   const docrel_relation_t *r = p->r;
   docrel_projection_t *projection;
   bson_t fields = BSON_INITIALIZER, filter;
   docrel_chunks_t chunks;
   bool ok = true;

   for (size_t i = 0; i < r->n_keys; i++) {
      BSON_APPEND_INT32 (&fields, p->near[i], 1);
      BSON_APPEND_INT32 (&fields, p->far[i], 1);
   }
   projection = docrel_projection__new (&fields, error);
   bson_destroy (&fields);
   if (!projection) {
      return false;
   }
   docrel_chunks__init (&chunks, parents, p->near, r->n_keys, NULL);
   while (ok && docrel_chunks__next (&chunks, &filter)) {
      docrel_find_spec_t spec = {0};

      spec.filter = docrel_filter__new (&filter, error);
      spec.projection = projection;
      ok = spec.filter && docrel_store__for_each (store, r->link->collection, &spec, pairs_visit, p, error);
      docrel_filter__destroy ((docrel_filter_t *) spec.filter);
      bson_destroy (&filter);
   }
   docrel_projection__destroy (projection);
   return ok;
}

/* hasAndBelongsToMany through the links read: each pair counts the far
 * documents matching edge_filter (one, without a filter). */
static bool
tally_linked (docrel_store_t *store,
              const docrel_relation_t *r,
              const docrel_keyset_t *parents,
              const bson_t *edge_filter,
              tally_t *t,
              bson_error_t *error)
{
   pairs_t p;
   tally_t far;
   bool ok = docrel_model__use (r->link, error);

   memset (&p, 0, sizeof p);
   p.r = r;
   docrel_idmap__init (&p.seen);
   docrel_keyset__init (&p.far_keys);
   tally_init (&far);
   for (size_t side = 0; ok && side < (r->symmetric ? 2u : 1u); side++) {
      p.near = side == 0 ? r->link_left : r->link_right;
      p.far = side == 0 ? r->link_right : r->link_left;
      ok = read_links (store, &p, parents, error);
   }
   if (ok && edge_filter) {
      ok = tally_chunks (store, r->target, &p.far_keys, (char *const *) r->right_keys, r->n_keys, edge_filter, &far,
                         error);
   }
   for (size_t i = 0; ok && i < p.n; i++) {
      size_t start = i ? p.ends[2 * i - 1] : 0, mid = p.ends[2 * i], end = p.ends[2 * i + 1];
      int64_t n = edge_filter ? tally_get (&far, p.bytes.data + mid, end - mid) : 1;

      if (n > 0) {
         tally_add (p.bytes.data + start, mid - start, n, t);
      }
   }
   tally_destroy (&far);
   docrel_keyset__destroy (&p.far_keys);
   docrel_idmap__destroy (&p.seen);
   docrel_buf__destroy (&p.bytes);
   docrel_buf__destroy (&p.near_key);
   docrel_buf__destroy (&p.far_key);
   bson_free (p.ends);
   return ok;
}

/* ---- the edge ----------------------------------------------------------- */

bool
docrel_join__count (docrel_session_t *session,
                    const docrel_model_t *model,
                    docrel_doc_t *const *parents,
                    size_t n,
                    const bson_iter_t *edge,
                    bson_error_t *error)
{
   const docrel_relation_t *r = docrel_model_relation (model, bson_iter_key (edge));
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   docrel_keyset_t set;
   bson_t sub, filter;
   bson_iter_t opt;
   bool has_filter, ok;
   tally_t t;

   if (!r || !docrel_join__doc_view (edge, &sub)) {
      return true; /* docrel_join__check rejected such trees already */
   }
   /* {} is no filter: the key index alone may count then */
   has_filter = bson_iter_init_find (&opt, &sub, "$filter") && docrel_join__doc_view (&opt, &filter) &&
                !bson_empty (&filter);
   docrel_keyset__init (&set);
   for (size_t i = 0; i < n; i++) {
      if (docrel_join__tuple_key (parents[i]->fields, r->left_keys, r->n_keys, &key, values)) {
         docrel_keyset__add (&set, &key, values, r->n_keys);
      }
   }
   tally_init (&t);
   if (r->kind != DOCREL_HAS_AND_BELONGS_TO_MANY) {
      ok = tally_chunks (session->store, r->target, &set, (char *const *) r->right_keys, r->n_keys,
                         has_filter ? &filter : NULL, &t, error);
   } else if (!has_filter && !r->symmetric) {
      ok = tally_chunks (session->store, r->link, &set, (char *const *) r->link_left, r->n_keys, NULL, &t, error);
   } else {
      ok = tally_linked (session->store, r, &set, has_filter ? &filter : NULL, &t, error);
   }
   for (size_t i = 0; ok && i < n; i++) {
      bool keyed = docrel_join__tuple_key (parents[i]->fields, r->left_keys, r->n_keys, &key, values);
      docrel_doc__set_count (parents[i], r->index, keyed ? tally_get (&t, key.data, key.len) : 0);
   }
   if (!ok) {
      docrel_error__prefix (error, "counting relation '%s' of model '%s': ", r->field, model->name);
   }
   tally_destroy (&t);
   docrel_keyset__destroy (&set);
   docrel_buf__destroy (&key);
   return ok;
}
