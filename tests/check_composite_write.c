/* SPDX-License-Identifier: Apache-2.0 */
/* check_composite_write.c: relations on composite keys (Amplify's
 * Post.author by name and year of birth) through every write path:
 * save_all copying both key fields into hasOne / hasMany children and
 * belongsTo owners, links of a hasAndBelongsToMany holding both pairs,
 * docrel_link_key / docrel_unlink_key by a key document, unlink_all and
 * set_links, every delete call unsetting all the key fields (setNull),
 * deleting by the whole tuple (cascade) or refusing by it (restrict), and
 * plans naming the tuples. Two people share a name (Ann, born 1990 and
 * 1985) so a write that matched one key field alone would show. Models use
 * caller keys (ints) so tests can name documents. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *person, *post, *passport, *club, *link;
} people_t;

#define PERSON_KEYS "\"leftKeys\": [\"name\", \"born\"]"

/* Person hasMany Post (posts: onDelete posts_rule), Post belongsTo Person
 * (author: noAction), Person hasOne Passport (passport: setNull), Person
 * hasAndBelongsToMany Club (clubs, by code and region), all on composite
 * keys. */
static void
people_declare (people_t *p, const char *posts_rule)
{
   char opts[160];
   docrel_relation_t *r;

   memset (p, 0, sizeof *p);
   p->store = fixture_store_open ();
   p->person = fixture_keyed_model (p->store, "Person");
   p->post = fixture_keyed_model (p->store, "Post");
   p->passport = fixture_keyed_model (p->store, "Passport");
   p->club = fixture_keyed_model (p->store, "Club");
   snprintf (opts, sizeof opts,
             "{" PERSON_KEYS ", \"rightKeys\": [\"authorName\", \"authorBorn\"], \"onDelete\": \"%s\"}", posts_rule);
   fixture_declare (docrel_model_has_many, p->person, p->post, "posts", NULL, NULL, opts);
   fixture_declare (docrel_model_belongs_to, p->post, p->person, "author", NULL, NULL,
                    "{\"leftKeys\": [\"authorName\", \"authorBorn\"], \"rightKeys\": [\"name\", \"born\"], "
                    "\"onDelete\": \"noAction\"}");
   fixture_declare (docrel_model_has_one, p->person, p->passport, "passport", NULL, NULL,
                    "{" PERSON_KEYS ", \"rightKeys\": [\"holderName\", \"holderBorn\"]}");
   r = fixture_declare (docrel_model_has_and_belongs_to_many, p->person, p->club, "clubs", NULL, NULL,
                        "{" PERSON_KEYS ", \"rightKeys\": [\"code\", \"region\"]}");
   p->link = docrel_relation_link_model (r);
}

/* People 1 (Ann, 1990), 2 (Ann, 1985), 3 (Bob, 1990); posts 10, 11 by
 * person 1, 12 by 2, 13 by 3; passports 20 (person 1), 21 (person 2);
 * clubs 30 (chess, north), 31 (chess, south); person 1 in both clubs,
 * person 2 in 30. */
static void
people_open (people_t *p, const char *posts_rule)
{
   static const char *const people[] = {"{\"_id\": 1, \"name\": \"Ann\", \"born\": 1990}",
                                        "{\"_id\": 2, \"name\": \"Ann\", \"born\": 1985}",
                                        "{\"_id\": 3, \"name\": \"Bob\", \"born\": 1990}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorName\": \"Ann\", \"authorBorn\": 1990}",
                                       "{\"_id\": 11, \"authorName\": \"Ann\", \"authorBorn\": 1990}",
                                       "{\"_id\": 12, \"authorName\": \"Ann\", \"authorBorn\": 1985}",
                                       "{\"_id\": 13, \"authorName\": \"Bob\", \"authorBorn\": 1990}", NULL};
   static const char *const passports[] = {"{\"_id\": 20, \"holderName\": \"Ann\", \"holderBorn\": 1990}",
                                           "{\"_id\": 21, \"holderName\": \"Ann\", \"holderBorn\": 1985}", NULL};
   static const char *const clubs[] = {"{\"_id\": 30, \"code\": \"chess\", \"region\": \"north\"}",
                                       "{\"_id\": 31, \"code\": \"chess\", \"region\": \"south\"}", NULL};
   static const char *const links[] = {
      "{\"Person_name\": \"Ann\", \"Person_born\": 1990, \"Club_code\": \"chess\", \"Club_region\": \"north\"}",
      "{\"Person_name\": \"Ann\", \"Person_born\": 1990, \"Club_code\": \"chess\", \"Club_region\": \"south\"}",
      "{\"Person_name\": \"Ann\", \"Person_born\": 1985, \"Club_code\": \"chess\", \"Club_region\": \"north\"}", NULL};

   people_declare (p, posts_rule);
   fixture_seed (p->store, p->person, people);
   fixture_seed (p->store, p->post, posts);
   fixture_seed (p->store, p->passport, passports);
   fixture_seed (p->store, p->club, clubs);
   fixture_seed (p->store, p->link, links);
   p->session = docrel_session_new (p->store);
}

static void
people_close (people_t *p)
{
   docrel_session_destroy (p->session);
   fixture_store_close (p->store);
}

/* The documents of model matching filter_json (NULL: all) in the store,
 * sorted by _id (links: by their key fields, without their generated _id),
 * as one JSON line. The caller frees it with bson_free. */
static char *
stored (people_t *p, docrel_model_t *model, const char *filter_json)
{
   docrel_session_t *session = docrel_session_new (p->store);
   bool links = model == p->link;
   bson_t *opts = fixture_json (links ? "{\"sort\": {\"Person_born\": 1, \"Person_name\": 1, \"Club_region\": 1}}"
                                      : "{\"sort\": {\"_id\": 1}}");
   bson_t *filter = filter_json ? fixture_json (filter_json) : NULL;
   docrel_doc_t **docs = NULL;
   bson_error_t error;
   bson_string_t *out = bson_string_new ("[");
   size_t n = 0, i;

   ASSERT_OK (docrel_find_all (session, model, filter, opts, &docs, &n, &error), error);
   for (i = 0; i < n; i++) {
      bson_t shown = BSON_INITIALIZER;
      char *json;
      bson_copy_to_excluding_noinit (docrel_doc_bson (docs[i]), &shown, links ? "_id" : "", NULL);
      json = bson_as_relaxed_extended_json (&shown, NULL);
      bson_string_append_printf (out, "%s%s", i ? ", " : "", json);
      bson_free (json);
      bson_destroy (&shown);
   }
   bson_string_append (out, "]");
   bson_free (docs);
   bson_destroy (opts);
   if (filter) {
      bson_destroy (filter);
   }
   docrel_session_destroy (session);
   return bson_string_free (out, false);
}

static void
assert_stored (people_t *p, docrel_model_t *model, const char *filter_json, const char *json)
{
   char *got = stored (p, model, filter_json);

   ck_assert_str_eq (got, json);
   bson_free (got);
}

/* A key document as a bson_value_t; the caller destroys it with
 * bson_value_destroy. */
static bson_value_t
key_doc (const char *json)
{
   bson_t *doc = fixture_json (json);
   bson_value_t v, copy;

   v.value_type = BSON_TYPE_DOCUMENT;
   v.value.v_doc.data = (uint8_t *) bson_get_data (doc);
   v.value.v_doc.data_len = doc->len;
   bson_value_copy (&v, &copy);
   bson_destroy (doc);
   return copy;
}

/* ---- save_all copies every key field ----------------------------------- */

START_TEST (save_all_copies_both_key_fields_into_new_children)
{
   people_t p;
   docrel_doc_t *cid, *posts[2], *passport;
   bson_error_t error;

   people_declare (&p, "setNull");
   p.session = docrel_session_new (p.store);
   cid = fixture_new_doc (p.session, p.person, "{\"_id\": 4, \"name\": \"Cid\", \"born\": 2000}");
   posts[0] = fixture_new_doc (p.session, p.post, "{\"_id\": 14}");
   posts[1] = fixture_new_doc (p.session, p.post, "{\"_id\": 15}");
   passport = fixture_new_doc (p.session, p.passport, "{\"_id\": 22}");
   ASSERT_OK (docrel_doc_set_related (cid, "posts", posts, 2, &error), error);
   ASSERT_OK (docrel_doc_add_related (cid, "passport", passport, &error), error);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_save_all (cid, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 3, 0, 0); /* the person, then its posts and passport */
   assert_stored (&p, p.post, NULL,
                  "[{ \"_id\" : 14, \"authorName\" : \"Cid\", \"authorBorn\" : 2000 }, "
                  "{ \"_id\" : 15, \"authorName\" : \"Cid\", \"authorBorn\" : 2000 }]");
   assert_stored (&p, p.passport, NULL, "[{ \"_id\" : 22, \"holderName\" : \"Cid\", \"holderBorn\" : 2000 }]");
   ck_assert (!docrel_doc_is_dirty (posts[0]) && !docrel_doc_is_dirty (passport));
   people_close (&p);
}
END_TEST

START_TEST (save_all_sets_changes_and_clears_a_composite_belongs_to)
{
   people_t p;
   docrel_doc_t *post, *ann85, *bob;
   bson_error_t error;

   people_open (&p, "setNull");
   ann85 = fixture_get (p.session, p.person, 2, NULL);
   bob = fixture_get (p.session, p.person, 3, NULL);
   post = fixture_new_doc (p.session, p.post, "{\"_id\": 14}");
   ASSERT_OK (docrel_doc_add_related (post, "author", ann85, &error), error);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 1, 0, 0); /* the keys are in the insert */
   assert_stored (&p, p.post, "{\"_id\": 14}", "[{ \"_id\" : 14, \"authorName\" : \"Ann\", \"authorBorn\" : 1985 }]");
   /* to another author: both fields change */
   ASSERT_OK (docrel_doc_add_related (post, "author", bob, &error), error);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 1, 0);
   assert_stored (&p, p.post, "{\"_id\": 14}", "[{ \"_id\" : 14, \"authorName\" : \"Bob\", \"authorBorn\" : 1990 }]");
   /* cleared: both fields go */
   ASSERT_OK (docrel_doc_set_related (post, "author", NULL, 0, &error), error);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   assert_stored (&p, p.post, "{\"_id\": 14}", "[{ \"_id\" : 14 }]");
   ck_assert (!docrel_doc_has (post, "authorName") && !docrel_doc_has (post, "authorBorn"));
   people_close (&p);
}
END_TEST

START_TEST (a_changed_composite_key_reaches_the_loaded_children)
{
   people_t p;
   docrel_doc_t *ann;
   bson_error_t error;

   people_open (&p, "setNull");
   ann = fixture_get (p.session, p.person, 1, "{\"posts\": true, \"passport\": true}");
   ASSERT_OK (docrel_doc_set_int32 (ann, "born", 1991, &error), error);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_save_all (ann, NULL, NULL, NULL, &error), error);
   /* the person, then its posts and passport: one update per model */
   fixture_assert_commands (p.store, 0, 0, 3, 0);
   assert_stored (&p, p.post, "{\"authorBorn\": 1991}",
                  "[{ \"_id\" : 10, \"authorName\" : \"Ann\", \"authorBorn\" : 1991 }, "
                  "{ \"_id\" : 11, \"authorName\" : \"Ann\", \"authorBorn\" : 1991 }]");
   assert_stored (&p, p.passport, "{\"holderBorn\": 1991}",
                  "[{ \"_id\" : 20, \"holderName\" : \"Ann\", \"holderBorn\" : 1991 }]");
   ck_assert_int_eq (fixture_count_where (p.store, p.post, "{\"authorBorn\": 1985}"), 1);
   people_close (&p);
}
END_TEST

START_TEST (save_all_links_and_unlinks_by_both_pairs)
{
   people_t p;
   docrel_doc_t *bob, *clubs[2];
   bson_error_t error;

   people_open (&p, "setNull");
   bob = fixture_get (p.session, p.person, 3, "{\"clubs\": true}");
   clubs[0] = fixture_get (p.session, p.club, 30, NULL);
   clubs[1] = fixture_get (p.session, p.club, 31, NULL);
   ASSERT_OK (docrel_doc_set_related (bob, "clubs", clubs, 2, &error), error);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_save_all (bob, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (p.store, 1, 1, 0, 0); /* the lookup of stored links, one insert */
   assert_stored (&p, p.link, "{\"Person_name\": \"Bob\"}",
                  "[{ \"Person_name\" : \"Bob\", \"Club_code\" : \"chess\", \"Person_born\" : 1990, "
                  "\"Club_region\" : \"north\" }, "
                  "{ \"Person_name\" : \"Bob\", \"Club_code\" : \"chess\", \"Person_born\" : 1990, "
                  "\"Club_region\" : \"south\" }]");
   ASSERT_OK (docrel_doc_remove_related (bob, "clubs", clubs[0], &error), error);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_save_all (bob, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 0, 1);
   ck_assert_int_eq (fixture_count_where (p.store, p.link, "{\"Person_name\": \"Bob\"}"), 1);
   ck_assert_int_eq (fixture_count_where (p.store, p.link, "{\"Club_region\": \"north\"}"), 2); /* both Anns */
   people_close (&p);
}
END_TEST

START_TEST (a_missing_key_field_is_named)
{
   people_t p;
   docrel_doc_t *nobody, *post, *club;
   bson_error_t error;

   people_open (&p, "setNull");
   nobody = fixture_new_doc (p.session, p.person, "{\"_id\": 5, \"name\": \"Dee\"}");
   post = fixture_new_doc (p.session, p.post, "{\"_id\": 16}");
   ASSERT_OK (docrel_doc_add_related (nobody, "posts", post, &error), error);
   ck_assert (!docrel_save_all (nobody, NULL, NULL, NULL, &error));
   ASSERT_MENTIONS (error, "'born'");
   ck_assert (!docrel_doc_is_saved (nobody) && !docrel_doc_is_saved (post));
   ASSERT_OK (docrel_doc_remove_related (nobody, "posts", post, &error), error);
   club = fixture_get (p.session, p.club, 30, NULL);
   ASSERT_OK (docrel_doc_add_related (nobody, "clubs", club, &error), error);
   ck_assert (!docrel_save_all (nobody, NULL, NULL, NULL, &error));
   ASSERT_MENTIONS (error, "'born'");
   ck_assert_int_eq (fixture_count_all (p.store, p.person), 3);
   ck_assert_int_eq (fixture_count_all (p.store, p.link), 3);
   people_close (&p);
}
END_TEST

START_TEST (link_key_of_a_has_one_replaces_the_holder)
{
   people_t p;
   docrel_doc_t *ann;
   bson_value_t passport = fixture_int_key (21);
   bson_error_t error;

   people_open (&p, "setNull");
   ann = fixture_get (p.session, p.person, 1, NULL);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_link_key (ann, "passport", &passport, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 2, 0); /* the one it replaces, then the new one */
   assert_stored (&p, p.passport, NULL,
                  "[{ \"_id\" : 20 }, { \"_id\" : 21, \"holderName\" : \"Ann\", \"holderBorn\" : 1990 }]");
   people_close (&p);
}
END_TEST

START_TEST (a_deferred_key_document_is_written_by_the_next_save)
{
   people_t p;
   docrel_doc_t *post, *bob;
   bson_value_t ann85 = key_doc ("{\"name\": \"Ann\", \"born\": 1985}");
   bson_value_t south = key_doc ("{\"code\": \"chess\", \"region\": \"south\"}");
   bson_t *defer = fixture_json ("{\"defer\": true}");
   bson_error_t error;

   people_open (&p, "setNull");
   post = fixture_new_doc (p.session, p.post, "{\"_id\": 17}");
   bob = fixture_get (p.session, p.person, 3, NULL);
   ASSERT_OK (docrel_link_key (post, "author", &ann85, defer, &error), error);
   ASSERT_OK (docrel_link_key (bob, "clubs", &south, defer, &error), error);
   ck_assert_int_eq (fixture_count_all (p.store, p.link), 3);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   ASSERT_OK (docrel_save_all (bob, NULL, NULL, NULL, &error), error);
   assert_stored (&p, p.post, "{\"_id\": 17}", "[{ \"_id\" : 17, \"authorName\" : \"Ann\", \"authorBorn\" : 1985 }]");
   ck_assert_int_eq (fixture_count_where (p.store, p.link,
                                          "{\"Person_name\": \"Bob\", \"Person_born\": 1990, "
                                          "\"Club_code\": \"chess\", \"Club_region\": \"south\"}"),
                     1);
   bson_value_destroy (&ann85);
   bson_value_destroy (&south);
   bson_destroy (defer);
   people_close (&p);
}
END_TEST

/* ---- link and unlink by a key document -------------------------------- */

START_TEST (link_key_takes_a_key_document)
{
   people_t p;
   docrel_doc_t *post, *bob;
   bson_value_t ann85 = key_doc ("{\"name\": \"Ann\", \"born\": 1985}");
   bson_value_t north = key_doc ("{\"code\": \"chess\", \"region\": \"north\"}");
   bson_value_t post_id = fixture_int_key (11);
   bson_error_t error;

   people_open (&p, "setNull");
   post = fixture_get (p.session, p.post, 13, NULL);
   bob = fixture_get (p.session, p.person, 3, NULL);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_link_key (post, "author", &ann85, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 1, 0);
   assert_stored (&p, p.post, "{\"_id\": 13}", "[{ \"_id\" : 13, \"authorName\" : \"Ann\", \"authorBorn\" : 1985 }]");
   /* a link holds both pairs; linking twice writes nothing more */
   ASSERT_OK (docrel_link_key (bob, "clubs", &north, NULL, &error), error);
   ASSERT_OK (docrel_link_key (bob, "clubs", &north, NULL, &error), error);
   assert_stored (&p, p.link, "{\"Person_name\": \"Bob\"}",
                  "[{ \"Person_name\" : \"Bob\", \"Club_code\" : \"chess\", \"Person_born\" : 1990, "
                  "\"Club_region\" : \"north\" }]");
   /* hasMany by the child's _id: both of bob's key fields are set in it */
   ASSERT_OK (docrel_link_key (bob, "posts", &post_id, NULL, &error), error);
   assert_stored (&p, p.post, "{\"_id\": 11}", "[{ \"_id\" : 11, \"authorName\" : \"Bob\", \"authorBorn\" : 1990 }]");
   ck_assert_int_eq (fixture_count_where (p.store, p.post, "{\"authorName\": \"Ann\", \"authorBorn\": 1990}"), 1);
   bson_value_destroy (&ann85);
   bson_value_destroy (&north);
   people_close (&p);
}
END_TEST

START_TEST (a_bad_key_document_names_what_is_wrong_and_writes_nothing)
{
   people_t p;
   docrel_doc_t *post, *bob;
   bson_value_t half = key_doc ("{\"name\": \"Ann\"}");
   bson_value_t club_half = key_doc ("{\"code\": \"chess\"}");
   bson_value_t bare = fixture_int_key (2);
   bson_t *defer = fixture_json ("{\"defer\": true}");
   bson_error_t error;

   people_open (&p, "setNull");
   post = fixture_get (p.session, p.post, 13, NULL);
   bob = fixture_get (p.session, p.person, 3, NULL);
   docrel_store_stats_reset (p.store);
   ck_assert (!docrel_link_key (post, "author", &half, NULL, &error));
   ASSERT_MENTIONS (error, "'author'");
   ASSERT_MENTIONS (error, "lacks 'born'");
   ck_assert (!docrel_link_key (post, "author", &bare, NULL, &error));
   ASSERT_MENTIONS (error, "a composite key must be a document");
   ck_assert (!docrel_unlink_key (post, "author", &bare, NULL, &error));
   ASSERT_MENTIONS (error, "a composite key must be a document");
   ck_assert (!docrel_link_key (bob, "clubs", &club_half, NULL, &error));
   ASSERT_MENTIONS (error, "'clubs'");
   ASSERT_MENTIONS (error, "lacks 'region'");
   /* deferred, the key document is refused at once, not by a later save */
   ck_assert (!docrel_link_key (bob, "clubs", &club_half, defer, &error));
   ASSERT_MENTIONS (error, "lacks 'region'");
   ck_assert (!docrel_link_key (post, "author", &half, defer, &error));
   ASSERT_MENTIONS (error, "lacks 'born'");
   ck_assert (!docrel_set_links (bob, "clubs", &club_half, 1, NULL, &error));
   ASSERT_MENTIONS (error, "lacks 'region'");
   ASSERT_OK (docrel_save_all (bob, NULL, NULL, NULL, &error), error);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 0, 0);
   ck_assert_str_eq (docrel_doc_get_utf8 (post, "authorName"), "Bob");
   ck_assert (!docrel_doc_is_dirty (post) && !docrel_doc_is_dirty (bob));
   assert_stored (&p, p.post, "{\"_id\": 13}", "[{ \"_id\" : 13, \"authorName\" : \"Bob\", \"authorBorn\" : 1990 }]");
   bson_value_destroy (&half);
   bson_value_destroy (&club_half);
   bson_destroy (defer);
   people_close (&p);
}
END_TEST

START_TEST (unlink_key_removes_only_the_matching_tuple)
{
   people_t p;
   docrel_doc_t *post, *ann;
   bson_value_t ann85 = key_doc ("{\"name\": \"Ann\", \"born\": 1985}");
   bson_value_t ann90 = key_doc ("{\"name\": \"Ann\", \"born\": 1990}");
   bson_value_t north = key_doc ("{\"code\": \"chess\", \"region\": \"north\"}");
   bson_value_t post_id = fixture_int_key (11);
   bson_error_t error;

   people_open (&p, "setNull");
   post = fixture_get (p.session, p.post, 10, NULL);
   ann = fixture_get (p.session, p.person, 1, NULL);
   /* belongsTo: another Ann's key is not the one held: nothing changes */
   ASSERT_OK (docrel_unlink_key (post, "author", &ann85, NULL, &error), error);
   ck_assert_int_eq (docrel_doc_has (post, "authorBorn"), true);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_unlink_key (post, "author", &ann90, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 1, 0);
   assert_stored (&p, p.post, "{\"_id\": 10}", "[{ \"_id\" : 10 }]");
   ck_assert (!docrel_doc_has (post, "authorName") && !docrel_doc_has (post, "authorBorn"));
   /* hasAndBelongsToMany: the link of this Ann to the north club only */
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_unlink_key (ann, "clubs", &north, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 0, 1);
   assert_stored (&p, p.link, NULL,
                  "[{ \"Person_name\" : \"Ann\", \"Person_born\" : 1985, \"Club_code\" : \"chess\", "
                  "\"Club_region\" : \"north\" }, "
                  "{ \"Person_name\" : \"Ann\", \"Person_born\" : 1990, \"Club_code\" : \"chess\", "
                  "\"Club_region\" : \"south\" }]");
   /* hasMany by the child's _id: both key fields unset in it */
   ASSERT_OK (docrel_unlink_key (ann, "posts", &post_id, NULL, &error), error);
   assert_stored (&p, p.post, "{\"_id\": 11}", "[{ \"_id\" : 11 }]");
   bson_value_destroy (&ann85);
   bson_value_destroy (&ann90);
   bson_value_destroy (&north);
   people_close (&p);
}
END_TEST

START_TEST (unlink_all_and_set_links_match_the_whole_tuple)
{
   people_t p;
   docrel_doc_t *ann;
   bson_value_t south = key_doc ("{\"code\": \"chess\", \"region\": \"south\"}");
   bson_error_t error;

   people_open (&p, "setNull");
   ann = fixture_get (p.session, p.person, 1, NULL);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_set_links (ann, "clubs", &south, 1, NULL, &error), error);
   fixture_assert_commands (p.store, 1, 0, 0, 1); /* one range delete, one lookup: the kept link stays */
   assert_stored (&p, p.link, NULL,
                  "[{ \"Person_name\" : \"Ann\", \"Person_born\" : 1985, \"Club_code\" : \"chess\", "
                  "\"Club_region\" : \"north\" }, "
                  "{ \"Person_name\" : \"Ann\", \"Person_born\" : 1990, \"Club_code\" : \"chess\", "
                  "\"Club_region\" : \"south\" }]");
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_unlink_all (ann, "posts", NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 1, 0);
   assert_stored (&p, p.post, NULL,
                  "[{ \"_id\" : 10 }, { \"_id\" : 11 }, "
                  "{ \"_id\" : 12, \"authorName\" : \"Ann\", \"authorBorn\" : 1985 }, "
                  "{ \"_id\" : 13, \"authorName\" : \"Bob\", \"authorBorn\" : 1990 }]");
   bson_value_destroy (&south);
   people_close (&p);
}
END_TEST

/* ---- deleting by the whole tuple --------------------------------------- */

typedef enum { CALL_DELETE, CALL_DELETE_ALL, CALL_DELETE_ALL_MANY, CALL_PURGE, N_CALLS } call_t;

static const char *const call_names[] = {"delete", "delete_all", "delete_all_many", "purge"};

/* Deletes person through call; delete_all_many deletes second with it. */
static bool
delete_person (call_t call, docrel_doc_t *person, docrel_doc_t *second, bson_error_t *error)
{
   docrel_doc_t *roots[2] = {person, second};

   switch (call) {
   case CALL_DELETE:
      return docrel_delete (person, error);
   case CALL_DELETE_ALL:
      return docrel_delete_all (person, NULL, error);
   case CALL_DELETE_ALL_MANY:
      return docrel_delete_all_many (roots, 2, NULL, error);
   case CALL_PURGE:
   case N_CALLS:
   default:
      return docrel_purge (person, error);
   }
}

START_TEST (set_null_unsets_every_key_field_on_every_path)
{
   people_t p;
   docrel_doc_t *ann, *bob, *post;
   bool many = _i == CALL_DELETE_ALL_MANY;
   bson_error_t error;

   people_open (&p, "setNull");
   ann = fixture_get (p.session, p.person, 1, NULL);
   bob = fixture_get (p.session, p.person, 3, NULL);
   post = fixture_get (p.session, p.post, 10, NULL); /* loaded; post 11 is not */
   docrel_store_stats_reset (p.store);
   ASSERT_OK (delete_person ((call_t) _i, ann, bob, &error), error);
   /* posts and passports unset (one update each), links, then people */
   fixture_assert_commands (p.store, 0, 0, 2, 2);
   assert_stored (&p, p.post, NULL,
                  many ? "[{ \"_id\" : 10 }, { \"_id\" : 11 }, "
                         "{ \"_id\" : 12, \"authorName\" : \"Ann\", \"authorBorn\" : 1985 }, { \"_id\" : 13 }]"
                       : "[{ \"_id\" : 10 }, { \"_id\" : 11 }, "
                         "{ \"_id\" : 12, \"authorName\" : \"Ann\", \"authorBorn\" : 1985 }, "
                         "{ \"_id\" : 13, \"authorName\" : \"Bob\", \"authorBorn\" : 1990 }]");
   assert_stored (&p, p.passport, NULL,
                  "[{ \"_id\" : 20 }, { \"_id\" : 21, \"holderName\" : \"Ann\", \"holderBorn\" : 1985 }]");
   assert_stored (&p, p.link, NULL,
                  "[{ \"Person_name\" : \"Ann\", \"Person_born\" : 1985, \"Club_code\" : \"chess\", "
                  "\"Club_region\" : \"north\" }]");
   ck_assert_msg (!docrel_doc_has (post, "authorName") && !docrel_doc_has (post, "authorBorn"), "%s kept a key",
                  call_names[_i]);
   ck_assert (docrel_doc_is_saved (post) && !docrel_doc_is_dirty (post));
   ck_assert (!docrel_doc_is_saved (ann));
   people_close (&p);
}
END_TEST

START_TEST (cascade_deletes_by_the_whole_tuple_on_every_path)
{
   people_t p;
   docrel_doc_t *ann, *bob;
   bool many = _i == CALL_DELETE_ALL_MANY;
   bson_error_t error;

   people_open (&p, "cascade");
   ann = fixture_get (p.session, p.person, 1, NULL);
   bob = fixture_get (p.session, p.person, 3, NULL);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (delete_person ((call_t) _i, ann, bob, &error), error);
   /* one find (the posts), the passports unset, then links, posts, people */
   fixture_assert_commands (p.store, 1, 0, 1, 3);
   assert_stored (&p, p.post, NULL,
                  many ? "[{ \"_id\" : 12, \"authorName\" : \"Ann\", \"authorBorn\" : 1985 }]"
                       : "[{ \"_id\" : 12, \"authorName\" : \"Ann\", \"authorBorn\" : 1985 }, "
                         "{ \"_id\" : 13, \"authorName\" : \"Bob\", \"authorBorn\" : 1990 }]");
   ck_assert_int_eq (fixture_count_all (p.store, p.person), many ? 1 : 2);
   people_close (&p);
}
END_TEST

START_TEST (restrict_counts_by_the_whole_tuple_on_every_path)
{
   people_t p;
   docrel_doc_t *ann85, *bob;
   docrel_store_stats_t stats;
   bson_error_t error;

   people_open (&p, "restrict");
   ann85 = fixture_get (p.session, p.person, 2, NULL);
   bob = fixture_get (p.session, p.person, 3, NULL);
   docrel_store_stats_reset (p.store);
   ck_assert_msg (!delete_person ((call_t) _i, ann85, bob, &error), "%s deleted", call_names[_i]);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_RESTRICTED);
   /* Ann (1985) has one post; Ann (1990) has two that must not count */
   ASSERT_MENTIONS (error, _i == CALL_DELETE_ALL_MANY ? "2 'Post' documents" : "1 'Post' document ");
   ASSERT_MENTIONS (error, "'Person.posts'");
   docrel_store_stats (p.store, &stats);
   ck_assert_uint_eq (stats.counts, 1);
   ck_assert_uint_eq (stats.inserts + stats.updates + stats.deletes, 0);
   ck_assert_int_eq (fixture_count_all (p.store, p.person), 3);
   ck_assert_int_eq (fixture_count_all (p.store, p.link), 3);
   ck_assert (docrel_doc_is_saved (ann85));
   people_close (&p);
}
END_TEST

/* ---- key paths inside a subdocument ----------------------------------- */

START_TEST (key_paths_inside_a_subdocument_are_written_and_unset)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person = fixture_keyed_model (store, "Person"), *note = fixture_keyed_model (store, "Note");
   docrel_session_t *session;
   docrel_doc_t *ann, *n1, *n2;
   bson_value_t ann_key = key_doc ("{\"name\": \"Ann\", \"born\": 1990}");
   char *json;
   bson_error_t error;

   fixture_declare (docrel_model_has_many, person, note, "notes", NULL, NULL,
                    "{" PERSON_KEYS ", \"rightKeys\": [\"by.name\", \"by.born\"]}");
   fixture_declare (docrel_model_belongs_to, note, person, "writer", NULL, NULL,
                    "{\"leftKeys\": [\"by.name\", \"by.born\"], \"rightKeys\": [\"name\", \"born\"], "
                    "\"onDelete\": \"noAction\"}");
   session = docrel_session_new (store);
   ann = fixture_new_doc (session, person, "{\"_id\": 1, \"name\": \"Ann\", \"born\": 1990}");
   n1 = fixture_new_doc (session, note, "{\"_id\": 10, \"by\": {\"at\": \"home\"}}");
   ASSERT_OK (docrel_doc_add_related (ann, "notes", n1, &error), error);
   ASSERT_OK (docrel_save_all (ann, NULL, NULL, NULL, &error), error);
   n2 = fixture_saved_doc (session, note, "{\"_id\": 11}");
   ASSERT_OK (docrel_link_key (n2, "writer", &ann_key, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (store, note, "{\"by.name\": \"Ann\", \"by.born\": 1990}"), 2);
   ck_assert_int_eq (fixture_count_where (store, note, "{\"by.at\": \"home\"}"), 1);
   ASSERT_OK (docrel_purge (ann, &error), error);
   ck_assert_int_eq (fixture_count_where (store, note, "{\"by.name\": {\"$exists\": true}}"), 0);
   ck_assert_int_eq (fixture_count_where (store, note, "{\"by.born\": {\"$exists\": true}}"), 0);
   ck_assert_int_eq (fixture_count_where (store, note, "{\"by.at\": \"home\"}"), 1);
   json = docrel_doc_to_json (n1, false);
   ck_assert_str_eq (json, "{ \"_id\" : 10, \"by\" : { \"at\" : \"home\" } }");
   bson_free (json);
   bson_value_destroy (&ann_key);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- plans ----------------------------------------------------------- */

static void
assert_plan (const bson_t *plan, const char *json)
{
   char *got = bson_as_relaxed_extended_json (plan, NULL);

   ck_assert_str_eq (got, json);
   bson_free (got);
}

START_TEST (a_dry_run_names_the_tuples)
{
   people_t p;
   docrel_doc_t *ann, *bob, *club;
   bson_t *dry = fixture_json ("{\"dryRun\": true}");
   bson_t plan;
   bson_error_t error;

   people_open (&p, "setNull");
   ann = fixture_get (p.session, p.person, 1, NULL);
   bob = fixture_get (p.session, p.person, 3, NULL);
   club = fixture_get (p.session, p.club, 30, NULL);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_purge_with_opts (ann, dry, &plan, &error), error);
   assert_plan (&plan, "{ \"writes\" : [ "
                       "{ \"op\" : \"unlink\", \"model\" : \"Club_Person\", \"collection\" : \"Club_Person\", "
                       "\"level\" : 0, \"filter\" : { \"$or\" : [ { \"Person_name\" : { \"$eq\" : \"Ann\" }, "
                       "\"Person_born\" : { \"$eq\" : 1990 } } ] } }, "
                       "{ \"op\" : \"delete\", \"model\" : \"Person\", \"collection\" : \"Person\", \"level\" : 1, "
                       "\"count\" : 1, \"ids\" : [ 1 ] }, "
                       "{ \"op\" : \"updateWhere\", \"model\" : \"Post\", \"collection\" : \"Post\", \"level\" : 2, "
                       "\"filter\" : { \"$or\" : [ { \"authorName\" : { \"$eq\" : \"Ann\" }, "
                       "\"authorBorn\" : { \"$eq\" : 1990 } } ] }, "
                       "\"update\" : { \"$unset\" : { \"authorName\" : \"\", \"authorBorn\" : \"\" } } }, "
                       "{ \"op\" : \"updateWhere\", \"model\" : \"Passport\", \"collection\" : \"Passport\", "
                       "\"level\" : 2, \"filter\" : { \"$or\" : [ { \"holderName\" : { \"$eq\" : \"Ann\" }, "
                       "\"holderBorn\" : { \"$eq\" : 1990 } } ] }, "
                       "\"update\" : { \"$unset\" : { \"holderName\" : \"\", \"holderBorn\" : \"\" } } } ] }");
   bson_destroy (&plan);
   ASSERT_OK (docrel_link_with_opts (bob, "clubs", club, dry, &plan, &error), error);
   assert_plan (&plan, "{ \"writes\" : [ "
                       "{ \"op\" : \"link\", \"model\" : \"Club_Person\", \"collection\" : \"Club_Person\", "
                       "\"level\" : 3, \"count\" : 1, \"links\" : [ { \"Person_name\" : \"Bob\", "
                       "\"Club_code\" : \"chess\", \"Person_born\" : 1990, \"Club_region\" : \"north\" } ] } ] }");
   bson_destroy (&plan);
   fixture_assert_commands (p.store, 1, 0, 0, 0); /* the lookup of the link */
   ck_assert_int_eq (fixture_count_all (p.store, p.link), 3);
   ck_assert (docrel_doc_is_saved (ann));
   bson_destroy (dry);
   people_close (&p);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("composite_write");
   TCase *tc = tcase_create ("save");

   tcase_add_test (tc, save_all_copies_both_key_fields_into_new_children);
   tcase_add_test (tc, save_all_sets_changes_and_clears_a_composite_belongs_to);
   tcase_add_test (tc, a_changed_composite_key_reaches_the_loaded_children);
   tcase_add_test (tc, save_all_links_and_unlinks_by_both_pairs);
   suite_add_tcase (s, tc);
   tc = tcase_create ("link");
   tcase_add_test (tc, link_key_takes_a_key_document);
   tcase_add_test (tc, a_bad_key_document_names_what_is_wrong_and_writes_nothing);
   tcase_add_test (tc, unlink_key_removes_only_the_matching_tuple);
   tcase_add_test (tc, unlink_all_and_set_links_match_the_whole_tuple);
   tcase_add_test (tc, a_missing_key_field_is_named);
   tcase_add_test (tc, link_key_of_a_has_one_replaces_the_holder);
   tcase_add_test (tc, a_deferred_key_document_is_written_by_the_next_save);
   suite_add_tcase (s, tc);
   tc = tcase_create ("delete");
   tcase_add_loop_test (tc, set_null_unsets_every_key_field_on_every_path, 0, N_CALLS);
   tcase_add_loop_test (tc, cascade_deletes_by_the_whole_tuple_on_every_path, 0, N_CALLS);
   tcase_add_loop_test (tc, restrict_counts_by_the_whole_tuple_on_every_path, 0, N_CALLS);
   tcase_add_test (tc, a_dry_run_names_the_tuples);
   tcase_add_test (tc, key_paths_inside_a_subdocument_are_written_and_unset);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
