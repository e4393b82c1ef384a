/* SPDX-License-Identifier: Apache-2.0 */
/* floor.h: the floor: the blog workload hand-written over SQLite, the best a
 * C program can do on this storage, to measure docrel against.
 *
 * The tables are docrel's (one per collection, id BLOB PRIMARY KEY holding
 * the order-preserving key encoding of the integer key, doc BLOB holding the
 * BSON document, links as documents in "Post_Tag"), except that each join
 * key is also a plain column with a plain index, filled by the C code at
 * insert, where docrel indexes docrel_index_key(doc, path) expressions. So
 * the floor pays no SQL function calls and reads link keys without the link
 * documents: a little below what docrel can reach on its own tables.
 *
 * Queries are prepared once per shape and bound with key blobs; joins are
 * IN-batched (FLOOR_CHUNK keys per statement), level by level as docrel
 * does. Results are materialised as a graph of nodes owning a copy of each
 * document, parents linked to children through a hash of keys, so the floor
 * pays for what a program needs in memory, no more. */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <bson/bson.h>
#include <sqlite3.h>

#include "fgraph.h"
#include "report.h"
#include "workload.h"

#define FLOOR_CHUNK 1000 /* keys per IN (...) */

/* Statements with IN (?, ..., ?) of n keys, prepared once per query and n. */
enum { FQ_POSTS_BY_AUTHOR, FQ_COMMENTS_BY_POST, FQ_LINKS_BY_POST, FQ_TAGS_BY_ID, FQ_AUTHORS_BY_ID, FQ_N };

typedef struct {
   sqlite3 *db;
   bench_workload_t w;
   int gets;                      /* operation 3's reads: BENCH_GETS unless --gets */
   sqlite3_stmt **in_stmts[FQ_N]; /* [query][n], n <= FLOOR_CHUNK */
} floor_t;

sqlite3_stmt *floor_in_stmt (floor_t *f, int query, size_t n);
/* Prepares sql or ends the process. */
sqlite3_stmt *floor_prepare (floor_t *f, const char *sql);
void floor_exec (floor_t *f, const char *sql);
/* Binds n keys (FLOOR_KEY bytes each, back to back) from parameter 1. */
void floor_bind_keys (sqlite3_stmt *stmt, const uint8_t *keys, size_t n);

void floor_save_all (floor_t *f, bench_result_t *r);
void floor_delete_all (floor_t *f, bench_result_t *r);
void floor_get_join (floor_t *f, bench_result_t *r);
void floor_get (floor_t *f, bench_result_t *r);
void floor_cursor (floor_t *f, bench_result_t *r);

#endif
