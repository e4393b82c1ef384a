/* SPDX-License-Identifier: Apache-2.0 */
/* check_filter.c: MongoDB filter semantics, seen through docrel_find_all and
 * docrel_count on stored documents.
 *
 * One small data set (ITEMS) holds every BSON type docrel filters have to
 * bracket, in one field ("v"), next to arrays of strings ("tags"), nested
 * documents ("sub") and arrays of documents ("items"). Each topic is a table
 * of {filter, the sorted _ids it must match}; expectations follow MongoDB's
 * documented behaviour (cross-checked with mongomock where mongomock agrees
 * with MongoDB). Every case runs on its own and every mismatch is reported
 * with its filter before the test fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* The data set: caller-chosen integer _ids, inserted in this order. */
static const char *const ITEMS[] = {
   "{\"_id\": 1, \"v\": 1}",
   "{\"_id\": 2, \"v\": {\"$numberLong\": \"1\"}}",
   "{\"_id\": 3, \"v\": 1.0}",
   "{\"_id\": 4, \"v\": 5, \"tags\": [\"red\", \"blue\"], \"sub\": {\"x\": 1, \"y\": {\"z\": \"deep\"}},"
   " \"items\": [{\"sku\": \"a\", \"qty\": 5}, {\"sku\": \"b\", \"qty\": 1}]}",
   "{\"_id\": 5, \"v\": 7.5, \"tags\": [\"red\"], \"sub\": {\"x\": 2},"
   " \"items\": [{\"sku\": \"a\", \"qty\": 1}, {\"sku\": \"c\", \"qty\": 10}]}",
   "{\"_id\": 6, \"v\": \"5\", \"tags\": [], \"sub\": {\"x\": 3, \"y\": {\"z\": null}}, \"items\": []}",
   "{\"_id\": 7, \"v\": \"apple\", \"tags\": [\"blue\", \"green\", \"red\"],"
   " \"items\": [{\"sku\": \"b\", \"qty\": 5}]}",
   "{\"_id\": 8, \"v\": null, \"sub\": {\"x\": null}}",
   "{\"_id\": 9}",
   "{\"_id\": 10, \"v\": true}",
   "{\"_id\": 11, \"v\": {\"$date\": {\"$numberLong\": \"1577836800000\"}}}",
   "{\"_id\": 12, \"v\": {\"$oid\": \"5f0000000000000000000001\"}}",
   "{\"_id\": 13, \"v\": [1, 5, 9]}",
   "{\"_id\": 14, \"v\": [{\"k\": 1, \"w\": \"a\"}, {\"k\": 2, \"w\": \"b\"}]}",
   "{\"_id\": 15, \"v\": {\"k\": 1, \"w\": \"a\"}}",
   "{\"_id\": 16, \"v\": {\"$numberLong\": \"9007199254740993\"}}",
   "{\"_id\": 17, \"v\": []}",
   "{\"_id\": 18, \"v\": [\"apple\", null]}",
};
#define N_ITEMS (sizeof ITEMS / sizeof ITEMS[0])

/* One case: a filter in relaxed extended JSON and the _ids it matches, in
 * ascending order, separated by single spaces ("" for none). */
typedef struct {
   const char *filter;
   const char *ids;
} filter_case_t;

#define N_CASES(table) (sizeof (table) / sizeof (table)[0])

typedef struct {
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
} items_t;

/* Opens a store, defines Item (caller-chosen _id, undeclared fields kept;
 * indexed: with indexes on v and tags, so that the embedded store answers
 * key lookups from them), saves ITEMS through one session, then opens a
 * fresh session to query. */
static void
items_open (items_t *t, bool indexed)
{
   docrel_session_t *loader;
   size_t i;

   t->store = fixture_store_open ();
   t->model = fixture_keyed_model (t->store, "Item");
   if (indexed) {
      bson_error_t error;
      bson_t *v = fixture_json ("{\"v\": 1}");
      bson_t *tags = fixture_json ("{\"tags\": 1}");
      ASSERT_OK (docrel_model_add_index (t->model, v, NULL, &error), error);
      ASSERT_OK (docrel_model_add_index (t->model, tags, NULL, &error), error);
      bson_destroy (v);
      bson_destroy (tags);
   }
   loader = docrel_session_new (t->store);
   ck_assert_ptr_nonnull (loader);
   for (i = 0; i < N_ITEMS; i++) {
      fixture_saved_doc (loader, t->model, ITEMS[i]);
   }
   docrel_session_destroy (loader);
   t->session = docrel_session_new (t->store);
   ck_assert_ptr_nonnull (t->session);
}

static void
items_close (items_t *t)
{
   docrel_session_destroy (t->session);
   fixture_store_close (t->store);
}

/* libbson's JSON reader takes {"$type": ...} for legacy extended JSON
 * binary ({"$binary": ..., "$type": "00"}) and rejects the query operator
 * with most arguments. filter_json parses the tables' filters anyway: it
 * hides "$type" as "%type" from the reader, and fixture_json_dollar renames
 * it back. */
static bson_t *
filter_json (const char *json)
{
   char hidden[1024];
   const char *from;
   char *to = hidden;

   ck_assert_uint_lt (strlen (json), sizeof hidden);
   for (from = json; *from; from++) {
      if (strncmp (from, "\"$type\"", 7) == 0) {
         *to++ = '"';
         *to++ = '%';
         from++; /* past the quote; the loop steps past the '$' */
      } else {
         *to++ = *from;
      }
   }
   *to = '\0';
   return fixture_json_dollar (hidden);
}

static size_t
count_words (const char *s)
{
   size_t n = 0;
   bool in_word = false;
   for (; *s; s++) {
      if (*s != ' ' && !in_word) {
         n++;
      }
      in_word = *s != ' ';
   }
   return n;
}

/* Runs every case of a table on t, appending a line to report (and
 * counting it in *n_failed) for every filter whose result was wrong. */
static void
run_cases_on (items_t *t,
              const char *how,
              const filter_case_t *cases,
              size_t n_cases,
              char *report,
              size_t report_size,
              size_t *n_failed)
{
   size_t i;

   for (i = 0; i < n_cases; i++) {
      bson_error_t error;
      bson_t *filter = filter_json (cases[i].filter);
      docrel_doc_t **docs = NULL;
      size_t n = 0;
      int64_t count = -1;
      char got[512];
      char line[1024];
      bool ok;

      ok = docrel_find_all (t->session, t->model, filter, NULL, &docs, &n, &error);
      if (!ok) {
         snprintf (got, sizeof got, "error: %s", error.message);
      } else {
         fixture_format_ids (docs, n, got, sizeof got);
      }
      bson_free (docs);
      if (!ok || strcmp (got, cases[i].ids) != 0) {
         snprintf (line, sizeof line, "find %s%s: expected [%s], got [%s]\n", cases[i].filter, how, cases[i].ids, got);
      } else if (!docrel_count (t->session, t->model, filter, NULL, &count, &error)) {
         snprintf (line, sizeof line, "count %s%s: error: %s\n", cases[i].filter, how, error.message);
      } else if ((size_t) count != count_words (cases[i].ids)) {
         snprintf (line, sizeof line, "count %s%s: expected %zu, got %lld\n", cases[i].filter, how,
                   count_words (cases[i].ids), (long long) count);
      } else {
         line[0] = '\0';
      }
      if (line[0]) {
         size_t used = strlen (report);
         (*n_failed)++;
         fputs (line, stderr);
         snprintf (report + used, report_size - used, "%s", line);
      }
      bson_destroy (filter);
   }
}

/* Runs every case of a table through docrel_find_all and docrel_count,
 * without indexes and with them (the embedded store then answers key
 * lookups from the index), and fails the test once, listing every filter
 * whose result was wrong. */
static void
run_cases (const filter_case_t *cases, size_t n_cases)
{
   items_t t;
   char report[6000];
   size_t n_failed = 0;

   report[0] = '\0';
   items_open (&t, false);
   run_cases_on (&t, "", cases, n_cases, report, sizeof report, &n_failed);
   items_close (&t);
   items_open (&t, true);
   run_cases_on (&t, " (indexed)", cases, n_cases, report, sizeof report, &n_failed);
   items_close (&t);
   ck_assert_msg (n_failed == 0, "%zu of %zu filters wrong:\n%s", n_failed, 2 * n_cases, report);
}

/* The data set itself --------------------------------------------------- */

START_TEST (filter_data_set_keeps_every_bson_type_it_was_saved_with)
{
   static const struct {
      int32_t id;
      bson_type_t type;
   } expected[] = {{1, BSON_TYPE_INT32},  {2, BSON_TYPE_INT64},     {3, BSON_TYPE_DOUBLE},     {6, BSON_TYPE_UTF8},
                   {8, BSON_TYPE_NULL},   {10, BSON_TYPE_BOOL},     {11, BSON_TYPE_DATE_TIME}, {12, BSON_TYPE_OID},
                   {13, BSON_TYPE_ARRAY}, {15, BSON_TYPE_DOCUMENT}, {16, BSON_TYPE_INT64}};
   items_t t;
   size_t i;

   items_open (&t, false);
   for (i = 0; i < sizeof expected / sizeof expected[0]; i++) {
      bson_error_t error;
      bson_value_t key, v;
      docrel_doc_t *doc = NULL;

      key.value_type = BSON_TYPE_INT32;
      key.value.v_int32 = expected[i].id;
      ASSERT_OK (docrel_get (t.session, t.model, &key, NULL, &doc, &error), error);
      ck_assert_msg (docrel_doc_get (doc, "v", &v), "item %d lost v", expected[i].id);
      ck_assert_msg (v.value_type == expected[i].type, "item %d: v is BSON type 0x%02x, saved as 0x%02x",
                     expected[i].id, (unsigned) v.value_type, (unsigned) expected[i].type);
   }
   {
      bson_error_t error;
      bson_value_t key;
      docrel_doc_t *doc = NULL;

      key.value_type = BSON_TYPE_INT32;
      key.value.v_int32 = 9;
      ASSERT_OK (docrel_get (t.session, t.model, &key, NULL, &doc, &error), error);
      ck_assert_msg (!docrel_doc_has (doc, "v"), "item 9 gained a v field");
   }
   items_close (&t);
}
END_TEST

/* Equality --------------------------------------------------------------- */

static const filter_case_t EQUALITY_CASES[] = {
   {"{}", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18"},
   {"{\"v\": 1}", "1 2 3 13"},
   {"{\"v\": {\"$eq\": 1.0}}", "1 2 3 13"},
   {"{\"v\": {\"$numberLong\": \"1\"}}", "1 2 3 13"},
   {"{\"v\": 5}", "4 13"},
   {"{\"v\": \"5\"}", "6"},
   {"{\"v\": {\"$eq\": \"apple\"}}", "7 18"},
   {"{\"v\": true}", "10"},
   {"{\"v\": {\"$date\": {\"$numberLong\": \"1577836800000\"}}}", "11"},
   {"{\"v\": {\"$oid\": \"5f0000000000000000000001\"}}", "12"},
   {"{\"v\": 9007199254740992.0}", ""},
   {"{\"_id\": 7}", "7"},
   {"{\"v\": {\"$ne\": 1}}", "4 5 6 7 8 9 10 11 12 14 15 16 17 18"},
   {"{\"tags\": \"red\"}", "4 5 7"},
   {"{\"tags\": {\"$ne\": \"red\"}}", "1 2 3 6 8 9 10 11 12 13 14 15 16 17 18"},
   {"{\"tags\": {\"$ne\": [\"red\", \"blue\"]}}", "1 2 3 5 6 7 8 9 10 11 12 13 14 15 16 17 18"},
};

START_TEST (filter_eq_matches_equal_numbers_of_any_type_and_array_elements)
{
   run_cases (EQUALITY_CASES, N_CASES (EQUALITY_CASES));
}
END_TEST

static const filter_case_t WHOLE_VALUE_CASES[] = {
   {"{\"v\": [1, 5, 9]}", "13"},
   {"{\"v\": [1, 9, 5]}", ""},
   {"{\"v\": []}", "17"},
   {"{\"tags\": [\"red\", \"blue\"]}", "4"},
   {"{\"v\": {\"k\": 1, \"w\": \"a\"}}", "14 15"},
   {"{\"v\": {\"w\": \"a\", \"k\": 1}}", ""},
   {"{\"sub\": {\"x\": 2}}", "5"},
   {"{\"v\": {\"$in\": [[1, 5, 9]]}}", "13"},
};

START_TEST (filter_eq_compares_whole_arrays_and_documents_in_field_order)
{
   run_cases (WHOLE_VALUE_CASES, N_CASES (WHOLE_VALUE_CASES));
}
END_TEST

/* Comparison ------------------------------------------------------------- */

static const filter_case_t COMPARISON_CASES[] = {
   {"{\"v\": {\"$gt\": 5}}", "5 13 16"},
   {"{\"v\": {\"$gte\": 5}}", "4 5 13 16"},
   {"{\"v\": {\"$lt\": 5}}", "1 2 3 13"},
   {"{\"v\": {\"$lte\": 1}}", "1 2 3 13"},
   {"{\"v\": {\"$gt\": 1, \"$lt\": 5}}", "13"},
   {"{\"v\": {\"$gt\": \"a\"}}", "7 18"},
   {"{\"v\": {\"$lt\": \"b\"}}", "6 7 18"},
   {"{\"v\": {\"$gt\": false}}", "10"},
   {"{\"v\": {\"$gt\": {\"$date\": {\"$numberLong\": \"0\"}}}}", "11"},
   {"{\"v\": {\"$gte\": {\"$oid\": \"000000000000000000000000\"}}}", "12"},
   {"{\"v\": {\"$gt\": {\"k\": 0}}}", "14 15"},
   {"{\"_id\": {\"$gt\": 15}}", "16 17 18"},
};

START_TEST (filter_comparisons_never_cross_a_type_bracket)
{
   run_cases (COMPARISON_CASES, N_CASES (COMPARISON_CASES));
}
END_TEST

static const filter_case_t PRECISION_CASES[] = {
   {"{\"v\": {\"$gt\": 9007199254740992.0}}", "16"},
   {"{\"v\": {\"$in\": [{\"$numberLong\": \"9007199254740993\"}]}}", "16"},
   {"{\"v\": {\"$lte\": 9007199254740992.0, \"$type\": \"long\"}}", "2"},
};

START_TEST (filter_compares_int64_and_double_exactly)
{
   run_cases (PRECISION_CASES, N_CASES (PRECISION_CASES));
}
END_TEST

/* Null and existence ------------------------------------------------------ */

static const filter_case_t NULL_CASES[] = {
   {"{\"v\": null}", "8 9 18"},
   {"{\"v\": {\"$ne\": null}}", "1 2 3 4 5 6 7 10 11 12 13 14 15 16 17"},
   {"{\"v\": {\"$gte\": null}}", "8 9 18"},
   {"{\"v\": {\"$lte\": null}}", "8 9 18"},
   {"{\"v\": {\"$gt\": null}}", ""},
   {"{\"sub.y.z\": null}", "1 2 3 5 6 7 8 9 10 11 12 13 14 15 16 17 18"},
   {"{\"sub.x\": {\"$type\": \"null\"}}", "8"},
   {"{\"v\": {\"$exists\": true}}", "1 2 3 4 5 6 7 8 10 11 12 13 14 15 16 17 18"},
   {"{\"v\": {\"$exists\": false}}", "9"},
   {"{\"sub.y.z\": {\"$exists\": true}}", "4 6"},
   {"{\"tags\": {\"$exists\": true, \"$size\": 0}}", "6"},
   {"{\"items.sku\": {\"$exists\": false}}", "1 2 3 6 8 9 10 11 12 13 14 15 16 17 18"},
   {"{\"v\": {\"$eq\": null, \"$exists\": true}}", "8 18"},
};

START_TEST (filter_null_matches_null_missing_and_arrays_holding_null)
{
   run_cases (NULL_CASES, N_CASES (NULL_CASES));
}
END_TEST

/* Membership --------------------------------------------------------------- */

static const filter_case_t MEMBERSHIP_CASES[] = {
   {"{\"v\": {\"$in\": [5, \"apple\"]}}", "4 7 13 18"},
   {"{\"v\": {\"$in\": [null, true]}}", "8 9 10 18"},
   {"{\"v\": {\"$in\": []}}", ""},
   {"{\"tags\": {\"$in\": [\"green\", \"blue\"]}}", "4 7"},
   {"{\"_id\": {\"$in\": [1, 3, 99]}}", "1 3"},
   {"{\"v\": {\"$nin\": [1, null]}}", "4 5 6 7 10 11 12 14 15 16 17"},
   {"{\"tags\": {\"$nin\": [\"red\"]}}", "1 2 3 6 8 9 10 11 12 13 14 15 16 17 18"},
   {"{\"v\": {\"$not\": {\"$in\": [1, 5]}}}", "5 6 7 8 9 10 11 12 14 15 16 17 18"},
   {"{\"v\": {\"$in\": [1], \"$nin\": [5]}}", "1 2 3"},
   {"{\"v.k\": {\"$in\": [2]}}", "14"},
   {"{\"tags\": {\"$in\": [[]]}}", "6"},
};

START_TEST (filter_in_matches_any_element_of_an_array_field)
{
   run_cases (MEMBERSHIP_CASES, N_CASES (MEMBERSHIP_CASES));
}
END_TEST

/* $type ------------------------------------------------------------------- */

static const filter_case_t TYPE_CASES[] = {
   {"{\"v\": {\"$type\": \"string\"}}", "6 7 18"},
   {"{\"v\": {\"$type\": 2}}", "6 7 18"},
   {"{\"v\": {\"$type\": \"number\"}}", "1 2 3 4 5 13 16"},
   {"{\"v\": {\"$type\": \"array\"}}", "13 14 17 18"},
   {"{\"v\": {\"$type\": 4}}", "13 14 17 18"},
   {"{\"v\": {\"$type\": \"long\"}}", "2 16"},
   {"{\"v\": {\"$type\": 18}}", "2 16"},
   {"{\"v\": {\"$type\": \"double\"}}", "3 5"},
   {"{\"v\": {\"$type\": \"int\"}}", "1 4 13"},
   {"{\"v\": {\"$type\": \"null\"}}", "8 18"},
   {"{\"v\": {\"$type\": \"bool\"}}", "10"},
   {"{\"v\": {\"$type\": \"date\"}}", "11"},
   {"{\"v\": {\"$type\": \"objectId\"}}", "12"},
   {"{\"v\": {\"$type\": \"object\"}}", "14 15"},
   {"{\"v\": {\"$type\": [\"string\", \"bool\"]}}", "6 7 10 18"},
   {"{\"v\": {\"$type\": \"decimal\"}}", ""},
   {"{\"_id\": {\"$type\": \"int\"}}", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18"},
};

START_TEST (filter_type_accepts_aliases_numbers_number_and_array)
{
   run_cases (TYPE_CASES, N_CASES (TYPE_CASES));
}
END_TEST

/* Logical operators --------------------------------------------------------- */

static const filter_case_t LOGICAL_CASES[] = {
   {"{\"$and\": [{\"v\": {\"$type\": \"number\"}}, {\"v\": {\"$gt\": 1}}]}", "4 5 13 16"},
   {"{\"$or\": [{\"v\": \"apple\"}, {\"tags\": \"green\"}]}", "7 18"},
   {"{\"$or\": [{\"v\": 1}, {\"_id\": 4}], \"tags\": {\"$exists\": true}}", "4"},
   {"{\"$nor\": [{\"v\": {\"$exists\": false}}, {\"v\": {\"$type\": \"array\"}}, {\"v\": {\"$type\": \"number\"}}]}",
    "6 7 8 10 11 12 15"},
   {"{\"$and\": [{\"$or\": [{\"v\": 1}, {\"v\": 5}]},"
    " {\"$or\": [{\"tags\": {\"$exists\": true}}, {\"v\": {\"$type\": \"array\"}}]}]}",
    "4 13"},
   {"{\"v\": {\"$not\": {\"$gt\": 5}}}", "1 2 3 4 6 7 8 9 10 11 12 14 15 17 18"},
   {"{\"v\": {\"$not\": {\"$type\": \"string\"}}}", "1 2 3 4 5 8 9 10 11 12 13 14 15 16 17"},
   {"{\"tags\": {\"$not\": {\"$size\": 1}}}", "1 2 3 4 6 7 8 9 10 11 12 13 14 15 16 17 18"},
};

START_TEST (filter_and_or_nor_not_combine_conditions)
{
   run_cases (LOGICAL_CASES, N_CASES (LOGICAL_CASES));
}
END_TEST

/* Array operators ----------------------------------------------------------- */

static const filter_case_t ALL_SIZE_CASES[] = {
   {"{\"v\": {\"$all\": [1, 9]}}", "13"},
   {"{\"v\": {\"$all\": [5]}}", "4 13"},
   {"{\"v\": {\"$all\": []}}", ""},
   {"{\"tags\": {\"$all\": [\"red\", \"blue\"]}}", "4 7"},
   {"{\"items.qty\": {\"$all\": [5, 1]}}", "4"},
   {"{\"v\": {\"$size\": 3}}", "13"},
   {"{\"v\": {\"$size\": 2}}", "14 18"},
   {"{\"v\": {\"$size\": 2.0}}", "14 18"},
   {"{\"v\": {\"$size\": 0}}", "17"},
   {"{\"tags\": {\"$size\": 1}}", "5"},
   {"{\"items\": {\"$size\": 2}}", "4 5"},
   {"{\"items\": {\"$all\": [{\"$elemMatch\": {\"sku\": \"a\"}}, {\"$elemMatch\": {\"qty\": 10}}]}}", "5"},
};

START_TEST (filter_all_and_size_look_at_whole_arrays)
{
   run_cases (ALL_SIZE_CASES, N_CASES (ALL_SIZE_CASES));
}
END_TEST

static const filter_case_t ELEM_MATCH_CASES[] = {
   {"{\"v\": {\"$elemMatch\": {\"$gte\": 5, \"$lt\": 9}}}", "13"},
   {"{\"v\": {\"$elemMatch\": {\"$gt\": 1, \"$lt\": 5}}}", ""},
   {"{\"v\": {\"$elemMatch\": {\"k\": 2, \"w\": \"b\"}}}", "14"},
   {"{\"v\": {\"$elemMatch\": {\"k\": 1, \"w\": \"b\"}}}", ""},
   {"{\"v.k\": 1, \"v.w\": \"b\"}", "14"},
   {"{\"items\": {\"$elemMatch\": {\"sku\": \"a\", \"qty\": {\"$gte\": 5}}}}", "4"},
   {"{\"items.sku\": \"a\", \"items.qty\": {\"$gte\": 5}}", "4 5"},
   {"{\"items\": {\"$elemMatch\": {\"$or\": [{\"sku\": \"c\"}, {\"qty\": 5}]}}}", "4 5 7"},
   {"{\"v\": {\"$elemMatch\": {\"$exists\": true}}}", "13 14 18"},
};

START_TEST (filter_elem_match_needs_one_element_to_meet_every_condition)
{
   run_cases (ELEM_MATCH_CASES, N_CASES (ELEM_MATCH_CASES));
}
END_TEST

/* Paths ------------------------------------------------------------------- */

static const filter_case_t PATH_CASES[] = {
   {"{\"v.k\": 1}", "14 15"},
   {"{\"items.sku\": \"a\"}", "4 5"},
   {"{\"items.qty\": {\"$gt\": 4}}", "4 5 7"},
   {"{\"sub.x\": {\"$gte\": 2}}", "5 6"},
   {"{\"sub.y.z\": \"deep\"}", "4"},
   {"{\"v.0\": 1}", "13"},
   {"{\"v.2\": {\"$exists\": true}}", "13"},
   {"{\"v.5\": {\"$exists\": true}}", ""},
   {"{\"v.1\": {\"k\": 2, \"w\": \"b\"}}", "14"},
   {"{\"v.0.k\": 1}", "14"},
   {"{\"items.1.qty\": 10}", "5"},
};

START_TEST (filter_dotted_paths_reach_into_documents_and_array_elements)
{
   run_cases (PATH_CASES, N_CASES (PATH_CASES));
}
END_TEST

/* Errors ------------------------------------------------------------------- */

static bool
contains_ci (const char *haystack, const char *needle)
{
   size_t n = strlen (needle), i;
   for (; *haystack; haystack++) {
      for (i = 0; i < n; i++) {
         char a = haystack[i], b = needle[i];
         if (a >= 'A' && a <= 'Z') {
            a = (char) (a - 'A' + 'a');
         }
         if (b >= 'A' && b <= 'Z') {
            b = (char) (b - 'A' + 'a');
         }
         if (!a || a != b) {
            break;
         }
      }
      if (i == n) {
         return true;
      }
   }
   return false;
}

typedef struct {
   const char *filter;
   uint32_t code;
   const char *named; /* the message must contain this */
} filter_error_case_t;

/* Checks one bad filter through find_all, find and count. Returns a line
 * describing what went wrong, or "" if every call failed as expected. */
static void
check_error_case (items_t *t, const filter_error_case_t *c, char *line, size_t size)
{
   bson_error_t error;
   bson_t *filter = filter_json (c->filter);
   static docrel_doc_t *sentinel[1];
   docrel_doc_t **docs = sentinel; /* find_all must reset it to NULL */
   size_t n = 99;
   int64_t count = -1;
   docrel_cursor_t *cursor;
   size_t before = docrel_session_size (t->session);

   line[0] = '\0';
   memset (&error, 0, sizeof error);
   if (docrel_find_all (t->session, t->model, filter, NULL, &docs, &n, &error)) {
      snprintf (line, size, "%s: find_all succeeded with %zu documents\n", c->filter, n);
      bson_free (docs);
   } else if (error.domain != DOCREL_ERROR_QUERY || error.code != c->code) {
      snprintf (line, size, "%s: expected domain 0x%x code %u, got domain 0x%x code %u (%s)\n", c->filter,
                (unsigned) DOCREL_ERROR_QUERY, (unsigned) c->code, (unsigned) error.domain, (unsigned) error.code,
                error.message);
   } else if (!contains_ci (error.message, c->named)) {
      snprintf (line, size, "%s: message does not name '%s': %s\n", c->filter, c->named, error.message);
   } else if (docs != NULL || n != 0 || docrel_session_size (t->session) != before) {
      snprintf (line, size, "%s: a failed find_all left output or documents behind\n", c->filter);
   } else if ((cursor = docrel_find (t->session, t->model, filter, NULL, &error)) != NULL) {
      docrel_cursor_destroy (cursor);
      snprintf (line, size, "%s: docrel_find accepted it\n", c->filter);
   } else if (error.code != c->code) {
      snprintf (line, size, "%s: docrel_find gave code %u (%s)\n", c->filter, (unsigned) error.code, error.message);
   } else if (docrel_count (t->session, t->model, filter, NULL, &count, &error)) {
      snprintf (line, size, "%s: docrel_count accepted it (%lld)\n", c->filter, (long long) count);
   } else if (error.code != c->code) {
      snprintf (line, size, "%s: docrel_count gave code %u (%s)\n", c->filter, (unsigned) error.code, error.message);
   }
   bson_destroy (filter);
}

static void
run_error_cases (const filter_error_case_t *cases, size_t n_cases)
{
   items_t t;
   char report[6000];
   size_t report_len = 0, i, n_failed = 0;

   items_open (&t, false);
   report[0] = '\0';
   for (i = 0; i < n_cases; i++) {
      char line[1024];
      check_error_case (&t, &cases[i], line, sizeof line);
      if (line[0]) {
         n_failed++;
         fputs (line, stderr);
         if (report_len < sizeof report) {
            report_len += (size_t) snprintf (report + report_len, sizeof report - report_len, "%s", line);
         }
      }
   }
   items_close (&t);
   ck_assert_msg (n_failed == 0, "%zu of %zu bad filters handled wrongly:\n%s", n_failed, n_cases, report);
}

#define UNSUPPORTED DOCREL_ERROR_UNSUPPORTED_OPERATOR
static const filter_error_case_t UNSUPPORTED_CASES[] = {
   {"{\"$where\": \"this.v == 1\"}", UNSUPPORTED, "$where"},
   {"{\"$expr\": {\"$eq\": [\"$v\", 1]}}", UNSUPPORTED, "$expr"},
   {"{\"v\": {\"$mod\": [2, 0]}}", UNSUPPORTED, "$mod"},
   {"{\"$text\": {\"$search\": \"apple\"}}", UNSUPPORTED, "$text"},
   {"{\"v\": {\"$elemMatch\": {\"$mod\": [2, 1]}}}", UNSUPPORTED, "$mod"},
   {"{\"v\": {\"$frobnicate\": 1}}", UNSUPPORTED, "$frobnicate"},
   {"{\"$frobnicate\": [{\"v\": 1}]}", UNSUPPORTED, "$frobnicate"},
};

START_TEST (filter_unsupported_operator_is_an_error_naming_it)
{
   run_error_cases (UNSUPPORTED_CASES, N_CASES (UNSUPPORTED_CASES));
}
END_TEST

#define BAD DOCREL_ERROR_BAD_OPTION
static const filter_error_case_t MALFORMED_CASES[] = {
   {"{\"v\": {\"$in\": 5}}", BAD, "$in"},
   {"{\"v\": {\"$nin\": \"x\"}}", BAD, "$nin"},
   {"{\"$and\": []}", BAD, "$and"},
   {"{\"$or\": {\"v\": 1}}", BAD, "$or"},
   {"{\"$nor\": [1]}", BAD, "$nor"},
   {"{\"v\": {\"$size\": -1}}", BAD, "$size"},
   {"{\"v\": {\"$size\": 1.5}}", BAD, "$size"},
   {"{\"v\": {\"$size\": \"2\"}}", BAD, "$size"},
   {"{\"v\": {\"$type\": \"nonsense\"}}", BAD, "$type"},
   {"{\"v\": {\"$type\": 99}}", BAD, "$type"},
   {"{\"v\": {\"$all\": 1}}", BAD, "$all"},
   {"{\"v\": {\"$elemMatch\": 1}}", BAD, "$elemMatch"},
   {"{\"v\": {\"$not\": 5}}", BAD, "$not"},
   {"{\"v\": {\"$not\": {}}}", BAD, "$not"},
};

START_TEST (filter_malformed_operator_argument_is_a_bad_option)
{
   run_error_cases (MALFORMED_CASES, N_CASES (MALFORMED_CASES));
}
END_TEST

static Suite *
filter_suite (void)
{
   Suite *s = suite_create ("filter");
   TCase *tc;

   tc = tcase_create ("data_set");
   tcase_add_test (tc, filter_data_set_keeps_every_bson_type_it_was_saved_with);
   suite_add_tcase (s, tc);

   tc = tcase_create ("equality");
   tcase_add_test (tc, filter_eq_matches_equal_numbers_of_any_type_and_array_elements);
   tcase_add_test (tc, filter_eq_compares_whole_arrays_and_documents_in_field_order);
   suite_add_tcase (s, tc);

   tc = tcase_create ("comparison");
   tcase_add_test (tc, filter_comparisons_never_cross_a_type_bracket);
   tcase_add_test (tc, filter_compares_int64_and_double_exactly);
   suite_add_tcase (s, tc);

   tc = tcase_create ("null_and_exists");
   tcase_add_test (tc, filter_null_matches_null_missing_and_arrays_holding_null);
   suite_add_tcase (s, tc);

   tc = tcase_create ("membership");
   tcase_add_test (tc, filter_in_matches_any_element_of_an_array_field);
   suite_add_tcase (s, tc);

   tc = tcase_create ("type");
   tcase_add_test (tc, filter_type_accepts_aliases_numbers_number_and_array);
   suite_add_tcase (s, tc);

   tc = tcase_create ("logical");
   tcase_add_test (tc, filter_and_or_nor_not_combine_conditions);
   suite_add_tcase (s, tc);

   tc = tcase_create ("arrays");
   tcase_add_test (tc, filter_all_and_size_look_at_whole_arrays);
   tcase_add_test (tc, filter_elem_match_needs_one_element_to_meet_every_condition);
   suite_add_tcase (s, tc);

   tc = tcase_create ("paths");
   tcase_add_test (tc, filter_dotted_paths_reach_into_documents_and_array_elements);
   suite_add_tcase (s, tc);

   tc = tcase_create ("errors");
   tcase_add_test (tc, filter_unsupported_operator_is_an_error_naming_it);
   tcase_add_test (tc, filter_malformed_operator_argument_is_a_bad_option);
   suite_add_tcase (s, tc);

   return s;
}

int
main (void)
{
   return fixture_run (filter_suite ());
}
