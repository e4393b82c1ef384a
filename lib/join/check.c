/* SPDX-License-Identifier: Apache-2.0 */
/* check.c: checking a join tree before anything is sent. */
#include <string.h>

#include "util/util-private.h"
#include "query/query-private.h"
#include "join/join-private.h"
#include "model/model-private.h"

bool
docrel_join__projection_keeps_id (const bson_t *spec, bson_error_t *error)
{
   bson_iter_t iter;

   if (bson_iter_init_find (&iter, spec, "_id") && !bson_iter_as_bool (&iter)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "option 'projection': _id cannot be excluded, docrel identifies documents by it");
   }
   return true;
}

static const char *const edge_options[] = {"$filter", "$sort",  "$skip",    "$limit",
                                           "$fields", "$count", "$payload", NULL};

static bool
check_option (const docrel_model_t *model, const char *where, const bson_iter_t *iter, bson_error_t *error)
{
   const char *key = bson_iter_key (iter);
   bson_t view;
   bool ok = true;

   if (strcmp (key, "$skip") == 0 || strcmp (key, "$limit") == 0) {
      if (!(BSON_ITER_HOLDS_INT32 (iter) || BSON_ITER_HOLDS_INT64 (iter)) || bson_iter_as_int64 (iter) < 0) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "join tree at '%s': option '%s' expects an integer >= 0", where, key);
      }
      return true;
   }
   if (strcmp (key, "$payload") == 0) {
      return true; /* checked with its relation: docrel_join__check_payload */
   }
   if (strcmp (key, "$count") == 0) {
      return BSON_ITER_HOLDS_BOOL (iter) ||
             docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "join tree at '%s': option '$count' expects true or false", where);
   }
   if (!BSON_ITER_HOLDS_DOCUMENT (iter) || !docrel_join__doc_view (iter, &view)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "join tree at '%s': option '%s' expects a document", where, key);
   }
   if (strcmp (key, "$filter") == 0) {
      docrel_filter_t *f = docrel_filter__new (&view, error);
      ok = f != NULL;
      if (f) {
         docrel_filter__destroy (f);
      }
   } else if (strcmp (key, "$sort") == 0) {
      docrel_sort_t *s = docrel_sort__new (&view, error);
      ok = s != NULL;
      if (s) {
         docrel_sort__destroy (s);
      }
   } else {
      docrel_projection_t *p = docrel_projection__new (&view, error);
      ok = p != NULL && docrel_join__projection_keeps_id (&view, error);
      if (p) {
         docrel_projection__destroy (p);
      }
   }
   if (!ok) {
      docrel_error__prefix (error, "join tree at '%s' (model '%s'), %s: ", where, model->name, key);
   }
   return ok;
}

static bool
check_level (const docrel_model_t *model, const bson_t *tree, const char *where, bool root, bson_error_t *error)
{
   bson_iter_t iter;

   if (!bson_iter_init (&iter, tree)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "join tree: corrupt BSON");
   }
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      const docrel_relation_t *relation;
      char *path;
      bool ok = true;

      if (key[0] == '$') {
         size_t i;
         bool known = false;
         for (i = 0; edge_options[i]; i++) {
            known = known || strcmp (key, edge_options[i]) == 0;
         }
         if (root || !known) {
            return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                      "join tree%s%s: %s option '%s'", *where ? " at " : "", where,
                                      root ? "the root cannot take" : "unknown", key);
         }
         if (!check_option (model, where, &iter, error)) {
            return false;
         }
         continue;
      }
      path = *where ? bson_strdup_printf ("%s.%s", where, key) : bson_strdup (key);
      relation = docrel_model_relation (model, key);
      if (!relation) {
         ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNKNOWN_FIELD,
                                 "join tree at '%s': model '%s' has no relation '%s'%s", path, model->name, key,
                                 docrel_model__field (model, key) ? " (it is a plain field)" : "");
      } else if (BSON_ITER_HOLDS_DOCUMENT (&iter)) {
         bson_t sub;
         ok = docrel_join__doc_view (&iter, &sub) && check_level (relation->target, &sub, path, false, error) &&
              docrel_join__check_count (&iter, path, error) &&
              docrel_join__check_payload (relation, &iter, path, error);
      } else if (!BSON_ITER_HOLDS_BOOL (&iter)) {
         ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                 "join tree at '%s': expected true, false or a document", path);
      }
      bson_free (path);
      if (!ok) {
         return false;
      }
   }
   return true;
}

bool
docrel_join__check (const docrel_model_t *model, const bson_t *tree, bson_error_t *error)
{
   return check_level (model, tree, "", true, error);
}
