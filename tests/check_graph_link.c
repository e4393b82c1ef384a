/* SPDX-License-Identifier: Apache-2.0 */
/* check_graph_link.c: associating and dissociating (neko-orm's associate /
 * dissociate / unlink, Medusa's many-to-many replace, Mongoid's push):
 * docrel_link, _link_key, _unlink, _unlink_key, _unlink_all and
 * docrel_set_links on every relation kind, written at once or deferred to
 * the next save_all. Models use caller keys (ints). */
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *user, *post, *profile, *role, *link;
} app_t;

/* User hasMany posts, User hasOne profile, Post belongsTo user, User
 * hasAndBelongsToMany roles. Users 1, 2; posts 10, 11 (no author);
 * profiles 50 (of user 1), 51 (none); roles 100, 101, 102. */
static void
app_open (app_t *a)
{
   static const char *const users[] = {"{\"_id\": 1}", "{\"_id\": 2}", NULL};
   static const char *const posts[] = {"{\"_id\": 10}", "{\"_id\": 11}", NULL};
   static const char *const profiles[] = {"{\"_id\": 50, \"userId\": 1}", "{\"_id\": 51}", NULL};
   static const char *const roles[] = {"{\"_id\": 100}", "{\"_id\": 101}", "{\"_id\": 102}", NULL};
   docrel_relation_t *r;

   memset (a, 0, sizeof *a);
   a->store = fixture_store_open ();
   a->user = fixture_keyed_model (a->store, "User");
   a->post = fixture_keyed_model (a->store, "Post");
   a->profile = fixture_keyed_model (a->store, "Profile");
   a->role = fixture_keyed_model (a->store, "Role");
   fixture_declare (docrel_model_has_many, a->user, a->post, "posts", "_id", "userId", NULL);
   fixture_declare (docrel_model_has_one, a->user, a->profile, "profile", "_id", "userId", NULL);
   fixture_declare (docrel_model_belongs_to, a->post, a->user, "user", "userId", "_id", NULL);
   r = fixture_declare (docrel_model_has_and_belongs_to_many, a->user, a->role, "roles", "_id", "_id", NULL);
   a->link = docrel_relation_link_model (r);
   fixture_seed (a->store, a->user, users);
   fixture_seed (a->store, a->post, posts);
   fixture_seed (a->store, a->profile, profiles);
   fixture_seed (a->store, a->role, roles);
   a->session = docrel_session_new (a->store);
}

static void
app_close (app_t *a)
{
   docrel_session_destroy (a->session);
   fixture_store_close (a->store);
}

START_TEST (associate_and_dissociate_a_has_many_child)
{
   app_t a;
   docrel_doc_t *user, *post;
   bson_error_t error;

   app_open (&a);
   user = fixture_get (a.session, a.user, 1, NULL);
   post = fixture_get (a.session, a.post, 10, NULL);
   ASSERT_OK (docrel_link (user, "posts", post, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"_id\": 10, \"userId\": 1}"), 1);
   ASSERT_OK (docrel_unlink (user, "posts", post, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"_id\": 10, \"userId\": null}"), 1);
   /* by bare key: the post's _id */
   {
      bson_value_t key = fixture_int_key (11);
      ASSERT_OK (docrel_link_key (user, "posts", &key, NULL, &error), error);
      ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"userId\": 1}"), 1);
      ASSERT_OK (docrel_unlink_key (user, "posts", &key, NULL, &error), error);
      ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"userId\": 1}"), 0);
   }
   app_close (&a);
}
END_TEST

START_TEST (linking_a_has_one_replaces_the_previous_one)
{
   app_t a;
   docrel_doc_t *user, *spare;
   bson_error_t error;

   app_open (&a);
   user = fixture_get (a.session, a.user, 1, NULL);
   spare = fixture_get (a.session, a.profile, 51, NULL);
   ASSERT_OK (docrel_link (user, "profile", spare, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.profile, "{\"userId\": 1}"), 1);
   ck_assert_int_eq (fixture_count_where (a.store, a.profile, "{\"_id\": 51, \"userId\": 1}"), 1);
   /* the same through a loaded slot */
   user = fixture_get (a.session, a.user, 2, "{\"profile\": true}");
   ASSERT_OK (docrel_link (user, "profile", fixture_get (a.session, a.profile, 50, NULL), NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.profile, "{\"userId\": 2}"), 1);
   ck_assert (docrel_doc_related_one (user, "profile") != NULL);
   app_close (&a);
}
END_TEST

START_TEST (linking_a_belongs_to_sets_the_owners_key)
{
   app_t a;
   docrel_doc_t *post;
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 10, NULL);
   ASSERT_OK (docrel_link (post, "user", fixture_get (a.session, a.user, 2, NULL), NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"_id\": 10, \"userId\": 2}"), 1);
   ck_assert (!docrel_doc_is_dirty (post));
   ASSERT_OK (docrel_unlink_all (post, "user", NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"_id\": 10, \"userId\": null}"), 1);
   app_close (&a);
}
END_TEST

START_TEST (links_by_document_and_by_bare_key_without_checking_the_far_end)
{
   app_t a;
   docrel_doc_t *user;
   bson_value_t ghost = fixture_int_key (999);
   bson_error_t error;

   app_open (&a);
   user = fixture_get (a.session, a.user, 1, NULL);
   ASSERT_OK (docrel_link (user, "roles", fixture_get (a.session, a.role, 100, NULL), NULL, &error), error);
   ASSERT_OK (docrel_link_key (user, "roles", &ghost, NULL, &error), error); /* Thinky: keys are not checked */
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 2);
   /* linking twice is harmless */
   ASSERT_OK (docrel_link_key (user, "roles", &ghost, NULL, &error), error);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 2);
   ASSERT_OK (docrel_unlink_key (user, "roles", &ghost, NULL, &error), error);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 1);
   ASSERT_OK (docrel_unlink_all (user, "roles", NULL, &error), error);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 0);
   ck_assert_int_eq (fixture_count_all (a.store, a.role), 3); /* never an end */
   app_close (&a);
}
END_TEST

START_TEST (set_links_replaces_the_set_as_medusa_does)
{
   app_t a;
   docrel_doc_t *user;
   bson_value_t first[2] = {fixture_int_key (100), fixture_int_key (101)};
   bson_value_t second[2] = {fixture_int_key (101), fixture_int_key (102)};
   bson_error_t error;

   app_open (&a);
   user = fixture_get (a.session, a.user, 1, NULL);
   ASSERT_OK (docrel_set_links (user, "roles", first, 2, NULL, &error), error);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 2);
   ASSERT_OK (docrel_set_links (user, "roles", second, 2, NULL, &error), error);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 2);
   ck_assert_int_eq (fixture_count_where (a.store, a.link, "{\"Role__id\": 100}"), 0);
   ck_assert_int_eq (fixture_count_where (a.store, a.link, "{\"Role__id\": 102}"), 1);
   /* loaded again, the slot shows the new set */
   {
      docrel_session_t *s = docrel_session_new (a.store);
      docrel_doc_t *const *roles;
      size_t n;
      ck_assert (docrel_doc_related (fixture_get (s, a.user, 1, "{\"roles\": true}"), "roles", &roles, &n) && n == 2);
      docrel_session_destroy (s);
   }
   app_close (&a);
}
END_TEST

START_TEST (a_deferred_change_waits_for_the_next_save_all)
{
   /* neko-orm's deferred sync: associate now, write on save. */
   app_t a;
   docrel_doc_t *user, *post;
   bson_t *defer = fixture_json ("{\"defer\": true}");
   bson_value_t role = fixture_int_key (102);
   bson_error_t error;

   app_open (&a);
   user = fixture_get (a.session, a.user, 2, "{\"posts\": true}");
   post = fixture_get (a.session, a.post, 11, NULL);
   ASSERT_OK (docrel_link (user, "posts", post, defer, &error), error);
   ASSERT_OK (docrel_link_key (user, "roles", &role, defer, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"userId\": 2}"), 0);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 0);
   ASSERT_OK (docrel_save_all (user, NULL, NULL, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"_id\": 11, \"userId\": 2}"), 1);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 1);
   /* done once: saving again writes nothing more */
   ASSERT_OK (docrel_save_all (user, NULL, NULL, NULL, &error), error);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 1);
   bson_destroy (defer);
   app_close (&a);
}
END_TEST

/* Reloads user 1 in a fresh session with its posts, roles and profile. */
static docrel_doc_t *
reload_user (app_t *a)
{
   docrel_session_destroy (a->session);
   a->session = docrel_session_new (a->store);
   return fixture_get (a->session, a->user, 1, "{\"posts\": true, \"roles\": true, \"profile\": true}");
}

START_TEST (a_deferred_unlink_waits_for_the_next_save_all)
{
   /* issue 13: unlink with "defer" changes memory only; save_all writes
    * it, once, on every relation kind. */
   app_t a;
   docrel_doc_t *user, *post, *profile, *owner;
   docrel_doc_t *const *docs;
   bson_t *defer = fixture_json ("{\"defer\": true}");
   bson_value_t role = fixture_int_key (100);
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n;

   app_open (&a);
   user = fixture_get (a.session, a.user, 1, NULL);
   ASSERT_OK (docrel_link (user, "posts", fixture_get (a.session, a.post, 10, NULL), NULL, &error), error);
   ASSERT_OK (docrel_link_key (user, "roles", &role, NULL, &error), error);
   ASSERT_OK (docrel_link (fixture_get (a.session, a.post, 11, NULL), "user", fixture_get (a.session, a.user, 2, NULL),
                           NULL, &error),
              error);
   user = reload_user (&a);
   post = fixture_get (a.session, a.post, 10, NULL);
   profile = fixture_get (a.session, a.profile, 50, NULL);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_unlink (user, "posts", post, defer, &error), error);
   ASSERT_OK (docrel_unlink (user, "profile", profile, defer, &error), error);
   ASSERT_OK (docrel_unlink_key (user, "roles", &role, defer, &error), error);
   owner = fixture_get (a.session, a.user, 2, NULL);
   ASSERT_OK (docrel_unlink (fixture_get (a.session, a.post, 11, NULL), "user", owner, defer, &error), error);
   /* nothing written; memory says it already */
   docrel_store_stats (a.store, &stats);
   ck_assert_uint_eq (stats.inserts + stats.updates + stats.deletes, 0);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"userId\": {\"$ne\": null}}"), 2);
   ck_assert_int_eq (fixture_count_where (a.store, a.profile, "{\"userId\": 1}"), 1);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 1);
   ck_assert (docrel_doc_related (user, "posts", &docs, &n) && n == 0);
   /* a bare key: the slot can no longer say what the store holds */
   ck_assert (!docrel_doc_related (user, "roles", &docs, &n));
   ck_assert (!docrel_doc_has (fixture_get (a.session, a.post, 11, NULL), "userId"));
   /* save_all of each root writes its own */
   ASSERT_OK (docrel_save_all (user, NULL, NULL, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"_id\": 10, \"userId\": null}"), 1);
   ck_assert_int_eq (fixture_count_where (a.store, a.profile, "{\"userId\": 1}"), 0);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 0);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"_id\": 11, \"userId\": 2}"), 1);
   ASSERT_OK (docrel_save_all (fixture_get (a.session, a.post, 11, NULL), NULL, NULL, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"userId\": {\"$ne\": null}}"), 0);
   /* done once: saving again writes nothing, and a fresh load agrees */
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_save_all (user, NULL, NULL, NULL, &error), error);
   docrel_store_stats (a.store, &stats);
   ck_assert_uint_eq (stats.inserts + stats.updates + stats.deletes, 0);
   user = reload_user (&a);
   ck_assert (docrel_doc_related (user, "posts", &docs, &n) && n == 0);
   ck_assert (docrel_doc_related (user, "roles", &docs, &n) && n == 0);
   ck_assert (docrel_doc_related (user, "profile", &docs, &n) && n == 0);
   bson_destroy (defer);
   app_close (&a);
}
END_TEST

START_TEST (linking_needs_a_saved_document_unless_deferred)
{
   app_t a;
   docrel_doc_t *fresh, *post;
   bson_t *defer = fixture_json ("{\"defer\": true}");
   bson_error_t error;

   app_open (&a);
   fresh = fixture_new_doc (a.session, a.user, "{\"_id\": 3}");
   post = fixture_get (a.session, a.post, 10, NULL);
   ck_assert (!docrel_link (fresh, "posts", post, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_NOT_SAVED);
   ck_assert (!docrel_link (fresh, "nothing", post, NULL, &error));
   ASSERT_MENTIONS (error, "nothing");
   ck_assert (!docrel_link (fresh, "roles", post, NULL, &error));
   ASSERT_MENTIONS (error, "Role");
   ASSERT_OK (docrel_link (fresh, "posts", post, defer, &error), error);
   ASSERT_OK (docrel_save_all (fresh, NULL, NULL, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"_id\": 10, \"userId\": 3}"), 1);
   bson_destroy (defer);
   app_close (&a);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("graph_link");
   TCase *tc = tcase_create ("link");

   tcase_add_test (tc, associate_and_dissociate_a_has_many_child);
   tcase_add_test (tc, linking_a_has_one_replaces_the_previous_one);
   tcase_add_test (tc, linking_a_belongs_to_sets_the_owners_key);
   tcase_add_test (tc, links_by_document_and_by_bare_key_without_checking_the_far_end);
   tcase_add_test (tc, set_links_replaces_the_set_as_medusa_does);
   tcase_add_test (tc, a_deferred_change_waits_for_the_next_save_all);
   tcase_add_test (tc, a_deferred_unlink_waits_for_the_next_save_all);
   tcase_add_test (tc, linking_needs_a_saved_document_unless_deferred);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
