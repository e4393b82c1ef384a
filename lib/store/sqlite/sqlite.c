/* SPDX-License-Identifier: Apache-2.0 */
/* sqlite.c: the embedded backend: documents in SQLite, one table per
 * collection.
 *
 * A collection is the rowid table
 *    CREATE TABLE "<table>" (id BLOB PRIMARY KEY NOT NULL, doc BLOB NOT NULL,
 *       <key columns>)
 * where id is the keycode (keycode.c) of the _id value, so that equal values
 * (1 and 1.0) are one key as in MongoDB, and doc is the BSON document. A
 * rowid table keeps insertion order for unsorted queries. Tables and indexes
 * are named as layout.c says (the collection's name, escaped so that names
 * differing only in case stay apart); an index is a plain index over the
 * key columns of its paths (columns.c, index.c). Identifiers reach
 * SQL only through %w inside double quotes, paths only through %Q.
 *
 * This file opens the connection (URI, pragmas, SQL functions, the file's
 * layout), keeps the per-collection state (whether the table exists, its
 * indexes, three cached statements), runs transactions and the
 * all-or-nothing envelope of every write, and holds the vtable. Queries are
 * in query.c, writes in write.c, indexes in index.c.
 *
 * A failed write or transaction is rolled back; if the rollback itself fails
 * (out of memory), SQLite's transaction stays open, owned by nobody: every
 * later call first rolls it back (recover) and fails, naming the cause,
 * while it cannot, so no call reads half-written data or writes into a
 * transaction that will never commit.
 *
 * One connection writes for the whole store: writes from several threads
 * are serialized by its mutex. It is recursive, and a transaction holds it
 * from begin to commit or abort, so the thread that began it runs its
 * statements inside it while every other thread's writes wait for it to
 * end, rather than joining someone else's transaction. Reads outside the
 * calling thread's transaction run on read connections (readers.c) on a
 * file store, and on this one connection on a memory store. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "store/sqlite/sqlite-private.h"

#define URI_FORMS "sqlite:///absolute/path.db, sqlite:relative/path.db or sqlite::memory:"

/* Errors -------------------------------------------------------------------- */

bool
docrel_sqlite__fail (docrel_backend_t *b, int rc, bson_error_t *error, const char *fmt, ...)
{
   char what[256];
   const char *msg;
   va_list ap;

   va_start (ap, fmt);
   vsnprintf (what, sizeof what, fmt, ap);
   va_end (ap);
   /* SQLite's message belongs to rc only if rc came from the connection. */
   msg = (b && b->db && sqlite3_extended_errcode (b->db) == rc) ? sqlite3_errmsg (b->db) : sqlite3_errstr (rc);
   if ((rc & 0xff) == SQLITE_BUSY) {
      /* Only another process (or another store on the file) gets here:
       * this store's own threads wait for each other inside docrel. */
      return docrel_error__set (error, DOCREL_ERROR_SQLITE, (uint32_t) rc,
                                "%s: %s (another connection kept the file locked for more than %d ms)", what, msg,
                                b ? b->busy_ms : DOCREL_SQLITE_BUSY_MS);
   }
   return docrel_error__set (error, DOCREL_ERROR_SQLITE, (uint32_t) rc, "%s: %s", what, msg);
}

bool
docrel_sqlite__exec (docrel_backend_t *b, const char *sql, const char *what, bson_error_t *error)
{
   int rc = sqlite3_exec (b->db, sql, NULL, NULL, NULL);

   if (rc != SQLITE_OK) {
      return docrel_sqlite__fail (b, sqlite3_extended_errcode (b->db), error, "%s", what);
   }
   return true;
}

sqlite3_stmt *
docrel_sqlite__prepare (docrel_backend_t *b, const char *sql, unsigned flags, const char *what, bson_error_t *error)
{
   sqlite3_stmt *stmt = NULL;
   int rc;

   if (!sql) {
      docrel_sqlite__fail (b, SQLITE_NOMEM, error, "%s", what);
      return NULL;
   }
   rc = sqlite3_prepare_v3 (b->db, sql, -1, flags, &stmt, NULL);
   if (rc != SQLITE_OK) {
      docrel_sqlite__fail (b, rc, error, "%s", what);
      sqlite3_finalize (stmt);
      return NULL;
   }
   return stmt;
}

/* Collections ---------------------------------------------------------------- */

static void
coll_forget_schema (docrel_sqlite_coll_t *coll)
{
   for (size_t i = 0; i < coll->n_indexes; i++) {
      docrel_sqlite__index_clear (&coll->indexes[i]);
   }
   bson_free (coll->indexes);
   coll->indexes = NULL;
   coll->n_indexes = 0;
   docrel_sqlite__paths_clear (&coll->key_paths);
   for (int k = 0; k < DOCREL_SQLITE_N_STMTS; k++) {
      sqlite3_finalize (coll->stmts[k]);
      coll->stmts[k] = NULL;
   }
   coll->exists = false;
}

void
docrel_sqlite__coll_columns_changed (docrel_backend_t *b, docrel_sqlite_coll_t *coll)
{
   coll_forget_schema (coll);
   docrel_sqlite__schema_changed (b);
}

void
docrel_sqlite__forget_colls (docrel_backend_t *b)
{
   for (size_t i = 0; i < b->n_colls; i++) {
      coll_forget_schema (b->colls[i]);
   }
}

static void
colls_free (docrel_backend_t *b)
{
   for (size_t i = 0; i < b->n_colls; i++) {
      coll_forget_schema (b->colls[i]);
      docrel_buf__destroy (&b->colls[i]->row.keys);
      bson_free (b->colls[i]->row.ends);
      bson_free (b->colls[i]->name);
      bson_free (b->colls[i]->table);
      bson_free (b->colls[i]);
   }
   bson_free (b->colls);
   b->colls = NULL;
   b->n_colls = 0;
}

/* Looks the table up in the schema; if found, loads its indexes. */
static bool
coll_load (docrel_backend_t *b, docrel_sqlite_coll_t *coll, bson_error_t *error)
{
   static const char sql[] = "SELECT type, name, sql FROM sqlite_master"
                             " WHERE tbl_name = ?1 AND type IN ('table', 'index')";
   sqlite3_stmt *stmt = docrel_sqlite__prepare (b, sql, 0, "reading the schema", error);
   bool ok = false;
   int rc;

   if (!stmt) {
      return false;
   }
   rc = sqlite3_bind_text (stmt, 1, coll->table, -1, SQLITE_STATIC);
   while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      const char *type = (const char *) sqlite3_column_text (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      const char *def = (const char *) sqlite3_column_text (stmt, 2);

      if (type && strcmp (type, "table") == 0) {
         coll->exists = true;
      } else if (name && def) {
         docrel_sqlite__coll_add_index (coll, name, def);
      }
      rc = SQLITE_OK;
   }
   if (rc != SQLITE_DONE) {
      docrel_sqlite__fail (b, rc, error, "reading the schema of collection '%s'", coll->name);
      goto done;
   }
   ok = !coll->exists || docrel_sqlite__columns_load (b, coll, error);
done:
   sqlite3_finalize (stmt);
   if (!ok) {
      coll_forget_schema (coll);
   }
   return ok;
}

static bool
check_collection_name (const char *name, bson_error_t *error)
{
   if (!name || !*name) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT, "empty collection name");
   }
   if (strncasecmp (name, "sqlite_", 7) == 0) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT,
                                "collection name '%s' is reserved by SQLite (it starts with 'sqlite_')", name);
   }
   return true;
}

docrel_sqlite_coll_t *
docrel_sqlite__coll (docrel_backend_t *b, const char *name, bool create, bson_error_t *error)
{
   docrel_sqlite_coll_t *coll = NULL;

   for (size_t i = 0; i < b->n_colls; i++) {
      if (strcmp (b->colls[i]->name, name ? name : "") == 0) {
         coll = b->colls[i];
         break;
      }
   }
   if (!coll) {
      if (!check_collection_name (name, error)) {
         return NULL;
      }
      coll = bson_malloc0 (sizeof *coll);
      coll->name = bson_strdup (name);
      coll->table = docrel_sqlite__table_name (name);
      b->colls = bson_realloc (b->colls, (b->n_colls + 1) * sizeof *b->colls);
      b->colls[b->n_colls++] = coll;
   }
   if (coll->exists) {
      return coll;
   }
   if (!coll_load (b, coll, error)) {
      return NULL;
   }
   if (!coll->exists && create) {
      char *sql = sqlite3_mprintf ("CREATE TABLE IF NOT EXISTS \"%w\" " DOCREL_SQLITE_TABLE_DEF, coll->table);
      bool ok;

      if (!sql) {
         docrel_sqlite__fail (b, SQLITE_NOMEM, error, "creating collection '%s'", coll->name);
         return NULL;
      }
      ok = sqlite3_exec (b->db, sql, NULL, NULL, NULL) == SQLITE_OK;
      sqlite3_free (sql);
      if (!ok) {
         docrel_sqlite__fail (b, sqlite3_extended_errcode (b->db), error, "creating collection '%s'", coll->name);
         return NULL;
      }
      coll->exists = true;
   }
   return coll;
}

sqlite3_stmt *
docrel_sqlite__coll_stmt (docrel_backend_t *b,
                          docrel_sqlite_coll_t *coll,
                          docrel_sqlite_stmt_kind_t kind,
                          bson_error_t *error)
{
   char *sql;

   if (!coll->stmts[kind]) {
      sql = kind == DOCREL_SQLITE_STMT_SELECT_BY_ID
               ? sqlite3_mprintf ("SELECT doc FROM \"%w\" WHERE id = ?1", coll->table)
               : docrel_sqlite__row_sql (coll, kind == DOCREL_SQLITE_STMT_UPDATE_BY_ID);
      coll->stmts[kind] = docrel_sqlite__prepare (b, sql, SQLITE_PREPARE_PERSISTENT, "preparing a statement", error);
      sqlite3_free (sql);
   }
   return coll->stmts[kind];
}

/* Writes and transactions ----------------------------------------------------- */

/* Remembers why a failed transaction stays open (rolling it back failed: out
 * of memory, an I/O error), for the calls refused until it is rolled back. */
static void
set_stuck (docrel_backend_t *b, const char *what)
{
   bson_error_t why;

   docrel_sqlite__fail (b, sqlite3_extended_errcode (b->db), &why, "%s", what);
   b->stuck = why;
}

/* SQLite's advice after an error such as out of memory: roll back, and while
 * that fails, consider the transaction still open. A transaction nobody owns
 * is rolled back here before anything else runs, so no call reads its
 * half-written data or writes into it (where a commit would never come). */
static bool
recover (docrel_backend_t *b, bson_error_t *error)
{
   int rc;

   if (b->parent) {
      return true; /* a reader writes nothing; its read scope ends itself */
   }
   if (b->in_transaction) {
      /* The calling thread's own (the mutex is its): still open? */
      if (!sqlite3_get_autocommit (b->db)) {
         return true;
      }
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_BACKEND,
                                "the transaction was rolled back after an earlier failure; abort it and start again");
   }
   if (sqlite3_get_autocommit (b->db)) {
      return true;
   }
   rc = sqlite3_exec (b->db, "ROLLBACK", NULL, NULL, NULL);
   if (rc == SQLITE_OK || sqlite3_get_autocommit (b->db)) {
      memset (&b->stuck, 0, sizeof b->stuck);
      docrel_sqlite__forget_colls (b); /* the transaction may have made tables */
      return true;
   }
   return docrel_sqlite__fail (b, sqlite3_extended_errcode (b->db), error,
                               "the store refuses every call until it can roll back a failed write (%s); rolling it "
                               "back failed again",
                               b->stuck.code ? b->stuck.message : "a transaction was left open");
}

bool
docrel_sqlite__enter (docrel_backend_t *b, bson_error_t *error)
{
   pthread_mutex_lock (&b->mutex);
   if (recover (b, error)) {
      return true;
   }
   pthread_mutex_unlock (&b->mutex);
   return false;
}

/* The writer whose transaction the calling thread has open, if any. */
static _Thread_local const docrel_backend_t *own_transaction;

bool
docrel_sqlite__in_own_transaction (const docrel_backend_t *b)
{
   return own_transaction == b;
}

void
docrel_sqlite__schema_changed (docrel_backend_t *b)
{
   b->schema_changed = true;
}

/* After a commit: readers reload their collection state if it changed. */
static void
publish_schema (docrel_backend_t *b)
{
   if (b->schema_changed) {
      b->schema_changed = false;
      atomic_fetch_add (&b->schema_gen, 1);
   }
}

bool
docrel_sqlite__write_begin (docrel_backend_t *b, bool *own, bson_error_t *error)
{
   *own = sqlite3_get_autocommit (b->db) != 0;
   return docrel_sqlite__exec (b, *own ? "BEGIN IMMEDIATE" : "SAVEPOINT docrel_write", "starting a write", error);
}

bool
docrel_sqlite__write_end (docrel_backend_t *b, bool own, bool ok, bson_error_t *error)
{
   if (ok && docrel_sqlite__exec (b, own ? "COMMIT" : "RELEASE docrel_write", "committing a write", error)) {
      if (own) {
         publish_schema (b);
      }
      return true;
   }
   if (own) {
      b->schema_changed = false;
   }
   if (sqlite3_get_autocommit (b->db)) {
      /* SQLite already rolled back the whole transaction (an I/O error, a
       * full disk): tables or indexes of the caller's transaction may be gone. */
      if (!own) {
         docrel_sqlite__forget_colls (b);
      }
      return false;
   }
   /* Errors here cannot be reported over the first one, but they are kept:
    * a transaction of our own left open is rolled back by the next call
    * (recover), and the caller's, holding part of this write, cannot commit. */
   if (sqlite3_exec (b->db, own ? "ROLLBACK" : "ROLLBACK TO docrel_write; RELEASE docrel_write", NULL, NULL, NULL) !=
          SQLITE_OK &&
       !sqlite3_get_autocommit (b->db)) {
      if (own) {
         set_stuck (b, "rolling back a failed write");
      } else {
         b->txn_broken = true;
      }
   }
   return false;
}

static bool
init_recursive_mutex (pthread_mutex_t *mutex)
{
   pthread_mutexattr_t attr;
   bool ok;

   if (pthread_mutexattr_init (&attr) != 0) {
      return false;
   }
   ok = pthread_mutexattr_settype (&attr, PTHREAD_MUTEX_RECURSIVE) == 0 && pthread_mutex_init (mutex, &attr) == 0;
   pthread_mutexattr_destroy (&attr);
   return ok;
}

/* On success the calling thread keeps the mutex until commit or abort. */
static bool
sqlite_begin (docrel_backend_t *b, bool *active, bson_error_t *error)
{
   pthread_mutex_lock (&b->mutex);
   if (b->in_transaction) {
      pthread_mutex_unlock (&b->mutex);
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT,
                                "a transaction is already open on this thread");
   }
   if (!recover (b, error) || !docrel_sqlite__exec (b, "BEGIN IMMEDIATE", "beginning a transaction", error)) {
      pthread_mutex_unlock (&b->mutex);
      return false;
   }
   b->in_transaction = true;
   b->txn_broken = false;
   own_transaction = b;
   if (active) {
      *active = true;
   }
   return true;
}

/* Ends the calling thread's transaction: lets go of the mutex begin kept. */
static void
end_transaction (docrel_backend_t *b)
{
   if (b->in_transaction) {
      b->in_transaction = false;
      b->txn_broken = false;
      b->schema_changed = false; /* published by a commit before */
      own_transaction = NULL;
      pthread_mutex_unlock (&b->mutex);
   }
}

/* A failed COMMIT leaves the transaction open (the caller aborts it) unless
 * SQLite already rolled it back. */
static bool
sqlite_commit (docrel_backend_t *b, bson_error_t *error)
{
   bool ok;

   pthread_mutex_lock (&b->mutex);
   if (b->in_transaction && b->txn_broken) {
      ok = docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_BACKEND,
                              "committing a transaction: a failed write in it could not be undone; abort it");
   } else {
      ok = docrel_sqlite__exec (b, "COMMIT", "committing a transaction", error);
      if (ok) {
         publish_schema (b);
      }
   }
   if (ok || sqlite3_get_autocommit (b->db)) {
      end_transaction (b);
   }
   pthread_mutex_unlock (&b->mutex);
   return ok;
}

/* Rolls back; succeeds if no transaction is open (SQLite may have rolled it
 * back itself after an error), so callers can always abort after a failure.
 * If the rollback fails, the transaction stays open in SQLite but no longer
 * belongs to the caller: every later call tries again (recover) first. */
static bool
sqlite_abort (docrel_backend_t *b, bson_error_t *error)
{
   bool ok = true;

   pthread_mutex_lock (&b->mutex);
   if (!sqlite3_get_autocommit (b->db)) {
      ok = docrel_sqlite__exec (b, "ROLLBACK", "rolling back a transaction", error);
      if (!ok && !sqlite3_get_autocommit (b->db)) {
         set_stuck (b, "rolling back a failed transaction");
      }
   }
   docrel_sqlite__forget_colls (b); /* the transaction may have made tables */
   end_transaction (b);
   pthread_mutex_unlock (&b->mutex);
   return ok;
}

/* Collections and indexes -------------------------------------------------------- */

static bool
sqlite_ensure_collection (docrel_backend_t *b, const char *collection, bson_error_t *error)
{
   bool ok;

   if (!docrel_sqlite__enter (b, error)) {
      return false;
   }
   ok = docrel_sqlite__coll (b, collection, true, error) != NULL;
   pthread_mutex_unlock (&b->mutex);
   return ok;
}

/* Opening and closing ------------------------------------------------------------ */

/* The file name of uri, a URI without its query (bson_malloc'd), or NULL
 * with error set naming full, the whole URI. */
static char *
parse_path (const char *full, const char *uri, bool *memory, bson_error_t *error)
{
   const char *rest;

   *memory = false;
   if (!uri || strncasecmp (uri, "sqlite:", 7) != 0) {
      goto bad;
   }
   rest = uri + 7;
   if (strcmp (rest, ":memory:") == 0) {
      *memory = true;
      return bson_strdup (":memory:");
   }
   if (!*rest || strpbrk (rest, "?#")) {
      goto bad;
   }
   if (rest[0] == '/' && rest[1] == '/') {
      rest += 2; /* an authority must be empty: sqlite:///abs/path */
      if (rest[0] != '/' || rest[1] == '\0') {
         goto bad;
      }
   }
   if (rest[strlen (rest) - 1] == '/') {
      goto bad; /* a directory */
   }
   if (strncmp (rest, "file:", 5) == 0) {
      return bson_strdup_printf ("./%s", rest); /* not a SQLite URI filename */
   }
   return bson_strdup (rest);
bad:
   docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI, "invalid SQLite URI '%s': use %s",
                      full ? full : "(null)", URI_FORMS);
   return NULL;
}

/* Reads the URI's query: only docrel's own docrelTimeoutMS=N, the busy
 * timeout in milliseconds (a positive 32-bit integer). */
static bool
parse_query (const char *uri, const char *query, int *busy_ms, bson_error_t *error)
{
   const char *key = "docrelTimeoutMS=";
   char *end;
   long v;

   if (strchr (query, '&')) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI,
                                "invalid SQLite URI '%s': it takes one option, docrelTimeoutMS=<milliseconds>, given "
                                "once",
                                uri);
   }
   if (strncasecmp (query, key, strlen (key)) != 0) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI,
                                "invalid SQLite URI '%s': the only option is docrelTimeoutMS=<milliseconds>", uri);
   }
   errno = 0;
   v = strtol (query + strlen (key), &end, 10);
   if (errno || *end || end == query + strlen (key) || v <= 0 || v > INT32_MAX) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI,
                                "invalid SQLite URI '%s': docrelTimeoutMS is in milliseconds, a positive 32-bit "
                                "integer",
                                uri);
   }
   *busy_ms = (int) v;
   return true;
}

/* The file name uri names (bson_malloc'd), or NULL with error set; its
 * docrelTimeoutMS, if any, in *busy_ms. */
static char *
parse_uri (const char *uri, bool *memory, int *busy_ms, bson_error_t *error)
{
   const char *query = uri ? strchr (uri, '?') : NULL;
   char *head, *path;

   *busy_ms = DOCREL_SQLITE_BUSY_MS;
   if (!query) {
      return parse_path (uri, uri, memory, error);
   }
   if (!parse_query (uri, query + 1, busy_ms, error)) {
      return NULL;
   }
   head = bson_strndup (uri, (size_t) (query - uri));
   path = parse_path (uri, head, memory, error);
   bson_free (head);
   return path;
}

static void sqlite_close (docrel_backend_t *b);

/* Switching a file to WAL takes an exclusive lock, for which SQLite does not
 * wait (the busy handler is not called, to avoid deadlock) when stores open
 * the same new file at once: tried again for up to the busy timeout. */
static bool
set_wal (docrel_backend_t *b, bson_error_t *error)
{
   int64_t deadline = bson_get_monotonic_time () + (int64_t) b->busy_ms * 1000;
   int rc;

   while ((rc = sqlite3_exec (b->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL)) != SQLITE_OK) {
      rc = sqlite3_extended_errcode (b->db);
      if ((rc & 0xff) != SQLITE_BUSY || bson_get_monotonic_time () > deadline) {
         return docrel_sqlite__fail (b, rc, error, "opening the store");
      }
      sqlite3_sleep (2);
   }
   return true;
}

static docrel_backend_t *
sqlite_open (const char *uri, const docrel_backend_host_t *host, bson_error_t *error)
{
   docrel_backend_t *b = NULL;
   char *path;
   bool memory;
   int busy_ms;
   int rc;

   BSON_UNUSED (host); /* the embedded store makes no extra round trips */
   path = parse_uri (uri, &memory, &busy_ms, error);
   if (!path) {
      return NULL;
   }
   if (!sqlite3_threadsafe ()) {
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_BACKEND,
                         "this SQLite library was built without thread support");
      goto fail;
   }
   b = bson_malloc0 (sizeof *b);
   if (!init_recursive_mutex (&b->mutex)) {
      bson_free (b);
      b = NULL;
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_BACKEND, "cannot create a mutex");
      goto fail;
   }
   pthread_mutex_init (&b->pool_mutex, NULL);
   b->where = bson_strdup (uri);
   b->busy_ms = busy_ms;
   rc = docrel_sqlite__connect (path, SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, busy_ms, &b->db);
   if (rc != SQLITE_OK) {
      docrel_sqlite__fail (b, b->db ? sqlite3_extended_errcode (b->db) : rc, error, "opening '%s'", uri);
      goto fail;
   }
   /* Reading the schema also proves the file is a database. */
   if ((!memory && !set_wal (b, error)) ||
       !docrel_sqlite__exec (b, "PRAGMA synchronous=NORMAL", "opening the store", error) ||
       !docrel_sqlite__exec (b, "SELECT count(*) FROM sqlite_master", "opening the store", error) ||
       !docrel_sqlite__layout_check (b, error)) {
      goto fail;
   }
   if (!memory) {
      b->path = path; /* for the read connections (readers.c) */
      return b;
   }
   bson_free (path);
   return b;
fail:
   bson_free (path);
   sqlite_close (b);
   return NULL;
}

/* Every cursor must be destroyed first. */
static void
sqlite_close (docrel_backend_t *b)
{
   if (!b) {
      return;
   }
   docrel_sqlite__readers_close (b);
   colls_free (b);
   docrel_sqlite__cache_clear (b);
   sqlite3_finalize (b->begin_stmt);
   sqlite3_finalize (b->commit_stmt);
   sqlite3_close_v2 (b->db); /* rolls back an open transaction */
   pthread_mutex_destroy (&b->mutex);
   pthread_mutex_destroy (&b->pool_mutex);
   bson_free (b->path);
   bson_free (b->where);
   bson_free (b);
}

const docrel_backend_vtable_t docrel_backend_sqlite = {
   .version = DOCREL_BACKEND_VERSION,
   .name = "sqlite",
   .open = sqlite_open,
   .close = sqlite_close,
   .ensure_collection = sqlite_ensure_collection,
   .ensure_index = docrel_sqlite__ensure_index,
   .insert_many = docrel_sqlite__insert_many,
   .update_many = docrel_sqlite__update_many,
   .update_where = docrel_sqlite__update_where,
   .delete_many = docrel_sqlite__delete_many,
   .find = docrel_sqlite__find,
   .cursor_next = docrel_sqlite__cursor_next,
   .cursor_destroy = docrel_sqlite__cursor_destroy,
   .count = docrel_sqlite__count,
   .group_count = docrel_sqlite__group_count,
   .explain = docrel_sqlite__explain,
   .begin = sqlite_begin,
   .commit = sqlite_commit,
   .abort = sqlite_abort,
   .read_begin = docrel_sqlite__read_begin,
   .read_end = docrel_sqlite__read_end,
};
