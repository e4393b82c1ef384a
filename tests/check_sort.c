/* SPDX-License-Identifier: Apache-2.0 */
/* check_sort.c: the "sort" find option and the order of unsorted finds.
 *
 * Sorts follow MongoDB's order across BSON types: MinKey < null and missing
 * < numbers (by value, across int32, int64 and double) < strings <
 * documents < arrays < binData < ObjectId < bool < date < MaxKey. An array
 * field sorts by its smallest element ascending and its largest descending;
 * an empty array sorts below null. Without a sort, documents come in
 * insertion order.
 *
 * Every document carries a "name"; a test compares the names in the order
 * docrel_find_all returned them, and breaks ties with a sort on "name" so the
 * expected order is exact. Documents are inserted out of their sorted order. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
} sorted_t;

/* Opens a store with model Item (caller-chosen _id), saves docs in the
 * given order and opens a fresh session for the queries. */
static void
sorted_open (sorted_t *t, const char *const *docs, size_t n)
{
   docrel_session_t *loader;
   size_t i;

   t->store = fixture_store_open ();
   t->model = fixture_keyed_model (t->store, "Item");
   loader = docrel_session_new (t->store);
   for (i = 0; i < n; i++) {
      fixture_saved_doc (loader, t->model, docs[i]);
   }
   docrel_session_destroy (loader);
   t->session = docrel_session_new (t->store);
}

static void
sorted_close (sorted_t *t)
{
   docrel_session_destroy (t->session);
   fixture_store_close (t->store);
}

/* Runs find_all with filter and opts (JSON, either may be NULL) and checks
 * the sequence of "name" fields (or _ids when a document has no name). */
static void
assert_order (sorted_t *t, const char *filter_json, const char *opts_json, const char *expected)
{
   bson_error_t error;
   bson_t *filter = filter_json ? fixture_json (filter_json) : NULL;
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   docrel_doc_t **docs = NULL;
   size_t n = 0, i, len = 0;
   char got[2048];

   ck_assert_msg (docrel_find_all (t->session, t->model, filter, opts, &docs, &n, &error), "find %s %s: %s",
                  filter_json ? filter_json : "{}", opts_json ? opts_json : "", error.message);
   got[0] = '\0';
   for (i = 0; i < n && len < sizeof got; i++) {
      const char *name = docrel_doc_get_utf8 (docs[i], "name");
      int32_t id = -1;
      if (name) {
         len += (size_t) snprintf (got + len, sizeof got - len, "%s%s", i ? " " : "", name);
      } else {
         const bson_value_t *v = docrel_doc_id (docs[i]);
         if (v && v->value_type == BSON_TYPE_INT32) {
            id = v->value.v_int32;
         }
         len += (size_t) snprintf (got + len, sizeof got - len, "%s%d", i ? " " : "", id);
      }
   }
   bson_free (docs);
   if (filter) {
      bson_destroy (filter);
   }
   if (opts) {
      bson_destroy (opts);
   }
   ck_assert_msg (strcmp (got, expected) == 0, "find %s %s:\n  expected [%s]\n  got      [%s]",
                  filter_json ? filter_json : "{}", opts_json ? opts_json : "", expected, got);
}

/* Type order ------------------------------------------------------------------ */

/* One document per BSON type (and per value within a type), inserted in a
 * scrambled order. */
static const char *const TYPE_DOCS[] = {
   "{\"_id\": 1, \"name\": \"str_b\", \"v\": \"b\"}",
   "{\"_id\": 2, \"name\": \"maxkey\", \"v\": {\"$maxKey\": 1}}",
   "{\"_id\": 3, \"name\": \"int3\", \"v\": 3}",
   "{\"_id\": 4, \"name\": \"date_1970\", \"v\": {\"$date\": {\"$numberLong\": \"-1000\"}}}",
   "{\"_id\": 5, \"name\": \"null\", \"v\": null}",
   "{\"_id\": 6, \"name\": \"doc_a2\", \"v\": {\"a\": 2}}",
   "{\"_id\": 7, \"name\": \"true\", \"v\": true}",
   "{\"_id\": 8, \"name\": \"str_B\", \"v\": \"B\"}",
   "{\"_id\": 9, \"name\": \"bin_len2\", \"v\": {\"$binary\": {\"base64\": \"AAA=\", \"subType\": \"00\"}}}",
   "{\"_id\": 10, \"name\": \"long2\", \"v\": {\"$numberLong\": \"2\"}}",
   "{\"_id\": 11, \"name\": \"minkey\", \"v\": {\"$minKey\": 1}}",
   "{\"_id\": 12, \"name\": \"oid_low\", \"v\": {\"$oid\": \"000000000000000000000001\"}}",
   "{\"_id\": 13, \"name\": \"doc_b0\", \"v\": {\"b\": 0}}",
   "{\"_id\": 14, \"name\": \"missing\"}",
   "{\"_id\": 15, \"name\": \"str_ab\", \"v\": \"ab\"}",
   "{\"_id\": 16, \"name\": \"false\", \"v\": false}",
   "{\"_id\": 17, \"name\": \"double_big\", \"v\": 9007199254740992.0}",
   "{\"_id\": 18, \"name\": \"empty_array\", \"v\": []}",
   "{\"_id\": 19, \"name\": \"doc_a1\", \"v\": {\"a\": 1}}",
   "{\"_id\": 20, \"name\": \"date_2020\", \"v\": {\"$date\": {\"$numberLong\": \"1577836800000\"}}}",
   "{\"_id\": 21, \"name\": \"double_neg\", \"v\": -1.5}",
   "{\"_id\": 22, \"name\": \"nested_array\", \"v\": [[5]]}",
   "{\"_id\": 23, \"name\": \"oid_high\", \"v\": {\"$oid\": \"ffffffffffffffffffffffff\"}}",
   "{\"_id\": 24, \"name\": \"str_a\", \"v\": \"a\"}",
   "{\"_id\": 25, \"name\": \"long_big\", \"v\": {\"$numberLong\": \"9007199254740993\"}}",
   "{\"_id\": 26, \"name\": \"doc_a1b1\", \"v\": {\"a\": 1, \"b\": 1}}",
   "{\"_id\": 27, \"name\": \"bin_len1\", \"v\": {\"$binary\": {\"base64\": \"/w==\", \"subType\": \"00\"}}}",
   "{\"_id\": 28, \"name\": \"double2.5\", \"v\": 2.5}",
};
#define N_TYPE_DOCS (sizeof TYPE_DOCS / sizeof TYPE_DOCS[0])

START_TEST (sort_ascending_follows_mongodb_order_across_types)
{
   sorted_t t;
   sorted_open (&t, TYPE_DOCS, N_TYPE_DOCS);
   assert_order (&t, NULL, "{\"sort\": {\"v\": 1, \"name\": 1}}",
                 "minkey empty_array missing null"
                 " double_neg long2 double2.5 int3 double_big long_big"
                 " str_B str_a str_ab str_b"
                 " doc_a1 doc_a1b1 doc_a2 doc_b0"
                 " nested_array"
                 " bin_len1 bin_len2"
                 " oid_low oid_high"
                 " false true"
                 " date_1970 date_2020"
                 " maxkey");
   sorted_close (&t);
}
END_TEST

START_TEST (sort_descending_reverses_mongodb_order_across_types)
{
   sorted_t t;
   sorted_open (&t, TYPE_DOCS, N_TYPE_DOCS);
   assert_order (&t, NULL, "{\"sort\": {\"v\": -1, \"name\": 1}}",
                 "maxkey"
                 " date_2020 date_1970"
                 " true false"
                 " oid_high oid_low"
                 " bin_len2 bin_len1"
                 " nested_array"
                 " doc_b0 doc_a2 doc_a1b1 doc_a1"
                 " str_b str_ab str_a str_B"
                 " long_big double_big int3 double2.5 long2 double_neg"
                 " missing null empty_array minkey");
   sorted_close (&t);
}
END_TEST

/* Numbers ---------------------------------------------------------------------- */

static const char *const NUMBER_DOCS[] = {
   "{\"_id\": 1, \"name\": \"i3\", \"v\": 3}",
   "{\"_id\": 2, \"name\": \"l2\", \"v\": {\"$numberLong\": \"2\"}}",
   "{\"_id\": 3, \"name\": \"nan\", \"v\": {\"$numberDouble\": \"NaN\"}}",
   "{\"_id\": 4, \"name\": \"d2.5\", \"v\": 2.5}",
   "{\"_id\": 5, \"name\": \"d2\", \"v\": 2.0}",
   "{\"_id\": 6, \"name\": \"ninf\", \"v\": {\"$numberDouble\": \"-Infinity\"}}",
   "{\"_id\": 7, \"name\": \"i2\", \"v\": 2}",
   "{\"_id\": 8, \"name\": \"dneg\", \"v\": -0.5}",
   "{\"_id\": 9, \"name\": \"lneg\", \"v\": {\"$numberLong\": \"-3000000000\"}}",
   "{\"_id\": 10, \"name\": \"i0\", \"v\": 0}",
   "{\"_id\": 11, \"name\": \"pinf\", \"v\": {\"$numberDouble\": \"Infinity\"}}",
};

START_TEST (sort_orders_numbers_by_value_across_int32_int64_and_double)
{
   sorted_t t;
   sorted_open (&t, NUMBER_DOCS, sizeof NUMBER_DOCS / sizeof NUMBER_DOCS[0]);
   /* Equal values of different types tie (d2, i2, l2): "name" decides. */
   assert_order (&t, NULL, "{\"sort\": {\"v\": 1, \"name\": 1}}", "nan ninf lneg dneg i0 d2 i2 l2 d2.5 i3 pinf");
   assert_order (&t, NULL, "{\"sort\": {\"v\": -1, \"name\": 1}}", "pinf i3 d2.5 d2 i2 l2 i0 dneg lneg ninf nan");
   sorted_close (&t);
}
END_TEST

/* Several fields ------------------------------------------------------------------ */

static const char *const GROUP_DOCS[] = {
   "{\"_id\": 1, \"name\": \"a\", \"g\": \"x\", \"n\": 1, \"s\": {\"k\": 30}}",
   "{\"_id\": 2, \"name\": \"b\", \"g\": \"y\", \"n\": 2, \"s\": {\"k\": 10}}",
   "{\"_id\": 3, \"name\": \"c\", \"g\": \"x\", \"n\": 3, \"s\": {\"k\": 50}}",
   "{\"_id\": 4, \"name\": \"d\", \"g\": \"y\", \"n\": 1, \"s\": {\"k\": 20}}",
   "{\"_id\": 5, \"name\": \"e\", \"g\": \"x\", \"n\": 2, \"s\": {\"k\": 40}}",
};

START_TEST (sort_breaks_ties_with_the_next_field_in_its_own_direction)
{
   sorted_t t;
   sorted_open (&t, GROUP_DOCS, sizeof GROUP_DOCS / sizeof GROUP_DOCS[0]);
   assert_order (&t, NULL, "{\"sort\": {\"g\": 1, \"n\": -1}}", "c e a b d");
   assert_order (&t, NULL, "{\"sort\": {\"g\": -1, \"n\": 1}}", "d b a e c");
   assert_order (&t, NULL, "{\"sort\": {\"n\": 1, \"g\": -1}}", "d a b e c");
   sorted_close (&t);
}
END_TEST

START_TEST (sort_follows_a_dotted_path_into_sub_documents)
{
   sorted_t t;
   sorted_open (&t, GROUP_DOCS, sizeof GROUP_DOCS / sizeof GROUP_DOCS[0]);
   assert_order (&t, NULL, "{\"sort\": {\"s.k\": 1}}", "b d a e c");
   assert_order (&t, NULL, "{\"sort\": {\"s.k\": -1}}", "c e a d b");
   sorted_close (&t);
}
END_TEST

START_TEST (sort_applies_before_skip_and_limit)
{
   sorted_t t;
   sorted_open (&t, GROUP_DOCS, sizeof GROUP_DOCS / sizeof GROUP_DOCS[0]);
   assert_order (&t, NULL, "{\"sort\": {\"s.k\": 1}, \"skip\": 1, \"limit\": 3}", "d a e");
   assert_order (&t, "{\"g\": \"x\"}", "{\"sort\": {\"n\": -1}, \"limit\": 2}", "c e");
   sorted_close (&t);
}
END_TEST

/* Arrays and missing fields ------------------------------------------------------- */

static const char *const ARRAY_DOCS[] = {
   "{\"_id\": 1, \"name\": \"A\", \"v\": [3, 10]}",    "{\"_id\": 2, \"name\": \"B\", \"v\": 5}",
   "{\"_id\": 3, \"name\": \"C\", \"v\": [20, 1]}",    "{\"_id\": 4, \"name\": \"D\", \"v\": [7]}",
   "{\"_id\": 5, \"name\": \"E\", \"v\": [\"x\", 0]}", "{\"_id\": 6, \"name\": \"F\", \"v\": []}",
   "{\"_id\": 7, \"name\": \"G\", \"v\": null}",
};

START_TEST (sort_uses_the_smallest_array_element_ascending_and_the_largest_descending)
{
   sorted_t t;
   sorted_open (&t, ARRAY_DOCS, sizeof ARRAY_DOCS / sizeof ARRAY_DOCS[0]);
   /* E: 0 ascending (numbers < strings), "x" descending. F: [] below null. */
   assert_order (&t, NULL, "{\"sort\": {\"v\": 1}}", "F G E C A B D");
   assert_order (&t, NULL, "{\"sort\": {\"v\": -1}}", "E C A D B G F");
   sorted_close (&t);
}
END_TEST

static const char *const MISSING_DOCS[] = {
   "{\"_id\": 1, \"name\": \"m1\"}",
   "{\"_id\": 2, \"name\": \"n2\", \"v\": null}",
   "{\"_id\": 3, \"name\": \"m3\"}",
   "{\"_id\": 4, \"name\": \"n4\", \"v\": null}",
   "{\"_id\": 5, \"name\": \"zero\", \"v\": 0}",
   "{\"_id\": 6, \"name\": \"sub_missing\", \"v\": {\"w\": 1}}",
};

START_TEST (sort_treats_a_missing_field_like_null)
{
   sorted_t t;
   sorted_open (&t, MISSING_DOCS, sizeof MISSING_DOCS / sizeof MISSING_DOCS[0]);
   /* null and missing tie on v, so _id alone orders them: they interleave. */
   assert_order (&t, NULL, "{\"sort\": {\"v\": 1, \"_id\": -1}}", "n4 m3 n2 m1 zero sub_missing");
   assert_order (&t, NULL, "{\"sort\": {\"v\": -1, \"_id\": 1}}", "sub_missing zero m1 n2 m3 n4");
   /* A missing sub-field of a present document also sorts as null. */
   assert_order (&t, "{\"_id\": {\"$in\": [5, 6]}}", "{\"sort\": {\"v.w\": 1}}", "zero sub_missing");
   sorted_close (&t);
}
END_TEST

/* Insertion order ------------------------------------------------------------------ */

static const char *const NATURAL_DOCS[] = {
   "{\"_id\": 5, \"name\": \"five\", \"k\": \"p\"}",  "{\"_id\": 3, \"name\": \"three\", \"k\": \"q\"}",
   "{\"_id\": 9, \"name\": \"nine\", \"k\": \"p\"}",  "{\"_id\": 1, \"name\": \"one\", \"k\": \"q\"}",
   "{\"_id\": 7, \"name\": \"seven\", \"k\": \"p\"}",
};

START_TEST (find_without_sort_returns_documents_in_insertion_order)
{
   sorted_t t;
   sorted_open (&t, NATURAL_DOCS, sizeof NATURAL_DOCS / sizeof NATURAL_DOCS[0]);
   assert_order (&t, NULL, NULL, "five three nine one seven");
   assert_order (&t, NULL, "{\"sort\": {}}", "five three nine one seven");
   assert_order (&t, "{\"k\": \"p\"}", NULL, "five nine seven");
   assert_order (&t, "{\"_id\": {\"$in\": [7, 5, 1]}}", NULL, "five one seven");
   assert_order (&t, NULL, "{\"sort\": {\"_id\": 1}}", "one three five seven nine");
   sorted_close (&t);
}
END_TEST

START_TEST (find_without_sort_keeps_insertion_order_after_updates_and_deletes)
{
   sorted_t t;
   bson_error_t error;
   bson_value_t key;
   docrel_doc_t *doc = NULL;
   docrel_session_t *writer;

   sorted_open (&t, NATURAL_DOCS, sizeof NATURAL_DOCS / sizeof NATURAL_DOCS[0]);
   writer = docrel_session_new (t.store);
   key.value_type = BSON_TYPE_INT32;
   key.value.v_int32 = 3;
   ASSERT_OK (docrel_get (writer, t.model, &key, NULL, &doc, &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (doc, "k", "changed", &error), error);
   ASSERT_OK (docrel_save (doc, &error), error);
   key.value.v_int32 = 9;
   ASSERT_OK (docrel_get (writer, t.model, &key, NULL, &doc, &error), error);
   ASSERT_OK (docrel_delete (doc, &error), error);
   doc = docrel_doc_new_from_json (writer, t.model, "{\"_id\": 2, \"name\": \"two\"}", &error);
   ck_assert_msg (doc != NULL, "%s", error.message);
   ASSERT_OK (docrel_save (doc, &error), error);
   docrel_session_destroy (writer);

   assert_order (&t, NULL, NULL, "five three one seven two");
   sorted_close (&t);
}
END_TEST

/* Errors ---------------------------------------------------------------------------- */

START_TEST (sort_with_a_bad_direction_is_a_bad_option_naming_the_field)
{
   static const char *const bad[] = {
      "{\"sort\": {\"rank_field\": \"asc\"}}",
      "{\"sort\": {\"rank_field\": 0}}",
      "{\"sort\": {\"rank_field\": 2}}",
      "{\"sort\": {\"rank_field\": 1.5}}",
      "{\"sort\": {\"rank_field\": true}}",
      "{\"sort\": {\"rank_field\": null}}",
      "{\"sort\": {\"name\": 1, \"rank_field\": -2}}",
   };
   sorted_t t;
   size_t i;

   sorted_open (&t, NATURAL_DOCS, sizeof NATURAL_DOCS / sizeof NATURAL_DOCS[0]);
   for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      bson_error_t error;
      bson_t *opts = fixture_json (bad[i]);
      docrel_doc_t **docs = NULL;
      size_t n = 0;
      docrel_cursor_t *cursor;

      memset (&error, 0, sizeof error);
      ck_assert_msg (!docrel_find_all (t.session, t.model, NULL, opts, &docs, &n, &error), "%s was accepted", bad[i]);
      ck_assert_msg (error.domain == DOCREL_ERROR_QUERY && error.code == DOCREL_ERROR_BAD_OPTION,
                     "%s: domain 0x%x code %u: %s", bad[i], (unsigned) error.domain, (unsigned) error.code,
                     error.message);
      ck_assert_msg (strstr (error.message, "rank_field") != NULL, "%s: message does not name the field: %s", bad[i],
                     error.message);
      ck_assert_ptr_null (docs);
      ck_assert_uint_eq (n, 0);
      cursor = docrel_find (t.session, t.model, NULL, opts, &error);
      ck_assert_msg (cursor == NULL, "docrel_find accepted %s", bad[i]);
      ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
      bson_destroy (opts);
   }
   ck_assert_uint_eq (docrel_session_size (t.session), 0);
   sorted_close (&t);
}
END_TEST

START_TEST (sort_that_is_not_a_document_is_a_bad_option)
{
   sorted_t t;
   bson_error_t error;
   bson_t *opts = fixture_json ("{\"sort\": \"name\"}");
   docrel_doc_t **docs = NULL;
   size_t n = 0;

   sorted_open (&t, NATURAL_DOCS, sizeof NATURAL_DOCS / sizeof NATURAL_DOCS[0]);
   ck_assert (!docrel_find_all (t.session, t.model, NULL, opts, &docs, &n, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
   ck_assert_msg (strstr (error.message, "sort") != NULL, "message does not name 'sort': %s", error.message);
   bson_destroy (opts);
   sorted_close (&t);
}
END_TEST

static Suite *
sort_suite (void)
{
   Suite *s = suite_create ("sort");
   TCase *tc;

   tc = tcase_create ("type_order");
   tcase_add_test (tc, sort_ascending_follows_mongodb_order_across_types);
   tcase_add_test (tc, sort_descending_reverses_mongodb_order_across_types);
   suite_add_tcase (s, tc);

   tc = tcase_create ("numbers");
   tcase_add_test (tc, sort_orders_numbers_by_value_across_int32_int64_and_double);
   suite_add_tcase (s, tc);

   tc = tcase_create ("several_fields");
   tcase_add_test (tc, sort_breaks_ties_with_the_next_field_in_its_own_direction);
   tcase_add_test (tc, sort_follows_a_dotted_path_into_sub_documents);
   tcase_add_test (tc, sort_applies_before_skip_and_limit);
   suite_add_tcase (s, tc);

   tc = tcase_create ("arrays_and_missing");
   tcase_add_test (tc, sort_uses_the_smallest_array_element_ascending_and_the_largest_descending);
   tcase_add_test (tc, sort_treats_a_missing_field_like_null);
   suite_add_tcase (s, tc);

   tc = tcase_create ("insertion_order");
   tcase_add_test (tc, find_without_sort_returns_documents_in_insertion_order);
   tcase_add_test (tc, find_without_sort_keeps_insertion_order_after_updates_and_deletes);
   suite_add_tcase (s, tc);

   tc = tcase_create ("errors");
   tcase_add_test (tc, sort_with_a_bad_direction_is_a_bad_option_naming_the_field);
   tcase_add_test (tc, sort_that_is_not_a_document_is_a_bad_option);
   suite_add_tcase (s, tc);

   return s;
}

int
main (void)
{
   return fixture_run (sort_suite ());
}
