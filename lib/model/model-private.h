/* SPDX-License-Identifier: Apache-2.0 */
/* model-private.h: what the files of lib/model/ share. */
#ifndef DOCREL_MODEL_PRIVATE_H
#define DOCREL_MODEL_PRIVATE_H

#include <bson/bson.h>

#include "docrel/docrel-hooks.h"
#include "docrel/docrel-model.h"
#include "docrel/docrel-relation.h"

/* ---- model -------------------------------------------------------------- */

/* The model struct: written by the files that define a model — model.c
 * (the model and its registry on the store), field.c (fields), index.c
 * (indexes), relation.c (relations) — and read by validate.c (checking
 * documents) and by the layers above (doc, join, graph). */
typedef struct {
   char *path;
   docrel_type_t type;
   bool required;
   bool has_default;
   bson_value_t default_value; /* owned copy */
   bool has_enum;
   bson_value_t enum_values; /* owned copy of a BSON_TYPE_ARRAY value; valid if
                              * has_enum. (Not a bson_t: a bson_t is
                              * over-aligned and may point into itself, so it
                              * cannot live in a reallocated array.) */
   bool has_min, has_max;
   bson_value_t min, max;          /* owned copies; compared with compare.h */
   int64_t min_length, max_length; /* -1: none */
} docrel_field_t;

typedef struct {
   char *name;
   size_t n_keys;
   char **paths;
   int *directions;
   bool unique;
} docrel_index_t;

struct _docrel_model_t {
   struct _docrel_store_t *store;
   char *name;
   char *collection;
   docrel_pk_kind_t pk_kind;
   docrel_extra_t extra;
   docrel_field_t *fields;
   size_t n_fields;
   docrel_index_t *indexes;
   size_t n_indexes;
   struct _docrel_relation_t **relations; /* declared on this model (owned) */
   size_t n_relations;
   bool frozen;                  /* a document exists: no more definition changes */
   bool ready;                   /* the backend has the collection and its indexes */
   struct _docrel_hook_t *hooks; /* in order of registration (hooks.c) */
   size_t n_hooks;
   unsigned hook_events; /* bit (1u << event) per event with a hook */
};

/* Frees a model (the store calls it on destroy). */
void docrel_model__destroy (docrel_model_t *model);

/* Free what a field or an index owns, not the struct itself (field.c,
 * index.c; model.c calls them on destroy). A partly filled one is fine. */
void docrel_field__destroy (docrel_field_t *field);
void docrel_index__destroy (docrel_index_t *index);

/* The names of the primary key kinds, in docrel_pk_kind_t order and
 * NULL-terminated: the values of the "primaryKey" option of a model
 * (model.c) and of a schema (schema.c, schema-read.c). */
extern const char *const docrel_model__pk_kinds[];

/* The index of key in names (NULL-terminated), marking it in *seen; -1 with
 * error set (naming the model, the field if not NULL, and the kind of
 * option: "" or "index ") for an unknown or repeated key. The one reader of
 * option names for model.c, field.c and index.c. */
int docrel_model__option_index (const char *const *names,
                                const char *key,
                                unsigned *seen,
                                const char *model,
                                const char *field,
                                const char *kind,
                                bson_error_t *error);

/* True if iter holds a non-empty, valid UTF-8 string free of NUL bytes;
 * *out borrows it (model.c, index.c). */
bool docrel_model__iter_clean_utf8 (const bson_iter_t *iter, const char **out);

/* True if path is b or lies under it by whole components ("a.b" is within
 * "a"; "ab" is not): how field.c and index.c relate array fields and unique
 * index keys. */
bool docrel_field__path_within (const char *path, const char *b);

/* Freezes the model and, the first time, has the backend create its
 * collection and indexes. Thread-safe. Returns false with error set if the
 * backend fails (the model stays unready and the next use retries). */
bool docrel_model__use (docrel_model_t *model, bson_error_t *error);

/* The declared field at exactly path, or NULL. */
const docrel_field_t *docrel_model__field (const docrel_model_t *model, const char *path);

/* Sets the default of every declared field that doc lacks (a field present
 * as null is not lacking), in declaration order, creating sub-documents as
 * needed. A default whose path runs into a scalar is skipped, leaving
 * validation to report it. This function can't fail. */
void docrel_model__apply_defaults (const docrel_model_t *model, bson_t *doc);

/* Initialises *out with doc minus the top-level fields the model does not
 * declare. Returns true if anything was removed. */
bool docrel_model__strip_extra (const docrel_model_t *model, const bson_t *doc, bson_t *out);

/* True if a top-level key of a document is declared: it is "_id" or the
 * first component of a declared path. The rule behind
 * docrel_model__strip_extra and the "reject" check of docrel_model_validate. */
bool docrel_model__top_level_declared (const docrel_model_t *model, const char *key);

/* The name of a field type as messages show it ("int32", "objectId"...).
 * Static storage; this function can't fail. */
const char *docrel_model__type_name (docrel_type_t type);

/* True if a field of type takes value's BSON type (INT64 also takes int32,
 * DOUBLE also int32 and int64, ANY anything but null) and, for a string, its
 * bytes are valid UTF-8. Null is never accepted here: whether a field may be
 * null depends on "required" (see docrel_model__check_value). */
bool docrel_model__type_accepts (docrel_type_t type, const bson_value_t *value);

/* Checks one value against a declared field's type and bounds (used by
 * docrel_model_validate and when checking defaults). value is the field's
 * value in a document; NULL stands for a missing field. A missing or null
 * value passes unless the field is required (DOCREL_ERROR_REQUIRED). Then,
 * in order: type (DOCREL_ERROR_WRONG_TYPE), enum, min / max, length
 * (DOCREL_ERROR_OUT_OF_RANGE). Errors are in the DOCREL_ERROR_VALIDATION
 * domain and read "model 'M': field 'f': expected ..., got ..." (or
 * "model 'M': field 'f' is required"). */
bool docrel_model__check_value (const docrel_model_t *model,
                                const docrel_field_t *field,
                                const bson_value_t *value,
                                bson_error_t *error);

/* ---- hooks -------------------------------------------------------------- */

/* hooks.c: the hooks of docrel-hooks.h, stored on the model. Read without a
 * lock: a model with a document is frozen, and hooks are added only
 * before that. */
struct _docrel_hook_t {
   docrel_hook_event_t event;
   docrel_hook_fn fn;
   void *user_data;
};

/* Frees the model's hooks (model.c calls it on destroy). */
void docrel_hooks__destroy (docrel_model_t *model);

/* True if model has a hook for event. */
static inline bool
docrel_hooks__has (const docrel_model_t *model, docrel_hook_event_t event)
{
   return (model->hook_events & (1u << (unsigned) event)) != 0;
}

/* Runs model's hooks for event on doc in order, stopping at the first that
 * fails: false with its error, or with DOCREL_ERROR_HOOK_FAILED naming the
 * model and the event if the hook set none. True if there are none. */
bool docrel_hooks__run (const docrel_model_t *model, docrel_hook_event_t event, docrel_doc_t *doc, bson_error_t *error);

/* ---- relation ----------------------------------------------------------- */

/* The relation struct, shared by relation.c (declaring) and read by the
 * layers above: lib/doc/ (slots), lib/join/ (loading) and lib/graph/
 * (saving and deleting along relations). */
#define DOCREL_MAX_KEYS 8

/* What save_all does to a hasOne / hasMany child removed from a loaded slot. */
typedef enum { DOCREL_ON_REMOVE_SET_NULL = 0, DOCREL_ON_REMOVE_DELETE, DOCREL_ON_REMOVE_KEEP } docrel_on_remove_t;

struct _docrel_relation_t {
   docrel_relation_kind_t kind;
   docrel_model_t *model;  /* a: the relation is its field */
   docrel_model_t *target; /* b */
   char *field;
   size_t index; /* position in model->relations (= slot index) */
   size_t n_keys;
   char *left_keys[DOCREL_MAX_KEYS];  /* paths in a */
   char *right_keys[DOCREL_MAX_KEYS]; /* paths in b */
   docrel_on_delete_t on_delete;
   docrel_on_remove_t on_remove;
   bool required;
   bool symmetric; /* hasAndBelongsToMany of a model with itself, both ways */
   /* hasAndBelongsToMany: the link model and, per key, the link fields
    * holding a's and b's keys. */
   docrel_model_t *link;
   char *link_left[DOCREL_MAX_KEYS];
   char *link_right[DOCREL_MAX_KEYS];
};

void docrel_relation__destroy (docrel_relation_t *relation);

/* True for hasMany and hasAndBelongsToMany, whose slots hold lists. */
bool docrel_relation__is_many (const docrel_relation_t *relation);

/* Puts in use the seeds and every model linked to them through relations,
 * transitively (a delete's cascades and checks can reach no other). */
bool docrel_relation__use_reachable (struct _docrel_store_t *store,
                                     docrel_model_t *const *seeds,
                                     size_t n_seeds,
                                     bson_error_t *error);

/* ---- schema ------------------------------------------------------------- */

/* What schema.c (the walker: its passes declare a schema document through
 * the public builder calls) and schema-read.c (reading and checking the
 * document's pieces) share: the walk's context and the readers. The
 * readers that take a ctx report a bad piece through ctx->error, naming
 * the JSON path being read. */

typedef struct {
   docrel_store_t *store;            /* where the schema is declared */
   docrel_store_t *outer;            /* the caller's store during the scratch run, else NULL */
   bson_t models, enums, non_models; /* views into the schema (empty when missing) */
   bson_error_t *error;              /* never NULL */
   char path[512];                   /* the JSON path being read, for messages */
} docrel_schema_ctx_t;

/* Key field names, the Amplify primary key field already read as _id; at
 * most DOCREL_MAX_KEYS, as the builder allows. */
typedef struct {
   const char *names[DOCREL_MAX_KEYS];
   size_t n;
} docrel_schema_keys_t;

/* A model's primary key as the schema gives it. */
typedef struct {
   const char *field;         /* the Amplify field standing for _id ("id") */
   docrel_schema_keys_t keys; /* "_id", then the sort key fields */
   docrel_pk_kind_t kind;
   docrel_type_t type; /* the mapped type of field (STRING if absent) */
} docrel_schema_pk_t;

/* Appends part to the path; returns the length that docrel_schema__pop
 * restores. */
size_t docrel_schema__push (docrel_schema_ctx_t *ctx, const char *part);

/* Cuts the path back to len. */
void docrel_schema__pop (docrel_schema_ctx_t *ctx, size_t len);

/* Sets a DOCREL_ERROR_MODEL error naming the path (with key, if not NULL,
 * under it). Always returns false. */
bool docrel_schema__fail (docrel_schema_ctx_t *ctx, const char *key, uint32_t code, const char *fmt, ...)
   BSON_GNUC_PRINTF (4, 5);

/* Puts the path in front of a builder call's error, keeping its domain and
 * code. Always returns false. */
bool docrel_schema__prefix (docrel_schema_ctx_t *ctx);

/* Finds key in doc by exact match. */
bool docrel_schema__get (const bson_t *doc, const char *key, bson_iter_t *out);

/* A static view of iter's object (or, with array, its array). */
bool docrel_schema__view (const bson_iter_t *iter, bool array, bson_t *out);

/* Views doc's key as an object or array: false if missing, and also (with
 * *ok false and the error set) if of another kind. */
bool docrel_schema__get_view (docrel_schema_ctx_t *ctx,
                              const bson_t *doc,
                              const char *key,
                              bool array,
                              bson_t *out,
                              bool *ok);

/* Every key of doc is in allowed (NULL-terminated), none twice. */
bool docrel_schema__check_keys (docrel_schema_ctx_t *ctx, const bson_t *doc, const char *const *allowed);

/* If doc has key, it must be a bool: *out (else false). */
bool docrel_schema__get_bool (docrel_schema_ctx_t *ctx, const bson_t *doc, const char *key, bool *out);

/* If doc has key, it must be a non-empty string: *out, borrowed (else NULL). */
bool docrel_schema__get_string (docrel_schema_ctx_t *ctx, const bson_t *doc, const char *key, const char **out);

/* "name", if given, must repeat the key the object is under. */
bool docrel_schema__check_name (docrel_schema_ctx_t *ctx, const bson_t *doc, const char *expected);

/* iter (under key) holds a field name or 1 to DOCREL_MAX_KEYS of them;
 * pk_field reads as "_id". */
bool docrel_schema__read_names (docrel_schema_ctx_t *ctx,
                                const bson_iter_t *iter,
                                const char *key,
                                const char *pk_field,
                                docrel_schema_keys_t *out);

/* Reads the primary key of the model at the path (its object mdoc),
 * checking primaryKeyInfo and "docrel" "primaryKey". */
bool docrel_schema__read_pk (docrel_schema_ctx_t *ctx, const bson_t *mdoc, docrel_schema_pk_t *pk);

/* The primary key of model b: from the schema if it is there, else _id
 * alone (a model declared outside the schema). */
bool docrel_schema__target_pk (docrel_schema_ctx_t *ctx, const char *b, docrel_schema_pk_t *pk);

/* Reads the "type" of the field at the path into *type (and *enum_values
 * when an enum); *target is the model of a model-typed field, else NULL. */
bool docrel_schema__read_type (docrel_schema_ctx_t *ctx,
                               const bson_t *fdoc,
                               docrel_type_t *type,
                               const char **target,
                               bson_iter_t *enum_values,
                               bool *has_enum);

/* The top level: known keys, "version", "models", "enums", "nonModels";
 * sets ctx->models, ctx->enums and ctx->non_models. */
bool docrel_schema__check_top (docrel_schema_ctx_t *ctx, const bson_t *schema);

#endif
