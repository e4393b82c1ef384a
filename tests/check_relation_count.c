/* SPDX-License-Identifier: Apache-2.0 */
/* check_relation_count.c: counts per relation, a join tree's
 * {"posts": {"$count": true}} edge: each kind of relation, with and without
 * $filter, zero counts, beside a loaded edge and below one, the rendered
 * "_count", docrel_load, save_all after a count, bad edges, and the one
 * command an edge costs for 1 and for 50 parents (docrel_store_stats). */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *profile, *post, *tag, *comment, *link;
} world_t;

/* Authors 1, 2, 3. Profile 100 of author 1. Posts 10 (author 1,
 * published), 11 (author 1, draft), 12 (author 2, published), 13 (no
 * author). Tags 20 "c", 21 "db"; links 10-20, 10-21, 11-21. Comments 30 and
 * 31 on post 10, 32 on post 12. */
static void
world_open (world_t *w)
{
   static const char *const authors[] = {"{\"_id\": 1}", "{\"_id\": 2}", "{\"_id\": 3}", NULL};
   static const char *const profiles[] = {"{\"_id\": 100, \"authorId\": 1}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1, \"published\": true}",
                                       "{\"_id\": 11, \"authorId\": 1, \"published\": false}",
                                       "{\"_id\": 12, \"authorId\": 2, \"published\": true}",
                                       "{\"_id\": 13, \"published\": true}", NULL};
   static const char *const tags[] = {"{\"_id\": 20, \"name\": \"c\"}", "{\"_id\": 21, \"name\": \"db\"}", NULL};
   static const char *const links[] = {"{\"Post__id\": 10, \"Tag__id\": 20}", "{\"Post__id\": 10, \"Tag__id\": 21}",
                                       "{\"Post__id\": 11, \"Tag__id\": 21}", NULL};
   static const char *const comments[] = {"{\"_id\": 30, \"postId\": 10}", "{\"_id\": 31, \"postId\": 10}",
                                          "{\"_id\": 32, \"postId\": 12}", NULL};

   w->store = fixture_store_open ();
   w->author = fixture_keyed_model (w->store, "Author");
   w->profile = fixture_keyed_model (w->store, "Profile");
   w->post = fixture_keyed_model (w->store, "Post");
   w->tag = fixture_keyed_model (w->store, "Tag");
   w->comment = fixture_keyed_model (w->store, "Comment");
   fixture_declare (docrel_model_has_many, w->author, w->post, "posts", "_id", "authorId", NULL);
   fixture_declare (docrel_model_has_one, w->author, w->profile, "profile", "_id", "authorId", NULL);
   fixture_declare (docrel_model_belongs_to, w->post, w->author, "author", "authorId", "_id", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, w->post, w->tag, "tags", "_id", "_id", NULL);
   fixture_declare (docrel_model_has_many, w->post, w->comment, "comments", "_id", "postId", NULL);
   w->link = fixture_link_model (w->store, "Post_Tag");
   fixture_seed (w->store, w->author, authors);
   fixture_seed (w->store, w->profile, profiles);
   fixture_seed (w->store, w->post, posts);
   fixture_seed (w->store, w->tag, tags);
   fixture_seed (w->store, w->link, links);
   fixture_seed (w->store, w->comment, comments);
}

/* "id:count ..." for docs, "-" where field was not counted. */
static void
describe_counts (docrel_doc_t *const *docs, size_t n, const char *field, char *out, size_t size)
{
   out[0] = '\0';
   for (size_t i = 0; i < n; i++) {
      char part[48];
      int64_t count = -1;

      if (docrel_doc_related_count (docs[i], field, &count)) {
         bson_snprintf (part, sizeof part, "%s%d:%" PRId64, i ? " " : "", fixture_id_of (docs[i]), count);
      } else {
         ck_assert_int_eq (count, 0);
         bson_snprintf (part, sizeof part, "%s%d:-", i ? " " : "", fixture_id_of (docs[i]));
      }
      strncat (out, part, size - strlen (out) - 1);
   }
}

/* Finds every document of model in _id order, joined along tree_json, and
 * describes the counts of field; *stats: the commands sent. The slot of
 * field is never loaded by a count. */
static void
counts_of (world_t *w,
           docrel_model_t *model,
           const char *tree_json,
           const char *field,
           char *out,
           size_t size,
           docrel_store_stats_t *stats)
{
   bson_error_t error;
   docrel_session_t *session = docrel_session_new (w->store);
   char *opts_json = bson_strdup_printf ("{\"sort\": {\"_id\": 1}, \"join\": %s}", tree_json);
   bson_t *opts = fixture_json (opts_json);
   docrel_doc_t **docs;
   size_t n;

   docrel_store_stats_reset (w->store);
   ASSERT_OK (docrel_find_all (session, model, NULL, opts, &docs, &n, &error), error);
   docrel_store_stats (w->store, stats);
   describe_counts (docs, n, field, out, size);
   for (size_t i = 0; i < n; i++) {
      ck_assert (!docrel_doc_is_loaded (docs[i], field));
   }
   bson_free (docs);
   bson_destroy (opts);
   bson_free (opts_json);
   docrel_session_destroy (session);
}

START_TEST (has_many_counts_with_and_without_a_filter)
{
   world_t w;
   docrel_store_stats_t stats;
   char got[128];

   world_open (&w);
   counts_of (&w, w.author, "{\"posts\": {\"$count\": true}}", "posts", got, sizeof got, &stats);
   ck_assert_str_eq (got, "1:2 2:1 3:0");
   ck_assert_uint_eq (stats.finds, 1); /* the authors */
   ck_assert_uint_eq (stats.counts, 1);
   ck_assert_uint_eq (stats.commands, 2);
   counts_of (&w, w.author, "{\"posts\": {\"$count\": true, \"$filter\": {\"published\": true}}}", "posts", got,
              sizeof got, &stats);
   ck_assert_str_eq (got, "1:1 2:1 3:0");
   ck_assert_uint_eq (stats.counts, 1);
   ck_assert_uint_eq (stats.commands, 2);
   counts_of (&w, w.author, "{\"posts\": {\"$count\": true, \"$filter\": {\"published\": {\"$exists\": false}}}}",
              "posts", got, sizeof got, &stats);
   ck_assert_str_eq (got, "1:0 2:0 3:0");
   fixture_store_close (w.store);
}
END_TEST

START_TEST (has_one_and_belongs_to_count_zero_or_one)
{
   world_t w;
   docrel_store_stats_t stats;
   char got[128];

   world_open (&w);
   counts_of (&w, w.author, "{\"profile\": {\"$count\": true}}", "profile", got, sizeof got, &stats);
   ck_assert_str_eq (got, "1:1 2:0 3:0");
   ck_assert_uint_eq (stats.counts, 1);
   counts_of (&w, w.post, "{\"author\": {\"$count\": true}}", "author", got, sizeof got, &stats);
   ck_assert_str_eq (got, "10:1 11:1 12:1 13:0"); /* 13 has no author key */
   ck_assert_uint_eq (stats.commands, 2);
   counts_of (&w, w.post, "{\"author\": {\"$count\": true, \"$filter\": {\"_id\": 2}}}", "author", got, sizeof got,
              &stats);
   ck_assert_str_eq (got, "10:0 11:0 12:1 13:0");
   fixture_store_close (w.store);
}
END_TEST

START_TEST (has_and_belongs_to_many_counts_links_whose_far_end_matches)
{
   world_t w;
   docrel_store_stats_t stats;
   char got[128];

   world_open (&w);
   counts_of (&w, w.post, "{\"tags\": {\"$count\": true}}", "tags", got, sizeof got, &stats);
   ck_assert_str_eq (got, "10:2 11:1 12:0 13:0");
   ck_assert_uint_eq (stats.counts, 1); /* the links, grouped */
   ck_assert_uint_eq (stats.commands, 2);
   counts_of (&w, w.post, "{\"tags\": {\"$count\": true, \"$filter\": {}}}", "tags", got, sizeof got, &stats);
   ck_assert_str_eq (got, "10:2 11:1 12:0 13:0");
   ck_assert_uint_eq (stats.commands, 2); /* {} is no filter */
   counts_of (&w, w.post, "{\"tags\": {\"$count\": true, \"$filter\": {\"name\": \"db\"}}}", "tags", got, sizeof got,
              &stats);
   ck_assert_str_eq (got, "10:1 11:1 12:0 13:0");
   ck_assert_uint_eq (stats.finds, 2);  /* the posts, their links' keys */
   ck_assert_uint_eq (stats.counts, 1); /* the far side, grouped */
   fixture_store_close (w.store);
}
END_TEST

START_TEST (a_symmetric_link_counts_both_ways_once)
{
   static const char *const humans[] = {"{\"_id\": 1}", "{\"_id\": 2}", "{\"_id\": 3}", "{\"_id\": 4}", NULL};
   static const char *const links[] = {"{\"Human__id\": 1, \"Human__id_2\": 2}",
                                       "{\"Human__id\": 3, \"Human__id_2\": 1}",
                                       "{\"Human__id\": 2, \"Human__id_2\": 1}", NULL};
   world_t w;
   docrel_store_stats_t stats;
   docrel_model_t *human;
   char got[128];

   memset (&w, 0, sizeof w);
   w.store = fixture_store_open ();
   human = fixture_keyed_model (w.store, "Human");
   fixture_declare (docrel_model_has_and_belongs_to_many, human, human, "friends", "_id", "_id",
                    "{\"symmetric\": true}");
   fixture_seed (w.store, human, humans);
   fixture_seed (w.store, docrel_store_model (w.store, "Human_Human"), links);
   /* 1-2 is linked both ways: one friend each, as loading shows */
   counts_of (&w, human, "{\"friends\": {\"$count\": true}}", "friends", got, sizeof got, &stats);
   ck_assert_str_eq (got, "1:2 2:1 3:1 4:0");
   ck_assert_uint_eq (stats.finds, 3); /* the humans, the links by either field */
   counts_of (&w, human, "{\"friends\": {\"$count\": true, \"$filter\": {\"_id\": {\"$gt\": 1}}}}", "friends", got,
              sizeof got, &stats);
   ck_assert_str_eq (got, "1:2 2:0 3:0 4:0");
   ck_assert_uint_eq (stats.counts, 1);
   fixture_store_close (w.store);
}
END_TEST

START_TEST (a_count_sits_beside_a_loaded_edge_and_below_one)
{
   world_t w;
   docrel_session_t *session;
   docrel_doc_t *doc, *const *posts;
   docrel_store_stats_t stats;
   size_t n;
   char got[128];

   world_open (&w);
   session = docrel_session_new (w.store);
   docrel_store_stats_reset (w.store);
   doc = fixture_get (session, w.author, 1, "{\"posts\": {\"$count\": true}, \"profile\": true}");
   docrel_store_stats (w.store, &stats);
   ck_assert_uint_eq (stats.finds, 2); /* the author, the profile */
   ck_assert_uint_eq (stats.counts, 1);
   ck_assert (docrel_doc_is_loaded (doc, "profile"));
   ck_assert_ptr_nonnull (docrel_doc_related_one (doc, "profile"));
   describe_counts (&doc, 1, "posts", got, sizeof got);
   ck_assert_str_eq (got, "1:2");
   describe_counts (&doc, 1, "profile", got, sizeof got);
   ck_assert_str_eq (got, "1:-"); /* loaded, not counted */
   docrel_session_destroy (session);

   session = docrel_session_new (w.store);
   docrel_store_stats_reset (w.store);
   doc = fixture_get (session, w.author, 1,
                      "{\"posts\": {\"$sort\": {\"_id\": 1}, \"comments\": {\"$count\": true}, "
                      "\"tags\": {\"$count\": true, \"$filter\": {\"name\": \"c\"}}}}");
   docrel_store_stats (w.store, &stats);
   ck_assert_uint_eq (stats.finds, 3);  /* the author, the posts, their links */
   ck_assert_uint_eq (stats.counts, 2); /* comments, tags */
   ck_assert (docrel_doc_related (doc, "posts", &posts, &n));
   describe_counts (posts, n, "comments", got, sizeof got);
   ck_assert_str_eq (got, "10:2 11:0");
   describe_counts (posts, n, "tags", got, sizeof got);
   ck_assert_str_eq (got, "10:1 11:0");
   ck_assert (!docrel_doc_is_loaded (posts[0], "comments"));
   docrel_session_destroy (session);
   fixture_store_close (w.store);
}
END_TEST

START_TEST (counts_render_as_count_and_load_nothing)
{
   world_t w;
   bson_error_t error;
   docrel_session_t *session;
   docrel_doc_t *doc;
   bson_t out, *edge;
   bson_iter_t iter;
   int64_t n = -1;

   world_open (&w);
   session = docrel_session_new (w.store);
   doc = fixture_get (session, w.author, 1, "{\"posts\": {\"$count\": true}, \"profile\": {\"$count\": true}}");
   ASSERT_OK (docrel_doc_to_bson (doc, true, &out, &error), error);
   ck_assert (bson_iter_init_find (&iter, &out, "_count"));
   ck_assert (BSON_ITER_HOLDS_DOCUMENT (&iter));
   ck_assert (bson_iter_init (&iter, &out) && bson_iter_find_descendant (&iter, "_count.posts", &iter));
   ck_assert_int_eq (bson_iter_as_int64 (&iter), 2);
   ck_assert (bson_iter_init (&iter, &out) && bson_iter_find_descendant (&iter, "_count.profile", &iter));
   ck_assert_int_eq (bson_iter_as_int64 (&iter), 1);
   ck_assert (!bson_has_field (&out, "posts"));
   bson_destroy (&out);
   ASSERT_OK (docrel_doc_to_bson (doc, false, &out, &error), error);
   ck_assert (!bson_has_field (&out, "_count"));
   bson_destroy (&out);
   ck_assert (!docrel_doc_related_count (doc, "nope", &n));
   ck_assert_int_eq (n, 0);

   /* docrel_load with a $count edge counts; save_all then removes nothing */
   edge = fixture_json ("{\"$count\": true, \"$filter\": {\"published\": false}}");
   doc = fixture_get (session, w.author, 2, NULL);
   ck_assert (!docrel_doc_related_count (doc, "posts", NULL));
   ASSERT_OK (docrel_load (doc, "posts", edge, &error), error);
   ck_assert (docrel_doc_related_count (doc, "posts", &n));
   ck_assert_int_eq (n, 0);
   ck_assert (!docrel_doc_is_loaded (doc, "posts"));
   ASSERT_OK (docrel_save_all (doc, NULL, NULL, NULL, &error), error);
   ck_assert_int_eq (fixture_count_where (w.store, w.post, "{\"authorId\": 2}"), 1);
   bson_destroy (edge);
   docrel_session_destroy (session);
   fixture_store_close (w.store);
}
END_TEST

/* Person (composite key name, born) hasMany Post, hasOne Passport,
 * hasAndBelongsToMany Club (by code and region); Post belongsTo Person. */
START_TEST (composite_keys_count_by_every_key_field)
{
   static const char *const people[] = {"{\"_id\": 1, \"name\": \"Ann\", \"born\": 1990}",
                                        "{\"_id\": 2, \"name\": \"Ann\", \"born\": 1985}",
                                        "{\"_id\": 3, \"name\": \"Bob\", \"born\": 1990}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorName\": \"Ann\", \"authorBorn\": 1990}",
                                       "{\"_id\": 11, \"authorName\": \"Ann\", \"authorBorn\": 1990.0}",
                                       "{\"_id\": 12, \"authorName\": \"Ann\", \"authorBorn\": 1985}",
                                       "{\"_id\": 13, \"authorName\": \"Ann\"}", NULL};
   static const char *const passports[] = {"{\"_id\": 20, \"holderName\": \"Ann\", \"holderBorn\": 1985}", NULL};
   static const char *const clubs[] = {"{\"_id\": 30, \"code\": \"chess\", \"region\": \"north\"}",
                                       "{\"_id\": 31, \"code\": \"chess\", \"region\": \"south\"}", NULL};
   static const char *const links[] = {
      "{\"Person_name\": \"Ann\", \"Person_born\": 1990, \"Club_code\": \"chess\", \"Club_region\": \"north\"}",
      "{\"Person_name\": \"Ann\", \"Person_born\": 1990, \"Club_code\": \"chess\", \"Club_region\": \"south\"}",
      "{\"Person_name\": \"Ann\", \"Person_born\": 1985, \"Club_code\": \"chess\", \"Club_region\": \"south\"}", NULL};
   world_t w;
   docrel_store_stats_t stats;
   docrel_model_t *person, *post, *passport, *club;
   docrel_relation_t *r;
   char got[128];

   memset (&w, 0, sizeof w);
   w.store = fixture_store_open ();
   person = fixture_keyed_model (w.store, "Person");
   post = fixture_keyed_model (w.store, "Post");
   passport = fixture_keyed_model (w.store, "Passport");
   club = fixture_keyed_model (w.store, "Club");
   fixture_declare (docrel_model_has_many, person, post, "posts", NULL, NULL,
                    "{\"leftKeys\": [\"name\", \"born\"], \"rightKeys\": [\"authorName\", \"authorBorn\"]}");
   fixture_declare (docrel_model_belongs_to, post, person, "author", NULL, NULL,
                    "{\"leftKeys\": [\"authorName\", \"authorBorn\"], \"rightKeys\": [\"name\", \"born\"]}");
   fixture_declare (docrel_model_has_one, person, passport, "passport", NULL, NULL,
                    "{\"leftKeys\": [\"name\", \"born\"], \"rightKeys\": [\"holderName\", \"holderBorn\"]}");
   r = fixture_declare (docrel_model_has_and_belongs_to_many, person, club, "clubs", NULL, NULL,
                        "{\"leftKeys\": [\"name\", \"born\"], \"rightKeys\": [\"code\", \"region\"]}");
   fixture_seed (w.store, person, people);
   fixture_seed (w.store, post, posts);
   fixture_seed (w.store, passport, passports);
   fixture_seed (w.store, club, clubs);
   fixture_seed (w.store, docrel_relation_link_model (r), links);
   /* 1990 and 1990.0 are one key, as MongoDB compares them */
   counts_of (&w, person, "{\"posts\": {\"$count\": true}}", "posts", got, sizeof got, &stats);
   ck_assert_str_eq (got, "1:2 2:1 3:0");
   ck_assert_uint_eq (stats.counts, 1);
   counts_of (&w, post, "{\"author\": {\"$count\": true}}", "author", got, sizeof got, &stats);
   ck_assert_str_eq (got, "10:1 11:1 12:1 13:0");
   counts_of (&w, person, "{\"passport\": {\"$count\": true}}", "passport", got, sizeof got, &stats);
   ck_assert_str_eq (got, "1:0 2:1 3:0");
   counts_of (&w, person, "{\"clubs\": {\"$count\": true}}", "clubs", got, sizeof got, &stats);
   ck_assert_str_eq (got, "1:2 2:1 3:0");
   ck_assert_uint_eq (stats.commands, 2);
   counts_of (&w, person, "{\"clubs\": {\"$count\": true, \"$filter\": {\"region\": \"south\"}}}", "clubs", got,
              sizeof got, &stats);
   ck_assert_str_eq (got, "1:1 2:1 3:0");
   ck_assert_uint_eq (stats.commands, 3);
   fixture_store_close (w.store);
}
END_TEST

/* A document listing several keys (an array at the key path) is related
 * to each, counted as loaded: the join attaches it to each parent. */
START_TEST (a_child_listing_several_parents_counts_under_each)
{
   static const char *const more[] = {"{\"_id\": 40, \"postId\": [10, 12]}", "{\"_id\": 41, \"postId\": [12]}",
                                      "{\"_id\": 42, \"postId\": []}", "{\"_id\": 43, \"postId\": null}", NULL};
   world_t w;
   docrel_store_stats_t stats;
   docrel_session_t *session;
   docrel_doc_t *doc, *const *loaded;
   size_t n;
   char got[128];

   world_open (&w);
   fixture_seed (w.store, w.comment, more);
   counts_of (&w, w.post, "{\"comments\": {\"$count\": true}}", "comments", got, sizeof got, &stats);
   ck_assert_str_eq (got, "10:3 11:0 12:3 13:0");
   ck_assert_uint_eq (stats.commands, 2);
   counts_of (&w, w.post, "{\"comments\": {\"$count\": true, \"$filter\": {\"_id\": {\"$gte\": 41}}}}", "comments", got,
              sizeof got, &stats);
   ck_assert_str_eq (got, "10:0 11:0 12:1 13:0");
   session = docrel_session_new (w.store);
   doc = fixture_get (session, w.post, 12, "{\"comments\": true}");
   ck_assert (docrel_doc_related (doc, "comments", &loaded, &n));
   ck_assert_uint_eq (n, 3); /* what the count said */
   docrel_session_destroy (session);
   fixture_store_close (w.store);
}
END_TEST

/* The tree is refused naming what is wrong, before anything is sent. */
static void
assert_refused (world_t *w, const char *tree_json, const char *mention)
{
   bson_error_t error;
   docrel_session_t *session = docrel_session_new (w->store);
   bson_t *tree = fixture_json (tree_json);
   bson_value_t key = fixture_int_key (1);
   docrel_store_stats_t stats;
   docrel_doc_t *doc = NULL;

   docrel_store_stats_reset (w->store);
   ck_assert_msg (!docrel_get (session, w->author, &key, tree, &doc, &error), "%s was accepted", tree_json);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ASSERT_MENTIONS (error, mention);
   docrel_store_stats (w->store, &stats);
   ck_assert_uint_eq (stats.commands, 0);
   bson_destroy (tree);
   docrel_session_destroy (session);
}

START_TEST (bad_count_edges_are_refused)
{
   world_t w;

   world_open (&w);
   assert_refused (&w, "{\"posts\": {\"$count\": 1}}", "'$count' expects true or false");
   assert_refused (&w, "{\"posts\": {\"$count\": true, \"$limit\": 2}}", "not option '$limit'");
   assert_refused (&w, "{\"posts\": {\"$count\": true, \"$sort\": {\"_id\": 1}}}", "not option '$sort'");
   assert_refused (&w, "{\"posts\": {\"$count\": true, \"$skip\": 1}}", "'$skip'");
   assert_refused (&w, "{\"posts\": {\"$count\": true, \"$fields\": {\"a\": 1}}}", "'$fields'");
   assert_refused (&w, "{\"posts\": {\"$count\": true, \"comments\": true}}", "not relation 'comments'");
   assert_refused (&w, "{\"posts\": {\"$count\": true, \"$filter\": {\"$bad\": 1}}}", "$filter");
   assert_refused (&w, "{\"$count\": true}", "root");
   assert_refused (&w, "{\"nope\": {\"$count\": true}}", "no relation 'nope'");
   fixture_store_close (w.store);
}
END_TEST

START_TEST (a_false_count_loads_the_edge)
{
   world_t w;
   docrel_session_t *session;
   docrel_doc_t *doc, *const *posts;
   size_t n;

   world_open (&w);
   session = docrel_session_new (w.store);
   doc = fixture_get (session, w.author, 1, "{\"posts\": {\"$count\": false, \"$limit\": 1}}");
   ck_assert (docrel_doc_related (doc, "posts", &posts, &n));
   ck_assert_uint_eq (n, 1);
   ck_assert (!docrel_doc_related_count (doc, "posts", NULL));
   docrel_session_destroy (session);
   fixture_store_close (w.store);
}
END_TEST

/* The succeeded events of a trace, as "command collection documents; ...". */
static void
trace_succeeded (const docrel_trace_event_t *event, void *user_data)
{
   char *out = user_data;
   char part[96];

   bson_snprintf (part, sizeof part, "%s%s %s %" PRIu64, out[0] ? "; " : "", docrel_trace_event_command_name (event),
                  docrel_trace_event_collection (event), docrel_trace_event_documents (event));
   strncat (out, part, 255 - strlen (out));
}

START_TEST (a_count_edge_is_traced_as_one_count_command)
{
   world_t w;
   bson_error_t error;
   docrel_session_t *session;
   docrel_trace_callbacks_t callbacks = {NULL, trace_succeeded, NULL};
   char events[256] = "";

   world_open (&w);
   session = docrel_session_new (w.store);
   ASSERT_OK (docrel_store_set_trace (w.store, &callbacks, events, &error), error);
   fixture_get (session, w.author, 1, "{\"posts\": {\"$count\": true}}");
   ASSERT_OK (docrel_store_set_trace (w.store, NULL, NULL, &error), error);
   /* the find ends when its cursor does, maybe after the count */
   ck_assert_msg (strcmp (events, "find Author 1; count Post 2") == 0 ||
                     strcmp (events, "count Post 2; find Author 1") == 0,
                  "events: %s", events);
   docrel_session_destroy (session);
   fixture_store_close (w.store);
}
END_TEST

/* Authors 1..n with two posts each, each post with a tag. */
static void
seed_many (world_t *w, int n)
{
   bson_error_t error;
   docrel_session_t *session = docrel_session_new (w->store);

   for (int i = 1; i <= n; i++) {
      char json[96];
      docrel_doc_t *d;

      bson_snprintf (json, sizeof json, "{\"_id\": %d}", 1000 + i);
      ASSERT_OK ((d = docrel_doc_new_from_json (session, w->author, json, &error)) && docrel_save (d, &error), error);
      for (int k = 0; k < 2; k++) {
         bson_snprintf (json, sizeof json, "{\"_id\": %d, \"authorId\": %d, \"published\": %s}", 10000 + 2 * i + k,
                        1000 + i, k ? "true" : "false");
         ASSERT_OK ((d = docrel_doc_new_from_json (session, w->post, json, &error)) && docrel_save (d, &error), error);
         bson_snprintf (json, sizeof json, "{\"Post__id\": %d, \"Tag__id\": %d}", 10000 + 2 * i + k, 20 + k);
         ASSERT_OK ((d = docrel_doc_new_from_json (session, w->link, json, &error)) && docrel_save (d, &error), error);
      }
   }
   docrel_session_destroy (session);
}

/* find_all of the authors whose _id is at least 1001 and at most 1000 + n,
 * with tree_json: checks every count of model_field (unless NULL) is
 * expected and returns the stats. */
static docrel_store_stats_t
count_many (world_t *w, int n, const char *tree_json, const char *model_field, int64_t expected)
{
   bson_error_t error;
   docrel_session_t *session = docrel_session_new (w->store);
   char *json = bson_strdup_printf ("{\"_id\": {\"$gt\": 1000, \"$lte\": %d}}", 1000 + n);
   bson_t *filter = fixture_json (json);
   char *opts_json = bson_strdup_printf ("{\"join\": %s}", tree_json);
   bson_t *opts = fixture_json (opts_json);
   docrel_store_stats_t stats;
   docrel_doc_t **docs;
   size_t got;

   docrel_store_stats_reset (w->store);
   ASSERT_OK (docrel_find_all (session, w->author, filter, opts, &docs, &got, &error), error);
   docrel_store_stats (w->store, &stats);
   ck_assert_uint_eq (got, (size_t) n);
   for (size_t i = 0; model_field && i < got; i++) {
      int64_t count = -1;
      ck_assert (docrel_doc_related_count (docs[i], model_field, &count));
      ck_assert_int_eq (count, expected);
   }
   bson_free (docs);
   bson_destroy (opts);
   bson_free (opts_json);
   bson_destroy (filter);
   bson_free (json);
   docrel_session_destroy (session);
   return stats;
}

START_TEST (an_edge_costs_one_command_for_1_and_for_50_parents)
{
   world_t w;
   docrel_store_stats_t stats;
   int sizes[] = {1, 50};

   world_open (&w);
   seed_many (&w, 50);
   for (size_t s = 0; s < 2; s++) {
      stats = count_many (&w, sizes[s], "{\"posts\": {\"$count\": true}}", "posts", 2);
      ck_assert_uint_eq (stats.finds, 1);
      ck_assert_uint_eq (stats.counts, 1);
      ck_assert_uint_eq (stats.commands, 2);
      ck_assert_uint_eq (stats.documents_read, (uint64_t) sizes[s]); /* the authors only */
      stats = count_many (&w, sizes[s], "{\"posts\": {\"$count\": true, \"$filter\": {\"published\": true}}}", "posts",
                          1);
      ck_assert_uint_eq (stats.commands, 2);
      stats = count_many (&w, sizes[s], "{\"posts\": {\"tags\": {\"$count\": true}}}", NULL, 0);
      ck_assert_uint_eq (stats.finds, 2);
      ck_assert_uint_eq (stats.counts, 1);
   }
   fixture_store_close (w.store);
}
END_TEST

START_TEST (a_joining_cursor_counts_batch_by_batch)
{
   world_t w;
   bson_error_t error;
   docrel_session_t *session;
   docrel_cursor_t *cursor;
   docrel_store_stats_t stats;
   docrel_doc_t *doc;
   bson_t *opts;
   char got[128] = "";

   world_open (&w);
   session = docrel_session_new (w.store);
   opts = fixture_json ("{\"sort\": {\"_id\": 1}, \"batchSize\": 2, \"join\": {\"posts\": {\"$count\": true}}}");
   docrel_store_stats_reset (w.store);
   cursor = docrel_find (session, w.author, NULL, opts, &error);
   ASSERT_OK (cursor != NULL, error);
   while (docrel_cursor_next (cursor, &doc)) {
      char part[48];

      describe_counts (&doc, 1, "posts", part, sizeof part);
      strncat (got, got[0] ? " " : "", sizeof got - strlen (got) - 1);
      strncat (got, part, sizeof got - strlen (got) - 1);
   }
   ASSERT_OK (!docrel_cursor_error (cursor, &error), error);
   docrel_cursor_destroy (cursor);
   docrel_store_stats (w.store, &stats);
   ck_assert_str_eq (got, "1:2 2:1 3:0");
   ck_assert_uint_eq (stats.counts, 2); /* one per batch of two authors */
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (w.store);
}
END_TEST

/* 10,001 parents: two chunks of keys, two grouped counts. */
START_TEST (a_count_over_10001_parents_is_one_command_per_chunk)
{
   enum { N = 10001 };
   world_t w;
   bson_error_t error;
   docrel_session_t *session;
   docrel_store_stats_t stats;
   docrel_doc_t **docs = bson_malloc ((N + 2) * sizeof *docs), **found;
   size_t n;
   bson_t *filter, *opts;
   int64_t total = 0;

   world_open (&w);
   session = docrel_session_new (w.store);
   for (int i = 0; i < N; i++) {
      char json[48];
      bson_snprintf (json, sizeof json, "{\"_id\": %d}", 100000 + i);
      docs[i] = docrel_doc_new_from_json (session, w.author, json, &error);
      ASSERT_OK (docs[i] != NULL, error);
   }
   docs[N] = docrel_doc_new_from_json (session, w.post, "{\"_id\": 900, \"authorId\": 100000}", &error);
   docs[N + 1] = docrel_doc_new_from_json (session, w.post, "{\"_id\": 901, \"authorId\": 110000}", &error);
   ASSERT_OK (docs[N] && docs[N + 1] && docrel_save_all_many (docs, N + 2, NULL, NULL, NULL, &error), error);
   docrel_session_destroy (session);

   session = docrel_session_new (w.store);
   filter = fixture_json ("{\"_id\": {\"$gte\": 100000}}");
   opts = fixture_json ("{\"join\": {\"posts\": {\"$count\": true}}}");
   docrel_store_stats_reset (w.store);
   ASSERT_OK (docrel_find_all (session, w.author, filter, opts, &found, &n, &error), error);
   docrel_store_stats (w.store, &stats);
   ck_assert_uint_eq (n, N);
   ck_assert_uint_eq (stats.counts, 2);
   for (size_t i = 0; i < n; i++) {
      int64_t count;
      ck_assert (docrel_doc_related_count (found[i], "posts", &count));
      total += count;
   }
   ck_assert_int_eq (total, 2);
   bson_free (found);
   bson_free (docs);
   bson_destroy (filter);
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (w.store);
}
END_TEST

int
main (void)
{
   Suite *suite = suite_create ("relation_count");
   TCase *tc = tcase_create ("relation_count");

   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, has_many_counts_with_and_without_a_filter);
   tcase_add_test (tc, has_one_and_belongs_to_count_zero_or_one);
   tcase_add_test (tc, has_and_belongs_to_many_counts_links_whose_far_end_matches);
   tcase_add_test (tc, a_symmetric_link_counts_both_ways_once);
   tcase_add_test (tc, a_count_sits_beside_a_loaded_edge_and_below_one);
   tcase_add_test (tc, counts_render_as_count_and_load_nothing);
   tcase_add_test (tc, composite_keys_count_by_every_key_field);
   tcase_add_test (tc, a_child_listing_several_parents_counts_under_each);
   tcase_add_test (tc, bad_count_edges_are_refused);
   tcase_add_test (tc, a_false_count_loads_the_edge);
   tcase_add_test (tc, an_edge_costs_one_command_for_1_and_for_50_parents);
   tcase_add_test (tc, a_joining_cursor_counts_batch_by_batch);
   tcase_add_test (tc, a_count_edge_is_traced_as_one_count_command);
   tcase_add_test (tc, a_count_over_10001_parents_is_one_command_per_chunk);
   suite_add_tcase (suite, tc);
   return fixture_run (suite);
}
