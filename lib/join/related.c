/* SPDX-License-Identifier: Apache-2.0 */
/* related.c: the keys behind the "related" query option: the keys of the
 * related documents matching a filter, looked up chunk by chunk (through
 * the links for hasAndBelongsToMany), become a key condition ($in, or its
 * negation) on the model's own query. related-predicates.c reads the
 * option and says which filter and which condition. */
#include <string.h>

#include "util/util-private.h"
#include "query/query-private.h"
#include "join/join-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"
#include "store/store-private.h"

/* A related condition is one $in inside the caller's query, which must
 * stay under MongoDB's 16 MB command limit with the rest of the query. */
#define RELATED_MAX_BYTES (12 * 1024 * 1024)

/* Reads the key tuples at paths of every document of model matching filter
 * straight from the store (only the key fields, into no session). */
static bool
collect_keys (docrel_store_t *store,
              const docrel_model_t *model,
              const bson_t *filter,
              char *const *paths,
              size_t n_paths,
              docrel_keyset_t *set,
              bson_error_t *error)
{
   docrel_find_spec_t spec;
   docrel_filter_t *compiled = NULL;
   docrel_projection_t *projection = NULL;
   docrel_backend_cursor_t *cursor = NULL;
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   bson_t fields = BSON_INITIALIZER;
   bson_error_t read_error;
   const bson_t *raw;
   size_t i;
   bool ok = false;

   memset (&spec, 0, sizeof spec);
   for (i = 0; i < n_paths; i++) {
      BSON_APPEND_INT32 (&fields, paths[i], 1);
   }
   if (!bson_empty (filter) && !(compiled = docrel_filter__new (filter, error))) {
      goto done;
   }
   if (!(projection = docrel_projection__new (&fields, error))) {
      goto done;
   }
   spec.filter = compiled;
   spec.projection = projection;
   if (!docrel_model__use ((docrel_model_t *) model, error) ||
       !(cursor = docrel_store__find (store, model->collection, &spec, error))) {
      goto done;
   }
   memset (&read_error, 0, sizeof read_error);
   while (docrel_store__cursor_next (store, cursor, &raw, &read_error)) {
      bson_iter_t iter, elem;
      if (n_paths == 1 && docrel_path__find (raw, paths[0], &iter) && BSON_ITER_HOLDS_ARRAY (&iter) &&
          bson_iter_recurse (&iter, &elem)) {
         while (bson_iter_next (&elem)) {
            values[0] = *bson_iter_value (&elem);
            docrel_buf__reset (&key);
            docrel_keycode__append (&key, &values[0]);
            docrel_keyset__add (set, &key, values, 1);
         }
      } else if (docrel_join__tuple_key (raw, paths, n_paths, &key, values)) {
         docrel_keyset__add (set, &key, values, n_paths);
      }
   }
   ok = read_error.code == 0;
   if (!ok && error) {
      *error = read_error;
   }
done:
   docrel_store__cursor_destroy (store, cursor);
   if (projection) {
      docrel_projection__destroy (projection);
   }
   if (compiled) {
      docrel_filter__destroy (compiled);
   }
   docrel_buf__destroy (&key);
   bson_destroy (&fields);
   return ok;
}

/* Adds to out the values at to_paths of the links of r whose from_paths
 * hold a tuple of set: one query per chunk of keys. */
static bool
collect_linked (docrel_store_t *store,
                const docrel_relation_t *r,
                const docrel_keyset_t *set,
                char *const *from_paths,
                char *const *to_paths,
                docrel_keyset_t *out,
                bson_error_t *error)
{
   docrel_chunks_t chunks;
   bson_t filter;

   docrel_chunks__init (&chunks, set, from_paths, r->n_keys, NULL);
   while (docrel_chunks__next (&chunks, &filter)) {
      bool ok = collect_keys (store, r->link, &filter, to_paths, r->n_keys, out, error);

      bson_destroy (&filter);
      if (!ok) {
         return false;
      }
   }
   return true;
}

bool
docrel_join__related_keys (docrel_store_t *store,
                           const docrel_relation_t *r,
                           const bson_t *filter,
                           docrel_keyset_t *set,
                           bson_error_t *error)
{
   docrel_keyset_t near;
   bool ok;

   docrel_keyset__init (set);
   ok = collect_keys (store, r->target, filter, r->right_keys, r->n_keys, set, error);
   if (!ok || r->kind != DOCREL_HAS_AND_BELONGS_TO_MANY) {
      return ok;
   }
   docrel_keyset__init (&near);
   ok = collect_linked (store, r, set, r->link_right, r->link_left, &near, error);
   if (ok && r->symmetric) {
      /* a symmetric link relates its two fields both ways */
      ok = collect_linked (store, r, set, r->link_left, r->link_right, &near, error);
   }
   docrel_keyset__destroy (set);
   *set = near;
   return ok;
}

bool
docrel_join__related_condition (bson_t *conjuncts,
                                uint32_t *n_conjuncts,
                                const docrel_relation_t *r,
                                const docrel_keyset_t *set,
                                bool negated,
                                const char *where,
                                bson_error_t *error)
{
   bson_t cond, in, empty, built, list;
   char numkey[16];
   const char *k;
   bool ok = true;

   if (set->n == 0) {
      if (!negated) {
         /* Nothing related matches: a condition nothing can meet. */
         bson_uint32_to_string ((*n_conjuncts)++, &k, numkey, sizeof numkey);
         bson_append_document_begin (conjuncts, k, -1, &cond);
         bson_append_document_begin (&cond, "_id", 3, &in);
         bson_append_array_begin (&in, "$in", 3, &empty);
         bson_append_array_end (&in, &empty);
         bson_append_document_end (&cond, &in);
         bson_append_document_end (conjuncts, &cond);
      }
      return true;
   }
   docrel_join__chunk_filter (set->values, set->width, set->n, r->left_keys, r->n_keys, NULL, &built);
   if (built.len > RELATED_MAX_BYTES) {
      /* the condition goes into the query itself: it cannot be split */
      ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                              "option 'related' at '%s': %u related keys make a condition of %u bytes, over the "
                              "%d a query can hold; narrow the filter",
                              where, set->n, built.len, RELATED_MAX_BYTES);
   } else {
      bson_uint32_to_string ((*n_conjuncts)++, &k, numkey, sizeof numkey);
      if (negated) {
         /* $nor, not $nin: a composite key's condition is an $or */
         bson_append_document_begin (conjuncts, k, -1, &cond);
         bson_append_array_begin (&cond, "$nor", 4, &list);
         bson_append_document (&list, "0", 1, &built);
         bson_append_array_end (&cond, &list);
         bson_append_document_end (conjuncts, &cond);
      } else {
         bson_append_document (conjuncts, k, -1, &built);
      }
   }
   bson_destroy (&built);
   return ok;
}
