/* SPDX-License-Identifier: Apache-2.0 */
/* docrel_write.c: the writing operations on docrel: save_all of the whole
 * blog graph and delete_all of every 10th author with their posts, comments
 * and tag links.
 *
 * save_all times two phases: building the documents (with their integer
 * keys) and their slots in memory (build_seconds), then writing them with
 * docrel_save_all_many. */
#include <string.h>

#include "docrel_bench.h"

typedef struct {
   docrel_session_t *s;
   docrel_doc_t **authors, **posts, **comments, **tags; /* [key - 1] */
} graph_t;

static docrel_doc_t *
new_doc (docrel_session_t *s, docrel_model_t *m, bson_t *fields)
{
   bson_error_t error;
   docrel_doc_t *doc = docrel_doc_new_from_bson (s, m, fields, &error);

   if (!doc) {
      bench_die ("new document", error.message);
   }
   bson_reinit (fields);
   return doc;
}

/* The documents alone, with their keys, without slots. */
static void
build_docs (dbench_t *b, graph_t *g)
{
   const bench_workload_t *w = &b->w;
   char buf[128];
   bson_t f;

   g->s = docrel_session_new (b->store);
   g->authors = bson_malloc (w->authors * sizeof (docrel_doc_t *));
   g->posts = bson_malloc (w->posts * sizeof (docrel_doc_t *));
   g->comments = bson_malloc (w->comments * sizeof (docrel_doc_t *));
   g->tags = bson_malloc (w->tags * sizeof (docrel_doc_t *));
   bson_init (&f);
   for (int64_t t = 1; t <= (int64_t) w->tags; t++) {
      BSON_APPEND_INT64 (&f, "_id", t);
      BSON_APPEND_UTF8 (&f, "name", bench_tag_name (t, buf, sizeof buf));
      g->tags[t - 1] = new_doc (g->s, b->tag, &f);
   }
   for (int64_t a = 1; a <= (int64_t) w->authors; a++) {
      BSON_APPEND_INT64 (&f, "_id", a);
      BSON_APPEND_UTF8 (&f, "name", bench_author_name (a, buf, sizeof buf));
      g->authors[a - 1] = new_doc (g->s, b->author, &f);
   }
   for (int64_t k = 1; k <= (int64_t) w->posts; k++) {
      BSON_APPEND_INT64 (&f, "_id", k);
      BSON_APPEND_UTF8 (&f, "title", bench_post_title (k, buf, sizeof buf));
      BSON_APPEND_UTF8 (&f, "body", bench_post_body (k, buf, sizeof buf));
      g->posts[k - 1] = new_doc (g->s, b->post, &f);
   }
   for (int64_t c = 1; c <= (int64_t) w->comments; c++) {
      BSON_APPEND_INT64 (&f, "_id", c);
      BSON_APPEND_UTF8 (&f, "body",
                        bench_comment_body ((int) ((c - 1) % BENCH_COMMENTS_PER_POST) + 1, bench_comment_post (c), buf,
                                            sizeof buf));
      g->comments[c - 1] = new_doc (g->s, b->comment, &f);
   }
   bson_destroy (&f);
}

static void
graph_free (graph_t *g)
{
   bson_free (g->authors);
   bson_free (g->posts);
   bson_free (g->comments);
   bson_free (g->tags);
   docrel_session_destroy (g->s);
}

/* Fills the slots: author.posts, post.comments, post.tags; save_all sets
 * the foreign keys (authorId, postId) and writes the links from them. */
static void
build_slots (dbench_t *b, graph_t *g)
{
   const bench_workload_t *w = &b->w;
   bson_error_t error;

   for (int64_t k = 1; k <= (int64_t) w->posts; k++) {
      docrel_doc_t *tags[BENCH_TAGS_PER_POST];

      for (int j = 0; j < BENCH_TAGS_PER_POST; j++) {
         tags[j] = g->tags[bench_post_tag (k, j) - 1];
      }
      if (!docrel_doc_add_related (g->authors[bench_post_author (k) - 1], "posts", g->posts[k - 1], &error) ||
          !docrel_doc_set_related (g->posts[k - 1], "comments", &g->comments[(k - 1) * BENCH_COMMENTS_PER_POST],
                                   BENCH_COMMENTS_PER_POST, &error) ||
          !docrel_doc_set_related (g->posts[k - 1], "tags", tags, BENCH_TAGS_PER_POST, &error)) {
         bench_die ("slots", error.message);
      }
   }
}

void
dbench_save_all (dbench_t *b, bench_result_t *r)
{
   bson_error_t error;
   graph_t g;
   double t1;
   bench_section_t section;

   docrel_store_stats_reset (b->store);
   bench_section_begin (r, &section);
   build_docs (b, &g);
   build_slots (b, &g);
   t1 = bench_now ();
   if (!docrel_save_all_many (g.authors, b->w.authors, b->tree, NULL, NULL, &error)) {
      bench_die ("save_all", error.message);
   }
   /* one insert per model (tags, authors, posts, comments), one per link collection */
   r->commands_expected = 5;
   graph_free (&g);
   bench_section_end (r, &section, 1);
   r->build_seconds = t1 - section.t0;
   r->commands = dbench_commands (b);
   r->docs = b->w.authors + b->w.posts + b->w.comments + b->w.tags + b->w.links;
}

/* {"_id": {"$in": [10, 20, ..., N]}} */
static bson_t *
deleted_filter (const bench_workload_t *w)
{
   bson_t *filter = bson_new ();
   bson_t in, list;
   char idx[16];
   const char *key;

   BSON_APPEND_DOCUMENT_BEGIN (filter, "_id", &in);
   BSON_APPEND_ARRAY_BEGIN (&in, "$in", &list);
   for (uint32_t i = 0; i < w->deleted; i++) {
      bson_uint32_to_string (i, &key, idx, sizeof idx);
      BSON_APPEND_INT64 (&list, key, bench_deleted_author (i));
   }
   bson_append_array_end (&in, &list);
   bson_append_document_end (filter, &in);
   return filter;
}

static uint64_t
count_loaded (docrel_doc_t **docs, size_t n)
{
   uint64_t count = 0;

   for (size_t i = 0; i < n; i++) {
      docrel_doc_t *const *posts;
      size_t n_posts;

      count += 1;
      if (docrel_doc_related (docs[i], "posts", &posts, &n_posts)) {
         for (size_t p = 0; p < n_posts; p++) {
            docrel_doc_t *const *comments;
            size_t n_comments = 0;

            docrel_doc_related (posts[p], "comments", &comments, &n_comments);
            count += 1 + n_comments;
         }
      }
   }
   return count;
}

/* The authors loaded with {"posts": {"comments": true}} and one
 * docrel_delete_all_many over them, cascading along that tree (the posts'
 * tag links go with the posts). */
void
dbench_delete_all (dbench_t *b, bench_result_t *r)
{
   bson_error_t error;
   bson_t *filter = deleted_filter (&b->w);
   bson_t *tree = BCON_NEW ("posts", "{", "comments", BCON_BOOL (true), "}");
   bson_t *opts = BCON_NEW ("join", BCON_DOCUMENT (tree));
   docrel_session_t *s;
   docrel_doc_t **docs;
   size_t n;
   bench_section_t section;

   docrel_store_stats_reset (b->store);
   bench_section_begin (r, &section);
   s = docrel_session_new (b->store);
   if (!docrel_find_all (s, b->author, filter, opts, &docs, &n, &error)) {
      bench_die ("delete_all: load", error.message);
   }
   r->docs = count_loaded (docs, n);
   if (!docrel_delete_all_many (docs, n, tree, &error)) {
      bench_die ("delete_all", error.message);
   }
   bson_free (docs);
   docrel_session_destroy (s);
   bench_section_end (r, &section, 1);
   r->commands = dbench_commands (b);
   /* the load (authors, posts, comments), then one delete_all_many:
    * comments, the posts' links, posts, authors (4 deletes) and the
    * onDelete setNull updates of Author.posts and Post.comments (2) */
   r->commands_expected = 1 + dbench_chunks (b->w.deleted) + dbench_chunks (b->w.deleted * BENCH_POSTS_PER_AUTHOR) + 6;
   bson_destroy (filter);
   bson_destroy (opts);
   bson_destroy (tree);
}
