/* blog.c: a first docrel app. It declares two models, stores a few authors
 * and posts, updates and deletes one, queries them back and prints what the
 * store holds as JSON.
 *
 *   blog [store-uri]      (default: sqlite:blog.db)
 *
 * Until relations land, a post refers to its author by a plain field. */
#include <docrel/docrel.h>
#include <stdio.h>
#include <stdlib.h>

static int
fail (const char *what, const bson_error_t *error)
{
   fprintf (stderr, "blog: %s: %s\n", what, error->message);
   return EXIT_FAILURE;
}

static bool
define_models (docrel_store_t *store, docrel_model_t **author, docrel_model_t **post, bson_error_t *error)
{
   bson_t *required = BCON_NEW ("required", BCON_BOOL (true));
   bson_t *title = BCON_NEW ("required", BCON_BOOL (true), "maxLength", BCON_INT32 (120));
   bson_t *draft = BCON_NEW ("default", BCON_BOOL (true));
   bson_t *unique = BCON_NEW ("unique", BCON_BOOL (true));
   bson_t *by_email = BCON_NEW ("email", BCON_INT32 (1));
   bson_t *by_author = BCON_NEW ("author_id", BCON_INT32 (1));
   bool ok = (*author = docrel_model_new (store, "Author", NULL, error)) &&
             docrel_model_add_field (*author, "name", DOCREL_TYPE_STRING, required, error) &&
             docrel_model_add_field (*author, "email", DOCREL_TYPE_STRING, required, error) &&
             docrel_model_add_index (*author, by_email, unique, error) &&
             (*post = docrel_model_new (store, "Post", NULL, error)) &&
             docrel_model_add_field (*post, "title", DOCREL_TYPE_STRING, title, error) &&
             docrel_model_add_field (*post, "author_id", DOCREL_TYPE_OBJECT_ID, required, error) &&
             docrel_model_add_field (*post, "draft", DOCREL_TYPE_BOOL, draft, error) &&
             docrel_model_add_field (*post, "tags", DOCREL_TYPE_ARRAY, NULL, error) &&
             docrel_model_add_index (*post, by_author, NULL, error);
   bson_destroy (required);
   bson_destroy (title);
   bson_destroy (draft);
   bson_destroy (unique);
   bson_destroy (by_email);
   bson_destroy (by_author);
   return ok;
}

static void
print_all (docrel_session_t *session, docrel_model_t *model, const bson_t *filter, const bson_t *opts)
{
   bson_error_t error;
   docrel_cursor_t *cursor = docrel_find (session, model, filter, opts, &error);
   docrel_doc_t *doc;

   if (!cursor) {
      fprintf (stderr, "blog: query: %s\n", error.message);
      return;
   }
   while (docrel_cursor_next (cursor, &doc)) {
      char *json = docrel_doc_to_json (doc, false);
      printf ("  %s\n", json);
      bson_free (json);
   }
   if (docrel_cursor_error (cursor, &error)) {
      fprintf (stderr, "blog: cursor: %s\n", error.message);
   }
   docrel_cursor_destroy (cursor);
}

int
main (int argc, char **argv)
{
   const char *uri = argc > 1 ? argv[1] : "sqlite:blog.db";
   bson_error_t error;
   docrel_store_t *store;
   docrel_session_t *session;
   docrel_model_t *author_model, *post_model;
   docrel_doc_t *ada, *alan, *post;
   bson_t *filter, *opts, *dup;
   int64_t n;
   int status = EXIT_FAILURE;
   static const char *titles[] = {"Notes on the Analytical Engine", "On computable numbers", "Sketch of a program"};
   int i;

   store = docrel_store_open (uri, &error);
   if (!store) {
      return fail ("open", &error);
   }
   if (!define_models (store, &author_model, &post_model, &error)) {
      status = fail ("models", &error);
      docrel_store_destroy (store);
      return status;
   }
   session = docrel_session_new (store);
   if (!docrel_count (session, author_model, NULL, NULL, &n, &error)) {
      status = fail ("count", &error);
      goto done;
   }
   if (n > 0) {
      printf ("the store holds %" PRId64 " authors already; showing them\n", n);
      goto show;
   }

   ada = docrel_doc_new (session, author_model, &error);
   alan = docrel_doc_new_from_json (session, author_model, "{\"name\": \"Alan\", \"email\": \"alan@example.org\"}", &error);
   if (!ada || !alan || !docrel_doc_set_utf8 (ada, "name", "Ada", &error) ||
       !docrel_doc_set_utf8 (ada, "email", "ada@example.org", &error) || !docrel_save (ada, &error) ||
       !docrel_save (alan, &error)) {
      status = fail ("authors", &error);
      goto done;
   }
   for (i = 0; i < 3; i++) {
      docrel_doc_t *by = i == 1 ? alan : ada;
      bson_value_t id;
      post = docrel_doc_new (session, post_model, &error);
      if (!post || !docrel_doc_set_utf8 (post, "title", titles[i], &error) ||
          !docrel_doc_get (by, "_id", &id) || !docrel_doc_set_value (post, "author_id", &id, &error) ||
          !docrel_save (post, &error)) {
         status = fail ("posts", &error);
         goto done;
      }
   }
   /* An update writes only the changed field. */
   if (!docrel_doc_set_bool (post, "draft", false, &error) || !docrel_save (post, &error)) {
      status = fail ("publish", &error);
      goto done;
   }
   /* A second author with Ada's email breaks the unique index: nothing is written. */
   dup = BCON_NEW ("name", "Impostor", "email", "ada@example.org");
   {
      docrel_doc_t *impostor = docrel_doc_new_from_bson (session, author_model, dup, &error);
      if (impostor && !docrel_save (impostor, &error)) {
         printf ("refused as expected: %s\n", error.message);
      }
   }
   bson_destroy (dup);

show:
   printf ("authors:\n");
   print_all (session, author_model, NULL, NULL);
   filter = BCON_NEW ("email", "ada@example.org");
   {
      docrel_doc_t **found;
      size_t n_found;
      bool ok = docrel_find_all (session, author_model, filter, NULL, &found, &n_found, &error);
      bson_destroy (filter);
      if (!ok || n_found != 1) {
         bson_free (ok ? found : NULL);
         status = fail ("find Ada", &error);
         goto done;
      }
      ada = found[0];
      bson_free (found);
   }
   filter = BCON_NEW ("author_id", BCON_OID (&docrel_doc_id (ada)->value.v_oid));
   opts = BCON_NEW ("sort", "{", "title", BCON_INT32 (1), "}");
   printf ("posts by Ada, by title:\n");
   print_all (session, post_model, filter, opts);
   bson_destroy (filter);
   bson_destroy (opts);
   if (!docrel_count (session, post_model, NULL, NULL, &n, &error)) {
      status = fail ("count", &error);
      goto done;
   }
   printf ("%" PRId64 " posts in all\n", n);
   status = EXIT_SUCCESS;
done:
   docrel_session_destroy (session);
   docrel_store_destroy (store);
   return status;
}
