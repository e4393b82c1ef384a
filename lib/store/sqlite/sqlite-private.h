/* SPDX-License-Identifier: Apache-2.0 */
/* sqlite-private.h: the embedded backend's state, shared by its files.
 *
 * sqlite.c opens the connection, keeps per-collection state (the table's
 * indexes, key columns and cached statements) and runs transactions;
 * index.c creates and reads back indexes; columns.c defines, fills and adds
 * key columns; layout.c names tables, indexes and columns in the file and
 * checks its layout, upgrade.c upgrades an older one (script.c runs their
 * schema changes); write.c inserts, updates and deletes;
 * sql.c builds the SQL of queries and query.c runs find, count and explain;
 * functions.c defines the SQL functions that read BSON (docrel_index_key,
 * docrel_sort_key, docrel_match).
 *
 * Connections: a store has one writer connection (the struct the vtable
 * gets). A file store also has a pool of read connections (readers.c), each
 * a docrel_backend_t of its own (its connection, collection state and
 * statement cache) with parent pointing at the writer: finds and counts
 * outside the calling thread's transaction run on the thread's reader, so
 * reads run in parallel with each other and with the writer (WAL).
 *
 * Locking: each connection's mutex guards everything of that struct. Every
 * vtable entry takes it on entry (through docrel_sqlite__enter, but commit,
 * abort and cursor_destroy) and releases it on return (cursor_next holds it
 * for one step), so the helpers below expect it held and never take it
 * themselves. The writer is opened SQLITE_OPEN_FULLMUTEX, readers
 * SQLITE_OPEN_NOMUTEX (only ever used under their mutex). The pool
 * (readers, n_readers, and each reader's owner and holds) is guarded by the
 * writer's pool_mutex, never taken while holding a connection's mutex. */
#ifndef DOCREL_SQLITE_PRIVATE_H
#define DOCREL_SQLITE_PRIVATE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include <bson/bson.h>

#include "store/store-private.h"
#include "util/util-private.h"
#include "query/query-private.h"

#define DOCREL_SQLITE_CACHE_SIZE 16              /* generated-query statements kept */
#define DOCREL_SQLITE_BUSY_MS 5000               /* busy timeout */
#define DOCREL_SQLITE_READERS 4                  /* idle read connections kept */
#define DOCREL_SQLITE_FILTER_PTR "docrel_filter" /* sqlite3_bind_pointer type */
/* A collection's table without key columns (columns.c), as every layout
 * has defined it. */
#define DOCREL_SQLITE_TABLE_DEF "(id BLOB PRIMARY KEY NOT NULL, doc BLOB NOT NULL)"

/* A list of distinct paths (bson_malloc'd copies). */
typedef struct {
   char **v;
   size_t n;
} docrel_sqlite_paths_t;

/* Statements run in order (sqlite3_malloc'd; a NULL one ran out of memory). */
typedef struct {
   char **sql;
   size_t n;
} docrel_sqlite_script_t;

/* The key column values of the row being written: key i is keys.data from
 * ends[i - 1] (0 for the first) to ends[i]. */
typedef struct {
   docrel_buf_t keys;
   size_t *ends;
   size_t cap;
} docrel_sqlite_row_t;

/* One index of a collection, as created by ensure_index (or found in the
 * schema of a reopened file). */
typedef struct {
   char *name;      /* the index name the model gave */
   char *sql_name;  /* the SQLite index: docrel_sqlite__index_name */
   char **paths;    /* key paths, in order */
   int *directions; /* 1 or -1 each (read back only by index_parse) */
   size_t n_paths;
   bool unique;
} docrel_sqlite_index_t;

typedef enum {
   DOCREL_SQLITE_STMT_INSERT,       /* INSERT INTO c VALUES (?1 id, ?2 doc, ?3... keys) */
   DOCREL_SQLITE_STMT_SELECT_BY_ID, /* SELECT doc FROM c WHERE id = ? */
   /* The insert's, ON CONFLICT (id) DO UPDATE SET doc and every key column:
    * positional like it, so a stale column list fails (columns.c) */
   DOCREL_SQLITE_STMT_UPDATE_BY_ID,
   DOCREL_SQLITE_N_STMTS
} docrel_sqlite_stmt_kind_t;

typedef struct {
   char *name;  /* the collection */
   char *table; /* its SQLite table: docrel_sqlite__table_name */
   bool exists; /* the table is known to exist; if false, ask the schema */
   docrel_sqlite_index_t *indexes;
   size_t n_indexes;
   docrel_sqlite_paths_t key_paths;            /* the table's key columns, in order */
   docrel_sqlite_row_t row;                    /* scratch for the row being written */
   sqlite3_stmt *stmts[DOCREL_SQLITE_N_STMTS]; /* prepared on first use */
} docrel_sqlite_coll_t;

typedef struct {
   char *sql; /* bson_malloc'd key; NULL: slot empty */
   sqlite3_stmt *stmt;
   uint64_t used; /* clock value at check-in, for LRU eviction */
} docrel_sqlite_cached_t;

struct _docrel_backend_t {
   sqlite3 *db;
   char *where;           /* the URI, for messages */
   pthread_mutex_t mutex; /* recursive; held by an open transaction */
   bool in_transaction;   /* read and written only under mutex, as below */
   /* A write of the open transaction failed and its savepoint could not be
    * rolled back: the transaction holds part of it, so commit refuses. */
   bool txn_broken;
   /* Why a failed transaction could not be rolled back (code 0: none). It
    * stays open in SQLite until docrel_sqlite__enter rolls it back. */
   bson_error_t stuck;
   docrel_sqlite_coll_t **colls; /* pointers stay valid as the array grows */
   size_t n_colls;
   docrel_sqlite_cached_t cache[DOCREL_SQLITE_CACHE_SIZE]; /* idle statements only */
   uint64_t clock;

   /* The writer's, for the read pool (readers.c). path is the file readers
    * open (NULL: a memory store, no pool). schema_gen counts committed index
    * creations, so readers reload their collection state; schema_changed
    * says the open write or transaction made one. */
   char *path;
   int busy_ms; /* how long a write waits for another connection's lock:
                 * DOCREL_SQLITE_BUSY_MS or the URI's docrelTimeoutMS */
   pthread_mutex_t pool_mutex;
   docrel_backend_t **readers; /* open read connections, in use or idle */
   size_t n_readers;
   atomic_uint_fast64_t schema_gen;
   bool schema_changed;

   /* A reader's. parent is the writer (NULL for the writer itself). owner
    * and holds (the thread's calls, cursors and read scopes using it; 0:
    * idle) under the parent's pool_mutex; the rest under mutex. */
   docrel_backend_t *parent;
   pthread_t owner;
   unsigned holds;
   uint64_t seen_gen;
   unsigned scope_depth;
   bool began; /* the outermost read scope opened a read transaction */
   sqlite3_stmt *begin_stmt, *commit_stmt;
};

/* What a generated statement does with its WHERE clause. A find or count
 * with group paths pages each group through row_number() instead of LIMIT
 * (see query.c). */
typedef enum {
   DOCREL_SQLITE_QUERY_FIND,   /* SELECT doc ... ORDER BY ... LIMIT ? OFFSET ? */
   DOCREL_SQLITE_QUERY_COUNT,  /* SELECT count(*) FROM (SELECT 1 ... LIMIT ? OFFSET ?) */
   DOCREL_SQLITE_QUERY_DELETE, /* DELETE FROM ... */
   DOCREL_SQLITE_QUERY_IDS,    /* SELECT id ... (the rows an update_where changes) */
   /* group.c: SELECT <group keys>, count(*) ... GROUP BY <group keys> */
   DOCREL_SQLITE_QUERY_GROUP_COUNT,
   /* group.c: SELECT doc ... of the rows whose one group key is the array
    * marker */
   DOCREL_SQLITE_QUERY_GROUP_ARRAYS
} docrel_sqlite_query_kind_t;

struct _docrel_sqlite_shape_t; /* sql.c's, below */

/* sqlite.c ---------------------------------------------------------------- */

/* Sets error in domain DOCREL_ERROR_SQLITE with code rc (an extended result
 * code) and the message "<what>: <SQLite's message>". Returns false. */
bool docrel_sqlite__fail (docrel_backend_t *b, int rc, bson_error_t *error, const char *fmt, ...)
   BSON_GNUC_PRINTF (4, 5);

/* Prepares a one-off statement (sql may be NULL: out of memory). NULL with
 * error set naming what. */
sqlite3_stmt *
docrel_sqlite__prepare (docrel_backend_t *b, const char *sql, unsigned flags, const char *what, bson_error_t *error);

/* Takes the mutex for one vtable call, after rolling back a failed
 * transaction left open (its rollback failed earlier: out of memory, an I/O
 * error). Returns false, with the mutex released and error set, while that
 * rollback still fails, or if the calling thread's transaction was rolled
 * back by SQLite under it. */
bool docrel_sqlite__enter (docrel_backend_t *b, bson_error_t *error);

/* Runs sql (no rows wanted). On failure sets error naming what. */
bool docrel_sqlite__exec (docrel_backend_t *b, const char *sql, const char *what, bson_error_t *error);

/* Reads coll's state again after its columns changed: finalizes its cached
 * statements and tells the readers. */
void docrel_sqlite__coll_columns_changed (docrel_backend_t *b, docrel_sqlite_coll_t *coll);

/* The state of collection name, created if new. If create, the table is
 * created when missing; otherwise coll->exists may come back false (readers
 * then behave as on an empty collection). NULL with error set on failure. */
docrel_sqlite_coll_t *docrel_sqlite__coll (docrel_backend_t *b, const char *name, bool create, bson_error_t *error);

/* One of the collection's cached statements, prepared on first use (the
 * table must exist). Reset and unbound when returned. NULL with error set. */
sqlite3_stmt *docrel_sqlite__coll_stmt (docrel_backend_t *b,
                                        docrel_sqlite_coll_t *coll,
                                        docrel_sqlite_stmt_kind_t kind,
                                        bson_error_t *error);

/* Forgets every collection's state (after a rollback may have undone tables
 * or indexes); it is reloaded from the schema on next use. */
void docrel_sqlite__forget_colls (docrel_backend_t *b);

/* Starts an all-or-nothing write: BEGIN IMMEDIATE outside a transaction,
 * SAVEPOINT inside one; *own tells which. */
bool docrel_sqlite__write_begin (docrel_backend_t *b, bool *own, bson_error_t *error);

/* Ends the write begun with own: if ok, commits (RELEASE or COMMIT) and
 * returns whether that worked, with error set if not; otherwise, or if the
 * commit failed, undoes everything since write_begin and returns false,
 * leaving error as it was set by the failure. May forget collection state. */
bool docrel_sqlite__write_end (docrel_backend_t *b, bool own, bool ok, bson_error_t *error);

/* Whether the calling thread has its transaction open on b (a writer). */
bool docrel_sqlite__in_own_transaction (const docrel_backend_t *b);

/* Notes that the current write made an index: readers reload their
 * collection state once it commits. */
void docrel_sqlite__schema_changed (docrel_backend_t *b);

/* readers.c --------------------------------------------------------------- */

/* The connection a read of the calling thread runs on: b itself (a memory
 * store, or inside the thread's transaction) or the thread's reader, taken
 * from the pool (or opened) if it has none; never NULL. Every call is
 * paired with docrel_sqlite__reader_put on what it returned. Takes neither
 * connection's mutex. */
docrel_backend_t *docrel_sqlite__reader_get (docrel_backend_t *b);
void docrel_sqlite__reader_put (docrel_backend_t *conn);

/* A read scope (the vtable's read_begin / read_end), token the connection. */
void docrel_sqlite__read_begin (docrel_backend_t *b, void **token);
void docrel_sqlite__read_end (docrel_backend_t *b, void *token);

/* Closes every reader (none in use). */
void docrel_sqlite__readers_close (docrel_backend_t *b);

/* Opens a connection on path with the store's settings (busy timeout, SQL
 * functions); flags add to READWRITE. SQLite result code. */
int docrel_sqlite__connect (const char *path, int flags, int busy_ms, sqlite3 **db);

/* index.c ----------------------------------------------------------------- */

bool docrel_sqlite__ensure_index (docrel_backend_t *b, const docrel_index_spec_t *spec, bson_error_t *error);

/* Adds the index sql_name, defined by sql, to coll's list, unless it is
 * there or not docrel's (its name or its keys). */
void docrel_sqlite__coll_add_index (docrel_sqlite_coll_t *coll, const char *sql_name, const char *sql);

/* The collection's index whose SQLite name is sql_name, or NULL. */
const docrel_sqlite_index_t *docrel_sqlite__coll_index (const docrel_sqlite_coll_t *coll, const char *sql_name);

/* Frees what index holds and zeroes it. */
void docrel_sqlite__index_clear (docrel_sqlite_index_t *index);

/* Reads an index definition docrel wrote, over key columns or (layouts 1
 * and 2) over docrel_index_key: its SQLite name, paths, directions and
 * uniqueness into index (zeroed). False if it is not one of docrel's. */
bool docrel_sqlite__index_parse (const char *sql, docrel_sqlite_index_t *index);

/* The CREATE INDEX statement of index (paths, directions, unique) over key
 * columns, named sql_name on table (sqlite3_malloc'd; NULL on OOM). */
char *docrel_sqlite__index_sql (const docrel_sqlite_index_t *index, const char *table, const char *sql_name);

/* columns.c --------------------------------------------------------------- */

bool docrel_sqlite__paths_has (const docrel_sqlite_paths_t *paths, const char *path);
void docrel_sqlite__paths_add (docrel_sqlite_paths_t *paths, const char *path); /* skips _id, duplicates */
void docrel_sqlite__paths_clear (docrel_sqlite_paths_t *paths);

/* CREATE TABLE of table with a key column per path (paths may be NULL). */
char *docrel_sqlite__table_sql (const char *table, const docrel_sqlite_paths_t *paths);

/* Reads coll's key columns from the schema into coll->key_paths; an error
 * if the table has a column docrel did not make. */
bool docrel_sqlite__columns_load (docrel_backend_t *b, docrel_sqlite_coll_t *coll, bson_error_t *error);

/* Inside a write: gives coll's table a key column for each of paths that
 * has none (ALTER TABLE if empty, else a rebuild). */
bool docrel_sqlite__add_columns (docrel_backend_t *b,
                                 docrel_sqlite_coll_t *coll,
                                 const char *const *paths,
                                 size_t n,
                                 bson_error_t *error);

/* Adds the CREATE INDEX statement of every index of table to indexes. */
bool docrel_sqlite__table_indexes (docrel_backend_t *b,
                                   const char *table,
                                   docrel_sqlite_script_t *indexes,
                                   bson_error_t *error);

/* Rebuilds table with a key column per path, running indexes after. */
bool docrel_sqlite__rebuild (docrel_backend_t *b,
                             const char *table,
                             const docrel_sqlite_paths_t *paths,
                             const docrel_sqlite_script_t *indexes,
                             bson_error_t *error);

/* Computes doc's key column values into coll->row, and binds them to
 * stmt from parameter first on (SQLITE_STATIC: coll->row must outlive the
 * step). */
void docrel_sqlite__row_keys (docrel_sqlite_coll_t *coll, const bson_t *doc);
int docrel_sqlite__row_bind (const docrel_sqlite_coll_t *coll, sqlite3_stmt *stmt, int first);

/* The positional INSERT of coll's rows (id, doc, keys), and with upsert the
 * update by id that names every column the same way (sqlite3_malloc'd). */
char *docrel_sqlite__row_sql (const docrel_sqlite_coll_t *coll, bool upsert);

/* script.c ---------------------------------------------------------------- */

/* sqlite3_str_finish, NULL (and nothing leaked) if s ran out of memory. */
char *docrel_sqlite__str_finish (sqlite3_str *s);

/* Scripts: add takes sql over (NULL: out of memory, which run reports);
 * run stops at the first failure. */
void docrel_sqlite__script_add (docrel_sqlite_script_t *script, char *sql);
bool docrel_sqlite__script_run (docrel_backend_t *b, const docrel_sqlite_script_t *script, bson_error_t *error);
void docrel_sqlite__script_destroy (docrel_sqlite_script_t *script);

/* upgrade.c --------------------------------------------------------------- */

/* Inside layout.c's transaction: layout 1 -> 2 (names), 2 -> 3 (columns). */
bool docrel_sqlite__upgrade_names (docrel_backend_t *b, bson_error_t *error);
bool docrel_sqlite__upgrade_columns (docrel_backend_t *b, bson_error_t *error);

/* layout.c ---------------------------------------------------------------- */

/* The SQLite table of collection (bson_malloc'd): see layout.c. */
char *docrel_sqlite__table_name (const char *collection);

/* The SQLite index of index on collection (bson_malloc'd). */
char *docrel_sqlite__index_name (const char *collection, const char *index);

/* The index name sql_name gives to an index of table, or NULL if it is not
 * named as docrel names an index of table (bson_malloc'd). */
char *docrel_sqlite__index_of (const char *table, const char *sql_name);

/* The key column of path, and the path of a key column (NULL if column is
 * not one), bson_malloc'd. */
char *docrel_sqlite__column_name (const char *path);
char *docrel_sqlite__column_path (const char *column);

/* At open: accepts a file of this layout, upgrades one of layout 1 or 2
 * (and marks a new one), refuses any other, with error set. */
bool docrel_sqlite__layout_check (docrel_backend_t *b, bson_error_t *error);

/* query.c ----------------------------------------------------------------- */

/* Builds the statement of a query of kind on coll (never grouped: find and
 * count build grouped ones themselves), takes it from the cache (or prepares
 * it) and binds its parameters (skip and limit are ignored by DELETE). On success *sql is its text (bson_malloc'd) and the statement
 * must go back through docrel_sqlite__checkin. NULL with error set. */
sqlite3_stmt *docrel_sqlite__query_prepare (docrel_backend_t *b,
                                            const docrel_sqlite_coll_t *coll,
                                            docrel_sqlite_query_kind_t kind,
                                            const docrel_filter_t *filter,
                                            const docrel_sort_t *sort,
                                            int64_t skip,
                                            int64_t limit,
                                            char **sql,
                                            bson_error_t *error);

/* As docrel_sqlite__query_prepare, for a statement of any shape (a
 * grouped count's: no skip or limit). */
sqlite3_stmt *docrel_sqlite__shape_prepare (docrel_backend_t *b,
                                            const docrel_sqlite_coll_t *coll,
                                            const struct _docrel_sqlite_shape_t *shape,
                                            const docrel_filter_t *filter,
                                            char **sql,
                                            bson_error_t *error);

/* Gives a statement back to the cache (resetting it and clearing its
 * bindings), keyed by sql, which the cache takes over. Accepts NULLs. */
void docrel_sqlite__checkin (docrel_backend_t *b, char *sql, sqlite3_stmt *stmt);

/* Finalizes every cached statement. */
void docrel_sqlite__cache_clear (docrel_backend_t *b);

/* The SQL of path's key in coll's rows (columns.c): id for _id, its key
 * column if it has one, else docrel_index_key(doc, '<path>') (coll may be
 * NULL). sqlite3_malloc'd; NULL on out-of-memory. */
char *docrel_sqlite__key_expr (const docrel_sqlite_coll_t *coll, const char *path);
void docrel_sqlite__append_key (sqlite3_str *s, const docrel_sqlite_coll_t *coll, const char *path);

/* True if filter is NULL or matches everything. */
bool docrel_sqlite__filter_is_empty (const docrel_filter_t *filter);

/* write.c ----------------------------------------------------------------- */

bool docrel_sqlite__insert_many (docrel_backend_t *b,
                                 const char *collection,
                                 const bson_t *const *docs,
                                 size_t n,
                                 docrel_write_outcome_t *outcome,
                                 bson_error_t *error);
bool docrel_sqlite__update_many (docrel_backend_t *b,
                                 const char *collection,
                                 const docrel_update_t *updates,
                                 size_t n,
                                 docrel_write_outcome_t *outcome,
                                 bson_error_t *error);
bool docrel_sqlite__update_where (docrel_backend_t *b,
                                  const char *collection,
                                  const docrel_filter_t *filter,
                                  const bson_t *update,
                                  int64_t *updated,
                                  bson_error_t *error);
bool docrel_sqlite__delete_many (docrel_backend_t *b,
                                 const char *collection,
                                 const docrel_filter_t *filter,
                                 int64_t *deleted,
                                 bson_error_t *error);

/* Sets the DOCREL_ERROR_DUPLICATE_KEY error for doc breaking the primary key
 * (index NULL) or a unique index of coll, with the key's value. Returns
 * false. */
bool docrel_sqlite__duplicate_error (const docrel_sqlite_coll_t *coll,
                                     const docrel_sqlite_index_t *index,
                                     const bson_t *doc,
                                     const char *context,
                                     bson_error_t *error);

/* Fills error for a failed step of a statement writing doc into coll: the
 * duplicate-key error for a unique constraint, else a SQLite error. */
bool docrel_sqlite__write_error (docrel_backend_t *b,
                                 const docrel_sqlite_coll_t *coll,
                                 int rc,
                                 const bson_t *doc,
                                 const char *what,
                                 bson_error_t *error);

/* query.c (the cursor side) ------------------------------------------------ */

docrel_backend_cursor_t *
docrel_sqlite__find (docrel_backend_t *b, const char *collection, const docrel_find_spec_t *spec, bson_error_t *error);
bool docrel_sqlite__cursor_next (docrel_backend_cursor_t *cursor, const bson_t **doc, bson_error_t *error);
void docrel_sqlite__cursor_destroy (docrel_backend_cursor_t *cursor);
bool docrel_sqlite__count (docrel_backend_t *b,
                           const char *collection,
                           const docrel_find_spec_t *spec,
                           int64_t *out,
                           bson_error_t *error);
bool docrel_sqlite__explain (docrel_backend_t *b,
                             const char *collection,
                             const docrel_find_spec_t *spec,
                             bson_t *out,
                             bson_error_t *error);

/* group.c ----------------------------------------------------------------- */

/* The SQL of the group.c kinds around the WHERE clause sql.c appends:
 *   SELECT <group keys>, count(*) FROM "c" <where> GROUP BY <group keys>
 *   SELECT doc FROM (SELECT doc, <key> AS k FROM "c" <where>)
 *      WHERE k = <array marker>
 * A group key is spelt as an index spells it (id for _id). */
void docrel_sqlite__group_begin (sqlite3_str *s,
                                 const docrel_sqlite_coll_t *coll,
                                 const struct _docrel_sqlite_shape_t *shape);
void
docrel_sqlite__group_end (sqlite3_str *s, const docrel_sqlite_coll_t *coll, const struct _docrel_sqlite_shape_t *shape);

/* The vtable's group_count. */
bool docrel_sqlite__group_count (docrel_backend_t *b,
                                 const char *collection,
                                 const docrel_filter_t *filter,
                                 const char *const *paths,
                                 size_t n_paths,
                                 docrel_group_visit_t visit,
                                 void *ctx,
                                 bson_error_t *error);

/* functions.c ------------------------------------------------------------- */

/* Appends the keycode docrel_index_key(doc, path) gives to out. */
void docrel_sqlite__index_key (const bson_t *doc, const char *path, docrel_buf_t *out);

/* Registers docrel_index_key, docrel_sort_key and docrel_match on db.
 * Returns a SQLite result code. */
int docrel_sqlite__register_functions (sqlite3 *db);

/* ---- lookups (lookup.c): key lookups bound to one statement ----------- */

#define DOCREL_SQLITE_LOOKUP_PTR "docrel_lookup"

/* A key lookup's keycodes, bound with sqlite3_bind_pointer (...,
 * DOCREL_SQLITE_LOOKUP_PTR, NULL) to docrel_keys(?) and
 * docrel_lookup_match(doc, ?). It borrows spec (path and values) and must
 * outlive every statement it is bound to. */
typedef struct _docrel_sqlite_lookup_t docrel_sqlite_lookup_t;

docrel_sqlite_lookup_t *docrel_sqlite__lookup_new (const docrel_key_lookup_t *spec);
void docrel_sqlite__lookup_destroy (docrel_sqlite_lookup_t *lookup); /* accepts NULL */
const char *docrel_sqlite__lookup_path (const docrel_sqlite_lookup_t *lookup);
/* True if keycode equality is the filter's equality for every value (see
 * docrel_sqlite__lookup_value), so an index answers the lookup alone. */
bool docrel_sqlite__lookup_exact (const docrel_sqlite_lookup_t *lookup);
/* The lookup's filter, {path: {$in: values}}, compiled on first use; NULL
 * if that ran out of memory. */
const docrel_filter_t *docrel_sqlite__lookup_filter (docrel_sqlite_lookup_t *lookup);
/* Registers the docrel_keys table-valued function on db. */
int docrel_sqlite__register_lookups (sqlite3 *db);

/* ---- sql (sql.c): the SQL of queries ---------------------------------- */

/* True if a filter's equality with v, on a path that holds no array, is
 * equality of keycodes (sql.c's file comment, "key lookup"). */
bool docrel_sqlite__lookup_value (const bson_value_t *v);

/* The parameters a generated statement needs besides filter, skip, limit. */
typedef struct {
   docrel_buf_t keys; /* narrowing keycodes, back to back */
   size_t *ends;      /* end offset of each in keys */
   size_t n_keys;
   bool match;   /* docrel_match(doc, ?) is in the WHERE clause */
   bool paged;   /* LIMIT ? OFFSET ? ends the statement */
   bool grouped; /* rn > ? AND rn <= ? ends it instead */
   /* A key lookup (lookup.c) instead of a filter, set by the caller, and
    * how many of the WHERE clause's parameters bind it (build sets it). */
   const docrel_sqlite_lookup_t *lookup;
   int n_lookup;
} docrel_sqlite_params_t;

/* What a statement does besides filtering: its kind, its order (FIND only)
 * and the paths of its groups (FIND and COUNT; none: not grouped; the
 * group.c kinds always have them). */
typedef struct _docrel_sqlite_shape_t {
   docrel_sqlite_query_kind_t kind;
   const docrel_sort_t *sort;
   size_t n_group_paths;
   const char *const *group_paths;
} docrel_sqlite_shape_t;

/* The SQL text of a query of shape on coll (sqlite3_malloc'd; the caller
 * sqlite3_free's it), filling *p with what it binds; NULL when out of
 * memory. *p starts zeroed, with DOCREL_BUF_INIT keys, and is destroyed
 * with docrel_sqlite__params_destroy in any case. */
char *docrel_sqlite__build (docrel_backend_t *b,
                            const docrel_sqlite_coll_t *coll,
                            const docrel_sqlite_shape_t *shape,
                            const docrel_filter_t *filter,
                            docrel_sqlite_params_t *p);
void docrel_sqlite__params_destroy (docrel_sqlite_params_t *p);

/* Binds p's keycodes, filter, skip and limit to stmt, in the order the SQL
 * of docrel_sqlite__build has them. */
bool docrel_sqlite__bind (docrel_backend_t *b,
                          sqlite3_stmt *stmt,
                          const docrel_sqlite_params_t *p,
                          const docrel_filter_t *filter,
                          int64_t skip,
                          int64_t limit,
                          bson_error_t *error);

#endif
