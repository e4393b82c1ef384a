/* SPDX-License-Identifier: Apache-2.0 */
/* docrel_threads.c: the threads operation on docrel: operation 3's reads
 * spread over b->threads threads that share one store, each read a session
 * of its own, as the request handlers of a service would. */
#include <pthread.h>

#include "docrel_bench.h"

typedef struct {
   dbench_t *b;
   int first; /* this thread reads i = first, first + threads, ... */
   uint64_t docs;
   const char *error;
} worker_t;

static void *
worker (void *arg)
{
   worker_t *wk = arg;
   dbench_t *b = wk->b;
   bson_error_t error;

   for (int i = wk->first; i < b->gets; i += b->threads) {
      docrel_session_t *s = docrel_session_new (b->store);
      bson_value_t key = dbench_key (bench_get_author (&b->w, i));
      docrel_doc_t *author;

      if (!docrel_get (s, b->author, &key, b->tree, &author, &error)) {
         wk->error = "docrel_get failed";
         docrel_session_destroy (s);
         break;
      }
      wk->docs += dbench_count_author_tree (author);
      docrel_session_destroy (s);
   }
   return NULL;
}

void
dbench_threads (dbench_t *b, bench_result_t *r)
{
   pthread_t tid[64];
   worker_t wk[64] = {{0}};
   int n = b->threads < 64 ? b->threads : 64;
   bench_section_t section;

   b->threads = n;
   docrel_store_stats_reset (b->store);
   bench_section_begin (r, &section);
   for (int t = 0; t < n; t++) {
      wk[t].b = b;
      wk[t].first = t;
      if (pthread_create (&tid[t], NULL, worker, &wk[t]) != 0) {
         bench_die ("threads", "pthread_create failed");
      }
   }
   for (int t = 0; t < n; t++) {
      pthread_join (tid[t], NULL);
      if (wk[t].error) {
         bench_die ("threads", wk[t].error);
      }
      r->docs += wk[t].docs;
   }
   bench_section_end (r, &section, (uint64_t) b->gets);
   r->threads = n;
   r->commands = dbench_commands (b);
}
