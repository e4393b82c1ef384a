/* SPDX-License-Identifier: Apache-2.0 */
/* mongodb.c: the MongoDB backend, through libmongoc.
 *
 * A store is one mongoc_client_pool_t over the URI (so it can be shared by
 * threads), working in the database the URI's path names ("docrel" if none).
 * Open pings the deployment, so an unreachable server is an error of
 * docrel_store_open within serverSelectionTimeoutMS (docrel's defaults for
 * the timeouts the URI leaves unset keep that bound), and reads the
 * selected server's hello reply to learn whether it runs transactions (a
 * replica set member or a mongos, with logical sessions).
 *
 * This file holds the calls' plumbing (which client a call runs on, libmongoc
 * errors to docrel errors), transactions, collections and indexes, and the
 * vtable. Writes are in write.c, queries in query.c.
 *
 * Transactions belong to a thread (store-private.h, the backend table):
 * begin takes a client from the pool, starts a session and a transaction on
 * it and files them under the calling thread; until commit or abort, that
 * thread's calls use this client and pass the session, while other threads
 * keep using pooled clients. On a deployment without transactions (a
 * standalone server) begin reports *active false and commit / abort do
 * nothing.
 *
 * Collections and indexes are made outside any transaction (MongoDB before
 * 4.4 refuses DDL inside one, and creating an index on an existing
 * collection inside one is refused by every version). libmongoc must be
 * initialised once per process: open does it (pthread_once); mongoc_cleanup
 * is left to the application, which may use libmongoc itself. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/util-private.h"
#include "store/mongodb/mongodb-private.h"
#include "bsonx/bsonx-private.h"

#define SERVER_NAMESPACE_EXISTS 48
#define SERVER_INDEX_ALREADY_EXISTS 68
#define SERVER_INDEX_OPTIONS_CONFLICT 85
#define SERVER_INDEX_KEY_SPECS_CONFLICT 86
#define SERVER_DUPLICATE_KEY 11000
#define SERVER_DUPLICATE_KEY_OLD 11001

/* Errors -------------------------------------------------------------------- */

static bool
is_server_domain (uint32_t domain)
{
   return domain == MONGOC_ERROR_SERVER || domain == MONGOC_ERROR_WRITE_CONCERN_ERROR;
}

/* The first write error of a bulk reply with code, if any. */
static bool
find_write_error (const bson_t *reply, uint32_t code, bson_t *out)
{
   bson_iter_t iter, errors, field;

   if (!reply || !bson_iter_init_find (&iter, reply, "writeErrors") || !BSON_ITER_HOLDS_ARRAY (&iter) ||
       !bson_iter_recurse (&iter, &errors)) {
      return false;
   }
   while (bson_iter_next (&errors)) {
      const uint8_t *data;
      uint32_t len;

      if (!BSON_ITER_HOLDS_DOCUMENT (&errors)) {
         continue;
      }
      bson_iter_document (&errors, &len, &data);
      /* A static bson_t points into itself: initialise out in place. */
      if (bson_init_static (out, data, len) && bson_iter_init_find (&field, out, "code") &&
          (uint32_t) bson_iter_as_int64 (&field) == code) {
         return true;
      }
   }
   return false;
}

/* The text after marker in msg up to stop (or the end), bson_malloc'd. */
static char *
between (const char *msg, const char *marker, const char *stop)
{
   const char *start = strstr (msg, marker);
   const char *end;

   if (!start) {
      return NULL;
   }
   start += strlen (marker);
   end = stop ? strstr (start, stop) : NULL;
   return bson_strndup (start, end ? (size_t) (end - start) : strlen (start));
}

/* The duplicate-key error, shaped as the embedded store's (sqlite/write.c):
 * the index name from the server's message ("_id_" is called "_id"), the
 * key from keyValue (MongoDB 4.2+), else the message's "dup key:" part. */
static bool
duplicate_error (bson_error_t *error, const bson_error_t *cause, const bson_t *reply, const char *collection)
{
   bson_t item;
   const bson_t *source = reply;
   const char *msg = cause->message;
   bson_iter_t iter;
   char *index;
   char *key = NULL;
   bool in_build = strstr (msg, "Index build failed") != NULL || strstr (msg, "index build") != NULL;

   if (find_write_error (reply, cause->code, &item)) {
      source = &item;
      if (bson_iter_init_find (&iter, &item, "errmsg") && BSON_ITER_HOLDS_UTF8 (&iter)) {
         msg = bson_iter_utf8 (&iter, NULL);
      }
   }
   index = between (msg, " index: ", " dup key");
   if (source && bson_iter_init_find (&iter, source, "keyValue") && BSON_ITER_HOLDS_DOCUMENT (&iter)) {
      key = docrel_error__value_json (bson_iter_value (&iter));
   } else {
      key = between (msg, "dup key: ", NULL);
   }
   if (index && strcmp (index, "_id_") == 0) {
      index[3] = '\0';
   }
   docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_DUPLICATE_KEY,
                      "duplicate key in collection '%s' index '%s': %s%s", collection ? collection : "?",
                      index ? index : "?", key ? key : msg, in_build ? " (building a unique index)" : "");
   bson_free (index);
   bson_free (key);
   return false;
}

bool
docrel_mongodb__fail (bson_error_t *error,
                      const bson_error_t *cause,
                      const bson_t *reply,
                      const char *collection,
                      const char *fmt,
                      ...)
{
   char what[256];
   const char *label = "";
   va_list ap;

   if (!error) {
      return false;
   }
   va_start (ap, fmt);
   bson_vsnprintf (what, sizeof what, fmt, ap);
   va_end (ap);
   if (reply && mongoc_error_has_label (reply, DOCREL_MONGODB_TRANSIENT)) {
      label = " [" DOCREL_MONGODB_TRANSIENT "]";
   } else if (reply && mongoc_error_has_label (reply, DOCREL_MONGODB_COMMIT_UNKNOWN)) {
      label = " [" DOCREL_MONGODB_COMMIT_UNKNOWN "]";
   }
   if (is_server_domain (cause->domain)) {
      if (cause->code == SERVER_DUPLICATE_KEY || cause->code == SERVER_DUPLICATE_KEY_OLD) {
         return duplicate_error (error, cause, reply, collection);
      }
      return docrel_error__set (error, DOCREL_ERROR_SERVER, cause->code, "%s: %s%s", what, cause->message, label);
   }
   return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_BACKEND, "%s: %s (libmongoc error %u.%u)%s%s",
                             what, cause->message, cause->domain, cause->code,
                             cause->domain == MONGOC_ERROR_STREAM && cause->code == MONGOC_ERROR_STREAM_SOCKET
                                ? " [no reply within socketTimeoutMS]"
                                : "",
                             label);
}

/* Calls ----------------------------------------------------------------------- */

/* The calling thread's transaction, or NULL. mutex held. */
static docrel_mongodb_txn_t *
own_txn (docrel_backend_t *b, size_t *slot)
{
   pthread_t self = pthread_self ();

   for (size_t i = 0; i < b->n_txns; i++) {
      if (pthread_equal (b->txns[i]->thread, self)) {
         if (slot) {
            *slot = i;
         }
         return b->txns[i];
      }
   }
   return NULL;
}

/* Drops one reference; the last one ends the session and gives the client
 * back. mutex held. */
static void
txn_release (docrel_backend_t *b, docrel_mongodb_txn_t *txn)
{
   if (--txn->refs > 0) {
      return;
   }
   mongoc_client_session_destroy (txn->session); /* aborts a transaction still open */
   mongoc_client_pool_push (b->pool, txn->client);
   bson_free (txn);
}

void
docrel_mongodb__op_begin (docrel_backend_t *b, docrel_mongodb_op_t *op, bool outside)
{
   op->b = b;
   op->txn = NULL;
   if (!outside) {
      pthread_mutex_lock (&b->mutex);
      op->txn = own_txn (b, NULL);
      if (op->txn) {
         op->txn->refs++;
      }
      pthread_mutex_unlock (&b->mutex);
   }
   op->client = op->txn ? op->txn->client : mongoc_client_pool_pop (b->pool);
}

void
docrel_mongodb__op_end (docrel_mongodb_op_t *op)
{
   if (!op->b) {
      return;
   }
   if (op->txn) {
      pthread_mutex_lock (&op->b->mutex);
      txn_release (op->b, op->txn);
      pthread_mutex_unlock (&op->b->mutex);
   } else if (op->client) {
      mongoc_client_pool_push (op->b->pool, op->client);
   }
   memset (op, 0, sizeof *op);
}

mongoc_collection_t *
docrel_mongodb__collection (const docrel_mongodb_op_t *op, const char *name)
{
   return mongoc_client_get_collection (op->client, op->b->db, name);
}

bool
docrel_mongodb__session_opts (const docrel_mongodb_op_t *op, bson_t *opts, bson_error_t *error)
{
   bson_error_t cause;

   if (!op->txn) {
      return true;
   }
   if (!mongoc_client_session_append (op->txn->session, opts, &cause)) {
      return docrel_mongodb__fail (error, &cause, NULL, NULL, "joining the transaction");
   }
   return true;
}

/* Transactions ---------------------------------------------------------------- */

static bool
mongodb_begin (docrel_backend_t *b, bool *active, bson_error_t *error)
{
   docrel_mongodb_txn_t *txn;
   mongoc_client_t *client;
   mongoc_client_session_t *session;
   bson_error_t cause;
   bool open;

   *active = false;
   pthread_mutex_lock (&b->mutex);
   open = own_txn (b, NULL) != NULL;
   pthread_mutex_unlock (&b->mutex);
   if (open) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT,
                                "a transaction is already open on this thread");
   }
   if (!b->transactions) {
      return true; /* a standalone: calls run one by one */
   }
   client = mongoc_client_pool_pop (b->pool);
   session = mongoc_client_start_session (client, NULL, &cause);
   if (!session || !mongoc_client_session_start_transaction (session, NULL, &cause)) {
      mongoc_client_session_destroy (session);
      mongoc_client_pool_push (b->pool, client);
      return docrel_mongodb__fail (error, &cause, NULL, NULL, "starting a transaction on %s", b->where);
   }
   txn = bson_malloc0 (sizeof *txn);
   txn->thread = pthread_self ();
   txn->client = client;
   txn->session = session;
   txn->refs = 1;
   pthread_mutex_lock (&b->mutex);
   if (b->n_txns == b->cap_txns) {
      b->cap_txns = b->cap_txns ? b->cap_txns * 2 : 4;
      b->txns = bson_realloc (b->txns, b->cap_txns * sizeof *b->txns);
   }
   b->txns[b->n_txns++] = txn;
   pthread_mutex_unlock (&b->mutex);
   *active = true;
   return true;
}

/* Takes the calling thread's transaction out of the table (the caller then
 * holds the table's reference). NULL if none. */
static docrel_mongodb_txn_t *
take_txn (docrel_backend_t *b)
{
   docrel_mongodb_txn_t *txn;
   size_t slot = 0;

   pthread_mutex_lock (&b->mutex);
   txn = own_txn (b, &slot);
   if (txn) {
      b->txns[slot] = b->txns[--b->n_txns];
   }
   pthread_mutex_unlock (&b->mutex);
   return txn;
}

static void
drop_txn (docrel_backend_t *b, docrel_mongodb_txn_t *txn)
{
   pthread_mutex_lock (&b->mutex);
   txn_release (b, txn);
   pthread_mutex_unlock (&b->mutex);
}

/* Commits, retrying commitTransaction while the outcome is unknown (as
 * libmongoc's documentation recommends: the retry is idempotent). The
 * transaction is over either way: a failed commit leaves nothing to abort. */
static bool
mongodb_commit (docrel_backend_t *b, bson_error_t *error)
{
   docrel_mongodb_txn_t *txn = take_txn (b);
   bson_error_t cause;
   bson_t reply;
   bool ok = false;

   if (!txn) {
      return true; /* none open (a standalone) */
   }
   for (int tries = 1;; tries++) {
      ok = mongoc_client_session_commit_transaction (txn->session, &reply, &cause);
      if (ok || tries == DOCREL_MONGODB_COMMIT_TRIES ||
          !mongoc_error_has_label (&reply, DOCREL_MONGODB_COMMIT_UNKNOWN)) {
         break;
      }
      bson_destroy (&reply);
   }
   if (!ok) {
      docrel_mongodb__fail (error, &cause, &reply, NULL, "committing a transaction on %s", b->where);
   }
   bson_destroy (&reply);
   drop_txn (b, txn);
   return ok;
}

/* Succeeds when nothing is open, so callers can always abort after a failure. */
static bool
mongodb_abort (docrel_backend_t *b, bson_error_t *error)
{
   docrel_mongodb_txn_t *txn = take_txn (b);
   bson_error_t cause;
   bool ok = true;

   if (!txn) {
      return true;
   }
   if (mongoc_client_session_in_transaction (txn->session) &&
       !mongoc_client_session_abort_transaction (txn->session, &cause)) {
      ok = docrel_mongodb__fail (error, &cause, NULL, NULL, "aborting a transaction on %s", b->where);
   }
   drop_txn (b, txn);
   return ok;
}

/* Collections and indexes ---------------------------------------------------------- */

/* Runs a command on the database, outside any transaction. */
static bool
run_outside (docrel_backend_t *b, const bson_t *command, bson_t *reply, bson_error_t *cause)
{
   docrel_mongodb_op_t op;
   mongoc_database_t *db;
   bool ok;

   docrel_mongodb__op_begin (b, &op, true);
   db = mongoc_client_get_database (op.client, b->db);
   ok = mongoc_database_write_command_with_opts (db, command, NULL, reply, cause);
   mongoc_database_destroy (db);
   docrel_mongodb__op_end (&op);
   return ok;
}

static bool
mongodb_ensure_collection (docrel_backend_t *b, const char *collection, bson_error_t *error)
{
   bson_t *command = BCON_NEW ("create", BCON_UTF8 (collection));
   bson_error_t cause;
   bson_t reply;
   bool ok = run_outside (b, command, &reply, &cause);

   if (!ok && is_server_domain (cause.domain) && cause.code == SERVER_NAMESPACE_EXISTS) {
      ok = true; /* made before: the call is idempotent */
   } else if (!ok) {
      docrel_mongodb__fail (error, &cause, &reply, collection, "creating collection '%s'", collection);
   }
   bson_destroy (&reply);
   bson_destroy (command);
   return ok;
}

/* {createIndexes: c, indexes: [{key: {...}, name: n, unique: true}]} */
static bool
mongodb_ensure_index (docrel_backend_t *b, const docrel_index_spec_t *spec, bson_error_t *error)
{
   bson_t command = BSON_INITIALIZER;
   bson_t indexes, index, key;
   bson_error_t cause;
   bson_t reply;
   bool ok;

   if (spec->n_keys == 1 && strcmp (spec->paths[0], "_id") == 0) {
      return true; /* every collection has it */
   }
   BSON_APPEND_UTF8 (&command, "createIndexes", spec->collection);
   BSON_APPEND_ARRAY_BEGIN (&command, "indexes", &indexes);
   BSON_APPEND_DOCUMENT_BEGIN (&indexes, "0", &index);
   BSON_APPEND_DOCUMENT_BEGIN (&index, "key", &key);
   for (size_t i = 0; i < spec->n_keys; i++) {
      BSON_APPEND_INT32 (&key, spec->paths[i], spec->directions[i]);
   }
   bson_append_document_end (&index, &key);
   BSON_APPEND_UTF8 (&index, "name", spec->name);
   if (spec->unique) {
      BSON_APPEND_BOOL (&index, "unique", true);
   }
   bson_append_document_end (&indexes, &index);
   bson_append_array_end (&command, &indexes);
   ok = run_outside (b, &command, &reply, &cause);
   if (!ok) {
      if (is_server_domain (cause.domain) &&
          (cause.code == SERVER_INDEX_OPTIONS_CONFLICT || cause.code == SERVER_INDEX_KEY_SPECS_CONFLICT ||
           cause.code == SERVER_INDEX_ALREADY_EXISTS)) {
         docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME,
                            "index '%s' of collection '%s' already exists with other keys or options (%s)", spec->name,
                            spec->collection, cause.message);
      } else {
         docrel_mongodb__fail (error, &cause, &reply, spec->collection, "creating index '%s' on collection '%s'",
                               spec->name, spec->collection);
      }
   }
   bson_destroy (&reply);
   bson_destroy (&command);
   return ok;
}

/* Opening and closing ------------------------------------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void
init_mongoc (void)
{
   mongoc_init ();
}

/* A getMore is one more round trip of a find, sent by libmongoc as a cursor
 * is read: the store counts it and traces it (the host). libmongoc runs a
 * command's started and its succeeded or failed callback on the thread
 * that sends it, one command at a time, so the command in flight is the
 * thread's. */
static _Thread_local docrel_trace_span_t getmore;

static bool
is_getmore (const char *command_name)
{
   return strcmp (command_name, "getMore") == 0;
}

static void
command_started (const mongoc_apm_command_started_t *event)
{
   const docrel_backend_host_t *host;
   bson_iter_t iter;
   const char *collection = NULL;

   if (!is_getmore (mongoc_apm_command_started_get_command_name (event))) {
      return;
   }
   host = mongoc_apm_command_started_get_context (event);
   if (bson_iter_init_find (&iter, mongoc_apm_command_started_get_command (event), "collection") &&
       BSON_ITER_HOLDS_UTF8 (&iter)) {
      collection = bson_iter_utf8 (&iter, NULL);
   }
   host->extra_started (host->ctx, "getMore", collection, &getmore);
}

/* The documents of a getMore's reply: {cursor: {nextBatch: [...]}}. */
static uint64_t
batch_length (const bson_t *reply)
{
   bson_iter_t iter, batch;
   uint64_t n = 0;

   if (bson_iter_init (&iter, reply) && bson_iter_find_descendant (&iter, "cursor.nextBatch", &batch) &&
       BSON_ITER_HOLDS_ARRAY (&batch) && bson_iter_recurse (&batch, &iter)) {
      while (bson_iter_next (&iter)) {
         n++;
      }
   }
   return n;
}

static void
command_succeeded (const mongoc_apm_command_succeeded_t *event)
{
   const docrel_backend_host_t *host;

   if (getmore.request_id == 0 || !is_getmore (mongoc_apm_command_succeeded_get_command_name (event))) {
      return;
   }
   host = mongoc_apm_command_succeeded_get_context (event);
   host->extra_done (host->ctx, &getmore, batch_length (mongoc_apm_command_succeeded_get_reply (event)), NULL);
}

/* The error as the cursor's reader gets it (query.c). */
static void
command_failed (const mongoc_apm_command_failed_t *event)
{
   const docrel_backend_host_t *host;
   const char *collection = getmore.collection ? getmore.collection : "";
   bson_error_t cause, error;

   if (getmore.request_id == 0 || !is_getmore (mongoc_apm_command_failed_get_command_name (event))) {
      return;
   }
   host = mongoc_apm_command_failed_get_context (event);
   mongoc_apm_command_failed_get_error (event, &cause);
   docrel_mongodb__fail (&error, &cause, mongoc_apm_command_failed_get_reply (event), collection,
                         "reading collection '%s'", collection);
   host->extra_done (host->ctx, &getmore, 0, &error);
}

/* uri without user information and options (which may hold secrets). */
static char *
redact (const char *uri)
{
   const char *scheme_end = strstr (uri, "://");
   const char *host = scheme_end ? scheme_end + 3 : uri;
   const char *slash = strchr (host, '/');
   const char *at = strrchr (host, '@');
   size_t scheme_len = (size_t) (host - uri);
   size_t end;

   if (at && (!slash || at < slash)) {
      host = at + 1;
   }
   end = strcspn (host, "?");
   return bson_strdup_printf ("%.*s%.*s", (int) scheme_len, uri, (int) end, host);
}

/* Whether the server's hello reply shows a deployment with transactions:
 * a replica set member (setName) or a mongos (msg "isdbgrid"), with logical
 * sessions, and a wire version that has them (4.0 replica sets, 4.2 mongos). */
static bool
hello_has_transactions (const bson_t *hello)
{
   bson_iter_t iter;
   bool replset = bson_iter_init_find (&iter, hello, "setName") && BSON_ITER_HOLDS_UTF8 (&iter);
   bool mongos = bson_iter_init_find (&iter, hello, "msg") && BSON_ITER_HOLDS_UTF8 (&iter) &&
                 strcmp (bson_iter_utf8 (&iter, NULL), "isdbgrid") == 0;
   bool sessions = bson_iter_init_find (&iter, hello, "logicalSessionTimeoutMinutes") && !BSON_ITER_HOLDS_NULL (&iter);
   int64_t wire = bson_iter_init_find (&iter, hello, "maxWireVersion") ? bson_iter_as_int64 (&iter) : 0;

   return sessions && ((replset && wire >= 7) || (mongos && wire >= 8));
}

/* True if the option at item (its name runs to '=' or '&') is named
 * before it in query, case aside. libmongoc would print a warning and take
 * the last value; readPreferenceTags alone is a list, given once per entry. */
static bool
repeated (const char *query, const char *item)
{
   size_t name_len = strcspn (item, "=&");
   const char *p = query;

   if (name_len == 18 && strncasecmp (item, "readPreferenceTags", 18) == 0) {
      return false;
   }
   while (p < item) {
      if (strcspn (p, "=&") == name_len && strncasecmp (p, item, name_len) == 0) {
         return true;
      }
      p += strcspn (p, "&");
      p += *p == '&';
   }
   return false;
}

/* Takes docrel's own option docrelTimeoutMS=N out of the URI (libmongoc
 * would warn about it): a copy of uri without it, *ms = N (0 without it),
 * or NULL if N is not a positive int32 or an option is given twice (where
 * names the URI, redacted, in errors). */
static char *
take_deadline (const char *uri, const char *where, int32_t *ms, bson_error_t *error)
{
   const char *q = strchr (uri, '?');
   const char *item = q ? q + 1 : "";
   bson_string_t *kept = bson_string_new (NULL);
   char *rest, *out;

   *ms = 0;
   while (*item) {
      size_t len = strcspn (item, "&");
      char *end = NULL;
      long v = 0;

      if (repeated (q + 1, item)) {
         docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI,
                            "invalid MongoDB URI '%s': option '%.*s' is given twice", where, (int) strcspn (item, "=&"),
                            item);
         bson_string_free (kept, true);
         return NULL;
      } else if (len < 16 || strncasecmp (item, "docrelTimeoutMS=", 16) != 0) {
         bson_string_append_printf (kept, "%s%.*s", kept->len ? "&" : "", (int) len, item);
      } else if ((v = strtol (item + 16, &end, 10)) <= 0 || v > INT32_MAX || end != item + len) {
         docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI,
                            "invalid MongoDB URI option docrelTimeoutMS=%.*s: expected milliseconds, a positive "
                            "32-bit integer",
                            (int) (len - 16), item + 16);
         bson_string_free (kept, true);
         return NULL;
      } else {
         *ms = (int32_t) v;
      }
      item += len + (item[len] == '&');
   }
   rest = bson_string_free (kept, false);
   out = bson_strdup_printf ("%.*s%s%s", (int) (q ? q - uri : (ptrdiff_t) strlen (uri)), uri, *rest ? "?" : "", rest);
   bson_free (rest);
   return out;
}

/* Sets option to value unless the URI sets it. */
static void
default_timeout (mongoc_uri_t *uri, const char *option, int32_t value)
{
   if (!mongoc_uri_has_option (uri, option)) {
      mongoc_uri_set_option_as_int32 (uri, option, value);
   }
}

/* docrel's timeouts where the URI sets none (mongodb-private.h), or
 * docrelTimeoutMS (deadline > 0) for all three. libmongoc waits for a
 * server's first reply for connectTimeoutMS (10 s) even when
 * serverSelectionTimeoutMS is shorter, so connectTimeoutMS is never longer
 * than the server selection unless the URI says so. */
static void
default_timeouts (mongoc_uri_t *uri, int32_t deadline)
{
   int32_t selection;

   default_timeout (uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, deadline ? deadline : DOCREL_MONGODB_SERVER_SELECTION_MS);
   selection = mongoc_uri_get_option_as_int32 (uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                               DOCREL_MONGODB_SERVER_SELECTION_MS);
   default_timeout (uri, MONGOC_URI_CONNECTTIMEOUTMS,
                    deadline                                                 ? deadline
                    : selection > 0 && selection < DOCREL_MONGODB_CONNECT_MS ? selection
                                                                             : DOCREL_MONGODB_CONNECT_MS);
   default_timeout (uri, MONGOC_URI_SOCKETTIMEOUTMS, deadline ? deadline : DOCREL_MONGODB_SOCKET_MS);
}

/* Pings the deployment and reads whether it runs transactions. An
 * unreachable one fails naming the timeouts it was given. */
static bool
connect_check (docrel_backend_t *b, bson_error_t *error)
{
   docrel_mongodb_op_t op;
   mongoc_server_description_t *sd = NULL;
   bson_t *ping = BCON_NEW ("ping", BCON_INT32 (1));
   bson_error_t cause;
   bson_t reply;
   char where[512];
   bool ok;

   bson_snprintf (where, sizeof where,
                  "cannot reach MongoDB at %s within serverSelectionTimeoutMS=%d (connectTimeoutMS=%d)", b->where,
                  mongoc_uri_get_option_as_int32 (b->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0),
                  mongoc_uri_get_option_as_int32 (b->uri, MONGOC_URI_CONNECTTIMEOUTMS, 0));
   docrel_mongodb__op_begin (b, &op, true);
   ok = mongoc_client_command_simple (op.client, "admin", ping, NULL, &reply, &cause);
   if (!ok) {
      docrel_mongodb__fail (error, &cause, &reply, NULL, "%s", where);
   } else if (!(sd = mongoc_client_select_server (op.client, true, NULL, &cause))) {
      ok = docrel_mongodb__fail (error, &cause, NULL, NULL, "%s", where);
   } else {
      const bson_t *hello = mongoc_server_description_hello_response (sd);
      bson_iter_t iter;

      b->transactions = hello_has_transactions (hello);
      if (bson_iter_init_find (&iter, hello, "maxWireVersion") && BSON_ITER_HOLDS_NUMBER (&iter)) {
         b->max_wire_version = (int32_t) bson_iter_as_int64 (&iter);
      }
   }
   mongoc_server_description_destroy (sd);
   bson_destroy (&reply);
   bson_destroy (ping);
   docrel_mongodb__op_end (&op);
   return ok;
}

static void mongodb_close (docrel_backend_t *b);

static docrel_backend_t *
mongodb_open (const char *uri, const docrel_backend_host_t *host, bson_error_t *error)
{
   docrel_backend_t *b;
   mongoc_apm_callbacks_t *callbacks;
   bson_error_t cause;
   const char *db;
   int32_t deadline;
   char *given;

   pthread_once (&init_once, init_mongoc);
   b = bson_malloc0 (sizeof *b);
   b->host = *host;
   b->where = redact (uri);
   pthread_mutex_init (&b->mutex, NULL);
   if (!(given = take_deadline (uri, b->where, &deadline, error))) {
      goto fail;
   }
   b->uri = mongoc_uri_new_with_error (given, &cause);
   bson_free (given);
   if (!b->uri) {
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI, "invalid MongoDB URI '%s': %s", b->where,
                         cause.message);
      goto fail;
   }
   db = mongoc_uri_get_database (b->uri);
   b->db = bson_strdup (db && *db ? db : DOCREL_MONGODB_DEFAULT_DB);
   if (!mongoc_uri_get_appname (b->uri)) {
      mongoc_uri_set_appname (b->uri, DOCREL_MONGODB_APPNAME);
   }
   default_timeouts (b->uri, deadline);
   b->pool = mongoc_client_pool_new_with_error (b->uri, &cause);
   if (!b->pool) {
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_URI, "cannot use MongoDB URI '%s': %s",
                         b->where, cause.message);
      goto fail;
   }
   /* Error API 2: every server error in domain MONGOC_ERROR_SERVER with the
    * server's code. Both settings precede the first pop. */
   mongoc_client_pool_set_error_api (b->pool, MONGOC_ERROR_API_VERSION_2);
   callbacks = mongoc_apm_callbacks_new ();
   mongoc_apm_set_command_started_cb (callbacks, command_started);
   mongoc_apm_set_command_succeeded_cb (callbacks, command_succeeded);
   mongoc_apm_set_command_failed_cb (callbacks, command_failed);
   mongoc_client_pool_set_apm_callbacks (b->pool, callbacks, &b->host);
   mongoc_apm_callbacks_destroy (callbacks);
   if (!connect_check (b, error)) {
      goto fail;
   }
   return b;
fail:
   mongodb_close (b);
   return NULL;
}

/* Every cursor must be destroyed first. A transaction left open is
 * abandoned: ending its session aborts it. */
static void
mongodb_close (docrel_backend_t *b)
{
   if (!b) {
      return;
   }
   pthread_mutex_lock (&b->mutex);
   for (size_t i = 0; i < b->n_txns; i++) {
      txn_release (b, b->txns[i]);
   }
   b->n_txns = 0;
   pthread_mutex_unlock (&b->mutex);
   bson_free (b->txns);
   if (b->pool) {
      mongoc_client_pool_destroy (b->pool);
   }
   mongoc_uri_destroy (b->uri);
   pthread_mutex_destroy (&b->mutex);
   bson_free (b->db);
   bson_free (b->where);
   bson_free (b);
}

const docrel_backend_vtable_t docrel_backend_mongodb = {
   .version = DOCREL_BACKEND_VERSION,
   .name = "mongodb",
   .open = mongodb_open,
   .close = mongodb_close,
   .ensure_collection = mongodb_ensure_collection,
   .ensure_index = mongodb_ensure_index,
   .insert_many = docrel_mongodb__insert_many,
   .update_many = docrel_mongodb__update_many,
   .update_where = docrel_mongodb__update_where,
   .delete_many = docrel_mongodb__delete_many,
   .find = docrel_mongodb__find,
   .cursor_next = docrel_mongodb__cursor_next,
   .cursor_destroy = docrel_mongodb__cursor_destroy,
   .count = docrel_mongodb__count,
   .group_count = docrel_mongodb__group_count,
   .explain = docrel_mongodb__explain,
   .begin = mongodb_begin,
   .commit = mongodb_commit,
   .abort = mongodb_abort,
};
