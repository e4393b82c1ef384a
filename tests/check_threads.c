/* SPDX-License-Identifier: Apache-2.0 */
/* check_threads.c: threads of a service on one store, and stores of their
 * own on one file. Each writer thread saves authors with their posts, reads
 * each back with its posts joined (docrel_get) and deletes every other one
 * with cascade (docrel_delete_all); reader threads meanwhile read a seeded
 * author with its posts, which must always come whole. No call may fail
 * (in particular never "database is locked"), and the counts at the end are
 * what the threads left. Run under ThreadSanitizer in CI (.ci/run). On a
 * memory store, one store per thread cannot share data: that test only
 * checks the shared store. A read call sees one snapshot: a post committed
 * by another store while a find_all reads its joins is not in its result
 * (file store; not yet done on MongoDB, nor possible in memory). Keys are
 * the caller's ints. */
#include <pthread.h>
#include <stdio.h>

#include "fixture.h"

#define WRITERS 3
#define READERS 2
#define ROUNDS 20
#define POSTS 3

typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post;
} blog_t;

typedef struct {
   blog_t blog;
   int id; /* the thread's number: keys id * 1000 + round */
   char failure[600];
} worker_t;

static void
declare (docrel_store_t *store, blog_t *b)
{
   b->store = store;
   b->author = fixture_keyed_model (store, "Author");
   b->post = fixture_keyed_model (store, "Post");
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId",
                    "{\"onDelete\": \"cascade\"}");
}

static bool
worker_fail (worker_t *w, const char *what, const bson_error_t *error)
{
   snprintf (w->failure, sizeof w->failure, "thread %d: %s: %s", w->id, what, error ? error->message : "");
   return false;
}

/* Saves author key with POSTS posts, in one session. */
static bool
save_author (worker_t *w, docrel_session_t *s, int key)
{
   char json[200];
   bson_error_t error;
   docrel_doc_t *doc;

   snprintf (json, sizeof json, "{\"_id\": %d, \"name\": \"author-%d\"}", key, key);
   doc = docrel_doc_new_from_json (s, w->blog.author, json, &error);
   if (!doc || !docrel_save (doc, &error)) {
      return worker_fail (w, "saving an author", &error);
   }
   for (int p = 0; p < POSTS; p++) {
      snprintf (json, sizeof json, "{\"_id\": %d, \"authorId\": %d, \"title\": \"post-%d\"}", key * 10 + p, key, p);
      doc = docrel_doc_new_from_json (s, w->blog.post, json, &error);
      if (!doc || !docrel_save (doc, &error)) {
         return worker_fail (w, "saving a post", &error);
      }
   }
   return true;
}

/* Reads author key with its posts; they must all be there. */
static bool
get_whole (worker_t *w, docrel_session_t *s, int key, docrel_doc_t **out)
{
   bson_t *tree = BCON_NEW ("posts", BCON_BOOL (true));
   bson_value_t id = {.value_type = BSON_TYPE_INT32, .value.v_int32 = key};
   docrel_doc_t *const *posts = NULL;
   bson_error_t error;
   size_t n = 0;
   bool ok = docrel_get (s, w->blog.author, &id, tree, out, &error);

   bson_destroy (tree);
   if (!ok) {
      return worker_fail (w, "get with posts", &error);
   }
   docrel_doc_related (*out, "posts", &posts, &n);
   if (n != POSTS) {
      snprintf (w->failure, sizeof w->failure, "thread %d: author %d came with %zu posts", w->id, key, n);
      return false;
   }
   return true;
}

static void *
writer_main (void *arg)
{
   worker_t *w = arg;
   bson_t *tree = BCON_NEW ("posts", BCON_BOOL (true));
   bson_error_t error;

   for (int r = 0; r < ROUNDS && !w->failure[0]; r++) {
      int key = w->id * 1000 + r;
      docrel_session_t *s = docrel_session_new (w->blog.store);
      docrel_doc_t *doc;

      if (save_author (w, s, key) && get_whole (w, s, key, &doc) && r % 2 == 0 &&
          !docrel_delete_all (doc, tree, &error)) {
         worker_fail (w, "delete_all", &error);
      }
      docrel_session_destroy (s);
   }
   bson_destroy (tree);
   return NULL;
}

static void *
reader_main (void *arg)
{
   worker_t *w = arg;

   for (int r = 0; r < ROUNDS * 3 && !w->failure[0]; r++) {
      docrel_session_t *s = docrel_session_new (w->blog.store);
      docrel_doc_t *doc;

      get_whole (w, s, 1, &doc);
      docrel_session_destroy (s);
   }
   return NULL;
}

static int64_t
count (docrel_store_t *store, docrel_model_t *model)
{
   docrel_session_t *s = docrel_session_new (store);
   bson_error_t error;
   int64_t n = -1;

   ASSERT_OK (docrel_count (s, model, NULL, NULL, &n, &error), error);
   docrel_session_destroy (s);
   return n;
}

/* Runs the writers and readers, each on stores[i] (with its models). */
static void
run_workers (blog_t *blogs, const blog_t *main_blog)
{
   pthread_t threads[WRITERS + READERS];
   worker_t workers[WRITERS + READERS];
   docrel_session_t *s = docrel_session_new (main_blog->store);
   worker_t seed = {.blog = *main_blog, .id = 0};

   ck_assert_msg (save_author (&seed, s, 1), "%s", seed.failure);
   docrel_session_destroy (s);
   for (int i = 0; i < WRITERS + READERS; i++) {
      memset (&workers[i], 0, sizeof workers[i]);
      workers[i].blog = blogs[i];
      workers[i].id = i + 1;
      ck_assert_int_eq (pthread_create (&threads[i], NULL, i < WRITERS ? writer_main : reader_main, &workers[i]), 0);
   }
   for (int i = 0; i < WRITERS + READERS; i++) {
      pthread_join (threads[i], NULL);
   }
   for (int i = 0; i < WRITERS + READERS; i++) {
      ck_assert_msg (workers[i].failure[0] == '\0', "%s", workers[i].failure);
   }
   /* The seeded author, and half of each writer's (the odd rounds). */
   ck_assert_int_eq (count (main_blog->store, main_blog->author), 1 + WRITERS * ROUNDS / 2);
   ck_assert_int_eq (count (main_blog->store, main_blog->post), POSTS * (1 + WRITERS * ROUNDS / 2));
}

START_TEST (threads_share_one_store)
{
   docrel_store_t *store = fixture_store_open ();
   blog_t blogs[WRITERS + READERS];
   blog_t b;

   declare (store, &b);
   for (int i = 0; i < WRITERS + READERS; i++) {
      blogs[i] = b;
   }
   run_workers (blogs, &b);
   fixture_store_close (store);
}
END_TEST

START_TEST (threads_each_with_a_store_on_one_file)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_store_t *others[WRITERS + READERS];
   blog_t blogs[WRITERS + READERS];
   blog_t b;

   declare (store, &b);
   others[0] = fixture_store_open_second ();
   if (!others[0]) {
      fixture_store_close (store); /* a memory store is private to its store */
      return;
   }
   for (int i = 0; i < WRITERS + READERS; i++) {
      if (i > 0) {
         others[i] = fixture_store_open_second ();
      }
      declare (others[i], &blogs[i]);
   }
   run_workers (blogs, &b);
   for (int i = 0; i < WRITERS + READERS; i++) {
      docrel_store_destroy (others[i]);
   }
   fixture_store_close (store);
}
END_TEST

typedef struct {
   blog_t other; /* the same file through another store */
   bool injected;
   char failure[600];
} inject_t;

/* When the join starts reading posts, another store adds one to author 1. */
static void
inject_post (const docrel_trace_event_t *event, void *data)
{
   inject_t *t = data;
   worker_t w = {.blog = t->other, .id = 0};
   docrel_session_t *s;
   bson_error_t error;
   docrel_doc_t *doc;

   if (t->injected || strcmp (docrel_trace_event_command_name (event), "find") != 0 ||
       strcmp (docrel_trace_event_collection (event), "Post") != 0) {
      return;
   }
   t->injected = true;
   s = docrel_session_new (t->other.store);
   doc = docrel_doc_new_from_json (s, w.blog.post, "{\"_id\": 99, \"authorId\": 1}", &error);
   if (!doc || !docrel_save (doc, &error)) {
      snprintf (t->failure, sizeof t->failure, "saving through the other store: %s", error.message);
   }
   docrel_session_destroy (s);
}

/* find_all reads its roots to the end, then their posts: one snapshot, so a
 * post committed in between by another connection is not half-seen. */
START_TEST (a_read_call_sees_one_snapshot)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_trace_callbacks_t callbacks = {inject_post, NULL, NULL};
   bson_t *opts = fixture_json ("{\"join\": {\"posts\": true}}");
   docrel_doc_t *const *posts = NULL;
   docrel_doc_t **docs = NULL;
   inject_t t = {0};
   bson_error_t error;
   docrel_session_t *s;
   worker_t seed;
   size_t n = 0, n_posts = 0;
   blog_t b;

   declare (store, &b);
   t.other.store = fixture_store_open_second ();
   if (!t.other.store || strcmp (fixture_kind (), "mongodb") == 0) {
      /* memory: no other connection; MongoDB: read scopes not done yet */
      docrel_store_destroy (t.other.store);
      bson_destroy (opts);
      fixture_store_close (store);
      return;
   }
   declare (t.other.store, &t.other);
   seed = (worker_t){.blog = b, .id = 0};
   s = docrel_session_new (store);
   ck_assert_msg (save_author (&seed, s, 1), "%s", seed.failure);
   docrel_session_destroy (s);
   ASSERT_OK (docrel_store_set_trace (store, &callbacks, &t, &error), error);
   s = docrel_session_new (store);
   ASSERT_OK (docrel_find_all (s, b.author, NULL, opts, &docs, &n, &error), error);
   ck_assert_msg (t.injected && !t.failure[0], "%s", t.failure);
   ck_assert_uint_eq (n, 1);
   docrel_doc_related (docs[0], "posts", &posts, &n_posts);
   ck_assert_uint_eq (n_posts, POSTS); /* the state when the call began */
   bson_free (docs);
   docrel_session_destroy (s);
   ASSERT_OK (docrel_store_set_trace (store, NULL, NULL, &error), error);
   ck_assert_int_eq (count (store, b.post), POSTS + 1);
   bson_destroy (opts);
   docrel_store_destroy (t.other.store);
   fixture_store_close (store);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("threads");
   TCase *tc = tcase_create ("threads");

   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, threads_share_one_store);
   tcase_add_test (tc, threads_each_with_a_store_on_one_file);
   tcase_add_test (tc, a_read_call_sees_one_snapshot);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
