/* SPDX-License-Identifier: Apache-2.0 */
/* check_graph_delete.c: docrel_delete, docrel_delete_all(_many) and
 * docrel_purge: dependents first, links removed (never their ends), loaded
 * references cleared, cascade cycles refused at declaration, and failures
 * that change nothing. The declared onDelete is the store's rule on every
 * delete call: restrict refuses the whole call unless the call deletes the
 * dependents itself, cascade deletes stored dependents level by level,
 * setNull unsets their keys in the store and in loaded documents, noAction
 * leaves them; the cost is bounded by relations and levels, never by
 * documents. Models use caller keys (ints) so tests can name documents. */
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author, *post, *comment, *tag, *link;
   docrel_doc_t *third; /* author 3 (blog_open_wide), loaded */
} blog_t;

/* Author hasMany posts (onDelete posts_rule), Post belongsTo author
 * (noAction), Post hasMany comments (cascade), Post hasAndBelongsToMany
 * tags (onDelete tags_rule). */
static void
blog_declare (blog_t *b, const char *posts_rule, const char *tags_rule)
{
   char opts[64];
   docrel_relation_t *r;

   memset (b, 0, sizeof *b);
   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   b->comment = fixture_keyed_model (b->store, "Comment");
   b->tag = fixture_keyed_model (b->store, "Tag");
   snprintf (opts, sizeof opts, "{\"onDelete\": \"%s\"}", posts_rule);
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", opts);
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id",
                    "{\"onDelete\": \"noAction\"}");
   fixture_declare (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId",
                    "{\"onDelete\": \"cascade\"}");
   snprintf (opts, sizeof opts, "{\"onDelete\": \"%s\"}", tags_rule);
   r = fixture_declare (docrel_model_has_and_belongs_to_many, b->post, b->tag, "tags", "_id", "_id", opts);
   b->link = docrel_relation_link_model (r);
}

/* Seeds author 1 with posts 10, 11; post 10 has comments 100, 101 and tags
 * 1000, 1001; author 2 has post 20, tagged 1000. */
static void
blog_seed (blog_t *b)
{
   static const char *const authors[] = {"{\"_id\": 1}", "{\"_id\": 2}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1}", "{\"_id\": 11, \"authorId\": 1}",
                                       "{\"_id\": 20, \"authorId\": 2}", NULL};
   static const char *const comments[] = {"{\"_id\": 100, \"postId\": 10}", "{\"_id\": 101, \"postId\": 10}", NULL};
   static const char *const tags[] = {"{\"_id\": 1000}", "{\"_id\": 1001}", NULL};
   static const char *const links[] = {"{\"Post__id\": 10, \"Tag__id\": 1000}", "{\"Post__id\": 10, \"Tag__id\": 1001}",
                                       "{\"Post__id\": 20, \"Tag__id\": 1000}", NULL};

   fixture_seed (b->store, b->author, authors);
   fixture_seed (b->store, b->post, posts);
   fixture_seed (b->store, b->comment, comments);
   fixture_seed (b->store, b->tag, tags);
   fixture_seed (b->store, b->link, links);
}

/* The blog of blog_seed, with Post.tags setNull. */
static void
blog_open (blog_t *b, const char *posts_on_delete)
{
   blog_declare (b, posts_on_delete, "setNull");
   blog_seed (b);
   b->session = docrel_session_new (b->store);
}

/* The blog of blog_seed, plus author 3 (no posts, loaded as third) and
 * comment 110 on post 11. */
static void
blog_open_wide (blog_t *b, const char *posts_rule, const char *tags_rule)
{
   static const char *const authors[] = {"{\"_id\": 3}", NULL};
   static const char *const comments[] = {"{\"_id\": 110, \"postId\": 11}", NULL};

   blog_declare (b, posts_rule, tags_rule);
   blog_seed (b);
   fixture_seed (b->store, b->author, authors);
   fixture_seed (b->store, b->comment, comments);
   b->session = docrel_session_new (b->store);
   b->third = fixture_get (b->session, b->author, 3, NULL);
}

static void
blog_close (blog_t *b)
{
   docrel_session_destroy (b->session);
   fixture_store_close (b->store);
}

START_TEST (delete_all_removes_the_tree_dependents_first)
{
   blog_t b;
   docrel_doc_t *author, *post;
   docrel_store_stats_t stats;
   bson_t *tree;
   bson_error_t error;

   blog_open (&b, "setNull");
   author = fixture_get (b.session, b.author, 1, "{\"posts\": {\"comments\": true, \"tags\": true}}");
   post = docrel_doc_related_one (author, "posts");
   tree = fixture_json ("{\"posts\": {\"comments\": true, \"tags\": true}}");
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_delete_all (author, tree, &error), error);
   docrel_store_stats (b.store, &stats);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 0); /* in the tree: deleted */
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 0);
   ck_assert (!docrel_doc_is_saved (author) && !docrel_doc_is_saved (post));
   ck_assert_uint_eq (stats.finds, 1); /* Post.comments is cascade: unloaded comments */
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

START_TEST (delete_keeps_the_loaded_graph_consistent)
{
   blog_t b;
   docrel_doc_t *author, *post;
   docrel_doc_t *const *posts;
   size_t n;
   bson_error_t error;

   blog_open (&b, "setNull");
   author = fixture_get (b.session, b.author, 1, "{\"posts\": {\"$sort\": {\"_id\": 1}}}");
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 2);
   post = posts[0];
   ASSERT_OK (docrel_delete (post, &error), error);
   /* its parent's slot no longer holds it; its links are gone, not its tags */
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.link, "{\"Post__id\": 10}"), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 0); /* Post.comments is cascade */
   /* deleting the author clears the key of its loaded post */
   ASSERT_OK (docrel_delete (author, &error), error);
   ck_assert (!docrel_doc_has (posts[0], "authorId"));
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"_id\": 11, \"authorId\": null}"), 1);
   /* an unsaved document cannot be deleted */
   ck_assert (!docrel_delete (author, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_NOT_SAVED);
   blog_close (&b);
}
END_TEST

START_TEST (purge_sets_keys_to_null_by_default_loaded_or_not)
{
   blog_t b;
   docrel_doc_t *author, *loaded_post;
   bson_error_t error;

   blog_open (&b, "setNull");
   author = fixture_get (b.session, b.author, 1, NULL);
   loaded_post = fixture_get (b.session, b.post, 11, NULL);
   ASSERT_OK (docrel_purge (author, &error), error);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": null}"), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 3);
   ck_assert (!docrel_doc_has (loaded_post, "authorId"));
   ck_assert (!docrel_doc_is_saved (author));
   blog_close (&b);
}
END_TEST

START_TEST (purge_cascades_through_the_schema)
{
   /* Amplify: deleting a publication deletes its articles; deleting a post
    * deletes its PostTag rows, never the tags. */
   blog_t b;
   docrel_doc_t *author;
   bson_error_t error;

   blog_open (&b, "cascade");
   author = fixture_get (b.session, b.author, 1, NULL);
   ASSERT_OK (docrel_purge (author, &error), error);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 1);    /* 20 stays */
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 0); /* 10's comments */
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 1);    /* 20's link */
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 2);
   blog_close (&b);
}
END_TEST

START_TEST (purge_restrict_refuses_and_changes_nothing)
{
   blog_t b;
   docrel_doc_t *author;
   docrel_store_stats_t stats;
   bson_error_t error;

   blog_open (&b, "restrict");
   author = fixture_get (b.session, b.author, 1, NULL);
   docrel_store_stats_reset (b.store);
   ck_assert (!docrel_purge (author, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_RESTRICTED);
   ASSERT_MENTIONS (error, "Author");
   ASSERT_MENTIONS (error, "Post");
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.inserts + stats.updates + stats.deletes, 0);
   ck_assert (docrel_doc_is_saved (author));
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 2);
   blog_close (&b);
}
END_TEST

START_TEST (purge_no_action_leaves_references)
{
   blog_t b;
   docrel_doc_t *author;
   bson_error_t error;

   blog_open (&b, "noAction");
   author = fixture_get (b.session, b.author, 2, NULL);
   ASSERT_OK (docrel_purge (author, &error), error);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": 2}"), 1);
   blog_close (&b);
}
END_TEST

START_TEST (deleting_a_link_document_never_deletes_an_end)
{
   blog_t b;
   docrel_doc_t *link = NULL;
   docrel_doc_t **found = NULL;
   size_t n = 0;
   bson_t *filter = fixture_json ("{\"Post__id\": 20}");
   bson_error_t error;

   blog_open (&b, "cascade");
   ASSERT_OK (docrel_find_all (b.session, b.link, filter, NULL, &found, &n, &error), error);
   ck_assert_uint_eq (n, 1);
   link = found[0];
   ASSERT_OK (docrel_purge (link, &error), error);
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 3);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 2);
   bson_free (found);
   bson_destroy (filter);
   blog_close (&b);
}
END_TEST

START_TEST (a_cascade_cycle_is_refused_at_declaration)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *a = fixture_keyed_model (store, "A");
   docrel_model_t *b = fixture_keyed_model (store, "B");
   bson_t *cascade = fixture_json ("{\"onDelete\": \"cascade\"}");
   bson_error_t error;

   fixture_declare (docrel_model_has_many, a, b, "bs", "_id", "aId", "{\"onDelete\": \"cascade\"}");
   ck_assert (!docrel_model_has_many (b, a, "as", "_id", "bId", cascade, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_CASCADE_CYCLE);
   ASSERT_MENTIONS (error, "cycle");
   ck_assert (!docrel_model_has_many (a, a, "children", "_id", "parentId", cascade, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_CASCADE_CYCLE);
   /* an edge that is not cascade breaks the cycle */
   fixture_declare (docrel_model_has_many, b, a, "as", "_id", "bId", "{\"onDelete\": \"setNull\"}");
   bson_destroy (cascade);
   fixture_store_close (store);
}
END_TEST

START_TEST (purge_follows_a_self_relation)
{
   /* Thinky's self-relation: purging a person clears the emergency contact
    * of everyone who named them. */
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person = fixture_keyed_model (store, "Person");
   static const char *const people[] = {"{\"_id\": 1}", "{\"_id\": 2, \"contactId\": 1}",
                                        "{\"_id\": 3, \"contactId\": 1}", NULL};
   docrel_session_t *session;
   bson_error_t error;

   fixture_declare (docrel_model_belongs_to, person, person, "contact", "contactId", "_id", NULL);
   fixture_seed (store, person, people);
   session = docrel_session_new (store);
   ASSERT_OK (docrel_purge (fixture_get (session, person, 1, NULL), &error), error);
   ck_assert_int_eq (fixture_count_all (store, person), 2);
   ck_assert_int_eq (fixture_count_where (store, person, "{\"contactId\": null}"), 2);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (delete_all_many_deletes_every_root_in_one_batch)
{
   blog_t b;
   docrel_doc_t *roots[2];
   docrel_store_stats_t stats;
   bson_t *tree = fixture_json ("{\"posts\": {\"comments\": true}}");
   bson_error_t error;

   blog_open (&b, "setNull");
   roots[0] = fixture_get (b.session, b.author, 1, "{\"posts\": {\"comments\": true}}");
   roots[1] = fixture_get (b.session, b.author, 2, "{\"posts\": {\"comments\": true}}");
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_delete_all_many (roots, 2, tree, &error), error);
   docrel_store_stats (b.store, &stats);
   /* links of the posts, then comments, posts, authors: one delete each */
   ck_assert_uint_eq (stats.deletes, 4);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 0);
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

/* ---- onDelete on every delete call ----------------------------------- */

/* The four delete calls, each deleting author 1 alone (delete_all with an
 * empty tree), except delete_all_many, which deletes authors 1 and 3 (3
 * has no posts). */
typedef enum { CALL_DELETE, CALL_DELETE_ALL, CALL_DELETE_ALL_MANY, CALL_PURGE, N_CALLS } call_t;

static const char *const call_names[] = {"docrel_delete", "docrel_delete_all", "docrel_delete_all_many",
                                         "docrel_purge"};

/* The number of authors call deletes. */
static int
n_roots (call_t call)
{
   return call == CALL_DELETE_ALL_MANY ? 2 : 1;
}

static bool
delete_author (blog_t *b, call_t call, docrel_doc_t *author, bson_error_t *error)
{
   bson_t none = BSON_INITIALIZER;
   docrel_doc_t *roots[2];
   bool ok = false;

   switch (call) {
   case CALL_DELETE:
      ok = docrel_delete (author, error);
      break;
   case CALL_DELETE_ALL:
      ok = docrel_delete_all (author, &none, error);
      break;
   case CALL_DELETE_ALL_MANY:
      roots[0] = author;
      roots[1] = b->third;
      ok = docrel_delete_all_many (roots, 2, &none, error);
      break;
   case CALL_PURGE:
   case N_CALLS:
   default:
      ok = docrel_purge (author, error);
      break;
   }
   bson_destroy (&none);
   return ok;
}

/* Asserts the commands of the last call. */
static void
assert_commands (docrel_store_t *store, uint64_t finds, uint64_t counts, uint64_t updates, uint64_t deletes)
{
   docrel_store_stats_t stats;

   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (stats.finds, finds);
   ck_assert_uint_eq (stats.counts, counts);
   ck_assert_uint_eq (stats.updates, updates);
   ck_assert_uint_eq (stats.deletes, deletes);
   ck_assert_uint_eq (stats.inserts, 0);
}

static void
assert_counts (blog_t *b, int64_t authors, int64_t posts, int64_t comments, int64_t links)
{
   ck_assert_int_eq (fixture_count_all (b->store, b->author), authors);
   ck_assert_int_eq (fixture_count_all (b->store, b->post), posts);
   ck_assert_int_eq (fixture_count_all (b->store, b->comment), comments);
   ck_assert_int_eq (fixture_count_all (b->store, b->link), links);
   ck_assert_int_eq (fixture_count_all (b->store, b->tag), 2);
}

/* ---- each call, each onDelete --------------------------------------- */

START_TEST (restrict_refuses_the_whole_call_and_changes_nothing)
{
   blog_t b;
   docrel_doc_t *author;
   docrel_doc_t *const *posts;
   size_t n = 0;
   bson_error_t error;

   blog_open_wide (&b, "restrict", "setNull");
   author = fixture_get (b.session, b.author, 1, "{\"posts\": true}");
   docrel_store_stats_reset (b.store);
   ck_assert_msg (!delete_author (&b, (call_t) _i, author, &error), "%s deleted", call_names[_i]);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_RESTRICTED);
   ASSERT_MENTIONS (error, "model 'Author'");
   ASSERT_MENTIONS (error, "2 'Post' documents");
   ASSERT_MENTIONS (error, "'Author.posts'");
   ASSERT_MENTIONS (error, "restrict");
   assert_commands (b.store, 0, 1, 0, 0); /* one count, nothing written */
   assert_counts (&b, 3, 3, 3, 3);
   ck_assert (docrel_doc_is_saved (author));
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 2);
   ck_assert (docrel_doc_is_saved (posts[0]) && docrel_doc_has (posts[0], "authorId"));
   ck_assert (docrel_doc_is_saved (b.third));
   blog_close (&b);
}
END_TEST

/* Opens the wide blog with Author.posts under rule, loads author 1 and
 * post 11 (post 10 stays unloaded) and deletes author 1 through call, with
 * the store's counters reset before. */
static void
delete_through (blog_t *b, const char *rule, call_t call, docrel_doc_t **author, docrel_doc_t **post)
{
   bson_error_t error;

   blog_open_wide (b, rule, "setNull");
   *author = fixture_get (b->session, b->author, 1, NULL);
   *post = fixture_get (b->session, b->post, 11, NULL);
   docrel_store_stats_reset (b->store);
   ASSERT_OK (delete_author (b, call, *author, &error), error);
}

START_TEST (cascade_deletes_unloaded_dependents_two_levels_deep)
{
   blog_t b;
   docrel_doc_t *author, *post;

   delete_through (&b, "cascade", (call_t) _i, &author, &post);
   /* a find per cascade level (posts, comments); the links of the posts,
    * the comments, the posts and the authors: one delete each */
   assert_commands (b.store, 2, 0, 0, 4);
   assert_counts (&b, 3 - n_roots ((call_t) _i), 1, 0, 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"_id\": 20}"), 1);
   ck_assert (!docrel_doc_is_saved (author) && !docrel_doc_is_saved (post));
   blog_close (&b);
}
END_TEST

START_TEST (set_null_unsets_keys_in_the_store_and_in_loaded_documents)
{
   blog_t b;
   docrel_doc_t *author, *post;

   delete_through (&b, "setNull", (call_t) _i, &author, &post);
   assert_commands (b.store, 0, 0, 1, 1);
   assert_counts (&b, 3 - n_roots ((call_t) _i), 3, 3, 3);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": {\"$exists\": true}}"), 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": 2}"), 1);
   ck_assert (!docrel_doc_has (post, "authorId"));
   ck_assert (docrel_doc_is_saved (post) && !docrel_doc_is_dirty (post));
   ck_assert (!docrel_doc_is_saved (author));
   blog_close (&b);
}
END_TEST

START_TEST (no_action_leaves_dependents_untouched)
{
   blog_t b;
   docrel_doc_t *author, *post;

   delete_through (&b, "noAction", (call_t) _i, &author, &post);
   assert_commands (b.store, 0, 0, 0, 1);
   assert_counts (&b, 3 - n_roots ((call_t) _i), 3, 3, 3);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": 1}"), 2);
   ck_assert (docrel_doc_has (post, "authorId") && docrel_doc_is_saved (post));
   ck_assert (!docrel_doc_is_saved (author));
   blog_close (&b);
}
END_TEST

/* ---- restrict within one call ---------------------------------------- */

START_TEST (restrict_is_satisfied_when_the_call_deletes_the_dependents)
{
   blog_t b;
   docrel_doc_t *author;
   bson_t *tree = fixture_json ("{\"posts\": true}");
   bson_error_t error;

   blog_open_wide (&b, "restrict", "setNull");
   author = fixture_get (b.session, b.author, 1, "{\"posts\": true}");
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_delete_all (author, tree, &error), error);
   /* the comments' cascade find, the restrict count; links, comments,
    * posts, author */
   assert_commands (b.store, 1, 1, 0, 4);
   assert_counts (&b, 2, 1, 0, 1);
   ck_assert (!docrel_doc_is_saved (author));
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

/* The started commands of a call, in order, by name. */
typedef struct {
   char names[64][24];
   size_t n;
} command_log_t;

static void
log_started (const docrel_trace_event_t *event, void *user_data)
{
   command_log_t *log = user_data;

   if (log->n < 64) {
      snprintf (log->names[log->n++], sizeof log->names[0], "%s", docrel_trace_event_command_name (event));
   }
}

static size_t
first_position (const command_log_t *log, const char *name)
{
   size_t i;

   for (i = 0; i < log->n && strcmp (log->names[i], name) != 0; i++) {
   }
   return i;
}

/* The cascade find and the restrict count decide what the call deletes:
 * they run inside its transaction, so no dependent can be added between
 * the check and the delete. (A standalone MongoDB has no transaction.) */
START_TEST (removal_reads_run_inside_the_transaction)
{
   docrel_trace_callbacks_t callbacks = {log_started, NULL, NULL};
   command_log_t log = {0};
   blog_t b;
   docrel_doc_t *author;
   bson_t *tree = fixture_json ("{\"posts\": true}");
   bson_error_t error;
   size_t begin;

   blog_open_wide (&b, "restrict", "setNull");
   author = fixture_get (b.session, b.author, 1, "{\"posts\": true}");
   ASSERT_OK (docrel_store_set_trace (b.store, &callbacks, &log, &error), error);
   ASSERT_OK (docrel_delete_all (author, tree, &error), error);
   ASSERT_OK (docrel_store_set_trace (b.store, NULL, NULL, &error), error);
   begin = first_position (&log, "startTransaction");
   ck_assert_msg (begin < log.n, "no transaction was traced");
   ck_assert_uint_lt (begin, first_position (&log, "find"));
   ck_assert_uint_lt (begin, first_position (&log, "count"));
   ck_assert_uint_lt (first_position (&log, "count"), first_position (&log, "commitTransaction"));
   ck_assert_uint_lt (first_position (&log, "commitTransaction"), log.n);
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

START_TEST (restrict_counts_only_the_dependents_the_call_leaves)
{
   blog_t b;
   docrel_doc_t *author;
   docrel_doc_t *const *posts;
   size_t n = 0;
   bson_t *tree = fixture_json ("{\"posts\": true}");
   bson_error_t error;

   blog_open_wide (&b, "restrict", "setNull");
   author = fixture_get (b.session, b.author, 1, "{\"posts\": {\"$filter\": {\"_id\": 10}}}");
   ck_assert (!docrel_delete_all (author, tree, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_RESTRICTED);
   ASSERT_MENTIONS (error, "1 'Post' document that this call does not delete references it");
   assert_counts (&b, 3, 3, 3, 3);
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 1);
   ck_assert (docrel_doc_is_saved (author) && docrel_doc_is_saved (posts[0]));
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

START_TEST (restrict_on_links_counts_links_to_ends_the_call_leaves)
{
   blog_t b;
   docrel_doc_t *posts[2];
   bson_t *tree = fixture_json ("{\"tags\": true}");
   bson_error_t error;

   blog_open_wide (&b, "setNull", "restrict");
   posts[0] = fixture_get (b.session, b.post, 10, "{\"tags\": true}");
   posts[1] = fixture_get (b.session, b.post, 20, "{\"tags\": true}");
   ck_assert (!docrel_purge (posts[0], &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_RESTRICTED);
   ASSERT_MENTIONS (error, "2 links in 'Post_Tag'");
   ASSERT_MENTIONS (error, "'Post.tags'");
   /* tag 1000 is also linked to post 20, which this call leaves */
   ck_assert (!docrel_delete_all (posts[0], tree, &error));
   ASSERT_MENTIONS (error, "model 'Tag'");
   ASSERT_MENTIONS (error, "1 link in 'Post_Tag'");
   assert_counts (&b, 3, 3, 3, 3);
   /* deleting both posts with their tags leaves no link behind */
   ASSERT_OK (docrel_delete_all_many (posts, 2, tree, &error), error);
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 1); /* 10's went by cascade */
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

/* ---- cost ------------------------------------------------------------ */

/* Saves n new documents in one call, the i-th from format with i and
 * i / per as arguments. */
static void
save_numbered (blog_t *b, docrel_model_t *model, const char *format, int n, int per)
{
   docrel_session_t *session = docrel_session_new (b->store);
   docrel_doc_t **docs = bson_malloc ((size_t) n * sizeof *docs);
   bson_error_t error;
   char json[128];
   int i;

   for (i = 0; i < n; i++) {
      snprintf (json, sizeof json, format, i, i / per);
      docs[i] = fixture_new_doc (session, model, json);
   }
   ASSERT_OK (docrel_save_all_many (docs, (size_t) n, NULL, NULL, NULL, &error), error);
   bson_free (docs);
   docrel_session_destroy (session);
}

/* Deletes the loaded authors matching filter_json with their posts and
 * comments (delete_all_many), into *stats. */
static void
delete_authors (blog_t *b, const char *filter_json, size_t expected, docrel_store_stats_t *stats)
{
   bson_t *filter = fixture_json (filter_json);
   bson_t *opts = fixture_json ("{\"join\": {\"posts\": {\"comments\": true}}}");
   bson_t *tree = fixture_json ("{\"posts\": {\"comments\": true}}");
   docrel_session_t *session = docrel_session_new (b->store);
   docrel_doc_t **docs = NULL;
   size_t n = 0;
   bson_error_t error;

   ASSERT_OK (docrel_find_all (session, b->author, filter, opts, &docs, &n, &error), error);
   ck_assert_uint_eq (n, expected);
   docrel_store_stats_reset (b->store);
   ASSERT_OK (docrel_delete_all_many (docs, n, tree, &error), error);
   docrel_store_stats (b->store, stats);
   bson_free (docs);
   docrel_session_destroy (session);
   bson_destroy (filter);
   bson_destroy (opts);
   bson_destroy (tree);
}

START_TEST (deleting_100_authors_costs_the_commands_of_1)
{
   static const char *const rules[] = {"restrict", "cascade", "setNull", "noAction"};
   /* finds, counts, updates, deletes per rule of Author.posts */
   static const uint64_t expected[][4] = {{1, 1, 0, 4}, {2, 0, 0, 4}, {1, 0, 1, 4}, {1, 0, 0, 4}};
   docrel_store_stats_t one, hundred;
   blog_t b;

   blog_declare (&b, rules[_i], "setNull");
   /* 101 authors, 2 posts each (author = post / 2), a comment and a tag
    * link per post */
   save_numbered (&b, b.author, "{\"_id\": %d}", 101, 1);
   save_numbered (&b, b.post, "{\"_id\": %d, \"authorId\": %d}", 202, 2);
   save_numbered (&b, b.comment, "{\"_id\": %d, \"postId\": %d}", 202, 1);
   save_numbered (&b, b.tag, "{\"_id\": %d}", 1, 1);
   save_numbered (&b, b.link, "{\"Post__id\": %d, \"Tag__id\": 0}", 202, 1);
   b.session = docrel_session_new (b.store);
   delete_authors (&b, "{\"_id\": 0}", 1, &one);
   delete_authors (&b, "{\"_id\": {\"$gte\": 1}}", 100, &hundred);
   ck_assert_uint_eq (one.finds, expected[_i][0]);
   ck_assert_uint_eq (one.counts, expected[_i][1]);
   ck_assert_uint_eq (one.updates, expected[_i][2]);
   ck_assert_uint_eq (one.deletes, expected[_i][3]);
   ck_assert_uint_eq (hundred.commands, one.commands);
   ck_assert_uint_eq (hundred.finds, one.finds);
   ck_assert_uint_eq (hundred.counts, one.counts);
   ck_assert_uint_eq (hundred.updates, one.updates);
   ck_assert_uint_eq (hundred.deletes, one.deletes);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 0);
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 0);
   blog_close (&b);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("graph_delete");
   TCase *tc = tcase_create ("delete");

   tcase_add_test (tc, delete_all_removes_the_tree_dependents_first);
   tcase_add_test (tc, delete_keeps_the_loaded_graph_consistent);
   tcase_add_test (tc, purge_sets_keys_to_null_by_default_loaded_or_not);
   tcase_add_test (tc, purge_cascades_through_the_schema);
   tcase_add_test (tc, purge_restrict_refuses_and_changes_nothing);
   tcase_add_test (tc, purge_no_action_leaves_references);
   tcase_add_test (tc, deleting_a_link_document_never_deletes_an_end);
   tcase_add_test (tc, a_cascade_cycle_is_refused_at_declaration);
   tcase_add_test (tc, purge_follows_a_self_relation);
   tcase_add_test (tc, delete_all_many_deletes_every_root_in_one_batch);
   suite_add_tcase (s, tc);
   tc = tcase_create ("on_delete");
   tcase_add_loop_test (tc, restrict_refuses_the_whole_call_and_changes_nothing, 0, N_CALLS);
   tcase_add_loop_test (tc, cascade_deletes_unloaded_dependents_two_levels_deep, 0, N_CALLS);
   tcase_add_loop_test (tc, set_null_unsets_keys_in_the_store_and_in_loaded_documents, 0, N_CALLS);
   tcase_add_loop_test (tc, no_action_leaves_dependents_untouched, 0, N_CALLS);
   tcase_add_test (tc, restrict_is_satisfied_when_the_call_deletes_the_dependents);
   tcase_add_test (tc, restrict_counts_only_the_dependents_the_call_leaves);
   tcase_add_test (tc, removal_reads_run_inside_the_transaction);
   tcase_add_test (tc, restrict_on_links_counts_links_to_ends_the_call_leaves);
   tcase_add_loop_test (tc, deleting_100_authors_costs_the_commands_of_1, 0, 4);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
