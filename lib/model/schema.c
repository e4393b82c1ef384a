/* schema.c: declaring a whole schema document (Amplify's model introspection
 * shape; the mapping is documented in docrel-schema.h) through the public
 * builder calls, so every definition rule stays in model.c and relation.c.
 *
 * One walker reads the schema and declares it, in three passes over the
 * models: models, then fields and indexes, then relations (which may point
 * forward). It runs twice: first on a private in-memory scratch store, where
 * models outside the schema that the schema references get stand-ins with
 * their name, collection and key kind; a schema that fails there has
 * declared nothing on the caller's store. Then, on success, on the caller's
 * store. Both runs make the same calls in the same order, so the second
 * fails only on what the scratch store could not know (see the header). */
#include <stdarg.h>
#include <string.h>

#include "docrel/docrel-model.h"
#include "docrel/docrel-relation.h"
#include "docrel/docrel-schema.h"
#include "util/util-private.h"

#define MAX_KEYS 8 /* key fields per relation, as the builder allows */
#define BAD DOCREL_ERROR_BAD_OPTION

typedef struct {
   docrel_store_t *store;            /* where the schema is declared */
   docrel_store_t *outer;            /* the caller's store during the scratch run, else NULL */
   bson_t models, enums, non_models; /* views into the schema (empty when missing) */
   bson_error_t *error;              /* never NULL */
   char path[512];                   /* the JSON path being read, for messages */
} ctx_t;

/* Key field names, the Amplify primary key field already read as _id. */
typedef struct {
   const char *names[MAX_KEYS];
   size_t n;
} keys_t;

/* A model's primary key as the schema gives it. */
typedef struct {
   const char *field;     /* the Amplify field standing for _id ("id") */
   keys_t keys;           /* "_id", then the sort key fields */
   docrel_pk_kind_t kind;
   docrel_type_t type;    /* the mapped type of field (STRING if absent) */
} pk_t;

static const char *const pk_kinds[] = {"objectId", "uuid", "caller", NULL}; /* docrel_pk_kind_t order */

static const struct {
   const char *name;
   docrel_type_t type;
} scalars[] = {{"ID", DOCREL_TYPE_STRING},      {"String", DOCREL_TYPE_STRING},  {"AWSEmail", DOCREL_TYPE_STRING},
               {"AWSURL", DOCREL_TYPE_STRING},  {"AWSPhone", DOCREL_TYPE_STRING}, {"AWSIPAddress", DOCREL_TYPE_STRING},
               {"AWSDate", DOCREL_TYPE_STRING}, {"AWSTime", DOCREL_TYPE_STRING},  {"Int", DOCREL_TYPE_INT64},
               {"Float", DOCREL_TYPE_DOUBLE},   {"Boolean", DOCREL_TYPE_BOOL},    {"AWSDateTime", DOCREL_TYPE_DATETIME},
               {"AWSTimestamp", DOCREL_TYPE_DATETIME}, {"AWSJSON", DOCREL_TYPE_ANY}};

/* ---- paths and errors ------------------------------------------------ */

/* Appends part to the path; returns the length that pop restores. */
static size_t
push (ctx_t *ctx, const char *part)
{
   size_t len = strlen (ctx->path);

   bson_snprintf (ctx->path + len, sizeof ctx->path - len, "%s%s", len ? "." : "", part);
   return len;
}

static void
pop (ctx_t *ctx, size_t len)
{
   ctx->path[len] = '\0';
}

/* Sets a DOCREL_ERROR_MODEL error naming the path (with key, if not NULL,
 * under it). Always returns false. */
static bool BSON_GNUC_PRINTF (4, 5)
fail (ctx_t *ctx, const char *key, uint32_t code, const char *fmt, ...)
{
   char msg[300];
   va_list ap;

   if (key) {
      push (ctx, key);
   }
   va_start (ap, fmt);
   bson_vsnprintf (msg, sizeof msg, fmt, ap);
   va_end (ap);
   return docrel_error__set (ctx->error, DOCREL_ERROR_MODEL, code, "schema at '%s': %s", ctx->path, msg);
}

/* Puts the path in front of a builder call's error, keeping its domain and
 * code. Always returns false. */
static bool
prefix (ctx_t *ctx)
{
   return docrel_error__prefix (ctx->error, "schema at '%s': ", ctx->path);
}

/* ---- reading the document -------------------------------------------- */

/* Finds key in doc by exact match. */
static bool
get (const bson_t *doc, const char *key, bson_iter_t *out)
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

/* A static view of iter's object (or, with array, its array). */
static bool
view (const bson_iter_t *iter, bool array, bson_t *out)
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

/* Views doc's key as an object or array: false if missing, and also (with
 * *ok false and the error set) if of another kind. */
static bool
get_view (ctx_t *ctx, const bson_t *doc, const char *key, bool array, bson_t *out, bool *ok)
{
   bson_iter_t iter;

   if (!get (doc, key, &iter)) {
      return false;
   }
   if (!view (&iter, array, out)) {
      *ok = fail (ctx, key, BAD, "expected %s", array ? "an array" : "an object");
      return false;
   }
   return true;
}

/* Every key of doc is in allowed (NULL-terminated), none twice. */
static bool
check_keys (ctx_t *ctx, const bson_t *doc, const char *const *allowed)
{
   bson_iter_t iter;
   unsigned seen = 0;
   int i;

   if (!bson_iter_init (&iter, doc)) {
      return fail (ctx, NULL, BAD, "not a valid BSON document");
   }
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      for (i = 0; allowed[i] && strcmp (allowed[i], key) != 0; i++) {
      }
      if (!allowed[i] || (seen & (1u << i))) {
         return fail (ctx, key, BAD, "%s key \"%s\"", allowed[i] ? "repeated" : "unknown", key);
      }
      seen |= 1u << i;
   }
   return true;
}

/* If doc has key, it must be a bool: *out (else false). */
static bool
get_bool (ctx_t *ctx, const bson_t *doc, const char *key, bool *out)
{
   bson_iter_t iter;

   *out = false;
   if (!get (doc, key, &iter)) {
      return true;
   }
   if (!BSON_ITER_HOLDS_BOOL (&iter)) {
      return fail (ctx, key, BAD, "expected true or false");
   }
   *out = bson_iter_bool (&iter);
   return true;
}

/* If doc has key, it must be a non-empty string: *out, borrowed (else NULL). */
static bool
get_string (ctx_t *ctx, const bson_t *doc, const char *key, const char **out)
{
   bson_iter_t iter;

   *out = NULL;
   if (!get (doc, key, &iter)) {
      return true;
   }
   if (!BSON_ITER_HOLDS_UTF8 (&iter) || !*bson_iter_utf8 (&iter, NULL)) {
      return fail (ctx, key, BAD, "expected a non-empty string");
   }
   *out = bson_iter_utf8 (&iter, NULL);
   return true;
}

/* "name", if given, must repeat the key the object is under. */
static bool
check_name (ctx_t *ctx, const bson_t *doc, const char *expected)
{
   const char *name;

   if (!get_string (ctx, doc, "name", &name)) {
      return false;
   }
   if (name && strcmp (name, expected) != 0) {
      return fail (ctx, "name", BAD, "\"%s\" differs from the key \"%s\"", name, expected);
   }
   return true;
}

/* iter (under key) holds a field name or 1 to MAX_KEYS of them; pk_field
 * reads as "_id". */
static bool
read_names (ctx_t *ctx, const bson_iter_t *iter, const char *key, const char *pk_field, keys_t *out)
{
   bool one = BSON_ITER_HOLDS_UTF8 (iter);
   bson_t array;
   bson_iter_t child = *iter;
   const char *s;

   out->n = 0;
   if (!one && (!view (iter, true, &array) || !bson_iter_init (&child, &array) || !bson_iter_next (&child))) {
      return fail (ctx, key, BAD, "expected a field name or a non-empty array of them");
   }
   do {
      if (!BSON_ITER_HOLDS_UTF8 (&child) || !*(s = bson_iter_utf8 (&child, NULL)) || out->n == MAX_KEYS) {
         return fail (ctx, key, BAD, "expected 1 to %d field names (strings)", MAX_KEYS);
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

/* Reads the primary key of the model at the path (its object mdoc),
 * checking primaryKeyInfo and "docrel" "primaryKey". */
static bool
read_pk (ctx_t *ctx, const bson_t *mdoc, pk_t *pk)
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
   has_fields = get_view (ctx, mdoc, "fields", false, &fields, &ok);
   if (ok && get_view (ctx, mdoc, "primaryKeyInfo", false, &info, &ok)) {
      push (ctx, "primaryKeyInfo");
      if (!check_keys (ctx, &info, info_keys) || !get_bool (ctx, &info, "isCustomPrimaryKey", &custom) ||
          !get_string (ctx, &info, "primaryKeyFieldName", &s)) {
         return false;
      }
      pk->field = s ? s : pk->field;
      has_sort = get (&info, "sortKeyFieldNames", &child);
      if (has_sort && (!view (&child, true, &array) || !bson_iter_init (&child, &array))) {
         return fail (ctx, "sortKeyFieldNames", BAD, "expected an array of field names");
      }
      while (has_sort && bson_iter_next (&child)) {
         s = BSON_ITER_HOLDS_UTF8 (&child) ? bson_iter_utf8 (&child, NULL) : "";
         if (pk->keys.n == MAX_KEYS || strcmp (s, pk->field) == 0 || !has_fields || !get (&fields, s, &iter)) {
            return fail (ctx, "sortKeyFieldNames", BAD, "expected at most %d names of other fields of the model",
                         MAX_KEYS - 1);
         }
         pk->keys.names[pk->keys.n++] = s;
      }
      pop (ctx, len);
   }
   /* The key field's type: a scalar, not an array. */
   if (ok && has_fields && get (&fields, pk->field, &iter) && view (&iter, false, &fdoc)) {
      i = get (&fdoc, "type", &iter) && BSON_ITER_HOLDS_UTF8 (&iter) ? scalar_type (bson_iter_utf8 (&iter, NULL)) : -1;
      if (i < 0 || (get (&fdoc, "isArray", &child) && !(BSON_ITER_HOLDS_BOOL (&child) && !bson_iter_bool (&child)))) {
         push (ctx, "fields");
         push (ctx, pk->field);
         return fail (ctx, "type", BAD, "the primary key field must have a scalar type, not an array");
      }
      pk->type = (docrel_type_t) i;
      pk->kind = strcmp (bson_iter_utf8 (&iter, NULL), "ID") == 0 ? DOCREL_PK_UUID : DOCREL_PK_CALLER;
   }
   if (ok && get_view (ctx, mdoc, "docrel", false, &docrel, &ok)) {
      push (ctx, "docrel");
      if (!get_string (ctx, &docrel, "primaryKey", &s)) {
         return false;
      }
      for (i = 0; s && pk_kinds[i] && strcmp (pk_kinds[i], s) != 0; i++) {
      }
      if (s && !pk_kinds[i]) {
         return fail (ctx, "primaryKey", BAD, "expected \"objectId\", \"uuid\" or \"caller\"");
      }
      pk->kind = s ? (docrel_pk_kind_t) i : pk->kind;
      if (pk->kind != DOCREL_PK_CALLER && pk->type != DOCREL_TYPE_STRING) {
         return fail (ctx, "primaryKey", BAD, "a generated key needs the primary key field '%s' to be of type ID",
                      pk->field);
      }
      pop (ctx, len);
   }
   return ok;
}

/* The primary key of model b: from the schema if it is there, else _id
 * alone (a model declared outside the schema). */
static bool
target_pk (ctx_t *ctx, const char *b, pk_t *pk)
{
   bson_iter_t iter;
   bson_t bdoc;

   if (get (&ctx->models, b, &iter) && view (&iter, false, &bdoc)) {
      return read_pk (ctx, &bdoc, pk); /* cannot fail: checked with the models */
   }
   memset (pk, 0, sizeof *pk);
   pk->field = "id";
   pk->keys.names[pk->keys.n++] = "_id";
   return true;
}

/* ---- models ---------------------------------------------------------- */

/* Checks model m (the path) and declares it with docrel_model_new. */
static bool
declare_model (ctx_t *ctx, const char *m, const bson_t *mdoc)
{
   static const char *const model_keys[] = {"name", "fields", "primaryKeyInfo", "docrel", "syncable",
                                            "pluralName", "attributes", NULL};
   static const char *const docrel_keys[] = {"collection", "primaryKey", "extra", "indexes", NULL};
   bson_t docrel, opts;
   bool ok = true, has_docrel;
   size_t len;
   pk_t pk;

   if (!check_keys (ctx, mdoc, model_keys) || !check_name (ctx, mdoc, m)) {
      return false;
   }
   if ((has_docrel = get_view (ctx, mdoc, "docrel", false, &docrel, &ok))) {
      len = push (ctx, "docrel");
      if (!check_keys (ctx, &docrel, docrel_keys)) {
         return false;
      }
      pop (ctx, len);
   }
   if (!ok || !read_pk (ctx, mdoc, &pk)) {
      return false;
   }
   if (ctx->outer && docrel_store_model (ctx->outer, m)) {
      return fail (ctx, NULL, DOCREL_ERROR_DUPLICATE_NAME, "model '%s' is already defined on this store", m);
   }
   bson_init (&opts);
   if (has_docrel) {
      bson_copy_to_excluding_noinit (&docrel, &opts, "primaryKey", "indexes", NULL);
   }
   BSON_APPEND_UTF8 (&opts, "primaryKey", pk_kinds[pk.kind]);
   ok = docrel_model_new (ctx->store, m, &opts, ctx->error) != NULL;
   bson_destroy (&opts);
   return ok || prefix (ctx);
}

/* ---- fields and indexes ---------------------------------------------- */

/* Reads the "type" of the field at the path into *type (and *enum_values
 * when an enum); *target is the model of a model-typed field, else NULL. */
static bool
read_type (ctx_t *ctx, const bson_t *fdoc, docrel_type_t *type, const char **target, bson_iter_t *enum_values,
           bool *has_enum)
{
   static const char *const type_keys[] = {"model", "nonModel", "enum", NULL};
   bson_iter_t iter, inner;
   bson_t tdoc, edoc;
   const char *key, *name;
   int t;

   *target = NULL;
   *has_enum = false;
   if (!get (fdoc, "type", &iter)) {
      return fail (ctx, NULL, BAD, "missing key \"type\"");
   }
   if (BSON_ITER_HOLDS_UTF8 (&iter)) {
      name = bson_iter_utf8 (&iter, NULL);
      if ((t = scalar_type (name)) < 0) {
         return fail (ctx, "type", BAD, "unknown type \"%s\"", name);
      }
      *type = (docrel_type_t) t;
      return true;
   }
   push (ctx, "type");
   if (!view (&iter, false, &tdoc) || !check_keys (ctx, &tdoc, type_keys) || bson_count_keys (&tdoc) != 1 ||
       !bson_iter_init (&inner, &tdoc) || !bson_iter_next (&inner) || !BSON_ITER_HOLDS_UTF8 (&inner)) {
      return fail (ctx, NULL, BAD, "expected a type name or {\"model\" | \"nonModel\" | \"enum\": name}");
   }
   key = bson_iter_key (&inner);
   name = bson_iter_utf8 (&inner, NULL);
   if (strcmp (key, "model") == 0) {
      if (!get (&ctx->models, name, &iter) && !docrel_store_model (ctx->outer ? ctx->outer : ctx->store, name)) {
         return fail (ctx, key, DOCREL_ERROR_UNKNOWN_MODEL,
                      "unknown model \"%s\" (in neither the schema nor the store)", name);
      }
      *target = name;
   } else if (strcmp (key, "nonModel") == 0) {
      if (!get (&ctx->non_models, name, &iter)) {
         return fail (ctx, key, BAD, "unknown non-model type \"%s\"", name);
      }
      *type = DOCREL_TYPE_DOCUMENT;
   } else {
      if (!get (&ctx->enums, name, &iter) || !view (&iter, false, &edoc) || !get (&edoc, "values", enum_values)) {
         return fail (ctx, key, BAD, "unknown enum \"%s\"", name);
      }
      *type = DOCREL_TYPE_STRING;
      *has_enum = true;
   }
   ctx->path[strlen (ctx->path) - strlen (".type")] = '\0';
   return true;
}

/* Checks the field f at the path and declares it, unless it is an
 * association (declared later) or the primary key of a generated kind. */
static bool
declare_field (ctx_t *ctx, docrel_model_t *model, const pk_t *pk, const char *f, const bson_t *fdoc)
{
   static const char *const field_keys[] = {"name", "type", "isRequired", "isArray", "association", "docrel",
                                            "isArrayNullable", "isReadOnly", "attributes", NULL};
   bson_t docrel, assoc, opts;
   bson_iter_t enum_values;
   docrel_type_t type = DOCREL_TYPE_ANY;
   const char *target;
   bool ok = true, required, is_array, has_docrel, has_assoc, has_enum;

   if (!check_keys (ctx, fdoc, field_keys) || !check_name (ctx, fdoc, f) ||
       !get_bool (ctx, fdoc, "isRequired", &required) || !get_bool (ctx, fdoc, "isArray", &is_array) ||
       !read_type (ctx, fdoc, &type, &target, &enum_values, &has_enum)) {
      return false;
   }
   has_docrel = get_view (ctx, fdoc, "docrel", false, &docrel, &ok);
   has_assoc = ok && get_view (ctx, fdoc, "association", false, &assoc, &ok);
   if (!ok) {
      return false;
   }
   if (!target != !has_assoc) {
      return fail (ctx, target ? NULL : "association", BAD, "%s",
                   target ? "a field of model type needs an \"association\""
                          : "only a field of model type can have an association");
   }
   if (target || (strcmp (f, pk->field) == 0 && pk->kind != DOCREL_PK_CALLER)) {
      return true;
   }
   bson_init (&opts);
   if (required) {
      BSON_APPEND_BOOL (&opts, "required", true);
   }
   if (has_enum && !is_array) {
      bson_append_value (&opts, "enum", -1, bson_iter_value (&enum_values));
   }
   if (has_docrel) {
      bson_concat (&opts, &docrel);
   }
   if (strcmp (f, pk->field) == 0) {
      /* A caller-set key: _id with the key field's type (always required). */
      ok = docrel_model_add_field (model, "_id", type, has_docrel ? &docrel : NULL, ctx->error);
   } else {
      ok = docrel_model_add_field (model, f, is_array ? DOCREL_TYPE_ARRAY : type, &opts, ctx->error);
   }
   bson_destroy (&opts);
   return ok || prefix (ctx);
}

/* The "docrel" "indexes" of the model at the path. */
static bool
declare_indexes (ctx_t *ctx, docrel_model_t *model, const bson_t *mdoc)
{
   bson_t docrel, indexes, idoc, keys, opts;
   bson_iter_t iter, child;
   bool ok = true;
   size_t len = strlen (ctx->path);

   if (!get_view (ctx, mdoc, "docrel", false, &docrel, &ok)) {
      return ok;
   }
   push (ctx, "docrel");
   if (!get_view (ctx, &docrel, "indexes", true, &indexes, &ok) || !bson_iter_init (&iter, &indexes)) {
      pop (ctx, len);
      return ok;
   }
   push (ctx, "indexes");
   while (ok && bson_iter_next (&iter)) {
      push (ctx, bson_iter_key (&iter));
      if (!view (&iter, false, &idoc) || !get (&idoc, "keys", &child) || !view (&child, false, &keys)) {
         return fail (ctx, NULL, BAD, "expected an object with \"keys\": an object");
      }
      bson_init (&opts); /* the other keys ("unique", "name") are the index options */
      bson_copy_to_excluding_noinit (&idoc, &opts, "keys", NULL);
      ok = docrel_model_add_index (model, &keys, &opts, ctx->error) || prefix (ctx);
      bson_destroy (&opts);
      pop (ctx, len + strlen (".docrel.indexes"));
   }
   pop (ctx, len);
   return ok;
}

/* The fields and indexes of model m (the path). */
static bool
declare_fields (ctx_t *ctx, const char *m, const bson_t *mdoc)
{
   docrel_model_t *model = docrel_store_model (ctx->store, m);
   bson_t fields, fdoc;
   bson_iter_t iter;
   bool ok = true;
   size_t len;
   pk_t pk;

   if (!read_pk (ctx, mdoc, &pk)) {
      return false;
   }
   if (get_view (ctx, mdoc, "fields", false, &fields, &ok) && bson_iter_init (&iter, &fields)) {
      len = push (ctx, "fields");
      while (ok && bson_iter_next (&iter)) {
         push (ctx, bson_iter_key (&iter));
         if (!view (&iter, false, &fdoc)) {
            return fail (ctx, NULL, BAD, "expected an object");
         }
         ok = declare_field (ctx, model, &pk, bson_iter_key (&iter), &fdoc);
         pop (ctx, len + strlen (".fields"));
      }
      pop (ctx, len);
   }
   return ok && declare_indexes (ctx, model, mdoc);
}

/* ---- relations ------------------------------------------------------- */

/* The model named b on the store being declared; in the scratch run, a
 * stand-in for a model of the caller's store (same collection, key kind). */
static docrel_model_t *
resolve (ctx_t *ctx, const char *b)
{
   docrel_model_t *model = docrel_store_model (ctx->store, b);
   docrel_model_t *real;
   bson_t opts;

   if (!model && ctx->outer && (real = docrel_store_model (ctx->outer, b))) {
      bson_init (&opts);
      BSON_APPEND_UTF8 (&opts, "collection", docrel_model_collection (real));
      BSON_APPEND_UTF8 (&opts, "primaryKey", pk_kinds[docrel_model_pk_kind (real)]);
      if (!(model = docrel_model_new (ctx->store, b, &opts, ctx->error))) {
         prefix (ctx);
      }
      bson_destroy (&opts);
   }
   return model;
}

/* Appends keys as an array under name. */
static void
append_keys (bson_t *opts, const char *name, const keys_t *keys)
{
   bson_t array;
   char index[16];
   const char *key;
   size_t i;

   bson_append_array_begin (opts, name, -1, &array);
   for (i = 0; i < keys->n; i++) {
      bson_uint32_to_string ((uint32_t) i, &key, index, sizeof index);
      bson_append_utf8 (&array, key, -1, keys->names[i], -1);
   }
   bson_append_array_end (opts, &array);
}

/* Declares the relation of model a to b under field f (the path), kind a
 * docrel_relation_kind_t, with its keys and options. */
static bool
relate (ctx_t *ctx, docrel_model_t *a, docrel_model_t *b, const char *f, int kind, const keys_t *left,
        const keys_t *right, bool required, const bson_t *docrel)
{
   const char *l = left->n > 1 ? NULL : left->names[0];
   const char *r = right->n > 1 ? NULL : right->names[0];
   bson_t opts = BSON_INITIALIZER;
   bool ok;

   if (left->n > 1) {
      append_keys (&opts, "leftKeys", left);
      append_keys (&opts, "rightKeys", right);
   }
   if (kind == DOCREL_BELONGS_TO && required) {
      BSON_APPEND_BOOL (&opts, "required", true);
   }
   if (docrel) {
      bson_concat (&opts, docrel);
   }
   ok = (kind == DOCREL_HAS_ONE      ? docrel_model_has_one (a, b, f, l, r, &opts, ctx->error)
         : kind == DOCREL_BELONGS_TO ? docrel_model_belongs_to (a, b, f, l, r, &opts, ctx->error)
         : kind == DOCREL_HAS_MANY   ? docrel_model_has_many (a, b, f, l, r, &opts, ctx->error)
                                     : docrel_model_has_and_belongs_to_many (a, b, f, l, r, &opts, ctx->error)) != NULL;
   bson_destroy (&opts);
   return ok || prefix (ctx);
}

/* The association of field f of model m (the path); its type is checked. */
static bool
declare_relation (ctx_t *ctx, const char *m, const char *f, const bson_t *fdoc)
{
   static const char *const assoc_keys[] = {"connectionType", "associatedWith", "targetNames", NULL};
   static const char *const kinds[] = {"HAS_ONE", "BELONGS_TO", "HAS_MANY", "MANY_TO_MANY", NULL};
   bson_t assoc, tdoc, docrel;
   bson_iter_t iter;
   docrel_model_t *a = docrel_store_model (ctx->store, m), *b;
   const char *target, *conn;
   keys_t left, right;
   pk_t a_pk, b_pk;
   bool ok = true, required, has_docrel;
   size_t len = strlen (ctx->path);
   int kind;

   if (!get (fdoc, "type", &iter) || !view (&iter, false, &tdoc) || !get (&tdoc, "model", &iter)) {
      return true; /* not an association */
   }
   target = bson_iter_utf8 (&iter, NULL);
   has_docrel = get_view (ctx, fdoc, "docrel", false, &docrel, &ok);
   if (!ok || !get_bool (ctx, fdoc, "isRequired", &required) ||
       !get_view (ctx, fdoc, "association", false, &assoc, &ok)) {
      return false;
   }
   push (ctx, "association");
   if (!check_keys (ctx, &assoc, assoc_keys) || !get_string (ctx, &assoc, "connectionType", &conn)) {
      return false;
   }
   for (kind = 0; conn && kinds[kind] && strcmp (kinds[kind], conn) != 0; kind++) {
   }
   if (!conn || !kinds[kind]) {
      return fail (ctx, "connectionType", BAD, "unknown connection type \"%s\" (expected \"HAS_MANY\", \"HAS_ONE\", "
                   "\"BELONGS_TO\" or \"MANY_TO_MANY\")", conn ? conn : "");
   }
   pop (ctx, len);
   push (ctx, "type");
   if (!(b = resolve (ctx, target)) || !target_pk (ctx, m, &a_pk) || !target_pk (ctx, target, &b_pk)) {
      return false;
   }
   pop (ctx, len);
   push (ctx, "association");
   /* Where the key lives decides the sides: targetNames are a's fields and
    * face b's key; associatedWith are b's fields and face a's key. */
   if (kind != DOCREL_HAS_MANY && kind != DOCREL_HAS_AND_BELONGS_TO_MANY && get (&assoc, "targetNames", &iter)) {
      if (!read_names (ctx, &iter, "targetNames", a_pk.field, &left)) {
         return false;
      }
      right = b_pk.keys;
      kind = DOCREL_BELONGS_TO; /* also HAS_ONE with targetNames: the key is in a */
      push (ctx, "targetNames");
   } else if (kind == DOCREL_HAS_MANY || kind == DOCREL_HAS_ONE) {
      if (!get (&assoc, "associatedWith", &iter)) {
         return fail (ctx, NULL, BAD, "%s needs \"associatedWith\"", conn);
      }
      if (!read_names (ctx, &iter, "associatedWith", b_pk.field, &right)) {
         return false;
      }
      left = a_pk.keys;
      push (ctx, "associatedWith");
   } else if (kind == DOCREL_BELONGS_TO) {
      return fail (ctx, NULL, BAD, "BELONGS_TO needs \"targetNames\"");
   } else {
      left = a_pk.keys;
      right = b_pk.keys;
   }
   if (left.n != right.n) {
      return fail (ctx, NULL, BAD, "%d key field(s) on '%s' against %d on '%s'", (int) left.n, m, (int) right.n,
                   target);
   }
   pop (ctx, len);
   return relate (ctx, a, b, f, kind, &left, &right, required, has_docrel ? &docrel : NULL);
}

/* The relations of model m (the path). */
static bool
declare_relations (ctx_t *ctx, const char *m, const bson_t *mdoc)
{
   bson_t fields, fdoc;
   bson_iter_t iter;
   bool ok = true;
   size_t len;

   if (get_view (ctx, mdoc, "fields", false, &fields, &ok) && bson_iter_init (&iter, &fields)) {
      len = push (ctx, "fields");
      while (ok && bson_iter_next (&iter)) {
         push (ctx, bson_iter_key (&iter));
         ok = view (&iter, false, &fdoc) && declare_relation (ctx, m, bson_iter_key (&iter), &fdoc);
         pop (ctx, len + strlen (".fields"));
      }
      pop (ctx, len);
   }
   return ok;
}

/* ---- the whole schema ------------------------------------------------ */

/* The top level: known keys, "version", "models", "enums", "nonModels". */
static bool
check_top (ctx_t *ctx, const bson_t *schema)
{
   static const char *const top_keys[] = {"version", "models", "enums", "nonModels", NULL};
   static const char *const enum_keys[] = {"name", "values", NULL};
   static const char *const non_model_keys[] = {"name", "fields", NULL};
   bson_iter_t iter;
   bson_t entry, sub;
   bool ok = true;
   size_t len;
   int pass;

   if (!check_keys (ctx, schema, top_keys)) {
      return false;
   }
   if (get (schema, "version", &iter) &&
       !((BSON_ITER_HOLDS_INT32 (&iter) || BSON_ITER_HOLDS_INT64 (&iter)) && bson_iter_as_int64 (&iter) == 1)) {
      return fail (ctx, "version", BAD, "expected 1");
   }
   if (!get_view (ctx, schema, "models", false, &ctx->models, &ok)) {
      return ok ? fail (ctx, "models", BAD, "missing key \"models\"") : false;
   }
   get_view (ctx, schema, "enums", false, &ctx->enums, &ok);
   if (!ok || (get_view (ctx, schema, "nonModels", false, &ctx->non_models, &ok), !ok)) {
      return false;
   }
   for (pass = 0; pass < 2; pass++) { /* the enums, then the non-models */
      len = push (ctx, pass == 0 ? "enums" : "nonModels");
      bson_iter_init (&iter, pass == 0 ? &ctx->enums : &ctx->non_models);
      while (bson_iter_next (&iter)) {
         push (ctx, bson_iter_key (&iter));
         if (!view (&iter, false, &entry)) {
            return fail (ctx, NULL, BAD, "expected an object");
         }
         if (!check_keys (ctx, &entry, pass == 0 ? enum_keys : non_model_keys) ||
             !check_name (ctx, &entry, bson_iter_key (&iter))) {
            return false;
         }
         if (pass == 0 && !get_view (ctx, &entry, "values", true, &sub, &ok)) {
            return ok ? fail (ctx, "values", BAD, "missing key \"values\"") : false;
         }
         if (pass == 1 && (get_view (ctx, &entry, "fields", false, &sub, &ok), !ok)) {
            return false;
         }
         pop (ctx, len + strlen (pass == 0 ? "enums" : "nonModels"));
      }
      pop (ctx, len);
   }
   return true;
}

/* Checks and declares schema on store; outer is the caller's store when
 * store is the scratch one. */
static bool
run (docrel_store_t *store, docrel_store_t *outer, const bson_t *schema, bson_error_t *error)
{
   ctx_t ctx;
   bson_iter_t iter;
   bson_t mdoc;
   size_t len;
   int pass;

   memset (&ctx, 0, sizeof ctx);
   ctx.store = store;
   ctx.outer = outer;
   ctx.error = error;
   bson_init (&ctx.enums);
   bson_init (&ctx.non_models);
   if (!check_top (&ctx, schema)) {
      return false;
   }
   for (pass = 0; pass < 3; pass++) { /* models, then fields, then relations */
      if (!bson_iter_init (&iter, &ctx.models)) {
         return fail (&ctx, "models", BAD, "not a valid BSON document");
      }
      while (bson_iter_next (&iter)) {
         const char *m = bson_iter_key (&iter);
         bool ok;
         len = push (&ctx, "models");
         push (&ctx, m);
         if (!view (&iter, false, &mdoc)) {
            return fail (&ctx, NULL, BAD, "expected an object");
         }
         ok = pass == 0   ? declare_model (&ctx, m, &mdoc)
              : pass == 1 ? declare_fields (&ctx, m, &mdoc)
                          : declare_relations (&ctx, m, &mdoc);
         if (!ok) {
            return false;
         }
         pop (&ctx, len);
      }
   }
   return true;
}

bool
docrel_store_define (docrel_store_t *store, const bson_t *schema, bson_error_t *error)
{
   bson_error_t local;
   docrel_store_t *scratch;
   bool ok;

   if (!error) {
      error = &local;
   }
   if (!store || !schema) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                                "docrel_store_define: needs a store and a schema");
   }
   scratch = docrel_store_open ("sqlite::memory:", error);
   if (!scratch) {
      return false;
   }
   ok = run (scratch, store, schema, error);
   docrel_store_destroy (scratch);
   return ok && run (store, NULL, schema, error);
}

bool
docrel_store_define_json (docrel_store_t *store, const char *json, bson_error_t *error)
{
   bson_error_t inner;
   bson_t *schema;
   bool ok;

   if (!store || !json) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                                "docrel_store_define_json: needs a store and a schema");
   }
   schema = bson_new_from_json ((const uint8_t *) json, -1, &inner);
   if (!schema) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION, "schema: invalid JSON: %s",
                                inner.message);
   }
   ok = docrel_store_define (store, schema, error);
   bson_destroy (schema);
   return ok;
}
