/* SPDX-License-Identifier: Apache-2.0 */
/* check_graph_save.c: docrel_save_all and docrel_save_all_many on a blog
 * (Author hasMany posts, Post belongsTo author, Post hasMany comments,
 * Post hasAndBelongsToMany tags): a new graph written in dependency order
 * with keys copied, batched command counts, updates of dirty documents only,
 * removal policies, link diffs, cycles, dry runs, and rollback of store and
 * memory on failure. Thinky's reported pitfalls are named regression tests. */
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author, *post, *comment, *tag;
   docrel_relation_t *posts, *post_tags;
} blog_t;

/* Generated ObjectId keys (the default), so save_all must copy them. */
static void
blog_open (blog_t *b, const char *posts_opts)
{
   memset (b, 0, sizeof *b);
   b->store = fixture_store_open ();
   b->author = fixture_model_new (b->store, "Author", NULL);
   b->post = fixture_model_new (b->store, "Post", NULL);
   b->comment = fixture_model_new (b->store, "Comment", NULL);
   b->tag = fixture_model_new (b->store, "Tag", NULL);
   fixture_add_field (b->author, "name", DOCREL_TYPE_STRING, "{\"required\": true}");
   b->posts = fixture_declare (docrel_model_has_many, b->author, b->post, "posts", "_id", "authorId", posts_opts);
   fixture_declare (docrel_model_belongs_to, b->post, b->author, "author", "authorId", "_id", NULL);
   fixture_declare (docrel_model_has_many, b->post, b->comment, "comments", "_id", "postId", NULL);
   fixture_declare (docrel_model_belongs_to, b->comment, b->post, "post", "postId", "_id", NULL);
   b->post_tags = fixture_declare (docrel_model_has_and_belongs_to_many, b->post, b->tag, "tags", "_id", "_id", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, b->tag, b->post, "posts", "_id", "_id", NULL);
   b->session = docrel_session_new (b->store);
}

static void
blog_close (blog_t *b)
{
   docrel_session_destroy (b->session);
   fixture_store_close (b->store);
}

static docrel_doc_t *
doc_of (blog_t *b, docrel_model_t *model, const char *json)
{
   return fixture_new_doc (b->session, model, json);
}

static void
save_all (docrel_doc_t *doc, const char *tree_json)
{
   bson_t *tree = tree_json ? fixture_json (tree_json) : NULL;
   bson_error_t error;

   ASSERT_OK (docrel_save_all (doc, tree, NULL, NULL, &error), error);
   if (tree) {
      bson_destroy (tree);
   }
}

static bool
same_id (const docrel_doc_t *doc, const char *path, const docrel_doc_t *other)
{
   bson_value_t v;
   const bson_value_t *id = docrel_doc_id (other);

   return docrel_doc_get (doc, path, &v) && id && v.value_type == BSON_TYPE_OID && id->value_type == BSON_TYPE_OID &&
          bson_oid_equal (&v.value.v_oid, &id->value.v_oid);
}

/* A post by author with n comments and the given tags. */
static docrel_doc_t *
post_with (blog_t *b, docrel_doc_t *author, const char *title, int n_comments, docrel_doc_t **tags, int n_tags)
{
   char json[128];
   docrel_doc_t *post;
   int i;

   snprintf (json, sizeof json, "{\"title\": \"%s\"}", title);
   post = doc_of (b, b->post, json);
   fixture_add_related (author, "posts", post);
   for (i = 0; i < n_comments; i++) {
      snprintf (json, sizeof json, "{\"text\": \"%s #%d\"}", title, i);
      fixture_add_related (post, "comments", doc_of (b, b->comment, json));
   }
   for (i = 0; i < n_tags; i++) {
      fixture_add_related (post, "tags", tags[i]);
   }
   return post;
}

START_TEST (a_new_graph_is_written_with_its_keys_copied)
{
   blog_t b;
   docrel_doc_t *author, *post, *tags[2];
   docrel_doc_t *const *comments;
   size_t n;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   tags[0] = doc_of (&b, b.tag, "{\"name\": \"c\"}");
   tags[1] = doc_of (&b, b.tag, "{\"name\": \"db\"}");
   post = post_with (&b, author, "Hello", 2, tags, 2);
   save_all (author, NULL);

   ck_assert (docrel_doc_is_saved (author) && docrel_doc_is_saved (post));
   ck_assert (docrel_doc_is_saved (tags[0]) && docrel_doc_is_saved (tags[1]));
   ck_assert (same_id (post, "authorId", author));
   ck_assert (docrel_doc_related (post, "comments", &comments, &n) && n == 2);
   ck_assert (same_id (comments[0], "postId", post) && same_id (comments[1], "postId", post));
   ck_assert (docrel_doc_is_saved (comments[0]) && !docrel_doc_is_dirty (comments[1]));
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 2);
   ck_assert_int_eq (fixture_count_all (b.store, docrel_relation_link_model (b.post_tags)), 2);
   blog_close (&b);
}
END_TEST

START_TEST (a_thousand_author_graph_takes_one_insert_per_model_and_level)
{
   blog_t b;
   docrel_doc_t *tags[50];
   docrel_doc_t **authors = bson_malloc (1000 * sizeof *authors);
   docrel_store_stats_t stats;
   bson_error_t error;
   int i, k;

   blog_open (&b, NULL);
   for (i = 0; i < 50; i++) {
      tags[i] = doc_of (&b, b.tag, "{\"name\": \"t\"}");
   }
   for (i = 0; i < 1000; i++) {
      docrel_doc_t *three[3];
      authors[i] = doc_of (&b, b.author, "{\"name\": \"a\"}");
      for (k = 0; k < 10; k++) {
         three[0] = tags[(i + k) % 50];
         three[1] = tags[(i + k + 1) % 50];
         three[2] = tags[(i + k + 2) % 50];
         post_with (&b, authors[i], "p", 3, three, 3);
      }
   }
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_save_all_many (authors, 1000, NULL, NULL, NULL, &error), error);
   docrel_store_stats (b.store, &stats);
   /* level 0: authors and tags; 1: posts; 2: comments; then the links. No
    * lookup of existing links: every key was made by this call. */
   ck_assert_uint_eq (stats.inserts, 5);
   ck_assert_uint_eq (stats.commands - stats.index_builds, 5); /* the link collection is new */
   ck_assert_uint_eq (stats.documents_written, 1000 + 50 + 10000 + 30000 + 30000);
   ck_assert_int_eq (fixture_count_all (b.store, docrel_relation_link_model (b.post_tags)), 30000);
   bson_free (authors);
   blog_close (&b);
}
END_TEST

START_TEST (saving_again_sends_only_what_changed)
{
   blog_t b;
   docrel_doc_t *author, *post;
   docrel_store_stats_t stats;
   bson_error_t error;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post = post_with (&b, author, "Hello", 1, NULL, 0);
   save_all (author, NULL);
   docrel_store_stats_reset (b.store);
   save_all (author, NULL);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.commands, 0);

   ASSERT_OK (docrel_doc_set_utf8 (post, "title", "Changed", &error), error);
   save_all (author, NULL);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.updates, 1);
   ck_assert_uint_eq (stats.commands, 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"title\": \"Changed\"}"), 1);
   blog_close (&b);
}
END_TEST

START_TEST (many_roots_are_saved_in_one_call)
{
   /* Thinky #469: saveAll of an array of documents was refused. */
   blog_t b;
   docrel_doc_t *a[3];
   docrel_store_stats_t stats;
   bson_error_t error;
   int i;

   blog_open (&b, NULL);
   for (i = 0; i < 3; i++) {
      a[i] = doc_of (&b, b.author, "{\"name\": \"x\"}");
      post_with (&b, a[i], "p", 0, NULL, 0);
   }
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_save_all_many (a, 3, NULL, NULL, NULL, &error), error);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.inserts, 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 3);
   blog_close (&b);
}
END_TEST

START_TEST (thinky_355_siblings_of_one_model_are_all_saved)
{
   /* Thinky #355 / #290 / #109: saveAll visited per model, so a second
    * sibling of a model already seen was skipped. Identity, not model. */
   blog_t b;
   docrel_doc_t *author, *p1, *p2;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   p1 = post_with (&b, author, "one", 2, NULL, 0);
   p2 = post_with (&b, author, "two", 2, NULL, 0);
   save_all (author, NULL);
   ck_assert (docrel_doc_is_saved (p1) && docrel_doc_is_saved (p2));
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 4);
   blog_close (&b);
}
END_TEST

START_TEST (thinky_537_a_document_reached_twice_is_written_once)
{
   /* Thinky #537: a document reached by two paths was inserted twice. */
   blog_t b;
   docrel_doc_t *author, *post;
   docrel_store_stats_t stats;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post = post_with (&b, author, "Hello", 0, NULL, 0);
   fixture_add_related (post, "author", author); /* author -> post -> author */
   docrel_store_stats_reset (b.store);
   save_all (author, NULL);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.documents_written, 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert (same_id (post, "authorId", author));
   blog_close (&b);
}
END_TEST

START_TEST (a_belongs_to_target_is_written_before_its_owner)
{
   blog_t b;
   docrel_doc_t *author, *post;
   bson_t plan;
   bson_iter_t iter;
   bson_error_t error;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post = doc_of (&b, b.post, "{\"title\": \"Hello\"}");
   fixture_add_related (post, "author", author);
   ASSERT_OK (docrel_save_all (post, NULL, NULL, &plan, &error), error);
   ck_assert (same_id (post, "authorId", author));
   ck_assert (bson_iter_init (&iter, &plan) && bson_iter_find_descendant (&iter, "writes.0.model", &iter));
   ck_assert_str_eq (bson_iter_utf8 (&iter, NULL), "Author");
   ck_assert (bson_iter_init (&iter, &plan) && bson_iter_find_descendant (&iter, "writes.1.model", &iter));
   ck_assert_str_eq (bson_iter_utf8 (&iter, NULL), "Post");
   bson_destroy (&plan);
   blog_close (&b);
}
END_TEST

START_TEST (a_dry_run_returns_the_plan_and_writes_nothing)
{
   blog_t b;
   docrel_doc_t *author, *tags[1];
   docrel_store_stats_t stats;
   bson_t *opts = fixture_json ("{\"dryRun\": true}");
   bson_t plan;
   bson_iter_t iter, writes;
   bson_error_t error;
   int n = 0;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   tags[0] = doc_of (&b, b.tag, "{\"name\": \"c\"}");
   post_with (&b, author, "Hello", 1, tags, 1);
   docrel_store_stats_reset (b.store);
   ASSERT_OK (docrel_save_all (author, NULL, opts, &plan, &error), error);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.inserts + stats.updates + stats.deletes, 0);
   ck_assert (!docrel_doc_is_saved (author));
   ck_assert (docrel_doc_id (author) == NULL); /* the key made for the plan is not kept */
   ck_assert (bson_iter_init_find (&iter, &plan, "writes") && bson_iter_recurse (&iter, &writes));
   while (bson_iter_next (&writes)) {
      n++;
   }
   ck_assert_int_eq (n, 5); /* Author+Tag, Post, Comment inserts; then the link */
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 0);
   bson_destroy (&plan);
   bson_destroy (opts);
   blog_close (&b);
}
END_TEST

START_TEST (a_failure_in_the_middle_leaves_store_and_memory_unchanged)
{
   blog_t b;
   docrel_doc_t *author, *post, *bad;
   bson_error_t error;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post = post_with (&b, author, "Hello", 1, NULL, 0);
   save_all (author, NULL);
   ASSERT_OK (docrel_doc_set_utf8 (post, "title", "Changed", &error), error);
   /* a second author whose post duplicates the first post's _id: the insert
    * of posts fails after authors were written */
   bad = doc_of (&b, b.author, "{\"name\": \"Bob\"}");
   {
      docrel_doc_t *dup = doc_of (&b, b.post, "{\"title\": \"dup\"}");
      ASSERT_OK (docrel_doc_set_value (dup, "_id", docrel_doc_id (post), &error), error);
      fixture_add_related (bad, "posts", dup);
      docrel_doc_t *roots[2] = {author, bad};
      ck_assert (!docrel_save_all_many (roots, 2, NULL, NULL, NULL, &error));
      ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
      ck_assert (!docrel_doc_is_saved (dup) && !docrel_doc_has (dup, "authorId"));
   }
   ck_assert (!docrel_doc_is_saved (bad) && docrel_doc_id (bad) == NULL);
   ck_assert (docrel_doc_is_field_dirty (post, "title"));
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"title\": \"Changed\"}"), 0);
   blog_close (&b);
}
END_TEST

START_TEST (a_validation_failure_writes_nothing)
{
   blog_t b;
   docrel_doc_t *author, *other;
   docrel_store_stats_t stats;
   bson_error_t error;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post_with (&b, author, "Hello", 1, NULL, 0);
   other = doc_of (&b, b.author, "{}"); /* name is required */
   {
      docrel_doc_t *roots[2] = {author, other};
      docrel_store_stats_reset (b.store);
      ck_assert (!docrel_save_all_many (roots, 2, NULL, NULL, NULL, &error));
   }
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ASSERT_MENTIONS (error, "name");
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.commands, 0);
   ck_assert (!docrel_doc_is_saved (author) && docrel_doc_id (author) == NULL);
   blog_close (&b);
}
END_TEST

/* Loads author 'a' of a fresh session with its posts. */
static docrel_doc_t *
reload (blog_t *b, const bson_value_t *id, const char *tree_json)
{
   bson_t *tree = fixture_json (tree_json);
   docrel_doc_t *doc = NULL;
   bson_error_t error;

   docrel_session_destroy (b->session);
   b->session = docrel_session_new (b->store);
   ASSERT_OK (docrel_get (b->session, b->author, id, tree, &doc, &error), error);
   bson_destroy (tree);
   return doc;
}

START_TEST (a_child_removed_from_a_loaded_slot_loses_its_key)
{
   blog_t b;
   docrel_doc_t *author, *first;
   docrel_doc_t *const *posts;
   bson_value_t id;
   size_t n;
   bson_error_t error;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post_with (&b, author, "one", 0, NULL, 0);
   post_with (&b, author, "two", 0, NULL, 0);
   save_all (author, NULL);
   bson_value_copy (docrel_doc_id (author), &id);
   author = reload (&b, &id, "{\"posts\": {\"$sort\": {\"title\": 1}}}");
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 2);
   first = posts[0];
   ASSERT_OK (docrel_doc_remove_related (author, "posts", first, &error), error);
   save_all (author, NULL);
   ck_assert (!docrel_doc_has (first, "authorId"));
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": null}"), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 2); /* setNull keeps it */
   bson_value_destroy (&id);
   blog_close (&b);
}
END_TEST

START_TEST (on_remove_delete_deletes_the_child)
{
   blog_t b;
   docrel_doc_t *author;
   bson_value_t id;
   bson_error_t error;

   blog_open (&b, "{\"onRemove\": \"delete\"}");
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post_with (&b, author, "one", 0, NULL, 0);
   post_with (&b, author, "two", 0, NULL, 0);
   save_all (author, NULL);
   bson_value_copy (docrel_doc_id (author), &id);
   author = reload (&b, &id, "{\"posts\": true}");
   ASSERT_OK (docrel_doc_set_related (author, "posts", NULL, 0, &error), error);
   save_all (author, NULL);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 0);
   bson_value_destroy (&id);
   blog_close (&b);
}
END_TEST

START_TEST (thinky_84_a_slot_never_loaded_touches_nothing)
{
   /* Thinky #84: saving a document whose relation was not loaded removed
    * the stored relation. */
   blog_t b;
   docrel_doc_t *author;
   bson_value_t id;
   bson_error_t error;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post_with (&b, author, "one", 0, NULL, 0);
   save_all (author, NULL);
   bson_value_copy (docrel_doc_id (author), &id);
   author = reload (&b, &id, "{}");
   ASSERT_OK (docrel_doc_set_utf8 (author, "name", "Anne", &error), error);
   save_all (author, NULL);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": null}"), 0);
   /* nor does setting a slot that was never loaded remove stored posts */
   ASSERT_OK (docrel_doc_set_related (author, "posts", NULL, 0, &error), error);
   save_all (author, NULL);
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": null}"), 0);
   bson_value_destroy (&id);
   blog_close (&b);
}
END_TEST

START_TEST (links_are_diffed_against_what_was_loaded)
{
   blog_t b;
   docrel_doc_t *author, *post, *tags[3];
   docrel_doc_t *const *posts;
   docrel_doc_t *const *loaded;
   docrel_store_stats_t stats;
   bson_value_t id;
   size_t n;
   bson_error_t error;
   docrel_model_t *link;

   blog_open (&b, NULL);
   link = docrel_relation_link_model (b.post_tags);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   tags[0] = doc_of (&b, b.tag, "{\"name\": \"a\"}");
   tags[1] = doc_of (&b, b.tag, "{\"name\": \"b\"}");
   tags[2] = doc_of (&b, b.tag, "{\"name\": \"c\"}");
   post_with (&b, author, "one", 0, tags, 2);
   save_all (author, NULL);
   ASSERT_OK (docrel_save (tags[2], &error), error);
   bson_value_copy (docrel_doc_id (author), &id);
   author = reload (&b, &id, "{\"posts\": {\"tags\": {\"$sort\": {\"name\": 1}}}}");
   ck_assert (docrel_doc_related (author, "posts", &posts, &n) && n == 1);
   post = posts[0];
   ck_assert (docrel_doc_related (post, "tags", &loaded, &n) && n == 2);
   /* drop "a", add "c" (loaded by itself) */
   {
      docrel_doc_t *c = NULL;
      bson_t *filter = fixture_json ("{\"name\": \"c\"}");
      docrel_doc_t **found = NULL;
      size_t n_found = 0;
      ASSERT_OK (docrel_find_all (b.session, b.tag, filter, NULL, &found, &n_found, &error), error);
      ck_assert_uint_eq (n_found, 1);
      c = found[0];
      bson_free (found);
      bson_destroy (filter);
      ASSERT_OK (docrel_doc_remove_related (post, "tags", loaded[0], &error), error);
      ASSERT_OK (docrel_doc_add_related (post, "tags", c, &error), error);
   }
   docrel_store_stats_reset (b.store);
   save_all (author, NULL);
   docrel_store_stats (b.store, &stats);
   /* one unlink, one lookup of the candidate link, one link insert */
   ck_assert_uint_eq (stats.deletes, 1);
   ck_assert_uint_eq (stats.finds, 1);
   ck_assert_uint_eq (stats.inserts, 1);
   ck_assert_int_eq (fixture_count_all (b.store, link), 2);
   ck_assert_int_eq (fixture_count_all (b.store, b.tag), 3); /* never an end */
   /* linking what is already linked writes nothing */
   author = reload (&b, &id, "{\"posts\": {\"tags\": true}}");
   docrel_store_stats_reset (b.store);
   save_all (author, NULL);
   docrel_store_stats (b.store, &stats);
   ck_assert_uint_eq (stats.commands, 0);
   bson_value_destroy (&id);
   blog_close (&b);
}
END_TEST

START_TEST (a_belongs_to_cycle_is_written_once_with_its_keys)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person = fixture_model_new (store, "Person", NULL);
   docrel_session_t *session;
   docrel_doc_t *a, *c;
   docrel_store_stats_t stats;
   bson_error_t error;

   fixture_declare (docrel_model_belongs_to, person, person, "contact", "contactId", "_id", NULL);
   session = docrel_session_new (store);
   a = fixture_new_doc (session, person, "{\"name\": \"a\"}");
   c = fixture_new_doc (session, person, "{\"name\": \"c\"}");
   ASSERT_OK (docrel_doc_add_related (a, "contact", c, &error), error);
   ASSERT_OK (docrel_doc_add_related (c, "contact", a, &error), error);
   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_save_all (a, NULL, NULL, NULL, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (stats.documents_written, 2);
   ck_assert_int_eq (fixture_count_all (store, person), 2);
   ck_assert (same_id (a, "contactId", c) && same_id (c, "contactId", a));
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (a_required_reference_cannot_be_cleared)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *author = fixture_model_new (store, "Author", NULL);
   docrel_model_t *post = fixture_model_new (store, "Post", NULL);
   docrel_session_t *session;
   docrel_doc_t *a, *p;
   bson_error_t error;

   fixture_declare (docrel_model_belongs_to, post, author, "author", "authorId", "_id", "{\"required\": true}");
   session = docrel_session_new (store);
   p = fixture_new_doc (session, post, "{\"title\": \"orphan\"}");
   ck_assert (!docrel_save_all (p, NULL, NULL, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ASSERT_MENTIONS (error, "author");
   a = fixture_new_doc (session, author, "{}");
   ASSERT_OK (docrel_doc_add_related (p, "author", a, &error), error);
   ASSERT_OK (docrel_save_all (p, NULL, NULL, NULL, &error), error);
   ASSERT_OK (docrel_doc_set_related (p, "author", NULL, 0, &error), error);
   ck_assert (!docrel_save_all (p, NULL, NULL, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ck_assert (same_id (p, "authorId", a)); /* memory as it was */
   ck_assert_int_eq (fixture_count_all (store, post), 1);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (a_tree_limits_what_is_saved)
{
   blog_t b;
   docrel_doc_t *author, *post;
   docrel_doc_t *const *comments;
   size_t n;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post = post_with (&b, author, "one", 1, NULL, 0);
   save_all (author, "{\"posts\": true}");
   ck_assert (docrel_doc_is_saved (post));
   ck_assert (docrel_doc_related (post, "comments", &comments, &n) && n == 1);
   ck_assert (!docrel_doc_is_saved (comments[0]));
   blog_close (&b);
}
END_TEST

START_TEST (bad_arguments_are_errors)
{
   blog_t b;
   docrel_doc_t *author, *post;
   bson_t *tree = fixture_json ("{\"nope\": true}");
   bson_error_t error;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post = doc_of (&b, b.post, "{}");
   ck_assert (!docrel_save_all (NULL, NULL, NULL, NULL, &error));
   ck_assert (!docrel_save_all (author, tree, NULL, NULL, &error));
   ASSERT_MENTIONS (error, "nope");
   ck_assert (!docrel_doc_add_related (author, "posts", author, &error));
   ASSERT_MENTIONS (error, "Post");
   ck_assert (!docrel_doc_add_related (author, "nothing", post, &error));
   ASSERT_MENTIONS (error, "nothing");
   bson_destroy (tree);
   blog_close (&b);
}
END_TEST

START_TEST (thinky_update_with_a_null_relation_removes_the_key)
{
   /* Thinky: post.author = null; post.saveAll() removes post.authorId. */
   blog_t b;
   docrel_doc_t *author, *post;
   bson_error_t error;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post = doc_of (&b, b.post, "{\"title\": \"Hello\"}");
   fixture_add_related (post, "author", author);
   save_all (post, NULL);
   ASSERT_OK (docrel_doc_set_related (post, "author", NULL, 0, &error), error);
   save_all (post, NULL);
   ck_assert (!docrel_doc_has (post, "authorId"));
   ck_assert_int_eq (fixture_count_where (b.store, b.post, "{\"authorId\": null}"), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1); /* never deleted */
   blog_close (&b);
}
END_TEST

START_TEST (amplify_one_to_one_and_its_clearing)
{
   /* Amplify: a customer hasOne cart; creating both at once, then clearing. */
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *customer = fixture_model_new (store, "Customer", NULL);
   docrel_model_t *cart = fixture_model_new (store, "Cart", NULL);
   docrel_session_t *session;
   docrel_doc_t *c, *k;
   bson_error_t error;

   fixture_declare (docrel_model_has_one, customer, cart, "cart", "_id", "customerId", NULL);
   session = docrel_session_new (store);
   c = fixture_new_doc (session, customer, "{\"name\": \"Ann\"}");
   k = fixture_new_doc (session, cart, "{\"items\": []}");
   ASSERT_OK (docrel_doc_add_related (c, "cart", k, &error), error);
   ASSERT_OK (docrel_save_all (c, NULL, NULL, NULL, &error), error);
   ck_assert (same_id (k, "customerId", c));
   ASSERT_OK (docrel_doc_set_related (c, "cart", NULL, 0, &error), error);
   ASSERT_OK (docrel_save_all (c, NULL, NULL, NULL, &error), error);
   ck_assert (!docrel_doc_has (k, "customerId"));
   ck_assert_int_eq (fixture_count_all (store, cart), 1);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (saving_again_after_a_failure_finishes_without_duplicates)
{
   blog_t b;
   docrel_doc_t *author, *dup;
   bson_value_t taken;
   bson_error_t error;

   blog_open (&b, NULL);
   author = doc_of (&b, b.author, "{\"name\": \"Ann\"}");
   post_with (&b, author, "one", 1, NULL, 0);
   dup = post_with (&b, author, "two", 1, NULL, 0);
   {
      docrel_doc_t *other = fixture_saved_doc (b.session, b.post, "{\"title\": \"taken\"}");
      bson_value_copy (docrel_doc_id (other), &taken);
   }
   ASSERT_OK (docrel_doc_set_value (dup, "_id", &taken, &error), error);
   ck_assert (!docrel_save_all (author, NULL, NULL, NULL, &error));
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 0);
   ASSERT_OK (docrel_doc_unset (dup, "_id", &error), error);
   save_all (author, NULL);
   ck_assert_int_eq (fixture_count_all (b.store, b.author), 1);
   ck_assert_int_eq (fixture_count_all (b.store, b.post), 3);
   ck_assert_int_eq (fixture_count_all (b.store, b.comment), 2);
   bson_value_destroy (&taken);
   blog_close (&b);
}
END_TEST

int
main (void)
{
   Suite *s = suite_create ("graph_save");
   TCase *tc = tcase_create ("save_all");

   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, a_new_graph_is_written_with_its_keys_copied);
   tcase_add_test (tc, a_thousand_author_graph_takes_one_insert_per_model_and_level);
   tcase_add_test (tc, saving_again_sends_only_what_changed);
   tcase_add_test (tc, many_roots_are_saved_in_one_call);
   tcase_add_test (tc, thinky_355_siblings_of_one_model_are_all_saved);
   tcase_add_test (tc, thinky_537_a_document_reached_twice_is_written_once);
   tcase_add_test (tc, a_belongs_to_target_is_written_before_its_owner);
   tcase_add_test (tc, a_dry_run_returns_the_plan_and_writes_nothing);
   tcase_add_test (tc, a_failure_in_the_middle_leaves_store_and_memory_unchanged);
   tcase_add_test (tc, a_validation_failure_writes_nothing);
   tcase_add_test (tc, a_child_removed_from_a_loaded_slot_loses_its_key);
   tcase_add_test (tc, on_remove_delete_deletes_the_child);
   tcase_add_test (tc, thinky_84_a_slot_never_loaded_touches_nothing);
   tcase_add_test (tc, links_are_diffed_against_what_was_loaded);
   tcase_add_test (tc, a_belongs_to_cycle_is_written_once_with_its_keys);
   tcase_add_test (tc, a_required_reference_cannot_be_cleared);
   tcase_add_test (tc, a_tree_limits_what_is_saved);
   tcase_add_test (tc, bad_arguments_are_errors);
   tcase_add_test (tc, thinky_update_with_a_null_relation_removes_the_key);
   tcase_add_test (tc, amplify_one_to_one_and_its_clearing);
   tcase_add_test (tc, saving_again_after_a_failure_finishes_without_duplicates);
   suite_add_tcase (s, tc);
   return fixture_run (s);
}
