/* SPDX-License-Identifier: Apache-2.0 */
/* check_integrity.c: docrel_check_integrity on a store damaged by hand
 * through the public API (keys pointing nowhere, links with a missing end,
 * a second hasOne child, a document written under a looser definition of
 * its model): each problem counted, the repair applying each
 * relation's rule (cascades reaching one level down), the store clean
 * afterwards, and the commands bounded by chunks and relations. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post, *comment, *profile, *tag, *customer, *order;
   docrel_relation_t *tags;
} blog_t;

static void
blog_open (blog_t *b)
{
   b->store = fixture_store_open ();
   b->author = fixture_keyed_model (b->store, "Author");
   b->post = fixture_keyed_model (b->store, "Post");
   fixture_add_field (b->post, "title", DOCREL_TYPE_STRING, "{\"required\": true}");
   fixture_add_field (b->post, "authorId", DOCREL_TYPE_INT32, NULL);
   b->comment = fixture_keyed_model (b->store, "Comment");
   b->profile = fixture_keyed_model (b->store, "Profile");
   b->tag = fixture_keyed_model (b->store, "Tag");
   b->customer = fixture_keyed_model (b->store, "Customer");
   b->order = fixture_keyed_model (b->store, "Order");
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id",
                    "{\"onDelete\": \"cascade\"}");
   fixture_declare (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId",
                    "{\"onDelete\": \"cascade\"}");
   fixture_declare (docrel_model_has_one, b->author, b->profile, "profile", "_id", "authorId", NULL);
   b->tags = fixture_declare (docrel_model_has_and_belongs_to_many, b->post, b->tag, "tags", "_id", "_id", NULL);
   fixture_declare (docrel_model_belongs_to, b->order, b->customer, "customer", NULL, NULL,
                    "{\"leftKeys\": [\"cRegion\", \"cNum\"], \"rightKeys\": [\"region\", \"num\"]}");
}

static void
seed (docrel_store_t *store, docrel_model_t *model, const char *a, const char *b, const char *c, const char *d)
{
   const char *jsons[5] = {a, b, c, d, NULL};
   fixture_seed (store, model, jsons);
}

/* The damage: see each count in damaged_store_is_reported_and_repaired. */
static void
damage (blog_t *b)
{
   seed (b->store, b->author, "{\"_id\": 1}", "{\"_id\": 2}", NULL, NULL);
   seed (b->store, b->post, "{\"_id\": 10, \"title\": \"a\", \"authorId\": 1}",
         "{\"_id\": 11, \"title\": \"b\", \"authorId\": 2}", "{\"_id\": 12, \"title\": \"c\", \"authorId\": 99}",
         "{\"_id\": 13, \"title\": \"d\", \"authorId\": 98}");
   seed (b->store, b->comment, "{\"_id\": 100, \"postId\": 10}", "{\"_id\": 101, \"postId\": 12}",
         "{\"_id\": 102, \"postId\": 77}", NULL);
   seed (b->store, b->profile, "{\"_id\": 200, \"authorId\": 1}", "{\"_id\": 201, \"authorId\": 1}",
         "{\"_id\": 202, \"authorId\": 55}", NULL);
   seed (b->store, b->tag, "{\"_id\": 1}", "{\"_id\": 2}", NULL, NULL);
   seed (b->store, docrel_relation_link_model (b->tags), "{\"Post__id\": 10, \"Tag__id\": 1}",
         "{\"Post__id\": 10, \"Tag__id\": 9}", "{\"Post__id\": 66, \"Tag__id\": 1}",
         "{\"Post__id\": 12, \"Tag__id\": 2}");
   seed (b->store, b->customer, "{\"_id\": 1, \"region\": \"eu\", \"num\": 1}", NULL, NULL, NULL);
   seed (b->store, b->order, "{\"_id\": 300, \"cRegion\": \"eu\", \"cNum\": 1}",
         "{\"_id\": 301, \"cRegion\": \"eu\", \"cNum\": 2}", NULL, NULL);
}

/* The int64 at dotted path under the report's entry for model.relation
 * ("danglingKeys.count"); -1 if absent. */
static int64_t
rel_value (const bson_t *report, const char *model, const char *relation, const char *path)
{
   bson_iter_t list, entry, v;
   bson_t doc;

   ck_assert (bson_iter_init_find (&list, report, "relations"));
   bson_iter_recurse (&list, &entry);
   while (bson_iter_next (&entry)) {
      const uint8_t *data;
      uint32_t len;
      bson_iter_t m, r;
      bson_iter_document (&entry, &len, &data);
      bson_init_static (&doc, data, len);
      if (bson_iter_init_find (&m, &doc, "model") && strcmp (bson_iter_utf8 (&m, NULL), model) == 0 &&
          bson_iter_init_find (&r, &doc, "relation") && strcmp (bson_iter_utf8 (&r, NULL), relation) == 0) {
         if (!bson_iter_init (&v, &doc) || !bson_iter_find_descendant (&v, path, &r)) {
            return -1;
         }
         return bson_iter_as_int64 (&r);
      }
   }
   return -1;
}

static int64_t
top_value (const bson_t *report, const char *path)
{
   bson_iter_t iter, found;

   if (!bson_iter_init (&iter, report) || !bson_iter_find_descendant (&iter, path, &found)) {
      return -1;
   }
   return BSON_ITER_HOLDS_BOOL (&found) ? bson_iter_bool (&found) : bson_iter_as_int64 (&found);
}

static void
run_check (docrel_store_t *store, const char *opts_json, bson_t *report)
{
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   bson_error_t error;

   ASSERT_OK (docrel_check_integrity (store, opts, report, &error), error);
   if (opts) {
      bson_destroy (opts);
   }
}

START_TEST (damaged_store_is_reported_and_repaired)
{
   blog_t b;
   bson_t report;
   docrel_store_stats_t stats;

   blog_open (&b);
   damage (&b);
   run_check (b.store, NULL, &report);
   ck_assert_int_eq (top_value (&report, "ok"), 0);
   ck_assert_int_eq (rel_value (&report, "Post", "author", "danglingKeys.count"), 2);
   ck_assert_int_eq (rel_value (&report, "Post", "comments", "danglingKeys.count"), 1);
   ck_assert_int_eq (rel_value (&report, "Author", "profile", "danglingKeys.count"), 1);
   ck_assert_int_eq (rel_value (&report, "Author", "profile", "duplicateChildren.count"), 1);
   ck_assert_int_eq (rel_value (&report, "Post", "tags", "orphanLinks.count"), 2);
   ck_assert_int_eq (rel_value (&report, "Order", "customer", "danglingKeys.count"), 1);
   ck_assert_int_eq (rel_value (&report, "Post", "author", "danglingKeys.sample.0._id"), 12);
   bson_destroy (&report);

   docrel_store_stats_reset (b.store);
   run_check (b.store, "{\"repair\": true}", &report);
   docrel_store_stats (b.store, &stats);
   ck_assert_int_eq (rel_value (&report, "Post", "author", "repaired.deleted"), 2);
   ck_assert_int_eq (rel_value (&report, "Post", "comments", "repaired.deleted"), 2); /* 102, then 101 */
   ck_assert_int_eq (rel_value (&report, "Author", "profile", "repaired.unset"), 2);  /* 202, extra 201 */
   ck_assert_int_eq (rel_value (&report, "Post", "tags", "repaired.unlinked"), 3);    /* 2, then post 12's */
   ck_assert_int_eq (rel_value (&report, "Order", "customer", "repaired.unset"), 1);
   ck_assert_int_eq (top_value (&report, "repaired.rounds"), 2); /* the second finds nothing */
   bson_destroy (&report);
   /* one range write per relation and kind of fix: round one, run after
    * the cascade of Post.author, finds comment 101 and post 12's link too */
   ck_assert_int_eq (stats.deletes, 3); /* posts, comments, links */
   ck_assert_int_eq (stats.updates, 3);
   ck_assert_int_eq (stats.inserts, 0);
   if (strcmp (fixture_kind (), "mongodb") != 0) {
      ck_assert_int_eq (stats.transactions, 1); /* the whole repair */
   }

   ck_assert_int_eq (fixture_count_all (b.store, b.post), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.profile, "{\"authorId\": {\"$exists\": true}}"), 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.order, "{\"cRegion\": {\"$exists\": true}}"), 1);
   ck_assert_int_eq (fixture_count_all (b.store, docrel_relation_link_model (b.tags)), 1);

   run_check (b.store, NULL, &report);
   ck_assert_int_eq (rel_value (&report, "Post", "author", "danglingKeys.count"), 0);
   ck_assert_int_eq (rel_value (&report, "Post", "comments", "danglingKeys.count"), 0);
   ck_assert_int_eq (rel_value (&report, "Author", "profile", "danglingKeys.count"), 0);
   ck_assert_int_eq (rel_value (&report, "Author", "profile", "duplicateChildren.count"), 0);
   ck_assert_int_eq (rel_value (&report, "Post", "tags", "orphanLinks.count"), 0);
   ck_assert_int_eq (rel_value (&report, "Order", "customer", "danglingKeys.count"), 0);
   ck_assert_int_eq (top_value (&report, "ok"), 1);
   bson_destroy (&report);
   fixture_store_close (b.store);
}
END_TEST

START_TEST (restrict_and_no_action_are_reported_not_repaired)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *author = fixture_keyed_model (store, "Author");
   docrel_model_t *book = fixture_keyed_model (store, "Book");
   bson_t report;

   fixture_declare (docrel_model_has_many, author, book, "books", "_id", "authorId", "{\"onDelete\": \"restrict\"}");
   seed (store, book, "{\"_id\": 1, \"authorId\": 9}", NULL, NULL, NULL);
   run_check (store, "{\"repair\": true}", &report);
   ck_assert_int_eq (rel_value (&report, "Author", "books", "danglingKeys.count"), 1);
   ck_assert_int_eq (rel_value (&report, "Author", "books", "repaired.unset"), 0);
   ck_assert_int_eq (rel_value (&report, "Author", "books", "repaired.deleted"), 0);
   bson_destroy (&report);
   ck_assert_int_eq (fixture_count_where (store, book, "{\"authorId\": 9}"), 1);
   fixture_store_close (store);
}
END_TEST

/* A document written under a looser definition of its model (another
 * program's), read by a store declaring the strict one: reported, with
 * its _id and the validation error, never repaired. Needs a store that
 * can be reopened (file, mongodb). */
START_TEST (invalid_documents_are_reported)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_keyed_model (store, "Post");
   bson_t report;

   seed (store, post, "{\"_id\": 14}", "{\"_id\": 15, \"title\": \"ok\"}", NULL, NULL);
   store = fixture_store_reopen (store);
   if (!store) {
      return; /* memory: nothing outlives the store */
   }
   post = fixture_keyed_model (store, "Post");
   fixture_add_field (post, "title", DOCREL_TYPE_STRING, "{\"required\": true}");
   run_check (store, "{\"repair\": true}", &report);
   ck_assert_int_eq (top_value (&report, "ok"), 0);
   ck_assert_int_eq (top_value (&report, "invalidDocuments.0.count"), 1);
   ck_assert_int_eq (top_value (&report, "invalidDocuments.0.sample.0._id"), 14);
   bson_destroy (&report);
   ck_assert_int_eq (fixture_count_all (store, post), 2);
   fixture_store_close (store);
}
END_TEST

#define MANY 1200

static void
seed_many_posts (blog_t *b, int32_t author)
{
   docrel_session_t *session = docrel_session_new (b->store);
   docrel_doc_t **docs = bson_malloc (MANY * sizeof *docs);
   bson_error_t error;
   char json[128];
   int i;

   for (i = 0; i < MANY; i++) {
      snprintf (json, sizeof json, "{\"_id\": %d, \"title\": \"t\", \"authorId\": %d}", 1000 + i, author);
      docs[i] = fixture_new_doc (session, b->post, json);
   }
   ASSERT_OK (docrel_save_all_many (docs, MANY, NULL, NULL, NULL, &error), error);
   bson_free (docs);
   docrel_session_destroy (session);
}

START_TEST (commands_grow_with_chunks_not_documents)
{
   blog_t b;
   bson_t report;
   docrel_store_stats_t stats;
   int64_t getmores = strcmp (fixture_kind (), "mongodb") == 0 ? 2 : 0;

   blog_open (&b);
   seed (b.store, b.author, "{\"_id\": 1}", NULL, NULL, NULL);
   seed_many_posts (&b, 1);
   docrel_store_stats_reset (b.store);
   run_check (b.store, "{\"model\": \"Post\"}", &report);
   docrel_store_stats (b.store, &stats);
   ck_assert_int_eq (top_value (&report, "ok"), 1);
   bson_destroy (&report);
   /* 3 relation scans, 3 key chunks of the 1200 authorIds, 1 validation
    * (MongoDB: a getMore per scan of Post past its first batch) */
   ck_assert_int_le (stats.finds, 3 + 3 + 1 + getmores);
   ck_assert_int_eq (stats.inserts + stats.updates + stats.deletes, 0);
   fixture_store_close (b.store);
}
END_TEST

START_TEST (a_large_repair_sends_one_write_per_chunk)
{
   blog_t b;
   bson_t report;
   docrel_store_stats_t stats;

   blog_open (&b);
   seed_many_posts (&b, 99); /* all dangling, cascade */
   docrel_store_stats_reset (b.store);
   run_check (b.store, "{\"model\": \"Post\", \"repair\": true, \"sample\": 2}", &report);
   docrel_store_stats (b.store, &stats);
   ck_assert_int_eq (rel_value (&report, "Post", "author", "danglingKeys.count"), MANY);
   ck_assert_int_eq (rel_value (&report, "Post", "author", "repaired.deleted"), MANY);
   ck_assert_int_eq (top_value (&report, "relations.0.danglingKeys.sample.2._id"), -1);
   bson_destroy (&report);
   ck_assert_int_eq (stats.deletes, 3); /* 500, 500, 200 */
   ck_assert_int_le (stats.finds, 30);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   fixture_store_close (b.store);
}
END_TEST

START_TEST (bad_options_are_named)
{
   docrel_store_t *store = fixture_store_open ();
   bson_t report;
   bson_error_t error;
   bson_t *opts;
   const char *cases[][2] = {{"{\"nope\": 1}", "nope"},
                             {"{\"sample\": -1}", "sample"},
                             {"{\"repair\": 1}", "repair"},
                             {"{\"model\": \"Missing\"}", "Missing"}};
   size_t i;

   for (i = 0; i < 4; i++) {
      opts = fixture_json (cases[i][0]);
      ck_assert (!docrel_check_integrity (store, opts, &report, &error));
      ASSERT_MENTIONS (error, cases[i][1]);
      bson_destroy (&report);
      bson_destroy (opts);
   }
   fixture_store_close (store);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("integrity");
   TCase *tc = tcase_create ("check");

   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, damaged_store_is_reported_and_repaired);
   tcase_add_test (tc, restrict_and_no_action_are_reported_not_repaired);
   tcase_add_test (tc, commands_grow_with_chunks_not_documents);
   tcase_add_test (tc, a_large_repair_sends_one_write_per_chunk);
   tcase_add_test (tc, bad_options_are_named);
   tcase_add_test (tc, invalid_documents_are_reported);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
