/* SPDX-License-Identifier: Apache-2.0 */
/* docrel_write.c: the writing operations on docrel: save_all of the whole
 * blog graph and delete_all of 100 authors with their posts, comments and
 * tag links.
 *
 * save_all times two phases: building the documents and their slots in
 * memory (build_seconds), then writing them. While the graph calls of
 * docrel-graph.h are placeholders, save_graph_one_by_one writes the same
 * documents with docrel_save, setting the keys by hand; the result says so
 * in its note and predicts no command count. */
#include <string.h>

#include "docrel_bench.h"

typedef struct {
   docrel_session_t *s;
   docrel_doc_t **authors, **posts, **comments, **tags;
} graph_t;

static docrel_doc_t *
new_doc (docrel_session_t *s, docrel_model_t *m, const bson_t *fields)
{
   bson_error_t error;
   docrel_doc_t *doc = docrel_doc_new_from_bson (s, m, fields, &error);

   if (!doc) {
      bench_die ("new document", error.message);
   }
   return doc;
}

/* The documents alone, without keys or slots. */
static void
build_docs (dbench_t *b, graph_t *g)
{
   const bench_workload_t *w = &b->w;
   char buf[64], buf2[64];
   bson_t f;

   g->s = docrel_session_new (b->store);
   g->authors = bson_malloc (w->authors * sizeof (docrel_doc_t *));
   g->posts = bson_malloc (w->posts * sizeof (docrel_doc_t *));
   g->comments = bson_malloc (w->comments * sizeof (docrel_doc_t *));
   g->tags = bson_malloc (w->tags * sizeof (docrel_doc_t *));
   for (size_t t = 0; t < w->tags; t++) {
      bson_init (&f);
      BSON_APPEND_UTF8 (&f, "name", bench_tag_name (t, buf, sizeof buf));
      g->tags[t] = new_doc (g->s, b->tag, &f);
      bson_destroy (&f);
   }
   for (size_t a = 0; a < w->authors; a++) {
      bson_init (&f);
      BSON_APPEND_UTF8 (&f, "name", bench_author_name (a, buf, sizeof buf));
      BSON_APPEND_UTF8 (&f, "email", bench_author_email (a, buf2, sizeof buf2));
      g->authors[a] = new_doc (g->s, b->author, &f);
      bson_destroy (&f);
   }
   for (size_t p = 0; p < w->posts; p++) {
      bson_init (&f);
      BSON_APPEND_UTF8 (&f, "title", bench_post_title (p, buf, sizeof buf));
      BSON_APPEND_UTF8 (&f, "body", bench_post_body ());
      g->posts[p] = new_doc (g->s, b->post, &f);
      bson_destroy (&f);
   }
   for (size_t c = 0; c < w->comments; c++) {
      bson_init (&f);
      BSON_APPEND_UTF8 (&f, "body", bench_comment_body ());
      g->comments[c] = new_doc (g->s, b->comment, &f);
      bson_destroy (&f);
   }
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

/* False while docrel_doc_add_related is a placeholder. */
static bool
graph_api_available (graph_t *g)
{
   bson_error_t error;

   return docrel_doc_add_related (g->authors[0], "posts", g->posts[0], &error);
}

/* Fills the slots: author.posts, post.comments, post.tags. */
static void
build_slots (dbench_t *b, graph_t *g)
{
   const bench_workload_t *w = &b->w;
   bson_error_t error;

   for (size_t p = 0; p < w->posts; p++) {
      docrel_doc_t *tags[BENCH_TAGS_PER_POST];

      for (int k = 0; k < BENCH_TAGS_PER_POST; k++) {
         tags[k] = g->tags[bench_post_tag (w, p, k)];
      }
      if (!docrel_doc_add_related (g->authors[p / BENCH_POSTS_PER_AUTHOR], "posts", g->posts[p], &error) ||
          !docrel_doc_set_related (g->posts[p], "comments", &g->comments[p * BENCH_COMMENTS_PER_POST],
                                   BENCH_COMMENTS_PER_POST, &error) ||
          !docrel_doc_set_related (g->posts[p], "tags", tags, BENCH_TAGS_PER_POST, &error)) {
         bench_die ("slots", error.message);
      }
   }
}

static void
save_or_die (docrel_doc_t *doc, const char *what)
{
   bson_error_t error;

   if (!docrel_save (doc, &error)) {
      bench_die (what, error.message);
   }
}

static void
set_key_or_die (docrel_doc_t *doc, const char *field, const docrel_doc_t *target)
{
   bson_error_t error;

   if (!docrel_doc_set_value (doc, field, docrel_doc_id (target), &error)) {
      bench_die (field, error.message);
   }
}

/* The fallback while save_all is a placeholder: one docrel_save per
 * document and link, parents first, keys copied by hand. */
static void
save_graph_one_by_one (dbench_t *b, graph_t *g)
{
   const bench_workload_t *w = &b->w;
   docrel_model_t *link = docrel_relation_link_model (docrel_model_relation (b->post, "tags"));
   bson_error_t error;

   for (size_t t = 0; t < w->tags; t++) {
      save_or_die (g->tags[t], "tag");
   }
   for (size_t p = 0; p < w->posts; p++) {
      docrel_doc_t *author = g->authors[p / BENCH_POSTS_PER_AUTHOR];

      if (p % BENCH_POSTS_PER_AUTHOR == 0) {
         save_or_die (author, "author");
      }
      set_key_or_die (g->posts[p], "authorId", author);
      save_or_die (g->posts[p], "post");
      for (size_t c = p * BENCH_COMMENTS_PER_POST; c < (p + 1) * BENCH_COMMENTS_PER_POST; c++) {
         set_key_or_die (g->comments[c], "postId", g->posts[p]);
         save_or_die (g->comments[c], "comment");
      }
      for (int k = 0; k < BENCH_TAGS_PER_POST; k++) {
         docrel_doc_t *l = docrel_doc_new (g->s, link, &error);

         if (!l) {
            bench_die ("link", error.message);
         }
         set_key_or_die (l, "Post__id", g->posts[p]);
         set_key_or_die (l, "Tag__id", g->tags[bench_post_tag (w, p, k)]);
         save_or_die (l, "link");
      }
   }
}

void
dbench_save_all (dbench_t *b, bench_result_t *r)
{
   bson_error_t error;
   graph_t g;
   double t0, t1;
   bool graph_api;

   docrel_store_stats_reset (b->store);
   r->base_rss_kb = bench_peak_rss_kb ();
   t0 = bench_now ();
   build_docs (b, &g);
   graph_api = graph_api_available (&g);
   if (graph_api) {
      build_slots (b, &g);
   }
   t1 = bench_now ();
   if (graph_api) {
      if (!docrel_save_all_many (g.authors, b->w.authors, b->tree, NULL, NULL, &error)) {
         bench_die ("save_all", error.message);
      }
      /* one insert per model (tags, authors, posts, comments), one per link collection */
      r->commands_expected = 5;
   } else {
      save_graph_one_by_one (b, &g);
      r->note = "fallback: docrel_save per document (save_all not implemented yet)";
   }
   graph_free (&g);
   r->seconds = bench_now () - t0;
   r->build_seconds = t1 - t0;
   r->peak_rss_kb = bench_peak_rss_kb ();
   r->commands = dbench_commands (b);
   r->docs = b->w.authors + b->w.posts + b->w.comments + b->w.tags + b->w.links;
}

void
dbench_delete_all (dbench_t *b, bench_result_t *r)
{
   bson_error_t error;
   bson_value_t *keys = dbench_author_keys (b);
   bson_t filter, in, opts, join;
   bson_t *tree = BCON_NEW ("posts", "{", "comments", BCON_BOOL (true), "}");
   docrel_session_t *s;
   docrel_doc_t **docs;
   size_t n;
   double t0;

   bson_init (&filter);
   BSON_APPEND_DOCUMENT_BEGIN (&filter, "_id", &in);
   {
      bson_t list;
      char idx[16];
      const char *key;

      BSON_APPEND_ARRAY_BEGIN (&in, "$in", &list);
      for (uint32_t i = 0; i < BENCH_DELETED_AUTHORS; i++) {
         bson_uint32_to_string (i, &key, idx, sizeof idx);
         BSON_APPEND_VALUE (&list, key, &keys[bench_deleted_author (&b->w, i)]);
      }
      bson_append_array_end (&in, &list);
   }
   bson_append_document_end (&filter, &in);
   bson_init (&opts);
   BSON_APPEND_DOCUMENT_BEGIN (&opts, "join", &join);
   bson_concat (&join, tree);
   bson_append_document_end (&opts, &join);

   docrel_store_stats_reset (b->store);
   r->base_rss_kb = bench_peak_rss_kb ();
   t0 = bench_now ();
   s = docrel_session_new (b->store);
   if (!docrel_find_all (s, b->author, &filter, &opts, &docs, &n, &error)) {
      bench_die ("delete_all: load", error.message);
   }
   for (size_t i = 0; i < n; i++) {
      docrel_doc_t *const *posts;
      size_t n_posts;

      r->docs += 1;
      if (docrel_doc_related (docs[i], "posts", &posts, &n_posts)) {
         for (size_t p = 0; p < n_posts; p++) {
            docrel_doc_t *const *comments;
            size_t n_comments = 0;

            docrel_doc_related (posts[p], "comments", &comments, &n_comments);
            r->docs += 1 + n_comments;
         }
      }
   }
   if (!docrel_delete_all_many (docs, n, tree, &error)) {
      bench_die ("delete_all", error.message);
   }
   bson_free (docs);
   docrel_session_destroy (s);
   r->seconds = bench_now () - t0;
   r->peak_rss_kb = bench_peak_rss_kb ();
   r->commands = dbench_commands (b);
   /* the load (authors, posts, comments), then one delete_all_many for all
    * the authors: comments, the posts' links, posts, authors (4 deletes),
    * and the onDelete setNull (the default) of Author.posts and
    * Post.comments as one range update each, for dependents the tree did
    * not load (2 updates) */
   r->commands_expected = 1 + dbench_chunks (BENCH_DELETED_AUTHORS) +
                          dbench_chunks (BENCH_DELETED_AUTHORS * BENCH_POSTS_PER_AUTHOR) + 6;
   for (size_t i = 0; i < b->w.authors; i++) {
      bson_value_destroy (&keys[i]);
   }
   bson_free (keys);
   bson_destroy (&filter);
   bson_destroy (&opts);
   bson_destroy (tree);
}
