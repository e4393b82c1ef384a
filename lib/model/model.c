/* SPDX-License-Identifier: Apache-2.0 */
/* model.c: defining models — their name, collection and primary key kind —
 * the registry of models on their store, freeing them, the getters and
 * lookups the other files use (a declared field, a type's name), and the
 * service the document layer needs: freezing a model on first use. Fields
 * are declared in field.c, indexes in index.c, relations in relation.c;
 * checking documents against a model, defaults and undeclared fields live
 * in validate.c.
 *
 * Definition calls (here, in field.c and in index.c) parse everything into
 * temporaries first and touch the model only once every check has passed,
 * so a failed call changes nothing. They run under the store's mutex, the
 * one docrel_model__use takes to freeze the model, so a definition racing a
 * first use either lands before the freeze or fails with
 * DOCREL_ERROR_MODEL_IN_USE. */
#include "model/model-private.h"

#include <string.h>

#include "bsonx/bsonx-private.h"
#include "util/util-private.h"
#include "store/store-private.h"

#define MODEL_ERROR(code, ...) docrel_error__set (error, DOCREL_ERROR_MODEL, (code), "model '%s': " __VA_ARGS__)

const char *const docrel_model__pk_kinds[] = {"objectId", "uuid", "caller", NULL};

const char *
docrel_model__type_name (docrel_type_t type)
{
   static const char *const names[] = {"any",      "string",   "int32",  "int64", "double",  "bool",
                                       "datetime", "objectId", "binary", "array", "document"};

   return (unsigned) type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

/* ---- options --------------------------------------------------------- */

/* Reading the options of the definition calls; field.c and index.c use
 * docrel_model__option_index and docrel_model__iter_clean_utf8 too. */

bool
docrel_model__iter_clean_utf8 (const bson_iter_t *iter, const char **out)
{
   uint32_t len;
   const char *s;

   if (!BSON_ITER_HOLDS_UTF8 (iter)) {
      return false;
   }
   s = bson_iter_utf8 (iter, &len);
   if (len == 0 || strlen (s) != len || !bson_utf8_validate (s, len, false)) {
      return false;
   }
   *out = s;
   return true;
}

int
docrel_model__option_index (const char *const *names,
                            const char *key,
                            unsigned *seen,
                            const char *model,
                            const char *field,
                            const char *kind,
                            bson_error_t *error)
{
   int i;

   for (i = 0; names[i]; i++) {
      if (strcmp (names[i], key) == 0) {
         if (*seen & (1u << i)) {
            break;
         }
         *seen |= 1u << i;
         return i;
      }
   }
   docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION, "model '%s': %s%s%s%s %soption '%s'", model,
                      field ? "field '" : "", field ? field : "", field ? "': " : "", names[i] ? "repeated" : "unknown",
                      kind, key);
   return -1;
}

/* The index of iter's string in names (NULL-terminated), or -1. */
static int
choice_index (const bson_iter_t *iter, const char *const *names)
{
   int i;

   for (i = 0; BSON_ITER_HOLDS_UTF8 (iter) && names[i]; i++) {
      if (strcmp (bson_iter_utf8 (iter, NULL), names[i]) == 0) {
         return i;
      }
   }
   return -1;
}

/* ---- the registry ---------------------------------------------------- */

/* The store keeps its models (store->models) so that docrel_store_model
 * finds them and the store frees them, but only this layer knows what a
 * model is, and the store, a lower layer, must not call up into it. So the
 * model layer fills the registry and hands the store docrel_model__destroy
 * (store->free_model) to free the models with it. The functions named
 * *_locked are called with the store's mutex held. */

void
docrel_model__destroy (docrel_model_t *model)
{
   size_t i;

   if (!model) {
      return;
   }
   for (i = 0; i < model->n_fields; i++) {
      docrel_field__destroy (&model->fields[i]);
   }
   for (i = 0; i < model->n_indexes; i++) {
      docrel_index__destroy (&model->indexes[i]);
   }
   for (i = 0; i < model->n_relations; i++) {
      docrel_relation__destroy (model->relations[i]);
   }
   bson_free (model->relations);
   bson_free (model->fields);
   bson_free (model->indexes);
   docrel_hooks__destroy (model);
   bson_free (model->name);
   bson_free (model->collection);
   bson_free (model);
}

/* Checks that name and collection are not taken on store yet. */
static bool
check_free_locked (const docrel_store_t *store, const char *name, const char *collection, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < store->n_models; i++) {
      if (strcmp (store->models[i]->name, name) == 0) {
         return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME,
                                   "model '%s' is already defined on this store", name);
      }
      if (strcmp (store->models[i]->collection, collection) == 0) {
         return MODEL_ERROR (DOCREL_ERROR_DUPLICATE_NAME, "collection '%s' is already used by model '%s'", name,
                             collection, store->models[i]->name);
      }
   }
   return true;
}

/* Appends model to its store's registry. */
static void
register_locked (docrel_model_t *model)
{
   docrel_store_t *store = model->store;

   store->models = bson_realloc (store->models, (store->n_models + 1) * sizeof *store->models);
   store->models[store->n_models++] = model;
   store->free_model = docrel_model__destroy; /* the store frees its models */
}

docrel_model_t *
docrel_store_model (docrel_store_t *store, const char *name)
{
   docrel_model_t *found = NULL;
   size_t i;

   if (!store || !name) {
      return NULL;
   }
   pthread_mutex_lock (&store->mutex);
   for (i = 0; i < store->n_models && !found; i++) {
      if (strcmp (store->models[i]->name, name) == 0) {
         found = store->models[i];
      }
   }
   pthread_mutex_unlock (&store->mutex);
   return found;
}

/* ---- models ---------------------------------------------------------- */

/* Reads opts into *collection (borrowed; the model name if not given), *pk
 * and *extra. */
static bool
parse_model_opts (const char *name,
                  const bson_t *opts,
                  const char **collection,
                  docrel_pk_kind_t *pk,
                  docrel_extra_t *extra,
                  bson_error_t *error)
{
   static const char *const names[] = {"collection", "primaryKey", "extra", NULL};
   static const char *const extras[] = {"keep", "reject", "strip", NULL}; /* docrel_extra_t order */
   bson_iter_t iter;
   unsigned seen = 0;
   int choice;

   *collection = name;
   *pk = DOCREL_PK_OBJECT_ID;
   *extra = DOCREL_EXTRA_KEEP;
   if (opts && !bson_iter_init (&iter, opts)) {
      return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "the options are not a valid BSON document", name);
   }
   while (opts && bson_iter_next (&iter)) {
      switch (docrel_model__option_index (names, bson_iter_key (&iter), &seen, name, NULL, "", error)) {
      case 0:
         if (!docrel_model__iter_clean_utf8 (&iter, collection)) {
            return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION,
                                "option 'collection' must be a non-empty UTF-8 string without NUL bytes", name);
         }
         break;
      case 1:
         if ((choice = choice_index (&iter, docrel_model__pk_kinds)) < 0) {
            return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION,
                                "option 'primaryKey' must be \"objectId\", \"uuid\" or \"caller\"", name);
         }
         *pk = (docrel_pk_kind_t) choice;
         break;
      case 2:
         if ((choice = choice_index (&iter, extras)) < 0) {
            return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "option 'extra' must be \"keep\", \"reject\" or \"strip\"",
                                name);
         }
         *extra = (docrel_extra_t) choice;
         break;
      default:
         return false;
      }
   }
   /* The default collection is the model's name, so it must pass as one. */
   if (strncmp (*collection, "system.", 7) == 0) {
      return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "collection name '%s' must not start with \"system.\"", name,
                          *collection);
   }
   if (strchr (*collection, '$')) {
      return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "collection name '%s' must not contain '$'", name, *collection);
   }
   return true;
}

docrel_model_t *
docrel_model_new (docrel_store_t *store, const char *name, const bson_t *opts, bson_error_t *error)
{
   const char *collection;
   docrel_pk_kind_t pk;
   docrel_extra_t extra;
   docrel_model_t *model;

   if (!store || !name || name[0] == '\0' || !bson_utf8_validate (name, strlen (name), false)) {
      docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                         "docrel_model_new: needs a store and a non-empty UTF-8 model name");
      return NULL;
   }
   if (!parse_model_opts (name, opts, &collection, &pk, &extra, error)) {
      return NULL;
   }
   pthread_mutex_lock (&store->mutex);
   if (!check_free_locked (store, name, collection, error)) {
      pthread_mutex_unlock (&store->mutex);
      return NULL;
   }
   model = bson_malloc0 (sizeof *model);
   model->store = store;
   model->name = bson_strdup (name);
   model->collection = bson_strdup (collection);
   model->pk_kind = pk;
   model->extra = extra;
   register_locked (model);
   pthread_mutex_unlock (&store->mutex);
   return model;
}

const char *
docrel_model_name (const docrel_model_t *model)
{
   return model ? model->name : NULL;
}

const char *
docrel_model_collection (const docrel_model_t *model)
{
   return model ? model->collection : NULL;
}

docrel_pk_kind_t
docrel_model_pk_kind (const docrel_model_t *model)
{
   return model ? model->pk_kind : DOCREL_PK_OBJECT_ID;
}

const docrel_field_t *
docrel_model__field (const docrel_model_t *model, const char *path)
{
   size_t i;

   for (i = 0; model && path && i < model->n_fields; i++) {
      if (strcmp (model->fields[i].path, path) == 0) {
         return &model->fields[i];
      }
   }
   return NULL;
}

/* ---- first use ------------------------------------------------------- */

bool
docrel_model__use (docrel_model_t *model, bson_error_t *error)
{
   struct _docrel_store_t *store = model->store;
   docrel_index_spec_t spec;
   const docrel_index_t *index;
   bool ok = true;
   size_t i;

   /* Ready models skip the lock: a graph call uses its models inside its
    * transaction, holding the backend's lock, which must not be taken
    * before the store's. Ready implies frozen. */
   if (__atomic_load_n (&model->ready, __ATOMIC_ACQUIRE)) {
      return true;
   }
   pthread_mutex_lock (&store->mutex);
   model->frozen = true;
   if (!model->ready) {
      ok = docrel_store__ensure_collection (store, model->collection, error);
      for (i = 0; ok && i < model->n_indexes; i++) {
         index = &model->indexes[i];
         spec.name = index->name;
         spec.collection = model->collection;
         spec.n_keys = index->n_keys;
         spec.paths = (const char *const *) index->paths;
         spec.directions = index->directions;
         spec.unique = index->unique;
         ok = docrel_store__ensure_index (store, &spec, error);
      }
      __atomic_store_n (&model->ready, ok, __ATOMIC_RELEASE);
   }
   pthread_mutex_unlock (&store->mutex);
   return ok;
}
