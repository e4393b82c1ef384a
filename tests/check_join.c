/* SPDX-License-Identifier: Apache-2.0 */
/* check_join.c: loading relations along join trees — nested trees, the
 * per-edge options ($filter, $sort, $skip, $limit per parent, $fields),
 * empty and ambiguous slots, the identity map across paths, the entry
 * points (docrel_get, docrel_find_all with "join", docrel_load,
 * docrel_load_many), and bad trees rejected before any command. The seed
 * examples of each relation kind, and the round-trip count on a thousand
 * authors, are in check_join_examples.c. */
#include <stdarg.h>
#include <string.h>

#include "fixture.h"

/* The blog every test here reads: authors, their posts, comments (each
 * by an author), tags linked to posts, profiles. Keys are caller ints. */
typedef struct {
   docrel_store_t *store;
   docrel_session_t *session; /* for the test's reads; seeding uses others */
   docrel_model_t *author, *post, *comment, *tag, *profile;
} blog_t;

static void
blog_open (blog_t *t)
{
   bson_error_t error;

   t->store = fixture_store_open ();
   t->author = fixture_keyed_model (t->store, "Author");
   t->post = fixture_keyed_model (t->store, "Post");
   t->comment = fixture_keyed_model (t->store, "Comment");
   t->tag = fixture_keyed_model (t->store, "Tag");
   t->profile = fixture_keyed_model (t->store, "Profile");
   /* Post declares its fields: "title" is a plain field, not a relation. */
   ck_assert (docrel_model_add_field (t->post, "title", DOCREL_TYPE_STRING, NULL, &error));
   ck_assert (docrel_model_add_field (t->post, "authorId", DOCREL_TYPE_ANY, NULL, &error));
   fixture_declare (docrel_model_has_many, t->author, t->post, "posts", "_id", "authorId", NULL);
   fixture_declare (docrel_model_has_one, t->author, t->profile, "profile", "_id", "authorId", NULL);
   fixture_declare (docrel_model_belongs_to, t->post, t->author, "author", "authorId", "_id", NULL);
   fixture_declare (docrel_model_has_many, t->post, t->comment, "comments", "_id", "postId", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, t->post, t->tag, "tags", "_id", "_id", NULL);
   fixture_declare (docrel_model_belongs_to, t->comment, t->author, "commenter", "commenterId", "_id", NULL);
   fixture_declare (docrel_model_belongs_to, t->comment, t->author, "commenterByName", "commenterName", "name", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, t->tag, t->post, "posts", "_id", "_id", NULL);
   t->session = NULL;
}

static void
blog_close (blog_t *t)
{
   docrel_session_destroy (t->session);
   fixture_store_close (t->store);
}

/* Authors 1..4 with 0, 1, 3 and 5 posts, saved out of date order; "date"
 * grows with recency. Comments by authors on posts 41, 31 and 20; tags on
 * posts 41 and 31. Opens t->session for the reads. */
static void
blog_seed (blog_t *t)
{
   static const char *const authors[] = {"{\"_id\": 1, \"name\": \"none\"}", "{\"_id\": 2, \"name\": \"one\"}",
                                         "{\"_id\": 3, \"name\": \"three\"}", "{\"_id\": 4, \"name\": \"five\"}", NULL};
   static const char *const posts[] = {
      "{\"_id\": 41, \"authorId\": 4, \"date\": 9, \"published\": false, \"title\": \"p41\", \"body\": \"b\"}",
      "{\"_id\": 30, \"authorId\": 3, \"date\": 2, \"published\": false, \"title\": \"p30\", \"body\": \"b\"}",
      "{\"_id\": 44, \"authorId\": 4, \"date\": 5, \"published\": true, \"title\": \"p44\", \"body\": \"b\"}",
      "{\"_id\": 20, \"authorId\": 2, \"date\": 1, \"published\": false, \"title\": \"p20\", \"body\": \"b\"}",
      "{\"_id\": 32, \"authorId\": 3, \"date\": 4, \"published\": false, \"title\": \"p32\", \"body\": \"b\"}",
      "{\"_id\": 40, \"authorId\": 4, \"date\": 3, \"published\": true, \"title\": \"p40\", \"body\": \"b\"}",
      "{\"_id\": 43, \"authorId\": 4, \"date\": 7, \"published\": true, \"title\": \"p43\", \"body\": \"b\"}",
      "{\"_id\": 31, \"authorId\": 3, \"date\": 8, \"published\": true, \"title\": \"p31\", \"body\": \"b\"}",
      "{\"_id\": 42, \"authorId\": 4, \"date\": 1, \"published\": false, \"title\": \"p42\", \"body\": \"b\"}",
      NULL};
   static const char *const comments[] = {"{\"_id\": 100, \"postId\": 41, \"commenterId\": 2}",
                                          "{\"_id\": 101, \"postId\": 41, \"commenterId\": 3}",
                                          "{\"_id\": 102, \"postId\": 31, \"commenterId\": 4}",
                                          "{\"_id\": 103, \"postId\": 20, \"commenterId\": 4}", NULL};
   static const char *const tags[] = {"{\"_id\": 1, \"name\": \"c\"}", "{\"_id\": 2, \"name\": \"db\"}",
                                      "{\"_id\": 3, \"name\": \"go\"}", "{\"_id\": 4, \"name\": \"js\"}", NULL};
   static const char *const links[] = {"{\"Post__id\": 41, \"Tag__id\": 3}", "{\"Post__id\": 41, \"Tag__id\": 1}",
                                       "{\"Post__id\": 41, \"Tag__id\": 2}", "{\"Post__id\": 31, \"Tag__id\": 4}",
                                       "{\"Post__id\": 31, \"Tag__id\": 2}", NULL};

   fixture_seed (t->store, t->author, authors);
   fixture_seed (t->store, t->post, posts);
   fixture_seed (t->store, t->comment, comments);
   fixture_seed (t->store, t->tag, tags);
   fixture_seed (t->store, docrel_store_model (t->store, "Post_Tag"), links);
   t->session = docrel_session_new (t->store);
}

static void
blog_start (blog_t *t)
{
   blog_open (t);
   blog_seed (t);
}

/* Runs find_all with filter (JSON, may be NULL) and opts {"sort": {"_id": 1},
 * <extra members>, "join": tree}; checks the number of documents and of finds
 * (unless UINT64_MAX) and that nothing else but the indexes a model builds on
 * first use was sent. The caller frees the array. */
static docrel_doc_t **
find_joined (blog_t *t,
             docrel_model_t *model,
             const char *filter_json,
             const char *extra,
             const char *tree,
             size_t n_expected,
             uint64_t finds)
{
   char json[1024];
   bson_t *filter = filter_json ? fixture_json (filter_json) : NULL;
   bson_t *opts;
   docrel_doc_t **docs = NULL;
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n = 0;

   snprintf (json, sizeof json, "{\"sort\": {\"_id\": 1}, %s%s\"join\": %s}", extra, *extra ? ", " : "", tree);
   opts = fixture_json (json);
   docrel_store_stats_reset (t->store);
   ck_assert_msg (docrel_find_all (t->session, model, filter, opts, &docs, &n, &error), "find %s: %s", json,
                  error.message);
   docrel_store_stats (t->store, &stats);
   ck_assert_uint_eq (n, n_expected);
   ck_assert_msg (finds == UINT64_MAX || (stats.finds == finds && stats.commands == finds + stats.index_builds),
                  "find %s: %" PRIu64 " finds, %" PRIu64 " commands, expected %" PRIu64, json, stats.finds,
                  stats.commands, finds);
   bson_destroy (opts);
   bson_destroy (filter);
   return docs;
}

/* Fails unless the slot field of doc is loaded and holds the documents with
 * the n int keys that follow, in order. Returns the slot. */
static docrel_doc_t *const *
assert_ids (const docrel_doc_t *doc, const char *field, size_t n, ...)
{
   docrel_doc_t *const *docs = NULL;
   size_t count = 0, i;
   va_list ap;

   ck_assert_msg (docrel_doc_related (doc, field, &docs, &count), "slot %s of %d is not loaded", field,
                  fixture_id_of (doc));
   ck_assert_msg (count == n, "slot %s of %d holds %zu documents, expected %zu", field, fixture_id_of (doc), count, n);
   va_start (ap, n);
   for (i = 0; i < n; i++) {
      int32_t want = va_arg (ap, int32_t);
      ck_assert_msg (fixture_id_of (docs[i]) == want, "slot %s of %d: document %zu is %d, expected %d", field,
                     fixture_id_of (doc), i, fixture_id_of (docs[i]), want);
   }
   va_end (ap);
   return docs;
}

/* Fails unless doc, rendered with its joins, holds a value of type at path
 * (BSON_TYPE_EOD: nothing there) and, for an array, n elements. */
static void
assert_rendered_at (const docrel_doc_t *doc, const char *path, bson_type_t type, uint32_t n)
{
   bson_t out;
   bson_iter_t root, iter, child;
   bson_error_t error;
   bool found;

   ASSERT_OK (docrel_doc_to_bson (doc, true, &out, &error), error);
   found = bson_iter_init (&root, &out) && bson_iter_find_descendant (&root, path, &iter);
   ck_assert_msg (found == (type != BSON_TYPE_EOD), "rendered %d: %s is %s", fixture_id_of (doc), path,
                  found ? "there" : "missing");
   if (found) {
      ck_assert_msg (bson_iter_type (&iter) == type, "rendered %d: %s has type %d, expected %d", fixture_id_of (doc),
                     path, (int) bson_iter_type (&iter), (int) type);
   }
   if (found && type == BSON_TYPE_ARRAY) {
      uint32_t count = 0;
      ck_assert (bson_iter_recurse (&iter, &child));
      while (bson_iter_next (&child)) {
         count++;
      }
      ck_assert_uint_eq (count, n);
   }
   bson_destroy (&out);
}

/* ---- nesting ----------------------------------------------------------- */

START_TEST (a_tree_three_levels_deep_loads_every_level_with_one_query_per_edge)
{
   blog_t t;
   docrel_doc_t **as;
   docrel_doc_t *const *c41;

   blog_start (&t);
   as = find_joined (&t, t.author, NULL, "",
                     "{\"posts\": {\"$sort\": {\"date\": -1}, \"$limit\": 1, \"comments\": {\"commenter\": true}}}", 4,
                     4);
   assert_ids (as[0], "posts", 0);
   c41 = assert_ids (assert_ids (as[3], "posts", 1, 41)[0], "comments", 2, 100, 101);
   ck_assert_ptr_eq (docrel_doc_related_one (c41[0], "commenter"), as[1]);
   ck_assert_ptr_eq (docrel_doc_related_one (c41[1], "commenter"), as[2]);
   /* Author 4 commented on author 3's post: the root document again. */
   ck_assert_ptr_eq (docrel_doc_related_one (assert_ids (assert_ids (as[2], "posts", 1, 31)[0], "comments", 1, 102)[0],
                                             "commenter"),
                     as[3]);
   ck_assert (!docrel_doc_is_loaded (as[3], "profile"));
   assert_rendered_at (as[3], "posts", BSON_TYPE_ARRAY, 1);
   assert_rendered_at (as[3], "posts.0.comments", BSON_TYPE_ARRAY, 2);
   assert_rendered_at (as[3], "posts.0.comments.1.commenter", BSON_TYPE_DOCUMENT, 0);
   assert_rendered_at (as[3], "posts.0.comments.1.commenter.name", BSON_TYPE_UTF8, 0);
   assert_rendered_at (as[3], "profile", BSON_TYPE_EOD, 0);
   bson_free (as);
   blog_close (&t);
}
END_TEST

/* ---- per-edge options -------------------------------------------------- */

START_TEST (limit_applies_per_parent_giving_each_author_two_newest_posts)
{
   blog_t t;
   docrel_doc_t **as;

   blog_start (&t);
   as = find_joined (&t, t.author, NULL, "", "{\"posts\": {\"$sort\": {\"date\": -1}, \"$limit\": 2}}", 4, 2);
   assert_ids (as[0], "posts", 0);
   assert_ids (as[1], "posts", 1, 20);
   assert_ids (as[2], "posts", 2, 31, 32);
   assert_ids (as[3], "posts", 2, 41, 43);
   bson_free (as);
   blog_close (&t);
}
END_TEST

START_TEST (skip_applies_per_parent_before_the_limit)
{
   blog_t t;
   docrel_doc_t **as;

   blog_start (&t);
   as = find_joined (&t, t.author, NULL, "", "{\"posts\": {\"$sort\": {\"date\": -1}, \"$skip\": 1, \"$limit\": 2}}", 4,
                     2);
   assert_ids (as[0], "posts", 0);
   assert_ids (as[1], "posts", 0);
   assert_ids (as[2], "posts", 2, 32, 30);
   assert_ids (as[3], "posts", 2, 43, 44);
   bson_free (as);
   docrel_session_destroy (t.session);
   t.session = docrel_session_new (t.store);
   as = find_joined (&t, t.author, NULL, "", "{\"posts\": {\"$sort\": {\"date\": -1}, \"$skip\": 3}}", 4, 2);
   assert_ids (as[2], "posts", 0);
   assert_ids (as[3], "posts", 2, 40, 42);
   bson_free (as);
   blog_close (&t);
}
END_TEST

START_TEST (filter_selects_related_documents_before_the_per_parent_limit)
{
   blog_t t;
   docrel_doc_t **as;

   blog_start (&t);
   as = find_joined (&t, t.author, NULL, "",
                     "{\"posts\": {\"$filter\": {\"published\": true}, \"$sort\": {\"date\": -1}, \"$limit\": 2}}", 4,
                     2);
   assert_ids (as[1], "posts", 0);
   assert_ids (as[2], "posts", 1, 31);
   assert_ids (as[3], "posts", 2, 43, 44);
   bson_free (as);
   blog_close (&t);
}
END_TEST

START_TEST (sort_orders_each_slot_and_without_it_slots_keep_store_order)
{
   blog_t t;
   docrel_doc_t **as;

   blog_start (&t);
   as = find_joined (&t, t.author, NULL, "", "{\"posts\": {\"$sort\": {\"date\": 1}}}", 4, 2);
   assert_ids (as[2], "posts", 3, 30, 32, 31);
   assert_ids (as[3], "posts", 5, 42, 40, 44, 43, 41);
   bson_free (as);
   docrel_session_destroy (t.session);
   t.session = docrel_session_new (t.store);
   as = find_joined (&t, t.author, NULL, "", "{\"posts\": {\"$sort\": {\"title\": -1}}}", 4, 2);
   assert_ids (as[3], "posts", 5, 44, 43, 42, 41, 40);
   bson_free (as);
   docrel_session_destroy (t.session);
   t.session = docrel_session_new (t.store);
   as = find_joined (&t, t.author, NULL, "", "{\"posts\": true}", 4, 2);
   assert_ids (as[3], "posts", 5, 41, 44, 40, 43, 42); /* insertion order */
   bson_free (as);
   blog_close (&t);
}
END_TEST

START_TEST (fields_projects_the_related_documents)
{
   blog_t t;
   docrel_doc_t **as;
   docrel_doc_t *const *posts;
   size_t i;

   blog_start (&t);
   as = find_joined (&t, t.author, NULL, "", "{\"posts\": {\"$fields\": {\"title\": 1}}}", 4, 2);
   posts = assert_ids (as[3], "posts", 5, 41, 44, 40, 43, 42);
   for (i = 0; i < 5; i++) {
      char title[8];
      snprintf (title, sizeof title, "p%d", fixture_id_of (posts[i]));
      ck_assert_str_eq (docrel_doc_get_utf8 (posts[i], "title"), title);
      ck_assert (!docrel_doc_has (posts[i], "body"));
      ck_assert (!docrel_doc_has (posts[i], "date"));
   }
   assert_ids (as[2], "posts", 3, 30, 32, 31);
   bson_free (as);
   blog_close (&t);
}
END_TEST

START_TEST (fields_keep_the_keys_that_the_joins_below_need)
{
   blog_t t;
   docrel_doc_t **ps;
   docrel_doc_t *const *comments;
   docrel_store_stats_t stats;

   blog_start (&t);
   /* commenterId is not projected, but the commenter edge below needs it. */
   ps = find_joined (&t, t.post, "{\"_id\": 41}", "",
                     "{\"comments\": {\"$fields\": {\"postId\": 1}, \"commenter\": true}}", 1, UINT64_MAX);
   comments = assert_ids (ps[0], "comments", 2, 100, 101);
   ck_assert (!docrel_doc_has (comments[0], "text"));
   ck_assert_msg (docrel_doc_related_one (comments[0], "commenter") != NULL,
                  "comment 100 (commenterId 2) has no commenter after a $fields edge");
   ck_assert_int_eq (fixture_id_of (docrel_doc_related_one (comments[1], "commenter")), 3);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.finds, 3);
   bson_free (ps);
   blog_close (&t);
}
END_TEST

START_TEST (two_edges_reaching_one_document_by_different_keys_both_fill)
{
   static const char *const comment[] = {"{\"_id\": 104, \"postId\": 44, \"commenterId\": 2, "
                                         "\"commenterName\": \"one\"}",
                                         NULL};
   blog_t t;
   docrel_doc_t **cs;
   const docrel_doc_t *by_id, *by_name;

   blog_start (&t);
   fixture_seed (t.store, t.comment, comment);
   /* The first edge loads author 2 without its name; the second reaches
    * the same author by name. One document per id: the session's author 2
    * takes the fields the second load brought. */
   cs = find_joined (&t, t.comment, "{\"_id\": 104}", "",
                     "{\"commenter\": {\"$fields\": {\"_id\": 1}}, \"commenterByName\": true}", 1, 3);
   by_id = docrel_doc_related_one (cs[0], "commenter");
   by_name = docrel_doc_related_one (cs[0], "commenterByName");
   ck_assert_ptr_nonnull (by_id);
   ck_assert_ptr_eq (by_id, by_name);
   ck_assert_str_eq (docrel_doc_get_utf8 (by_name, "name"), "one");
   bson_free (cs);
   blog_close (&t);
}
END_TEST

START_TEST (a_projected_root_still_loads_its_relations)
{
   blog_t t;
   docrel_doc_t **ps;
   docrel_store_stats_t stats;

   blog_start (&t);
   /* Thinky plucks after joining: the projection must not cost the join
    * its key (authorId). */
   ps = find_joined (&t, t.post, "{\"_id\": 41}", "\"projection\": {\"title\": 1}", "{\"author\": true}", 1,
                     UINT64_MAX);
   ck_assert_str_eq (docrel_doc_get_utf8 (ps[0], "title"), "p41");
   ck_assert (!docrel_doc_has (ps[0], "body"));
   ck_assert_msg (docrel_doc_related_one (ps[0], "author") != NULL,
                  "post 41 (authorId 4) has no author when the root is projected");
   ck_assert_int_eq (fixture_id_of (docrel_doc_related_one (ps[0], "author")), 4);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.finds, 2);
   bson_free (ps);
   blog_close (&t);
}
END_TEST

START_TEST (has_and_belongs_to_many_takes_sort_skip_and_limit_per_parent)
{
   blog_t t;
   docrel_doc_t **ps;

   blog_start (&t);
   /* Post 41 has tags c, db, go; post 31 has db, js. */
   ps = find_joined (&t, t.post, "{\"_id\": {\"$in\": [20, 31, 41]}}", "",
                     "{\"tags\": {\"$sort\": {\"name\": -1}, \"$limit\": 2}}", 3, 3);
   assert_ids (ps[0], "tags", 0);
   assert_ids (ps[1], "tags", 2, 4, 2);
   assert_ids (ps[2], "tags", 2, 3, 2);
   bson_free (ps);
   docrel_session_destroy (t.session);
   t.session = docrel_session_new (t.store);
   ps = find_joined (&t, t.post, "{\"_id\": {\"$in\": [31, 41]}}", "",
                     "{\"tags\": {\"$sort\": {\"name\": 1}, \"$skip\": 1, \"$limit\": 1}}", 2, 3);
   assert_ids (ps[0], "tags", 1, 4);
   assert_ids (ps[1], "tags", 1, 2);
   bson_free (ps);
   blog_close (&t);
}
END_TEST

/* ---- empty and ambiguous slots ----------------------------------------- */

START_TEST (a_missing_key_leaves_the_slot_loaded_and_empty)
{
   static const char *const posts[] = {"{\"_id\": 50, \"title\": \"no key\"}",
                                       "{\"_id\": 51, \"title\": \"null key\", \"authorId\": null}",
                                       "{\"_id\": 52, \"title\": \"dangling\", \"authorId\": 99}", NULL};
   blog_t t;
   docrel_doc_t **ps, **as;
   size_t i;

   blog_open (&t);
   fixture_seed (t.store, t.post, posts);
   fixture_seed (t.store, t.author, (const char *const[]){"{\"_id\": 1}", NULL});
   t.session = docrel_session_new (t.store);
   ps = find_joined (&t, t.post, NULL, "", "{\"author\": true, \"comments\": true}", 3, 3);
   for (i = 0; i < 3; i++) {
      ck_assert (docrel_doc_is_loaded (ps[i], "author"));
      ck_assert_ptr_null (docrel_doc_related_one (ps[i], "author"));
      assert_ids (ps[i], "comments", 0);
      assert_rendered_at (ps[i], "author", BSON_TYPE_NULL, 0);
      assert_rendered_at (ps[i], "comments", BSON_TYPE_ARRAY, 0);
   }
   bson_free (ps);
   /* No parent holds a key: nothing to ask the store. */
   ps = find_joined (&t, t.post, NULL, "\"limit\": 2", "{\"author\": true}", 2, 1);
   bson_free (ps);
   as = find_joined (&t, t.author, NULL, "", "{\"posts\": true, \"profile\": true}", 1, 3);
   assert_rendered_at (as[0], "posts", BSON_TYPE_ARRAY, 0);
   assert_rendered_at (as[0], "profile", BSON_TYPE_NULL, 0);
   bson_free (as);
   blog_close (&t);
}
END_TEST

START_TEST (an_unloaded_slot_is_not_loaded_and_not_rendered)
{
   blog_t t;
   docrel_doc_t *doc = NULL;
   docrel_doc_t *const *out = (docrel_doc_t *const *) &doc;
   bson_value_t key = fixture_int_key (4);
   bson_error_t error;
   size_t n = 7;

   blog_start (&t);
   ASSERT_OK (docrel_get (t.session, t.author, &key, NULL, &doc, &error), error);
   ck_assert (!docrel_doc_is_loaded (doc, "posts"));
   ck_assert (!docrel_doc_related (doc, "posts", &out, &n));
   ck_assert_ptr_null (out);
   ck_assert_uint_eq (n, 0);
   ck_assert (!docrel_doc_related (doc, "name", &out, &n)); /* not a relation */
   ck_assert_ptr_null (docrel_doc_related_one (doc, "profile"));
   assert_rendered_at (doc, "posts", BSON_TYPE_EOD, 0);
   assert_rendered_at (doc, "profile", BSON_TYPE_EOD, 0);
   blog_close (&t);
}
END_TEST

START_TEST (a_to_one_relation_matching_two_documents_is_an_error_naming_them)
{
   static const char *const profiles[] = {"{\"_id\": 200, \"authorId\": 2}", "{\"_id\": 201, \"authorId\": 2}",
                                          "{\"_id\": 202, \"authorId\": 3}", NULL};
   blog_t t;
   docrel_doc_t *doc = NULL, **docs = NULL;
   bson_value_t key = fixture_int_key (3);
   bson_t *tree = fixture_json ("{\"profile\": true}");
   bson_t *opts = fixture_json ("{\"join\": {\"commenterByName\": true}}");
   bson_error_t error;
   size_t n = 9;

   blog_start (&t);
   fixture_seed (t.store, t.profile, profiles);
   /* belongsTo on a key that is not unique: two authors named "five". */
   fixture_seed (t.store, t.author, (const char *const[]){"{\"_id\": 707, \"name\": \"five\"}", NULL});
   fixture_seed (t.store, t.comment, (const char *const[]){"{\"_id\": 104, \"commenterName\": \"five\"}", NULL});
   memset (&error, 0, sizeof error);
   ck_assert (!docrel_find_all (t.session, t.comment, NULL, opts, &docs, &n, &error));
   ck_assert_ptr_null (docs);
   ck_assert_uint_eq (n, 0);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ASSERT_MENTIONS (error, "Comment");
   ASSERT_MENTIONS (error, "commenterByName");
   ASSERT_MENTIONS (error, "104");
   ASSERT_MENTIONS (error, "707");
   /* hasOne: author 3 has one profile, author 2 two. */
   ASSERT_OK (docrel_get (t.session, t.author, &key, tree, &doc, &error), error);
   ck_assert_int_eq (fixture_id_of (docrel_doc_related_one (doc, "profile")), 202);
   key = fixture_int_key (2);
   memset (&error, 0, sizeof error);
   ck_assert (!docrel_get (t.session, t.author, &key, tree, &doc, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ASSERT_MENTIONS (error, "Author");
   ASSERT_MENTIONS (error, "profile");
   ASSERT_MENTIONS (error, "200");
   ASSERT_MENTIONS (error, "201");
   /* A failed get hands back no document, as a failed find_all does. */
   ck_assert_msg (doc == NULL, "a failed get set *out to document %d", fixture_id_of (doc));
   bson_destroy (opts);
   bson_destroy (tree);
   blog_close (&t);
}
END_TEST

START_TEST (a_find_all_whose_join_fails_leaves_the_session_unchanged)
{
   blog_t t;
   docrel_doc_t **docs = NULL;
   bson_t *opts = fixture_json ("{\"join\": {\"posts\": true, \"profile\": true}}");
   bson_error_t error;
   size_t n = 9;

   blog_start (&t);
   fixture_seed (t.store, t.profile,
                 (const char *const[]){"{\"_id\": 200, \"authorId\": 2}", "{\"_id\": 201, \"authorId\": 2}", NULL});
   ck_assert (!docrel_find_all (t.session, t.author, NULL, opts, &docs, &n, &error));
   ck_assert_ptr_null (docs);
   ck_assert_uint_eq (n, 0);
   /* docrel-query.h: "On failure *out is NULL, *n is 0 and the session is
    * unchanged." */
   ck_assert_msg (docrel_session_size (t.session) == 0, "the failed find_all left %zu documents in the session",
                  docrel_session_size (t.session));
   bson_destroy (opts);
   blog_close (&t);
}
END_TEST

/* ---- identity ---------------------------------------------------------- */

START_TEST (a_document_reached_by_two_paths_is_one_document)
{
   blog_t t;
   docrel_doc_t **ps;
   docrel_doc_t *three = NULL;
   bson_value_t key = fixture_int_key (3);
   bson_error_t error;

   blog_start (&t);
   /* Loaded first and changed without saving: the joins return it as is. */
   ASSERT_OK (docrel_get (t.session, t.author, &key, NULL, &three, &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (three, "name", "changed", &error), error);
   ps = find_joined (&t, t.post, NULL, "", "{\"author\": true, \"tags\": true}", 9, 4);
   /* ps in _id order: 20, 30, 31, 32, 40, 41, 42, 43, 44. */
   ck_assert_ptr_eq (docrel_doc_related_one (ps[1], "author"), three);
   ck_assert_ptr_eq (docrel_doc_related_one (ps[2], "author"), three);
   ck_assert_ptr_eq (docrel_doc_related_one (ps[3], "author"), three);
   ck_assert_str_eq (docrel_doc_get_utf8 (three, "name"), "changed");
   ck_assert_ptr_eq (docrel_doc_related_one (ps[4], "author"), docrel_doc_related_one (ps[8], "author"));
   /* Tag "db" is on posts 31 and 41. */
   ck_assert_ptr_eq (assert_ids (ps[2], "tags", 2, 2, 4)[0], assert_ids (ps[5], "tags", 3, 1, 2, 3)[1]);
   bson_free (ps);
   blog_close (&t);
}
END_TEST

/* ---- entry points ------------------------------------------------------ */

START_TEST (get_and_find_all_take_a_join_tree)
{
   blog_t t;
   docrel_doc_t *doc = NULL;
   docrel_doc_t **as;
   bson_value_t key = fixture_int_key (4);
   bson_t *tree = fixture_json ("{\"posts\": {\"$sort\": {\"date\": -1}, \"$limit\": 2, \"tags\": true}}");
   docrel_store_stats_t stats;
   bson_error_t error;

   blog_start (&t);
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_get (t.session, t.author, &key, tree, &doc, &error), error);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.finds, 4);
   assert_ids (assert_ids (doc, "posts", 2, 41, 43)[0], "tags", 3, 1, 2, 3);
   /* A filter, a sort and a limit on the root, a join below it. */
   docrel_session_destroy (t.session);
   t.session = docrel_session_new (t.store);
   as = find_joined (&t, t.author, NULL, "\"limit\": 1, \"skip\": 1", "{\"posts\": {\"comments\": true}}", 1, 3);
   assert_ids (assert_ids (as[0], "posts", 1, 20)[0], "comments", 1, 103);
   bson_free (as);
   bson_destroy (tree);
   blog_close (&t);
}
END_TEST

START_TEST (load_joins_one_relation_of_a_loaded_document_and_reloads_it)
{
   blog_t t;
   docrel_doc_t *doc = NULL;
   bson_value_t key = fixture_int_key (3);
   bson_t *edge = fixture_json ("{\"$sort\": {\"date\": -1}, \"$limit\": 1, \"comments\": true}");
   docrel_store_stats_t stats;
   bson_error_t error;

   blog_start (&t);
   ASSERT_OK (docrel_get (t.session, t.author, &key, NULL, &doc, &error), error);
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_load (doc, "posts", NULL, &error), error);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.commands, 1);
   assert_ids (doc, "posts", 3, 30, 32, 31);
   fixture_seed (t.store, t.post, (const char *const[]){"{\"_id\": 33, \"authorId\": 3, \"date\": 0}", NULL});
   ASSERT_OK (docrel_load (doc, "posts", NULL, &error), error);
   assert_ids (doc, "posts", 4, 30, 32, 31, 33);
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_load (doc, "posts", edge, &error), error);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.commands, 2);
   assert_ids (assert_ids (doc, "posts", 1, 31)[0], "comments", 1, 102);
   bson_destroy (edge);
   blog_close (&t);
}
END_TEST

START_TEST (load_many_loads_a_relation_of_many_documents_in_one_query)
{
   blog_t t;
   docrel_doc_t **as, **ps;
   docrel_store_stats_t stats;
   bson_error_t error;

   blog_start (&t);
   as = find_joined (&t, t.author, NULL, "", "{}", 4, 1);
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_load_many (as, 4, "posts", NULL, &error), error);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.commands, 1);
   assert_ids (as[0], "posts", 0);
   assert_ids (as[1], "posts", 1, 20);
   assert_ids (as[3], "posts", 5, 41, 44, 40, 43, 42);
   ps = find_joined (&t, t.post, NULL, "", "{}", 9, 1);
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_load_many (ps, 9, "tags", NULL, &error), error);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.commands, 2); /* links, then tags */
   assert_ids (ps[2], "tags", 2, 2, 4);
   assert_ids (ps[0], "tags", 0);
   /* Documents of two models cannot share a load. */
   ps[1] = as[0];
   ck_assert (!docrel_load_many (ps, 2, "tags", NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   bson_free (as);
   bson_free (ps);
   blog_close (&t);
}
END_TEST

/* ---- bad trees --------------------------------------------------------- */

/* Fails unless docrel_get and docrel_find_all reject tree_json with
 * DOCREL_ERROR_QUERY naming mention, before any command. */
static void
expect_bad_tree (blog_t *t, const char *tree_json, const char *mention)
{
   bson_t *tree = fixture_json (tree_json);
   char opts_json[512];
   bson_t *opts;
   docrel_doc_t *doc = NULL, **docs = NULL;
   bson_value_t key = fixture_int_key (4);
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n = 5;

   snprintf (opts_json, sizeof opts_json, "{\"join\": %s}", tree_json);
   opts = fixture_json (opts_json);
   docrel_store_stats_reset (t->store);
   memset (&error, 0, sizeof error);
   ck_assert_msg (!docrel_get (t->session, t->author, &key, tree, &doc, &error), "get took %s", tree_json);
   ck_assert_msg (error.domain == DOCREL_ERROR_QUERY, "get %s: domain %u: %s", tree_json, error.domain, error.message);
   ASSERT_MENTIONS (error, mention);
   ck_assert_ptr_null (doc);
   memset (&error, 0, sizeof error);
   ck_assert_msg (!docrel_find_all (t->session, t->author, NULL, opts, &docs, &n, &error), "find_all took %s",
                  tree_json);
   ck_assert_msg (error.domain == DOCREL_ERROR_QUERY, "find_all %s: domain %u: %s", tree_json, error.domain,
                  error.message);
   ASSERT_MENTIONS (error, mention);
   ck_assert_ptr_null (docs);
   ck_assert_uint_eq (n, 0);
   docrel_store_stats (t->store, &stats);
   ck_assert_msg (stats.commands == 0, "a bad tree %s sent %" PRIu64 " commands", tree_json, stats.commands);
   ck_assert_uint_eq (docrel_session_size (t->session), 0);
   bson_destroy (opts);
   bson_destroy (tree);
}

START_TEST (bad_trees_are_query_errors_naming_the_path_and_send_nothing)
{
   blog_t t;
   docrel_doc_t *doc = NULL;
   bson_value_t key = fixture_int_key (4);
   bson_t *edge = fixture_json ("{\"$limit\": \"x\"}");
   docrel_store_stats_t stats;
   bson_error_t error;

   blog_start (&t);
   expect_bad_tree (&t, "{\"bogus\": true}", "bogus");
   expect_bad_tree (&t, "{\"posts\": {\"comments\": {\"bogus\": true}}}", "posts.comments.bogus");
   expect_bad_tree (&t, "{\"posts\": {\"$limit\": \"x\"}}", "$limit");
   expect_bad_tree (&t, "{\"posts\": {\"$limit\": -1}}", "$limit");
   expect_bad_tree (&t, "{\"posts\": {\"$skip\": true}}", "$skip");
   expect_bad_tree (&t, "{\"posts\": {\"title\": true}}", "posts.title"); /* a plain declared field */
   expect_bad_tree (&t, "{\"$limit\": 1, \"posts\": true}", "$limit");    /* options need an edge */
   expect_bad_tree (&t, "{\"posts\": 1}", "posts");
   expect_bad_tree (&t, "{\"posts\": {\"$where\": \"1\"}}", "$where");
   expect_bad_tree (&t, "{\"posts\": {\"$filter\": {\"date\": {\"$near\": 1}}}}", "$near");
   expect_bad_tree (&t, "{\"posts\": {\"$sort\": \"date\"}}", "$sort");
   expect_bad_tree (&t, "{\"posts\": {\"$fields\": 1}}", "$fields");
   expect_bad_tree (&t, "{\"posts\": {\"$fields\": {\"_id\": 0}}}", "_id cannot be excluded");
   /* docrel_load checks the field and the edge the same way. */
   ASSERT_OK (docrel_get (t.session, t.author, &key, NULL, &doc, &error), error);
   docrel_store_stats_reset (t.store);
   ck_assert (!docrel_load (doc, "name", NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ASSERT_MENTIONS (error, "name");
   ck_assert (!docrel_load (doc, "posts", edge, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ASSERT_MENTIONS (error, "$limit");
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.commands, 0);
   ck_assert (!docrel_doc_is_loaded (doc, "posts"));
   bson_destroy (edge);
   blog_close (&t);
}
END_TEST

static Suite *
join_suite (void)
{
   Suite *s = suite_create ("join");
   TCase *tc;

   tc = tcase_create ("nesting");
   tcase_add_test (tc, a_tree_three_levels_deep_loads_every_level_with_one_query_per_edge);
   suite_add_tcase (s, tc);

   tc = tcase_create ("edge_options");
   tcase_add_test (tc, limit_applies_per_parent_giving_each_author_two_newest_posts);
   tcase_add_test (tc, skip_applies_per_parent_before_the_limit);
   tcase_add_test (tc, filter_selects_related_documents_before_the_per_parent_limit);
   tcase_add_test (tc, sort_orders_each_slot_and_without_it_slots_keep_store_order);
   tcase_add_test (tc, fields_projects_the_related_documents);
   tcase_add_test (tc, fields_keep_the_keys_that_the_joins_below_need);
   tcase_add_test (tc, two_edges_reaching_one_document_by_different_keys_both_fill);
   tcase_add_test (tc, a_projected_root_still_loads_its_relations);
   tcase_add_test (tc, has_and_belongs_to_many_takes_sort_skip_and_limit_per_parent);
   suite_add_tcase (s, tc);

   tc = tcase_create ("empty_and_ambiguous");
   tcase_add_test (tc, a_missing_key_leaves_the_slot_loaded_and_empty);
   tcase_add_test (tc, an_unloaded_slot_is_not_loaded_and_not_rendered);
   tcase_add_test (tc, a_to_one_relation_matching_two_documents_is_an_error_naming_them);
   tcase_add_test (tc, a_find_all_whose_join_fails_leaves_the_session_unchanged);
   suite_add_tcase (s, tc);

   tc = tcase_create ("identity");
   tcase_add_test (tc, a_document_reached_by_two_paths_is_one_document);
   suite_add_tcase (s, tc);

   tc = tcase_create ("entry_points");
   tcase_add_test (tc, get_and_find_all_take_a_join_tree);
   tcase_add_test (tc, load_joins_one_relation_of_a_loaded_document_and_reloads_it);
   tcase_add_test (tc, load_many_loads_a_relation_of_many_documents_in_one_query);
   suite_add_tcase (s, tc);

   tc = tcase_create ("bad_trees");
   tcase_add_test (tc, bad_trees_are_query_errors_naming_the_path_and_send_nothing);
   suite_add_tcase (s, tc);

   return s;
}

int
main (void)
{
   return fixture_run (join_suite ());
}
