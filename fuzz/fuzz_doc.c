/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_doc.c: fuzzed BSON documents given to documents and saved: as the
 * fields of a new document (docrel_doc_new_from_bson) of a typed model that
 * rejects extra fields, of a loose one that strips them and of the blog's
 * Post, validated and saved; and field by field through docrel_doc_set_value,
 * whole through docrel_doc_set_document / _set_array, read back through the
 * getters. A saved document must read back from the store with the fields
 * memory holds; it is deleted afterwards, so every input starts alike. */
#include "fuzz-common.h"

static docrel_model_t *typed, *loose;

static void
declare (const fuzz_blog_t *blog)
{
   bson_t *reject = BCON_NEW ("extra", "reject");
   bson_t *strip = BCON_NEW ("extra", "strip", "primaryKey", "uuid");
   bson_t *required = BCON_NEW ("required", BCON_BOOL (true));
   bson_t *age = BCON_NEW ("min", BCON_INT32 (0), "max", BCON_INT32 (150));
   bson_t *kind = BCON_NEW ("enum", "[", "a", "b", "]");
   bson_t *tags = BCON_NEW ("maxLength", BCON_INT32 (5));
   bson_error_t error;

   typed = docrel_model_new (blog->store, "Typed", reject, &error);
   loose = typed ? docrel_model_new (blog->store, "Loose", strip, &error) : NULL;
   if (!loose || !docrel_model_add_field (typed, "name", DOCREL_TYPE_STRING, required, &error) ||
       !docrel_model_add_field (typed, "age", DOCREL_TYPE_INT32, age, &error) ||
       !docrel_model_add_field (typed, "score", DOCREL_TYPE_DOUBLE, NULL, &error) ||
       !docrel_model_add_field (typed, "kind", DOCREL_TYPE_STRING, kind, &error) ||
       !docrel_model_add_field (typed, "tags", DOCREL_TYPE_ARRAY, tags, &error) ||
       !docrel_model_add_field (typed, "when", DOCREL_TYPE_DATETIME, NULL, &error) ||
       !docrel_model_add_field (typed, "meta.city", DOCREL_TYPE_STRING, NULL, &error) ||
       !docrel_model_add_field (loose, "title", DOCREL_TYPE_STRING, NULL, &error)) {
      fuzz_fail ("declaring the models", &error);
   }
   bson_destroy (reject);
   bson_destroy (strip);
   bson_destroy (required);
   bson_destroy (age);
   bson_destroy (kind);
   bson_destroy (tags);
}

/* Saves doc; if saved, checks the store holds what memory does, then
 * deletes it. */
static void
save_and_check (const fuzz_blog_t *blog, docrel_doc_t *doc)
{
   docrel_session_t *session;
   docrel_doc_t *stored;
   bson_error_t error;

   bson_free (docrel_doc_to_json (doc, false));
   if (!docrel_save (doc, &error)) {
      return;
   }
   session = docrel_session_new (blog->store);
   if (!docrel_get (session, docrel_doc_model (doc), docrel_doc_id (doc), NULL, &stored, &error)) {
      fuzz_fail ("reading a saved document back", &error);
   }
   if (!fuzz_same_fields (docrel_doc_bson (doc), docrel_doc_bson (stored))) {
      fuzz_fail ("the store holds other fields than memory after a save", NULL);
   }
   docrel_session_destroy (session);
   if (!docrel_delete (doc, &error)) {
      fuzz_fail ("deleting a saved document", &error);
   }
}

static void
as_fields (const fuzz_blog_t *blog, docrel_session_t *session, docrel_model_t *model, const bson_t *input)
{
   bson_error_t error;
   docrel_doc_t *doc = docrel_doc_new_from_bson (session, model, input, &error);

   docrel_model_validate (model, input, &error);
   if (doc) {
      save_and_check (blog, doc);
   }
}

static void
field_by_field (const fuzz_blog_t *blog, docrel_session_t *session, const bson_t *input)
{
   docrel_doc_t *doc = docrel_doc_new (session, loose, NULL);
   bson_error_t error;
   bson_value_t value;
   bson_iter_t iter;
   int64_t i64;
   double d;

   bson_iter_init (&iter, input);
   while (bson_iter_next (&iter)) {
      docrel_doc_set_value (doc, bson_iter_key (&iter), bson_iter_value (&iter), &error);
      docrel_doc_get (doc, bson_iter_key (&iter), &value);
      docrel_doc_get_utf8 (doc, bson_iter_key (&iter));
      docrel_doc_get_int64 (doc, bson_iter_key (&iter), &i64);
      docrel_doc_get_double (doc, bson_iter_key (&iter), &d);
      docrel_doc_is_field_dirty (doc, bson_iter_key (&iter));
   }
   docrel_doc_set_document (doc, "sub", input, &error);
   docrel_doc_set_array (doc, "list", input, &error);
   docrel_doc_get (doc, "sub.0", &value);
   docrel_doc_get (doc, "list.0", &value);
   save_and_check (blog, doc);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
   const fuzz_blog_t *blog = fuzz_blog ();
   docrel_session_t *session;
   bson_t input;

   if (!typed) {
      declare (blog);
   }
   if (!fuzz_input_bson (data, size, &input)) {
      return 0;
   }
   session = docrel_session_new (blog->store);
   as_fields (blog, session, typed, &input);
   as_fields (blog, session, loose, &input);
   as_fields (blog, session, blog->post, &input);
   field_by_field (blog, session, &input);
   docrel_session_destroy (session);
   bson_destroy (&input);
   return 0;
}
