/* SPDX-License-Identifier: Apache-2.0 */
/* upgrade.c: opening a file of an older layout (layout.c) upgrades it,
 * inside the transaction layout.c holds:
 *
 * 1 -> 2: docrel's tables (those with docrel's exact definition) are
 *    renamed as layout.c names them, and their docrel indexes dropped and
 *    created again under their new names (SQLite cannot rename an index);
 * 2 -> 3: every docrel table with docrel indexes is rebuilt with a key
 *    column per indexed path (columns.c), its documents and rowids copied,
 *    and its indexes created again over the columns. */
#include <string.h>
#include <strings.h>

#include "util/util-private.h"
#include "store/sqlite/sqlite-private.h"

/* 1 -> 2 ------------------------------------------------------------------------ */

/* True if the table old, defined by def, is a collection of layout 1 or 2
 * (or one of layout 3 without key columns). */
static bool
is_old_table (const char *old, const char *def)
{
   char *expected = sqlite3_mprintf ("CREATE TABLE \"%w\" " DOCREL_SQLITE_TABLE_DEF, old);
   bool same = expected && def && strcmp (expected, def) == 0;

   sqlite3_free (expected);
   return same;
}

/* If the index name of table (layout 1), defined by def, is docrel's
 * ("<table>__<index>", as docrel wrote it), adds dropping it to drops and
 * creating it under its new name to creates. */
static void
plan_index (const char *table,
            const char *name,
            const char *def,
            docrel_sqlite_script_t *drops,
            docrel_sqlite_script_t *creates)
{
   size_t len = strlen (table);
   bool unique = def && strncmp (def, "CREATE UNIQUE INDEX ", 20) == 0;
   char *header, *new_name, *new_table;

   if (!def || strncasecmp (name, table, len) != 0 || strncmp (name + len, "__", 2) != 0 || !name[len + 2] ||
       !strstr (def, "docrel_index_key(doc, '")) {
      return;
   }
   header = sqlite3_mprintf ("CREATE %sINDEX \"%w\" ON \"%w\" (", unique ? "UNIQUE " : "", name, table);
   if (header && strncasecmp (def, header, strlen (header)) == 0) {
      new_name = docrel_sqlite__index_name (table, name + len + 2);
      new_table = docrel_sqlite__table_name (table);
      docrel_sqlite__script_add (drops, sqlite3_mprintf ("DROP INDEX \"%w\"", name));
      docrel_sqlite__script_add (creates,
                                 sqlite3_mprintf ("CREATE %sINDEX \"%w\" ON \"%w\" (%s", unique ? "UNIQUE " : "",
                                                  new_name, new_table, def + strlen (header)));
      bson_free (new_name);
      bson_free (new_table);
   }
   sqlite3_free (header);
}

/* Plans the renames of every docrel table of layout 1 and of its indexes. */
static bool
plan_upgrade (docrel_backend_t *b,
              docrel_sqlite_script_t *drops,
              docrel_sqlite_script_t *renames,
              docrel_sqlite_script_t *creates,
              bson_error_t *error)
{
   static const char sql[] = "SELECT t.name, t.sql, i.name, i.sql FROM sqlite_master t"
                             " LEFT JOIN sqlite_master i ON i.type = 'index' AND i.tbl_name = t.name"
                             " WHERE t.type = 'table' ORDER BY t.name";
   sqlite3_stmt *stmt = docrel_sqlite__prepare (b, sql, 0, "reading the schema", error);
   char *prev = NULL; /* the last table seen (rows come by table) */
   int rc = SQLITE_OK;

   while (stmt && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);

      if (!name || !is_old_table (name, (const char *) sqlite3_column_text (stmt, 1))) {
         continue;
      }
      if (!prev || strcmp (prev, name) != 0) {
         char *table = docrel_sqlite__table_name (name);

         if (strcmp (table, name) != 0) {
            docrel_sqlite__script_add (renames, sqlite3_mprintf ("ALTER TABLE \"%w\" RENAME TO \"%w\"", name, table));
         }
         bson_free (table);
         bson_free (prev);
         prev = bson_strdup (name);
      }
      if (sqlite3_column_text (stmt, 2)) {
         plan_index (name, (const char *) sqlite3_column_text (stmt, 2), (const char *) sqlite3_column_text (stmt, 3),
                     drops, creates);
      }
   }
   bson_free (prev);
   if (!stmt) {
      return false;
   }
   sqlite3_finalize (stmt);
   if (rc != SQLITE_DONE) {
      return docrel_sqlite__fail (b, rc, error, "reading the schema");
   }
   return true;
}

bool
docrel_sqlite__upgrade_names (docrel_backend_t *b, bson_error_t *error)
{
   docrel_sqlite_script_t drops = {0}, renames = {0}, creates = {0};
   bool ok = plan_upgrade (b, &drops, &renames, &creates, error) && docrel_sqlite__script_run (b, &drops, error) &&
             docrel_sqlite__script_run (b, &renames, error) && docrel_sqlite__script_run (b, &creates, error);

   docrel_sqlite__script_destroy (&drops);
   docrel_sqlite__script_destroy (&renames);
   docrel_sqlite__script_destroy (&creates);
   return ok;
}

/* 2 -> 3 ------------------------------------------------------------------------ */

/* Turns *def, an index definition of table run again after its rebuild,
 * into the same index over key columns if it is a docrel index over
 * docrel_index_key, adding its paths to paths; any other stays as it was. */
static void
plan_column_index (const char *table, char **def, docrel_sqlite_paths_t *paths)
{
   docrel_sqlite_index_t index;
   char *name;

   if (!*def || !docrel_sqlite__index_parse (*def, &index)) {
      return;
   }
   name = docrel_sqlite__index_of (table, index.sql_name);
   if (name) {
      for (size_t i = 0; i < index.n_paths; i++) {
         docrel_sqlite__paths_add (paths, index.paths[i]);
      }
      sqlite3_free (*def);
      *def = docrel_sqlite__index_sql (&index, table, index.sql_name);
   }
   bson_free (name);
   docrel_sqlite__index_clear (&index);
}

/* Rebuilds table (of layout 2) with a key column per path its indexes use. */
static bool
upgrade_table (docrel_backend_t *b, const char *table, bson_error_t *error)
{
   docrel_sqlite_script_t indexes = {0};
   docrel_sqlite_paths_t paths = {0};
   bool ok = docrel_sqlite__table_indexes (b, table, &indexes, error);

   for (size_t i = 0; ok && i < indexes.n; i++) {
      plan_column_index (table, &indexes.sql[i], &paths);
   }
   ok = ok && (paths.n == 0 || docrel_sqlite__rebuild (b, table, &paths, &indexes, error));
   docrel_sqlite__script_destroy (&indexes);
   docrel_sqlite__paths_clear (&paths);
   return ok;
}

bool
docrel_sqlite__upgrade_columns (docrel_backend_t *b, bson_error_t *error)
{
   sqlite3_stmt *stmt = docrel_sqlite__prepare (b, "SELECT name, sql FROM sqlite_master WHERE type = 'table'", 0,
                                                "reading the schema", error);
   docrel_sqlite_script_t tables = {0};
   bool ok = true;
   int rc;

   if (!stmt) {
      return false;
   }
   while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);

      if (name && is_old_table (name, (const char *) sqlite3_column_text (stmt, 1))) {
         docrel_sqlite__script_add (&tables, sqlite3_mprintf ("%s", name));
      }
   }
   sqlite3_finalize (stmt); /* the rebuilds change the schema it reads */
   if (rc != SQLITE_DONE) {
      ok = docrel_sqlite__fail (b, rc, error, "reading the schema");
   }
   for (size_t i = 0; ok && i < tables.n; i++) {
      ok = tables.sql[i] ? upgrade_table (b, tables.sql[i], error)
                         : docrel_sqlite__fail (b, SQLITE_NOMEM, error, "upgrading the layout");
   }
   docrel_sqlite__script_destroy (&tables);
   return ok;
}
