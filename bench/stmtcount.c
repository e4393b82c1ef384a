/* SPDX-License-Identifier: Apache-2.0 */
/* stmtcount.c: see stmtcount.h. */
#include "stmtcount.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_llong statements;
static int print_sql = -1; /* BENCH_PRINT_SQL=1: each statement to stderr */

static int
on_trace (unsigned type, void *ctx, void *p, void *x)
{
   (void) ctx;
   if (type == SQLITE_TRACE_STMT) {
      atomic_fetch_add_explicit (&statements, 1, memory_order_relaxed);
      if (print_sql) {
         char *sql = sqlite3_expanded_sql ((sqlite3_stmt *) p);
         fprintf (stderr, "sql: %s\n", sql ? sql : (const char *) x);
         sqlite3_free (sql);
      }
   }
   return 0;
}

void
bench_count_statements (sqlite3 *db)
{
   if (print_sql < 0) {
      const char *env = getenv ("BENCH_PRINT_SQL");
      print_sql = env && *env == '1';
   }
   sqlite3_trace_v2 (db, SQLITE_TRACE_STMT, on_trace, NULL);
}

void
bench_sqlite_setup (void)
{
   const char *env = getenv ("BENCH_SQLITE_MEMSTATUS");

   if (env && strcmp (env, "0") == 0) {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
   }
}

int64_t
bench_statements (void)
{
   return (int64_t) atomic_load (&statements);
}
