/* SPDX-License-Identifier: Apache-2.0 */
/* check_reliability.c: the store when things go wrong beneath it: SQLite
 * running out of memory in the middle of a save_all (and the memory coming
 * back), stores opened at the same moment on one file declaring the same
 * models, and a MongoDB server that accepts connections and never answers.
 *
 * The out-of-memory tests reach the SQLite library docrel is linked with
 * through dlsym on the process's global symbols (no link of their own to
 * sqlite3), and run only on the embedded store kinds. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mongoc/mongoc.h>

#include "fixture.h"

/* ---- stores of this suite ------------------------------------------- */

static bool
is_sqlite_kind (void)
{
   return strcmp (fixture_kind (), "mongodb") != 0;
}

/* A fresh file path under TMPDIR, with its SQLite side files removed. */
static void
temp_db_path (char *path, size_t size, const char *tag)
{
   char name[64];

   snprintf (name, sizeof name, "rel-%s", tag);
   fixture_temp_sqlite (name, path, size, NULL, 0);
}

/* ---- SQLite's heap limit ---------------------------------------------- */

/* The SQLite functions a test needs, found among the process's symbols
 * (libsqlite3 is loaded as docrel's dependency). */
typedef long long (*heap_limit_fn) (long long);
typedef long long (*memory_used_fn) (void);

static heap_limit_fn hard_heap_limit;
static heap_limit_fn soft_heap_limit;
static memory_used_fn memory_used;

static bool
find_sqlite (void)
{
   void *self = dlopen (NULL, RTLD_NOW);

   if (!self) {
      return false;
   }
   *(void **) &hard_heap_limit = dlsym (self, "sqlite3_hard_heap_limit64");
   *(void **) &soft_heap_limit = dlsym (self, "sqlite3_soft_heap_limit64");
   *(void **) &memory_used = dlsym (self, "sqlite3_memory_used");
   return hard_heap_limit && soft_heap_limit && memory_used;
}

/* When to cut SQLite's memory: at the started event of the nth command
 * named command, leaving slack bytes of the memory in use then. */
typedef struct {
   const char *command;
   int nth;
   long long slack;
   int seen;
   bool cut;
   int refused; /* calls refused while a rollback could not run */
} cut_t;

static void
cut_on_started (const docrel_trace_event_t *event, void *data)
{
   cut_t *cut = data;

   if (strcmp (docrel_trace_event_command_name (event), cut->command) == 0 && ++cut->seen == cut->nth) {
      hard_heap_limit (memory_used () + cut->slack);
      cut->cut = true;
   }
}

static void
memory_back (long long soft)
{
   hard_heap_limit (0);
   soft_heap_limit (soft);
}

/* ---- out of memory in save_all ---------------------------------------- */

typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post, *comment;
} blog_t;

static void
blog_declare (blog_t *b, docrel_store_t *store)
{
   bson_error_t error;
   bson_t *keys = fixture_json ("{\"name\": 1}");

   memset (b, 0, sizeof *b);
   b->store = store;
   b->author = fixture_keyed_model (store, "Author");
   b->post = fixture_keyed_model (store, "Post");
   b->comment = fixture_keyed_model (store, "Comment");
   ASSERT_OK (docrel_model_add_index (b->author, keys, NULL, &error), error);
   bson_destroy (keys);
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", NULL);
   fixture_declare (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId", NULL);
}

/* An author (key base) with 3 posts of 3 comments each: 13 documents. */
static docrel_doc_t *
blog_graph (blog_t *b, docrel_session_t *session, int base)
{
   char json[128];
   bson_error_t error;
   docrel_doc_t *author, *post;

   snprintf (json, sizeof json, "{\"_id\": %d, \"name\": \"author %d\"}", base, base);
   author = fixture_new_doc (session, b->author, json);
   for (int p = 1; p <= 3; p++) {
      snprintf (json, sizeof json, "{\"_id\": %d, \"title\": \"post %d\"}", base + p * 10, p);
      post = fixture_new_doc (session, b->post, json);
      ASSERT_OK (docrel_doc_add_related (author, "posts", post, &error), error);
      for (int c = 1; c <= 3; c++) {
         snprintf (json, sizeof json, "{\"_id\": %d, \"text\": \"comment %d\"}", base + p * 10 + c, c);
         ASSERT_OK (docrel_doc_add_related (post, "comments", fixture_new_doc (session, b->comment, json), &error),
                    error);
      }
   }
   return author;
}

/* Counts the documents of model with keys in [base, base + 100); -1 if the
 * count failed, with error set. */
static int64_t
count_graph (blog_t *b, docrel_model_t *model, int base, bson_error_t *error)
{
   char json[128];
   docrel_session_t *session = docrel_session_new (b->store);
   docrel_doc_t **docs = NULL;
   bson_t *filter;
   size_t n = 0;
   bool ok;

   snprintf (json, sizeof json, "{\"_id\": {\"$gte\": %d, \"$lt\": %d}}", base, base + 100);
   filter = fixture_json (json);
   ok = docrel_find_all (session, model, filter, NULL, &docs, &n, error);
   bson_destroy (filter);
   bson_free (docs);
   docrel_session_destroy (session);
   return ok ? (int64_t) n : -1;
}

/* The graph of base is in the store whole (13) or not at all (0). */
static int64_t
graph_size (blog_t *b, int base)
{
   bson_error_t error;
   int64_t authors = count_graph (b, b->author, base, &error);
   int64_t posts = authors < 0 ? -1 : count_graph (b, b->post, base, &error);
   int64_t comments = posts < 0 ? -1 : count_graph (b, b->comment, base, &error);

   ck_assert_msg (comments >= 0, "reading graph %d after memory came back: %s", base, error.message);
   ck_assert_msg ((authors == 0 && posts == 0 && comments == 0) || (authors == 1 && posts == 3 && comments == 9),
                  "graph %d is half written: %lld authors, %lld posts, %lld comments", base, (long long) authors,
                  (long long) posts, (long long) comments);
   return authors + posts + comments;
}

/* While memory is short: a read of graph base either fails, naming the
 * cause, or sees it whole or not at all. Counts the refusals of a store
 * that could not roll back in *refused. */
static void
check_read_while_short (blog_t *b, int base, int *refused)
{
   bson_error_t error;
   int64_t authors = count_graph (b, b->author, base, &error);
   int64_t comments = authors < 0 ? -1 : count_graph (b, b->comment, base, &error);

   if (comments < 0) {
      ASSERT_MENTIONS (error, "out of memory");
      *refused += strstr (error.message, "refuses every call") != NULL;
      return;
   }
   ck_assert_msg ((authors == 0 && comments == 0) || (authors == 1 && comments == 9),
                  "graph %d is half written: %lld authors, %lld comments", base, (long long) authors,
                  (long long) comments);
}

/* A store of this suite's kind on a file of its own (path, for a second
 * store on it) or in memory (path empty). */
static docrel_store_t *
open_sqlite_store (char *path, size_t size)
{
   char uri[1200];

   if (strcmp (fixture_kind (), "file") != 0) {
      path[0] = '\0';
      return fixture_store_open_uri ("sqlite::memory:");
   }
   temp_db_path (path, size, "oom");
   snprintf (uri, sizeof uri, "sqlite://%s", path);
   return fixture_store_open_uri (uri);
}

/* Saves author 3000 alone with docrel_save; if that reports success, the
 * document must be committed: seen by a second store on the file. */
static void
check_save_is_true (blog_t *b, const char *path)
{
   docrel_session_t *session = docrel_session_new (b->store);
   docrel_doc_t *doc = fixture_new_doc (session, b->author, "{\"_id\": 3000, \"name\": \"alone\"}");
   bson_error_t error = {0};
   bool saved = docrel_save (doc, &error);

   docrel_session_destroy (session);
   ck_assert_msg (saved, "docrel_save after memory came back: %s", error.message);
   if (path[0]) {
      char uri[1200];
      docrel_store_t *other;
      blog_t ob;

      snprintf (uri, sizeof uri, "sqlite://%s", path);
      other = fixture_store_open_uri (uri);
      blog_declare (&ob, other);
      ck_assert_msg (count_graph (&ob, ob.author, 3000, &error) == 1,
                     "docrel_save reported the document saved, but another store does not see it (%s)", error.message);
      docrel_store_destroy (other);
   }
}

/* One run: cut SQLite's memory at cut inside a save_all, give it back, and
 * check every later call. */
static void
oom_run (cut_t *cut)
{
   char path[1024];
   docrel_trace_callbacks_t trace = {cut_on_started, NULL, NULL};
   long long soft = soft_heap_limit (-1);
   docrel_session_t *session;
   bson_error_t error;
   blog_t b;
   bool ok;

   blog_declare (&b, open_sqlite_store (path, sizeof path));
   session = docrel_session_new (b.store);
   ASSERT_OK (docrel_save_all (blog_graph (&b, session, 1000), NULL, NULL, NULL, &error), error);
   docrel_session_destroy (session);

   session = docrel_session_new (b.store);
   ASSERT_OK (docrel_store_set_trace (b.store, &trace, cut, &error), error);
   ok = docrel_save_all (blog_graph (&b, session, 2000), NULL, NULL, NULL, &error);
   /* No memory to spare at all now, for the rollback either. */
   hard_heap_limit (memory_used ());
   check_read_while_short (&b, 2000, &cut->refused);
   check_read_while_short (&b, 1000, &cut->refused);
   memory_back (soft);
   ASSERT_OK (docrel_store_set_trace (b.store, NULL, NULL, &error), error);
   docrel_session_destroy (session);

   ck_assert_int_eq (graph_size (&b, 1000), 13);
   ck_assert_int_eq (graph_size (&b, 2000), ok ? 13 : graph_size (&b, 2000));
   check_save_is_true (&b, path);
   /* The same graph again (or a new one if the first got through). */
   session = docrel_session_new (b.store);
   ASSERT_OK (docrel_save_all (blog_graph (&b, session, ok ? 4000 : 2000), NULL, NULL, NULL, &error), error);
   docrel_session_destroy (session);
   ck_assert_int_eq (graph_size (&b, ok ? 4000 : 2000), 13);
   docrel_store_destroy (b.store);
   if (path[0]) {
      char uri[1200];

      snprintf (uri, sizeof uri, "sqlite://%s", path);
      blog_declare (&b, fixture_store_open_uri (uri));
      ck_assert_int_eq (graph_size (&b, 2000), 13);
      ck_assert_int_eq (count_graph (&b, b.author, 3000, NULL), 1);
      docrel_store_destroy (b.store);
      fixture_remove_sqlite_files (path);
   }
}

START_TEST (a_lasting_out_of_memory_in_save_all_leaves_no_half_written_store)
{
   static const char *const commands[] = {"insert", "insert", "insert", "commitTransaction"};
   static const long long slacks[] = {0, 256, 1024, 4096, 16384};
   int failed = 0, refused = 0;

   ck_assert_msg (find_sqlite (), "SQLite's heap limit functions are not among the process's symbols");
   for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
      for (size_t s = 0; s < sizeof slacks / sizeof slacks[0]; s++) {
         cut_t cut = {commands[c], c < 3 ? (int) c + 1 : 1, slacks[s], 0, false, 0};

         oom_run (&cut);
         failed += cut.cut;
         refused += cut.refused;
      }
   }
   ck_assert_int_gt (failed, 0);
   ck_assert_int_gt (refused, 0); /* the path where the rollback waits for memory ran */
}
END_TEST

/* ---- stores declaring at the same moment --------------------------------- */

#define RACERS 4
#define ROUNDS 12

typedef struct {
   const char *uri;
   pthread_barrier_t *barrier;
   int id;
   bool ok;
   bson_error_t error;
} racer_t;

/* The blog's models, with indexes, declared and used (one document each)
 * on store; false with error set on the first failure. */
static bool
declare_and_use (docrel_store_t *store, int id, bson_error_t *error)
{
   docrel_model_t *author = docrel_model_new (store, "Author", NULL, error);
   docrel_model_t *post = author ? docrel_model_new (store, "Post", NULL, error) : NULL;
   docrel_model_t *tag = post ? docrel_model_new (store, "Tag", NULL, error) : NULL;
   bson_t *email = bson_new_from_json ((const uint8_t *) "{\"email\": 1}", -1, NULL);
   bson_t *unique = bson_new_from_json ((const uint8_t *) "{\"unique\": true}", -1, NULL);
   docrel_session_t *session = docrel_session_new (store);
   docrel_model_t *models[] = {author, post, tag};
   char json[64];
   bool ok = tag && docrel_model_add_index (author, email, unique, error) &&
             docrel_model_has_many (author, post, "posts", "_id", "authorId", NULL, error) &&
             docrel_model_has_and_belongs_to_many (post, tag, "tags", "_id", "_id", NULL, error);

   snprintf (json, sizeof json, "{\"email\": \"%d@example.org\"}", id);
   for (size_t m = 0; ok && m < sizeof models / sizeof models[0]; m++) {
      docrel_doc_t *doc = docrel_doc_new_from_json (session, models[m], json, error);

      ok = doc && docrel_save (doc, error);
   }
   docrel_session_destroy (session);
   bson_destroy (email);
   bson_destroy (unique);
   return ok;
}

static void *
racer (void *arg)
{
   racer_t *r = arg;
   docrel_store_t *store;

   pthread_barrier_wait (r->barrier);
   store = docrel_store_open (r->uri, &r->error);
   r->ok = store && declare_and_use (store, r->id, &r->error);
   docrel_store_destroy (store);
   return NULL;
}

/* kind mongodb: uri is the server's with a database of this test's. */
static void
race_uri (char *uri, size_t size, char *path, size_t path_size, int round)
{
   if (strcmp (fixture_kind (), "file") == 0) {
      temp_db_path (path, path_size, "race");
      snprintf (uri, size, "sqlite://%s", path);
   } else {
      const char *base = fixture_mongodb_uri ();
      const char *hosts = strstr (base, "://") + 3;
      const char *end = hosts + strcspn (hosts, "/?");
      const char *query = strchr (end, '?');

      path[0] = '\0';
      snprintf (uri, size, "%.*s/docrel_race_%ld_%d%s", (int) (end - base), base, (long) getpid (), round,
                query ? query : "");
   }
}

/* Removes what a round left: the file, or the database. */
static void
race_cleanup (const char *uri, const char *path)
{
   mongoc_client_t *client;
   mongoc_uri_t *parsed;
   bson_error_t error;

   if (path[0]) {
      fixture_remove_sqlite_files (path);
      return;
   }
   parsed = mongoc_uri_new (uri);
   client = parsed ? mongoc_client_new_from_uri (parsed) : NULL;
   if (client) {
      mongoc_database_t *db = mongoc_client_get_database (client, mongoc_uri_get_database (parsed));

      mongoc_database_drop (db, &error); /* best effort */
      mongoc_database_destroy (db);
      mongoc_client_destroy (client);
   }
   mongoc_uri_destroy (parsed);
}

START_TEST (stores_opened_at_once_on_one_file_declare_the_same_models)
{
   for (int round = 0; round < ROUNDS; round++) {
      char uri[1200], path[1024];
      pthread_barrier_t barrier;
      pthread_t threads[RACERS];
      racer_t racers[RACERS];
      docrel_store_t *store;
      bson_error_t error;

      race_uri (uri, sizeof uri, path, sizeof path, round);
      pthread_barrier_init (&barrier, NULL, RACERS);
      for (int i = 0; i < RACERS; i++) {
         racers[i] = (racer_t){uri, &barrier, i, false, {0}};
         ck_assert_int_eq (pthread_create (&threads[i], NULL, racer, &racers[i]), 0);
      }
      for (int i = 0; i < RACERS; i++) {
         pthread_join (threads[i], NULL);
      }
      pthread_barrier_destroy (&barrier);
      for (int i = 0; i < RACERS; i++) {
         ck_assert_msg (racers[i].ok, "round %d, store %d: %s", round, i, racers[i].error.message);
      }
      /* One set of models, every document there. */
      store = fixture_store_open_uri (uri);
      ck_assert_msg (declare_and_use (store, RACERS, &error), "%s", error.message);
      ck_assert_int_eq (fixture_count_all (store, docrel_store_model (store, "Author")), RACERS + 1);
      docrel_store_destroy (store);
      race_cleanup (uri, path);
   }
}
END_TEST

/* ---- a MongoDB server that never answers ---------------------------------- */

static double
now (void)
{
   struct timespec ts;

   clock_gettime (CLOCK_MONOTONIC, &ts);
   return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

typedef struct {
   char uri[256];
   docrel_store_t *store;
   bson_error_t error;
   double seconds;
} silent_open_t;

static void *
open_silent (void *arg)
{
   silent_open_t *o = arg;
   double start = now ();

   o->store = docrel_store_open (o->uri, &o->error);
   o->seconds = now () - start;
   return NULL;
}

/* docs/mongodb.md, Timeouts: without timeouts in the URI, open gives up
 * after serverSelectionTimeoutMS=10000 (and waits connectTimeoutMS=5000
 * for a first reply); with serverSelectionTimeoutMS alone, after that (the
 * wait for a first reply shortened to it, not libmongoc's 10 s). The bounds
 * asserted leave 8 s and 5 s for a loaded machine. */
START_TEST (open_on_a_server_that_never_answers_fails_within_the_stated_timeouts)
{
   silent_open_t opens[2];
   pthread_t threads[2];
   int fd;
   int port = fixture_silent_port (&fd);

   mongoc_log_set_handler (NULL, NULL); /* the monitors' failed checks */
   memset (opens, 0, sizeof opens);
   snprintf (opens[0].uri, sizeof opens[0].uri, "mongodb://127.0.0.1:%d/app", port);
   snprintf (opens[1].uri, sizeof opens[1].uri, "mongodb://127.0.0.1:%d/app?serverSelectionTimeoutMS=1500", port);
   for (int i = 0; i < 2; i++) {
      ck_assert_int_eq (pthread_create (&threads[i], NULL, open_silent, &opens[i]), 0);
   }
   for (int i = 0; i < 2; i++) {
      pthread_join (threads[i], NULL);
      ck_assert_ptr_null (opens[i].store);
      ck_assert_uint_eq (opens[i].error.domain, DOCREL_ERROR_STORE);
      ck_assert_uint_eq (opens[i].error.code, DOCREL_ERROR_BACKEND);
      ASSERT_MENTIONS (opens[i].error, "cannot reach MongoDB at mongodb://127.0.0.1:");
   }
   close (fd);
   ck_assert_msg (opens[0].seconds < 18.0, "open without timeouts took %.1f s", opens[0].seconds);
   ck_assert_msg (opens[1].seconds < 6.5, "open with serverSelectionTimeoutMS=1500 took %.1f s", opens[1].seconds);
   ASSERT_MENTIONS (opens[0].error, "within serverSelectionTimeoutMS=10000 (connectTimeoutMS=5000)");
   ASSERT_MENTIONS (opens[1].error, "within serverSelectionTimeoutMS=1500 (connectTimeoutMS=1500)");
}
END_TEST

static Suite *
reliability_suite (void)
{
   Suite *s = suite_create ("reliability");
   TCase *tc;

   if (is_sqlite_kind ()) {
      tc = tcase_create ("out_of_memory");
      tcase_add_test (tc, a_lasting_out_of_memory_in_save_all_leaves_no_half_written_store);
      suite_add_tcase (s, tc);
   }
   if (strcmp (fixture_kind (), "mongodb") == 0) {
      tc = tcase_create ("timeouts");
      tcase_set_timeout (tc, 60);
      tcase_add_test (tc, open_on_a_server_that_never_answers_fails_within_the_stated_timeouts);
      suite_add_tcase (s, tc);
   }
   if (strcmp (fixture_kind (), "memory") != 0) { /* a memory store is private */
      tc = tcase_create ("declaring_at_once");
      tcase_add_test (tc, stores_opened_at_once_on_one_file_declare_the_same_models);
      suite_add_tcase (s, tc);
   }
   return s;
}

int
main (void)
{
   return fixture_run (reliability_suite ());
}
