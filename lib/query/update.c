/* SPDX-License-Identifier: Apache-2.0 */
/* update.c: checking update documents (query-private.h). */
#include <string.h>

#include "bsonx/bsonx-private.h"
#include "util/util-private.h"
#include "query/query-private.h"

bool
docrel_update__is_id_path (const char *path)
{
   return strcmp (path, "_id") == 0 || strncmp (path, "_id.", 4) == 0;
}

static bool
immutable_error (const char *path, bson_error_t *error)
{
   return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_IMMUTABLE,
                             "an update may not change _id (it touches '%s')", path);
}

/* True if (path, value) sets _id to the document's own id. */
static bool
same_id (const char *path, const bson_value_t *value, const bson_value_t *id)
{
   return id && strcmp (path, "_id") == 0 && docrel_compare__values (value, id) == 0;
}

static bool
check_replacement (const bson_value_t *id, const bson_t *update, bson_error_t *error)
{
   bson_iter_t iter;

   if (!id) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "a range update takes $set and $unset, not a replacement");
   }
   if (bson_iter_init_find (&iter, update, "_id") && !same_id ("_id", bson_iter_value (&iter), id)) {
      return immutable_error ("_id", error);
   }
   return true;
}

bool
docrel_update__check (const bson_value_t *id, const bson_t *update, bool *replace, bson_error_t *error)
{
   bson_iter_t iter, ops;
   bool operators = false;
   bool fields = false;

   *replace = false;
   if (!update || !bson_iter_init (&iter, update)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "the update is not a valid document");
   }
   while (bson_iter_next (&iter)) {
      *(bson_iter_key (&iter)[0] == '$' ? &operators : &fields) = true;
   }
   if (operators && fields) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "an update mixes operators ($set) and plain fields");
   }
   if (fields) {
      *replace = true;
      return check_replacement (id, update, error);
   }
   bson_iter_init (&iter, update);
   while (bson_iter_next (&iter)) {
      const char *op = bson_iter_key (&iter);
      bool set = strcmp (op, "$set") == 0;

      if (!set && strcmp (op, "$unset") != 0) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNSUPPORTED_OPERATOR,
                                   "update operator '%s' is not supported (only $set and $unset)", op);
      }
      if (!BSON_ITER_HOLDS_DOCUMENT (&iter) || !bson_iter_recurse (&iter, &ops)) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "the argument of %s must be a document", op);
      }
      while (bson_iter_next (&ops)) {
         const char *path = bson_iter_key (&ops);

         if (!docrel_path__check (path, error)) {
            return false;
         }
         if (docrel_update__is_id_path (path) && !(set && same_id (path, bson_iter_value (&ops), id))) {
            return immutable_error (path, error);
         }
      }
   }
   return true;
}
