/* SPDX-License-Identifier: Apache-2.0 */
/* check_join_keys.c: what a join matches by key, whatever the store does
 * underneath (the embedded store binds the keys' keycodes to one cached
 * statement, MongoDB receives an $in): keys compare as MongoDB compares
 * them, across number types and for document keys, and a join costs one
 * find per edge however many keys it carries. */
#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author, *post;
} blog_t;

static void
blog_open (blog_t *t, const char *const *authors, const char *const *posts)
{
   t->store = fixture_store_open ();
   t->author = fixture_keyed_model (t->store, "Author");
   t->post = fixture_keyed_model (t->store, "Post");
   fixture_declare (docrel_model_has_many, t->author, t->post, "posts", "_id", "authorId", NULL);
   fixture_seed (t->store, t->author, authors);
   fixture_seed (t->store, t->post, posts);
   t->session = docrel_session_new (t->store);
}

static void
blog_close (blog_t *t)
{
   docrel_session_destroy (t->session);
   fixture_store_close (t->store);
}

/* The posts of author (its slot, loaded by one find), as their int ids in
 * slot order, comma-separated. */
static char *
post_ids (blog_t *t, docrel_doc_t *author)
{
   docrel_doc_t *const *docs = NULL;
   docrel_store_stats_t stats;
   bson_error_t error;
   char out[256] = "";
   size_t n = 0;

   docrel_store_stats_reset (t->store);
   ASSERT_OK (docrel_load (author, "posts", NULL, &error), error);
   docrel_store_stats (t->store, &stats);
   ck_assert_uint_eq (stats.finds, 1);
   ck_assert (docrel_doc_related (author, "posts", &docs, &n));
   for (size_t i = 0; i < n; i++) {
      char one[16];
      snprintf (one, sizeof one, "%s%d", i ? "," : "", fixture_id_of (docs[i]));
      strncat (out, one, sizeof out - strlen (out) - 1);
   }
   return bson_strdup (out);
}

START_TEST (keys_of_every_number_type_match_as_mongodb_compares_them)
{
   static const char *const authors[] = {"{\"_id\": 1}", "{\"_id\": 2}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1}",
                                       "{\"_id\": 11, \"authorId\": {\"$numberDouble\": \"1.0\"}}",
                                       "{\"_id\": 12, \"authorId\": {\"$numberLong\": \"1\"}}",
                                       "{\"_id\": 13, \"authorId\": \"1\"}",
                                       "{\"_id\": 14, \"authorId\": 2}",
                                       NULL};
   blog_t t;
   char *ids;

   blog_open (&t, authors, posts);
   ids = post_ids (&t, fixture_get (t.session, t.author, 1, NULL));
   ck_assert_str_eq (ids, "10,11,12"); /* 1, 1.0 and 1L are one key; "1" is not */
   bson_free (ids);
   ids = post_ids (&t, fixture_get (t.session, t.author, 2, NULL));
   ck_assert_str_eq (ids, "14");
   bson_free (ids);
   blog_close (&t);
}
END_TEST

START_TEST (document_keys_match_whole_and_in_field_order)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *author = fixture_keyed_model (store, "Author");
   docrel_model_t *post = fixture_keyed_model (store, "Post");
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": {\"first\": \"Ann\", \"born\": 1990}}",
                                       "{\"_id\": 11, \"authorId\": {\"born\": 1990, \"first\": \"Ann\"}}",
                                       "{\"_id\": 12, \"authorId\": {\"first\": \"Ann\"}}", NULL};
   static const char *const authors[] = {"{\"_id\": {\"first\": \"Ann\", \"born\": 1990}}", NULL};
   docrel_session_t *session;
   docrel_doc_t **found = NULL;
   docrel_doc_t *const *docs = NULL;
   bson_t *opts = fixture_json ("{\"join\": {\"posts\": true}}");
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n = 0;

   fixture_declare (docrel_model_has_many, author, post, "posts", "_id", "authorId", NULL);
   fixture_seed (store, author, authors);
   fixture_seed (store, post, posts);
   session = docrel_session_new (store);
   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_find_all (session, author, NULL, opts, &found, &n, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (n, 1);
   ck_assert_uint_eq (stats.finds, 2);
   /* MongoDB compares embedded documents field by field, in order */
   ck_assert (docrel_doc_related (found[0], "posts", &docs, &n));
   ck_assert_uint_eq (n, 1);
   ck_assert_int_eq (fixture_id_of (docs[0]), 10);
   bson_free (found);
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (a_join_over_many_keys_is_one_find_per_edge)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *author = fixture_keyed_model (store, "Author");
   docrel_model_t *post = fixture_keyed_model (store, "Post");
   docrel_session_t *session = docrel_session_new (store);
   bson_t *opts = fixture_json ("{\"join\": {\"author\": true}}");
   docrel_doc_t **found = NULL;
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n = 0;

   fixture_declare (docrel_model_belongs_to, post, author, "author", "authorId", "_id", NULL);
   for (int i = 1; i <= 200; i++) {
      char json[64];
      snprintf (json, sizeof json, "{\"_id\": %d, \"authorId\": %d}", 1000 + i, i % 100 + 1);
      fixture_saved_doc (session, post, json);
      if (i <= 100) {
         snprintf (json, sizeof json, "{\"_id\": %d}", i);
         fixture_saved_doc (session, author, json);
      }
   }
   docrel_session_destroy (session);
   session = docrel_session_new (store);
   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_find_all (session, post, NULL, opts, &found, &n, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (n, 200);
   ck_assert_uint_eq (stats.finds, 2); /* 100 distinct keys, one lookup */
   ck_assert_uint_eq (stats.documents_read, 200 + 100);
   for (size_t i = 0; i < n; i++) {
      docrel_doc_t *a = docrel_doc_related_one (found[i], "author");
      ck_assert (a != NULL);
      ck_assert_int_eq (fixture_id_of (a), (fixture_id_of (found[i]) - 1000) % 100 + 1);
   }
   bson_free (found);
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

static Suite *
join_keys_suite (void)
{
   Suite *s = suite_create ("join_keys");
   TCase *tc = tcase_create ("keys");

   tcase_add_test (tc, keys_of_every_number_type_match_as_mongodb_compares_them);
   tcase_add_test (tc, document_keys_match_whole_and_in_field_order);
   tcase_add_test (tc, a_join_over_many_keys_is_one_find_per_edge);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (join_keys_suite ());
}
