/* model.c: defining models — their name and collection, primary key kind,
 * typed fields and indexes — and the model services the document layer
 * needs: freezing it on first use. Checking documents against a model,
 * defaults and undeclared fields live in validate.c.
 *
 * Definition calls parse everything into temporaries first and touch the
 * model only once every check has passed, so a failed call changes nothing.
 * They run under the store's mutex, the one docrel_model__use takes to
 * freeze the model, so a definition racing a first use either lands before
 * the freeze or fails with DOCREL_ERROR_MODEL_IN_USE. */
#include "model/model-private.h"

#include <string.h>

#include "bsonx/bsonx-private.h"
#include "util/util-private.h"
#include "store/store-private.h"

#define MAX_INDEX_KEYS 16

#define MODEL_ERROR(code, ...) docrel_error__set (error, DOCREL_ERROR_MODEL, (code), "model '%s': " __VA_ARGS__)
#define FIELD_ERROR(code, ...) \
   docrel_error__set (error, DOCREL_ERROR_MODEL, (code), "model '%s': field '%s': " __VA_ARGS__)
#define INDEX_ERROR(code, ...) \
   docrel_error__set (error, DOCREL_ERROR_MODEL, (code), "model '%s': index '%s': " __VA_ARGS__)

const char *
docrel_model__type_name (docrel_type_t type)
{
   static const char *const names[] = {"any",      "string",   "int32",  "int64", "double",  "bool",
                                       "datetime", "objectId", "binary", "array", "document"};

   return (unsigned) type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

/* True if iter holds a non-empty, valid UTF-8 string free of NUL bytes;
 * *out borrows it. */
static bool
iter_clean_utf8 (const bson_iter_t *iter, const char **out)
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

/* True if a is a proper prefix of b by whole components ("a" of "a.b"). */
static bool
path_extends (const char *a, const char *b)
{
   size_t la = strlen (a);

   return strncmp (a, b, la) == 0 && b[la] == '.';
}

/* True if path is b or lies under it. */
static bool
path_within (const char *path, const char *b)
{
   return strcmp (path, b) == 0 || path_extends (b, path);
}

/* The index of key in names (NULL-terminated), marking it in *seen; -1 with
 * error set (naming the model, the field if not NULL, and the kind of option:
 * "" or "index ") for an unknown or repeated key. */
static int
option_index (const char *const *names, const char *key, unsigned *seen, const char *model, const char *field,
              const char *kind, bson_error_t *error)
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
                      field ? "field '" : "", field ? field : "", field ? "': " : "",
                      names[i] ? "repeated" : "unknown", kind, key);
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

static void
field_destroy (docrel_field_t *field)
{
   bson_free (field->path);
   if (field->has_default) {
      bson_value_destroy (&field->default_value);
   }
   if (field->has_enum) {
      bson_value_destroy (&field->enum_values);
   }
   if (field->has_min) {
      bson_value_destroy (&field->min);
   }
   if (field->has_max) {
      bson_value_destroy (&field->max);
   }
}

static void
index_destroy (docrel_index_t *index)
{
   size_t i;

   bson_free (index->name);
   for (i = 0; i < index->n_keys; i++) {
      bson_free (index->paths[i]);
   }
   bson_free (index->paths);
   bson_free (index->directions);
}

void
docrel_model__destroy (docrel_model_t *model)
{
   size_t i;

   if (!model) {
      return;
   }
   for (i = 0; i < model->n_fields; i++) {
      field_destroy (&model->fields[i]);
   }
   for (i = 0; i < model->n_indexes; i++) {
      index_destroy (&model->indexes[i]);
   }
   for (i = 0; i < model->n_relations; i++) {
      docrel_relation__destroy (model->relations[i]);
   }
   bson_free (model->relations);
   bson_free (model->fields);
   bson_free (model->indexes);
   bson_free (model->name);
   bson_free (model->collection);
   bson_free (model);
}

/* ---- models ---------------------------------------------------------- */

/* Reads opts into *collection (borrowed; the model name if not given), *pk
 * and *extra. */
static bool
parse_model_opts (const char *name, const bson_t *opts, const char **collection, docrel_pk_kind_t *pk,
                  docrel_extra_t *extra, bson_error_t *error)
{
   static const char *const names[] = {"collection", "primaryKey", "extra", NULL};
   static const char *const pks[] = {"objectId", "uuid", "caller", NULL};       /* docrel_pk_kind_t order */
   static const char *const extras[] = {"keep", "reject", "strip", NULL};       /* docrel_extra_t order */
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
      switch (option_index (names, bson_iter_key (&iter), &seen, name, NULL, "", error)) {
      case 0:
         if (!iter_clean_utf8 (&iter, collection)) {
            return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION,
                                "option 'collection' must be a non-empty UTF-8 string without NUL bytes", name);
         }
         break;
      case 1:
         if ((choice = choice_index (&iter, pks)) < 0) {
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
   size_t i;

   if (!store || !name || name[0] == '\0' || !bson_utf8_validate (name, strlen (name), false)) {
      docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                         "docrel_model_new: needs a store and a non-empty UTF-8 model name");
      return NULL;
   }
   if (!parse_model_opts (name, opts, &collection, &pk, &extra, error)) {
      return NULL;
   }
   pthread_mutex_lock (&store->mutex);
   for (i = 0; i < store->n_models; i++) {
      if (strcmp (store->models[i]->name, name) == 0) {
         pthread_mutex_unlock (&store->mutex);
         docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME,
                            "model '%s' is already defined on this store", name);
         return NULL;
      }
      if (strcmp (store->models[i]->collection, collection) == 0) {
         pthread_mutex_unlock (&store->mutex);
         MODEL_ERROR (DOCREL_ERROR_DUPLICATE_NAME, "collection '%s' is already used by model '%s'", name, collection,
                      store->models[i]->name);
         return NULL;
      }
   }
   model = bson_malloc0 (sizeof *model);
   model->store = store;
   model->name = bson_strdup (name);
   model->collection = bson_strdup (collection);
   model->pk_kind = pk;
   model->extra = extra;
   store->models = bson_realloc (store->models, (store->n_models + 1) * sizeof *store->models);
   store->models[store->n_models++] = model;
   store->free_model = docrel_model__destroy; /* the store frees its models */
   pthread_mutex_unlock (&store->mutex);
   return model;
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

/* ---- fields ---------------------------------------------------------- */

/* A bound for min / max: a number (not NaN) for numeric fields, a datetime
 * or integer milliseconds for datetime fields (kept as a datetime). */
static bool
parse_bound (const docrel_model_t *model, const docrel_field_t *field, const char *key, bson_iter_t *iter,
             bson_value_t *out, bson_error_t *error)
{
   const bson_value_t *v = bson_iter_value (iter);
   bson_type_t t = v->value_type;

   if (field->type == DOCREL_TYPE_INT32 || field->type == DOCREL_TYPE_INT64 || field->type == DOCREL_TYPE_DOUBLE) {
      if (t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64 ||
          (t == BSON_TYPE_DOUBLE && v->value.v_double == v->value.v_double)) {
         bson_value_copy (v, out);
         return true;
      }
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "option '%s' must be a number, not NaN", model->name, field->path,
                          key);
   }
   if (field->type == DOCREL_TYPE_DATETIME) {
      if (t == BSON_TYPE_DATE_TIME || t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64) {
         out->value_type = BSON_TYPE_DATE_TIME;
         out->value.v_datetime = t == BSON_TYPE_DATE_TIME ? v->value.v_datetime
                                 : t == BSON_TYPE_INT32   ? v->value.v_int32
                                                          : v->value.v_int64;
         return true;
      }
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION,
                          "option '%s' must be a datetime or integer milliseconds since the epoch", model->name,
                          field->path, key);
   }
   return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "option '%s' does not apply to %s fields (only numbers and datetimes)",
                       model->name, field->path, key, docrel_model__type_name (field->type));
}

/* minLength / maxLength: a non-negative int32 or int64, on strings, arrays
 * and binary only. */
static bool
parse_length (const docrel_model_t *model, const docrel_field_t *field, const char *key, const bson_iter_t *iter,
              int64_t *out, bson_error_t *error)
{
   int64_t n = -1;

   if (field->type != DOCREL_TYPE_STRING && field->type != DOCREL_TYPE_ARRAY && field->type != DOCREL_TYPE_BINARY) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION,
                          "option '%s' does not apply to %s fields (only strings, arrays and binary)", model->name,
                          field->path, key, docrel_model__type_name (field->type));
   }
   if (BSON_ITER_HOLDS_INT32 (iter)) {
      n = bson_iter_int32 (iter);
   } else if (BSON_ITER_HOLDS_INT64 (iter)) {
      n = bson_iter_int64 (iter);
   }
   if (n < 0) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "option '%s' must be a non-negative integer", model->name,
                          field->path, key);
   }
   *out = n;
   return true;
}

/* enum: a non-empty array whose every element has a type the field takes. */
static bool
parse_enum (const docrel_model_t *model, docrel_field_t *field, bson_iter_t *iter, bson_error_t *error)
{
   const uint8_t *data;
   uint32_t len, i = 0;
   bson_t array;
   bson_iter_t child;

   if (!BSON_ITER_HOLDS_ARRAY (iter)) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "option 'enum' must be an array", model->name, field->path);
   }
   bson_iter_array (iter, &len, &data);
   if (!bson_init_static (&array, data, len) || !bson_iter_init (&child, &array)) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "option 'enum' is not a valid array", model->name, field->path);
   }
   for (; bson_iter_next (&child); i++) {
      if (!docrel_model__type_accepts (field->type, bson_iter_value (&child))) {
         return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "enum element %u is not a valid %s", model->name, field->path,
                             (unsigned) i, docrel_model__type_name (field->type));
      }
   }
   if (i == 0) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "option 'enum' must not be empty", model->name, field->path);
   }
   bson_value_copy (bson_iter_value (iter), &field->enum_values);
   field->has_enum = true;
   return true;
}

/* Fills field (path and type set) from opts. On failure field may hold some
 * options; the caller destroys it either way. */
static bool
parse_field_opts (const docrel_model_t *model, docrel_field_t *field, const bson_t *opts, bson_error_t *error)
{
   static const char *const names[] = {"required", "default", "enum", "min", "max", "minLength", "maxLength", NULL};
   bson_iter_t iter;
   unsigned seen = 0;
   const char *key;
   bool ok = true;

   if (opts && !bson_iter_init (&iter, opts)) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "the options are not a valid BSON document", model->name,
                          field->path);
   }
   while (ok && opts && bson_iter_next (&iter)) {
      key = bson_iter_key (&iter);
      switch (option_index (names, key, &seen, model->name, field->path, "", error)) {
      case 0:
         if (!BSON_ITER_HOLDS_BOOL (&iter)) {
            return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "option 'required' must be a bool", model->name, field->path);
         }
         field->required = bson_iter_bool (&iter);
         break;
      case 1:
         bson_value_copy (bson_iter_value (&iter), &field->default_value);
         field->has_default = true;
         break;
      case 2: ok = parse_enum (model, field, &iter, error); break;
      case 3: ok = field->has_min = parse_bound (model, field, key, &iter, &field->min, error); break;
      case 4: ok = field->has_max = parse_bound (model, field, key, &iter, &field->max, error); break;
      case 5: ok = parse_length (model, field, key, &iter, &field->min_length, error); break;
      case 6: ok = parse_length (model, field, key, &iter, &field->max_length, error); break;
      default: return false;
      }
   }
   if (!ok) {
      return false;
   }
   if (field->has_min && field->has_max && docrel_compare__values (&field->min, &field->max) > 0) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "option 'min' is above option 'max'", model->name, field->path);
   }
   if (field->min_length >= 0 && field->max_length >= 0 && field->min_length > field->max_length) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "option 'minLength' is above option 'maxLength'", model->name,
                          field->path);
   }
   return true;
}

/* Checks a new field's path and type against the primary key kind and what
 * is declared already. */
static bool
check_field_path (const docrel_model_t *model, const char *path, docrel_type_t type, bson_error_t *error)
{
   const docrel_field_t *other;
   const docrel_index_t *index;
   size_t i, k;

   if (path_within (path, "_id") && model->pk_kind != DOCREL_PK_CALLER) {
      return FIELD_ERROR (DOCREL_ERROR_INVALID_ARGUMENT,
                          "_id can be declared only on a model whose primary key is set by the caller "
                          "(\"primaryKey\": \"caller\")",
                          model->name, path);
   }
   if (strcmp (path, "_id") == 0 && type == DOCREL_TYPE_ARRAY) {
      return FIELD_ERROR (DOCREL_ERROR_INVALID_ARGUMENT, "a primary key cannot be an array", model->name, path);
   }
   for (i = 0; i < model->n_fields; i++) {
      other = &model->fields[i];
      if (strcmp (other->path, path) == 0) {
         return FIELD_ERROR (DOCREL_ERROR_DUPLICATE_NAME, "already declared (as %s)", model->name, path,
                             docrel_model__type_name (other->type));
      }
      if (path_extends (other->path, path) && other->type != DOCREL_TYPE_DOCUMENT) {
         return FIELD_ERROR (DOCREL_ERROR_INVALID_ARGUMENT,
                             "extends field '%s', which is declared as %s (only a document field can have "
                             "declared sub-fields)",
                             model->name, path, other->path, docrel_model__type_name (other->type));
      }
      if (path_extends (path, other->path) && type != DOCREL_TYPE_DOCUMENT) {
         return FIELD_ERROR (DOCREL_ERROR_INVALID_ARGUMENT,
                             "field '%s' is declared under it, so it must be a document, not %s", model->name, path,
                             other->path, docrel_model__type_name (type));
      }
   }
   for (i = 0; type == DOCREL_TYPE_ARRAY && i < model->n_indexes; i++) {
      index = &model->indexes[i];
      for (k = 0; index->unique && k < index->n_keys; k++) {
         if (path_within (index->paths[k], path)) {
            return FIELD_ERROR (DOCREL_ERROR_INVALID_ARGUMENT,
                                "cannot be an array: unique index '%s' covers it, and the embedded store cannot "
                                "enforce uniqueness per array element",
                                model->name, path, index->name);
         }
      }
   }
   return true;
}

/* The default must pass the field's own checks; the message reuses what
 * docrel_model__check_value says, without its "model ...: field ..." part. */
static bool
check_default (const docrel_model_t *model, const docrel_field_t *field, bson_error_t *error)
{
   bson_error_t inner;
   char *prefix;
   const char *detail;

   if (strcmp (field->path, "_id") == 0) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "a primary key set by the caller cannot have a default",
                          model->name, field->path);
   }
   if (field->default_value.value_type == BSON_TYPE_NULL && field->required) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "a required field cannot default to null", model->name,
                          field->path);
   }
   if (docrel_model__check_value (model, field, &field->default_value, &inner)) {
      return true;
   }
   prefix = bson_strdup_printf ("model '%s': field '%s'", model->name, field->path);
   detail = inner.message;
   if (strncmp (detail, prefix, strlen (prefix)) == 0) {
      detail += strlen (prefix);
      detail += strncmp (detail, ": ", 2) == 0 ? 2 : 0;
   }
   FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "the default does not pass the field's checks: %s", model->name,
                field->path, detail);
   bson_free (prefix);
   return false;
}

static bool
add_field_locked (docrel_model_t *model, const char *path, docrel_type_t type, const bson_t *opts,
                  bson_error_t *error)
{
   docrel_field_t field;
   bson_error_t inner;

   if (model->frozen) {
      return FIELD_ERROR (DOCREL_ERROR_MODEL_IN_USE,
                          "cannot declare a field: the model is in use (a document was created or loaded)",
                          model->name, path);
   }
   if (!docrel_path__check (path, &inner)) {
      return FIELD_ERROR (DOCREL_ERROR_INVALID_ARGUMENT, "invalid path: %s", model->name, path, inner.message);
   }
   if ((unsigned) type > (unsigned) DOCREL_TYPE_DOCUMENT) {
      return FIELD_ERROR (DOCREL_ERROR_INVALID_ARGUMENT, "unknown type %d", model->name, path, (int) type);
   }
   if (!check_field_path (model, path, type, error)) {
      return false;
   }
   memset (&field, 0, sizeof field);
   field.path = bson_strdup (path);
   field.type = type;
   field.min_length = -1;
   field.max_length = -1;
   if (!parse_field_opts (model, &field, opts, error) || (field.has_default && !check_default (model, &field, error))) {
      field_destroy (&field);
      return false;
   }
   if (strcmp (path, "_id") == 0) {
      field.required = true; /* a caller-set key is always required */
   }
   model->fields = bson_realloc (model->fields, (model->n_fields + 1) * sizeof *model->fields);
   model->fields[model->n_fields++] = field;
   return true;
}

bool
docrel_model_add_field (docrel_model_t *model, const char *name, docrel_type_t type, const bson_t *opts,
                        bson_error_t *error)
{
   bool ok;

   if (!model || !name) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                                "docrel_model_add_field: model and name must not be NULL");
   }
   pthread_mutex_lock (&model->store->mutex);
   ok = add_field_locked (model, name, type, opts, error);
   pthread_mutex_unlock (&model->store->mutex);
   return ok;
}

/* ---- indexes --------------------------------------------------------- */

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
parse_index_opts (const docrel_model_t *model, const bson_t *opts, const char **name, bool *unique,
                  bson_error_t *error)
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
      switch (option_index (names, bson_iter_key (&iter), &seen, model->name, NULL, "index ", error)) {
      case 0:
         if (!BSON_ITER_HOLDS_BOOL (&iter)) {
            return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "index option 'unique' must be a bool", model->name);
         }
         *unique = bson_iter_bool (&iter);
         break;
      case 1:
         if (!iter_clean_utf8 (&iter, name)) {
            return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION,
                                "index option 'name' must be a non-empty UTF-8 string without NUL bytes",
                                model->name);
         }
         break;
      default: return false;
      }
   }
   return true;
}

/* Reads keys into index->paths / directions. index->n_keys counts what is
 * owned so far, so index_destroy frees a partial result. */
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
      return MODEL_ERROR (DOCREL_ERROR_BAD_OPTION, "an index has at most %d keys, got %u", model->name,
                          MAX_INDEX_KEYS, (unsigned) n);
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
         return INDEX_ERROR (DOCREL_ERROR_DUPLICATE_NAME, "has the same keys as index '%s'", model->name,
                             index->name, model->indexes[i].name);
      }
   }
   for (k = 0; index->unique && k < index->n_keys; k++) {
      for (i = 0; i < model->n_fields; i++) {
         field = &model->fields[i];
         if (field->type == DOCREL_TYPE_ARRAY && path_within (index->paths[k], field->path)) {
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
      index_destroy (&index);
      return false;
   }
   index.name = name ? bson_strdup (name) : default_index_name (&index);
   if (!check_index (model, &index, error)) {
      index_destroy (&index);
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

/* ---- first use ------------------------------------------------------- */

bool
docrel_model__use (docrel_model_t *model, bson_error_t *error)
{
   struct _docrel_store_t *store = model->store;
   docrel_index_spec_t spec;
   const docrel_index_t *index;
   bool ok = true;
   size_t i;

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
      model->ready = ok;
   }
   pthread_mutex_unlock (&store->mutex);
   return ok;
}
