/* SPDX-License-Identifier: Apache-2.0 */
/* store-private.h: what the files of lib/store/ share. */
#ifndef DOCREL_STORE_PRIVATE_H
#define DOCREL_STORE_PRIVATE_H

#include <bson/bson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "query/query-private.h"
#include "docrel/docrel-store.h"
#include "docrel/docrel-trace.h"

/* ---- backend ------------------------------------------------------------ */

/* The table of functions every storage backend provides.
 *
 * Everything above this table is backend-neutral. A backend is chosen by the
 * URI scheme; docrel_store_open rejects a table with a missing entry or another
 * version. Every function that can fail fills error and reports whether
 * anything was written: a failed insert_many / update_many / update_where /
 * delete_many writes nothing (the backend undoes its partial work), with one
 * exception. MongoDB outside a transaction (a standalone server, or a
 * thread that did not begin one) has no all-or-nothing batch: insert_many
 * and update_many run in order and stop at the first failing document,
 * keeping the documents before it. They report how many in their
 * docrel_write_outcome_t (and their error message then starts "<k> of <n>
 * documents were written before this failure: "), and whether the ones
 * after may have been written too because the reply was lost. An
 * update_where or delete_many that fails part way keeps what it changed.
 * Inside a transaction the server undoes everything when the caller aborts.
 * A MongoDB error labelled TransientTransactionError says so in its message
 * (docrel_error__is_transient): the caller may retry the whole transaction. */
#define DOCREL_BACKEND_VERSION 6

typedef struct _docrel_backend_t docrel_backend_t;               /* per backend */
typedef struct _docrel_backend_cursor_t docrel_backend_cursor_t; /* per backend */
struct _docrel_store_t;

typedef struct {
   const char *name; /* index name, unique within the collection */
   const char *collection;
   size_t n_keys;
   const char *const *paths; /* field paths, in key order */
   const int *directions;    /* 1 or -1 each */
   bool unique;
} docrel_index_spec_t;

/* A key lookup, what a join sends: the documents whose value at path is
 * one of values[0..n), as the filter {path: {$in: [values]}} finds them.
 * The embedded store binds the values' keycodes to one cached statement,
 * so a join compiles no filter and formats no SQL per call. */
typedef struct {
   const char *path;
   const bson_value_t *values;
   size_t n;
} docrel_key_lookup_t;

/* One query, checked by the store before any backend sees it (skip and
 * limit not negative, group paths valid), as index specs are. filter, sort
 * and projection are compiled and already checked; each may be NULL (everything; insertion order; whole documents). They are
 * borrowed: the caller keeps them alive until the backend cursor is destroyed. */
typedef struct {
   const docrel_filter_t *filter;
   const docrel_sort_t *sort;
   const docrel_projection_t *projection;
   int64_t skip;       /* >= 0 */
   int64_t limit;      /* 0: none */
   int32_t batch_size; /* 0: the backend's default */
   /* Grouped window, for joins with a per-parent $limit: when n_group_paths
    * > 0, skip and limit apply within each group of documents that share the
    * values at group_paths (taken in sort order), not to the whole result,
    * still in one query. Documents come in sort order (else insertion order)
    * across groups. */
   size_t n_group_paths;
   const char *const *group_paths;
   /* Instead of filter (which is then NULL), for a find only (never grouped):
    * borrowed as the rest. */
   const docrel_key_lookup_t *lookup;
} docrel_find_spec_t;

/* One document's update: the _id and a MongoDB update document holding
 * "$set" and / or "$unset" (each a document of dotted paths). */
typedef struct {
   const bson_value_t *id;
   const bson_t *update;
} docrel_update_t;

/* What a batch write (insert_many, update_many) left in the store, filled
 * by the store before the call (nothing written, nothing in doubt) and by
 * the backend when it knows more. On success every document was written. */
typedef struct {
   size_t written; /* the leading documents / updates known to be applied */
   bool in_doubt;  /* the rest may be applied too: the connection failed
                    * after the command was sent, so the reply was lost */
} docrel_write_outcome_t;

/* One command being traced (docrel-trace.h): started by docrel_trace__start,
 * ended by docrel_trace__end. request_id 0: not traced (no trace was set
 * when it started, or its end is reported already); the other fields are
 * then unset. */
typedef struct {
   uint64_t request_id;
   uint64_t generation; /* the trace's when it started (store.trace_generation) */
   int64_t started;     /* bson_get_monotonic_time () */
   const char *command;
   const char *collection; /* borrowed, or owned (docrel_trace__keep) */
   char *owned;            /* the collection's copy, freed at the end */
} docrel_trace_span_t;

/* The first member of every backend's cursor struct: the backend zeroes it
 * (bson_malloc0) and never touches it again; the store keeps there the
 * trace of the find that opened the cursor. */
typedef struct {
   docrel_trace_span_t span;
   int64_t elapsed;    /* microseconds spent in the store's calls on the cursor */
   uint64_t documents; /* read through it */
} docrel_cursor_head_t;

/* One group of a grouped count (the backend's group_count): key is the
 * keycodes of its values, back to back, borrowed for the call. */
typedef void (*docrel_group_visit_t) (const uint8_t *key, size_t len, int64_t count, void *ctx);

/* What a backend may tell the store that opened it: a round trip it sends
 * on its own (a getMore, as libmongoc reads a find's results). extra_started
 * counts it as one more find (docrel_store_stats) and, when a trace is set,
 * starts span (the backend's own, zeroed before its first use, reused from
 * one round trip to the next; collection is copied) and reports it started;
 * extra_done ends it with the documents received and error (NULL on
 * success). The backend calls extra_done only on a span extra_started
 * traced (request_id != 0). Called from any thread, with the backend's locks
 * held or not. */
typedef struct {
   void (*extra_started) (void *ctx, const char *command, const char *collection, docrel_trace_span_t *span);
   void (*extra_done) (void *ctx, docrel_trace_span_t *span, uint64_t documents, const bson_error_t *error);
   void *ctx;
} docrel_backend_host_t;

typedef struct {
   uint32_t version; /* DOCREL_BACKEND_VERSION */
   const char *name; /* "sqlite", "mongodb" */

   /* Opens the backend for uri (already known to have its scheme). host is
    * how the backend reports round trips it makes on its own (the backend
    * keeps a copy); the backend calls nothing else of the store. */
   docrel_backend_t *(*open) (const char *uri, const docrel_backend_host_t *host, bson_error_t *error);
   void (*close) (docrel_backend_t *backend);

   /* Makes sure the collection exists (idempotent). */
   bool (*ensure_collection) (docrel_backend_t *backend, const char *collection, bson_error_t *error);
   /* Makes sure the index exists (idempotent); an existing index of that name
    * with other keys is an error. Fails if a unique index meets duplicates. */
   bool (*ensure_index) (docrel_backend_t *backend, const docrel_index_spec_t *spec, bson_error_t *error);

   /* Inserts in order; every doc has an _id. All or nothing (but see the
    * top: *outcome, never NULL, tells a partial write). A duplicate _id or
    * unique key fails with DOCREL_ERROR_DUPLICATE_KEY naming collection,
    * index and key value. */
   bool (*insert_many) (docrel_backend_t *backend,
                        const char *collection,
                        const bson_t *const *docs,
                        size_t n,
                        docrel_write_outcome_t *outcome,
                        bson_error_t *error);
   /* Applies each update to the document with its _id (missing ones are
    * skipped). All or nothing, as insert_many. */
   bool (*update_many) (docrel_backend_t *backend,
                        const char *collection,
                        const docrel_update_t *updates,
                        size_t n,
                        docrel_write_outcome_t *outcome,
                        bson_error_t *error);
   /* Applies update ("$set" / "$unset" of dotted paths, as in update_many) to
    * every document matching filter, all or nothing; *updated (may be NULL)
    * is how many matched. MongoDB: one "update" command with multi: true. */
   bool (*update_where) (docrel_backend_t *backend,
                         const char *collection,
                         const docrel_filter_t *filter,
                         const bson_t *update,
                         int64_t *updated,
                         bson_error_t *error);
   /* Deletes every document matching filter; *deleted may be NULL. */
   bool (*delete_many) (docrel_backend_t *backend,
                        const char *collection,
                        const docrel_filter_t *filter,
                        int64_t *deleted,
                        bson_error_t *error);

   /* Starts a query. NULL with error set on failure. The cursor's struct
    * starts with a zeroed docrel_cursor_head_t. */
   docrel_backend_cursor_t *(*find) (docrel_backend_t *backend,
                                     const char *collection,
                                     const docrel_find_spec_t *spec,
                                     bson_error_t *error);
   /* Next document, borrowed until the next call. Returns false at the end
    * (error->code == 0) or on error. */
   bool (*cursor_next) (docrel_backend_cursor_t *cursor, const bson_t **doc, bson_error_t *error);
   void (*cursor_destroy) (docrel_backend_cursor_t *cursor);

   /* Counts matches (honouring skip and limit; sort and projection ignored). */
   bool (*count) (docrel_backend_t *backend,
                  const char *collection,
                  const docrel_find_spec_t *spec,
                  int64_t *out,
                  bson_error_t *error);

   /* Counts the documents matching filter (compiled, may be NULL) per
    * distinct tuple of values at paths (at least one, checked), in
    * one command, and calls visit once per tuple with its count (groups in
    * no particular order). key is the tuple's keycodes (bsonx/keycode.c)
    * back to back, so values equal as keys (1 and 1.0) share a group. A
    * document missing a path or holding null there counts nowhere. With one
    * path, a document holding an array there counts under each element
    * (once per occurrence, as a join attaches it); with several, a document
    * holding an array at one of them counts nowhere. */
   bool (*group_count) (docrel_backend_t *backend,
                        const char *collection,
                        const docrel_filter_t *filter,
                        const char *const *paths,
                        size_t n_paths,
                        docrel_group_visit_t visit,
                        void *ctx,
                        bson_error_t *error);

   /* Describes how the backend would run the query, without running it:
    * initialises *out with {"backend": name, ...backend details}. For SQLite:
    * {"backend": "sqlite", "sql": text, "plan": [each EXPLAIN QUERY PLAN
    * detail line]}. */
   bool (*explain) (docrel_backend_t *backend,
                    const char *collection,
                    const docrel_find_spec_t *spec,
                    bson_t *out,
                    bson_error_t *error);

   /* Transactions belong to the calling thread: every call that thread makes
    * between begin and commit / abort is part of the transaction; other
    * threads' calls are not (the embedded store makes them wait until it
    * ends; MongoDB runs them outside it). Transactions do not nest. begin
    * sets *active to whether the backend really runs one (false: a MongoDB
    * deployment without transactions, where calls run one by one and commit /
    * abort do nothing). abort succeeds when nothing is open, so callers can
    * always abort after a failure. */
   bool (*begin) (docrel_backend_t *backend, bool *active, bson_error_t *error);
   bool (*commit) (docrel_backend_t *backend, bson_error_t *error);
   bool (*abort) (docrel_backend_t *backend, bson_error_t *error);

   /* Optional (NULL: every read sees the store as it is when it runs; the
    * MongoDB backend for now). A read scope of the calling thread: every
    * find, cursor step and count it makes between read_begin and read_end
    * sees one snapshot of the store (or, inside the thread's transaction,
    * that transaction's state; SQLite in memory: no snapshot, see
    * sqlite/readers.c). Scopes nest; read_end gets the token its
    * read_begin set. Never fails: a snapshot that cannot start leaves each
    * read on its own, and errors show on the reads. */
   void (*read_begin) (docrel_backend_t *backend, void **token);
   void (*read_end) (docrel_backend_t *backend, void *token);
} docrel_backend_vtable_t;

extern const docrel_backend_vtable_t docrel_backend_sqlite;
extern const docrel_backend_vtable_t docrel_backend_mongodb;

/* ---- store -------------------------------------------------------------- */

/* The store struct and the counted calls into the backend.
 *
 * Every layer above the backend goes through these wrappers, so that the
 * store's command counters (docrel_store_stats) are kept in one place. */
struct _docrel_store_t {
   const docrel_backend_vtable_t *vtable;
   docrel_backend_t *backend;
   char *uri;
   /* The models declared on this store, kept here for docrel_store_model and
    * freed with the store through free_model; the model layer (model.c)
    * fills both, so the store needs to know nothing of models. */
   struct _docrel_model_t **models;
   size_t n_models;
   void (*free_model) (struct _docrel_model_t *model);
   pthread_mutex_t mutex;      /* guards models and model readiness */
   docrel_store_stats_t stats; /* each field read and bumped atomically */
   /* The trace (trace.c). trace_on is all a command reads when none is set;
    * trace, trace_data and trace_generation are written under trace_lock's
    * write side and read under its read side, which callbacks run under. */
   atomic_bool trace_on;
   pthread_rwlock_t trace_lock;
   docrel_trace_callbacks_t trace;
   void *trace_data;
   uint64_t trace_generation;
   atomic_uint_fast64_t last_request_id;
};

typedef enum {
   DOCREL_COUNT_INSERT,
   DOCREL_COUNT_UPDATE,
   DOCREL_COUNT_DELETE,
   DOCREL_COUNT_FIND, /* a query or a getMore */
   DOCREL_COUNT_COUNT,
   DOCREL_COUNT_INDEX,
   DOCREL_COUNT_TRANSACTION
} docrel_count_kind_t;

/* Adds one command of kind (and documents read or written) to the counters. */
void docrel_store__count (struct _docrel_store_t *store, docrel_count_kind_t kind, uint64_t documents);

/* *outcome (may be NULL) tells what a failed batch left written (see the
 * backend table above). */
bool docrel_store__insert_many (struct _docrel_store_t *store,
                                const char *collection,
                                const bson_t *const *docs,
                                size_t n,
                                docrel_write_outcome_t *outcome,
                                bson_error_t *error);
bool docrel_store__update_many (struct _docrel_store_t *store,
                                const char *collection,
                                const docrel_update_t *updates,
                                size_t n,
                                docrel_write_outcome_t *outcome,
                                bson_error_t *error);
/* Counted as one update command. */
bool docrel_store__update_where (struct _docrel_store_t *store,
                                 const char *collection,
                                 const docrel_filter_t *filter,
                                 const bson_t *update,
                                 int64_t *updated,
                                 bson_error_t *error);
/* The calling thread's transaction (see the backend table above): *active
 * tells whether the backend runs one. Counted in stats.transactions when
 * active. */
bool docrel_store__begin (struct _docrel_store_t *store, bool *active, bson_error_t *error);

bool docrel_store__commit (struct _docrel_store_t *store, bson_error_t *error);
/* Rolls back the calling thread's transaction, if any; its own error is not
 * reported over the failure that led to it. */
bool docrel_store__abort (struct _docrel_store_t *store);
/* One read call (a get, a find_all, a cursor's batch with its joins, a
 * join): everything read between read_begin and read_end comes from one
 * snapshot of the store (the backend's read_begin above). *scope is the
 * caller's, passed back to read_end; scopes nest. */
typedef struct {
   void *token;
} docrel_read_scope_t;
void docrel_store__read_begin (struct _docrel_store_t *store, docrel_read_scope_t *scope);
void docrel_store__read_end (struct _docrel_store_t *store, docrel_read_scope_t *scope);
bool docrel_store__delete_many (struct _docrel_store_t *store,
                                const char *collection,
                                const docrel_filter_t *filter,
                                int64_t *deleted,
                                bson_error_t *error);
docrel_backend_cursor_t *docrel_store__find (struct _docrel_store_t *store,
                                             const char *collection,
                                             const docrel_find_spec_t *spec,
                                             bson_error_t *error);
/* Counts documents read. */
bool docrel_store__cursor_next (struct _docrel_store_t *store,
                                docrel_backend_cursor_t *cursor,
                                const bson_t **doc,
                                bson_error_t *error);
void docrel_store__cursor_destroy (struct _docrel_store_t *store, docrel_backend_cursor_t *cursor);
/* Runs spec on collection and calls visit with each document read (borrowed
 * for the call). Returns false with error set if the find or a later round
 * trip fails; visit has then seen the documents read before. */
bool docrel_store__for_each (struct _docrel_store_t *store,
                             const char *collection,
                             const docrel_find_spec_t *spec,
                             void (*visit) (const bson_t *doc, void *ctx),
                             void *ctx,
                             bson_error_t *error);
bool docrel_store__count_matches (struct _docrel_store_t *store,
                                  const char *collection,
                                  const docrel_find_spec_t *spec,
                                  int64_t *out,
                                  bson_error_t *error);
/* The backend's group_count, counted and traced as one count command. */
bool docrel_store__group_count (struct _docrel_store_t *store,
                                const char *collection,
                                const docrel_filter_t *filter,
                                const char *const *paths,
                                size_t n_paths,
                                docrel_group_visit_t visit,
                                void *ctx,
                                bson_error_t *error);
bool docrel_store__explain (struct _docrel_store_t *store,
                            const char *collection,
                            const docrel_find_spec_t *spec,
                            bson_t *out,
                            bson_error_t *error);
bool docrel_store__ensure_collection (struct _docrel_store_t *store, const char *collection, bson_error_t *error);
bool docrel_store__ensure_index (struct _docrel_store_t *store, const docrel_index_spec_t *spec, bson_error_t *error);

/* ---- trace -------------------------------------------------------------- */

/* Tracing the commands of the counted calls above (docrel-trace.h). Each
 * call starts a span before it calls the backend and ends it after; a find's
 * span lives in its cursor's head until the cursor is read to the end or
 * destroyed. */

void docrel_trace__init (struct _docrel_store_t *store);
void docrel_trace__destroy (struct _docrel_store_t *store);

/* The slow half of docrel_trace__start, with a trace set. */
bool docrel_trace__begin (struct _docrel_store_t *store,
                          docrel_trace_span_t *span,
                          const char *command,
                          const char *collection,
                          uint64_t documents);

/* The slow half of docrel_trace__end: reports the end of a traced span to
 * the trace it started under, if that is still set (succeeded when error is
 * NULL, else failed), then clears span. */
void docrel_trace__finish (struct _docrel_store_t *store,
                           docrel_trace_span_t *span,
                           uint64_t documents,
                           int64_t duration,
                           const bson_error_t *error);

/* Starts span for command on collection (NULL for a transaction call) with
 * documents sent: with a trace set, gives it a request id, reports it
 * started and reads the clock. Returns whether it is traced. With no trace
 * set, one test of a flag. */
static inline bool
docrel_trace__start (struct _docrel_store_t *store,
                     docrel_trace_span_t *span,
                     const char *command,
                     const char *collection,
                     uint64_t documents)
{
   span->request_id = 0;
   if (!atomic_load_explicit (&store->trace_on, memory_order_relaxed)) {
      return false;
   }
   return docrel_trace__begin (store, span, command, collection, documents);
}

/* Ends span, if traced, with documents done and error (NULL: succeeded);
 * the duration is from its start. */
static inline void
docrel_trace__end (struct _docrel_store_t *store,
                   docrel_trace_span_t *span,
                   uint64_t documents,
                   const bson_error_t *error)
{
   if (span->request_id != 0) {
      docrel_trace__finish (store, span, documents, bson_get_monotonic_time () - span->started, error);
   }
}

/* Makes a traced span own a copy of its collection, so that it can outlive
 * the call that started it (a cursor, a getMore). */
void docrel_trace__keep (docrel_trace_span_t *span);

#endif
