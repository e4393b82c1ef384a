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
 * Trees are checked in join-check.c, key tuples and chunks are built in
 * join-keys.c, and the "related" query option is join-related.c. */
#include <string.h>

#include "doc/doc-private.h"
#include "util/util-private.h"
#include "join/join-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"

/* Loads the documents of model matching any tuple of set at paths, chunk
 * by chunk, into one array (bson_malloc'd, may be empty). */
static bool
fetch (docrel_session_t *session, docrel_model_t *model, const docrel_keyset_t *set, char *const *paths, size_t n_paths,
       const bson_t *edge_filter, const bson_t *opts, bool grouped, docrel_doc_t ***out, size_t *n_out,
       bson_error_t *error)
{
   docrel_chunks_t chunks;
   bson_t filter;
   docrel_doc_t **all = NULL;
   size_t n_all = 0;

   *out = NULL;
   *n_out = 0;
   docrel_chunks__init (&chunks, set, paths, n_paths, edge_filter);
   while (docrel_chunks__next (&chunks, &filter)) {
      docrel_doc_t **docs;
      size_t n;
      bool ok = docrel_query__load (session, model, &filter, opts, grouped ? (const char *const *) paths : NULL,
                                    grouped ? n_paths : 0, &docs, &n, error);

      bson_destroy (&filter);
      if (!ok) {
         bson_free (all);
         return false;
      }
      all = bson_realloc (all, (n_all + n + 1) * sizeof *all);
      if (n > 0) {
         memcpy (all + n_all, docs, n * sizeof *docs);
      }
      n_all += n;
      bson_free (docs);
   }
   *out = all;
   *n_out = n_all;
   return true;
}

/* ---- attaching --------------------------------------------------------- */

/* A hash from key tuple to the documents carrying it, in insertion order. */
typedef struct {
   docrel_doc_t **docs;
   size_t n, cap;
} bucket_t;

typedef struct {
   docrel_idmap_t map;
   bucket_t **buckets; /* every bucket, to free them */
   size_t n_buckets;
} index_t;

static void
index_init (index_t *index)
{
   docrel_idmap__init (&index->map);
   index->buckets = NULL;
   index->n_buckets = 0;
}

static void
index_destroy (index_t *index)
{
   size_t i;
   for (i = 0; i < index->n_buckets; i++) {
      bson_free (index->buckets[i]->docs);
      bson_free (index->buckets[i]);
   }
   bson_free (index->buckets);
   docrel_idmap__destroy (&index->map);
}

static void
index_add (index_t *index, const docrel_buf_t *key, docrel_doc_t *doc)
{
   bucket_t *b = docrel_idmap__get (&index->map, NULL, key->data, key->len);

   if (!b) {
      b = bson_malloc0 (sizeof *b);
      docrel_idmap__put (&index->map, NULL, key->data, key->len, b);
      index->buckets = bson_realloc (index->buckets, (index->n_buckets + 1) * sizeof *index->buckets);
      index->buckets[index->n_buckets++] = b;
   }
   if (b->n == b->cap) {
      b->cap = b->cap ? b->cap * 2 : 2;
      b->docs = bson_realloc (b->docs, b->cap * sizeof *b->docs);
   }
   b->docs[b->n++] = doc;
}

static const bucket_t *
index_get (const index_t *index, const docrel_buf_t *key)
{
   return docrel_idmap__get (&index->map, NULL, key->data, key->len);
}

/* Indexes docs by the key tuple at paths. A single key holding an array
 * (a document listing the keys it belongs to) is indexed under each element,
 * as MongoDB's $in matches elements. */
static void
index_docs (index_t *index, docrel_doc_t *const *docs, size_t n, char *const *paths, size_t n_paths)
{
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   size_t i;

   for (i = 0; i < n; i++) {
      bson_iter_t iter, elem;
      if (n_paths == 1 && docrel_path__find (docs[i]->fields, paths[0], &iter) && BSON_ITER_HOLDS_ARRAY (&iter) &&
          bson_iter_recurse (&iter, &elem)) {
         while (bson_iter_next (&elem)) {
            docrel_buf_reset (&key);
            docrel_keycode__append (&key, bson_iter_value (&elem));
            index_add (index, &key, docs[i]);
         }
         continue;
      }
      if (docrel_join__tuple_key (docs[i]->fields, paths, n_paths, &key, values)) {
         index_add (index, &key, docs[i]);
      }
   }
   docrel_buf_destroy (&key);
}

/* ---- edges ------------------------------------------------------------- */

typedef struct {
   const docrel_relation_t *relation;
   bson_t sub;        /* the edge's document (a view), if has_sub */
   bool has_sub;
   bson_t filter, sort, fields; /* views */
   bool has_filter, has_sort, has_fields;
   int64_t skip, limit;
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

/* The find options of an edge: its sort, its projection (widened to keep
 * the key fields its own join and the joins below it need), and the
 * per-parent window. */
static void
edge_opts (const edge_t *edge, char *const *keys, size_t n_keys, bool window, bson_t *opts)
{
   bson_init (opts);
   if (edge->has_sort) {
      BSON_APPEND_DOCUMENT (opts, "sort", &edge->sort);
   }
   if (edge->has_fields) {
      bson_t widened;
      docrel_join__widen_projection (edge->relation->target, edge->has_sub ? &edge->sub : NULL, &edge->fields,
                                     &widened);
      if (is_inclusion (&edge->fields)) {
         keep_paths (&widened, &edge->fields, keys, n_keys);
      }
      BSON_APPEND_DOCUMENT (opts, "projection", &widened);
      bson_destroy (&widened);
   }
   if (window) {
      if (edge->skip) {
         BSON_APPEND_INT64 (opts, "skip", edge->skip);
      }
      if (edge->limit) {
         BSON_APPEND_INT64 (opts, "limit", edge->limit);
      }
   }
}

static bool load_level (docrel_session_t *session, docrel_model_t *model, docrel_doc_t *const *docs, size_t n,
                        const bson_t *tree, bson_error_t *error);

static bool
too_many (const docrel_relation_t *relation, const docrel_doc_t *parent, const bucket_t *b, bson_error_t *error)
{
   char *a = docrel_error__value_json (&b->docs[0]->id);
   char *c = docrel_error__value_json (&b->docs[1]->id);
   char *p = parent->has_id ? docrel_error__value_json (&parent->id) : bson_strdup ("(new)");
   docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                      "model '%s' %s '%s' of _id %s: %zu documents of '%s' match, expected at most one "
                      "(_id %s, %s, ...)",
                      relation->model->name, relation->kind == DOCREL_HAS_ONE ? "hasOne" : "belongsTo",
                      relation->field, p, b->n, relation->target->name, a, c);
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
      if (docrel_join__tuple_key (parents[i]->fields, r->left_keys, r->n_keys, &key, values)) {
         docrel_keyset__add (set, &key, values, r->n_keys);
      }
   }
   docrel_buf_destroy (&key);
}

/* hasOne, belongsTo, hasMany: one query on the far side by key. */
static bool
load_direct (docrel_session_t *session, docrel_doc_t *const *parents, size_t n, const edge_t *edge,
             docrel_doc_t ***targets, size_t *n_targets, bson_error_t *error)
{
   const docrel_relation_t *r = edge->relation;
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   docrel_keyset_t set;
   index_t index;
   bson_t opts;
   size_t i, k;
   bool ok;

   parent_keys (r, parents, n, &set);
   edge_opts (edge, r->right_keys, r->n_keys, true, &opts);
   ok = fetch (session, r->target, &set, r->right_keys, r->n_keys, edge->has_filter ? &edge->filter : NULL, &opts,
               edge->skip || edge->limit, targets, n_targets, error);
   bson_destroy (&opts);
   docrel_keyset__destroy (&set);
   if (!ok) {
      docrel_buf_destroy (&key);
      return false;
   }
   index_init (&index);
   index_docs (&index, *targets, *n_targets, r->right_keys, r->n_keys);
   for (i = 0; ok && i < n; i++) {
      docrel_slot_t *slot;
      const bucket_t *b = NULL;
      if (docrel_join__tuple_key (parents[i]->fields, r->left_keys, r->n_keys, &key, values)) {
         b = index_get (&index, &key);
      }
      if (b && b->n > 1 && !docrel_relation__is_many (r)) {
         ok = too_many (r, parents[i], b, error);
         break;
      }
      slot = docrel_doc__reset_slot (parents[i], r->index);
      for (k = 0; b && k < b->n; k++) {
         docrel_slot__append (slot, b->docs[k]);
      }
   }
   index_destroy (&index);
   docrel_buf_destroy (&key);
   return ok;
}

/* hasAndBelongsToMany: the links by a's keys, then the far side by the
 * keys the links hold. A symmetric link (friends) relates both ways, so its
 * links are read by either field: three queries instead of two. */
static bool
load_linked (docrel_session_t *session, docrel_doc_t *const *parents, size_t n, const edge_t *edge,
             docrel_doc_t ***targets, size_t *n_targets, bson_error_t *error)
{
   const docrel_relation_t *r = edge->relation;
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   /* sides[0]: links holding the parent's key on the left, the far key on
    * the right; sides[1] (symmetric links only): the other way round. */
   docrel_doc_t **links[2] = {NULL, NULL};
   size_t n_links[2] = {0, 0};
   char *const *near[2] = {r->link_left, r->link_right};
   char *const *far[2] = {r->link_right, r->link_left};
   size_t n_sides = r->symmetric ? 2 : 1, side;
   docrel_keyset_t set;
   index_t by_parent[2], by_target;
   docrel_idmap_t rank;
   bson_t opts;
   size_t i, k;
   bool ok;

   *targets = NULL;
   *n_targets = 0;
   parent_keys (r, parents, n, &set);
   bson_init (&opts);
   ok = true;
   for (side = 0; ok && side < n_sides; side++) {
      ok = fetch (session, r->link, &set, near[side], r->n_keys, NULL, &opts, false, &links[side], &n_links[side],
                  error);
   }
   bson_destroy (&opts);
   docrel_keyset__destroy (&set);
   if (ok) {
      docrel_keyset__init (&set);
      for (side = 0; side < n_sides; side++) {
         for (i = 0; i < n_links[side]; i++) {
            if (docrel_join__tuple_key (links[side][i]->fields, far[side], r->n_keys, &key, values)) {
               docrel_keyset__add (&set, &key, values, r->n_keys);
            }
         }
      }
      edge_opts (edge, r->right_keys, r->n_keys, false, &opts);
      ok = fetch (session, r->target, &set, r->right_keys, r->n_keys, edge->has_filter ? &edge->filter : NULL,
                  &opts, false, targets, n_targets, error);
      bson_destroy (&opts);
      docrel_keyset__destroy (&set);
   }
   if (!ok) {
      bson_free (links[0]);
      bson_free (links[1]);
      docrel_buf_destroy (&key);
      return false;
   }
   index_init (&by_target);
   docrel_idmap__init (&rank);
   for (side = 0; side < n_sides; side++) {
      index_init (&by_parent[side]);
      index_docs (&by_parent[side], links[side], n_links[side], near[side], r->n_keys);
   }
   index_docs (&by_target, *targets, *n_targets, r->right_keys, r->n_keys);
   for (i = 0; i < *n_targets; i++) {
      /* rank + 1, so that the first target is not a NULL value */
      docrel_idmap__put (&rank, NULL, (const uint8_t *) &(*targets)[i], sizeof (docrel_doc_t *), (void *) (i + 1));
   }
   for (i = 0; i < n; i++) {
      docrel_slot_t *slot = docrel_doc__reset_slot (parents[i], r->index);
      size_t skip, kept = 0;
      docrel_doc_t **found = NULL;
      size_t n_found = 0;

      for (side = 0; side < n_sides; side++) {
         const bucket_t *b = NULL;
         if (docrel_join__tuple_key (parents[i]->fields, r->left_keys, r->n_keys, &key, values)) {
            b = index_get (&by_parent[side], &key);
         }
         for (k = 0; b && k < b->n; k++) {
            const bucket_t *t = NULL;
            size_t j;
            if (docrel_join__tuple_key (b->docs[k]->fields, far[side], r->n_keys, &key, values)) {
               t = index_get (&by_target, &key);
            }
            for (j = 0; t && j < t->n; j++) {
               found = bson_realloc (found, (n_found + 1) * sizeof *found);
               found[n_found++] = t->docs[j];
            }
         }
      }
      /* In the far side's query order (its $sort), without repeats. */
      for (k = 1; k < n_found; k++) {
         docrel_doc_t *d = found[k];
         size_t rk = (size_t) docrel_idmap__get (&rank, NULL, (const uint8_t *) &d, sizeof d);
         size_t j = k;
         while (j > 0 && (size_t) docrel_idmap__get (&rank, NULL, (const uint8_t *) &found[j - 1], sizeof d) > rk) {
            found[j] = found[j - 1];
            j--;
         }
         found[j] = d;
      }
      skip = (size_t) edge->skip;
      for (k = 0; k < n_found; k++) {
         if (k > 0 && found[k] == found[k - 1]) {
            continue;
         }
         if (skip > 0) {
            skip--;
            continue;
         }
         if (edge->limit && kept == (size_t) edge->limit) {
            break;
         }
         docrel_slot__append (slot, found[k]);
         kept++;
      }
      bson_free (found);
   }
   docrel_idmap__destroy (&rank);
   for (side = 0; side < n_sides; side++) {
      index_destroy (&by_parent[side]);
      bson_free (links[side]);
   }
   index_destroy (&by_target);
   docrel_buf_destroy (&key);
   return true;
}

/* Distinct documents of docs, by pointer (a document reached from several
 * parents is joined once at the next level). */
static size_t
distinct (docrel_doc_t **docs, size_t n)
{
   docrel_idmap_t seen;
   size_t i, out = 0;

   docrel_idmap__init (&seen);
   for (i = 0; i < n; i++) {
      if (!docrel_idmap__get (&seen, NULL, (const uint8_t *) &docs[i], sizeof docs[i])) {
         docrel_idmap__put (&seen, NULL, (const uint8_t *) &docs[i], sizeof docs[i], docs[i]);
         docs[out++] = docs[i];
      }
   }
   docrel_idmap__destroy (&seen);
   return out;
}

static bool
load_level (docrel_session_t *session, docrel_model_t *model, docrel_doc_t *const *docs, size_t n,
            const bson_t *tree, bson_error_t *error)
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
docrel_join__load (docrel_session_t *session, docrel_model_t *model, docrel_doc_t *const *docs, size_t n,
                   const bson_t *tree, bson_error_t *error)
{
   if (!tree || n == 0) {
      return true;
   }
   return load_level (session, model, docs, n, tree, error);
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
