/* SPDX-License-Identifier: Apache-2.0 */
/* mongoc_bench.c: the libmongoc baseline for the reads: the same join tree
 * over the collections docrel wrote (Author, Post, Comment, Tag and the
 * links in Post_Tag), by hand: one $in find per edge and chunk of 10,000
 * keys, as docrel's joins send, materialised into fgraph.h's graph.
 *
 *   mongoc-bench get_join|get|cursor --uri mongodb://... --scale N [--gets N]
 *
 * Run it after docrel-bench save_all on the same URI. "commands" counts
 * the commands libmongoc started (finds and getMores), through APM. */
#include <mongoc/mongoc.h>
#include <stdlib.h>
#include <string.h>

#include "fgraph.h"
#include "report.h"
#include "workload.h"

#define MONGO_CHUNK 10000

typedef struct {
   mongoc_client_t *client;
   mongoc_database_t *db;
   bench_workload_t w;
   int gets;
   int64_t commands;
} mbench_t;

static void
started (const mongoc_apm_command_started_t *event)
{
   ((mbench_t *) mongoc_apm_command_started_get_context (event))->commands++;
}

static void
key_of (const bson_t *doc, const char *field, uint8_t *key)
{
   bson_iter_t it;

   if (!bson_iter_init_find (&it, doc, field) || !BSON_ITER_HOLDS_NUMBER (&it)) {
      bench_die ("mongoc", "a document lacks its integer key");
   }
   fkey_int (bson_iter_as_int64 (&it), key);
}

/* What to do with each document a find returns. */
typedef struct {
   const char *parent_field; /* link to the parent this field names (list), or NULL */
   int list;
   int kind;       /* the nodes' kind (FK_*); the parent's is the one before */
   fkeys_t *out;   /* push the document's _id here, or NULL */
   fkeys_t *pairs; /* links: push Post__id and Tag__id instead of making a node */
} sink_t;

static void
take (fgraph_t *g, const bson_t *doc, const sink_t *sink)
{
   uint8_t key[FLOOR_KEY], parent[FLOOR_KEY];
   fnode_t *node;

   if (sink->pairs) {
      key_of (doc, "Post__id", key);
      fkeys_push (sink->pairs, key);
      key_of (doc, "Tag__id", key);
      fkeys_push (sink->pairs, key);
      return;
   }
   key_of (doc, "_id", key);
   g->adding = sink->kind;
   node = fgraph_add (g, key, bson_get_data (doc), doc->len);
   if (sink->parent_field) {
      key_of (doc, sink->parent_field, parent);
      fnode_link (fgraph_find (g, sink->kind - 1, parent), sink->list, node);
   }
   if (sink->out) {
      fkeys_push (sink->out, key);
   }
}

static void
run_find (mbench_t *m, const char *coll_name, const bson_t *filter, const bson_t *opts, fgraph_t *g, const sink_t *sink)
{
   mongoc_collection_t *coll = mongoc_database_get_collection (m->db, coll_name);
   mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (coll, filter, opts, NULL);
   const bson_t *doc;
   bson_error_t error;

   while (mongoc_cursor_next (cursor, &doc)) {
      take (g, doc, sink);
   }
   if (mongoc_cursor_error (cursor, &error)) {
      bench_die (coll_name, error.message);
   }
   mongoc_cursor_destroy (cursor);
   mongoc_collection_destroy (coll);
}

/* {field: {$in: [keys]}}, one find per chunk. */
static void
find_in (mbench_t *m,
         const char *coll,
         const char *field,
         const fkeys_t *keys,
         const bson_t *opts,
         fgraph_t *g,
         const sink_t *sink)
{
   for (size_t done = 0; done < keys->n; done += MONGO_CHUNK) {
      size_t count = keys->n - done < MONGO_CHUNK ? keys->n - done : MONGO_CHUNK;
      bson_t filter, in, list;
      char idx[16];
      const char *k;

      bson_init (&filter);
      BSON_APPEND_DOCUMENT_BEGIN (&filter, field, &in);
      BSON_APPEND_ARRAY_BEGIN (&in, "$in", &list);
      for (size_t i = 0; i < count; i++) {
         bson_uint32_to_string ((uint32_t) i, &k, idx, sizeof idx);
         BSON_APPEND_INT64 (&list, k, fkey_to_int (keys->keys + (done + i) * FLOOR_KEY));
      }
      bson_append_array_end (&in, &list);
      bson_append_document_end (&filter, &in);
      run_find (m, coll, &filter, opts, g, sink);
      bson_destroy (&filter);
   }
}

/* posts, comments, links then tags below the authors in g. */
static void
load_tree (mbench_t *m, fgraph_t *g, const fkeys_t *authors)
{
   fkeys_t posts = {0}, pairs = {0}, tags = {0};
   bson_t *link_fields = BCON_NEW ("projection", "{", "Post__id", BCON_INT32 (1), "Tag__id", BCON_INT32 (1), "}");
   sink_t post_sink = {"authorId", 0, FK_POST, &posts, NULL}, comment_sink = {"postId", 0, FK_COMMENT, NULL, NULL};
   sink_t link_sink = {NULL, 0, 0, NULL, &pairs}, tag_sink = {NULL, 0, FK_TAG, NULL, NULL};

   find_in (m, "Post", "authorId", authors, NULL, g, &post_sink);
   find_in (m, "Comment", "postId", &posts, NULL, g, &comment_sink);
   find_in (m, "Post_Tag", "Post__id", &posts, link_fields, g, &link_sink);
   for (size_t i = 0; i < pairs.n; i += 2) {
      fkeys_push (&tags, pairs.keys + (i + 1) * FLOOR_KEY);
   }
   fkeys_unique (&tags);
   find_in (m, "Tag", "_id", &tags, NULL, g, &tag_sink);
   for (size_t i = 0; i < pairs.n; i += 2) {
      fnode_link (fgraph_find (g, FK_POST, pairs.keys + i * FLOOR_KEY), 1,
                  fgraph_find (g, FK_TAG, pairs.keys + (i + 1) * FLOOR_KEY));
   }
   bson_destroy (link_fields);
   bson_free (posts.keys);
   bson_free (pairs.keys);
   bson_free (tags.keys);
}

static uint64_t
count_tree (const fnode_t *author)
{
   uint64_t count = 1;

   for (size_t i = 0; i < author->n_kids[0]; i++) {
      count += 1 + author->kids[0][i]->n_kids[0] + author->kids[0][i]->n_kids[1];
   }
   return count;
}

static void
op_get_join (mbench_t *m, bench_result_t *r)
{
   fgraph_t g;
   fkeys_t authors = {0};
   sink_t sink = {NULL, 0, FK_AUTHOR, &authors, NULL};
   bson_t all = BSON_INITIALIZER;

   fgraph_init (&g);
   run_find (m, "Author", &all, NULL, &g, &sink);
   load_tree (m, &g, &authors);
   for (size_t i = 0; i < authors.n; i++) {
      r->docs += count_tree (fgraph_find (&g, FK_AUTHOR, authors.keys + i * FLOOR_KEY));
   }
   fgraph_destroy (&g);
   bson_free (authors.keys);
}

static void
op_get (mbench_t *m, bench_result_t *r)
{
   for (int i = 0; i < m->gets; i++) {
      uint8_t key[FLOOR_KEY];
      fkeys_t one = {key, 1, 1}, found = {0};
      sink_t sink = {NULL, 0, FK_AUTHOR, &found, NULL};
      fgraph_t g;

      fkey_int (bench_get_author (&m->w, i), key);
      fgraph_init (&g);
      find_in (m, "Author", "_id", &one, NULL, &g, &sink);
      if (found.n != 1) {
         bench_die ("mongoc get", "author not found");
      }
      load_tree (m, &g, &found);
      r->docs += count_tree (fgraph_find (&g, FK_AUTHOR, found.keys));
      fgraph_destroy (&g);
      bson_free (found.keys);
   }
}

/* Posts stream with batchSize 100; each batch is joined to its authors and
 * released. */
static void
op_cursor (mbench_t *m, bench_result_t *r)
{
   mongoc_collection_t *coll = mongoc_database_get_collection (m->db, "Post");
   bson_t all = BSON_INITIALIZER;
   bson_t *opts = BCON_NEW ("batchSize", BCON_INT32 (BENCH_CURSOR_BATCH));
   mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (coll, &all, opts, NULL);
   fkeys_t posts = {0}, parents = {0};
   const bson_t *doc;
   bson_error_t error;
   fgraph_t g;
   bool more = true;

   fgraph_init (&g);
   while (more) {
      more = mongoc_cursor_next (cursor, &doc);
      if (more) {
         uint8_t key[FLOOR_KEY];

         key_of (doc, "_id", key);
         g.adding = FK_POST;
         fgraph_add (&g, key, bson_get_data (doc), doc->len);
         fkeys_push (&posts, key);
         key_of (doc, "authorId", key);
         fkeys_push (&parents, key);
      }
      if (posts.n == BENCH_CURSOR_BATCH || (!more && posts.n)) {
         fkeys_t authors = {0};
         sink_t sink = {NULL, 0, FK_AUTHOR, NULL, NULL};

         for (size_t i = 0; i < parents.n; i++) {
            fkeys_push (&authors, parents.keys + i * FLOOR_KEY);
         }
         fkeys_unique (&authors);
         find_in (m, "Author", "_id", &authors, NULL, &g, &sink);
         for (size_t i = 0; i < posts.n; i++) {
            fnode_t *author = fgraph_find (&g, FK_AUTHOR, parents.keys + i * FLOOR_KEY);

            fnode_link (fgraph_find (&g, FK_POST, posts.keys + i * FLOOR_KEY), 0, author);
            r->docs += 1 + (author != NULL);
         }
         fgraph_destroy (&g);
         bson_free (authors.keys);
         posts.n = parents.n = 0;
      }
   }
   if (mongoc_cursor_error (cursor, &error)) {
      bench_die ("mongoc cursor", error.message);
   }
   bson_free (posts.keys);
   bson_free (parents.keys);
   mongoc_cursor_destroy (cursor);
   bson_destroy (opts);
   mongoc_collection_destroy (coll);
}

int
main (int argc, char **argv)
{
   const char *uri_string = NULL;
   int scale = 1;
   mbench_t m = {0};
   bench_result_t r = {0};
   mongoc_uri_t *uri;
   mongoc_apm_callbacks_t *cbs;
   bson_error_t error;
   double t0;

   for (int i = 2; i + 1 < argc; i += 2) {
      if (strcmp (argv[i], "--uri") == 0) {
         uri_string = argv[i + 1];
      } else if (strcmp (argv[i], "--scale") == 0) {
         scale = atoi (argv[i + 1]);
      } else if (strcmp (argv[i], "--gets") == 0) {
         m.gets = atoi (argv[i + 1]);
      }
   }
   if (argc < 2 || !uri_string || scale < 1 ||
       (strcmp (argv[1], "get_join") != 0 && strcmp (argv[1], "get") != 0 && strcmp (argv[1], "cursor") != 0)) {
      fprintf (stderr, "usage: mongoc-bench get_join|get|cursor --uri URI [--scale N] [--gets N]\n");
      return 2;
   }
   mongoc_init ();
   uri = mongoc_uri_new_with_error (uri_string, &error);
   if (!uri) {
      bench_die ("uri", error.message);
   }
   m.client = mongoc_client_new_from_uri (uri);
   m.db = mongoc_client_get_database (m.client,
                                      mongoc_uri_get_database (uri) ? mongoc_uri_get_database (uri) : "docrel");
   m.w = bench_workload (scale);
   m.gets = m.gets ? m.gets : BENCH_GETS;
   cbs = mongoc_apm_callbacks_new ();
   mongoc_apm_set_command_started_cb (cbs, started);
   mongoc_client_set_apm_callbacks (m.client, cbs, &m);
   r = (bench_result_t){
      .impl = "mongoc", .op = argv[1], .store = "mongodb", .scale = scale, .commands_expected = -1, .statements = -1};
   m.commands = 0;
   r.base_rss_kb = bench_peak_rss_kb ();
   t0 = bench_now ();
   if (strcmp (argv[1], "get_join") == 0) {
      op_get_join (&m, &r);
   } else if (strcmp (argv[1], "get") == 0) {
      op_get (&m, &r);
   } else {
      op_cursor (&m, &r);
   }
   r.seconds = bench_now () - t0;
   r.peak_rss_kb = bench_peak_rss_kb ();
   r.commands = m.commands;
   bench_result_print (stdout, &r);
   mongoc_apm_callbacks_destroy (cbs);
   mongoc_database_destroy (m.db);
   mongoc_client_destroy (m.client);
   mongoc_uri_destroy (uri);
   mongoc_cleanup ();
   return 0;
}
