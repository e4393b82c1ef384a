/* SPDX-License-Identifier: Apache-2.0 */
/* check_graph_delete.c: docrel_delete, docrel_delete_all and docrel_purge:
 * dependents first, links removed (never their ends), loaded references
 * cleared, onDelete cascade / setNull / restrict / noAction in the store,
 * cascade cycles refused at declaration, and failures that change nothing.
 * Models use caller keys (ints) so tests can name documents. */
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author, *post, *comment, *tag, *link;
} blog_t;

/* Author hasMany posts (onDelete as given), Post hasMany comments (cascade),
 * Post belongsTo author, Post hasAndBelongsToMany tags. Seeds author 1 with
 * posts 10, 11; post 10 has comments 100, 101 and tags 1000, 1001; author 2
 * has post 20. */
static void
blog_open (blog_t *b, const char *posts_on_delete)
{
   char opts[64];
   static const char *const authors[] = {"{\"_id\": 1}", "{\"_id\": 2}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1}", "{\"_id\": 11, \"authorId\": 1}",
                                       "{\"_id\": 20, \"authorId\": 2}", NULL};
   static const char *const comments[] = {"{\"_id\": 100, \"postId\": 10}", "{\"_id\": 101, \"postId\": 10}", NULL};
   static const char *const tags[] = {"{\"_id\": 1000}", "{\"_id\": 1001}", NULL};
   docrel_relation_t *r;

   memset (b, 0, sizeof *b);
   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   b->comment = fixture_keyed_model (b->store, "Comment");
   b->tag = fixture_keyed_model (b->store, "Tag");
   snprintf (opts, sizeof opts, "{\"onDelete\": \"%s\"}", posts_on_delete);
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", opts);
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id",
                    "{\"onDelete\": \"noAction\"}");
   fixture_declare (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId",
                    "{\"onDelete\": \"cascade\"}");
   r = fixture_declare (docrel_model_has_and_belongs_to_many, b->post, b->tag, "tags", "_id", "_id", NULL);
   b->link = docrel_relation_link_model (r);
   fixture_seed (b->store, b->author, authors);
   fixture_seed (b->store, b->post, posts);
   fixture_seed (b->store, b->comment, comments);
   fixture_seed (b->store, b->tag, tags);
   {
      static const char *const links[] = {"{\"Post__id\": 10, \"Tag__id\": 1000}",
                                          "{\"Post__id\": 10, \"Tag__id\": 1001}",
                                          "{\"Post__id\": 20, \"Tag__id\": 1000}", NULL};
      fixture_seed (b->store, b->link, links);
   }
   b->session = docrel_session_new (b->store);
}

static void
blog_close (blog_t *b)
{
   docrel_session_destroy (b->session);
   fixture_store_close (b->store);
}

START_TEST (delete_all_removes_the_tree_dependents_first)
{
   blog_t b;
   docrel_doc_t *author, *post;
   docrel_store_stats_t stats;
   bson_t *tree;
   bson_error_t error;

   blog_open (&b, "setNull");
   author = fixture_get (b.session, b.author, 1, "{\"posts\": {\"comments\": true, \"tags\": true}}");
   post = docrel_doc_related_one (author, "posts");
   tree = fixture_json ("{\"posts\": {\"comments\": true, \"tags\": true}}");
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_delete_all (author, tree, &error), error);
   docrel_store_stats (b.store, &stats);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 0); /* in the tree: deleted */
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 0);
   ck_assert (!docrel_doc_is_saved (author) && !docrel_doc_is_saved (post));
   ck_assert_uint_eq (stats.finds, 0);
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

START_TEST (delete_keeps_the_loaded_graph_consistent)
{
   blog_t b;
   docrel_doc_t *author, *post;
   docrel_doc_t *const *posts;
   size_t n;
   bson_error_t error;

   blog_open (&b, "setNull");
   author = fixture_get (b.session, b.author, 1, "{\"posts\": {\"$sort\": {\"_id\": 1}}}");
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 2);
   post = posts[0];
   ASSERT_OK (docrel_delete (post, &error), error);
   /* its parent's slot no longer holds it; its links are gone, not its tags */
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.link, "{\"Post__id\": 10}"), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 2);
   /* deleting the author clears the key of its loaded post */
   ASSERT_OK (docrel_delete (author, &error), error);
   ck_assert (!docrel_doc_has (posts[0], "authorId"));
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"_id\": 11, \"authorId\": null}"), 1);
   /* an unsaved document cannot be deleted */
   ck_assert (!docrel_delete (author, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_NOT_SAVED);
   blog_close (&b);
}
END_TEST

START_TEST (purge_sets_keys_to_null_by_default_loaded_or_not)
{
   blog_t b;
   docrel_doc_t *author, *loaded_post;
   bson_error_t error;

   blog_open (&b, "setNull");
   author = fixture_get (b.session, b.author, 1, NULL);
   loaded_post = fixture_get (b.session, b.post, 11, NULL);
   ASSERT_OK (docrel_purge (author, &error), error);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": null}"), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 3);
   ck_assert (!docrel_doc_has (loaded_post, "authorId"));
   ck_assert (!docrel_doc_is_saved (author));
   blog_close (&b);
}
END_TEST

START_TEST (purge_cascades_through_the_schema)
{
   /* Amplify: deleting a publication deletes its articles; deleting a post
    * deletes its PostTag rows, never the tags. */
   blog_t b;
   docrel_doc_t *author;
   bson_error_t error;

   blog_open (&b, "cascade");
   author = fixture_get (b.session, b.author, 1, NULL);
   ASSERT_OK (docrel_purge (author, &error), error);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 1);    /* 20 stays */
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 0); /* 10's comments */
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 1);    /* 20's link */
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 2);
   blog_close (&b);
}
END_TEST

START_TEST (purge_restrict_refuses_and_changes_nothing)
{
   blog_t b;
   docrel_doc_t *author;
   docrel_store_stats_t stats;
   bson_error_t error;

   blog_open (&b, "restrict");
   author = fixture_get (b.session, b.author, 1, NULL);
   docrel_store_stats_reset (b.store);
   ck_assert (!docrel_purge (author, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_RESTRICTED);
   ASSERT_MENTIONS (error, "Author");
   ASSERT_MENTIONS (error, "Post");
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.inserts + stats.updates + stats.deletes, 0);
   ck_assert (docrel_doc_is_saved (author));
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 2);
   blog_close (&b);
}
END_TEST

START_TEST (purge_no_action_leaves_references)
{
   blog_t b;
   docrel_doc_t *author;
   bson_error_t error;

   blog_open (&b, "noAction");
   author = fixture_get (b.session, b.author, 2, NULL);
   ASSERT_OK (docrel_purge (author, &error), error);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": 2}"), 1);
   blog_close (&b);
}
END_TEST

START_TEST (deleting_a_link_document_never_deletes_an_end)
{
   blog_t b;
   docrel_doc_t *link = NULL;
   docrel_doc_t **found = NULL;
   size_t n = 0;
   bson_t *filter = fixture_json ("{\"Post__id\": 20}");
   bson_error_t error;

   blog_open (&b, "cascade");
   ASSERT_OK (docrel_find_all (b.session, b.link, filter, NULL, &found, &n, &error), error);
   ck_assert_uint_eq (n, 1);
   link = found[0];
   ASSERT_OK (docrel_purge (link, &error), error);
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 3);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 2);
   bson_free (found);
   bson_destroy (filter);
   blog_close (&b);
}
END_TEST

START_TEST (a_cascade_cycle_is_refused_at_declaration)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *a = fixture_keyed_model (store, "A");
   docrel_model_t *b = fixture_keyed_model (store, "B");
   bson_t *cascade = fixture_json ("{\"onDelete\": \"cascade\"}");
   bson_error_t error;

   fixture_declare (docrel_model_has_many, a, b, "bs", "_id", "aId", "{\"onDelete\": \"cascade\"}");
   ck_assert (!docrel_model_has_many (b, a, "as", "_id", "bId", cascade, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_CASCADE_CYCLE);
   ASSERT_MENTIONS (error, "cycle");
   ck_assert (!docrel_model_has_many (a, a, "children", "_id", "parentId", cascade, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_CASCADE_CYCLE);
   /* an edge that is not cascade breaks the cycle */
   fixture_declare (docrel_model_has_many, b, a, "as", "_id", "bId", "{\"onDelete\": \"setNull\"}");
   bson_destroy (cascade);
   fixture_store_close (store);
}
END_TEST

START_TEST (purge_follows_a_self_relation)
{
   /* Thinky's self-relation: purging a person clears the emergency contact
    * of everyone who named them. */
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person = fixture_keyed_model (store, "Person");
   static const char *const people[] = {"{\"_id\": 1}", "{\"_id\": 2, \"contactId\": 1}",
                                        "{\"_id\": 3, \"contactId\": 1}", NULL};
   docrel_session_t *session;
   bson_error_t error;

   fixture_declare (docrel_model_belongs_to, person, person, "contact", "contactId", "_id", NULL);
   fixture_seed (store, person, people);
   session = docrel_session_new (store);
   ASSERT_OK (docrel_purge (fixture_get (session, person, 1, NULL), &error), error);
   ck_assert_int_eq (fixture_count_all (store, person), 2);
   ck_assert_int_eq (fixture_count_where (store, person, "{\"contactId\": null}"), 2);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (delete_all_many_deletes_every_root_in_one_batch)
{
   blog_t b;
   docrel_doc_t *roots[2];
   docrel_store_stats_t stats;
   bson_t *tree = fixture_json ("{\"posts\": {\"comments\": true}}");
   bson_error_t error;

   blog_open (&b, "setNull");
   roots[0] = fixture_get (b.session, b.author, 1, "{\"posts\": {\"comments\": true}}");
   roots[1] = fixture_get (b.session, b.author, 2, "{\"posts\": {\"comments\": true}}");
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_delete_all_many (roots, 2, tree, &error), error);
   docrel_store_stats (b.store, &stats);
   /* links of the posts, then comments, posts, authors: one delete each */
   ck_assert_uint_eq (stats.deletes, 4);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 0);
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("graph_delete");
   TCase *tc = tcase_create ("delete");

   tcase_add_test (tc, delete_all_removes_the_tree_dependents_first);
   tcase_add_test (tc, delete_keeps_the_loaded_graph_consistent);
   tcase_add_test (tc, purge_sets_keys_to_null_by_default_loaded_or_not);
   tcase_add_test (tc, purge_cascades_through_the_schema);
   tcase_add_test (tc, purge_restrict_refuses_and_changes_nothing);
   tcase_add_test (tc, purge_no_action_leaves_references);
   tcase_add_test (tc, deleting_a_link_document_never_deletes_an_end);
   tcase_add_test (tc, a_cascade_cycle_is_refused_at_declaration);
   tcase_add_test (tc, purge_follows_a_self_relation);
   tcase_add_test (tc, delete_all_many_deletes_every_root_in_one_batch);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
