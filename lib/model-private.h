/* model-private.h: the model struct, shared by model.c (definition),
 * validate.c (checking documents) and the document and store layers. */
#ifndef DOCREL_MODEL_PRIVATE_H
#define DOCREL_MODEL_PRIVATE_H

#include <bson/bson.h>

#include "docrel/docrel-model.h"

typedef struct {
   char *path;
   docrel_type_t type;
   bool required;
   bool has_default;
   bson_value_t default_value; /* owned copy */
   bool has_enum;
   bson_t enum_values; /* an array document; valid if has_enum */
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

/* Appends the defaults of declared fields that doc lacks. */
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

/* Checks one value against a declared field's type and bounds (used by
 * docrel_model_validate and when checking defaults). */
bool docrel_model__check_value (const docrel_model_t *model,
                                const docrel_field_t *field,
                                const bson_value_t *value,
                                bson_error_t *error);

#endif
