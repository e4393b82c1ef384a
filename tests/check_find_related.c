/* SPDX-License-Identifier: Apache-2.0 */
/* check_find_related.c: docrel_find_related, a cursor over one relation of
 * one saved document, for the four kinds: the related documents and only
 * them, with the caller's filter, sort, skip, limit, projection, batchSize
 * and a join tree per batch; the identity map; an empty relation, an
 * unsaved parent, an unknown field; composite keys and symmetric links;
 * the commands of each batch. Relations of many links are
 * check_find_related_links.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "docrel/docrel-trace.h"

/* Authors 1 (posts 10, 11, 12; profile 20) and 2 (nothing); post 13 has no
 * author; comments 100, 101 on post 10, 110 on 11; tags 30, 31, 32 on post
 * 10, 31 on 11. */
typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post, *profile, *comment, *tag, *link;
   docrel_session_t *session;
} blog_t;

static void
blog_declare (blog_t *b)
{
   docrel_relation_t *r;

   memset (b, 0, sizeof *b);
   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   b->profile = fixture_keyed_model (b->store, "Profile");
   b->comment = fixture_keyed_model (b->store, "Comment");
   b->tag = fixture_keyed_model (b->store, "Tag");
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", NULL);
   fixture_declare (docrel_model_has_one, b->author, b->profile, "profile", "_id", "authorId", NULL);
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id", NULL);
   fixture_declare (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId", NULL);
   r = fixture_declare (docrel_model_has_and_belongs_to_many, b->post, b->tag, "tags", "_id", "_id", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, b->tag, b->post, "posts", "_id", "_id", NULL);
   b->link = docrel_relation_link_model (r);
}

static void
blog_open (blog_t *b)
{
   static const char *const authors[] = {"{\"_id\": 1, \"name\": \"ann\"}", "{\"_id\": 2, \"name\": \"bob\"}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1, \"title\": \"a\", \"n\": 3}",
                                       "{\"_id\": 11, \"authorId\": 1, \"title\": \"c\", \"n\": 1}",
                                       "{\"_id\": 12, \"authorId\": 1, \"title\": \"b\", \"n\": 2}",
                                       "{\"_id\": 13, \"title\": \"d\", \"n\": 4}", NULL};
   static const char *const profiles[] = {"{\"_id\": 20, \"authorId\": 1, \"bio\": \"hi\"}", NULL};
   static const char *const comments[] = {"{\"_id\": 100, \"postId\": 10}", "{\"_id\": 101, \"postId\": 10}",
                                          "{\"_id\": 110, \"postId\": 11}", NULL};
   static const char *const tags[] = {"{\"_id\": 30, \"label\": \"x\"}", "{\"_id\": 31, \"label\": \"y\"}",
                                      "{\"_id\": 32, \"label\": \"z\"}", NULL};
   static const char *const links[] = {"{\"Post__id\": 10, \"Tag__id\": 30}", "{\"Post__id\": 10, \"Tag__id\": 31}",
                                       "{\"Post__id\": 10, \"Tag__id\": 32}", "{\"Post__id\": 11, \"Tag__id\": 31}",
                                       NULL};

   blog_declare (b);
   fixture_seed (b->store, b->author, authors);
   fixture_seed (b->store, b->post, posts);
   fixture_seed (b->store, b->profile, profiles);
   fixture_seed (b->store, b->comment, comments);
   fixture_seed (b->store, b->tag, tags);
   fixture_seed (b->store, b->link, links);
   b->session = docrel_session_new (b->store);
}

static void
blog_close (blog_t *b)
{
   docrel_session_destroy (b->session);
   fixture_store_close (b->store);
}

/* The same, with the ids sorted (where the order is the store's). */
static int
compare_int (const void *a, const void *b)
{
   return *(const int *) a - *(const int *) b;
}

static void
assert_related_set (docrel_doc_t *doc, const char *field, const char *filter, const char *opts, const char *expected)
{
   docrel_cursor_t *cursor = fixture_find_related (doc, field, filter, opts);
   bson_string_t *out = bson_string_new ("[");
   docrel_doc_t *next;
   int ids[64], n = 0, i;

   while (docrel_cursor_next (cursor, &next)) {
      ck_assert_int_lt (n, 64);
      ids[n++] = fixture_id_of (next);
   }
   ck_assert (!docrel_cursor_error (cursor, NULL));
   docrel_cursor_destroy (cursor);
   qsort (ids, (size_t) n, sizeof ids[0], compare_int);
   for (i = 0; i < n; i++) {
      bson_string_append_printf (out, "%s%d", i ? ", " : "", ids[i]);
   }
   bson_string_append (out, "]");
   ck_assert_msg (strcmp (out->str, expected) == 0, "'%s' with filter %s: got %s, expected %s", field,
                  filter ? filter : "null", out->str, expected);
   bson_string_free (out, true);
}

/* ---- the four kinds ------------------------------------------------------ */

START_TEST (has_many_yields_the_children_matching_the_filter)
{
   blog_t b;
   docrel_doc_t *ann;

   blog_open (&b);
   ann = fixture_get (b.session, b.author, 1, NULL);
   fixture_assert_related (ann, "posts", NULL, NULL, "[10, 11, 12]");
   fixture_assert_related (ann, "posts", "{\"n\": {\"$gte\": 2}}", NULL, "[10, 12]");
   /* a filter on the key cannot widen the relation */
   fixture_assert_related (ann, "posts", "{\"authorId\": {\"$exists\": false}}", NULL, "[]");
   fixture_assert_related (ann, "posts", "{\"$or\": [{\"_id\": 13}, {\"_id\": 11}]}", NULL, "[11]");
   /* the slot stays not loaded: docrel_load loads a whole slot */
   ck_assert (!docrel_doc_is_loaded (ann, "posts"));
   blog_close (&b);
}
END_TEST

START_TEST (has_many_takes_sort_skip_limit_and_projection)
{
   blog_t b;
   docrel_doc_t *ann, *doc;
   docrel_cursor_t *cursor;

   blog_open (&b);
   ann = fixture_get (b.session, b.author, 1, NULL);
   fixture_assert_related (ann, "posts", NULL, "{\"sort\": {\"title\": 1}}", "[10, 12, 11]");
   fixture_assert_related (ann, "posts", NULL, "{\"sort\": {\"title\": -1}, \"skip\": 1}", "[12, 10]");
   fixture_assert_related (ann, "posts", NULL, "{\"sort\": {\"title\": 1}, \"skip\": 1, \"limit\": 1}", "[12]");
   fixture_assert_related (ann, "posts", NULL, "{\"limit\": 2}", "[10, 11]");
   cursor = fixture_find_related (ann, "posts", "{\"_id\": 11}", "{\"projection\": {\"title\": 1}}");
   ck_assert (docrel_cursor_next (cursor, &doc));
   ck_assert (docrel_doc_has (doc, "title"));
   ck_assert (!docrel_doc_has (doc, "n"));
   ck_assert (!docrel_cursor_next (cursor, &doc));
   docrel_cursor_destroy (cursor);
   blog_close (&b);
}
END_TEST

START_TEST (has_one_and_belongs_to_yield_zero_or_one_document)
{
   blog_t b;
   docrel_doc_t *ann, *bob, *post, *orphan, *author;
   docrel_cursor_t *cursor;

   blog_open (&b);
   ann = fixture_get (b.session, b.author, 1, NULL);
   bob = fixture_get (b.session, b.author, 2, NULL);
   post = fixture_get (b.session, b.post, 12, NULL);
   orphan = fixture_get (b.session, b.post, 13, NULL);
   fixture_assert_related (ann, "profile", NULL, NULL, "[20]");
   fixture_assert_related (ann, "profile", "{\"bio\": \"no\"}", NULL, "[]");
   fixture_assert_related (bob, "profile", NULL, NULL, "[]");
   fixture_assert_related (orphan, "author", NULL, NULL, "[]");
   /* the session's own document comes back, the same pointer */
   cursor = fixture_find_related (post, "author", NULL, NULL);
   ck_assert (docrel_cursor_next (cursor, &author));
   ck_assert_ptr_eq (author, ann);
   ck_assert (!docrel_cursor_next (cursor, &author));
   docrel_cursor_destroy (cursor);
   fixture_assert_related (post, "author", "{\"name\": \"bob\"}", NULL, "[]");
   ck_assert (!docrel_doc_is_loaded (post, "author"));
   blog_close (&b);
}
END_TEST

/* Asserts that every tag find_related yields under opts lacks its label. */
static void
assert_projected (docrel_doc_t *doc, const char *field, const char *opts)
{
   docrel_cursor_t *cursor = fixture_find_related (doc, field, NULL, opts);
   docrel_doc_t *next;
   int n = 0;

   while (docrel_cursor_next (cursor, &next)) {
      ck_assert_msg (!docrel_doc_has (next, "label"), "opts %s: a label was read", opts);
      n++;
   }
   ck_assert (!docrel_cursor_error (cursor, NULL));
   docrel_cursor_destroy (cursor);
   ck_assert_int_eq (n, 3);
}

START_TEST (has_and_belongs_to_many_reads_through_the_links)
{
   blog_t b;
   docrel_doc_t *post10, *post12, *tag31;

   blog_open (&b);
   post10 = fixture_get (b.session, b.post, 10, NULL);
   post12 = fixture_get (b.session, b.post, 12, NULL);
   tag31 = fixture_get (b.session, b.tag, 31, NULL);
   assert_related_set (post10, "tags", NULL, NULL, "[30, 31, 32]");
   assert_related_set (post10, "tags", "{\"label\": {\"$ne\": \"y\"}}", NULL, "[30, 32]");
   assert_related_set (tag31, "posts", NULL, NULL, "[10, 11]");
   fixture_assert_related (post12, "tags", NULL, NULL, "[]");
   fixture_assert_related (post12, "tags", NULL, "{\"sort\": {\"label\": 1}}", "[]");
   /* sorted: one $in over the linked keys */
   fixture_assert_related (post10, "tags", NULL, "{\"sort\": {\"label\": -1}}", "[32, 31, 30]");
   fixture_assert_related (post10, "tags", "{\"_id\": {\"$gt\": 30}}", "{\"sort\": {\"label\": 1}, \"limit\": 1}",
                           "[31]");
   fixture_assert_related (post10, "tags", NULL, "{\"sort\": {\"label\": 1}, \"skip\": 2}", "[32]");
   fixture_assert_related (post10, "tags", NULL, "{\"sort\": {\"_id\": 1}, \"skip\": 1, \"limit\": 1}", "[31]");
   /* unsorted: skip and limit count across the batches */
   assert_related_set (post10, "tags", NULL, "{\"skip\": 1, \"batchSize\": 1}",
                       "[31, 32]"); /* links come in their order */
   assert_related_set (post10, "tags", NULL, "{\"limit\": 2, \"batchSize\": 1}", "[30, 31]");
   ck_assert (!docrel_doc_is_loaded (post10, "tags"));
   blog_close (&b);
}
END_TEST

START_TEST (linked_documents_join_the_identity_map_and_may_be_kept)
{
   blog_t b;
   docrel_doc_t *post10, *tag31, *doc, *kept = NULL;
   docrel_cursor_t *cursor;
   bson_error_t error;
   const char *label;
   size_t size;

   blog_open (&b);
   post10 = fixture_get (b.session, b.post, 10, NULL);
   tag31 = fixture_get (b.session, b.tag, 31, NULL);
   ASSERT_OK (docrel_doc_set_utf8 (tag31, "label", "changed", &error), error);
   size = docrel_session_size (b.session);
   cursor = fixture_find_related (post10, "tags", NULL, "{\"batchSize\": 1}");
   while (docrel_cursor_next (cursor, &doc)) {
      if (fixture_id_of (doc) == 31) {
         /* the session's own document, its unsaved change kept */
         ck_assert_ptr_eq (doc, tag31);
         label = docrel_doc_get_utf8 (doc, "label");
         ck_assert_str_eq (label ? label : "(none)", "changed");
      } else if (fixture_id_of (doc) == 32) {
         docrel_cursor_keep (cursor);
         kept = doc;
      }
   }
   docrel_cursor_destroy (cursor);
   /* the kept tag stays, tag 30 left with its step */
   ck_assert_ptr_nonnull (kept);
   ck_assert_uint_eq (docrel_session_size (b.session), size + 1);
   ck_assert_ptr_eq (fixture_get (b.session, b.tag, 32, NULL), kept);
   blog_close (&b);
}
END_TEST

START_TEST (the_related_option_narrows_a_relation_cursor)
{
   blog_t b;
   docrel_doc_t *ann, *post10;

   blog_open (&b);
   ann = fixture_get (b.session, b.author, 1, NULL);
   post10 = fixture_get (b.session, b.post, 10, NULL);
   fixture_assert_related (ann, "posts", NULL, "{\"related\": {\"comments\": {\"_id\": 110}}}", "[11]");
   fixture_assert_related (post10, "tags", NULL, "{\"related\": {\"posts\": {\"_id\": 11}}}", "[31]");
   fixture_assert_related (post10, "tags", "{\"label\": \"x\"}", "{\"related\": {\"posts\": {\"_id\": 11}}}", "[]");
   fixture_assert_related (post10, "tags", NULL, "{\"related\": {\"posts\": {\"_id\": 11}}, \"sort\": {\"label\": 1}}",
                           "[31]");
   /* Prisma's every and none, also where they add no condition at all */
   assert_related_set (post10, "tags", NULL, "{\"related\": {\"posts\": {\"$every\": {\"_id\": 10}}}}", "[30, 32]");
   assert_related_set (post10, "tags", NULL, "{\"related\": {\"posts\": {\"$none\": {\"_id\": 11}}}}", "[30, 32]");
   assert_related_set (post10, "tags", NULL, "{\"related\": {\"posts\": {\"$every\": {}}}}", "[30, 31, 32]");
   fixture_assert_related (post10, "tags", NULL,
                           "{\"related\": {\"posts\": {\"$every\": {}}}, \"sort\": {\"_id\": -1}}", "[32, 31, 30]");
   fixture_assert_related (ann, "posts", NULL, "{\"related\": {\"comments\": {\"$none\": {}}}}", "[12]");
   /* no tag is in the session: each comes partial */
   assert_projected (post10, "tags", "{\"projection\": {\"_id\": 1}}");
   assert_projected (post10, "tags", "{\"projection\": {\"_id\": 1}, \"sort\": {\"_id\": 1}}");
   blog_close (&b);
}
END_TEST

/* ---- joins and batches ---------------------------------------------------- */

START_TEST (a_join_tree_is_joined_for_each_batch)
{
   blog_t b;
   docrel_doc_t *ann, *post10, *doc;
   docrel_cursor_t *cursor;
   uint64_t before;
   size_t comments[3];
   int n = 0;

   blog_open (&b);
   ann = fixture_get (b.session, b.author, 1, NULL);
   before = fixture_commands (b.store);
   cursor = fixture_find_related (ann, "posts", NULL, "{\"batchSize\": 2, \"join\": {\"comments\": true}}");
   while (docrel_cursor_next (cursor, &doc)) {
      ck_assert_int_lt (n, 3);
      comments[n++] = fixture_slot_size (doc, "comments");
   }
   ck_assert (!docrel_cursor_error (cursor, NULL));
   docrel_cursor_destroy (cursor);
   ck_assert_int_eq (n, 3);
   ck_assert_uint_eq (comments[0], 2);
   ck_assert_uint_eq (comments[1], 1);
   ck_assert_uint_eq (comments[2], 0);
   if (fixture_on_sqlite (b.store)) {
      /* the posts' query, then one comments query per batch of two */
      ck_assert_uint_eq (fixture_commands (b.store) - before, 3);
   } else {
      /* a getMore per batch too, and one that finds the end */
      ck_assert_uint_le (fixture_commands (b.store) - before, 6);
   }

   post10 = fixture_get (b.session, b.post, 10, NULL);
   before = fixture_commands (b.store);
   cursor = fixture_find_related (post10, "tags", NULL, "{\"batchSize\": 2, \"join\": {\"posts\": true}}");
   n = 0;
   while (docrel_cursor_next (cursor, &doc)) {
      n++;
      ck_assert_uint_eq (fixture_slot_size (doc, "posts"), fixture_id_of (doc) == 31 ? 2 : 1);
   }
   ck_assert (!docrel_cursor_error (cursor, NULL));
   docrel_cursor_destroy (cursor);
   ck_assert_int_eq (n, 3);
   /* per batch of two links: the far query and the join's two (links, posts);
    * the links' query once on SQLite, a getMore per batch on MongoDB */
   ck_assert_uint_le (fixture_commands (b.store) - before, fixture_on_sqlite (b.store) ? 7 : 9);
   ck_assert_uint_ge (fixture_commands (b.store) - before, 7);
   /* the batch's documents left with it, the slots they filled were reset */
   ck_assert (!docrel_doc_is_loaded (post10, "posts"));
   blog_close (&b);
}
END_TEST

/* Appends "name collection, " of each started command to the string
 * user_data points at. */
static void
trace_started (const docrel_trace_event_t *event, void *user_data)
{
   const char *collection = docrel_trace_event_collection (event);

   bson_string_append_printf (user_data, "%s %s, ", docrel_trace_event_command_name (event),
                              collection ? collection : "-");
}

START_TEST (each_batch_reads_its_links_then_their_far_documents)
{
   blog_t b;
   docrel_doc_t *post10, *doc;
   docrel_cursor_t *cursor;
   docrel_trace_callbacks_t callbacks = {trace_started, NULL, NULL};
   bson_string_t *seen = bson_string_new ("");
   bson_error_t error;
   const char *sqlite = "find Post_Tag, find Tag, find Tag, find Tag, ";
   const char *mongodb = "find Post_Tag, find Tag, getMore Post_Tag, find Tag, getMore Post_Tag, find Tag, ";
   int n = 0;

   blog_open (&b);
   post10 = fixture_get (b.session, b.post, 10, NULL);
   ASSERT_OK (docrel_store_set_trace (b.store, &callbacks, seen, &error), error);
   cursor = fixture_find_related (post10, "tags", NULL, "{\"batchSize\": 1}");
   while (docrel_cursor_next (cursor, &doc)) {
      n++;
   }
   docrel_cursor_destroy (cursor);
   ASSERT_OK (docrel_store_set_trace (b.store, NULL, NULL, &error), error);
   ck_assert_int_eq (n, 3);
   if (fixture_on_sqlite (b.store)) {
      /* one statement reads the links as the batches ask for them */
      ck_assert_str_eq (seen->str, sqlite);
   } else {
      /* a getMore of one link a batch; the last may only find the end */
      ck_assert_msg (strcmp (seen->str, mongodb) == 0 ||
                        (strncmp (seen->str, mongodb, strlen (mongodb)) == 0 &&
                         strcmp (seen->str + strlen (mongodb), "getMore Post_Tag, ") == 0),
                     "commands: %s", seen->str);
   }
   bson_string_free (seen, true);
   blog_close (&b);
}
END_TEST

/* ---- errors and empty relations ------------------------------------------ */

START_TEST (an_empty_relation_yields_nothing)
{
   blog_t b;
   docrel_doc_t *bob;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc = (docrel_doc_t *) &b;

   blog_open (&b);
   bob = fixture_get (b.session, b.author, 2, NULL);
   cursor = fixture_find_related (bob, "posts", NULL, "{\"join\": {\"comments\": true}}");
   ck_assert (!docrel_cursor_next (cursor, &doc));
   ck_assert_ptr_null (doc);
   ck_assert (!docrel_cursor_error (cursor, NULL));
   docrel_cursor_destroy (cursor);
   fixture_assert_related (bob, "profile", NULL, "{\"sort\": {\"bio\": 1}}", "[]");
   ck_assert_uint_eq (docrel_session_size (b.session), 1);
   blog_close (&b);
}
END_TEST

START_TEST (an_unsaved_parent_or_an_unknown_field_is_refused)
{
   blog_t b;
   docrel_doc_t *fresh, *ann, *post;
   bson_error_t error;
   bson_t *bad = NULL;
   const char *fields[] = {"posts", "profile", "author", "tags"};
   size_t i;

   blog_open (&b);
   fresh = fixture_new_doc (b.session, b.author, "{\"_id\": 5}");
   ck_assert_ptr_null (docrel_find_related (fresh, "posts", NULL, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_NOT_SAVED);
   ASSERT_MENTIONS (error, "'Author'");
   ASSERT_MENTIONS (error, "not saved");
   ann = fixture_get (b.session, b.author, 1, NULL);
   ck_assert_ptr_null (docrel_find_related (ann, "nope", NULL, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_UNKNOWN_FIELD);
   ASSERT_MENTIONS (error, "'nope'");
   ck_assert_ptr_null (docrel_find_related (ann, "name", NULL, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_UNKNOWN_FIELD);
   ck_assert_ptr_null (docrel_find_related (NULL, "posts", NULL, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_INVALID_ARGUMENT);
   ck_assert_ptr_null (docrel_find_related (ann, NULL, NULL, NULL, &error));
   /* bad options and filters, on every kind and both hasAndBelongsToMany paths */
   post = fixture_get (b.session, b.post, 10, NULL);
   for (i = 0; i < 4; i++) {
      docrel_doc_t *doc = i < 2 ? ann : post;
      bad = fixture_json ("{\"bogus\": 1}");
      ck_assert_ptr_null (docrel_find_related (doc, fields[i], NULL, bad, &error));
      ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
      ASSERT_MENTIONS (error, "'bogus'");
      bson_destroy (bad);
      bad = fixture_json ("{\"n\": {\"$bogus\": 1}}");
      ck_assert_ptr_null (docrel_find_related (doc, fields[i], bad, NULL, &error));
      ck_assert_uint_eq (error.code, DOCREL_ERROR_UNSUPPORTED_OPERATOR);
      bson_destroy (bad);
      bad = fixture_json ("{\"join\": {\"nope\": true}}");
      ck_assert_ptr_null (docrel_find_related (doc, fields[i], NULL, bad, &error));
      ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
      bson_destroy (bad);
   }
   bad = fixture_json ("{\"sort\": {\"label\": 1}, \"bogus\": 1}");
   ck_assert_ptr_null (docrel_find_related (post, "tags", NULL, bad, &error));
   ASSERT_MENTIONS (error, "'bogus'");
   bson_destroy (bad);
   bad = fixture_json ("{\"related\": {\"nope\": {}}}");
   ck_assert_ptr_null (docrel_find_related (post, "tags", NULL, bad, &error));
   ASSERT_MENTIONS (error, "'nope'");
   bson_destroy (bad);
   blog_close (&b);
}
END_TEST

/* ---- composite keys and symmetric links ---------------------------------- */

/* Person (composite key name, born) hasMany Post, hasOne Passport,
 * hasAndBelongsToMany Club (by code and region); Post belongsTo Person. */
START_TEST (composite_keys_relate_by_every_key_field)
{
   static const char *const people[] = {"{\"_id\": 1, \"name\": \"Ann\", \"born\": 1990}",
                                        "{\"_id\": 2, \"name\": \"Ann\", \"born\": 1985}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorName\": \"Ann\", \"authorBorn\": 1990}",
                                       "{\"_id\": 11, \"authorName\": \"Ann\", \"authorBorn\": 1990}",
                                       "{\"_id\": 12, \"authorName\": \"Ann\", \"authorBorn\": 1985}", NULL};
   static const char *const passports[] = {"{\"_id\": 20, \"holderName\": \"Ann\", \"holderBorn\": 1985}", NULL};
   static const char *const clubs[] = {"{\"_id\": 30, \"code\": \"chess\", \"region\": \"north\"}",
                                       "{\"_id\": 31, \"code\": \"chess\", \"region\": \"south\"}", NULL};
   static const char *const links[] = {
      "{\"Person_name\": \"Ann\", \"Person_born\": 1990, \"Club_code\": \"chess\", \"Club_region\": \"north\"}",
      "{\"Person_name\": \"Ann\", \"Person_born\": 1990, \"Club_code\": \"chess\", \"Club_region\": \"south\"}",
      "{\"Person_name\": \"Ann\", \"Person_born\": 1985, \"Club_code\": \"chess\", \"Club_region\": \"south\"}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person = fixture_keyed_model (store, "Person");
   docrel_model_t *post = fixture_keyed_model (store, "Post");
   docrel_model_t *passport = fixture_keyed_model (store, "Passport");
   docrel_model_t *club = fixture_keyed_model (store, "Club");
   docrel_session_t *s;
   docrel_relation_t *r;
   docrel_doc_t *ann90, *ann85, *p12;

   fixture_declare (docrel_model_has_many, person, post, "posts", NULL, NULL,
                    "{\"leftKeys\": [\"name\", \"born\"], \"rightKeys\": [\"authorName\", \"authorBorn\"]}");
   fixture_declare (docrel_model_belongs_to, post, person, "author", NULL, NULL,
                    "{\"leftKeys\": [\"authorName\", \"authorBorn\"], \"rightKeys\": [\"name\", \"born\"]}");
   fixture_declare (docrel_model_has_one, person, passport, "passport", NULL, NULL,
                    "{\"leftKeys\": [\"name\", \"born\"], \"rightKeys\": [\"holderName\", \"holderBorn\"]}");
   r = fixture_declare (docrel_model_has_and_belongs_to_many, person, club, "clubs", NULL, NULL,
                        "{\"leftKeys\": [\"name\", \"born\"], \"rightKeys\": [\"code\", \"region\"]}");
   fixture_seed (store, person, people);
   fixture_seed (store, post, posts);
   fixture_seed (store, passport, passports);
   fixture_seed (store, club, clubs);
   fixture_seed (store, docrel_relation_link_model (r), links);
   s = docrel_session_new (store);
   ann90 = fixture_get (s, person, 1, NULL);
   ann85 = fixture_get (s, person, 2, NULL);
   p12 = fixture_get (s, post, 12, NULL);
   fixture_assert_related (ann90, "posts", NULL, NULL, "[10, 11]");
   fixture_assert_related (ann85, "posts", NULL, NULL, "[12]");
   fixture_assert_related (ann90, "passport", NULL, NULL, "[]");
   fixture_assert_related (ann85, "passport", NULL, NULL, "[20]");
   fixture_assert_related (p12, "author", NULL, NULL, "[2]");
   assert_related_set (ann90, "clubs", NULL, NULL, "[30, 31]");
   fixture_assert_related (ann85, "clubs", NULL, NULL, "[31]");
   fixture_assert_related (ann90, "clubs", NULL, "{\"sort\": {\"region\": -1}}", "[31, 30]");
   fixture_assert_related (ann90, "clubs", "{\"region\": \"north\"}", "{\"batchSize\": 1}", "[30]");
   docrel_session_destroy (s);
   fixture_store_close (store);
}
END_TEST

START_TEST (a_symmetric_relation_reads_its_links_both_ways)
{
   static const char *const humans[] = {"{\"_id\": 1}", "{\"_id\": 2}", "{\"_id\": 3}", "{\"_id\": 4}", NULL};
   static const char *const links[] = {"{\"Human__id\": 1, \"Human__id_2\": 2}",
                                       "{\"Human__id\": 3, \"Human__id_2\": 1}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *human = fixture_keyed_model (store, "Human");
   docrel_relation_t *r = fixture_declare (docrel_model_has_and_belongs_to_many, human, human, "friends", "_id", "_id",
                                           "{\"symmetric\": true}");
   docrel_session_t *s;

   fixture_seed (store, human, humans);
   fixture_seed (store, docrel_relation_link_model (r), links);
   s = docrel_session_new (store);
   assert_related_set (fixture_get (s, human, 1, NULL), "friends", NULL, NULL, "[2, 3]");
   fixture_assert_related (fixture_get (s, human, 1, NULL), "friends", NULL, "{\"sort\": {\"_id\": -1}}", "[3, 2]");
   fixture_assert_related (fixture_get (s, human, 2, NULL), "friends", NULL, NULL, "[1]");
   fixture_assert_related (fixture_get (s, human, 3, NULL), "friends", NULL, "{\"batchSize\": 1}", "[1]");
   fixture_assert_related (fixture_get (s, human, 4, NULL), "friends", NULL, NULL, "[]");
   docrel_session_destroy (s);
   fixture_store_close (store);
}
END_TEST

static Suite *
find_related_suite (void)
{
   Suite *s = suite_create ("find_related");
   TCase *tc;

   tc = tcase_create ("kinds");
   tcase_add_test (tc, has_many_yields_the_children_matching_the_filter);
   tcase_add_test (tc, has_many_takes_sort_skip_limit_and_projection);
   tcase_add_test (tc, has_one_and_belongs_to_yield_zero_or_one_document);
   tcase_add_test (tc, has_and_belongs_to_many_reads_through_the_links);
   tcase_add_test (tc, linked_documents_join_the_identity_map_and_may_be_kept);
   tcase_add_test (tc, the_related_option_narrows_a_relation_cursor);
   tcase_add_test (tc, composite_keys_relate_by_every_key_field);
   tcase_add_test (tc, a_symmetric_relation_reads_its_links_both_ways);
   suite_add_tcase (s, tc);

   tc = tcase_create ("batches");
   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, a_join_tree_is_joined_for_each_batch);
   tcase_add_test (tc, each_batch_reads_its_links_then_their_far_documents);
   suite_add_tcase (s, tc);

   tc = tcase_create ("errors");
   tcase_add_test (tc, an_empty_relation_yields_nothing);
   tcase_add_test (tc, an_unsaved_parent_or_an_unknown_field_is_refused);
   suite_add_tcase (s, tc);

   return s;
}

int
main (void)
{
   return fixture_run (find_related_suite ());
}
