/* SPDX-License-Identifier: Apache-2.0 */
/* stmtcount.c: see stmtcount.h. */
#include "stmtcount.h"

#include <stdatomic.h>
#include <stddef.h>

static atomic_llong statements;

static int
on_trace (unsigned type, void *ctx, void *p, void *x)
{
   (void) ctx, (void) p, (void) x;
   if (type == SQLITE_TRACE_STMT) {
      atomic_fetch_add_explicit (&statements, 1, memory_order_relaxed);
   }
   return 0;
}

void
bench_count_statements (sqlite3 *db)
{
   sqlite3_trace_v2 (db, SQLITE_TRACE_STMT, on_trace, NULL);
}

int64_t
bench_statements (void)
{
   return (int64_t) atomic_load (&statements);
}
