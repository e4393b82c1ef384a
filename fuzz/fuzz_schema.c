/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_schema.c: a fuzzed schema document (docrel-schema.h's Amplify shape)
 * declared on a fresh in-memory store: docrel_store_define for BSON input,
 * docrel_store_define_json for JSON text. Each model the schema names that
 * got declared is then used: a new document saved and every document read.
 * A schema declares all or nothing, so a failed one leaves no model.
 *
 * Unlike the other harnesses this one opens its store per input: declared
 * models cannot be removed, and the next input must be able to declare the
 * same names. An in-memory store opens in well under a millisecond. */
#include "fuzz-common.h"

static void
use_model (docrel_store_t *store, docrel_model_t *model)
{
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t **docs = NULL;
   docrel_doc_t *doc;
   bson_error_t error;
   size_t n;

   doc = docrel_doc_new (session, model, &error);
   if (doc) {
      docrel_save_all (doc, NULL, NULL, NULL, &error);
   }
   docrel_find_all (session, model, NULL, NULL, &docs, &n, &error);
   bson_free (docs);
   docrel_session_destroy (session);
}

/* The names under "models" that the store knows, each used once. */
static void
use_models (docrel_store_t *store, const bson_t *schema, bool declared)
{
   bson_iter_t iter, models;
   docrel_model_t *model;

   if (!bson_iter_init_find (&iter, schema, "models") || !BSON_ITER_HOLDS_DOCUMENT (&iter) ||
       !bson_iter_recurse (&iter, &models)) {
      return;
   }
   while (bson_iter_next (&models)) {
      model = docrel_store_model (store, bson_iter_key (&models));
      if (model && !declared) {
         fuzz_fail ("a schema that failed declared a model", NULL);
      }
      if (model) {
         use_model (store, model);
      }
   }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
   docrel_store_t *store;
   bson_error_t error;
   bson_t schema;
   bool declared;
   char *json = NULL;

   if (!fuzz_input_bson (data, size, &schema)) {
      return 0;
   }
   store = docrel_store_open ("sqlite::memory:", &error);
   if (!store) {
      fuzz_fail ("opening a memory store", &error);
   }
   if (size > 0 && data[0] == '{') {
      json = fuzz_input_string (data, size);
      declared = docrel_store_define_json (store, json, &error);
   } else {
      declared = docrel_store_define (store, &schema, &error);
   }
   use_models (store, &schema, declared);
   docrel_store_destroy (store);
   bson_free (json);
   bson_destroy (&schema);
   return 0;
}
