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
   const char *impl;  /* "docrel", "floor", "mongoc" */
   const char *op;    /* "save_all", "get_join", "get", "delete_all", "cursor" */
   const char *store; /* "sqlite", "mongodb" */
   int scale;
   double seconds;            /* the operation, wall clock */
   double build_seconds;      /* part of seconds spent building documents in memory (save_all), else 0 */
   uint64_t docs;             /* documents the operation read or wrote, as counted by the program */
   int64_t commands;          /* commands sent (docrel_store_stats), -1 if not counted */
   int64_t commands_expected; /* what the join tree predicts, -1 if no prediction */
   long base_rss_kb, peak_rss_kb;
   const char *note; /* NULL or a short remark */
} bench_result_t;

/* Seconds on a monotonic clock. */
double bench_now (void);

/* This process's peak resident set size so far, in KiB. */
long bench_peak_rss_kb (void);

/* Prints r as one JSON object on one line to out. */
void bench_result_print (FILE *out, const bench_result_t *r);

/* Prints "bench: what: message" to stderr and exits with status 1. For
 * benchmark programs only: a failed run has nothing to report. */
void bench_die (const char *what, const char *message);

#endif
