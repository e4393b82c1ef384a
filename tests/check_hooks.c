/* SPDX-License-Identifier: Apache-2.0 */
/* check_hooks.c: hooks per model (docrel-hooks.h) on a small blog (Author
 * hasMany posts, Post belongsTo author, caller keys so a log can name
 * documents): each event fires in order with its document and user data,
 * insert and update told apart, a before-hook's change stored and
 * validated, a refusal in the middle of a save_all or a delete_all leaving
 * store and memory as before, after-hooks after the commit, afterLoad on
 * get, find, joins and cursors, and a hook starting a write call on its
 * own session refused. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

/* What the hooks share with a test (their user data). */
typedef struct {
   char log[2048];
   int32_t refuse_id;                /* a before-hook refuses this id (0: none) */
   docrel_hook_event_t refuse_event; /* ... at this event */
   bool refuse_silently;             /* ... without setting the error */
   int64_t stamp;                    /* the last updatedAt given */
   docrel_doc_t *other;              /* a document the re-entering hook writes */
   uint32_t inner_codes[8];          /* the codes of its inner calls */
   int n_inner;
   bool propagate; /* the re-entering hook returns its inner error */
} hooks_t;

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author, *post;
   hooks_t h;
} blog_t;

static const docrel_hook_event_t every_event[] = {DOCREL_HOOK_BEFORE_VALIDATE, DOCREL_HOOK_AFTER_VALIDATE,
                                                  DOCREL_HOOK_BEFORE_INSERT,   DOCREL_HOOK_AFTER_INSERT,
                                                  DOCREL_HOOK_BEFORE_UPDATE,   DOCREL_HOOK_AFTER_UPDATE,
                                                  DOCREL_HOOK_BEFORE_DELETE,   DOCREL_HOOK_AFTER_DELETE,
                                                  DOCREL_HOOK_AFTER_LOAD};

/* Logs "event:Model#id " and refuses where the test asked. */
static bool
log_hook (docrel_doc_t *doc, docrel_hook_event_t event, void *user_data, bson_error_t *error)
{
   hooks_t *h = user_data;
   int32_t id = 0;
   size_t len = strlen (h->log);

   if (docrel_doc_id (doc)) {
      id = fixture_id_of (doc);
   }
   snprintf (h->log + len, sizeof h->log - len, "%s:%s#%d ", docrel_hook_event_name (event),
             docrel_model_name (docrel_doc_model (doc)), id);
   if (h->refuse_id != 0 && id == h->refuse_id && event == h->refuse_event) {
      if (!h->refuse_silently) {
         bson_set_error (error, 42, 7, "no %d", id);
      }
      return false;
   }
   return true;
}

/* Stamps updatedAt with the next number. */
static bool
stamp_hook (docrel_doc_t *doc, docrel_hook_event_t event, void *user_data, bson_error_t *error)
{
   hooks_t *h = user_data;

   (void) event;
   return docrel_doc_set_int64 (doc, "updatedAt", ++h->stamp, error);
}

static void
add_hook (docrel_model_t *model, docrel_hook_event_t event, docrel_hook_fn fn, hooks_t *h)
{
   bson_error_t error;
   ASSERT_OK (docrel_model_add_hook (model, event, fn, h, &error), error);
}

static void
add_every_hook (docrel_model_t *model, hooks_t *h)
{
   size_t i;

   for (i = 0; i < sizeof every_event / sizeof every_event[0]; i++) {
      add_hook (model, every_event[i], log_hook, h);
   }
}

static void
blog_open (blog_t *b, const char *posts_opts)
{
   memset (b, 0, sizeof *b);
   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   fixture_add_field (b->post, "authorId", DOCREL_TYPE_INT32, NULL);
   fixture_add_field (b->post, "title", DOCREL_TYPE_STRING, NULL);
   fixture_add_field (b->post, "updatedAt", DOCREL_TYPE_INT64, NULL);
   fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", posts_opts);
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id", NULL);
   b->session = docrel_session_new (b->store);
}

static void
blog_close (blog_t *b)
{
   docrel_session_destroy (b->session);
   fixture_store_close (b->store);
}

static void
save_all (docrel_doc_t *doc)
{
   bson_error_t error;
   ASSERT_OK (docrel_save_all (doc, NULL, NULL, NULL, &error), error);
}

static void
assert_log (hooks_t *h, const char *expected)
{
   ck_assert_str_eq (h->log, expected);
   h->log[0] = '\0';
}

/* Author 1 with posts 10 and 11, saved through a session of their own. */
static void
seed_blog (blog_t *b)
{
   fixture_seed (b->store, b->author, (const char *const[]){"{\"_id\": 1, \"name\": \"Ann\"}", NULL});
   fixture_seed (b->store, b->post,
                 (const char *const[]){"{\"_id\": 10, \"authorId\": 1}", "{\"_id\": 11, \"authorId\": 1}", NULL});
}

/* ---- events -------------------------------------------------------------- */

START_TEST (save_runs_each_event_in_order_with_the_document_and_user_data)
{
   blog_t b;
   docrel_doc_t *author;
   bson_error_t error;

   blog_open (&b, NULL);
   add_every_hook (b.author, &b.h);
   author = fixture_new_doc (b.session, b.author, "{\"_id\": 1, \"name\": \"Ann\"}");
   ASSERT_OK (docrel_save (author, &error), error);
   assert_log (&b.h, "beforeValidate:Author#1 afterValidate:Author#1 beforeInsert:Author#1 afterInsert:Author#1 ");
   ASSERT_OK (docrel_save (author, &error), error); /* clean: nothing written, no hooks */
   assert_log (&b.h, "");
   ASSERT_OK (docrel_doc_set_utf8 (author, "name", "Anna", &error), error);
   ASSERT_OK (docrel_save (author, &error), error);
   assert_log (&b.h, "beforeValidate:Author#1 afterValidate:Author#1 beforeUpdate:Author#1 afterUpdate:Author#1 ");
   ASSERT_OK (docrel_delete (author, &error), error);
   assert_log (&b.h, "beforeDelete:Author#1 afterDelete:Author#1 ");
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 0);
   blog_close (&b);
}
END_TEST

START_TEST (save_all_runs_before_hooks_in_write_order_and_after_hooks_after_the_commit)
{
   blog_t b;
   docrel_doc_t *author, *post;
   bson_error_t error;

   blog_open (&b, NULL);
   add_hook (b.author, DOCREL_HOOK_BEFORE_INSERT, log_hook, &b.h);
   add_hook (b.author, DOCREL_HOOK_AFTER_INSERT, log_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_BEFORE_INSERT, log_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_BEFORE_UPDATE, log_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_AFTER_INSERT, log_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_AFTER_UPDATE, log_hook, &b.h);
   author = fixture_new_doc (b.session, b.author, "{\"_id\": 1}");
   post = fixture_new_doc (b.session, b.post, "{\"_id\": 10}");
   fixture_add_related (author, "posts", post);
   fixture_add_related (author, "posts", fixture_new_doc (b.session, b.post, "{\"_id\": 11}"));
   save_all (author);
   assert_log (&b.h, "beforeInsert:Author#1 beforeInsert:Post#10 beforeInsert:Post#11 "
                     "afterInsert:Author#1 afterInsert:Post#10 afterInsert:Post#11 ");
   /* one call, an update and an insert: told apart */
   ASSERT_OK (docrel_doc_set_utf8 (post, "title", "t", &error), error);
   fixture_add_related (author, "posts", fixture_new_doc (b.session, b.post, "{\"_id\": 12}"));
   save_all (author);
   assert_log (&b.h, "beforeInsert:Post#12 beforeUpdate:Post#10 afterInsert:Post#12 afterUpdate:Post#10 ");
   /* a dry run runs none */
   ASSERT_OK (docrel_doc_set_utf8 (post, "title", "u", &error), error);
   {
      bson_t *dry = fixture_json ("{\"dryRun\": true}");
      ASSERT_OK (docrel_save_all (author, NULL, dry, NULL, &error), error);
      bson_destroy (dry);
   }
   assert_log (&b.h, "");
   blog_close (&b);
}
END_TEST

START_TEST (hooks_of_one_event_run_in_the_order_they_were_added)
{
   blog_t b;
   docrel_doc_t *post;
   bson_error_t error;

   blog_open (&b, NULL);
   add_hook (b.post, DOCREL_HOOK_BEFORE_INSERT, stamp_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_BEFORE_INSERT, log_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_BEFORE_INSERT, stamp_hook, &b.h);
   post = fixture_new_doc (b.session, b.post, "{\"_id\": 10}");
   ASSERT_OK (docrel_save (post, &error), error);
   assert_log (&b.h, "beforeInsert:Post#10 ");
   ck_assert_int_eq (b.h.stamp, 2);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"updatedAt\": 2}"), 1);
   blog_close (&b);
}
END_TEST

/* ---- changing and refusing ------------------------------------------------ */

START_TEST (a_before_save_hook_stamping_updated_at_is_stored)
{
   blog_t b;
   docrel_doc_t *author, *post;
   bson_error_t error;

   blog_open (&b, NULL);
   add_hook (b.post, DOCREL_HOOK_BEFORE_INSERT, stamp_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_BEFORE_UPDATE, stamp_hook, &b.h);
   author = fixture_new_doc (b.session, b.author, "{\"_id\": 1}");
   post = fixture_new_doc (b.session, b.post, "{\"_id\": 10, \"title\": \"a\"}");
   fixture_add_related (author, "posts", post);
   save_all (author);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"_id\": 10, \"updatedAt\": 1}"), 1);
   ck_assert (!docrel_doc_is_dirty (post));
   ASSERT_OK (docrel_doc_set_utf8 (post, "title", "b", &error), error);
   ASSERT_OK (docrel_save (post, &error), error);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"title\": \"b\", \"updatedAt\": 2}"), 1);
   blog_close (&b);
}
END_TEST

/* Sets updatedAt to a string, which the model declares int64. */
static bool
bad_stamp_hook (docrel_doc_t *doc, docrel_hook_event_t event, void *user_data, bson_error_t *error)
{
   (void) event;
   (void) user_data;
   return docrel_doc_set_utf8 (doc, "updatedAt", "now", error);
}

START_TEST (what_a_before_insert_hook_changes_is_validated)
{
   blog_t b;
   docrel_doc_t *post;
   bson_error_t error;

   blog_open (&b, NULL);
   add_hook (b.post, DOCREL_HOOK_BEFORE_INSERT, bad_stamp_hook, &b.h);
   post = fixture_new_doc (b.session, b.post, "{\"_id\": 10}");
   ck_assert (!docrel_save (post, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_VALIDATION);
   ASSERT_MENTIONS (error, "updatedAt");
   ck_assert (!docrel_doc_has (post, "updatedAt")); /* the hook's change undone */
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   blog_close (&b);
}
END_TEST

START_TEST (a_refusal_in_the_middle_of_save_all_leaves_store_and_memory_as_before)
{
   blog_t b;
   docrel_doc_t *author, *posts[3];
   docrel_store_stats_t stats;
   bson_error_t error;
   int i;

   blog_open (&b, NULL);
   add_hook (b.post, DOCREL_HOOK_BEFORE_INSERT, stamp_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_BEFORE_INSERT, log_hook, &b.h);
   author = fixture_saved_doc (b.session, b.author, "{\"_id\": 1, \"name\": \"Ann\"}");
   ASSERT_OK (docrel_doc_set_utf8 (author, "name", "Anna", &error), error);
   for (i = 0; i < 3; i++) {
      char json[32];
      snprintf (json, sizeof json, "{\"_id\": %d}", 10 + i);
      posts[i] = fixture_new_doc (b.session, b.post, json);
      fixture_add_related (author, "posts", posts[i]);
   }
   b.h.refuse_id = 11;
   b.h.refuse_event = DOCREL_HOOK_BEFORE_INSERT;
   docrel_store_stats_reset (b.store);
   ck_assert (!docrel_save_all (author, NULL, NULL, NULL, &error));
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.commands, 0); /* refused while planned: nothing sent */
   ck_assert_uint_eq (stats.transactions, 0);
   ck_assert_uint_eq (error.domain, 42);
   ck_assert_uint_eq (error.code, 7);
   ck_assert_str_eq (error.message, "no 11");
   assert_log (&b.h, "beforeInsert:Post#10 beforeInsert:Post#11 ");
   /* the store as before */
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   ck_assert_int_eq (fixture_count_where (b.store, b.author, "{\"name\": \"Ann\"}"), 1);
   /* memory as before: the stamp and the copied keys gone, flags kept */
   for (i = 0; i < 3; i++) {
      ck_assert (!docrel_doc_is_saved (posts[i]));
      ck_assert (!docrel_doc_has (posts[i], "updatedAt"));
      ck_assert (!docrel_doc_has (posts[i], "authorId"));
   }
   ck_assert (docrel_doc_is_field_dirty (author, "name"));
   ck_assert_str_eq (docrel_doc_get_utf8 (author, "name"), "Anna");
   /* without the refusal the same call writes it all */
   b.h.refuse_id = 0;
   docrel_store_stats_reset (b.store);
   save_all (author);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.commands, 2); /* as without hooks: the author's update, the posts' insert */
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": 1, \"updatedAt\": {\"$gt\": 0}}"), 3);
   ck_assert_int_eq (fixture_count_where (b.store, b.author, "{\"name\": \"Anna\"}"), 1);
   blog_close (&b);
}
END_TEST

START_TEST (a_hook_returning_false_without_an_error_gets_one_naming_model_and_event)
{
   blog_t b;
   docrel_doc_t *post;
   bson_error_t error;

   blog_open (&b, NULL);
   add_hook (b.post, DOCREL_HOOK_BEFORE_VALIDATE, log_hook, &b.h);
   b.h.refuse_id = 10;
   b.h.refuse_event = DOCREL_HOOK_BEFORE_VALIDATE;
   b.h.refuse_silently = true;
   post = fixture_new_doc (b.session, b.post, "{\"_id\": 10}");
   ck_assert (!docrel_save (post, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_DOCUMENT);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_HOOK_FAILED);
   ASSERT_MENTIONS (error, "model 'Post'");
   ASSERT_MENTIONS (error, "beforeValidate");
   ck_assert (!docrel_doc_is_saved (post));
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   blog_close (&b);
}
END_TEST

START_TEST (a_failing_after_hook_reports_its_error_and_the_data_stays_written)
{
   blog_t b;
   docrel_doc_t *post;
   bson_error_t error;

   blog_open (&b, NULL);
   add_hook (b.post, DOCREL_HOOK_AFTER_INSERT, log_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_AFTER_INSERT, stamp_hook, &b.h); /* not run: the first failed */
   b.h.refuse_id = 10;
   b.h.refuse_event = DOCREL_HOOK_AFTER_INSERT;
   post = fixture_new_doc (b.session, b.post, "{\"_id\": 10}");
   ck_assert (!docrel_save_all (post, NULL, NULL, NULL, &error));
   ck_assert_str_eq (error.message, "no 10");
   ck_assert (docrel_doc_is_saved (post));
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 1);
   ck_assert_int_eq (b.h.stamp, 0);
   blog_close (&b);
}
END_TEST

START_TEST (a_before_delete_refusal_in_delete_all_leaves_store_and_memory_as_before)
{
   blog_t b;
   docrel_doc_t *author, *const *posts;
   bson_t *tree = fixture_json ("{\"posts\": true}");
   bson_error_t error;
   size_t n;

   blog_open (&b, NULL);
   add_hook (b.post, DOCREL_HOOK_BEFORE_DELETE, log_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_AFTER_DELETE, log_hook, &b.h);
   add_hook (b.author, DOCREL_HOOK_BEFORE_DELETE, log_hook, &b.h);
   seed_blog (&b);
   author = fixture_get (b.session, b.author, 1, "{\"posts\": true}");
   b.h.refuse_id = 11;
   b.h.refuse_event = DOCREL_HOOK_BEFORE_DELETE;
   ck_assert (!docrel_delete_all (author, tree, &error));
   ck_assert_str_eq (error.message, "no 11");
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert (docrel_doc_is_saved (author));
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 2);
   ck_assert (docrel_doc_is_saved (posts[0]) && docrel_doc_is_saved (posts[1]));
   ck_assert (strstr (b.h.log, "afterDelete") == NULL);
   b.h.log[0] = '\0';
   b.h.refuse_id = 0;
   ASSERT_OK (docrel_delete_all (author, tree, &error), error);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   ck_assert (strstr (b.h.log, "afterDelete:Post#10") && strstr (b.h.log, "afterDelete:Post#11"));
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

START_TEST (documents_a_cascade_deletes_in_the_store_get_no_hooks)
{
   blog_t b;
   docrel_doc_t *author;
   bson_error_t error;

   blog_open (&b, "{\"onDelete\": \"cascade\"}");
   add_every_hook (b.post, &b.h);
   add_hook (b.author, DOCREL_HOOK_BEFORE_DELETE, log_hook, &b.h);
   seed_blog (&b);
   b.h.log[0] = '\0'; /* the seed's inserts */
   author = fixture_get (b.session, b.author, 1, NULL);
   ASSERT_OK (docrel_delete (author, &error), error);
   assert_log (&b.h, "beforeDelete:Author#1 ");
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   blog_close (&b);
}
END_TEST

START_TEST (purge_and_a_child_save_all_deletes_run_the_delete_hooks)
{
   blog_t b;
   docrel_doc_t *author, *const *posts;
   bson_error_t error;
   size_t n;

   blog_open (&b, "{\"onRemove\": \"delete\"}");
   add_hook (b.post, DOCREL_HOOK_BEFORE_DELETE, log_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_AFTER_DELETE, log_hook, &b.h);
   seed_blog (&b);
   author = fixture_get (b.session, b.author, 1, "{\"posts\": true}");
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 2);
   ASSERT_OK (docrel_purge (posts[1], &error), error);
   assert_log (&b.h, "beforeDelete:Post#11 afterDelete:Post#11 ");
   /* a child removed from a loaded slot under onRemove "delete" */
   ASSERT_OK (docrel_doc_remove_related (author, "posts", posts[0], &error), error);
   b.h.refuse_id = 10;
   b.h.refuse_event = DOCREL_HOOK_BEFORE_DELETE;
   ck_assert (!docrel_save_all (author, NULL, NULL, NULL, &error));
   ck_assert_str_eq (error.message, "no 10");
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 1);
   b.h.refuse_id = 0;
   b.h.log[0] = '\0';
   save_all (author);
   assert_log (&b.h, "beforeDelete:Post#10 afterDelete:Post#10 ");
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   blog_close (&b);
}
END_TEST

/* ---- afterLoad ----------------------------------------------------------- */

START_TEST (after_load_runs_once_per_document_entering_the_session)
{
   blog_t b;
   docrel_doc_t **docs, *doc;
   docrel_cursor_t *cursor;
   docrel_session_t *other;
   bson_error_t error;
   size_t n;

   blog_open (&b, NULL);
   add_hook (b.author, DOCREL_HOOK_AFTER_LOAD, log_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_AFTER_LOAD, log_hook, &b.h);
   seed_blog (&b);
   assert_log (&b.h, ""); /* saving is no load */
   fixture_get (b.session, b.author, 1, "{\"posts\": true}");
   assert_log (&b.h, "afterLoad:Author#1 afterLoad:Post#10 afterLoad:Post#11 ");
   fixture_get (b.session, b.author, 1, "{\"posts\": true}"); /* all in the session already */
   ASSERT_OK (docrel_find_all (b.session, b.post, NULL, NULL, &docs, &n, &error), error);
   bson_free (docs);
   assert_log (&b.h, "");
   other = docrel_session_new (b.store);
   ASSERT_OK (docrel_find_all (other, b.post, NULL, NULL, &docs, &n, &error), error);
   ck_assert_uint_eq (n, 2);
   bson_free (docs);
   assert_log (&b.h, "afterLoad:Post#10 afterLoad:Post#11 ");
   docrel_session_destroy (other);
   other = docrel_session_new (b.store);
   cursor = docrel_find (other, b.author, NULL, NULL, &error);
   ck_assert_msg (cursor != NULL, "%s", error.message);
   ck_assert (docrel_cursor_next (cursor, &doc));
   docrel_cursor_keep (cursor);
   docrel_cursor_destroy (cursor);
   assert_log (&b.h, "afterLoad:Author#1 ");
   /* one relation of one document, streamed */
   cursor = docrel_find_related (doc, "posts", NULL, NULL, &error);
   ck_assert_msg (cursor != NULL, "%s", error.message);
   while (docrel_cursor_next (cursor, NULL)) {
   }
   ck_assert (!docrel_cursor_error (cursor, &error));
   docrel_cursor_destroy (cursor);
   assert_log (&b.h, "afterLoad:Post#10 afterLoad:Post#11 ");
   docrel_session_destroy (other);
   blog_close (&b);
}
END_TEST

START_TEST (a_failing_after_load_fails_the_read_and_leaves_the_session_as_before)
{
   blog_t b;
   docrel_doc_t **docs, *doc, *author;
   docrel_cursor_t *cursor;
   bson_value_t key = fixture_int_key (11);
   bson_t *tree = fixture_json ("{\"posts\": true}");
   bson_error_t error;
   size_t n;

   blog_open (&b, NULL);
   add_hook (b.post, DOCREL_HOOK_AFTER_LOAD, log_hook, &b.h);
   seed_blog (&b);
   b.h.refuse_id = 11;
   b.h.refuse_event = DOCREL_HOOK_AFTER_LOAD;
   ck_assert (!docrel_find_all (b.session, b.post, NULL, NULL, &docs, &n, &error));
   ck_assert_str_eq (error.message, "no 11");
   ck_assert_uint_eq (docrel_session_size (b.session), 0);
   ck_assert (!docrel_get (b.session, b.post, &key, NULL, &doc, &error));
   ck_assert_str_eq (error.message, "no 11");
   ck_assert_uint_eq (docrel_session_size (b.session), 0);
   /* a join */
   key = fixture_int_key (1);
   ck_assert (!docrel_get (b.session, b.author, &key, tree, &doc, &error));
   ck_assert_str_eq (error.message, "no 11");
   ck_assert_uint_eq (docrel_session_size (b.session), 0);
   author = fixture_get (b.session, b.author, 1, NULL);
   ck_assert (!docrel_load (author, "posts", NULL, &error));
   ck_assert_str_eq (error.message, "no 11");
   ck_assert_uint_eq (docrel_session_size (b.session), 1);
   /* a cursor stops with the error */
   cursor = docrel_find (b.session, b.post, NULL, NULL, &error);
   ck_assert_msg (cursor != NULL, "%s", error.message);
   ck_assert (docrel_cursor_next (cursor, &doc) && fixture_id_of (doc) == 10);
   ck_assert (!docrel_cursor_next (cursor, &doc));
   ck_assert (docrel_cursor_error (cursor, &error));
   ck_assert_str_eq (error.message, "no 11");
   docrel_cursor_destroy (cursor);
   /* a joining cursor: the batch fails, its documents leave */
   {
      bson_t *opts = fixture_json ("{\"join\": {\"posts\": true}}");
      docrel_session_t *other = docrel_session_new (b.store);

      cursor = docrel_find (other, b.author, NULL, opts, &error);
      ck_assert_msg (cursor != NULL, "%s", error.message);
      ck_assert (!docrel_cursor_next (cursor, &doc));
      ck_assert (docrel_cursor_error (cursor, &error));
      ck_assert_str_eq (error.message, "no 11");
      docrel_cursor_destroy (cursor);
      ck_assert_uint_eq (docrel_session_size (other), 0);
      docrel_session_destroy (other);
      bson_destroy (opts);
   }
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

/* ---- what a hook may not do --------------------------------------------- */

/* Tries every write call on its own session, noting the codes; returns
 * the last error if asked to. */
static bool
reenter_hook (docrel_doc_t *doc, docrel_hook_event_t event, void *user_data, bson_error_t *error)
{
   hooks_t *h = user_data;
   bson_error_t inner;
   docrel_doc_t *found;
   bson_value_t key = fixture_int_key (1);
   bool ok[6];
   int i;

   (void) event;
   ok[0] = docrel_save (h->other, &inner);
   h->inner_codes[h->n_inner++] = inner.code;
   ok[1] = docrel_save_all (h->other, NULL, NULL, NULL, &inner);
   h->inner_codes[h->n_inner++] = inner.code;
   ok[2] = docrel_delete (doc, &inner);
   h->inner_codes[h->n_inner++] = inner.code;
   ok[3] = docrel_purge (doc, &inner);
   h->inner_codes[h->n_inner++] = inner.code;
   ok[4] = docrel_link (doc, "author", h->other, NULL, &inner);
   h->inner_codes[h->n_inner++] = inner.code;
   ok[5] = docrel_doc_add_related (doc, "author", h->other, &inner);
   h->inner_codes[h->n_inner++] = inner.code;
   for (i = 0; i < 6; i++) {
      ck_assert (!ok[i]);
   }
   ASSERT_MENTIONS (inner, "busy with save");
   /* reading through the session is allowed */
   ck_assert (docrel_get (docrel_doc_session (doc), docrel_doc_model (h->other), &key, NULL, &found, error) ||
              error->code == DOCREL_ERROR_NOT_FOUND);
   if (h->propagate) {
      *error = inner;
      return false;
   }
   memset (error, 0, sizeof *error);
   return true;
}

START_TEST (a_hook_starting_a_write_call_on_its_session_is_refused)
{
   blog_t b;
   docrel_doc_t *post;
   bson_error_t error;
   int i;

   blog_open (&b, NULL);
   add_hook (b.post, DOCREL_HOOK_BEFORE_UPDATE, reenter_hook, &b.h);
   add_hook (b.post, DOCREL_HOOK_AFTER_INSERT, reenter_hook, &b.h);
   b.h.other = fixture_new_doc (b.session, b.author, "{\"_id\": 1}");
   post = fixture_new_doc (b.session, b.post, "{\"_id\": 10}");
   ASSERT_OK (docrel_save (post, &error), error); /* the after-hook tries */
   ck_assert_int_eq (b.h.n_inner, 6);
   for (i = 0; i < 6; i++) {
      ck_assert_uint_eq (b.h.inner_codes[i], DOCREL_ERROR_SESSION_BUSY);
   }
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 0);
   ck_assert (!docrel_doc_is_saved (b.h.other));
   /* a before-hook returning the busy error fails the outer call cleanly */
   b.h.n_inner = 0;
   b.h.propagate = true;
   ASSERT_OK (docrel_doc_set_utf8 (post, "title", "t", &error), error);
   ck_assert (!docrel_save_all (post, NULL, NULL, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_SESSION_BUSY);
   ASSERT_MENTIONS (error, "busy with save_all");
   ck_assert (docrel_doc_is_field_dirty (post, "title"));
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"title\": \"t\"}"), 0);
   /* the session is not left busy */
   ASSERT_OK (docrel_save (b.h.other, &error), error);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   blog_close (&b);
}
END_TEST

START_TEST (hooks_are_added_only_before_first_use)
{
   blog_t b;
   bson_error_t error;

   blog_open (&b, NULL);
   ck_assert (!docrel_model_add_hook (b.post, DOCREL_HOOK_AFTER_LOAD, NULL, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_INVALID_ARGUMENT);
   ck_assert (!docrel_model_add_hook (b.post, (docrel_hook_event_t) 99, log_hook, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_INVALID_ARGUMENT);
   fixture_new_doc (b.session, b.post, "{\"_id\": 10}");
   ck_assert (!docrel_model_add_hook (b.post, DOCREL_HOOK_AFTER_LOAD, log_hook, NULL, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_MODEL_IN_USE);
   ASSERT_MENTIONS (error, "model 'Post'");
   ASSERT_MENTIONS (error, "afterLoad");
   ck_assert_str_eq (docrel_hook_event_name (DOCREL_HOOK_BEFORE_UPDATE), "beforeUpdate");
   ck_assert_str_eq (docrel_hook_event_name ((docrel_hook_event_t) 99), "unknown");
   blog_close (&b);
}
END_TEST

static Suite *
hooks_suite (void)
{
   Suite *s = suite_create ("hooks");
   TCase *events = tcase_create ("events");
   TCase *refusing = tcase_create ("changing and refusing");
   TCase *load = tcase_create ("afterLoad");
   TCase *limits = tcase_create ("limits");

   tcase_add_test (events, save_runs_each_event_in_order_with_the_document_and_user_data);
   tcase_add_test (events, save_all_runs_before_hooks_in_write_order_and_after_hooks_after_the_commit);
   tcase_add_test (events, hooks_of_one_event_run_in_the_order_they_were_added);
   tcase_add_test (refusing, a_before_save_hook_stamping_updated_at_is_stored);
   tcase_add_test (refusing, what_a_before_insert_hook_changes_is_validated);
   tcase_add_test (refusing, a_refusal_in_the_middle_of_save_all_leaves_store_and_memory_as_before);
   tcase_add_test (refusing, a_hook_returning_false_without_an_error_gets_one_naming_model_and_event);
   tcase_add_test (refusing, a_failing_after_hook_reports_its_error_and_the_data_stays_written);
   tcase_add_test (refusing, a_before_delete_refusal_in_delete_all_leaves_store_and_memory_as_before);
   tcase_add_test (refusing, documents_a_cascade_deletes_in_the_store_get_no_hooks);
   tcase_add_test (refusing, purge_and_a_child_save_all_deletes_run_the_delete_hooks);
   tcase_add_test (load, after_load_runs_once_per_document_entering_the_session);
   tcase_add_test (load, a_failing_after_load_fails_the_read_and_leaves_the_session_as_before);
   tcase_add_test (limits, a_hook_starting_a_write_call_on_its_session_is_refused);
   tcase_add_test (limits, hooks_are_added_only_before_first_use);
   suite_add_tcase (s, events);
   suite_add_tcase (s, refusing);
   suite_add_tcase (s, load);
   suite_add_tcase (s, limits);
   return s;
}

int
main (void)
{
   return fixture_run (hooks_suite ());
}
