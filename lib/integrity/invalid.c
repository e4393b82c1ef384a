/* SPDX-License-Identifier: Apache-2.0 */
/* invalid.c: stored documents that fail their model's validation (written
 * by another program, or before a field was declared). Streamed through
 * the store's cursor, one document at a time; reported, never repaired:
 * no rule says what the valid document would be. */
#include "integrity/integrity-private.h"
#include "store/store-private.h"

typedef struct {
   docrel_model_t *model;
   docrel_finding_t *found;
   int32_t sample;
} validating_t;

static void
validate (const bson_t *doc, void *ctx)
{
   validating_t *v = ctx;
   bson_error_t why;
   bson_iter_t iter;
   bson_t *entry;

   if (docrel_model_validate (v->model, doc, &why)) {
      return;
   }
   entry = bson_new ();
   if (bson_iter_init_find (&iter, doc, "_id")) {
      bson_append_value (entry, "_id", 3, bson_iter_value (&iter));
   }
   BSON_APPEND_UTF8 (entry, "error", why.message);
   docrel_finding__add (v->found, entry, v->sample);
}

bool
docrel_integrity__invalid (docrel_integrity_t *it, docrel_model_t *model, docrel_finding_t *found, bson_error_t *error)
{
   validating_t v = {model, found, it->opts->sample};
   docrel_find_spec_t find = {0};

   return docrel_model__use (model, error) &&
          docrel_store__for_each (it->store, model->collection, &find, validate, &v, error);
}
