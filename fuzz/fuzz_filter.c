/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_filter.c: a fuzzed query filter, compiled and matched against the
 * blog's documents of every model: find_all, a streaming cursor, count and
 * explain. A bad filter must fail cleanly, and every call must agree on
 * what matches (count equals what find_all returns). */
#include "fuzz-common.h"

static void
run_on_model (docrel_session_t *session, docrel_model_t *model, const bson_t *filter)
{
   docrel_doc_t **docs = NULL;
   docrel_doc_t *doc;
   docrel_cursor_t *cursor;
   bson_error_t error;
   bson_t plan;
   size_t n = 0, streamed = 0;
   int64_t count = -1;
   bool found;

   found = docrel_find_all (session, model, filter, NULL, &docs, &n, &error);
   bson_free (docs);
   if (docrel_count (session, model, filter, NULL, &count, &error) != found) {
      fuzz_fail ("find_all and count disagree on the filter", &error);
   }
   if (found && count != (int64_t) n) {
      fuzz_fail ("count differs from find_all", NULL);
   }
   docrel_explain (session, model, filter, NULL, &plan, &error);
   bson_destroy (&plan);
   cursor = docrel_find (session, model, filter, NULL, &error);
   if ((cursor != NULL) != found) {
      fuzz_fail ("find and find_all disagree on the filter", &error);
   }
   while (cursor && docrel_cursor_next (cursor, &doc)) {
      streamed++;
   }
   if (cursor && !docrel_cursor_error (cursor, &error) && streamed != n) {
      fuzz_fail ("the cursor streamed another number of documents", NULL);
   }
   docrel_cursor_destroy (cursor);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
   const fuzz_blog_t *blog = fuzz_blog ();
   docrel_session_t *session;
   bson_t filter;

   if (!fuzz_input_bson (data, size, &filter)) {
      return 0;
   }
   session = docrel_session_new (blog->store);
   run_on_model (session, blog->post, &filter);
   run_on_model (session, blog->author, &filter);
   run_on_model (session, blog->comment, &filter);
   docrel_session_destroy (session);
   bson_destroy (&filter);
   return 0;
}
