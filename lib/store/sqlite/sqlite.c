/* SPDX-License-Identifier: Apache-2.0 */
/* sqlite.c: the embedded backend: documents in SQLite, one table per
 * collection.
 *
 * A collection is the rowid table
 *    CREATE TABLE "<coll>" (id BLOB PRIMARY KEY NOT NULL, doc BLOB NOT NULL)
 * where id is the keycode (keycode.c) of the _id value, so that equal values
 * (1 and 1.0) are one key as in MongoDB, and doc is the BSON document. A
 * rowid table keeps insertion order for unsorted queries. An index is an
 * expression index over docrel_index_key(doc, '<path>') named
 * "<coll>__<name>" (functions.c). Identifiers reach SQL only through
 * %w inside double quotes, paths only through %Q.
 *
 * This file opens the connection (URI, pragmas, SQL functions), keeps the
 * per-collection state (whether the table exists, its indexes, three cached
 * statements), runs transactions and the all-or-nothing envelope of every
 * write, creates collections and indexes, and holds the vtable. Queries are
 * in query.c, writes in write.c.
 *
 * One connection serves the whole store: statements from several threads are
 * serialized by the backend mutex. It is recursive, and a transaction holds
 * it from begin to commit or abort, so the thread that began it runs its
 * statements inside it while every other thread waits for it to end, rather
 * than having its writes join someone else's transaction. */
#include <stdarg.h>
#include <stdio.h>
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

/* Prepares a one-off statement. */
static sqlite3_stmt *
prepare (docrel_backend_t *b, const char *sql, unsigned flags, const char *what, bson_error_t *error)
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
index_clear (docrel_sqlite_index_t *index)
{
   for (size_t i = 0; i < index->n_paths; i++) {
      bson_free (index->paths[i]);
   }
   bson_free (index->paths);
   bson_free (index->name);
   bson_free (index->sql_name);
   memset (index, 0, sizeof *index);
}

static void
coll_forget_schema (docrel_sqlite_coll_t *coll)
{
   for (size_t i = 0; i < coll->n_indexes; i++) {
      index_clear (&coll->indexes[i]);
   }
   bson_free (coll->indexes);
   coll->indexes = NULL;
   coll->n_indexes = 0;
   for (int k = 0; k < DOCREL_SQLITE_N_STMTS; k++) {
      sqlite3_finalize (coll->stmts[k]);
      coll->stmts[k] = NULL;
   }
   coll->exists = false;
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
      bson_free (b->colls[i]->name);
      bson_free (b->colls[i]);
   }
   bson_free (b->colls);
   b->colls = NULL;
   b->n_colls = 0;
}

/* Reads the key paths back out of an index definition we wrote: every
 * docrel_index_key(doc, '<path>') in order. False if there are none. */
static bool
parse_index_sql (const char *sql, docrel_sqlite_index_t *index)
{
   static const char needle[] = "docrel_index_key(doc, '";
   const char *p = sql;

   while ((p = strstr (p, needle)) != NULL) {
      docrel_buf_t path = DOCREL_BUF_INIT;

      p += sizeof needle - 1;
      for (;;) {
         if (*p == '\0') {
            docrel_buf__destroy (&path);
            return false; /* unterminated literal: not ours */
         }
         if (*p == '\'' && p[1] == '\'') {
            docrel_buf__append_byte (&path, '\'');
            p += 2;
         } else if (*p == '\'') {
            p++;
            break;
         } else {
            docrel_buf__append_byte (&path, (uint8_t) *p++);
         }
      }
      docrel_buf__append_byte (&path, '\0');
      index->paths = bson_realloc (index->paths, (index->n_paths + 1) * sizeof *index->paths);
      index->paths[index->n_paths++] = (char *) path.data; /* bson_malloc'd */
   }
   index->unique = strncmp (sql, "CREATE UNIQUE INDEX", 19) == 0;
   return index->n_paths > 0;
}

/* Adds the index sql_name (defined by sql) to coll's list, unless there. */
static void
coll_add_index (docrel_sqlite_coll_t *coll, const char *sql_name, const char *sql)
{
   docrel_sqlite_index_t index = {0};
   size_t len = strlen (coll->name);

   if (docrel_sqlite__coll_index (coll, sql_name) || strncasecmp (sql_name, coll->name, len) != 0 ||
       strncmp (sql_name + len, "__", 2) != 0 || sql_name[len + 2] == '\0') {
      return; /* known, or not named as ours */
   }
   if (!parse_index_sql (sql, &index)) {
      index_clear (&index);
      return; /* not one of ours: never used for narrowing */
   }
   index.sql_name = bson_strdup (sql_name);
   index.name = bson_strdup (sql_name + len + 2);
   coll->indexes = bson_realloc (coll->indexes, (coll->n_indexes + 1) * sizeof *coll->indexes);
   coll->indexes[coll->n_indexes++] = index;
}

const docrel_sqlite_index_t *
docrel_sqlite__coll_index (const docrel_sqlite_coll_t *coll, const char *sql_name)
{
   for (size_t i = 0; i < coll->n_indexes; i++) {
      if (strcasecmp (coll->indexes[i].sql_name, sql_name) == 0) {
         return &coll->indexes[i];
      }
   }
   return NULL;
}

/* Looks the table up in the schema; if found, loads its indexes. */
static bool
coll_load (docrel_backend_t *b, docrel_sqlite_coll_t *coll, bson_error_t *error)
{
   static const char sql[] = "SELECT type, name, sql FROM sqlite_master"
                             " WHERE tbl_name = ?1 COLLATE NOCASE AND type IN ('table', 'index')";
   sqlite3_stmt *stmt = prepare (b, sql, 0, "reading the schema", error);
   bool ok = false;
   int rc;

   if (!stmt) {
      return false;
   }
   rc = sqlite3_bind_text (stmt, 1, coll->name, -1, SQLITE_STATIC);
   while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      const char *type = (const char *) sqlite3_column_text (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      const char *def = (const char *) sqlite3_column_text (stmt, 2);

      if (type && strcmp (type, "table") == 0) {
         coll->exists = true;
      } else if (name && def) {
         coll_add_index (coll, name, def);
      }
      rc = SQLITE_OK;
   }
   if (rc != SQLITE_DONE) {
      docrel_sqlite__fail (b, rc, error, "reading the schema of collection '%s'", coll->name);
      goto done;
   }
   ok = true;
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
      char *sql = sqlite3_mprintf (
         "CREATE TABLE IF NOT EXISTS \"%w\" (id BLOB PRIMARY KEY NOT NULL, doc BLOB NOT NULL)", coll->name);
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
   static const char *const formats[DOCREL_SQLITE_N_STMTS] = {
      "INSERT INTO \"%w\" (id, doc) VALUES (?1, ?2)",
      "SELECT doc FROM \"%w\" WHERE id = ?1",
      "UPDATE \"%w\" SET doc = ?2 WHERE id = ?1",
   };
   char *sql;

   if (!coll->stmts[kind]) {
      sql = sqlite3_mprintf (formats[kind], coll->name);
      coll->stmts[kind] = prepare (b, sql, SQLITE_PREPARE_PERSISTENT, "preparing a statement", error);
      sqlite3_free (sql);
   }
   return coll->stmts[kind];
}

/* Writes and transactions ----------------------------------------------------- */

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
      return true;
   }
   if (sqlite3_get_autocommit (b->db)) {
      /* SQLite already rolled back the whole transaction (an I/O error, a
       * full disk): tables or indexes of the caller's transaction may be gone. */
      if (!own) {
         docrel_sqlite__forget_colls (b);
      }
      return false;
   }
   /* Errors here cannot be reported over the first one; the work is undone
    * either way once the outer transaction ends. */
   sqlite3_exec (b->db, own ? "ROLLBACK" : "ROLLBACK TO docrel_write; RELEASE docrel_write", NULL, NULL, NULL);
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
   if (!docrel_sqlite__exec (b, "BEGIN IMMEDIATE", "beginning a transaction", error)) {
      pthread_mutex_unlock (&b->mutex);
      return false;
   }
   b->in_transaction = true;
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
   ok = docrel_sqlite__exec (b, "COMMIT", "committing a transaction", error);
   if (ok || sqlite3_get_autocommit (b->db)) {
      end_transaction (b);
   }
   pthread_mutex_unlock (&b->mutex);
   return ok;
}

/* Rolls back; succeeds if no transaction is open (SQLite may have rolled it
 * back itself after an error), so callers can always abort after a failure. */
static bool
sqlite_abort (docrel_backend_t *b, bson_error_t *error)
{
   bool ok = true;

   pthread_mutex_lock (&b->mutex);
   if (!sqlite3_get_autocommit (b->db)) {
      ok = docrel_sqlite__exec (b, "ROLLBACK", "rolling back a transaction", error);
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

   pthread_mutex_lock (&b->mutex);
   ok = docrel_sqlite__coll (b, collection, true, error) != NULL;
   pthread_mutex_unlock (&b->mutex);
   return ok;
}

/* The CREATE INDEX statement of spec (sqlite3_malloc'd, NULL on OOM). The
 * schema keeps this exact text, which is how an existing index is compared. */
static char *
index_sql (const docrel_index_spec_t *spec, const char *sql_name)
{
   sqlite3_str *s = sqlite3_str_new (NULL);

   sqlite3_str_appendf (s, "CREATE %sINDEX \"%w\" ON \"%w\" (", spec->unique ? "UNIQUE " : "", sql_name,
                        spec->collection);
   for (size_t i = 0; i < spec->n_keys; i++) {
      char *expr = docrel_sqlite__key_expr (spec->paths[i]);

      if (!expr) {
         sqlite3_free (sqlite3_str_finish (s));
         return NULL;
      }
      sqlite3_str_appendf (s, "%s%s%s", i ? ", " : "", expr, spec->directions[i] < 0 ? " DESC" : "");
      sqlite3_free (expr);
   }
   sqlite3_str_appendall (s, ")");
   if (sqlite3_str_errcode (s) != SQLITE_OK) {
      sqlite3_free (sqlite3_str_finish (s));
      return NULL;
   }
   return sqlite3_str_finish (s);
}

/* After CREATE UNIQUE INDEX failed on duplicates: finds a document whose key
 * occurs twice, for the error message. */
static bool
unique_build_error (docrel_backend_t *b,
                    const docrel_index_spec_t *spec,
                    docrel_sqlite_coll_t *coll,
                    bson_error_t *error)
{
   docrel_sqlite_index_t index = {0};
   sqlite3_str *s = sqlite3_str_new (NULL);
   sqlite3_stmt *stmt = NULL;
   char *sql;
   bson_t doc;

   sqlite3_str_appendf (s, "SELECT doc FROM \"%w\" GROUP BY ", coll->name);
   for (size_t i = 0; i < spec->n_keys; i++) {
      char *expr = docrel_sqlite__key_expr (spec->paths[i]);
      sqlite3_str_appendf (s, "%s%s", i ? ", " : "", expr ? expr : "NULL");
      sqlite3_free (expr);
   }
   sqlite3_str_appendall (s, " HAVING count(*) > 1 LIMIT 1");
   sql = sqlite3_str_finish (s);
   stmt = prepare (b, sql, 0, "finding duplicate keys", error);
   sqlite3_free (sql);
   if (stmt && sqlite3_step (stmt) == SQLITE_ROW &&
       bson_init_static (&doc, sqlite3_column_blob (stmt, 0), (size_t) sqlite3_column_bytes (stmt, 0))) {
      index.name = (char *) spec->name;
      index.paths = (char **) spec->paths;
      index.n_paths = spec->n_keys;
      docrel_sqlite__duplicate_error (coll, &index, &doc, " (building a unique index)", error);
   } else {
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_DUPLICATE_KEY,
                         "duplicate key in collection '%s' index '%s' (building a unique index)", coll->name,
                         spec->name);
   }
   sqlite3_finalize (stmt);
   return false;
}

static bool
sqlite_ensure_index (docrel_backend_t *b, const docrel_index_spec_t *spec, bson_error_t *error)
{
   docrel_sqlite_coll_t *coll;
   sqlite3_stmt *stmt = NULL;
   char *sql_name = NULL;
   char *sql = NULL;
   bool ok = false;
   int rc;

   pthread_mutex_lock (&b->mutex);
   coll = docrel_sqlite__coll (b, spec->collection, true, error);
   if (!coll) {
      goto done;
   }
   if (spec->n_keys == 1 && strcmp (spec->paths[0], "_id") == 0) {
      ok = true; /* the primary key is this index */
      goto done;
   }
   sql_name = sqlite3_mprintf ("%s__%s", coll->name, spec->name);
   sql = sql_name ? index_sql (spec, sql_name) : NULL;
   if (!sql) {
      docrel_sqlite__fail (b, SQLITE_NOMEM, error, "creating index '%s'", spec->name);
      goto done;
   }
   stmt = prepare (b, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1 COLLATE NOCASE", 0,
                   "reading the schema", error);
   if (!stmt) {
      goto done;
   }
   sqlite3_bind_text (stmt, 1, sql_name, -1, SQLITE_STATIC);
   rc = sqlite3_step (stmt);
   if (rc == SQLITE_ROW) {
      const char *existing = (const char *) sqlite3_column_text (stmt, 0);

      if (!existing || strcmp (existing, sql) != 0) {
         docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME,
                            "index '%s' of collection '%s' already exists with other keys or options", spec->name,
                            coll->name);
         goto done;
      }
   } else if (rc != SQLITE_DONE) {
      docrel_sqlite__fail (b, rc, error, "reading the schema");
      goto done;
   } else if (sqlite3_exec (b->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
      rc = sqlite3_extended_errcode (b->db);
      if (spec->unique && rc == SQLITE_CONSTRAINT_UNIQUE) {
         unique_build_error (b, spec, coll, error);
      } else {
         docrel_sqlite__fail (b, rc, error, "creating index '%s' on collection '%s'", spec->name, coll->name);
      }
      goto done;
   }
   coll_add_index (coll, sql_name, sql);
   ok = true;
done:
   sqlite3_finalize (stmt);
   sqlite3_free (sql);
   sqlite3_free (sql_name);
   pthread_mutex_unlock (&b->mutex);
   return ok;
}

/* Opening and closing ------------------------------------------------------------ */

/* The file name uri names (bson_malloc'd), or NULL with error set. */
static char *
parse_uri (const char *uri, bool *memory, bson_error_t *error)
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
                      uri ? uri : "(null)", URI_FORMS);
   return NULL;
}

static void sqlite_close (docrel_backend_t *b);

static docrel_backend_t *
sqlite_open (const char *uri, const docrel_backend_host_t *host, bson_error_t *error)
{
   docrel_backend_t *b = NULL;
   char *path;
   bool memory;
   int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
   int rc;

   BSON_UNUSED (host); /* the embedded store makes no extra round trips */
#ifdef SQLITE_OPEN_EXRESCODE
   flags |= SQLITE_OPEN_EXRESCODE;
#endif
   path = parse_uri (uri, &memory, error);
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
   rc = sqlite3_open_v2 (path, &b->db, flags, NULL);
   if (rc != SQLITE_OK) {
      docrel_sqlite__fail (b, b->db ? sqlite3_extended_errcode (b->db) : rc, error, "opening '%s'", uri);
      goto fail;
   }
   sqlite3_extended_result_codes (b->db, 1);
   rc = sqlite3_busy_timeout (b->db, DOCREL_SQLITE_BUSY_MS);
   if (rc == SQLITE_OK) {
      rc = docrel_sqlite__register_functions (b->db);
   }
   if (rc != SQLITE_OK) {
      docrel_sqlite__fail (b, rc, error, "setting up '%s'", uri);
      goto fail;
   }
   /* Reading the schema also proves the file is a database. */
   if ((!memory && !docrel_sqlite__exec (b, "PRAGMA journal_mode=WAL", "opening the store", error)) ||
       !docrel_sqlite__exec (b, "PRAGMA synchronous=NORMAL", "opening the store", error) ||
       !docrel_sqlite__exec (b, "SELECT count(*) FROM sqlite_master", "opening the store", error)) {
      goto fail;
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
   colls_free (b);
   docrel_sqlite__cache_clear (b);
   sqlite3_close_v2 (b->db); /* rolls back an open transaction */
   pthread_mutex_destroy (&b->mutex);
   bson_free (b);
}

const docrel_backend_vtable_t docrel_backend_sqlite = {
   .version = DOCREL_BACKEND_VERSION,
   .name = "sqlite",
   .open = sqlite_open,
   .close = sqlite_close,
   .ensure_collection = sqlite_ensure_collection,
   .ensure_index = sqlite_ensure_index,
   .insert_many = docrel_sqlite__insert_many,
   .update_many = docrel_sqlite__update_many,
   .update_where = docrel_sqlite__update_where,
   .delete_many = docrel_sqlite__delete_many,
   .find = docrel_sqlite__find,
   .cursor_next = docrel_sqlite__cursor_next,
   .cursor_destroy = docrel_sqlite__cursor_destroy,
   .count = docrel_sqlite__count,
   .explain = docrel_sqlite__explain,
   .begin = sqlite_begin,
   .commit = sqlite_commit,
   .abort = sqlite_abort,
};
