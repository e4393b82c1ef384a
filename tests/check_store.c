/* SPDX-License-Identifier: Apache-2.0 */
/* check_store.c: stores — the URIs docrel_store_open takes and refuses, the
 * backend name, persistence of every BSON type and of unique indexes across a
 * close and reopen, and the command counters of docrel_store_stats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

/* A fresh directory under TMPDIR (or /tmp), in buf. */
static void
make_temp_dir (char *buf, size_t size)
{
   const char *tmp = getenv ("TMPDIR");

   snprintf (buf, size, "%s/docrel-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
   ck_assert_msg (mkdtemp (buf) != NULL, "mkdtemp %s failed", buf);
}

/* Removes path and its SQLite side files, then the directory dir. */
static void
remove_db (const char *dir, const char *path)
{
   fixture_remove_sqlite_files (path);
   ck_assert_msg (rmdir (dir) == 0, "could not remove %s: files left behind", dir);
}

/* Opens uri, stores one document, closes it, checks that `file` exists,
 * reopens uri and finds the document again. */
static void
check_file_uri (const char *uri, const char *file)
{
   bson_error_t error;
   docrel_store_t *store = docrel_store_open (uri, &error);
   docrel_session_t *session;
   docrel_doc_t *doc = NULL;
   bson_value_t key;

   ck_assert_msg (store != NULL, "open %s: %s", uri, error.message);
   ck_assert_str_eq (docrel_store_backend_name (store), "sqlite");
   session = docrel_session_new (store);
   fixture_saved_doc (session, fixture_model_new (store, "Thing", "{\"primaryKey\": \"caller\"}"),
                      "{\"_id\": 1, \"v\": \"kept\"}");
   docrel_session_destroy (session);
   docrel_store_destroy (store);
   ck_assert_msg (access (file, F_OK) == 0, "%s did not create %s", uri, file);

   store = docrel_store_open (uri, &error);
   ck_assert_msg (store != NULL, "reopen %s: %s", uri, error.message);
   session = docrel_session_new (store);
   key.value_type = BSON_TYPE_INT32;
   key.value.v_int32 = 1;
   ASSERT_OK (docrel_get (session, fixture_model_new (store, "Thing", "{\"primaryKey\": \"caller\"}"), &key, NULL, &doc,
                          &error),
              error);
   ck_assert_str_eq (docrel_doc_get_utf8 (doc, "v"), "kept");
   docrel_session_destroy (session);
   docrel_store_destroy (store);
}

/* ---- URIs ------------------------------------------------------------ */

START_TEST (memory_uri_opens_a_private_empty_store)
{
   bson_error_t error;
   docrel_store_t *a = docrel_store_open ("sqlite::memory:", &error);
   docrel_store_t *b;
   docrel_session_t *session;

   ck_assert_msg (a != NULL, "%s", error.message);
   b = docrel_store_open ("sqlite::memory:", &error);
   ck_assert_msg (b != NULL, "%s", error.message);
   ck_assert_str_eq (docrel_store_backend_name (a), "sqlite");
   session = docrel_session_new (a);
   fixture_saved_doc (session, fixture_model_new (a, "Thing", NULL), "{\"v\": 1}");
   docrel_session_destroy (session);
   ck_assert_int_eq (fixture_count_all (b, fixture_model_new (b, "Thing", NULL)), 0);
   docrel_store_destroy (a);
   docrel_store_destroy (b);
}
END_TEST

START_TEST (relative_uri_opens_a_file_in_the_working_directory)
{
   char dir[512], cwd[1024], path[1100];

   ck_assert_ptr_nonnull (getcwd (cwd, sizeof cwd));
   make_temp_dir (dir, sizeof dir);
   ck_assert_int_eq (chdir (dir), 0);
   check_file_uri ("sqlite:relative.db", "relative.db");
   ck_assert_int_eq (chdir (cwd), 0);
   snprintf (path, sizeof path, "%s/relative.db", dir);
   ck_assert_msg (access (path, F_OK) == 0, "relative.db is not in %s", dir);
   remove_db (dir, path);
}
END_TEST

START_TEST (absolute_uri_opens_that_file)
{
   char dir[512], path[600], uri[700];

   make_temp_dir (dir, sizeof dir);
   snprintf (path, sizeof path, "%s/abs.db", dir);
   snprintf (uri, sizeof uri, "sqlite://%s", path); /* sqlite:///tmp/... */
   ck_assert_msg (strncmp (uri, "sqlite:///", 10) == 0, "TMPDIR is not absolute: %s", uri);
   check_file_uri (uri, path);
   remove_db (dir, path);
}
END_TEST

/* A second store on the file, waiting for the first one's write lock. */
typedef struct {
   docrel_store_t *waiter;
   docrel_model_t *model;
   bool tried, failed;
   int64_t waited_ms;
   bson_error_t error;
} lock_wait_t;

/* Inside the holder's transaction: the waiter tries to write. */
static void
write_while_locked (const docrel_trace_event_t *event, void *user_data)
{
   lock_wait_t *w = user_data;
   docrel_session_t *session;
   docrel_doc_t *doc;
   int64_t start;

   if (w->tried || strcmp (docrel_trace_event_command_name (event), "insert") != 0) {
      return;
   }
   w->tried = true;
   session = docrel_session_new (w->waiter);
   doc = fixture_new_doc (session, w->model, "{\"_id\": 2}");
   start = bson_get_monotonic_time ();
   w->failed = !docrel_save (doc, &w->error);
   w->waited_ms = (bson_get_monotonic_time () - start) / 1000;
   docrel_session_destroy (session);
}

/* docrelTimeoutMS on a SQLite URI is how long a write waits for another
 * connection's lock; the error names it. */
START_TEST (sqlite_timeout_option_bounds_the_wait_for_a_lock)
{
   docrel_trace_callbacks_t callbacks = {write_while_locked, NULL, NULL};
   char dir[512], path[600], uri[700];
   docrel_store_t *holder;
   docrel_session_t *session;
   lock_wait_t w = {0};
   bson_error_t error;

   make_temp_dir (dir, sizeof dir);
   snprintf (path, sizeof path, "%s/locked.db", dir);
   snprintf (uri, sizeof uri, "sqlite://%s", path);
   holder = docrel_store_open (uri, &error);
   ck_assert_msg (holder != NULL, "%s", error.message);
   snprintf (uri, sizeof uri, "sqlite://%s?docrelTimeoutMS=300", path);
   w.waiter = docrel_store_open (uri, &error);
   ck_assert_msg (w.waiter != NULL, "%s", error.message);
   w.model = fixture_keyed_model (w.waiter, "Note");
   session = docrel_session_new (w.waiter);
   ASSERT_OK (docrel_save (fixture_new_doc (session, w.model, "{\"_id\": 0}"), &error), error);
   docrel_session_destroy (session);
   session = docrel_session_new (holder);
   ASSERT_OK (docrel_store_set_trace (holder, &callbacks, &w, &error), error);
   ASSERT_OK (docrel_save_all (fixture_new_doc (session, fixture_keyed_model (holder, "Note"), "{\"_id\": 1}"), NULL,
                               NULL, NULL, &error),
              error);
   ck_assert (w.tried && w.failed);
   ASSERT_MENTIONS (w.error, "300 ms");
   ck_assert_msg (w.waited_ms >= 250 && w.waited_ms < 4000, "waited %lld ms", (long long) w.waited_ms);
   docrel_session_destroy (session);
   docrel_store_destroy (w.waiter);
   docrel_store_destroy (holder);
   remove_db (dir, path);
}
END_TEST

START_TEST (malformed_or_unknown_uris_fail_with_store_errors_naming_them)
{
   static const struct {
      const char *uri;
      unsigned code;
   } cases[] = {
      {"nonsense", DOCREL_ERROR_INVALID_URI},
      {"sqlite:", DOCREL_ERROR_INVALID_URI},
      {"sqlite://host/x.db", DOCREL_ERROR_INVALID_URI},
      {"postgres://x", DOCREL_ERROR_UNKNOWN_BACKEND},
      {"mongodb://h/d.b", DOCREL_ERROR_INVALID_URI},         /* a database name with a dot */
      {"sqlite::memory:?mode=ro", DOCREL_ERROR_INVALID_URI}, /* only docrelTimeoutMS */
      {"sqlite::memory:?docrelTimeoutMS=0", DOCREL_ERROR_INVALID_URI},
      {"sqlite:x.db?docrelTimeoutMS=9999999999", DOCREL_ERROR_INVALID_URI},
      {"sqlite:?docrelTimeoutMS=10", DOCREL_ERROR_INVALID_URI},
   };
   bson_error_t error;
   docrel_store_t *store;
   size_t i;

   for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      memset (&error, 0, sizeof error);
      store = docrel_store_open (cases[i].uri, &error);
      ck_assert_msg (store == NULL, "\"%s\" opened", cases[i].uri);
      ck_assert_msg (error.domain == DOCREL_ERROR_STORE && error.code == cases[i].code,
                     "\"%s\": expected domain %u code %u, got domain %u code %u: %s", cases[i].uri,
                     (unsigned) DOCREL_ERROR_STORE, cases[i].code, error.domain, error.code, error.message);
      ASSERT_MENTIONS (error, cases[i].uri);
   }
   ck_assert_msg (access ("host/x.db", F_OK) != 0, "sqlite://host/x.db created a file");
}
END_TEST

START_TEST (an_option_given_twice_is_refused_naming_it)
{
   static const struct {
      const char *uri, *mention;
   } cases[] = {
      {"sqlite::memory:?docrelTimeoutMS=5&docrelTimeoutMS=6", "given once"},
      {"sqlite::memory:?docrelTimeoutMS=5&mode=ro", "given once"},
      {"mongodb://127.0.0.1:1/?appname=a&appName=b", "option 'appName' is given twice"},
      {"mongodb://127.0.0.1:1/?docrelTimeoutMS=50&docrelTimeoutMS=60", "option 'docrelTimeoutMS' is given twice"},
   };
   bson_error_t error;
   size_t i;

   for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      memset (&error, 0, sizeof error);
      ck_assert_msg (docrel_store_open (cases[i].uri, &error) == NULL, "\"%s\" opened", cases[i].uri);
      ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
      ck_assert_uint_eq (error.code, DOCREL_ERROR_INVALID_URI);
      ASSERT_MENTIONS (error, cases[i].mention);
   }
}
END_TEST

START_TEST (empty_or_null_uri_fails_with_invalid_uri)
{
   bson_error_t error;

   memset (&error, 0, sizeof error);
   ck_assert_ptr_null (docrel_store_open ("", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_INVALID_URI);
   ck_assert_str_ne (error.message, "");
   memset (&error, 0, sizeof error);
   ck_assert_ptr_null (docrel_store_open (NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   docrel_store_destroy (NULL);
}
END_TEST

START_TEST (file_in_a_missing_directory_fails_naming_the_path)
{
   bson_error_t error;

   memset (&error, 0, sizeof error);
   ck_assert_ptr_null (docrel_store_open ("sqlite:///docrel-no-such-dir/x.db", &error));
   ck_assert_uint_ne (error.domain, 0);
   ASSERT_MENTIONS (error, "docrel-no-such-dir/x.db");
}
END_TEST

START_TEST (backend_name_is_sqlite_for_the_fixture_store)
{
   docrel_store_t *store = fixture_store_open ();

   ck_assert_str_eq (docrel_store_backend_name (store),
                     strcmp (fixture_kind (), "mongodb") == 0 ? "mongodb" : "sqlite");
   ck_assert_ptr_null (docrel_store_backend_name (NULL));
   fixture_store_close (store);
}
END_TEST

/* ---- persistence ----------------------------------------------------- */

/* Every BSON type a document can hold, in canonical extended JSON. */
static const char every_type_json[] =
   "{\"s\": \"h\u00e9llo \u4e16\u754c\", \"empty\": \"\", \"i32\": {\"$numberInt\": \"-2147483648\"}, "
   "\"i64\": {\"$numberLong\": \"-9223372036854775808\"}, \"small64\": {\"$numberLong\": \"1\"}, "
   "\"d\": {\"$numberDouble\": \"1.5\"}, \"negzero\": {\"$numberDouble\": \"-0.0\"}, "
   "\"nan\": {\"$numberDouble\": \"NaN\"}, \"inf\": {\"$numberDouble\": \"-Infinity\"}, "
   "\"dec\": {\"$numberDecimal\": \"1.10\"}, \"t\": true, \"f\": false, \"nul\": null, "
   "\"date\": {\"$date\": {\"$numberLong\": \"-86400000\"}}, \"oid\": {\"$oid\": \"507f1f77bcf86cd799439011\"}, "
   "\"bin\": {\"$binary\": {\"base64\": \"AAEC/w==\", \"subType\": \"00\"}}, "
   "\"uuid\": {\"$binary\": {\"base64\": \"EjRWeJASNFZ4kBI0VniQEg==\", \"subType\": \"04\"}}, "
   "\"ts\": {\"$timestamp\": {\"t\": 1, \"i\": 2}}, "
   "\"re\": {\"$regularExpression\": {\"pattern\": \"^a.*\", \"options\": \"i\"}}, "
   "\"code\": {\"$code\": \"function () {}\"}, \"min\": {\"$minKey\": 1}, \"max\": {\"$maxKey\": 1}, "
   "\"arr\": [1, \"two\", {\"three\": [3]}, []], \"doc\": {\"a\": {\"b\": {\"c\": null}}, \"e\": {}}}";

START_TEST (every_field_type_reads_back_identical_after_reopen)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_session_t *session = docrel_session_new (store);
   docrel_model_t *everything = fixture_model_new (store, "Everything", NULL);
   docrel_model_t *tokens = fixture_model_new (store, "Token", "{\"primaryKey\": \"uuid\"}");
   docrel_model_t *pairs = fixture_model_new (store, "Pair", "{\"primaryKey\": \"caller\"}");
   docrel_doc_t *docs[3];
   bson_t copies[3];
   bson_value_t keys[3];
   bson_error_t error;
   int i;

   docs[0] = fixture_saved_doc (session, everything, every_type_json);
   docs[1] = fixture_saved_doc (session, tokens, "{\"n\": 1}");
   docs[2] = fixture_saved_doc (session, pairs, "{\"_id\": {\"a\": 1, \"b\": \"x\"}, \"n\": 2}");
   for (i = 0; i < 3; i++) {
      bson_copy_to (docrel_doc_bson (docs[i]), &copies[i]);
      bson_value_copy (docrel_doc_id (docs[i]), &keys[i]);
   }
   docrel_session_destroy (session);

   store = fixture_store_reopen (store);
   if (store) {
      docrel_model_t *models[3];

      models[0] = fixture_model_new (store, "Everything", NULL);
      models[1] = fixture_model_new (store, "Token", "{\"primaryKey\": \"uuid\"}");
      models[2] = fixture_model_new (store, "Pair", "{\"primaryKey\": \"caller\"}");
      session = docrel_session_new (store);
      for (i = 0; i < 3; i++) {
         docrel_doc_t *back = NULL;
         char *want, *got;

         ASSERT_OK (docrel_get (session, models[i], &keys[i], NULL, &back, &error), error);
         want = bson_as_canonical_extended_json (&copies[i], NULL);
         got = bson_as_canonical_extended_json (docrel_doc_bson (back), NULL);
         ck_assert_msg (bson_equal (docrel_doc_bson (back), &copies[i]), "read back %s, wrote %s", got, want);
         ck_assert (docrel_doc_is_saved (back));
         ck_assert (!docrel_doc_is_dirty (back));
         bson_free (want);
         bson_free (got);
         ck_assert_int_eq (fixture_count_all (store, models[i]), 1);
      }
      docrel_session_destroy (session);
      fixture_store_close (store);
   }
   for (i = 0; i < 3; i++) {
      bson_destroy (&copies[i]);
      bson_value_destroy (&keys[i]);
   }
}
END_TEST

START_TEST (unique_index_still_holds_after_reopen)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "User", NULL);
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *dup;
   bson_error_t error;

   fixture_unique_index (model, "{\"email\": 1}");
   fixture_saved_doc (session, model, "{\"email\": \"ann@example.org\"}");
   docrel_session_destroy (session);

   store = fixture_store_reopen (store);
   if (!store) {
      return;
   }
   model = fixture_model_new (store, "User", NULL);
   fixture_unique_index (model, "{\"email\": 1}");
   session = docrel_session_new (store);
   dup = docrel_doc_new_from_json (session, model, "{\"email\": \"ann@example.org\"}", &error);
   ck_assert_msg (dup != NULL, "%s", error.message);
   ck_assert (!docrel_save (dup, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ASSERT_MENTIONS (error, "ann@example.org");
   fixture_saved_doc (session, model, "{\"email\": \"bob@example.org\"}");
   ck_assert_int_eq (fixture_count_all (store, model), 2);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- stats ----------------------------------------------------------- */

/* Transactions are counted apart: the same work counts the same commands
 * on a store with transactions and on one without. */
static void
assert_sum (const docrel_store_stats_t *s)
{
   ck_assert_uint_eq (s->commands, s->inserts + s->updates + s->deletes + s->finds + s->counts + s->index_builds);
}

START_TEST (fresh_store_has_counted_nothing)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_store_stats_t stats, zero;

   memset (&zero, 0, sizeof zero);
   memset (&stats, 0xff, sizeof stats);
   docrel_store_stats (store, &stats);
   ck_assert (memcmp (&stats, &zero, sizeof stats) == 0);
   fixture_store_close (store);
}
END_TEST

START_TEST (stats_count_each_kind_of_command_and_the_documents_moved)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Item", NULL);
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_store_stats_t a, b;
   docrel_doc_t *doc, *loaded = NULL, **all = NULL;
   bson_error_t error;
   size_t n = 0;
   int64_t count = 0;

   doc = docrel_doc_new_from_json (s1, model, "{\"v\": 1}", &error);
   ck_assert_msg (doc != NULL, "%s", error.message);

   docrel_store_stats (store, &a);
   ASSERT_OK (docrel_save (doc, &error), error);
   docrel_store_stats (store, &b);
   assert_sum (&b);
   ck_assert_uint_eq (b.inserts - a.inserts, 1);
   ck_assert_uint_eq (b.documents_written - a.documents_written, 1);
   ck_assert_uint_eq (b.commands - a.commands, 1);

   ASSERT_OK (docrel_doc_set_int32 (doc, "v", 2, &error), error);
   ASSERT_OK (docrel_save (doc, &error), error);
   docrel_store_stats (store, &a);
   assert_sum (&a);
   ck_assert_uint_eq (a.updates - b.updates, 1);
   ck_assert_uint_eq (a.documents_written - b.documents_written, 1);
   ck_assert_uint_eq (a.commands - b.commands, 1);

   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), NULL, &loaded, &error), error);
   docrel_store_stats (store, &b);
   ck_assert_uint_eq (b.finds - a.finds, 1);
   ck_assert_uint_eq (b.documents_read - a.documents_read, 1);
   ck_assert_uint_eq (b.commands - a.commands, 1);

   fixture_saved_doc (s1, model, "{\"v\": 3}");
   fixture_saved_doc (s1, model, "{\"v\": 4}");
   docrel_store_stats (store, &a);
   ASSERT_OK (docrel_find_all (s2, model, NULL, NULL, &all, &n, &error), error);
   ck_assert_uint_eq (n, 3);
   bson_free (all);
   docrel_store_stats (store, &b);
   ck_assert_uint_eq (b.finds - a.finds, 1);
   ck_assert_uint_eq (b.documents_read - a.documents_read, 3);

   ASSERT_OK (docrel_count (s2, model, NULL, NULL, &count, &error), error);
   ck_assert_int_eq (count, 3);
   docrel_store_stats (store, &a);
   ck_assert_uint_eq (a.counts - b.counts, 1);
   ck_assert_uint_eq (a.commands - b.commands, 1);

   ASSERT_OK (docrel_delete (doc, &error), error);
   docrel_store_stats (store, &b);
   ck_assert_uint_eq (b.deletes - a.deletes, 1);
   ck_assert_uint_eq (b.commands - a.commands, 1);
   ck_assert_uint_eq (b.documents_written, 4); /* three inserts, one update */
   assert_sum (&b);

   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

START_TEST (stats_count_one_index_build_per_declared_index)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "User", NULL);
   docrel_session_t *session = docrel_session_new (store);
   docrel_store_stats_t stats;

   fixture_unique_index (model, "{\"email\": 1}");
   fixture_unique_index (model, "{\"last\": 1, \"first\": 1}");
   fixture_saved_doc (session, model, "{\"email\": \"a\", \"last\": \"b\", \"first\": \"c\"}");
   fixture_saved_doc (session, model, "{\"email\": \"d\", \"last\": \"e\", \"first\": \"f\"}");
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (stats.index_builds, 2);
   ck_assert_uint_eq (stats.inserts, 2);
   assert_sum (&stats);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (stats_reset_zeroes_every_counter)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Item", NULL);
   docrel_session_t *session = docrel_session_new (store);
   docrel_store_stats_t stats, zero;
   docrel_doc_t *doc = fixture_saved_doc (session, model, "{\"v\": 1}");
   bson_error_t error;
   int64_t n;

   ASSERT_OK (docrel_count (session, model, NULL, NULL, &n, &error), error);
   ASSERT_OK (docrel_delete (doc, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_uint_ge (stats.commands, 3);
   docrel_store_stats_reset (store);
   memset (&zero, 0, sizeof zero);
   docrel_store_stats (store, &stats);
   ck_assert (memcmp (&stats, &zero, sizeof stats) == 0);
   /* Counting goes on from zero. */
   ASSERT_OK (docrel_save (doc, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (stats.inserts, 1);
   ck_assert_uint_eq (stats.commands, 1);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

static Suite *
store_suite (void)
{
   Suite *s = suite_create ("store");
   TCase *tc;

   tc = tcase_create ("uris");
   tcase_add_test (tc, memory_uri_opens_a_private_empty_store);
   tcase_add_test (tc, relative_uri_opens_a_file_in_the_working_directory);
   tcase_add_test (tc, absolute_uri_opens_that_file);
   tcase_add_test (tc, sqlite_timeout_option_bounds_the_wait_for_a_lock);
   tcase_add_test (tc, malformed_or_unknown_uris_fail_with_store_errors_naming_them);
   tcase_add_test (tc, an_option_given_twice_is_refused_naming_it);
   tcase_add_test (tc, empty_or_null_uri_fails_with_invalid_uri);
   tcase_add_test (tc, file_in_a_missing_directory_fails_naming_the_path);
   tcase_add_test (tc, backend_name_is_sqlite_for_the_fixture_store);
   suite_add_tcase (s, tc);

   tc = tcase_create ("persistence");
   tcase_add_test (tc, every_field_type_reads_back_identical_after_reopen);
   tcase_add_test (tc, unique_index_still_holds_after_reopen);
   suite_add_tcase (s, tc);

   tc = tcase_create ("stats");
   tcase_add_test (tc, fresh_store_has_counted_nothing);
   tcase_add_test (tc, stats_count_each_kind_of_command_and_the_documents_moved);
   tcase_add_test (tc, stats_count_one_index_build_per_declared_index);
   tcase_add_test (tc, stats_reset_zeroes_every_counter);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (store_suite ());
}
