/* SPDX-License-Identifier: Apache-2.0 */
/* check_save.c: writing single documents — inserts and their primary keys,
 * updates that write only what changed, docrel_get by key and the identity
 * map, duplicate keys (the _id and unique indexes), and delete. What the
 * store holds is always read back through a second session, so the first
 * session's identity map cannot hide it. */
#include <ctype.h>
#include <string.h>

#include "fixture.h"

/* Initialises *out with the value of "k" in the relaxed JSON `{"k": ...}`;
 * the caller destroys it with bson_value_destroy. */
static void
key_value (const char *value_json, bson_value_t *out)
{
   char json[256];
   bson_t *holder;
   bson_iter_t iter;

   snprintf (json, sizeof json, "{\"k\": %s}", value_json);
   holder = fixture_json (json);
   ck_assert (bson_iter_init_find (&iter, holder, "k"));
   bson_value_copy (bson_iter_value (&iter), out);
   bson_destroy (holder);
}

/* Reads the document with key through a fresh session into *out (always
 * initialised; the caller destroys it). Returns false if the store lacks it. */
static bool
stored (docrel_store_t *store, docrel_model_t *model, const bson_value_t *key, bson_t *out)
{
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *doc = NULL;
   bson_error_t error;
   bool found = docrel_get (session, model, key, NULL, &doc, &error);

   if (found) {
      bson_copy_to (docrel_doc_bson (doc), out);
   } else {
      ck_assert_msg (error.code == DOCREL_ERROR_NOT_FOUND, "get: %s", error.message);
      ck_assert_ptr_null (doc);
      bson_init (out);
   }
   docrel_session_destroy (session);
   return found;
}

/* True if a and b hold the same fields with equal values, in any order of
 * keys (arrays compare element by element). */
static bool
same_fields (const bson_t *a, const bson_t *b)
{
   bson_iter_t ia, ib;

   if (bson_count_keys (a) != bson_count_keys (b) || !bson_iter_init (&ia, a)) {
      return false;
   }
   while (bson_iter_next (&ia)) {
      const bson_value_t *va, *vb;
      if (!bson_iter_init_find (&ib, b, bson_iter_key (&ia))) {
         return false;
      }
      va = bson_iter_value (&ia);
      vb = bson_iter_value (&ib);
      if (va->value_type != vb->value_type) {
         return false;
      }
      if (va->value_type == BSON_TYPE_DOCUMENT || va->value_type == BSON_TYPE_ARRAY) {
         bson_t da, db;
         bool same;
         ck_assert (bson_init_static (&da, va->value.v_doc.data, va->value.v_doc.data_len));
         ck_assert (bson_init_static (&db, vb->value.v_doc.data, vb->value.v_doc.data_len));
         same = same_fields (&da, &db);
         if (!same) {
            return false;
         }
      } else {
         bson_t wa = BSON_INITIALIZER, wb = BSON_INITIALIZER;
         bool same;
         bson_append_value (&wa, "v", 1, va);
         bson_append_value (&wb, "v", 1, vb);
         same = bson_equal (&wa, &wb);
         bson_destroy (&wa);
         bson_destroy (&wb);
         if (!same) {
            return false;
         }
      }
   }
   return true;
}

/* Fails the test unless the store holds exactly `expected_json` under key
 * (the order of fields aside). */
static void
assert_stored (docrel_store_t *store, docrel_model_t *model, const bson_value_t *key, const char *expected_json)
{
   bson_t actual;
   bson_t *expected = fixture_json (expected_json);
   bool found = stored (store, model, key, &actual);
   char *json = bson_as_relaxed_extended_json (&actual, NULL);

   ck_assert_msg (found, "the store lacks the document (expected %s)", expected_json);
   ck_assert_msg (same_fields (&actual, expected), "the store holds %s, expected %s", json, expected_json);
   bson_free (json);
   bson_destroy (&actual);
   bson_destroy (expected);
}

static bool
is_canonical_uuid (const char *s)
{
   size_t i;

   if (strlen (s) != 36) {
      return false;
   }
   for (i = 0; i < 36; i++) {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? s[i] != '-' : !(isdigit ((unsigned char) s[i]) || (s[i] >= 'a' && s[i] <= 'f'))) {
         return false;
      }
   }
   return true;
}

/* ---- insert ---------------------------------------------------------- */

START_TEST (insert_generates_an_object_id_and_stores_every_field)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Post", NULL);
   docrel_session_t *session = docrel_session_new (store);
   docrel_store_stats_t before, after;
   bson_error_t error;
   docrel_doc_t *doc = fixture_new_doc (session, model, "{\"title\": \"hi\", \"n\": 1}");
   bson_oid_t oid;
   bson_t back;

   docrel_store_stats (store, &before);
   ASSERT_OK (docrel_save (doc, &error), error);
   docrel_store_stats (store, &after);
   ck_assert_uint_eq (after.inserts - before.inserts, 1);
   ck_assert_uint_eq (after.documents_written - before.documents_written, 1);
   ck_assert_ptr_nonnull (docrel_doc_id (doc));
   ck_assert_int_eq (docrel_doc_id (doc)->value_type, BSON_TYPE_OID);
   ck_assert (docrel_doc_get_oid (doc, "_id", &oid));
   ck_assert (bson_oid_equal (&oid, &docrel_doc_id (doc)->value.v_oid));
   ck_assert (stored (store, model, docrel_doc_id (doc), &back));
   ck_assert (bson_equal (&back, docrel_doc_bson (doc)));
   ck_assert_str_eq (docrel_doc_get_utf8 (doc, "title"), "hi");
   bson_destroy (&back);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (insert_keeps_an_object_id_the_caller_set)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Post", NULL);
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *doc = fixture_saved_doc (session, model,
                                          "{\"_id\": {\"$oid\": \"507f1f77bcf86cd799439011\"}, \"t\": 1}");
   bson_value_t key;

   key_value ("{\"$oid\": \"507f1f77bcf86cd799439011\"}", &key);
   ck_assert_int_eq (docrel_doc_id (doc)->value_type, BSON_TYPE_OID);
   assert_stored (store, model, &key, "{\"_id\": {\"$oid\": \"507f1f77bcf86cd799439011\"}, \"t\": 1}");
   bson_value_destroy (&key);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (insert_generates_a_canonical_uuid_string)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Token", "{\"primaryKey\": \"uuid\"}");
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *a = fixture_saved_doc (session, model, "{\"v\": 1}");
   docrel_doc_t *b = fixture_saved_doc (session, model, "{\"v\": 2}");
   const bson_value_t *ida = docrel_doc_id (a), *idb = docrel_doc_id (b);

   ck_assert_ptr_nonnull (ida);
   ck_assert_int_eq (ida->value_type, BSON_TYPE_UTF8);
   ck_assert_msg (is_canonical_uuid (ida->value.v_utf8.str), "not a canonical UUID: %s", ida->value.v_utf8.str);
   ck_assert_msg (is_canonical_uuid (idb->value.v_utf8.str), "not a canonical UUID: %s", idb->value.v_utf8.str);
   ck_assert_str_ne (ida->value.v_utf8.str, idb->value.v_utf8.str);
   ck_assert_str_eq (docrel_doc_get_utf8 (a, "_id"), ida->value.v_utf8.str);
   ck_assert_int_eq (fixture_count_all (store, model), 2);
   {
      bson_t back;
      ck_assert (stored (store, model, ida, &back));
      ck_assert (bson_equal (&back, docrel_doc_bson (a)));
      bson_destroy (&back);
   }
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (insert_uses_the_callers_int_string_and_document_keys)
{
   static const char *const keys[] = {"42", "\"alice\"", "{\"org\": \"acme\", \"n\": 7}"};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Thing", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *session = docrel_session_new (store);
   char json[256];
   size_t i;

   for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      bson_value_t key;
      snprintf (json, sizeof json, "{\"_id\": %s, \"i\": %d}", keys[i], (int) i);
      fixture_saved_doc (session, model, json);
      key_value (keys[i], &key);
      assert_stored (store, model, &key, json);
      bson_value_destroy (&key);
   }
   ck_assert_int_eq (fixture_count_all (store, model), 3);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- update ---------------------------------------------------------- */

START_TEST (update_writes_only_the_changed_fields)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Item", NULL);
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *mine = fixture_saved_doc (s1, model, "{\"a\": 1, \"b\": 1, \"c\": {\"x\": 1, \"y\": 1}}");
   docrel_doc_t *theirs = NULL;
   docrel_store_stats_t before, after;
   bson_error_t error;
   int32_t n = 0;

   /* Someone else changes b and c.y ... */
   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (mine), NULL, &theirs, &error), error);
   ASSERT_OK (docrel_doc_set_int32 (theirs, "b", 2, &error), error);
   ASSERT_OK (docrel_doc_set_int32 (theirs, "c.y", 2, &error), error);
   ASSERT_OK (docrel_save (theirs, &error), error);
   /* ... then we change a and c.x from our stale copy. */
   ASSERT_OK (docrel_doc_set_int32 (mine, "a", 2, &error), error);
   ASSERT_OK (docrel_doc_set_int32 (mine, "c.x", 2, &error), error);
   docrel_store_stats (store, &before);
   ASSERT_OK (docrel_save (mine, &error), error);
   docrel_store_stats (store, &after);
   ck_assert_uint_eq (after.updates - before.updates, 1);
   ck_assert_uint_eq (after.commands - before.commands, 1);
   ck_assert (!docrel_doc_is_dirty (mine));
   ck_assert (docrel_doc_get_int32 (mine, "b", &n)); /* our copy is not refreshed */
   ck_assert_int_eq (n, 1);
   {
      char expected[256];
      char oid[25];
      bson_oid_to_string (&docrel_doc_id (mine)->value.v_oid, oid);
      snprintf (expected, sizeof expected,
                "{\"_id\": {\"$oid\": \"%s\"}, \"a\": 2, \"b\": 2, \"c\": {\"x\": 2, \"y\": 2}}", oid);
      assert_stored (store, model, docrel_doc_id (mine), expected);
   }
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

START_TEST (unset_is_written_as_an_unset_of_that_field_only)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Item", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *mine = fixture_saved_doc (s1, model, "{\"_id\": 1, \"a\": 1, \"b\": 1, \"c\": {\"x\": 1, \"y\": 1}}");
   docrel_doc_t *theirs = NULL;
   bson_error_t error;

   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (mine), NULL, &theirs, &error), error);
   ASSERT_OK (docrel_doc_set_int32 (theirs, "a", 5, &error), error);
   ASSERT_OK (docrel_doc_set_int32 (theirs, "new", 5, &error), error);
   ASSERT_OK (docrel_save (theirs, &error), error);
   ASSERT_OK (docrel_doc_unset (mine, "b", &error), error);
   ASSERT_OK (docrel_doc_unset (mine, "c.x", &error), error);
   ASSERT_OK (docrel_save (mine, &error), error);
   assert_stored (store, model, docrel_doc_id (mine), "{\"_id\": 1, \"a\": 5, \"c\": {\"y\": 1}, \"new\": 5}");
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

START_TEST (save_of_an_unchanged_document_sends_no_command)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Item", NULL);
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *doc = fixture_saved_doc (s1, model, "{\"a\": 1}");
   docrel_doc_t *loaded = NULL;
   docrel_store_stats_t before, after;
   bson_error_t error;

   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), NULL, &loaded, &error), error);
   docrel_store_stats (store, &before);
   ASSERT_OK (docrel_save (doc, &error), error);
   ASSERT_OK (docrel_save (doc, &error), error);
   ASSERT_OK (docrel_save (loaded, &error), error);
   docrel_store_stats (store, &after);
   ck_assert_uint_eq (after.commands, before.commands);
   ck_assert (docrel_doc_is_saved (doc));
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

/* ---- get ------------------------------------------------------------- */

START_TEST (get_finds_documents_by_every_kind_of_key)
{
   static const char *const keys[] = {"{\"$oid\": \"507f1f77bcf86cd799439011\"}", "7", "\"bob\"",
                                      "{\"org\": \"acme\", \"n\": 7}", "{\"$numberLong\": \"5000000000\"}"};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Thing", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *s1 = docrel_session_new (store);
   char json[256];
   size_t i;

   for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      snprintf (json, sizeof json, "{\"_id\": %s, \"i\": %d}", keys[i], (int) i);
      fixture_saved_doc (s1, model, json);
   }
   for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      docrel_session_t *s2 = docrel_session_new (store);
      docrel_doc_t *doc = NULL;
      bson_error_t error;
      bson_value_t key;
      int32_t n = -1;

      key_value (keys[i], &key);
      ck_assert_msg (docrel_get (s2, model, &key, NULL, &doc, &error), "get %s: %s", keys[i], error.message);
      ck_assert (docrel_doc_get_int32 (doc, "i", &n));
      ck_assert_int_eq (n, (int) i);
      bson_value_destroy (&key);
      docrel_session_destroy (s2);
   }
   docrel_session_destroy (s1);
   fixture_store_close (store);
}
END_TEST

START_TEST (numeric_keys_of_equal_value_find_the_same_document)
{
   static const char *const keys[] = {"1", "1.0", "{\"$numberLong\": \"1\"}"};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Thing", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *one = docrel_session_new (store);
   docrel_doc_t *first = NULL;
   size_t i;

   fixture_saved_doc (s1, model, "{\"_id\": 1, \"v\": \"one\"}");
   for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      docrel_session_t *s2 = docrel_session_new (store);
      docrel_doc_t *doc = NULL, *same = NULL;
      bson_error_t error;
      bson_value_t key;

      key_value (keys[i], &key);
      ck_assert_msg (docrel_get (s2, model, &key, NULL, &doc, &error), "get %s: %s", keys[i], error.message);
      ck_assert_str_eq (docrel_doc_get_utf8 (doc, "v"), "one");
      /* Within one session, every spelling is the same document. */
      ck_assert_msg (docrel_get (one, model, &key, NULL, &same, &error), "get %s: %s", keys[i], error.message);
      if (!first) {
         first = same;
      }
      ck_assert_ptr_eq (same, first);
      bson_value_destroy (&key);
      docrel_session_destroy (s2);
   }
   ck_assert_uint_eq (docrel_session_size (one), 1);
   {
      /* The string "1" is another key. */
      docrel_doc_t *text = NULL;
      bson_error_t error;
      bson_value_t key;

      fixture_saved_doc (s1, model, "{\"_id\": \"1\", \"v\": \"text\"}");
      key_value ("\"1\"", &key);
      ASSERT_OK (docrel_get (one, model, &key, NULL, &text, &error), error);
      ck_assert_ptr_ne (text, first);
      ck_assert_str_eq (docrel_doc_get_utf8 (text, "v"), "text");
      bson_value_destroy (&key);
   }
   docrel_session_destroy (one);
   docrel_session_destroy (s1);
   fixture_store_close (store);
}
END_TEST

START_TEST (get_of_a_missing_key_fails_with_not_found)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Thing", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *doc = (docrel_doc_t *) &doc; /* anything but NULL */
   bson_error_t error;
   bson_value_t key;

   fixture_saved_doc (session, model, "{\"_id\": 1}");
   key_value ("2", &key);
   ck_assert (!docrel_get (session, model, &key, NULL, &doc, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_NOT_FOUND);
   ck_assert_ptr_null (doc);
   bson_value_destroy (&key);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (get_twice_returns_the_same_document_and_sends_one_command)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Item", NULL);
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *doc = fixture_saved_doc (s1, model, "{\"a\": 1}");
   docrel_doc_t *first = NULL, *second = NULL, *own = NULL;
   docrel_store_stats_t before, middle, after;
   bson_error_t error;

   docrel_store_stats (store, &before);
   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), NULL, &first, &error), error);
   docrel_store_stats (store, &middle);
   ck_assert_uint_eq (middle.finds - before.finds, 1);
   /* An unsaved change is kept: the identity map returns the same object. */
   ASSERT_OK (docrel_doc_set_int32 (first, "a", 9, &error), error);
   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), NULL, &second, &error), error);
   docrel_store_stats (store, &after);
   ck_assert_ptr_eq (second, first);
   ck_assert_uint_eq (after.commands, middle.commands);
   ck_assert (docrel_doc_is_field_dirty (second, "a"));
   /* A document the session saved itself is in its identity map too. */
   ASSERT_OK (docrel_get (s1, model, docrel_doc_id (doc), NULL, &own, &error), error);
   ck_assert_ptr_eq (own, doc);
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

START_TEST (get_with_a_join_tree_naming_an_unknown_relation_fails_naming_it)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Item", NULL);
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *doc = fixture_saved_doc (s1, model, "{\"a\": 1}");
   docrel_doc_t *out = NULL;
   bson_t *tree = fixture_json ("{\"comments\": true}");
   bson_t *empty = fixture_json ("{}");
   bson_error_t error;

   memset (&error, 0, sizeof error);
   ck_assert (!docrel_get (s2, model, docrel_doc_id (doc), tree, &out, &error));
   ck_assert_ptr_null (out);
   ck_assert_uint_ne (error.domain, 0);
   ASSERT_MENTIONS (error, "comments");
   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), empty, &out, &error), error);
   ck_assert_ptr_nonnull (out);
   bson_destroy (tree);
   bson_destroy (empty);
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

/* ---- duplicate keys -------------------------------------------------- */

/* Saves a new document from json that must fail with a duplicate key error
 * naming `mention`, leaving the document as it was and unsaved. */
static void
expect_duplicate_insert (docrel_session_t *session, docrel_model_t *model, const char *json, const char *mention)
{
   docrel_doc_t *doc = fixture_new_doc (session, model, json);
   char *before = docrel_doc_to_json (doc, false);
   char *after;
   bson_error_t error;

   memset (&error, 0, sizeof error);
   ck_assert_msg (!docrel_save (doc, &error), "saving %s succeeded", json);
   ck_assert_msg (error.code == DOCREL_ERROR_DUPLICATE_KEY, "saving %s: expected code 11000, got domain %u code %u: %s",
                  json, error.domain, error.code, error.message);
   ASSERT_MENTIONS (error, mention);
   after = docrel_doc_to_json (doc, false);
   ck_assert_str_eq (after, before);
   ck_assert (!docrel_doc_is_saved (doc));
   ck_assert (docrel_doc_is_dirty (doc));
   bson_free (before);
   bson_free (after);
}

START_TEST (insert_of_a_duplicate_id_fails_with_duplicate_key_naming_it)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Thing", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   bson_value_t key;

   fixture_saved_doc (s1, model, "{\"_id\": 4242, \"name\": \"first\"}");
   fixture_saved_doc (s1, model, "{\"_id\": \"alice\", \"name\": \"first\"}");
   expect_duplicate_insert (s2, model, "{\"_id\": 4242, \"name\": \"second\"}", "4242");
   expect_duplicate_insert (s2, model, "{\"_id\": \"alice\", \"name\": \"second\"}", "alice");
   ck_assert_int_eq (fixture_count_all (store, model), 2);
   key_value ("4242", &key);
   assert_stored (store, model, &key, "{\"_id\": 4242, \"name\": \"first\"}");
   bson_value_destroy (&key);
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

START_TEST (insert_violating_a_unique_index_fails_and_stores_nothing)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "User", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   bson_value_t key;

   fixture_unique_index (model, "{\"email\": 1}");
   fixture_saved_doc (s1, model, "{\"_id\": 1, \"email\": \"ann@example.org\"}");
   expect_duplicate_insert (s2, model, "{\"_id\": 2, \"email\": \"ann@example.org\"}", "ann@example.org");
   ck_assert_int_eq (fixture_count_all (store, model), 1);
   key_value ("2", &key);
   {
      bson_t back;
      ck_assert (!stored (store, model, &key, &back));
      bson_destroy (&back);
   }
   bson_value_destroy (&key);
   fixture_saved_doc (s2, model, "{\"_id\": 3, \"email\": \"bob@example.org\"}"); /* other values still go in */
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

START_TEST (compound_unique_index_rejects_only_the_same_combination)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Seat", NULL);
   docrel_session_t *session = docrel_session_new (store);

   fixture_unique_index (model, "{\"row\": 1, \"col\": 1}");
   fixture_saved_doc (session, model, "{\"row\": 1, \"col\": 1}");
   fixture_saved_doc (session, model, "{\"row\": 1, \"col\": 2}");
   fixture_saved_doc (session, model, "{\"row\": 2, \"col\": 1}");
   expect_duplicate_insert (session, model, "{\"row\": 1, \"col\": 2}", "2");
   ck_assert_int_eq (fixture_count_all (store, model), 3);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (update_violating_a_unique_index_fails_and_changes_nothing)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "User", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_doc_t *bob;
   bson_error_t error;
   char *before, *after;

   fixture_unique_index (model, "{\"email\": 1}");
   fixture_saved_doc (s1, model, "{\"_id\": 1, \"email\": \"ann@example.org\"}");
   bob = fixture_saved_doc (s1, model, "{\"_id\": 2, \"email\": \"bob@example.org\", \"n\": 1}");
   ASSERT_OK (docrel_doc_set_utf8 (bob, "email", "ann@example.org", &error), error);
   ASSERT_OK (docrel_doc_set_int32 (bob, "n", 2, &error), error);
   before = docrel_doc_to_json (bob, false);
   ck_assert (!docrel_save (bob, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ASSERT_MENTIONS (error, "ann@example.org");
   after = docrel_doc_to_json (bob, false);
   ck_assert_str_eq (after, before);
   ck_assert (docrel_doc_is_saved (bob));
   ck_assert (docrel_doc_is_field_dirty (bob, "email"));
   ck_assert (docrel_doc_is_field_dirty (bob, "n"));
   assert_stored (store, model, docrel_doc_id (bob), "{\"_id\": 2, \"email\": \"bob@example.org\", \"n\": 1}");
   /* Fixing the conflict lets the same document save. */
   ASSERT_OK (docrel_doc_set_utf8 (bob, "email", "robert@example.org", &error), error);
   ASSERT_OK (docrel_save (bob, &error), error);
   assert_stored (store, model, docrel_doc_id (bob), "{\"_id\": 2, \"email\": \"robert@example.org\", \"n\": 2}");
   bson_free (before);
   bson_free (after);
   docrel_session_destroy (s1);
   fixture_store_close (store);
}
END_TEST

/* ---- delete ---------------------------------------------------------- */

START_TEST (delete_removes_the_document_from_the_store_and_leaves_it_unsaved)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Thing", "{\"primaryKey\": \"caller\"}");
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *doc = fixture_saved_doc (session, model, "{\"_id\": 5, \"name\": \"x\"}");
   docrel_store_stats_t before, after;
   bson_error_t error;
   bson_value_t key;
   bson_t back;

   docrel_store_stats (store, &before);
   ASSERT_OK (docrel_delete (doc, &error), error);
   docrel_store_stats (store, &after);
   ck_assert_uint_eq (after.deletes - before.deletes, 1);
   ck_assert (!docrel_doc_is_saved (doc));
   ck_assert (docrel_doc_is_dirty (doc));
   ck_assert_str_eq (docrel_doc_get_utf8 (doc, "name"), "x");
   key_value ("5", &key);
   ck_assert (!stored (store, model, &key, &back));
   bson_destroy (&back);
   ck_assert_int_eq (fixture_count_all (store, model), 0);

   /* Saving it again inserts it again. */
   docrel_store_stats (store, &before);
   ASSERT_OK (docrel_save (doc, &error), error);
   docrel_store_stats (store, &after);
   ck_assert_uint_eq (after.inserts - before.inserts, 1);
   ck_assert (docrel_doc_is_saved (doc));
   assert_stored (store, model, &key, "{\"_id\": 5, \"name\": \"x\"}");
   bson_value_destroy (&key);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (delete_of_an_unsaved_document_fails_with_not_saved)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Item", NULL);
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *doc = fixture_new_doc (session, model, "{\"a\": 1}");
   bson_error_t error;

   ck_assert (!docrel_delete (doc, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_NOT_SAVED);
   ck_assert (!docrel_doc_is_saved (doc));
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (delete_of_a_document_someone_else_deleted_succeeds)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *model = fixture_model_new (store, "Item", NULL);
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *doc = fixture_saved_doc (s1, model, "{\"a\": 1}");
   docrel_doc_t *other = NULL;
   bson_error_t error;

   ASSERT_OK (docrel_get (s2, model, docrel_doc_id (doc), NULL, &other, &error), error);
   ASSERT_OK (docrel_delete (other, &error), error);
   ASSERT_OK (docrel_delete (doc, &error), error);
   ck_assert (!docrel_doc_is_saved (doc));
   ck_assert_int_eq (fixture_count_all (store, model), 0);
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

static Suite *
save_suite (void)
{
   Suite *s = suite_create ("save");
   TCase *tc;

   tc = tcase_create ("insert");
   tcase_add_test (tc, insert_generates_an_object_id_and_stores_every_field);
   tcase_add_test (tc, insert_keeps_an_object_id_the_caller_set);
   tcase_add_test (tc, insert_generates_a_canonical_uuid_string);
   tcase_add_test (tc, insert_uses_the_callers_int_string_and_document_keys);
   suite_add_tcase (s, tc);

   tc = tcase_create ("update");
   tcase_add_test (tc, update_writes_only_the_changed_fields);
   tcase_add_test (tc, unset_is_written_as_an_unset_of_that_field_only);
   tcase_add_test (tc, save_of_an_unchanged_document_sends_no_command);
   suite_add_tcase (s, tc);

   tc = tcase_create ("get");
   tcase_add_test (tc, get_finds_documents_by_every_kind_of_key);
   tcase_add_test (tc, numeric_keys_of_equal_value_find_the_same_document);
   tcase_add_test (tc, get_of_a_missing_key_fails_with_not_found);
   tcase_add_test (tc, get_twice_returns_the_same_document_and_sends_one_command);
   tcase_add_test (tc, get_with_a_join_tree_naming_an_unknown_relation_fails_naming_it);
   suite_add_tcase (s, tc);

   tc = tcase_create ("duplicate_keys");
   tcase_add_test (tc, insert_of_a_duplicate_id_fails_with_duplicate_key_naming_it);
   tcase_add_test (tc, insert_violating_a_unique_index_fails_and_stores_nothing);
   tcase_add_test (tc, compound_unique_index_rejects_only_the_same_combination);
   tcase_add_test (tc, update_violating_a_unique_index_fails_and_changes_nothing);
   suite_add_tcase (s, tc);

   tc = tcase_create ("delete");
   tcase_add_test (tc, delete_removes_the_document_from_the_store_and_leaves_it_unsaved);
   tcase_add_test (tc, delete_of_an_unsaved_document_fails_with_not_saved);
   tcase_add_test (tc, delete_of_a_document_someone_else_deleted_succeeds);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (save_suite ());
}
