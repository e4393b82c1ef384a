/* SPDX-License-Identifier: Apache-2.0 */
/* check_isolation.c: a reader on another connection (SQLite file: a second
 * store on the same file) or another client (MongoDB: a second store on the
 * same database) never sees part of a graph write. While save_all,
 * delete_all or purge runs (read from the writing store's trace callback,
 * before and after each of its commands), the reader sees the data as it
 * was; once the call returns, all of it if it succeeded, none of it if it
 * failed mid-way (a unique index refusing a later write, after earlier
 * writes of the call succeeded). A memory store has no second connection:
 * the tests pass there without checking anything.
 *
 * The blog: Author hasMany posts (cascade), drafts (setNull) and notes
 * (setNull); Post titles are unique, and so is Note's authorId, so unsetting
 * it in two notes fails. Keys are the caller's ints. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_model_t *author, *post, *draft, *note;
} models_t;

typedef struct {
   docrel_store_t *store, *other; /* the writer, the reader */
   models_t w, r;                 /* the same models on each */
   docrel_session_t *session;     /* the writer's */
   char before[512];              /* what the reader must see during the call */
   char mismatch[1200];           /* the first thing it saw otherwise */
   int reads;                     /* reads made during the call */
   int writes_done;               /* writes that succeeded during the call */
   bool failed;                   /* a write failed during the call */
} iso_t;

static void
declare (docrel_store_t *store, models_t *m)
{
   m->author = fixture_keyed_model (store, "Author");
   m->post = fixture_keyed_model (store, "Post");
   m->draft = fixture_keyed_model (store, "Draft");
   m->note = fixture_keyed_model (store, "Note");
   fixture_unique_index (m->post, "{\"title\": 1}");
   fixture_unique_index (m->note, "{\"authorId\": 1}");
   fixture_declare (docrel_model_has_many, m->author, m->post, "posts", "_id", "authorId",
                    "{\"onDelete\": \"cascade\"}");
   fixture_declare (docrel_model_has_many, m->author, m->draft, "drafts", "_id", "authorId",
                    "{\"onDelete\": \"setNull\"}");
   fixture_declare (docrel_model_has_many, m->author, m->note, "notes", "_id", "authorId",
                    "{\"onDelete\": \"setNull\"}");
   fixture_declare (docrel_model_belongs_to, m->post, m->author, "author", "authorId", "_id", NULL);
}

/* Appends model's documents as "A9@authorId:name " (sorted by _id), or the
 * error; never fails the test (it runs inside a trace callback). */
static void
render_model (docrel_store_t *store, docrel_model_t *model, char *out, size_t size)
{
   docrel_session_t *session = docrel_session_new (store);
   bson_t *opts = BCON_NEW ("sort", "{", "_id", BCON_INT32 (1), "}");
   docrel_doc_t **docs = NULL;
   bson_error_t error;
   size_t n = 0;

   if (!docrel_find_all (session, model, NULL, opts, &docs, &n, &error)) {
      snprintf (out + strlen (out), size - strlen (out), "error: %s ", error.message);
   }
   for (size_t i = 0; i < n; i++) {
      int32_t author;
      const char *text = docrel_doc_get_utf8 (docs[i], docrel_doc_has (docs[i], "name") ? "name" : "title");
      size_t len = strlen (out);

      snprintf (out + len, size - len, "%c%d", docrel_model_name (model)[0], fixture_id_of (docs[i]));
      if (docrel_doc_get_int32 (docs[i], "authorId", &author)) {
         snprintf (out + strlen (out), size - strlen (out), "@%d", author);
      }
      snprintf (out + strlen (out), size - strlen (out), "%s%s ", text ? ":" : "", text ? text : "");
   }
   bson_free (docs);
   bson_destroy (opts);
   docrel_session_destroy (session);
}

/* What the reader sees, through fresh sessions of its own store. */
static const char *
render (iso_t *t, char *out, size_t size)
{
   out[0] = '\0';
   render_model (t->other, t->r.author, out, size);
   render_model (t->other, t->r.post, out, size);
   render_model (t->other, t->r.draft, out, size);
   render_model (t->other, t->r.note, out, size);
   return out;
}

static bool
is_write (const char *name)
{
   return strcmp (name, "insert") == 0 || strcmp (name, "update") == 0 || strcmp (name, "delete") == 0;
}

/* Reads with the other store; anything but the state before the call is a
 * leak of a part of it. */
static void
check_reader (iso_t *t, const char *when)
{
   char seen[512];

   t->reads++;
   if (strcmp (render (t, seen, sizeof seen), t->before) != 0 && !t->mismatch[0]) {
      snprintf (t->mismatch, sizeof t->mismatch, "%s: the reader saw \"%s\", expected \"%s\"", when, seen, t->before);
   }
}

static void
on_started (const docrel_trace_event_t *event, void *data)
{
   check_reader (data, docrel_trace_event_command_name (event));
}

static void
on_succeeded (const docrel_trace_event_t *event, void *data)
{
   iso_t *t = data;
   const char *name = docrel_trace_event_command_name (event);

   if (strcmp (name, "commitTransaction") == 0) {
      return; /* committed: the reader may see it all now */
   }
   if (is_write (name)) {
      t->writes_done += !t->failed;
   }
   check_reader (t, name);
}

static void
on_failed (const docrel_trace_event_t *event, void *data)
{
   iso_t *t = data;

   t->failed = true;
   check_reader (t, docrel_trace_event_command_name (event));
}

/* False (and nothing open) on a memory store. */
static bool
iso_open (iso_t *t)
{
   memset (t, 0, sizeof *t);
   t->store = fixture_store_open ();
   declare (t->store, &t->w);
   t->other = fixture_store_open_second ();
   if (!t->other) {
      fixture_store_close (t->store);
      return false;
   }
   declare (t->other, &t->r);
   t->session = docrel_session_new (t->store);
   return true;
}

static void
iso_close (iso_t *t)
{
   docrel_session_destroy (t->session);
   docrel_store_destroy (t->other);
   fixture_store_close (t->store);
}

static void
seed (iso_t *t,
      const char *const *authors,
      const char *const *posts,
      const char *const *drafts,
      const char *const *notes)
{
   fixture_seed (t->store, t->w.author, authors);
   fixture_seed (t->store, t->w.post, posts);
   fixture_seed (t->store, t->w.draft, drafts);
   fixture_seed (t->store, t->w.note, notes);
}

/* Arms the reader: from now on, it must see what it sees now. */
static void
watch (iso_t *t)
{
   docrel_trace_callbacks_t callbacks = {on_started, on_succeeded, on_failed};
   bson_error_t error;

   render (t, t->before, sizeof t->before);
   ASSERT_OK (docrel_store_set_trace (t->store, &callbacks, t, &error), error);
}

/* Disarms, then checks what the reader saw during the call and sees now. */
static void
check_after (iso_t *t, const char *expected)
{
   char seen[512];
   bson_error_t error;

   ASSERT_OK (docrel_store_set_trace (t->store, NULL, NULL, &error), error);
   ck_assert_msg (!t->mismatch[0], "%s", t->mismatch);
   ck_assert_int_gt (t->reads, 2);
   ck_assert_str_eq (render (t, seen, sizeof seen), expected);
}

static const char *const zed[] = {"{\"_id\": 9, \"name\": \"Zed\"}", NULL};
static const char *const zed_posts[] = {"{\"_id\": 10, \"authorId\": 9, \"title\": \"taken\"}",
                                        "{\"_id\": 30, \"title\": \"held\"}", NULL};
static const char *const zed_drafts[] = {"{\"_id\": 40, \"authorId\": 9}", NULL};
static const char *const zed_note[] = {"{\"_id\": 20, \"authorId\": 9}", NULL};
static const char *const zed_notes_clash[] = {"{\"_id\": 20, \"authorId\": 9}", "{\"_id\": 21}", NULL};

/* Loads Zed with posts, renames him, retitles post 10 and adds posts 11 and
 * one titled last_title; save_all. */
static bool
save_zed (iso_t *t, const char *last_title, bson_error_t *error)
{
   docrel_doc_t *author = fixture_get (t->session, t->w.author, 9, "{\"posts\": {}}");
   docrel_doc_t *post10 = fixture_get (t->session, t->w.post, 10, NULL);
   char json[128];

   ASSERT_OK (docrel_doc_set_utf8 (author, "name", "Zoe", error), *error);
   ASSERT_OK (docrel_doc_set_utf8 (post10, "title", "t2", error), *error);
   ASSERT_OK (docrel_doc_add_related (author, "posts",
                                      fixture_new_doc (t->session, t->w.post, "{\"_id\": 11, \"title\": \"a\"}"),
                                      error),
              *error);
   snprintf (json, sizeof json, "{\"_id\": 12, \"title\": \"%s\"}", last_title);
   ASSERT_OK (docrel_doc_add_related (author, "posts", fixture_new_doc (t->session, t->w.post, json), error), *error);
   watch (t);
   return docrel_save_all (author, NULL, NULL, NULL, error);
}

START_TEST (save_all_is_seen_whole_at_commit)
{
   iso_t t;
   bson_error_t error;

   if (!iso_open (&t)) {
      return;
   }
   seed (&t, zed, zed_posts, zed_drafts, zed_note);
   ASSERT_OK (save_zed (&t, "b", &error), error);
   check_after (&t, "A9:Zoe P10@9:t2 P11@9:a P12@9:b P30:held D40@9 N20@9 ");
   iso_close (&t);
}
END_TEST

START_TEST (save_all_failing_on_its_last_document_is_never_seen)
{
   iso_t t;
   bson_error_t error;

   if (!iso_open (&t)) {
      return;
   }
   seed (&t, zed, zed_posts, zed_drafts, zed_note);
   ck_assert (!save_zed (&t, "held", &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ck_assert_int_ge (t.writes_done, 1); /* the author's update went through first */
   check_after (&t, t.before);
   iso_close (&t);
}
END_TEST

/* delete_all (posts in the tree) or purge of Zed: posts deleted, the draft's
 * and the note's authorId unset; with a second note already without one,
 * the note's unset fails after the draft's succeeded. */
static bool
delete_zed (iso_t *t, bool purge, bson_error_t *error)
{
   docrel_doc_t *author = fixture_get (t->session, t->w.author, 9, "{\"posts\": {}}");
   bson_t *tree = fixture_json ("{\"posts\": {}}");
   bool ok;

   watch (t);
   ok = purge ? docrel_purge (author, error) : docrel_delete_all (author, tree, error);
   bson_destroy (tree);
   return ok;
}

START_TEST (delete_is_seen_whole_at_commit)
{
   iso_t t;
   bson_error_t error;

   if (!iso_open (&t)) {
      return;
   }
   seed (&t, zed, zed_posts, zed_drafts, zed_note);
   ASSERT_OK (delete_zed (&t, _i == 1, &error), error);
   check_after (&t, "P30:held D40 N20 ");
   iso_close (&t);
}
END_TEST

START_TEST (delete_failing_mid_way_is_never_seen)
{
   iso_t t;
   bson_error_t error;

   if (!iso_open (&t)) {
      return;
   }
   seed (&t, zed, zed_posts, zed_drafts, zed_notes_clash);
   ck_assert (!delete_zed (&t, _i == 1, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ck_assert_int_ge (t.writes_done, 1); /* the draft's unset went through first */
   check_after (&t, t.before);
   iso_close (&t);
}
END_TEST

static Suite *
isolation_suite (void)
{
   Suite *s = suite_create ("isolation");
   TCase *tc = tcase_create ("core");

   tcase_set_timeout (tc, 60);
   tcase_add_test (tc, save_all_is_seen_whole_at_commit);
   tcase_add_test (tc, save_all_failing_on_its_last_document_is_never_seen);
   tcase_add_loop_test (tc, delete_is_seen_whole_at_commit, 0, 2); /* delete_all, purge */
   tcase_add_loop_test (tc, delete_failing_mid_way_is_never_seen, 0, 2);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (isolation_suite ());
}
