/* SPDX-License-Identifier: Apache-2.0 */
/* check_crash.c: a process writing graphs to a store file, killed at random
 * moments with SIGKILL, leaves a file that SQLite finds sound (PRAGMA
 * quick_check, run on the file through sqlite3 itself: integrity_check would
 * also recompute the expression indexes, which needs docrel's SQL function
 * docrel_index_key; the joins below read through those indexes) and in which every
 * graph is whole or absent: each author has both its posts, each post both
 * its comments and both its tag links; no post, comment or link outlives
 * its owner.
 *
 * The writer saves graphs with save_all in a loop and removes some again,
 * alternately with delete_all (the loaded graph) and purge (the author;
 * the relations cascade). DOCREL_TEST_CRASH_KILLS (default 20) kills, at
 * moments drawn from DOCREL_TEST_CRASH_SEED (default 16; the failure
 * message names it). Runs on the file kind only. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fixture.h"

#define TREE "{\"posts\": {\"comments\": true, \"tags\": true}}"

typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post, *comment, *tag, *link;
} blog_t;

/* Author hasMany posts, Post hasMany comments (both cascade), Post
 * hasAndBelongsToMany tags; false with error set (the child has no Check). */
static bool
blog_open (blog_t *b, const char *uri, bson_error_t *error)
{
   bson_t *cascade = bson_new_from_json ((const uint8_t *) "{\"onDelete\": \"cascade\"}", -1, NULL);
   bson_t *keyed = bson_new_from_json ((const uint8_t *) "{\"primaryKey\": \"caller\"}", -1, NULL);
   docrel_relation_t *tags = NULL;

   memset (b, 0, sizeof *b);
   b->store = docrel_store_open (uri, error);
   if (b->store && (b->author = docrel_model_new (b->store, "Author", keyed, error)) &&
       (b->post = docrel_model_new (b->store, "Post", keyed, error)) &&
       (b->comment = docrel_model_new (b->store, "Comment", keyed, error)) &&
       (b->tag = docrel_model_new (b->store, "Tag", keyed, error)) &&
       docrel_model_has_many (b->author, b->post, "posts", "_id", "authorId", cascade, error) &&
       docrel_model_has_many (b->post, b->comment, "comments", "_id", "postId", cascade, error)) {
      tags = docrel_model_has_and_belongs_to_many (b->post, b->tag, "tags", "_id", "_id", NULL, error);
   }
   b->link = tags ? docrel_relation_link_model (tags) : NULL;
   bson_destroy (cascade);
   bson_destroy (keyed);
   return b->link != NULL;
}

/* ---- the writer (the child) ---------------------------------------------- */

static docrel_doc_t *
new_doc (docrel_session_t *session, docrel_model_t *model, int id, bson_error_t *error)
{
   char json[64];

   snprintf (json, sizeof json, "{\"_id\": %d, \"n\": %d}", id, id);
   return docrel_doc_new_from_json (session, model, json, error);
}

/* Author base, posts base+10 and base+20 with comments +1, +2 and tags +5,
 * +6 each: saved in one save_all. */
static bool
save_graph (blog_t *b, int base, bson_error_t *error)
{
   docrel_session_t *session = docrel_session_new (b->store);
   docrel_doc_t *author = new_doc (session, b->author, base, error);
   bool ok = author != NULL;

   for (int p = 10; ok && p <= 20; p += 10) {
      docrel_doc_t *post = new_doc (session, b->post, base + p, error);

      ok = post && docrel_doc_add_related (author, "posts", post, error);
      for (int i = 1; ok && i <= 6; i += (i == 2 ? 3 : 1)) {
         docrel_doc_t *other = new_doc (session, i < 5 ? b->comment : b->tag, base + p + i, error);

         ok = other && docrel_doc_add_related (post, i < 5 ? "comments" : "tags", other, error);
      }
   }
   ok = ok && docrel_save_all (author, NULL, NULL, NULL, error);
   docrel_session_destroy (session);
   return ok;
}

/* Removes graph base: with delete_all of the loaded graph, or purge. */
static bool
remove_graph (blog_t *b, int base, bool purge, bson_error_t *error)
{
   docrel_session_t *session = docrel_session_new (b->store);
   bson_t *tree = bson_new_from_json ((const uint8_t *) TREE, -1, NULL);
   bson_value_t key = {.value_type = BSON_TYPE_INT32, .value.v_int32 = base};
   docrel_doc_t *author = NULL;
   bool ok = docrel_get (session, b->author, &key, purge ? NULL : tree, &author, error);

   ok = ok && (purge ? docrel_purge (author, error) : docrel_delete_all (author, tree, error));
   bson_destroy (tree);
   docrel_session_destroy (session);
   return ok;
}

/* Writes until killed; exits 3 on an error (reported on stderr). */
static void
writer (const char *uri, int round)
{
   bson_error_t error;
   blog_t b;

   if (!blog_open (&b, uri, &error)) {
      fprintf (stderr, "writer: opening: %s\n", error.message);
      _exit (3);
   }
   for (int i = 0;; i++) {
      int base = round * 1000000 + i * 100;

      if (!save_graph (&b, base, &error) || (i % 3 && !remove_graph (&b, base - 100, i % 3 == 2, &error))) {
         fprintf (stderr, "writer: graph %d: %s\n", base, error.message);
         _exit (3);
      }
   }
}

/* ---- the checks (the parent) ---------------------------------------------- */

static void
check_integrity (const char *path, const char *where)
{
   sqlite3 *db = NULL;
   sqlite3_stmt *stmt = NULL;
   const char *result;

   ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
   ck_assert_msg (sqlite3_prepare_v2 (db, "PRAGMA quick_check", -1, &stmt, NULL) == SQLITE_OK, "%s: quick_check: %s",
                  where, sqlite3_errmsg (db));
   ck_assert_int_eq (sqlite3_step (stmt), SQLITE_ROW);
   result = (const char *) sqlite3_column_text (stmt, 0);
   ck_assert_msg (result && strcmp (result, "ok") == 0, "%s: quick_check says %s", where, result ? result : "nothing");
   sqlite3_finalize (stmt);
   ck_assert_int_eq (sqlite3_close (db), SQLITE_OK);
}

/* Every author whole; nothing else. Returns the number of authors. */
static int64_t
check_graphs (const char *uri, const char *where)
{
   bson_t *opts = fixture_json ("{\"join\": " TREE "}");
   docrel_session_t *session;
   docrel_doc_t **authors = NULL;
   bson_error_t error;
   size_t n = 0;
   blog_t b;

   ck_assert_msg (blog_open (&b, uri, &error), "%s: opening the store: %s", where, error.message);
   session = docrel_session_new (b.store);
   ASSERT_OK (docrel_find_all (session, b.author, NULL, opts, &authors, &n, &error), error);
   for (size_t a = 0; a < n; a++) {
      docrel_doc_t *const *posts;
      size_t np;

      ck_assert (docrel_doc_related (authors[a], "posts", &posts, &np));
      ck_assert_msg (np == 2, "%s: author %d has %zu posts", where, fixture_id_of (authors[a]), np);
      for (size_t p = 0; p < np; p++) {
         ck_assert_msg (fixture_slot_size (posts[p], "comments") == 2 && fixture_slot_size (posts[p], "tags") == 2,
                        "%s: post %d has %zu comments and %zu tags", where, fixture_id_of (posts[p]),
                        fixture_slot_size (posts[p], "comments"), fixture_slot_size (posts[p], "tags"));
      }
   }
   /* Nothing outlives its graph. */
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 2 * (int64_t) n);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 4 * (int64_t) n);
   ck_assert_int_eq (fixture_count_all (b.store, b.link), 4 * (int64_t) n);
   bson_free (authors);
   bson_destroy (opts);
   docrel_session_destroy (session);
   docrel_store_destroy (b.store);
   return (int64_t) n;
}

static int
env_int (const char *name, int fallback)
{
   const char *v = getenv (name);

   return v && *v ? atoi (v) : fallback;
}

/* One round: a writer killed after delay_ms, then the checks. */
static int64_t
kill_round (const char *uri, const char *path, int round, int delay_ms, const char *where)
{
   struct timespec delay = {delay_ms / 1000, (long) (delay_ms % 1000) * 1000000L};
   int status = 0;
   pid_t child = fork ();

   ck_assert_int_ge (child, 0);
   if (child == 0) {
      writer (uri, round);
   }
   nanosleep (&delay, NULL);
   ck_assert_int_eq (kill (child, SIGKILL), 0);
   ck_assert_int_eq (waitpid (child, &status, 0), child);
   ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL, "%s: the writer stopped by itself (%d)", where,
                  status);
   check_integrity (path, where);
   return check_graphs (uri, where);
}

START_TEST (a_writer_killed_at_any_moment_leaves_every_graph_whole_or_absent)
{
   int kills = env_int ("DOCREL_TEST_CRASH_KILLS", 20);
   int seed = env_int ("DOCREL_TEST_CRASH_SEED", 16);
   char path[512], uri[600], where[128];
   int64_t authors = 0;

   fixture_temp_sqlite ("crash", path, sizeof path, uri, sizeof uri);
   srand ((unsigned) seed);
   for (int k = 0; k < kills; k++) {
      int delay_ms = 5 + rand () % 150;

      snprintf (where, sizeof where, "kill %d after %d ms (DOCREL_TEST_CRASH_SEED=%d)", k, delay_ms, seed);
      authors = kill_round (uri, path, k, delay_ms, where);
   }
   ck_assert_msg (kills == 0 || authors > 0, "the writers saved no graph in %d rounds", kills);
   fixture_remove_sqlite_files (path);
}
END_TEST

static Suite *
crash_suite (void)
{
   Suite *s = suite_create ("crash");
   TCase *tc;

   if (strcmp (fixture_kind (), "file") == 0) { /* the only kind with a file */
      tc = tcase_create ("sigkill");
      tcase_set_timeout (tc, 300);
      tcase_add_test (tc, a_writer_killed_at_any_moment_leaves_every_graph_whole_or_absent);
      suite_add_tcase (s, tc);
   }
   return s;
}

int
main (void)
{
   return fixture_run (crash_suite ());
}
