/* SPDX-License-Identifier: Apache-2.0 */
/* field.c: declaring a model's typed fields — docrel_model_add_field, its
 * options (required, default, enum, bounds, lengths) and the checks of a new
 * path against what the model declares already (its other fields, the
 * primary key kind, unique indexes).
 *
 * Like every definition call (see model.c), docrel_model_add_field parses
 * into a temporary field and appends it only once every check has passed,
 * under the store's mutex. */
#include "model/model-private.h"

#include <string.h>

#include "bsonx/bsonx-private.h"
#include "util/util-private.h"
#include "store/store-private.h"

#define FIELD_ERROR(code, ...) \
   docrel_error__set (error, DOCREL_ERROR_MODEL, (code), "model '%s': field '%s': " __VA_ARGS__)

/* True if a is a proper prefix of b by whole components ("a" of "a.b"). */
static bool
path_extends (const char *a, const char *b)
{
   size_t la = strlen (a);

   return strncmp (a, b, la) == 0 && b[la] == '.';
}

bool
docrel_field__path_within (const char *path, const char *b)
{
   return strcmp (path, b) == 0 || path_extends (b, path);
}

void
docrel_field__destroy (docrel_field_t *field)
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

/* A bound for min / max: a number (not NaN) for numeric fields, a datetime
 * or integer milliseconds for datetime fields (kept as a datetime). */
static bool
parse_bound (const docrel_model_t *model,
             const docrel_field_t *field,
             const char *key,
             bson_iter_t *iter,
             bson_value_t *out,
             bson_error_t *error)
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
parse_length (const docrel_model_t *model,
              const docrel_field_t *field,
              const char *key,
              const bson_iter_t *iter,
              int64_t *out,
              bson_error_t *error)
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
      switch (docrel_model__option_index (names, key, &seen, model->name, field->path, "", error)) {
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
      case 2:
         ok = parse_enum (model, field, &iter, error);
         break;
      case 3:
         ok = field->has_min = parse_bound (model, field, key, &iter, &field->min, error);
         break;
      case 4:
         ok = field->has_max = parse_bound (model, field, key, &iter, &field->max, error);
         break;
      case 5:
         ok = parse_length (model, field, key, &iter, &field->min_length, error);
         break;
      case 6:
         ok = parse_length (model, field, key, &iter, &field->max_length, error);
         break;
      default:
         return false;
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

   if (docrel_field__path_within (path, "_id") && model->pk_kind != DOCREL_PK_CALLER) {
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
         if (docrel_field__path_within (index->paths[k], path)) {
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
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "a primary key set by the caller cannot have a default", model->name,
                          field->path);
   }
   if (field->default_value.value_type == BSON_TYPE_NULL && field->required) {
      return FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "a required field cannot default to null", model->name, field->path);
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
   FIELD_ERROR (DOCREL_ERROR_BAD_OPTION, "the default does not pass the field's checks: %s", model->name, field->path,
                detail);
   bson_free (prefix);
   return false;
}

static bool
add_field_locked (docrel_model_t *model, const char *path, docrel_type_t type, const bson_t *opts, bson_error_t *error)
{
   docrel_field_t field;
   bson_error_t inner;

   if (model->frozen) {
      return FIELD_ERROR (DOCREL_ERROR_MODEL_IN_USE,
                          "cannot declare a field: the model is in use (a document was created or loaded)", model->name,
                          path);
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
      docrel_field__destroy (&field);
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
docrel_model_add_field (docrel_model_t *model,
                        const char *name,
                        docrel_type_t type,
                        const bson_t *opts,
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
