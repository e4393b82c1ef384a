/* SPDX-License-Identifier: Apache-2.0 */
/* check_find_related_links.c: docrel_find_related over a hasAndBelongsToMany
 * relation of many links: 1,200 links read 100 at a time (the commands of
 * each batch, the session's size and the bytes held asserted, also with a
 * join tree per batch and skip / limit across batches), a sort through
 * them (one link query, one find) and one through more than 10,000 links,
 * which is refused. The other cases are check_find_related.c. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "heap.h"

/* Post hasAndBelongsToMany Tag (tags), Tag hasAndBelongsToMany Post
 * (posts); posts 10 and 12. */
typedef struct {
   docrel_store_t *store;
   docrel_model_t *post, *tag, *link;
   docrel_session_t *session;
} blog_t;

static void
blog_open (blog_t *b)
{
   static const char *const posts[] = {"{\"_id\": 10}", "{\"_id\": 12}", NULL};
   docrel_relation_t *r;

   memset (b, 0, sizeof *b);
   b->store = fixture_store_open ();
   b->post = fixture_keyed_model (b->store, "Post");
   b->tag = fixture_keyed_model (b->store, "Tag");
   r = fixture_declare (docrel_model_has_and_belongs_to_many, b->post, b->tag, "tags", "_id", "_id", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, b->tag, b->post, "posts", "_id", "_id", NULL);
   b->link = docrel_relation_link_model (r);
   fixture_seed (b->store, b->post, posts);
   b->session = docrel_session_new (b->store);
}

static void
blog_close (blog_t *b)
{
   docrel_session_destroy (b->session);
   fixture_store_close (b->store);
}

#define N_LINKS 1200

/* Post 12 linked to tags 1000 .. 1000 + N_LINKS - 1 ({"seq": i}), tags and
 * links inserted in seq order. */
static void
many_links (blog_t *b)
{
   docrel_session_t *s = docrel_session_new (b->store);
   docrel_doc_t **docs = bson_malloc (2 * N_LINKS * sizeof *docs);
   bson_error_t error;
   int i;

   for (i = 0; i < N_LINKS; i++) {
      char json[160];
      snprintf (json, sizeof json,
                "{\"_id\": %d, \"seq\": %d, \"pad\": \"the quick brown fox jumps over the lazy dog\"}", 1000 + i, i);
      docs[i] = fixture_new_doc (s, b->tag, json);
      snprintf (json, sizeof json, "{\"Post__id\": 12, \"Tag__id\": %d}", 1000 + i);
      docs[N_LINKS + i] = fixture_new_doc (s, b->link, json);
   }
   ASSERT_OK (docrel_save_all_many (docs, 2 * N_LINKS, NULL, NULL, NULL, &error), error);
   bson_free (docs);
   docrel_session_destroy (s);
}

START_TEST (many_links_are_read_batch_by_batch_in_bounded_memory)
{
   blog_t b;
   docrel_doc_t *post, *doc;
   docrel_cursor_t *cursor;
   docrel_store_stats_t stats;
   uint64_t last, now;
   size_t base;
   int n = 0;
   int32_t seq;

   blog_open (&b);
   many_links (&b);
   post = fixture_get (b.session, b.post, 12, NULL);
   base = docrel_session_size (b.session);
   docrel_store_stats_reset (b.store);
   cursor = fixture_find_related (post, "tags", "{\"seq\": {\"$exists\": true}}", "{\"batchSize\": 100}");
   last = fixture_commands (b.store);
   while (docrel_cursor_next (cursor, &doc)) {
      now = fixture_commands (b.store);
      /* a batch costs the far query and, on MongoDB, the links' getMore */
      if (n % 100 == 0) {
         ck_assert_msg (now - last >= 1 && now - last <= 2, "batch at %d: %d commands", n, (int) (now - last));
      } else {
         ck_assert_msg (now == last, "document %d sent %d commands", n, (int) (now - last));
      }
      last = now;
      ck_assert (docrel_doc_get_int32 (doc, "seq", &seq));
      ck_assert_int_eq (seq, n); /* links in their order, one far query each batch */
      ck_assert_uint_le (docrel_session_size (b.session), base + 1);
      n++;
   }
   ck_assert (!docrel_cursor_error (cursor, NULL));
   docrel_cursor_destroy (cursor);
   ck_assert_int_eq (n, N_LINKS);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.documents_read, 2 * N_LINKS);
   ck_assert_uint_le (stats.commands, 2 * (N_LINKS / 100) + 2);
   ck_assert_uint_eq (docrel_session_size (b.session), base);
   blog_close (&b);
}
END_TEST

START_TEST (many_links_joined_per_batch_keep_the_session_bounded)
{
   blog_t b;
   docrel_doc_t *post, *doc;
   docrel_cursor_t *cursor;
   size_t base, peak = 0;
   int n = 0;
   int32_t seq;

   blog_open (&b);
   many_links (&b);
   post = fixture_get (b.session, b.post, 12, NULL);
   base = docrel_session_size (b.session);
   cursor = fixture_find_related (post, "tags", NULL,
                                  "{\"batchSize\": 100, \"skip\": 150, \"limit\": 920, \"join\": {\"posts\": true}}");
   while (docrel_cursor_next (cursor, &doc)) {
      size_t size = docrel_session_size (b.session);
      peak = size > peak ? size : peak;
      ck_assert (docrel_doc_get_int32 (doc, "seq", &seq));
      ck_assert_int_eq (seq, 150 + n);
      ck_assert_uint_eq (fixture_slot_size (doc, "posts"), 1);
      ck_assert_ptr_eq (docrel_doc_related_one (doc, "posts"), post);
      n++;
   }
   ck_assert (!docrel_cursor_error (cursor, NULL));
   docrel_cursor_destroy (cursor);
   ck_assert_int_eq (n, 920);
   /* a batch: 100 tags and the 100 links the join read (their post is
    * post 12, held already) */
   ck_assert_uint_le (peak, base + 200);
   ck_assert_uint_eq (docrel_session_size (b.session), base);
   blog_close (&b);
}
END_TEST

/* Iterates the tags of post (batchSize 100) to their end and frees the
 * cursor; returns how many. */
static int
stream_tags (docrel_doc_t *post)
{
   docrel_cursor_t *cursor = fixture_find_related (post, "tags", NULL, "{\"batchSize\": 100}");
   docrel_doc_t *doc;
   int n = 0;

   while (docrel_cursor_next (cursor, &doc)) {
      n++;
   }
   ck_assert (!docrel_cursor_error (cursor, NULL));
   docrel_cursor_destroy (cursor);
   return n;
}

START_TEST (streaming_many_links_holds_a_fraction_of_the_memory_of_loading_them)
{
   blog_t b;
   docrel_doc_t *post;
   bson_error_t error;
   long long base, streamed, loaded;

   blog_open (&b);
   many_links (&b);
   post = fixture_get (b.session, b.post, 12, NULL);
   ck_assert_int_eq (stream_tags (post), N_LINKS); /* warm: caches, statements */
   heap_hook_set ();
   base = heap_peak_restart ();
   ck_assert_int_eq (stream_tags (post), N_LINKS);
   streamed = heap_peak_bytes () - base;
   base = heap_peak_restart ();
   ASSERT_OK (docrel_load (post, "tags", NULL, &error), error);
   loaded = heap_peak_bytes () - base;
   heap_hook_restore ();
   ck_assert_uint_eq (fixture_slot_size (post, "tags"), N_LINKS);
   ck_assert_msg (streamed * 4 < loaded, "streaming held up to %lld bytes, loading the slot %lld", streamed, loaded);
   blog_close (&b);
}
END_TEST

START_TEST (many_links_sorted_take_one_link_query_and_one_find)
{
   blog_t b;
   docrel_doc_t *post;
   uint64_t before;

   blog_open (&b);
   many_links (&b);
   post = fixture_get (b.session, b.post, 12, NULL);
   before = fixture_commands (b.store);
   fixture_assert_related (post, "tags", "{\"seq\": {\"$lt\": 300}}", "{\"sort\": {\"seq\": -1}, \"limit\": 3}",
                           "[1299, 1298, 1297]");
   ck_assert_uint_eq (fixture_commands (b.store) - before, 2);
   before = fixture_commands (b.store);
   fixture_assert_related (post, "tags", NULL, "{\"sort\": {\"seq\": -1}, \"skip\": 1198}", "[1001, 1000]");
   ck_assert_uint_le (fixture_commands (b.store) - before, fixture_on_sqlite (b.store) ? 2 : 3);
   blog_close (&b);
}
END_TEST

START_TEST (a_sort_through_more_than_ten_thousand_links_is_refused)
{
   blog_t b;
   docrel_session_t *s;
   docrel_doc_t **links, *post, *doc;
   docrel_cursor_t *cursor;
   docrel_store_stats_t stats;
   bson_error_t error;
   bson_t *opts;
   int i, n = 0;

   blog_open (&b);
   /* links only: 10,001 keys of tags that do not exist */
   s = docrel_session_new (b.store);
   links = bson_malloc (10001 * sizeof *links);
   for (i = 0; i < 10001; i++) {
      char json[64];
      snprintf (json, sizeof json, "{\"Post__id\": 12, \"Tag__id\": %d}", 5000 + i);
      links[i] = fixture_new_doc (s, b.link, json);
   }
   ASSERT_OK (docrel_save_all_many (links, 10001, NULL, NULL, NULL, &error), error);
   bson_free (links);
   docrel_session_destroy (s);
   post = fixture_get (b.session, b.post, 12, NULL);
   opts = fixture_json ("{\"sort\": {\"label\": 1}}");
   ck_assert_ptr_null (docrel_find_related (post, "tags", NULL, opts, &error));
   bson_destroy (opts);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
   ASSERT_MENTIONS (error, "'tags'");
   ASSERT_MENTIONS (error, "10000 links");
   /* without a sort, the links stream: none of them finds a tag */
   docrel_store_stats_reset (b.store);
   cursor = fixture_find_related (post, "tags", NULL, "{\"batchSize\": 1000}");
   while (docrel_cursor_next (cursor, &doc)) {
      n++;
   }
   ck_assert (!docrel_cursor_error (cursor, NULL));
   docrel_cursor_destroy (cursor);
   ck_assert_int_eq (n, 0);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.documents_read, 10001);
   ck_assert_uint_le (stats.commands, 2 * 11 + 2);
   blog_close (&b);
}
END_TEST

static Suite *
find_related_links_suite (void)
{
   Suite *s = suite_create ("find_related_links");
   TCase *tc = tcase_create ("many_links");

   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, many_links_are_read_batch_by_batch_in_bounded_memory);
   tcase_add_test (tc, many_links_joined_per_batch_keep_the_session_bounded);
   tcase_add_test (tc, streaming_many_links_holds_a_fraction_of_the_memory_of_loading_them);
   tcase_add_test (tc, many_links_sorted_take_one_link_query_and_one_find);
   tcase_add_test (tc, a_sort_through_more_than_ten_thousand_links_is_refused);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (find_related_links_suite ());
}
