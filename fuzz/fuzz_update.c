/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_update.c: fuzzed updates of a saved document, in MongoDB's update
 * shape: {"$set": {path: value, ...}, "$unset": {path: "", ...}} (any
 * other top-level field is set as it is). Each entry goes through
 * docrel_doc_set_value / docrel_doc_unset, in order, then docrel_save
 * writes the changed fields (the library's own $set / $unset update). What
 * a fresh session reads back must hold the fields memory holds (in any
 * field order), and a failed save must leave the stored document as it
 * was. The document is deleted at the end, so every input starts alike. */
#include <string.h>

#include "fuzz-common.h"

#define BASE                                                                                            \
   "{\"_id\": 1000, \"title\": \"t\", \"authorId\": 4, \"a\": {\"b\": [1, {\"c\": 2}], \"d\": \"x\"}, " \
   "\"n\": null, \"arr\": [[1], {\"e\": 3}]}"

static const bson_value_t key = {.value_type = BSON_TYPE_INT32, .value.v_int32 = 1000};

static void
apply_ops (docrel_doc_t *doc, const bson_t *update)
{
   bson_iter_t top, ops;
   bson_error_t error;

   bson_iter_init (&top, update);
   while (bson_iter_next (&top)) {
      const char *op = bson_iter_key (&top);
      bool set = strcmp (op, "$set") == 0;

      if ((set || strcmp (op, "$unset") == 0) && BSON_ITER_HOLDS_DOCUMENT (&top) && bson_iter_recurse (&top, &ops)) {
         while (bson_iter_next (&ops)) {
            if (set) {
               docrel_doc_set_value (doc, bson_iter_key (&ops), bson_iter_value (&ops), &error);
            } else {
               docrel_doc_unset (doc, bson_iter_key (&ops), &error);
            }
         }
      } else {
         docrel_doc_set_value (doc, op, bson_iter_value (&top), &error);
      }
   }
}

/* The stored document, read through a fresh session, into *out. */
static void
read_back (const fuzz_blog_t *blog, bson_t *out)
{
   docrel_session_t *session = docrel_session_new (blog->store);
   docrel_doc_t *doc;
   bson_error_t error;

   if (!docrel_get (session, blog->post, &key, NULL, &doc, &error)) {
      fuzz_fail ("reading the updated document back", &error);
   }
   bson_copy_to (docrel_doc_bson (doc), out);
   docrel_session_destroy (session);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
   const fuzz_blog_t *blog = fuzz_blog ();
   docrel_session_t *session;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_t update, before, stored;

   if (!fuzz_input_bson (data, size, &update)) {
      return 0;
   }
   session = docrel_session_new (blog->store);
   doc = docrel_doc_new_from_json (session, blog->post, BASE, &error);
   if (!doc || !docrel_save (doc, &error)) {
      fuzz_fail ("saving the base document", &error);
   }
   bson_copy_to (docrel_doc_bson (doc), &before);
   apply_ops (doc, &update);
   if (docrel_save (doc, &error)) {
      read_back (blog, &stored);
      if (!fuzz_same_fields (docrel_doc_bson (doc), &stored)) {
         fuzz_fail ("the store holds other fields than memory after an update", NULL);
      }
   } else {
      read_back (blog, &stored);
      if (!bson_equal (&before, &stored)) {
         fuzz_fail ("a failed save changed the stored document", &error);
      }
   }
   bson_destroy (&stored);
   bson_destroy (&before);
   if (!docrel_delete (doc, &error)) {
      fuzz_fail ("deleting the updated document", &error);
   }
   docrel_session_destroy (session);
   bson_destroy (&update);
   return 0;
}
