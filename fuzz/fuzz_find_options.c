/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_find_options.c: fuzzed find options (sort, skip, limit, projection,
 * batchSize, join, related) on the blog's posts and authors, through
 * find_all, a cursor (keeping every other document), count and explain.
 * Options that find_all accepts, the cursor accepts too and yields as many
 * documents. */
#include "fuzz-common.h"

static void
run_on_model (docrel_session_t *session, docrel_model_t *model, const bson_t *opts)
{
   docrel_doc_t **docs = NULL;
   docrel_doc_t *doc;
   docrel_cursor_t *cursor;
   bson_error_t error;
   bson_t plan;
   size_t n = 0, streamed = 0;
   int64_t count;
   bool found;

   found = docrel_find_all (session, model, NULL, opts, &docs, &n, &error);
   bson_free (docs);
   docrel_count (session, model, NULL, opts, &count, &error);
   docrel_explain (session, model, NULL, opts, &plan, &error);
   bson_destroy (&plan);
   cursor = docrel_find (session, model, NULL, opts, &error);
   if (found && !cursor) {
      fuzz_fail ("find refused options find_all took", &error);
   }
   while (cursor && docrel_cursor_next (cursor, &doc)) {
      if (streamed++ % 2) {
         docrel_cursor_keep (cursor);
      }
   }
   if (cursor && found && !docrel_cursor_error (cursor, &error) && streamed != n) {
      fuzz_fail ("the cursor streamed another number of documents", NULL);
   }
   docrel_cursor_destroy (cursor);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
   const fuzz_blog_t *blog = fuzz_blog ();
   docrel_session_t *session;
   bson_t opts;

   if (!fuzz_input_bson (data, size, &opts)) {
      return 0;
   }
   session = docrel_session_new (blog->store);
   run_on_model (session, blog->post, &opts);
   run_on_model (session, blog->author, &opts);
   docrel_session_destroy (session);
   bson_destroy (&opts);
   return 0;
}
