/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-store.h: opening a store and reading its counters.
 *
 * A store is one open backend, chosen by the URI scheme:
 *   sqlite:///abs/path.db   a file (absolute path)
 *   sqlite:relative.db      a file relative to the working directory
 *   sqlite::memory:         a private in-memory store
 *   mongodb://host:port/db?options, mongodb+srv://...   MongoDB (libmongoc)
 * A store may be shared between threads (and its models); its sessions, their
 * documents and cursors are used by one thread at a time. On a file store,
 * reads outside the calling thread's transaction run in parallel on read
 * connections (up to 4 kept); writes take turns inside docrel. A memory
 * store serves its threads one call at a time.
 *
 * Open options are the URI's. A MongoDB URI takes every libmongoc option;
 * where it sets none, docrel sets serverSelectionTimeoutMS=10000,
 * connectTimeoutMS=5000 (or the server selection timeout if lower) and
 * socketTimeoutMS=60000, so that opening fails within about the server
 * selection timeout and a stalled reply within a minute (docs/mongodb.md,
 * "Timeouts"). docrel's own option docrelTimeoutMS=N sets all three to N
 * where the URI does not: a deadline for each command of the store. The
 * embedded store waits up to 5 s (or an embedded URI's docrelTimeoutMS=N,
 * e.g. sqlite:///abs/path.db?docrelTimeoutMS=200, its only option) for
 * another process's (or another store's) lock on its file before a call
 * fails with SQLITE_BUSY, its message naming the timeout; threads of one
 * store never see it.
 *
 * An embedded file says its layout (how tables, indexes and key columns
 * are named and defined) in PRAGMA user_version: 3 for this version, where
 * each indexed path has a column of its own under a plain index, so the
 * sqlite3 shell can read and check the file (PRAGMA integrity_check)
 * without docrel. Opening a file of an earlier layout (user_version 0 or
 * 2) upgrades it in one transaction; a file of a later layout is refused
 * with DOCREL_ERROR_STORE / DOCREL_ERROR_BACKEND.
 *
 * Out of memory: docrel allocates through bson_malloc, which aborts the
 * process when an allocation fails, as libmongoc does. SQLite's own
 * allocation failures are errors instead (DOCREL_ERROR_SQLITE, code
 * SQLITE_NOMEM): the call fails and its write is rolled back; if the
 * rollback itself cannot run, every later call on the store tries it again
 * first and fails, naming the cause, until it succeeds, so no call reads a
 * half-written write or reports one saved. */
#ifndef DOCREL_STORE_H
#define DOCREL_STORE_H

#include <bson/bson.h>

#include "docrel-macros.h"

DOCREL_BEGIN_DECLS

typedef struct _docrel_store_t docrel_store_t;

/* Commands sent to the backend since open (or the last reset). A command is
 * one round trip to the backend: one batched insert, one batched update, one
 * query (plus, on MongoDB, each getMore), one count, one index creation. */
typedef struct {
   uint64_t commands; /* the sum of the counters below but transactions */
   uint64_t inserts;
   uint64_t updates;
   uint64_t deletes;
   uint64_t finds;
   uint64_t counts;
   uint64_t index_builds;
   uint64_t transactions; /* transactions begun (one per graph call where
                           * the store runs them); not counted as commands,
                           * so the same work counts the same commands on
                           * every backend */
   uint64_t documents_written;
   uint64_t documents_read;
} docrel_store_stats_t;

/* Opens the store named by uri. Returns a store the caller frees with
 * docrel_store_destroy, or NULL with error set (DOCREL_ERROR_STORE:
 * DOCREL_ERROR_INVALID_URI for a malformed URI, DOCREL_ERROR_UNKNOWN_BACKEND
 * for an unknown scheme, or the backend's own error). */
DOCREL_EXPORT docrel_store_t *
docrel_store_open (const char *uri, bson_error_t *error);

/* Closes the store and frees its models. Every session on it must be
 * destroyed first. Accepts NULL. */
DOCREL_EXPORT void
docrel_store_destroy (docrel_store_t *store);

/* The name of the store's backend: "sqlite" or "mongodb". Borrowed. */
DOCREL_EXPORT const char *
docrel_store_backend_name (const docrel_store_t *store);

/* Copies the store's counters into *out. This function can't fail. */
DOCREL_EXPORT void
docrel_store_stats (docrel_store_t *store, docrel_store_stats_t *out);

/* Sets every counter to zero. */
DOCREL_EXPORT void
docrel_store_stats_reset (docrel_store_t *store);

DOCREL_END_DECLS

#endif /* DOCREL_STORE_H */
