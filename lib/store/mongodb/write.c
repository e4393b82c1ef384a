/* SPDX-License-Identifier: Apache-2.0 */
/* write.c: inserts, updates and deletes on the MongoDB backend.
 *
 * Each call is one command (libmongoc splits a batch only past the server's
 * message size or maxWriteBatchSize):
 *   insert_many   insert {documents: [...], ordered: true}
 *   update_many   update {updates: [{q: {_id: id}, u: update}, ...], ordered: true}
 *   update_where  update {updates: [{q: filter, u: update, multi: true}]}
 *   delete_many   delete {deletes: [{q: filter, limit: 0}]}
 * with the thread's session inside a transaction.
 *
 * All or nothing holds inside a transaction only (the server aborts it at
 * the first failure, and the caller aborts). Outside one, MongoDB has no
 * all-or-nothing batch: an ordered insert or update stops at the first
 * failing document and keeps those before it; the outcome and the error
 * say how many were written, and whether the rest are in doubt (the
 * backend table in store-private.h). Updates are checked before anything is
 * sent the way the embedded store checks them (only $set / $unset, or a
 * replacement; never a changed _id), so a bad update fails the same way on
 * both and writes nothing. */
#include <string.h>

#include "util/util-private.h"
#include "store/mongodb/mongodb-private.h"
#include "bsonx/bsonx-private.h"
#include "query/query-private.h"

/* Errors ------------------------------------------------------------------------ */

static int64_t
reply_int (const bson_t *reply, const char *key)
{
   bson_iter_t iter;

   return bson_iter_init_find (&iter, reply, key) && BSON_ITER_HOLDS_NUMBER (&iter) ? bson_iter_as_int64 (&iter) : 0;
}

/* How many statements of a failed ordered batch the server applied: those
 * before the first write error, else (a lost connection) at least the
 * matched ones. */
static int64_t
applied_statements (const bson_t *reply, const char *count_key)
{
   bson_iter_t iter, errors, index;

   if (bson_iter_init_find (&iter, reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY (&iter) &&
       bson_iter_recurse (&iter, &errors) && bson_iter_next (&errors) && BSON_ITER_HOLDS_DOCUMENT (&errors) &&
       bson_iter_recurse (&errors, &index) && bson_iter_find (&index, "index") && BSON_ITER_HOLDS_NUMBER (&index)) {
      return bson_iter_as_int64 (&index);
   }
   return reply_int (reply, count_key);
}

/* A batch of n failed after written of them were applied. Inside a
 * transaction the caller aborts and nothing stays. Outside one they stay:
 * the outcome and the message say so, and a connection that failed after
 * the command went out leaves the rest in doubt. */
static void
report_partial (const docrel_mongodb_op_t *op,
                const bson_error_t *cause,
                int64_t written,
                size_t n,
                docrel_write_outcome_t *outcome,
                bson_error_t *error)
{
   if (op->txn) {
      return;
   }
   written = written < 0 ? 0 : written > (int64_t) n ? (int64_t) n : written;
   outcome->written = (size_t) written;
   outcome->in_doubt = cause->domain == MONGOC_ERROR_STREAM && cause->code == MONGOC_ERROR_STREAM_SOCKET;
   if (written > 0 && error) {
      docrel_error__prefix (error, "%" PRId64 " of %zu documents were written before this failure: ", written, n);
   }
}

/* Inserts ------------------------------------------------------------------------ */

static bool
check_doc (const bson_t *doc, size_t i, const char *collection, bson_error_t *error)
{
   bson_iter_t iter;

   if (!doc || !bson_iter_init_find (&iter, doc, "_id")) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "document %zu inserted into collection '%s' has no _id", i, collection);
   }
   if (BSON_ITER_HOLDS_ARRAY (&iter)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_WRONG_TYPE,
                                "document %zu inserted into collection '%s' has an array as _id", i, collection);
   }
   return true;
}

bool
docrel_mongodb__insert_many (docrel_backend_t *b,
                             const char *collection,
                             const bson_t *const *docs,
                             size_t n,
                             docrel_write_outcome_t *outcome,
                             bson_error_t *error)
{
   docrel_mongodb_op_t op = {0};
   mongoc_collection_t *coll = NULL;
   bson_t opts = BSON_INITIALIZER;
   bson_t reply = BSON_INITIALIZER;
   bson_error_t cause;
   bool ok = false;

   if (n == 0) {
      bson_destroy (&opts);
      bson_destroy (&reply);
      return true;
   }
   if (!docs) {
      bson_destroy (&opts);
      bson_destroy (&reply);
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT, "no documents to insert");
   }
   for (size_t i = 0; i < n; i++) {
      if (!check_doc (docs[i], i, collection, error)) {
         goto done;
      }
   }
   docrel_mongodb__op_begin (b, &op, false);
   BSON_APPEND_BOOL (&opts, "ordered", true);
   if (!docrel_mongodb__session_opts (&op, &opts, error)) {
      goto done;
   }
   coll = docrel_mongodb__collection (&op, collection);
   bson_destroy (&reply);
   ok = mongoc_collection_insert_many (coll, (const bson_t **) docs, n, &opts, &reply, &cause);
   if (!ok) {
      docrel_mongodb__fail (error, &cause, &reply, collection, "inserting into collection '%s'", collection);
      report_partial (&op, &cause, applied_statements (&reply, "insertedCount"), n, outcome, error);
   }
done:
   mongoc_collection_destroy (coll);
   docrel_mongodb__op_end (&op);
   bson_destroy (&opts);
   bson_destroy (&reply);
   return ok;
}

/* Updates ------------------------------------------------------------------------- */

/* Checks update (docrel_update__check) and copies what is to be sent into
 * out: a replacement without its _id (the stored one stays), or the
 * operators without empty ones (MongoDB before 5.0 refuses "$set": {}) and
 * without a $set of _id to its own value. id is the document's _id, NULL
 * for a range update. *replace tells that update is a replacement. An empty
 * out means there is nothing to change. */
static bool
prepare_update (const bson_value_t *id, const bson_t *update, bson_t *out, bool *replace, bson_error_t *error)
{
   bson_iter_t iter, ops;

   if (!docrel_update__check (id, update, replace, error)) {
      return false;
   }
   bson_iter_init (&iter, update);
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      bson_t kept;

      if (*replace) {
         if (strcmp (key, "_id") != 0) {
            bson_append_iter (out, NULL, 0, &iter);
         }
         continue;
      }
      bson_init (&kept);
      bson_iter_recurse (&iter, &ops);
      while (bson_iter_next (&ops)) {
         if (!docrel_update__is_id_path (bson_iter_key (&ops))) {
            bson_append_iter (&kept, NULL, 0, &ops);
         }
      }
      if (!bson_empty (&kept)) {
         bson_append_document (out, key, -1, &kept);
      }
      bson_destroy (&kept);
   }
   return true;
}

/* Adds update i to bulk: a replace or an update of the one document with
 * its _id. *sent tells whether it added a statement: an array _id matches
 * no document, and an update may leave nothing to change. On failure (a bad
 * update, or one libmongoc refuses) sets error and returns false. */
static bool
queue_update (mongoc_bulk_operation_t *bulk,
              const docrel_update_t *update,
              size_t i,
              const char *collection,
              bool *sent,
              bson_error_t *error)
{
   bson_t selector = BSON_INITIALIZER;
   bson_t prepared = BSON_INITIALIZER;
   bson_error_t cause;
   bool replace;
   bool ok = true;

   *sent = false;
   if (!update->id || !update->update) {
      ok = docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT,
                              "update %zu has no _id or no update document", i);
   } else if (update->id->value_type == BSON_TYPE_ARRAY) {
      /* no document has an array _id: skipped */
   } else if (!prepare_update (update->id, update->update, &prepared, &replace, error)) {
      ok = false;
   } else if (replace || !bson_empty (&prepared)) {
      bson_append_value (&selector, "_id", 3, update->id);
      ok = replace ? mongoc_bulk_operation_replace_one_with_opts (bulk, &selector, &prepared, NULL, &cause)
                   : mongoc_bulk_operation_update_one_with_opts (bulk, &selector, &prepared, NULL, &cause);
      if (!ok) {
         docrel_mongodb__fail (error, &cause, NULL, collection, "updating collection '%s'", collection);
      }
      *sent = ok;
   }
   bson_destroy (&selector);
   bson_destroy (&prepared);
   return ok;
}

bool
docrel_mongodb__update_many (docrel_backend_t *b,
                             const char *collection,
                             const docrel_update_t *updates,
                             size_t n,
                             docrel_write_outcome_t *outcome,
                             bson_error_t *error)
{
   docrel_mongodb_op_t op = {0};
   mongoc_collection_t *coll = NULL;
   mongoc_bulk_operation_t *bulk = NULL;
   bson_t opts = BSON_INITIALIZER;
   bson_t reply = BSON_INITIALIZER;
   bson_error_t cause;
   size_t statements = 0;
   size_t *update_of = NULL; /* statement -> its update (some send none) */
   bool ok = false;

   if (n == 0) {
      ok = true;
      goto done;
   }
   if (!updates) {
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT, "no updates");
      goto done;
   }
   docrel_mongodb__op_begin (b, &op, false);
   BSON_APPEND_BOOL (&opts, "ordered", true);
   if (!docrel_mongodb__session_opts (&op, &opts, error)) {
      goto done;
   }
   coll = docrel_mongodb__collection (&op, collection);
   bulk = mongoc_collection_create_bulk_operation_with_opts (coll, &opts);
   update_of = bson_malloc (n * sizeof *update_of);
   for (size_t i = 0; i < n; i++) {
      bool sent;

      if (!queue_update (bulk, &updates[i], i, collection, &sent, error)) {
         goto done; /* nothing was sent */
      }
      if (sent) {
         update_of[statements++] = i;
      }
   }
   if (statements == 0) {
      ok = true;
      goto done;
   }
   bson_destroy (&reply);
   ok = mongoc_bulk_operation_execute (bulk, &reply, &cause) != 0;
   if (!ok) {
      int64_t applied = applied_statements (&reply, "nMatched");
      docrel_mongodb__fail (error, &cause, &reply, collection, "updating collection '%s'", collection);
      report_partial (&op, &cause,
                      applied >= 0 && applied < (int64_t) statements ? (int64_t) update_of[applied] : (int64_t) n, n,
                      outcome, error);
   }
done:
   bson_free (update_of);
   mongoc_bulk_operation_destroy (bulk);
   mongoc_collection_destroy (coll);
   docrel_mongodb__op_end (&op);
   bson_destroy (&opts);
   bson_destroy (&reply);
   return ok;
}

bool
docrel_mongodb__update_where (docrel_backend_t *b,
                              const char *collection,
                              const docrel_filter_t *filter,
                              const bson_t *update,
                              int64_t *updated,
                              bson_error_t *error)
{
   docrel_mongodb_op_t op = {0};
   mongoc_collection_t *coll = NULL;
   bson_t prepared = BSON_INITIALIZER;
   bson_t opts = BSON_INITIALIZER;
   bson_t reply = BSON_INITIALIZER;
   bson_error_t cause;
   bool replace;
   bool ok = false;

   if (updated) {
      *updated = 0;
   }
   if (!prepare_update (NULL, update, &prepared, &replace, error)) {
      goto done;
   }
   docrel_mongodb__op_begin (b, &op, false);
   if (!docrel_mongodb__session_opts (&op, &opts, error)) {
      goto done;
   }
   if (bson_empty (&prepared)) {
      /* Nothing to change: still tell how many match. */
      ok = docrel_mongodb__count_filter (&op, collection, docrel_mongodb__filter_doc (filter),
                                         updated ? updated : &(int64_t){0}, error);
      goto done;
   }
   coll = docrel_mongodb__collection (&op, collection);
   bson_destroy (&reply);
   ok = mongoc_collection_update_many (coll, docrel_mongodb__filter_doc (filter), &prepared, &opts, &reply, &cause);
   if (!ok) {
      docrel_mongodb__fail (error, &cause, &reply, collection, "updating collection '%s'", collection);
      if (!op.txn && reply_int (&reply, "modifiedCount") > 0 && error) {
         docrel_error__prefix (error, "some documents were updated before this failure: ");
      }
   } else if (updated) {
      *updated = reply_int (&reply, "matchedCount");
   }
done:
   mongoc_collection_destroy (coll);
   docrel_mongodb__op_end (&op);
   bson_destroy (&prepared);
   bson_destroy (&opts);
   bson_destroy (&reply);
   return ok;
}

/* Deletes -------------------------------------------------------------------------- */

bool
docrel_mongodb__delete_many (docrel_backend_t *b,
                             const char *collection,
                             const docrel_filter_t *filter,
                             int64_t *deleted,
                             bson_error_t *error)
{
   docrel_mongodb_op_t op = {0};
   mongoc_collection_t *coll = NULL;
   bson_t opts = BSON_INITIALIZER;
   bson_t reply = BSON_INITIALIZER;
   bson_error_t cause;
   bool ok = false;

   if (deleted) {
      *deleted = 0;
   }
   docrel_mongodb__op_begin (b, &op, false);
   if (!docrel_mongodb__session_opts (&op, &opts, error)) {
      goto done;
   }
   coll = docrel_mongodb__collection (&op, collection);
   bson_destroy (&reply);
   ok = mongoc_collection_delete_many (coll, docrel_mongodb__filter_doc (filter), &opts, &reply, &cause);
   if (!ok) {
      docrel_mongodb__fail (error, &cause, &reply, collection, "deleting from collection '%s'", collection);
   } else if (deleted) {
      *deleted = reply_int (&reply, "deletedCount");
   }
done:
   mongoc_collection_destroy (coll);
   docrel_mongodb__op_end (&op);
   bson_destroy (&opts);
   bson_destroy (&reply);
   return ok;
}
