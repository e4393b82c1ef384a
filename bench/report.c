/* SPDX-License-Identifier: Apache-2.0 */
/* report.c: see report.h. */
#include "report.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

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

void
bench_result_print (FILE *out, const bench_result_t *r)
{
   fprintf (out,
            "{\"impl\": \"%s\", \"op\": \"%s\", \"store\": \"%s\", \"scale\": %d, \"seconds\": %.6f, "
            "\"build_seconds\": %.6f, \"docs\": %llu, \"commands\": %lld, \"commands_expected\": %lld, "
            "\"base_rss_kb\": %ld, \"peak_rss_kb\": %ld, \"note\": \"%s\"}\n",
            r->impl, r->op, r->store, r->scale, r->seconds, r->build_seconds, (unsigned long long) r->docs,
            (long long) r->commands, (long long) r->commands_expected, r->base_rss_kb, r->peak_rss_kb,
            r->note ? r->note : "");
   fflush (out);
}

void
bench_die (const char *what, const char *message)
{
   fprintf (stderr, "bench: %s: %s\n", what, message);
   exit (1);
}
