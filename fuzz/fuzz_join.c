/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_join.c: a fuzzed join tree on the blog, through every entry point
 * that takes one: docrel_get, docrel_find_all and a joining cursor (the
 * "join" option), docrel_load / docrel_load_many (the tree as an edge),
 * and the graph writes that follow a tree, as dry runs (docrel_save_all,
 * docrel_delete_all), which must write nothing. */
#include "fuzz-common.h"

static void
read_with_tree (docrel_session_t *session, const fuzz_blog_t *blog, const bson_t *tree)
{
   bson_value_t key = {.value_type = BSON_TYPE_INT32, .value.v_int32 = 4};
   docrel_doc_t **docs = NULL;
   docrel_doc_t *doc;
   docrel_cursor_t *cursor;
   bson_error_t error;
   bson_t opts, out;
   size_t n = 0;

   if (docrel_get (session, blog->author, &key, tree, &doc, &error)) {
      docrel_doc_to_bson (doc, true, &out, &error);
      bson_destroy (&out);
   }
   bson_init (&opts);
   BSON_APPEND_DOCUMENT (&opts, "join", tree);
   BSON_APPEND_INT32 (&opts, "batchSize", 2);
   if (docrel_find_all (session, blog->post, NULL, &opts, &docs, &n, &error) && n > 0) {
      bson_free (docrel_doc_to_json (docs[0], true));
      docrel_load_many (docs, n, "comments", tree, &error);
   }
   bson_free (docs);
   cursor = docrel_find (session, blog->author, NULL, &opts, &error);
   while (cursor && docrel_cursor_next (cursor, &doc)) {
      docrel_load (doc, "posts", tree, &error);
   }
   docrel_cursor_destroy (cursor);
   bson_destroy (&opts);
}

/* Dry runs write nothing: the store's write counters stay. */
static void
dry_runs (docrel_session_t *session, const fuzz_blog_t *blog, const bson_t *tree)
{
   bson_value_t key = {.value_type = BSON_TYPE_INT32, .value.v_int32 = 3};
   docrel_store_stats_t before, after;
   bson_t *opts = BCON_NEW ("dryRun", BCON_BOOL (true));
   docrel_doc_t *doc;
   bson_error_t error;
   bson_t plan;

   if (docrel_get (session, blog->author, &key, tree, &doc, &error)) {
      docrel_store_stats (blog->store, &before);
      docrel_save_all (doc, tree, opts, &plan, &error);
      bson_destroy (&plan);
      docrel_delete_all_with_opts (doc, tree, opts, &plan, &error);
      bson_destroy (&plan);
      docrel_store_stats (blog->store, &after);
      if (after.inserts != before.inserts || after.updates != before.updates || after.deletes != before.deletes) {
         fuzz_fail ("a dry run wrote", NULL);
      }
   }
   bson_destroy (opts);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
   const fuzz_blog_t *blog = fuzz_blog ();
   docrel_session_t *session;
   bson_t tree;

   if (!fuzz_input_bson (data, size, &tree)) {
      return 0;
   }
   session = docrel_session_new (blog->store);
   read_with_tree (session, blog, &tree);
   docrel_session_destroy (session);
   session = docrel_session_new (blog->store);
   dry_runs (session, blog, &tree);
   docrel_session_destroy (session);
   bson_destroy (&tree);
   return 0;
}
