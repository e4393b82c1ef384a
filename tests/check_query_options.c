/* SPDX-License-Identifier: Apache-2.0 */
/* check_query_options.c: the find options (skip, limit, projection), the
 * options of docrel_count, option errors, and docrel_explain.
 *
 * Options are a document parsed in one place: an unknown key is an error
 * naming it and a value of the wrong type or range is a
 * DOCREL_ERROR_BAD_OPTION naming the option. docrel_explain shows, without
 * running the query, whether the store would use an index. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

#define N_PEOPLE 10

typedef struct {
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
} people_t;

/* Opens a store with model Person (caller-chosen _id, an index on email)
 * holding N_PEOPLE documents with _id 1..10 and age = 10 * _id, inserted in
 * _id order; t->session is a fresh, empty session. */
static void
people_open (people_t *t)
{
   bson_error_t error;
   bson_t *keys = fixture_json ("{\"email\": 1}");
   docrel_session_t *loader;
   int i;

   t->store = fixture_store_open ();
   t->model = fixture_keyed_model (t->store, "Person");
   ASSERT_OK (docrel_model_add_index (t->model, keys, NULL, &error), error);
   bson_destroy (keys);
   loader = docrel_session_new (t->store);
   for (i = 1; i <= N_PEOPLE; i++) {
      char json[400];
      snprintf (json, sizeof json,
                "{\"_id\": %d, \"name\": \"p%d\", \"age\": %d, \"email\": \"p%d@example.org\","
                " \"team\": \"%s\", \"sub\": {\"x\": %d, \"y\": \"why\"},"
                " \"items\": [{\"sku\": \"a%d\", \"qty\": 1}, {\"sku\": \"b%d\", \"qty\": 2}]}",
                i, i, 10 * i, i, i % 2 ? "odd" : "even", i, i, i);
      fixture_saved_doc (loader, t->model, json);
   }
   docrel_session_destroy (loader);
   t->session = docrel_session_new (t->store);
}

static void
people_close (people_t *t)
{
   docrel_session_destroy (t->session);
   fixture_store_close (t->store);
}

/* find_all with JSON filter and opts (either may be NULL); fails the test
 * on error. The caller frees *docs with bson_free. */
static docrel_doc_t **
find (people_t *t, const char *filter_json, const char *opts_json, size_t *n)
{
   bson_error_t error;
   bson_t *filter = filter_json ? fixture_json (filter_json) : NULL;
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   docrel_doc_t **docs = NULL;

   ck_assert_msg (docrel_find_all (t->session, t->model, filter, opts, &docs, n, &error), "find %s %s: %s",
                  filter_json ? filter_json : "", opts_json ? opts_json : "", error.message);
   if (filter) {
      bson_destroy (filter);
   }
   if (opts) {
      bson_destroy (opts);
   }
   return docs;
}

/* The _ids of a find, as "1 2 3". */
static void
assert_ids (people_t *t, const char *filter_json, const char *opts_json, const char *expected)
{
   size_t n = 0, i, len = 0;
   docrel_doc_t **docs = find (t, filter_json, opts_json, &n);
   char got[256];

   got[0] = '\0';
   for (i = 0; i < n && len < sizeof got; i++) {
      const bson_value_t *id = docrel_doc_id (docs[i]);
      len += (size_t) snprintf (got + len, sizeof got - len, "%s%d", i ? " " : "", id ? id->value.v_int32 : -1);
   }
   bson_free (docs);
   ck_assert_msg (strcmp (got, expected) == 0, "find %s %s: expected [%s], got [%s]", filter_json ? filter_json : "{}",
                  opts_json ? opts_json : "", expected, got);
}

/* The one document find returns, as canonical JSON (bson_free it). */
static char *
find_one_json (people_t *t, const char *filter_json, const char *opts_json)
{
   size_t n = 0;
   docrel_doc_t **docs = find (t, filter_json, opts_json, &n);
   char *json;

   ck_assert_uint_eq (n, 1);
   json = bson_as_relaxed_extended_json (docrel_doc_bson (docs[0]), NULL);
   bson_free (docs);
   return json;
}

/* Finds document 3 with opts in a fresh session (a session that held it
 * would return the document it holds, untrimmed) and compares it whole. */
static void
assert_projection (people_t *t, const char *opts_json, const char *expected)
{
   char *json;
   bson_t *want = fixture_json (expected);
   char *want_json = bson_as_relaxed_extended_json (want, NULL);

   docrel_session_destroy (t->session);
   t->session = docrel_session_new (t->store);
   json = find_one_json (t, "{\"_id\": 3}", opts_json);

   ck_assert_msg (strcmp (json, want_json) == 0, "%s:\n  expected %s\n  got      %s", opts_json, want_json, json);
   bson_free (json);
   bson_free (want_json);
   bson_destroy (want);
}

/* Checks that find_all, find, count (if counting) and explain all reject
 * opts with domain DOCREL_ERROR_QUERY, code and a message naming `named`. */
static void
assert_rejected (people_t *t, const char *opts_json, uint32_t code, const char *named, bool counting)
{
   bson_error_t error;
   bson_t *opts = fixture_json (opts_json);
   docrel_doc_t **docs = NULL;
   size_t n = 7;
   size_t before = docrel_session_size (t->session);
   int64_t count = -1;
   bson_t explain;

   memset (&error, 0, sizeof error);
   ck_assert_msg (!docrel_find_all (t->session, t->model, NULL, opts, &docs, &n, &error), "find_all accepted %s",
                  opts_json);
   ck_assert_msg (error.domain == DOCREL_ERROR_QUERY && error.code == code,
                  "%s: expected code %u, got domain 0x%x code %u: %s", opts_json, (unsigned) code,
                  (unsigned) error.domain, (unsigned) error.code, error.message);
   ck_assert_msg (strstr (error.message, named) != NULL, "%s: message does not name '%s': %s", opts_json, named,
                  error.message);
   ck_assert_ptr_null (docs);
   ck_assert_uint_eq (n, 0);
   ck_assert_uint_eq (docrel_session_size (t->session), before);

   ck_assert_msg (docrel_find (t->session, t->model, NULL, opts, &error) == NULL, "find accepted %s", opts_json);
   ck_assert_uint_eq (error.code, code);

   ck_assert_msg (!docrel_explain (t->session, t->model, NULL, opts, &explain, &error), "explain accepted %s",
                  opts_json);
   ck_assert_uint_eq (error.code, code);
   bson_destroy (&explain);

   if (counting) {
      ck_assert_msg (!docrel_count (t->session, t->model, NULL, opts, &count, &error), "count accepted %s", opts_json);
      ck_assert_uint_eq (error.code, code);
      ck_assert_msg (strstr (error.message, named) != NULL, "count %s: message does not name '%s': %s", opts_json,
                     named, error.message);
   }
   bson_destroy (opts);
}

/* Skip and limit ---------------------------------------------------------------- */

START_TEST (find_skip_and_limit_select_a_window_in_insertion_order)
{
   people_t t;
   people_open (&t);
   assert_ids (&t, NULL, NULL, "1 2 3 4 5 6 7 8 9 10");
   assert_ids (&t, NULL, "{}", "1 2 3 4 5 6 7 8 9 10");
   assert_ids (&t, NULL, "{\"skip\": 3}", "4 5 6 7 8 9 10");
   assert_ids (&t, NULL, "{\"limit\": 3}", "1 2 3");
   assert_ids (&t, NULL, "{\"skip\": 2, \"limit\": 3}", "3 4 5");
   assert_ids (&t, NULL, "{\"limit\": 0}", "1 2 3 4 5 6 7 8 9 10");
   assert_ids (&t, NULL, "{\"skip\": 0, \"limit\": 100}", "1 2 3 4 5 6 7 8 9 10");
   assert_ids (&t, NULL, "{\"skip\": 10}", "");
   assert_ids (&t, NULL, "{\"skip\": 1000, \"limit\": 1}", "");
   assert_ids (&t, NULL, "{\"skip\": {\"$numberLong\": \"8\"}, \"limit\": {\"$numberLong\": \"1\"}}", "9");
   people_close (&t);
}
END_TEST

START_TEST (find_skip_and_limit_apply_after_the_filter_and_the_sort)
{
   people_t t;
   people_open (&t);
   assert_ids (&t, "{\"team\": \"odd\"}", "{\"skip\": 1, \"limit\": 2}", "3 5");
   assert_ids (&t, NULL, "{\"sort\": {\"age\": -1}, \"skip\": 1, \"limit\": 3}", "9 8 7");
   assert_ids (&t, "{\"age\": {\"$gt\": 50}}", "{\"sort\": {\"age\": -1}, \"limit\": 2}", "10 9");
   assert_ids (&t, "{\"email\": {\"$in\": [\"p7@example.org\", \"p2@example.org\", \"p4@example.org\"]}}",
               "{\"skip\": 1}", "4 7");
   people_close (&t);
}
END_TEST

/* Projection ---------------------------------------------------------------------- */

START_TEST (projection_inclusion_keeps_the_named_fields_and_id)
{
   people_t t;
   people_open (&t);
   assert_projection (&t, "{\"projection\": {\"name\": 1, \"age\": 1}}", "{\"_id\": 3, \"name\": \"p3\", \"age\": 30}");
   assert_projection (&t, "{\"projection\": {\"name\": true, \"_id\": 1}}", "{\"_id\": 3, \"name\": \"p3\"}");
   assert_projection (&t, "{\"projection\": {\"nothing_here\": 1}}", "{\"_id\": 3}");
   people_close (&t);
}
END_TEST

START_TEST (projection_exclusion_drops_the_named_fields)
{
   people_t t;
   people_open (&t);
   assert_projection (&t, "{\"projection\": {\"items\": 0, \"sub\": 0, \"email\": 0}}",
                      "{\"_id\": 3, \"name\": \"p3\", \"age\": 30, \"team\": \"odd\"}");
   assert_projection (&t, "{\"projection\": {\"items\": 0, \"sub.y\": 0, \"email\": false, \"team\": 0}}",
                      "{\"_id\": 3, \"name\": \"p3\", \"age\": 30, \"sub\": {\"x\": 3}}");
   people_close (&t);
}
END_TEST

START_TEST (projection_dotted_paths_reach_into_documents_and_arrays_of_documents)
{
   people_t t;
   people_open (&t);
   assert_projection (&t, "{\"projection\": {\"sub.x\": 1}}", "{\"_id\": 3, \"sub\": {\"x\": 3}}");
   assert_projection (&t, "{\"projection\": {\"sub\": {\"y\": 1}}}", "{\"_id\": 3, \"sub\": {\"y\": \"why\"}}");
   assert_projection (&t, "{\"projection\": {\"items.sku\": 1}}",
                      "{\"_id\": 3, \"items\": [{\"sku\": \"a3\"}, {\"sku\": \"b3\"}]}");
   assert_projection (&t, "{\"projection\": {\"items.qty\": 0, \"sub\": 0, \"email\": 0, \"team\": 0, \"age\": 0}}",
                      "{\"_id\": 3, \"name\": \"p3\", \"items\": [{\"sku\": \"a3\"}, {\"sku\": \"b3\"}]}");
   people_close (&t);
}
END_TEST

START_TEST (projection_that_excludes_id_is_an_error)
{
   people_t t;
   people_open (&t);
   assert_rejected (&t, "{\"projection\": {\"_id\": 0}}", DOCREL_ERROR_BAD_OPTION, "_id", false);
   assert_rejected (&t, "{\"projection\": {\"_id\": 0, \"name\": 1}}", DOCREL_ERROR_BAD_OPTION, "_id", false);
   assert_rejected (&t, "{\"projection\": {\"name\": 1, \"_id\": false}}", DOCREL_ERROR_BAD_OPTION, "_id", false);
   people_close (&t);
}
END_TEST

START_TEST (projection_mixing_inclusion_and_exclusion_is_an_error)
{
   people_t t;
   people_open (&t);
   assert_rejected (&t, "{\"projection\": {\"name\": 1, \"age\": 0}}", DOCREL_ERROR_BAD_OPTION, "age", false);
   assert_rejected (&t, "{\"projection\": {\"age\": 0, \"sub.x\": 1}}", DOCREL_ERROR_BAD_OPTION, "sub.x", false);
   people_close (&t);
}
END_TEST

START_TEST (projection_with_a_bad_value_or_an_operator_is_an_error)
{
   people_t t;
   people_open (&t);
   assert_rejected (&t, "{\"projection\": \"name\"}", DOCREL_ERROR_BAD_OPTION, "projection", false);
   assert_rejected (&t, "{\"projection\": {\"name\": \"yes\"}}", DOCREL_ERROR_BAD_OPTION, "name", false);
   assert_rejected (&t, "{\"projection\": {\"items\": {\"$slice\": 1}}}", DOCREL_ERROR_UNSUPPORTED_OPERATOR, "$slice",
                    false);
   assert_rejected (&t, "{\"projection\": {\"items\": {\"$elemMatch\": {\"qty\": 2}}}}",
                    DOCREL_ERROR_UNSUPPORTED_OPERATOR, "$elemMatch", false);
   people_close (&t);
}
END_TEST

START_TEST (a_bad_projection_value_is_named_without_printing)
{
   /* found fuzzing: the message rendered an array whose keys are not "0",
    * "1", ... with libbson, which printed a warning */
   people_t t;
   bson_t *opts = fixture_json_misnumbered ("{\"projection\": {\"name\": [1, \"x\"]}}");
   docrel_doc_t **docs = NULL;
   bson_error_t error;
   size_t n = 0;
   bool ok;

   people_open (&t);
   fixture_stderr_begin ();
   ok = docrel_find_all (t.session, t.model, NULL, opts, &docs, &n, &error);
   ck_assert_int_eq (fixture_stderr_end (), 0);
   ck_assert (!ok);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
   ASSERT_MENTIONS (error, "[ 1, \"x\" ]");
   bson_destroy (opts);
   people_close (&t);
}
END_TEST

START_TEST (projected_document_saves_only_what_was_changed)
{
   people_t t;
   bson_error_t error;
   docrel_doc_t **docs;
   docrel_doc_t *full = NULL;
   docrel_session_t *reader;
   bson_value_t key;
   size_t n = 0;
   int32_t age = 0;

   people_open (&t);
   docs = find (&t, "{\"_id\": 4}", "{\"projection\": {\"name\": 1}}", &n);
   ck_assert_uint_eq (n, 1);
   ck_assert (!docrel_doc_has (docs[0], "age"));
   ASSERT_OK (docrel_doc_set_utf8 (docs[0], "name", "renamed", &error), error);
   ASSERT_OK (docrel_save (docs[0], &error), error);
   bson_free (docs);

   reader = docrel_session_new (t.store);
   key.value_type = BSON_TYPE_INT32;
   key.value.v_int32 = 4;
   ASSERT_OK (docrel_get (reader, t.model, &key, NULL, &full, &error), error);
   ck_assert_str_eq (docrel_doc_get_utf8 (full, "name"), "renamed");
   ck_assert (docrel_doc_get_int32 (full, "age", &age));
   ck_assert_int_eq (age, 40);
   ck_assert_str_eq (docrel_doc_get_utf8 (full, "email"), "p4@example.org");
   ck_assert (docrel_doc_has (full, "items.1.sku"));
   docrel_session_destroy (reader);
   people_close (&t);
}
END_TEST

START_TEST (projection_does_not_trim_a_document_the_session_holds)
{
   people_t t;
   bson_error_t error;
   bson_value_t key;
   docrel_doc_t *held = NULL;
   docrel_doc_t **docs;
   size_t n = 0;

   people_open (&t);
   key.value_type = BSON_TYPE_INT32;
   key.value.v_int32 = 5;
   ASSERT_OK (docrel_get (t.session, t.model, &key, NULL, &held, &error), error);
   docs = find (&t, "{\"_id\": {\"$in\": [5, 6]}}", "{\"projection\": {\"name\": 1}}", &n);
   ck_assert_uint_eq (n, 2);
   ck_assert_ptr_eq (docs[0], held);
   ck_assert (docrel_doc_has (held, "age"));
   ck_assert (docrel_doc_has (held, "items"));
   ck_assert (!docrel_doc_has (docs[1], "age"));
   bson_free (docs);
   people_close (&t);
}
END_TEST

/* Count ------------------------------------------------------------------------------- */

static int64_t
count (people_t *t, const char *filter_json, const char *opts_json)
{
   bson_error_t error;
   bson_t *filter = filter_json ? fixture_json (filter_json) : NULL;
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   int64_t n = -1;

   ck_assert_msg (docrel_count (t->session, t->model, filter, opts, &n, &error), "count %s %s: %s",
                  filter_json ? filter_json : "", opts_json ? opts_json : "", error.message);
   if (filter) {
      bson_destroy (filter);
   }
   if (opts) {
      bson_destroy (opts);
   }
   return n;
}

START_TEST (count_honours_the_filter_skip_and_limit)
{
   people_t t;
   people_open (&t);
   ck_assert_int_eq (count (&t, NULL, NULL), 10);
   ck_assert_int_eq (count (&t, "{}", "{}"), 10);
   ck_assert_int_eq (count (&t, "{\"age\": {\"$gt\": 40}}", NULL), 6);
   ck_assert_int_eq (count (&t, "{\"age\": {\"$gt\": 40}}", "{\"skip\": 2}"), 4);
   ck_assert_int_eq (count (&t, "{\"age\": {\"$gt\": 40}}", "{\"limit\": 3}"), 3);
   ck_assert_int_eq (count (&t, "{\"age\": {\"$gt\": 40}}", "{\"skip\": 5, \"limit\": 3}"), 1);
   ck_assert_int_eq (count (&t, "{\"age\": {\"$gt\": 40}}", "{\"skip\": 6}"), 0);
   ck_assert_int_eq (count (&t, "{\"age\": {\"$gt\": 40}}", "{\"limit\": 0}"), 6);
   ck_assert_int_eq (count (&t, "{\"email\": {\"$in\": [\"p1@example.org\", \"p9@example.org\", \"nobody\"]}}", NULL),
                     2);
   ck_assert_int_eq (count (&t, "{\"name\": \"nobody\"}", NULL), 0);
   /* Counting loads nothing into the session. */
   ck_assert_uint_eq (docrel_session_size (t.session), 0);
   people_close (&t);
}
END_TEST

START_TEST (count_rejects_find_only_options_by_name)
{
   people_t t;
   bson_error_t error;
   int64_t n = -1;
   size_t i;
   static const char *const bad[][2] = {{"{\"sort\": {\"age\": 1}}", "sort"},
                                        {"{\"projection\": {\"age\": 1}}", "projection"},
                                        {"{\"batchSize\": 5}", "batchSize"}};

   people_open (&t);
   for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      bson_t *opts = fixture_json (bad[i][0]);
      ck_assert_msg (!docrel_count (t.session, t.model, NULL, opts, &n, &error), "count accepted %s", bad[i][0]);
      ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
      ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
      ck_assert_msg (strstr (error.message, bad[i][1]) != NULL, "%s: %s", bad[i][0], error.message);
      bson_destroy (opts);
   }
   people_close (&t);
}
END_TEST

/* Option errors -------------------------------------------------------------------------- */

START_TEST (unknown_option_is_an_error_naming_it)
{
   people_t t;
   people_open (&t);
   assert_rejected (&t, "{\"limt\": 5}", DOCREL_ERROR_BAD_OPTION, "limt", true);
   assert_rejected (&t, "{\"limit\": 5, \"Skip\": 1}", DOCREL_ERROR_BAD_OPTION, "Skip", true);
   assert_rejected (&t, "{\"hint\": {\"email\": 1}}", DOCREL_ERROR_BAD_OPTION, "hint", true);
   people_close (&t);
}
END_TEST

START_TEST (option_of_the_wrong_type_or_range_is_an_error_naming_it)
{
   people_t t;
   people_open (&t);
   assert_rejected (&t, "{\"limit\": \"x\"}", DOCREL_ERROR_BAD_OPTION, "limit", true);
   assert_rejected (&t, "{\"limit\": -1}", DOCREL_ERROR_BAD_OPTION, "limit", true);
   assert_rejected (&t, "{\"limit\": 2.5}", DOCREL_ERROR_BAD_OPTION, "limit", true);
   /* Doubles past int64's range (once cast to int64 unchecked: found fuzzing). */
   assert_rejected (&t, "{\"limit\": 1e219}", DOCREL_ERROR_BAD_OPTION, "limit", true);
   assert_rejected (&t, "{\"skip\": 9223372036854775808.0}", DOCREL_ERROR_BAD_OPTION, "skip", true);
   assert_rejected (&t, "{\"limit\": {\"$numberDouble\": \"NaN\"}}", DOCREL_ERROR_BAD_OPTION, "limit", true);
   assert_rejected (&t, "{\"limit\": null}", DOCREL_ERROR_BAD_OPTION, "limit", true);
   assert_rejected (&t, "{\"skip\": -1}", DOCREL_ERROR_BAD_OPTION, "skip", true);
   assert_rejected (&t, "{\"skip\": {\"$numberLong\": \"-1\"}}", DOCREL_ERROR_BAD_OPTION, "skip", true);
   assert_rejected (&t, "{\"skip\": true}", DOCREL_ERROR_BAD_OPTION, "skip", true);
   assert_rejected (&t, "{\"skip\": \"3\"}", DOCREL_ERROR_BAD_OPTION, "skip", true);
   people_close (&t);
}
END_TEST

/* Explain -------------------------------------------------------------------------------- */

/* True if a line of out's "plan" array contains text. */
static bool
plan_has (const bson_t *out, const char *text)
{
   bson_iter_t iter, line;

   ck_assert_msg (bson_iter_init_find (&iter, out, "plan") && BSON_ITER_HOLDS_ARRAY (&iter),
                  "explain has no plan array");
   ck_assert (bson_iter_recurse (&iter, &line));
   while (bson_iter_next (&line)) {
      if (BSON_ITER_HOLDS_UTF8 (&line)) {
         if (strstr (bson_iter_utf8 (&line, NULL), text)) {
            return true;
         }
      } else if (BSON_ITER_HOLDS_DOCUMENT (&line)) {
         const uint8_t *data;
         uint32_t len;
         bson_t sub;
         char *json;
         bool found;
         bson_iter_document (&line, &len, &data);
         ck_assert (bson_init_static (&sub, data, len));
         json = bson_as_relaxed_extended_json (&sub, NULL);
         found = strstr (json, text) != NULL;
         bson_free (json);
         if (found) {
            return true;
         }
      }
   }
   return false;
}

/* Explains filter (JSON) and returns the output; the caller destroys it. */
static bson_t *
explain (people_t *t, const char *filter_json)
{
   bson_error_t error;
   bson_t *filter = fixture_json (filter_json);
   bson_t *out = bson_malloc (sizeof *out); /* docrel_explain initialises it */

   ck_assert_msg (docrel_explain (t->session, t->model, filter, NULL, out, &error), "explain %s: %s", filter_json,
                  error.message);
   bson_destroy (filter);
   return out;
}

static void
explain_free (bson_t *out)
{
   bson_destroy (out);
   bson_free (out);
}

static void
assert_plan (people_t *t, const char *filter_json, const char *text, bool present)
{
   bson_t *out = explain (t, filter_json);
   char *json = bson_as_relaxed_extended_json (out, NULL);

   ck_assert_msg (plan_has (out, text) == present, "explain %s: the plan should%s contain '%s': %s", filter_json,
                  present ? "" : " not", text, json);
   bson_free (json);
   explain_free (out);
}

START_TEST (explain_names_the_backend_and_runs_nothing)
{
   people_t t;
   bson_iter_t iter;
   bson_t *out;
   docrel_store_stats_t stats;

   people_open (&t);
   docrel_store_stats_reset (t.store);
   out = explain (&t, "{\"email\": \"p1@example.org\"}");
   ck_assert (bson_iter_init_find (&iter, out, "backend"));
   ck_assert_str_eq (bson_iter_utf8 (&iter, NULL), docrel_store_backend_name (t.store));
   if (strcmp (docrel_store_backend_name (t.store), "sqlite") == 0) {
      ck_assert (bson_iter_init_find (&iter, out, "sql") && BSON_ITER_HOLDS_UTF8 (&iter));
      ck_assert (bson_iter_init_find (&iter, out, "plan") && BSON_ITER_HOLDS_ARRAY (&iter));
   }
   explain_free (out);
   docrel_store_stats (t.store, &stats);
   ck_assert_uint_eq (stats.finds, 0);
   ck_assert_uint_eq (stats.documents_read, 0);
   ck_assert_uint_eq (docrel_session_size (t.session), 0);
   people_close (&t);
}
END_TEST

START_TEST (explain_shows_the_index_used_for_an_indexed_field)
{
   people_t t;
   people_open (&t);
   if (strcmp (docrel_store_backend_name (t.store), "sqlite") == 0) {
      assert_plan (&t, "{\"email\": \"x\"}", "USING INDEX", true);
      assert_plan (&t, "{\"email\": {\"$eq\": \"p2@example.org\"}}", "USING INDEX", true);
      assert_plan (&t, "{\"email\": {\"$in\": [\"a@example.org\", \"b@example.org\", \"c@example.org\"]}}",
                   "USING INDEX", true);
      assert_plan (&t, "{\"email\": \"x\", \"age\": {\"$gt\": 5}}", "USING INDEX", true);
      assert_plan (&t, "{\"$and\": [{\"age\": 30}, {\"email\": \"x\"}]}", "USING INDEX", true);
   }
   people_close (&t);
}
END_TEST

START_TEST (explain_shows_a_scan_for_an_unindexed_field)
{
   people_t t;
   people_open (&t);
   if (strcmp (docrel_store_backend_name (t.store), "sqlite") == 0) {
      assert_plan (&t, "{\"name\": \"p1\"}", "USING INDEX", false);
      assert_plan (&t, "{\"name\": \"p1\"}", "SCAN", true);
      assert_plan (&t, "{\"age\": {\"$in\": [10, 20]}}", "USING INDEX", false);
      /* Only one branch of an $or names the indexed field. */
      assert_plan (&t, "{\"$or\": [{\"email\": \"x\"}, {\"name\": \"p1\"}]}", "USING INDEX", false);
   }
   people_close (&t);
}
END_TEST

START_TEST (explain_shows_a_primary_key_lookup_for_id)
{
   people_t t;
   people_open (&t);
   if (strcmp (docrel_store_backend_name (t.store), "sqlite") == 0) {
      bson_t *out = explain (&t, "{\"_id\": 3}");
      char *json = bson_as_relaxed_extended_json (out, NULL);
      ck_assert_msg (plan_has (out, "SEARCH"), "no SEARCH in the plan of {_id: 3}: %s", json);
      ck_assert_msg (!plan_has (out, "SCAN"), "a SCAN in the plan of {_id: 3}: %s", json);
      ck_assert_msg (plan_has (out, "PRIMARY KEY") || plan_has (out, "USING INDEX"), "no key lookup for {_id: 3}: %s",
                     json);
      bson_free (json);
      explain_free (out);
      assert_plan (&t, "{\"_id\": {\"$in\": [1, 2, 3]}}", "SCAN", false);
   }
   people_close (&t);
}
END_TEST

START_TEST (explain_of_a_bad_filter_fails_with_its_output_initialised)
{
   people_t t;
   bson_error_t error;
   bson_t *filter = fixture_json ("{\"email\": {\"$where\": \"1\"}}");
   bson_t out;

   people_open (&t);
   ck_assert (!docrel_explain (t.session, t.model, filter, NULL, &out, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_UNSUPPORTED_OPERATOR);
   ck_assert_msg (strstr (error.message, "$where") != NULL, "%s", error.message);
   bson_destroy (&out);
   bson_destroy (filter);
   people_close (&t);
}
END_TEST

static Suite *
query_options_suite (void)
{
   Suite *s = suite_create ("query_options");
   TCase *tc;

   tc = tcase_create ("skip_and_limit");
   tcase_add_test (tc, find_skip_and_limit_select_a_window_in_insertion_order);
   tcase_add_test (tc, find_skip_and_limit_apply_after_the_filter_and_the_sort);
   suite_add_tcase (s, tc);

   tc = tcase_create ("projection");
   tcase_add_test (tc, projection_inclusion_keeps_the_named_fields_and_id);
   tcase_add_test (tc, projection_exclusion_drops_the_named_fields);
   tcase_add_test (tc, projection_dotted_paths_reach_into_documents_and_arrays_of_documents);
   tcase_add_test (tc, projection_that_excludes_id_is_an_error);
   tcase_add_test (tc, projection_mixing_inclusion_and_exclusion_is_an_error);
   tcase_add_test (tc, projection_with_a_bad_value_or_an_operator_is_an_error);
   tcase_add_test (tc, a_bad_projection_value_is_named_without_printing);
   tcase_add_test (tc, projected_document_saves_only_what_was_changed);
   tcase_add_test (tc, projection_does_not_trim_a_document_the_session_holds);
   suite_add_tcase (s, tc);

   tc = tcase_create ("count");
   tcase_add_test (tc, count_honours_the_filter_skip_and_limit);
   tcase_add_test (tc, count_rejects_find_only_options_by_name);
   suite_add_tcase (s, tc);

   tc = tcase_create ("option_errors");
   tcase_add_test (tc, unknown_option_is_an_error_naming_it);
   tcase_add_test (tc, option_of_the_wrong_type_or_range_is_an_error_naming_it);
   suite_add_tcase (s, tc);

   tc = tcase_create ("explain");
   tcase_add_test (tc, explain_names_the_backend_and_runs_nothing);
   tcase_add_test (tc, explain_shows_the_index_used_for_an_indexed_field);
   tcase_add_test (tc, explain_shows_a_scan_for_an_unindexed_field);
   tcase_add_test (tc, explain_shows_a_primary_key_lookup_for_id);
   tcase_add_test (tc, explain_of_a_bad_filter_fails_with_its_output_initialised);
   suite_add_tcase (s, tc);

   return s;
}

int
main (void)
{
   return fixture_run (query_options_suite ());
}
