/* SPDX-License-Identifier: Apache-2.0 */
/* report.h: timing, memory and the one JSON line each benchmark process
 * prints. Every operation runs in a process of its own (bench/run.py starts
 * them), so the process's peak RSS is the operation's: base_rss_kb is the
 * peak before the timed section (libraries, the open store, setup such as
 * reading the keys to fetch), peak_rss_kb the peak after it. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
   const char *impl;  /* "docrel", "floor", "plain", "mongoc" */
   const char *op;    /* "save_all", "get_join", "get", "threads", "delete_all", "cursor" */
   const char *store; /* "sqlite", "mongodb" */
   int scale;
   double seconds;            /* the operation, wall clock */
   double build_seconds;      /* part of seconds spent building documents in memory (save_all), else 0 */
   uint64_t docs;             /* documents the operation read or wrote, as counted by the program */
   int64_t commands;          /* commands sent (docrel_store_stats), -1 if not counted */
   int64_t commands_expected; /* what the join tree predicts, -1 if no prediction */
   int64_t statements;        /* SQLite statement executions (stmtcount.h), -1 if not counted */
   int threads;               /* operation "threads": threads running gets at once, else 0 */
   long base_rss_kb, peak_rss_kb;
   const char *note; /* NULL or a short remark */
   /* Costs of the timed section (bench_section_end; ops: requests for get
    * and threads, else 1): CPU time of the timed section, minor page faults
    * (getrusage: the heap top given back and faulted in again shows here)
    * and allocations through libbson's allocator (-1: not counted). */
   uint64_t ops;
   double user_seconds, sys_seconds;
   long minflt;
   int64_t bson_allocs;
} bench_result_t;

/* What a timed section started with (bench_section_begin). */
typedef struct {
   double t0, user, sys;
   long minflt;
   int64_t bson_allocs, statements;
} bench_section_t;

/* Where sections read SQLite statement executions from (stmtcount.h's
 * bench_statements), or NULL: not counted. */
extern int64_t (*bench_statement_source) (void);

/* Seconds on a monotonic clock. */
double bench_now (void);

/* Starts a timed section of r: base_rss_kb, the clock and the counters. */
void bench_section_begin (bench_result_t *r, bench_section_t *s);

/* Ends it after ops operations: seconds, peak_rss_kb and the per-request
 * counters. */
void bench_section_end (bench_result_t *r, const bench_section_t *s, uint64_t ops);

/* Counts every allocation made through libbson's allocator from now on
 * (bson_mem_set_vtable; call it before anything allocates). */
void bench_count_bson_allocs (void);

/* This process's peak resident set size so far, in KiB. */
long bench_peak_rss_kb (void);

/* Prints r as one JSON object on one line to out. */
void bench_result_print (FILE *out, const bench_result_t *r);

/* Prints "bench: what: message" to stderr and exits with status 1. For
 * benchmark programs only: a failed run has nothing to report. */
void bench_die (const char *what, const char *message);

#endif
