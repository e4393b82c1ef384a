/* SPDX-License-Identifier: Apache-2.0 */
/* check_relation.c: declaring relations — the four kinds with Thinky's
 * argument order, the indexes their joins need, the link collection of a
 * hasAndBelongsToMany (named after both models, shared by both
 * declarations, one link per pair), composite keys, and definition errors,
 * each naming what is wrong. Loading is only used here to show which
 * documents a declaration relates; check_join.c tests loading itself. */
#include <stdarg.h>
#include <string.h>

#include "fixture.h"

/* Declares a relation that must fail with DOCREL_ERROR_MODEL / code, with a
 * message naming every string after code (NULL-terminated). */
static void
expect_definition_error (fixture_declare_fn fn,
                         docrel_model_t *a,
                         docrel_model_t *b,
                         const char *field,
                         const char *left,
                         const char *right,
                         const char *opts_json,
                         docrel_error_code_t code,
                         ...)
{
   bson_error_t error;
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   docrel_relation_t *relation;
   const char *text;
   va_list ap;

   memset (&error, 0, sizeof error);
   relation = fn (a, b, field, left, right, opts, &error);
   ck_assert_msg (relation == NULL, "declaring %s.%s (opts %s) succeeded", docrel_model_name (a), field,
                  opts_json ? opts_json : "NULL");
   ck_assert_msg (error.domain == DOCREL_ERROR_MODEL && error.code == (uint32_t) code,
                  "declaring %s.%s: expected domain %u code %u, got domain %u code %u: %s", docrel_model_name (a),
                  field, (unsigned) DOCREL_ERROR_MODEL, (unsigned) code, error.domain, error.code, error.message);
   va_start (ap, code);
   while ((text = va_arg (ap, const char *)) != NULL) {
      ASSERT_MENTIONS (error, text);
   }
   va_end (ap);
   bson_destroy (opts);
}

/* Fails unless the many-slot field of doc is loaded and holds exactly the
 * documents whose int keys are ids[0..n), in that order. */
static void
assert_related_ids (const docrel_doc_t *doc, const char *field, const int32_t *ids, size_t n)
{
   docrel_doc_t *const *docs = NULL;
   size_t count = 0, i;

   ck_assert_msg (docrel_doc_related (doc, field, &docs, &count), "slot %s not loaded", field);
   ck_assert_msg (count == n, "slot %s holds %zu documents, expected %zu", field, count, n);
   for (i = 0; i < n; i++) {
      ck_assert_int_eq (fixture_id_of (docs[i]), ids[i]);
   }
}

/* True if a line of explain's "plan" mentions text. */
static bool
plan_has (const bson_t *out, const char *text)
{
   bson_iter_t iter, line;

   ck_assert_msg (bson_iter_init_find (&iter, out, "plan") && BSON_ITER_HOLDS_ARRAY (&iter), "no plan array");
   ck_assert (bson_iter_recurse (&iter, &line));
   while (bson_iter_next (&line)) {
      if (BSON_ITER_HOLDS_UTF8 (&line) && strstr (bson_iter_utf8 (&line, NULL), text)) {
         return true;
      }
   }
   return false;
}

/* Fails unless explaining filter_json on model shows an index search (or,
 * with used false, does not). Explain runs nothing. */
static void
assert_index_used (docrel_store_t *store, docrel_model_t *model, const char *filter_json, bool used)
{
   docrel_session_t *session = docrel_session_new (store);
   bson_t *filter = fixture_json (filter_json);
   bson_error_t error;
   bson_t out;
   char *json;

   ck_assert_msg (docrel_explain (session, model, filter, NULL, &out, &error), "explain %s on %s: %s", filter_json,
                  docrel_model_name (model), error.message);
   json = bson_as_relaxed_extended_json (&out, NULL);
   ck_assert_msg (plan_has (&out, "USING INDEX") == used, "explain %s on %s: expected %s index, got %s", filter_json,
                  docrel_model_name (model), used ? "an" : "no", json);
   bson_free (json);
   bson_destroy (&out);
   bson_destroy (filter);
   docrel_session_destroy (session);
}

/* ---- kinds ------------------------------------------------------------- */

START_TEST (each_kind_is_declared_on_model_a_towards_model_b)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *country = fixture_keyed_model (store, "Country"), *capital = fixture_keyed_model (store, "Capital");
   docrel_model_t *post = fixture_keyed_model (store, "Post"), *tag = fixture_keyed_model (store, "Tag");
   docrel_relation_t *r[4];
   static const char *const fields[] = {"capital", "country", "posts", "tags"};
   static const docrel_relation_kind_t kinds[] = {DOCREL_HAS_ONE, DOCREL_BELONGS_TO, DOCREL_HAS_MANY,
                                                  DOCREL_HAS_AND_BELONGS_TO_MANY};
   docrel_model_t *owners[4], *targets[4];
   size_t i;

   r[0] = fixture_declare (docrel_model_has_one, country, capital, "capital", "_id", "countryId", NULL);
   r[1] = fixture_declare (docrel_model_belongs_to, capital, country, "country", "countryId", "_id", NULL);
   r[2] = fixture_declare (docrel_model_has_many, tag, post, "posts", "_id", "tagId", NULL);
   r[3] = fixture_declare (docrel_model_has_and_belongs_to_many, post, tag, "tags", "_id", "_id", NULL);
   owners[0] = country, owners[1] = capital, owners[2] = tag, owners[3] = post;
   targets[0] = capital, targets[1] = country, targets[2] = post, targets[3] = tag;
   for (i = 0; i < 4; i++) {
      ck_assert_int_eq (docrel_relation_kind (r[i]), kinds[i]);
      ck_assert_str_eq (docrel_relation_field (r[i]), fields[i]);
      ck_assert_ptr_eq (docrel_relation_model (r[i]), owners[i]);
      ck_assert_ptr_eq (docrel_relation_target (r[i]), targets[i]);
      ck_assert_ptr_eq (docrel_model_relation (owners[i], fields[i]), r[i]);
      ck_assert_ptr_null (docrel_model_relation (targets[i], fields[i])); /* only a holds it */
      ck_assert ((docrel_relation_link_model (r[i]) != NULL) == (i == 3));
   }
   ck_assert_ptr_null (docrel_model_relation (country, "nothing"));
   fixture_store_close (store);
}
END_TEST

START_TEST (has_one_and_has_many_read_the_key_in_b_as_thinky_does)
{
   /* Country.hasOne(Capital, "capital", "code", "countryCode"): the capital
    * whose countryCode equals the country's code. The decoys match only if
    * the keys were read on the wrong side. */
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *country = fixture_keyed_model (store, "Country"), *capital = fixture_keyed_model (store, "Capital");
   docrel_session_t *session;
   docrel_doc_t *fr;
   static const int32_t cities[] = {10, 12};

   fixture_declare (docrel_model_has_one, country, capital, "capital", "code", "countryCode", NULL);
   fixture_declare (docrel_model_has_many, country, capital, "cities", "code", "countryCode", NULL);
   session = docrel_session_new (store);
   fixture_saved_doc (session, country, "{\"_id\": 1, \"code\": \"FR\", \"countryCode\": \"XX\"}");
   fixture_saved_doc (session, capital, "{\"_id\": 10, \"countryCode\": \"FR\", \"code\": \"YY\"}");
   fixture_saved_doc (session, capital, "{\"_id\": 11, \"code\": \"FR\", \"countryCode\": \"ZZ\"}");
   fixture_saved_doc (session, capital, "{\"_id\": 13, \"code\": \"XX\"}");
   docrel_session_destroy (session);

   session = docrel_session_new (store);
   fr = fixture_get (session, country, 1, "{\"capital\": true}");
   ck_assert_int_eq (fixture_id_of (docrel_doc_related_one (fr, "capital")), 10);
   docrel_session_destroy (session);

   session = docrel_session_new (store);
   fixture_saved_doc (session, capital, "{\"_id\": 12, \"countryCode\": \"FR\"}");
   fr = fixture_get (session, country, 1, "{\"cities\": true}");
   assert_related_ids (fr, "cities", cities, 2);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (belongs_to_reads_the_key_in_a_as_thinky_does)
{
   /* Capital.belongsTo(Country, "country", "countryCode", "code"): the
    * country whose code equals the capital's countryCode. */
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *country = fixture_keyed_model (store, "Country"), *capital = fixture_keyed_model (store, "Capital");
   docrel_session_t *session;
   docrel_doc_t *paris;

   fixture_declare (docrel_model_belongs_to, capital, country, "country", "countryCode", "code", NULL);
   session = docrel_session_new (store);
   fixture_saved_doc (session, capital, "{\"_id\": 10, \"countryCode\": \"FR\", \"code\": \"QQ\"}");
   fixture_saved_doc (session, country, "{\"_id\": 1, \"code\": \"FR\", \"countryCode\": \"AA\"}");
   fixture_saved_doc (session, country, "{\"_id\": 2, \"code\": \"DE\", \"countryCode\": \"QQ\"}");
   fixture_saved_doc (session, country, "{\"_id\": 3, \"code\": \"QQ\"}");
   docrel_session_destroy (session);

   session = docrel_session_new (store);
   paris = fixture_get (session, capital, 10, "{\"country\": true}");
   ck_assert_int_eq (fixture_id_of (docrel_doc_related_one (paris, "country")), 1);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (accepted_options_declare_the_relation)
{
   static const char *const actions[] = {"noAction", "cascade", "setNull", "restrict"};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *user = fixture_model_new (store, "User", NULL), *post = fixture_model_new (store, "Post", NULL);
   char field[32], opts[64];
   size_t i;

   for (i = 0; i < 4; i++) {
      snprintf (field, sizeof field, "posts%zu", i);
      snprintf (opts, sizeof opts, "{\"onDelete\": \"%s\"}", actions[i]);
      fixture_declare (docrel_model_has_many, user, post, field, "_id", "authorId", opts);
   }
   fixture_declare (docrel_model_belongs_to, post, user, "author", "authorId", "_id", "{\"required\": true}");
   fixture_declare (docrel_model_belongs_to, post, user, "editor", "editorId", "_id", "{\"required\": false}");
   fixture_declare (docrel_model_has_one, user, post, "pinned", "_id", "pinnedBy", "{}");
   fixture_store_close (store);
}
END_TEST

/* ---- indexes ----------------------------------------------------------- */

START_TEST (has_one_and_has_many_index_the_key_in_b)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *country = fixture_model_new (store, "Country", NULL),
                  *capital = fixture_model_new (store, "Capital", NULL);
   docrel_model_t *publication = fixture_model_new (store, "Publication", NULL);
   docrel_model_t *article = fixture_model_new (store, "Article", NULL);

   fixture_declare (docrel_model_has_one, country, capital, "capital", "_id", "countryId", NULL);
   fixture_declare (docrel_model_has_many, publication, article, "articles", "_id", "publicationId", NULL);
   if (fixture_on_sqlite (store)) {
      assert_index_used (store, capital, "{\"countryId\": {\"$in\": [1, 2, 3]}}", true);
      assert_index_used (store, article, "{\"publicationId\": {\"$in\": [\"a\", \"b\"]}}", true);
      /* The same query on a field no relation names scans. */
      assert_index_used (store, capital, "{\"name\": {\"$in\": [1, 2, 3]}}", false);
      assert_index_used (store, article, "{\"title\": {\"$in\": [\"a\", \"b\"]}}", false);
   }
   fixture_store_close (store);
}
END_TEST

START_TEST (belongs_to_indexes_the_key_in_b_unless_it_is_the_primary_key)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *team = fixture_model_new (store, "Team", NULL), *member = fixture_model_new (store, "Member", NULL);
   docrel_model_t *country = fixture_model_new (store, "Country", NULL),
                  *capital = fixture_model_new (store, "Capital", NULL);

   fixture_declare (docrel_model_belongs_to, member, team, "team", "teamCode", "code", NULL);
   fixture_declare (docrel_model_belongs_to, capital, country, "country", "countryId", "_id", NULL);
   if (fixture_on_sqlite (store)) {
      assert_index_used (store, team, "{\"code\": {\"$in\": [\"red\", \"blue\"]}}", true);
      /* belongsTo looks b up: no index on a's own key is needed. */
      assert_index_used (store, member, "{\"teamCode\": {\"$in\": [\"red\", \"blue\"]}}", false);
      {
         docrel_session_t *session = docrel_session_new (store);
         bson_t *filter = fixture_json ("{\"_id\": {\"$in\": [1, 2]}}");
         bson_error_t error;
         bson_t out;
         ASSERT_OK (docrel_explain (session, country, filter, NULL, &out, &error), error);
         ck_assert (!plan_has (&out, "SCAN"));
         bson_destroy (&out);
         bson_destroy (filter);
         docrel_session_destroy (session);
      }
   }
   fixture_store_close (store);
}
END_TEST

START_TEST (has_and_belongs_to_many_indexes_both_link_fields)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_model_new (store, "Post", NULL), *tag = fixture_model_new (store, "Tag", NULL);
   docrel_relation_t *tags = fixture_declare (docrel_model_has_and_belongs_to_many, post, tag, "tags", "_id", "_id",
                                              NULL);
   docrel_model_t *link = docrel_relation_link_model (tags);

   if (fixture_on_sqlite (store)) {
      assert_index_used (store, link, "{\"Post__id\": {\"$in\": [1, 2]}}", true);
      assert_index_used (store, link, "{\"Tag__id\": {\"$in\": [1, 2]}}", true);
   }
   fixture_store_close (store);
}
END_TEST

START_TEST (composite_keys_index_the_key_fields_of_b)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person = fixture_model_new (store, "Person", NULL), *post = fixture_model_new (store, "Post", NULL);

   fixture_declare (docrel_model_belongs_to, post, person, "author", NULL, NULL,
                    "{\"leftKeys\": [\"authorName\", \"authorDob\"], \"rightKeys\": [\"name\", \"dob\"]}");
   if (fixture_on_sqlite (store)) {
      assert_index_used (store, person, "{\"name\": {\"$in\": [\"Ann\", \"Bob\"]}}", true);
      assert_index_used (store, person, "{\"name\": \"Ann\", \"dob\": {\"$date\": \"1990-01-01T00:00:00Z\"}}", true);
   }
   fixture_store_close (store);
}
END_TEST

/* ---- link collections -------------------------------------------------- */

START_TEST (link_collection_is_named_after_both_models_in_sorted_order_and_shared)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_keyed_model (store, "Post"), *tag = fixture_keyed_model (store, "Tag");
   /* Declared from Tag first: the name is still Post_Tag. */
   docrel_relation_t *posts = fixture_declare (docrel_model_has_and_belongs_to_many, tag, post, "posts", "_id", "_id",
                                               NULL);
   docrel_relation_t *tags = fixture_declare (docrel_model_has_and_belongs_to_many, post, tag, "tags", "_id", "_id",
                                              NULL);
   docrel_model_t *link = docrel_relation_link_model (tags);
   docrel_session_t *session;
   docrel_doc_t *doc;
   static const int32_t seven[] = {7}, both[] = {1, 2};

   ck_assert_ptr_nonnull (link);
   ck_assert_ptr_eq (docrel_relation_link_model (posts), link);
   ck_assert_str_eq (docrel_model_name (link), "Post_Tag");
   ck_assert_str_eq (docrel_model_collection (link), "Post_Tag");
   ck_assert_ptr_eq (docrel_store_model (store, "Post_Tag"), link);
   ck_assert_ptr_null (docrel_store_model (store, "Tag_Post"));

   /* A link written once is read by both declarations. */
   session = docrel_session_new (store);
   fixture_saved_doc (session, post, "{\"_id\": 1}");
   fixture_saved_doc (session, post, "{\"_id\": 2}");
   fixture_saved_doc (session, tag, "{\"_id\": 7}");
   fixture_saved_doc (session, link, "{\"Post__id\": 1, \"Tag__id\": 7}");
   fixture_saved_doc (session, link, "{\"Tag__id\": 7, \"Post__id\": 2}");
   docrel_session_destroy (session);
   session = docrel_session_new (store);
   doc = fixture_get (session, post, 1, "{\"tags\": true}");
   assert_related_ids (doc, "tags", seven, 1);
   doc = fixture_get (session, tag, 7, "{\"posts\": true}");
   assert_related_ids (doc, "posts", both, 2);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (saving_the_same_link_twice_fails_with_duplicate_key)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_keyed_model (store, "Post"), *tag = fixture_keyed_model (store, "Tag");
   docrel_relation_t *tags = fixture_declare (docrel_model_has_and_belongs_to_many, post, tag, "tags", "_id", "_id",
                                              NULL);
   docrel_model_t *link = docrel_relation_link_model (tags);
   static const char *const dupes[] = {"{\"Post__id\": 1, \"Tag__id\": 1}", "{\"Tag__id\": 1, \"Post__id\": 1}"};
   docrel_session_t *session;
   bson_error_t error;
   int64_t n = 0;
   size_t i;

   fixture_declare (docrel_model_has_and_belongs_to_many, tag, post, "posts", "_id", "_id", NULL);
   session = docrel_session_new (store);
   fixture_saved_doc (session, link, "{\"Post__id\": 1, \"Tag__id\": 1}");
   for (i = 0; i < 2; i++) {
      docrel_doc_t *again = docrel_doc_new_from_json (session, link, dupes[i], &error);
      ck_assert_ptr_nonnull (again);
      memset (&error, 0, sizeof error);
      ck_assert_msg (!docrel_save (again, &error), "saving the link %s twice succeeded", dupes[i]);
      ck_assert_msg (error.domain == DOCREL_ERROR_STORE && error.code == DOCREL_ERROR_DUPLICATE_KEY,
                     "expected a duplicate key, got domain %u code %u: %s", error.domain, error.code, error.message);
      ck_assert (!docrel_doc_is_saved (again));
   }
   /* Other pairs are other links. */
   fixture_saved_doc (session, link, "{\"Post__id\": 1, \"Tag__id\": 2}");
   fixture_saved_doc (session, link, "{\"Post__id\": 2, \"Tag__id\": 1}");
   ASSERT_OK (docrel_count (session, link, NULL, NULL, &n, &error), error);
   ck_assert_int_eq (n, 3);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (the_link_option_renames_the_link_collection)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_keyed_model (store, "Post"), *tag = fixture_keyed_model (store, "Tag");
   docrel_relation_t *tags = fixture_declare (docrel_model_has_and_belongs_to_many, post, tag, "tags", "_id", "_id",
                                              "{\"link\": \"Tagging\"}");
   docrel_relation_t *posts = fixture_declare (docrel_model_has_and_belongs_to_many, tag, post, "posts", "_id", "_id",
                                               "{\"link\": \"Tagging\"}");
   docrel_model_t *link = docrel_relation_link_model (tags);
   docrel_session_t *session;
   docrel_doc_t *doc;
   static const int32_t seven[] = {7}, one[] = {1};

   ck_assert_str_eq (docrel_model_name (link), "Tagging");
   ck_assert_ptr_eq (docrel_store_model (store, "Tagging"), link);
   ck_assert_ptr_eq (docrel_relation_link_model (posts), link);
   ck_assert_ptr_null (docrel_store_model (store, "Post_Tag"));
   session = docrel_session_new (store);
   fixture_saved_doc (session, post, "{\"_id\": 1}");
   fixture_saved_doc (session, tag, "{\"_id\": 7}");
   fixture_saved_doc (session, link, "{\"Post__id\": 1, \"Tag__id\": 7}");
   docrel_session_destroy (session);
   session = docrel_session_new (store);
   doc = fixture_get (session, post, 1, "{\"tags\": true}");
   assert_related_ids (doc, "tags", seven, 1);
   doc = fixture_get (session, tag, 7, "{\"posts\": true}");
   assert_related_ids (doc, "posts", one, 1);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- composite keys ---------------------------------------------------- */

/* Amplify's example: a post's author is the person with the post's author
 * name and author date of birth. */
static void
people_and_posts (docrel_store_t *store, docrel_model_t **person, docrel_model_t **post)
{
   *person = fixture_keyed_model (store, "Person");
   *post = fixture_keyed_model (store, "Post");
   fixture_add_field (*person, "name", DOCREL_TYPE_STRING, NULL);
   fixture_add_field (*person, "dob", DOCREL_TYPE_DATETIME, NULL);
   fixture_add_field (*post, "title", DOCREL_TYPE_STRING, NULL);
   fixture_add_field (*post, "authorName", DOCREL_TYPE_STRING, NULL);
   fixture_add_field (*post, "authorDob", DOCREL_TYPE_DATETIME, NULL);
}

START_TEST (composite_keys_match_every_key_in_order)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person, *post;
   docrel_session_t *session;
   docrel_doc_t *doc;
   static const int32_t ann90_posts[] = {100, 103};

   people_and_posts (store, &person, &post);
   fixture_declare (docrel_model_belongs_to, post, person, "author", NULL, NULL,
                    "{\"leftKeys\": [\"authorName\", \"authorDob\"], \"rightKeys\": [\"name\", \"dob\"]}");
   fixture_declare (docrel_model_has_many, person, post, "posts", NULL, NULL,
                    "{\"leftKeys\": [\"name\", \"dob\"], \"rightKeys\": [\"authorName\", \"authorDob\"]}");
   session = docrel_session_new (store);
   fixture_saved_doc (session, person,
                      "{\"_id\": 1, \"name\": \"Ann\", \"dob\": {\"$date\": \"1990-01-01T00:00:00Z\"}}");
   fixture_saved_doc (session, person,
                      "{\"_id\": 2, \"name\": \"Ann\", \"dob\": {\"$date\": \"1985-05-05T00:00:00Z\"}}");
   fixture_saved_doc (session, person,
                      "{\"_id\": 3, \"name\": \"Bob\", \"dob\": {\"$date\": \"1990-01-01T00:00:00Z\"}}");
   fixture_saved_doc (session, post,
                      "{\"_id\": 100, \"authorName\": \"Ann\", \"authorDob\": {\"$date\": \"1990-01-01T00:00:00Z\"}}");
   fixture_saved_doc (session, post,
                      "{\"_id\": 101, \"authorName\": \"Ann\", \"authorDob\": {\"$date\": \"1985-05-05T00:00:00Z\"}}");
   fixture_saved_doc (session, post,
                      "{\"_id\": 102, \"authorName\": \"Bob\", \"authorDob\": {\"$date\": \"1985-05-05T00:00:00Z\"}}");
   fixture_saved_doc (session, post,
                      "{\"_id\": 103, \"authorName\": \"Ann\", \"authorDob\": {\"$date\": \"1990-01-01T00:00:00Z\"}}");
   docrel_session_destroy (session);

   session = docrel_session_new (store);
   ck_assert_int_eq (
      fixture_id_of (docrel_doc_related_one (fixture_get (session, post, 100, "{\"author\": true}"), "author")), 1);
   ck_assert_int_eq (
      fixture_id_of (docrel_doc_related_one (fixture_get (session, post, 101, "{\"author\": true}"), "author")), 2);
   doc = fixture_get (session, post, 102, "{\"author\": true}"); /* Bob, but born 1990 */
   ck_assert (docrel_doc_is_loaded (doc, "author"));
   ck_assert_ptr_null (docrel_doc_related_one (doc, "author"));
   assert_related_ids (fixture_get (session, person, 1, "{\"posts\": true}"), "posts", ann90_posts, 2);
   assert_related_ids (fixture_get (session, person, 3, "{\"posts\": true}"), "posts", NULL, 0);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (composite_keys_are_paired_in_order_and_typed_pairwise)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person, *post;

   people_and_posts (store, &person, &post);
   /* Swapped right keys pair a string with a datetime. */
   expect_definition_error (docrel_model_belongs_to, post, person, "author", NULL, NULL,
                            "{\"leftKeys\": [\"authorName\", \"authorDob\"], \"rightKeys\": [\"dob\", \"name\"]}",
                            DOCREL_ERROR_WRONG_TYPE, "Post", "author", "authorName", "dob", NULL);
   ck_assert_ptr_null (docrel_model_relation (post, "author"));
   fixture_store_close (store);
}
END_TEST

/* ---- definition errors ------------------------------------------------- */

START_TEST (an_undeclared_key_field_is_an_error_when_the_model_declares_fields)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *country = fixture_model_new (store, "Country", NULL),
                  *capital = fixture_model_new (store, "Capital", NULL);
   docrel_model_t *loose = fixture_model_new (store, "Loose", NULL);

   fixture_add_field (capital, "name", DOCREL_TYPE_STRING, NULL);
   fixture_add_field (country, "name", DOCREL_TYPE_STRING, NULL);
   expect_definition_error (docrel_model_has_one, country, capital, "capital", "_id", "countryId", NULL,
                            DOCREL_ERROR_UNKNOWN_FIELD, "Country", "capital", "Capital", "countryId", NULL);
   expect_definition_error (docrel_model_belongs_to, capital, country, "country", "countryId", "_id", NULL,
                            DOCREL_ERROR_UNKNOWN_FIELD, "Capital", "country", "countryId", NULL);
   expect_definition_error (docrel_model_has_many, loose, country, "countries", "_id", "looseId", NULL,
                            DOCREL_ERROR_UNKNOWN_FIELD, "Loose", "countries", "Country", "looseId", NULL);
   ck_assert_ptr_null (docrel_model_relation (country, "capital"));
   ck_assert_ptr_null (docrel_model_relation (capital, "country"));
   /* A model that declares no fields takes any key. */
   fixture_declare (docrel_model_has_many, country, loose, "things", "_id", "countryId", NULL);
   fixture_add_field (capital, "countryId", DOCREL_TYPE_ANY, NULL);
   fixture_declare (docrel_model_has_one, country, capital, "capital", "_id", "countryId", NULL);
   fixture_store_close (store);
}
END_TEST

START_TEST (key_fields_of_different_types_are_an_error_naming_both)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *country = fixture_model_new (store, "Country", NULL),
                  *capital = fixture_model_new (store, "Capital", NULL);

   fixture_add_field (country, "code", DOCREL_TYPE_INT32, NULL);
   fixture_add_field (capital, "countryCode", DOCREL_TYPE_STRING, NULL);
   fixture_add_field (capital, "countryId", DOCREL_TYPE_STRING, NULL);
   fixture_add_field (capital, "countryOid", DOCREL_TYPE_OBJECT_ID, NULL);
   expect_definition_error (docrel_model_has_one, country, capital, "capital", "code", "countryCode", NULL,
                            DOCREL_ERROR_WRONG_TYPE, "Country", "capital", "code", "Capital", "countryCode", NULL);
   expect_definition_error (docrel_model_belongs_to, capital, country, "country", "countryCode", "code", NULL,
                            DOCREL_ERROR_WRONG_TYPE, "Capital", "country", "countryCode", "code", NULL);
   /* The ObjectId primary key against a string field. */
   expect_definition_error (docrel_model_has_one, country, capital, "capital", "_id", "countryId", NULL,
                            DOCREL_ERROR_WRONG_TYPE, "Country", "capital", "countryId", NULL);
   ck_assert_ptr_null (docrel_model_relation (country, "capital"));
   fixture_declare (docrel_model_has_one, country, capital, "capital", "_id", "countryOid", NULL);
   fixture_store_close (store);
}
END_TEST

START_TEST (a_relation_field_that_is_already_a_field_or_relation_is_an_error)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_model_new (store, "Post", NULL), *user = fixture_model_new (store, "User", NULL);

   fixture_add_field (post, "author", DOCREL_TYPE_STRING, NULL);
   fixture_add_field (post, "editorId", DOCREL_TYPE_ANY, NULL);
   expect_definition_error (docrel_model_belongs_to, post, user, "author", "editorId", "_id", NULL,
                            DOCREL_ERROR_DUPLICATE_NAME, "Post", "author", NULL);
   fixture_declare (docrel_model_belongs_to, post, user, "editor", "editorId", "_id", NULL);
   expect_definition_error (docrel_model_belongs_to, post, user, "editor", "editorId", "_id", NULL,
                            DOCREL_ERROR_DUPLICATE_NAME, "Post", "editor", NULL);
   expect_definition_error (docrel_model_has_many, user, post, "_id", "_id", "editorId", NULL,
                            DOCREL_ERROR_DUPLICATE_NAME, "User", "_id", NULL);
   ck_assert_int_eq (docrel_relation_kind (docrel_model_relation (post, "editor")), DOCREL_BELONGS_TO);
   fixture_store_close (store);
}
END_TEST

START_TEST (a_relation_added_after_a_model_is_in_use_is_an_error)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *country = fixture_model_new (store, "Country", NULL),
                  *capital = fixture_model_new (store, "Capital", NULL);
   docrel_model_t *city = fixture_model_new (store, "City", NULL);
   docrel_session_t *session = docrel_session_new (store);
   bson_error_t error;

   ck_assert_ptr_nonnull (docrel_doc_new (session, country, &error));
   expect_definition_error (docrel_model_has_one, country, capital, "capital", "_id", "countryId", NULL,
                            DOCREL_ERROR_MODEL_IN_USE, "Country", "capital", NULL);
   /* b in use blocks it too: its index could no longer be built. */
   expect_definition_error (docrel_model_belongs_to, capital, country, "country", "countryId", "_id", NULL,
                            DOCREL_ERROR_MODEL_IN_USE, "Capital", "country", "Country", NULL);
   expect_definition_error (docrel_model_has_and_belongs_to_many, city, country, "countries", "_id", "_id", NULL,
                            DOCREL_ERROR_MODEL_IN_USE, "City", "countries", "Country", NULL);
   ck_assert_ptr_null (docrel_model_relation (country, "capital"));
   ck_assert_ptr_null (docrel_model_relation (capital, "country"));
   ck_assert_ptr_null (docrel_store_model (store, "City_Country"));
   fixture_declare (docrel_model_has_one, capital, city, "city", "_id", "capitalId", NULL);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (an_unknown_option_is_an_error_naming_it)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_model_new (store, "Post", NULL), *user = fixture_model_new (store, "User", NULL);

   expect_definition_error (docrel_model_has_many, user, post, "posts", "_id", "authorId", "{\"through\": \"X\"}",
                            DOCREL_ERROR_BAD_OPTION, "through", "User", "posts", NULL);
   /* "link" belongs to hasAndBelongsToMany, "required" to belongsTo. */
   expect_definition_error (docrel_model_has_many, user, post, "posts", "_id", "authorId", "{\"link\": \"L\"}",
                            DOCREL_ERROR_BAD_OPTION, "link", "User", "posts", NULL);
   expect_definition_error (docrel_model_has_one, user, post, "pinned", "_id", "pinnedBy", "{\"required\": true}",
                            DOCREL_ERROR_BAD_OPTION, "required", "User", "pinned", NULL);
   ck_assert_ptr_null (docrel_model_relation (user, "posts"));
   ck_assert_ptr_null (docrel_model_relation (user, "pinned"));
   fixture_store_close (store);
}
END_TEST

START_TEST (a_bad_on_delete_value_is_an_error_naming_the_option)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_model_new (store, "Post", NULL), *user = fixture_model_new (store, "User", NULL);

   expect_definition_error (docrel_model_has_many, user, post, "posts", "_id", "authorId",
                            "{\"onDelete\": \"explode\"}", DOCREL_ERROR_BAD_OPTION, "onDelete", "User", "posts", NULL);
   expect_definition_error (docrel_model_has_many, user, post, "posts", "_id", "authorId",
                            "{\"onDelete\": \"CASCADE\"}", DOCREL_ERROR_BAD_OPTION, "onDelete", "User", "posts", NULL);
   expect_definition_error (docrel_model_belongs_to, post, user, "author", "authorId", "_id", "{\"onDelete\": 1}",
                            DOCREL_ERROR_BAD_OPTION, "onDelete", "Post", "author", NULL);
   ck_assert_ptr_null (docrel_model_relation (user, "posts"));
   fixture_store_close (store);
}
END_TEST

START_TEST (mismatched_composite_keys_are_an_error)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person, *post;

   people_and_posts (store, &person, &post);
   expect_definition_error (docrel_model_belongs_to, post, person, "author", NULL, NULL,
                            "{\"leftKeys\": [\"authorName\", \"authorDob\"], \"rightKeys\": [\"name\"]}",
                            DOCREL_ERROR_BAD_OPTION, "leftKeys", "rightKeys", "Post", "author", NULL);
   expect_definition_error (docrel_model_belongs_to, post, person, "author", NULL, NULL,
                            "{\"leftKeys\": [\"authorName\", \"authorDob\"]}", DOCREL_ERROR_BAD_OPTION, "rightKeys",
                            "Post", "author", NULL);
   /* Composite keys replace left_key and right_key. */
   expect_definition_error (docrel_model_belongs_to, post, person, "author", "authorName", "name",
                            "{\"leftKeys\": [\"authorName\"], \"rightKeys\": [\"name\"]}", DOCREL_ERROR_BAD_OPTION,
                            "Post", "author", NULL);
   ck_assert_ptr_null (docrel_model_relation (post, "author"));
   fixture_store_close (store);
}
END_TEST

static Suite *
relation_suite (void)
{
   Suite *s = suite_create ("relation");
   TCase *tc;

   tc = tcase_create ("kinds");
   tcase_add_test (tc, each_kind_is_declared_on_model_a_towards_model_b);
   tcase_add_test (tc, has_one_and_has_many_read_the_key_in_b_as_thinky_does);
   tcase_add_test (tc, belongs_to_reads_the_key_in_a_as_thinky_does);
   tcase_add_test (tc, accepted_options_declare_the_relation);
   suite_add_tcase (s, tc);

   tc = tcase_create ("indexes");
   tcase_add_test (tc, has_one_and_has_many_index_the_key_in_b);
   tcase_add_test (tc, belongs_to_indexes_the_key_in_b_unless_it_is_the_primary_key);
   tcase_add_test (tc, has_and_belongs_to_many_indexes_both_link_fields);
   tcase_add_test (tc, composite_keys_index_the_key_fields_of_b);
   suite_add_tcase (s, tc);

   tc = tcase_create ("link_collections");
   tcase_add_test (tc, link_collection_is_named_after_both_models_in_sorted_order_and_shared);
   tcase_add_test (tc, saving_the_same_link_twice_fails_with_duplicate_key);
   tcase_add_test (tc, the_link_option_renames_the_link_collection);
   suite_add_tcase (s, tc);

   tc = tcase_create ("composite_keys");
   tcase_add_test (tc, composite_keys_match_every_key_in_order);
   tcase_add_test (tc, composite_keys_are_paired_in_order_and_typed_pairwise);
   suite_add_tcase (s, tc);

   tc = tcase_create ("definition_errors");
   tcase_add_test (tc, an_undeclared_key_field_is_an_error_when_the_model_declares_fields);
   tcase_add_test (tc, key_fields_of_different_types_are_an_error_naming_both);
   tcase_add_test (tc, a_relation_field_that_is_already_a_field_or_relation_is_an_error);
   tcase_add_test (tc, a_relation_added_after_a_model_is_in_use_is_an_error);
   tcase_add_test (tc, an_unknown_option_is_an_error_naming_it);
   tcase_add_test (tc, a_bad_on_delete_value_is_an_error_naming_the_option);
   tcase_add_test (tc, mismatched_composite_keys_are_an_error);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (relation_suite ());
}
