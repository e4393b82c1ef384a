/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-model.h: models, their typed fields, primary keys and indexes.
 *
 * A model is a collection plus its schema. Models belong to their store (they
 * are freed with it) and are looked up by name. A model may be changed until
 * the first document of it is created or loaded; after that every definition
 * call fails with DOCREL_ERROR_MODEL_IN_USE and changes nothing.
 *
 * Every definition error is in the DOCREL_ERROR_MODEL domain and its message
 * names the model and the field. */
#ifndef DOCREL_MODEL_H
#define DOCREL_MODEL_H

#include <bson/bson.h>

#include "docrel-macros.h"
#include "docrel-store.h"

DOCREL_BEGIN_DECLS

typedef struct _docrel_model_t docrel_model_t;

typedef enum {
   DOCREL_TYPE_ANY = 0,
   DOCREL_TYPE_STRING,
   DOCREL_TYPE_INT32,
   DOCREL_TYPE_INT64,  /* also accepts int32 values */
   DOCREL_TYPE_DOUBLE, /* also accepts int32 and int64 values */
   DOCREL_TYPE_BOOL,
   DOCREL_TYPE_DATETIME,
   DOCREL_TYPE_OBJECT_ID,
   DOCREL_TYPE_BINARY,
   DOCREL_TYPE_ARRAY,
   DOCREL_TYPE_DOCUMENT
} docrel_type_t;

/* How the primary key (always stored as _id) is made. */
typedef enum {
   DOCREL_PK_OBJECT_ID = 0, /* generated ObjectId unless the caller sets one */
   DOCREL_PK_UUID,          /* generated UUID string unless the caller sets one */
   DOCREL_PK_CALLER         /* the caller sets any scalar or a document (without
                             * '$'-prefixed fields, as in MongoDB) */
} docrel_pk_kind_t;

/* What happens to fields the model does not declare (Thinky's enforce_extra). */
typedef enum {
   DOCREL_EXTRA_KEEP = 0, /* stored as given */
   DOCREL_EXTRA_REJECT,   /* save fails with DOCREL_ERROR_EXTRA_FIELD */
   DOCREL_EXTRA_STRIP     /* removed from the document when it is saved */
} docrel_extra_t;

/* Creates a model named `name` on the store. opts may be NULL or hold:
 *   "collection": string      the collection name (default: the model name)
 *   "primaryKey": "objectId" | "uuid" | "caller"   (default "objectId")
 *   "extra":      "keep" | "reject" | "strip"      (default "keep")
 * Returns the model, owned by the store, or NULL with error set (a duplicate
 * name, an empty name, an unknown option). */
DOCREL_EXPORT docrel_model_t *
docrel_model_new (docrel_store_t *store, const char *name, const bson_t *opts, bson_error_t *error);

/* The model registered on the store under name, or NULL. Borrowed. */
DOCREL_EXPORT docrel_model_t *
docrel_store_model (docrel_store_t *store, const char *name);

/* Declares a field. `name` may be a dotted path into sub-documents. opts may
 * be NULL or hold:
 *   "required":  bool      the field must be present and not null
 *   "default":   value     set on new documents that lack the field
 *   "enum":      array     the value must equal one of these
 *   "min", "max": number   bounds for numeric and datetime fields (inclusive)
 *   "minLength", "maxLength": int   length bounds for strings (in UTF-8
 *                          characters), arrays (in elements), binary (bytes)
 * An option that does not fit the type, or a default that fails the field's
 * own checks, is an error. Returns false and changes nothing on error. */
DOCREL_EXPORT bool
docrel_model_add_field (docrel_model_t *model,
                        const char *name,
                        docrel_type_t type,
                        const bson_t *opts,
                        bson_error_t *error);

/* Declares an index over one or more fields, given in MongoDB's key shape
 * ({"email": 1} or {"a": 1, "b": -1}). opts may be NULL or hold
 *   "unique": bool   (default false)
 *   "name":   string (default: MongoDB's form, each field and its direction
 *             joined by '_': "email_1", "a_1_b_-1")
 * Indexed fields need not be declared. The backend builds the index when the
 * model is first used. */
DOCREL_EXPORT bool
docrel_model_add_index (docrel_model_t *model, const bson_t *keys, const bson_t *opts, bson_error_t *error);

DOCREL_EXPORT const char *
docrel_model_name (const docrel_model_t *model);

DOCREL_EXPORT const char *
docrel_model_collection (const docrel_model_t *model);

DOCREL_EXPORT docrel_pk_kind_t
docrel_model_pk_kind (const docrel_model_t *model);

/* Checks a whole document against the model (types, required fields, bounds,
 * extra fields) without writing anything. The _id field is checked against the
 * primary key kind but may be missing for generated kinds. Returns false with a
 * DOCREL_ERROR_VALIDATION error naming the model and the first failing field. */
DOCREL_EXPORT bool
docrel_model_validate (const docrel_model_t *model, const bson_t *document, bson_error_t *error);

DOCREL_END_DECLS

#endif /* DOCREL_MODEL_H */
