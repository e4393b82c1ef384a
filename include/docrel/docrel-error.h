/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-error.h: error domains and codes carried in bson_error_t.
 *
 * Every docrel function that can fail returns bool (or NULL) and fills a
 * caller-owned bson_error_t. docrel's domains start at 0x6472 ("dr") so they
 * never collide with libbson's or libmongoc's small domain numbers. Where an
 * error comes from below (SQLite, a MongoDB server), its domain says so and
 * its code is the underlying one (a SQLite extended result code, a server
 * error code). */
#ifndef DOCREL_ERROR_H
#define DOCREL_ERROR_H

#include "docrel-macros.h"

DOCREL_BEGIN_DECLS

typedef enum {
   DOCREL_ERROR_STORE = 0x6472, /* opening a store, a URI, backend state */
   DOCREL_ERROR_MODEL,          /* defining models, fields, indexes */
   DOCREL_ERROR_VALIDATION,     /* a document does not fit its model */
   DOCREL_ERROR_QUERY,          /* filters, sorts, projections, options */
   DOCREL_ERROR_DOCUMENT,       /* document access and state */
   DOCREL_ERROR_SQLITE,         /* code is the SQLite extended result code */
   DOCREL_ERROR_SERVER          /* code is the MongoDB server error code */
} docrel_error_domain_t;

typedef enum {
   DOCREL_ERROR_INVALID_ARGUMENT = 1, /* a NULL or malformed argument */
   DOCREL_ERROR_INVALID_URI,
   DOCREL_ERROR_UNKNOWN_BACKEND,
   DOCREL_ERROR_UNKNOWN_MODEL,
   DOCREL_ERROR_UNKNOWN_FIELD,
   DOCREL_ERROR_DUPLICATE_NAME, /* a model or field declared twice */
   DOCREL_ERROR_MODEL_IN_USE,   /* a definition change after first use */
   DOCREL_ERROR_REQUIRED,       /* a required field is missing */
   DOCREL_ERROR_WRONG_TYPE,     /* a value of the wrong BSON type */
   DOCREL_ERROR_OUT_OF_RANGE,   /* min / max / maxLength / enum */
   DOCREL_ERROR_EXTRA_FIELD,    /* an undeclared field under "reject" */
   DOCREL_ERROR_UNSUPPORTED_OPERATOR,
   DOCREL_ERROR_BAD_OPTION, /* an unknown option or a bad value */
   DOCREL_ERROR_NOT_FOUND,  /* no document with that primary key */
   DOCREL_ERROR_NOT_SAVED,  /* the operation needs a saved document */
   DOCREL_ERROR_IMMUTABLE,  /* changing _id of a saved document */
   DOCREL_ERROR_CURSOR_EXHAUSTED,
   DOCREL_ERROR_BACKEND,       /* a backend failure with no finer code */
   DOCREL_ERROR_RESTRICTED,    /* an onDelete "restrict" refused a delete */
   DOCREL_ERROR_CASCADE_CYCLE, /* onDelete "cascade" relations form a cycle */
   DOCREL_ERROR_HOOK_FAILED,   /* a hook returned false without an error */
   DOCREL_ERROR_SESSION_BUSY,  /* a write call started while one runs (a hook's) */
   /* A duplicate _id or unique key, in domain DOCREL_ERROR_STORE on every
    * backend: MongoDB's own code, so callers test one number. */
   DOCREL_ERROR_DUPLICATE_KEY = 11000
} docrel_error_code_t;

DOCREL_END_DECLS

#endif /* DOCREL_ERROR_H */
