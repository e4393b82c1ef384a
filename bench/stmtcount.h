/* SPDX-License-Identifier: Apache-2.0 */
/* stmtcount.h: counting SQLite statement executions, the second way the
 * benchmark counts commands (docrel_store_stats counts docrel's logical
 * ones).
 *
 * A connection given to bench_count_statements reports every statement it
 * starts (sqlite3_trace_v2, SQLITE_TRACE_STMT: once per execution, also for
 * the statements of sqlite3_exec such as BEGIN and COMMIT). The floors call
 * it on their connections. docrel's connection is private to the library,
 * so docrel-bench is linked with -Wl,--wrap=sqlite3_open_v2: the wrapper
 * here opens the connection as asked and then calls bench_count_statements
 * on it. That is benchmark code only; lib/ is not touched. */
#ifndef BENCH_STMTCOUNT_H
#define BENCH_STMTCOUNT_H

#include <sqlite3.h>
#include <stdint.h>

/* Counts db's statement executions from now on. */
void bench_count_statements (sqlite3 *db);

/* Statement executions counted so far, over every counted connection. */
int64_t bench_statements (void);

/* Before any SQLite use: with BENCH_SQLITE_MEMSTATUS=0 in the environment,
 * turns SQLite's memory statistics off (sqlite3_config), which otherwise
 * take one process-wide mutex per allocation (Debian's SQLite has no
 * lookaside, so every small allocation is one). For measuring threads. */
void bench_sqlite_setup (void);

#endif
