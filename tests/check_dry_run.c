/* SPDX-License-Identifier: Apache-2.0 */
/* check_dry_run.c: a plan for every graph write. {"dryRun": true} on
 * save_all, the delete calls (docrel_delete_with_opts, _delete_all_with_opts,
 * _delete_all_many_with_opts, _purge_with_opts) and the link calls
 * (docrel_link_with_opts ... _set_links_with_opts) returns the steps and
 * writes nothing: no insert, update or delete reaches the store, and memory
 * (saved flags, keys, fields, slots) is as it was. The real run afterwards
 * writes what the plan said, and its plan out-parameter is the same plan.
 * A dry run reads what decides the plan, so it fails as the real run does.
 * Models use caller keys (ints) so tests can name documents. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* ---- seeing plans, memory and the store ------------------------------ */

/* Appends printf-style text to the string out of size bytes. */
static void add (char *out, size_t size, const char *format, ...) BSON_GNUC_PRINTF (3, 4);

static void
add (char *out, size_t size, const char *format, ...)
{
   size_t len = strlen (out);
   va_list args;

   va_start (args, format);
   vsnprintf (out + len, size - len, format, args);
   va_end (args);
}

static int
compare_ints (const void *a, const void *b)
{
   int32_t x = *(const int32_t *) a, y = *(const int32_t *) b;
   return (x > y) - (x < y);
}

/* Appends " xN {ids...}" (ids sorted) for the ids of a write, checking its
 * count. */
static void
render_ids (bson_iter_t *ids, int64_t count, char *out, size_t size)
{
   int32_t values[64];
   size_t n = 0, i;

   while (bson_iter_next (ids) && n < 64) {
      ck_assert (BSON_ITER_HOLDS_INT32 (ids));
      values[n++] = bson_iter_int32 (ids);
   }
   ck_assert_int_eq (count, (int64_t) n);
   qsort (values, n, sizeof values[0], compare_ints);
   add (out, size, " x%zu {", n);
   for (i = 0; i < n; i++) {
      add (out, size, "%s%d", i ? "," : "", values[i]);
   }
   add (out, size, "}");
}

/* One write as "op Model@level", then what it names: " xN {ids}", " xN"
 * for links, " -key" per key an "updateWhere" unsets, " +key" per key it
 * sets. */
static void
render_write (bson_iter_t *w, char *out, size_t size)
{
   const char *op = "?", *model = "?";
   int32_t level = -1;
   int64_t count = -1;
   bson_iter_t ids, update, paths;
   bool has_ids = false, has_links = false, has_update = false;

   while (bson_iter_next (w)) {
      const char *key = bson_iter_key (w);
      if (strcmp (key, "op") == 0) {
         op = bson_iter_utf8 (w, NULL);
      } else if (strcmp (key, "model") == 0) {
         model = bson_iter_utf8 (w, NULL);
      } else if (strcmp (key, "level") == 0) {
         level = bson_iter_int32 (w);
      } else if (strcmp (key, "count") == 0) {
         count = bson_iter_int64 (w);
      } else if (strcmp (key, "ids") == 0) {
         has_ids = bson_iter_recurse (w, &ids);
      } else if (strcmp (key, "links") == 0) {
         has_links = true;
      } else if (strcmp (key, "update") == 0) {
         has_update = bson_iter_recurse (w, &update);
      }
   }
   add (out, size, "%s%s %s@%d", out[0] ? ", " : "", op, model, level);
   if (has_ids) {
      render_ids (&ids, count, out, size);
   } else if (has_links) {
      add (out, size, " x%lld", (long long) count);
   }
   while (has_update && bson_iter_next (&update)) {
      bool unset = strcmp (bson_iter_key (&update), "$unset") == 0;
      ck_assert (bson_iter_recurse (&update, &paths));
      while (bson_iter_next (&paths)) {
         add (out, size, " %c%s", unset ? '-' : '+', bson_iter_key (&paths));
      }
   }
}

/* The plan as one line, its writes joined by ", " ("" for none). */
static const char *
render (const bson_t *plan)
{
   static char out[1024];
   bson_iter_t iter, writes, w;

   out[0] = '\0';
   ck_assert_msg (bson_iter_init_find (&iter, plan, "writes") && bson_iter_recurse (&iter, &writes),
                  "a plan without \"writes\"");
   while (bson_iter_next (&writes)) {
      ck_assert (bson_iter_recurse (&writes, &w));
      render_write (&w, out, sizeof out);
   }
   return out;
}

/* Relation fields of the suites' models; the ones a model lacks are
 * skipped. */
static const char *const fields[] = {"posts", "author", "comments", "tags", "profile", "roles", "user", NULL};

/* What a user sees of docs in memory: saved, dirty, in doubt, the fields
 * with the loaded slots, and which documents each slot holds. The caller
 * frees it with bson_free. */
static char *
snapshot (docrel_doc_t *const *docs, size_t n)
{
   char out[8192] = "";
   size_t i, f, k;

   for (i = 0; i < n; i++) {
      char *json = docrel_doc_to_json (docs[i], true);
      add (out, sizeof out, "[%d%d%d %s", docrel_doc_is_saved (docs[i]), docrel_doc_is_dirty (docs[i]),
           docrel_doc_is_in_doubt (docs[i]), json);
      bson_free (json);
      for (f = 0; fields[f]; f++) {
         docrel_doc_t *const *held;
         size_t n_held = 0;
         if (docrel_model_relation (docrel_doc_model (docs[i]), fields[f])) {
            add (out, sizeof out, " %s:%d", fields[f], docrel_doc_related (docs[i], fields[f], &held, &n_held));
         }
         for (k = 0; k < n_held; k++) {
            add (out, sizeof out, ",%p", (void *) held[k]);
         }
      }
      add (out, sizeof out, "]");
   }
   ck_assert_uint_lt (strlen (out), sizeof out - 1);
   return bson_strdup (out);
}

/* Asserts that the last call sent no write. */
static void
assert_no_write (docrel_store_t *store, docrel_store_stats_t *stats)
{
   docrel_store_stats (store, stats);
   ck_assert_uint_eq (stats->inserts, 0);
   ck_assert_uint_eq (stats->updates, 0);
   ck_assert_uint_eq (stats->deletes, 0);
   ck_assert_uint_eq (stats->documents_written, 0);
}

/* Asserts that the real run's plan is the dry run's, and that it sent one
 * command per write of the plan (inserts and links, updates and
 * updateWheres, deletes and unlinks). */
static void
assert_same_plan (docrel_store_t *store, const bson_t *dry, const bson_t *real)
{
   char *a = bson_as_relaxed_extended_json (dry, NULL), *b = bson_as_relaxed_extended_json (real, NULL);
   docrel_store_stats_t stats;
   bson_iter_t iter, writes, w;
   uint64_t inserts = 0, updates = 0, deletes = 0;

   ck_assert_str_eq (a, b);
   ck_assert (bson_iter_init_find (&iter, real, "writes") && bson_iter_recurse (&iter, &writes));
   while (bson_iter_next (&writes)) {
      const char *op;
      ck_assert (bson_iter_recurse (&writes, &w) && bson_iter_find (&w, "op"));
      op = bson_iter_utf8 (&w, NULL);
      inserts += strcmp (op, "insert") == 0 || strcmp (op, "link") == 0;
      updates += strncmp (op, "update", 6) == 0;
      deletes += strcmp (op, "delete") == 0 || strcmp (op, "unlink") == 0;
   }
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (stats.inserts, inserts);
   ck_assert_uint_eq (stats.updates, updates);
   ck_assert_uint_eq (stats.deletes, deletes);
   bson_free (a);
   bson_free (b);
}

/* Asserts that plan has no writes, and destroys it. */
static void
assert_no_writes_planned (bson_t *plan)
{
   ck_assert_str_eq (render (plan), "");
   bson_destroy (plan);
}

/* ---- the blog: deletes ---------------------------------------------- */

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author, *post, *comment, *tag, *link;
   docrel_doc_t *first, *third, *post11; /* authors 1 and 3, post 11 */
} blog_t;

/* Author hasMany posts (onDelete rule), Post belongsTo author (noAction),
 * Post hasMany comments (cascade), Post hasAndBelongsToMany tags. Authors
 * 1, 2, 3; posts 10, 11 (of 1) and 20 (of 2); comments 100, 101 (on 10)
 * and 110 (on 11); tags 1000, 1001; links 10-1000, 10-1001, 20-1000.
 * Loads author 1 (joined along tree_json), author 3 and post 11. */
static void
blog_open (blog_t *b, const char *rule, const char *tree_json)
{
   static const char *const authors[] = {"{\"_id\": 1}", "{\"_id\": 2}", "{\"_id\": 3}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1}", "{\"_id\": 11, \"authorId\": 1}",
                                       "{\"_id\": 20, \"authorId\": 2}", NULL};
   static const char *const comments[] = {"{\"_id\": 100, \"postId\": 10}", "{\"_id\": 101, \"postId\": 10}",
                                          "{\"_id\": 110, \"postId\": 11}", NULL};
   static const char *const tags[] = {"{\"_id\": 1000}", "{\"_id\": 1001}", NULL};
   static const char *const links[] = {"{\"Post__id\": 10, \"Tag__id\": 1000}", "{\"Post__id\": 10, \"Tag__id\": 1001}",
                                       "{\"Post__id\": 20, \"Tag__id\": 1000}", NULL};
   char opts[64];
   docrel_relation_t *r;

   memset (b, 0, sizeof *b);
   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   b->comment = fixture_keyed_model (b->store, "Comment");
   b->tag = fixture_keyed_model (b->store, "Tag");
   snprintf (opts, sizeof opts, "{\"onDelete\": \"%s\"}", rule);
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", opts);
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id",
                    "{\"onDelete\": \"noAction\"}");
   fixture_declare (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId",
                    "{\"onDelete\": \"cascade\"}");
   r = fixture_declare (docrel_model_has_and_belongs_to_many, b->post, b->tag, "tags", "_id", "_id", NULL);
   b->link = docrel_relation_link_model (r);
   fixture_seed (b->store, b->author, authors);
   fixture_seed (b->store, b->post, posts);
   fixture_seed (b->store, b->comment, comments);
   fixture_seed (b->store, b->tag, tags);
   fixture_seed (b->store, b->link, links);
   b->session = docrel_session_new (b->store);
   b->first = fixture_get (b->session, b->author, 1, tree_json);
   b->third = fixture_get (b->session, b->author, 3, NULL);
   b->post11 = fixture_get (b->session, b->post, 11, NULL); /* the joined one, if joined */
}

static void
blog_close (blog_t *b)
{
   docrel_session_destroy (b->session);
   fixture_store_close (b->store);
}

/* The documents of the store, model by model: "authors/posts/comments/
 * tags/links" (the caller frees it with bson_free). */
static char *
blog_counts (blog_t *b)
{
   return bson_strdup_printf ("%lld/%lld/%lld/%lld/%lld", (long long) fixture_count_all (b->store, b->author),
                              (long long) fixture_count_all (b->store, b->post),
                              (long long) fixture_count_all (b->store, b->comment),
                              (long long) fixture_count_all (b->store, b->tag),
                              (long long) fixture_count_all (b->store, b->link));
}

/* The loaded documents of the blog, for snapshot. */
static size_t
blog_docs (blog_t *b, docrel_doc_t **docs)
{
   docrel_doc_t *const *posts;
   size_t n = 0, n_posts = 0, i;

   docs[n++] = b->first;
   docs[n++] = b->third;
   docs[n++] = b->post11;
   if (docrel_doc_related (b->first, "posts", &posts, &n_posts)) {
      for (i = 0; i < n_posts && n < 8; i++) {
         docs[n++] = posts[i];
      }
   }
   return n;
}

typedef enum { CALL_DELETE, CALL_DELETE_ALL, CALL_DELETE_ALL_MANY, CALL_PURGE, N_CALLS } call_t;

static const char *const call_names[] = {"docrel_delete_with_opts", "docrel_delete_all_with_opts",
                                         "docrel_delete_all_many_with_opts", "docrel_purge_with_opts"};

/* Deletes author 1 alone through call (delete_all_many: with author 3). */
static bool
delete_first (blog_t *b, call_t call, const bson_t *opts, bson_t *plan, bson_error_t *error)
{
   bson_t none = BSON_INITIALIZER; /* the roots alone (empty: nothing to free) */
   docrel_doc_t *roots[2] = {b->first, b->third};

   switch (call) {
   case CALL_DELETE:
      return docrel_delete_with_opts (b->first, opts, plan, error);
   case CALL_DELETE_ALL:
      return docrel_delete_all_with_opts (b->first, &none, opts, plan, error);
   case CALL_DELETE_ALL_MANY:
      return docrel_delete_all_many_with_opts (roots, 2, &none, opts, plan, error);
   case CALL_PURGE:
   case N_CALLS:
   default:
      return docrel_purge_with_opts (b->first, opts, plan, error);
   }
}

/* ---- deletes --------------------------------------------------------- */

static const char *const rules[] = {"setNull", "cascade", "noAction"};

/* The plan of deleting author 1 (and 3: ids "1,3") under each rule of
 * Author.posts: setNull unsets the posts' key, cascade finds the posts and
 * their comments (and drops the posts' links), noAction leaves them. */
static const char *const delete_plans[] = {
   "delete Author@1 x%d {%s}, updateWhere Post@2 -authorId",
   "unlink Post_Tag@0, delete Comment@1 x3 {100,101,110}, delete Post@2 x2 {10,11}, delete Author@3 x%d {%s}",
   "delete Author@1 x%d {%s}"};

/* The plan of purging author 1 under setNull, whole. */
static const char *const set_null_purge =
   "{\"writes\": [{\"op\": \"delete\", \"model\": \"Author\", \"collection\": \"Author\", \"level\": 1,"
   "                \"count\": {\"$numberLong\": \"1\"}, \"ids\": [1]},"
   "               {\"op\": \"updateWhere\", \"model\": \"Post\", \"collection\": \"Post\", \"level\": 2,"
   "                \"filter\": {\"authorId\": {\"$in\": [1]}}, \"update\": {\"$unset\": {\"authorId\": \"\"}}}]}";

START_TEST (a_delete_dry_run_writes_nothing_and_the_real_run_follows_its_plan)
{
   call_t call = (call_t) (_i % N_CALLS);
   int rule = _i / N_CALLS;
   bool many = call == CALL_DELETE_ALL_MANY;
   bson_t *dry = fixture_json ("{\"dryRun\": true}");
   docrel_store_stats_t dry_stats, stats;
   docrel_doc_t *docs[8];
   char *before, *after, *counts, *counts_after, want[256];
   bson_t plan, real;
   bson_error_t error;
   blog_t b;
   size_t n;

   blog_open (&b, rules[rule], NULL);
   n = blog_docs (&b, docs);
   before = snapshot (docs, n);
   counts = blog_counts (&b);
   docrel_store_stats_reset (b.store);
   ASSERT_OK (delete_first (&b, call, dry, &plan, &error), error);
   assert_no_write (b.store, &dry_stats);
   snprintf (want, sizeof want, delete_plans[rule], many ? 2 : 1, many ? "1,3" : "1");
   ck_assert_msg (strcmp (render (&plan), want) == 0, "%s, %s: plan \"%s\", expected \"%s\"", call_names[call],
                  rules[rule], render (&plan), want);
   if (rule == 0 && call == CALL_PURGE) { /* the whole shape, once */
      bson_t *shape = fixture_json (set_null_purge);
      char *json = bson_as_relaxed_extended_json (&plan, NULL);
      ck_assert_msg (bson_equal (&plan, shape), "plan %s", json);
      bson_free (json);
      bson_destroy (shape);
   }
   after = snapshot (docs, n);
   counts_after = blog_counts (&b);
   ck_assert_str_eq (before, after);
   ck_assert_str_eq (counts, counts_after);
   /* the real run: the same reads, the writes the plan listed */
   docrel_store_stats_reset (b.store);
   ASSERT_OK (delete_first (&b, call, NULL, &real, &error), error);
   assert_same_plan (b.store, &plan, &real);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.finds, dry_stats.finds);
   ck_assert_uint_eq (stats.counts, dry_stats.counts);
   ck_assert (!docrel_doc_is_saved (b.first));
   ck_assert_int_eq (fixture_count_all (b.store, b.author), many ? 1 : 2);
   ck_assert_int_eq (docrel_doc_is_saved (b.post11), rule != 1);              /* cascade deletes it */
   ck_assert_int_eq (docrel_doc_has (b.post11, "authorId"), rule != 0);       /* setNull unsets it */
   ck_assert_int_eq (fixture_count_all (b.store, b.post), rule == 1 ? 1 : 3); /* 20 stays */
   bson_free (before);
   bson_free (after);
   bson_free (counts);
   bson_free (counts_after);
   bson_destroy (&plan);
   bson_destroy (&real);
   bson_destroy (dry);
   blog_close (&b);
}
END_TEST

START_TEST (a_restrict_refusal_is_the_same_in_a_dry_run)
{
   call_t call = (call_t) _i;
   bson_t *dry = fixture_json ("{\"dryRun\": true}");
   docrel_store_stats_t stats;
   docrel_doc_t *docs[8];
   char *before, *after;
   bson_t plan, real;
   bson_error_t dry_error, error;
   blog_t b;
   size_t n;

   blog_open (&b, "restrict", "{\"posts\": true}");
   n = blog_docs (&b, docs);
   before = snapshot (docs, n);
   docrel_store_stats_reset (b.store);
   ck_assert_msg (!delete_first (&b, call, dry, &plan, &dry_error), "%s: a dry run passed", call_names[call]);
   assert_no_write (b.store, &stats);
   ck_assert_uint_eq (stats.counts, 1); /* the restrict count decides */
   ck_assert_uint_eq (dry_error.code, DOCREL_ERROR_RESTRICTED);
   assert_no_writes_planned (&plan);
   after = snapshot (docs, n);
   ck_assert_str_eq (before, after);
   ck_assert (!delete_first (&b, call, NULL, &real, &error));
   ck_assert_uint_eq (error.domain, dry_error.domain);
   ck_assert_uint_eq (error.code, dry_error.code);
   ck_assert_str_eq (error.message, dry_error.message);
   assert_no_writes_planned (&real);
   bson_free (before);
   bson_free (after);
   bson_destroy (dry);
   blog_close (&b);
}
END_TEST

START_TEST (a_delete_all_dry_run_leaves_the_loaded_tree_as_it_was)
{
   const char *tree_json = "{\"posts\": {\"comments\": true, \"tags\": true}}";
   bson_t *tree = fixture_json (tree_json);
   bson_t *dry = fixture_json ("{\"dryRun\": true}");
   docrel_store_stats_t stats;
   docrel_doc_t *docs[8];
   char *before, *after, *counts;
   bson_t plan, real;
   bson_error_t error;
   blog_t b;
   size_t n;

   blog_open (&b, "setNull", tree_json);
   n = blog_docs (&b, docs);
   ck_assert_uint_eq (n, 5); /* authors 1 and 3, post 11, then posts 10 and 11 in the slot */
   before = snapshot (docs, n);
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_delete_all_with_opts (b.first, tree, dry, &plan, &error), error);
   assert_no_write (b.store, &stats);
   ck_assert_uint_eq (stats.finds, 1); /* the comments' cascade: all loaded, none added */
   /* the update after the deletes reaches only the posts the call keeps */
   ck_assert_str_eq (render (&plan), "unlink Post_Tag@0, unlink Post_Tag@0, "
                                     "delete Comment@1 x3 {100,101,110}, delete Post@2 x2 {10,11}, "
                                     "delete Author@3 x1 {1}, delete Tag@3 x2 {1000,1001}, "
                                     "updateWhere Post@4 -authorId");
   after = snapshot (docs, n);
   ck_assert_str_eq (before, after);
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_delete_all_with_opts (b.first, tree, NULL, &real, &error), error);
   assert_same_plan (b.store, &plan, &real);
   counts = blog_counts (&b);
   ck_assert_str_eq (counts, "2/1/0/0/0"); /* 20-1000 goes with tag 1000 */
   bson_free (before);
   bson_free (after);
   bson_free (counts);
   bson_destroy (&plan);
   bson_destroy (&real);
   bson_destroy (tree);
   bson_destroy (dry);
   blog_close (&b);
}
END_TEST

/* ---- options --------------------------------------------------------- */

/* Asserts that call failed on its options, naming key, and planned
 * nothing; destroys the plan. */
static void
assert_bad_option (bool ok, const bson_error_t *error, bson_t *plan, const char *key)
{
   ck_assert (!ok);
   ck_assert_uint_eq (error->code, DOCREL_ERROR_BAD_OPTION);
   ASSERT_MENTIONS (*error, key);
   assert_no_writes_planned (plan);
}

START_TEST (options_are_parsed_in_one_place_and_unknown_keys_named)
{
   bson_t *misspelt = fixture_json ("{\"dryrun\": true}");
   bson_t *not_bool = fixture_json ("{\"dryRun\": 1}");
   bson_t *defer = fixture_json ("{\"defer\": true}");
   bson_t *both = fixture_json ("{\"defer\": true, \"dryRun\": true}");
   docrel_store_stats_t stats;
   bson_t plan;
   bson_error_t error;
   blog_t b;

   blog_open (&b, "setNull", NULL);
   docrel_store_stats_reset (b.store);
   assert_bad_option (docrel_delete_all_with_opts (b.first, NULL, misspelt, &plan, &error), &error, &plan,
                      "delete_all: unknown option 'dryrun' (expected \"dryRun\": bool)");
   assert_bad_option (docrel_purge_with_opts (b.first, not_bool, &plan, &error), &error, &plan,
                      "purge: option 'dryRun': expected a bool");
   /* "defer" belongs to the link calls */
   assert_bad_option (docrel_delete_with_opts (b.first, defer, &plan, &error), &error, &plan, "'defer'");
   assert_bad_option (docrel_save_all (b.first, NULL, defer, &plan, &error), &error, &plan, "save_all");
   assert_bad_option (docrel_unlink_all_with_opts (b.first, "posts", misspelt, &plan, &error), &error, &plan,
                      "unlink_all: unknown option 'dryrun' (expected \"dryRun\" or \"defer\": bool)");
   assert_bad_option (docrel_link_with_opts (b.first, "posts", b.post11, both, &plan, &error), &error, &plan,
                      "exclude each other");
   assert_no_write (b.store, &stats);
   ck_assert (docrel_doc_is_saved (b.first));
   /* the calls without a plan parameter take the same options */
   ck_assert (!docrel_link (b.first, "posts", b.post11, misspelt, &error));
   ASSERT_MENTIONS (error, "'dryrun'");
   ASSERT_MENTIONS (error, "(expected \"dryRun\" or \"defer\": bool, \"payload\": a document)");
   bson_destroy (misspelt);
   bson_destroy (not_bool);
   bson_destroy (defer);
   bson_destroy (both);
   blog_close (&b);
}
END_TEST

START_TEST (a_failed_call_plans_no_writes)
{
   bson_t plan;
   bson_error_t error;
   blog_t b;
   docrel_doc_t *fresh;

   blog_open (&b, "setNull", NULL);
   fresh = fixture_new_doc (b.session, b.author, "{\"_id\": 9}");
   ck_assert (!docrel_delete_with_opts (fresh, NULL, &plan, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_NOT_SAVED);
   assert_no_writes_planned (&plan);
   ck_assert (!docrel_delete_all_many_with_opts (NULL, 1, NULL, NULL, &plan, &error));
   assert_no_writes_planned (&plan);
   ck_assert (!docrel_link_with_opts (fresh, "posts", b.post11, NULL, &plan, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_NOT_SAVED);
   assert_no_writes_planned (&plan);
   /* a duplicate key: the store rolls the save back, nothing is written */
   ck_assert (!docrel_save_all (fixture_new_doc (b.session, b.author, "{\"_id\": 2}"), NULL, NULL, &plan, &error));
   assert_no_writes_planned (&plan);
   /* nothing to delete: nothing to write */
   ASSERT_OK (docrel_delete_all_many_with_opts (NULL, 0, NULL, NULL, &plan, &error), error);
   assert_no_writes_planned (&plan);
   blog_close (&b);
}
END_TEST

START_TEST (a_save_all_dry_run_shows_the_plan_the_real_run_follows)
{
   bson_t *dry = fixture_json ("{\"dryRun\": true}");
   docrel_store_stats_t stats;
   docrel_doc_t *author, *post;
   char *before, *after;
   bson_t plan, real;
   bson_error_t error;
   blog_t b;

   blog_open (&b, "setNull", NULL);
   author = fixture_new_doc (b.session, b.author, "{\"_id\": 5}");
   post = fixture_new_doc (b.session, b.post, "{\"_id\": 50}");
   ASSERT_OK (docrel_doc_add_related (author, "posts", post, &error), error);
   ASSERT_OK (docrel_doc_add_related (author, "posts", b.post11, &error), error); /* moves from author 1 */
   before = snapshot ((docrel_doc_t *[]){author, post, b.post11, b.first}, 4);
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_save_all (author, NULL, dry, &plan, &error), error);
   assert_no_write (b.store, &stats);
   ck_assert_str_eq (render (&plan), "insert Author@0 x1 {5}, insert Post@1 x1 {50}, update Post@1 x1 {11}");
   after = snapshot ((docrel_doc_t *[]){author, post, b.post11, b.first}, 4);
   ck_assert_str_eq (before, after);
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_save_all (author, NULL, NULL, &real, &error), error);
   assert_same_plan (b.store, &plan, &real);
   ck_assert (docrel_doc_is_saved (author) && docrel_doc_is_saved (post));
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": 5}"), 2);
   bson_free (before);
   bson_free (after);
   bson_destroy (&plan);
   bson_destroy (&real);
   bson_destroy (dry);
   blog_close (&b);
}
END_TEST

/* ---- links ----------------------------------------------------------- */

enum { USER, POST, PROFILE, ROLE, USER_ROLE, N_MODELS };

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *models[N_MODELS];
   docrel_doc_t *user1, *user2, *post10, *post12, *profile51;
} app_t;

/* User hasMany posts, User hasOne profile, Post belongsTo user, User
 * hasAndBelongsToMany roles. Users 1, 2; posts 10, 11 (no user) and 12 (of
 * user 1); profiles 50 (of user 1), 51 (none); roles 100, 101, 102; user 1
 * has role 100. Loads user 1 (joined along tree_json), user 2, posts 10
 * and 12, profile 51. */
static void
app_open (app_t *a, const char *tree_json)
{
   static const char *const users[] = {"{\"_id\": 1}", "{\"_id\": 2}", NULL};
   static const char *const posts[] = {"{\"_id\": 10}", "{\"_id\": 11}", "{\"_id\": 12, \"userId\": 1}", NULL};
   static const char *const profiles[] = {"{\"_id\": 50, \"userId\": 1}", "{\"_id\": 51}", NULL};
   static const char *const roles[] = {"{\"_id\": 100}", "{\"_id\": 101}", "{\"_id\": 102}", NULL};
   static const char *const links[] = {"{\"User__id\": 1, \"Role__id\": 100}", NULL};
   docrel_model_t **m = a->models;
   docrel_relation_t *r;

   memset (a, 0, sizeof *a);
   a->store = fixture_store_open ();
   m[USER] = fixture_keyed_model (a->store, "User");
   m[POST] = fixture_keyed_model (a->store, "Post");
   m[PROFILE] = fixture_keyed_model (a->store, "Profile");
   m[ROLE] = fixture_keyed_model (a->store, "Role");
   fixture_declare (docrel_model_has_many, m[USER], m[POST], "posts", "_id", "userId", NULL);
   fixture_declare (docrel_model_has_one, m[USER], m[PROFILE], "profile", "_id", "userId", NULL);
   fixture_declare (docrel_model_belongs_to, m[POST], m[USER], "user", "userId", "_id", NULL);
   r = fixture_declare (docrel_model_has_and_belongs_to_many, m[USER], m[ROLE], "roles", "_id", "_id", NULL);
   m[USER_ROLE] = docrel_relation_link_model (r);
   fixture_seed (a->store, m[USER], users);
   fixture_seed (a->store, m[POST], posts);
   fixture_seed (a->store, m[PROFILE], profiles);
   fixture_seed (a->store, m[ROLE], roles);
   fixture_seed (a->store, m[USER_ROLE], links);
   a->session = docrel_session_new (a->store);
   a->user1 = fixture_get (a->session, m[USER], 1, tree_json);
   a->user2 = fixture_get (a->session, m[USER], 2, NULL);
   a->post10 = fixture_get (a->session, m[POST], 10, NULL);
   a->post12 = fixture_get (a->session, m[POST], 12, NULL);
   a->profile51 = fixture_get (a->session, m[PROFILE], 51, NULL);
}

static void
app_close (app_t *a)
{
   docrel_session_destroy (a->session);
   fixture_store_close (a->store);
}

typedef enum {
   LINK_POST,
   LINK_ROLE,
   UNLINK_POST,
   UNLINK_ROLE,
   UNLINK_ALL,
   SET_ROLES,
   LINK_OWNER,
   LINK_PROFILE
} link_call_t;

/* Makes a link call: user 1 links post 10 or role 101, unlinks post 12 or
 * role 100, unlinks all roles, sets roles 101 and 102, or takes profile
 * 51; post 10 links user 2 as its owner. */
static bool
link_call (app_t *a, link_call_t call, const bson_t *opts, bson_t *plan, bson_error_t *error)
{
   bson_value_t roles[2] = {fixture_int_key (101), fixture_int_key (102)};
   bson_value_t old = fixture_int_key (100);

   switch (call) {
   case LINK_POST:
      return docrel_link_with_opts (a->user1, "posts", a->post10, opts, plan, error);
   case LINK_ROLE:
      return docrel_link_key_with_opts (a->user1, "roles", &roles[0], opts, plan, error);
   case UNLINK_POST:
      return docrel_unlink_with_opts (a->user1, "posts", a->post12, opts, plan, error);
   case UNLINK_ROLE:
      return docrel_unlink_key_with_opts (a->user1, "roles", &old, opts, plan, error);
   case UNLINK_ALL:
      return docrel_unlink_all_with_opts (a->user1, "roles", opts, plan, error);
   case SET_ROLES:
      return docrel_set_links_with_opts (a->user1, "roles", roles, 2, opts, plan, error);
   case LINK_OWNER:
      return docrel_link_with_opts (a->post10, "user", a->user2, opts, plan, error);
   case LINK_PROFILE:
   default:
      return docrel_link_with_opts (a->user1, "profile", a->profile51, opts, plan, error);
   }
}

/* One link call: how it is made, on user 1 loaded along tree (NULL: no
 * joins), the plan it makes, and afterwards how many documents of model
 * match filter. */
typedef struct {
   const char *name;
   link_call_t call;
   const char *tree;
   const char *plan;
   int model;
   const char *filter;
   int64_t matches;
} link_case_t;

static const link_case_t link_cases[] = {
   {"link hasMany", LINK_POST, NULL, "updateWhere Post@2 +userId", POST, "{\"userId\": 1}", 2},
   {"link hasMany through a loaded slot", LINK_POST, "{\"posts\": true}", "update Post@1 x1 {10}", POST,
    "{\"userId\": 1}", 2},
   {"link_key hasAndBelongsToMany", LINK_ROLE, NULL, "link Role_User@3 x1", USER_ROLE, "{\"User__id\": 1}", 2},
   {"unlink hasMany", UNLINK_POST, NULL, "updateWhere Post@2 -userId", POST, "{\"userId\": 1}", 0},
   {"unlink hasMany through a loaded slot", UNLINK_POST, "{\"posts\": true}", "update Post@0 x1 {12}", POST,
    "{\"userId\": 1}", 0},
   {"unlink_key hasAndBelongsToMany", UNLINK_ROLE, NULL, "unlink Role_User@2", USER_ROLE, "{}", 0},
   {"unlink_all hasAndBelongsToMany", UNLINK_ALL, "{\"roles\": true}", "unlink Role_User@2", USER_ROLE, "{}", 0},
   {"set_links hasAndBelongsToMany", SET_ROLES, "{\"roles\": true}", "unlink Role_User@2, link Role_User@3 x2",
    USER_ROLE, "{\"Role__id\": {\"$gt\": 100}}", 2},
   {"link belongsTo", LINK_OWNER, NULL, "update Post@1 x1 {10}", POST, "{\"_id\": 10, \"userId\": 2}", 1},
   {"link hasOne", LINK_PROFILE, "{\"profile\": true}", "update Profile@0 x1 {50}, update Profile@1 x1 {51}", PROFILE,
    "{\"userId\": 1}", 1},
};

#define N_LINK_CASES ((int) (sizeof link_cases / sizeof link_cases[0]))

START_TEST (a_link_dry_run_writes_nothing_and_the_real_run_follows_its_plan)
{
   const link_case_t *c = &link_cases[_i];
   bson_t *dry = fixture_json ("{\"dryRun\": true}");
   docrel_store_stats_t stats;
   char *before, *after;
   bson_t plan, real;
   bson_error_t error;
   app_t a;

   app_open (&a, c->tree);
   before = snapshot ((docrel_doc_t *[]){a.user1, a.user2, a.post10, a.post12, a.profile51}, 5);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (link_call (&a, c->call, dry, &plan, &error), error);
   assert_no_write (a.store, &stats);
   ck_assert_msg (strcmp (render (&plan), c->plan) == 0, "%s: plan \"%s\", expected \"%s\"", c->name, render (&plan),
                  c->plan);
   after = snapshot ((docrel_doc_t *[]){a.user1, a.user2, a.post10, a.post12, a.profile51}, 5);
   ck_assert_str_eq (before, after);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (link_call (&a, c->call, NULL, &real, &error), error);
   assert_same_plan (a.store, &plan, &real);
   ck_assert_int_eq (fixture_count_where (a.store, a.models[c->model], c->filter), c->matches);
   bson_free (before);
   bson_free (after);
   bson_destroy (&plan);
   bson_destroy (&real);
   bson_destroy (dry);
   app_close (&a);
}
END_TEST

START_TEST (a_deferred_link_plans_no_writes_now)
{
   bson_t *defer = fixture_json ("{\"defer\": true}");
   docrel_store_stats_t stats;
   bson_t plan;
   bson_error_t error;
   app_t a;

   app_open (&a, NULL);
   docrel_store_stats_reset (a.store);
   ASSERT_OK (link_call (&a, LINK_ROLE, defer, &plan, &error), error);
   assert_no_write (a.store, &stats);
   assert_no_writes_planned (&plan);
   /* the next save_all writes it, and its plan says so */
   ASSERT_OK (docrel_save_all (a.user1, NULL, NULL, &plan, &error), error);
   ck_assert_str_eq (render (&plan), "link Role_User@3 x1");
   ck_assert_int_eq (fixture_count_all (a.store, a.models[USER_ROLE]), 2);
   bson_destroy (&plan);
   bson_destroy (defer);
   app_close (&a);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("dry_run");
   TCase *tc = tcase_create ("delete");

   tcase_add_loop_test (tc, a_delete_dry_run_writes_nothing_and_the_real_run_follows_its_plan, 0, N_CALLS * 3);
   tcase_add_loop_test (tc, a_restrict_refusal_is_the_same_in_a_dry_run, 0, N_CALLS);
   tcase_add_test (tc, a_delete_all_dry_run_leaves_the_loaded_tree_as_it_was);
   suite_add_tcase (s, tc);
   tc = tcase_create ("link");
   tcase_add_loop_test (tc, a_link_dry_run_writes_nothing_and_the_real_run_follows_its_plan, 0, N_LINK_CASES);
   tcase_add_test (tc, a_deferred_link_plans_no_writes_now);
   suite_add_tcase (s, tc);
   tc = tcase_create ("plans");
   tcase_add_test (tc, a_save_all_dry_run_shows_the_plan_the_real_run_follows);
   tcase_add_test (tc, options_are_parsed_in_one_place_and_unknown_keys_named);
   tcase_add_test (tc, a_failed_call_plans_no_writes);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
