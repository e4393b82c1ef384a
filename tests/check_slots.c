/* SPDX-License-Identifier: Apache-2.0 */
/* check_slots.c: docrel_save writes the document's own fields only, however
 * its relation slots are filled (issue 13): the documents in its slots are
 * neither inserted nor updated, no key is copied into them or into it, and
 * no link is written; the slots stay as they were for a later save_all.
 * What the store holds is read back through a fresh session. And what
 * save_all does to a hasOne / hasMany child removed from a loaded slot
 * when the relation says onRemove "keep": nothing. The graph calls that
 * do write slots, and the other onRemove policies, are check_graph_save.c. */
#include "fixture.h"

/* Author hasMany posts, Post belongsTo author, Post hasAndBelongsToMany
 * tags; caller keys, so every new document already has the key a graph
 * call would copy. */
typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author, *post, *tag, *link;
} blog_t;

static void
blog_open (blog_t *b)
{
   docrel_relation_t *tags;

   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   b->tag = fixture_keyed_model (b->store, "Tag");
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", NULL);
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id", NULL);
   tags = fixture_declare (docrel_model_has_and_belongs_to_many, b->post, b->tag, "tags", "_id", "_id", NULL);
   b->link = docrel_relation_link_model (tags);
   b->session = docrel_session_new (b->store);
}

static void
blog_close (blog_t *b)
{
   docrel_session_destroy (b->session);
   fixture_store_close (b->store);
}

/* docrel_save, and the store's counters of what it sent. */
static void
save (blog_t *b, docrel_doc_t *doc, docrel_store_stats_t *stats)
{
   bson_error_t error;

   docrel_store_stats_reset (b->store);
   ASSERT_OK (docrel_save (doc, &error), error);
   docrel_store_stats (b->store, stats);
}

/* Fails unless the stored document of model with key id is exactly json. */
static void
assert_stored (blog_t *b, docrel_model_t *model, int32_t id, const char *json)
{
   docrel_session_t *fresh = docrel_session_new (b->store);
   docrel_doc_t *doc = fixture_get (fresh, model, id, NULL);
   bson_t *expected = fixture_json (json);
   char *actual = docrel_doc_to_json (doc, false);

   ck_assert_msg (bson_equal (docrel_doc_bson (doc), expected), "stored %s, expected %s", actual, json);
   bson_free (actual);
   bson_destroy (expected);
   docrel_session_destroy (fresh);
}

START_TEST (a_new_document_is_inserted_alone_whatever_its_slots_hold)
{
   blog_t b;
   docrel_doc_t *author, *post, *owner, *tag;
   docrel_store_stats_t stats;

   blog_open (&b);
   author = fixture_new_doc (b.session, b.author, "{\"_id\": 1, \"name\": \"Ann\"}");
   post = fixture_new_doc (b.session, b.post, "{\"_id\": 10, \"title\": \"t\"}");
   fixture_add_related (author, "posts", post);
   save (&b, author, &stats);
   ck_assert_uint_eq (stats.inserts, 1);
   ck_assert_uint_eq (stats.commands, stats.inserts + stats.index_builds);
   ck_assert_uint_eq (stats.documents_written, 1);
   assert_stored (&b, b.author, 1, "{\"_id\": 1, \"name\": \"Ann\"}");
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   /* the child is as it was: new, without the key, still in the slot */
   ck_assert (!docrel_doc_is_saved (post) && !docrel_doc_has (post, "authorId"));
   ck_assert_uint_eq (fixture_slot_size (author, "posts"), 1);

   /* belongsTo and hasAndBelongsToMany slots of a new document alike */
   owner = fixture_new_doc (b.session, b.author, "{\"_id\": 2}");
   tag = fixture_new_doc (b.session, b.tag, "{\"_id\": 100}");
   fixture_add_related (post, "author", owner);
   fixture_add_related (post, "tags", tag);
   save (&b, post, &stats);
   ck_assert_uint_eq (stats.documents_written, 1);
   assert_stored (&b, b.post, 10, "{\"_id\": 10, \"title\": \"t\"}");
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 0);
   ck_assert (!docrel_doc_is_saved (owner) && !docrel_doc_is_saved (tag));
   blog_close (&b);
}
END_TEST

START_TEST (a_loaded_document_updates_its_own_fields_only)
{
   static const char *const authors[] = {"{\"_id\": 1, \"name\": \"Ann\"}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1, \"title\": \"t10\"}",
                                       "{\"_id\": 11, \"authorId\": 1, \"title\": \"t11\"}", NULL};
   blog_t b;
   docrel_doc_t *author, *post, *other;
   docrel_doc_t *const *loaded;
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n;

   blog_open (&b);
   fixture_seed (b.store, b.author, authors);
   fixture_seed (b.store, b.post, posts);
   author = fixture_get (b.session, b.author, 1, "{\"posts\": {\"$sort\": {\"_id\": 1}}}");
   ck_assert (docrel_doc_related (author, "posts", &loaded, &n) && n == 2);
   post = loaded[0];
   other = fixture_new_doc (b.session, b.post, "{\"_id\": 12}");
   ASSERT_OK (docrel_doc_set_utf8 (author, "name", "Anne", &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (post, "title", "changed", &error), error);
   ASSERT_OK (docrel_doc_remove_related (author, "posts", loaded[1], &error), error);
   fixture_add_related (author, "posts", other);
   save (&b, author, &stats);
   ck_assert_uint_eq (stats.updates, 1);
   ck_assert_uint_eq (stats.commands, 1);
   ck_assert_uint_eq (stats.documents_written, 1);
   assert_stored (&b, b.author, 1, "{\"_id\": 1, \"name\": \"Anne\"}");
   /* the posts in the store: unchanged, the removed one keeps its key */
   assert_stored (&b, b.post, 10, posts[0]);
   assert_stored (&b, b.post, 11, posts[1]);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 2);
   /* and in memory: the changed post is still to be written, the slot holds
    * what was edited, for a save_all */
   ck_assert (docrel_doc_is_dirty (post) && !docrel_doc_is_dirty (author));
   ck_assert (!docrel_doc_has (other, "authorId"));
   ck_assert_uint_eq (fixture_slot_size (author, "posts"), 2);
   ASSERT_OK (docrel_save_all (author, NULL, NULL, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": 1}"), 2);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"title\": \"changed\"}"), 1);
   blog_close (&b);
}
END_TEST

/* ---- onRemove "keep" ---------------------------------------------------- */

START_TEST (on_remove_keep_leaves_a_removed_child_as_it_is)
{
   static const char *const authors[] = {"{\"_id\": 1}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1}", "{\"_id\": 11, \"authorId\": 1}", NULL};
   static const char *const profiles[] = {"{\"_id\": 50, \"authorId\": 1}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *author_m = fixture_keyed_model (store, "Author");
   docrel_model_t *post_m = fixture_keyed_model (store, "Post");
   docrel_model_t *profile_m = fixture_keyed_model (store, "Profile");
   docrel_session_t *session, *fresh;
   docrel_doc_t *author, *removed;
   docrel_doc_t *const *loaded;
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n;

   fixture_declare (docrel_model_has_many, author_m, post_m, "posts", "_id", "authorId", "{\"onRemove\": \"keep\"}");
   fixture_declare (docrel_model_has_one, author_m, profile_m, "profile", "_id", "authorId",
                    "{\"onRemove\": \"keep\"}");
   fixture_seed (store, author_m, authors);
   fixture_seed (store, post_m, posts);
   fixture_seed (store, profile_m, profiles);
   session = docrel_session_new (store);
   author = fixture_get (session, author_m, 1, "{\"posts\": {\"$sort\": {\"_id\": 1}}, \"profile\": true}");
   ck_assert (docrel_doc_related (author, "posts", &loaded, &n) && n == 2);
   removed = loaded[0];
   ASSERT_OK (docrel_doc_remove_related (author, "posts", removed, &error), error);
   ASSERT_OK (docrel_doc_set_related (author, "profile", NULL, 0, &error), error);
   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_save_all (author, NULL, NULL, NULL, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (stats.inserts + stats.updates + stats.deletes, 0);
   /* untouched in the store and in memory; the slots say what was edited */
   ck_assert_int_eq (fixture_count_where (store, post_m, "{\"authorId\": 1}"), 2);
   ck_assert_int_eq (fixture_count_where (store, profile_m, "{\"_id\": 50, \"authorId\": 1}"), 1);
   ck_assert (docrel_doc_has (removed, "authorId") && !docrel_doc_is_dirty (removed));
   ck_assert_uint_eq (fixture_slot_size (author, "posts"), 1);
   ck_assert_uint_eq (fixture_slot_size (author, "profile"), 0);
   /* so a fresh load finds them related again */
   fresh = docrel_session_new (store);
   author = fixture_get (fresh, author_m, 1, "{\"posts\": true, \"profile\": true}");
   ck_assert_uint_eq (fixture_slot_size (author, "posts"), 2);
   ck_assert_uint_eq (fixture_slot_size (author, "profile"), 1);
   docrel_session_destroy (fresh);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

static Suite *
slots_suite (void)
{
   Suite *s = suite_create ("slots");
   TCase *tc = tcase_create ("save_writes_own_fields");

   tcase_add_test (tc, a_new_document_is_inserted_alone_whatever_its_slots_hold);
   tcase_add_test (tc, a_loaded_document_updates_its_own_fields_only);
   suite_add_tcase (s, tc);

   tc = tcase_create ("on_remove_keep");
   tcase_add_test (tc, on_remove_keep_leaves_a_removed_child_as_it_is);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (slots_suite ());
}
