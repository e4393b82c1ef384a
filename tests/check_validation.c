/* SPDX-License-Identifier: Apache-2.0 */
/* check_validation.c: documents checked against their model — by docrel_save
 * (insert and update) and by docrel_model_validate — plus the "extra" policy
 * and defaults. A rejected document must come back unchanged and unsaved, and
 * nothing may reach the store. */
#include <ctype.h>
#include <string.h>

#include "fixture.h"

/* True if haystack contains needle, ignoring ASCII case. */
static bool
contains_nocase (const char *haystack, const char *needle)
{
   size_t n = strlen (needle);

   for (; *haystack; haystack++) {
      size_t i;
      for (i = 0; i < n && haystack[i] && tolower ((unsigned char) haystack[i]) == tolower ((unsigned char) needle[i]);
           i++) {
      }
      if (i == n) {
         return true;
      }
   }
   return n == 0;
}

/* Creates a document of model from json and saves it: the save must fail in
 * the validation domain with code, its message naming the model, the field
 * and `expected` (ASCII case ignored; NULL: no check), leaving the document
 * unchanged and unsaved, sending no insert and leaving the store empty.
 * docrel_model_validate must reject the same fields with the same code. */
static void
expect_invalid (docrel_store_t *store,
                docrel_model_t *model,
                const char *json,
                unsigned code,
                const char *field_name,
                const char *expected)
{
   docrel_session_t *session = docrel_session_new (store);
   docrel_store_stats_t before, after;
   bson_error_t error;
   docrel_doc_t *doc;
   char *json_before, *json_after;
   bool ok;

   doc = docrel_doc_new_from_json (session, model, json, &error);
   ck_assert_msg (doc != NULL, "doc from %s: %s", json, error.message);
   json_before = docrel_doc_to_json (doc, false);
   docrel_store_stats (store, &before);
   memset (&error, 0, sizeof error);
   ok = docrel_save (doc, &error);
   docrel_store_stats (store, &after);
   json_after = docrel_doc_to_json (doc, false);

   ck_assert_msg (!ok, "saving %s succeeded", json);
   ck_assert_msg (error.domain == DOCREL_ERROR_VALIDATION && error.code == code,
                  "saving %s: expected validation code %u, got domain %u code %u: %s", json, code, error.domain,
                  error.code, error.message);
   ASSERT_MENTIONS (error, docrel_model_name (model));
   ASSERT_MENTIONS (error, field_name);
   if (expected) {
      ck_assert_msg (contains_nocase (error.message, expected),
                     "saving %s: message \"%s\" does not say what was expected (\"%s\")", json, error.message,
                     expected);
   }
   ck_assert_str_eq (json_after, json_before);
   ck_assert (!docrel_doc_is_saved (doc));
   ck_assert (docrel_doc_is_dirty (doc));
   ck_assert_uint_eq (after.inserts, before.inserts);
   ck_assert_uint_eq (after.commands, before.commands);
   ck_assert_uint_eq (after.inserts, 0);

   memset (&error, 0, sizeof error);
   ck_assert (!docrel_model_validate (model, docrel_doc_bson (doc), &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_VALIDATION);
   ck_assert_uint_eq (error.code, code);
   ASSERT_MENTIONS (error, field_name);

   ck_assert_int_eq (fixture_count_all (store, model), 0);
   bson_free (json_before);
   bson_free (json_after);
   docrel_session_destroy (session);
}

/* Creates and saves a document of model from json; the save must succeed. */
static void
expect_valid (docrel_store_t *store, docrel_model_t *model, const char *json)
{
   docrel_session_t *session = docrel_session_new (store);
   bson_error_t error;
   docrel_doc_t *doc = docrel_doc_new_from_json (session, model, json, &error);

   ck_assert_msg (doc != NULL, "doc from %s: %s", json, error.message);
   ck_assert_msg (docrel_model_validate (model, docrel_doc_bson (doc), &error), "validate %s: %s", json, error.message);
   ck_assert_msg (docrel_save (doc, &error), "saving %s: %s", json, error.message);
   docrel_session_destroy (session);
}

/* A model "Kinds" with one field of every type, none required. */
static docrel_model_t *
kinds_model (docrel_store_t *store)
{
   docrel_model_t *model = fixture_model_new (store, "Kinds", NULL);

   fixture_add_field (model, "str", DOCREL_TYPE_STRING, NULL);
   fixture_add_field (model, "i32", DOCREL_TYPE_INT32, NULL);
   fixture_add_field (model, "i64", DOCREL_TYPE_INT64, NULL);
   fixture_add_field (model, "dbl", DOCREL_TYPE_DOUBLE, NULL);
   fixture_add_field (model, "flag", DOCREL_TYPE_BOOL, NULL);
   fixture_add_field (model, "when", DOCREL_TYPE_DATETIME, NULL);
   fixture_add_field (model, "oid", DOCREL_TYPE_OBJECT_ID, NULL);
   fixture_add_field (model, "raw", DOCREL_TYPE_BINARY, NULL);
   fixture_add_field (model, "list", DOCREL_TYPE_ARRAY, NULL);
   fixture_add_field (model, "inner", DOCREL_TYPE_DOCUMENT, NULL);
   fixture_add_field (model, "any", DOCREL_TYPE_ANY, NULL);
   return model;
}

/* ---- types ----------------------------------------------------------- */

START_TEST (value_of_the_right_type_passes_for_every_type)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = kinds_model (store);

   expect_valid (
      store, model,
      "{\"str\": \"x\", \"i32\": 1, \"i64\": {\"$numberLong\": \"5000000000\"}, \"dbl\": 1.5, \"flag\": true, "
      "\"when\": {\"$date\": \"2020-01-01T00:00:00Z\"}, \"oid\": {\"$oid\": \"507f1f77bcf86cd799439011\"}, "
      "\"raw\": {\"$binary\": {\"base64\": \"AQID\", \"subType\": \"00\"}}, \"list\": [1, \"a\"], "
      "\"inner\": {\"k\": 1}, \"any\": [{}]}");
   expect_valid (store, model, "{\"i64\": 7, \"dbl\": 7}");                        /* int32 widens */
   expect_valid (store, model, "{\"dbl\": {\"$numberLong\": \"5000000000\"}}");    /* int64 into double */
   expect_valid (store, model, "{\"str\": null, \"i32\": null, \"inner\": null}"); /* null: not required */
   expect_valid (store, model, "{}");
   fixture_store_close (store);
}
END_TEST

START_TEST (value_of_the_wrong_type_fails_with_wrong_type_for_every_type)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = kinds_model (store);

   expect_invalid (store, model, "{\"str\": 5}", DOCREL_ERROR_WRONG_TYPE, "str", "string");
   expect_invalid (store, model, "{\"i32\": \"5\"}", DOCREL_ERROR_WRONG_TYPE, "i32", "int32");
   expect_invalid (store, model, "{\"i32\": 1.5}", DOCREL_ERROR_WRONG_TYPE, "i32", "int32");
   expect_invalid (store, model, "{\"i64\": 1.5}", DOCREL_ERROR_WRONG_TYPE, "i64", "int64");
   expect_invalid (store, model, "{\"dbl\": \"1.5\"}", DOCREL_ERROR_WRONG_TYPE, "dbl", "double");
   expect_invalid (store, model, "{\"flag\": 1}", DOCREL_ERROR_WRONG_TYPE, "flag", "bool");
   expect_invalid (store, model, "{\"when\": \"2020-01-01T00:00:00Z\"}", DOCREL_ERROR_WRONG_TYPE, "when", "datetime");
   expect_invalid (store, model, "{\"oid\": \"507f1f77bcf86cd799439011\"}", DOCREL_ERROR_WRONG_TYPE, "oid", "objectId");
   expect_invalid (store, model, "{\"raw\": \"AQID\"}", DOCREL_ERROR_WRONG_TYPE, "raw", "binary");
   expect_invalid (store, model, "{\"list\": {\"0\": 1}}", DOCREL_ERROR_WRONG_TYPE, "list", "array");
   expect_invalid (store, model, "{\"inner\": [1, 2]}", DOCREL_ERROR_WRONG_TYPE, "inner", "document");
   fixture_store_close (store);
}
END_TEST

START_TEST (wrong_type_in_a_nested_field_names_its_dotted_path)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Person", NULL);

   fixture_add_field (model, "address.zip", DOCREL_TYPE_INT32, NULL);
   expect_invalid (store, model, "{\"address\": {\"zip\": \"x\"}}", DOCREL_ERROR_WRONG_TYPE, "address.zip", "int32");
   fixture_store_close (store);
}
END_TEST

/* ---- required -------------------------------------------------------- */

START_TEST (missing_required_field_fails_with_required)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Person", NULL);

   fixture_add_field (model, "name", DOCREL_TYPE_STRING, "{\"required\": true}");
   fixture_add_field (model, "address.city", DOCREL_TYPE_STRING, "{\"required\": true}");
   expect_invalid (store, model, "{\"address\": {\"city\": \"Oslo\"}}", DOCREL_ERROR_REQUIRED, "name", "required");
   expect_invalid (store, model, "{\"name\": \"Ann\", \"address\": {}}", DOCREL_ERROR_REQUIRED, "address.city",
                   "required");
   expect_invalid (store, model, "{\"name\": \"Ann\"}", DOCREL_ERROR_REQUIRED, "address.city", "required");
   expect_valid (store, model, "{\"name\": \"Ann\", \"address\": {\"city\": \"Oslo\"}}");
   fixture_store_close (store);
}
END_TEST

START_TEST (null_in_a_required_field_fails_with_required)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Person", NULL);

   fixture_add_field (model, "name", DOCREL_TYPE_STRING, "{\"required\": true}");
   expect_invalid (store, model, "{\"name\": null}", DOCREL_ERROR_REQUIRED, "name", "required");
   fixture_store_close (store);
}
END_TEST

/* ---- bounds ---------------------------------------------------------- */

START_TEST (number_above_max_or_below_min_fails_with_out_of_range)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Person", NULL);

   fixture_add_field (model, "age", DOCREL_TYPE_INT32, "{\"min\": 10, \"max\": 100}");
   fixture_add_field (model, "big", DOCREL_TYPE_INT64, "{\"max\": {\"$numberLong\": \"5000000000\"}}");
   fixture_add_field (model, "ratio", DOCREL_TYPE_DOUBLE, "{\"min\": 0.5, \"max\": 10}");
   expect_invalid (store, model, "{\"age\": 101}", DOCREL_ERROR_OUT_OF_RANGE, "age", "100");
   expect_invalid (store, model, "{\"age\": 9}", DOCREL_ERROR_OUT_OF_RANGE, "age", "10");
   expect_invalid (store, model, "{\"big\": {\"$numberLong\": \"5000000001\"}}", DOCREL_ERROR_OUT_OF_RANGE, "big",
                   "5000000000");
   expect_invalid (store, model, "{\"ratio\": 0.25}", DOCREL_ERROR_OUT_OF_RANGE, "ratio", "0.5");
   expect_invalid (store, model, "{\"ratio\": {\"$numberLong\": \"11\"}}", DOCREL_ERROR_OUT_OF_RANGE, "ratio", "10");
   /* The bounds are inclusive. */
   expect_valid (store, model, "{\"age\": 100, \"big\": {\"$numberLong\": \"5000000000\"}, \"ratio\": 10.0}");
   expect_valid (store, model, "{\"age\": 10, \"ratio\": 0.5}");
   fixture_store_close (store);
}
END_TEST

START_TEST (datetime_outside_its_bounds_fails_with_out_of_range)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Event", NULL);

   fixture_add_field (
      model, "starts", DOCREL_TYPE_DATETIME,
      "{\"min\": {\"$date\": \"2000-01-01T00:00:00Z\"}, \"max\": {\"$date\": \"2030-01-01T00:00:00Z\"}}");
   expect_invalid (store, model, "{\"starts\": {\"$date\": \"2031-05-01T00:00:00Z\"}}", DOCREL_ERROR_OUT_OF_RANGE,
                   "starts", NULL);
   expect_invalid (store, model, "{\"starts\": {\"$date\": \"1999-12-31T23:59:59Z\"}}", DOCREL_ERROR_OUT_OF_RANGE,
                   "starts", NULL);
   expect_valid (store, model, "{\"starts\": {\"$date\": \"2020-01-01T00:00:00Z\"}}");
   fixture_store_close (store);
}
END_TEST

START_TEST (string_length_is_counted_in_utf8_characters)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *shorter = fixture_model_new (store, "Short", NULL);
   docrel_model_t *exact = fixture_model_new (store, "Exact", NULL);
   docrel_model_t *longer = fixture_model_new (store, "Long", NULL);

   /* "héllo" is 5 characters in 6 bytes. */
   fixture_add_field (shorter, "word", DOCREL_TYPE_STRING, "{\"maxLength\": 4}");
   fixture_add_field (exact, "word", DOCREL_TYPE_STRING, "{\"minLength\": 5, \"maxLength\": 5}");
   fixture_add_field (longer, "word", DOCREL_TYPE_STRING, "{\"minLength\": 6}");
   expect_invalid (store, shorter, "{\"word\": \"h\u00e9llo\"}", DOCREL_ERROR_OUT_OF_RANGE, "word", "4");
   expect_invalid (store, longer, "{\"word\": \"h\u00e9llo\"}", DOCREL_ERROR_OUT_OF_RANGE, "word", "6");
   expect_valid (store, exact, "{\"word\": \"h\u00e9llo\"}");
   fixture_store_close (store);
}
END_TEST

START_TEST (array_and_binary_lengths_are_checked)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Box", NULL);

   fixture_add_field (model, "tags", DOCREL_TYPE_ARRAY, "{\"maxLength\": 2}");
   fixture_add_field (model, "blob", DOCREL_TYPE_BINARY, "{\"minLength\": 2, \"maxLength\": 2}");
   expect_invalid (store, model, "{\"tags\": [1, 2, 3]}", DOCREL_ERROR_OUT_OF_RANGE, "tags", "2");
   expect_invalid (store, model, "{\"blob\": {\"$binary\": {\"base64\": \"AQID\", \"subType\": \"00\"}}}",
                   DOCREL_ERROR_OUT_OF_RANGE, "blob", "2");
   expect_valid (store, model,
                 "{\"tags\": [1, 2], \"blob\": {\"$binary\": {\"base64\": \"AQI=\", \"subType\": \"00\"}}}");
   fixture_store_close (store);
}
END_TEST

START_TEST (value_not_in_enum_fails_with_out_of_range)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Car", NULL);

   fixture_add_field (model, "color", DOCREL_TYPE_STRING, "{\"enum\": [\"red\", \"green\"]}");
   fixture_add_field (model, "doors", DOCREL_TYPE_INT32, "{\"enum\": [3, 5]}");
   expect_invalid (store, model, "{\"color\": \"blue\"}", DOCREL_ERROR_OUT_OF_RANGE, "color", "red");
   expect_invalid (store, model, "{\"doors\": 4}", DOCREL_ERROR_OUT_OF_RANGE, "doors", "5");
   expect_valid (store, model, "{\"color\": \"green\", \"doors\": 5}");
   fixture_store_close (store);
}
END_TEST

/* ---- extra fields ---------------------------------------------------- */

START_TEST (undeclared_field_under_reject_fails_with_extra_field)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Strict", "{\"extra\": \"reject\"}");

   fixture_add_field (model, "name", DOCREL_TYPE_STRING, NULL);
   expect_invalid (store, model, "{\"name\": \"a\", \"nickname\": \"b\"}", DOCREL_ERROR_EXTRA_FIELD, "nickname", NULL);
   expect_valid (store, model, "{\"name\": \"a\"}"); /* _id is always declared */
   fixture_store_close (store);
}
END_TEST

START_TEST (undeclared_fields_under_strip_are_removed_on_save)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Loose", "{\"extra\": \"strip\"}");
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *doc, *back = NULL;
   bson_error_t error;

   fixture_add_field (model, "name", DOCREL_TYPE_STRING, NULL);
   doc = docrel_doc_new_from_json (s1, model, "{\"name\": \"a\", \"junk\": 1, \"more\": {\"x\": 1}}", &error);
   ck_assert_msg (doc != NULL, "%s", error.message);
   ASSERT_OK (docrel_save (doc, &error), error);
   ck_assert (!docrel_doc_has (doc, "junk"));
   ck_assert (!docrel_doc_has (doc, "more"));
   ck_assert_str_eq (docrel_doc_get_utf8 (doc, "name"), "a");

   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), NULL, &back, &error), error);
   ck_assert (!docrel_doc_has (back, "junk"));
   ck_assert (!docrel_doc_has (back, "more"));
   ck_assert (bson_equal (docrel_doc_bson (back), docrel_doc_bson (doc)));

   /* An undeclared field added later is stripped on update too. */
   ASSERT_OK (docrel_doc_set_int32 (doc, "junk", 2, &error), error);
   ASSERT_OK (docrel_save (doc, &error), error);
   ck_assert (!docrel_doc_has (doc, "junk"));
   docrel_session_destroy (s2);
   s2 = docrel_session_new (store);
   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), NULL, &back, &error), error);
   ck_assert (!docrel_doc_has (back, "junk"));

   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

START_TEST (failed_save_under_strip_keeps_the_undeclared_fields)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Loose", "{\"extra\": \"strip\"}");

   fixture_add_field (model, "name", DOCREL_TYPE_STRING, NULL);
   /* expect_invalid checks that the document, junk included, is unchanged. */
   expect_invalid (store, model, "{\"name\": 5, \"junk\": 1}", DOCREL_ERROR_WRONG_TYPE, "name", "string");
   fixture_store_close (store);
}
END_TEST

START_TEST (undeclared_fields_under_keep_are_stored)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Loose", "{\"extra\": \"keep\"}");
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *doc, *back = NULL;
   bson_error_t error;
   int32_t junk = 0;

   fixture_add_field (model, "name", DOCREL_TYPE_STRING, NULL);
   doc = docrel_doc_new_from_json (s1, model, "{\"name\": \"a\", \"junk\": 1}", &error);
   ck_assert_msg (doc != NULL, "%s", error.message);
   ASSERT_OK (docrel_save (doc, &error), error);
   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), NULL, &back, &error), error);
   ck_assert (docrel_doc_get_int32 (back, "junk", &junk));
   ck_assert_int_eq (junk, 1);
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

/* ---- primary keys ---------------------------------------------------- */

START_TEST (caller_key_model_without_id_fails_with_required)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Tag", "{\"primaryKey\": \"caller\"}");

   expect_invalid (store, model, "{\"label\": \"x\"}", DOCREL_ERROR_REQUIRED, "_id", NULL);
   expect_invalid (store, model, "{\"_id\": [1, 2]}", DOCREL_ERROR_WRONG_TYPE, "_id", NULL);
   fixture_store_close (store);
}
END_TEST

/* Found by fuzz/fuzz_doc: a key {"$": 1} was saved, then could not be
 * deleted (the delete's filters read it as an operator). MongoDB refuses it. */
START_TEST (caller_key_document_with_dollar_fields_fails_with_wrong_type)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Tag", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *session = docrel_session_new (store);
   bson_t *top = BCON_NEW ("_id", "{", "$", BCON_INT32 (1), "b", "x", "}");
   bson_t *nested = BCON_NEW ("_id", "{", "a", "[", "{", "$in", BCON_INT32 (1), "}", "]", "}");
   bson_t *fields[] = {top, nested};
   bson_error_t error;
   size_t i;

   for (i = 0; i < 2; i++) {
      docrel_doc_t *doc = docrel_doc_new_from_bson (session, model, fields[i], &error);

      ASSERT_OK (doc != NULL, error);
      ck_assert (!docrel_save (doc, &error));
      ck_assert_uint_eq (error.code, DOCREL_ERROR_WRONG_TYPE);
      ASSERT_MENTIONS (error, "'$'-prefixed");
      bson_destroy (fields[i]);
   }
   ck_assert_int_eq (fixture_count_all (store, model), 0);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (uuid_model_with_a_non_uuid_id_fails_with_wrong_type)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Token", "{\"primaryKey\": \"uuid\"}");

   expect_invalid (store, model, "{\"_id\": \"not-a-uuid\"}", DOCREL_ERROR_WRONG_TYPE, "_id", "uuid");
   expect_invalid (store, model, "{\"_id\": 42}", DOCREL_ERROR_WRONG_TYPE, "_id", "uuid");
   expect_valid (store, model, "{\"_id\": \"123e4567-e89b-42d3-a456-426614174000\"}");
   fixture_store_close (store);
}
END_TEST

START_TEST (object_id_model_with_a_string_id_fails_with_wrong_type)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Post", NULL);

   expect_invalid (store, model, "{\"_id\": \"507f1f77bcf86cd799439011\"}", DOCREL_ERROR_WRONG_TYPE, "_id", "objectId");
   fixture_store_close (store);
}
END_TEST

/* ---- on update ------------------------------------------------------- */

START_TEST (invalid_change_to_a_saved_document_fails_and_writes_nothing)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Person", NULL);
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_store_stats_t before, after;
   docrel_doc_t *doc, *back = NULL;
   bson_error_t error;
   char *json_before, *json_after;
   int32_t age = 0;

   fixture_add_field (model, "age", DOCREL_TYPE_INT32, "{\"max\": 150}");
   doc = docrel_doc_new_from_json (s1, model, "{\"age\": 30}", &error);
   ck_assert_msg (doc != NULL, "%s", error.message);
   ASSERT_OK (docrel_save (doc, &error), error);
   ASSERT_OK (docrel_doc_set_int32 (doc, "age", 151, &error), error);
   json_before = docrel_doc_to_json (doc, false);
   docrel_store_stats (store, &before);
   ck_assert (!docrel_save (doc, &error));
   docrel_store_stats (store, &after);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_VALIDATION);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_OUT_OF_RANGE);
   ASSERT_MENTIONS (error, "Person");
   ASSERT_MENTIONS (error, "age");
   ck_assert_uint_eq (after.commands, before.commands);
   json_after = docrel_doc_to_json (doc, false);
   ck_assert_str_eq (json_after, json_before);
   ck_assert (docrel_doc_is_saved (doc));
   ck_assert (docrel_doc_is_field_dirty (doc, "age"));

   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), NULL, &back, &error), error);
   ck_assert (docrel_doc_get_int32 (back, "age", &age));
   ck_assert_int_eq (age, 30);
   bson_free (json_before);
   bson_free (json_after);
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

/* ---- defaults -------------------------------------------------------- */

START_TEST (new_documents_get_the_defaults_of_fields_they_lack)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "User", NULL);
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *plain, *given, *back = NULL;
   bson_error_t error;
   bson_value_t v;
   int32_t n = 0;
   bool b = false;

   fixture_add_field (model, "role", DOCREL_TYPE_STRING, "{\"default\": \"user\"}");
   fixture_add_field (model, "level", DOCREL_TYPE_INT32, "{\"default\": 1}");
   fixture_add_field (model, "active", DOCREL_TYPE_BOOL, "{\"default\": true}");
   fixture_add_field (model, "settings.theme", DOCREL_TYPE_STRING, "{\"default\": \"dark\"}");
   fixture_add_field (model, "note", DOCREL_TYPE_STRING, NULL);

   plain = docrel_doc_new (s1, model, &error);
   ck_assert_msg (plain != NULL, "%s", error.message);
   ck_assert_str_eq (docrel_doc_get_utf8 (plain, "role"), "user");
   ck_assert (docrel_doc_get_int32 (plain, "level", &n));
   ck_assert_int_eq (n, 1);
   ck_assert (docrel_doc_get_bool (plain, "active", &b));
   ck_assert (b);
   ck_assert_str_eq (docrel_doc_get_utf8 (plain, "settings.theme"), "dark");
   ck_assert (!docrel_doc_has (plain, "note"));

   given = docrel_doc_new_from_json (s1, model, "{\"role\": \"admin\", \"level\": null}", &error);
   ck_assert_msg (given != NULL, "%s", error.message);
   ck_assert_str_eq (docrel_doc_get_utf8 (given, "role"), "admin");
   ck_assert (docrel_doc_get (given, "level", &v)); /* present (null): not filled */
   ck_assert_int_eq (v.value_type, BSON_TYPE_NULL);
   ck_assert_str_eq (docrel_doc_get_utf8 (given, "settings.theme"), "dark");

   ASSERT_OK (docrel_save (plain, &error), error);
   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (plain), NULL, &back, &error), error);
   ck_assert_str_eq (docrel_doc_get_utf8 (back, "role"), "user");
   ck_assert_str_eq (docrel_doc_get_utf8 (back, "settings.theme"), "dark");
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

/* ---- docrel_model_validate ------------------------------------------- */

START_TEST (model_validate_checks_a_document_without_writing)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Person", NULL);
   docrel_model_t *tags = fixture_model_new (store, "Tag", "{\"primaryKey\": \"caller\"}");
   docrel_store_stats_t stats;
   bson_error_t error;
   bson_t *good = fixture_json ("{\"name\": \"Ann\", \"age\": 30}");
   bson_t *bad = fixture_json ("{\"name\": \"Ann\", \"age\": \"thirty\"}");
   bson_t *missing = fixture_json ("{\"age\": 30}");
   bson_t *no_id = fixture_json ("{\"label\": \"x\"}");
   bson_t *with_id = fixture_json ("{\"_id\": \"x\"}");

   fixture_add_field (model, "name", DOCREL_TYPE_STRING, "{\"required\": true}");
   fixture_add_field (model, "age", DOCREL_TYPE_INT32, NULL);
   ASSERT_OK (docrel_model_validate (model, good, &error), error); /* _id may be missing */
   ck_assert (!docrel_model_validate (model, bad, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_VALIDATION);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_WRONG_TYPE);
   ASSERT_MENTIONS (error, "Person");
   ASSERT_MENTIONS (error, "age");
   ck_assert (!docrel_model_validate (model, missing, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ASSERT_MENTIONS (error, "name");
   ck_assert (!docrel_model_validate (tags, no_id, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_VALIDATION);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ASSERT_MENTIONS (error, "_id");
   ASSERT_OK (docrel_model_validate (tags, with_id, &error), error);

   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (stats.commands, 0);
   bson_destroy (good);
   bson_destroy (bad);
   bson_destroy (missing);
   bson_destroy (no_id);
   bson_destroy (with_id);
   fixture_store_close (store);
}
END_TEST

START_TEST (model_validate_reads_arrays_by_position_and_prints_nothing)
{
   /* found fuzzing: the error message rendered the key with libbson, which
    * printed a warning for an array whose keys are not "0", "1", ... */
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_keyed_model (store, "Item");
   bson_t *bad_key = fixture_json_misnumbered ("{\"_id\": [1, \"x\"]}");
   bson_t *tags = fixture_json_misnumbered ("{\"_id\": 1, \"tags\": [\"a\", [\"b\"]]}");
   bson_error_t error;
   bool ok;

   fixture_add_field (model, "tags", DOCREL_TYPE_ARRAY, "{\"maxLength\": 2}");
   fixture_stderr_begin ();
   ok = docrel_model_validate (model, bad_key, &error);
   ck_assert_int_eq (fixture_stderr_end (), 0);
   ck_assert (!ok);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_WRONG_TYPE);
   ASSERT_MENTIONS (error, "[ 1, \"x\" ]");
   fixture_stderr_begin ();
   ok = docrel_model_validate (model, tags, &error);
   ck_assert_int_eq (fixture_stderr_end (), 0);
   ASSERT_OK (ok, error);
   bson_destroy (bad_key);
   bson_destroy (tags);
   fixture_store_close (store);
}
END_TEST

static Suite *
validation_suite (void)
{
   Suite *s = suite_create ("validation");
   TCase *tc;

   tc = tcase_create ("types");
   tcase_add_test (tc, value_of_the_right_type_passes_for_every_type);
   tcase_add_test (tc, value_of_the_wrong_type_fails_with_wrong_type_for_every_type);
   tcase_add_test (tc, wrong_type_in_a_nested_field_names_its_dotted_path);
   suite_add_tcase (s, tc);

   tc = tcase_create ("required");
   tcase_add_test (tc, missing_required_field_fails_with_required);
   tcase_add_test (tc, null_in_a_required_field_fails_with_required);
   suite_add_tcase (s, tc);

   tc = tcase_create ("bounds");
   tcase_add_test (tc, number_above_max_or_below_min_fails_with_out_of_range);
   tcase_add_test (tc, datetime_outside_its_bounds_fails_with_out_of_range);
   tcase_add_test (tc, string_length_is_counted_in_utf8_characters);
   tcase_add_test (tc, array_and_binary_lengths_are_checked);
   tcase_add_test (tc, value_not_in_enum_fails_with_out_of_range);
   suite_add_tcase (s, tc);

   tc = tcase_create ("extra");
   tcase_add_test (tc, undeclared_field_under_reject_fails_with_extra_field);
   tcase_add_test (tc, undeclared_fields_under_strip_are_removed_on_save);
   tcase_add_test (tc, failed_save_under_strip_keeps_the_undeclared_fields);
   tcase_add_test (tc, undeclared_fields_under_keep_are_stored);
   suite_add_tcase (s, tc);

   tc = tcase_create ("primary_keys");
   tcase_add_test (tc, caller_key_model_without_id_fails_with_required);
   tcase_add_test (tc, caller_key_document_with_dollar_fields_fails_with_wrong_type);
   tcase_add_test (tc, uuid_model_with_a_non_uuid_id_fails_with_wrong_type);
   tcase_add_test (tc, object_id_model_with_a_string_id_fails_with_wrong_type);
   suite_add_tcase (s, tc);

   tc = tcase_create ("update");
   tcase_add_test (tc, invalid_change_to_a_saved_document_fails_and_writes_nothing);
   suite_add_tcase (s, tc);

   tc = tcase_create ("defaults");
   tcase_add_test (tc, new_documents_get_the_defaults_of_fields_they_lack);
   suite_add_tcase (s, tc);

   tc = tcase_create ("validate");
   tcase_add_test (tc, model_validate_checks_a_document_without_writing);
   tcase_add_test (tc, model_validate_reads_arrays_by_position_and_prints_nothing);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (validation_suite ());
}
