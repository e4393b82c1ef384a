/* SPDX-License-Identifier: Apache-2.0 */
/* check_update_order.c: field order after removing a field and setting it
 * (or a field below it) again, on every store kind.
 *
 * MongoDB appends a field that a $set creates and $unset removes one; so a
 * field removed and then set again is last, as the document in memory has
 * it. The stored document must have the same order, whether the two changes
 * are saved together or one after the other (issue 16). */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* The relaxed JSON of the stored document with _id 1, read back through a
 * fresh session. The caller frees it. */
static char *
stored_json (docrel_store_t *store, docrel_model_t *model)
{
   docrel_session_t *session = docrel_session_new (store);
   bson_value_t key;
   docrel_doc_t *doc;
   bson_error_t error;
   char *json;

   key.value_type = BSON_TYPE_INT32;
   key.value.v_int32 = 1;
   ASSERT_OK (docrel_get (session, model, &key, NULL, &doc, &error), error);
   json = bson_as_relaxed_extended_json (docrel_doc_bson (doc), NULL);
   docrel_session_destroy (session);
   return json;
}

typedef enum { TOGETHER, APART } when_t;

/* Saves start, removes path, saves (APART), sets set_path to 9, saves, and
 * checks memory and store both hold expected. */
static void
check_order (when_t when, const char *unset_path, const char *set_path, const char *expected)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_keyed_model (store, "Item");
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *doc = fixture_saved_doc (session, model,
                                          "{\"_id\": 1, \"a\": 1, \"b\": {\"x\": 1, \"z\": 2}, \"c\": 3}");
   bson_t *want = fixture_json (expected);
   char *want_json = bson_as_relaxed_extended_json (want, NULL);
   bson_error_t error;
   char *memory;
   char *stored;

   ASSERT_OK (docrel_doc_unset (doc, unset_path, &error), error);
   if (when == APART) {
      ASSERT_OK (docrel_save (doc, &error), error);
   }
   ASSERT_OK (docrel_doc_set_int32 (doc, set_path, 9, &error), error);
   ASSERT_OK (docrel_save (doc, &error), error);
   memory = bson_as_relaxed_extended_json (docrel_doc_bson (doc), NULL);
   stored = stored_json (store, model);
   ck_assert_str_eq (memory, want_json);
   ck_assert_str_eq (stored, want_json);
   bson_free (memory);
   bson_free (stored);
   bson_free (want_json);
   bson_destroy (want);
   docrel_session_destroy (session);
   fixture_store_close (store);
}

START_TEST (unset_then_set_below_saved_together_moves_the_field_last)
{
   check_order (TOGETHER, "b", "b.y", "{\"_id\": 1, \"a\": 1, \"c\": 3, \"b\": {\"y\": 9}}");
}
END_TEST

START_TEST (unset_then_set_saved_together_moves_the_field_last)
{
   check_order (TOGETHER, "b", "b", "{\"_id\": 1, \"a\": 1, \"c\": 3, \"b\": 9}");
}
END_TEST

START_TEST (unset_then_set_nested_saved_together_moves_it_last_in_its_document)
{
   check_order (TOGETHER, "b.x", "b.x", "{\"_id\": 1, \"a\": 1, \"b\": {\"z\": 2, \"x\": 9}, \"c\": 3}");
}
END_TEST

START_TEST (unset_then_set_below_saved_apart_moves_the_field_last)
{
   check_order (APART, "b", "b.y", "{\"_id\": 1, \"a\": 1, \"c\": 3, \"b\": {\"y\": 9}}");
}
END_TEST

START_TEST (set_of_an_existing_field_keeps_its_place)
{
   check_order (TOGETHER, "b.x", "b.z", "{\"_id\": 1, \"a\": 1, \"b\": {\"z\": 9}, \"c\": 3}");
}
END_TEST

static Suite *
update_order_suite (void)
{
   Suite *s = suite_create ("update_order");
   TCase *tc = tcase_create ("update_order");

   tcase_add_test (tc, unset_then_set_below_saved_together_moves_the_field_last);
   tcase_add_test (tc, unset_then_set_saved_together_moves_the_field_last);
   tcase_add_test (tc, unset_then_set_nested_saved_together_moves_it_last_in_its_document);
   tcase_add_test (tc, unset_then_set_below_saved_apart_moves_the_field_last);
   tcase_add_test (tc, set_of_an_existing_field_keeps_its_place);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (update_order_suite ());
}
