/* SPDX-License-Identifier: Apache-2.0 */
/* index.c: declaring a model's indexes — docrel_model_add_index, its keys
 * and options, MongoDB's default name, and the checks against the model's
 * other indexes and its array fields. The backend creates the indexes on
 * the model's first use (docrel_model__use, in model.c).
 *
 * Like every definition call (see model.c), docrel_model_add_index parses
 * into a temporary index and appends it only once every check has passed,
 * under the store's mutex. */
#include "model/model-private.h"

#include <string.h>

#include "bsonx/bsonx-private.h"
#include "util/util-private.h"
#include "store/store-private.h"

#define MAX_INDEX_KEYS 16

#define MODEL_ERROR(code, ...) docrel_error__set (error, DOCREL_ERROR_MODEL, (code), "model '%s': " __VA_ARGS__)
#define INDEX_ERROR(code, ...) \
   docrel_error__set (error, DOCREL_ERROR_MODEL, (code), "model '%s': index '%s': " __VA_ARGS__)

void
docrel_index__destroy (docrel_index_t *index)
{
   size_t i;

   bson_free (index->name);
   for (i = 0; i < index->n_keys; i++) {
      bson_free (index->paths[i]);
   }
   bson_free (index->paths);
   bson_free (index->directions);
}

/* Reads a direction: 1 or -1 as int32, int64 or double. */
static bool
parse_direction (const bson_iter_t *iter, int *out)
{
   double d = BSON_ITER_HOLDS_INT32 (iter)    ? (double) bson_iter_int32 (iter)
              : BSON_ITER_HOLDS_INT64 (iter)  ? (double) bson_iter_int64 (iter)
              : BSON_ITER_HOLDS_DOUBLE (iter) ? bson_iter_double (iter)
                                              : 0.0;

   *out = d > 0 ? 1 : -1;
   return d == 1.0 || d == -1.0;
}

static bool
parse_index_opts (const docrel_model_t *model, const bson_t *opts, const char **name, bool *unique, bson_error_t *error)
{
   static const char *const names[] = {"unique", "name", NULL};
   bson_iter_t iter;
   unsigned seen = 0;

   *name = NULL;
   *unique = false;
   if (opts && !bson_iter_init (&iter, opts)) {
      return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "the index options are not a valid BSON document", model->name);
   }
   while (opts && bson_iter_next (&iter)) {
      switch (docrel_model__option_index (names, bson_iter_key (&iter), &seen, model->name, NULL, "index ", error)) {
      case 0:
         if (!BSON_ITER_HOLDS_BOOL (&iter)) {
            return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "index option 'unique' must be a bool", model->name);
         }
         *unique = bson_iter_bool (&iter);
         break;
      case 1:
         if (!docrel_model__iter_clean_utf8 (&iter, name)) {
            return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION,
                                "index option 'name' must be a non-empty UTF-8 string without NUL bytes", model->name);
         }
         break;
      default:
         return false;
      }
   }
   return true;
}

/* Reads keys into index->paths / directions. index->n_keys counts what is
 * owned so far, so docrel_index__destroy frees a partial result. */
static bool
parse_index_keys (const docrel_model_t *model, const bson_t *keys, docrel_index_t *index, bson_error_t *error)
{
   bson_iter_t iter;
   bson_error_t inner;
   const char *path;
   uint32_t n = keys ? bson_count_keys (keys) : 0;
   size_t i;
   int dir;

   if (n == 0 || !bson_iter_init (&iter, keys)) {
      return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "an index needs at least one key", model->name);
   }
   if (n > MAX_INDEX_KEYS) {
      return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "an index has at most %d keys, got %u", model->name, MAX_INDEX_KEYS,
                          (unsigned) n);
   }
   index->paths = bson_malloc0 (n * sizeof *index->paths);
   index->directions = bson_malloc0 (n * sizeof *index->directions);
   while (bson_iter_next (&iter) && index->n_keys < n) {
      path = bson_iter_key (&iter);
      if (!docrel_path__check (path, &inner)) {
         return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "index key '%s': invalid path: %s", model->name, path,
                             inner.message);
      }
      if (!parse_direction (&iter, &dir)) {
         return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "index key '%s': the direction must be 1 or -1", model->name,
                             path);
      }
      for (i = 0; i < index->n_keys; i++) {
         if (strcmp (index->paths[i], path) == 0) {
            return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "index key '%s' is given twice", model->name, path);
         }
      }
      index->paths[index->n_keys] = bson_strdup (path);
      index->directions[index->n_keys++] = dir;
   }
   return true;
}

/* MongoDB's default index name: "a_1_b_-1". */
static char *
default_index_name (const docrel_index_t *index)
{
   char *name = bson_strdup ("");
   char *next;
   size_t i;

   for (i = 0; i < index->n_keys; i++) {
      next = bson_strdup_printf ("%s%s%s_%d", name, i ? "_" : "", index->paths[i], index->directions[i]);
      bson_free (name);
      name = next;
   }
   return name;
}

static bool
same_keys (const docrel_index_t *a, const docrel_index_t *b)
{
   size_t i;

   for (i = 0; a->n_keys == b->n_keys && i < a->n_keys; i++) {
      if (strcmp (a->paths[i], b->paths[i]) != 0 || a->directions[i] != b->directions[i]) {
         return false;
      }
   }
   return a->n_keys == b->n_keys;
}

/* Checks a parsed index against the model's indexes and fields. */
static bool
check_index (const docrel_model_t *model, const docrel_index_t *index, bson_error_t *error)
{
   const docrel_field_t *field;
   size_t i, k;

   if (strcmp (index->name, "_id_") == 0) {
      return INDEX_ERROR (DOCREL_ERROR_BAD_OPTION, "the name is reserved for the primary key index", model->name,
                          index->name);
   }
   for (i = 0; i < model->n_indexes; i++) {
      if (strcmp (model->indexes[i].name, index->name) == 0) {
         return INDEX_ERROR (DOCREL_ERROR_DUPLICATE_NAME, "already declared", model->name, index->name);
      }
      if (same_keys (&model->indexes[i], index)) {
         return INDEX_ERROR (DOCREL_ERROR_DUPLICATE_NAME, "has the same keys as index '%s'", model->name, index->name,
                             model->indexes[i].name);
      }
   }
   for (k = 0; index->unique && k < index->n_keys; k++) {
      for (i = 0; i < model->n_fields; i++) {
         field = &model->fields[i];
         if (field->type == DOCREL_TYPE_ARRAY && docrel_field__path_within (index->paths[k], field->path)) {
            return INDEX_ERROR (DOCREL_ERROR_BAD_OPTION,
                                "cannot be unique: field '%s' is declared as an array, and the embedded store "
                                "cannot enforce uniqueness per array element",
                                model->name, index->name, field->path);
         }
      }
   }
   return true;
}

static bool
add_index_locked (docrel_model_t *model, const bson_t *keys, const bson_t *opts, bson_error_t *error)
{
   docrel_index_t index;
   const char *name;

   if (model->frozen) {
      return MODEL_ERROR (DOCREL_ERROR_MODEL_IN_USE,
                          "cannot declare an index: the model is in use (a document was created or loaded)",
                          model->name);
   }
   memset (&index, 0, sizeof index);
   if (!parse_index_opts (model, opts, &name, &index.unique, error) || !parse_index_keys (model, keys, &index, error)) {
      docrel_index__destroy (&index);
      return false;
   }
   index.name = name ? bson_strdup (name) : default_index_name (&index);
   if (!check_index (model, &index, error)) {
      docrel_index__destroy (&index);
      return false;
   }
   model->indexes = bson_realloc (model->indexes, (model->n_indexes + 1) * sizeof *model->indexes);
   model->indexes[model->n_indexes++] = index;
   return true;
}

bool
docrel_model_add_index (docrel_model_t *model, const bson_t *keys, const bson_t *opts, bson_error_t *error)
{
   bool ok;

   if (!model) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                                "docrel_model_add_index: model must not be NULL");
   }
   pthread_mutex_lock (&model->store->mutex);
   ok = add_index_locked (model, keys, opts, error);
   pthread_mutex_unlock (&model->store->mutex);
   return ok;
}
