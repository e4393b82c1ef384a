/* SPDX-License-Identifier: Apache-2.0 */
/* check_join_symmetric.c: a hasAndBelongsToMany of a model with itself
 * (friends), one-way and symmetric, loaded and filtered through its links. */
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_model_t *human;
   docrel_model_t *link;
} people_t;

/* Humans 1..4; links (1,2), (3,1), (2,4), stored once each. */
static void
people_open (people_t *p, bool symmetric)
{
   bson_error_t error;
   bson_t *pk = fixture_json ("{\"primaryKey\": \"caller\"}");
   bson_t *opts = fixture_json (symmetric ? "{\"symmetric\": true}" : "{}");
   docrel_session_t *session;
   static const char *const docs[] = {"{\"_id\": 1}", "{\"_id\": 2}", "{\"_id\": 3}", "{\"_id\": 4}"};
   static const char *const links[] = {"{\"Human__id\": 1, \"Human__id_2\": 2}",
                                       "{\"Human__id\": 3, \"Human__id_2\": 1}",
                                       "{\"Human__id\": 2, \"Human__id_2\": 4}"};
   size_t i;

   p->store = fixture_store_open ();
   p->human = docrel_model_new (p->store, "Human", pk, &error);
   ck_assert_msg (p->human != NULL, "%s", error.message);
   ASSERT_OK (docrel_model_has_and_belongs_to_many (p->human, p->human, "friends", "_id", "_id", opts, &error) != NULL,
              error);
   p->link = docrel_store_model (p->store, "Human_Human");
   ck_assert_msg (p->link != NULL, "the link model is named after the model twice");
   session = docrel_session_new (p->store);
   for (i = 0; i < 4; i++) {
      docrel_doc_t *d = docrel_doc_new_from_json (session, p->human, docs[i], &error);
      ASSERT_OK (d && docrel_save (d, &error), error);
   }
   for (i = 0; i < 3; i++) {
      docrel_doc_t *d = docrel_doc_new_from_json (session, p->link, links[i], &error);
      ASSERT_OK (d && docrel_save (d, &error), error);
   }
   docrel_session_destroy (session);
   bson_destroy (pk);
   bson_destroy (opts);
}

/* The friends of each human 1..4, as a string like "1:23 2:14 3:1 4:2". */
static void
friends_of_all (people_t *p, const char *opts_json, char *out, size_t size, uint64_t *finds)
{
   bson_error_t error;
   docrel_session_t *session = docrel_session_new (p->store);
   bson_t *opts = fixture_json (opts_json);
   docrel_store_stats_t stats;
   docrel_doc_t **docs;
   size_t n, i, k;

   docrel_store_stats_reset (p->store);
   ASSERT_OK (docrel_find_all (session, p->human, NULL, opts, &docs, &n, &error), error);
   docrel_store_stats (p->store, &stats);
   *finds = stats.finds;
   out[0] = '\0';
   for (i = 0; i < n; i++) {
      docrel_doc_t *const *friends;
      size_t n_friends;
      int32_t id;
      char part[32];
      ck_assert (docrel_doc_get_int32 (docs[i], "_id", &id));
      bson_snprintf (part, sizeof part, "%s%d:", i ? " " : "", id);
      strncat (out, part, size - strlen (out) - 1);
      ck_assert (docrel_doc_related (docs[i], "friends", &friends, &n_friends));
      for (k = 0; k < n_friends; k++) {
         int32_t f;
         ck_assert (docrel_doc_get_int32 (friends[k], "_id", &f));
         bson_snprintf (part, sizeof part, "%d", f);
         strncat (out, part, size - strlen (out) - 1);
      }
   }
   bson_free (docs);
   bson_destroy (opts);
   docrel_session_destroy (session);
}

START_TEST (a_one_way_self_link_relates_left_to_right_only)
{
   people_t p;
   char got[128];
   uint64_t finds;

   people_open (&p, false);
   friends_of_all (&p, "{\"sort\": {\"_id\": 1}, \"join\": {\"friends\": true}}", got, sizeof got, &finds);
   ck_assert_str_eq (got, "1:2 2:4 3:1 4:");
   ck_assert_uint_eq (finds, 3); /* humans, links, far side */
   fixture_store_close (p.store);
}
END_TEST

START_TEST (a_symmetric_link_relates_both_ways_from_one_stored_link)
{
   people_t p;
   char got[128];
   uint64_t finds;

   people_open (&p, true);
   friends_of_all (&p, "{\"sort\": {\"_id\": 1}, \"join\": {\"friends\": {\"$sort\": {\"_id\": 1}}}}", got, sizeof got,
                   &finds);
   ck_assert_str_eq (got, "1:23 2:14 3:1 4:2");
   ck_assert_uint_eq (finds, 4); /* humans, links by either field, far side */
   fixture_store_close (p.store);
}
END_TEST

START_TEST (related_filters_follow_a_symmetric_link_both_ways)
{
   people_t p;
   char got[128];
   uint64_t finds;

   people_open (&p, true);
   /* the humans who are friends of human 1: 2 (stored as (1,2)) and 3 (stored as (3,1)) */
   friends_of_all (&p,
                   "{\"sort\": {\"_id\": 1}, \"related\": {\"friends\": {\"_id\": 1}}, \"join\": {\"friends\": "
                   "{\"$sort\": {\"_id\": 1}}}}",
                   got, sizeof got, &finds);
   ck_assert_str_eq (got, "2:14 3:1");
   fixture_store_close (p.store);
}
END_TEST

START_TEST (symmetric_needs_a_model_related_to_itself)
{
   bson_error_t error;
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *a = docrel_model_new (store, "Post", NULL, &error);
   docrel_model_t *b = docrel_model_new (store, "Tag", NULL, &error);
   bson_t *opts = fixture_json ("{\"symmetric\": true}");

   ck_assert (docrel_model_has_and_belongs_to_many (a, b, "tags", "_id", "_id", opts, &error) == NULL);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
   ck_assert_msg (strstr (error.message, "Post") && strstr (error.message, "symmetric"), "%s", error.message);
   ck_assert (docrel_model_relation (a, "tags") == NULL);
   bson_destroy (opts);
   fixture_store_close (store);
}
END_TEST

int
main (void)
{
   Suite *suite = suite_create ("join_symmetric");
   TCase *tc = tcase_create ("self_links");

   tcase_add_test (tc, a_one_way_self_link_relates_left_to_right_only);
   tcase_add_test (tc, a_symmetric_link_relates_both_ways_from_one_stored_link);
   tcase_add_test (tc, related_filters_follow_a_symmetric_link_both_ways);
   tcase_add_test (tc, symmetric_needs_a_model_related_to_itself);
   suite_add_tcase (suite, tc);
   return fixture_run (suite);
}
