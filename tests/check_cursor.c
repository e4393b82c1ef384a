/* SPDX-License-Identifier: Apache-2.0 */
/* check_cursor.c: streaming with docrel_find / docrel_cursor_next.
 *
 * A cursor hands out one document at a time and keeps memory bounded: a
 * document it created leaves the session at the next call unless
 * docrel_cursor_keep holds it, while a document the session already held
 * comes back as the same pointer and stays. docrel_find_all goes through the
 * same identity map. The store counts one find command per query, not one
 * per document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define N_BIG 5000

typedef struct {
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
   int n;
} bulk_t;

/* The _id of the document inserted in position seq: a permutation of 1..n,
 * so insertion order is not _id order. */
static int32_t
id_of (int seq, int n)
{
   return (int32_t) ((int64_t) seq * 7 % n) + 1;
}

/* Opens a store with model Item and n documents {_id, seq, pad}, inserted
 * in seq order through a session that is then destroyed; t->session is a
 * fresh, empty one. n must not be a multiple of 7. */
static void
bulk_open (bulk_t *t, int n)
{
   docrel_session_t *loader;
   int seq;

   ck_assert_int_ne (n % 7, 0);
   t->n = n;
   t->store = fixture_store_open ();
   t->model = fixture_keyed_model (t->store, "Item");
   loader = docrel_session_new (t->store);
   for (seq = 0; seq < n; seq++) {
      char json[160];
      snprintf (json, sizeof json,
                "{\"_id\": %d, \"seq\": %d, \"pad\": \"the quick brown fox jumps over the lazy dog\"}",
                (int) id_of (seq, n), seq);
      fixture_saved_doc (loader, t->model, json);
   }
   docrel_session_destroy (loader);
   t->session = docrel_session_new (t->store);
   ck_assert_uint_eq (docrel_session_size (t->session), 0);
}

static void
bulk_close (bulk_t *t)
{
   docrel_session_destroy (t->session);
   fixture_store_close (t->store);
}

static docrel_cursor_t *
open_cursor (bulk_t *t, const char *filter_json, const char *opts_json)
{
   bson_error_t error;
   bson_t *filter = filter_json ? fixture_json (filter_json) : NULL;
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   docrel_cursor_t *cursor = docrel_find (t->session, t->model, filter, opts, &error);

   ck_assert_msg (cursor != NULL, "find %s %s: %s", filter_json ? filter_json : "", opts_json ? opts_json : "",
                  error.message);
   if (filter) {
      bson_destroy (filter);
   }
   if (opts) {
      bson_destroy (opts);
   }
   return cursor;
}

static int32_t
seq_of (const docrel_doc_t *doc)
{
   int32_t seq = -1;
   ck_assert_msg (docrel_doc_get_int32 (doc, "seq", &seq), "a document without seq");
   return seq;
}

static docrel_doc_t *
get_by_id (bulk_t *t, int32_t id)
{
   bson_error_t error;
   bson_value_t key;
   docrel_doc_t *doc = NULL;

   key.value_type = BSON_TYPE_INT32;
   key.value.v_int32 = id;
   ASSERT_OK (docrel_get (t->session, t->model, &key, NULL, &doc, &error), error);
   return doc;
}

/* Iterating ------------------------------------------------------------------- */

START_TEST (cursor_returns_every_document_once_in_insertion_order)
{
   bulk_t t;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc;
   unsigned char *seen = bson_malloc0 (N_BIG + 1);
   int expected_seq = 0;
   bson_error_t error;

   bulk_open (&t, N_BIG);
   cursor = open_cursor (&t, NULL, NULL);
   while (docrel_cursor_next (cursor, &doc)) {
      const bson_value_t *id = docrel_doc_id (doc);
      ck_assert_ptr_nonnull (id);
      ck_assert_int_eq (id->value_type, BSON_TYPE_INT32);
      ck_assert_int_ge (id->value.v_int32, 1);
      ck_assert_int_le (id->value.v_int32, N_BIG);
      ck_assert_msg (!seen[id->value.v_int32], "_id %d came back twice", id->value.v_int32);
      seen[id->value.v_int32] = 1;
      ck_assert_int_eq (seq_of (doc), expected_seq);
      ck_assert_int_eq (id->value.v_int32, id_of (expected_seq, N_BIG));
      ck_assert (docrel_doc_is_saved (doc));
      ck_assert (!docrel_doc_is_dirty (doc));
      expected_seq++;
   }
   ck_assert_msg (!docrel_cursor_error (cursor, &error), "cursor failed: %s", error.message);
   ck_assert_int_eq (expected_seq, N_BIG);
   docrel_cursor_destroy (cursor);
   bson_free (seen);
   bulk_close (&t);
}
END_TEST

START_TEST (cursor_error_is_false_at_a_normal_end_and_next_stays_false)
{
   bulk_t t;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc = NULL;
   bson_error_t error;
   int n = 0;

   bulk_open (&t, 20);
   cursor = open_cursor (&t, "{\"seq\": {\"$gte\": 15}}", NULL);
   while (docrel_cursor_next (cursor, &doc)) {
      n++;
   }
   ck_assert_int_eq (n, 5);
   ck_assert_ptr_null (doc);
   memset (&error, 0, sizeof error);
   ck_assert (!docrel_cursor_error (cursor, &error));
   doc = (docrel_doc_t *) cursor; /* any non-NULL value */
   ck_assert (!docrel_cursor_next (cursor, &doc));
   ck_assert_ptr_null (doc);
   ck_assert (!docrel_cursor_error (cursor, &error));
   docrel_cursor_destroy (cursor);

   /* A cursor that matches nothing ends at once, without an error. */
   cursor = open_cursor (&t, "{\"seq\": -1}", NULL);
   ck_assert (!docrel_cursor_next (cursor, &doc));
   ck_assert (!docrel_cursor_error (cursor, &error));
   docrel_cursor_destroy (cursor);
   bulk_close (&t);
}
END_TEST

START_TEST (cursor_on_a_collection_never_written_ends_at_once)
{
   bson_error_t error;
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = docrel_model_new (store, "Empty", NULL, &error);
   docrel_session_t *session = docrel_session_new (store);
   docrel_cursor_t *cursor;
   docrel_doc_t *doc = NULL;

   ck_assert_msg (model != NULL, "%s", error.message);
   cursor = docrel_find (session, model, NULL, NULL, &error);
   ck_assert_msg (cursor != NULL, "%s", error.message);
   ck_assert (!docrel_cursor_next (cursor, &doc));
   ck_assert (!docrel_cursor_error (cursor, &error));
   docrel_cursor_destroy (cursor);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* Memory and identity ------------------------------------------------------------- */

START_TEST (cursor_keeps_the_session_bounded_without_keep)
{
   bulk_t t;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc;
   size_t max_size = 0;
   int n = 0;

   bulk_open (&t, N_BIG);
   cursor = open_cursor (&t, NULL, NULL);
   while (docrel_cursor_next (cursor, &doc)) {
      size_t size = docrel_session_size (t.session);
      max_size = size > max_size ? size : max_size;
      ck_assert_msg (size <= 1, "session holds %zu documents after %d steps", size, n);
      n++;
   }
   ck_assert_int_eq (n, N_BIG);
   ck_assert_uint_eq (max_size, 1);
   ck_assert_uint_eq (docrel_session_size (t.session), 0);
   docrel_cursor_destroy (cursor);
   ck_assert_uint_eq (docrel_session_size (t.session), 0);
   bulk_close (&t);
}
END_TEST

START_TEST (cursor_keep_holds_documents_in_the_session)
{
   bulk_t t;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc;
   docrel_doc_t *kept[N_BIG / 100];
   size_t n_kept = 0, i;

   bulk_open (&t, N_BIG);
   cursor = open_cursor (&t, NULL, NULL);
   while (docrel_cursor_next (cursor, &doc)) {
      if (seq_of (doc) % 100 == 0) {
         docrel_cursor_keep (cursor);
         kept[n_kept++] = doc;
      }
      ck_assert_uint_le (docrel_session_size (t.session), n_kept + 1);
   }
   docrel_cursor_destroy (cursor);
   ck_assert_uint_eq (n_kept, N_BIG / 100);
   ck_assert_uint_eq (docrel_session_size (t.session), n_kept);
   for (i = 0; i < n_kept; i++) {
      ck_assert_int_eq (seq_of (kept[i]), (int32_t) (i * 100));
      /* The identity map answers for a kept document. */
      ck_assert_ptr_eq (get_by_id (&t, id_of ((int) i * 100, N_BIG)), kept[i]);
   }
   ck_assert_uint_eq (docrel_session_size (t.session), n_kept);
   bulk_close (&t);
}
END_TEST

START_TEST (cursor_returns_the_session_s_own_document_with_its_unsaved_changes)
{
   bulk_t t;
   bson_error_t error;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc, *held;
   int32_t held_id = id_of (123, 500);
   bool met = false;

   bulk_open (&t, 500);
   held = get_by_id (&t, held_id);
   ASSERT_OK (docrel_doc_set_utf8 (held, "note", "not saved yet", &error), error);
   ck_assert_uint_eq (docrel_session_size (t.session), 1);

   cursor = open_cursor (&t, NULL, NULL);
   while (docrel_cursor_next (cursor, &doc)) {
      const bson_value_t *id = docrel_doc_id (doc);
      if (id->value.v_int32 == held_id) {
         met = true;
         ck_assert_ptr_eq (doc, held);
         ck_assert_str_eq (docrel_doc_get_utf8 (doc, "note"), "not saved yet");
         ck_assert (docrel_doc_is_dirty (doc));
      } else {
         ck_assert_ptr_ne (doc, held);
         ck_assert (!docrel_doc_has (doc, "note"));
      }
      ck_assert_uint_le (docrel_session_size (t.session), 2);
   }
   docrel_cursor_destroy (cursor);
   ck_assert (met);
   /* The held document stayed, unchanged; nothing else did. */
   ck_assert_uint_eq (docrel_session_size (t.session), 1);
   ck_assert_str_eq (docrel_doc_get_utf8 (held, "note"), "not saved yet");
   ck_assert (docrel_doc_is_field_dirty (held, "note"));
   bulk_close (&t);
}
END_TEST

START_TEST (find_all_returns_the_same_pointer_for_a_document_found_twice)
{
   bulk_t t;
   bson_error_t error;
   bson_t *filter = fixture_json ("{\"seq\": {\"$lt\": 10}}");
   bson_t *wider = fixture_json ("{\"seq\": {\"$lt\": 20}}");
   docrel_doc_t **first = NULL, **second = NULL, **third = NULL;
   size_t n1 = 0, n2 = 0, n3 = 0, i;

   bulk_open (&t, 500);
   ASSERT_OK (docrel_find_all (t.session, t.model, filter, NULL, &first, &n1, &error), error);
   ASSERT_OK (docrel_find_all (t.session, t.model, filter, NULL, &second, &n2, &error), error);
   ck_assert_uint_eq (n1, 10);
   ck_assert_uint_eq (n2, 10);
   ck_assert_ptr_ne (first, second);
   for (i = 0; i < n1; i++) {
      ck_assert_ptr_eq (first[i], second[i]);
   }
   ck_assert_uint_eq (docrel_session_size (t.session), 10);

   /* An overlapping query shares the ten and adds ten. */
   ASSERT_OK (docrel_find_all (t.session, t.model, wider, NULL, &third, &n3, &error), error);
   ck_assert_uint_eq (n3, 20);
   for (i = 0; i < n1; i++) {
      ck_assert_ptr_eq (third[i], first[i]);
   }
   ck_assert_uint_eq (docrel_session_size (t.session), 20);
   /* docrel_get answers from the identity map as well. */
   ck_assert_ptr_eq (get_by_id (&t, id_of (3, 500)), first[3]);

   bson_free (first);
   bson_free (second);
   bson_free (third);
   bson_destroy (filter);
   bson_destroy (wider);
   bulk_close (&t);
}
END_TEST

START_TEST (cursor_destroyed_midway_leaves_the_session_clean)
{
   bulk_t t;
   bson_error_t error;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc;
   int64_t count = 0;
   int i;

   bulk_open (&t, 500);
   cursor = open_cursor (&t, NULL, NULL);
   for (i = 0; i < 10; i++) {
      ck_assert (docrel_cursor_next (cursor, &doc));
   }
   docrel_cursor_destroy (cursor);
   ck_assert_uint_eq (docrel_session_size (t.session), 0);

   /* One kept, then destroyed midway: the kept one stays. */
   cursor = open_cursor (&t, NULL, NULL);
   ck_assert (docrel_cursor_next (cursor, &doc));
   docrel_cursor_keep (cursor);
   ck_assert (docrel_cursor_next (cursor, &doc));
   docrel_cursor_destroy (cursor);
   ck_assert_uint_eq (docrel_session_size (t.session), 1);

   /* Two cursors open at once, then the store still answers. */
   cursor = open_cursor (&t, NULL, NULL);
   {
      docrel_cursor_t *other = open_cursor (&t, "{\"seq\": {\"$gte\": 490}}", NULL);
      ck_assert (docrel_cursor_next (other, &doc));
      ck_assert_int_eq (seq_of (doc), 490);
      ck_assert (docrel_cursor_next (cursor, &doc));
      ck_assert_int_eq (seq_of (doc), 0);
      docrel_cursor_destroy (other);
   }
   docrel_cursor_destroy (cursor);
   docrel_cursor_destroy (NULL);
   ASSERT_OK (docrel_count (t.session, t.model, NULL, NULL, &count, &error), error);
   ck_assert_int_eq (count, 500);
   bulk_close (&t);
}
END_TEST

/* Options ---------------------------------------------------------------------- */

static void
assert_seqs (bulk_t *t, const char *filter_json, const char *opts_json, int from, int n_expected)
{
   docrel_cursor_t *cursor = open_cursor (t, filter_json, opts_json);
   docrel_doc_t *doc;
   bson_error_t error;
   int n = 0;

   while (docrel_cursor_next (cursor, &doc)) {
      ck_assert_msg (n < n_expected, "%s: more than %d documents", opts_json, n_expected);
      ck_assert_msg (seq_of (doc) == from + n, "%s: document %d has seq %d, expected %d", opts_json, n, seq_of (doc),
                     from + n);
      n++;
   }
   ck_assert_msg (!docrel_cursor_error (cursor, &error), "%s: %s", opts_json, error.message);
   ck_assert_msg (n == n_expected, "%s: %d documents, expected %d", opts_json, n, n_expected);
   docrel_cursor_destroy (cursor);
}

START_TEST (cursor_honours_skip_limit_and_batch_size)
{
   bulk_t t;

   bulk_open (&t, 500);
   assert_seqs (&t, NULL, "{\"skip\": 100, \"limit\": 50}", 100, 50);
   assert_seqs (&t, NULL, "{\"limit\": 0}", 0, 500);
   assert_seqs (&t, NULL, "{\"skip\": 495, \"limit\": 50}", 495, 5);
   assert_seqs (&t, NULL, "{\"skip\": 600}", 0, 0);
   assert_seqs (&t, NULL, "{\"batchSize\": 7}", 0, 500);
   assert_seqs (&t, NULL, "{\"batchSize\": 7, \"skip\": 3, \"limit\": 20}", 3, 20);
   assert_seqs (&t, "{\"seq\": {\"$gte\": 200}}", "{\"skip\": 10, \"limit\": 5, \"batchSize\": 2}", 210, 5);
   assert_seqs (&t, NULL, "{\"sort\": {\"seq\": 1}, \"skip\": 250, \"limit\": 3}", 250, 3);
   bulk_close (&t);
}
END_TEST

START_TEST (find_with_a_bad_batch_size_is_a_bad_option)
{
   static const char *const bad[] = {"{\"batchSize\": 0}", "{\"batchSize\": -5}", "{\"batchSize\": \"many\"}"};
   bulk_t t;
   size_t i;

   bulk_open (&t, 20);
   for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      bson_error_t error;
      bson_t *opts = fixture_json (bad[i]);
      docrel_cursor_t *cursor = docrel_find (t.session, t.model, NULL, opts, &error);
      ck_assert_msg (cursor == NULL, "%s was accepted", bad[i]);
      ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
      ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
      ck_assert_msg (strstr (error.message, "batchSize") != NULL, "%s: %s", bad[i], error.message);
      bson_destroy (opts);
   }
   bulk_close (&t);
}
END_TEST

/* Store counters ------------------------------------------------------------------- */

START_TEST (store_stats_count_one_find_per_query_and_every_document_read)
{
   bulk_t t;
   bson_error_t error;
   docrel_store_stats_t stats;
   docrel_doc_t **docs = NULL;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc;
   size_t n = 0;
   int64_t count = 0;
   int steps = 0;
   bool sqlite;

   bulk_open (&t, N_BIG);
   sqlite = strcmp (docrel_store_backend_name (t.store), "sqlite") == 0;

   docrel_store_stats_reset (t.store);
   ASSERT_OK (docrel_find_all (t.session, t.model, NULL, NULL, &docs, &n, &error), error);
   ck_assert_uint_eq (n, N_BIG);
   bson_free (docs);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.finds, 1);
   ck_assert_uint_eq (stats.commands, 1);
   ck_assert_uint_eq (stats.documents_read, N_BIG);
   ck_assert_uint_eq (stats.documents_written, 0);

   /* A streaming cursor over a fresh session: one command on SQLite (MongoDB
    * adds one getMore per batch). */
   docrel_session_destroy (t.session);
   t.session = docrel_session_new (t.store);
   docrel_store_stats_reset (t.store);
   cursor = open_cursor (&t, NULL, "{\"batchSize\": 100}");
   while (docrel_cursor_next (cursor, &doc)) {
      steps++;
   }
   docrel_cursor_destroy (cursor);
   ck_assert_int_eq (steps, N_BIG);
   docrel_store_stats (t.store, &stats);
   if (sqlite) {
      ck_assert_uint_eq (stats.finds, 1);
      ck_assert_uint_eq (stats.commands, 1);
   } else {
      ck_assert_uint_ge (stats.finds, 1);
   }
   ck_assert_uint_eq (stats.documents_read, N_BIG);

   /* A limited query reads what it returns; a count is one command. */
   docrel_store_stats_reset (t.store);
   assert_seqs (&t, NULL, "{\"limit\": 10}", 0, 10);
   ASSERT_OK (docrel_count (t.session, t.model, NULL, NULL, &count, &error), error);
   ck_assert_int_eq (count, N_BIG);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.finds, 1);
   ck_assert_uint_eq (stats.counts, 1);
   ck_assert_uint_eq (stats.commands, 2);
   ck_assert_uint_eq (stats.documents_read, 10);
   bulk_close (&t);
}
END_TEST

START_TEST (get_of_a_document_the_session_holds_sends_no_command)
{
   bulk_t t;
   docrel_store_stats_t stats;
   docrel_doc_t *doc;

   bulk_open (&t, 20);
   docrel_store_stats_reset (t.store);
   doc = get_by_id (&t, 5);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.finds, 1);
   ck_assert_ptr_eq (get_by_id (&t, 5), doc);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.finds, 1);
   ck_assert_uint_eq (stats.commands, 1);
   bulk_close (&t);
}
END_TEST

static Suite *
cursor_suite (void)
{
   Suite *s = suite_create ("cursor");
   TCase *tc;

   tc = tcase_create ("iterating");
   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, cursor_returns_every_document_once_in_insertion_order);
   tcase_add_test (tc, cursor_error_is_false_at_a_normal_end_and_next_stays_false);
   tcase_add_test (tc, cursor_on_a_collection_never_written_ends_at_once);
   suite_add_tcase (s, tc);

   tc = tcase_create ("memory_and_identity");
   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, cursor_keeps_the_session_bounded_without_keep);
   tcase_add_test (tc, cursor_keep_holds_documents_in_the_session);
   tcase_add_test (tc, cursor_returns_the_session_s_own_document_with_its_unsaved_changes);
   tcase_add_test (tc, find_all_returns_the_same_pointer_for_a_document_found_twice);
   tcase_add_test (tc, cursor_destroyed_midway_leaves_the_session_clean);
   suite_add_tcase (s, tc);

   tc = tcase_create ("options");
   tcase_add_test (tc, cursor_honours_skip_limit_and_batch_size);
   tcase_add_test (tc, find_with_a_bad_batch_size_is_a_bad_option);
   suite_add_tcase (s, tc);

   tc = tcase_create ("store_stats");
   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, store_stats_count_one_find_per_query_and_every_document_read);
   tcase_add_test (tc, get_of_a_document_the_session_holds_sends_no_command);
   suite_add_tcase (s, tc);

   return s;
}

int
main (void)
{
   return fixture_run (cursor_suite ());
}
