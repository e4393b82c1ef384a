/* SPDX-License-Identifier: Apache-2.0 */
/* readers.c: the read connections of a file store, so that the threads of a
 * service read in parallel.
 *
 * A file store is in WAL mode: readers on their own connections never wait
 * for the writer, nor it for them. A thread that reads outside its own
 * transaction gets a reader from the pool, kept while anything of the
 * thread's uses it (a call, an open cursor, a read scope) and given back
 * when nothing does; up to DOCREL_SQLITE_READERS idle ones are kept, and a
 * thread finding none idle opens one more, closed when it is given back, so
 * no thread ever waits for another's reader. Each reader is a
 * docrel_backend_t of its own (sqlite-private.h), so its collection state
 * and statement cache are its own; an index created on the writer bumps
 * schema_gen, and a reader taken from the pool with an older generation
 * forgets its collection state (SQLite re-prepares its statements itself).
 *
 * A read scope (docrel_store__read_begin / _end) makes every read of one
 * call see one snapshot: on a reader, BEGIN at the outermost scope and
 * COMMIT at its end. Inside the thread's transaction the writer already
 * gives one state (the transaction's, which holds the writer's mutex). A
 * memory store has one connection only (an in-memory database is private to
 * its connection, and sharing one through shared cache or the memdb VFS
 * brings table locks or a rollback journal where readers block the writer),
 * and its scope does nothing: holding the writer's mutex for a whole read
 * call would order it before the store's model mutex, which a model's first
 * use takes before the writer's, a deadlock. So on a memory store each read
 * of a call sees the store as it is when it runs. */
#include <string.h>

#include "util/util-private.h"
#include "store/sqlite/sqlite-private.h"

int
docrel_sqlite__connect (const char *path, int flags, int busy_ms, sqlite3 **db)
{
   int rc;

   flags |= SQLITE_OPEN_READWRITE;
#ifdef SQLITE_OPEN_EXRESCODE
   flags |= SQLITE_OPEN_EXRESCODE;
#endif
   rc = sqlite3_open_v2 (path, db, flags, NULL);
   if (rc == SQLITE_OK) {
      sqlite3_extended_result_codes (*db, 1);
      rc = sqlite3_busy_timeout (*db, busy_ms);
   }
   if (rc == SQLITE_OK) {
      rc = docrel_sqlite__register_functions (*db);
   }
   return rc;
}

/* A new reader on b's file, or NULL (the caller then reads on the writer). */
static docrel_backend_t *
reader_open (docrel_backend_t *b)
{
   docrel_backend_t *r = bson_malloc0 (sizeof *r);
   bool ok;

   if (pthread_mutex_init (&r->mutex, NULL) != 0) {
      bson_free (r);
      return NULL;
   }
   pthread_mutex_init (&r->pool_mutex, NULL);
   r->parent = b;
   r->where = bson_strdup (b->where);
   r->seen_gen = atomic_load (&b->schema_gen);
   r->busy_ms = b->busy_ms;
   ok = docrel_sqlite__connect (b->path, SQLITE_OPEN_NOMUTEX, b->busy_ms, &r->db) == SQLITE_OK &&
        sqlite3_prepare_v3 (r->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &r->begin_stmt, NULL) == SQLITE_OK &&
        sqlite3_prepare_v3 (r->db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &r->commit_stmt, NULL) == SQLITE_OK;
   if (!ok) {
      docrel_backend_sqlite.close (r);
      return NULL;
   }
   return r;
}

/* The reader the calling thread holds, else an idle one (*fresh); NULL if
 * none. */
static docrel_backend_t *
pool_take (docrel_backend_t *b, pthread_t self, bool *fresh)
{
   docrel_backend_t *idle = NULL;

   for (size_t i = 0; i < b->n_readers; i++) {
      docrel_backend_t *r = b->readers[i];

      if (r->holds > 0 && pthread_equal (r->owner, self)) {
         r->holds++;
         return r;
      }
      if (r->holds == 0 && !idle) {
         idle = r;
      }
   }
   if (idle) {
      idle->owner = self;
      idle->holds = 1;
      *fresh = true;
   }
   return idle;
}

docrel_backend_t *
docrel_sqlite__reader_get (docrel_backend_t *b)
{
   pthread_t self = pthread_self ();
   bool fresh = false;
   docrel_backend_t *r;
   uint64_t gen;

   if (!b->path || docrel_sqlite__in_own_transaction (b)) {
      return b;
   }
   pthread_mutex_lock (&b->pool_mutex);
   r = pool_take (b, self, &fresh);
   pthread_mutex_unlock (&b->pool_mutex);
   if (!r) {
      r = reader_open (b);
      if (!r) {
         return b; /* out of memory or file handles: the writer serves */
      }
      r->owner = self;
      r->holds = 1;
      pthread_mutex_lock (&b->pool_mutex);
      b->readers = bson_realloc (b->readers, (b->n_readers + 1) * sizeof *b->readers);
      b->readers[b->n_readers++] = r;
      pthread_mutex_unlock (&b->pool_mutex);
   }
   gen = atomic_load (&b->schema_gen);
   if (fresh && r->seen_gen != gen) {
      /* Only this thread uses it (nothing else held it): reload the schema. */
      pthread_mutex_lock (&r->mutex);
      docrel_sqlite__forget_colls (r);
      r->seen_gen = gen;
      pthread_mutex_unlock (&r->mutex);
   }
   return r;
}

void
docrel_sqlite__reader_put (docrel_backend_t *conn)
{
   docrel_backend_t *b = conn->parent;
   bool close = false;

   if (!b) {
      return; /* the writer */
   }
   pthread_mutex_lock (&b->pool_mutex);
   if (--conn->holds == 0 && b->n_readers > DOCREL_SQLITE_READERS) {
      for (size_t i = 0; i < b->n_readers; i++) {
         if (b->readers[i] == conn) {
            b->readers[i] = b->readers[--b->n_readers];
            break;
         }
      }
      close = true;
   }
   pthread_mutex_unlock (&b->pool_mutex);
   if (close) {
      docrel_backend_sqlite.close (conn);
   }
}

/* Runs one of a reader's cached statements to its end. */
static bool
step_once (sqlite3_stmt *stmt)
{
   int rc = sqlite3_step (stmt);

   sqlite3_reset (stmt);
   return rc == SQLITE_DONE;
}

void
docrel_sqlite__read_begin (docrel_backend_t *b, void **token)
{
   docrel_backend_t *r = docrel_sqlite__reader_get (b);

   *token = r;
   if (!r->parent) {
      return; /* the writer: see the top */
   }
   pthread_mutex_lock (&r->mutex);
   /* A failed BEGIN only loses the snapshot: each read still runs. */
   if (r->scope_depth++ == 0 && sqlite3_get_autocommit (r->db)) {
      r->began = step_once (r->begin_stmt);
   }
   pthread_mutex_unlock (&r->mutex);
}

void
docrel_sqlite__read_end (docrel_backend_t *b, void *token)
{
   docrel_backend_t *r = token;

   BSON_UNUSED (b);
   if (!r->parent) {
      return;
   }
   pthread_mutex_lock (&r->mutex);
   if (--r->scope_depth == 0 && r->began) {
      r->began = false;
      if (!step_once (r->commit_stmt) && !sqlite3_get_autocommit (r->db)) {
         /* A read transaction left open would pin an old snapshot. */
         sqlite3_exec (r->db, "ROLLBACK", NULL, NULL, NULL);
      }
   }
   pthread_mutex_unlock (&r->mutex);
   docrel_sqlite__reader_put (r);
}

void
docrel_sqlite__readers_close (docrel_backend_t *b)
{
   for (size_t i = 0; i < b->n_readers; i++) {
      docrel_backend_sqlite.close (b->readers[i]);
   }
   bson_free (b->readers);
   b->readers = NULL;
   b->n_readers = 0;
}
