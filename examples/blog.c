/* SPDX-License-Identifier: Apache-2.0 */
/* blog.c: a first docrel app. Authors write posts; posts have comments and
 * tags. It declares the models and their relations, writes a small graph
 * with one save_all, updates and refuses a document, then reads the graph
 * back with joins and prints it as JSON.
 *
 *   Author hasMany Post "posts"           Post belongsTo Author "author"
 *   Post hasMany Comment "comments"       Post hasAndBelongsToMany Tag "tags"
 *
 *   blog [--uri URI]      (default: sqlite:blog.db; a mongodb:// URI runs it
 *                         on MongoDB) */
#include <docrel/docrel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
   docrel_model_t *author, *post, *comment, *tag;
} blog_t;

static bool
define (docrel_store_t *store, blog_t *m, bson_error_t *error)
{
   bson_t *required = BCON_NEW ("required", BCON_BOOL (true));
   bson_t *title = BCON_NEW ("required", BCON_BOOL (true), "maxLength", BCON_INT32 (120));
   bson_t *draft = BCON_NEW ("default", BCON_BOOL (true));
   bson_t *by_email = BCON_NEW ("email", BCON_INT32 (1));
   bson_t *unique = BCON_NEW ("unique", BCON_BOOL (true));
   bson_t *by_name = BCON_NEW ("primaryKey", "caller"); /* a tag's _id is its name */
   bool ok = (m->author = docrel_model_new (store, "Author", NULL, error)) &&
             docrel_model_add_field (m->author, "name", DOCREL_TYPE_STRING, required, error) &&
             docrel_model_add_field (m->author, "email", DOCREL_TYPE_STRING, required, error) &&
             docrel_model_add_index (m->author, by_email, unique, error) &&
             (m->post = docrel_model_new (store, "Post", NULL, error)) &&
             docrel_model_add_field (m->post, "title", DOCREL_TYPE_STRING, title, error) &&
             docrel_model_add_field (m->post, "draft", DOCREL_TYPE_BOOL, draft, error) &&
             docrel_model_add_field (m->post, "authorId", DOCREL_TYPE_OBJECT_ID, NULL, error) &&
             (m->comment = docrel_model_new (store, "Comment", NULL, error)) &&
             (m->tag = docrel_model_new (store, "Tag", by_name, error)) &&
             docrel_model_has_many (m->author, m->post, "posts", "_id", "authorId", NULL, error) &&
             docrel_model_belongs_to (m->post, m->author, "author", "authorId", "_id", NULL, error) &&
             docrel_model_has_many (m->post, m->comment, "comments", "_id", "postId", NULL, error) &&
             docrel_model_has_and_belongs_to_many (m->post, m->tag, "tags", "_id", "_id", NULL, error) &&
             docrel_model_has_and_belongs_to_many (m->tag, m->post, "posts", "_id", "_id", NULL, error);
   bson_destroy (required);
   bson_destroy (title);
   bson_destroy (draft);
   bson_destroy (by_email);
   bson_destroy (unique);
   bson_destroy (by_name);
   return ok;
}

/* A new post by author with one comment and the tags given (in memory). */
static bool
add_post (docrel_session_t *s,
          const blog_t *m,
          docrel_doc_t *author,
          const char *title,
          const char *comment,
          docrel_doc_t **tags,
          size_t n_tags,
          docrel_doc_t **out,
          bson_error_t *error)
{
   docrel_doc_t *c;

   return (*out = docrel_doc_new (s, m->post, error)) && docrel_doc_set_utf8 (*out, "title", title, error) &&
          (c = docrel_doc_new (s, m->comment, error)) && docrel_doc_set_utf8 (c, "body", comment, error) &&
          docrel_doc_add_related (*out, "comments", c, error) &&
          docrel_doc_set_related (*out, "tags", tags, n_tags, error) &&
          docrel_doc_add_related (author, "posts", *out, error);
}

/* Builds two authors, three posts, their comments and tags in memory and
 * writes them all with one save_all (one insert per model, one for the
 * links). Then publishes a post: saving it writes only the changed field. */
static bool
seed (docrel_session_t *s, const blog_t *m, bson_error_t *error)
{
   docrel_doc_t *authors[2], *tags[2], *post;

   return (authors[0] = docrel_doc_new_from_json (s, m->author, "{\"name\": \"Ada\", \"email\": \"ada@example.org\"}",
                                                  error)) &&
          (authors[1] = docrel_doc_new_from_json (s, m->author, "{\"name\": \"Alan\", \"email\": \"alan@example.org\"}",
                                                  error)) &&
          (tags[0] = docrel_doc_new_from_json (s, m->tag, "{\"_id\": \"math\"}", error)) &&
          (tags[1] = docrel_doc_new_from_json (s, m->tag, "{\"_id\": \"machines\"}", error)) &&
          add_post (s, m, authors[0], "Notes on the Analytical Engine", "Bold.", tags, 2, &post, error) &&
          add_post (s, m, authors[0], "Sketch of a program", "Loops!", &tags[1], 1, &post, error) &&
          add_post (s, m, authors[1], "On computable numbers", "Halting?", tags, 1, &post, error) &&
          docrel_save_all_many (authors, 2, NULL, NULL, NULL, error) &&
          docrel_doc_set_bool (post, "draft", false, error) && docrel_save (post, error);
}

/* A second author with Ada's email breaks the unique index: nothing is written. */
static void
try_duplicate (docrel_session_t *s, const blog_t *m)
{
   bson_error_t error;
   docrel_doc_t *impostor =
      docrel_doc_new_from_json (s, m->author, "{\"name\": \"Impostor\", \"email\": \"ada@example.org\"}", &error);

   if (impostor && !docrel_save (impostor, &error)) {
      printf ("refused as expected: %s\n", error.message);
   }
}

static void
print_docs (docrel_doc_t **docs, size_t n)
{
   for (size_t i = 0; i < n; i++) {
      char *json = docrel_doc_to_json (docs[i], true);
      printf ("  %s\n", json);
      bson_free (json);
   }
}

/* Every author with posts (by title), their comments and tags; then the
 * tag "math" with its posts and their authors. Each costs one query per
 * edge of its tree, however many documents. */
static bool
show (docrel_store_t *store, const blog_t *m, bson_error_t *error)
{
   docrel_session_t *s = docrel_session_new (store);
   bson_t *opts = BCON_NEW ("join", "{", "posts", "{", "$sort", "{", "title", BCON_INT32 (1), "}", "comments",
                            BCON_BOOL (true), "tags", BCON_BOOL (true), "}", "}");
   bson_t *tree = BCON_NEW ("posts", "{", "author", BCON_BOOL (true), "}");
   bson_value_t math = {.value_type = BSON_TYPE_UTF8, .value.v_utf8 = {(char *) "math", 4}};
   docrel_doc_t **docs, *tag;
   size_t n;
   bool ok = docrel_find_all (s, m->author, NULL, opts, &docs, &n, error);

   if (ok) {
      printf ("authors with their posts, comments and tags:\n");
      print_docs (docs, n);
      bson_free (docs);
      /* a fresh session, so only this tree's slots are loaded and printed */
      docrel_session_destroy (s);
      s = docrel_session_new (store);
      ok = docrel_get (s, m->tag, &math, tree, &tag, error);
   }
   if (ok) {
      printf ("the tag 'math' with its posts and their authors:\n");
      print_docs (&tag, 1);
   }
   bson_destroy (opts);
   bson_destroy (tree);
   docrel_session_destroy (s);
   return ok;
}

int
main (int argc, char **argv)
{
   const char *uri = "sqlite:blog.db";
   bson_error_t error;
   docrel_store_t *store;
   docrel_session_t *session = NULL;
   blog_t m;
   int64_t n = 0;
   bool ok;

   /* --uri URI, or the URI alone as the first argument. */
   if (argc == 3 && strcmp (argv[1], "--uri") == 0) {
      uri = argv[2];
   } else if (argc == 2 && strncmp (argv[1], "--", 2) != 0) {
      uri = argv[1];
   } else if (argc != 1) {
      fprintf (stderr, "usage: blog [--uri URI]\n");
      return EXIT_FAILURE;
   }
   store = docrel_store_open (uri, &error);
   ok = store && define (store, &m, &error) && (session = docrel_session_new (store)) &&
        docrel_count (session, m.author, NULL, NULL, &n, &error);
   if (ok && n > 0) {
      printf ("the store holds %" PRId64 " authors already; showing them\n", n);
   } else if (ok) {
      ok = seed (session, &m, &error);
      try_duplicate (session, &m);
   }
   ok = ok && show (store, &m, &error);
   if (!ok) {
      fprintf (stderr, "blog: %s\n", error.message);
   }
   docrel_session_destroy (session);
   docrel_store_destroy (store);
   return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
