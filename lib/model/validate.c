/* SPDX-License-Identifier: Apache-2.0 */
/* validate.c: checking documents against their model, filling in defaults
 * and finding undeclared fields.
 *
 * One value is checked by docrel_model__check_value: presence and null first
 * (a field may be null unless it is required, as in Thinky, where a field
 * that is not required accepts null), then its type, then enum, bounds and
 * length. docrel_model_validate runs that over the primary key, every
 * declared field in declaration order and, for "reject" models, the
 * top-level keys, and stops at the first failure. Every message names the
 * model and the field and says what was expected and what was found, with
 * the value rendered as relaxed extended JSON. Nothing here allocates except
 * to render a message, and nothing is kept. */
#include "model/model-private.h"

#include <string.h>

#include "bsonx/bsonx-private.h"
#include "util/util-private.h"

#define VALUE_ERROR(code, fmt, ...)                                                                              \
   docrel_error__set (error, DOCREL_ERROR_VALIDATION, (code), "model '%s': field '%s': " fmt, model->name, path, \
                      __VA_ARGS__)

/* BSON type names as messages show them, in the words docrel uses for its
 * own field types. */
static const char *
bson_type_label (bson_type_t type)
{
   switch (type) {
   case BSON_TYPE_DOUBLE:
      return "double";
   case BSON_TYPE_UTF8:
      return "string";
   case BSON_TYPE_DOCUMENT:
      return "document";
   case BSON_TYPE_ARRAY:
      return "array";
   case BSON_TYPE_BINARY:
      return "binary";
   case BSON_TYPE_UNDEFINED:
      return "undefined";
   case BSON_TYPE_OID:
      return "objectId";
   case BSON_TYPE_BOOL:
      return "bool";
   case BSON_TYPE_DATE_TIME:
      return "datetime";
   case BSON_TYPE_NULL:
      return "null";
   case BSON_TYPE_REGEX:
      return "regex";
   case BSON_TYPE_DBPOINTER:
      return "dbPointer";
   case BSON_TYPE_CODE:
      return "code";
   case BSON_TYPE_SYMBOL:
      return "symbol";
   case BSON_TYPE_CODEWSCOPE:
      return "codeWithScope";
   case BSON_TYPE_INT32:
      return "int32";
   case BSON_TYPE_TIMESTAMP:
      return "timestamp";
   case BSON_TYPE_INT64:
      return "int64";
   case BSON_TYPE_DECIMAL128:
      return "decimal128";
   case BSON_TYPE_MINKEY:
      return "minKey";
   case BSON_TYPE_MAXKEY:
      return "maxKey";
   default:
      return "unknown type";
   }
}

/* What a field of type accepts, for "expected ..." */
static const char *
expected_label (docrel_type_t type)
{
   switch (type) {
   case DOCREL_TYPE_INT64:
      return "int64 (or int32)";
   case DOCREL_TYPE_DOUBLE:
      return "double (or int32, int64)";
   case DOCREL_TYPE_ANY:
      return "any value";
   default:
      return docrel_model__type_name (type);
   }
}

bool
docrel_model__type_accepts (docrel_type_t type, const bson_value_t *v)
{
   bson_type_t t = v->value_type;

   switch (type) {
   case DOCREL_TYPE_ANY:
      return t != BSON_TYPE_NULL;
   case DOCREL_TYPE_STRING:
      return t == BSON_TYPE_UTF8 && bson_utf8_validate (v->value.v_utf8.str, v->value.v_utf8.len, true);
   case DOCREL_TYPE_INT32:
      return t == BSON_TYPE_INT32;
   case DOCREL_TYPE_INT64:
      return t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64;
   case DOCREL_TYPE_DOUBLE:
      return t == BSON_TYPE_DOUBLE || t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64;
   case DOCREL_TYPE_BOOL:
      return t == BSON_TYPE_BOOL;
   case DOCREL_TYPE_DATETIME:
      return t == BSON_TYPE_DATE_TIME;
   case DOCREL_TYPE_OBJECT_ID:
      return t == BSON_TYPE_OID;
   case DOCREL_TYPE_BINARY:
      return t == BSON_TYPE_BINARY;
   case DOCREL_TYPE_ARRAY:
      return t == BSON_TYPE_ARRAY;
   case DOCREL_TYPE_DOCUMENT:
      return t == BSON_TYPE_DOCUMENT;
   default:
      return false;
   }
}

/* "expected <what>, got <type> <json>". */
static bool
wrong_type (const docrel_model_t *model,
            const char *path,
            const char *what,
            const bson_value_t *value,
            bson_error_t *error)
{
   char *json = docrel_error__value_json (value);

   if (value->value_type == BSON_TYPE_UTF8 &&
       !bson_utf8_validate (value->value.v_utf8.str, value->value.v_utf8.len, true)) {
      VALUE_ERROR (DOCREL_ERROR_WRONG_TYPE, "expected %s, got a string that is not valid UTF-8", what);
   } else {
      VALUE_ERROR (DOCREL_ERROR_WRONG_TYPE, "expected %s, got %s %s", what, bson_type_label (value->value_type), json);
   }
   bson_free (json);
   return false;
}

/* Appends s to buf (size n, holding *len bytes); false once it no longer
 * fits (buf then ends in "..."). */
static bool
append_bounded (char *buf, size_t n, size_t *len, const char *s)
{
   size_t add = strlen (s);

   if (*len + add + 5 > n) {
      memcpy (buf + *len, "...", 4);
      *len += 3;
      return false;
   }
   memcpy (buf + *len, s, add + 1);
   *len += add;
   return true;
}

static bool
check_enum (const docrel_model_t *model, const docrel_field_t *field, const bson_value_t *value, bson_error_t *error)
{
   const char *path = field->path;
   char list[300];
   size_t len = 0;
   bson_t values;
   bson_iter_t iter;
   char *json;
   bool fits = true;
   bool valid = bson_init_static (&values, field->enum_values.value.v_doc.data,
                                  field->enum_values.value.v_doc.data_len);

   if (valid && bson_iter_init (&iter, &values)) {
      while (bson_iter_next (&iter)) {
         if (docrel_compare__values (value, bson_iter_value (&iter)) == 0) {
            return true;
         }
      }
   }
   list[0] = '\0';
   append_bounded (list, sizeof list, &len, "[");
   if (valid && bson_iter_init (&iter, &values)) {
      while (fits && bson_iter_next (&iter)) {
         json = docrel_error__value_json (bson_iter_value (&iter));
         fits = (len == 1 || append_bounded (list, sizeof list, &len, ", ")) &&
                append_bounded (list, sizeof list, &len, json);
         bson_free (json);
      }
   }
   append_bounded (list, sizeof list, &len, "]");
   json = docrel_error__value_json (value);
   VALUE_ERROR (DOCREL_ERROR_OUT_OF_RANGE, "%s is not one of %s", json, list);
   bson_free (json);
   return false;
}

static bool
check_bounds (const docrel_model_t *model, const docrel_field_t *field, const bson_value_t *value, bson_error_t *error)
{
   const char *path = field->path;
   const bson_value_t *bound = NULL;
   const char *which = NULL;
   char *json, *bound_json;

   if (value->value_type == BSON_TYPE_DOUBLE && value->value.v_double != value->value.v_double) {
      return VALUE_ERROR (DOCREL_ERROR_OUT_OF_RANGE, "expected a number within the field's bounds, got %s", "NaN");
   }
   if (field->has_min && docrel_compare__values (value, &field->min) < 0) {
      bound = &field->min;
      which = "below the minimum";
   } else if (field->has_max && docrel_compare__values (value, &field->max) > 0) {
      bound = &field->max;
      which = "above the maximum";
   } else {
      return true;
   }
   json = docrel_error__value_json (value);
   bound_json = docrel_error__value_json (bound);
   VALUE_ERROR (DOCREL_ERROR_OUT_OF_RANGE, "%s is %s %s", json, which, bound_json);
   bson_free (json);
   bson_free (bound_json);
   return false;
}

static bool
check_length (const docrel_model_t *model, const docrel_field_t *field, const bson_value_t *value, bson_error_t *error)
{
   const char *path = field->path;
   const char *unit = "byte";
   int64_t n = 0;
   uint32_t i;
   bson_t array;
   char *json;

   if (value->value_type == BSON_TYPE_UTF8) {
      unit = "character";
      for (i = 0; i < value->value.v_utf8.len; i++) {
         n += ((unsigned char) value->value.v_utf8.str[i] & 0xC0) != 0x80; /* count lead bytes only */
      }
   } else if (value->value_type == BSON_TYPE_ARRAY) {
      unit = "element";
      if (bson_init_static (&array, value->value.v_doc.data, value->value.v_doc.data_len)) {
         n = bson_count_keys (&array);
      }
   } else if (value->value_type == BSON_TYPE_BINARY) {
      n = value->value.v_binary.data_len;
   } else {
      return true;
   }
   if ((field->min_length < 0 || n >= field->min_length) && (field->max_length < 0 || n <= field->max_length)) {
      return true;
   }
   json = docrel_error__value_json (value);
   if (field->min_length >= 0 && n < field->min_length) {
      VALUE_ERROR (DOCREL_ERROR_OUT_OF_RANGE, "%s has %lld %s%s, fewer than the minimum length %lld", json,
                   (long long) n, unit, n == 1 ? "" : "s", (long long) field->min_length);
   } else {
      VALUE_ERROR (DOCREL_ERROR_OUT_OF_RANGE, "%s has %lld %s%s, more than the maximum length %lld", json,
                   (long long) n, unit, n == 1 ? "" : "s", (long long) field->max_length);
   }
   bson_free (json);
   return false;
}

bool
docrel_model__check_value (const docrel_model_t *model,
                           const docrel_field_t *field,
                           const bson_value_t *value,
                           bson_error_t *error)
{
   const char *path;

   if (!model || !field) {
      return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_INVALID_ARGUMENT,
                                "docrel_model__check_value: model and field must not be NULL");
   }
   path = field->path;
   if (!value || value->value_type == BSON_TYPE_NULL) {
      if (!field->required) {
         return true;
      }
      return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_REQUIRED,
                                "model '%s': field '%s' is required%s", model->name, path, value ? ", got null" : "");
   }
   if (!docrel_model__type_accepts (field->type, value)) {
      return wrong_type (model, path, expected_label (field->type), value, error);
   }
   return (!field->has_enum || check_enum (model, field, value, error)) &&
          (!(field->has_min || field->has_max) || check_bounds (model, field, value, error)) &&
          (field->min_length < 0 && field->max_length < 0 ? true : check_length (model, field, value, error));
}

/* True if s is a UUID in canonical form: 8-4-4-4-12 lowercase hex digits. */
static bool
is_canonical_uuid (const char *s, uint32_t len)
{
   uint32_t i;

   if (len != 36) {
      return false;
   }
   for (i = 0; i < len; i++) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
         if (s[i] != '-') {
            return false;
         }
      } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
         return false;
      }
   }
   return true;
}

/* True if the document (or one inside it) has a key starting with '$'. */
static bool
has_dollar_key (const uint8_t *data, uint32_t len)
{
   bson_iter_t iter;
   bson_t doc;

   if (!bson_init_static (&doc, data, len) || !bson_iter_init (&iter, &doc)) {
      return false;
   }
   while (bson_iter_next (&iter)) {
      const bson_value_t *v = bson_iter_value (&iter);

      if (bson_iter_key (&iter)[0] == '$' ||
          ((v->value_type == BSON_TYPE_DOCUMENT || v->value_type == BSON_TYPE_ARRAY) &&
           has_dollar_key (v->value.v_doc.data, v->value.v_doc.data_len))) {
         return true;
      }
   }
   return false;
}

/* The _id against the primary key kind and, for caller keys, its declared
 * field. */
static bool
check_primary_key (const docrel_model_t *model, const bson_t *doc, bson_error_t *error)
{
   const char *path = "_id";
   const bson_value_t *value = NULL;
   bson_iter_t iter;
   bson_type_t t;

   if (bson_iter_init_find (&iter, doc, "_id")) {
      value = bson_iter_value (&iter);
   }
   switch (model->pk_kind) {
   case DOCREL_PK_OBJECT_ID:
      return !value || value->value_type == BSON_TYPE_OID || wrong_type (model, path, "objectId", value, error);
   case DOCREL_PK_UUID:
      if (!value || (value->value_type == BSON_TYPE_UTF8 &&
                     is_canonical_uuid (value->value.v_utf8.str, value->value.v_utf8.len))) {
         return true;
      }
      return wrong_type (model, path, "a UUID string in canonical form (8-4-4-4-12 lowercase hex digits)", value,
                         error);
   default:
      break;
   }
   if (!value || value->value_type == BSON_TYPE_NULL) {
      return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_REQUIRED,
                                "model '%s': field '_id' is required (the caller sets this model's primary key)%s",
                                model->name, value ? ", got null" : "");
   }
   t = value->value_type;
   if (t == BSON_TYPE_ARRAY || t == BSON_TYPE_REGEX || t == BSON_TYPE_UNDEFINED) {
      return wrong_type (model, path, "a primary key that is not an array, regex, undefined or null", value, error);
   }
   /* As MongoDB: such a key would read as query operators in the filters
    * that find and delete the document by it. */
   if (t == BSON_TYPE_DOCUMENT && has_dollar_key (value->value.v_doc.data, value->value.v_doc.data_len)) {
      return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_WRONG_TYPE,
                                "model '%s': field '_id': a document key may not hold '$'-prefixed fields",
                                model->name);
   }
   return !docrel_model__field (model, "_id") ||
          docrel_model__check_value (model, docrel_model__field (model, "_id"), value, error);
}

bool
docrel_model_validate (const docrel_model_t *model, const bson_t *document, bson_error_t *error)
{
   const docrel_field_t *field;
   bson_iter_t iter;
   size_t i;

   if (!model || !document) {
      return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_INVALID_ARGUMENT,
                                "docrel_model_validate: model and document must not be NULL");
   }
   if (!bson_iter_init (&iter, document)) {
      return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_INVALID_ARGUMENT,
                                "model '%s': the document is not valid BSON", model->name);
   }
   if (!docrel_arrays__numbered (bson_get_data (document), document->len, false)) {
      bson_t renumbered; /* arrays are read by position (util/arrays.c) */
      bool ok;
      docrel_arrays__renumber (bson_get_data (document), document->len, false, &renumbered);
      ok = docrel_model_validate (model, &renumbered, error);
      bson_destroy (&renumbered);
      return ok;
   }
   if (!check_primary_key (model, document, error)) {
      return false;
   }
   for (i = 0; i < model->n_fields; i++) {
      field = &model->fields[i];
      if (strcmp (field->path, "_id") == 0) {
         continue; /* checked with the primary key */
      }
      if (!docrel_model__check_value (model, field,
                                      docrel_path__find (document, field->path, &iter) ? bson_iter_value (&iter) : NULL,
                                      error)) {
         return false;
      }
   }
   if (model->extra != DOCREL_EXTRA_REJECT || !bson_iter_init (&iter, document)) {
      return true;
   }
   while (bson_iter_next (&iter)) {
      if (!docrel_model__top_level_declared (model, bson_iter_key (&iter))) {
         return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_EXTRA_FIELD,
                                   "model '%s': field '%s' is not declared (extra fields are rejected)", model->name,
                                   bson_iter_key (&iter));
      }
   }
   return true;
}

/* ---- defaults and undeclared fields ---------------------------------- */

void
docrel_model__apply_defaults (const docrel_model_t *model, bson_t *doc)
{
   bson_iter_t iter;
   bson_error_t ignored;
   size_t i;

   for (i = 0; i < model->n_fields; i++) {
      if (model->fields[i].has_default && !docrel_path__find (doc, model->fields[i].path, &iter)) {
         /* A path blocked by a scalar stays unset; validation reports it. */
         (void) docrel_path__set (doc, model->fields[i].path, &model->fields[i].default_value, &ignored);
      }
   }
}

/* True if the top-level key (len bytes) is "_id" or the first component of
 * a declared path. */
static bool
top_level_declared (const docrel_model_t *model, const char *key, size_t len)
{
   const char *path;
   size_t i;

   if (len == 3 && memcmp (key, "_id", 3) == 0) {
      return true;
   }
   for (i = 0; i < model->n_fields; i++) {
      path = model->fields[i].path;
      if (strncmp (path, key, len) == 0 && (path[len] == '\0' || path[len] == '.')) {
         return true;
      }
   }
   return false;
}

bool
docrel_model__top_level_declared (const docrel_model_t *model, const char *key)
{
   return top_level_declared (model, key, strlen (key));
}

bool
docrel_model__strip_extra (const docrel_model_t *model, const bson_t *doc, bson_t *out)
{
   bson_iter_t iter;
   bool removed = false;

   bson_init (out);
   if (!bson_iter_init (&iter, doc)) {
      return false;
   }
   while (bson_iter_next (&iter)) {
      if (top_level_declared (model, bson_iter_key (&iter), bson_iter_key_len (&iter))) {
         bson_append_iter (out, NULL, 0, &iter);
      } else {
         removed = true;
      }
   }
   return removed;
}
