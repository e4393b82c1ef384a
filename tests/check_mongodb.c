/* SPDX-License-Identifier: Apache-2.0 */
/* check_mongodb.c: the MongoDB backend where it can fail or differs from
 * the embedded store: an unreachable server, a server error reply for each
 * kind of command it sends (through the failCommand fail point), the server
 * stopped in the middle of a multi-document write, transactions on a replica
 * set, and per-parent limits without a sort (the $group form). Runs only for
 * kind mongodb (other kinds: an empty suite).
 *
 * Fail points and stopping the server would disturb the other suites, so
 * these tests start private test servers (DOCREL_TEST_MONGODB_CTL, the
 * tests/mongo_server control script). Against a real server
 * (DOCREL_TEST_MONGODB_URI) the server-error tests use it, filtering their
 * fail points by appName (mongod needs --setParameter enableTestCommands=1,
 * else they are skipped); the tests that stop or configure a server of
 * their own are skipped without the control script. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mongoc/mongoc.h>

#include "fixture.h"

/* ---- private servers ------------------------------------------------- */

typedef struct {
   char dir[256];
   char uri[1024]; /* as the server wrote it */
   bool running;
} server_t;

static server_t shared; /* the tcase's server, started by its fixture */

static const char *
ctl_script (void)
{
   const char *ctl = getenv ("DOCREL_TEST_MONGODB_CTL");
   return ctl && *ctl && access (ctl, R_OK) == 0 ? ctl : NULL;
}

static bool
run_ctl (const char *verb, const server_t *s, const char *extra)
{
   char cmd[1024];

   snprintf (cmd, sizeof cmd, "/usr/bin/python3 '%s' %s --dir '%s' %s >/dev/null 2>&1", ctl_script (), verb, s->dir,
             extra ? extra : "");
   return system (cmd) == 0;
}

/* Starts a private test server (extra: more ctl arguments, e.g. a replica
 * set). False if there is no control script or it fails. */
static bool
server_start (server_t *s, const char *extra)
{
   char path[300];
   FILE *f;

   memset (s, 0, sizeof *s);
   if (!ctl_script ()) {
      return false;
   }
   snprintf (s->dir, sizeof s->dir, "%s/docrel-mongo-XXXXXX", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
   if (!mkdtemp (s->dir)) {
      return false;
   }
   /* With the control script at hand, a server that does not start is a
    * failure, not a reason to skip. */
   ck_assert_msg (run_ctl ("start", s, extra), "%s start --dir %s %s failed", ctl_script (), s->dir,
                  extra ? extra : "");
   snprintf (path, sizeof path, "%s/mongodb.uri", s->dir);
   f = fopen (path, "r");
   if (!f) {
      return false;
   }
   if (!fgets (s->uri, sizeof s->uri, f)) {
      s->uri[0] = '\0';
   }
   fclose (f);
   s->uri[strcspn (s->uri, "\r\n")] = '\0';
   s->running = s->uri[0] != '\0';
   return s->running;
}

static void
server_stop (server_t *s)
{
   char cmd[400];

   if (s->dir[0]) {
      run_ctl ("stop", s, NULL);
      snprintf (cmd, sizeof cmd, "rm -rf '%s'", s->dir);
      if (system (cmd) != 0) {
         /* leftovers in TMPDIR only */
      }
   }
   s->running = false;
   s->dir[0] = '\0';
}

/* Starts s's server again on its port, with the data it saved when it
 * stopped (s was started with --persist). */
static void
server_restart (server_t *s)
{
   const char *port = strrchr (s->uri, ':');
   char extra[64];

   ck_assert_ptr_nonnull (port);
   snprintf (extra, sizeof extra, "--persist --port %d", atoi (port + 1));
   ck_assert_msg (run_ctl ("start", s, extra), "%s start --dir %s %s failed", ctl_script (), s->dir, extra);
   s->running = true;
}

static void
shared_start (void)
{
   server_start (&shared, NULL);
}

static void
shared_start_replset (void)
{
   server_start (&shared, "--replset rs0");
}

static void
shared_stop (void)
{
   server_stop (&shared);
}

/* ---- URIs and fail points -------------------------------------------- */

/* True if the option list opts ("a=1&b=2") sets the option name[0..len). */
static bool
sets_option (const char *opts, const char *name, size_t len)
{
   for (const char *o = opts; *o; o += strcspn (o, "&"), o += *o == '&') {
      if (strncasecmp (o, name, len) == 0 && o[len] == '=') {
         return true;
      }
   }
   return false;
}

/* base with database db and the options opts ("a=1&b=2"), which replace
 * base's own options of those names (libmongoc warns about a repeat). */
static void
uri_for (const char *base, const char *db, const char *opts, char *out, size_t size)
{
   const char *hosts = strstr (base, "://");
   const char *end;
   const char *query;
   size_t used;

   ck_assert_ptr_nonnull (hosts);
   hosts += 3;
   end = hosts + strcspn (hosts, "/?");
   query = strchr (end, '?');
   used = (size_t) snprintf (out, size, "%.*s/%s?%s", (int) (end - base), base, db, opts);
   for (const char *o = query ? query + 1 : ""; *o && used < size; o += *o == '&') {
      size_t len = strcspn (o, "&");
      size_t name = strcspn (o, "=&");

      if (!sets_option (opts, o, name)) {
         used += (size_t) snprintf (out + used, size - used, "&%.*s", (int) len, o);
      }
      o += len;
   }
}

/* The server the server-error tests use: DOCREL_TEST_MONGODB_URI, else the
 * tcase's private one. NULL: none (the test is skipped). */
static const char *
error_server (void)
{
   const char *env = getenv ("DOCREL_TEST_MONGODB_URI");

   if (env && *env) {
      return env;
   }
   return shared.running ? shared.uri : NULL;
}

static int test_counter;

/* Opens a store on base, in a database of its own, with appname app. */
static docrel_store_t *
open_on (const char *base, const char *app, char *db, size_t db_size)
{
   char uri[1200];
   char opts[200];
   bson_error_t error;
   docrel_store_t *store;

   snprintf (db, db_size, "docrel_fail_%ld_%d", (long) getpid (), test_counter++);
   snprintf (opts, sizeof opts, "appname=%s&serverSelectionTimeoutMS=2000&connectTimeoutMS=2000", app);
   uri_for (base, db, opts, uri, sizeof uri);
   store = docrel_store_open (uri, &error);
   ck_assert_msg (store != NULL, "open %s: %s", uri, error.message);
   return store;
}

/* Runs command on the admin database of base through a client of its own. */
static bool
admin_command (const char *base, const bson_t *command, bson_error_t *error)
{
   mongoc_client_t *client;
   bson_t reply;
   bool ok;

   mongoc_init ();
   client = mongoc_client_new (base);
   ck_assert_ptr_nonnull (client);
   mongoc_client_set_error_api (client, MONGOC_ERROR_API_VERSION_2);
   ok = mongoc_client_command_simple (client, "admin", command, NULL, &reply, error);
   bson_destroy (&reply);
   mongoc_client_destroy (client);
   return ok;
}

/* Makes the next times commands named cmd from clients called app fail
 * with code (and errorLabels, JSON array or NULL). False if the server has
 * no fail points (a real server without test commands). */
static bool
fail_times (const char *base, const char *app, const char *cmd, int code, const char *labels, int times)
{
   char json[600];
   bson_error_t error;
   bson_t *command;
   bool ok;

   snprintf (json, sizeof json,
             "{\"configureFailPoint\": \"failCommand\", \"mode\": {\"times\": %d}, \"data\": "
             "{\"failCommands\": [\"%s\"], \"errorCode\": %d, \"appName\": \"%s\"%s%s}}",
             times, cmd, code, app, labels ? ", \"errorLabels\": " : "", labels ? labels : "");
   command = fixture_json (json);
   ok = admin_command (base, command, &error);
   bson_destroy (command);
   return ok;
}

static bool
fail_next (const char *base, const char *app, const char *cmd, int code, const char *labels)
{
   return fail_times (base, app, cmd, code, labels, 1);
}

static void
fail_off (const char *base)
{
   bson_t *command = fixture_json ("{\"configureFailPoint\": \"failCommand\", \"mode\": \"off\"}");
   bson_error_t error;

   admin_command (base, command, &error);
   bson_destroy (command);
}

/* Makes the test server stop at the (skip + 1)-th insert from clients
 * called app, before or after applying it, without answering. */
static void
stop_at_insert (const char *base, const char *app, int skip, bool after_applying)
{
   char json[400];
   bson_error_t error;
   bson_t *command;

   snprintf (json, sizeof json,
             "{\"configureFailPoint\": \"docrelStopServer\", \"mode\": {\"skip\": %d}, \"data\": "
             "{\"failCommands\": [\"insert\"], \"afterApplying\": %s, \"appName\": \"%s\"}}",
             skip, after_applying ? "true" : "false", app);
   command = fixture_json (json);
   ck_assert_msg (admin_command (base, command, &error), "docrelStopServer: %s", error.message);
   bson_destroy (command);
}

static void
drop_db (const char *base, const char *db)
{
   mongoc_client_t *client;
   mongoc_database_t *database;
   bson_error_t error;

   mongoc_init ();
   client = mongoc_client_new (base);
   if (client) {
      database = mongoc_client_get_database (client, db);
      mongoc_database_drop (database, &error);
      mongoc_database_destroy (database);
      mongoc_client_destroy (client);
   }
}

#define ASSERT_SERVER_CODE(error, expected)                                                                            \
   ck_assert_msg ((error).domain == DOCREL_ERROR_SERVER && (error).code == (uint32_t) (expected),                      \
                  "expected a server error with code %d, got domain %u code %u: %s", (int) (expected), (error).domain, \
                  (error).code, (error).message)

/* ---- connecting ------------------------------------------------------ */

/* A loopback port nothing listens on. */
static int
closed_port (void)
{
   struct sockaddr_in addr;
   socklen_t len = sizeof addr;
   int fd = socket (AF_INET, SOCK_STREAM, 0);
   int port;

   memset (&addr, 0, sizeof addr);
   addr.sin_family = AF_INET;
   addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
   ck_assert (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0);
   ck_assert (getsockname (fd, (struct sockaddr *) &addr, &len) == 0);
   port = ntohs (addr.sin_port);
   close (fd);
   return port;
}

static double
now (void)
{
   struct timespec ts;
   clock_gettime (CLOCK_MONOTONIC, &ts);
   return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

START_TEST (open_on_a_refused_port_is_a_clear_store_error_within_the_timeout)
{
   char uri[200];
   char where[64];
   bson_error_t error;
   docrel_store_t *store;
   double start;
   int port = closed_port ();

   snprintf (uri, sizeof uri, "mongodb://127.0.0.1:%d/app?serverSelectionTimeoutMS=700", port);
   snprintf (where, sizeof where, "127.0.0.1:%d", port);
   start = now ();
   store = docrel_store_open (uri, &error);
   ck_assert_ptr_null (store);
   ck_assert_msg (now () - start < 10.0, "open took %.1f s", now () - start);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_BACKEND);
   ASSERT_MENTIONS (error, "cannot reach MongoDB");
   ASSERT_MENTIONS (error, where);
}
END_TEST

START_TEST (credentials_stay_out_of_error_messages)
{
   char uri[200];
   bson_error_t error;

   snprintf (uri, sizeof uri, "mongodb://ann:s3cret@127.0.0.1:%d/app?serverSelectionTimeoutMS=300", closed_port ());
   ck_assert_ptr_null (docrel_store_open (uri, &error));
   ck_assert_msg (strstr (error.message, "s3cret") == NULL, "%s", error.message);
}
END_TEST

START_TEST (a_malformed_uri_is_an_invalid_uri_error)
{
   bson_error_t error;

   ck_assert_ptr_null (docrel_store_open ("mongodb://h/d.b", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_INVALID_URI);
   ASSERT_MENTIONS (error, "mongodb://h/d.b");
}
END_TEST

/* ---- server errors, one per kind of command -------------------------- */

/* A store whose Item model is in use (its collection and index made) and
 * holds items 1..3, plus Owner 1 owning them (hasMany "items"). */
typedef struct {
   const char *base;
   char app[64];
   char db[64];
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *item, *owner;
} failing_t;

static bool
failing_open (failing_t *t)
{
   static const char *const owners[] = {"{\"_id\": 1}", NULL};
   static const char *const items[] = {"{\"_id\": 1, \"ownerId\": 1, \"n\": 1}",
                                       "{\"_id\": 2, \"ownerId\": 1, \"n\": 2}",
                                       "{\"_id\": 3, \"ownerId\": 1, \"n\": 3}", NULL};

   memset (t, 0, sizeof *t);
   t->base = error_server ();
   if (!t->base) {
      return false;
   }
   snprintf (t->app, sizeof t->app, "docrel-fail-%ld", (long) getpid ());
   t->store = open_on (t->base, t->app, t->db, sizeof t->db);
   t->item = fixture_keyed_model (t->store, "Item");
   t->owner = fixture_keyed_model (t->store, "Owner");
   fixture_add_field (t->item, "ownerId", DOCREL_TYPE_ANY, NULL);
   fixture_declare (docrel_model_has_many, t->owner, t->item, "items", "_id", "ownerId", NULL);
   fixture_seed (t->store, t->owner, owners);
   fixture_seed (t->store, t->item, items);
   t->session = docrel_session_new (t->store);
   return true;
}

static void
failing_close (failing_t *t)
{
   docrel_session_destroy (t->session);
   docrel_store_destroy (t->store);
   fail_off (t->base);
   drop_db (t->base, t->db);
}

/* Arms the fail point; false (the test is skipped) without fail points. */
static bool
arm (failing_t *t, const char *cmd, int code)
{
   bool ok = fail_next (t->base, t->app, cmd, code, NULL);

   ck_assert_msg (ok || getenv ("DOCREL_TEST_MONGODB_URI"), "the test server refused the fail point");
   return ok;
}

START_TEST (a_failed_insert_reaches_the_caller_with_the_server_code)
{
   failing_t t;
   bson_error_t error;
   docrel_doc_t *doc;

   if (!failing_open (&t)) {
      return;
   }
   if (arm (&t, "insert", 2)) {
      doc = fixture_new_doc (t.session, t.item, "{\"_id\": 4}");
      ck_assert (!docrel_save (doc, &error));
      ASSERT_SERVER_CODE (error, 2);
      ASSERT_MENTIONS (error, "Item");
      ck_assert (!docrel_doc_is_saved (doc));
      ASSERT_OK (docrel_save (doc, &error), error); /* the fail point fired once */
      ck_assert_int_eq (fixture_count_all (t.store, t.item), 4);
   }
   failing_close (&t);
}
END_TEST

START_TEST (a_failed_update_reaches_the_caller_with_the_server_code)
{
   failing_t t;
   bson_error_t error;
   bson_value_t key = fixture_int_key (1);
   docrel_doc_t *doc = NULL;

   if (!failing_open (&t)) {
      return;
   }
   ASSERT_OK (docrel_get (t.session, t.item, &key, NULL, &doc, &error), error);
   ASSERT_OK (docrel_doc_set_int32 (doc, "n", 10, &error), error);
   if (arm (&t, "update", 8)) {
      ck_assert (!docrel_save (doc, &error));
      ASSERT_SERVER_CODE (error, 8);
      ck_assert (docrel_doc_is_dirty (doc));
   }
   failing_close (&t);
}
END_TEST

START_TEST (a_failed_delete_reaches_the_caller_with_the_server_code)
{
   failing_t t;
   bson_error_t error;
   bson_value_t key = fixture_int_key (2);
   docrel_doc_t *doc = NULL;

   if (!failing_open (&t)) {
      return;
   }
   ASSERT_OK (docrel_get (t.session, t.item, &key, NULL, &doc, &error), error);
   if (arm (&t, "delete", 14)) {
      ck_assert (!docrel_delete (doc, &error));
      ASSERT_SERVER_CODE (error, 14);
      ck_assert_int_eq (fixture_count_all (t.store, t.item), 3);
   }
   failing_close (&t);
}
END_TEST

START_TEST (a_failed_find_reaches_the_caller_with_the_server_code)
{
   failing_t t;
   bson_error_t error;
   docrel_doc_t **docs = NULL;
   size_t n = 0;

   if (!failing_open (&t)) {
      return;
   }
   if (arm (&t, "find", 16)) {
      ck_assert (!docrel_find_all (t.session, t.item, NULL, NULL, &docs, &n, &error));
      ASSERT_SERVER_CODE (error, 16);
      ASSERT_MENTIONS (error, "Item");
      ck_assert_ptr_null (docs);
   }
   failing_close (&t);
}
END_TEST

START_TEST (a_failed_get_more_reaches_the_caller_with_the_server_code)
{
   failing_t t;
   bson_error_t error;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc;
   bson_t *opts = fixture_json ("{\"batchSize\": 2}");
   int seen = 0;

   if (!failing_open (&t)) {
      bson_destroy (opts);
      return;
   }
   if (arm (&t, "getMore", 43)) {
      /* the first batch comes; the cursor stops with the code at the next */
      cursor = docrel_find (t.session, t.item, NULL, opts, &error);
      ck_assert_msg (cursor != NULL, "%s", error.message);
      while (docrel_cursor_next (cursor, &doc)) {
         seen++;
      }
      ck_assert_int_eq (seen, 2);
      ck_assert (docrel_cursor_error (cursor, &error));
      ASSERT_SERVER_CODE (error, 43);
      ASSERT_MENTIONS (error, "Item");
      docrel_cursor_destroy (cursor);
   }
   bson_destroy (opts);
   failing_close (&t);
}
END_TEST

START_TEST (a_failed_aggregate_reaches_the_caller_with_the_server_code)
{
   failing_t t;
   bson_error_t error;
   bson_t *opts = fixture_json ("{\"join\": {\"items\": {\"$sort\": {\"n\": -1}, \"$limit\": 2}}}");
   docrel_doc_t **docs = NULL;
   size_t n = 0;

   if (!failing_open (&t)) {
      bson_destroy (opts);
      return;
   }
   if (arm (&t, "aggregate", 40)) {
      ck_assert (!docrel_find_all (t.session, t.owner, NULL, opts, &docs, &n, &error));
      ASSERT_SERVER_CODE (error, 40);
   }
   bson_destroy (opts);
   failing_close (&t);
}
END_TEST

START_TEST (a_failed_count_reaches_the_caller_with_the_server_code)
{
   failing_t t;
   bson_error_t error;
   int64_t count = -1;

   if (!failing_open (&t)) {
      return;
   }
   /* countDocuments is an aggregate */
   if (arm (&t, "aggregate", 22)) {
      ck_assert (!docrel_count (t.session, t.item, NULL, NULL, &count, &error));
      ASSERT_SERVER_CODE (error, 22);
   }
   failing_close (&t);
}
END_TEST

START_TEST (a_failed_create_indexes_reaches_the_caller_with_the_server_code)
{
   failing_t t;
   bson_error_t error;
   docrel_model_t *tagged;
   docrel_session_t *session;
   docrel_doc_t *doc;

   if (!failing_open (&t)) {
      return;
   }
   tagged = fixture_keyed_model (t.store, "Tagged");
   fixture_unique_index (tagged, "{\"label\": 1}");
   if (arm (&t, "createIndexes", 67)) {
      session = docrel_session_new (t.store);
      doc = docrel_doc_new_from_json (session, tagged, "{\"_id\": 1, \"label\": \"x\"}", &error);
      ck_assert (doc == NULL || !docrel_save (doc, &error));
      ASSERT_SERVER_CODE (error, 67);
      ASSERT_MENTIONS (error, "label_1");
      docrel_session_destroy (session);
   }
   failing_close (&t);
}
END_TEST

/* ---- the server stopped during a write --------------------------------- */

#define N_WRITERS_BATCH 2000

typedef struct {
   docrel_store_t *store;
   docrel_model_t *model;
   bson_error_t error;
   int batches_done;
   bool failed;
} writer_t;

/* Inserts batches of documents (one insert command each, through
 * save_all_many) until one fails. */
static void *
write_until_failure (void *arg)
{
   writer_t *w = arg;
   docrel_doc_t **docs = bson_malloc (N_WRITERS_BATCH * sizeof *docs);

   for (int b = 0; b < 400 && !w->failed; b++) {
      docrel_session_t *session = docrel_session_new (w->store);

      for (int i = 0; i < N_WRITERS_BATCH; i++) {
         char json[128];

         snprintf (json, sizeof json, "{\"_id\": %d, \"pad\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
                   b * N_WRITERS_BATCH + i);
         docs[i] = docrel_doc_new_from_json (session, w->model, json, &w->error);
      }
      if (!docrel_save_all_many (docs, N_WRITERS_BATCH, NULL, NULL, NULL, &w->error)) {
         w->failed = true;
         for (int i = 0; i < N_WRITERS_BATCH; i++) {
            /* outside a transaction a prefix may be written; the flags of
             * the batch stay as they were before the call */
            ck_assert (!docrel_doc_is_saved (docs[i]));
         }
      } else {
         w->batches_done++;
      }
      docrel_session_destroy (session);
   }
   bson_free (docs);
   return NULL;
}

START_TEST (the_server_stopped_during_writes_gives_a_clear_error_and_no_crash)
{
   server_t server;
   writer_t w;
   pthread_t thread;
   char db[64];

   if (!server_start (&server, NULL)) {
      return; /* no control script: nothing to stop */
   }
   memset (&w, 0, sizeof w);
   w.store = open_on (server.uri, "docrel-stop", db, sizeof db);
   w.model = fixture_keyed_model (w.store, "Row");
   ck_assert (pthread_create (&thread, NULL, write_until_failure, &w) == 0);
   nanosleep (&(struct timespec){0, 300 * 1000 * 1000}, NULL);
   server_stop (&server);
   ck_assert (pthread_join (thread, NULL) == 0);
   ck_assert_msg (w.failed, "every write succeeded (%d batches)", w.batches_done);
   ck_assert_msg (w.error.domain == DOCREL_ERROR_STORE || w.error.domain == DOCREL_ERROR_SERVER, "domain %u: %s",
                  w.error.domain, w.error.message);
   ck_assert_msg (strlen (w.error.message) > 0, "no message");
   docrel_store_destroy (w.store);
}
END_TEST

START_TEST (a_call_after_the_server_stopped_fails_within_the_selection_timeout)
{
   server_t server;
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
   docrel_doc_t *doc;
   bson_error_t error;
   char db[64];
   double start;

   if (!server_start (&server, NULL)) {
      return;
   }
   store = open_on (server.uri, "docrel-gone", db, sizeof db);
   model = fixture_keyed_model (store, "Thing");
   session = docrel_session_new (store);
   fixture_saved_doc (session, model, "{\"_id\": 1}");
   server_stop (&server);
   doc = fixture_new_doc (session, model, "{\"_id\": 2}");
   start = now ();
   ck_assert (!docrel_save (doc, &error));
   ck_assert_msg (now () - start < 20.0, "took %.1f s", now () - start);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_BACKEND);
   ck_assert (!docrel_doc_is_saved (doc));
   docrel_session_destroy (session);
   docrel_store_destroy (store);
}
END_TEST

/* ---- transactions ---------------------------------------------------- */

/* An author with two new posts, saved with save_all on shared's server. */
typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author, *post;
   docrel_doc_t *root;
   char db[64];
} graph_t;

static void
graph_open_on (graph_t *t, const char *base, const char *app)
{
   bson_error_t error;
   docrel_doc_t *post;

   memset (t, 0, sizeof *t);
   t->store = open_on (base, app, t->db, sizeof t->db);
   t->author = fixture_keyed_model (t->store, "Author");
   t->post = fixture_keyed_model (t->store, "Post");
   fixture_add_field (t->post, "authorId", DOCREL_TYPE_ANY, NULL);
   fixture_declare (docrel_model_has_many, t->author, t->post, "posts", "_id", "authorId", NULL);
   /* first use of both models before any transaction */
   ck_assert_int_eq (fixture_count_all (t->store, t->author), 0);
   ck_assert_int_eq (fixture_count_all (t->store, t->post), 0);
   t->session = docrel_session_new (t->store);
   t->root = fixture_new_doc (t->session, t->author, "{\"_id\": 1}");
   for (int i = 0; i < 2; i++) {
      char json[64];

      snprintf (json, sizeof json, "{\"_id\": %d}", 10 + i);
      post = fixture_new_doc (t->session, t->post, json);
      ASSERT_OK (docrel_doc_add_related (t->root, "posts", post, &error), error);
   }
}

static bool
graph_open (graph_t *t, const char *app)
{
   if (!shared.running) {
      return false;
   }
   graph_open_on (t, shared.uri, app);
   return true;
}

static void
graph_close (graph_t *t)
{
   docrel_session_destroy (t->session);
   docrel_store_destroy (t->store);
   fail_off (shared.uri);
   drop_db (shared.uri, t->db);
}

START_TEST (save_all_on_a_replica_set_runs_in_one_transaction)
{
   graph_t t;
   docrel_store_stats_t stats;
   bson_error_t error;

   if (!graph_open (&t, "docrel-txn")) {
      return;
   }
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_save_all (t.root, NULL, NULL, NULL, &error), error);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.transactions, 1);
   ck_assert_int_eq (fixture_count_all (t.store, t.post), 2);
   ck_assert_int_eq (fixture_count_all (t.store, t.author), 1);
   graph_close (&t);
}
END_TEST

START_TEST (a_transient_error_in_a_transaction_is_retried_once_without_duplicates)
{
   graph_t t;
   docrel_store_stats_t stats;
   bson_error_t error;

   if (!graph_open (&t, "docrel-transient")) {
      return;
   }
   /* The first insert of the transaction fails, labelled as MongoDB labels
    * a write conflict: the transaction runs again, as withTransaction does. */
   ck_assert (fail_next (shared.uri, "docrel-transient", "insert", 112, "[\"TransientTransactionError\"]"));
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_save_all (t.root, NULL, NULL, NULL, &error), error);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.transactions, 2);
   ck_assert (docrel_doc_is_saved (t.root));
   ck_assert_int_eq (fixture_count_all (t.store, t.author), 1);
   ck_assert_int_eq (fixture_count_all (t.store, t.post), 2);
   graph_close (&t);
}
END_TEST

START_TEST (after_a_commit_with_an_unknown_outcome_saving_again_writes_no_duplicates)
{
   graph_t t;
   docrel_store_stats_t stats;
   bson_error_t error;

   if (!graph_open (&t, "docrel-commit-unknown")) {
      return;
   }
   /* Every commitTransaction fails as one whose outcome is unknown, more
    * times than docrel and libmongoc retry it. */
   ck_assert (fail_times (shared.uri, "docrel-commit-unknown", "commitTransaction", 91,
                          "[\"UnknownTransactionCommitResult\"]", 50));
   ck_assert (!docrel_save_all (t.root, NULL, NULL, NULL, &error));
   ASSERT_MENTIONS (error, "UnknownTransactionCommitResult");
   ck_assert (!docrel_doc_is_saved (t.root) && docrel_doc_is_in_doubt (t.root));
   fail_off (shared.uri);
   /* The documents may be stored: the next save looks them up first (one
    * find per inserted model), then writes each once. */
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_save_all (t.root, NULL, NULL, NULL, &error), error);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.finds, 2);
   ck_assert_uint_eq (stats.inserts, 2);
   ck_assert (docrel_doc_is_saved (t.root));
   ck_assert_int_eq (fixture_count_all (t.store, t.author), 1);
   ck_assert_int_eq (fixture_count_all (t.store, t.post), 2);
   graph_close (&t);
}
END_TEST

/* ---- a server stopped in the middle of a call, then restarted ---------- */

/* save_all of an author and two posts on a standalone server that stops at
 * the insert of the posts (before or after applying it). The call fails
 * clearly, the flags say what is known to be written, and once the server
 * is back the same call completes with every document stored once. */
static void
save_all_across_a_restart (bool after_applying)
{
   server_t server;
   graph_t t;
   docrel_doc_t *const *posts;
   size_t n_posts = 0;
   docrel_store_stats_t stats;
   bson_error_t error;

   if (!server_start (&server, "--persist")) {
      return;
   }
   graph_open_on (&t, server.uri, "docrel-restart");
   stop_at_insert (server.uri, "docrel-restart", 1, after_applying);
   ck_assert (!docrel_save_all (t.root, NULL, NULL, NULL, &error));
   ck_assert_msg (error.domain == DOCREL_ERROR_STORE && error.code == DOCREL_ERROR_BACKEND, "%u.%u: %s", error.domain,
                  error.code, error.message);
   ASSERT_MENTIONS (error, "inserting into collection 'Post'");
   ck_assert (docrel_doc_related (t.root, "posts", &posts, &n_posts) && n_posts == 2);
   ck_assert (docrel_doc_is_saved (t.root) && !docrel_doc_is_in_doubt (t.root));
   ck_assert (!docrel_doc_is_saved (posts[0]) && !docrel_doc_is_saved (posts[1]));
   ck_assert (docrel_doc_is_in_doubt (posts[0]) && docrel_doc_is_in_doubt (posts[1]));

   server_restart (&server);
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_save_all (t.root, NULL, NULL, NULL, &error), error);
   docrel_store_stats (t.store, &stats);
   /* the posts' reply was lost: one find tells which are stored; those
    * are rewritten, the others inserted */
   ck_assert_uint_eq (stats.finds, 1);
   ck_assert_uint_eq (stats.inserts, after_applying ? 0 : 1);
   ck_assert_uint_eq (stats.updates, after_applying ? 1 : 0);
   ck_assert (docrel_doc_is_saved (posts[0]) && docrel_doc_is_saved (posts[1]));
   ck_assert (!docrel_doc_is_in_doubt (posts[0]) && !docrel_doc_is_in_doubt (posts[1]));
   ck_assert_int_eq (fixture_count_all (t.store, t.author), 1);
   ck_assert_int_eq (fixture_count_where (t.store, t.post, "{\"authorId\": 1}"), 2);
   docrel_session_destroy (t.session);
   docrel_store_destroy (t.store);
   server_stop (&server);
}

START_TEST (a_save_all_cut_by_a_server_stop_completes_after_a_restart)
{
   save_all_across_a_restart (false);
}
END_TEST

START_TEST (a_save_all_whose_reply_was_lost_completes_without_duplicates)
{
   save_all_across_a_restart (true);
}
END_TEST

START_TEST (a_save_whose_reply_was_lost_keeps_its_generated_key)
{
   server_t server;
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
   docrel_doc_t *doc;
   bson_error_t error;
   char db[64];

   if (!server_start (&server, "--persist")) {
      return;
   }
   store = open_on (server.uri, "docrel-lost-reply", db, sizeof db);
   model = fixture_model_new (store, "Note", NULL); /* ObjectId keys made by docrel */
   ck_assert_int_eq (fixture_count_all (store, model), 0);
   session = docrel_session_new (store);
   doc = fixture_new_doc (session, model, "{\"text\": \"hello\"}");
   stop_at_insert (server.uri, "docrel-lost-reply", 0, true);
   ck_assert (!docrel_save (doc, &error));
   ck_assert (!docrel_doc_is_saved (doc) && docrel_doc_is_in_doubt (doc));
   /* the key it was sent with stays, so that saving again finds it */
   ck_assert_ptr_nonnull (docrel_doc_id (doc));
   server_restart (&server);
   ASSERT_OK (docrel_save (doc, &error), error);
   ck_assert (docrel_doc_is_saved (doc));
   ck_assert_int_eq (fixture_count_all (store, model), 1);
   docrel_session_destroy (session);
   docrel_store_destroy (store);
   server_stop (&server);
}
END_TEST

START_TEST (a_standalone_server_runs_no_transaction)
{
   graph_t t;
   docrel_store_stats_t stats;
   bson_error_t error;

   if (!graph_open (&t, "docrel-standalone")) {
      return;
   }
   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_save_all (t.root, NULL, NULL, NULL, &error), error);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.transactions, 0);
   ck_assert_int_eq (fixture_count_all (t.store, t.post), 2);
   graph_close (&t);
}
END_TEST

START_TEST (a_failed_insert_on_a_standalone_says_how_many_documents_were_written)
{
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
   docrel_doc_t *docs[3];
   bson_error_t error;
   char db[64];

   if (!shared.running) {
      return;
   }
   store = open_on (shared.uri, "docrel-prefix", db, sizeof db);
   model = fixture_keyed_model (store, "Thing");
   session = docrel_session_new (store);
   fixture_saved_doc (session, model, "{\"_id\": 2}");
   docs[0] = fixture_new_doc (session, model, "{\"_id\": 1}");
   docs[1] = fixture_new_doc (session, model, "{\"_id\": 2, \"again\": true}");
   docs[2] = fixture_new_doc (session, model, "{\"_id\": 3}");
   ck_assert (!docrel_save_all_many (docs, 3, NULL, NULL, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ASSERT_MENTIONS (error, "1 of 3 documents were written before this failure");
   ASSERT_MENTIONS (error, "duplicate key in collection 'Thing' index '_id': { \"_id\" : 2 }");
   /* the ordered insert stopped at the duplicate: 1 stays, 3 was not sent,
    * and the saved flags say so */
   ck_assert_int_eq (fixture_count_all (store, model), 2);
   ck_assert (docrel_doc_is_saved (docs[0]));
   ck_assert (!docrel_doc_is_saved (docs[1]) && !docrel_doc_is_saved (docs[2]));
   /* the server answered: nothing is in doubt */
   ck_assert (!docrel_doc_is_in_doubt (docs[1]) && !docrel_doc_is_in_doubt (docs[2]));
   /* run again once the cause is gone: only what is missing is written */
   {
      bson_value_t four = fixture_int_key (4);
      docrel_store_stats_t stats;

      ASSERT_OK (docrel_doc_set_value (docs[1], "_id", &four, &error), error);
      docrel_store_stats_reset (store);
      ASSERT_OK (docrel_save_all_many (docs, 3, NULL, NULL, NULL, &error), error);
      docrel_store_stats (store, &stats);
      ck_assert_uint_eq (stats.inserts, 1);
      ck_assert_uint_eq (stats.documents_written, 2);
      ck_assert_int_eq (fixture_count_all (store, model), 4);
   }
   docrel_session_destroy (session);
   docrel_store_destroy (store);
   drop_db (shared.uri, db);
}
END_TEST

START_TEST (a_failed_update_on_a_standalone_leaves_the_unwritten_documents_dirty)
{
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
   docrel_doc_t *docs[3];
   docrel_store_stats_t stats;
   bson_error_t error;
   char db[64];

   if (!shared.running) {
      return;
   }
   store = open_on (shared.uri, "docrel-update-prefix", db, sizeof db);
   model = fixture_keyed_model (store, "Thing");
   fixture_unique_index (model, "{\"name\": 1}");
   session = docrel_session_new (store);
   fixture_saved_doc (session, model, "{\"_id\": 4, \"name\": \"taken\"}");
   docs[0] = fixture_saved_doc (session, model, "{\"_id\": 1, \"name\": \"a\"}");
   docs[1] = fixture_saved_doc (session, model, "{\"_id\": 2, \"name\": \"b\"}");
   docs[2] = fixture_saved_doc (session, model, "{\"_id\": 3, \"name\": \"c\"}");
   ASSERT_OK (docrel_doc_set_utf8 (docs[0], "name", "a2", &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (docs[1], "name", "taken", &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (docs[2], "name", "c2", &error), error);
   ck_assert (!docrel_save_all_many (docs, 3, NULL, NULL, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ASSERT_MENTIONS (error, "1 of 3 documents were written before this failure");
   /* the first update is stored and its document clean; the others not */
   ck_assert_int_eq (fixture_count_where (store, model, "{\"name\": \"a2\"}"), 1);
   ck_assert_int_eq (fixture_count_where (store, model, "{\"name\": \"c2\"}"), 0);
   ck_assert (!docrel_doc_is_field_dirty (docs[0], "name"));
   ck_assert (docrel_doc_is_field_dirty (docs[1], "name") && docrel_doc_is_field_dirty (docs[2], "name"));
   ASSERT_OK (docrel_doc_set_utf8 (docs[1], "name", "b2", &error), error);
   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_save_all_many (docs, 3, NULL, NULL, NULL, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (stats.updates, 1);
   ck_assert_uint_eq (stats.documents_written, 2);
   ck_assert_int_eq (fixture_count_where (store, model, "{\"name\": {\"$in\": [\"a2\", \"b2\", \"c2\"]}}"), 3);
   docrel_session_destroy (session);
   docrel_store_destroy (store);
   drop_db (shared.uri, db);
}
END_TEST

START_TEST (a_purge_cut_short_on_a_standalone_leaves_memory_as_the_store_is)
{
   graph_t t;
   docrel_doc_t *const *posts;
   size_t n_posts = 0;
   bson_error_t error;

   if (!graph_open (&t, "docrel-purge-part")) {
      return;
   }
   ASSERT_OK (docrel_save_all (t.root, NULL, NULL, NULL, &error), error);
   ck_assert (docrel_doc_related (t.root, "posts", &posts, &n_posts) && n_posts == 2);
   /* The posts lose their key (onDelete setNull), then the delete of the
    * author fails: without a transaction the first step stays. */
   ck_assert (fail_next (shared.uri, "docrel-purge-part", "delete", 2, NULL));
   ck_assert (!docrel_purge (t.root, &error));
   ck_assert_int_eq (fixture_count_where (t.store, t.post, "{\"authorId\": {\"$exists\": true}}"), 0);
   ck_assert (!docrel_doc_has (posts[0], "authorId") && !docrel_doc_has (posts[1], "authorId"));
   ck_assert (docrel_doc_is_saved (t.root));
   ck_assert_int_eq (fixture_count_all (t.store, t.author), 1);
   ASSERT_OK (docrel_purge (t.root, &error), error);
   ck_assert (!docrel_doc_is_saved (t.root));
   ck_assert_int_eq (fixture_count_all (t.store, t.author), 0);
   graph_close (&t);
}
END_TEST

/* ---- per-parent limits without a sort --------------------------------- */

START_TEST (a_per_parent_limit_without_sort_keeps_insertion_order_in_each_group)
{
   static const char *const owners[] = {"{\"_id\": 1}", "{\"_id\": 2}", NULL};
   static const char *const items[] = {"{\"_id\": 30, \"ownerId\": 1}", "{\"_id\": 10, \"ownerId\": 2}",
                                       "{\"_id\": 20, \"ownerId\": 1}", "{\"_id\": 5, \"ownerId\": 2}",
                                       "{\"_id\": 1, \"ownerId\": 1}",  NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *owner = fixture_keyed_model (store, "Owner");
   docrel_model_t *item = fixture_keyed_model (store, "Item");
   docrel_session_t *session;
   bson_t *opts = fixture_json ("{\"sort\": {\"_id\": 1}, \"join\": {\"items\": {\"$skip\": 1, \"$limit\": 1}}}");
   docrel_doc_t **docs = NULL;
   docrel_doc_t *const *slot;
   bson_error_t error;
   size_t n = 0;
   size_t n_slot = 0;

   fixture_add_field (item, "ownerId", DOCREL_TYPE_ANY, NULL);
   fixture_declare (docrel_model_has_many, owner, item, "items", "_id", "ownerId", NULL);
   fixture_seed (store, owner, owners);
   fixture_seed (store, item, items);
   session = docrel_session_new (store);
   ASSERT_OK (docrel_find_all (session, owner, NULL, opts, &docs, &n, &error), error);
   ck_assert_uint_eq (n, 2);
   ck_assert (docrel_doc_related (docs[0], "items", &slot, &n_slot));
   ck_assert_uint_eq (n_slot, 1);
   ck_assert_int_eq (fixture_id_of (slot[0]), 20); /* 30, 20, 1: the second */
   ck_assert (docrel_doc_related (docs[1], "items", &slot, &n_slot));
   ck_assert_uint_eq (n_slot, 1);
   ck_assert_int_eq (fixture_id_of (slot[0]), 5); /* 10, 5 */
   bson_free (docs);
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

#define N_MANY_KEYS 100000

START_TEST (a_join_on_100000_keys_takes_one_query_per_10000)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *parent = fixture_keyed_model (store, "Parent");
   docrel_model_t *child = fixture_keyed_model (store, "Child");
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t **docs = bson_malloc (2 * N_MANY_KEYS * sizeof *docs);
   bson_t *opts = fixture_json ("{\"join\": {\"children\": true}}");
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n = 0;

   fixture_add_field (child, "parentId", DOCREL_TYPE_ANY, NULL);
   fixture_declare (docrel_model_has_many, parent, child, "children", "_id", "parentId", NULL);
   for (int i = 0; i < N_MANY_KEYS; i++) {
      char json[64];

      snprintf (json, sizeof json, "{\"_id\": %d}", i);
      docs[i] = fixture_new_doc (session, parent, json);
      snprintf (json, sizeof json, "{\"_id\": %d, \"parentId\": %d}", i, N_MANY_KEYS - 1 - i);
      docs[N_MANY_KEYS + i] = fixture_new_doc (session, child, json);
   }
   ASSERT_OK (docrel_save_all_many (docs, 2 * N_MANY_KEYS, NULL, NULL, NULL, &error), error);
   docrel_session_destroy (session);
   bson_free (docs);
   docs = NULL;

   session = docrel_session_new (store);
   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_find_all (session, parent, NULL, opts, &docs, &n, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (n, N_MANY_KEYS);
   /* the parents, then ten chunks of 10,000 keys (a getMore where a reply
    * passes 16 MB would add one) */
   ck_assert_msg (stats.finds >= 11 && stats.finds <= 13, "%" PRIu64 " finds", stats.finds);
   for (size_t i = 0; i < n; i++) {
      docrel_doc_t *const *slot;
      size_t n_slot = 0;

      ck_assert (docrel_doc_related (docs[i], "children", &slot, &n_slot));
      ck_assert_uint_eq (n_slot, 1);
      ck_assert_int_eq (fixture_id_of (slot[0]), N_MANY_KEYS - 1 - fixture_id_of (docs[i]));
   }
   bson_free (docs);
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* Keys of 4 KB: 5,000 of them are 20 MB, more than one command may hold. */
#define N_LONG_KEYS 5000
#define LONG_KEY_BYTES 4000

START_TEST (a_join_on_20_mb_of_keys_splits_its_in_lists_by_size)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *parent = fixture_keyed_model (store, "Parent");
   docrel_model_t *child = fixture_model_new (store, "Child", NULL);
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t **docs = bson_malloc (2 * N_LONG_KEYS * sizeof *docs);
   bson_t *opts = fixture_json ("{\"join\": {\"children\": true}}");
   char *key = bson_malloc (LONG_KEY_BYTES + 16);
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n = 0;

   fixture_add_field (child, "parentId", DOCREL_TYPE_ANY, NULL);
   fixture_declare (docrel_model_has_many, parent, child, "children", "_id", "parentId", NULL);
   memset (key, 'k', LONG_KEY_BYTES);
   key[LONG_KEY_BYTES] = '\0';
   for (int i = 0; i < N_LONG_KEYS; i++) {
      bson_value_t id = {.value_type = BSON_TYPE_UTF8};

      snprintf (key, 16, "%06d", i);
      key[6] = 'k';
      id.value.v_utf8.str = key;
      id.value.v_utf8.len = LONG_KEY_BYTES;
      docs[i] = fixture_new_doc (session, parent, NULL);
      ASSERT_OK (docrel_doc_set_value (docs[i], "_id", &id, &error), error);
      docs[N_LONG_KEYS + i] = fixture_new_doc (session, child, NULL);
      ASSERT_OK (docrel_doc_set_value (docs[N_LONG_KEYS + i], "parentId", &id, &error), error);
   }
   ASSERT_OK (docrel_save_all_many (docs, 2 * N_LONG_KEYS, NULL, NULL, NULL, &error), error);
   docrel_session_destroy (session);
   bson_free (docs);
   docs = NULL;

   session = docrel_session_new (store);
   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_find_all (session, parent, NULL, opts, &docs, &n, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (n, N_LONG_KEYS);
   /* the parents (one find, plus getMores past 16 MB), then at least five
    * chunks of at most 4 MB of keys */
   ck_assert_msg (stats.finds >= 7, "%" PRIu64 " finds", stats.finds);
   for (size_t i = 0; i < n; i++) {
      docrel_doc_t *const *slot;
      size_t n_slot = 0;

      ck_assert (docrel_doc_related (docs[i], "children", &slot, &n_slot));
      ck_assert_uint_eq (n_slot, 1);
   }
   bson_free (docs);
   docs = NULL;
   /* Filtering by related documents puts their keys into the query itself,
    * which cannot be split: past what a query holds, a clear error. */
   bson_destroy (opts);
   opts = fixture_json ("{\"related\": {\"children\": {}}}");
   ck_assert (!docrel_find_all (session, parent, NULL, opts, &docs, &n, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
   ASSERT_MENTIONS (error, "option 'related' at 'children'");
   ASSERT_MENTIONS (error, "narrow the filter");
   bson_free (docs);
   bson_free (key);
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (explain_shows_the_find_or_aggregate_command)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *item = fixture_keyed_model (store, "Item");
   docrel_session_t *session = docrel_session_new (store);
   bson_t *filter = fixture_json ("{\"n\": {\"$gt\": 1}}");
   bson_t *opts = fixture_json ("{\"sort\": {\"n\": -1}, \"skip\": 1, \"limit\": 5, \"projection\": {\"n\": 1}}");
   bson_t out;
   bson_error_t error;
   char *json;

   ASSERT_OK (docrel_explain (session, item, filter, opts, &out, &error), error);
   json = bson_as_relaxed_extended_json (&out, NULL);
   ck_assert_msg (strstr (json, "\"backend\" : \"mongodb\"") && strstr (json, "\"find\" : \"Item\"") &&
                     strstr (json, "\"filter\" : { \"n\" : { \"$gt\" : 1 } }") &&
                     strstr (json, "\"sort\" : { \"n\" : -1 }") && strstr (json, "\"limit\" : 5") &&
                     strstr (json, "\"skip\" : 1") && strstr (json, "\"projection\" : { \"n\" : 1 }"),
                  "%s", json);
   bson_free (json);
   bson_destroy (&out);
   bson_destroy (filter);
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

static Suite *
mongodb_suite (void)
{
   Suite *s = suite_create ("mongodb");
   TCase *tc;

   if (strcmp (fixture_kind (), "mongodb") != 0) {
      return s; /* nothing to check on the embedded store */
   }
   tc = tcase_create ("connecting");
   tcase_set_timeout (tc, 60);
   tcase_add_test (tc, open_on_a_refused_port_is_a_clear_store_error_within_the_timeout);
   tcase_add_test (tc, credentials_stay_out_of_error_messages);
   tcase_add_test (tc, a_malformed_uri_is_an_invalid_uri_error);
   suite_add_tcase (s, tc);

   tc = tcase_create ("server_errors");
   tcase_set_timeout (tc, 60);
   if (!getenv ("DOCREL_TEST_MONGODB_URI")) {
      tcase_add_unchecked_fixture (tc, shared_start, shared_stop);
   }
   tcase_add_test (tc, a_failed_insert_reaches_the_caller_with_the_server_code);
   tcase_add_test (tc, a_failed_update_reaches_the_caller_with_the_server_code);
   tcase_add_test (tc, a_failed_delete_reaches_the_caller_with_the_server_code);
   tcase_add_test (tc, a_failed_find_reaches_the_caller_with_the_server_code);
   tcase_add_test (tc, a_failed_get_more_reaches_the_caller_with_the_server_code);
   tcase_add_test (tc, a_failed_aggregate_reaches_the_caller_with_the_server_code);
   tcase_add_test (tc, a_failed_count_reaches_the_caller_with_the_server_code);
   tcase_add_test (tc, a_failed_create_indexes_reaches_the_caller_with_the_server_code);
   suite_add_tcase (s, tc);

   tc = tcase_create ("server_stopped");
   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, the_server_stopped_during_writes_gives_a_clear_error_and_no_crash);
   tcase_add_test (tc, a_call_after_the_server_stopped_fails_within_the_selection_timeout);
   tcase_add_test (tc, a_save_all_cut_by_a_server_stop_completes_after_a_restart);
   tcase_add_test (tc, a_save_all_whose_reply_was_lost_completes_without_duplicates);
   tcase_add_test (tc, a_save_whose_reply_was_lost_keeps_its_generated_key);
   suite_add_tcase (s, tc);

   tc = tcase_create ("transactions");
   tcase_set_timeout (tc, 60);
   tcase_add_unchecked_fixture (tc, shared_start_replset, shared_stop);
   tcase_add_test (tc, save_all_on_a_replica_set_runs_in_one_transaction);
   tcase_add_test (tc, a_transient_error_in_a_transaction_is_retried_once_without_duplicates);
   tcase_add_test (tc, after_a_commit_with_an_unknown_outcome_saving_again_writes_no_duplicates);
   suite_add_tcase (s, tc);

   tc = tcase_create ("standalone");
   tcase_set_timeout (tc, 60);
   tcase_add_unchecked_fixture (tc, shared_start, shared_stop);
   tcase_add_test (tc, a_standalone_server_runs_no_transaction);
   tcase_add_test (tc, a_failed_insert_on_a_standalone_says_how_many_documents_were_written);
   tcase_add_test (tc, a_failed_update_on_a_standalone_leaves_the_unwritten_documents_dirty);
   tcase_add_test (tc, a_purge_cut_short_on_a_standalone_leaves_memory_as_the_store_is);
   suite_add_tcase (s, tc);

   tc = tcase_create ("queries");
   tcase_set_timeout (tc, 300);
   tcase_add_test (tc, a_join_on_100000_keys_takes_one_query_per_10000);
   tcase_add_test (tc, a_join_on_20_mb_of_keys_splits_its_in_lists_by_size);
   tcase_add_test (tc, a_per_parent_limit_without_sort_keeps_insertion_order_in_each_group);
   tcase_add_test (tc, explain_shows_the_find_or_aggregate_command);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (mongodb_suite ());
}
