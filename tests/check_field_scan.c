/* SPDX-License-Identifier: Apache-2.0 */
/* check_field_scan.c: a top-level field is found after fields of every BSON
 * type. Reads of one field (docrel_doc_get, a join's keys, a loaded
 * document's _id) skip the fields before it by their sizes, and leave the
 * types they do not size (regular expressions, code with scope, the old
 * binary subtype, DBPointers) to libbson: either way the same field is
 * found, and a field that is not there is not. */
#include "fixture.h"

/* Every type a stored document may hold, then authorId last. */
#define EVERY_TYPE                                                                                            \
   "\"d\": 1.5, \"s\": \"x\", \"e\": \"\", \"o\": {\"a\": 1}, \"a\": [1, 2], "                                \
   "\"b\": {\"$binary\": {\"base64\": \"AQI=\", \"subType\": \"00\"}}, \"oid\": {\"$oid\": "                  \
   "\"5f1d7f3a9b1e8b6c2a4d0e11\"}, \"t\": true, \"dt\": {\"$date\": \"2024-01-02T03:04:05Z\"}, \"n\": null, " \
   "\"i\": 7, \"ts\": {\"$timestamp\": {\"t\": 1, \"i\": 2}}, \"l\": {\"$numberLong\": \"9\"}, \"dec\": "     \
   "{\"$numberDecimal\": \"1.5\"}, \"mn\": {\"$minKey\": 1}, \"mx\": {\"$maxKey\": 1}"

START_TEST (a_join_finds_its_key_after_fields_of_every_type)
{
   static const char *const authors[] = {"{\"_id\": 1}", "{\"_id\": 2}", NULL};
   static const char *const posts[] = {
      "{\"_id\": 10, " EVERY_TYPE ", \"authorId\": 1}",
      "{\"_id\": 11, \"re\": {\"$regularExpression\": {\"pattern\": \"a\", \"options\": \"i\"}}, \"authorId\": 1}",
      "{\"_id\": 12, \"c\": {\"$code\": \"f()\"}, \"cws\": {\"$code\": \"g()\", \"$scope\": {\"x\": 1}}, "
      "\"authorId\": 1}",
      "{\"_id\": 13, " EVERY_TYPE ", \"authorId\": 2}",
      "{\"_id\": 14, " EVERY_TYPE "}",
      NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *author = fixture_keyed_model (store, "Author");
   docrel_model_t *post = fixture_keyed_model (store, "Post");
   docrel_session_t *session;
   docrel_doc_t *const *docs = NULL;
   docrel_doc_t *one;
   char ids[128];
   size_t n = 0;

   fixture_declare (docrel_model_has_many, author, post, "posts", "_id", "authorId", NULL);
   fixture_seed (store, author, authors);
   fixture_seed (store, post, posts);
   session = docrel_session_new (store);
   one = fixture_get (session, author, 1, "{\"posts\": true}");
   ck_assert (docrel_doc_related (one, "posts", &docs, &n));
   fixture_format_ids ((docrel_doc_t **) docs, n, ids, sizeof ids);
   ck_assert_str_eq (ids, "10 11 12");
   for (size_t i = 0; i < n; i++) {
      bson_value_t v;
      ck_assert (docrel_doc_get (docs[i], "authorId", &v));
      ck_assert_int_eq (v.value_type, BSON_TYPE_INT32);
      ck_assert_int_eq (v.value.v_int32, 1);
      ck_assert (!docrel_doc_has (docs[i], "authorI"));
      ck_assert (!docrel_doc_has (docs[i], "authorIdx"));
   }
   ck_assert_uint_eq (fixture_slot_size (fixture_get (session, author, 2, "{\"posts\": true}"), "posts"), 1);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (a_field_is_found_after_types_a_store_need_not_keep)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *thing = fixture_keyed_model (store, "Thing");
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *doc =
      fixture_new_doc (session, thing,
                       "{\"_id\": 1, \"b2\": {\"$binary\": {\"base64\": \"AQID\", \"subType\": \"02\"}}, "
                       "\"sym\": {\"$symbol\": \"s\"}, \"u\": {\"$undefined\": true}, "
                       "\"p\": {\"$dbPointer\": {\"$ref\": \"c\", \"$id\": {\"$oid\": "
                       "\"5f1d7f3a9b1e8b6c2a4d0e11\"}}}, \"k\": 5}");
   bson_value_t v;

   ck_assert (docrel_doc_get (doc, "k", &v));
   ck_assert_int_eq (v.value_type, BSON_TYPE_INT32);
   ck_assert_int_eq (v.value.v_int32, 5);
   ck_assert (docrel_doc_get (doc, "sym", &v));
   ck_assert_int_eq (v.value_type, BSON_TYPE_SYMBOL);
   ck_assert (!docrel_doc_has (doc, "missing"));
   ck_assert (!docrel_doc_has (doc, "b"));
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

static Suite *
field_scan_suite (void)
{
   Suite *s = suite_create ("field_scan");
   TCase *tc = tcase_create ("top-level fields");

   tcase_add_test (tc, a_join_finds_its_key_after_fields_of_every_type);
   tcase_add_test (tc, a_field_is_found_after_types_a_store_need_not_keep);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (field_scan_suite ());
}
