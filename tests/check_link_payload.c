/* SPDX-License-Identifier: Apache-2.0 */
/* check_link_payload.c: link payloads of hasAndBelongsToMany (Prisma's
 * explicit many-to-many with extra columns, Mongoose's subdocuments on a
 * join): the "payload" option of docrel_link / docrel_link_key, the slot
 * edit docrel_doc_add_related_with_payload, the join edge {"$payload":
 * name} and docrel_doc_link_payload, set_links keeping payloads, dry runs,
 * deferred links and the commands each costs. Post hasAndBelongsToMany
 * tags (links "Post__id" / "Tag__id"); caller keys (ints). */
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *post, *tag, *link, *user;
} app_t;

/* Posts 1, 2; tags 100, 101, 102; users 7 (hasMany posts: a relation
 * without link documents). */
static void
app_open (app_t *a)
{
   static const char *const posts[] = {"{\"_id\": 1, \"userId\": 7}", "{\"_id\": 2}", NULL};
   static const char *const tags[] = {"{\"_id\": 100, \"name\": \"c\"}", "{\"_id\": 101, \"name\": \"go\"}",
                                      "{\"_id\": 102, \"name\": \"sql\"}", NULL};
   static const char *const users[] = {"{\"_id\": 7}", NULL};
   docrel_relation_t *r;

   memset (a, 0, sizeof *a);
   a->store = fixture_store_open ();
   a->post = fixture_keyed_model (a->store, "Post");
   a->tag = fixture_keyed_model (a->store, "Tag");
   a->user = fixture_keyed_model (a->store, "User");
   r = fixture_declare (docrel_model_has_and_belongs_to_many, a->post, a->tag, "tags", "_id", "_id", NULL);
   fixture_declare (docrel_model_has_many, a->user, a->post, "posts", "_id", "userId", NULL);
   a->link = docrel_relation_link_model (r);
   fixture_seed (a->store, a->post, posts);
   fixture_seed (a->store, a->tag, tags);
   fixture_seed (a->store, a->user, users);
   a->session = docrel_session_new (a->store);
}

static void
app_close (app_t *a)
{
   docrel_session_destroy (a->session);
   fixture_store_close (a->store);
}

/* The link document of (post, tag) as relaxed JSON without its _id, read
 * with a plain find on the link collection ("none" if there is none). The
 * caller frees it with bson_free. */
static char *
stored_link (app_t *a, int32_t post, int32_t tag)
{
   docrel_session_t *session = docrel_session_new (a->store);
   char json[128];
   bson_t *filter, shown;
   docrel_doc_t **docs;
   size_t n;
   bson_error_t error;
   char *out;

   bson_snprintf (json, sizeof json, "{\"Post__id\": %d, \"Tag__id\": %d}", post, tag);
   filter = fixture_json (json);
   ASSERT_OK (docrel_find_all (session, a->link, filter, NULL, &docs, &n, &error), error);
   ck_assert_uint_le (n, 1);
   bson_init (&shown);
   if (n == 1) {
      bson_copy_to_excluding_noinit (docrel_doc_bson (docs[0]), &shown, "_id", NULL);
   }
   out = n == 1 ? bson_as_relaxed_extended_json (&shown, NULL) : bson_strdup ("none");
   bson_destroy (&shown);
   bson_destroy (filter);
   bson_free (docs);
   docrel_session_destroy (session);
   return out;
}

#define ASSERT_LINK(a, post, tag, expected)          \
   do {                                              \
      char *got_ = stored_link ((a), (post), (tag)); \
      ck_assert_str_eq (got_, (expected));           \
      bson_free (got_);                              \
   } while (0)

/* docrel_link with opts given as JSON. */
static bool
link_json (docrel_doc_t *doc, docrel_doc_t *other, const char *opts_json, bson_error_t *error)
{
   bson_t *opts = fixture_json (opts_json);
   bool ok = docrel_link (doc, "tags", other, opts, error);
   bson_destroy (opts);
   return ok;
}

START_TEST (a_link_with_a_payload_stores_it_on_the_link_document)
{
   app_t a;
   docrel_doc_t *post;
   bson_value_t key = fixture_int_key (101);
   bson_t *opts = fixture_json ("{\"payload\": {\"role\": \"main\", \"at\": {\"line\": 3}}}");
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 1, NULL);
   ASSERT_OK (link_json (post, fixture_get (a.session, a.tag, 100, NULL), "{\"payload\": {\"quantity\": 2}}", &error),
              error);
   ASSERT_LINK (&a, 1, 100, "{ \"Post__id\" : 1, \"Tag__id\" : 100, \"quantity\" : 2 }");
   ASSERT_OK (docrel_link_key (post, "tags", &key, opts, &error), error);
   ASSERT_LINK (&a, 1, 101, "{ \"Post__id\" : 1, \"Tag__id\" : 101, \"role\" : \"main\", \"at\" : { \"line\" : 3 } }");
   /* an empty payload is no payload */
   ASSERT_OK (link_json (post, fixture_get (a.session, a.tag, 102, NULL), "{\"payload\": {}}", &error), error);
   ASSERT_LINK (&a, 1, 102, "{ \"Post__id\" : 1, \"Tag__id\" : 102 }");
   bson_destroy (opts);
   app_close (&a);
}
END_TEST

START_TEST (linking_a_linked_pair_again_sets_the_payload_fields_on_the_stored_link)
{
   app_t a;
   docrel_doc_t *post, *tag;
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 1, NULL);
   tag = fixture_get (a.session, a.tag, 100, NULL);
   ASSERT_OK (link_json (post, tag, "{\"payload\": {\"quantity\": 2, \"note\": \"a\"}}", &error), error);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (link_json (post, tag, "{\"payload\": {\"quantity\": 3}}", &error), error);
   /* the lookup of stored links, then one update: MongoDB's upsert with $set */
   fixture_assert_commands (a.store, 1, 0, 1, 0);
   ASSERT_LINK (&a, 1, 100, "{ \"Post__id\" : 1, \"Tag__id\" : 100, \"quantity\" : 3, \"note\" : \"a\" }");
   /* without a payload, the stored one is kept */
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_link (post, "tags", tag, NULL, &error), error);
   fixture_assert_commands (a.store, 1, 0, 0, 0);
   ASSERT_LINK (&a, 1, 100, "{ \"Post__id\" : 1, \"Tag__id\" : 100, \"quantity\" : 3, \"note\" : \"a\" }");
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 1);
   /* unlinking removes the link and its payload; linking again starts bare */
   ASSERT_OK (docrel_unlink (post, "tags", tag, NULL, &error), error);
   ASSERT_LINK (&a, 1, 100, "none");
   ASSERT_OK (docrel_link (post, "tags", tag, NULL, &error), error);
   ASSERT_LINK (&a, 1, 100, "{ \"Post__id\" : 1, \"Tag__id\" : 100 }");
   app_close (&a);
}
END_TEST

static const char *const refused[][2] = {
   {"{\"payload\": {\"_id\": 5}}", "'_id'"},
   {"{\"payload\": {\"Post__id\": 5}}", "'Post__id'"},
   {"{\"payload\": {\"q\": 1, \"Tag__id\": 5}}", "'Tag__id'"},
   {"{\"payload\": {\"$inc\": {\"q\": 1}}}", "'$inc'"},
   {"{\"payload\": {\"a.b\": 1}}", "'a.b'"},
   {"{\"payload\": 3}", "'payload'"},
   {"{\"payload\": {\"q\": 1}, \"defer\": true, \"dryRun\": true}", "defer"},
};

#define N_REFUSED (sizeof refused / sizeof refused[0])

START_TEST (a_payload_naming_the_id_or_a_key_field_is_refused_and_nothing_written)
{
   app_t a;
   docrel_doc_t *post, *tag;
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 1, "{\"tags\": true}");
   tag = fixture_get (a.session, a.tag, 100, NULL);
   docrel_store_stats_reset (a.store);
   ck_assert (!link_json (post, tag, refused[_i][0], &error));
   ASSERT_MENTIONS (error, refused[_i][1]);
   fixture_assert_commands (a.store, 0, 0, 0, 0);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 0);
   {
      docrel_doc_t *const *docs;
      size_t n;
      ck_assert (docrel_doc_related (post, "tags", &docs, &n));
      ck_assert_uint_eq (n, 0); /* the slot is as it was */
   }
   app_close (&a);
}
END_TEST

START_TEST (a_payload_is_only_for_has_and_belongs_to_many)
{
   app_t a;
   docrel_doc_t *user, *post;
   bson_t *opts = fixture_json ("{\"payload\": {\"q\": 1}}");
   bson_t *payload = fixture_json ("{\"q\": 1}");
   bson_error_t error;

   app_open (&a);
   user = fixture_get (a.session, a.user, 7, NULL);
   post = fixture_get (a.session, a.post, 2, NULL);
   ck_assert (!docrel_link (user, "posts", post, opts, &error));
   ASSERT_MENTIONS (error, "hasAndBelongsToMany");
   ck_assert (!docrel_doc_add_related_with_payload (user, "posts", post, payload, &error));
   ASSERT_MENTIONS (error, "hasAndBelongsToMany");
   ck_assert (!docrel_unlink (fixture_get (a.session, a.post, 1, NULL), "tags",
                              fixture_get (a.session, a.tag, 100, NULL), opts, &error));
   ASSERT_MENTIONS (error, "payload"); /* unlink takes no payload */
   ck_assert_int_eq (fixture_count_where (a.store, a.post, "{\"userId\": 7}"), 1);
   bson_destroy (opts);
   bson_destroy (payload);
   app_close (&a);
}
END_TEST

START_TEST (a_payload_added_in_the_slot_is_written_by_save_all)
{
   app_t a;
   docrel_doc_t *post, *tag;
   bson_t *payload = fixture_json ("{\"quantity\": 4}");
   bson_t *bad = fixture_json ("{\"Tag__id\": 4}");
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 1, "{\"tags\": true}");
   tag = fixture_get (a.session, a.tag, 101, NULL);
   ck_assert (!docrel_doc_add_related_with_payload (post, "tags", tag, bad, &error));
   ASSERT_MENTIONS (error, "'Tag__id'");
   ck_assert (docrel_doc_link_payload (post, "tags", tag) == NULL); /* not added */
   ASSERT_OK (docrel_doc_add_related_with_payload (post, "tags", tag, payload, &error), error);
   ck_assert (docrel_doc_link_payload (post, "tags", tag) != NULL);
   ck_assert (bson_equal (docrel_doc_link_payload (post, "tags", tag), payload));
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (a.store, 1, 1, 0, 0); /* the lookup, one insert */
   ASSERT_LINK (&a, 1, 101, "{ \"Post__id\" : 1, \"Tag__id\" : 101, \"quantity\" : 4 }");
   /* saved: nothing left to write */
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (a.store, 0, 0, 0, 0);
   bson_destroy (payload);
   bson_destroy (bad);
   app_close (&a);
}
END_TEST

START_TEST (payloads_changed_in_the_slot_are_one_update_command)
{
   app_t a;
   docrel_doc_t *post, **posts;
   docrel_doc_t *const *tags;
   size_t n, i;
   bson_t *q1 = fixture_json ("{\"quantity\": 1}");
   bson_t *filter = fixture_json ("{\"_id\": 1}");
   bson_t *opts = fixture_json ("{\"join\": {\"tags\": {\"$payload\": \"link\", \"$sort\": {\"_id\": 1}}}}");
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 1, NULL);
   for (i = 0; i < 3; i++) {
      ASSERT_OK (link_json (post, fixture_get (a.session, a.tag, 100 + (int32_t) i, NULL),
                            i == 0 ? "{\"payload\": {\"quantity\": 1, \"note\": \"x\"}}" : "{}", &error),
                 error);
   }
   /* a fresh session reads the links' payloads with the join */
   docrel_session_destroy (a.session);
   a.session = docrel_session_new (a.store);
   ASSERT_OK (docrel_find_all (a.session, a.post, filter, opts, &posts, &n, &error), error);
   ck_assert_uint_eq (n, 1);
   post = posts[0];
   bson_free (posts);
   ck_assert (docrel_doc_related (post, "tags", &tags, &n));
   ck_assert_uint_eq (n, 3);
   ck_assert_int_eq (bson_count_keys (docrel_doc_link_payload (post, "tags", tags[0])), 2);
   ck_assert (bson_empty (docrel_doc_link_payload (post, "tags", tags[1]))); /* joined, none stored */
   {
      bson_t *q9 = fixture_json ("{\"quantity\": 9}");
      ASSERT_OK (docrel_doc_add_related_with_payload (post, "tags", tags[0], q9, &error), error);
      ASSERT_OK (docrel_doc_add_related_with_payload (post, "tags", tags[2], q1, &error), error);
      bson_destroy (q9);
   }
   ck_assert_int_eq (bson_count_keys (docrel_doc_link_payload (post, "tags", tags[0])), 2); /* note kept */
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (a.store, 1, 0, 1, 0); /* the lookup, one update for both links */
   ASSERT_LINK (&a, 1, 100, "{ \"Post__id\" : 1, \"Tag__id\" : 100, \"quantity\" : 9, \"note\" : \"x\" }");
   ASSERT_LINK (&a, 1, 101, "{ \"Post__id\" : 1, \"Tag__id\" : 101 }");
   ASSERT_LINK (&a, 1, 102, "{ \"Post__id\" : 1, \"Tag__id\" : 102, \"quantity\" : 1 }");
   bson_destroy (q1);
   bson_destroy (filter);
   bson_destroy (opts);
   app_close (&a);
}
END_TEST

START_TEST (a_payload_join_renders_each_parents_own_payload)
{
   app_t a;
   docrel_doc_t **posts;
   docrel_doc_t *const *tags;
   size_t n;
   bson_t *opts = fixture_json ("{\"sort\": {\"_id\": 1}, \"join\": {\"tags\": {\"$payload\": \"link\"}}}");
   bson_t *plain = fixture_json ("{\"sort\": {\"_id\": 1}, \"join\": {\"tags\": true}}");
   bson_t out;
   char *json;
   bson_error_t error;

   app_open (&a);
   ASSERT_OK (link_json (fixture_get (a.session, a.post, 1, NULL), fixture_get (a.session, a.tag, 100, NULL),
                         "{\"payload\": {\"quantity\": 1}}", &error),
              error);
   ASSERT_OK (link_json (fixture_get (a.session, a.post, 2, NULL), fixture_get (a.session, a.tag, 100, NULL),
                         "{\"payload\": {\"quantity\": 2}}", &error),
              error);
   docrel_session_destroy (a.session);
   a.session = docrel_session_new (a.store);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_find_all (a.session, a.post, NULL, opts, &posts, &n, &error), error);
   fixture_assert_commands (a.store, 3, 0, 0, 0); /* posts, links, tags: no query of its own */
   ck_assert_uint_eq (n, 2);
   ck_assert (docrel_doc_related (posts[0], "tags", &tags, &n) && n == 1);
   ASSERT_OK (docrel_doc_to_bson (posts[0], true, &out, &error), error);
   json = bson_as_relaxed_extended_json (&out, NULL);
   ck_assert_str_eq (json, "{ \"_id\" : 1, \"userId\" : 7, \"tags\" : [ { \"_id\" : 100, \"name\" : \"c\", "
                           "\"link\" : { \"quantity\" : 1 } } ] }");
   bson_free (json);
   bson_destroy (&out);
   ASSERT_OK (docrel_doc_to_bson (posts[1], true, &out, &error), error);
   json = bson_as_relaxed_extended_json (&out, NULL);
   ck_assert_str_eq (json, "{ \"_id\" : 2, \"tags\" : [ { \"_id\" : 100, \"name\" : \"c\", \"link\" : { "
                           "\"quantity\" : 2 } } ] }");
   bson_free (json);
   bson_destroy (&out);
   /* the tag's own rendering holds no payload: it is the pair's */
   ASSERT_OK (docrel_doc_to_bson (tags[0], true, &out, &error), error);
   ck_assert (!bson_has_field (&out, "link"));
   bson_destroy (&out);
   bson_free (posts);
   /* docrel_load takes the same edge */
   {
      docrel_session_t *other = docrel_session_new (a.store);
      docrel_doc_t *post = fixture_get (other, a.post, 2, NULL);
      bson_t *edge = fixture_json ("{\"$payload\": \"link\"}");
      bson_t *q2 = fixture_json ("{\"quantity\": 2}");
      ASSERT_OK (docrel_load (post, "tags", edge, &error), error);
      ck_assert (docrel_doc_related (post, "tags", &tags, &n) && n == 1);
      ck_assert (bson_equal (docrel_doc_link_payload (post, "tags", tags[0]), q2));
      bson_destroy (edge);
      bson_destroy (q2);
      docrel_session_destroy (other);
   }
   /* joined again without $payload: nothing known, nothing rendered */
   ASSERT_OK (docrel_find_all (a.session, a.post, NULL, plain, &posts, &n, &error), error);
   ck_assert (docrel_doc_related (posts[0], "tags", &tags, &n) && n == 1);
   ck_assert (docrel_doc_link_payload (posts[0], "tags", tags[0]) == NULL);
   ASSERT_OK (docrel_doc_to_bson (posts[0], true, &out, &error), error);
   json = bson_as_relaxed_extended_json (&out, NULL);
   ck_assert (strstr (json, "link") == NULL);
   bson_free (json);
   bson_destroy (&out);
   bson_free (posts);
   bson_destroy (opts);
   bson_destroy (plain);
   app_close (&a);
}
END_TEST

START_TEST (a_bad_payload_edge_is_refused_naming_the_path)
{
   app_t a;
   docrel_doc_t **docs;
   size_t n;
   bson_error_t error;
   static const char *const trees[][2] = {
      {"{\"join\": {\"tags\": {\"$payload\": 1}}}", "tags"},
      {"{\"join\": {\"tags\": {\"$payload\": \"$x\"}}}", "tags"},
      {"{\"join\": {\"tags\": {\"$payload\": \"a.b\"}}}", "tags"},
   };
   size_t i;

   app_open (&a);
   for (i = 0; i < sizeof trees / sizeof trees[0]; i++) {
      bson_t *opts = fixture_json (trees[i][0]);
      ck_assert (!docrel_find_all (a.session, a.post, NULL, opts, &docs, &n, &error));
      ASSERT_MENTIONS (error, "$payload");
      ASSERT_MENTIONS (error, trees[i][1]);
      bson_destroy (opts);
   }
   {
      bson_t *opts = fixture_json ("{\"join\": {\"posts\": {\"$payload\": \"link\"}}}");
      ck_assert (!docrel_find_all (a.session, a.user, NULL, opts, &docs, &n, &error));
      ASSERT_MENTIONS (error, "hasAndBelongsToMany");
      bson_destroy (opts);
   }
   app_close (&a);
}
END_TEST

START_TEST (set_links_keeps_the_payloads_of_links_that_stay)
{
   app_t a;
   docrel_doc_t *post;
   bson_value_t keys[2];
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 1, NULL);
   ASSERT_OK (link_json (post, fixture_get (a.session, a.tag, 100, NULL), "{\"payload\": {\"quantity\": 1}}", &error),
              error);
   ASSERT_OK (link_json (post, fixture_get (a.session, a.tag, 101, NULL), "{\"payload\": {\"quantity\": 2}}", &error),
              error);
   keys[0] = fixture_int_key (101);
   keys[1] = fixture_int_key (102);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_set_links (post, "tags", keys, 2, NULL, &error), error);
   fixture_assert_commands (a.store, 1, 1, 0, 1); /* delete the others, look up, insert the new */
   ASSERT_LINK (&a, 1, 100, "none");
   ASSERT_LINK (&a, 1, 101, "{ \"Post__id\" : 1, \"Tag__id\" : 101, \"quantity\" : 2 }");
   ASSERT_LINK (&a, 1, 102, "{ \"Post__id\" : 1, \"Tag__id\" : 102 }");
   /* an empty set still removes every link */
   ASSERT_OK (docrel_set_links (post, "tags", NULL, 0, NULL, &error), error);
   ck_assert_int_eq (fixture_count_all (a.store, a.link), 0);
   app_close (&a);
}
END_TEST

START_TEST (a_dry_run_plans_the_payload_and_writes_nothing)
{
   app_t a;
   docrel_doc_t *post, *tag;
   bson_t *opts = fixture_json ("{\"payload\": {\"quantity\": 5}, \"dryRun\": true}");
   bson_t plan;
   char *json;
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 1, NULL);
   tag = fixture_get (a.session, a.tag, 100, NULL);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_link_with_opts (post, "tags", tag, opts, &plan, &error), error);
   fixture_assert_commands (a.store, 1, 0, 0, 0); /* the lookup only */
   json = bson_as_relaxed_extended_json (&plan, NULL);
   ck_assert_str_eq (json, "{ \"writes\" : [ { \"op\" : \"link\", \"model\" : \"Post_Tag\", \"collection\" : "
                           "\"Post_Tag\", \"level\" : 3, \"count\" : 1, \"links\" : [ { \"Post__id\" : 1, "
                           "\"Tag__id\" : 100, \"quantity\" : 5 } ] } ] }");
   bson_free (json);
   bson_destroy (&plan);
   ASSERT_LINK (&a, 1, 100, "none");
   /* on a stored link the plan shows the update */
   ASSERT_OK (docrel_link (post, "tags", tag, NULL, &error), error);
   ASSERT_OK (docrel_link_with_opts (post, "tags", tag, opts, &plan, &error), error);
   json = bson_as_relaxed_extended_json (&plan, NULL);
   ck_assert_str_eq (json, "{ \"writes\" : [ { \"op\" : \"updateLinks\", \"model\" : \"Post_Tag\", \"collection\" : "
                           "\"Post_Tag\", \"level\" : 3, \"count\" : 1, \"links\" : [ { \"Post__id\" : 1, "
                           "\"Tag__id\" : 100, \"quantity\" : 5 } ] } ] }");
   bson_free (json);
   bson_destroy (&plan);
   ASSERT_LINK (&a, 1, 100, "{ \"Post__id\" : 1, \"Tag__id\" : 100 }");
   bson_destroy (opts);
   app_close (&a);
}
END_TEST

START_TEST (a_deferred_link_keeps_its_payload_for_the_next_save_all)
{
   app_t a;
   docrel_doc_t *post, *tag;
   bson_value_t key = fixture_int_key (102);
   bson_t *opts = fixture_json ("{\"payload\": {\"quantity\": 7}, \"defer\": true}");
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 2, NULL);
   tag = fixture_get (a.session, a.tag, 101, NULL);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_link_key (post, "tags", &key, opts, &error), error);
   ASSERT_OK (docrel_link (post, "tags", tag, opts, &error), error);
   fixture_assert_commands (a.store, 0, 0, 0, 0);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (a.store, 1, 1, 0, 0);
   ASSERT_LINK (&a, 2, 102, "{ \"Post__id\" : 2, \"Tag__id\" : 102, \"quantity\" : 7 }");
   ASSERT_LINK (&a, 2, 101, "{ \"Post__id\" : 2, \"Tag__id\" : 101, \"quantity\" : 7 }");
   bson_destroy (opts);
   app_close (&a);
}
END_TEST

START_TEST (a_dry_run_leaves_the_payloads_in_memory_as_they_were)
{
   app_t a;
   docrel_doc_t *post, *tag;
   bson_t *dry = fixture_json ("{\"payload\": {\"quantity\": 8}, \"dryRun\": true}");
   bson_t *q1 = fixture_json ("{\"quantity\": 1}");
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 1, "{\"tags\": true}");
   tag = fixture_get (a.session, a.tag, 100, NULL);
   ASSERT_OK (docrel_doc_add_related_with_payload (post, "tags", tag, q1, &error), error);
   ASSERT_OK (docrel_link (post, "tags", tag, dry, &error), error);
   ck_assert (bson_equal (docrel_doc_link_payload (post, "tags", tag), q1)); /* undone */
   ASSERT_LINK (&a, 1, 100, "none");
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   ASSERT_LINK (&a, 1, 100, "{ \"Post__id\" : 1, \"Tag__id\" : 100, \"quantity\" : 1 }");
   bson_destroy (dry);
   bson_destroy (q1);
   app_close (&a);
}
END_TEST

START_TEST (a_pair_linked_twice_before_one_save_all_merges_its_payloads)
{
   app_t a;
   docrel_doc_t *post;
   bson_value_t key = fixture_int_key (100);
   bson_t *first = fixture_json ("{\"payload\": {\"quantity\": 1, \"note\": \"a\"}, \"defer\": true}");
   bson_t *second = fixture_json ("{\"payload\": {\"quantity\": 2}, \"defer\": true}");
   bson_error_t error;

   app_open (&a);
   post = fixture_get (a.session, a.post, 1, NULL);
   ASSERT_OK (docrel_link_key (post, "tags", &key, first, &error), error);
   ASSERT_OK (docrel_link_key (post, "tags", &key, second, &error), error);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   ASSERT_LINK (&a, 1, 100, "{ \"Post__id\" : 1, \"Tag__id\" : 100, \"note\" : \"a\", \"quantity\" : 2 }");
   /* the same pair again, stored now: both become one update */
   ASSERT_OK (docrel_link_key (post, "tags", &key, second, &error), error);
   ASSERT_OK (docrel_link_key (post, "tags", &key, first, &error), error);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (a.store, 1, 0, 1, 0);
   ASSERT_LINK (&a, 1, 100, "{ \"Post__id\" : 1, \"Tag__id\" : 100, \"note\" : \"a\", \"quantity\" : 1 }");
   bson_destroy (first);
   bson_destroy (second);
   app_close (&a);
}
END_TEST

START_TEST (a_related_field_of_the_payloads_name_is_shown_not_the_payload)
{
   app_t a;
   docrel_doc_t **posts;
   size_t n;
   bson_t *opts = fixture_json ("{\"join\": {\"tags\": {\"$payload\": \"name\"}}}");
   bson_t *two = fixture_json ("{\"_id\": 2}");
   bson_t out;
   char *json;
   bson_error_t error;

   app_open (&a);
   ASSERT_OK (link_json (fixture_get (a.session, a.post, 2, NULL), fixture_get (a.session, a.tag, 100, NULL),
                         "{\"payload\": {\"quantity\": 1}}", &error),
              error);
   docrel_session_destroy (a.session);
   a.session = docrel_session_new (a.store);
   ASSERT_OK (docrel_find_all (a.session, a.post, two, opts, &posts, &n, &error), error);
   ck_assert_uint_eq (n, 1);
   ASSERT_OK (docrel_doc_to_bson (posts[0], true, &out, &error), error);
   json = bson_as_relaxed_extended_json (&out, NULL);
   ck_assert_str_eq (json, "{ \"_id\" : 2, \"tags\" : [ { \"_id\" : 100, \"name\" : \"c\" } ] }");
   bson_free (json);
   bson_destroy (&out);
   bson_free (posts);
   bson_destroy (two);
   bson_destroy (opts);
   app_close (&a);
}
END_TEST

START_TEST (a_symmetric_link_shows_its_payload_from_both_ends)
{
   app_t a;
   docrel_model_t *human;
   docrel_relation_t *r;
   docrel_doc_t **docs;
   docrel_doc_t *const *friends;
   size_t n, i;
   static const char *const humans[] = {"{\"_id\": 1}", "{\"_id\": 2}", NULL};
   bson_t *opts = fixture_json ("{\"sort\": {\"_id\": 1}, \"join\": {\"friends\": {\"$payload\": \"since\"}}}");
   bson_t *payload = fixture_json ("{\"payload\": {\"year\": 2020}}");
   bson_t *year = fixture_json ("{\"year\": 2020}");
   bson_t *bad = fixture_json ("{\"payload\": {\"Human__id_2\": 1}}");
   bson_error_t error;

   app_open (&a);
   human = fixture_keyed_model (a.store, "Human");
   r = fixture_declare (docrel_model_has_and_belongs_to_many, human, human, "friends", "_id", "_id",
                        "{\"symmetric\": true}");
   fixture_seed (a.store, human, humans);
   ck_assert (!docrel_link (fixture_get (a.session, human, 1, NULL), "friends", fixture_get (a.session, human, 2, NULL),
                            bad, &error));
   ASSERT_MENTIONS (error, "'Human__id_2'");
   ASSERT_OK (docrel_link (fixture_get (a.session, human, 1, NULL), "friends", fixture_get (a.session, human, 2, NULL),
                           payload, &error),
              error);
   ck_assert_int_eq (fixture_count_all (a.store, docrel_relation_link_model (r)), 1);
   docrel_session_destroy (a.session);
   a.session = docrel_session_new (a.store);
   ASSERT_OK (docrel_find_all (a.session, human, NULL, opts, &docs, &n, &error), error);
   ck_assert_uint_eq (n, 2);
   for (i = 0; i < 2; i++) {
      size_t k;
      ck_assert (docrel_doc_related (docs[i], "friends", &friends, &k) && k == 1);
      ck_assert (bson_equal (docrel_doc_link_payload (docs[i], "friends", friends[0]), year));
   }
   bson_free (docs);
   bson_destroy (opts);
   bson_destroy (payload);
   bson_destroy (year);
   bson_destroy (bad);
   app_close (&a);
}
END_TEST

START_TEST (set_links_keeps_payloads_on_composite_keys)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_session_t *session = docrel_session_new (store);
   docrel_model_t *person = fixture_keyed_model (store, "Person");
   docrel_model_t *club = fixture_keyed_model (store, "Club");
   static const char *const people[] = {"{\"_id\": 1, \"name\": \"Ann\", \"born\": 1990}", NULL};
   static const char *const clubs[] = {"{\"_id\": 30, \"code\": \"chess\", \"region\": \"north\"}",
                                       "{\"_id\": 31, \"code\": \"chess\", \"region\": \"south\"}", NULL};
   docrel_relation_t *r =
      fixture_declare (docrel_model_has_and_belongs_to_many, person, club, "clubs", NULL, NULL,
                       "{\"leftKeys\": [\"name\", \"born\"], \"rightKeys\": [\"code\", \"region\"]}");
   docrel_doc_t *ann;
   bson_t *keep = fixture_json ("{\"k\": {\"code\": \"chess\", \"region\": \"south\"}}");
   bson_t *rank = fixture_json ("{\"payload\": {\"rank\": 3}}");
   bson_iter_t iter;
   bson_value_t key;
   bson_error_t error;

   fixture_seed (store, person, people);
   fixture_seed (store, club, clubs);
   ann = fixture_get (session, person, 1, NULL);
   ASSERT_OK (docrel_link (ann, "clubs", fixture_get (session, club, 30, NULL), NULL, &error), error);
   ASSERT_OK (docrel_link (ann, "clubs", fixture_get (session, club, 31, NULL), rank, &error), error);
   ck_assert (bson_iter_init_find (&iter, keep, "k"));
   key = *bson_iter_value (&iter);
   ASSERT_OK (docrel_set_links (ann, "clubs", &key, 1, NULL, &error), error);
   ck_assert_int_eq (fixture_count_all (store, docrel_relation_link_model (r)), 1);
   ck_assert_int_eq (fixture_count_where (store, docrel_relation_link_model (r),
                                          "{\"Club_region\": \"south\", "
                                          "\"rank\": 3}"),
                     1);
   bson_destroy (keep);
   bson_destroy (rank);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (a_joining_cursor_reads_payloads_batch_by_batch)
{
   app_t a;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc;
   docrel_doc_t *const *tags;
   size_t n;
   int32_t seen = 0;
   bson_t *opts = fixture_json (
      "{\"sort\": {\"_id\": 1}, \"batchSize\": 1, \"join\": {\"tags\": {\"$payload\": \"link\"}}}");
   bson_error_t error;

   app_open (&a);
   ASSERT_OK (link_json (fixture_get (a.session, a.post, 1, NULL), fixture_get (a.session, a.tag, 100, NULL),
                         "{\"payload\": {\"quantity\": 1}}", &error),
              error);
   ASSERT_OK (link_json (fixture_get (a.session, a.post, 2, NULL), fixture_get (a.session, a.tag, 100, NULL),
                         "{\"payload\": {\"quantity\": 2}}", &error),
              error);
   docrel_session_destroy (a.session);
   a.session = docrel_session_new (a.store);
   cursor = docrel_find (a.session, a.post, NULL, opts, &error);
   ck_assert_msg (cursor != NULL, "%s", error.message);
   while (docrel_cursor_next (cursor, &doc)) {
      bson_iter_t iter;
      ck_assert (docrel_doc_related (doc, "tags", &tags, &n) && n == 1);
      ck_assert (bson_iter_init_find (&iter, docrel_doc_link_payload (doc, "tags", tags[0]), "quantity"));
      ck_assert_int_eq (bson_iter_int32 (&iter), fixture_id_of (doc));
      seen++;
   }
   ck_assert (!docrel_cursor_error (cursor, &error));
   ck_assert_int_eq (seen, 2);
   docrel_cursor_destroy (cursor);
   bson_destroy (opts);
   app_close (&a);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("link_payload");
   TCase *tc = tcase_create ("link");

   tcase_add_test (tc, a_link_with_a_payload_stores_it_on_the_link_document);
   tcase_add_test (tc, linking_a_linked_pair_again_sets_the_payload_fields_on_the_stored_link);
   tcase_add_loop_test (tc, a_payload_naming_the_id_or_a_key_field_is_refused_and_nothing_written, 0, N_REFUSED);
   tcase_add_test (tc, a_payload_is_only_for_has_and_belongs_to_many);
   tcase_add_test (tc, set_links_keeps_the_payloads_of_links_that_stay);
   tcase_add_test (tc, a_dry_run_plans_the_payload_and_writes_nothing);
   tcase_add_test (tc, a_deferred_link_keeps_its_payload_for_the_next_save_all);
   tcase_add_test (tc, a_dry_run_leaves_the_payloads_in_memory_as_they_were);
   tcase_add_test (tc, a_pair_linked_twice_before_one_save_all_merges_its_payloads);
   tcase_add_test (tc, set_links_keeps_payloads_on_composite_keys);
   tcase_add_test (tc, a_symmetric_link_shows_its_payload_from_both_ends);
   suite_add_tcase (s, tc);
   tc = tcase_create ("slot");
   tcase_add_test (tc, a_payload_added_in_the_slot_is_written_by_save_all);
   tcase_add_test (tc, payloads_changed_in_the_slot_are_one_update_command);
   suite_add_tcase (s, tc);
   tc = tcase_create ("join");
   tcase_add_test (tc, a_payload_join_renders_each_parents_own_payload);
   tcase_add_test (tc, a_bad_payload_edge_is_refused_naming_the_path);
   tcase_add_test (tc, a_related_field_of_the_payloads_name_is_shown_not_the_payload);
   tcase_add_test (tc, a_joining_cursor_reads_payloads_batch_by_batch);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
