/* SPDX-License-Identifier: Apache-2.0 */
/* plain_threads.c: the threads operation on the plain floor: operation 3's
 * reads spread over p->threads threads, each with a connection of its own
 * (opened before the clock starts), as a hand-written service would. */
#include <pthread.h>

#include "plain.h"

typedef struct {
   plain_t *p;
   sqlite3 *db;
   int first; /* this thread reads i = first, first + threads, ... */
   uint64_t docs;
} worker_t;

static void *
worker (void *arg)
{
   worker_t *wk = arg;
   p_get_stmts_t s;
   p_arena_t a = {0};

   plain_get_prepare (wk->db, &s);
   for (int i = wk->first; i < wk->p->gets; i += wk->p->threads) {
      wk->docs += plain_get_one (&s, &a, bench_get_author (&wk->p->w, i));
      p_arena_reset (&a);
   }
   p_arena_free (&a);
   plain_get_finalize (&s);
   return NULL;
}

void
plain_threads (plain_t *p, bench_result_t *r)
{
   pthread_t tid[64];
   worker_t wk[64] = {{0}};
   bench_section_t section;

   p->threads = p->threads < 64 ? p->threads : 64;
   for (int t = 0; t < p->threads; t++) {
      wk[t] = (worker_t){.p = p, .db = plain_open (p->path), .first = t};
   }
   bench_section_begin (r, &section);
   for (int t = 0; t < p->threads; t++) {
      if (pthread_create (&tid[t], NULL, worker, &wk[t]) != 0) {
         bench_die ("threads", "pthread_create failed");
      }
   }
   for (int t = 0; t < p->threads; t++) {
      pthread_join (tid[t], NULL);
      r->docs += wk[t].docs;
   }
   bench_section_end (r, &section, (uint64_t) p->gets);
   r->threads = p->threads;
   for (int t = 0; t < p->threads; t++) {
      sqlite3_close (wk[t].db);
   }
}
