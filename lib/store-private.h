/* store-private.h: the store struct and the counted calls into the backend.
 *
 * Every layer above the backend goes through these wrappers, so that the
 * store's command counters (docrel_store_stats) are kept in one place. */
#ifndef DOCREL_STORE_PRIVATE_H
#define DOCREL_STORE_PRIVATE_H

#include <pthread.h>

#include "backend.h"
#include "docrel/docrel-store.h"
#include "model-private.h"

struct _docrel_store_t {
   const docrel_backend_vtable_t *vtable;
   docrel_backend_t *backend;
   char *uri;
   docrel_model_t **models;
   size_t n_models;
   pthread_mutex_t mutex; /* guards models and model readiness */
   pthread_mutex_t stats_mutex; /* guards stats only: counted calls happen
                                 * while mutex is held (model first use) */
   docrel_store_stats_t stats;
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

/* *outcome (may be NULL) tells what a failed batch left written (backend.h). */
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
/* The calling thread's transaction (see backend.h): *active tells whether
 * the backend runs one. Counted in stats.transactions when active. */
bool docrel_store__begin (struct _docrel_store_t *store, bool *active, bson_error_t *error);
bool docrel_store__commit (struct _docrel_store_t *store, bson_error_t *error);
/* Rolls back the calling thread's transaction, if any; its own error is not
 * reported over the failure that led to it. */
bool docrel_store__abort (struct _docrel_store_t *store);
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
bool docrel_store__count_matches (struct _docrel_store_t *store,
                                  const char *collection,
                                  const docrel_find_spec_t *spec,
                                  int64_t *out,
                                  bson_error_t *error);
bool docrel_store__explain (struct _docrel_store_t *store,
                            const char *collection,
                            const docrel_find_spec_t *spec,
                            bson_t *out,
                            bson_error_t *error);
bool docrel_store__ensure_collection (struct _docrel_store_t *store, const char *collection, bson_error_t *error);
bool docrel_store__ensure_index (struct _docrel_store_t *store, const docrel_index_spec_t *spec, bson_error_t *error);

#endif
