/* SPDX-License-Identifier: Apache-2.0 */
/* plain.h: the plain floor: the standard workload hand-written in C on
 * plain relational tables, as a C programmer would write it without docrel:
 *
 *    author (id INTEGER PRIMARY KEY, name)
 *    post (id INTEGER PRIMARY KEY, author_id INTEGER indexed, title, body)
 *    comment (id INTEGER PRIMARY KEY, post_id INTEGER indexed, body)
 *    tag (id INTEGER PRIMARY KEY, name)
 *    post_tag (post_id, tag_id) primary key (post_id, tag_id), indexed
 *             (tag_id, post_id) as well
 *
 * Statements are prepared once and bound; results are materialised into C
 * structs (authors holding their posts, posts their comments and tags)
 * allocated from an arena that a request resets, parents found by key
 * through a small hash. Same pragmas as docrel's file store (WAL,
 * synchronous=NORMAL). */
#ifndef BENCH_PLAIN_H
#define BENCH_PLAIN_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "workload.h"

/* ---- objects ------------------------------------------------------------ */

typedef struct {
   int64_t id;
   char *name;
} p_tag_t;

typedef struct {
   int64_t id, post_id;
   char *body;
} p_comment_t;

typedef struct {
   void **items;
   size_t n, cap;
} p_list_t;

typedef struct {
   int64_t id, author_id;
   char *title, *body;
   p_list_t comments, tags; /* p_comment_t *, p_tag_t * */
} p_post_t;

typedef struct {
   int64_t id;
   char *name;
   p_list_t posts; /* p_post_t * */
} p_author_t;

/* A bump allocator: chunks kept across resets, so a warm request allocates
 * nothing from malloc. */
typedef struct _p_chunk_t p_chunk_t;
typedef struct {
   p_chunk_t *head, *spare;
} p_arena_t;

void *p_alloc (p_arena_t *a, size_t n);
char *p_strdup (p_arena_t *a, const unsigned char *s, int len);
void p_list_push (p_arena_t *a, p_list_t *l, void *item);
void p_arena_reset (p_arena_t *a);
void p_arena_free (p_arena_t *a);

/* id -> object, open addressing, in the arena. */
typedef struct {
   int64_t *keys;
   void **vals;
   size_t cap, n;
} p_map_t;

void p_map_init (p_arena_t *a, p_map_t *m, size_t expected);
void p_map_put (p_map_t *m, int64_t key, void *val);
void *p_map_get (const p_map_t *m, int64_t key);

/* ---- the floor ---------------------------------------------------------- */

/* The statements of one request (operation 3), per connection. */
typedef struct {
   sqlite3_stmt *author, *posts, *comments, *tags;
} p_get_stmts_t;

typedef struct {
   sqlite3 *db;
   const char *path;
   bench_workload_t w;
   int gets, threads;
} plain_t;

sqlite3 *plain_open (const char *path);
sqlite3_stmt *plain_prepare (sqlite3 *db, const char *sql);
void plain_exec (sqlite3 *db, const char *sql);
void plain_get_prepare (sqlite3 *db, p_get_stmts_t *s);
void plain_get_finalize (p_get_stmts_t *s);
/* Author id with its posts, their comments and tags, into the arena;
 * returns the documents placed (as docrel_read.c counts them). */
uint64_t plain_get_one (p_get_stmts_t *s, p_arena_t *a, int64_t id);

void plain_save_all (plain_t *p, bench_result_t *r);
void plain_delete_all (plain_t *p, bench_result_t *r);
void plain_get_join (plain_t *p, bench_result_t *r);
void plain_get (plain_t *p, bench_result_t *r);
void plain_cursor (plain_t *p, bench_result_t *r);
void plain_threads (plain_t *p, bench_result_t *r);

#endif
