/* SPDX-License-Identifier: Apache-2.0 */
/* check_regex.c: $regex and regex values with MongoDB's semantics (PCRE2,
 * options i, m, s, x, UTF-8), on every store kind, with and without an
 * index on the field (an anchored prefix narrows through the index on the
 * embedded store: it must not change the answers).
 *
 * One table of {filter, the sorted _ids it matches}; the same table runs on
 * memory, file and the MongoDB test server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static const char *const DOCS[] = {
   "{\"_id\": 1, \"name\": \"abc\"}",
   "{\"_id\": 2, \"name\": \"ABC\"}",
   "{\"_id\": 3, \"name\": \"xabc\"}",
   "{\"_id\": 4, \"name\": \"line1\\nabc\"}",
   "{\"_id\": 5, \"name\": \"a\\nb\"}",
   "{\"_id\": 6, \"name\": [\"zzz\", \"abd\"]}",
   "{\"_id\": 7, \"name\": 5}",
   "{\"_id\": 8}",
   "{\"_id\": 9, \"name\": \"\\u00e9t\\u00e9\"}",
   "{\"_id\": 10, \"name\": \"\\u00c9T\\u00c9\"}",
   "{\"_id\": 11, \"name\": {\"$regularExpression\": {\"pattern\": \"^ab\", \"options\": \"\"}}}",
   "{\"_id\": 12, \"name\": \"ab\", \"tags\": [\"x1\", \"y2\"]}",
   "{\"_id\": 13, \"name\": \"\\u0663\"}",
   "{\"_id\": 14, \"name\": \"ac\"}",
};
#define N_DOCS (sizeof DOCS / sizeof DOCS[0])

typedef struct {
   const char *filter;
   const char *ids;
} regex_case_t;

#define RX(p, o) "{\"$regularExpression\": {\"pattern\": \"" p "\", \"options\": \"" o "\"}}"

/* libbson's JSON reader takes {"$regex": ..., "$options": ...} for a regex
 * value, so the tables write the operators as %regex and %options and
 * fixture_json_dollar renames them back: the filters say what a user sends. */
static const regex_case_t CASES[] = {
   {"{\"name\": {\"%regex\": \"^ab\"}}", "1 6 11 12"},
   {"{\"name\": " RX ("^ab", "") "}", "1 6 11 12"},
   {"{\"name\": {\"%regex\": \"^ab\", \"%options\": \"i\"}}", "1 2 6 12"},
   {"{\"name\": " RX ("^ab", "i") "}", "1 2 6 12"},
   {"{\"name\": {\"%regex\": \"abc\"}}", "1 3 4"},
   {"{\"name\": {\"%regex\": \"^abc\"}}", "1"},
   {"{\"name\": {\"%regex\": \"^abc\", \"%options\": \"m\"}}", "1 4"},
   {"{\"name\": {\"%regex\": \"\\\\Aabc\", \"%options\": \"m\"}}", "1"},
   {"{\"name\": {\"%regex\": \"^a.b$\"}}", ""},
   {"{\"name\": {\"%regex\": \"^a.b$\", \"%options\": \"s\"}}", "5"},
   {"{\"name\": {\"%regex\": \"^a b # comment\\n c$\", \"%options\": \"x\"}}", "1"},
   {"{\"name\": {\"%regex\": \"^ab?c\"}}", "1 14"},
   {"{\"name\": {\"%regex\": \"^ab{0}c\"}}", "14"},
   {"{\"name\": {\"%regex\": \"^\\u00e9\"}}", "9"},
   {"{\"name\": {\"%regex\": \"^\\u00e9.\\u00e9$\", \"%options\": \"i\"}}", "9 10"},
   {"{\"name\": {\"%regex\": \"^.{3}$\"}}", "1 2 6 9 10"},
   {"{\"name\": {\"%regex\": \"^\\\\d$\"}}", ""},
   {"{\"name\": {\"%regex\": \"^\\\\w+$\"}}", "1 2 3 6 12 14"},
   {"{\"name\": {\"%regex\": \"^ab\", \"%options\": \"u\"}}", "1 6 12"},
   {"{\"name\": {\"%regex\": " RX ("^ab", "") ", \"%options\": \"i\"}}", "1 2 6 12"},
   {"{\"name\": {\"$in\": [" RX ("^x", "") ", \"ABC\", 5]}}", "2 3 7"},
   {"{\"name\": {\"$nin\": [" RX ("^a", "") ", 5]}}", "2 3 4 8 9 10 11 13"},
   {"{\"name\": {\"$not\": " RX ("^a", "") "}}", "2 3 4 7 8 9 10 11 13"},
   {"{\"name\": {\"$not\": {\"%regex\": \"^a\", \"%options\": \"i\"}}}", "3 4 7 8 9 10 11 13"},
   {"{\"name\": {\"$all\": [" RX ("^z", "") ", " RX ("d$", "") "]}}", "6"},
   {"{\"name\": {\"$elemMatch\": {\"%regex\": \"^ab\"}}}", "6"},
   {"{\"name\": {\"$eq\": " RX ("^ab", "") "}}", "11"},
   {"{\"$or\": [{\"name\": " RX ("^ABC$", "") "}, {\"tags\": " RX ("2$", "") "}]}", "2 12"},
   {"{\"name\": {\"%regex\": \"^ab\"}, \"_id\": {\"$gt\": 5}}", "6 11 12"},
   {"{\"name\": {\"%regex\": \"\"}}", "1 2 3 4 5 6 9 10 12 13 14"},
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

typedef struct {
   const char *filter;
   const char *mentions;
} regex_error_case_t;

static const regex_error_case_t ERRORS[] = {
   {"{\"name\": {\"%regex\": \"(ab\"}}", "name"},
   {"{\"name\": {\"%regex\": \"[)\"}}", "missing terminating ]"},
   {"{\"name\": {\"%regex\": \"a\", \"%options\": \"q\"}}", "invalid flag in regex options: q"},
   {"{\"name\": {\"%options\": \"i\"}}", "$regex"},
   {"{\"name\": {\"%regex\": 5}}", "$regex"},
   {"{\"name\": {\"%regex\": " RX ("a", "i") ", \"%options\": \"m\"}}", "options set in both"},
   {"{\"name\": {\"$gt\": " RX ("a", "") "}}", "$gt"},
   {"{\"name\": {\"$ne\": " RX ("a", "") "}}", "$ne"},
   {"{\"name\": {\"$in\": [{\"%regex\": \"a\"}]}}", "$in"},
};
#define N_ERRORS (sizeof ERRORS / sizeof ERRORS[0])

/* A store with DOCS in model Item (indexed: an index on name). */
static docrel_store_t *
open_items (bool indexed, docrel_model_t **model)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_session_t *loader;

   *model = fixture_keyed_model (store, "Item");
   if (indexed) {
      bson_error_t error;
      bson_t *keys = fixture_json ("{\"name\": 1}");
      ASSERT_OK (docrel_model_add_index (*model, keys, NULL, &error), error);
      bson_destroy (keys);
   }
   loader = docrel_session_new (store);
   for (size_t i = 0; i < N_DOCS; i++) {
      fixture_saved_doc (loader, *model, DOCS[i]);
   }
   docrel_session_destroy (loader);
   return store;
}

static void
run_cases (bool indexed)
{
   docrel_model_t *model;
   docrel_store_t *store = open_items (indexed, &model);
   docrel_session_t *session = docrel_session_new (store);
   size_t failed = 0;

   for (size_t i = 0; i < N_CASES; i++) {
      bson_error_t error;
      bson_t *filter = fixture_json_dollar (CASES[i].filter);
      docrel_doc_t **docs = NULL;
      size_t n = 0;
      int64_t count = -1;
      char got[600];

      if (!docrel_find_all (session, model, filter, NULL, &docs, &n, &error)) {
         snprintf (got, sizeof got, "error: %s", error.message);
      } else {
         fixture_format_ids (docs, n, got, sizeof got);
         ASSERT_OK (docrel_count (session, model, filter, NULL, &count, &error), error);
         ck_assert_int_eq (count, (int64_t) n);
      }
      if (strcmp (got, CASES[i].ids) != 0) {
         fprintf (stderr, "%s (%s): expected [%s], got [%s]\n", CASES[i].filter, indexed ? "indexed" : "plain",
                  CASES[i].ids, got);
         failed++;
      }
      bson_free (docs);
      bson_destroy (filter);
   }
   docrel_session_destroy (session);
   fixture_store_close (store);
   ck_assert_msg (failed == 0, "%zu of %zu regex cases wrong (see stderr)", failed, N_CASES);
}

START_TEST (regex_table_matches_mongodb)
{
   run_cases (false);
}
END_TEST

START_TEST (regex_table_matches_mongodb_through_an_index)
{
   run_cases (true);
}
END_TEST

START_TEST (regex_errors_name_field_and_cause)
{
   docrel_model_t *model;
   docrel_store_t *store = open_items (false, &model);
   docrel_session_t *session = docrel_session_new (store);

   for (size_t i = 0; i < N_ERRORS; i++) {
      bson_error_t error;
      bson_t *filter = fixture_json_dollar (ERRORS[i].filter);
      docrel_doc_t **docs = NULL;
      size_t n = 0;

      ck_assert_msg (!docrel_find_all (session, model, filter, NULL, &docs, &n, &error), "%s was accepted",
                     ERRORS[i].filter);
      ck_assert_ptr_null (docs);
      ck_assert_msg (strstr (error.message, ERRORS[i].mentions) != NULL, "%s: \"%s\" does not mention \"%s\"",
                     ERRORS[i].filter, error.message, ERRORS[i].mentions);
      bson_destroy (filter);
   }
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* On the embedded store, an anchored case-sensitive prefix is searched
 * through the index on the field, not by scanning the table. */
START_TEST (regex_prefix_uses_the_index)
{
   docrel_model_t *model;
   docrel_store_t *store;
   docrel_session_t *session;
   bson_error_t error;
   bson_t plan;
   bson_t *filter = fixture_json_dollar ("{\"name\": {\"%regex\": \"^ab\"}}");
   char *json;

   if (strcmp (fixture_kind (), "mongodb") == 0) {
      bson_destroy (filter);
      return; /* the server plans its own queries */
   }
   store = open_items (true, &model);
   session = docrel_session_new (store);
   ASSERT_OK (docrel_explain (session, model, filter, NULL, &plan, &error), error);
   json = bson_as_relaxed_extended_json (&plan, NULL);
   ck_assert_msg (strstr (json, "INDEX $item$_name_1 (") != NULL && strstr (json, ">=") != NULL, "plan: %s", json);
   bson_free (json);
   bson_destroy (&plan);
   bson_destroy (filter);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

static Suite *
regex_suite (void)
{
   Suite *s = suite_create ("regex");
   TCase *tc = tcase_create ("regex");

   tcase_add_test (tc, regex_table_matches_mongodb);
   tcase_add_test (tc, regex_table_matches_mongodb_through_an_index);
   tcase_add_test (tc, regex_errors_name_field_and_cause);
   tcase_add_test (tc, regex_prefix_uses_the_index);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (regex_suite ());
}
