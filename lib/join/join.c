/* SPDX-License-Identifier: Apache-2.0 */
/* join.c: application-side joins along a join tree (Thinky's getJoin).
 *
 * Level by level: for each edge, the distinct keys of every parent at that
 * level are gathered and sent as one $in query per chunk of keys; the
 * results are attached to their parents through a hash of keys. Round trips
 * are bounded by the tree, never by the number of documents: one query per
 * edge and chunk, two for hasAndBelongsToMany (the links, then the far
 * side). A per-parent $limit / $skip stays one query (the backend's grouped
 * window); for hasAndBelongsToMany it is applied per parent in memory.
 *
 * Order within a slot: the edge's $sort, else the store's order (insertion
 * order on the embedded store).
 *
 * Trees are checked in check.c, key tuples, chunks and the key index are
 * keys.c, the "related" query option is related.c, and the finds that
 * join (cursors, find_all, get) are cursor.c and read.c, above this file. */
#include <string.h>

#include "doc/doc-private.h"
#include "util/util-private.h"
#include "join/join-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"

/* Appends the documents of one chunk's query to *all (*n_all of them). */
static bool
fetch_chunk (docrel_session_t *session,
             docrel_model_t *model,
             const docrel_find_spec_t *spec,
             docrel_doc_t ***all,
             size_t *n_all,
             bson_error_t *error)
{
   docrel_doc_t **docs;
   size_t n;

   if (!docrel_fetch__all (session, model, spec, &docs, &n, error)) {
      return false;
   }
   *all = bson_realloc (*all, (*n_all + n + 1) * sizeof **all);
   if (n > 0) {
      memcpy (*all + *n_all, docs, n * sizeof *docs);
   }
   *n_all += n;
   bson_free (docs);
   return true;
}

/* Each chunk of a one-key set without an edge filter as a key lookup: no
 * filter to build or compile. */
static bool
fetch_lookups (docrel_session_t *session,
               docrel_model_t *model,
               docrel_chunks_t *chunks,
               const char *path,
               const docrel_find_spec_t *find,
               docrel_doc_t ***all,
               size_t *n_all,
               bson_error_t *error)
{
   docrel_key_lookup_t lookup = {path, NULL, 0};
   docrel_find_spec_t spec = *find;
   bson_value_t *values;
   bool ok = true;

   spec.lookup = &lookup;
   while (ok && docrel_chunks__next_values (chunks, &values, &lookup.n)) {
      lookup.values = values;
      ok = fetch_chunk (session, model, &spec, all, n_all, error);
      bson_free (values);
   }
   return ok;
}

/* Loads the documents of model matching any tuple of set at paths, chunk
 * by chunk, into one array (bson_malloc'd, may be empty). find holds the
 * edge's compiled sort, projection and window; grouped applies the window
 * per parent (per key tuple). */
static bool
fetch (docrel_session_t *session,
       docrel_model_t *model,
       const docrel_keyset_t *set,
       char *const *paths,
       size_t n_paths,
       const bson_t *edge_filter,
       const docrel_find_spec_t *find,
       bool grouped,
       docrel_doc_t ***out,
       size_t *n_out,
       bson_error_t *error)
{
   docrel_chunks_t chunks;
   bson_t filter;
   docrel_doc_t **all = NULL;
   size_t n_all = 0;
   bool lookups = n_paths == 1 && !edge_filter && !grouped;
   bool ok = true;

   *out = NULL;
   *n_out = 0;
   docrel_chunks__init (&chunks, set, paths, n_paths, edge_filter);
   if (lookups) {
      ok = fetch_lookups (session, model, &chunks, paths[0], find, &all, &n_all, error);
   }
   while (ok && !lookups && docrel_chunks__next (&chunks, &filter)) {
      docrel_find_spec_t spec = *find;
      docrel_filter_t *compiled = docrel_filter__new (&filter, error);

      bson_destroy (&filter);
      ok = compiled != NULL;
      if (ok) {
         spec.filter = compiled;
         spec.group_paths = grouped ? (const char *const *) paths : NULL;
         spec.n_group_paths = grouped ? n_paths : 0;
         ok = fetch_chunk (session, model, &spec, &all, &n_all, error);
         docrel_filter__destroy (compiled);
      }
   }
   if (!ok) {
      bson_free (all);
      return false;
   }
   *out = all;
   *n_out = n_all;
   return true;
}

/* ---- edges ------------------------------------------------------------- */

typedef struct {
   const docrel_relation_t *relation;
   bson_t sub; /* the edge's document (a view), if has_sub */
   bool has_sub;
   bson_t filter, sort, fields; /* views */
   bool has_filter, has_sort, has_fields;
   int64_t skip, limit;
   const char *payload; /* "$payload": the name of the links' payloads */
} edge_t;

static void
read_edge (const docrel_model_t *model, bson_iter_t *iter, edge_t *edge)
{
   bson_iter_t opt;

   memset (edge, 0, sizeof *edge);
   edge->relation = docrel_model_relation (model, bson_iter_key (iter));
   if (!BSON_ITER_HOLDS_DOCUMENT (iter)) {
      return;
   }
   edge->has_sub = docrel_join__doc_view (iter, &edge->sub);
   if (!edge->has_sub || !bson_iter_init (&opt, &edge->sub)) {
      return;
   }
   while (bson_iter_next (&opt)) {
      const char *key = bson_iter_key (&opt);
      if (strcmp (key, "$filter") == 0) {
         edge->has_filter = docrel_join__doc_view (&opt, &edge->filter);
      } else if (strcmp (key, "$sort") == 0) {
         edge->has_sort = docrel_join__doc_view (&opt, &edge->sort);
      } else if (strcmp (key, "$fields") == 0) {
         edge->has_fields = docrel_join__doc_view (&opt, &edge->fields);
      } else if (strcmp (key, "$skip") == 0) {
         edge->skip = bson_iter_as_int64 (&opt);
      } else if (strcmp (key, "$limit") == 0) {
         edge->limit = bson_iter_as_int64 (&opt);
      } else if (strcmp (key, "$payload") == 0) {
         edge->payload = bson_iter_utf8 (&opt, NULL);
      }
   }
}

static bool
is_inclusion (const bson_t *projection)
{
   bson_iter_t iter;

   if (bson_iter_init (&iter, projection)) {
      while (bson_iter_next (&iter)) {
         if (strcmp (bson_iter_key (&iter), "_id") != 0 && bson_iter_as_bool (&iter)) {
            return true;
         }
      }
   }
   return false;
}

static void
keep_paths (bson_t *out, const bson_t *projection, char *const *paths, size_t n)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (!bson_has_field (projection, paths[i]) && !bson_has_field (out, paths[i])) {
         BSON_APPEND_INT32 (out, paths[i], 1);
      }
   }
}

void
docrel_join__widen_projection (const docrel_model_t *model, const bson_t *tree, const bson_t *projection, bson_t *out)
{
   bson_iter_t iter;

   bson_init (out);
   bson_concat (out, projection);
   if (!tree || !is_inclusion (projection) || !bson_iter_init (&iter, tree)) {
      return;
   }
   while (bson_iter_next (&iter)) {
      const docrel_relation_t *r = docrel_model_relation (model, bson_iter_key (&iter));
      if (r) {
         keep_paths (out, projection, r->left_keys, r->n_keys);
      }
   }
}

/* The compiled find of an edge: its sort, its projection (widened to keep
 * the key fields its own join and the joins below it need) and, with
 * window, the per-parent skip and limit. */
typedef struct {
   docrel_sort_t *sort;
   docrel_projection_t *projection;
   docrel_find_spec_t spec;
} edge_find_t;

static void
edge_find_destroy (edge_find_t *find)
{
   if (find->sort) {
      docrel_sort__destroy (find->sort);
   }
   if (find->projection) {
      docrel_projection__destroy (find->projection);
   }
}

static bool
edge_find_init (const edge_t *edge,
                char *const *keys,
                size_t n_keys,
                bool window,
                edge_find_t *find,
                bson_error_t *error)
{
   memset (find, 0, sizeof *find);
   if (edge->has_sort && !(find->spec.sort = find->sort = docrel_sort__new (&edge->sort, error))) {
      return false;
   }
   if (edge->has_fields) {
      bson_t widened;
      docrel_join__widen_projection (edge->relation->target, edge->has_sub ? &edge->sub : NULL, &edge->fields,
                                     &widened);
      if (is_inclusion (&edge->fields)) {
         keep_paths (&widened, &edge->fields, keys, n_keys);
      }
      find->spec.projection = find->projection = docrel_projection__new (&widened, error);
      bson_destroy (&widened);
      if (!find->projection) {
         edge_find_destroy (find);
         return false;
      }
   }
   if (window) {
      find->spec.skip = edge->skip;
      find->spec.limit = edge->limit;
   }
   return true;
}

static bool load_level (docrel_session_t *session,
                        docrel_model_t *model,
                        docrel_doc_t *const *docs,
                        size_t n,
                        const bson_t *tree,
                        bson_error_t *error);

static bool
too_many (const docrel_relation_t *relation,
          const docrel_doc_t *parent,
          const docrel_keybucket_t *b,
          bson_error_t *error)
{
   char *a = docrel_error__value_json (&b->entries[0].doc->id);
   char *c = docrel_error__value_json (&b->entries[1].doc->id);
   char *p = parent->has_id ? docrel_error__value_json (&parent->id) : bson_strdup ("(new)");
   docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                      "model '%s' %s '%s' of _id %s: %zu documents of '%s' match, expected at most one "
                      "(_id %s, %s, ...)",
                      relation->model->name, relation->kind == DOCREL_HAS_ONE ? "hasOne" : "belongsTo", relation->field,
                      p, b->n, relation->target->name, a, c);
   bson_free (a);
   bson_free (c);
   bson_free (p);
   return false;
}

/* The distinct keys the parents hold for relation r (left keys); parents
 * without a complete key reference nothing and add none. */
static void
parent_keys (const docrel_relation_t *r, docrel_doc_t *const *parents, size_t n, docrel_keyset_t *set)
{
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   size_t i;

   docrel_keyset__init (set);
   for (i = 0; i < n; i++) {
      if (docrel_join__doc_key (parents[i], r->left_keys, r->n_keys, &key, values)) {
         docrel_keyset__add (set, &key, values, r->n_keys);
      }
   }
   docrel_buf__destroy (&key);
}

/* hasOne, belongsTo, hasMany: one query on the far side by key. */
static bool
load_direct (docrel_session_t *session,
             docrel_doc_t *const *parents,
             size_t n,
             const edge_t *edge,
             docrel_doc_t ***targets,
             size_t *n_targets,
             bson_error_t *error)
{
   const docrel_relation_t *r = edge->relation;
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   docrel_keyset_t set;
   docrel_keyindex_t index;
   edge_find_t find;
   size_t i, k;
   bool ok;

   *targets = NULL;
   *n_targets = 0;
   if (!edge_find_init (edge, r->right_keys, r->n_keys, true, &find, error)) {
      return false;
   }
   parent_keys (r, parents, n, &set);
   ok = fetch (session, r->target, &set, r->right_keys, r->n_keys, edge->has_filter ? &edge->filter : NULL, &find.spec,
               edge->skip || edge->limit, targets, n_targets, error);
   edge_find_destroy (&find);
   docrel_keyset__destroy (&set);
   if (!ok) {
      docrel_buf__destroy (&key);
      return false;
   }
   docrel_keyindex__init (&index);
   docrel_keyindex__docs (&index, *targets, *n_targets, r->right_keys, r->n_keys);
   for (i = 0; ok && i < n; i++) {
      docrel_slot_t *slot;
      const docrel_keybucket_t *b = NULL;
      if (docrel_join__doc_key (parents[i], r->left_keys, r->n_keys, &key, values)) {
         b = docrel_keyindex__get (&index, &key);
      }
      if (b && b->n > 1 && !docrel_relation__is_many (r)) {
         ok = too_many (r, parents[i], b, error);
         break;
      }
      slot = docrel_doc__reset_slot (parents[i], r->index);
      for (k = 0; b && k < b->n; k++) {
         docrel_slot__append (slot, b->entries[k].doc);
      }
   }
   docrel_keyindex__destroy (&index);
   docrel_buf__destroy (&key);
   return ok;
}

/* ---- hasAndBelongsToMany ---------------------------------------------- */

/* What a hasAndBelongsToMany edge reads: the links by the parents' keys,
 * then the far side by the keys the links hold. A symmetric link (friends)
 * relates both ways, so its links are read by either field: side 0 holds
 * the links with the parent's key on the left and the far key on the
 * right, side 1 (symmetric links only) the other way round. */
typedef struct {
   const edge_t *edge;
   size_t n_sides;
   char *const *near[2];
   char *const *far[2];
   docrel_doc_t **links[2];
   size_t n_links[2];
   /* The far key of each link, read once (fetch_far) for the far query and
    * the attaching: link i's keycode is far_codes[side] from far_at[side][i]
    * to far_at[side][i + 1], empty if it holds no complete key. */
   docrel_buf_t far_codes[2];
   size_t *far_at[2];
} linked_t;

static void
linked_init (linked_t *l, const edge_t *edge)
{
   const docrel_relation_t *r = edge->relation;

   memset (l, 0, sizeof *l);
   l->edge = edge;
   l->n_sides = r->symmetric ? 2 : 1;
   l->near[0] = l->far[1] = r->link_left;
   l->far[0] = l->near[1] = r->link_right;
}

static void
linked_destroy (linked_t *l)
{
   for (size_t side = 0; side < 2; side++) {
      bson_free (l->links[side]);
      docrel_buf__destroy (&l->far_codes[side]);
      bson_free (l->far_at[side]);
   }
}

/* The link documents holding the parents' keys, one query per side. */
static bool
fetch_links (docrel_session_t *session, linked_t *l, docrel_doc_t *const *parents, size_t n, bson_error_t *error)
{
   const docrel_relation_t *r = l->edge->relation;
   docrel_find_spec_t whole = {0}; /* no sort, no projection, no window */
   docrel_keyset_t set;
   size_t side;
   bool ok = true;

   parent_keys (r, parents, n, &set);
   for (side = 0; ok && side < l->n_sides; side++) {
      ok = fetch (session, r->link, &set, l->near[side], r->n_keys, NULL, &whole, false, &l->links[side],
                  &l->n_links[side], error);
   }
   docrel_keyset__destroy (&set);
   return ok;
}

/* The far side's documents the links point at, in the edge's order. */
static bool
fetch_far (docrel_session_t *session, linked_t *l, docrel_doc_t ***targets, size_t *n_targets, bson_error_t *error)
{
   const docrel_relation_t *r = l->edge->relation;
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   docrel_keyset_t set;
   edge_find_t find;
   size_t side, i;
   bool ok;

   if (!edge_find_init (l->edge, r->right_keys, r->n_keys, false, &find, error)) {
      return false;
   }
   docrel_keyset__init (&set);
   for (side = 0; side < l->n_sides; side++) {
      l->far_at[side] = bson_malloc ((l->n_links[side] + 1) * sizeof *l->far_at[side]);
      l->far_at[side][0] = 0;
      for (i = 0; i < l->n_links[side]; i++) {
         if (docrel_join__tuple_key (l->links[side][i]->fields, l->far[side], r->n_keys, &key, values)) {
            docrel_keyset__add (&set, &key, values, r->n_keys);
            docrel_buf__append (&l->far_codes[side], key.data, key.len);
         }
         l->far_at[side][i + 1] = l->far_codes[side].len;
      }
   }
   ok = fetch (session, r->target, &set, r->right_keys, r->n_keys, l->edge->has_filter ? &l->edge->filter : NULL,
               &find.spec, false, targets, n_targets, error);
   docrel_keyset__destroy (&set);
   edge_find_destroy (&find);
   docrel_buf__destroy (&key);
   return ok;
}

static int
compare_pos (const void *a, const void *b)
{
   size_t x = *(const size_t *) a, y = *(const size_t *) b;
   return x < y ? -1 : x > y;
}

/* The positions (in the far side's query order) of the documents linked to
 * parent, sorted, repeats kept; *out is bson_malloc'd. */
static size_t
linked_positions (const linked_t *l,
                  const docrel_doc_t *parent,
                  docrel_keyindex_t *by_parent,
                  const docrel_keyindex_t *by_target,
                  size_t **out)
{
   const docrel_relation_t *r = l->edge->relation;
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   size_t *found = NULL;
   size_t n_found = 0, cap = 0, side = 0, k, j;

   if (!docrel_join__doc_key (parent, r->left_keys, r->n_keys, &key, values)) {
      side = l->n_sides; /* it references nothing */
   }
   for (; side < l->n_sides; side++) {
      const docrel_keybucket_t *b = docrel_keyindex__get (&by_parent[side], &key);
      for (k = 0; b && k < b->n; k++) {
         const size_t *at = &l->far_at[side][b->entries[k].pos]; /* its far key, as fetch_far read it */
         const docrel_keybucket_t *t = NULL;
         if (at[1] > at[0]) {
            docrel_buf_t far = {l->far_codes[side].data + at[0], at[1] - at[0], 0};
            t = docrel_keyindex__get (by_target, &far);
         }
         for (j = 0; t && j < t->n; j++) {
            if (n_found == cap) {
               cap = cap ? cap * 2 : 8;
               found = bson_realloc (found, cap * sizeof *found);
            }
            found[n_found++] = t->entries[j].pos;
         }
      }
   }
   if (n_found > 1) {
      qsort (found, n_found, sizeof *found, compare_pos);
   }
   docrel_buf__destroy (&key);
   *out = found;
   return n_found;
}

/* Fills each parent's slot with its far documents, in the far side's query
 * order (its $sort), without repeats, with the edge's skip and limit
 * applied per parent. */
static void
attach_linked (const linked_t *l,
               docrel_doc_t *const *parents,
               size_t n,
               docrel_doc_t *const *targets,
               size_t n_targets)
{
   const docrel_relation_t *r = l->edge->relation;
   docrel_keyindex_t by_parent[2], by_target;
   size_t side, i, k;

   docrel_keyindex__init (&by_target);
   docrel_keyindex__docs (&by_target, targets, n_targets, r->right_keys, r->n_keys);
   for (side = 0; side < l->n_sides; side++) {
      docrel_keyindex__init (&by_parent[side]);
      docrel_keyindex__docs (&by_parent[side], l->links[side], l->n_links[side], l->near[side], r->n_keys);
   }
   for (i = 0; i < n; i++) {
      docrel_slot_t *slot = docrel_doc__reset_slot (parents[i], r->index);
      size_t *found;
      size_t n_found = linked_positions (l, parents[i], by_parent, &by_target, &found);
      size_t skip = (size_t) l->edge->skip, kept = 0;

      for (k = 0; k < n_found; k++) {
         if ((k > 0 && targets[found[k]] == targets[found[k - 1]]) || (skip > 0 && skip--)) {
            continue;
         }
         if (l->edge->limit && kept == (size_t) l->edge->limit) {
            break;
         }
         docrel_slot__append (slot, targets[found[k]]);
         kept++;
      }
      bson_free (found);
   }
   for (side = 0; side < l->n_sides; side++) {
      docrel_keyindex__destroy (&by_parent[side]);
   }
   docrel_keyindex__destroy (&by_target);
}

/* hasAndBelongsToMany: two queries (three for a symmetric link), then the
 * slots filled in memory. */
static bool
load_linked (docrel_session_t *session,
             docrel_doc_t *const *parents,
             size_t n,
             const edge_t *edge,
             docrel_doc_t ***targets,
             size_t *n_targets,
             bson_error_t *error)
{
   linked_t l;
   bool ok;

   *targets = NULL;
   *n_targets = 0;
   linked_init (&l, edge);
   ok = fetch_links (session, &l, parents, n, error) && fetch_far (session, &l, targets, n_targets, error);
   if (ok) {
      attach_linked (&l, parents, n, *targets, *n_targets);
   }
   if (ok && edge->payload) { /* payload.c */
      docrel_join__attach_payloads (edge->relation, parents, n, *targets, *n_targets, l.links, l.n_links,
                                    edge->payload);
   }
   linked_destroy (&l);
   return ok;
}

/* Distinct documents of docs, by pointer (a document reached from several
 * parents is joined once at the next level). */
static size_t
distinct (docrel_doc_t **docs, size_t n)
{
   docrel_idmap_t seen;
   size_t i, out = 0;

   docrel_idmap__init (&seen);
   docrel_idmap__reserve (&seen, n);
   for (i = 0; i < n; i++) {
      if (!docrel_idmap__add (&seen, NULL, (const uint8_t *) &docs[i], sizeof docs[i], docs[i])) {
         docs[out++] = docs[i];
      }
   }
   docrel_idmap__destroy (&seen);
   return out;
}

static bool
load_level (docrel_session_t *session,
            docrel_model_t *model,
            docrel_doc_t *const *docs,
            size_t n,
            const bson_t *tree,
            bson_error_t *error)
{
   bson_iter_t iter;

   if (!bson_iter_init (&iter, tree)) {
      return true;
   }
   while (bson_iter_next (&iter)) {
      docrel_doc_t **targets = NULL;
      size_t n_targets = 0;
      edge_t edge;
      bool ok;

      if (bson_iter_key (&iter)[0] == '$' || (BSON_ITER_HOLDS_BOOL (&iter) && !bson_iter_bool (&iter))) {
         continue;
      }
      if (docrel_join__is_count (&iter)) { /* count.c: counts, loads nothing */
         if (!docrel_join__count (session, model, docs, n, &iter, error)) {
            return false;
         }
         continue;
      }
      read_edge (model, &iter, &edge);
      if (!edge.relation) {
         continue; /* docrel_join__check rejected such trees already */
      }
      ok = edge.relation->kind == DOCREL_HAS_AND_BELONGS_TO_MANY
              ? load_linked (session, docs, n, &edge, &targets, &n_targets, error)
              : load_direct (session, docs, n, &edge, &targets, &n_targets, error);
      if (ok && edge.has_sub && n_targets > 0) {
         n_targets = distinct (targets, n_targets);
         ok = load_level (session, edge.relation->target, targets, n_targets, &edge.sub, error);
      }
      bson_free (targets);
      if (!ok) {
         return false;
      }
   }
   return true;
}

bool
docrel_join__load (docrel_session_t *session,
                   docrel_model_t *model,
                   docrel_doc_t *const *docs,
                   size_t n,
                   const bson_t *tree,
                   bson_error_t *error)
{
   docrel_read_scope_t scope;
   bool ok;

   if (!tree || n == 0) {
      return true;
   }
   docrel_store__read_begin (session->store, &scope); /* every edge in one snapshot */
   ok = load_level (session, model, docs, n, tree, error);
   docrel_store__read_end (session->store, &scope);
   return ok;
}

/* ---- lazy loading ------------------------------------------------------ */

bool
docrel_load_many (docrel_doc_t *const *docs, size_t n, const char *field, const bson_t *edge, bson_error_t *error)
{
   bson_t tree = BSON_INITIALIZER;
   docrel_model_t *model;
   size_t i;
   bool ok;

   if (!docs || n == 0 || !docs[0] || !field) {
      bson_destroy (&tree);
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                "load needs documents and a relation field");
   }
   model = docs[0]->model;
   for (i = 1; i < n; i++) {
      if (!docs[i] || docs[i]->model != model || docs[i]->session != docs[0]->session) {
         bson_destroy (&tree);
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                   "load: every document must be of model '%s' and of one session", model->name);
      }
   }
   if (edge) {
      BSON_APPEND_DOCUMENT (&tree, field, edge);
   } else {
      BSON_APPEND_BOOL (&tree, field, true);
   }
   ok = docrel_join__check (model, &tree, error) && docrel_join__load (docs[0]->session, model, docs, n, &tree, error);
   bson_destroy (&tree);
   return ok;
}

bool
docrel_load (docrel_doc_t *doc, const char *field, const bson_t *edge, bson_error_t *error)
{
   return docrel_load_many (&doc, 1, field, edge, error);
}
