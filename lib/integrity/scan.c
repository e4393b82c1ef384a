/* SPDX-License-Identifier: Apache-2.0 */
/* scan.c: the checker's one way of reading: stream a collection through
 * the store's cursor, hold a chunk of documents (their _id and keys only),
 * and look the chunk's distinct keys up on each referenced side with one
 * $in per side, so memory and commands grow with chunks, never with the
 * whole collection. */
#include <string.h>

#include "integrity/integrity-private.h"
#include "join/join-private.h"
#include "query/query-private.h"
#include "store/store-private.h"

/* One chunk of scanned documents (projected copies) and, per side, the
 * keycodes of the keys found in the target. */
typedef struct {
   bson_t *docs[DOCREL_INTEGRITY_CHUNK];
   size_t n;
   docrel_idmap_t found[2];
} chunk_t;

bson_t *
docrel_scan__has_keys_filter (char *const *paths, size_t n)
{
   bson_t *filter = bson_new ();
   bson_t ne;
   size_t i;

   for (i = 0; i < n; i++) {
      bson_append_document_begin (filter, paths[i], -1, &ne);
      BSON_APPEND_NULL (&ne, "$ne");
      bson_append_document_end (filter, &ne);
   }
   return filter;
}

/* True if path is already in the projection's list, or lies within one
 * there or holds one (MongoDB refuses overlapping paths). */
static bool
overlaps (char *const *kept, size_t n, const char *path)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (docrel_field__path_within (path, kept[i]) || docrel_field__path_within (kept[i], path)) {
         return true;
      }
   }
   return false;
}

/* Adds the paths of each of n lists (of n_keys each) to an inclusion
 * projection, _id always included; NULL with error set if it does not
 * compile. */
static docrel_projection_t *
key_projection (char *const *const *lists, size_t n, size_t n_keys, bson_error_t *error)
{
   char *kept[2 * DOCREL_MAX_KEYS + 1];
   size_t n_kept = 0, i, k;
   docrel_projection_t *projection;
   bson_t spec = BSON_INITIALIZER;

   kept[n_kept++] = "_id";
   BSON_APPEND_INT32 (&spec, "_id", 1);
   for (i = 0; i < n; i++) {
      for (k = 0; k < n_keys; k++) {
         if (!overlaps (kept, n_kept, lists[i][k])) {
            kept[n_kept++] = lists[i][k];
            BSON_APPEND_INT32 (&spec, lists[i][k], 1);
         }
      }
   }
   projection = docrel_projection__new (&spec, error);
   bson_destroy (&spec);
   return projection;
}

typedef struct {
   docrel_idmap_t *found;
   char *const *paths;
   size_t n_keys;
   docrel_buf_t code;
} lookup_t;

static void
record_found (const bson_t *doc, void *ctx)
{
   lookup_t *l = ctx;
   bson_value_t values[DOCREL_MAX_KEYS];

   if (docrel_join__tuple_key (doc, l->paths, l->n_keys, &l->code, values)) {
      docrel_idmap__put (l->found, NULL, l->code.data, l->code.len, (void *) 1);
   }
}

/* Looks the chunk's distinct keys of side up in its target: one find per
 * key chunk (one, as a scan chunk is far under a join chunk). */
static bool
look_up (docrel_store_t *store, chunk_t *c, const docrel_side_t *side, docrel_idmap_t *found, bson_error_t *error)
{
   lookup_t l = {found, side->target_paths, side->n_keys, DOCREL_BUF_INIT};
   bson_value_t values[DOCREL_MAX_KEYS];
   docrel_keyset_t set;
   docrel_chunks_t chunks;
   docrel_find_spec_t find = {0};
   docrel_projection_t *projection;
   bson_t spec;
   bool ok = true;
   size_t i;

   docrel_keyset__init (&set);
   for (i = 0; i < c->n; i++) {
      if (docrel_join__tuple_key (c->docs[i], side->scan_paths, side->n_keys, &l.code, values)) {
         docrel_keyset__add (&set, &l.code, values, side->n_keys);
      }
   }
   projection = key_projection (&side->target_paths, 1, side->n_keys, error);
   find.projection = projection;
   ok = projection != NULL;
   docrel_chunks__init (&chunks, &set, side->target_paths, side->n_keys, NULL);
   while (ok && docrel_chunks__next (&chunks, &spec)) {
      docrel_filter_t *filter = docrel_filter__new (&spec, error);
      find.filter = filter;
      ok = filter && docrel_store__for_each (store, side->target->collection, &find, record_found, &l, error);
      docrel_filter__destroy (filter);
      bson_destroy (&spec);
   }
   docrel_projection__destroy (projection);
   docrel_keyset__destroy (&set);
   docrel_buf__destroy (&l.code);
   return ok;
}

/* The sides on which doc fails (bit per side). */
static unsigned
failed_sides (const docrel_scan_t *scan, const chunk_t *c, const bson_t *doc, docrel_buf_t *code)
{
   bson_value_t values[DOCREL_MAX_KEYS];
   unsigned failed = 0;
   size_t s;

   for (s = 0; s < scan->n_sides; s++) {
      const docrel_side_t *side = &scan->sides[s];
      if (!docrel_join__tuple_key (doc, side->scan_paths, side->n_keys, code, values)) {
         failed |= scan->keyless_bad ? 1u << s : 0;
      } else if (!docrel_idmap__get (&c->found[s], NULL, code->data, code->len)) {
         failed |= 1u << s;
      }
   }
   return failed;
}

/* Looks the chunk up, reports its bad documents and empties it. *more is
 * false once bad asked to stop. */
static bool
flush (const docrel_scan_t *scan, chunk_t *c, bool *more, bson_error_t *error)
{
   docrel_buf_t code = DOCREL_BUF_INIT;
   bool ok = true;
   size_t s, i;

   for (s = 0; s < scan->n_sides; s++) {
      docrel_idmap__init (&c->found[s]);
   }
   for (s = 0; ok && s < scan->n_sides; s++) {
      ok = look_up (scan->model->store, c, &scan->sides[s], &c->found[s], error);
   }
   for (i = 0; i < c->n; i++) {
      unsigned failed = ok ? failed_sides (scan, c, c->docs[i], &code) : 0;
      if (failed && !scan->bad (c->docs[i], failed, scan->ctx)) {
         *more = false;
      }
      bson_destroy (c->docs[i]);
   }
   c->n = 0;
   for (s = 0; s < scan->n_sides; s++) {
      docrel_idmap__destroy (&c->found[s]);
   }
   docrel_buf__destroy (&code);
   return ok;
}

/* Puts every model the scan reads in use (first use may create them). */
static bool
use_models (const docrel_scan_t *scan, bson_error_t *error)
{
   size_t s;

   for (s = 0; s < scan->n_sides; s++) {
      if (!docrel_model__use (scan->sides[s].target, error)) {
         return false;
      }
   }
   return docrel_model__use (scan->model, error);
}

static bool
read_all (const docrel_scan_t *scan, docrel_backend_cursor_t *cursor, chunk_t *c, bool *more, bson_error_t *error)
{
   docrel_store_t *store = scan->model->store;
   bson_error_t cursor_error = {0};
   const bson_t *doc;
   bool ok = true;

   while (ok && *more && docrel_store__cursor_next (store, cursor, &doc, &cursor_error)) {
      c->docs[c->n++] = bson_copy (doc);
      if (c->n == DOCREL_INTEGRITY_CHUNK) {
         ok = flush (scan, c, more, error);
      }
   }
   if (ok && cursor_error.code != 0) {
      if (error) {
         *error = cursor_error;
      }
      ok = false;
   }
   if (!ok) {
      while (c->n > 0) {
         bson_destroy (c->docs[--c->n]);
      }
      return false;
   }
   return flush (scan, c, more, error);
}

bool
docrel_scan__run (const docrel_scan_t *scan, bool *stopped, bson_error_t *error)
{
   docrel_store_t *store = scan->model->store;
   char *const *lists[2];
   docrel_find_spec_t find = {0};
   docrel_backend_cursor_t *cursor = NULL;
   docrel_filter_t *filter;
   docrel_projection_t *projection;
   chunk_t *c = bson_malloc0 (sizeof *c);
   bool ok, more = true;
   size_t s;

   for (s = 0; s < scan->n_sides; s++) {
      lists[s] = scan->sides[s].scan_paths;
   }
   filter = scan->filter ? docrel_filter__new (scan->filter, error) : NULL;
   projection = key_projection (lists, scan->n_sides, scan->sides[0].n_keys, error);
   find.filter = filter;
   find.projection = projection;
   ok = (!scan->filter || filter) && projection && use_models (scan, error);
   cursor = ok ? docrel_store__find (store, scan->model->collection, &find, error) : NULL;
   ok = cursor && read_all (scan, cursor, c, &more, error);
   if (cursor) {
      docrel_store__cursor_destroy (store, cursor);
   }
   docrel_filter__destroy (filter);
   docrel_projection__destroy (projection);
   bson_free (c);
   if (stopped) {
      *stopped = !more;
   }
   return ok;
}
