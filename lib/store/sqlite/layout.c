/* SPDX-License-Identifier: Apache-2.0 */
/* layout.c: how the embedded store names its tables and indexes in a file,
 * which layout a file has, and the upgrade of a file of the older layout.
 *
 * SQLite compares table and index names without regard to ASCII case, and
 * tables and indexes share one namespace, while MongoDB's collection and
 * index names are case-sensitive. So names are escaped: an ASCII capital
 * becomes '$' and its small letter, '$' becomes "$$", every other byte stays
 * ("Author" is table "$author", "post" stays "post"). An escaped name holds
 * no ASCII capital, so two names SQLite would confuse are the same name, and
 * the escape is undone byte by byte. An index is
 *    <escaped collection> "$_" <escaped index name>
 * ("$author$_email_1"); "$_" never occurs inside an escaped name, so no
 * index name equals another's or a table's.
 *
 * Layouts (PRAGMA user_version):
 *    0  layout 1, docrel 0.1: tables named as their collections, indexes
 *       "<collection>__<index>" (two collections differing only in case
 *       shared a table; index names could collide), or a new empty file
 *    2  layout 2: the names above
 * Opening a file of layout 1 upgrades it in one transaction: its docrel
 * tables (those with docrel's exact definition) are renamed, and its docrel
 * indexes dropped and created again under their new names (SQLite cannot
 * rename an index), then user_version becomes 2. A file of a later layout is
 * refused. */
#include <string.h>
#include <strings.h>

#include "util/util-private.h"
#include "store/sqlite/sqlite-private.h"

#define LAYOUT 2 /* PRAGMA user_version of this layout */
#define TABLE_DEF "(id BLOB PRIMARY KEY NOT NULL, doc BLOB NOT NULL)"

/* Names ----------------------------------------------------------------------- */

static void
escape (docrel_buf_t *out, const char *name)
{
   for (const char *p = name; *p; p++) {
      if (*p >= 'A' && *p <= 'Z') {
         docrel_buf__append_byte (out, '$');
         docrel_buf__append_byte (out, (uint8_t) (*p - 'A' + 'a'));
      } else if (*p == '$') {
         docrel_buf__append (out, "$$", 2);
      } else {
         docrel_buf__append_byte (out, (uint8_t) *p);
      }
   }
}

static char *
finish (docrel_buf_t *buf)
{
   docrel_buf__append_byte (buf, '\0');
   return (char *) buf->data; /* bson_malloc'd */
}

char *
docrel_sqlite__table_name (const char *collection)
{
   docrel_buf_t buf = DOCREL_BUF_INIT;

   escape (&buf, collection);
   return finish (&buf);
}

char *
docrel_sqlite__index_name (const char *collection, const char *index)
{
   docrel_buf_t buf = DOCREL_BUF_INIT;

   escape (&buf, collection);
   docrel_buf__append (&buf, "$_", 2);
   escape (&buf, index);
   return finish (&buf);
}

char *
docrel_sqlite__index_of (const char *table, const char *sql_name)
{
   docrel_buf_t buf = DOCREL_BUF_INIT;
   size_t len = strlen (table);
   const char *p;

   if (strncmp (sql_name, table, len) != 0 || strncmp (sql_name + len, "$_", 2) != 0 || !sql_name[len + 2]) {
      return NULL;
   }
   for (p = sql_name + len + 2; *p; p++) {
      if (*p != '$') {
         docrel_buf__append_byte (&buf, (uint8_t) *p);
      } else if (p[1] == '$' || (p[1] >= 'a' && p[1] <= 'z')) {
         docrel_buf__append_byte (&buf, (uint8_t) (p[1] == '$' ? '$' : p[1] - 'a' + 'A'));
         p++;
      } else {
         docrel_buf__destroy (&buf);
         return NULL; /* not an escaped name: not ours */
      }
   }
   return finish (&buf);
}

/* The upgrade from layout 1 ------------------------------------------------------ */

/* The statements of an upgrade, run in order once all are known. */
typedef struct {
   char **sql; /* sqlite3_malloc'd */
   size_t n;
} script_t;

static void
script_add (script_t *script, char *sql)
{
   script->sql = bson_realloc (script->sql, (script->n + 1) * sizeof *script->sql);
   script->sql[script->n++] = sql;
}

static void
script_destroy (script_t *script)
{
   for (size_t i = 0; i < script->n; i++) {
      sqlite3_free (script->sql[i]);
   }
   bson_free (script->sql);
}

/* True if the table old, defined by def, is a collection of layout 1. */
static bool
is_old_table (const char *old, const char *def)
{
   char *expected = sqlite3_mprintf ("CREATE TABLE \"%w\" " TABLE_DEF, old);
   bool same = expected && def && strcmp (expected, def) == 0;

   sqlite3_free (expected);
   return same;
}

/* If the index name of table (layout 1), defined by def, is docrel's
 * ("<table>__<index>", as docrel wrote it), adds dropping it to drops and
 * creating it under its new name to creates. */
static void
plan_index (const char *table, const char *name, const char *def, script_t *drops, script_t *creates)
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
      script_add (drops, sqlite3_mprintf ("DROP INDEX \"%w\"", name));
      script_add (creates, sqlite3_mprintf ("CREATE %sINDEX \"%w\" ON \"%w\" (%s", unique ? "UNIQUE " : "", new_name,
                                            new_table, def + strlen (header)));
      bson_free (new_name);
      bson_free (new_table);
   }
   sqlite3_free (header);
}

/* Plans the renames of every docrel table of layout 1 and of its indexes. */
static bool
plan_upgrade (docrel_backend_t *b, script_t *drops, script_t *renames, script_t *creates, bson_error_t *error)
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
            script_add (renames, sqlite3_mprintf ("ALTER TABLE \"%w\" RENAME TO \"%w\"", name, table));
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

static bool
run_script (docrel_backend_t *b, const script_t *script, bson_error_t *error)
{
   for (size_t i = 0; i < script->n; i++) {
      if (!script->sql[i]) {
         return docrel_sqlite__fail (b, SQLITE_NOMEM, error, "building the upgrade");
      }
      if (!docrel_sqlite__exec (b, script->sql[i], script->sql[i], error)) {
         return false;
      }
   }
   return true;
}

static bool
upgrade (docrel_backend_t *b, bson_error_t *error)
{
   script_t drops = {0}, renames = {0}, creates = {0};
   bool ok = plan_upgrade (b, &drops, &renames, &creates, error) && run_script (b, &drops, error) &&
             run_script (b, &renames, error) && run_script (b, &creates, error);

   script_destroy (&drops);
   script_destroy (&renames);
   script_destroy (&creates);
   return ok;
}

/* Layouts ---------------------------------------------------------------------- */

static bool
read_layout (docrel_backend_t *b, int *layout, bson_error_t *error)
{
   sqlite3_stmt *stmt = docrel_sqlite__prepare (b, "PRAGMA user_version", 0, "reading the layout", error);
   int rc;

   if (!stmt) {
      return false;
   }
   rc = sqlite3_step (stmt);
   *layout = rc == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : 0;
   sqlite3_finalize (stmt);
   return rc == SQLITE_ROW || docrel_sqlite__fail (b, rc, error, "reading the layout");
}

static bool
refuse (const docrel_backend_t *b, int layout, bson_error_t *error)
{
   return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_BACKEND,
                             "'%s' has layout %d (PRAGMA user_version), which this docrel cannot read: it reads "
                             "layout %d and upgrades layout 1 (user_version 0); a newer docrel wrote this file",
                             b->where, layout, LAYOUT);
}

bool
docrel_sqlite__layout_check (docrel_backend_t *b, bson_error_t *error)
{
   bson_error_t why;
   int layout;
   bool ok;

   if (!read_layout (b, &layout, error)) {
      return false;
   }
   if (layout == LAYOUT) {
      return true;
   }
   if (layout != 0) {
      return refuse (b, layout, error);
   }
   /* Another store may be upgrading it right now: look again inside. */
   if (!docrel_sqlite__exec (b, "BEGIN IMMEDIATE", "upgrading the file's layout", error)) {
      return false;
   }
   ok = read_layout (b, &layout, &why);
   if (ok && layout != 0 && layout != LAYOUT) {
      sqlite3_exec (b->db, "ROLLBACK", NULL, NULL, NULL);
      return refuse (b, layout, error);
   }
   if (ok && layout == 0) {
      char *set = sqlite3_mprintf ("PRAGMA user_version = %d", LAYOUT);

      ok = upgrade (b, &why) && (set ? docrel_sqlite__exec (b, set, "marking the layout", &why)
                                     : docrel_sqlite__fail (b, SQLITE_NOMEM, &why, "marking the layout"));
      sqlite3_free (set);
   }
   if (ok && docrel_sqlite__exec (b, "COMMIT", "committing the layout upgrade", &why)) {
      return true;
   }
   sqlite3_exec (b->db, "ROLLBACK", NULL, NULL, NULL);
   return docrel_error__set (error, why.domain, why.code, "upgrading '%s' from layout 1 to layout %d: %s", b->where,
                             LAYOUT, why.message);
}
