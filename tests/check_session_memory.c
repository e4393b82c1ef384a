/* SPDX-License-Identifier: Apache-2.0 */
/* check_session_memory.c: sessions reuse the memory of freed ones — a
 * request's session (one docrel_get with its tree, then destroy) hands its
 * documents, slots and identity map on to the next. Asserts what a user
 * sees: a new session starts empty, a reused document carries nothing of
 * its past (fields, state, slots), and, counted through libbson's
 * allocator hook, warm requests hold no more memory than the first ones
 * and a burst of documents is not kept after its session. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "heap.h"

/* Authors 1 (posts 10 and 11; comments 100 and 101 on 10, 110 on 11),
 * 2 (post 20, no comments) and 3 (no posts). */
typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post, *comment;
} blog_t;

#define TREE "{\"posts\": {\"comments\": true}}"
#define BODY                                                                               \
   "a body long enough that the document outgrows libbson's inline storage of 120 bytes: " \
   "lorem ipsum dolor sit amet"

static void
blog_open (blog_t *b)
{
   static const char *const authors[] = {"{\"_id\": 1, \"name\": \"one\"}", "{\"_id\": 2, \"name\": \"two\"}",
                                         "{\"_id\": 3, \"name\": \"three\"}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1, \"title\": \"p10\", \"body\": \"" BODY "\"}",
                                       "{\"_id\": 11, \"authorId\": 1, \"title\": \"p11\", \"body\": \"" BODY "\"}",
                                       "{\"_id\": 20, \"authorId\": 2, \"title\": \"p20\", \"body\": \"" BODY "\"}",
                                       NULL};
   static const char *const comments[] = {"{\"_id\": 100, \"postId\": 10, \"text\": \"c100\"}",
                                          "{\"_id\": 101, \"postId\": 10, \"text\": \"c101\"}",
                                          "{\"_id\": 110, \"postId\": 11, \"text\": \"c110\"}", NULL};

   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   b->comment = fixture_keyed_model (b->store, "Comment");
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", NULL);
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id", NULL);
   fixture_declare (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId", NULL);
   fixture_seed (b->store, b->author, authors);
   fixture_seed (b->store, b->post, posts);
   fixture_seed (b->store, b->comment, comments);
}

/* One request: a session, author id with its tree, changes to every
 * document it loaded (left unsaved), and the session freed. */
static void
request (blog_t *b, int32_t id)
{
   docrel_session_t *s = docrel_session_new (b->store);
   docrel_doc_t *author = fixture_get (s, b->author, id, TREE);
   docrel_doc_t *const *posts;
   size_t n;
   bson_error_t error;

   ASSERT_OK (docrel_doc_set_utf8 (author, "name", "changed, not saved", &error), error);
   ck_assert (docrel_doc_related (author, "posts", &posts, &n));
   for (size_t i = 0; i < n; i++) {
      ASSERT_OK (docrel_doc_set_int32 (posts[i], "extra.deep", 7, &error), error);
   }
   docrel_session_destroy (s);
}

/* Fails unless doc holds exactly the stored fields json and is clean. */
static void
assert_stored (const docrel_doc_t *doc, const char *json)
{
   bson_t *expected = fixture_json (json);
   char *actual = docrel_doc_to_json (doc, false);

   ck_assert_msg (bson_equal (docrel_doc_bson (doc), expected), "document is %s, expected %s", actual, json);
   ck_assert (docrel_doc_is_saved (doc));
   ck_assert (!docrel_doc_is_dirty (doc));
   bson_free (actual);
   bson_destroy (expected);
}

/* ---- reuse ------------------------------------------------------------ */

START_TEST (a_new_session_after_many_requests_starts_empty_and_loads_exact_trees)
{
   blog_t b;
   docrel_session_t *s;
   docrel_doc_t *author, *post;

   blog_open (&b);
   for (int i = 0; i < 50; i++) {
      request (&b, 1 + i % 2);
   }
   s = docrel_session_new (b.store);
   ck_assert_uint_eq (docrel_session_size (s), 0);
   author = fixture_get (s, b.author, 2, TREE);
   ck_assert_ptr_eq (docrel_doc_session (author), s);
   assert_stored (author, "{\"_id\": 2, \"name\": \"two\"}");
   ck_assert_uint_eq (fixture_slot_size (author, "posts"), 1);
   post = docrel_doc_related_one (author, "posts");
   assert_stored (post, "{\"_id\": 20, \"authorId\": 2, \"title\": \"p20\", \"body\": \"" BODY "\"}");
   ck_assert_uint_eq (fixture_slot_size (post, "comments"), 0);
   ck_assert (!docrel_doc_is_loaded (post, "author"));
   ck_assert_uint_eq (docrel_session_size (s), 2);
   docrel_session_destroy (s);
   fixture_store_close (b.store);
}
END_TEST

START_TEST (a_reused_document_carries_no_slots_changes_or_fields_of_its_past)
{
   blog_t b;
   docrel_session_t *s;
   docrel_doc_t *author, *fresh;
   bson_error_t error;

   blog_open (&b);
   for (int i = 0; i < 10; i++) {
      request (&b, 1);
   }
   s = docrel_session_new (b.store);
   author = fixture_get (s, b.author, 1, NULL);
   assert_stored (author, "{\"_id\": 1, \"name\": \"one\"}");
   ck_assert (!docrel_doc_is_loaded (author, "posts"));
   ck_assert (!docrel_doc_is_field_dirty (author, "name"));
   fresh = docrel_doc_new (s, b.post, &error);
   ck_assert_ptr_nonnull (fresh);
   ck_assert_uint_eq (docrel_doc_bson (fresh)->len, 5); /* {} */
   ck_assert (!docrel_doc_is_saved (fresh));
   ck_assert_ptr_null (docrel_doc_id (fresh));
   ck_assert (!docrel_doc_is_loaded (fresh, "comments"));
   ck_assert (!docrel_doc_is_loaded (fresh, "author"));
   ck_assert_uint_eq (docrel_session_size (s), 2);
   docrel_session_destroy (s);
   fixture_store_close (b.store);
}
END_TEST

START_TEST (identity_holds_within_a_session_of_reused_documents)
{
   blog_t b;
   docrel_session_t *s;
   docrel_doc_t *post, *author;

   blog_open (&b);
   for (int i = 0; i < 10; i++) {
      request (&b, 1);
   }
   s = docrel_session_new (b.store);
   post = fixture_get (s, b.post, 10, "{\"author\": true, \"comments\": true}");
   author = fixture_get (s, b.author, 1, TREE);
   ck_assert_ptr_eq (docrel_doc_related_one (post, "author"), author);
   ck_assert_uint_eq (fixture_slot_size (author, "posts"), 2);
   ck_assert_uint_eq (fixture_slot_size (post, "comments"), 2);
   /* author, posts 10 and 11, comments 100, 101 and 110: once each */
   ck_assert_uint_eq (docrel_session_size (s), 6);
   docrel_session_destroy (s);
   fixture_store_close (b.store);
}
END_TEST

/* ---- memory held -------------------------------------------------------- */

START_TEST (warm_requests_hold_no_more_memory_than_the_first_ones)
{
   blog_t b;
   long long blocks, bytes;

   blog_open (&b);
   heap_hook_set ();
   for (int i = 0; i < 20; i++) {
      request (&b, 1 + i % 3);
   }
   blocks = heap_held_blocks ();
   bytes = heap_held_bytes ();
   for (int i = 0; i < 300; i++) {
      request (&b, 1 + i % 3);
   }
   /* slack for what the store and the driver allocate on their own */
   ck_assert_msg (heap_held_blocks () - blocks <= 256, "%lld more blocks held after 300 requests",
                  heap_held_blocks () - blocks);
   ck_assert_msg (heap_held_bytes () - bytes <= 256 * 1024, "%lld more bytes held after 300 requests",
                  heap_held_bytes () - bytes);
   fixture_store_close (b.store);
   heap_hook_restore ();
}
END_TEST

START_TEST (a_burst_of_documents_is_not_kept_after_its_session)
{
   blog_t b;
   docrel_session_t *s;
   bson_error_t error;
   char text[1200];
   long long bytes;
   bson_t fields = BSON_INITIALIZER;

   blog_open (&b);
   memset (text, 'x', sizeof text - 1);
   text[sizeof text - 1] = '\0';
   BSON_APPEND_UTF8 (&fields, "text", text);
   heap_hook_set ();
   for (int i = 0; i < 20; i++) {
      request (&b, 1 + i % 3);
   }
   bytes = heap_peak_restart ();
   s = docrel_session_new (b.store);
   for (int i = 0; i < 30000; i++) {
      ck_assert (docrel_doc_new_from_bson (s, b.comment, &fields, &error));
   }
   docrel_session_destroy (s);
   ck_assert_msg (heap_peak_bytes () - bytes > 40 * 1024 * 1024, "the burst held %lld bytes",
                  heap_peak_bytes () - bytes);
   /* the caches keep a few MiB at most */
   ck_assert_msg (heap_held_bytes () - bytes <= 8 * 1024 * 1024, "%lld bytes still held after the burst",
                  heap_held_bytes () - bytes);
   request (&b, 1);
   bson_destroy (&fields);
   fixture_store_close (b.store);
   heap_hook_restore ();
}
END_TEST

static Suite *
session_memory_suite (void)
{
   Suite *s = suite_create ("session_memory");
   TCase *tc;

   tc = tcase_create ("reuse");
   tcase_add_test (tc, a_new_session_after_many_requests_starts_empty_and_loads_exact_trees);
   tcase_add_test (tc, a_reused_document_carries_no_slots_changes_or_fields_of_its_past);
   tcase_add_test (tc, identity_holds_within_a_session_of_reused_documents);
   suite_add_tcase (s, tc);

   tc = tcase_create ("memory_held");
   tcase_add_test (tc, warm_requests_hold_no_more_memory_than_the_first_ones);
   tcase_add_test (tc, a_burst_of_documents_is_not_kept_after_its_session);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (session_memory_suite ());
}
