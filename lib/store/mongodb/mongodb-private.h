/* SPDX-License-Identifier: Apache-2.0 */
/* mongodb-private.h: the MongoDB backend's state, shared by its files.
 *
 * mongodb.c opens the client pool, runs transactions, maps libmongoc's
 * errors, creates collections and indexes, and holds the vtable; write.c
 * inserts, updates and deletes; query.c builds find and aggregate commands
 * and runs find, count and explain.
 *
 * Threads: a store is shared, a mongoc_client_t is not. Every call borrows a
 * client for its duration (docrel_mongodb__op_begin / _end): the pool's, or,
 * on a thread with an open transaction, that transaction's client and
 * session, so the thread's calls run inside it and other threads' calls run
 * outside it. A cursor keeps its client until it is destroyed. mutex guards
 * only the table of open transactions. */
#ifndef DOCREL_MONGODB_PRIVATE_H
#define DOCREL_MONGODB_PRIVATE_H

#include <pthread.h>

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include "store/store-private.h"

#define DOCREL_MONGODB_DEFAULT_DB "docrel"
#define DOCREL_MONGODB_APPNAME "docrel"
/* Timeouts docrel sets when the URI does not (docs/mongodb.md, Timeouts):
 * open fails within serverSelectionTimeoutMS (and connectTimeoutMS, the
 * wait for a server's first reply, is never longer unless the URI says so),
 * and a reply that stalls fails after socketTimeoutMS, not libmongoc's 300 s. */
#define DOCREL_MONGODB_SERVER_SELECTION_MS 10000
#define DOCREL_MONGODB_CONNECT_MS 5000
#define DOCREL_MONGODB_SOCKET_MS 60000
/* The label libmongoc puts on errors worth retrying as a whole transaction,
 * copied into docrel's error message (see docrel_error__is_transient). */
#define DOCREL_MONGODB_TRANSIENT "TransientTransactionError"
#define DOCREL_MONGODB_COMMIT_UNKNOWN "UnknownTransactionCommitResult" /* docrel_error__is_commit_unknown */
#define DOCREL_MONGODB_COMMIT_TRIES 5 /* commitTransaction on DOCREL_MONGODB_COMMIT_UNKNOWN */

/* One thread's transaction. refs: the table's reference (while open) and one
 * per cursor opened inside it, so a cursor never outlives its session. */
typedef struct {
   pthread_t thread;
   mongoc_client_t *client;
   mongoc_client_session_t *session;
   int refs; /* under the backend's mutex */
} docrel_mongodb_txn_t;

struct _docrel_backend_t {
   mongoc_uri_t *uri;
   mongoc_client_pool_t *pool;
   char *db;                   /* the database: the URI's path, else DOCREL_MONGODB_DEFAULT_DB */
   char *where;                /* the URI without credentials, for messages */
   docrel_backend_host_t host; /* the APM callbacks report getMores to it */
   bool transactions;          /* the deployment runs them (replica set or mongos with sessions) */
   int32_t max_wire_version;   /* of the server open reached: 13 is MongoDB 5.0 */
   pthread_mutex_t mutex;      /* guards txns */
   docrel_mongodb_txn_t **txns;
   size_t n_txns, cap_txns;
};

/* The client one call runs on. */
typedef struct {
   docrel_backend_t *b;
   mongoc_client_t *client;
   docrel_mongodb_txn_t *txn; /* NULL: a pooled client, outside any transaction */
} docrel_mongodb_op_t;

/* mongodb.c ---------------------------------------------------------------- */

/* Borrows the client for a call from the calling thread: its transaction's
 * (holding a reference), else one from the pool (which may wait for a free
 * client when maxPoolSize are in use). If outside, never the transaction's.
 * This function can't fail. */
void docrel_mongodb__op_begin (docrel_backend_t *b, docrel_mongodb_op_t *op, bool outside);

/* Gives the client back. Accepts an op that was never begun (zeroed). */
void docrel_mongodb__op_end (docrel_mongodb_op_t *op);

/* A collection handle on op's client; the caller destroys it. */
mongoc_collection_t *docrel_mongodb__collection (const docrel_mongodb_op_t *op, const char *name);

/* Appends the transaction's sessionId to opts when op runs inside one. */
bool docrel_mongodb__session_opts (const docrel_mongodb_op_t *op, bson_t *opts, bson_error_t *error);

/* Fills error from libmongoc's cause (and its server reply, may be NULL):
 *  - a duplicate key (11000): DOCREL_ERROR_STORE / DOCREL_ERROR_DUPLICATE_KEY,
 *    "duplicate key in collection '<collection>' index '<name>': <key>";
 *  - another server error: domain DOCREL_ERROR_SERVER with the server's
 *    code, "<what>: <server message>";
 *  - anything else (no server reached, a network error, a bad argument):
 *    DOCREL_ERROR_STORE / DOCREL_ERROR_BACKEND with libmongoc's message and
 *    its domain and code.
 * A reply labelled TransientTransactionError adds "[TransientTransactionError]"
 * to the message. Returns false. */
bool docrel_mongodb__fail (bson_error_t *error,
                           const bson_error_t *cause,
                           const bson_t *reply,
                           const char *collection,
                           const char *fmt,
                           ...) BSON_GNUC_PRINTF (5, 6);

/* write.c ------------------------------------------------------------------ */

bool docrel_mongodb__insert_many (docrel_backend_t *b,
                                  const char *collection,
                                  const bson_t *const *docs,
                                  size_t n,
                                  docrel_write_outcome_t *outcome,
                                  bson_error_t *error);
bool docrel_mongodb__update_many (docrel_backend_t *b,
                                  const char *collection,
                                  const docrel_update_t *updates,
                                  size_t n,
                                  docrel_write_outcome_t *outcome,
                                  bson_error_t *error);
bool docrel_mongodb__update_where (docrel_backend_t *b,
                                   const char *collection,
                                   const docrel_filter_t *filter,
                                   const bson_t *update,
                                   int64_t *updated,
                                   bson_error_t *error);
bool docrel_mongodb__delete_many (docrel_backend_t *b,
                                  const char *collection,
                                  const docrel_filter_t *filter,
                                  int64_t *deleted,
                                  bson_error_t *error);

/* query.c ------------------------------------------------------------------ */

/* The filter document of a compiled filter (empty for NULL). Borrowed. */
const bson_t *docrel_mongodb__filter_doc (const docrel_filter_t *filter);

/* Counts documents matching filter (no skip, no limit) with op's client. */
bool docrel_mongodb__count_filter (const docrel_mongodb_op_t *op,
                                   const char *collection,
                                   const bson_t *filter,
                                   int64_t *out,
                                   bson_error_t *error);

docrel_backend_cursor_t *
docrel_mongodb__find (docrel_backend_t *b, const char *collection, const docrel_find_spec_t *spec, bson_error_t *error);
bool docrel_mongodb__cursor_next (docrel_backend_cursor_t *cursor, const bson_t **doc, bson_error_t *error);
void docrel_mongodb__cursor_destroy (docrel_backend_cursor_t *cursor);
bool docrel_mongodb__count (docrel_backend_t *b,
                            const char *collection,
                            const docrel_find_spec_t *spec,
                            int64_t *out,
                            bson_error_t *error);
bool docrel_mongodb__explain (docrel_backend_t *b,
                              const char *collection,
                              const docrel_find_spec_t *spec,
                              bson_t *out,
                              bson_error_t *error);

/* group.c ------------------------------------------------------------------ */

/* The vtable's group_count: one aggregate. */
bool docrel_mongodb__group_count (docrel_backend_t *b,
                                  const char *collection,
                                  const docrel_filter_t *filter,
                                  const char *const *paths,
                                  size_t n_paths,
                                  docrel_group_visit_t visit,
                                  void *ctx,
                                  bson_error_t *error);

#endif
