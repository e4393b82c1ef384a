/* SPDX-License-Identifier: Apache-2.0 */
/* schema.c: declaring a whole schema document (Amplify's model introspection
 * shape; the mapping is documented in docrel-schema.h) through the public
 * builder calls, so every definition rule stays where the builder calls
 * are (model.c, field.c, index.c and relation.c). Reading and checking the
 * document's pieces (keys, names, types, primary keys) is schema-read.c's.
 *
 * One walker reads the schema and declares it, in three passes over the
 * models: models, then fields and indexes, then relations (which may point
 * forward). It runs twice: first on a private in-memory scratch store, where
 * models outside the schema that the schema references get stand-ins with
 * their name, collection and key kind; a schema that fails there has
 * declared nothing on the caller's store. Then, on success, on the caller's
 * store. Both runs make the same calls in the same order, so the second
 * fails only on what the scratch store could not know (see the header). */
#include <string.h>

#include "docrel/docrel-schema.h"
#include "model/model-private.h"
#include "util/util-private.h"

#define BAD DOCREL_ERROR_BAD_OPTION

/* ---- models ---------------------------------------------------------- */

/* Checks model m (the path) and declares it with docrel_model_new. */
static bool
declare_model (docrel_schema_ctx_t *ctx, const char *m, const bson_t *mdoc)
{
   static const char *const model_keys[] = {"name",     "fields",     "primaryKeyInfo", "docrel",
                                            "syncable", "pluralName", "attributes",     NULL};
   static const char *const docrel_keys[] = {"collection", "primaryKey", "extra", "indexes", NULL};
   bson_t docrel, opts;
   bool ok = true, has_docrel;
   size_t len;
   docrel_schema_pk_t pk;

   if (!docrel_schema__check_keys (ctx, mdoc, model_keys) || !docrel_schema__check_name (ctx, mdoc, m)) {
      return false;
   }
   if ((has_docrel = docrel_schema__get_view (ctx, mdoc, "docrel", false, &docrel, &ok))) {
      len = docrel_schema__push (ctx, "docrel");
      if (!docrel_schema__check_keys (ctx, &docrel, docrel_keys)) {
         return false;
      }
      docrel_schema__pop (ctx, len);
   }
   if (!ok || !docrel_schema__read_pk (ctx, mdoc, &pk)) {
      return false;
   }
   if (ctx->outer && docrel_store_model (ctx->outer, m)) {
      return docrel_schema__fail (ctx, NULL, DOCREL_ERROR_DUPLICATE_NAME, "model '%s' is already defined on this store",
                                  m);
   }
   bson_init (&opts);
   if (has_docrel) {
      bson_copy_to_excluding_noinit (&docrel, &opts, "primaryKey", "indexes", NULL);
   }
   BSON_APPEND_UTF8 (&opts, "primaryKey", docrel_model__pk_kinds[pk.kind]);
   ok = docrel_model_new (ctx->store, m, &opts, ctx->error) != NULL;
   bson_destroy (&opts);
   return ok || docrel_schema__prefix (ctx);
}

/* ---- fields and indexes ---------------------------------------------- */

/* Checks the field f at the path and declares it, unless it is an
 * association (declared later) or the primary key of a generated kind. */
static bool
declare_field (docrel_schema_ctx_t *ctx,
               docrel_model_t *model,
               const docrel_schema_pk_t *pk,
               const char *f,
               const bson_t *fdoc)
{
   static const char *const field_keys[] = {"name",        "type",   "isRequired",      "isArray",
                                            "association", "docrel", "isArrayNullable", "isReadOnly",
                                            "attributes",  NULL};
   bson_t docrel, assoc, opts;
   bson_iter_t enum_values;
   docrel_type_t type = DOCREL_TYPE_ANY;
   const char *target;
   bool ok = true, required, is_array, has_docrel, has_assoc, has_enum;

   if (!docrel_schema__check_keys (ctx, fdoc, field_keys) || !docrel_schema__check_name (ctx, fdoc, f) ||
       !docrel_schema__get_bool (ctx, fdoc, "isRequired", &required) ||
       !docrel_schema__get_bool (ctx, fdoc, "isArray", &is_array) ||
       !docrel_schema__read_type (ctx, fdoc, &type, &target, &enum_values, &has_enum)) {
      return false;
   }
   has_docrel = docrel_schema__get_view (ctx, fdoc, "docrel", false, &docrel, &ok);
   has_assoc = ok && docrel_schema__get_view (ctx, fdoc, "association", false, &assoc, &ok);
   if (!ok) {
      return false;
   }
   if (!target != !has_assoc) {
      return docrel_schema__fail (ctx, target ? NULL : "association", BAD, "%s",
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
   return ok || docrel_schema__prefix (ctx);
}

/* The "docrel" "indexes" of the model at the path. */
static bool
declare_indexes (docrel_schema_ctx_t *ctx, docrel_model_t *model, const bson_t *mdoc)
{
   bson_t docrel, indexes, idoc, keys, opts;
   bson_iter_t iter, child;
   bool ok = true;
   size_t len = strlen (ctx->path);

   if (!docrel_schema__get_view (ctx, mdoc, "docrel", false, &docrel, &ok)) {
      return ok;
   }
   docrel_schema__push (ctx, "docrel");
   if (!docrel_schema__get_view (ctx, &docrel, "indexes", true, &indexes, &ok) || !bson_iter_init (&iter, &indexes)) {
      docrel_schema__pop (ctx, len);
      return ok;
   }
   docrel_schema__push (ctx, "indexes");
   while (ok && bson_iter_next (&iter)) {
      docrel_schema__push (ctx, bson_iter_key (&iter));
      if (!docrel_schema__view (&iter, false, &idoc) || !docrel_schema__get (&idoc, "keys", &child) ||
          !docrel_schema__view (&child, false, &keys)) {
         return docrel_schema__fail (ctx, NULL, BAD, "expected an object with \"keys\": an object");
      }
      bson_init (&opts); /* the other keys ("unique", "name") are the index options */
      bson_copy_to_excluding_noinit (&idoc, &opts, "keys", NULL);
      ok = docrel_model_add_index (model, &keys, &opts, ctx->error) || docrel_schema__prefix (ctx);
      bson_destroy (&opts);
      docrel_schema__pop (ctx, len + strlen (".docrel.indexes"));
   }
   docrel_schema__pop (ctx, len);
   return ok;
}

/* The fields and indexes of model m (the path). */
static bool
declare_fields (docrel_schema_ctx_t *ctx, const char *m, const bson_t *mdoc)
{
   docrel_model_t *model = docrel_store_model (ctx->store, m);
   bson_t fields, fdoc;
   bson_iter_t iter;
   bool ok = true;
   size_t len;
   docrel_schema_pk_t pk;

   if (!docrel_schema__read_pk (ctx, mdoc, &pk)) {
      return false;
   }
   if (docrel_schema__get_view (ctx, mdoc, "fields", false, &fields, &ok) && bson_iter_init (&iter, &fields)) {
      len = docrel_schema__push (ctx, "fields");
      while (ok && bson_iter_next (&iter)) {
         docrel_schema__push (ctx, bson_iter_key (&iter));
         if (!docrel_schema__view (&iter, false, &fdoc)) {
            return docrel_schema__fail (ctx, NULL, BAD, "expected an object");
         }
         ok = declare_field (ctx, model, &pk, bson_iter_key (&iter), &fdoc);
         docrel_schema__pop (ctx, len + strlen (".fields"));
      }
      docrel_schema__pop (ctx, len);
   }
   return ok && declare_indexes (ctx, model, mdoc);
}

/* ---- relations ------------------------------------------------------- */

/* The model named b on the store being declared; in the scratch run, a
 * stand-in for a model of the caller's store (same collection, key kind). */
static docrel_model_t *
resolve (docrel_schema_ctx_t *ctx, const char *b)
{
   docrel_model_t *model = docrel_store_model (ctx->store, b);
   docrel_model_t *real;
   bson_t opts;

   if (!model && ctx->outer && (real = docrel_store_model (ctx->outer, b))) {
      bson_init (&opts);
      BSON_APPEND_UTF8 (&opts, "collection", docrel_model_collection (real));
      BSON_APPEND_UTF8 (&opts, "primaryKey", docrel_model__pk_kinds[docrel_model_pk_kind (real)]);
      if (!(model = docrel_model_new (ctx->store, b, &opts, ctx->error))) {
         docrel_schema__prefix (ctx);
      }
      bson_destroy (&opts);
   }
   return model;
}

/* Appends keys as an array under name. */
static void
append_keys (bson_t *opts, const char *name, const docrel_schema_keys_t *keys)
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
relate (docrel_schema_ctx_t *ctx,
        docrel_model_t *a,
        docrel_model_t *b,
        const char *f,
        int kind,
        const docrel_schema_keys_t *left,
        const docrel_schema_keys_t *right,
        bool required,
        const bson_t *docrel)
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
   return ok || docrel_schema__prefix (ctx);
}

/* Checks the association assoc of the field at the path and returns its
 * connectionType as a docrel_relation_kind_t (MANY_TO_MANY is
 * hasAndBelongsToMany), *conn borrowing the name; -1 with the error set. */
static int
read_kind (docrel_schema_ctx_t *ctx, const bson_t *assoc, const char **conn)
{
   static const char *const assoc_keys[] = {"connectionType", "associatedWith", "targetNames", NULL};
   static const char *const kinds[] = {"HAS_ONE", "BELONGS_TO", "HAS_MANY", "MANY_TO_MANY", NULL};
   size_t len = docrel_schema__push (ctx, "association");
   int i;

   if (!docrel_schema__check_keys (ctx, assoc, assoc_keys) ||
       !docrel_schema__get_string (ctx, assoc, "connectionType", conn)) {
      return -1;
   }
   for (i = 0; *conn && kinds[i] && strcmp (kinds[i], *conn) != 0; i++) {
   }
   if (!*conn || !kinds[i]) {
      docrel_schema__fail (ctx, "connectionType", BAD,
                           "unknown connection type \"%s\" (expected \"HAS_MANY\", \"HAS_ONE\", \"BELONGS_TO\" or "
                           "\"MANY_TO_MANY\")",
                           *conn ? *conn : "");
      return -1;
   }
   docrel_schema__pop (ctx, len);
   return i;
}

/* The association of field f of model m (the path); its type is checked. */
static bool
declare_relation (docrel_schema_ctx_t *ctx, const char *m, const char *f, const bson_t *fdoc)
{
   bson_t assoc, tdoc, docrel;
   bson_iter_t iter;
   docrel_model_t *a = docrel_store_model (ctx->store, m), *b;
   const char *target, *conn;
   docrel_schema_keys_t left, right;
   docrel_schema_pk_t a_pk, b_pk;
   bool ok = true, required, has_docrel;
   size_t len = strlen (ctx->path);
   int kind;

   if (!docrel_schema__get (fdoc, "type", &iter) || !docrel_schema__view (&iter, false, &tdoc) ||
       !docrel_schema__get (&tdoc, "model", &iter)) {
      return true; /* not an association */
   }
   target = bson_iter_utf8 (&iter, NULL);
   has_docrel = docrel_schema__get_view (ctx, fdoc, "docrel", false, &docrel, &ok);
   if (!ok || !docrel_schema__get_bool (ctx, fdoc, "isRequired", &required) ||
       !docrel_schema__get_view (ctx, fdoc, "association", false, &assoc, &ok)) {
      return false;
   }
   if ((kind = read_kind (ctx, &assoc, &conn)) < 0) {
      return false;
   }
   docrel_schema__push (ctx, "type");
   if (!(b = resolve (ctx, target)) || !docrel_schema__target_pk (ctx, m, &a_pk) ||
       !docrel_schema__target_pk (ctx, target, &b_pk)) {
      return false;
   }
   docrel_schema__pop (ctx, len);
   docrel_schema__push (ctx, "association");
   /* Where the key lives decides the sides: targetNames are a's fields and
    * face b's key; associatedWith are b's fields and face a's key. */
   if (kind != DOCREL_HAS_MANY && kind != DOCREL_HAS_AND_BELONGS_TO_MANY &&
       docrel_schema__get (&assoc, "targetNames", &iter)) {
      if (!docrel_schema__read_names (ctx, &iter, "targetNames", a_pk.field, &left)) {
         return false;
      }
      right = b_pk.keys;
      kind = DOCREL_BELONGS_TO; /* also HAS_ONE with targetNames: the key is in a */
      docrel_schema__push (ctx, "targetNames");
   } else if (kind == DOCREL_HAS_MANY || kind == DOCREL_HAS_ONE) {
      if (!docrel_schema__get (&assoc, "associatedWith", &iter)) {
         return docrel_schema__fail (ctx, NULL, BAD, "%s needs \"associatedWith\"", conn);
      }
      if (!docrel_schema__read_names (ctx, &iter, "associatedWith", b_pk.field, &right)) {
         return false;
      }
      left = a_pk.keys;
      docrel_schema__push (ctx, "associatedWith");
   } else if (kind == DOCREL_BELONGS_TO) {
      return docrel_schema__fail (ctx, NULL, BAD, "BELONGS_TO needs \"targetNames\"");
   } else {
      left = a_pk.keys;
      right = b_pk.keys;
   }
   if (left.n != right.n) {
      return docrel_schema__fail (ctx, NULL, BAD, "%d key field(s) on '%s' against %d on '%s'", (int) left.n, m,
                                  (int) right.n, target);
   }
   docrel_schema__pop (ctx, len);
   return relate (ctx, a, b, f, kind, &left, &right, required, has_docrel ? &docrel : NULL);
}

/* The relations of model m (the path). */
static bool
declare_relations (docrel_schema_ctx_t *ctx, const char *m, const bson_t *mdoc)
{
   bson_t fields, fdoc;
   bson_iter_t iter;
   bool ok = true;
   size_t len;

   if (docrel_schema__get_view (ctx, mdoc, "fields", false, &fields, &ok) && bson_iter_init (&iter, &fields)) {
      len = docrel_schema__push (ctx, "fields");
      while (ok && bson_iter_next (&iter)) {
         docrel_schema__push (ctx, bson_iter_key (&iter));
         ok = docrel_schema__view (&iter, false, &fdoc) && declare_relation (ctx, m, bson_iter_key (&iter), &fdoc);
         docrel_schema__pop (ctx, len + strlen (".fields"));
      }
      docrel_schema__pop (ctx, len);
   }
   return ok;
}

/* ---- the whole schema ------------------------------------------------ */

/* Checks and declares schema on store; outer is the caller's store when
 * store is the scratch one. */
static bool
run (docrel_store_t *store, docrel_store_t *outer, const bson_t *schema, bson_error_t *error)
{
   docrel_schema_ctx_t ctx;
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
   if (!docrel_schema__check_top (&ctx, schema)) {
      return false;
   }
   for (pass = 0; pass < 3; pass++) { /* models, then fields, then relations */
      if (!bson_iter_init (&iter, &ctx.models)) {
         return docrel_schema__fail (&ctx, "models", BAD, "not a valid BSON document");
      }
      while (bson_iter_next (&iter)) {
         const char *m = bson_iter_key (&iter);
         bool ok;
         len = docrel_schema__push (&ctx, "models");
         docrel_schema__push (&ctx, m);
         if (!docrel_schema__view (&iter, false, &mdoc)) {
            return docrel_schema__fail (&ctx, NULL, BAD, "expected an object");
         }
         ok = pass == 0   ? declare_model (&ctx, m, &mdoc)
              : pass == 1 ? declare_fields (&ctx, m, &mdoc)
                          : declare_relations (&ctx, m, &mdoc);
         if (!ok) {
            return false;
         }
         docrel_schema__pop (&ctx, len);
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
   if (!docrel_arrays__numbered (bson_get_data (schema), schema->len, false)) {
      bson_t renumbered; /* arrays are read by position (util/arrays.c) */
      docrel_arrays__renumber (bson_get_data (schema), schema->len, false, &renumbered);
      ok = docrel_store_define (store, &renumbered, error);
      bson_destroy (&renumbered);
      return ok;
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
