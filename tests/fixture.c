/* SPDX-License-Identifier: Apache-2.0 */
/* fixture.c: the store each behaviour test runs against (see fixture.h). */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <mongoc/mongoc.h>

static char fixture_path[512];
static int fixture_counter;
static char fixture_db[64];       /* mongodb: the test's own database */
static char fixture_db_uri[1024]; /* mongodb: the base URI with that database */

const char *
fixture_kind (void)
{
   const char *kind = getenv ("DOCREL_TEST_STORE");
   if (!kind || !*kind) {
      return "memory";
   }
   if (strncmp (kind, "mongodb://", 10) == 0) {
      return "mongodb";
   }
   return kind;
}

docrel_store_t *
fixture_store_open_uri (const char *uri)
{
   bson_error_t error;
   docrel_store_t *store = docrel_store_open (uri, &error);
   ck_assert_msg (store != NULL, "cannot open %s: %s", uri, error.message);
   return store;
}

void
fixture_remove_sqlite_files (const char *path)
{
   static const char *const sides[] = {"", "-wal", "-shm", "-journal"};

   for (size_t i = 0; path[0] && i < sizeof sides / sizeof sides[0]; i++) {
      char *side = bson_strdup_printf ("%s%s", path, sides[i]);

      unlink (side);
      bson_free (side);
   }
}

static void
remove_files (void)
{
   fixture_remove_sqlite_files (fixture_path);
}

void
fixture_temp_sqlite (const char *tag, char *path, size_t path_size, char *uri, size_t uri_size)
{
   const char *tmp = getenv ("TMPDIR");

   snprintf (path, path_size, "%s/docrel-%s-%ld-%d.db", tmp && *tmp ? tmp : "/tmp", tag, (long) getpid (),
             fixture_counter++);
   fixture_remove_sqlite_files (path);
   if (uri) {
      snprintf (uri, uri_size, "sqlite://%s", path);
   }
}

const char *
fixture_mongodb_uri (void)
{
   static char uri[1024];
   const char *env = getenv ("DOCREL_TEST_MONGODB_URI");
   const char *store = getenv ("DOCREL_TEST_STORE");
   const char *file = getenv ("DOCREL_TEST_MONGODB_URI_FILE");
   FILE *f;

   if (env && *env) {
      return env;
   }
   if (store && strncmp (store, "mongodb://", 10) == 0) {
      return store;
   }
   if (!uri[0]) {
      ck_assert_msg (file && *file, "kind mongodb needs DOCREL_TEST_MONGODB_URI or DOCREL_TEST_MONGODB_URI_FILE");
      f = fopen (file, "r");
      ck_assert_msg (f != NULL, "cannot read %s (is the test server running?)", file);
      ck_assert_msg (fgets (uri, sizeof uri, f) != NULL, "%s is empty", file);
      fclose (f);
      uri[strcspn (uri, "\r\n")] = '\0';
   }
   return uri;
}

/* base with its database (the path) replaced by db. */
static void
mongodb_uri_with_db (const char *base, const char *db, char *out, size_t size)
{
   const char *hosts = strstr (base, "://");
   const char *end;
   const char *query;

   ck_assert_msg (hosts != NULL, "not a MongoDB URI: %s", base);
   hosts += 3;
   end = hosts + strcspn (hosts, "/?");
   query = strchr (end, '?');
   snprintf (out, size, "%.*s/%s%s", (int) (end - base), base, db, query ? query : "");
}

/* Drops the test's database through a client of its own. */
static void
mongodb_drop (void)
{
   mongoc_client_t *client;
   mongoc_database_t *db;
   bson_error_t error;

   if (!fixture_db[0]) {
      return;
   }
   mongoc_init (); /* once per process; docrel did it already */
   client = mongoc_client_new (fixture_db_uri);
   if (client) {
      mongoc_client_set_error_api (client, MONGOC_ERROR_API_VERSION_2);
      db = mongoc_client_get_database (client, fixture_db);
      mongoc_database_drop (db, &error); /* best effort: the server may be gone */
      mongoc_database_destroy (db);
      mongoc_client_destroy (client);
   }
   fixture_db[0] = '\0';
}

docrel_store_t *
fixture_store_open (void)
{
   const char *kind = fixture_kind ();
   char uri[600];

   if (strcmp (kind, "memory") == 0) {
      return fixture_store_open_uri ("sqlite::memory:");
   }
   if (strcmp (kind, "file") == 0) {
      fixture_temp_sqlite ("test", fixture_path, sizeof fixture_path, uri, sizeof uri);
      return fixture_store_open_uri (uri);
   }
   if (strcmp (kind, "mongodb") == 0) {
      snprintf (fixture_db, sizeof fixture_db, "docrel_test_%ld_%d", (long) getpid (), fixture_counter++);
      mongodb_uri_with_db (fixture_mongodb_uri (), fixture_db, fixture_db_uri, sizeof fixture_db_uri);
      return fixture_store_open_uri (fixture_db_uri);
   }
   ck_abort_msg ("unknown DOCREL_TEST_STORE '%s'", kind);
   return NULL;
}

docrel_store_t *
fixture_store_reopen (docrel_store_t *store)
{
   char uri[600];
   docrel_store_destroy (store);
   if (strcmp (fixture_kind (), "mongodb") == 0) {
      return fixture_store_open_uri (fixture_db_uri);
   }
   if (strcmp (fixture_kind (), "file") != 0) {
      return NULL;
   }
   snprintf (uri, sizeof uri, "sqlite://%s", fixture_path);
   return fixture_store_open_uri (uri);
}

docrel_store_t *
fixture_store_open_second (void)
{
   char uri[600];

   if (strcmp (fixture_kind (), "mongodb") == 0) {
      return fixture_store_open_uri (fixture_db_uri);
   }
   if (strcmp (fixture_kind (), "file") != 0) {
      return NULL;
   }
   snprintf (uri, sizeof uri, "sqlite://%s", fixture_path);
   return fixture_store_open_uri (uri);
}

void
fixture_store_close (docrel_store_t *store)
{
   docrel_store_destroy (store);
   remove_files ();
   fixture_path[0] = '\0';
   mongodb_drop ();
}

bson_t *
fixture_json (const char *json)
{
   bson_error_t error;
   bson_t *b = bson_new_from_json ((const uint8_t *) json, -1, &error);
   ck_assert_msg (b != NULL, "bad JSON in test: %s: %s", json, error.message);
   return b;
}

docrel_model_t *
fixture_model_new (docrel_store_t *store, const char *name, const char *opts_json)
{
   bson_error_t error;
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   docrel_model_t *model = docrel_model_new (store, name, opts, &error);

   ck_assert_msg (model != NULL, "docrel_model_new (%s, %s): %s", name, opts_json ? opts_json : "NULL", error.message);
   bson_destroy (opts);
   return model;
}

docrel_model_t *
fixture_keyed_model (docrel_store_t *store, const char *name)
{
   return fixture_model_new (store, name, "{\"primaryKey\": \"caller\"}");
}

void
fixture_add_field (docrel_model_t *model, const char *name, docrel_type_t type, const char *opts_json)
{
   bson_error_t error;
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;

   ck_assert_msg (docrel_model_add_field (model, name, type, opts, &error), "add_field %s %s: %s", name,
                  opts_json ? opts_json : "", error.message);
   bson_destroy (opts);
}

void
fixture_unique_index (docrel_model_t *model, const char *keys_json)
{
   bson_error_t error;
   bson_t *keys = fixture_json (keys_json);
   bson_t *opts = fixture_json ("{\"unique\": true}");

   ck_assert_msg (docrel_model_add_index (model, keys, opts, &error), "index %s: %s", keys_json, error.message);
   bson_destroy (keys);
   bson_destroy (opts);
}

docrel_doc_t *
fixture_new_doc (docrel_session_t *session, docrel_model_t *model, const char *json)
{
   bson_error_t error;
   docrel_doc_t *doc = json ? docrel_doc_new_from_json (session, model, json, &error)
                            : docrel_doc_new (session, model, &error);

   ck_assert_msg (doc != NULL, "new doc %s: %s", json ? json : "", error.message);
   return doc;
}

docrel_doc_t *
fixture_saved_doc (docrel_session_t *session, docrel_model_t *model, const char *json)
{
   bson_error_t error;
   docrel_doc_t *doc = fixture_new_doc (session, model, json);

   ck_assert_msg (docrel_save (doc, &error), "save %s: %s", json ? json : "", error.message);
   return doc;
}

void
fixture_seed (docrel_store_t *store, docrel_model_t *model, const char *const *jsons)
{
   docrel_session_t *session = docrel_session_new (store);

   for (; *jsons; jsons++) {
      fixture_saved_doc (session, model, *jsons);
   }
   docrel_session_destroy (session);
}

int64_t
fixture_count_where (docrel_store_t *store, docrel_model_t *model, const char *filter_json)
{
   docrel_session_t *session = docrel_session_new (store);
   bson_t *filter = filter_json ? fixture_json (filter_json) : NULL;
   bson_error_t error;
   int64_t n = -1;

   ck_assert_msg (docrel_count (session, model, filter, NULL, &n, &error), "count: %s", error.message);
   if (filter) {
      bson_destroy (filter);
   }
   docrel_session_destroy (session);
   return n;
}

int64_t
fixture_count_all (docrel_store_t *store, docrel_model_t *model)
{
   return fixture_count_where (store, model, NULL);
}

docrel_doc_t *
fixture_get (docrel_session_t *session, docrel_model_t *model, int32_t id, const char *tree_json)
{
   bson_t *tree = tree_json ? fixture_json (tree_json) : NULL;
   bson_value_t key = fixture_int_key (id);
   docrel_doc_t *doc = NULL;
   bson_error_t error;

   ck_assert_msg (docrel_get (session, model, &key, tree, &doc, &error), "get %s %d with %s: %s",
                  docrel_model_name (model), id, tree_json ? tree_json : "no joins", error.message);
   if (tree) {
      bson_destroy (tree);
   }
   return doc;
}

int32_t
fixture_id_of (const docrel_doc_t *doc)
{
   ck_assert_ptr_nonnull (doc);
   ck_assert_int_eq (docrel_doc_id (doc)->value_type, BSON_TYPE_INT32);
   return docrel_doc_id (doc)->value.v_int32;
}

bson_value_t
fixture_int_key (int32_t id)
{
   bson_value_t key;

   key.value_type = BSON_TYPE_INT32;
   key.value.v_int32 = id;
   return key;
}

docrel_relation_t *
fixture_declare (fixture_declare_fn fn,
                 docrel_model_t *a,
                 docrel_model_t *b,
                 const char *field,
                 const char *left,
                 const char *right,
                 const char *opts_json)
{
   bson_error_t error;
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   docrel_relation_t *relation = fn (a, b, field, left, right, opts, &error);

   ck_assert_msg (relation != NULL, "declaring %s.%s: %s", docrel_model_name (a), field, error.message);
   bson_destroy (opts);
   return relation;
}

void
fixture_add_related (docrel_doc_t *doc, const char *field, docrel_doc_t *other)
{
   bson_error_t error;

   ASSERT_OK (docrel_doc_add_related (doc, field, other, &error), error);
}

docrel_model_t *
fixture_link_model (docrel_store_t *store, const char *name)
{
   docrel_model_t *link = docrel_store_model (store, name);

   ck_assert_msg (link != NULL, "no link model '%s'", name);
   return link;
}

int
fixture_run (Suite *suite)
{
   SRunner *runner = srunner_create (suite);
   int failed;
   srunner_run_all (runner, CK_NORMAL);
   failed = srunner_ntests_failed (runner);
   srunner_free (runner);
   return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static FILE *stderr_file;
static int stderr_saved = -1;

void
fixture_stderr_begin (void)
{
   fflush (stderr);
   stderr_file = tmpfile ();
   stderr_saved = dup (2);
   ck_assert (stderr_file && stderr_saved >= 0 && dup2 (fileno (stderr_file), 2) >= 0);
}

long
fixture_stderr_end (void)
{
   long printed;

   fflush (stderr);
   printed = ftell (stderr_file);
   dup2 (stderr_saved, 2);
   close (stderr_saved);
   fclose (stderr_file);
   stderr_saved = -1;
   return printed;
}

static void
misnumber (bson_iter_t *iter, bson_t *out, bool is_array)
{
   uint32_t i = 0;

   while (bson_iter_next (iter)) {
      const char *key = bson_iter_key (iter);
      char numkey[24];
      bson_iter_t child;
      bson_t sub;

      if (is_array) {
         snprintf (numkey, sizeof numkey, "k%u", (unsigned) i++);
         key = numkey;
      }
      if (BSON_ITER_HOLDS_ARRAY (iter) && bson_iter_recurse (iter, &child)) {
         bson_append_array_begin (out, key, -1, &sub);
         misnumber (&child, &sub, true);
         bson_append_array_end (out, &sub);
      } else if (BSON_ITER_HOLDS_DOCUMENT (iter) && bson_iter_recurse (iter, &child)) {
         bson_append_document_begin (out, key, -1, &sub);
         misnumber (&child, &sub, false);
         bson_append_document_end (out, &sub);
      } else {
         bson_append_iter (out, key, -1, iter);
      }
   }
}

/* Copies what iter has yet to visit to dst, with a '%' that starts a key
 * turned into '$'. */
static void
copy_percent_keys (bson_iter_t *iter, bson_t *dst)
{
   while (bson_iter_next (iter)) {
      const char *key = bson_iter_key (iter);
      char *dollar = key[0] == '%' ? bson_strdup_printf ("$%s", key + 1) : NULL;
      bson_iter_t child;
      bson_t sub;

      key = dollar ? dollar : key;
      if (BSON_ITER_HOLDS_ARRAY (iter) && bson_iter_recurse (iter, &child)) {
         bson_append_array_begin (dst, key, -1, &sub);
         copy_percent_keys (&child, &sub);
         bson_append_array_end (dst, &sub);
      } else if (BSON_ITER_HOLDS_DOCUMENT (iter) && bson_iter_recurse (iter, &child)) {
         bson_append_document_begin (dst, key, -1, &sub);
         copy_percent_keys (&child, &sub);
         bson_append_document_end (dst, &sub);
      } else {
         ck_assert (bson_append_value (dst, key, -1, bson_iter_value (iter)));
      }
      bson_free (dollar);
   }
}

bson_t *
fixture_json_dollar (const char *json)
{
   bson_t *parsed = fixture_json (json);
   bson_t *out = bson_new ();
   bson_iter_t iter;

   ck_assert (bson_iter_init (&iter, parsed));
   copy_percent_keys (&iter, out);
   bson_destroy (parsed);
   return out;
}

int
fixture_silent_port (int *fd)
{
   struct sockaddr_in addr;
   socklen_t len = sizeof addr;

   *fd = socket (AF_INET, SOCK_STREAM, 0);
   ck_assert_int_ge (*fd, 0);
   memset (&addr, 0, sizeof addr);
   addr.sin_family = AF_INET;
   addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
   ck_assert_int_eq (bind (*fd, (struct sockaddr *) &addr, sizeof addr), 0);
   ck_assert_int_eq (listen (*fd, 64), 0);
   ck_assert_int_eq (getsockname (*fd, (struct sockaddr *) &addr, &len), 0);
   return ntohs (addr.sin_port);
}

bson_t *
fixture_json_misnumbered (const char *json)
{
   bson_t *parsed = fixture_json (json);
   bson_t *out = bson_new ();
   bson_iter_t iter;

   ck_assert (bson_iter_init (&iter, parsed));
   misnumber (&iter, out, false);
   bson_destroy (parsed);
   return out;
}
