/* SPDX-License-Identifier: Apache-2.0 */
/* check_trace.c: command tracing (docrel-trace.h): the started, succeeded
 * and failed events of saves, joined gets, finds and their getMores, counts,
 * deletes, explains, first use and graph transactions; a duplicate key's
 * failed event; the agreement of started events with docrel_store_stats;
 * and setting and unsetting the trace, also while other threads run
 * commands. Times are never asserted, only that a duration is not
 * negative. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "docrel/docrel-trace.h"

/* ---- a recorder of events ------------------------------------------------ */

typedef enum { STARTED, SUCCEEDED, FAILED } kind_t;

typedef struct {
   kind_t kind;
   char command[32];
   char collection[64];
   bool has_collection;
   uint64_t documents;
   int64_t duration;
   uint64_t request_id;
   bool has_error;
   bson_error_t error;
} rec_t;

typedef struct {
   pthread_mutex_t mutex;
   rec_t *recs;
   size_t n, cap;
   bool closed; /* its trace was replaced: no callback may reach it since */
   int late;    /* callbacks that did */
} recorder_t;

static void
recorder_init (recorder_t *r)
{
   memset (r, 0, sizeof *r);
   pthread_mutex_init (&r->mutex, NULL);
}

static void
recorder_destroy (recorder_t *r)
{
   free (r->recs);
   pthread_mutex_destroy (&r->mutex);
}

static void
record (kind_t kind, const docrel_trace_event_t *event, void *user_data)
{
   recorder_t *r = user_data;
   const char *collection = docrel_trace_event_collection (event);
   const bson_error_t *error = docrel_trace_event_error (event);
   rec_t *rec;

   pthread_mutex_lock (&r->mutex);
   if (r->closed) {
      r->late++;
   }
   if (r->n == r->cap) {
      r->cap = r->cap ? r->cap * 2 : 64;
      r->recs = realloc (r->recs, r->cap * sizeof *r->recs);
   }
   rec = &r->recs[r->n++];
   memset (rec, 0, sizeof *rec);
   rec->kind = kind;
   snprintf (rec->command, sizeof rec->command, "%s", docrel_trace_event_command_name (event));
   rec->has_collection = collection != NULL;
   snprintf (rec->collection, sizeof rec->collection, "%s", collection ? collection : "");
   rec->documents = docrel_trace_event_documents (event);
   rec->duration = docrel_trace_event_duration_usec (event);
   rec->request_id = docrel_trace_event_request_id (event);
   rec->has_error = error != NULL;
   if (error) {
      rec->error = *error;
   }
   pthread_mutex_unlock (&r->mutex);
}

static void
on_started (const docrel_trace_event_t *event, void *user_data)
{
   record (STARTED, event, user_data);
}

static void
on_succeeded (const docrel_trace_event_t *event, void *user_data)
{
   record (SUCCEEDED, event, user_data);
}

static void
on_failed (const docrel_trace_event_t *event, void *user_data)
{
   record (FAILED, event, user_data);
}

static void
trace_to (docrel_store_t *store, recorder_t *r)
{
   docrel_trace_callbacks_t callbacks = {on_started, on_succeeded, on_failed};
   bson_error_t error;

   ASSERT_OK (docrel_store_set_trace (store, &callbacks, r, &error), error);
}

static void
trace_off (docrel_store_t *store)
{
   bson_error_t error;

   ASSERT_OK (docrel_store_set_trace (store, NULL, NULL, &error), error);
}

static bool
is_command (const rec_t *rec, kind_t kind, const char *command)
{
   return rec->kind == kind && (!command || strcmp (rec->command, command) == 0);
}

/* The number of events of kind for command (NULL: any). */
static size_t
count_of (const recorder_t *r, kind_t kind, const char *command)
{
   size_t n = 0;

   for (size_t i = 0; i < r->n; i++) {
      n += is_command (&r->recs[i], kind, command);
   }
   return n;
}

/* The first event of kind for command, failing the test if there is none. */
static const rec_t *
first_of (const recorder_t *r, kind_t kind, const char *command)
{
   for (size_t i = 0; i < r->n; i++) {
      if (is_command (&r->recs[i], kind, command)) {
         return &r->recs[i];
      }
   }
   ck_abort_msg ("no %s event for %s",
                 kind == STARTED     ? "started"
                 : kind == SUCCEEDED ? "succeeded"
                                     : "failed",
                 command);
   return NULL;
}

/* The succeeded or failed event of the started one, or NULL. */
static const rec_t *
end_of (const recorder_t *r, const rec_t *started)
{
   for (size_t i = 0; i < r->n; i++) {
      if (r->recs[i].kind != STARTED && r->recs[i].request_id == started->request_id) {
         return &r->recs[i];
      }
   }
   return NULL;
}

/* The documents of the events of kind for command, added up. */
static uint64_t
documents_of (const recorder_t *r, kind_t kind, const char *command)
{
   uint64_t n = 0;

   for (size_t i = 0; i < r->n; i++) {
      if (is_command (&r->recs[i], kind, command)) {
         n += r->recs[i].documents;
      }
   }
   return n;
}

/* The commands docrel_store_stats counts: all but these. */
static bool
is_counted (const char *command)
{
   static const char *const uncounted[] = {"create", "explain", "startTransaction", "commitTransaction",
                                           "abortTransaction"};

   for (size_t i = 0; i < sizeof uncounted / sizeof uncounted[0]; i++) {
      if (strcmp (command, uncounted[i]) == 0) {
         return false;
      }
   }
   return true;
}

static uint64_t
counted_started (const recorder_t *r)
{
   uint64_t n = 0;

   for (size_t i = 0; i < r->n; i++) {
      n += r->recs[i].kind == STARTED && is_counted (r->recs[i].command);
   }
   return n;
}

/* Every end follows its start, with the same name and collection; request
 * ids are unique; a started event has no duration; only failed events have
 * an error; durations are never negative. With complete, every start has
 * its end too. */
static void
assert_paired (const recorder_t *r, bool complete)
{
   for (size_t i = 0; i < r->n; i++) {
      const rec_t *e = &r->recs[i];
      size_t starts = 0, ends = 0, first_start = SIZE_MAX, first_end = SIZE_MAX;

      ck_assert_uint_ne (e->request_id, 0);
      ck_assert_int_ge (e->duration, 0);
      ck_assert_msg (e->has_error == (e->kind == FAILED), "%s: an error on a %s event", e->command,
                     e->kind == FAILED ? "failed" : "non-failed");
      if (e->kind == STARTED) {
         ck_assert_int_eq (e->duration, 0);
      }
      for (size_t k = 0; k < r->n; k++) {
         const rec_t *o = &r->recs[k];

         if (o->request_id != e->request_id) {
            continue;
         }
         ck_assert_str_eq (o->command, e->command);
         ck_assert_str_eq (o->collection, e->collection);
         if (o->kind == STARTED) {
            starts++;
            first_start = first_start == SIZE_MAX ? k : first_start;
         } else {
            ends++;
            first_end = first_end == SIZE_MAX ? k : first_end;
         }
      }
      ck_assert_msg (starts == 1, "%s #%" PRIu64 ": %zu started events", e->command, e->request_id, starts);
      ck_assert_msg (ends <= 1, "%s #%" PRIu64 ": %zu ends", e->command, e->request_id, ends);
      ck_assert_msg (!complete || ends == 1, "%s #%" PRIu64 ": no end", e->command, e->request_id);
      ck_assert_msg (ends == 0 || first_start < first_end, "%s #%" PRIu64 ": ended before it started", e->command,
                     e->request_id);
   }
}

/* The difference b - a of each counter. */
static docrel_store_stats_t
stats_since (docrel_store_t *store, const docrel_store_stats_t *a)
{
   docrel_store_stats_t b;

   docrel_store_stats (store, &b);
   b.commands -= a->commands;
   b.inserts -= a->inserts;
   b.updates -= a->updates;
   b.deletes -= a->deletes;
   b.finds -= a->finds;
   b.counts -= a->counts;
   b.index_builds -= a->index_builds;
   b.transactions -= a->transactions;
   b.documents_written -= a->documents_written;
   b.documents_read -= a->documents_read;
   return b;
}

/* Started events of each kind equal the counters of that kind. */
static void
assert_agrees (const recorder_t *r, const docrel_store_stats_t *d)
{
   ck_assert_uint_eq (counted_started (r), d->commands);
   ck_assert_uint_eq (count_of (r, STARTED, "insert"), d->inserts);
   ck_assert_uint_eq (count_of (r, STARTED, "update"), d->updates);
   ck_assert_uint_eq (count_of (r, STARTED, "delete"), d->deletes);
   ck_assert_uint_eq (count_of (r, STARTED, "find") + count_of (r, STARTED, "getMore"), d->finds);
   ck_assert_uint_eq (count_of (r, STARTED, "count"), d->counts);
   ck_assert_uint_eq (count_of (r, STARTED, "createIndexes"), d->index_builds);
}

/* A store with Item (generated keys), used once so that its first use is
 * behind us. */
typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *item;
   recorder_t r;
} items_t;

static void
items_open (items_t *t)
{
   t->store = fixture_store_open ();
   t->item = fixture_model_new (t->store, "Item", NULL);
   t->session = docrel_session_new (t->store);
   fixture_saved_doc (t->session, t->item, "{\"v\": 0}");
   recorder_init (&t->r);
}

static void
items_close (items_t *t)
{
   trace_off (t->store);
   recorder_destroy (&t->r);
   docrel_session_destroy (t->session);
   fixture_store_close (t->store);
}

/* ---- events ---------------------------------------------------------------- */

START_TEST (save_reports_an_insert_of_one_document_started_then_succeeded)
{
   items_t t;
   const rec_t *started, *end;

   items_open (&t);
   trace_to (t.store, &t.r);
   fixture_saved_doc (t.session, t.item, "{\"v\": 1}");
   ck_assert_uint_eq (t.r.n, 2);
   started = &t.r.recs[0];
   end = &t.r.recs[1];
   ck_assert (is_command (started, STARTED, "insert"));
   ck_assert_str_eq (started->collection, "Item");
   ck_assert_uint_eq (started->documents, 1);
   ck_assert (is_command (end, SUCCEEDED, "insert"));
   ck_assert_uint_eq (end->request_id, started->request_id);
   ck_assert_uint_eq (end->documents, 1);
   assert_paired (&t.r, true);
   items_close (&t);
}
END_TEST

START_TEST (first_use_reports_create_then_one_create_indexes_per_index_with_its_keys)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *user = fixture_model_new (store, "User", NULL);
   docrel_session_t *session = docrel_session_new (store);
   docrel_store_stats_t a, d;
   recorder_t r;

   recorder_init (&r);
   fixture_unique_index (user, "{\"email\": 1}");
   fixture_unique_index (user, "{\"last\": 1, \"first\": 1}");
   docrel_store_stats (store, &a);
   trace_to (store, &r);
   fixture_saved_doc (session, user, "{\"email\": \"a\", \"last\": \"b\", \"first\": \"c\"}");
   d = stats_since (store, &a);
   ck_assert (is_command (&r.recs[0], STARTED, "create"));
   ck_assert_str_eq (r.recs[0].collection, "User");
   ck_assert_uint_eq (count_of (&r, SUCCEEDED, "create"), 1);
   ck_assert_uint_eq (count_of (&r, SUCCEEDED, "createIndexes"), 2);
   ck_assert_uint_eq (documents_of (&r, STARTED, "createIndexes"), 3); /* 1 + 2 keys */
   ck_assert_uint_eq (documents_of (&r, SUCCEEDED, "createIndexes"), 3);
   ck_assert_uint_eq (count_of (&r, SUCCEEDED, "insert"), 1);
   assert_paired (&r, true);
   assert_agrees (&r, &d);
   trace_off (store);
   recorder_destroy (&r);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* Author 1 with posts 10, 11 and 12 (caller keys). */
typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post;
} blog_t;

static void
blog_open (blog_t *b)
{
   static const char *const authors[] = {"{\"_id\": 1, \"name\": \"Ann\"}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1}", "{\"_id\": 11, \"authorId\": 1}",
                                       "{\"_id\": 12, \"authorId\": 1}", NULL};

   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", NULL);
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id", NULL);
   fixture_seed (b->store, b->author, authors);
   fixture_seed (b->store, b->post, posts);
}

START_TEST (get_with_a_join_tree_reports_one_find_per_edge_with_the_documents_read)
{
   blog_t b;
   docrel_session_t *session;
   docrel_store_stats_t a, d;
   const rec_t *author_end = NULL, *post_end = NULL;
   recorder_t r;

   blog_open (&b);
   session = docrel_session_new (b.store);
   recorder_init (&r);
   docrel_store_stats (b.store, &a);
   trace_to (b.store, &r);
   fixture_get (session, b.author, 1, "{\"posts\": true}");
   d = stats_since (b.store, &a);
   trace_off (b.store);
   assert_paired (&r, true);
   assert_agrees (&r, &d);
   ck_assert_uint_eq (count_of (&r, STARTED, "find"), 2);
   for (size_t i = 0; i < r.n; i++) {
      if (is_command (&r.recs[i], SUCCEEDED, "find")) {
         if (strcmp (r.recs[i].collection, "Author") == 0) {
            author_end = &r.recs[i];
         } else if (strcmp (r.recs[i].collection, "Post") == 0) {
            post_end = &r.recs[i];
         }
      }
   }
   ck_assert_ptr_nonnull (author_end);
   ck_assert_ptr_nonnull (post_end);
   ck_assert_uint_eq (author_end->documents, 1);
   ck_assert_uint_eq (post_end->documents, 3);
   ck_assert_uint_eq (documents_of (&r, SUCCEEDED, "find"), d.documents_read);
   recorder_destroy (&r);
   docrel_session_destroy (session);
   fixture_store_close (b.store);
}
END_TEST

START_TEST (find_all_reports_one_find_with_the_documents_read)
{
   items_t t;
   docrel_doc_t **all = NULL;
   docrel_store_stats_t a, d;
   bson_error_t error;
   const rec_t *started;
   size_t n = 0;

   items_open (&t);
   fixture_saved_doc (t.session, t.item, "{\"v\": 1}");
   fixture_saved_doc (t.session, t.item, "{\"v\": 2}");
   docrel_store_stats (t.store, &a);
   trace_to (t.store, &t.r);
   ASSERT_OK (docrel_find_all (t.session, t.item, NULL, NULL, &all, &n, &error), error);
   bson_free (all);
   d = stats_since (t.store, &a);
   ck_assert_uint_eq (n, 3);
   assert_paired (&t.r, true);
   assert_agrees (&t.r, &d);
   started = first_of (&t.r, STARTED, "find");
   ck_assert_str_eq (started->collection, "Item");
   ck_assert_uint_eq (started->documents, 0);
   ck_assert_uint_eq (end_of (&t.r, started)->documents, 3);
   ck_assert_uint_eq (count_of (&t.r, STARTED, "getMore"), 0);
   items_close (&t);
}
END_TEST

START_TEST (small_batches_report_each_get_more_as_a_command_of_its_own)
{
   items_t t;
   docrel_doc_t **all = NULL;
   docrel_store_stats_t a, d;
   bson_t *opts = fixture_json ("{\"batchSize\": 2}");
   bson_error_t error;
   const rec_t *started;
   size_t n = 0;

   items_open (&t);
   for (int i = 1; i < 7; i++) {
      fixture_saved_doc (t.session, t.item, "{\"v\": 1}");
   }
   docrel_store_stats (t.store, &a);
   trace_to (t.store, &t.r);
   ASSERT_OK (docrel_find_all (t.session, t.item, NULL, opts, &all, &n, &error), error);
   bson_free (all);
   bson_destroy (opts);
   d = stats_since (t.store, &a);
   ck_assert_uint_eq (n, 7);
   assert_paired (&t.r, true);
   assert_agrees (&t.r, &d);
   started = first_of (&t.r, STARTED, "find");
   ck_assert_uint_eq (end_of (&t.r, started)->documents, 7); /* its getMores' too */
   if (strcmp (fixture_kind (), "mongodb") == 0) {
      /* 2 in the find's reply, then 2, 2 and 1. */
      ck_assert_uint_ge (count_of (&t.r, SUCCEEDED, "getMore"), 3);
      ck_assert_uint_eq (documents_of (&t.r, SUCCEEDED, "getMore"), 5);
      ck_assert_str_eq (first_of (&t.r, STARTED, "getMore")->collection, "Item");
   } else {
      ck_assert_uint_eq (count_of (&t.r, STARTED, "getMore"), 0);
   }
   items_close (&t);
}
END_TEST

START_TEST (count_reports_the_number_counted)
{
   items_t t;
   docrel_store_stats_t a, d;
   bson_error_t error;
   const rec_t *started;
   int64_t n = 0;

   items_open (&t);
   fixture_saved_doc (t.session, t.item, "{\"v\": 1}");
   docrel_store_stats (t.store, &a);
   trace_to (t.store, &t.r);
   ASSERT_OK (docrel_count (t.session, t.item, NULL, NULL, &n, &error), error);
   d = stats_since (t.store, &a);
   ck_assert_int_eq (n, 2);
   ck_assert_uint_eq (t.r.n, 2);
   assert_paired (&t.r, true);
   assert_agrees (&t.r, &d);
   started = first_of (&t.r, STARTED, "count");
   ck_assert_str_eq (started->collection, "Item");
   ck_assert_uint_eq (end_of (&t.r, started)->documents, 2);
   items_close (&t);
}
END_TEST

START_TEST (update_and_delete_report_the_documents_written_and_deleted)
{
   items_t t;
   docrel_doc_t *doc;
   bson_error_t error;

   items_open (&t);
   doc = fixture_saved_doc (t.session, t.item, "{\"v\": 1}");
   trace_to (t.store, &t.r);
   ASSERT_OK (docrel_doc_set_int32 (doc, "v", 2, &error), error);
   ASSERT_OK (docrel_save (doc, &error), error);
   ASSERT_OK (docrel_delete (doc, &error), error);
   assert_paired (&t.r, true);
   ck_assert_uint_eq (first_of (&t.r, STARTED, "update")->documents, 1);
   ck_assert_uint_eq (first_of (&t.r, SUCCEEDED, "update")->documents, 1);
   ck_assert_str_eq (first_of (&t.r, STARTED, "delete")->collection, "Item");
   ck_assert_uint_eq (first_of (&t.r, SUCCEEDED, "delete")->documents, 1);
   items_close (&t);
}
END_TEST

START_TEST (explain_is_traced_but_not_counted)
{
   items_t t;
   docrel_store_stats_t a, d;
   bson_error_t error;
   bson_t plan;

   items_open (&t);
   docrel_store_stats (t.store, &a);
   trace_to (t.store, &t.r);
   ASSERT_OK (docrel_explain (t.session, t.item, NULL, NULL, &plan, &error), error);
   bson_destroy (&plan);
   d = stats_since (t.store, &a);
   ck_assert_uint_eq (d.commands, 0);
   ck_assert_uint_eq (t.r.n, 2);
   ck_assert_str_eq (first_of (&t.r, STARTED, "explain")->collection, "Item");
   ck_assert_uint_eq (count_of (&t.r, SUCCEEDED, "explain"), 1);
   assert_paired (&t.r, true);
   items_close (&t);
}
END_TEST

START_TEST (failed_insert_reports_the_duplicate_key_error)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *thing = fixture_keyed_model (store, "Thing");
   docrel_session_t *s1 = docrel_session_new (store);
   docrel_session_t *s2 = docrel_session_new (store);
   docrel_doc_t *twin;
   docrel_store_stats_t a, d;
   bson_error_t error;
   const rec_t *started, *failed;
   recorder_t r;

   recorder_init (&r);
   fixture_saved_doc (s1, thing, "{\"_id\": 1}");
   twin = fixture_new_doc (s2, thing, "{\"_id\": 1}");
   docrel_store_stats (store, &a);
   trace_to (store, &r);
   ck_assert (!docrel_save (twin, &error));
   d = stats_since (store, &a);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   assert_paired (&r, true);
   assert_agrees (&r, &d);
   started = first_of (&r, STARTED, "insert");
   failed = first_of (&r, FAILED, "insert");
   ck_assert_uint_eq (failed->request_id, started->request_id);
   ck_assert_str_eq (failed->collection, "Thing");
   ck_assert_uint_eq (failed->error.domain, DOCREL_ERROR_STORE);
   ck_assert_uint_eq (failed->error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ck_assert_str_eq (failed->error.message, error.message);
   ck_assert_uint_eq (failed->documents, 0);
   ck_assert_uint_eq (count_of (&r, SUCCEEDED, "insert"), 0);
   trace_off (store);
   recorder_destroy (&r);
   docrel_session_destroy (s1);
   docrel_session_destroy (s2);
   fixture_store_close (store);
}
END_TEST

/* ---- transactions ---------------------------------------------------------- */

START_TEST (save_all_reports_its_transaction_around_its_writes)
{
   blog_t b;
   docrel_session_t *session;
   docrel_doc_t *author;
   docrel_store_stats_t a, d;
   bson_error_t error;
   recorder_t r;

   blog_open (&b);
   session = docrel_session_new (b.store);
   recorder_init (&r);
   author = fixture_new_doc (session, b.author, "{\"_id\": 2, \"name\": \"Bob\"}");
   ASSERT_OK (docrel_doc_add_related (author, "posts", fixture_new_doc (session, b.post, "{\"_id\": 20}"), &error),
              error);
   ASSERT_OK (docrel_doc_add_related (author, "posts", fixture_new_doc (session, b.post, "{\"_id\": 21}"), &error),
              error);
   docrel_store_stats (b.store, &a);
   trace_to (b.store, &r);
   ASSERT_OK (docrel_save_all (author, NULL, NULL, NULL, &error), error);
   d = stats_since (b.store, &a);
   trace_off (b.store);
   assert_paired (&r, true);
   assert_agrees (&r, &d);
   ck_assert (is_command (&r.recs[0], STARTED, "startTransaction"));
   ck_assert (!r.recs[0].has_collection);
   ck_assert (is_command (&r.recs[r.n - 1], SUCCEEDED, "commitTransaction"));
   ck_assert (!r.recs[r.n - 1].has_collection);
   ck_assert_uint_eq (count_of (&r, STARTED, "startTransaction"), 1);
   ck_assert_uint_eq (count_of (&r, STARTED, "commitTransaction"), 1);
   ck_assert_uint_eq (count_of (&r, STARTED, "abortTransaction"), 0);
   /* Counted where the store runs one: SQLite, a replica set. */
   ck_assert_uint_le (d.transactions, 1);
   if (strcmp (fixture_kind (), "mongodb") != 0) {
      ck_assert_uint_eq (d.transactions, 1);
   }
   ck_assert_uint_eq (documents_of (&r, SUCCEEDED, "insert"), 3);
   ck_assert_uint_eq (documents_of (&r, SUCCEEDED, "insert"), d.documents_written);
   recorder_destroy (&r);
   docrel_session_destroy (session);
   fixture_store_close (b.store);
}
END_TEST

START_TEST (failed_save_all_reports_the_failed_insert_and_the_abort)
{
   blog_t b;
   docrel_session_t *session;
   docrel_doc_t *author;
   docrel_store_stats_t a, d;
   bson_error_t error;
   recorder_t r;

   blog_open (&b);
   session = docrel_session_new (b.store);
   recorder_init (&r);
   author = fixture_new_doc (session, b.author, "{\"_id\": 2, \"name\": \"Bob\"}");
   /* Post 10 is stored already. */
   ASSERT_OK (docrel_doc_add_related (author, "posts", fixture_new_doc (session, b.post, "{\"_id\": 10}"), &error),
              error);
   docrel_store_stats (b.store, &a);
   trace_to (b.store, &r);
   ck_assert (!docrel_save_all (author, NULL, NULL, NULL, &error));
   d = stats_since (b.store, &a);
   trace_off (b.store);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   assert_paired (&r, true);
   assert_agrees (&r, &d);
   ck_assert (is_command (&r.recs[0], STARTED, "startTransaction"));
   ck_assert_uint_eq (first_of (&r, FAILED, "insert")->error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ck_assert_str_eq (first_of (&r, FAILED, "insert")->collection, "Post");
   ck_assert_uint_eq (count_of (&r, STARTED, "commitTransaction"), 0);
   ck_assert_uint_eq (count_of (&r, SUCCEEDED, "abortTransaction"), 1);
   ck_assert (is_command (&r.recs[r.n - 1], SUCCEEDED, "abortTransaction"));
   recorder_destroy (&r);
   docrel_session_destroy (session);
   fixture_store_close (b.store);
}
END_TEST

/* ---- agreement with the counters ----------------------------------------- */

START_TEST (started_events_equal_the_commands_counted)
{
   blog_t b;
   docrel_session_t *session;
   docrel_doc_t *author, *post, **all = NULL;
   docrel_store_stats_t a, d;
   bson_t *opts = fixture_json ("{\"batchSize\": 1}");
   bson_error_t error;
   bson_t plan;
   int64_t n = 0;
   size_t n_all = 0;
   recorder_t r;

   blog_open (&b);
   session = docrel_session_new (b.store);
   recorder_init (&r);
   docrel_store_stats (b.store, &a);
   trace_to (b.store, &r);
   author = fixture_get (session, b.author, 1, "{\"posts\": {\"author\": true}}");
   ASSERT_OK (docrel_doc_set_utf8 (author, "name", "Anne", &error), error);
   ASSERT_OK (docrel_save (author, &error), error);
   post = fixture_new_doc (session, b.post, "{\"_id\": 13}");
   ASSERT_OK (docrel_doc_add_related (author, "posts", post, &error), error);
   ASSERT_OK (docrel_save_all (author, NULL, NULL, NULL, &error), error);
   ASSERT_OK (docrel_find_all (session, b.post, NULL, opts, &all, &n_all, &error), error);
   bson_free (all);
   ck_assert_uint_eq (n_all, 4);
   ASSERT_OK (docrel_count (session, b.post, NULL, NULL, &n, &error), error);
   ASSERT_OK (docrel_explain (session, b.post, NULL, NULL, &plan, &error), error);
   bson_destroy (&plan);
   ASSERT_OK (docrel_delete (post, &error), error);
   d = stats_since (b.store, &a);
   trace_off (b.store);
   assert_paired (&r, true);
   assert_agrees (&r, &d);
   ck_assert_uint_gt (d.commands, 5);
   /* save_all and delete each run one, counted where the store runs them. */
   ck_assert_uint_eq (count_of (&r, STARTED, "startTransaction"), 2);
   ck_assert_uint_eq (count_of (&r, SUCCEEDED, "commitTransaction"), 2);
   ck_assert_uint_le (d.transactions, 2);
   if (strcmp (fixture_kind (), "mongodb") != 0) {
      ck_assert_uint_eq (d.transactions, 2);
   }
   ck_assert_uint_eq (count_of (&r, STARTED, "explain"), 1);
   bson_destroy (opts);
   recorder_destroy (&r);
   docrel_session_destroy (session);
   fixture_store_close (b.store);
}
END_TEST

/* ---- setting the trace ----------------------------------------------------- */

START_TEST (unsetting_the_trace_stops_events)
{
   items_t t;
   docrel_trace_callbacks_t none = {NULL, NULL, NULL};
   bson_error_t error;
   size_t seen;

   items_open (&t);
   trace_to (t.store, &t.r);
   fixture_saved_doc (t.session, t.item, "{\"v\": 1}");
   seen = t.r.n;
   ck_assert_uint_eq (seen, 2);
   trace_off (t.store);
   fixture_saved_doc (t.session, t.item, "{\"v\": 2}");
   fixture_count_all (t.store, t.item);
   ck_assert_uint_eq (t.r.n, seen);

   /* All three callbacks NULL unset it as well. */
   trace_to (t.store, &t.r);
   ASSERT_OK (docrel_store_set_trace (t.store, &none, &t.r, &error), error);
   fixture_saved_doc (t.session, t.item, "{\"v\": 3}");
   ck_assert_uint_eq (t.r.n, seen);

   /* A trace with only some callbacks reports only those. */
   none.failed = on_failed;
   ASSERT_OK (docrel_store_set_trace (t.store, &none, &t.r, &error), error);
   fixture_saved_doc (t.session, t.item, "{\"v\": 4}");
   ck_assert_uint_eq (t.r.n, seen);
   items_close (&t);
}
END_TEST

START_TEST (a_find_in_flight_when_the_trace_changes_ends_unreported)
{
   items_t t;
   recorder_t other;
   docrel_cursor_t *cursor;
   docrel_doc_t *doc;
   bson_error_t error;

   items_open (&t);
   recorder_init (&other);
   fixture_saved_doc (t.session, t.item, "{\"v\": 1}");
   trace_to (t.store, &t.r);
   cursor = docrel_find (t.session, t.item, NULL, NULL, &error);
   ck_assert_msg (cursor != NULL, "%s", error.message);
   ck_assert (docrel_cursor_next (cursor, &doc));
   trace_to (t.store, &other);
   while (docrel_cursor_next (cursor, &doc)) {
   }
   ck_assert (!docrel_cursor_error (cursor, &error));
   docrel_cursor_destroy (cursor);
   /* The first trace saw the find start, and no end; the second nothing of
    * it. */
   ck_assert_uint_eq (count_of (&t.r, STARTED, "find"), 1);
   ck_assert_uint_eq (count_of (&t.r, SUCCEEDED, NULL) + count_of (&t.r, FAILED, NULL), 0);
   ck_assert_uint_eq (other.n, 0);
   assert_paired (&t.r, false);
   items_close (&t);
   recorder_destroy (&other);
}
END_TEST

typedef struct {
   docrel_store_t *store;
   int calls;
   int refused; /* calls of docrel_store_set_trace that failed as they must */
} reentry_t;

/* Tries to unset the trace from within a callback (a callback must not
 * assert: it runs inside the store's call). */
static void
set_from_callback (const docrel_trace_event_t *event, void *user_data)
{
   reentry_t *re = user_data;
   bson_error_t error;

   (void) event;
   re->calls++;
   if (!docrel_store_set_trace (re->store, NULL, NULL, &error) && error.domain == DOCREL_ERROR_STORE &&
       error.code == DOCREL_ERROR_INVALID_ARGUMENT) {
      re->refused++;
   }
}

START_TEST (setting_the_trace_from_a_callback_fails)
{
   items_t t;
   docrel_trace_callbacks_t callbacks = {set_from_callback, set_from_callback, NULL};
   reentry_t re = {0};
   bson_error_t error;

   items_open (&t);
   re.store = t.store;
   ASSERT_OK (docrel_store_set_trace (t.store, &callbacks, &re, &error), error);
   fixture_saved_doc (t.session, t.item, "{\"v\": 1}");
   fixture_saved_doc (t.session, t.item, "{\"v\": 2}");
   ck_assert_int_eq (re.calls, 4); /* the trace stayed set */
   ck_assert_int_eq (re.refused, 4);
   items_close (&t);
}
END_TEST

START_TEST (setting_the_trace_of_no_store_fails)
{
   docrel_trace_callbacks_t callbacks = {on_started, NULL, NULL};
   bson_error_t error;

   ck_assert (!docrel_store_set_trace (NULL, &callbacks, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_INVALID_ARGUMENT);
}
END_TEST

#define N_THREADS 4
#define N_ROUNDS 15
#define N_TRACES 12

typedef struct {
   docrel_store_t *store;
   docrel_model_t *item;
   bool ok;
   bson_error_t error;
} worker_t;

static void *
work (void *arg)
{
   worker_t *w = arg;
   docrel_session_t *session = docrel_session_new (w->store);
   int64_t n;

   w->ok = true;
   for (int i = 0; i < N_ROUNDS && w->ok; i++) {
      docrel_doc_t *doc = docrel_doc_new_from_json (session, w->item, "{\"v\": 1}", &w->error);

      w->ok = doc && docrel_save (doc, &w->error) && docrel_count (session, w->item, NULL, NULL, &n, &w->error);
   }
   docrel_session_destroy (session);
   return NULL;
}

START_TEST (setting_the_trace_while_threads_run_commands_is_safe)
{
   items_t t;
   pthread_t threads[N_THREADS];
   worker_t workers[N_THREADS];
   recorder_t traces[N_TRACES];
   struct timespec pause = {0, 2000000}; /* 2 ms */

   items_open (&t);
   for (int k = 0; k < N_TRACES; k++) {
      recorder_init (&traces[k]);
   }
   for (int i = 0; i < N_THREADS; i++) {
      workers[i].store = t.store;
      workers[i].item = t.item;
      ck_assert_int_eq (pthread_create (&threads[i], NULL, work, &workers[i]), 0);
   }
   for (int k = 0; k < N_TRACES; k++) {
      if (k % 3 == 2) {
         trace_off (t.store);
      } else {
         trace_to (t.store, &traces[k]);
      }
      if (k > 0) {
         /* Replaced: no callback of the one before may run from now on. */
         pthread_mutex_lock (&traces[k - 1].mutex);
         traces[k - 1].closed = true;
         pthread_mutex_unlock (&traces[k - 1].mutex);
      }
      nanosleep (&pause, NULL);
   }
   for (int i = 0; i < N_THREADS; i++) {
      ck_assert_int_eq (pthread_join (threads[i], NULL), 0);
      ck_assert_msg (workers[i].ok, "thread %d: %s", i, workers[i].error.message);
   }
   for (int k = 0; k < N_TRACES; k++) {
      ck_assert_int_eq (traces[k].late, 0);
      assert_paired (&traces[k], false); /* how many events depends on timing */
      recorder_destroy (&traces[k]);
   }
   items_close (&t);
}
END_TEST

static Suite *
trace_suite (void)
{
   Suite *s = suite_create ("trace");
   TCase *tc;

   tc = tcase_create ("events");
   tcase_add_test (tc, save_reports_an_insert_of_one_document_started_then_succeeded);
   tcase_add_test (tc, first_use_reports_create_then_one_create_indexes_per_index_with_its_keys);
   tcase_add_test (tc, get_with_a_join_tree_reports_one_find_per_edge_with_the_documents_read);
   tcase_add_test (tc, find_all_reports_one_find_with_the_documents_read);
   tcase_add_test (tc, small_batches_report_each_get_more_as_a_command_of_its_own);
   tcase_add_test (tc, count_reports_the_number_counted);
   tcase_add_test (tc, update_and_delete_report_the_documents_written_and_deleted);
   tcase_add_test (tc, explain_is_traced_but_not_counted);
   tcase_add_test (tc, failed_insert_reports_the_duplicate_key_error);
   suite_add_tcase (s, tc);

   tc = tcase_create ("transactions");
   tcase_add_test (tc, save_all_reports_its_transaction_around_its_writes);
   tcase_add_test (tc, failed_save_all_reports_the_failed_insert_and_the_abort);
   suite_add_tcase (s, tc);

   tc = tcase_create ("agreement");
   tcase_add_test (tc, started_events_equal_the_commands_counted);
   suite_add_tcase (s, tc);

   tc = tcase_create ("setting");
   tcase_add_test (tc, unsetting_the_trace_stops_events);
   tcase_add_test (tc, a_find_in_flight_when_the_trace_changes_ends_unreported);
   tcase_add_test (tc, setting_the_trace_from_a_callback_fails);
   tcase_add_test (tc, setting_the_trace_of_no_store_fails);
   tcase_add_test (tc, setting_the_trace_while_threads_run_commands_is_safe);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (trace_suite ());
}
