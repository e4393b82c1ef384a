/* SPDX-License-Identifier: Apache-2.0 */
/* docrel_bench.h: the blog workload through docrel's public API; what the
 * operations of docrel_write.c and docrel_read.c share. */
#ifndef BENCH_DOCREL_BENCH_H
#define BENCH_DOCREL_BENCH_H

#include <docrel/docrel.h>

#include "report.h"
#include "workload.h"

typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post, *comment, *tag;
   bench_workload_t w;
   bson_t *tree; /* {"posts": {"comments": true, "tags": true}} */
   int gets;     /* operation 3's reads: BENCH_GETS unless --gets */
   int threads;  /* operation "threads": threads sharing the store (--threads) */
} dbench_t;

/* Each runs one operation and fills r (impl, op, store and scale are set by
 * the caller). Failures end the process through bench_die. */
void dbench_save_all (dbench_t *b, bench_result_t *r);
void dbench_delete_all (dbench_t *b, bench_result_t *r);
void dbench_get_join (dbench_t *b, bench_result_t *r);
void dbench_get (dbench_t *b, bench_result_t *r);
void dbench_cursor (dbench_t *b, bench_result_t *r);
/* b->gets reads of operation 3 spread over b->threads threads sharing the
 * store, a session per read: requests per second (docrel_threads.c). */
void dbench_threads (dbench_t *b, bench_result_t *r);

/* Documents in an author's tree (the author, posts, comments, tag links). */
uint64_t dbench_count_author_tree (const docrel_doc_t *author);

/* An int64 key as a value. */
bson_value_t dbench_key (int64_t key);

/* Commands counted since the last reset. */
int64_t dbench_commands (dbench_t *b);

/* ceil(n / 10000): the $in queries one join edge costs for n keys. */
int64_t dbench_chunks (size_t n);

#endif
