/* SPDX-License-Identifier: Apache-2.0 */
/* check_faults.c: what a failure beneath the embedded store leaves behind.
 *
 * A graph workload (open; first use of the models, which creates their
 * tables and indexes inside a save_all; save_all of a new graph; save_all
 * of changes to a loaded one; get with joins; delete_all; purge) runs with
 * a fault injected at each point of one call (faults.c): SQLite's allocator
 * failing once (the nth allocation) or for good (the nth and every later
 * one), and on the file kind a write, an fsync or a read coming up short.
 * After each, with the fault gone: the call failed with an error or
 * succeeded; the store holds all of the call or none of it (every document
 * of every collection, and the number of links, against snapshots taken
 * before the call and after a run without faults); the documents in the
 * caller's memory are as before the call or as after a clean one; the call,
 * run again if it failed, succeeds; and the store takes a new write.
 *
 * Runtime: each call is tried at DOCREL_TEST_FAULT_POINTS points spread
 * over its allocations (default 60 in memory, 20 on a file, which keeps
 * this suite under half a minute per store kind on two cores);
 * DOCREL_TEST_FAULT_POINTS=0 tries every point (the full sweep, minutes):
 *    DOCREL_TEST_FAULT_POINTS=0 ctest -R check_faults
 * DOCREL_TEST_FAULT_VERBOSE=1 prints each call's points and failures.
 * With WAL and synchronous=NORMAL a commit does not fsync: only opening
 * (and checkpoints) do, so the fsync sweep has points at open only.
 * Runs on the embedded store only; kind mongodb runs no test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"
#include "fixture.h"

#define TREE "{\"posts\": {\"comments\": true, \"tags\": true}}"

typedef enum {
   STEP_OPEN,
   STEP_FIRST_USE,
   STEP_SAVE_ALL,
   STEP_SAVE_CHANGES,
   STEP_GET_JOIN,
   STEP_DELETE_ALL,
   STEP_PURGE,
   N_STEPS
} step_t;

static const char *const step_names[N_STEPS] = {
   "open", "first use (save_all)", "save_all", "save_all of changes", "get with joins", "delete_all", "purge",
};

typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post, *comment, *tag, *link;
   docrel_session_t *session;
   docrel_doc_t *docs[32]; /* the documents the call is given or reaches */
   size_t n_docs;
   docrel_doc_t *root; /* the call's document */
   char path[512];     /* STEP_OPEN on a file: the store's file */
} world_t;

/* A snapshot of the store and one of the caller's memory. */
typedef struct {
   char *store;
   char *memory;
} snap_t;

static bool
is_sqlite_kind (void)
{
   return strcmp (fixture_kind (), "mongodb") != 0;
}

/* ---- the blog ---------------------------------------------------------- */

/* Author hasMany posts and Post hasMany comments (both cascade), Post
 * hasAndBelongsToMany tags, a unique index on Author.name. */
static void
declare (world_t *w)
{
   docrel_relation_t *tags;

   w->author = fixture_keyed_model (w->store, "Author");
   w->post = fixture_keyed_model (w->store, "Post");
   w->comment = fixture_keyed_model (w->store, "Comment");
   w->tag = fixture_keyed_model (w->store, "Tag");
   fixture_unique_index (w->author, "{\"name\": 1}");
   fixture_declare (docrel_model_has_many, w->author, w->post, "posts", "_id", "authorId",
                    "{\"onDelete\": \"cascade\"}");
   fixture_declare (docrel_model_has_many, w->post, w->comment, "comments", "_id", "postId",
                    "{\"onDelete\": \"cascade\"}");
   tags = fixture_declare (docrel_model_has_and_belongs_to_many, w->post, w->tag, "tags", "_id", "_id", NULL);
   w->link = docrel_relation_link_model (tags);
}

static docrel_doc_t *
track (world_t *w, docrel_doc_t *doc)
{
   ck_assert_uint_lt (w->n_docs, sizeof w->docs / sizeof w->docs[0]);
   w->docs[w->n_docs++] = doc;
   return doc;
}

/* Author base with posts base+10 and base+20, each with two comments and
 * both tags base+1 and base+2: 9 documents and 4 links, all new. */
static docrel_doc_t *
new_graph (world_t *w, int base)
{
   char json[96];
   docrel_doc_t *author, *tags[2];

   snprintf (json, sizeof json, "{\"_id\": %d, \"name\": \"author %d\"}", base, base);
   author = track (w, fixture_new_doc (w->session, w->author, json));
   for (int t = 0; t < 2; t++) {
      snprintf (json, sizeof json, "{\"_id\": %d, \"label\": \"tag %d\"}", base + 1 + t, t);
      tags[t] = track (w, fixture_new_doc (w->session, w->tag, json));
   }
   for (int p = 10; p <= 20; p += 10) {
      docrel_doc_t *post;

      snprintf (json, sizeof json, "{\"_id\": %d, \"title\": \"post %d\"}", base + p, p);
      post = track (w, fixture_new_doc (w->session, w->post, json));
      fixture_add_related (author, "posts", post);
      fixture_add_related (post, "tags", tags[0]);
      fixture_add_related (post, "tags", tags[1]);
      for (int c = 1; c <= 2; c++) {
         snprintf (json, sizeof json, "{\"_id\": %d, \"text\": \"comment %d\"}", base + p + c, c);
         fixture_add_related (post, "comments", track (w, fixture_new_doc (w->session, w->comment, json)));
      }
   }
   return author;
}

static void
save_graph (world_t *w, int base)
{
   bson_error_t error;

   ASSERT_OK (docrel_save_all (new_graph (w, base), NULL, NULL, NULL, &error), error);
}

/* Author base loaded with its posts, their comments and tags; the loaded
 * documents are tracked. */
static docrel_doc_t *
load_graph (world_t *w, int base)
{
   docrel_doc_t *author = track (w, fixture_get (w->session, w->author, base, TREE));
   docrel_doc_t *const *posts, *const *more;
   size_t n, m;

   ck_assert (docrel_doc_related (author, "posts", &posts, &n));
   for (size_t p = 0; p < n; p++) {
      track (w, posts[p]);
      ck_assert (docrel_doc_related (posts[p], "comments", &more, &m));
      for (size_t c = 0; c < m; c++) {
         track (w, more[c]);
      }
      ck_assert (docrel_doc_related (posts[p], "tags", &more, &m));
      for (size_t t = 0; t < m && p == 0; t++) {
         track (w, more[t]);
      }
   }
   return author;
}

/* Changes to a loaded graph: the author renamed, one post moved out (its key
 * unset), a comment and a tag added to the other, a tag taken off it. */
static void
change_graph (world_t *w, docrel_doc_t *author)
{
   docrel_doc_t *const *posts, *const *tags;
   docrel_doc_t *post, *comment, *tag;
   bson_error_t error;
   size_t n;

   ASSERT_OK (docrel_doc_set_double (author, "rank", 2.5, &error), error);
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 2);
   post = posts[0];
   ASSERT_OK (docrel_doc_remove_related (author, "posts", posts[1], &error), error);
   comment = track (w, fixture_new_doc (w->session, w->comment, "{\"_id\": 5000, \"text\": \"late\"}"));
   tag = track (w, fixture_new_doc (w->session, w->tag, "{\"_id\": 5001, \"label\": \"new\"}"));
   fixture_add_related (post, "comments", comment);
   fixture_add_related (post, "tags", tag);
   ck_assert (docrel_doc_related (post, "tags", &tags, &n) && n == 3);
   ASSERT_OK (docrel_doc_remove_related (post, "tags", tags[0], &error), error);
}

/* ---- opening and closing ---------------------------------------------- */

/* STEP_OPEN on a file: a fresh path of its own. */
static void
open_step_path (world_t *w)
{
   if (strcmp (fixture_kind (), "file") == 0) {
      fixture_temp_sqlite ("faults", w->path, sizeof w->path, NULL, 0);
   }
}

/* The store and the state before the step's call. */
static void
setup (world_t *w, step_t step)
{
   memset (w, 0, sizeof *w);
   if (step == STEP_OPEN) {
      open_step_path (w);
      fixture_remove_sqlite_files (w->path);
      return;
   }
   w->store = fixture_store_open ();
   declare (w);
   w->session = docrel_session_new (w->store);
   if (step == STEP_FIRST_USE) {
      w->root = new_graph (w, 1000);
      return;
   }
   save_graph (w, 1000);
   docrel_session_destroy (w->session);
   w->session = docrel_session_new (w->store);
   w->n_docs = 0;
   if (step == STEP_SAVE_ALL) {
      w->root = new_graph (w, 2000);
   } else if (step == STEP_SAVE_CHANGES) {
      w->root = load_graph (w, 1000);
      change_graph (w, w->root);
   } else if (step == STEP_DELETE_ALL) {
      w->root = load_graph (w, 1000);
   } else if (step == STEP_PURGE) {
      w->root = track (w, fixture_get (w->session, w->post, 1010, "{\"comments\": true, \"tags\": true}"));
   }
}

static void
teardown (world_t *w)
{
   docrel_session_destroy (w->session);
   if (w->store) {
      fixture_store_close (w->store);
   }
   fixture_remove_sqlite_files (w->path);
   memset (w, 0, sizeof *w);
}

/* The step's call; STEP_OPEN keeps the store it opens in w->store. */
static bool
call (world_t *w, step_t step, bson_error_t *error)
{
   bson_t *tree = fixture_json (TREE);
   bson_value_t key = fixture_int_key (1000);
   bool ok = false;
   char uri[600];

   switch (step) {
   case STEP_OPEN:
      snprintf (uri, sizeof uri, w->path[0] ? "sqlite://%s" : "sqlite::memory:", w->path);
      w->store = docrel_store_open (uri, error);
      ok = w->store != NULL;
      break;
   case STEP_FIRST_USE:
   case STEP_SAVE_ALL:
   case STEP_SAVE_CHANGES:
      ok = docrel_save_all (w->root, NULL, NULL, NULL, error);
      break;
   case STEP_GET_JOIN:
      ok = docrel_get (w->session, w->author, &key, tree, &w->root, error);
      break;
   case STEP_DELETE_ALL:
      ok = docrel_delete_all (w->root, tree, error);
      break;
   case STEP_PURGE:
      ok = docrel_purge (w->root, error);
      break;
   default:
      break;
   }
   bson_destroy (tree);
   return ok;
}

/* ---- snapshots -------------------------------------------------------- */

static void
append (char **s, const char *more)
{
   char *joined = bson_strdup_printf ("%s%s\n", *s ? *s : "", more);

   bson_free (*s);
   *s = joined;
}

/* Every document of model in _id order, or (links, whose keys are made up)
 * their number. */
static void
snap_model (docrel_store_t *store, docrel_model_t *model, bool whole, char **s)
{
   docrel_session_t *session = docrel_session_new (store);
   bson_t *opts = fixture_json ("{\"sort\": {\"_id\": 1}}");
   docrel_doc_t **docs = NULL;
   bson_error_t error;
   size_t n = 0;
   char line[128];

   ASSERT_OK (docrel_find_all (session, model, NULL, opts, &docs, &n, &error), error);
   snprintf (line, sizeof line, "%s: %zu", docrel_model_name (model), n);
   append (s, line);
   for (size_t i = 0; whole && i < n; i++) {
      char *json = docrel_doc_to_json (docs[i], false);

      append (s, json);
      bson_free (json);
   }
   bson_free (docs);
   bson_destroy (opts);
   docrel_session_destroy (session);
}

static char *
snap_store (world_t *w)
{
   docrel_model_t *models[] = {w->author, w->post, w->comment, w->tag};
   char *s = NULL;

   if (!w->author) {
      return bson_strdup (w->store ? "open" : "closed");
   }
   for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
      snap_model (w->store, models[m], true, &s);
   }
   snap_model (w->store, w->link, false, &s);
   return s;
}

/* One document: its fields, flags, and the keys in each loaded slot. */
static void
snap_doc (const docrel_doc_t *doc, char **s)
{
   static const char *const fields[] = {"posts", "comments", "tags"};
   char *json = docrel_doc_to_json (doc, false);
   char line[64];

   append (s, json);
   bson_free (json);
   snprintf (line, sizeof line, "saved %d dirty %d doubt %d", docrel_doc_is_saved (doc), docrel_doc_is_dirty (doc),
             docrel_doc_is_in_doubt (doc));
   append (s, line);
   for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
      docrel_doc_t *const *related;
      size_t n;

      if (docrel_doc_related (doc, fields[f], &related, &n)) {
         append (s, fields[f]);
         for (size_t i = 0; i < n; i++) {
            snprintf (line, sizeof line, "  %d", fixture_id_of (related[i]));
            append (s, line);
         }
      }
   }
}

static char *
snap_memory (world_t *w, step_t step)
{
   char *s = NULL;
   char line[64];

   if (!w->session) {
      return bson_strdup ("no session");
   }
   snprintf (line, sizeof line, "session holds %zu", docrel_session_size (w->session));
   append (&s, line);
   if (step == STEP_GET_JOIN && w->root) {
      char *json = docrel_doc_to_json (w->root, true);

      append (&s, json);
      bson_free (json);
   }
   for (size_t i = 0; i < w->n_docs; i++) {
      snap_doc (w->docs[i], &s);
   }
   return s;
}

static snap_t
snap (world_t *w, step_t step)
{
   snap_t s = {snap_store (w), snap_memory (w, step)};

   return s;
}

static void
snap_free (snap_t *s)
{
   bson_free (s->store);
   bson_free (s->memory);
}

/* ---- a fault at one point --------------------------------------------- */

typedef struct {
   step_t step;
   fault_kind_t kind;
   snap_t before, after; /* around a call without faults */
   long points;          /* of kind, in that call */
   int failed, fired;    /* calls that failed; points where a fault hit */
} sweep_t;

/* A store the step opened or used takes a new write and shows it. */
static void
check_takes_a_write (world_t *w, const char *where)
{
   docrel_session_t *session;
   bson_error_t error;
   docrel_doc_t *doc;

   if (!w->author) {
      declare (w);
   }
   session = docrel_session_new (w->store);
   doc = fixture_new_doc (session, w->tag, "{\"_id\": 7777}");
   ck_assert_msg (docrel_save (doc, &error), "%s: a later save failed: %s", where, error.message);
   docrel_session_destroy (session);
   ck_assert_int_eq (fixture_count_where (w->store, w->tag, "{\"_id\": 7777}"), 1);
}

/* The state after the call is the one before it (failed) or after it. */
static void
check_state (world_t *w, sweep_t *sw, bool ok, const char *where)
{
   snap_t now = snap (w, sw->step);
   const snap_t *want = ok ? &sw->after : &sw->before;

   ck_assert_msg (strcmp (now.store, want->store) == 0, "%s: the store holds part of the call:\n%s\nexpected:\n%s",
                  where, now.store, want->store);
   ck_assert_msg (strcmp (now.memory, want->memory) == 0, "%s: memory is\n%s\nexpected:\n%s", where, now.memory,
                  want->memory);
   snap_free (&now);
}

static void
run_point (sweep_t *sw, long nth, bool lasting)
{
   bson_error_t error = {0};
   char where[160];
   world_t w;
   bool ok;

   snprintf (where, sizeof where, "%s, %s failing at %ld of %ld%s", step_names[sw->step], faults_kind_name (sw->kind),
             nth, sw->points, lasting ? " and after" : " once");
   setup (&w, sw->step);
   faults_arm (sw->kind, nth, lasting);
   ok = call (&w, sw->step, &error);
   faults_disarm ();
   sw->fired += faults_fired ();
   if (!ok) {
      sw->failed++;
      ck_assert_msg (error.domain != 0 && error.message[0], "%s: the call failed without an error", where);
      check_state (&w, sw, false, where);
      memset (&error, 0, sizeof error);
      ck_assert_msg (call (&w, sw->step, &error), "%s: the call again: %s", where, error.message);
   }
   check_state (&w, sw, true, where);
   check_takes_a_write (&w, where);
   teardown (&w);
}

/* The call without faults: its snapshots and how many points it has. */
static void
reference_run (sweep_t *sw)
{
   bson_error_t error;
   world_t w;

   setup (&w, sw->step);
   sw->before = snap (&w, sw->step);
   faults_arm (sw->kind, 0, false);
   ASSERT_OK (call (&w, sw->step, &error), error);
   sw->points = faults_disarm ();
   sw->after = snap (&w, sw->step);
   teardown (&w);
}

static long
max_points (void)
{
   const char *env = getenv ("DOCREL_TEST_FAULT_POINTS");

   if (env && *env) {
      return atol (env);
   }
   return strcmp (fixture_kind (), "file") == 0 ? 20 : 60; /* a file store per point is slower */
}

/* Every point, or max_points of them spread evenly (the last included). */
static void
sweep (step_t step, fault_kind_t kind)
{
   sweep_t sw = {step, kind, {NULL, NULL}, {NULL, NULL}, 0, 0, 0};
   long cap = max_points ();

   reference_run (&sw);
   for (long i = 0; i < sw.points && (cap <= 0 || i < cap); i++) {
      long nth = cap <= 0 || sw.points <= cap ? i + 1 : 1 + i * (sw.points - 1) / (cap - 1 > 0 ? cap - 1 : 1);

      run_point (&sw, nth, false);
      run_point (&sw, nth, true);
   }
   if (getenv ("DOCREL_TEST_FAULT_VERBOSE")) {
      fprintf (stderr, "%s, %s: %ld points, %d failed calls\n", step_names[step], faults_kind_name (kind), sw.points,
               sw.failed);
   }
   ck_assert_msg (sw.points == 0 || sw.fired > 0, "%s: no %s fault hit", step_names[step], faults_kind_name (kind));
   snap_free (&sw.before);
   snap_free (&sw.after);
}

/* ---- the tests ---------------------------------------------------------- */

START_TEST (sqlite_out_of_memory_at_any_allocation_leaves_the_call_all_or_nothing)
{
   sweep ((step_t) _i, FAULT_ALLOC);
}
END_TEST

START_TEST (a_failed_write_leaves_the_call_all_or_nothing)
{
   sweep ((step_t) _i, FAULT_WRITE);
}
END_TEST

START_TEST (a_failed_fsync_leaves_the_call_all_or_nothing)
{
   sweep ((step_t) _i, FAULT_SYNC);
}
END_TEST

START_TEST (a_short_read_leaves_the_call_all_or_nothing)
{
   sweep ((step_t) _i, FAULT_SHORT_READ);
}
END_TEST

static Suite *
faults_suite (void)
{
   Suite *s = suite_create ("faults");
   TCase *tc;

   if (!is_sqlite_kind ()) {
      return s; /* faults beneath SQLite only */
   }
   tc = tcase_create ("allocator");
   tcase_set_timeout (tc, 300);
   tcase_add_loop_test (tc, sqlite_out_of_memory_at_any_allocation_leaves_the_call_all_or_nothing, 0, N_STEPS);
   suite_add_tcase (s, tc);
   if (strcmp (fixture_kind (), "file") == 0) {
      tc = tcase_create ("io");
      tcase_set_timeout (tc, 300);
      tcase_add_loop_test (tc, a_failed_write_leaves_the_call_all_or_nothing, 0, N_STEPS);
      tcase_add_loop_test (tc, a_failed_fsync_leaves_the_call_all_or_nothing, 0, N_STEPS);
      tcase_add_loop_test (tc, a_short_read_leaves_the_call_all_or_nothing, 0, N_STEPS);
      suite_add_tcase (s, tc);
   }
   return s;
}

int
main (void)
{
   if (is_sqlite_kind () && !faults_install ()) {
      fprintf (stderr, "check_faults: SQLite refused the test allocator or VFS\n");
      return EXIT_FAILURE;
   }
   return fixture_run (faults_suite ());
}
