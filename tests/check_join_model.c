/* SPDX-License-Identifier: Apache-2.0 */
/* check_join_model.c: writes through an explicit join model (Amplify's
 * PostTag, Medusa's pivot with metadata): Post hasMany PostTag, PostTag
 * belongsTo Post and Tag, Tag hasMany PostTag, the rows carrying a role and
 * a position. save_all copies both keys into new rows and stores their own
 * fields, a join through post -> postTags -> tag reads those fields back,
 * save_all updates a row's field or moves it to another tag, a row removed
 * from its post's slot is deleted (onRemove "delete"), and deleting a tag
 * or a post on every delete path removes its rows (cascade) or is refused
 * while rows reference it (restrict), never deleting the other end. Models
 * use caller keys (ints) so tests can name documents. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *post, *tag, *row;
   docrel_doc_t *other_tag; /* tag 12, loaded: the second root of delete_all_many */
} pivot_t;

/* Post hasMany PostTag (postTags: cascade, onRemove delete), PostTag
 * belongsTo Post (post) and Tag (tag), Tag hasMany PostTag (postTags:
 * onDelete tag_rule); a post has a tag at most once. */
static void
pivot_declare (pivot_t *p, const char *tag_rule, const char *row_tag_opts)
{
   char opts[64];

   memset (p, 0, sizeof *p);
   p->store = fixture_store_open ();
   p->post = fixture_keyed_model (p->store, "Post");
   p->tag = fixture_keyed_model (p->store, "Tag");
   p->row = fixture_keyed_model (p->store, "PostTag");
   fixture_unique_index (p->row, "{\"postId\": 1, \"tagId\": 1}");
   fixture_declare (docrel_model_has_many, p->post, p->row, "postTags", "_id", "postId",
                    "{\"onDelete\": \"cascade\", \"onRemove\": \"delete\"}");
   fixture_declare (docrel_model_belongs_to, p->row, p->post, "post", "postId", "_id", NULL);
   fixture_declare (docrel_model_belongs_to, p->row, p->tag, "tag", "tagId", "_id", row_tag_opts);
   snprintf (opts, sizeof opts, "{\"onDelete\": \"%s\"}", tag_rule);
   fixture_declare (docrel_model_has_many, p->tag, p->row, "postTags", "_id", "tagId", opts);
}

/* Posts 1 and 2; tags 10 (c), 11 (db), 12 (go); post 1 tagged 10 (primary,
 * first) and 11 (secondary, second), post 2 tagged 10 (primary). */
static void
pivot_open_with (pivot_t *p, const char *tag_rule, const char *row_tag_opts)
{
   static const char *const posts[] = {"{\"_id\": 1, \"title\": \"Joins\"}", "{\"_id\": 2, \"title\": \"Keys\"}", NULL};
   static const char *const tags[] = {"{\"_id\": 10, \"name\": \"c\"}", "{\"_id\": 11, \"name\": \"db\"}",
                                      "{\"_id\": 12, \"name\": \"go\"}", NULL};
   static const char *const rows[] = {
      "{\"_id\": 100, \"postId\": 1, \"tagId\": 10, \"role\": \"primary\", \"position\": 1}",
      "{\"_id\": 101, \"postId\": 1, \"tagId\": 11, \"role\": \"secondary\", \"position\": 2}",
      "{\"_id\": 102, \"postId\": 2, \"tagId\": 10, \"role\": \"primary\", \"position\": 1}", NULL};

   pivot_declare (p, tag_rule, row_tag_opts);
   fixture_seed (p->store, p->post, posts);
   fixture_seed (p->store, p->tag, tags);
   fixture_seed (p->store, p->row, rows);
   p->session = docrel_session_new (p->store);
   p->other_tag = fixture_get (p->session, p->tag, 12, NULL);
}

static void
pivot_open (pivot_t *p, const char *tag_rule)
{
   pivot_open_with (p, tag_rule, NULL);
}

static void
pivot_close (pivot_t *p)
{
   docrel_session_destroy (p->session);
   fixture_store_close (p->store);
}

/* The documents of model in the store, sorted by _id, as one JSON line.
 * The caller frees it with bson_free. */
static char *
stored (docrel_store_t *store, docrel_model_t *model)
{
   docrel_session_t *session = docrel_session_new (store);
   bson_t *opts = fixture_json ("{\"sort\": {\"_id\": 1}}");
   docrel_doc_t **docs = NULL;
   bson_error_t error;
   bson_string_t *out = bson_string_new ("[");
   size_t n = 0, i;

   ASSERT_OK (docrel_find_all (session, model, NULL, opts, &docs, &n, &error), error);
   for (i = 0; i < n; i++) {
      char *json = docrel_doc_to_json (docs[i], false);
      bson_string_append_printf (out, "%s%s", i ? ", " : "", json);
      bson_free (json);
   }
   bson_string_append (out, "]");
   bson_free (docs);
   bson_destroy (opts);
   docrel_session_destroy (session);
   return bson_string_free (out, false);
}

/* Asserts that the store holds exactly json (as stored () renders it). */
static void
assert_stored (docrel_store_t *store, docrel_model_t *model, const char *json)
{
   char *got = stored (store, model);

   ck_assert_str_eq (got, json);
   bson_free (got);
}

static void
assert_rendered (const docrel_doc_t *doc, const char *json)
{
   char *got = docrel_doc_to_json (doc, true);

   ck_assert_str_eq (got, json);
   bson_free (got);
}

/* ---- saving through the join model ------------------------------------ */

START_TEST (save_all_copies_both_keys_into_new_rows_and_stores_their_fields)
{
   pivot_t p;
   docrel_doc_t *post, *c, *db, *rows[2];
   bson_error_t error;

   pivot_declare (&p, "cascade", NULL);
   p.session = docrel_session_new (p.store);
   post = fixture_new_doc (p.session, p.post, "{\"_id\": 1, \"title\": \"Joins\"}");
   c = fixture_new_doc (p.session, p.tag, "{\"_id\": 10, \"name\": \"c\"}");
   db = fixture_new_doc (p.session, p.tag, "{\"_id\": 11, \"name\": \"db\"}");
   rows[0] = fixture_new_doc (p.session, p.row, "{\"_id\": 100, \"role\": \"primary\", \"position\": 1}");
   rows[1] = fixture_new_doc (p.session, p.row, "{\"_id\": 101, \"role\": \"secondary\", \"position\": 2}");
   ASSERT_OK (docrel_doc_set_related (post, "postTags", rows, 2, &error), error);
   ASSERT_OK (docrel_doc_add_related (rows[0], "tag", c, &error), error);
   ASSERT_OK (docrel_doc_add_related (rows[1], "tag", db, &error), error);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   /* posts and tags first (one insert each), then the rows */
   fixture_assert_commands (p.store, 0, 3, 0, 0);
   assert_stored (p.store, p.row,
                  "[{ \"_id\" : 100, \"role\" : \"primary\", \"position\" : 1, \"postId\" : 1, \"tagId\" : 10 }, "
                  "{ \"_id\" : 101, \"role\" : \"secondary\", \"position\" : 2, \"postId\" : 1, \"tagId\" : 11 }]");
   assert_stored (p.store, p.tag, "[{ \"_id\" : 10, \"name\" : \"c\" }, { \"_id\" : 11, \"name\" : \"db\" }]");
   ck_assert (docrel_doc_is_saved (rows[0]) && !docrel_doc_is_dirty (rows[0]));
   ck_assert (docrel_doc_is_saved (c) && docrel_doc_is_saved (post));
   pivot_close (&p);
}
END_TEST

START_TEST (a_join_through_the_rows_reads_their_fields)
{
   pivot_t p;
   docrel_session_t *session;
   docrel_doc_t *post, *tag;

   pivot_open (&p, "cascade");
   docrel_store_stats_reset (p.store);
   post = fixture_get (p.session, p.post, 1, "{\"postTags\": {\"$sort\": {\"position\": 1}, \"tag\": true}}");
   fixture_assert_commands (p.store, 3, 0, 0, 0); /* posts, rows, tags */
   assert_rendered (post, "{ \"_id\" : 1, \"title\" : \"Joins\", \"postTags\" : [ "
                          "{ \"_id\" : 100, \"postId\" : 1, \"tagId\" : 10, \"role\" : \"primary\", \"position\" : 1, "
                          "\"tag\" : { \"_id\" : 10, \"name\" : \"c\" } }, "
                          "{ \"_id\" : 101, \"postId\" : 1, \"tagId\" : 11, \"role\" : \"secondary\", \"position\" : "
                          "2, \"tag\" : { \"_id\" : 11, \"name\" : \"db\" } } ] }");
   /* and back from a tag to its posts, with the role each gives it */
   session = docrel_session_new (p.store);
   tag = fixture_get (session, p.tag, 10, "{\"postTags\": {\"$sort\": {\"postId\": 1}, \"post\": true}}");
   assert_rendered (tag, "{ \"_id\" : 10, \"name\" : \"c\", \"postTags\" : [ "
                         "{ \"_id\" : 100, \"postId\" : 1, \"tagId\" : 10, \"role\" : \"primary\", \"position\" : 1, "
                         "\"post\" : { \"_id\" : 1, \"title\" : \"Joins\" } }, "
                         "{ \"_id\" : 102, \"postId\" : 2, \"tagId\" : 10, \"role\" : \"primary\", \"position\" : 1, "
                         "\"post\" : { \"_id\" : 2, \"title\" : \"Keys\" } } ] }");
   docrel_session_destroy (session);
   pivot_close (&p);
}
END_TEST

START_TEST (save_all_updates_a_row_field_and_moves_a_row_to_another_tag)
{
   pivot_t p;
   docrel_doc_t *post;
   docrel_doc_t *const *rows;
   size_t n = 0;
   bson_error_t error;

   pivot_open (&p, "cascade");
   post = fixture_get (p.session, p.post, 1, "{\"postTags\": {\"$sort\": {\"position\": 1}, \"tag\": true}}");
   ck_assert (docrel_doc_related (post, "postTags", &rows, &n) && n == 2);
   ASSERT_OK (docrel_doc_set_utf8 (rows[0], "role", "lead", &error), error);
   ASSERT_OK (docrel_doc_add_related (rows[1], "tag", p.other_tag, &error), error);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 1, 0); /* one update for the rows */
   assert_stored (p.store, p.row,
                  "[{ \"_id\" : 100, \"postId\" : 1, \"tagId\" : 10, \"role\" : \"lead\", \"position\" : 1 }, "
                  "{ \"_id\" : 101, \"postId\" : 1, \"tagId\" : 12, \"role\" : \"secondary\", \"position\" : 2 }, "
                  "{ \"_id\" : 102, \"postId\" : 2, \"tagId\" : 10, \"role\" : \"primary\", \"position\" : 1 }]");
   ck_assert (!docrel_doc_is_dirty (rows[0]) && !docrel_doc_is_dirty (rows[1]));
   ck_assert_ptr_eq (docrel_doc_related_one (rows[1], "tag"), p.other_tag);
   pivot_close (&p);
}
END_TEST

START_TEST (a_row_removed_from_its_post_is_deleted_and_its_tag_kept)
{
   pivot_t p;
   docrel_doc_t *post;
   docrel_doc_t *const *rows;
   size_t n = 0;
   bson_error_t error;

   pivot_open (&p, "cascade");
   post = fixture_get (p.session, p.post, 1, "{\"postTags\": {\"$sort\": {\"position\": 1}}}");
   ck_assert (docrel_doc_related (post, "postTags", &rows, &n) && n == 2);
   ASSERT_OK (docrel_doc_remove_related (post, "postTags", rows[1], &error), error);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, NULL, &error), error);
   fixture_assert_commands (p.store, 0, 0, 0, 1);
   ck_assert_int_eq (fixture_count_where (p.store, p.row, "{\"postId\": 1}"), 1);
   ck_assert_int_eq (fixture_count_where (p.store, p.row, "{\"_id\": 101}"), 0);
   ck_assert_int_eq (fixture_count_all (p.store, p.tag), 3);
   pivot_close (&p);
}
END_TEST

START_TEST (a_second_row_for_the_same_pair_is_refused_and_nothing_written)
{
   pivot_t p;
   docrel_doc_t *post, *tag, *dup, *post2;
   bson_error_t error;

   pivot_open (&p, "cascade");
   post = fixture_get (p.session, p.post, 1, "{\"postTags\": true}");
   tag = fixture_get (p.session, p.tag, 10, NULL);
   post2 = fixture_new_doc (p.session, p.post, "{\"_id\": 3, \"title\": \"New\"}");
   dup = fixture_new_doc (p.session, p.row, "{\"_id\": 103, \"role\": \"again\"}");
   ASSERT_OK (docrel_doc_add_related (dup, "tag", tag, &error), error);
   ASSERT_OK (docrel_doc_add_related (dup, "post", post, &error), error);
   ASSERT_OK (docrel_doc_add_related (post2, "postTags", fixture_new_doc (p.session, p.row, "{\"_id\": 104}"), &error),
              error);
   {
      docrel_doc_t *roots[2] = {dup, post2};
      ck_assert (!docrel_save_all_many (roots, 2, NULL, NULL, NULL, &error));
   }
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ck_assert (!docrel_doc_is_saved (dup) && !docrel_doc_is_saved (post2));
   ck_assert_int_eq (fixture_count_all (p.store, p.row), 3);
   ck_assert_int_eq (fixture_count_all (p.store, p.post), 2);
   pivot_close (&p);
}
END_TEST

/* ---- deleting either end ---------------------------------------------- */

typedef enum { CALL_DELETE, CALL_DELETE_ALL, CALL_DELETE_ALL_MANY, CALL_PURGE, N_CALLS } call_t;

static const char *const call_names[] = {"delete", "delete_all", "delete_all_many", "purge"};

/* Deletes tag through call (delete_all_many: with tag 12 too). */
static bool
delete_tag (pivot_t *p, call_t call, docrel_doc_t *tag, bson_error_t *error)
{
   docrel_doc_t *roots[2] = {tag, p->other_tag};

   switch (call) {
   case CALL_DELETE:
      return docrel_delete (tag, error);
   case CALL_DELETE_ALL:
      return docrel_delete_all (tag, NULL, error);
   case CALL_DELETE_ALL_MANY:
      return docrel_delete_all_many (roots, 2, NULL, error);
   case CALL_PURGE:
   case N_CALLS:
   default:
      return docrel_purge (tag, error);
   }
}

START_TEST (deleting_a_tag_removes_its_rows_on_every_path)
{
   pivot_t p;
   docrel_doc_t *post, *tag;
   docrel_doc_t *const *rows;
   size_t n = 0;
   bson_error_t error;

   pivot_open (&p, "cascade");
   post = fixture_get (p.session, p.post, 1, "{\"postTags\": {\"$sort\": {\"position\": 1}, \"tag\": true}}");
   tag = fixture_get (p.session, p.tag, 10, NULL); /* its rows: 100 loaded, 102 not */
   docrel_store_stats_reset (p.store);
   ASSERT_OK (delete_tag (&p, (call_t) _i, tag, &error), error);
   /* one find (the rows), then the rows and the tags deleted; no unset of
    * the rows' tagId (PostTag.tag is setNull): the cascade deletes them */
   fixture_assert_commands (p.store, 1, 0, 0, 2);
   assert_stored (p.store, p.row,
                  "[{ \"_id\" : 101, \"postId\" : 1, \"tagId\" : 11, \"role\" : \"secondary\", \"position\" : 2 }]");
   ck_assert_int_eq (fixture_count_all (p.store, p.tag), _i == CALL_DELETE_ALL_MANY ? 1 : 2);
   ck_assert_int_eq (fixture_count_all (p.store, p.post), 2);
   /* memory follows: row 100 left its post's slot and is unsaved */
   ck_assert (!docrel_doc_is_saved (tag));
   ck_assert (docrel_doc_related (post, "postTags", &rows, &n));
   ck_assert_msg (n == 1 && fixture_id_of (rows[0]) == 101, "%s: %zu rows left", call_names[_i], n);
   ck_assert (docrel_doc_is_saved (post) && !docrel_doc_is_dirty (post));
   pivot_close (&p);
}
END_TEST

START_TEST (deleting_a_post_removes_its_rows_and_never_a_tag)
{
   pivot_t p;
   docrel_doc_t *post;
   bson_error_t error;

   pivot_open (&p, "cascade");
   post = fixture_get (p.session, p.post, 1, NULL);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (docrel_purge (post, &error), error);
   fixture_assert_commands (p.store, 1, 0, 0, 2);
   assert_stored (p.store, p.row,
                  "[{ \"_id\" : 102, \"postId\" : 2, \"tagId\" : 10, \"role\" : \"primary\", \"position\" : 1 }]");
   ck_assert_int_eq (fixture_count_all (p.store, p.tag), 3);
   ck_assert_int_eq (fixture_count_all (p.store, p.post), 1);
   pivot_close (&p);
}
END_TEST

START_TEST (restrict_keeps_a_tag_while_rows_reference_it_on_every_path)
{
   pivot_t p;
   docrel_doc_t *post, *tag;
   docrel_doc_t *const *rows;
   size_t n = 0;
   bson_error_t error;
   docrel_store_stats_t stats;

   pivot_open (&p, "restrict");
   post = fixture_get (p.session, p.post, 1, "{\"postTags\": {\"tag\": true}}");
   tag = fixture_get (p.session, p.tag, 10, NULL);
   docrel_store_stats_reset (p.store);
   ck_assert_msg (!delete_tag (&p, (call_t) _i, tag, &error), "%s deleted", call_names[_i]);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_RESTRICTED);
   ASSERT_MENTIONS (error, "model 'Tag'");
   ASSERT_MENTIONS (error, "2 'PostTag' documents");
   ASSERT_MENTIONS (error, "'Tag.postTags'");
   docrel_store_stats (p.store, &stats);
   ck_assert_uint_eq (stats.counts, 1);
   ck_assert_uint_eq (stats.finds + stats.inserts + stats.updates + stats.deletes, 0);
   ck_assert_int_eq (fixture_count_all (p.store, p.row), 3);
   ck_assert_int_eq (fixture_count_all (p.store, p.tag), 3);
   ck_assert (docrel_doc_is_saved (tag) && docrel_doc_is_saved (p.other_tag));
   ck_assert (docrel_doc_related (post, "postTags", &rows, &n) && n == 2);
   ck_assert (docrel_doc_is_saved (rows[0]) && docrel_doc_has (rows[0], "tagId"));
   pivot_close (&p);
}
END_TEST

START_TEST (restrict_yields_when_the_call_deletes_the_rows_itself)
{
   pivot_t p;
   docrel_doc_t *tag;
   bson_error_t error;

   pivot_open (&p, "restrict");
   tag = fixture_get (p.session, p.tag, 10, "{\"postTags\": true}");
   ASSERT_OK (docrel_delete_all (tag, NULL, &error), error);
   ck_assert_int_eq (fixture_count_all (p.store, p.row), 1);
   ck_assert_int_eq (fixture_count_all (p.store, p.tag), 2);
   ck_assert_int_eq (fixture_count_all (p.store, p.post), 2);
   pivot_close (&p);
}
END_TEST

START_TEST (set_null_is_refused_where_the_rows_require_the_key)
{
   pivot_t p;
   docrel_doc_t *tag;
   docrel_store_stats_t stats;
   bson_error_t error;

   /* PostTag.tag is required; Tag.postTags and PostTag.tag say setNull */
   pivot_open_with (&p, "setNull", "{\"required\": true}");
   tag = fixture_get (p.session, p.tag, 10, NULL);
   docrel_store_stats_reset (p.store);
   ck_assert_msg (!delete_tag (&p, (call_t) _i, tag, &error), "%s unset a required key", call_names[_i]);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_VALIDATION);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ASSERT_MENTIONS (error, "model 'Tag'");
   ASSERT_MENTIONS (error, "2 'PostTag' documents");
   ASSERT_MENTIONS (error, "'PostTag.tag' is required");
   docrel_store_stats (p.store, &stats);
   ck_assert_uint_eq (stats.counts, 1);
   ck_assert_uint_eq (stats.inserts + stats.updates + stats.deletes, 0);
   ck_assert_int_eq (fixture_count_where (p.store, p.row, "{\"tagId\": 10}"), 2);
   ck_assert_int_eq (fixture_count_all (p.store, p.tag), 3);
   ck_assert (docrel_doc_is_saved (tag));
   pivot_close (&p);
}
END_TEST

START_TEST (a_required_key_yields_when_its_rows_go_with_it)
{
   pivot_t p;
   docrel_doc_t *tag;
   docrel_store_stats_t stats;
   bson_error_t error;

   pivot_open_with (&p, "cascade", "{\"required\": true}");
   tag = fixture_get (p.session, p.tag, 10, NULL);
   docrel_store_stats_reset (p.store);
   ASSERT_OK (delete_tag (&p, (call_t) _i, tag, &error), error);
   /* the rows found, then counted (none left behind) and deleted */
   fixture_assert_commands (p.store, 1, 0, 0, 2);
   docrel_store_stats (p.store, &stats);
   ck_assert_uint_eq (stats.counts, 1);
   ck_assert_int_eq (fixture_count_all (p.store, p.row), 1);
   pivot_close (&p);
}
END_TEST

START_TEST (unlinking_rows_that_require_their_tag_is_refused)
{
   pivot_t p;
   docrel_doc_t *tag, *row, *loaded;
   docrel_doc_t *const *rows;
   size_t n = 0;
   bson_value_t id = fixture_int_key (100);
   bson_t *defer = fixture_json ("{\"defer\": true}");
   docrel_store_stats_t stats;
   bson_error_t error;

   pivot_open_with (&p, "setNull", "{\"required\": true}");
   tag = fixture_get (p.session, p.tag, 10, NULL);
   row = fixture_get (p.session, p.row, 100, NULL);
   docrel_store_stats_reset (p.store);
   /* outside a loaded slot these are range updates unsetting tagId */
   ck_assert (!docrel_unlink_all (tag, "postTags", NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ASSERT_MENTIONS (error, "relation 'postTags'");
   ASSERT_MENTIONS (error, "belongsTo 'PostTag.tag' is required");
   ck_assert (!docrel_unlink_key (tag, "postTags", &id, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ck_assert (!docrel_unlink (tag, "postTags", row, defer, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ck_assert (!docrel_set_links (tag, "postTags", &id, 1, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   docrel_store_stats (p.store, &stats);
   ck_assert_uint_eq (stats.commands, 0);
   ck_assert (!docrel_doc_is_dirty (tag) && !docrel_doc_is_dirty (row));
   ASSERT_OK (docrel_save_all (tag, NULL, NULL, NULL, &error), error); /* nothing was recorded */
   ck_assert_int_eq (fixture_count_where (p.store, p.row, "{\"tagId\": 10}"), 2);
   /* inside a loaded slot, onRemove setNull meets the row's validation */
   loaded = fixture_get (p.session, p.tag, 11, "{\"postTags\": true}");
   ck_assert (docrel_doc_related (loaded, "postTags", &rows, &n) && n == 1);
   ASSERT_OK (docrel_unlink (loaded, "postTags", rows[0], defer, &error), error);
   ck_assert (!docrel_save_all (loaded, NULL, NULL, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ck_assert_int_eq (fixture_count_where (p.store, p.row, "{\"tagId\": 11}"), 1);
   bson_destroy (defer);
   pivot_close (&p);
}
END_TEST

START_TEST (a_dry_run_lists_the_rows_a_tag_takes_with_it)
{
   pivot_t p;
   docrel_doc_t *tag;
   bson_t *dry = fixture_json ("{\"dryRun\": true}");
   bson_t plan;
   char *json;
   bson_error_t error;

   pivot_open (&p, "cascade");
   tag = fixture_get (p.session, p.tag, 10, NULL);
   ASSERT_OK (docrel_purge_with_opts (tag, dry, &plan, &error), error);
   json = bson_as_relaxed_extended_json (&plan, NULL);
   ck_assert_str_eq (json, "{ \"writes\" : [ "
                           "{ \"op\" : \"delete\", \"model\" : \"PostTag\", \"collection\" : \"PostTag\", "
                           "\"level\" : 1, \"count\" : 2, \"ids\" : [ 100, 102 ] }, "
                           "{ \"op\" : \"delete\", \"model\" : \"Tag\", \"collection\" : \"Tag\", \"level\" : 2, "
                           "\"count\" : 1, \"ids\" : [ 10 ] } ] }");
   ck_assert (docrel_doc_is_saved (tag));
   ck_assert_int_eq (fixture_count_all (p.store, p.row), 3);
   bson_free (json);
   bson_destroy (&plan);
   bson_destroy (dry);
   pivot_close (&p);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("join_model");
   TCase *tc = tcase_create ("save");

   tcase_add_test (tc, save_all_copies_both_keys_into_new_rows_and_stores_their_fields);
   tcase_add_test (tc, a_join_through_the_rows_reads_their_fields);
   tcase_add_test (tc, save_all_updates_a_row_field_and_moves_a_row_to_another_tag);
   tcase_add_test (tc, a_row_removed_from_its_post_is_deleted_and_its_tag_kept);
   tcase_add_test (tc, a_second_row_for_the_same_pair_is_refused_and_nothing_written);
   suite_add_tcase (s, tc);
   tc = tcase_create ("delete");
   tcase_add_loop_test (tc, deleting_a_tag_removes_its_rows_on_every_path, 0, N_CALLS);
   tcase_add_test (tc, deleting_a_post_removes_its_rows_and_never_a_tag);
   tcase_add_loop_test (tc, restrict_keeps_a_tag_while_rows_reference_it_on_every_path, 0, N_CALLS);
   tcase_add_test (tc, restrict_yields_when_the_call_deletes_the_rows_itself);
   tcase_add_loop_test (tc, set_null_is_refused_where_the_rows_require_the_key, 0, N_CALLS);
   tcase_add_loop_test (tc, a_required_key_yields_when_its_rows_go_with_it, 0, N_CALLS);
   tcase_add_test (tc, unlinking_rows_that_require_their_tag_is_refused);
   tcase_add_test (tc, a_dry_run_lists_the_rows_a_tag_takes_with_it);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
