/* SPDX-License-Identifier: Apache-2.0 */
/* check_doc.c: documents — typed setters and getters by name and dotted
 * path, value views, unset, path errors, rendering to BSON and JSON, saved
 * and dirty state, the immutable _id of a saved document, and sessions as
 * the owners of documents. */
#include <string.h>

#include "fixture.h"

/* One test's world: a store, a schemaless model "Note" and a session. */
typedef struct {
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
} world_t;

static void
world_open (world_t *w)
{
   w->store = fixture_store_open ();
   w->model = fixture_model_new (w->store, "Note", NULL);
   w->session = docrel_session_new (w->store);
   ck_assert_ptr_nonnull (w->session);
}

static void
world_close (world_t *w)
{
   docrel_session_destroy (w->session);
   fixture_store_close (w->store);
}

/* Fails the test unless doc's fields equal the relaxed JSON `json`. */
static void
assert_fields (const docrel_doc_t *doc, const char *json)
{
   bson_t *expected = fixture_json (json);
   char *actual = docrel_doc_to_json (doc, false);
   char *want = bson_as_relaxed_extended_json (expected, NULL);

   ck_assert_msg (bson_equal (docrel_doc_bson (doc), expected), "document is %s, expected %s", actual, want);
   bson_free (actual);
   bson_free (want);
   bson_destroy (expected);
}

/* ---- setters and getters --------------------------------------------- */

START_TEST (typed_setters_store_values_the_typed_getters_read_back)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_oid_t oid, oid_out;
   int32_t i32 = 0;
   int64_t i64 = 0, dt = 0;
   double d = 0;
   bool b = false;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, NULL);
   bson_oid_init_from_string (&oid, "507f1f77bcf86cd799439011");
   ASSERT_OK (docrel_doc_set_utf8 (doc, "s", "h\u00e9llo", &error), error);
   ASSERT_OK (docrel_doc_set_int32 (doc, "i32", -7, &error), error);
   ASSERT_OK (docrel_doc_set_int64 (doc, "i64", INT64_C (5000000000), &error), error);
   ASSERT_OK (docrel_doc_set_double (doc, "d", 2.5, &error), error);
   ASSERT_OK (docrel_doc_set_bool (doc, "b", true, &error), error);
   ASSERT_OK (docrel_doc_set_datetime (doc, "t", INT64_C (1577836800000), &error), error);
   ASSERT_OK (docrel_doc_set_oid (doc, "o", &oid, &error), error);

   ck_assert_str_eq (docrel_doc_get_utf8 (doc, "s"), "h\u00e9llo");
   ck_assert (docrel_doc_get_int32 (doc, "i32", &i32));
   ck_assert_int_eq (i32, -7);
   ck_assert (docrel_doc_get_int64 (doc, "i64", &i64));
   ck_assert (i64 == INT64_C (5000000000));
   ck_assert (docrel_doc_get_double (doc, "d", &d));
   ck_assert (d == 2.5);
   ck_assert (docrel_doc_get_bool (doc, "b", &b));
   ck_assert (b);
   ck_assert (docrel_doc_get_datetime (doc, "t", &dt));
   ck_assert (dt == INT64_C (1577836800000));
   ck_assert (docrel_doc_get_oid (doc, "o", &oid_out));
   ck_assert (bson_oid_equal (&oid, &oid_out));
   assert_fields (doc, "{\"s\": \"h\u00e9llo\", \"i32\": -7, \"i64\": {\"$numberLong\": \"5000000000\"}, \"d\": 2.5, "
                       "\"b\": true, \"t\": {\"$date\": {\"$numberLong\": \"1577836800000\"}}, "
                       "\"o\": {\"$oid\": \"507f1f77bcf86cd799439011\"}}");
   world_close (&w);
}
END_TEST

START_TEST (binary_null_document_and_array_setters_store_their_values)
{
   static const uint8_t bytes[] = {0, 1, 2, 255};
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_t *sub = fixture_json ("{\"k\": 1}");
   bson_t *items = fixture_json ("{\"x\": \"a\", \"y\": \"b\"}");
   bson_value_t v;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, NULL);
   ASSERT_OK (docrel_doc_set_binary (doc, "bin", BSON_SUBTYPE_BINARY, bytes, sizeof bytes, &error), error);
   ASSERT_OK (docrel_doc_set_null (doc, "nothing", &error), error);
   ASSERT_OK (docrel_doc_set_document (doc, "sub", sub, &error), error);
   ASSERT_OK (docrel_doc_set_array (doc, "list", items, &error), error);

   ck_assert (docrel_doc_get (doc, "bin", &v));
   ck_assert_int_eq (v.value_type, BSON_TYPE_BINARY);
   ck_assert_int_eq (v.value.v_binary.subtype, BSON_SUBTYPE_BINARY);
   ck_assert_uint_eq (v.value.v_binary.data_len, sizeof bytes);
   ck_assert (memcmp (v.value.v_binary.data, bytes, sizeof bytes) == 0);
   ck_assert (docrel_doc_get (doc, "nothing", &v));
   ck_assert_int_eq (v.value_type, BSON_TYPE_NULL);
   ck_assert (docrel_doc_has (doc, "nothing"));
   ck_assert (docrel_doc_get (doc, "sub", &v));
   ck_assert_int_eq (v.value_type, BSON_TYPE_DOCUMENT);
   /* Array keys are renumbered "0", "1". */
   ck_assert (docrel_doc_get (doc, "list", &v));
   ck_assert_int_eq (v.value_type, BSON_TYPE_ARRAY);
   ck_assert_str_eq (docrel_doc_get_utf8 (doc, "list.1"), "b");
   assert_fields (doc, "{\"bin\": {\"$binary\": {\"base64\": \"AAEC/w==\", \"subType\": \"00\"}}, \"nothing\": null, "
                       "\"sub\": {\"k\": 1}, \"list\": [\"a\", \"b\"]}");
   bson_destroy (sub);
   bson_destroy (items);
   world_close (&w);
}
END_TEST

START_TEST (set_value_stores_any_bson_value)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_value_t in, out;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, NULL);
   in.value_type = BSON_TYPE_INT64;
   in.value.v_int64 = 42;
   ASSERT_OK (docrel_doc_set_value (doc, "n", &in, &error), error);
   ck_assert (docrel_doc_get (doc, "n", &out));
   ck_assert_int_eq (out.value_type, BSON_TYPE_INT64);
   ck_assert (out.value.v_int64 == 42);
   world_close (&w);
}
END_TEST

START_TEST (setting_a_dotted_path_creates_the_sub_documents)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, NULL);
   ASSERT_OK (docrel_doc_set_utf8 (doc, "address.city", "Oslo", &error), error);
   ASSERT_OK (docrel_doc_set_int32 (doc, "address.geo.zoom", 3, &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (doc, "address.street", "Main", &error), error);
   assert_fields (doc, "{\"address\": {\"city\": \"Oslo\", \"geo\": {\"zoom\": 3}, \"street\": \"Main\"}}");
   ck_assert_str_eq (docrel_doc_get_utf8 (doc, "address.city"), "Oslo");
   world_close (&w);
}
END_TEST

START_TEST (numeric_path_component_indexes_an_array)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   int32_t n = 0;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model,
                          "{\"tags\": [1, 2, 3], \"people\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}");
   ck_assert (docrel_doc_get_int32 (doc, "tags.1", &n));
   ck_assert_int_eq (n, 2);
   ck_assert_str_eq (docrel_doc_get_utf8 (doc, "people.1.name"), "b");
   ck_assert (!docrel_doc_has (doc, "tags.3"));
   ASSERT_OK (docrel_doc_set_int32 (doc, "tags.0", 10, &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (doc, "people.0.name", "z", &error), error);
   assert_fields (doc, "{\"tags\": [10, 2, 3], \"people\": [{\"name\": \"z\"}, {\"name\": \"b\"}]}");
   world_close (&w);
}
END_TEST

START_TEST (typed_getters_return_false_on_another_type)
{
   world_t w;
   docrel_doc_t *doc;
   int32_t i32 = 0;
   int64_t i64 = 0;
   double d = 0;
   bool b = false;
   bson_oid_t oid;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model,
                          "{\"s\": \"1\", \"i\": 1, \"l\": {\"$numberLong\": \"5000000000\"}, \"d\": 1.5, \"b\": true, "
                          "\"t\": {\"$date\": \"2020-01-01T00:00:00Z\"}}");
   ck_assert (!docrel_doc_get_int32 (doc, "s", &i32));
   ck_assert (!docrel_doc_get_int32 (doc, "l", &i32));
   ck_assert (!docrel_doc_get_int32 (doc, "d", &i32));
   ck_assert_ptr_null (docrel_doc_get_utf8 (doc, "i"));
   ck_assert (!docrel_doc_get_int64 (doc, "d", &i64));
   ck_assert (!docrel_doc_get_int64 (doc, "t", &i64));
   ck_assert (!docrel_doc_get_double (doc, "s", &d));
   ck_assert (!docrel_doc_get_bool (doc, "i", &b));
   ck_assert (!docrel_doc_get_datetime (doc, "l", &i64));
   ck_assert (!docrel_doc_get_oid (doc, "s", &oid));
   /* The widening ones accept the narrower types. */
   ck_assert (docrel_doc_get_int64 (doc, "i", &i64));
   ck_assert (i64 == 1);
   ck_assert (docrel_doc_get_double (doc, "i", &d));
   ck_assert (d == 1.0);
   ck_assert (docrel_doc_get_double (doc, "l", &d));
   ck_assert (d == 5000000000.0);
   world_close (&w);
}
END_TEST

START_TEST (getters_on_a_missing_path_return_false)
{
   world_t w;
   docrel_doc_t *doc;
   bson_value_t v;
   int32_t n = 0;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"a\": {\"b\": 1}, \"s\": \"x\"}");
   ck_assert (!docrel_doc_get (doc, "missing", &v));
   ck_assert (!docrel_doc_has (doc, "missing"));
   ck_assert (!docrel_doc_has (doc, "a.c"));
   ck_assert (!docrel_doc_has (doc, "a.b.c"));
   ck_assert (!docrel_doc_has (doc, "s.x"));
   ck_assert (!docrel_doc_get_int32 (doc, "x.y.z", &n));
   ck_assert_ptr_null (docrel_doc_get_utf8 (doc, "missing"));
   ck_assert (docrel_doc_has (doc, "a.b"));
   world_close (&w);
}
END_TEST

START_TEST (get_gives_a_view_that_bson_value_copy_can_keep)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_value_t view, kept;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"name\": \"first\", \"sub\": {\"k\": [1, 2]}}");
   ck_assert (docrel_doc_get (doc, "name", &view));
   ck_assert_int_eq (view.value_type, BSON_TYPE_UTF8);
   ck_assert_str_eq (view.value.v_utf8.str, "first");
   bson_value_copy (&view, &kept);
   ASSERT_OK (docrel_doc_set_utf8 (doc, "name", "second", &error), error);
   ck_assert_str_eq (kept.value.v_utf8.str, "first");
   ck_assert_str_eq (docrel_doc_get_utf8 (doc, "name"), "second");
   bson_value_destroy (&kept);

   ck_assert (docrel_doc_get (doc, "sub.k", &view));
   ck_assert_int_eq (view.value_type, BSON_TYPE_ARRAY);
   world_close (&w);
}
END_TEST

/* ---- unset ----------------------------------------------------------- */

START_TEST (unset_removes_a_field_or_a_nested_field)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"a\": 1, \"b\": {\"c\": 2, \"d\": 3}}");
   ASSERT_OK (docrel_doc_unset (doc, "a", &error), error);
   ASSERT_OK (docrel_doc_unset (doc, "b.c", &error), error);
   assert_fields (doc, "{\"b\": {\"d\": 3}}");
   world_close (&w);
}
END_TEST

START_TEST (unset_of_a_missing_field_succeeds_and_changes_nothing)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"a\": 1, \"b\": {\"c\": 2}}");
   ASSERT_OK (docrel_save (doc, &error), error);
   ck_assert (!docrel_doc_is_dirty (doc));
   ASSERT_OK (docrel_doc_unset (doc, "nope", &error), error);
   ASSERT_OK (docrel_doc_unset (doc, "b.nope", &error), error);
   ASSERT_OK (docrel_doc_unset (doc, "x.y.z", &error), error);
   ck_assert (!docrel_doc_is_dirty (doc));
   ck_assert (docrel_doc_has (doc, "b.c"));
   ck_assert_int_eq (bson_count_keys (docrel_doc_bson (doc)), 3); /* _id, a, b */
   world_close (&w);
}
END_TEST

/* ---- path errors ----------------------------------------------------- */

START_TEST (setting_through_a_scalar_fails_and_leaves_the_document_unchanged)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   char *before, *after;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"name\": \"x\", \"n\": 5}");
   before = docrel_doc_to_json (doc, false);
   ck_assert (!docrel_doc_set_utf8 (doc, "name.first", "a", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   ASSERT_MENTIONS (error, "name");
   ck_assert (!docrel_doc_set_int32 (doc, "n.0", 1, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   after = docrel_doc_to_json (doc, false);
   ck_assert_str_eq (after, before);
   bson_free (before);
   bson_free (after);
   world_close (&w);
}
END_TEST

START_TEST (an_array_index_with_a_leading_zero_or_a_huge_backfill_is_an_error)
{
   /* found fuzzing: "tags.01" appended a second element keyed "01" (an
    * array libbson warns about), and "tags.034436060" padded 34 million
    * nulls, for a minute; MongoDB refuses both (CannotBackfillArray past
    * 1,500,000) */
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   char *before, *after;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"tags\": [\"a\", \"b\"]}");
   before = docrel_doc_to_json (doc, false);
   ck_assert (!docrel_doc_set_utf8 (doc, "tags.01", "x", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   ASSERT_MENTIONS (error, "'01' is not an index");
   ck_assert (!docrel_doc_set_utf8 (doc, "tags.1500002", "x", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   ASSERT_MENTIONS (error, "at most 1500000");
   after = docrel_doc_to_json (doc, false);
   ck_assert_str_eq (after, before);
   /* up to the limit, and index "0", pad and set as before */
   ASSERT_OK (docrel_doc_set_utf8 (doc, "tags.5", "f", &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (doc, "more.0", "m", &error), error);
   assert_fields (doc, "{\"tags\": [\"a\", \"b\", null, null, null, \"f\"], \"more\": {\"0\": \"m\"}}");
   ASSERT_OK (docrel_doc_set_utf8 (doc, "tags.1500000", "x", &error), error);
   ASSERT_OK (docrel_doc_unset (doc, "tags", &error), error);
   bson_free (before);
   bson_free (after);
   world_close (&w);
}
END_TEST

START_TEST (empty_path_or_dollar_component_is_an_error)
{
   static const char *const bad[] = {"", "$x", "a.$b", "a..b", ".a", "a."};
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   char *before, *after;
   size_t i;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"a\": {\"b\": 1}}");
   before = docrel_doc_to_json (doc, false);
   for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      memset (&error, 0, sizeof error);
      ck_assert_msg (!docrel_doc_set_int32 (doc, bad[i], 1, &error), "set \"%s\" succeeded", bad[i]);
      ck_assert_msg (error.domain == DOCREL_ERROR_DOCUMENT, "set \"%s\": domain %u: %s", bad[i], error.domain,
                     error.message);
      memset (&error, 0, sizeof error);
      ck_assert_msg (!docrel_doc_unset (doc, bad[i], &error), "unset \"%s\" succeeded", bad[i]);
      ck_assert_msg (error.domain == DOCREL_ERROR_DOCUMENT, "unset \"%s\": domain %u: %s", bad[i], error.domain,
                     error.message);
   }
   memset (&error, 0, sizeof error);
   ck_assert (!docrel_doc_set_int32 (doc, NULL, 1, &error));
   ck_assert (!docrel_doc_set_document (doc, "c", NULL, &error));
   after = docrel_doc_to_json (doc, false);
   ck_assert_str_eq (after, before);
   bson_free (before);
   bson_free (after);
   world_close (&w);
}
END_TEST

/* ---- rendering ------------------------------------------------------- */

START_TEST (to_bson_copies_the_own_fields)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_t out, joined;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"a\": 1, \"b\": {\"c\": [1, 2]}}");
   ASSERT_OK (docrel_doc_to_bson (doc, false, &out, &error), error);
   ck_assert (bson_equal (&out, docrel_doc_bson (doc)));
   ASSERT_OK (docrel_doc_to_bson (doc, true, &joined, &error), error); /* no relations: the same */
   ck_assert (bson_equal (&joined, docrel_doc_bson (doc)));
   bson_destroy (&out);
   bson_destroy (&joined);
   world_close (&w);
}
END_TEST

START_TEST (to_json_renders_relaxed_extended_json)
{
   world_t w;
   docrel_doc_t *doc;
   char *json;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model,
                          "{\"i\": 5, \"l\": {\"$numberLong\": \"5000000000\"}, \"d\": 1.5, \"s\": \"x\", "
                          "\"t\": {\"$date\": {\"$numberLong\": \"1577836800000\"}}}");
   json = docrel_doc_to_json (doc, false);
   ck_assert_str_eq (json, "{ \"i\" : 5, \"l\" : 5000000000, \"d\" : 1.5, \"s\" : \"x\", "
                           "\"t\" : { \"$date\" : \"2020-01-01T00:00:00Z\" } }");
   bson_free (json);
   ck_assert_ptr_null (docrel_doc_to_json (NULL, false));
   world_close (&w);
}
END_TEST

START_TEST (new_from_json_reads_canonical_and_relaxed_json)
{
   world_t w;
   docrel_doc_t *doc;
   bson_value_t v;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model,
                          "{\"a\": {\"$numberLong\": \"5\"}, \"b\": {\"$numberInt\": \"6\"}, \"c\": 7}");
   ck_assert (docrel_doc_get (doc, "a", &v));
   ck_assert_int_eq (v.value_type, BSON_TYPE_INT64);
   ck_assert (docrel_doc_get (doc, "b", &v));
   ck_assert_int_eq (v.value_type, BSON_TYPE_INT32);
   ck_assert (docrel_doc_get (doc, "c", &v));
   ck_assert_int_eq (v.value_type, BSON_TYPE_INT32);
   ck_assert_ptr_eq (docrel_doc_model (doc), w.model);
   ck_assert_ptr_eq (docrel_doc_session (doc), w.session);
   world_close (&w);
}
END_TEST

START_TEST (new_from_json_with_bad_json_is_an_error)
{
   world_t w;
   bson_error_t error;
   docrel_doc_t *doc;

   world_open (&w);
   memset (&error, 0, sizeof error);
   doc = docrel_doc_new_from_json (w.session, w.model, "{\"a\": ", &error);
   ck_assert_ptr_null (doc);
   ck_assert_msg (error.domain != 0 && error.message[0] != '\0', "no error set");
   memset (&error, 0, sizeof error);
   doc = docrel_doc_new_from_json (w.session, w.model, "not json", &error);
   ck_assert_ptr_null (doc);
   ck_assert_msg (error.message[0] != '\0', "no error set");
   ck_assert_uint_eq (docrel_session_size (w.session), 0);
   world_close (&w);
}
END_TEST

START_TEST (new_from_bson_copies_the_fields)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_t *fields = fixture_json ("{\"a\": 1}");

   world_open (&w);
   doc = docrel_doc_new_from_bson (w.session, w.model, fields, &error);
   ck_assert_msg (doc != NULL, "%s", error.message);
   BSON_APPEND_INT32 (fields, "b", 2);
   assert_fields (doc, "{\"a\": 1}");
   bson_destroy (fields);
   world_close (&w);
}
END_TEST

/* An array whose keys are not "0", "1", ... (libbson prints a warning when
 * one is appended as it is): MongoDB reads arrays by position, so docrel
 * renumbers what it is given, in documents and filters, printing nothing. */
static void
append_misnumbered (bson_t *parent, const char *key, int32_t first)
{
   bson_t array;

   bson_append_array_begin (parent, key, -1, &array);
   BSON_APPEND_INT32 (&array, "x", first);
   BSON_APPEND_INT32 (&array, "7", first + 1);
   bson_append_array_end (parent, &array);
}

#define EXPECTED "{\"tags\": [1, 2], \"meta\": {\"list\": [3, 4]}, \"more\": {\"inner\": [5, 6]}, \"list\": [[5, 6]]}"

START_TEST (arrays_with_other_keys_are_renumbered_and_nothing_is_printed)
{
   bson_t *expected = fixture_json (EXPECTED);
   bson_t own;
   world_t w;
   docrel_doc_t *doc;
   docrel_doc_t **found = NULL;
   bson_error_t error;
   bson_t fields = BSON_INITIALIZER, meta, filter = BSON_INITIALIZER, value = BSON_INITIALIZER;
   bson_value_t v;
   size_t n = 0;
   long printed;

   fixture_stderr_begin ();
   world_open (&w);
   append_misnumbered (&fields, "tags", 1);
   bson_append_document_begin (&fields, "meta", -1, &meta);
   append_misnumbered (&meta, "list", 3);
   bson_append_document_end (&fields, &meta);
   doc = docrel_doc_new_from_bson (w.session, w.model, &fields, &error);
   ck_assert_msg (doc != NULL, "%s", error.message);
   append_misnumbered (&value, "inner", 5);
   v.value_type = BSON_TYPE_DOCUMENT;
   v.value.v_doc.data = (uint8_t *) bson_get_data (&value);
   v.value.v_doc.data_len = value.len;
   ASSERT_OK (docrel_doc_set_value (doc, "more", &v, &error), error);
   ASSERT_OK (docrel_doc_set_array (doc, "list", &value, &error), error);
   ASSERT_OK (docrel_save (doc, &error), error);
   append_misnumbered (&filter, "tags", 1);
   ASSERT_OK (docrel_find_all (w.session, w.model, &filter, NULL, &found, &n, &error), error);
   printed = fixture_stderr_end ();
   ck_assert_uint_eq (n, 1);
   ck_assert_ptr_eq (found[0], doc);
   bson_init (&own);
   bson_copy_to_excluding_noinit (docrel_doc_bson (doc), &own, "_id", NULL);
   ck_assert (bson_equal (&own, expected));
   ck_assert_int_eq (fixture_count_where (w.store, w.model, EXPECTED), 1);
   ck_assert_msg (printed == 0, "the library printed %ld bytes to stderr", printed);
   bson_free (found);
   bson_destroy (&fields);
   bson_destroy (&filter);
   bson_destroy (&value);
   bson_destroy (&own);
   bson_destroy (expected);
   world_close (&w);
}
END_TEST

/* ---- state ----------------------------------------------------------- */

START_TEST (new_document_is_dirty_and_unsaved_until_saved)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   const bson_value_t *id;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"name\": \"x\"}");
   ck_assert (docrel_doc_is_dirty (doc));
   ck_assert (!docrel_doc_is_saved (doc));
   ck_assert (!docrel_doc_is_in_doubt (doc) && !docrel_doc_is_in_doubt (NULL));
   ck_assert (docrel_doc_is_field_dirty (doc, "name"));
   ck_assert_ptr_null (docrel_doc_id (doc)); /* generated at the first save */
   ASSERT_OK (docrel_save (doc, &error), error);
   ck_assert (!docrel_doc_is_dirty (doc));
   ck_assert (docrel_doc_is_saved (doc) && !docrel_doc_is_in_doubt (doc));
   ck_assert (!docrel_doc_is_field_dirty (doc, "name"));
   id = docrel_doc_id (doc);
   ck_assert_ptr_nonnull (id);
   ck_assert_int_eq (id->value_type, BSON_TYPE_OID);
   world_close (&w);
}
END_TEST

START_TEST (set_or_unset_after_save_makes_the_document_dirty)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"name\": \"x\", \"age\": 3}");
   ASSERT_OK (docrel_save (doc, &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (doc, "name", "y", &error), error);
   ck_assert (docrel_doc_is_dirty (doc));
   ck_assert (docrel_doc_is_field_dirty (doc, "name"));
   ck_assert (!docrel_doc_is_field_dirty (doc, "age"));
   ASSERT_OK (docrel_save (doc, &error), error);
   ck_assert (!docrel_doc_is_dirty (doc));
   ASSERT_OK (docrel_doc_unset (doc, "age", &error), error);
   ck_assert (docrel_doc_is_dirty (doc));
   ck_assert (docrel_doc_is_field_dirty (doc, "age"));
   ck_assert (!docrel_doc_is_field_dirty (doc, "name"));
   world_close (&w);
}
END_TEST

START_TEST (field_dirty_covers_parents_and_children_of_the_changed_path)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_t *addr = fixture_json ("{\"city\": \"Rome\", \"zip\": 1}");

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"address\": {\"city\": \"Oslo\", \"zip\": 1}, \"other\": {\"x\": 1}}");
   ASSERT_OK (docrel_save (doc, &error), error);
   ASSERT_OK (docrel_doc_set_utf8 (doc, "address.city", "Bergen", &error), error);
   ck_assert (docrel_doc_is_field_dirty (doc, "address.city"));
   ck_assert (docrel_doc_is_field_dirty (doc, "address")); /* a path under it changed */
   ck_assert (!docrel_doc_is_field_dirty (doc, "address.zip"));
   ck_assert (!docrel_doc_is_field_dirty (doc, "other"));
   ck_assert (!docrel_doc_is_field_dirty (doc, "addr")); /* a prefix, not a parent */
   ASSERT_OK (docrel_save (doc, &error), error);

   /* Replacing the parent changes every field under it. */
   ASSERT_OK (docrel_doc_set_document (doc, "address", addr, &error), error);
   ck_assert (docrel_doc_is_field_dirty (doc, "address"));
   ck_assert (docrel_doc_is_field_dirty (doc, "address.city"));
   ck_assert (!docrel_doc_is_field_dirty (doc, "other.x"));
   bson_destroy (addr);
   world_close (&w);
}
END_TEST

START_TEST (loaded_document_is_saved_and_clean)
{
   world_t w;
   docrel_doc_t *doc, *loaded = NULL;
   docrel_session_t *other;
   bson_error_t error;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"name\": \"x\"}");
   ASSERT_OK (docrel_save (doc, &error), error);
   other = docrel_session_new (w.store);
   ASSERT_OK (docrel_get (other, w.model, docrel_doc_id (doc), NULL, &loaded, &error), error);
   ck_assert (docrel_doc_is_saved (loaded));
   ck_assert (!docrel_doc_is_dirty (loaded));
   ck_assert (!docrel_doc_is_field_dirty (loaded, "name"));
   docrel_session_destroy (other);
   world_close (&w);
}
END_TEST

START_TEST (id_of_a_saved_document_is_immutable)
{
   world_t w;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_oid_t oid;
   char *before, *after;

   world_open (&w);
   doc = fixture_new_doc (w.session, w.model, "{\"name\": \"x\"}");
   bson_oid_init_from_string (&oid, "507f1f77bcf86cd799439011");
   ASSERT_OK (docrel_doc_set_oid (doc, "_id", &oid, &error), error); /* not saved yet: allowed */
   ASSERT_OK (docrel_save (doc, &error), error);
   before = docrel_doc_to_json (doc, false);
   bson_oid_init_from_string (&oid, "507f1f77bcf86cd799439012");
   ck_assert (!docrel_doc_set_oid (doc, "_id", &oid, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_IMMUTABLE);
   ck_assert (!docrel_doc_unset (doc, "_id", &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_IMMUTABLE);
   ck_assert (!docrel_doc_set_utf8 (doc, "_id", "other", &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_IMMUTABLE);
   after = docrel_doc_to_json (doc, false);
   ck_assert_str_eq (after, before);
   ck_assert (!docrel_doc_is_dirty (doc));
   bson_free (before);
   bson_free (after);
   world_close (&w);
}
END_TEST

START_TEST (compound_id_of_a_saved_document_is_immutable_inside_too)
{
   world_t w;
   docrel_model_t *pairs;
   docrel_doc_t *doc;
   bson_error_t error;

   world_open (&w);
   {
      bson_t *opts = fixture_json ("{\"primaryKey\": \"caller\"}");
      pairs = docrel_model_new (w.store, "Pair", opts, &error);
      ck_assert_msg (pairs != NULL, "%s", error.message);
      bson_destroy (opts);
   }
   doc = docrel_doc_new_from_json (w.session, pairs, "{\"_id\": {\"a\": 1, \"b\": 2}}", &error);
   ck_assert_msg (doc != NULL, "%s", error.message);
   ASSERT_OK (docrel_save (doc, &error), error);
   ck_assert (!docrel_doc_set_int32 (doc, "_id.a", 9, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_IMMUTABLE);
   assert_fields (doc, "{\"_id\": {\"a\": 1, \"b\": 2}}");
   world_close (&w);
}
END_TEST

/* ---- sessions -------------------------------------------------------- */

START_TEST (session_size_counts_the_documents_it_owns)
{
   world_t w;
   docrel_session_t *other;
   docrel_doc_t *a, *loaded = NULL, *again = NULL;
   bson_error_t error;

   world_open (&w);
   ck_assert_ptr_eq (docrel_session_store (w.session), w.store);
   ck_assert_uint_eq (docrel_session_size (w.session), 0);
   a = fixture_new_doc (w.session, w.model, "{\"n\": 1}");
   fixture_new_doc (w.session, w.model, NULL);
   ck_assert_uint_eq (docrel_session_size (w.session), 2);
   ASSERT_OK (docrel_save (a, &error), error);
   ck_assert_uint_eq (docrel_session_size (w.session), 2);

   other = docrel_session_new (w.store);
   ck_assert_uint_eq (docrel_session_size (other), 0);
   ASSERT_OK (docrel_get (other, w.model, docrel_doc_id (a), NULL, &loaded, &error), error);
   ASSERT_OK (docrel_get (other, w.model, docrel_doc_id (a), NULL, &again, &error), error);
   ck_assert_uint_eq (docrel_session_size (other), 1);
   docrel_session_destroy (other);
   ck_assert_ptr_null (docrel_session_new (NULL));
   docrel_session_destroy (NULL);
   world_close (&w);
}
END_TEST

START_TEST (destroying_a_session_frees_every_document_it_owns)
{
   /* Run under AddressSanitizer: a leak fails the test process. */
   world_t w;
   bson_error_t error;
   int i;

   world_open (&w);
   for (i = 0; i < 50; i++) {
      docrel_doc_t *doc = fixture_new_doc (w.session, w.model,
                                           "{\"a\": {\"b\": [1, 2, {\"c\": \"x\"}]}, \"s\": \"text\"}");
      ASSERT_OK (docrel_doc_set_utf8 (doc, "a.d.e", "deep", &error), error);
      ASSERT_OK (docrel_doc_unset (doc, "s", &error), error);
      if (i % 2 == 0) {
         ASSERT_OK (docrel_save (doc, &error), error);
         ASSERT_OK (docrel_doc_set_int32 (doc, "n", i, &error), error);
      }
   }
   ck_assert_uint_eq (docrel_session_size (w.session), 50);
   world_close (&w);
}
END_TEST

static Suite *
doc_suite (void)
{
   Suite *s = suite_create ("doc");
   TCase *tc;

   tc = tcase_create ("access");
   tcase_add_test (tc, typed_setters_store_values_the_typed_getters_read_back);
   tcase_add_test (tc, binary_null_document_and_array_setters_store_their_values);
   tcase_add_test (tc, set_value_stores_any_bson_value);
   tcase_add_test (tc, setting_a_dotted_path_creates_the_sub_documents);
   tcase_add_test (tc, numeric_path_component_indexes_an_array);
   tcase_add_test (tc, typed_getters_return_false_on_another_type);
   tcase_add_test (tc, getters_on_a_missing_path_return_false);
   tcase_add_test (tc, get_gives_a_view_that_bson_value_copy_can_keep);
   suite_add_tcase (s, tc);

   tc = tcase_create ("unset");
   tcase_add_test (tc, unset_removes_a_field_or_a_nested_field);
   tcase_add_test (tc, unset_of_a_missing_field_succeeds_and_changes_nothing);
   suite_add_tcase (s, tc);

   tc = tcase_create ("path_errors");
   tcase_add_test (tc, setting_through_a_scalar_fails_and_leaves_the_document_unchanged);
   tcase_add_test (tc, empty_path_or_dollar_component_is_an_error);
   tcase_add_test (tc, an_array_index_with_a_leading_zero_or_a_huge_backfill_is_an_error);
   suite_add_tcase (s, tc);

   tc = tcase_create ("rendering");
   tcase_add_test (tc, to_bson_copies_the_own_fields);
   tcase_add_test (tc, to_json_renders_relaxed_extended_json);
   tcase_add_test (tc, new_from_json_reads_canonical_and_relaxed_json);
   tcase_add_test (tc, new_from_json_with_bad_json_is_an_error);
   tcase_add_test (tc, new_from_bson_copies_the_fields);
   tcase_add_test (tc, arrays_with_other_keys_are_renumbered_and_nothing_is_printed);
   suite_add_tcase (s, tc);

   tc = tcase_create ("state");
   tcase_add_test (tc, new_document_is_dirty_and_unsaved_until_saved);
   tcase_add_test (tc, set_or_unset_after_save_makes_the_document_dirty);
   tcase_add_test (tc, field_dirty_covers_parents_and_children_of_the_changed_path);
   tcase_add_test (tc, loaded_document_is_saved_and_clean);
   tcase_add_test (tc, id_of_a_saved_document_is_immutable);
   tcase_add_test (tc, compound_id_of_a_saved_document_is_immutable_inside_too);
   suite_add_tcase (s, tc);

   tc = tcase_create ("session");
   tcase_add_test (tc, session_size_counts_the_documents_it_owns);
   tcase_add_test (tc, destroying_a_session_frees_every_document_it_owns);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (doc_suite ());
}
