/* SPDX-License-Identifier: Apache-2.0 */
/* stmtwrap.c: docrel-bench only, linked with -Wl,--wrap=sqlite3_open_v2
 * (stmtcount.h): every connection docrel opens is counted. */
#include "stmtcount.h"

int __real_sqlite3_open_v2 (const char *path, sqlite3 **db, int flags, const char *vfs);
int __wrap_sqlite3_open_v2 (const char *path, sqlite3 **db, int flags, const char *vfs);

int
__wrap_sqlite3_open_v2 (const char *path, sqlite3 **db, int flags, const char *vfs)
{
   int rc = __real_sqlite3_open_v2 (path, db, flags, vfs);

   if (rc == SQLITE_OK && *db) {
      bench_count_statements (*db);
   }
   return rc;
}
