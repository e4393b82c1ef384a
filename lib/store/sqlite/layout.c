/* SPDX-License-Identifier: Apache-2.0 */
/* layout.c: how the embedded store names its tables, indexes and key
 * columns in a file, and which layout a file has.
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
 * A key column (columns.c) is "key:" and the escaped path ("key:author$id"
 * for the path "authorId"), so that paths differing only in case keep two
 * columns.
 *
 * Layouts (PRAGMA user_version):
 *    0  layout 1, docrel 0.1: tables named as their collections, indexes
 *       "<collection>__<index>" (two collections differing only in case
 *       shared a table; index names could collide), or a new empty file
 *    2  layout 2: the names above; indexes over docrel_index_key(doc, ...)
 *    3  layout 3: the names above; indexes over key columns (columns.c), so
 *       the file needs no docrel function to be read or checked
 * Opening a file of layout 1 or 2 upgrades it in one transaction
 * (upgrade.c); a file of a later layout is refused. */
#include <string.h>
#include <strings.h>

#include "util/util-private.h"
#include "store/sqlite/sqlite-private.h"

#define LAYOUT 3 /* PRAGMA user_version of this layout */
#define KEY_PREFIX "key:"

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

/* Undoes escape on name into out; false if name is not an escaped name. */
static bool
unescape (docrel_buf_t *out, const char *name)
{
   for (const char *p = name; *p; p++) {
      if (*p != '$') {
         docrel_buf__append_byte (out, (uint8_t) *p);
      } else if (p[1] == '$' || (p[1] >= 'a' && p[1] <= 'z')) {
         docrel_buf__append_byte (out, (uint8_t) (p[1] == '$' ? '$' : p[1] - 'a' + 'A'));
         p++;
      } else {
         return false;
      }
   }
   return true;
}

char *
docrel_sqlite__index_of (const char *table, const char *sql_name)
{
   docrel_buf_t buf = DOCREL_BUF_INIT;
   size_t len = strlen (table);

   if (strncmp (sql_name, table, len) != 0 || strncmp (sql_name + len, "$_", 2) != 0 || !sql_name[len + 2]) {
      return NULL;
   }
   if (!unescape (&buf, sql_name + len + 2)) {
      docrel_buf__destroy (&buf);
      return NULL; /* not an escaped name: not ours */
   }
   return finish (&buf);
}

char *
docrel_sqlite__column_name (const char *path)
{
   docrel_buf_t buf = DOCREL_BUF_INIT;

   docrel_buf__append (&buf, KEY_PREFIX, sizeof KEY_PREFIX - 1);
   escape (&buf, path);
   return finish (&buf);
}

char *
docrel_sqlite__column_path (const char *column)
{
   docrel_buf_t buf = DOCREL_BUF_INIT;

   if (strncmp (column, KEY_PREFIX, sizeof KEY_PREFIX - 1) != 0 || !column[sizeof KEY_PREFIX - 1] ||
       !unescape (&buf, column + sizeof KEY_PREFIX - 1)) {
      docrel_buf__destroy (&buf);
      return NULL;
   }
   return finish (&buf);
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
                             "layout %d and upgrades layouts 1 (user_version 0) and 2; a newer docrel wrote this file",
                             b->where, layout, LAYOUT);
}

static bool
known (int layout)
{
   return layout == 0 || layout == 2 || layout == LAYOUT;
}

/* Inside the upgrade's transaction: from layout (0 or 2) to this one. */
static bool
upgrade (docrel_backend_t *b, int layout, bson_error_t *error)
{
   char *set = sqlite3_mprintf ("PRAGMA user_version = %d", LAYOUT);
   bool ok = (layout != 0 || docrel_sqlite__upgrade_names (b, error)) && docrel_sqlite__upgrade_columns (b, error) &&
             (set ? docrel_sqlite__exec (b, set, "marking the layout", error)
                  : docrel_sqlite__fail (b, SQLITE_NOMEM, error, "marking the layout"));

   sqlite3_free (set);
   return ok;
}

bool
docrel_sqlite__layout_check (docrel_backend_t *b, bson_error_t *error)
{
   bson_error_t why;
   int layout, found;
   bool ok;

   if (!read_layout (b, &layout, error)) {
      return false;
   }
   found = layout;
   if (layout == LAYOUT) {
      return true;
   }
   if (!known (layout)) {
      return refuse (b, layout, error);
   }
   /* Another store may be upgrading it right now: look again inside. */
   if (!docrel_sqlite__exec (b, "BEGIN IMMEDIATE", "upgrading the file's layout", error)) {
      return false;
   }
   ok = read_layout (b, &found, &why);
   if (ok && !known (found)) {
      sqlite3_exec (b->db, "ROLLBACK", NULL, NULL, NULL);
      return refuse (b, found, error);
   }
   if (ok && found != LAYOUT) {
      ok = upgrade (b, found, &why);
   }
   if (ok && docrel_sqlite__exec (b, "COMMIT", "committing the layout upgrade", &why)) {
      return true;
   }
   sqlite3_exec (b->db, "ROLLBACK", NULL, NULL, NULL);
   return docrel_error__set (error, why.domain, why.code, "upgrading '%s' from layout %d to layout %d: %s", b->where,
                             found == 0 ? 1 : found, LAYOUT, why.message);
}
