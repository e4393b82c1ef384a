/* SPDX-License-Identifier: Apache-2.0 */
/* docrel_bench.c: runs one operation of the blog workload on docrel and
 * prints its result as a JSON line (report.h).
 *
 *   docrel-bench OP --uri URI --scale N [--gets N] [--threads N]
 *
 * OP is save_all (which seeds an empty store), get_join, get, threads,
 * cursor or delete_all (which removes data: run it last). The models use
 * integer keys chosen by the caller ("primaryKey": "caller"), as the
 * standard workload (workload.h) asks. */
#include <stdlib.h>
#include <string.h>

#include "docrel_bench.h"
#include "stmtcount.h"

typedef docrel_relation_t *(*relate_fn) (docrel_model_t *,
                                         docrel_model_t *,
                                         const char *,
                                         const char *,
                                         const char *,
                                         const bson_t *,
                                         bson_error_t *);

static void
relate (relate_fn fn, docrel_model_t *a, docrel_model_t *b, const char *field, const char *left, const char *right)
{
   bson_error_t error;

   if (!fn (a, b, field, left, right, NULL, &error)) {
      bench_die ("relation", error.message);
   }
}

static docrel_model_t *
model (docrel_store_t *store, const char *name, const char *const *fields, const docrel_type_t *types)
{
   bson_error_t error;
   bson_t *opts = BCON_NEW ("primaryKey", "caller");
   docrel_model_t *m = docrel_model_new (store, name, opts, &error);

   bson_destroy (opts);
   for (size_t i = 0; m && fields[i]; i++) {
      if (!docrel_model_add_field (m, fields[i], types[i], NULL, &error)) {
         m = NULL;
      }
   }
   if (!m) {
      bench_die (name, error.message);
   }
   return m;
}

/* The models and relations of the blog, with typed fields as an
 * application declares them (save validates against them). */
static void
define (dbench_t *b)
{
   static const char *const author_f[] = {"name", NULL};
   static const docrel_type_t author_t[] = {DOCREL_TYPE_STRING};
   static const char *const post_f[] = {"title", "body", "authorId", NULL};
   static const docrel_type_t post_t[] = {DOCREL_TYPE_STRING, DOCREL_TYPE_STRING, DOCREL_TYPE_INT64};
   static const char *const comment_f[] = {"body", "postId", NULL};
   static const docrel_type_t comment_t[] = {DOCREL_TYPE_STRING, DOCREL_TYPE_INT64};
   static const char *const tag_f[] = {"name", NULL};
   static const docrel_type_t tag_t[] = {DOCREL_TYPE_STRING};

   b->author = model (b->store, "Author", author_f, author_t);
   b->post = model (b->store, "Post", post_f, post_t);
   b->comment = model (b->store, "Comment", comment_f, comment_t);
   b->tag = model (b->store, "Tag", tag_f, tag_t);
   relate (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId");
   relate (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id");
   relate (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId");
   relate (docrel_model_has_and_belongs_to_many, b->post, b->tag, "tags", "_id", "_id");
   relate (docrel_model_has_and_belongs_to_many, b->tag, b->post, "posts", "_id", "_id");
   b->tree = BCON_NEW ("posts", "{", "comments", BCON_BOOL (true), "tags", BCON_BOOL (true), "}");
}

bson_value_t
dbench_key (int64_t key)
{
   bson_value_t v;

   v.value_type = BSON_TYPE_INT64;
   v.value.v_int64 = key;
   return v;
}

int64_t
dbench_commands (dbench_t *b)
{
   docrel_store_stats_t stats;

   docrel_store_stats (b->store, &stats);
   return (int64_t) stats.commands;
}

int64_t
dbench_chunks (size_t n)
{
   return (int64_t) ((n + 9999) / 10000);
}

/* Touches every model once, so that creating tables and indexes (counted
 * as commands on first use in a process) stays out of the timed section. */
static void
warm_up (dbench_t *b)
{
   docrel_model_t *models[] = {b->author, b->post, b->comment, b->tag,
                               docrel_relation_link_model (docrel_model_relation (b->post, "tags"))};
   docrel_session_t *s = docrel_session_new (b->store);
   bson_error_t error;
   int64_t n;

   for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
      if (!docrel_count (s, models[i], NULL, NULL, &n, &error)) {
         bench_die ("warm-up", error.message);
      }
   }
   docrel_session_destroy (s);
}

int
main (int argc, char **argv)
{
   static const struct {
      const char *name;
      void (*run) (dbench_t *, bench_result_t *);
   } ops[] = {{"save_all", dbench_save_all}, {"get_join", dbench_get_join}, {"get", dbench_get},
              {"threads", dbench_threads},   {"cursor", dbench_cursor},     {"delete_all", dbench_delete_all}};
   const char *uri = NULL;
   int scale = 1;
   bson_error_t error;
   dbench_t b = {0};
   bench_result_t r = {0};

   bench_sqlite_setup ();

   for (int i = 2; i + 1 < argc; i += 2) {
      if (strcmp (argv[i], "--uri") == 0) {
         uri = argv[i + 1];
      } else if (strcmp (argv[i], "--scale") == 0) {
         scale = atoi (argv[i + 1]);
      } else if (strcmp (argv[i], "--gets") == 0) {
         b.gets = atoi (argv[i + 1]);
      } else if (strcmp (argv[i], "--threads") == 0) {
         b.threads = atoi (argv[i + 1]);
      }
   }
   if (argc < 2 || !uri || scale < 1 || b.gets < 0 || b.threads < 0) {
      fprintf (stderr, "usage: docrel-bench save_all|get_join|get|threads|cursor|delete_all --uri URI [--scale N] "
                       "[--gets N] [--threads N]\n");
      return 2;
   }
   if (strcmp (argv[1], "threads") != 0) {
      bench_count_bson_allocs (); /* its counter is not atomic */
   }
   b.threads = b.threads ? b.threads : 1;
   b.w = bench_workload (scale);
   b.gets = b.gets ? b.gets : BENCH_GETS;
   b.store = docrel_store_open (uri, &error);
   if (!b.store) {
      bench_die ("open", error.message);
   }
   define (&b);
   warm_up (&b);
   r.impl = "docrel";
   r.store = docrel_store_backend_name (b.store);
   r.scale = scale;
   r.commands = r.commands_expected = -1;
   r.statements = -1;
   bench_statement_source = bench_statements;
   for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
      if (strcmp (argv[1], ops[i].name) == 0) {
         r.op = ops[i].name;
         ops[i].run (&b, &r);
      }
   }
   if (!r.op) {
      bench_die ("unknown operation", argv[1]);
   }
   bench_result_print (stdout, &r);
   bson_destroy (b.tree);
   docrel_store_destroy (b.store);
   return 0;
}
