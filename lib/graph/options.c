/* SPDX-License-Identifier: Apache-2.0 */
/* options.c: the options of the graph calls ("dryRun", "defer"), parsed
 * in one place for all of them. */
#include <string.h>

#include "util/util-private.h"
#include "graph/graph-private.h"

typedef struct {
   const char *key;
   unsigned flag;
} option_t;

static const option_t options[] = {{"dryRun", DOCREL_GRAPH_OPT_DRY_RUN}, {"defer", DOCREL_GRAPH_OPT_DEFER}};

#define N_OPTIONS (sizeof options / sizeof options[0])

/* What call accepts, for error messages: "\"dryRun\": bool" or "\"dryRun\"
 * or \"defer\": bool", and ", \"payload\": a document" for the link calls. */
static void
expected (unsigned accepted, char *buf, size_t size)
{
   size_t i, len = 0;

   buf[0] = '\0';
   for (i = 0; i < N_OPTIONS; i++) {
      if (accepted & options[i].flag) {
         len += (size_t) bson_snprintf (buf + len, size - len, "%s\"%s\"", len ? " or " : "", options[i].key);
      }
   }
   len += (size_t) bson_snprintf (buf + len, size - len, ": bool");
   if (accepted & DOCREL_GRAPH_OPT_PAYLOAD) {
      bson_snprintf (buf + len, size - len, ", \"payload\": a document");
   }
}

/* The flag of key, or 0 for a key no graph call knows. */
static unsigned
flag_of (const char *key)
{
   size_t i;

   for (i = 0; i < N_OPTIONS; i++) {
      if (strcmp (key, options[i].key) == 0) {
         return options[i].flag;
      }
   }
   return 0;
}

bool
docrel_graph__read_opts (const char *call,
                         const bson_t *opts,
                         unsigned accepted,
                         docrel_graph_opts_t *out,
                         bson_error_t *error)
{
   bson_iter_t iter;
   char want[96];

   memset (out, 0, sizeof *out);
   if (!opts || !bson_iter_init (&iter, opts)) {
      return true;
   }
   expected (accepted, want, sizeof want);
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      unsigned flag = flag_of (key);

      if (!(flag & accepted)) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "%s: unknown option '%s' (expected %s)", call, key, want);
      }
      if (!BSON_ITER_HOLDS_BOOL (&iter)) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "%s: option '%s': expected a bool", call, key);
      }
      if (flag == DOCREL_GRAPH_OPT_DRY_RUN) {
         out->dry_run = bson_iter_bool (&iter);
      } else {
         out->defer = bson_iter_bool (&iter);
      }
   }
   if (out->dry_run && out->defer) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "%s: options 'dryRun' and 'defer' exclude each other (a deferred change writes "
                                "nothing now)",
                                call);
   }
   return true;
}
