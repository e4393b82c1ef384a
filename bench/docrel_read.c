/* SPDX-License-Identifier: Apache-2.0 */
/* docrel_read.c: the reading operations on docrel: get_join of every
 * author, docrel_get of the standard workload's authors, a streaming cursor
 * over posts.
 *
 * Each counts the documents it placed in the tree by walking the slots, so
 * the count checks the result as well as sizing it. */
#include <string.h>

#include "docrel_bench.h"

static size_t
slot_size (const docrel_doc_t *doc, const char *field)
{
   docrel_doc_t *const *docs;
   size_t n;

   return docrel_doc_related (doc, field, &docs, &n) ? n : 0;
}

uint64_t
dbench_count_author_tree (const docrel_doc_t *author)
{
   docrel_doc_t *const *posts;
   size_t n;
   uint64_t count = 1;

   if (docrel_doc_related (author, "posts", &posts, &n)) {
      for (size_t i = 0; i < n; i++) {
         count += 1 + slot_size (posts[i], "comments") + slot_size (posts[i], "tags");
      }
   }
   return count;
}

/* Queries one level of the tree costs for n parent keys: the $in chunks. */
static int64_t
predicted_tree_commands (const bench_workload_t *w, size_t authors)
{
   size_t posts = authors * BENCH_POSTS_PER_AUTHOR;
   size_t tags = posts * BENCH_TAGS_PER_POST < w->tags ? posts * BENCH_TAGS_PER_POST : w->tags;

   /* posts by author keys; comments, then links, by post keys; tags by the
    * distinct tag keys of the links */
   return dbench_chunks (authors) + 2 * dbench_chunks (posts) + dbench_chunks (tags);
}

void
dbench_get_join (dbench_t *b, bench_result_t *r)
{
   bson_error_t error;
   bson_t *opts = BCON_NEW ("join", BCON_DOCUMENT (b->tree));
   docrel_session_t *s;
   docrel_doc_t **docs;
   size_t n;
   bench_section_t section;

   docrel_store_stats_reset (b->store);
   bench_section_begin (r, &section);
   s = docrel_session_new (b->store);
   if (!docrel_find_all (s, b->author, NULL, opts, &docs, &n, &error)) {
      bench_die ("get_join", error.message);
   }
   for (size_t i = 0; i < n; i++) {
      r->docs += dbench_count_author_tree (docs[i]);
   }
   bson_free (docs);
   docrel_session_destroy (s);
   bench_section_end (r, &section, 1);
   r->commands = dbench_commands (b);
   r->commands_expected = 1 + predicted_tree_commands (&b->w, b->w.authors);
   bson_destroy (opts);
}

/* One session per read, as a request handler would: nothing is answered
 * from an earlier read's identity map. */
void
dbench_get (dbench_t *b, bench_result_t *r)
{
   bson_error_t error;
   bench_section_t section;

   docrel_store_stats_reset (b->store);
   bench_section_begin (r, &section);
   for (int i = 0; i < b->gets; i++) {
      docrel_session_t *s = docrel_session_new (b->store);
      bson_value_t key = dbench_key (bench_get_author (&b->w, i));
      docrel_doc_t *author;

      if (!docrel_get (s, b->author, &key, b->tree, &author, &error)) {
         bench_die ("get", error.message);
      }
      r->docs += dbench_count_author_tree (author);
      docrel_session_destroy (s);
   }
   bench_section_end (r, &section, (uint64_t) b->gets);
   r->commands = dbench_commands (b);
   /* per read: the author by key, then the tree as for one root */
   r->commands_expected = (int64_t) b->gets * (1 + predicted_tree_commands (&b->w, 1));
}

void
dbench_cursor (dbench_t *b, bench_result_t *r)
{
   bson_error_t error;
   bson_t *opts = BCON_NEW ("join", "{", "author", BCON_BOOL (true), "}", "batchSize", BCON_INT32 (BENCH_CURSOR_BATCH));
   docrel_session_t *s;
   docrel_cursor_t *cursor;
   docrel_doc_t *post;
   int64_t batches;
   bench_section_t section;

   docrel_store_stats_reset (b->store);
   bench_section_begin (r, &section);
   s = docrel_session_new (b->store);
   cursor = docrel_find (s, b->post, NULL, opts, &error);
   if (!cursor) {
      bench_die ("cursor", error.message);
   }
   while (docrel_cursor_next (cursor, &post)) {
      r->docs += 1 + (docrel_doc_related_one (post, "author") != NULL);
   }
   if (docrel_cursor_error (cursor, &error)) {
      bench_die ("cursor", error.message);
   }
   docrel_cursor_destroy (cursor);
   docrel_session_destroy (s);
   bench_section_end (r, &section, 1);
   r->commands = dbench_commands (b);
   /* one author query per batch, and the posts query: one statement on
    * SQLite, a find and a getMore per batch on MongoDB */
   batches = (int64_t) ((b->w.posts + BENCH_CURSOR_BATCH - 1) / BENCH_CURSOR_BATCH);
   r->commands_expected = batches + (strcmp (r->store, "mongodb") == 0 ? batches : 1);
   bson_destroy (opts);
}
