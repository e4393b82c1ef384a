/* SPDX-License-Identifier: Apache-2.0 */
/* store.c: opening a store through the backend table, and the counted calls
 * every layer above makes into the backend (docrel_store_stats), each traced
 * as one command (trace.c).
 *
 * Tracing needs the error of a failed command even when the caller passes
 * none, so each call hands the backend the caller's error or its own. */
#include "store/store-private.h"

#include <string.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"

typedef struct {
   const char *prefix; /* URI prefix that selects the backend */
   const docrel_backend_vtable_t *vtable;
} backend_entry_t;

/* The backend table of DESIGN.md: a new backend is one more row. */
static const backend_entry_t backends[] = {
   {"sqlite:", &docrel_backend_sqlite},
   {"mongodb://", &docrel_backend_mongodb},
   {"mongodb+srv://", &docrel_backend_mongodb},
};

/* A table with a missing entry or another version is refused, so a backend
 * that lags behind the interface fails at open, not at its first call. */
static bool
vtable_complete (const docrel_backend_vtable_t *vt)
{
   return vt->version == DOCREL_BACKEND_VERSION && vt->name && vt->open && vt->close && vt->ensure_collection &&
          vt->ensure_index && vt->insert_many && vt->update_many && vt->update_where && vt->delete_many && vt->find &&
          vt->cursor_next && vt->cursor_destroy && vt->count && vt->group_count && vt->explain && vt->begin &&
          vt->commit && vt->abort;
}

/* A round trip the backend made on its own, a getMore: one more find. */
static void
extra_started (void *ctx, const char *command, const char *collection, docrel_trace_span_t *span)
{
   docrel_store_t *store = ctx;

   if (span->request_id != 0) {
      /* The last one's end never came (the backend saw neither reply nor
       * failure): it ends here, unreported. */
      bson_free (span->owned);
   }
   memset (span, 0, sizeof *span);
   docrel_store__count (store, DOCREL_COUNT_FIND, 0);
   if (docrel_trace__start (store, span, command, collection, 0)) {
      docrel_trace__keep (span);
   }
}

static void
extra_done (void *ctx, docrel_trace_span_t *span, uint64_t documents, const bson_error_t *error)
{
   docrel_trace__end (ctx, span, documents, error);
}

docrel_store_t *
docrel_store_open (const char *uri, bson_error_t *error)
{
   const docrel_backend_vtable_t *vt = NULL;
   docrel_backend_host_t host;
   docrel_store_t *store;
   size_t i;

   if (!uri || !*uri) {
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI, "the store URI is empty");
      return NULL;
   }
   for (i = 0; i < sizeof backends / sizeof backends[0]; i++) {
      if (strncmp (uri, backends[i].prefix, strlen (backends[i].prefix)) == 0) {
         vt = backends[i].vtable;
         break;
      }
   }
   if (!vt) {
      if (!strchr (uri, ':')) {
         docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI,
                            "store URI '%s' has no scheme; expected sqlite:///abs/path.db, sqlite:relative.db, "
                            "sqlite::memory: or mongodb://host:port/dbname",
                            uri);
      } else {
         docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_UNKNOWN_BACKEND,
                            "store URI '%s': unknown scheme; expected sqlite:, mongodb:// or mongodb+srv://", uri);
      }
      return NULL;
   }
   if (!vtable_complete (vt)) {
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_UNKNOWN_BACKEND,
                         "backend '%s' does not implement version %d of the backend table", vt->name ? vt->name : "?",
                         DOCREL_BACKEND_VERSION);
      return NULL;
   }

   store = bson_malloc0 (sizeof *store);
   store->vtable = vt;
   store->uri = bson_strdup (uri);
   pthread_mutex_init (&store->mutex, NULL);
   docrel_trace__init (store);
   host.extra_started = extra_started;
   host.extra_done = extra_done;
   host.ctx = store;
   store->backend = vt->open (uri, &host, error);
   if (!store->backend) {
      docrel_trace__destroy (store);
      pthread_mutex_destroy (&store->mutex);
      bson_free (store->uri);
      bson_free (store);
      return NULL;
   }
   return store;
}

void
docrel_store_destroy (docrel_store_t *store)
{
   size_t i;

   if (!store) {
      return;
   }
   for (i = 0; i < store->n_models; i++) {
      store->free_model (store->models[i]);
   }
   bson_free (store->models);
   store->vtable->close (store->backend);
   docrel_trace__destroy (store);
   pthread_mutex_destroy (&store->mutex);
   bson_free (store->uri);
   bson_free (store);
}

const char *
docrel_store_backend_name (const docrel_store_t *store)
{
   return store ? store->vtable->name : NULL;
}

/* The counters are bumped with relaxed atomic adds, not under a lock: a
 * read counts every document, and threads reading in parallel would
 * otherwise queue on one mutex. A snapshot is field by field. */
#define STATS_N (sizeof (docrel_store_stats_t) / sizeof (uint64_t))
BSON_STATIC_ASSERT2 (stats_all_u64, sizeof (docrel_store_stats_t) == STATS_N * sizeof (uint64_t));

static void
add (uint64_t *counter, uint64_t n)
{
   __atomic_fetch_add (counter, n, __ATOMIC_RELAXED);
}

void
docrel_store_stats (docrel_store_t *store, docrel_store_stats_t *out)
{
   const uint64_t *from;
   uint64_t *to;

   if (!store || !out) {
      return;
   }
   from = (const uint64_t *) &store->stats;
   to = (uint64_t *) out;
   for (size_t i = 0; i < STATS_N; i++) {
      to[i] = __atomic_load_n (&from[i], __ATOMIC_RELAXED);
   }
}

void
docrel_store_stats_reset (docrel_store_t *store)
{
   uint64_t *to;

   if (!store) {
      return;
   }
   to = (uint64_t *) &store->stats;
   for (size_t i = 0; i < STATS_N; i++) {
      __atomic_store_n (&to[i], 0, __ATOMIC_RELAXED);
   }
}

void
docrel_store__count (docrel_store_t *store, docrel_count_kind_t kind, uint64_t documents)
{
   docrel_store_stats_t *s = &store->stats;

   if (kind != DOCREL_COUNT_TRANSACTION) {
      add (&s->commands, 1);
   }
   switch (kind) {
   case DOCREL_COUNT_INSERT:
      add (&s->inserts, 1);
      add (&s->documents_written, documents);
      break;
   case DOCREL_COUNT_UPDATE:
      add (&s->updates, 1);
      add (&s->documents_written, documents);
      break;
   case DOCREL_COUNT_DELETE:
      add (&s->deletes, 1);
      break;
   case DOCREL_COUNT_FIND:
      add (&s->finds, 1);
      break;
   case DOCREL_COUNT_COUNT:
      add (&s->counts, 1);
      break;
   case DOCREL_COUNT_INDEX:
      add (&s->index_builds, 1);
      break;
   case DOCREL_COUNT_TRANSACTION:
      add (&s->transactions, 1);
      break;
   default:
      break;
   }
}

/* The outcome (see the backend table in store-private.h) starts as "nothing
 * written" for the backend to correct; a success wrote everything. */
static bool
batch_done (bool ok, size_t n, docrel_write_outcome_t *outcome)
{
   if (ok) {
      outcome->written = n;
      outcome->in_doubt = false;
   }
   return ok;
}

bool
docrel_store__insert_many (docrel_store_t *store,
                           const char *collection,
                           const bson_t *const *docs,
                           size_t n,
                           docrel_write_outcome_t *outcome,
                           bson_error_t *error)
{
   docrel_write_outcome_t ignored;
   docrel_trace_span_t span;
   bson_error_t own;
   bool ok;

   outcome = outcome ? outcome : &ignored;
   memset (outcome, 0, sizeof *outcome);
   if (n == 0) {
      return true;
   }
   error = error ? error : &own;
   docrel_store__count (store, DOCREL_COUNT_INSERT, n);
   docrel_trace__start (store, &span, "insert", collection, n);
   ok = batch_done (store->vtable->insert_many (store->backend, collection, docs, n, outcome, error), n, outcome);
   docrel_trace__end (store, &span, outcome->written, ok ? NULL : error);
   return ok;
}

bool
docrel_store__update_many (docrel_store_t *store,
                           const char *collection,
                           const docrel_update_t *updates,
                           size_t n,
                           docrel_write_outcome_t *outcome,
                           bson_error_t *error)
{
   docrel_write_outcome_t ignored;
   docrel_trace_span_t span;
   bson_error_t own;
   bool ok;

   outcome = outcome ? outcome : &ignored;
   memset (outcome, 0, sizeof *outcome);
   if (n == 0) {
      return true;
   }
   error = error ? error : &own;
   docrel_store__count (store, DOCREL_COUNT_UPDATE, n);
   docrel_trace__start (store, &span, "update", collection, n);
   ok = batch_done (store->vtable->update_many (store->backend, collection, updates, n, outcome, error), n, outcome);
   docrel_trace__end (store, &span, outcome->written, ok ? NULL : error);
   return ok;
}

bool
docrel_store__update_where (docrel_store_t *store,
                            const char *collection,
                            const docrel_filter_t *filter,
                            const bson_t *update,
                            int64_t *updated,
                            bson_error_t *error)
{
   docrel_trace_span_t span;
   int64_t matched = 0;
   bson_error_t own;
   bool ok;

   updated = updated ? updated : &matched;
   error = error ? error : &own;
   docrel_store__count (store, DOCREL_COUNT_UPDATE, 0);
   docrel_trace__start (store, &span, "update", collection, 0);
   ok = store->vtable->update_where (store->backend, collection, filter, update, updated, error);
   docrel_trace__end (store, &span, ok && *updated > 0 ? (uint64_t) *updated : 0, ok ? NULL : error);
   return ok;
}

/* The store whose transaction the calling thread has open, if any: commit
 * and abort are traced only then, so a trace never shows a transaction
 * call that sent nothing (a standalone MongoDB runs none). */
static _Thread_local docrel_store_t *thread_txn;

bool
docrel_store__begin (docrel_store_t *store, bool *active, bson_error_t *error)
{
   docrel_trace_span_t span;
   bson_error_t own;
   bool on = false;
   bool ok;

   error = error ? error : &own;
   ok = store->vtable->begin (store->backend, &on, error);
   if (!ok || on) {
      /* Reported once the backend says it opened one (MongoDB sends
       * nothing for it: the next command carries the transaction). */
      docrel_trace__start (store, &span, "startTransaction", NULL, 0);
      docrel_trace__end (store, &span, 0, ok ? NULL : error);
   }
   if (!ok) {
      return false;
   }
   if (on) {
      docrel_store__count (store, DOCREL_COUNT_TRANSACTION, 0);
      thread_txn = store;
   }
   *active = on;
   return true;
}

/* Ends the calling thread's transaction with the backend's commit or abort,
 * traced as command when one is open. A failed commit leaves it open (the
 * caller aborts next); an abort ends it whatever it answers. */
static bool
end_transaction (docrel_store_t *store,
                 bool (*end) (docrel_backend_t *backend, bson_error_t *error),
                 const char *command,
                 bool ends_on_failure,
                 bson_error_t *error)
{
   docrel_trace_span_t span;
   bool open = thread_txn == store;
   bool ok;

   if (open) {
      docrel_trace__start (store, &span, command, NULL, 0);
   }
   ok = end (store->backend, error);
   if (open) {
      docrel_trace__end (store, &span, 0, ok ? NULL : error);
      if (ok || ends_on_failure) {
         thread_txn = NULL;
      }
   }
   return ok;
}

bool
docrel_store__commit (docrel_store_t *store, bson_error_t *error)
{
   bson_error_t own;

   return end_transaction (store, store->vtable->commit, "commitTransaction", false, error ? error : &own);
}

bool
docrel_store__abort (docrel_store_t *store)
{
   bson_error_t ignored;

   return end_transaction (store, store->vtable->abort, "abortTransaction", true, &ignored);
}

void
docrel_store__read_begin (docrel_store_t *store, docrel_read_scope_t *scope)
{
   scope->token = NULL;
   if (store->vtable->read_begin) {
      store->vtable->read_begin (store->backend, &scope->token);
   }
}

void
docrel_store__read_end (docrel_store_t *store, docrel_read_scope_t *scope)
{
   if (store->vtable->read_end) {
      store->vtable->read_end (store->backend, scope->token);
   }
}

bool
docrel_store__delete_many (docrel_store_t *store,
                           const char *collection,
                           const docrel_filter_t *filter,
                           int64_t *deleted,
                           bson_error_t *error)
{
   docrel_trace_span_t span;
   int64_t gone = 0;
   bson_error_t own;
   bool ok;

   deleted = deleted ? deleted : &gone;
   error = error ? error : &own;
   docrel_store__count (store, DOCREL_COUNT_DELETE, 0);
   docrel_trace__start (store, &span, "delete", collection, 0);
   ok = store->vtable->delete_many (store->backend, collection, filter, deleted, error);
   docrel_trace__end (store, &span, ok && *deleted > 0 ? (uint64_t) *deleted : 0, ok ? NULL : error);
   return ok;
}

/* Every query reaches a backend checked, so backends need not check it. */
static bool
check_find_spec (const docrel_find_spec_t *spec, bson_error_t *error)
{
   if (!spec) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "no query");
   }
   if (spec->skip < 0 || spec->limit < 0) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "skip and limit must not be negative (skip %" PRId64 ", limit %" PRId64 ")", spec->skip,
                                spec->limit);
   }
   if (spec->lookup && (spec->filter || spec->n_group_paths > 0 || (spec->lookup->n > 0 && !spec->lookup->values))) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                "a key lookup takes no filter and no groups");
   }
   if (spec->n_group_paths > 0 && !spec->group_paths) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                "%zu group paths but no array", spec->n_group_paths);
   }
   for (size_t i = 0; i < spec->n_group_paths; i++) {
      bson_error_t why;

      if (!docrel_path__check (spec->group_paths[i], &why)) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "group path %zu: %s", i,
                                   why.message);
      }
   }
   return true;
}

/* Every index reaches a backend checked, likewise. */
static bool
check_index_spec (const docrel_index_spec_t *spec, bson_error_t *error)
{
   if (!spec || !spec->name || !*spec->name || !spec->collection || spec->n_keys == 0 || !spec->paths ||
       !spec->directions) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT,
                                "an index needs a name and at least one key");
   }
   for (size_t i = 0; i < spec->n_keys; i++) {
      if (!docrel_path__check (spec->paths[i], error)) {
         return false;
      }
      if (spec->directions[i] != 1 && spec->directions[i] != -1) {
         return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT,
                                   "index '%s': the direction of '%s' must be 1 or -1", spec->name, spec->paths[i]);
      }
   }
   return true;
}

/* The store's part of a backend cursor (store-private.h). */
static docrel_cursor_head_t *
head_of (docrel_backend_cursor_t *cursor)
{
   return (docrel_cursor_head_t *) cursor;
}

/* A find's span moves into its cursor's head, which adds up the time spent
 * reading it until it ends (docrel-trace.h). */
docrel_backend_cursor_t *
docrel_store__find (docrel_store_t *store, const char *collection, const docrel_find_spec_t *spec, bson_error_t *error)
{
   docrel_backend_cursor_t *cursor;
   docrel_cursor_head_t *head;
   docrel_trace_span_t span;
   bson_error_t own;

   if (!check_find_spec (spec, error)) {
      return NULL;
   }
   error = error ? error : &own;
   docrel_store__count (store, DOCREL_COUNT_FIND, 0);
   if (!docrel_trace__start (store, &span, "find", collection, 0)) {
      return store->vtable->find (store->backend, collection, spec, error);
   }
   cursor = store->vtable->find (store->backend, collection, spec, error);
   if (!cursor) {
      docrel_trace__end (store, &span, 0, error);
      return NULL;
   }
   head = head_of (cursor);
   head->span = span;
   docrel_trace__keep (&head->span);
   head->elapsed = bson_get_monotonic_time () - span.started;
   head->documents = 0;
   return cursor;
}

static void
count_read (docrel_store_t *store)
{
   add (&store->stats.documents_read, 1);
}

/* cursor_next on a traced cursor: a false return (the end, or an error)
 * ends the find. */
static bool
traced_next (docrel_store_t *store, docrel_backend_cursor_t *cursor, const bson_t **doc, bson_error_t *error)
{
   docrel_cursor_head_t *head = head_of (cursor);
   int64_t t0 = bson_get_monotonic_time ();
   bson_error_t own;
   bool ok;

   error = error ? error : &own;
   ok = store->vtable->cursor_next (cursor, doc, error);
   head->elapsed += bson_get_monotonic_time () - t0;
   if (ok) {
      head->documents++;
      count_read (store);
      return true;
   }
   docrel_trace__finish (store, &head->span, head->documents, head->elapsed, error->code != 0 ? error : NULL);
   return false;
}

bool
docrel_store__cursor_next (docrel_store_t *store,
                           docrel_backend_cursor_t *cursor,
                           const bson_t **doc,
                           bson_error_t *error)
{
   if (head_of (cursor)->span.request_id != 0) {
      return traced_next (store, cursor, doc, error);
   }
   if (!store->vtable->cursor_next (cursor, doc, error)) {
      return false;
   }
   count_read (store);
   return true;
}

/* A find closed before its end ends here, having succeeded. */
void
docrel_store__cursor_destroy (docrel_store_t *store, docrel_backend_cursor_t *cursor)
{
   docrel_cursor_head_t *head;

   if (!cursor) {
      return;
   }
   head = head_of (cursor);
   if (head->span.request_id != 0) {
      docrel_trace__finish (store, &head->span, head->documents, head->elapsed, NULL);
   }
   store->vtable->cursor_destroy (cursor);
}

bool
docrel_store__for_each (docrel_store_t *store,
                        const char *collection,
                        const docrel_find_spec_t *spec,
                        void (*visit) (const bson_t *doc, void *ctx),
                        void *ctx,
                        bson_error_t *error)
{
   docrel_backend_cursor_t *cursor = docrel_store__find (store, collection, spec, error);
   bson_error_t cursor_error = {0};
   const bson_t *doc;

   if (!cursor) {
      return false;
   }
   while (docrel_store__cursor_next (store, cursor, &doc, &cursor_error)) {
      visit (doc, ctx);
   }
   docrel_store__cursor_destroy (store, cursor);
   if (cursor_error.code != 0) {
      if (error) {
         *error = cursor_error;
      }
      return false;
   }
   return true;
}

bool
docrel_store__count_matches (docrel_store_t *store,
                             const char *collection,
                             const docrel_find_spec_t *spec,
                             int64_t *out,
                             bson_error_t *error)
{
   docrel_trace_span_t span;
   bson_error_t own;
   bool ok;

   if (!check_find_spec (spec, error)) {
      *out = 0;
      return false;
   }
   if (spec->lookup) {
      *out = 0;
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                "a count takes no key lookup");
   }
   error = error ? error : &own;
   docrel_store__count (store, DOCREL_COUNT_COUNT, 0);
   docrel_trace__start (store, &span, "count", collection, 0);
   ok = store->vtable->count (store->backend, collection, spec, out, error);
   docrel_trace__end (store, &span, ok && *out > 0 ? (uint64_t) *out : 0, ok ? NULL : error);
   return ok;
}

/* The caller's visitor, and the documents counted (the trace's). */
typedef struct {
   docrel_group_visit_t visit;
   void *ctx;
   uint64_t counted;
} group_tally_t;

static void
group_visit (const uint8_t *key, size_t len, int64_t count, void *ctx)
{
   group_tally_t *t = ctx;

   t->counted += count > 0 ? (uint64_t) count : 0;
   t->visit (key, len, count, t->ctx);
}

/* A grouped count, as a count: one command whatever the number of groups. */
bool
docrel_store__group_count (docrel_store_t *store,
                           const char *collection,
                           const docrel_filter_t *filter,
                           const char *const *paths,
                           size_t n_paths,
                           docrel_group_visit_t visit,
                           void *ctx,
                           bson_error_t *error)
{
   group_tally_t tally = {visit, ctx, 0};
   docrel_trace_span_t span;
   bson_error_t own;
   bool ok;

   if (n_paths == 0 || !paths || !visit) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                "grouped count: group paths and a visitor expected");
   }
   for (size_t i = 0; i < n_paths; i++) {
      bson_error_t why;

      if (!docrel_path__check (paths[i], &why)) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "group path %zu: %s", i,
                                   why.message);
      }
   }
   error = error ? error : &own;
   docrel_store__count (store, DOCREL_COUNT_COUNT, 0);
   docrel_trace__start (store, &span, "count", collection, 0);
   ok = store->vtable->group_count (store->backend, collection, filter, paths, n_paths, group_visit, &tally, error);
   docrel_trace__end (store, &span, tally.counted, ok ? NULL : error);
   return ok;
}

bool
docrel_store__explain (docrel_store_t *store,
                       const char *collection,
                       const docrel_find_spec_t *spec,
                       bson_t *out,
                       bson_error_t *error)
{
   docrel_trace_span_t span;
   bson_error_t own;
   bool ok;

   /* Explaining sends nothing that reads or writes documents: not counted,
    * but traced. */
   if (!check_find_spec (spec, error)) {
      bson_init (out);
      return false;
   }
   error = error ? error : &own;
   docrel_trace__start (store, &span, "explain", collection, 0);
   ok = store->vtable->explain (store->backend, collection, spec, out, error);
   docrel_trace__end (store, &span, 0, ok ? NULL : error);
   return ok;
}

/* Not counted in docrel_store_stats, but traced. */
bool
docrel_store__ensure_collection (docrel_store_t *store, const char *collection, bson_error_t *error)
{
   docrel_trace_span_t span;
   bson_error_t own;
   bool ok;

   error = error ? error : &own;
   docrel_trace__start (store, &span, "create", collection, 0);
   ok = store->vtable->ensure_collection (store->backend, collection, error);
   docrel_trace__end (store, &span, 0, ok ? NULL : error);
   return ok;
}

bool
docrel_store__ensure_index (docrel_store_t *store, const docrel_index_spec_t *spec, bson_error_t *error)
{
   docrel_trace_span_t span;
   bson_error_t own;
   bool ok;

   if (!check_index_spec (spec, error)) {
      return false;
   }
   error = error ? error : &own;
   docrel_store__count (store, DOCREL_COUNT_INDEX, 0);
   docrel_trace__start (store, &span, "createIndexes", spec->collection, spec->n_keys);
   ok = store->vtable->ensure_index (store->backend, spec, error);
   docrel_trace__end (store, &span, ok ? spec->n_keys : 0, ok ? NULL : error);
   return ok;
}
