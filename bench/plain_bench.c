/* SPDX-License-Identifier: Apache-2.0 */
/* plain_bench.c: the plain floor's process (see plain.h): the connection,
 * the arena and the hash its objects live in.
 *
 *   plain-bench OP --db PATH --scale N [--gets N] [--threads N]
 *
 * OP as for docrel-bench: save_all seeds an empty file; delete_all last. */
#include <stdlib.h>
#include <string.h>

#include "plain.h"
#include "stmtcount.h"

static const char SCHEMA[] =
   "CREATE TABLE IF NOT EXISTS author (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
   "CREATE TABLE IF NOT EXISTS post (id INTEGER PRIMARY KEY, author_id INTEGER, title TEXT NOT NULL, body TEXT);"
   "CREATE INDEX IF NOT EXISTS post_author ON post (author_id);"
   "CREATE TABLE IF NOT EXISTS comment (id INTEGER PRIMARY KEY, post_id INTEGER, body TEXT);"
   "CREATE INDEX IF NOT EXISTS comment_post ON comment (post_id);"
   "CREATE TABLE IF NOT EXISTS tag (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
   "CREATE TABLE IF NOT EXISTS post_tag (post_id INTEGER NOT NULL, tag_id INTEGER NOT NULL,"
   " PRIMARY KEY (post_id, tag_id)) WITHOUT ROWID;"
   "CREATE INDEX IF NOT EXISTS post_tag_tag ON post_tag (tag_id, post_id);";

sqlite3 *
plain_open (const char *path)
{
   sqlite3 *db;

   if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
       SQLITE_OK) {
      bench_die (path, sqlite3_errmsg (db));
   }
   bench_count_statements (db);
   plain_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
   return db;
}

sqlite3_stmt *
plain_prepare (sqlite3 *db, const char *sql)
{
   sqlite3_stmt *stmt;

   if (sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
      bench_die (sql, sqlite3_errmsg (db));
   }
   return stmt;
}

void
plain_exec (sqlite3 *db, const char *sql)
{
   if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK) {
      bench_die (sql, sqlite3_errmsg (db));
   }
}

/* ---- arena --------------------------------------------------------------- */

#define CHUNK 65536

struct _p_chunk_t {
   p_chunk_t *next;
   size_t used, size;
   _Alignas(16) unsigned char data[];
};

void *
p_alloc (p_arena_t *a, size_t n)
{
   p_chunk_t *c = a->head;

   n = (n + 15) & ~(size_t) 15;
   if (!c || c->used + n > c->size) {
      if (a->spare && n <= a->spare->size) {
         c = a->spare;
         a->spare = c->next;
      } else {
         size_t size = n > CHUNK ? n : CHUNK;

         c = malloc (sizeof *c + size);
         if (!c) {
            bench_die ("plain", "out of memory");
         }
         c->size = size;
      }
      c->used = 0;
      c->next = a->head;
      a->head = c;
   }
   c->used += n;
   return c->data + c->used - n;
}

char *
p_strdup (p_arena_t *a, const unsigned char *s, int len)
{
   char *out = p_alloc (a, (size_t) len + 1);

   memcpy (out, s, (size_t) len);
   out[len] = '\0';
   return out;
}

void
p_list_push (p_arena_t *a, p_list_t *l, void *item)
{
   if (l->n == l->cap) {
      void **items = p_alloc (a, (l->cap ? 2 * l->cap : 4) * sizeof *items);

      if (l->n) {
         memcpy (items, l->items, l->n * sizeof *items);
      }
      l->items = items;
      l->cap = l->cap ? 2 * l->cap : 4;
   }
   l->items[l->n++] = item;
}

/* Every chunk goes to the spare list for the next request. */
void
p_arena_reset (p_arena_t *a)
{
   while (a->head) {
      p_chunk_t *c = a->head;

      a->head = c->next;
      c->next = a->spare;
      a->spare = c;
   }
}

void
p_arena_free (p_arena_t *a)
{
   p_arena_reset (a);
   while (a->spare) {
      p_chunk_t *c = a->spare;

      a->spare = c->next;
      free (c);
   }
}

/* ---- id -> object -------------------------------------------------------- */

void
p_map_init (p_arena_t *a, p_map_t *m, size_t expected)
{
   m->cap = 16;
   while (m->cap < 2 * expected) {
      m->cap *= 2;
   }
   m->n = 0;
   m->keys = p_alloc (a, m->cap * sizeof *m->keys);
   m->vals = p_alloc (a, m->cap * sizeof *m->vals);
   memset (m->vals, 0, m->cap * sizeof *m->vals);
}

static size_t
slot (const p_map_t *m, int64_t key)
{
   return (size_t) (((uint64_t) key * 0x9E3779B97F4A7C15u) >> 20) & (m->cap - 1);
}

/* The caller sizes the map (expected): it never grows. */
void
p_map_put (p_map_t *m, int64_t key, void *val)
{
   size_t i = slot (m, key);

   while (m->vals[i] && m->keys[i] != key) {
      i = (i + 1) & (m->cap - 1);
   }
   m->keys[i] = key;
   m->vals[i] = val;
}

void *
p_map_get (const p_map_t *m, int64_t key)
{
   for (size_t i = slot (m, key); m->vals[i]; i = (i + 1) & (m->cap - 1)) {
      if (m->keys[i] == key) {
         return m->vals[i];
      }
   }
   return NULL;
}

int
main (int argc, char **argv)
{
   static const struct {
      const char *name;
      void (*run) (plain_t *, bench_result_t *);
   } ops[] = {{"save_all", plain_save_all}, {"get_join", plain_get_join}, {"get", plain_get},
              {"threads", plain_threads},   {"cursor", plain_cursor},     {"delete_all", plain_delete_all}};
   plain_t p = {0};
   int scale = 1;
   bench_result_t r = {0};

   bench_sqlite_setup ();

   for (int i = 2; i + 1 < argc; i += 2) {
      if (strcmp (argv[i], "--db") == 0) {
         p.path = argv[i + 1];
      } else if (strcmp (argv[i], "--scale") == 0) {
         scale = atoi (argv[i + 1]);
      } else if (strcmp (argv[i], "--gets") == 0) {
         p.gets = atoi (argv[i + 1]);
      } else if (strcmp (argv[i], "--threads") == 0) {
         p.threads = atoi (argv[i + 1]);
      }
   }
   if (argc < 2 || !p.path || scale < 1 || p.gets < 0 || p.threads < 0) {
      fprintf (stderr, "usage: plain-bench save_all|get_join|get|threads|cursor|delete_all --db PATH [--scale N] "
                       "[--gets N] [--threads N]\n");
      return 2;
   }
   p.w = bench_workload (scale);
   p.gets = p.gets ? p.gets : BENCH_GETS;
   p.threads = p.threads ? p.threads : 1;
   p.db = plain_open (p.path);
   plain_exec (p.db, SCHEMA);
   bench_statement_source = bench_statements;
   r = (bench_result_t){
      .impl = "plain", .store = "sqlite", .scale = scale, .commands = -1, .commands_expected = -1, .statements = -1};
   for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
      if (strcmp (argv[1], ops[i].name) == 0) {
         r.op = ops[i].name;
         ops[i].run (&p, &r);
      }
   }
   if (!r.op) {
      bench_die ("unknown operation", argv[1]);
   }
   bench_result_print (stdout, &r);
   sqlite3_close (p.db);
   return 0;
}
