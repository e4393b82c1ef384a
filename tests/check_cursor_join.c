/* SPDX-License-Identifier: Apache-2.0 */
/* check_cursor_join.c: docrel_find with a "join" option (issue 13). A
 * joining cursor reads its roots a batch at a time and joins each batch in
 * one go: every root comes with exactly its own children (and theirs) in
 * every batch, the session holds one batch at a time (a batch's documents
 * leave it when the next is read, unless one was kept), documents the
 * session held before stay with the slots the batch filled reset, and the
 * queries are bounded by the batches, not by the documents. The plain
 * cursor is check_cursor.c. */
#include <stdio.h>

#include "fixture.h"

#define N_AUTHORS 40
#define BATCH 7
#define N_BATCHES ((N_AUTHORS + BATCH - 1) / BATCH)
#define OPTS                                                                                     \
   "{\"sort\": {\"_id\": 1}, \"batchSize\": 7, \"join\": {\"posts\": {\"$sort\": {\"_id\": 1}, " \
   "\"comments\": {\"$sort\": {\"_id\": 1}}}}}"

/* Author a (1..N_AUTHORS) has a % 4 posts, a * 10 + k; post p has p % 3
 * comments, p * 10 + j. */
typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author, *post, *comment;
} blog_t;

static int
n_posts (int author)
{
   return author % 4;
}

static int
n_comments (int post)
{
   return post % 3;
}

/* The documents the batch of roots first..last brings: roots, posts and
 * comments. */
static size_t
batch_size_of (int first, int last)
{
   size_t n = 0;

   for (int a = first; a <= last; a++) {
      n++;
      for (int k = 0; k < n_posts (a); k++) {
         n += 1 + (size_t) n_comments (a * 10 + k);
      }
   }
   return n;
}

static void
blog_open (blog_t *b)
{
   docrel_session_t *loader;
   char json[96];

   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   b->comment = fixture_keyed_model (b->store, "Comment");
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", NULL);
   fixture_declare (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId", NULL);
   loader = docrel_session_new (b->store);
   for (int a = 1; a <= N_AUTHORS; a++) {
      snprintf (json, sizeof json, "{\"_id\": %d, \"name\": \"a%d\"}", a, a);
      fixture_saved_doc (loader, b->author, json);
      for (int k = 0; k < n_posts (a); k++) {
         int p = a * 10 + k;
         snprintf (json, sizeof json, "{\"_id\": %d, \"authorId\": %d}", p, a);
         fixture_saved_doc (loader, b->post, json);
         for (int j = 0; j < n_comments (p); j++) {
            snprintf (json, sizeof json, "{\"_id\": %d, \"postId\": %d}", p * 10 + j, p);
            fixture_saved_doc (loader, b->comment, json);
         }
      }
   }
   docrel_session_destroy (loader);
   b->session = docrel_session_new (b->store);
}

static void
blog_close (blog_t *b)
{
   docrel_session_destroy (b->session);
   fixture_store_close (b->store);
}

static docrel_cursor_t *
open_joining (blog_t *b)
{
   bson_t *opts = fixture_json (OPTS);
   bson_error_t error;
   docrel_cursor_t *cursor = docrel_find (b->session, b->author, NULL, opts, &error);

   ck_assert_msg (cursor != NULL, "%s", error.message);
   bson_destroy (opts);
   return cursor;
}

/* Fails unless author holds exactly its posts, each exactly its comments,
 * in _id order. */
static void
assert_tree (const docrel_doc_t *author)
{
   int a = fixture_id_of (author);
   docrel_doc_t *const *posts, *const *comments;
   size_t n, m;

   ck_assert_msg (docrel_doc_related (author, "posts", &posts, &n), "author %d: posts not loaded", a);
   ck_assert_msg (n == (size_t) n_posts (a), "author %d: %zu posts, expected %d", a, n, n_posts (a));
   for (size_t k = 0; k < n; k++) {
      int p = a * 10 + (int) k;
      ck_assert_int_eq (fixture_id_of (posts[k]), p);
      ck_assert_msg (docrel_doc_related (posts[k], "comments", &comments, &m), "post %d: comments not loaded", p);
      ck_assert_msg (m == (size_t) n_comments (p), "post %d: %zu comments, expected %d", p, m, n_comments (p));
      for (size_t j = 0; j < m; j++) {
         ck_assert_int_eq (fixture_id_of (comments[j]), p * 10 + (int) j);
      }
   }
}

START_TEST (every_root_comes_with_its_own_tree_in_every_batch)
{
   blog_t b;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc;
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t largest = 0;
   int expected = 1;

   blog_open (&b);
   docrel_store_stats_reset (b.store);
   cursor = open_joining (&b);
   while (docrel_cursor_next (cursor, &doc)) {
      int batch_first = (expected - 1) / BATCH * BATCH + 1;
      int batch_last = batch_first + BATCH - 1 > N_AUTHORS ? N_AUTHORS : batch_first + BATCH - 1;

      ck_assert_int_eq (fixture_id_of (doc), expected);
      assert_tree (doc);
      /* one batch at a time: the previous batch has left the session */
      ck_assert_uint_le (docrel_session_size (b.session), batch_size_of (batch_first, batch_last));
      if (docrel_session_size (b.session) > largest) {
         largest = docrel_session_size (b.session);
      }
      expected++;
   }
   ck_assert (!docrel_cursor_error (cursor, &error));
   ck_assert_int_eq (expected, N_AUTHORS + 1);
   docrel_cursor_destroy (cursor);
   ck_assert_uint_eq (docrel_session_size (b.session), 0);
   ck_assert_uint_lt (largest, batch_size_of (1, N_AUTHORS) / 3);
   /* the roots' query (and its getMores) plus two joins per batch */
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_le (stats.finds, 1 + 3 * N_BATCHES);
   blog_close (&b);
}
END_TEST

START_TEST (a_document_held_before_stays_with_its_slots_reset)
{
   blog_t b;
   docrel_cursor_t *cursor;
   docrel_doc_t *held, *doc;
   docrel_doc_t *const *posts;
   size_t n;

   blog_open (&b);
   held = fixture_get (b.session, b.author, 3, NULL);
   cursor = open_joining (&b);
   while (docrel_cursor_next (cursor, &doc)) {
      if (fixture_id_of (doc) == 3) {
         ck_assert_ptr_eq (doc, held);
         assert_tree (doc);
      }
   }
   docrel_cursor_destroy (cursor);
   ck_assert_uint_eq (docrel_session_size (b.session), 1);
   ck_assert_int_eq (fixture_id_of (held), 3);
   ck_assert_msg (!docrel_doc_related (held, "posts", &posts, &n), "the batch's slot outlived the batch");
   blog_close (&b);
}
END_TEST

START_TEST (keep_holds_the_whole_batch_of_the_kept_root)
{
   blog_t b;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc, *kept = NULL;

   blog_open (&b);
   cursor = open_joining (&b);
   while (docrel_cursor_next (cursor, &doc)) {
      if (fixture_id_of (doc) == 10) {
         docrel_cursor_keep (cursor);
         kept = doc;
      }
   }
   docrel_cursor_destroy (cursor);
   /* roots 8 to 14 were one batch */
   ck_assert_uint_eq (docrel_session_size (b.session), batch_size_of (8, 14));
   ck_assert_ptr_nonnull (kept);
   ck_assert_int_eq (fixture_id_of (kept), 10);
   assert_tree (kept);
   ck_assert_ptr_eq (fixture_get (b.session, b.author, 10, NULL), kept);
   blog_close (&b);
}
END_TEST

static Suite *
cursor_join_suite (void)
{
   Suite *s = suite_create ("cursor_join");
   TCase *tc = tcase_create ("batches");

   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, every_root_comes_with_its_own_tree_in_every_batch);
   tcase_add_test (tc, a_document_held_before_stays_with_its_slots_reset);
   tcase_add_test (tc, keep_holds_the_whole_batch_of_the_kept_root);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (cursor_join_suite ());
}
