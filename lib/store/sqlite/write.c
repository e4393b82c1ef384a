/* SPDX-License-Identifier: Apache-2.0 */
/* write.c: inserts, updates and deletes on the embedded backend.
 *
 * insert_many and update_many run inside docrel_sqlite__write_begin/_end: a
 * transaction of their own (BEGIN IMMEDIATE, so the write lock and the busy
 * timeout come first) or, inside the caller's transaction, a savepoint. A
 * failure undoes every document of the call. They step the collection's
 * cached INSERT, SELECT-by-id and UPDATE-by-id statements one document at a
 * time, binding the document's key columns (columns.c) beside its id and
 * body. delete_many is one DELETE statement, which SQLite already runs all
 * or nothing.
 *
 * A unique constraint failure becomes DOCREL_ERROR_DUPLICATE_KEY (MongoDB's
 * 11000) in domain DOCREL_ERROR_STORE, naming the collection, the index
 * ('_id' for the primary key) and the key's value in relaxed JSON. */
#include <string.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "store/sqlite/sqlite-private.h"
#include "query/query-private.h"

/* Errors ----------------------------------------------------------------------- */

bool
docrel_sqlite__duplicate_error (const docrel_sqlite_coll_t *coll,
                                const docrel_sqlite_index_t *index,
                                const bson_t *doc,
                                const char *context,
                                bson_error_t *error)
{
   bson_t key = BSON_INITIALIZER;
   bson_value_t value;
   bson_iter_t iter;
   char *json;

   if (!index) {
      if (bson_iter_init_find (&iter, doc, "_id")) {
         bson_append_value (&key, "_id", 3, bson_iter_value (&iter));
      } else {
         bson_append_null (&key, "_id", 3);
      }
   }
   for (size_t i = 0; index && i < index->n_paths; i++) {
      if (docrel_path__find (doc, index->paths[i], &iter)) {
         bson_append_value (&key, index->paths[i], -1, bson_iter_value (&iter));
      } else {
         bson_append_null (&key, index->paths[i], -1); /* missing keys as null */
      }
   }
   value.value_type = BSON_TYPE_DOCUMENT;
   value.value.v_doc.data = (uint8_t *) bson_get_data (&key);
   value.value.v_doc.data_len = key.len;
   json = docrel_error__value_json (&value);
   docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_DUPLICATE_KEY,
                      "duplicate key in collection '%s' index '%s': %s%s", coll->name, index ? index->name : "_id",
                      json ? json : "?", context ? context : "");
   bson_free (json);
   bson_destroy (&key);
   return false;
}

/* The unique index of coll whose columns SQLite's message lists, as in
 * "UNIQUE constraint failed: <table>.<column>, <table>.<column>"; NULL if
 * none (the id column: the primary key). */
static const docrel_sqlite_index_t *
failed_index (const docrel_sqlite_coll_t *coll, const char *msg)
{
   const char *list = strstr (msg, "failed: ");

   for (size_t i = 0; list && i < coll->n_indexes; i++) {
      const docrel_sqlite_index_t *index = &coll->indexes[i];
      sqlite3_str *s = sqlite3_str_new (NULL);
      char *expected;
      bool same;

      for (size_t k = 0; k < index->n_paths; k++) {
         char *column = strcmp (index->paths[k], "_id") == 0 ? bson_strdup ("id")
                                                             : docrel_sqlite__column_name (index->paths[k]);
         sqlite3_str_appendf (s, "%s%s.%s", k ? ", " : "", coll->table, column);
         bson_free (column);
      }
      expected = docrel_sqlite__str_finish (s);
      same = index->unique && expected && strcmp (list + 8, expected) == 0;
      sqlite3_free (expected);
      if (same) {
         return index;
      }
   }
   return NULL;
}

bool
docrel_sqlite__write_error (docrel_backend_t *b,
                            const docrel_sqlite_coll_t *coll,
                            int rc,
                            const bson_t *doc,
                            const char *what,
                            bson_error_t *error)
{
   if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return docrel_sqlite__duplicate_error (coll, NULL, doc, NULL, error);
   }
   if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      /* NULL: the id column */
      return docrel_sqlite__duplicate_error (coll, failed_index (coll, sqlite3_errmsg (b->db)), doc, NULL, error);
   }
   return docrel_sqlite__fail (b, rc, error, "%s collection '%s'", what, coll->name);
}

/* Rows ----------------------------------------------------------------------------- */

static bool
retryable (int rc)
{
   return rc == SQLITE_ERROR || rc == SQLITE_SCHEMA;
}

/* One step of the statement kind (INSERT or UPDATE_BY_ID) of coll for doc,
 * whose _id keycode is key; false with error set. If the statement cannot
 * be prepared again because another connection changed the table's key
 * columns (columns.c), coll's state is read again and the row put once
 * more. */
static bool
put_row (docrel_backend_t *b,
         docrel_sqlite_coll_t *coll,
         docrel_sqlite_stmt_kind_t kind,
         const docrel_buf_t *key,
         const bson_t *doc,
         bson_error_t *error)
{
   const char *what = kind == DOCREL_SQLITE_STMT_INSERT ? "inserting into" : "updating";

   for (int attempt = 0;; attempt++) {
      sqlite3_stmt *stmt;
      int rc;

      if (attempt > 0) {
         docrel_sqlite__coll_columns_changed (b, coll);
         if (!docrel_sqlite__coll (b, coll->name, false, error)) {
            return false;
         }
      }
      stmt = docrel_sqlite__coll_stmt (b, coll, kind, error);
      if (!stmt) {
         if (attempt == 0 && retryable ((int) (error->code & 0xff))) {
            continue;
         }
         return false;
      }
      docrel_sqlite__row_keys (coll, doc);
      rc = sqlite3_bind_blob (stmt, 1, key->data, (int) key->len, SQLITE_STATIC);
      if (rc == SQLITE_OK) {
         rc = sqlite3_bind_blob (stmt, 2, bson_get_data (doc), (int) doc->len, SQLITE_STATIC);
      }
      if (rc == SQLITE_OK) {
         rc = docrel_sqlite__row_bind (coll, stmt, 3);
      }
      if (rc == SQLITE_OK) {
         rc = sqlite3_step (stmt);
      }
      if (rc != SQLITE_DONE && !(attempt == 0 && retryable (rc))) {
         docrel_sqlite__write_error (b, coll, rc, doc, what, error);
      }
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      if (rc == SQLITE_DONE) {
         return true;
      }
      if (attempt > 0 || !retryable (rc)) {
         return false;
      }
   }
}

/* Inserts -------------------------------------------------------------------------- */

bool
docrel_sqlite__insert_many (docrel_backend_t *b,
                            const char *collection,
                            const bson_t *const *docs,
                            size_t n,
                            docrel_write_outcome_t *outcome,
                            bson_error_t *error)
{
   docrel_buf_t key = DOCREL_BUF_INIT;
   docrel_sqlite_coll_t *coll;
   bool own = false;
   bool begun = false;
   bool ok = false;

   (void) outcome; /* all or nothing: the store's defaults hold */
   if (n == 0) {
      return true;
   }
   if (!docs) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT, "no documents to insert");
   }
   if (!docrel_sqlite__enter (b, error)) {
      return false;
   }
   coll = docrel_sqlite__coll (b, collection, true, error);
   if (!coll || !docrel_sqlite__write_begin (b, &own, error)) {
      goto done;
   }
   begun = true;
   for (size_t i = 0; i < n; i++) {
      bson_iter_t iter;

      if (!docs[i] || !bson_iter_init_find (&iter, docs[i], "_id")) {
         docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                            "document %zu inserted into collection '%s' has no _id", i, coll->name);
         goto done;
      }
      if (BSON_ITER_HOLDS_ARRAY (&iter)) {
         docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_WRONG_TYPE,
                            "document %zu inserted into collection '%s' has an array as _id", i, coll->name);
         goto done;
      }
      docrel_buf__reset (&key);
      docrel_keycode__append (&key, bson_iter_value (&iter));
      if (!put_row (b, coll, DOCREL_SQLITE_STMT_INSERT, &key, docs[i], error)) {
         goto done;
      }
   }
   ok = true;
done:
   if (begun) {
      ok = docrel_sqlite__write_end (b, own, ok, error);
   }
   pthread_mutex_unlock (&b->mutex);
   docrel_buf__destroy (&key);
   return ok;
}

/* Updates -------------------------------------------------------------------------- */

/* Replaces *doc by update (a checked replacement), keeping the stored _id. */
static void
replace_doc (const bson_t *update, bson_t **doc)
{
   bson_t *out = bson_new ();
   bson_iter_t iter;

   if (bson_iter_init_find (&iter, *doc, "_id")) {
      bson_append_value (out, "_id", 3, bson_iter_value (&iter));
   }
   bson_iter_init (&iter, update);
   while (bson_iter_next (&iter)) {
      if (strcmp (bson_iter_key (&iter), "_id") != 0) {
         bson_append_iter (out, NULL, 0, &iter);
      }
   }
   bson_destroy (*doc);
   *doc = out;
}

/* Applies update (operators, or a replacement) to *doc, after
 * docrel_update__check. */
static bool
apply_update (const bson_value_t *id, const bson_t *update, bson_t **doc, bson_error_t *error)
{
   bson_iter_t iter, ops;
   bool replace;

   if (!docrel_update__check (id, update, &replace, error)) {
      return false;
   }
   if (replace) {
      replace_doc (update, doc);
      return true;
   }
   bson_iter_init (&iter, update);
   while (bson_iter_next (&iter)) {
      bool set = strcmp (bson_iter_key (&iter), "$set") == 0;

      bson_iter_recurse (&iter, &ops);
      while (bson_iter_next (&ops)) {
         const char *path = bson_iter_key (&ops);

         if (docrel_update__is_id_path (path)) {
            continue; /* setting _id to itself: the check let nothing else by */
         }
         if (set ? !docrel_path__set (*doc, path, bson_iter_value (&ops), error)
                 : !docrel_path__unset (*doc, path, NULL, error)) {
            return false;
         }
      }
   }
   return true;
}

/* Updates the document whose id keycode is key, if there is one. u->id may
 * be NULL (the stored _id is used). */
static bool
update_one (docrel_backend_t *b,
            docrel_sqlite_coll_t *coll,
            const docrel_update_t *u,
            const docrel_buf_t *key,
            bson_error_t *error)
{
   /* Taken each time: put_row may prepare coll's statements again. */
   sqlite3_stmt *select = docrel_sqlite__coll_stmt (b, coll, DOCREL_SQLITE_STMT_SELECT_BY_ID, error);
   bson_t *doc = NULL;
   bson_value_t id = {.value_type = BSON_TYPE_NULL};
   bson_iter_t id_iter;
   bool own_id = false;
   bool ok = false;
   int rc;

   if (!select) {
      return false;
   }
   rc = sqlite3_bind_blob (select, 1, key->data, (int) key->len, SQLITE_STATIC);
   if (rc == SQLITE_OK) {
      rc = sqlite3_step (select);
   }
   if (rc == SQLITE_DONE) {
      ok = true; /* no such document: skipped */
      goto done;
   }
   if (rc != SQLITE_ROW) {
      docrel_sqlite__fail (b, rc, error, "reading from collection '%s'", coll->name);
      goto done;
   }
   if (sqlite3_column_bytes (select, 0) >= 5) {
      doc = bson_new_from_data (sqlite3_column_blob (select, 0), (size_t) sqlite3_column_bytes (select, 0));
   }
   sqlite3_reset (select);
   sqlite3_clear_bindings (select);
   select = NULL; /* put_row may finalize it */
   if (!doc) {
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_BACKEND,
                         "collection '%s' holds a value that is not a BSON document", coll->name);
      goto done;
   }
   if (u->id) {
      id = *u->id;
   } else if (bson_iter_init_find (&id_iter, doc, "_id")) {
      bson_value_copy (bson_iter_value (&id_iter), &id); /* update_where: the stored _id */
      own_id = true;
   }
   if (!apply_update (&id, u->update, &doc, error)) {
      goto done;
   }
   if (!put_row (b, coll, DOCREL_SQLITE_STMT_UPDATE_BY_ID, key, doc, error)) {
      goto done;
   }
   ok = true;
done:
   if (select) {
      sqlite3_reset (select);
      sqlite3_clear_bindings (select);
   }
   bson_destroy (doc);
   if (own_id) {
      bson_value_destroy (&id);
   }
   return ok;
}

bool
docrel_sqlite__update_many (docrel_backend_t *b,
                            const char *collection,
                            const docrel_update_t *updates,
                            size_t n,
                            docrel_write_outcome_t *outcome,
                            bson_error_t *error)
{
   docrel_buf_t key = DOCREL_BUF_INIT;
   docrel_sqlite_coll_t *coll;
   bool own = false;
   bool begun = false;
   bool ok = false;

   (void) outcome; /* all or nothing: the store's defaults hold */
   if (n == 0) {
      return true;
   }
   if (!updates) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT, "no updates");
   }
   if (!docrel_sqlite__enter (b, error)) {
      return false;
   }
   coll = docrel_sqlite__coll (b, collection, true, error);
   if (!coll || !docrel_sqlite__write_begin (b, &own, error)) {
      goto done;
   }
   begun = true;
   for (size_t i = 0; i < n; i++) {
      if (!updates[i].id || !updates[i].update) {
         docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT,
                            "update %zu has no _id or no update document", i);
         goto done;
      }
      if (updates[i].id->value_type == BSON_TYPE_ARRAY) {
         continue; /* no document has an array _id */
      }
      docrel_buf__reset (&key);
      docrel_keycode__append (&key, updates[i].id);
      if (!update_one (b, coll, &updates[i], &key, error)) {
         goto done;
      }
   }
   ok = true;
done:
   if (begun) {
      ok = docrel_sqlite__write_end (b, own, ok, error);
   }
   pthread_mutex_unlock (&b->mutex);
   docrel_buf__destroy (&key);
   return ok;
}

/* Applies update to every document matching filter: their ids first (one
 * SELECT), then each as update_many does, all or nothing. */
bool
docrel_sqlite__update_where (docrel_backend_t *b,
                             const char *collection,
                             const docrel_filter_t *filter,
                             const bson_t *update,
                             int64_t *updated,
                             bson_error_t *error)
{
   docrel_buf_t *keys = NULL;
   size_t n_keys = 0, cap_keys = 0;
   docrel_sqlite_coll_t *coll;
   sqlite3_stmt *ids = NULL;
   char *sql = NULL;
   bool own = false;
   bool begun = false;
   bool ok = false;
   int rc;

   if (updated) {
      *updated = 0;
   }
   if (!docrel_sqlite__enter (b, error)) {
      return false;
   }
   coll = docrel_sqlite__coll (b, collection, false, error);
   if (!coll) {
      goto done;
   }
   if (!coll->exists) {
      ok = true; /* nothing to update */
      goto done;
   }
   ids = docrel_sqlite__query_prepare (b, coll, DOCREL_SQLITE_QUERY_IDS, filter, NULL, 0, 0, &sql, error);
   if (!ids) {
      goto done;
   }
   while ((rc = sqlite3_step (ids)) == SQLITE_ROW) {
      if (n_keys == cap_keys) {
         cap_keys = cap_keys ? cap_keys * 2 : 16;
         keys = bson_realloc (keys, cap_keys * sizeof *keys);
      }
      keys[n_keys] = (docrel_buf_t) DOCREL_BUF_INIT;
      docrel_buf__append (&keys[n_keys++], sqlite3_column_blob (ids, 0), (size_t) sqlite3_column_bytes (ids, 0));
   }
   if (rc != SQLITE_DONE) {
      docrel_sqlite__fail (b, rc, error, "reading from collection '%s'", coll->name);
      goto done;
   }
   if (!docrel_sqlite__write_begin (b, &own, error)) {
      goto done;
   }
   begun = true;
   for (size_t i = 0; i < n_keys; i++) {
      docrel_update_t one = {NULL, update};
      if (!update_one (b, coll, &one, &keys[i], error)) {
         goto done;
      }
   }
   if (updated) {
      *updated = (int64_t) n_keys;
   }
   ok = true;
done:
   docrel_sqlite__checkin (b, sql, ids);
   if (begun) {
      ok = docrel_sqlite__write_end (b, own, ok, error);
   }
   pthread_mutex_unlock (&b->mutex);
   for (size_t i = 0; i < n_keys; i++) {
      docrel_buf__destroy (&keys[i]);
   }
   bson_free (keys);
   return ok;
}

/* Deletes -------------------------------------------------------------------------- */

bool
docrel_sqlite__delete_many (docrel_backend_t *b,
                            const char *collection,
                            const docrel_filter_t *filter,
                            int64_t *deleted,
                            bson_error_t *error)
{
   docrel_sqlite_coll_t *coll;
   sqlite3_stmt *stmt = NULL;
   char *sql = NULL;
   bool ok = false;
   int rc;

   if (deleted) {
      *deleted = 0;
   }
   if (!docrel_sqlite__enter (b, error)) {
      return false;
   }
   coll = docrel_sqlite__coll (b, collection, false, error);
   if (!coll) {
      goto done;
   }
   if (!coll->exists) {
      ok = true; /* nothing to delete */
      goto done;
   }
   stmt = docrel_sqlite__query_prepare (b, coll, DOCREL_SQLITE_QUERY_DELETE, filter, NULL, 0, 0, &sql, error);
   if (!stmt) {
      goto done;
   }
   rc = sqlite3_step (stmt);
   if (rc != SQLITE_DONE) {
      docrel_sqlite__fail (b, rc, error, "deleting from collection '%s'", coll->name);
      goto done;
   }
   if (deleted) {
      *deleted = (int64_t) sqlite3_changes64 (b->db);
   }
   ok = true;
done:
   docrel_sqlite__checkin (b, sql, stmt);
   pthread_mutex_unlock (&b->mutex);
   return ok;
}
