/* SPDX-License-Identifier: Apache-2.0 */
/* columns.c: the key columns of a collection's table (layout 3).
 *
 * Every path an index uses has a column of its own, named as layout.c says
 * ("key:author$id"), holding the keycode docrel_index_key gives the
 * document (functions.c): the indexes are plain indexes over columns, as a
 * hand-written program would have them, so SQLite plans them like any
 * other and the sqlite3 shell can check a file without docrel's functions.
 *
 *    CREATE TABLE "<table>" (id BLOB PRIMARY KEY NOT NULL, doc BLOB NOT NULL,
 *       "key:<path>" BLOB CHECK ("key:<path>" IS NOT NULL), ...)
 *
 * docrel fills them at every insert and update (write.c), naming every
 * column by position (INSERT INTO "t" VALUES (?, ?, ...)), so a writer
 * whose idea of the columns is stale fails to prepare rather than leaving
 * a new column empty; it then reads the columns again and retries. A
 * writer that names columns and leaves out a key column (an older docrel
 * in another process, the shell) breaks the CHECK instead of storing a row
 * the index would miss.
 *
 * A path gets its column when an index first needs it: added by ALTER
 * TABLE to an empty table, otherwise by rebuilding the table (a new table
 * with the documents, their rowids and the keys computed by
 * docrel_index_key, then the old one dropped, the new one renamed and the
 * indexes created again), the way SQLite documents for changes ALTER TABLE
 * cannot make. */
#include <string.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "store/sqlite/sqlite-private.h"

/* Paths ------------------------------------------------------------------------ */

bool
docrel_sqlite__paths_has (const docrel_sqlite_paths_t *paths, const char *path)
{
   for (size_t i = 0; i < paths->n; i++) {
      if (strcmp (paths->v[i], path) == 0) {
         return true;
      }
   }
   return false;
}

void
docrel_sqlite__paths_add (docrel_sqlite_paths_t *paths, const char *path)
{
   if (strcmp (path, "_id") == 0 || docrel_sqlite__paths_has (paths, path)) {
      return; /* _id is the id column */
   }
   paths->v = bson_realloc (paths->v, (paths->n + 1) * sizeof *paths->v);
   paths->v[paths->n++] = bson_strdup (path);
}

void
docrel_sqlite__paths_clear (docrel_sqlite_paths_t *paths)
{
   for (size_t i = 0; i < paths->n; i++) {
      bson_free (paths->v[i]);
   }
   bson_free (paths->v);
   paths->v = NULL;
   paths->n = 0;
}

/* Definitions ------------------------------------------------------------------ */

/* Appends the definition of path's key column to s. */
static void
append_column_def (sqlite3_str *s, const char *path)
{
   char *column = docrel_sqlite__column_name (path);

   sqlite3_str_appendf (s, "\"%w\" BLOB CHECK (\"%w\" IS NOT NULL)", column, column);
   bson_free (column);
}

char *
docrel_sqlite__table_sql (const char *table, const docrel_sqlite_paths_t *paths)
{
   sqlite3_str *s = sqlite3_str_new (NULL);

   sqlite3_str_appendf (s, "CREATE TABLE \"%w\" ", table);
   if (!paths || paths->n == 0) {
      sqlite3_str_appendall (s, DOCREL_SQLITE_TABLE_DEF);
   } else {
      sqlite3_str_appendall (s, "(id BLOB PRIMARY KEY NOT NULL, doc BLOB NOT NULL");
      for (size_t i = 0; i < paths->n; i++) {
         sqlite3_str_appendall (s, ", ");
         append_column_def (s, paths->v[i]);
      }
      sqlite3_str_appendall (s, ")");
   }
   return docrel_sqlite__str_finish (s);
}

void
docrel_sqlite__append_key (sqlite3_str *s, const docrel_sqlite_coll_t *coll, const char *path)
{
   char *column;

   if (strcmp (path, "_id") == 0) {
      sqlite3_str_appendall (s, "id");
   } else if (!coll || !docrel_sqlite__paths_has (&coll->key_paths, path)) {
      sqlite3_str_appendf (s, "docrel_index_key(doc, %Q)", path); /* no column: computed */
   } else {
      column = docrel_sqlite__column_name (path);
      sqlite3_str_appendf (s, "\"%w\"", column);
      bson_free (column);
   }
}

char *
docrel_sqlite__key_expr (const docrel_sqlite_coll_t *coll, const char *path)
{
   sqlite3_str *s = sqlite3_str_new (NULL);

   docrel_sqlite__append_key (s, coll, path);
   return docrel_sqlite__str_finish (s);
}

/* Reading ---------------------------------------------------------------------- */

bool
docrel_sqlite__columns_load (docrel_backend_t *b, docrel_sqlite_coll_t *coll, bson_error_t *error)
{
   sqlite3_stmt *stmt = docrel_sqlite__prepare (b, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", 0,
                                                "reading the schema", error);
   bool ok = true;
   int rc, i = 0;

   if (!stmt) {
      return false;
   }
   docrel_sqlite__paths_clear (&coll->key_paths);
   rc = sqlite3_bind_text (stmt, 1, coll->table, -1, SQLITE_STATIC);
   while (ok && rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      char *path = name && i >= 2 ? docrel_sqlite__column_path (name) : NULL;

      if (i < 2 ? !name || strcmp (name, i ? "doc" : "id") != 0 : !path) {
         ok = docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_BACKEND,
                                 "table '%s' of collection '%s' has a column '%s' that docrel did not make",
                                 coll->table, coll->name, name ? name : "?");
      } else if (path) {
         docrel_sqlite__paths_add (&coll->key_paths, path);
      }
      bson_free (path);
      i++;
      rc = SQLITE_OK;
   }
   sqlite3_finalize (stmt);
   if (ok && rc != SQLITE_DONE) {
      ok = docrel_sqlite__fail (b, rc, error, "reading the columns of collection '%s'", coll->name);
   }
   return ok;
}

/* Writing ---------------------------------------------------------------------- */

void
docrel_sqlite__row_keys (docrel_sqlite_coll_t *coll, const bson_t *doc)
{
   docrel_sqlite_row_t *row = &coll->row;

   docrel_buf__reset (&row->keys);
   if (row->cap < coll->key_paths.n) {
      row->cap = coll->key_paths.n;
      row->ends = bson_realloc (row->ends, row->cap * sizeof *row->ends);
   }
   for (size_t i = 0; i < coll->key_paths.n; i++) {
      docrel_sqlite__index_key (doc, coll->key_paths.v[i], &row->keys);
      row->ends[i] = row->keys.len;
   }
}

int
docrel_sqlite__row_bind (const docrel_sqlite_coll_t *coll, sqlite3_stmt *stmt, int first)
{
   const docrel_sqlite_row_t *row = &coll->row;
   int rc = SQLITE_OK;

   for (size_t i = 0; rc == SQLITE_OK && i < coll->key_paths.n; i++) {
      size_t start = i ? row->ends[i - 1] : 0;

      rc = sqlite3_bind_blob (stmt, first + (int) i, row->keys.data + start, (int) (row->ends[i] - start),
                              SQLITE_STATIC);
   }
   return rc;
}

/* Adding columns --------------------------------------------------------------- */

/* The INSERT that copies table into into, computing the keys of paths. */
static char *
copy_sql (const char *table, const char *into, const docrel_sqlite_paths_t *paths)
{
   sqlite3_str *s = sqlite3_str_new (NULL);

   sqlite3_str_appendf (s, "INSERT INTO \"%w\" SELECT id, doc", into);
   for (size_t i = 0; i < paths->n; i++) {
      sqlite3_str_appendf (s, ", docrel_index_key(doc, %Q)", paths->v[i]);
   }
   sqlite3_str_appendf (s, " FROM \"%w\" ORDER BY rowid", table);
   return docrel_sqlite__str_finish (s);
}

bool
docrel_sqlite__rebuild (docrel_backend_t *b,
                        const char *table,
                        const docrel_sqlite_paths_t *paths,
                        const docrel_sqlite_script_t *indexes,
                        bson_error_t *error)
{
   /* "<table>$_" names no table and no index (layout.c). */
   char *temp = sqlite3_mprintf ("%s$_", table);
   docrel_sqlite_script_t script = {0};
   bool ok;

   docrel_sqlite__script_add (&script, docrel_sqlite__table_sql (temp, paths));
   docrel_sqlite__script_add (&script, temp ? copy_sql (table, temp, paths) : NULL);
   docrel_sqlite__script_add (&script, sqlite3_mprintf ("DROP TABLE \"%w\"", table));
   docrel_sqlite__script_add (&script, sqlite3_mprintf ("ALTER TABLE \"%w\" RENAME TO \"%w\"", temp, table));
   for (size_t i = 0; i < indexes->n; i++) {
      docrel_sqlite__script_add (&script, indexes->sql[i] ? sqlite3_mprintf ("%s", indexes->sql[i]) : NULL);
   }
   ok = docrel_sqlite__script_run (b, &script, error);
   docrel_sqlite__script_destroy (&script);
   sqlite3_free (temp);
   return ok;
}

bool
docrel_sqlite__table_indexes (docrel_backend_t *b,
                              const char *table,
                              docrel_sqlite_script_t *indexes,
                              bson_error_t *error)
{
   sqlite3_stmt *stmt = docrel_sqlite__prepare (
      b, "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL", 0,
      "reading the schema", error);
   int rc;

   if (!stmt) {
      return false;
   }
   rc = sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
   while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      docrel_sqlite__script_add (indexes, sqlite3_mprintf ("%s", (const char *) sqlite3_column_text (stmt, 0)));
      rc = SQLITE_OK;
   }
   sqlite3_finalize (stmt);
   return rc == SQLITE_DONE || docrel_sqlite__fail (b, rc, error, "reading the indexes of table '%s'", table);
}

/* 1 if the table holds no row, 0 if it does, -1 with error set. */
static int
table_empty (docrel_backend_t *b, const char *table, bson_error_t *error)
{
   char *sql = sqlite3_mprintf ("SELECT 1 FROM \"%w\" LIMIT 1", table);
   sqlite3_stmt *stmt = docrel_sqlite__prepare (b, sql, 0, "reading a table", error);
   int rc;

   sqlite3_free (sql);
   if (!stmt) {
      return -1;
   }
   rc = sqlite3_step (stmt);
   sqlite3_finalize (stmt);
   if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      docrel_sqlite__fail (b, rc, error, "reading table '%s'", table);
      return -1;
   }
   return rc == SQLITE_DONE;
}

/* Adds the columns of the paths past the first n_old of all to the empty
 * table, by ALTER TABLE. */
static bool
alter_add (docrel_backend_t *b, const char *table, const docrel_sqlite_paths_t *all, size_t n_old, bson_error_t *error)
{
   docrel_sqlite_script_t script = {0};
   bool ok;

   for (size_t i = n_old; i < all->n; i++) {
      sqlite3_str *s = sqlite3_str_new (NULL);

      sqlite3_str_appendf (s, "ALTER TABLE \"%w\" ADD COLUMN ", table);
      append_column_def (s, all->v[i]);
      docrel_sqlite__script_add (&script, docrel_sqlite__str_finish (s));
   }
   ok = docrel_sqlite__script_run (b, &script, error);
   docrel_sqlite__script_destroy (&script);
   return ok;
}

bool
docrel_sqlite__add_columns (docrel_backend_t *b,
                            docrel_sqlite_coll_t *coll,
                            const char *const *paths,
                            size_t n,
                            bson_error_t *error)
{
   docrel_sqlite_script_t indexes = {0};
   docrel_sqlite_paths_t all = {0};
   size_t n_old;
   int empty;
   bool ok;

   /* Inside the write: another connection may have added some since. */
   if (!docrel_sqlite__columns_load (b, coll, error)) {
      return false;
   }
   n_old = coll->key_paths.n;
   for (size_t i = 0; i < n_old; i++) {
      docrel_sqlite__paths_add (&all, coll->key_paths.v[i]);
   }
   for (size_t i = 0; i < n; i++) {
      docrel_sqlite__paths_add (&all, paths[i]);
   }
   if (all.n == n_old) {
      docrel_sqlite__paths_clear (&all);
      return true;
   }
   empty = table_empty (b, coll->table, error);
   if (empty == 1) {
      ok = alter_add (b, coll->table, &all, n_old, error);
   } else {
      ok = empty == 0 && docrel_sqlite__table_indexes (b, coll->table, &indexes, error) &&
           docrel_sqlite__rebuild (b, coll->table, &all, &indexes, error);
   }
   docrel_sqlite__script_destroy (&indexes);
   docrel_sqlite__paths_clear (&all);
   docrel_sqlite__coll_columns_changed (b, coll);
   return ok && docrel_sqlite__coll (b, coll->name, false, error);
}

/* The statements that write rows ------------------------------------------------ */

char *
docrel_sqlite__row_sql (const docrel_sqlite_coll_t *coll, bool upsert)
{
   sqlite3_str *s = sqlite3_str_new (NULL);

   sqlite3_str_appendf (s, "INSERT INTO \"%w\" VALUES (?1, ?2", coll->table);
   for (size_t i = 0; i < coll->key_paths.n; i++) {
      sqlite3_str_appendf (s, ", ?%d", (int) i + 3);
   }
   sqlite3_str_appendall (s, ")");
   if (upsert) {
      sqlite3_str_appendall (s, " ON CONFLICT (id) DO UPDATE SET doc = excluded.doc");
      for (size_t i = 0; i < coll->key_paths.n; i++) {
         char *column = docrel_sqlite__column_name (coll->key_paths.v[i]);

         sqlite3_str_appendf (s, ", \"%w\" = excluded.\"%w\"", column, column);
         bson_free (column);
      }
   }
   return docrel_sqlite__str_finish (s);
}
