/* SPDX-License-Identifier: Apache-2.0 */
/* report.c: see report.h. */
#include "report.h"

#include <bson/bson.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* Allocations through libbson's allocator, -1 until counting starts (never
 * in the threads operation, the one that runs several threads). */
static int64_t bson_allocs = -1;

int64_t (*bench_statement_source) (void);

static void *
count_malloc (size_t n)
{
   bson_allocs++;
   return malloc (n);
}

static void *
count_calloc (size_t n, size_t size)
{
   bson_allocs++;
   return calloc (n, size);
}

static void *
count_realloc (void *mem, size_t n)
{
   bson_allocs++;
   return realloc (mem, n);
}

static void *
count_aligned_alloc (size_t alignment, size_t n)
{
   void *mem = NULL;

   bson_allocs++;
   return posix_memalign (&mem, alignment, n) == 0 ? mem : NULL;
}

void
bench_count_bson_allocs (void)
{
   static const bson_mem_vtable_t vtable = {count_malloc, count_calloc, count_realloc, free, count_aligned_alloc, {0}};

   bson_allocs = 0;
   bson_mem_set_vtable (&vtable);
}

static void
usage (double *user, double *sys, long *minflt)
{
   struct rusage ru;

   getrusage (RUSAGE_SELF, &ru);
   *user = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6;
   *sys = (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
   *minflt = ru.ru_minflt;
}

void
bench_section_begin (bench_result_t *r, bench_section_t *s)
{
   r->base_rss_kb = bench_peak_rss_kb ();
   s->bson_allocs = bson_allocs;
   s->statements = bench_statement_source ? bench_statement_source () : -1;
   usage (&s->user, &s->sys, &s->minflt);
   s->t0 = bench_now ();
}

void
bench_section_end (bench_result_t *r, const bench_section_t *s, uint64_t ops)
{
   double user, sys;
   long minflt;

   r->seconds = bench_now () - s->t0;
   usage (&user, &sys, &minflt);
   r->peak_rss_kb = bench_peak_rss_kb ();
   r->ops = ops;
   r->user_seconds = user - s->user;
   r->sys_seconds = sys - s->sys;
   r->minflt = minflt - s->minflt;
   r->bson_allocs = s->bson_allocs < 0 ? -1 : bson_allocs - s->bson_allocs;
   r->statements = s->statements < 0 ? -1 : bench_statement_source () - s->statements;
}

double
bench_now (void)
{
   struct timespec ts;

   clock_gettime (CLOCK_MONOTONIC, &ts);
   return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

long
bench_peak_rss_kb (void)
{
   struct rusage ru;

   getrusage (RUSAGE_SELF, &ru);
   return ru.ru_maxrss; /* KiB on Linux */
}

/* The per-request fields, when the operation counted them. */
static void
print_per_op (FILE *out, const bench_result_t *r)
{
   double n = (double) r->ops;

   if (r->ops == 0) {
      return;
   }
   fprintf (out,
            ", \"ops\": %llu, \"user_seconds\": %.6f, \"sys_seconds\": %.6f, \"minflt\": %ld, "
            "\"minflt_per_op\": %.3f, \"statements\": %lld, \"threads\": %d",
            (unsigned long long) r->ops, r->user_seconds, r->sys_seconds, r->minflt, (double) r->minflt / n,
            (long long) r->statements, r->threads);
   if (r->bson_allocs >= 0) {
      fprintf (out, ", \"bson_allocs_per_op\": %.2f", (double) r->bson_allocs / n);
   }
}

void
bench_result_print (FILE *out, const bench_result_t *r)
{
   fprintf (out,
            "{\"impl\": \"%s\", \"op\": \"%s\", \"store\": \"%s\", \"scale\": %d, \"seconds\": %.6f, "
            "\"build_seconds\": %.6f, \"docs\": %llu, \"commands\": %lld, \"commands_expected\": %lld, "
            "\"base_rss_kb\": %ld, \"peak_rss_kb\": %ld, \"note\": \"%s\"",
            r->impl, r->op, r->store, r->scale, r->seconds, r->build_seconds, (unsigned long long) r->docs,
            (long long) r->commands, (long long) r->commands_expected, r->base_rss_kb, r->peak_rss_kb,
            r->note ? r->note : "");
   print_per_op (out, r);
   fputs ("}\n", out);
   fflush (out);
}

void
bench_die (const char *what, const char *message)
{
   fprintf (stderr, "bench: %s: %s\n", what, message);
   exit (1);
}
