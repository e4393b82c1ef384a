/* SPDX-License-Identifier: Apache-2.0 */
/* related-predicates.c: the "related" query option ($some, $every, $none
 * over a relation, nested through relations by "$related" or a dotted path,
 * see docrel-query.h): each predicate becomes one key query on the related
 * model and one key condition on the model's own query (related.c). */
#include <string.h>

#include "util/util-private.h"
#include "join/join-private.h"
#include "model/model-private.h"

/* The predicates over a relation (see docrel-query.h). */
typedef enum { PRED_SOME, PRED_EVERY, PRED_NONE } pred_t;

/* Each level of nesting costs a query: a cap keeps a self-relation nested
 * by a caller from costing queries (and stack) without bound. */
#define RELATED_MAX_DEPTH 16

static bool resolve_spec (docrel_store_t *store,
                          const docrel_model_t *model,
                          const bson_t *spec,
                          const char *prefix,
                          int depth,
                          bson_t *conjuncts,
                          uint32_t *n_conjuncts,
                          bson_error_t *error);

/* Initialises *out with filter on model, each "$related" in it resolved into
 * key conditions on model ({$and: [the rest, conditions...]}); tail, if
 * any, is one more such document of relation fields (a dotted field's
 * rest). prefix names the nested fields in errors. */
static bool
target_filter (docrel_store_t *store,
               const docrel_model_t *model,
               const bson_t *filter,
               const bson_t *tail,
               const char *prefix,
               int depth,
               bson_t *out,
               bson_error_t *error)
{
   bson_t rest = BSON_INITIALIZER, conjuncts, nested;
   bson_iter_t iter;
   uint32_t n = 0;
   char numkey[16];
   const char *k;
   bool ok;

   bson_init (out);
   bson_append_array_begin (out, "$and", 4, &conjuncts);
   ok = !tail || resolve_spec (store, model, tail, prefix, depth, &conjuncts, &n, error);
   bson_iter_init (&iter, filter);
   while (ok && bson_iter_next (&iter)) {
      if (strcmp (bson_iter_key (&iter), "$related") != 0) {
         bson_append_iter (&rest, NULL, 0, &iter);
      } else if (!BSON_ITER_HOLDS_DOCUMENT (&iter) || !docrel_join__doc_view (&iter, &nested)) {
         ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                 "option 'related' at '%s': expected a document of relations of model '%s'", prefix,
                                 model->name);
      } else {
         ok = resolve_spec (store, model, &nested, prefix, depth, &conjuncts, &n, error);
      }
   }
   if (ok && n > 0 && !bson_empty (&rest)) {
      bson_uint32_to_string (n++, &k, numkey, sizeof numkey);
      bson_append_document (&conjuncts, k, -1, &rest);
   }
   bson_append_array_end (out, &conjuncts);
   if (ok && n == 0) {
      /* no condition was added: the filter as it is ($and needs an entry) */
      bson_destroy (out);
      bson_copy_to (&rest, out);
   }
   bson_destroy (&rest);
   return ok;
}

/* Appends to conjuncts the condition pred over relation r with filter (and
 * tail, see target_filter) on the related documents: one key query (two
 * through a link) after those nested in the filter. */
static bool
apply_predicate (docrel_store_t *store,
                 const docrel_relation_t *r,
                 pred_t pred,
                 const bson_t *filter,
                 const bson_t *tail,
                 const char *where,
                 const char *prefix,
                 int depth,
                 bson_t *conjuncts,
                 uint32_t *n_conjuncts,
                 bson_error_t *error)
{
   docrel_keyset_t set;
   bson_t resolved, query, list;
   bool ok;

   if (depth >= RELATED_MAX_DEPTH) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "option 'related' at '%s': nested more than %d relations deep", where,
                                RELATED_MAX_DEPTH);
   }
   if (!target_filter (store, r->target, filter, tail, prefix, depth + 1, &resolved, error)) {
      bson_destroy (&resolved);
      return false;
   }
   if (pred == PRED_EVERY) {
      /* every: no related document fails the filter */
      bson_init (&query);
      bson_append_array_begin (&query, "$nor", 4, &list);
      bson_append_document (&list, "0", 1, &resolved);
      bson_append_array_end (&query, &list);
   } else {
      bson_copy_to (&resolved, &query);
   }
   ok = docrel_join__related_keys (store, r, &query, &set, error);
   if (!ok) {
      docrel_error__prefix (error, "option 'related' at '%s': ", where);
   } else {
      /* every and none: the documents with no related key in the set */
      ok = docrel_join__related_condition (conjuncts, n_conjuncts, r, &set, pred != PRED_SOME, where, error);
   }
   docrel_keyset__destroy (&set);
   bson_destroy (&query);
   bson_destroy (&resolved);
   return ok;
}

/* The predicate key names, or -1. */
static int
predicate_of (const char *key)
{
   if (strcmp (key, "$some") == 0) {
      return PRED_SOME;
   } else if (strcmp (key, "$every") == 0) {
      return PRED_EVERY;
   } else if (strcmp (key, "$none") == 0) {
      return PRED_NONE;
   }
   return -1;
}

/* Appends the conditions of value, given for relation r: a filter on the
 * related documents ($some), or predicates that must all hold
 * ({"$some": {...}, "$none": {...}}). */
static bool
resolve_predicates (docrel_store_t *store,
                    const docrel_relation_t *r,
                    const bson_t *value,
                    const char *where,
                    int depth,
                    bson_t *conjuncts,
                    uint32_t *n_conjuncts,
                    bson_error_t *error)
{
   bson_iter_t iter;
   bson_t filter;
   bool any = false, ok = true;

   bson_iter_init (&iter, value);
   while (bson_iter_next (&iter)) {
      any = any || predicate_of (bson_iter_key (&iter)) >= 0;
   }
   if (!any) {
      char *prefix = bson_strdup_printf ("%s.$related", where);
      ok = apply_predicate (store, r, PRED_SOME, value, NULL, where, prefix, depth, conjuncts, n_conjuncts, error);
      bson_free (prefix);
      return ok;
   }
   bson_iter_init (&iter, value);
   while (ok && bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      int pred = predicate_of (key);
      char *at, *prefix;

      if (pred < 0) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "option 'related' at '%s': '%s' beside $some, $every or $none; expected only "
                                   "those, with the filter inside them",
                                   where, key);
      }
      at = bson_strdup_printf ("%s.%s", where, key);
      if (!BSON_ITER_HOLDS_DOCUMENT (&iter) || !docrel_join__doc_view (&iter, &filter)) {
         ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                 "option 'related' at '%s': expected a filter document", at);
      } else {
         prefix = bson_strdup_printf ("%s.$related", at);
         ok = apply_predicate (store, r, (pred_t) pred, &filter, NULL, at, prefix, depth, conjuncts, n_conjuncts,
                               error);
         bson_free (prefix);
      }
      bson_free (at);
   }
   return ok;
}

/* Appends the conditions of one field of a related document: a relation of
 * model, or a dotted path of relations ("publication.owner": $some of
 * publication, the rest applied to its owner). where ends with key. */
static bool
resolve_field (docrel_store_t *store,
               const docrel_model_t *model,
               const char *key,
               const bson_iter_t *iter,
               const char *where,
               int depth,
               bson_t *conjuncts,
               uint32_t *n_conjuncts,
               bson_error_t *error)
{
   const docrel_relation_t *r = docrel_model_relation (model, key);
   const char *dot = strchr (key, '.');
   bson_t value, tail = BSON_INITIALIZER, empty = BSON_INITIALIZER;
   char *head, *prefix;
   bool ok;

   if (!BSON_ITER_HOLDS_DOCUMENT (iter) || !docrel_join__doc_view (iter, &value)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "option 'related' at '%s': expected a filter document or one of $some, $every, "
                                "$none",
                                where);
   }
   if (r || !dot) {
      return r ? resolve_predicates (store, r, &value, where, depth, conjuncts, n_conjuncts, error)
               : docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNKNOWN_FIELD,
                                    "option 'related' at '%s': model '%s' has no relation '%s'", where, model->name,
                                    key);
   }
   head = bson_strndup (key, (size_t) (dot - key));
   if (!(r = docrel_model_relation (model, head))) {
      ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNKNOWN_FIELD,
                              "option 'related' at '%s': model '%s' has no relation '%s'", where, model->name, head);
   } else {
      /* the rest of the path, resolved on the related model, named as given */
      prefix = bson_strndup (where, strlen (where) - strlen (dot));
      bson_append_document (&tail, dot + 1, -1, &value);
      ok = apply_predicate (store, r, PRED_SOME, &empty, &tail, where, prefix, depth, conjuncts, n_conjuncts, error);
      bson_free (prefix);
   }
   bson_free (head);
   bson_destroy (&tail);
   return ok;
}

/* Appends the conditions of spec, a document of relation fields of model;
 * prefix (NULL at the top) names where it sits in errors. */
static bool
resolve_spec (docrel_store_t *store,
              const docrel_model_t *model,
              const bson_t *spec,
              const char *prefix,
              int depth,
              bson_t *conjuncts,
              uint32_t *n_conjuncts,
              bson_error_t *error)
{
   bson_iter_t iter;
   bool ok = true;

   if (!bson_iter_init (&iter, spec)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "option 'related': corrupt BSON");
   }
   while (ok && bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      char *where = prefix ? bson_strdup_printf ("%s.%s", prefix, key) : bson_strdup (key);

      ok = resolve_field (store, model, key, &iter, where, depth, conjuncts, n_conjuncts, error);
      bson_free (where);
   }
   return ok;
}

bool
docrel_join__resolve_related (docrel_store_t *store,
                              const docrel_model_t *model,
                              const bson_t *related,
                              bson_t *conjuncts,
                              uint32_t *n_conjuncts,
                              bson_error_t *error)
{
   return resolve_spec (store, model, related, NULL, 0, conjuncts, n_conjuncts, error);
}
