/* SPDX-License-Identifier: Apache-2.0 */
/* options.c: the options of docrel_check_integrity, read in one place. */
#include <string.h>

#include "integrity/integrity-private.h"

#define DEFAULT_SAMPLE 5

static bool
bad_option (bson_error_t *error, const char *key, const char *expected)
{
   return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                             "check_integrity: option '%s': expected %s", key, expected);
}

static bool
read_model (docrel_store_t *store, const bson_iter_t *iter, docrel_integrity_opts_t *out, bson_error_t *error)
{
   const char *name;

   if (!BSON_ITER_HOLDS_UTF8 (iter)) {
      return bad_option (error, "model", "a model name");
   }
   name = bson_iter_utf8 (iter, NULL);
   out->model = docrel_store_model (store, name);
   if (!out->model) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNKNOWN_MODEL,
                                "check_integrity: option 'model': no model '%s' on this store", name);
   }
   return true;
}

static bool
read_sample (const bson_iter_t *iter, docrel_integrity_opts_t *out, bson_error_t *error)
{
   int64_t n;

   if (!BSON_ITER_HOLDS_INT32 (iter) && !BSON_ITER_HOLDS_INT64 (iter)) {
      return bad_option (error, "sample", "an integer from 0 to 1000");
   }
   n = bson_iter_as_int64 (iter);
   if (n < 0 || n > DOCREL_INTEGRITY_MAX_SAMPLE) {
      return bad_option (error, "sample", "an integer from 0 to 1000");
   }
   out->sample = (int32_t) n;
   return true;
}

bool
docrel_integrity__read_opts (docrel_store_t *store,
                             const bson_t *opts,
                             docrel_integrity_opts_t *out,
                             bson_error_t *error)
{
   bson_iter_t iter;
   bool ok = true;

   memset (out, 0, sizeof *out);
   out->sample = DEFAULT_SAMPLE;
   if (!opts || !bson_iter_init (&iter, opts)) {
      return true;
   }
   while (ok && bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      if (strcmp (key, "model") == 0) {
         ok = read_model (store, &iter, out, error);
      } else if (strcmp (key, "sample") == 0) {
         ok = read_sample (&iter, out, error);
      } else if (strcmp (key, "repair") == 0) {
         ok = BSON_ITER_HOLDS_BOOL (&iter) || bad_option (error, "repair", "a bool");
         out->repair = ok && bson_iter_bool (&iter);
      } else {
         ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                 "check_integrity: unknown option '%s' (expected \"model\": string, "
                                 "\"sample\": int, \"repair\": bool)",
                                 key);
      }
   }
   return ok;
}
