/* SPDX-License-Identifier: Apache-2.0 */
/* check_model.c: defining models — docrel_model_new and its options, model
 * lookup, typed fields and their options, indexes, and the freeze that
 * follows the first document. Validation of documents against a model is in
 * check_validation.c. */
#include <string.h>

#include "fixture.h"

/* Fails the test unless ok is false and error carries domain / code. */
#define ASSERT_ERROR(ok, error, dom, cod)                                                                       \
   ck_assert_msg (!(ok) && (error).domain == (unsigned) (dom) && (error).code == (unsigned) (cod),              \
                  "expected failure with domain %u code %u; got ok=%d domain %u code %u: %s", (unsigned) (dom), \
                  (unsigned) (cod), (int) (ok), (error).domain, (error).code, (error).message)

/* Declares a field with options given as JSON (NULL: none). */
static bool
add_field (docrel_model_t *model, const char *name, docrel_type_t type, const char *opts_json, bson_error_t *error)
{
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   bool ok;

   memset (error, 0, sizeof *error);
   ok = docrel_model_add_field (model, name, type, opts, error);
   bson_destroy (opts);
   return ok;
}

static bool
add_index (docrel_model_t *model, const char *keys_json, const char *opts_json, bson_error_t *error)
{
   bson_t *keys = fixture_json (keys_json);
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   bool ok;

   memset (error, 0, sizeof *error);
   ok = docrel_model_add_index (model, keys, opts, error);
   bson_destroy (keys);
   bson_destroy (opts);
   return ok;
}

/* docrel_model_new with JSON options; expects a failure in the model domain
 * with code and a message naming the model and `mention`. */
static void
expect_model_new_fails (const char *name, const char *opts_json, unsigned code, const char *mention)
{
   docrel_store_t *store = fixture_store_open ();
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   bson_error_t error;
   docrel_model_t *model;

   memset (&error, 0, sizeof error);
   model = docrel_model_new (store, name, opts, &error);
   ASSERT_ERROR (model != NULL, error, DOCREL_ERROR_MODEL, code);
   ASSERT_MENTIONS (error, name);
   if (mention) {
      ASSERT_MENTIONS (error, mention);
   }
   ck_assert_ptr_null (docrel_store_model (store, name));
   bson_destroy (opts);
   fixture_store_close (store);
}

/* ---- docrel_model_new ------------------------------------------------ */

START_TEST (model_without_options_uses_its_name_as_collection_and_object_id_keys)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "users", NULL);

   ck_assert_str_eq (docrel_model_name (model), "users");
   ck_assert_str_eq (docrel_model_collection (model), "users");
   ck_assert_int_eq (docrel_model_pk_kind (model), DOCREL_PK_OBJECT_ID);
   fixture_store_close (store);
}
END_TEST

START_TEST (model_takes_collection_primary_key_and_extra_options)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *a = fixture_model_new (
      store, "User", "{\"collection\": \"people\", \"primaryKey\": \"uuid\", \"extra\": \"reject\"}");
   docrel_model_t *b = fixture_model_new (store, "Tag", "{\"primaryKey\": \"caller\", \"extra\": \"strip\"}");
   docrel_model_t *c = fixture_model_new (store, "Post", "{\"primaryKey\": \"objectId\", \"extra\": \"keep\"}");

   ck_assert_str_eq (docrel_model_name (a), "User");
   ck_assert_str_eq (docrel_model_collection (a), "people");
   ck_assert_int_eq (docrel_model_pk_kind (a), DOCREL_PK_UUID);
   ck_assert_str_eq (docrel_model_collection (b), "Tag");
   ck_assert_int_eq (docrel_model_pk_kind (b), DOCREL_PK_CALLER);
   ck_assert_int_eq (docrel_model_pk_kind (c), DOCREL_PK_OBJECT_ID);
   fixture_store_close (store);
}
END_TEST

START_TEST (model_with_unknown_option_fails_naming_the_option)
{
   expect_model_new_fails ("users", "{\"colection\": \"people\"}", DOCREL_ERROR_BAD_OPTION, "colection");
}
END_TEST

START_TEST (model_with_bad_primary_key_value_fails_naming_the_option)
{
   expect_model_new_fails ("users", "{\"primaryKey\": \"serial\"}", DOCREL_ERROR_BAD_OPTION, "primaryKey");
}
END_TEST

START_TEST (model_with_bad_extra_value_fails_naming_the_option)
{
   expect_model_new_fails ("users", "{\"extra\": \"sometimes\"}", DOCREL_ERROR_BAD_OPTION, "extra");
}
END_TEST

START_TEST (model_with_non_string_collection_fails_naming_the_option)
{
   expect_model_new_fails ("users", "{\"collection\": 5}", DOCREL_ERROR_BAD_OPTION, "collection");
}
END_TEST

START_TEST (model_with_empty_or_null_name_fails)
{
   docrel_store_t *store = fixture_store_open ();
   bson_error_t error;
   docrel_model_t *model;

   memset (&error, 0, sizeof error);
   model = docrel_model_new (store, "", NULL, &error);
   ck_assert_ptr_null (model);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   memset (&error, 0, sizeof error);
   model = docrel_model_new (store, NULL, NULL, &error);
   ck_assert_ptr_null (model);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   fixture_store_close (store);
}
END_TEST

START_TEST (model_declared_twice_fails_with_duplicate_name)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *first = fixture_model_new (store, "users", NULL);
   bson_error_t error;
   docrel_model_t *second;

   memset (&error, 0, sizeof error);
   second = docrel_model_new (store, "users", NULL, &error);
   ASSERT_ERROR (second != NULL, error, DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME);
   ASSERT_MENTIONS (error, "users");
   ck_assert_ptr_eq (docrel_store_model (store, "users"), first);
   fixture_store_close (store);
}
END_TEST

START_TEST (model_on_a_collection_already_used_fails_naming_the_collection)
{
   docrel_store_t *store = fixture_store_open ();
   bson_error_t error;
   bson_t *opts = fixture_json ("{\"collection\": \"things\"}");
   docrel_model_t *model;

   fixture_model_new (store, "A", "{\"collection\": \"things\"}");
   memset (&error, 0, sizeof error);
   model = docrel_model_new (store, "B", opts, &error);
   ASSERT_ERROR (model != NULL, error, DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME);
   ASSERT_MENTIONS (error, "B");
   ASSERT_MENTIONS (error, "things");
   ck_assert_ptr_null (docrel_store_model (store, "B"));

   /* A model whose default collection (its name) is another's collection. */
   memset (&error, 0, sizeof error);
   model = docrel_model_new (store, "things", NULL, &error);
   ASSERT_ERROR (model != NULL, error, DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME);
   ASSERT_MENTIONS (error, "things");
   bson_destroy (opts);
   fixture_store_close (store);
}
END_TEST

START_TEST (store_model_finds_models_by_name_and_returns_null_for_unknown_names)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *users = fixture_model_new (store, "users", NULL);
   docrel_model_t *posts = fixture_model_new (store, "posts", "{\"collection\": \"articles\"}");

   ck_assert_ptr_eq (docrel_store_model (store, "users"), users);
   ck_assert_ptr_eq (docrel_store_model (store, "posts"), posts);
   ck_assert_ptr_null (docrel_store_model (store, "articles")); /* a collection, not a model */
   ck_assert_ptr_null (docrel_store_model (store, "nobody"));
   ck_assert_ptr_null (docrel_store_model (store, "Users"));
   fixture_store_close (store);
}
END_TEST

/* ---- docrel_model_add_field ------------------------------------------ */

START_TEST (field_of_every_type_can_be_declared)
{
   static const docrel_type_t types[] = {DOCREL_TYPE_ANY,      DOCREL_TYPE_STRING,    DOCREL_TYPE_INT32,
                                         DOCREL_TYPE_INT64,    DOCREL_TYPE_DOUBLE,    DOCREL_TYPE_BOOL,
                                         DOCREL_TYPE_DATETIME, DOCREL_TYPE_OBJECT_ID, DOCREL_TYPE_BINARY,
                                         DOCREL_TYPE_ARRAY,    DOCREL_TYPE_DOCUMENT};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "things", NULL);
   bson_error_t error;
   char name[32];
   size_t i;

   for (i = 0; i < sizeof types / sizeof types[0]; i++) {
      snprintf (name, sizeof name, "f%d", (int) i);
      ASSERT_OK (add_field (model, name, types[i], NULL, &error), error);
   }
   ASSERT_OK (add_field (model, "address.city", DOCREL_TYPE_STRING, NULL, &error), error);
   fixture_store_close (store);
}
END_TEST

START_TEST (field_options_that_fit_the_type_are_accepted)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "things", NULL);
   bson_error_t error;

   ASSERT_OK (add_field (model, "name", DOCREL_TYPE_STRING, "{\"required\": true, \"minLength\": 1, \"maxLength\": 20}",
                         &error),
              error);
   ASSERT_OK (add_field (model, "role", DOCREL_TYPE_STRING, "{\"default\": \"user\", \"enum\": [\"user\", \"admin\"]}",
                         &error),
              error);
   ASSERT_OK (add_field (model, "age", DOCREL_TYPE_INT32, "{\"min\": 0, \"max\": 150, \"default\": 18}", &error),
              error);
   ASSERT_OK (add_field (model, "big", DOCREL_TYPE_INT64, "{\"min\": 0, \"max\": 5000000000}", &error), error);
   ASSERT_OK (add_field (model, "score", DOCREL_TYPE_DOUBLE, "{\"min\": -1.5, \"max\": 1.5}", &error), error);
   ASSERT_OK (
      add_field (model, "when", DOCREL_TYPE_DATETIME,
                 "{\"min\": {\"$date\": \"2000-01-01T00:00:00Z\"}, \"max\": {\"$date\": \"2100-01-01T00:00:00Z\"}}",
                 &error),
      error);
   ASSERT_OK (add_field (model, "tags", DOCREL_TYPE_ARRAY, "{\"minLength\": 0, \"maxLength\": 3}", &error), error);
   ASSERT_OK (add_field (model, "blob", DOCREL_TYPE_BINARY, "{\"maxLength\": 16}", &error), error);
   ASSERT_OK (add_field (model, "active", DOCREL_TYPE_BOOL, "{\"required\": false, \"default\": true}", &error), error);
   ASSERT_OK (add_field (model, "level", DOCREL_TYPE_INT32, "{\"enum\": [1, 2, 3]}", &error), error);
   fixture_store_close (store);
}
END_TEST

/* Declares field "f" of type with opts; expects a model-domain failure
 * naming the model, the field and `mention`, and that nothing was declared
 * (the same field can be declared right after). */
static void
expect_field_fails (docrel_type_t type, const char *opts_json, unsigned code, const char *mention)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Gadget", NULL);
   bson_error_t error;

   ck_assert_msg (!add_field (model, "widget", type, opts_json, &error), "declaring with %s succeeded", opts_json);
   ck_assert_msg (error.domain == DOCREL_ERROR_MODEL, "%s: domain %u: %s", opts_json, error.domain, error.message);
   if (code) {
      ck_assert_msg (error.code == code, "%s: expected code %u, got %u: %s", opts_json, code, error.code,
                     error.message);
   }
   ASSERT_MENTIONS (error, "Gadget");
   ASSERT_MENTIONS (error, "widget");
   if (mention) {
      ASSERT_MENTIONS (error, mention);
   }
   /* Nothing was declared: the field is still free. */
   ASSERT_OK (add_field (model, "widget", type, NULL, &error), error);
   fixture_store_close (store);
}

START_TEST (length_option_on_a_number_field_fails_naming_model_field_and_option)
{
   expect_field_fails (DOCREL_TYPE_INT32, "{\"minLength\": 1}", DOCREL_ERROR_BAD_OPTION, "minLength");
}
END_TEST

START_TEST (min_option_on_a_string_field_fails_naming_model_field_and_option)
{
   expect_field_fails (DOCREL_TYPE_STRING, "{\"min\": 1}", DOCREL_ERROR_BAD_OPTION, "min");
}
END_TEST

START_TEST (max_option_on_a_bool_field_fails_naming_model_field_and_option)
{
   expect_field_fails (DOCREL_TYPE_BOOL, "{\"max\": 1}", DOCREL_ERROR_BAD_OPTION, "max");
}
END_TEST

START_TEST (max_length_option_on_a_document_field_fails)
{
   expect_field_fails (DOCREL_TYPE_DOCUMENT, "{\"maxLength\": 3}", DOCREL_ERROR_BAD_OPTION, "maxLength");
}
END_TEST

START_TEST (option_with_a_value_of_the_wrong_kind_fails)
{
   expect_field_fails (DOCREL_TYPE_STRING, "{\"required\": \"yes\"}", DOCREL_ERROR_BAD_OPTION, "required");
}
END_TEST

START_TEST (enum_option_that_is_not_an_array_fails)
{
   expect_field_fails (DOCREL_TYPE_STRING, "{\"enum\": \"red\"}", DOCREL_ERROR_BAD_OPTION, "enum");
}
END_TEST

START_TEST (negative_max_length_fails)
{
   expect_field_fails (DOCREL_TYPE_STRING, "{\"maxLength\": -1}", DOCREL_ERROR_BAD_OPTION, "maxLength");
}
END_TEST

START_TEST (unknown_field_option_fails_naming_it)
{
   expect_field_fails (DOCREL_TYPE_STRING, "{\"requierd\": true}", DOCREL_ERROR_BAD_OPTION, "requierd");
}
END_TEST

START_TEST (default_of_the_wrong_type_fails)
{
   expect_field_fails (DOCREL_TYPE_INT32, "{\"default\": \"ten\"}", 0, "default");
}
END_TEST

START_TEST (default_above_max_fails)
{
   expect_field_fails (DOCREL_TYPE_INT32, "{\"max\": 100, \"default\": 200}", 0, "default");
}
END_TEST

START_TEST (default_not_in_enum_fails)
{
   expect_field_fails (DOCREL_TYPE_STRING, "{\"enum\": [\"a\", \"b\"], \"default\": \"z\"}", 0, "default");
}
END_TEST

START_TEST (default_longer_than_max_length_fails)
{
   expect_field_fails (DOCREL_TYPE_STRING, "{\"maxLength\": 3, \"default\": \"toolong\"}", 0, "default");
}
END_TEST

START_TEST (field_declared_twice_fails_with_duplicate_name)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Gadget", NULL);
   bson_error_t error;

   ASSERT_OK (add_field (model, "widget", DOCREL_TYPE_STRING, NULL, &error), error);
   ck_assert (!add_field (model, "widget", DOCREL_TYPE_INT32, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_NAME);
   ASSERT_MENTIONS (error, "Gadget");
   ASSERT_MENTIONS (error, "widget");
   fixture_store_close (store);
}
END_TEST

START_TEST (field_with_an_empty_or_dollar_path_fails)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Gadget", NULL);
   bson_error_t error;

   ck_assert (!add_field (model, "", DOCREL_TYPE_STRING, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ck_assert (!add_field (model, "$where", DOCREL_TYPE_STRING, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ASSERT_MENTIONS (error, "Gadget");
   ASSERT_MENTIONS (error, "$where");
   fixture_store_close (store);
}
END_TEST

/* ---- the freeze ------------------------------------------------------ */

START_TEST (definitions_after_the_first_document_fail_with_model_in_use)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Gadget", NULL);
   docrel_session_t *session = docrel_session_new (store);
   bson_error_t error;
   bson_t *keys = fixture_json ("{\"name\": 1}");
   docrel_doc_t *doc;

   ASSERT_OK (add_field (model, "name", DOCREL_TYPE_STRING, NULL, &error), error);
   doc = docrel_doc_new (session, model, &error);
   ck_assert_msg (doc != NULL, "%s", error.message);

   ck_assert (!add_field (model, "age", DOCREL_TYPE_INT32, "{\"required\": true}", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_MODEL_IN_USE);
   ASSERT_MENTIONS (error, "Gadget");
   ASSERT_MENTIONS (error, "age");

   memset (&error, 0, sizeof error);
   ck_assert (!docrel_model_add_index (model, keys, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_MODEL_IN_USE);
   ASSERT_MENTIONS (error, "Gadget");

   /* Nothing changed: "age" was not declared required, so this saves. */
   ASSERT_OK (docrel_doc_set_utf8 (doc, "name", "lamp", &error), error);
   ASSERT_OK (docrel_save (doc, &error), error);

   bson_destroy (keys);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (loading_a_document_freezes_its_model)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *writer = fixture_model_new (store, "Gadget", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *session = docrel_session_new (store);
   bson_error_t error;
   docrel_doc_t *doc = docrel_doc_new_from_json (session, writer, "{\"_id\": 1}", &error);

   ck_assert_msg (doc != NULL, "%s", error.message);
   ASSERT_OK (docrel_save (doc, &error), error);
   docrel_session_destroy (session);

   /* A file store reopened: the model is new, and loading freezes it. */
   store = fixture_store_reopen (store);
   if (!store) {
      return;
   }
   {
      docrel_model_t *reader = fixture_model_new (store, "Gadget", "{\"primaryKey\": \"caller\"}");
      bson_value_t key;
      docrel_doc_t *loaded = NULL;

      session = docrel_session_new (store);
      key.value_type = BSON_TYPE_INT32;
      key.value.v_int32 = 1;
      ASSERT_OK (docrel_get (session, reader, &key, NULL, &loaded, &error), error);
      ck_assert (!add_field (reader, "age", DOCREL_TYPE_INT32, NULL, &error));
      ck_assert_uint_eq (error.code, DOCREL_ERROR_MODEL_IN_USE);
      docrel_session_destroy (session);
   }
   fixture_store_close (store);
}
END_TEST

START_TEST (other_models_stay_open_after_one_is_frozen)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *used = fixture_model_new (store, "used", NULL);
   docrel_model_t *fresh = fixture_model_new (store, "fresh", NULL);
   docrel_session_t *session = docrel_session_new (store);
   bson_error_t error;

   ck_assert_ptr_nonnull (docrel_doc_new (session, used, &error));
   ASSERT_OK (add_field (fresh, "name", DOCREL_TYPE_STRING, NULL, &error), error);
   ASSERT_OK (add_index (fresh, "{\"name\": 1}", NULL, &error), error);
   ck_assert_ptr_nonnull (fixture_model_new (store, "later", NULL));
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- indexes --------------------------------------------------------- */

START_TEST (index_on_one_or_several_keys_with_options_is_accepted)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "users", NULL);
   bson_error_t error;

   ASSERT_OK (add_index (model, "{\"email\": 1}", "{\"unique\": true}", &error), error);
   ASSERT_OK (add_index (model, "{\"last\": 1, \"first\": -1}", "{\"name\": \"by_name\"}", &error), error);
   ASSERT_OK (add_index (model, "{\"address.city\": -1}", "{\"unique\": false, \"name\": \"city\"}", &error), error);
   ASSERT_OK (add_index (model, "{\"age\": 1}", NULL, &error), error);
   fixture_store_close (store);
}
END_TEST

START_TEST (index_with_a_bad_direction_fails_naming_the_key)
{
   static const char *const bad[] = {"{\"email\": 2}", "{\"email\": 0}", "{\"email\": \"text\"}", "{\"email\": true}"};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "users", NULL);
   bson_error_t error;
   size_t i;

   for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      ck_assert_msg (!add_index (model, bad[i], NULL, &error), "index %s was accepted", bad[i]);
      ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
      ASSERT_MENTIONS (error, "users");
      ASSERT_MENTIONS (error, "email");
   }
   /* Nothing was declared: the same keys are still free. */
   ASSERT_OK (add_index (model, "{\"email\": 1}", NULL, &error), error);
   fixture_store_close (store);
}
END_TEST

START_TEST (index_without_keys_fails)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "users", NULL);
   bson_error_t error;

   ck_assert (!add_index (model, "{}", NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ASSERT_MENTIONS (error, "users");
   memset (&error, 0, sizeof error);
   ck_assert (!docrel_model_add_index (model, NULL, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   fixture_store_close (store);
}
END_TEST

START_TEST (index_with_an_unknown_or_bad_option_fails_naming_it)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "users", NULL);
   bson_error_t error;

   ck_assert (!add_index (model, "{\"email\": 1}", "{\"uniq\": true}", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_BAD_OPTION);
   ASSERT_MENTIONS (error, "users");
   ASSERT_MENTIONS (error, "uniq");
   ck_assert (!add_index (model, "{\"email\": 1}", "{\"unique\": \"yes\"}", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ASSERT_MENTIONS (error, "unique");
   ck_assert (!add_index (model, "{\"email\": 1}", "{\"name\": 7}", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ASSERT_MENTIONS (error, "name");
   fixture_store_close (store);
}
END_TEST

static Suite *
model_suite (void)
{
   Suite *s = suite_create ("model");
   TCase *tc;

   tc = tcase_create ("model_new");
   tcase_add_test (tc, model_without_options_uses_its_name_as_collection_and_object_id_keys);
   tcase_add_test (tc, model_takes_collection_primary_key_and_extra_options);
   tcase_add_test (tc, model_with_unknown_option_fails_naming_the_option);
   tcase_add_test (tc, model_with_bad_primary_key_value_fails_naming_the_option);
   tcase_add_test (tc, model_with_bad_extra_value_fails_naming_the_option);
   tcase_add_test (tc, model_with_non_string_collection_fails_naming_the_option);
   tcase_add_test (tc, model_with_empty_or_null_name_fails);
   tcase_add_test (tc, model_declared_twice_fails_with_duplicate_name);
   tcase_add_test (tc, model_on_a_collection_already_used_fails_naming_the_collection);
   tcase_add_test (tc, store_model_finds_models_by_name_and_returns_null_for_unknown_names);
   suite_add_tcase (s, tc);

   tc = tcase_create ("fields");
   tcase_add_test (tc, field_of_every_type_can_be_declared);
   tcase_add_test (tc, field_options_that_fit_the_type_are_accepted);
   tcase_add_test (tc, length_option_on_a_number_field_fails_naming_model_field_and_option);
   tcase_add_test (tc, min_option_on_a_string_field_fails_naming_model_field_and_option);
   tcase_add_test (tc, max_option_on_a_bool_field_fails_naming_model_field_and_option);
   tcase_add_test (tc, max_length_option_on_a_document_field_fails);
   tcase_add_test (tc, option_with_a_value_of_the_wrong_kind_fails);
   tcase_add_test (tc, enum_option_that_is_not_an_array_fails);
   tcase_add_test (tc, negative_max_length_fails);
   tcase_add_test (tc, unknown_field_option_fails_naming_it);
   tcase_add_test (tc, default_of_the_wrong_type_fails);
   tcase_add_test (tc, default_above_max_fails);
   tcase_add_test (tc, default_not_in_enum_fails);
   tcase_add_test (tc, default_longer_than_max_length_fails);
   tcase_add_test (tc, field_declared_twice_fails_with_duplicate_name);
   tcase_add_test (tc, field_with_an_empty_or_dollar_path_fails);
   suite_add_tcase (s, tc);

   tc = tcase_create ("freeze");
   tcase_add_test (tc, definitions_after_the_first_document_fail_with_model_in_use);
   tcase_add_test (tc, loading_a_document_freezes_its_model);
   tcase_add_test (tc, other_models_stay_open_after_one_is_frozen);
   suite_add_tcase (s, tc);

   tc = tcase_create ("indexes");
   tcase_add_test (tc, index_on_one_or_several_keys_with_options_is_accepted);
   tcase_add_test (tc, index_with_a_bad_direction_fails_naming_the_key);
   tcase_add_test (tc, index_without_keys_fails);
   tcase_add_test (tc, index_with_an_unknown_or_bad_option_fails_naming_it);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (model_suite ());
}
