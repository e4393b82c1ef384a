/* SPDX-License-Identifier: Apache-2.0 */
/* check_deadline.c: the URI option docrelTimeoutMS bounds each MongoDB
 * command (docs/mongodb.md, "Timeouts"): opening against a port that accepts
 * and never answers fails within it, naming serverSelectionTimeoutMS; a
 * reply the test server holds back (failCommand blockConnection) fails the
 * call within it (twice it for a read libmongoc retries once), naming
 * socketTimeoutMS; a bad value is refused naming the option. MongoDB only:
 * on the SQLite kinds the suite checks nothing. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mongoc/mongoc.h>

#include "fixture.h"

static bool
mongodb_kind (void)
{
   return strcmp (fixture_kind (), "mongodb") == 0;
}

static double
now (void)
{
   struct timespec ts;

   clock_gettime (CLOCK_MONOTONIC, &ts);
   return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

START_TEST (open_fails_within_the_deadline_naming_it)
{
   char uri[128];
   bson_error_t error;
   docrel_store_t *store;
   double start;
   int fd;

   if (!mongodb_kind ()) {
      return;
   }
   snprintf (uri, sizeof uri, "mongodb://127.0.0.1:%d/shop?docrelTimeoutMS=1000", fixture_silent_port (&fd));
   start = now ();
   store = docrel_store_open (uri, &error);
   ck_assert_ptr_null (store);
   ck_assert_double_lt (now () - start, 3.0);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ASSERT_MENTIONS (error, "serverSelectionTimeoutMS=1000 (connectTimeoutMS=1000)");
   ck_assert_msg (strstr (error.message, "docrelTimeoutMS") == NULL, "%s", error.message);
   close (fd);
}
END_TEST

START_TEST (a_bad_deadline_is_refused_naming_the_option)
{
   static const char *const bad[] = {"abc", "0", "-5", "12x", "", "99999999999"};
   char uri[128];
   bson_error_t error;

   if (!mongodb_kind ()) {
      return;
   }
   for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      snprintf (uri, sizeof uri, "mongodb://127.0.0.1:1/shop?appName=x&docrelTimeoutMS=%s", bad[i]);
      ck_assert_ptr_null (docrel_store_open (uri, &error));
      ck_assert_uint_eq (error.code, DOCREL_ERROR_INVALID_URI);
      ASSERT_MENTIONS (error, "docrelTimeoutMS");
   }
}
END_TEST

/* Runs command on base's admin database through a client of its own. */
static void
admin_command (const char *json)
{
   bson_t *command = fixture_json (json);
   mongoc_client_t *client = mongoc_client_new (fixture_mongodb_uri ());
   bson_error_t error;
   bson_t reply;

   ck_assert_ptr_nonnull (client);
   ck_assert_msg (mongoc_client_command_simple (client, "admin", command, NULL, &reply, &error), "%s: %s", json,
                  error.message);
   bson_destroy (&reply);
   mongoc_client_destroy (client);
   bson_destroy (command);
}

/* The fixture's server with database db and extra options. */
static void
uri_with (const char *db, const char *extra, char *out, size_t size)
{
   const char *base = fixture_mongodb_uri ();
   const char *q = strchr (base, '?');
   int host_len = (int) (q ? q - base : (ptrdiff_t) strlen (base));

   if (host_len > 0 && base[host_len - 1] == '/') {
      host_len--;
   }
   snprintf (out, size, "%.*s/%s?%s%s%s", host_len, base, db, q ? q + 1 : "", q ? "&" : "", extra);
}

START_TEST (a_stalled_reply_fails_within_the_deadline_naming_it)
{
   char uri[1024], db[64];
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
   docrel_doc_t **docs = NULL;
   bson_error_t error;
   size_t n = 0;
   double start, took;

   if (!mongodb_kind ()) {
      return;
   }
   snprintf (db, sizeof db, "docrel_deadline_%ld", (long) getpid ());
   uri_with (db, "docrelTimeoutMS=1000&appName=docrel-deadline", uri, sizeof uri);
   store = docrel_store_open (uri, &error);
   ck_assert_msg (store != NULL, "%s: %s", uri, error.message);
   model = fixture_keyed_model (store, "Slow");
   ck_assert_int_eq (fixture_count_all (store, model), 0); /* the collection exists */
   admin_command ("{\"configureFailPoint\": \"failCommand\", \"mode\": \"alwaysOn\", \"data\": {\"failCommands\": "
                  "[\"find\"], \"blockConnection\": true, \"blockTimeMS\": 5000, \"appName\": \"docrel-deadline\"}}");
   session = docrel_session_new (store);
   start = now ();
   ck_assert (!docrel_find_all (session, model, NULL, NULL, &docs, &n, &error));
   took = now () - start;
   admin_command ("{\"configureFailPoint\": \"failCommand\", \"mode\": \"off\"}");
   ck_assert_double_ge (took, 0.9);
   ck_assert_double_lt (took, 3.0); /* libmongoc retries a read once */
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ASSERT_MENTIONS (error, "socketTimeoutMS");
   docrel_session_destroy (session);
   docrel_store_destroy (store);
}
END_TEST

static Suite *
deadline_suite (void)
{
   Suite *s = suite_create ("deadline");
   TCase *tc = tcase_create ("core");

   tcase_set_timeout (tc, 60);
   tcase_add_test (tc, open_fails_within_the_deadline_naming_it);
   tcase_add_test (tc, a_bad_deadline_is_refused_naming_the_option);
   tcase_add_test (tc, a_stalled_reply_fails_within_the_deadline_naming_it);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (deadline_suite ());
}
