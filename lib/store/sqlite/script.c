/* SPDX-License-Identifier: Apache-2.0 */
/* script.c: statements run in order, for the schema changes of columns.c
 * and upgrade.c, which build them all before running any. */
#include "util/util-private.h"
#include "store/sqlite/sqlite-private.h"

char *
docrel_sqlite__str_finish (sqlite3_str *s)
{
   if (sqlite3_str_errcode (s) != SQLITE_OK) {
      sqlite3_free (sqlite3_str_finish (s));
      return NULL;
   }
   return sqlite3_str_finish (s);
}

void
docrel_sqlite__script_add (docrel_sqlite_script_t *script, char *sql)
{
   script->sql = bson_realloc (script->sql, (script->n + 1) * sizeof *script->sql);
   script->sql[script->n++] = sql;
}

bool
docrel_sqlite__script_run (docrel_backend_t *b, const docrel_sqlite_script_t *script, bson_error_t *error)
{
   for (size_t i = 0; i < script->n; i++) {
      if (!script->sql[i]) {
         return docrel_sqlite__fail (b, SQLITE_NOMEM, error, "changing the schema");
      }
      if (!docrel_sqlite__exec (b, script->sql[i], script->sql[i], error)) {
         return false;
      }
   }
   return true;
}

void
docrel_sqlite__script_destroy (docrel_sqlite_script_t *script)
{
   for (size_t i = 0; i < script->n; i++) {
      sqlite3_free (script->sql[i]);
   }
   bson_free (script->sql);
   script->sql = NULL;
   script->n = 0;
}
