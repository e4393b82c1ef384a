/* SPDX-License-Identifier: Apache-2.0 */
/* floor_read.c: the floor's reads: the join tree loaded level by level
 * with IN-batched prepared statements, as docrel does it, into a graph of
 * nodes (fgraph.c). */
#include <string.h>

#include "floor.h"

typedef void (*row_fn) (sqlite3_stmt *stmt, fgraph_t *g, fkeys_t *out);

/* Runs query over keys, FLOOR_CHUNK at a time, calling fn per row. */
static void
run_in (floor_t *f, int query, const fkeys_t *keys, row_fn fn, fgraph_t *g, fkeys_t *out)
{
   for (size_t done = 0; done < keys->n; done += FLOOR_CHUNK) {
      size_t count = keys->n - done < FLOOR_CHUNK ? keys->n - done : FLOOR_CHUNK;
      sqlite3_stmt *stmt = floor_in_stmt (f, query, count);
      int rc;

      floor_bind_keys (stmt, keys->keys + done * FLOOR_KEY, count);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
         fn (stmt, g, out);
      }
      if (rc != SQLITE_DONE) {
         bench_die ("floor query", sqlite3_errmsg (f->db));
      }
      sqlite3_reset (stmt);
   }
}

/* Columns id, doc: a root or a tag. */
static void
row_node (sqlite3_stmt *stmt, fgraph_t *g, fkeys_t *out)
{
   fgraph_add (g, sqlite3_column_blob (stmt, 0), sqlite3_column_blob (stmt, 1),
               (size_t) sqlite3_column_bytes (stmt, 1));
   if (out) {
      fkeys_push (out, sqlite3_column_blob (stmt, 0));
   }
}

/* Columns id, parent key, doc: a post or a comment, linked to its parent
 * (the kind before, list 0); its key goes to out for the next level. */
static void
row_child (sqlite3_stmt *stmt, fgraph_t *g, fkeys_t *out)
{
   fnode_t *node = fgraph_add (g, sqlite3_column_blob (stmt, 0), sqlite3_column_blob (stmt, 2),
                               (size_t) sqlite3_column_bytes (stmt, 2));

   fnode_link (fgraph_find (g, g->adding - 1, sqlite3_column_blob (stmt, 1)), 0, node);
   if (out) {
      fkeys_push (out, node->key);
   }
}

/* Columns post key, tag key: pairs kept in out, two keys each. */
static void
row_link (sqlite3_stmt *stmt, fgraph_t *g, fkeys_t *out)
{
   (void) g;
   fkeys_push (out, sqlite3_column_blob (stmt, 0));
   fkeys_push (out, sqlite3_column_blob (stmt, 1));
}

/* Loads {"posts": {"comments": true, "tags": true}} below the authors
 * whose keys are given (their nodes are in g already). */
static void
load_tree (floor_t *f, fgraph_t *g, const fkeys_t *authors)
{
   fkeys_t posts = {0}, pairs = {0}, tags = {0};

   g->adding = FK_POST;
   run_in (f, FQ_POSTS_BY_AUTHOR, authors, row_child, g, &posts);
   g->adding = FK_COMMENT;
   run_in (f, FQ_COMMENTS_BY_POST, &posts, row_child, g, NULL);
   run_in (f, FQ_LINKS_BY_POST, &posts, row_link, g, &pairs);
   for (size_t i = 0; i < pairs.n; i += 2) {
      fkeys_push (&tags, pairs.keys + (i + 1) * FLOOR_KEY);
   }
   fkeys_unique (&tags);
   g->adding = FK_TAG;
   run_in (f, FQ_TAGS_BY_ID, &tags, row_node, g, NULL);
   for (size_t i = 0; i < pairs.n; i += 2) {
      fnode_link (fgraph_find (g, FK_POST, pairs.keys + i * FLOOR_KEY), 1,
                  fgraph_find (g, FK_TAG, pairs.keys + (i + 1) * FLOOR_KEY));
   }
   bson_free (posts.keys);
   bson_free (pairs.keys);
   bson_free (tags.keys);
}

/* Documents in an author's tree, counted as docrel_read.c counts them. */
static uint64_t
count_tree (const fnode_t *author)
{
   uint64_t count = 1;

   for (size_t i = 0; i < author->n_kids[0]; i++) {
      count += 1 + author->kids[0][i]->n_kids[0] + author->kids[0][i]->n_kids[1];
   }
   return count;
}

void
floor_get_join (floor_t *f, bench_result_t *r)
{
   sqlite3_stmt *all = floor_prepare (f, "SELECT id, doc FROM Author");
   fgraph_t g;
   fkeys_t authors = {0};
   bench_section_t section;

   bench_section_begin (r, &section);
   fgraph_init (&g);
   while (sqlite3_step (all) == SQLITE_ROW) {
      row_node (all, &g, &authors);
   }
   load_tree (f, &g, &authors);
   for (size_t i = 0; i < authors.n; i++) {
      r->docs += count_tree (fgraph_find (&g, FK_AUTHOR, authors.keys + i * FLOOR_KEY));
   }
   fgraph_destroy (&g);
   bson_free (authors.keys);
   bench_section_end (r, &section, 1);
   sqlite3_finalize (all);
}

void
floor_get (floor_t *f, bench_result_t *r)
{
   bench_section_t section;

   bench_section_begin (r, &section);
   for (int i = 0; i < f->gets; i++) {
      uint8_t key[FLOOR_KEY];
      fkeys_t one = {key, 1, 1};
      fkeys_t found = {0};
      fgraph_t g;

      fkey_int (bench_get_author (&f->w, i), key);
      fgraph_init (&g);
      run_in (f, FQ_AUTHORS_BY_ID, &one, row_node, &g, &found);
      if (found.n != 1) {
         bench_die ("floor get", "author not found");
      }
      load_tree (f, &g, &found);
      r->docs += count_tree (fgraph_find (&g, FK_AUTHOR, found.keys));
      fgraph_destroy (&g);
      bson_free (found.keys);
   }
   bench_section_end (r, &section, (uint64_t) f->gets);
}

/* Joins one batch of posts to their authors, counts and frees it. */
static void
cursor_batch (floor_t *f, fgraph_t *g, fkeys_t *posts, fkeys_t *parents, bench_result_t *r)
{
   fkeys_t authors = *parents;

   fkeys_unique (&authors);
   g->adding = FK_AUTHOR;
   run_in (f, FQ_AUTHORS_BY_ID, &authors, row_node, g, NULL);
   for (size_t i = 0; i < posts->n; i++) {
      fnode_t *post = fgraph_find (g, FK_POST, posts->keys + i * FLOOR_KEY);

      fnode_link (post, 0, fgraph_find (g, FK_AUTHOR, parents->keys + i * FLOOR_KEY));
      r->docs += 1 + (post->kids[0][0] != NULL);
   }
   fgraph_destroy (g);
   posts->n = parents->n = 0;
}

/* Posts stream from one statement; every BENCH_CURSOR_BATCH of them are
 * joined to their authors and released, so memory stays at one batch. */
void
floor_cursor (floor_t *f, bench_result_t *r)
{
   sqlite3_stmt *all = floor_prepare (f, "SELECT id, author_id, doc FROM Post");
   fkeys_t posts = {0}, parents = {0};
   fgraph_t g;
   bench_section_t section;

   bench_section_begin (r, &section);
   fgraph_init (&g);
   while (sqlite3_step (all) == SQLITE_ROW) {
      g.adding = FK_POST;
      fgraph_add (&g, sqlite3_column_blob (all, 0), sqlite3_column_blob (all, 2),
                  (size_t) sqlite3_column_bytes (all, 2));
      fkeys_push (&posts, sqlite3_column_blob (all, 0));
      fkeys_push (&parents, sqlite3_column_blob (all, 1));
      if (posts.n == BENCH_CURSOR_BATCH) {
         cursor_batch (f, &g, &posts, &parents, r);
      }
   }
   if (posts.n) {
      cursor_batch (f, &g, &posts, &parents, r);
   }
   bson_free (posts.keys);
   bson_free (parents.keys);
   bench_section_end (r, &section, 1);
   sqlite3_finalize (all);
}
