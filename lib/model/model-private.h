/* model-private.h: what the files of lib/model/ share. */
#ifndef DOCREL_MODEL_PRIVATE_H
#define DOCREL_MODEL_PRIVATE_H

#include <bson/bson.h>

#include "docrel/docrel-model.h"
#include "docrel/docrel-relation.h"

/* ---- model -------------------------------------------------------------- */

/* The model struct, shared by model.c (definition),
 * validate.c (checking documents) and the document and store layers. */
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
   bson_value_t min, max; /* owned copies; compared with compare.h */
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
   bool frozen; /* a document exists: no more definition changes */
   bool ready;  /* the backend has the collection and its indexes */
};

/* Frees a model (the store calls it on destroy). */
void docrel_model__destroy (docrel_model_t *model);

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

/* ---- relation ----------------------------------------------------------- */

/* The relation struct, shared by relation.c
 * (declaring), join.c (loading) and the document layer (slots). */
#define DOCREL_MAX_KEYS 8

/* What save_all does to a hasOne / hasMany child removed from a loaded slot. */
typedef enum { DOCREL_ON_REMOVE_SET_NULL = 0, DOCREL_ON_REMOVE_DELETE, DOCREL_ON_REMOVE_KEEP } docrel_on_remove_t;

struct _docrel_relation_t {
   docrel_relation_kind_t kind;
   docrel_model_t *model;  /* a: the relation is its field */
   docrel_model_t *target; /* b */
   char *field;
   size_t index;           /* position in model->relations (= slot index) */
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

#endif
