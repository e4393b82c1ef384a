/* SPDX-License-Identifier: Apache-2.0 */
/* query.c: running the embedded backend's queries: the statement cache,
 * find and its cursor, count and explain. Their SQL is built in sql.c.
 *
 * Every query becomes one statement that SQLite runs to the end, so the
 * sorter (which spills to temporary storage) keeps memory bounded and no
 * result set is ever held in C. Generated statements are cached by their
 * text (DOCREL_SQLITE_CACHE_SIZE of them, least recently used evicted); a
 * statement is taken out of the cache while in use, so two cursors with the
 * same SQL each get their own. */
#include <stddef.h>
#include <string.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "query/query-private.h"
#include "store/sqlite/sqlite-private.h"

struct _docrel_backend_cursor_t {
   docrel_cursor_head_t head; /* the store's, first (store-private.h) */
   docrel_backend_t *b;
   char *collection;
   sqlite3_stmt *stmt;                    /* NULL once exhausted (or for a missing collection) */
   char *sql;                             /* the statement's cache key */
   docrel_filter_t *filter;               /* own copy, bound to stmt; NULL if it needs none */
   docrel_sqlite_lookup_t *lookup;        /* a key lookup's keycodes, bound to stmt, or NULL */
   const docrel_projection_t *projection; /* borrowed from the spec */
   bson_t view;                           /* the current row, static over the statement's blob */
   bson_t projected;                      /* the current row projected, if has_projected */
   bool has_projected;
};
BSON_STATIC_ASSERT2 (cursor_head_first, offsetof (struct _docrel_backend_cursor_t, head) == 0);

/* Statement cache ------------------------------------------------------------ */

/* A statement for sql: from the cache (taken out) or freshly prepared. */
static sqlite3_stmt *
checkout (docrel_backend_t *b, const char *sql, bson_error_t *error)
{
   sqlite3_stmt *stmt = NULL;
   int rc;

   for (size_t i = 0; i < DOCREL_SQLITE_CACHE_SIZE; i++) {
      if (b->cache[i].sql && strcmp (b->cache[i].sql, sql) == 0) {
         stmt = b->cache[i].stmt;
         bson_free (b->cache[i].sql);
         memset (&b->cache[i], 0, sizeof b->cache[i]);
         return stmt;
      }
   }
   rc = sqlite3_prepare_v3 (b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
   if (rc != SQLITE_OK) {
      docrel_sqlite__fail (b, rc, error, "preparing a query");
      sqlite3_finalize (stmt);
      return NULL;
   }
   return stmt;
}

void
docrel_sqlite__checkin (docrel_backend_t *b, char *sql, sqlite3_stmt *stmt)
{
   size_t slot = 0;

   if (!sql || !stmt) {
      bson_free (sql);
      sqlite3_finalize (stmt);
      return;
   }
   sqlite3_reset (stmt);
   sqlite3_clear_bindings (stmt); /* drops the filter pointer */
   for (size_t i = 0; i < DOCREL_SQLITE_CACHE_SIZE; i++) {
      if (b->cache[i].sql && strcmp (b->cache[i].sql, sql) == 0) {
         bson_free (sql); /* a twin is already cached */
         sqlite3_finalize (stmt);
         return;
      }
   }
   for (size_t i = 0; i < DOCREL_SQLITE_CACHE_SIZE; i++) {
      if (!b->cache[i].sql) {
         slot = i;
         break;
      }
      if (b->cache[i].used < b->cache[slot].used) {
         slot = i;
      }
   }
   bson_free (b->cache[slot].sql);
   sqlite3_finalize (b->cache[slot].stmt);
   b->cache[slot].sql = sql;
   b->cache[slot].stmt = stmt;
   b->cache[slot].used = ++b->clock;
}

void
docrel_sqlite__cache_clear (docrel_backend_t *b)
{
   for (size_t i = 0; i < DOCREL_SQLITE_CACHE_SIZE; i++) {
      bson_free (b->cache[i].sql);
      sqlite3_finalize (b->cache[i].stmt);
      memset (&b->cache[i], 0, sizeof b->cache[i]);
   }
}

/* docrel_sqlite__query_prepare for a query of any shape. With own, the
 * statement binds a copy of filter made into *own (the caller frees it), and
 * only if it needs the filter at all (*own stays NULL otherwise). */
static sqlite3_stmt *
shape_prepare (docrel_backend_t *b,
               const docrel_sqlite_coll_t *coll,
               const docrel_sqlite_shape_t *shape,
               const docrel_filter_t *filter,
               docrel_filter_t **own,
               const docrel_sqlite_lookup_t *lookup,
               int64_t skip,
               int64_t limit,
               char **sql,
               bson_error_t *error)
{
   docrel_sqlite_params_t p = {DOCREL_BUF_INIT, NULL, 0, false, false, false, lookup, 0};
   sqlite3_stmt *stmt = NULL;
   char *text = docrel_sqlite__build (b, coll, shape, filter, &p);

   *sql = NULL;
   if (!text) {
      docrel_sqlite__fail (b, SQLITE_NOMEM, error, "building a query on collection '%s'", coll->name);
      goto done;
   }
   if (own && p.match) {
      *own = docrel_filter__new (docrel_filter__spec (filter), error);
      if (!*own) {
         goto done;
      }
      filter = *own;
   }
   *sql = bson_strdup (text);
   stmt = checkout (b, *sql, error);
   if (!stmt) {
      bson_free (*sql);
      *sql = NULL;
   } else if (!docrel_sqlite__bind (b, stmt, &p, filter, skip, limit, error)) {
      docrel_sqlite__checkin (b, *sql, stmt); /* takes sql */
      *sql = NULL;
      stmt = NULL;
   }
done:
   sqlite3_free (text);
   docrel_sqlite__params_destroy (&p);
   return stmt;
}

sqlite3_stmt *
docrel_sqlite__query_prepare (docrel_backend_t *b,
                              const docrel_sqlite_coll_t *coll,
                              docrel_sqlite_query_kind_t kind,
                              const docrel_filter_t *filter,
                              const docrel_sort_t *sort,
                              int64_t skip,
                              int64_t limit,
                              char **sql,
                              bson_error_t *error)
{
   docrel_sqlite_shape_t shape = {kind, sort, 0, NULL};

   return shape_prepare (b, coll, &shape, filter, NULL, NULL, skip, limit, sql, error);
}

sqlite3_stmt *
docrel_sqlite__shape_prepare (docrel_backend_t *b,
                              const docrel_sqlite_coll_t *coll,
                              const docrel_sqlite_shape_t *shape,
                              const docrel_filter_t *filter,
                              char **sql,
                              bson_error_t *error)
{
   return shape_prepare (b, coll, shape, filter, NULL, NULL, 0, 0, sql, error);
}

/* Queries ----------------------------------------------------------------------- */

/* The shape of spec's query of kind. */
static docrel_sqlite_shape_t
spec_shape (const docrel_find_spec_t *spec, docrel_sqlite_query_kind_t kind)
{
   docrel_sqlite_shape_t shape = {kind, NULL, spec->n_group_paths, spec->group_paths};

   if (kind == DOCREL_SQLITE_QUERY_FIND) {
      shape.sort = spec->sort; /* a count's order is irrelevant */
   }
   return shape;
}

/* The cursor keeps its connection (a reader of the calling thread's, see
 * readers.c) until its statement is given back. */
docrel_backend_cursor_t *
docrel_sqlite__find (docrel_backend_t *writer,
                     const char *collection,
                     const docrel_find_spec_t *spec,
                     bson_error_t *error)
{
   docrel_backend_cursor_t *cursor;
   docrel_sqlite_coll_t *coll;
   docrel_sqlite_shape_t shape;
   docrel_backend_t *b;
   bool ok = false;

   shape = spec_shape (spec, DOCREL_SQLITE_QUERY_FIND);
   cursor = bson_malloc0 (sizeof *cursor);
   cursor->collection = bson_strdup (collection ? collection : "");
   cursor->projection = spec->projection;
   b = cursor->b = docrel_sqlite__reader_get (writer);
   if (!docrel_sqlite__enter (b, error)) {
      docrel_sqlite__reader_put (b);
      docrel_sqlite__cursor_destroy (cursor);
      return NULL;
   }
   coll = docrel_sqlite__coll (b, collection, false, error);
   if (coll && !coll->exists) {
      ok = true; /* no table yet: no documents */
   } else if (coll) {
      /* The cursor may outlive the caller's filter: it binds its own. */
      cursor->lookup = spec->lookup ? docrel_sqlite__lookup_new (spec->lookup) : NULL;
      cursor->stmt = shape_prepare (b, coll, &shape, spec->filter, &cursor->filter, cursor->lookup, spec->skip,
                                    spec->limit, &cursor->sql, error);
      ok = cursor->stmt != NULL;
   }
   pthread_mutex_unlock (&b->mutex);
   if (!cursor->stmt) {
      docrel_sqlite__reader_put (b); /* nothing to read */
   }
   if (!ok) {
      docrel_sqlite__cursor_destroy (cursor);
      return NULL;
   }
   return cursor;
}

/* Gives the statement back; the cursor is exhausted from then on. The
 * caller gives the connection back (docrel_sqlite__reader_put) once it has
 * let go of its mutex. */
static void
cursor_finish (docrel_backend_cursor_t *cursor)
{
   docrel_sqlite__checkin (cursor->b, cursor->sql, cursor->stmt);
   cursor->sql = NULL;
   cursor->stmt = NULL;
}

bool
docrel_sqlite__cursor_next (docrel_backend_cursor_t *cursor, const bson_t **doc, bson_error_t *error)
{
   docrel_backend_t *b = cursor->b;
   bool finished;
   bool ok = false;
   int rc;

   *doc = NULL;
   if (error) {
      error->domain = 0;
      error->code = 0;
      error->message[0] = '\0';
   }
   if (!cursor->stmt) {
      return false;
   }
   if (!docrel_sqlite__enter (b, error)) {
      pthread_mutex_lock (&b->mutex);
      cursor_finish (cursor);
      pthread_mutex_unlock (&b->mutex);
      docrel_sqlite__reader_put (b);
      return false;
   }
   rc = sqlite3_step (cursor->stmt);
   if (rc == SQLITE_ROW) {
      const uint8_t *data = sqlite3_column_blob (cursor->stmt, 0);
      int len = sqlite3_column_bytes (cursor->stmt, 0);

      if (!data || len < 5 || !bson_init_static (&cursor->view, data, (size_t) len)) {
         docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_BACKEND,
                            "collection '%s' holds a value that is not a BSON document", cursor->collection);
         cursor_finish (cursor);
      } else if (cursor->projection) {
         if (cursor->has_projected) {
            bson_destroy (&cursor->projected);
         }
         docrel_projection__apply (cursor->projection, &cursor->view, &cursor->projected);
         cursor->has_projected = true;
         *doc = &cursor->projected;
         ok = true;
      } else {
         *doc = &cursor->view;
         ok = true;
      }
   } else {
      if (rc != SQLITE_DONE) {
         docrel_sqlite__fail (b, rc, error, "reading collection '%s'", cursor->collection);
      }
      cursor_finish (cursor);
   }
   finished = !cursor->stmt;
   pthread_mutex_unlock (&b->mutex);
   if (finished) {
      docrel_sqlite__reader_put (b);
   }
   return ok;
}

void
docrel_sqlite__cursor_destroy (docrel_backend_cursor_t *cursor)
{
   if (!cursor) {
      return;
   }
   if (cursor->stmt) {
      pthread_mutex_lock (&cursor->b->mutex);
      cursor_finish (cursor);
      pthread_mutex_unlock (&cursor->b->mutex);
      docrel_sqlite__reader_put (cursor->b);
   }
   bson_free (cursor->sql);
   if (cursor->has_projected) {
      bson_destroy (&cursor->projected);
   }
   docrel_filter__destroy (cursor->filter); /* after the statement lets go of it */
   docrel_sqlite__lookup_destroy (cursor->lookup);
   bson_free (cursor->collection);
   bson_free (cursor);
}

bool
docrel_sqlite__count (docrel_backend_t *writer,
                      const char *collection,
                      const docrel_find_spec_t *spec,
                      int64_t *out,
                      bson_error_t *error)
{
   docrel_backend_t *b = docrel_sqlite__reader_get (writer);
   docrel_sqlite_coll_t *coll;
   docrel_sqlite_shape_t shape;
   sqlite3_stmt *stmt = NULL;
   char *sql = NULL;
   bool ok = false;
   int rc;

   *out = 0;
   if (!docrel_sqlite__enter (b, error)) {
      docrel_sqlite__reader_put (b);
      return false;
   }
   coll = docrel_sqlite__coll (b, collection, false, error);
   if (!coll) {
      goto done;
   }
   if (!coll->exists) {
      ok = true;
      goto done;
   }
   shape = spec_shape (spec, DOCREL_SQLITE_QUERY_COUNT);
   stmt = shape_prepare (b, coll, &shape, spec->filter, NULL, NULL, spec->skip, spec->limit, &sql, error);
   if (!stmt) {
      goto done;
   }
   rc = sqlite3_step (stmt);
   if (rc != SQLITE_ROW) {
      docrel_sqlite__fail (b, rc, error, "counting in collection '%s'", coll->name);
      goto done;
   }
   *out = sqlite3_column_int64 (stmt, 0);
   ok = true;
done:
   docrel_sqlite__checkin (b, sql, stmt);
   pthread_mutex_unlock (&b->mutex);
   docrel_sqlite__reader_put (b);
   return ok;
}

bool
docrel_sqlite__explain (docrel_backend_t *b,
                        const char *collection,
                        const docrel_find_spec_t *spec,
                        bson_t *out,
                        bson_error_t *error)
{
   docrel_sqlite_lookup_t *lookup = spec->lookup ? docrel_sqlite__lookup_new (spec->lookup) : NULL;
   docrel_sqlite_params_t p = {DOCREL_BUF_INIT, NULL, 0, false, false, false, lookup, 0};
   docrel_sqlite_coll_t *coll;
   docrel_sqlite_shape_t shape;
   sqlite3_stmt *stmt = NULL;
   char *sql = NULL;
   char *explain = NULL;
   bson_t plan;
   bool ok = false;
   int rc;

   bson_init (out);
   if (!docrel_sqlite__enter (b, error)) {
      return false;
   }
   coll = docrel_sqlite__coll (b, collection, false, error);
   if (!coll) {
      goto done;
   }
   shape = spec_shape (spec, DOCREL_SQLITE_QUERY_FIND);
   sql = docrel_sqlite__build (b, coll, &shape, spec->filter, &p);
   explain = sql ? sqlite3_mprintf ("EXPLAIN QUERY PLAN %s", sql) : NULL;
   if (!explain) {
      docrel_sqlite__fail (b, SQLITE_NOMEM, error, "explaining a query on collection '%s'", coll->name);
      goto done;
   }
   BSON_APPEND_UTF8 (out, "backend", "sqlite");
   BSON_APPEND_UTF8 (out, "sql", sql);
   BSON_APPEND_ARRAY_BEGIN (out, "plan", &plan);
   if (coll->exists) { /* else there is no table to plan over: no steps */
      rc = sqlite3_prepare_v3 (b->db, explain, -1, 0, &stmt, NULL);
      for (uint32_t i = 0; rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW; i++) {
         const char *key;
         char buf[16];
         const char *detail = (const char *) sqlite3_column_text (stmt, 3);

         bson_uint32_to_string (i, &key, buf, sizeof buf);
         bson_append_utf8 (&plan, key, -1, detail ? detail : "", -1);
         rc = SQLITE_OK;
      }
      if (rc != SQLITE_DONE) {
         bson_append_array_end (out, &plan);
         docrel_sqlite__fail (b, rc, error, "explaining a query on collection '%s'", coll->name);
         bson_reinit (out);
         goto done;
      }
   }
   bson_append_array_end (out, &plan);
   ok = true;
done:
   sqlite3_finalize (stmt);
   sqlite3_free (explain);
   sqlite3_free (sql);
   docrel_sqlite__params_destroy (&p);
   docrel_sqlite__lookup_destroy (lookup);
   pthread_mutex_unlock (&b->mutex);
   return ok;
}
