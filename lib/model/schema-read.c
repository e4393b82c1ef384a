/* SPDX-License-Identifier: Apache-2.0 */
/* schema-read.c: reading and checking the pieces of a schema document for
 * the walker in schema.c — the JSON path that messages name, keys, names,
 * flags and strings, the primary key of a model, the type of a field and
 * the top level. Nothing here declares anything: every builder call is
 * the walker's. */
#include <stdarg.h>
#include <string.h>

#include "model/model-private.h"
#include "util/util-private.h"

#define BAD DOCREL_ERROR_BAD_OPTION

static const struct {
   const char *name;
   docrel_type_t type;
} scalars[] = {{"ID", DOCREL_TYPE_STRING},
               {"String", DOCREL_TYPE_STRING},
               {"AWSEmail", DOCREL_TYPE_STRING},
               {"AWSURL", DOCREL_TYPE_STRING},
               {"AWSPhone", DOCREL_TYPE_STRING},
               {"AWSIPAddress", DOCREL_TYPE_STRING},
               {"AWSDate", DOCREL_TYPE_STRING},
               {"AWSTime", DOCREL_TYPE_STRING},
               {"Int", DOCREL_TYPE_INT64},
               {"Float", DOCREL_TYPE_DOUBLE},
               {"Boolean", DOCREL_TYPE_BOOL},
               {"AWSDateTime", DOCREL_TYPE_DATETIME},
               {"AWSTimestamp", DOCREL_TYPE_DATETIME},
               {"AWSJSON", DOCREL_TYPE_ANY}};

/* ---- paths and errors ------------------------------------------------ */

size_t
docrel_schema__push (docrel_schema_ctx_t *ctx, const char *part)
{
   size_t len = strlen (ctx->path);

   bson_snprintf (ctx->path + len, sizeof ctx->path - len, "%s%s", len ? "." : "", part);
   return len;
}

/* Cuts the path back to len, never past its end: a path pushed beyond
 * the buffer was cut short, and len + strlen (".part") then lies past it. */
void
docrel_schema__pop (docrel_schema_ctx_t *ctx, size_t len)
{
   if (len < strlen (ctx->path)) {
      ctx->path[len] = '\0';
   }
}

bool
docrel_schema__fail (docrel_schema_ctx_t *ctx, const char *key, uint32_t code, const char *fmt, ...)
{
   char msg[300];
   va_list ap;

   if (key) {
      docrel_schema__push (ctx, key);
   }
   va_start (ap, fmt);
   bson_vsnprintf (msg, sizeof msg, fmt, ap);
   va_end (ap);
   return docrel_error__set (ctx->error, DOCREL_ERROR_MODEL, code, "schema at '%s': %s", ctx->path, msg);
}

bool
docrel_schema__prefix (docrel_schema_ctx_t *ctx)
{
   return docrel_error__prefix (ctx->error, "schema at '%s': ", ctx->path);
}

/* ---- reading the document -------------------------------------------- */

bool
docrel_schema__get (const bson_t *doc, const char *key, bson_iter_t *out)
{
   if (!bson_iter_init (out, doc)) {
      return false;
   }
   while (bson_iter_next (out)) {
      if (strcmp (bson_iter_key (out), key) == 0) {
         return true;
      }
   }
   return false;
}

bool
docrel_schema__view (const bson_iter_t *iter, bool array, bson_t *out)
{
   const uint8_t *data = NULL;
   uint32_t len = 0;

   if (array && BSON_ITER_HOLDS_ARRAY (iter)) {
      bson_iter_array (iter, &len, &data);
   } else if (!array && BSON_ITER_HOLDS_DOCUMENT (iter)) {
      bson_iter_document (iter, &len, &data);
   }
   return data && bson_init_static (out, data, len);
}

bool
docrel_schema__get_view (docrel_schema_ctx_t *ctx,
                         const bson_t *doc,
                         const char *key,
                         bool array,
                         bson_t *out,
                         bool *ok)
{
   bson_iter_t iter;

   if (!docrel_schema__get (doc, key, &iter)) {
      return false;
   }
   if (!docrel_schema__view (&iter, array, out)) {
      *ok = docrel_schema__fail (ctx, key, BAD, "expected %s", array ? "an array" : "an object");
      return false;
   }
   return true;
}

bool
docrel_schema__check_keys (docrel_schema_ctx_t *ctx, const bson_t *doc, const char *const *allowed)
{
   bson_iter_t iter;
   unsigned seen = 0;
   int i;

   if (!bson_iter_init (&iter, doc)) {
      return docrel_schema__fail (ctx, NULL, BAD, "not a valid BSON document");
   }
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      for (i = 0; allowed[i] && strcmp (allowed[i], key) != 0; i++) {
      }
      if (!allowed[i] || (seen & (1u << i))) {
         return docrel_schema__fail (ctx, key, BAD, "%s key \"%s\"", allowed[i] ? "repeated" : "unknown", key);
      }
      seen |= 1u << i;
   }
   return true;
}

bool
docrel_schema__get_bool (docrel_schema_ctx_t *ctx, const bson_t *doc, const char *key, bool *out)
{
   bson_iter_t iter;

   *out = false;
   if (!docrel_schema__get (doc, key, &iter)) {
      return true;
   }
   if (!BSON_ITER_HOLDS_BOOL (&iter)) {
      return docrel_schema__fail (ctx, key, BAD, "expected true or false");
   }
   *out = bson_iter_bool (&iter);
   return true;
}

bool
docrel_schema__get_string (docrel_schema_ctx_t *ctx, const bson_t *doc, const char *key, const char **out)
{
   bson_iter_t iter;

   *out = NULL;
   if (!docrel_schema__get (doc, key, &iter)) {
      return true;
   }
   if (!BSON_ITER_HOLDS_UTF8 (&iter) || !*bson_iter_utf8 (&iter, NULL)) {
      return docrel_schema__fail (ctx, key, BAD, "expected a non-empty string");
   }
   *out = bson_iter_utf8 (&iter, NULL);
   return true;
}

bool
docrel_schema__check_name (docrel_schema_ctx_t *ctx, const bson_t *doc, const char *expected)
{
   const char *name;

   if (!docrel_schema__get_string (ctx, doc, "name", &name)) {
      return false;
   }
   if (name && strcmp (name, expected) != 0) {
      return docrel_schema__fail (ctx, "name", BAD, "\"%s\" differs from the key \"%s\"", name, expected);
   }
   return true;
}

bool
docrel_schema__read_names (docrel_schema_ctx_t *ctx,
                           const bson_iter_t *iter,
                           const char *key,
                           const char *pk_field,
                           docrel_schema_keys_t *out)
{
   bool one = BSON_ITER_HOLDS_UTF8 (iter);
   bson_t array;
   bson_iter_t child = *iter;
   const char *s;

   out->n = 0;
   if (!one &&
       (!docrel_schema__view (iter, true, &array) || !bson_iter_init (&child, &array) || !bson_iter_next (&child))) {
      return docrel_schema__fail (ctx, key, BAD, "expected a field name or a non-empty array of them");
   }
   do {
      if (!BSON_ITER_HOLDS_UTF8 (&child) || !*(s = bson_iter_utf8 (&child, NULL)) || out->n == DOCREL_MAX_KEYS) {
         return docrel_schema__fail (ctx, key, BAD, "expected 1 to %d field names (strings)", DOCREL_MAX_KEYS);
      }
      out->names[out->n++] = strcmp (s, pk_field) == 0 ? "_id" : s;
   } while (!one && bson_iter_next (&child));
   return true;
}

/* The docrel type of a scalar Amplify type name, or -1. */
static int
scalar_type (const char *name)
{
   size_t i;

   for (i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
      if (strcmp (scalars[i].name, name) == 0) {
         return (int) scalars[i].type;
      }
   }
   return -1;
}

/* ---- primary keys ---------------------------------------------------- */

bool
docrel_schema__read_pk (docrel_schema_ctx_t *ctx, const bson_t *mdoc, docrel_schema_pk_t *pk)
{
   static const char *const info_keys[] = {"isCustomPrimaryKey", "primaryKeyFieldName", "sortKeyFieldNames", NULL};
   bson_t fields, info, docrel, fdoc, array;
   bson_iter_t iter, child;
   bool ok = true, has_fields, custom, has_sort;
   const char *s = NULL;
   size_t len = strlen (ctx->path);
   int i;

   memset (pk, 0, sizeof *pk);
   pk->field = "id";
   pk->keys.names[pk->keys.n++] = "_id";
   pk->kind = DOCREL_PK_UUID;
   pk->type = DOCREL_TYPE_STRING;
   has_fields = docrel_schema__get_view (ctx, mdoc, "fields", false, &fields, &ok);
   if (ok && docrel_schema__get_view (ctx, mdoc, "primaryKeyInfo", false, &info, &ok)) {
      docrel_schema__push (ctx, "primaryKeyInfo");
      if (!docrel_schema__check_keys (ctx, &info, info_keys) ||
          !docrel_schema__get_bool (ctx, &info, "isCustomPrimaryKey", &custom) ||
          !docrel_schema__get_string (ctx, &info, "primaryKeyFieldName", &s)) {
         return false;
      }
      pk->field = s ? s : pk->field;
      has_sort = docrel_schema__get (&info, "sortKeyFieldNames", &child);
      if (has_sort && (!docrel_schema__view (&child, true, &array) || !bson_iter_init (&child, &array))) {
         return docrel_schema__fail (ctx, "sortKeyFieldNames", BAD, "expected an array of field names");
      }
      while (has_sort && bson_iter_next (&child)) {
         s = BSON_ITER_HOLDS_UTF8 (&child) ? bson_iter_utf8 (&child, NULL) : "";
         if (pk->keys.n == DOCREL_MAX_KEYS || strcmp (s, pk->field) == 0 || !has_fields ||
             !docrel_schema__get (&fields, s, &iter)) {
            return docrel_schema__fail (ctx, "sortKeyFieldNames", BAD,
                                        "expected at most %d names of other fields of the model", DOCREL_MAX_KEYS - 1);
         }
         pk->keys.names[pk->keys.n++] = s;
      }
      docrel_schema__pop (ctx, len);
   }
   /* The key field's type: a scalar, not an array. */
   if (ok && has_fields && docrel_schema__get (&fields, pk->field, &iter) &&
       docrel_schema__view (&iter, false, &fdoc)) {
      i = docrel_schema__get (&fdoc, "type", &iter) && BSON_ITER_HOLDS_UTF8 (&iter)
             ? scalar_type (bson_iter_utf8 (&iter, NULL))
             : -1;
      if (i < 0 || (docrel_schema__get (&fdoc, "isArray", &child) &&
                    !(BSON_ITER_HOLDS_BOOL (&child) && !bson_iter_bool (&child)))) {
         docrel_schema__push (ctx, "fields");
         docrel_schema__push (ctx, pk->field);
         return docrel_schema__fail (ctx, "type", BAD, "the primary key field must have a scalar type, not an array");
      }
      pk->type = (docrel_type_t) i;
      pk->kind = strcmp (bson_iter_utf8 (&iter, NULL), "ID") == 0 ? DOCREL_PK_UUID : DOCREL_PK_CALLER;
   }
   if (ok && docrel_schema__get_view (ctx, mdoc, "docrel", false, &docrel, &ok)) {
      docrel_schema__push (ctx, "docrel");
      if (!docrel_schema__get_string (ctx, &docrel, "primaryKey", &s)) {
         return false;
      }
      for (i = 0; s && docrel_model__pk_kinds[i] && strcmp (docrel_model__pk_kinds[i], s) != 0; i++) {
      }
      if (s && !docrel_model__pk_kinds[i]) {
         return docrel_schema__fail (ctx, "primaryKey", BAD, "expected \"objectId\", \"uuid\" or \"caller\"");
      }
      pk->kind = s ? (docrel_pk_kind_t) i : pk->kind;
      if (pk->kind != DOCREL_PK_CALLER && pk->type != DOCREL_TYPE_STRING) {
         return docrel_schema__fail (ctx, "primaryKey", BAD,
                                     "a generated key needs the primary key field '%s' to be of type ID", pk->field);
      }
      docrel_schema__pop (ctx, len);
   }
   return ok;
}

bool
docrel_schema__target_pk (docrel_schema_ctx_t *ctx, const char *b, docrel_schema_pk_t *pk)
{
   bson_iter_t iter;
   bson_t bdoc;

   if (docrel_schema__get (&ctx->models, b, &iter) && docrel_schema__view (&iter, false, &bdoc)) {
      return docrel_schema__read_pk (ctx, &bdoc, pk); /* cannot fail: checked with the models */
   }
   memset (pk, 0, sizeof *pk);
   pk->field = "id";
   pk->keys.names[pk->keys.n++] = "_id";
   return true;
}

/* ---- types ----------------------------------------------------------- */

bool
docrel_schema__read_type (docrel_schema_ctx_t *ctx,
                          const bson_t *fdoc,
                          docrel_type_t *type,
                          const char **target,
                          bson_iter_t *enum_values,
                          bool *has_enum)
{
   static const char *const type_keys[] = {"model", "nonModel", "enum", NULL};
   bson_iter_t iter, inner;
   size_t len;
   bson_t tdoc, edoc;
   const char *key, *name;
   int t;

   *target = NULL;
   *has_enum = false;
   if (!docrel_schema__get (fdoc, "type", &iter)) {
      return docrel_schema__fail (ctx, NULL, BAD, "missing key \"type\"");
   }
   if (BSON_ITER_HOLDS_UTF8 (&iter)) {
      name = bson_iter_utf8 (&iter, NULL);
      if ((t = scalar_type (name)) < 0) {
         return docrel_schema__fail (ctx, "type", BAD, "unknown type \"%s\"", name);
      }
      *type = (docrel_type_t) t;
      return true;
   }
   len = docrel_schema__push (ctx, "type");
   if (!docrel_schema__view (&iter, false, &tdoc) || !docrel_schema__check_keys (ctx, &tdoc, type_keys) ||
       bson_count_keys (&tdoc) != 1 || !bson_iter_init (&inner, &tdoc) || !bson_iter_next (&inner) ||
       !BSON_ITER_HOLDS_UTF8 (&inner)) {
      return docrel_schema__fail (ctx, NULL, BAD,
                                  "expected a type name or {\"model\" | \"nonModel\" | \"enum\": name}");
   }
   key = bson_iter_key (&inner);
   name = bson_iter_utf8 (&inner, NULL);
   if (strcmp (key, "model") == 0) {
      if (!docrel_schema__get (&ctx->models, name, &iter) &&
          !docrel_store_model (ctx->outer ? ctx->outer : ctx->store, name)) {
         return docrel_schema__fail (ctx, key, DOCREL_ERROR_UNKNOWN_MODEL,
                                     "unknown model \"%s\" (in neither the schema nor the store)", name);
      }
      *target = name;
   } else if (strcmp (key, "nonModel") == 0) {
      if (!docrel_schema__get (&ctx->non_models, name, &iter)) {
         return docrel_schema__fail (ctx, key, BAD, "unknown non-model type \"%s\"", name);
      }
      *type = DOCREL_TYPE_DOCUMENT;
   } else {
      if (!docrel_schema__get (&ctx->enums, name, &iter) || !docrel_schema__view (&iter, false, &edoc) ||
          !docrel_schema__get (&edoc, "values", enum_values)) {
         return docrel_schema__fail (ctx, key, BAD, "unknown enum \"%s\"", name);
      }
      *type = DOCREL_TYPE_STRING;
      *has_enum = true;
   }
   docrel_schema__pop (ctx, len);
   return true;
}

/* ---- the top level --------------------------------------------------- */

bool
docrel_schema__check_top (docrel_schema_ctx_t *ctx, const bson_t *schema)
{
   static const char *const top_keys[] = {"version", "models", "enums", "nonModels", NULL};
   static const char *const enum_keys[] = {"name", "values", NULL};
   static const char *const non_model_keys[] = {"name", "fields", NULL};
   bson_iter_t iter;
   bson_t entry, sub;
   bool ok = true;
   size_t len;
   int pass;

   if (!docrel_schema__check_keys (ctx, schema, top_keys)) {
      return false;
   }
   if (docrel_schema__get (schema, "version", &iter) &&
       !((BSON_ITER_HOLDS_INT32 (&iter) || BSON_ITER_HOLDS_INT64 (&iter)) && bson_iter_as_int64 (&iter) == 1)) {
      return docrel_schema__fail (ctx, "version", BAD, "expected 1");
   }
   if (!docrel_schema__get_view (ctx, schema, "models", false, &ctx->models, &ok)) {
      return ok ? docrel_schema__fail (ctx, "models", BAD, "missing key \"models\"") : false;
   }
   docrel_schema__get_view (ctx, schema, "enums", false, &ctx->enums, &ok);
   if (!ok || (docrel_schema__get_view (ctx, schema, "nonModels", false, &ctx->non_models, &ok), !ok)) {
      return false;
   }
   for (pass = 0; pass < 2; pass++) { /* the enums, then the non-models */
      len = docrel_schema__push (ctx, pass == 0 ? "enums" : "nonModels");
      bson_iter_init (&iter, pass == 0 ? &ctx->enums : &ctx->non_models);
      while (bson_iter_next (&iter)) {
         docrel_schema__push (ctx, bson_iter_key (&iter));
         if (!docrel_schema__view (&iter, false, &entry)) {
            return docrel_schema__fail (ctx, NULL, BAD, "expected an object");
         }
         if (!docrel_schema__check_keys (ctx, &entry, pass == 0 ? enum_keys : non_model_keys) ||
             !docrel_schema__check_name (ctx, &entry, bson_iter_key (&iter))) {
            return false;
         }
         if (pass == 0 && !docrel_schema__get_view (ctx, &entry, "values", true, &sub, &ok)) {
            return ok ? docrel_schema__fail (ctx, "values", BAD, "missing key \"values\"") : false;
         }
         if (pass == 1 && (docrel_schema__get_view (ctx, &entry, "fields", false, &sub, &ok), !ok)) {
            return false;
         }
         docrel_schema__pop (ctx, len + strlen (pass == 0 ? "enums" : "nonModels"));
      }
      docrel_schema__pop (ctx, len);
   }
   return true;
}
