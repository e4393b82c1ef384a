/* SPDX-License-Identifier: Apache-2.0 */
/* people.c: a self-relation, two relations to one model, and purge.
 *
 *   Person belongsTo Person "emergencyContact"   a self-relation; two people
 *                                                may name each other
 *   Person hasMany Person "contactFor"           its other side; onDelete
 *                                                setNull
 *   Article belongsTo Person "author" and "editor"   two relations, one model
 *   Person hasMany Article "written"   onDelete cascade: articles go with
 *                                      their author
 *   Person hasMany Article "edited"    onDelete setNull: they lose their editor
 *
 *   people [--uri URI]    (default: sqlite::memory:; expects an empty store) */
#include <docrel/docrel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
   docrel_model_t *person, *article;
} people_t;

typedef docrel_relation_t *(*relate_fn) (docrel_model_t *,
                                         docrel_model_t *,
                                         const char *,
                                         const char *,
                                         const char *,
                                         const bson_t *,
                                         bson_error_t *);

/* Declares one relation, with an onDelete rule unless on_delete is NULL. */
static bool
relate (relate_fn fn,
        docrel_model_t *a,
        docrel_model_t *b,
        const char *field,
        const char *left,
        const char *right,
        const char *on_delete,
        bson_error_t *error)
{
   bson_t *opts = on_delete ? BCON_NEW ("onDelete", on_delete) : NULL;
   bool ok = fn (a, b, field, left, right, opts, error) != NULL;
   bson_destroy (opts);
   return ok;
}

static bool
define (docrel_store_t *store, people_t *m, bson_error_t *error)
{
   docrel_model_t *p, *a;

   return (p = m->person = docrel_model_new (store, "Person", NULL, error)) &&
          (a = m->article = docrel_model_new (store, "Article", NULL, error)) &&
          relate (docrel_model_belongs_to, p, p, "emergencyContact", "emergencyContactId", "_id", NULL, error) &&
          relate (docrel_model_has_many, p, p, "contactFor", "_id", "emergencyContactId", "setNull", error) &&
          relate (docrel_model_belongs_to, a, p, "author", "authorId", "_id", NULL, error) &&
          relate (docrel_model_belongs_to, a, p, "editor", "editorId", "_id", NULL, error) &&
          relate (docrel_model_has_many, p, a, "written", "_id", "authorId", "cascade", error) &&
          relate (docrel_model_has_many, p, a, "edited", "_id", "editorId", "setNull", error);
}

/* A new article by author, edited by editor (in memory). */
static bool
article (docrel_session_t *s,
         const people_t *m,
         const char *title,
         docrel_doc_t *author,
         docrel_doc_t *editor,
         docrel_doc_t **out,
         bson_error_t *error)
{
   return (*out = docrel_doc_new (s, m->article, error)) && docrel_doc_set_utf8 (*out, "title", title, error) &&
          docrel_doc_set_related (*out, "author", &author, 1, error) &&
          docrel_doc_set_related (*out, "editor", &editor, 1, error);
}

/* Ada and Charles name each other as emergency contact (a cycle save_all
 * inserts with both keys in place); Mary names Ada. One save_all_many
 * writes the articles and every person they reach. */
static bool
seed (docrel_session_t *s, const people_t *m, docrel_doc_t **ada, bson_error_t *error)
{
   docrel_doc_t *charles, *mary, *articles[3];

   return (*ada = docrel_doc_new_from_json (s, m->person, "{\"name\": \"Ada\"}", error)) &&
          (charles = docrel_doc_new_from_json (s, m->person, "{\"name\": \"Charles\"}", error)) &&
          (mary = docrel_doc_new_from_json (s, m->person, "{\"name\": \"Mary\"}", error)) &&
          docrel_doc_set_related (*ada, "emergencyContact", &charles, 1, error) &&
          docrel_doc_set_related (charles, "emergencyContact", ada, 1, error) &&
          docrel_doc_set_related (mary, "emergencyContact", ada, 1, error) &&
          article (s, m, "Notes on the Analytical Engine", *ada, charles, &articles[0], error) &&
          article (s, m, "Passages from the Life of a Philosopher", charles, *ada, &articles[1], error) &&
          article (s, m, "Frankenstein", mary, *ada, &articles[2], error) &&
          docrel_save_all_many (articles, 3, NULL, NULL, NULL, error);
}

/* Prints every document of model with the relations tree_json names. A
 * fresh session shows what the store holds, and only the slots this tree
 * loads. */
static bool
show (docrel_store_t *store, docrel_model_t *model, const char *title, const char *tree_json, bson_error_t *error)
{
   docrel_session_t *s = docrel_session_new (store);
   bson_t *tree = bson_new_from_json ((const uint8_t *) tree_json, -1, error);
   bson_t *opts = tree ? BCON_NEW ("join", BCON_DOCUMENT (tree)) : NULL;
   docrel_doc_t **docs;
   size_t n;
   bool ok = opts && docrel_find_all (s, model, NULL, opts, &docs, &n, error);

   printf ("%s:\n", title);
   for (size_t i = 0; ok && i < n; i++) {
      char *json = docrel_doc_to_json (docs[i], true);
      printf ("  %s\n", json);
      bson_free (json);
   }
   bson_free (ok ? docs : NULL);
   bson_destroy (opts);
   bson_destroy (tree);
   docrel_session_destroy (s);
   return ok;
}

static bool
show_all (docrel_store_t *store, const people_t *m, bson_error_t *error)
{
   return show (store, m->article, "articles with author (and whom to call for them) and editor",
                "{\"author\": {\"emergencyContact\": true}, \"editor\": true}", error) &&
          show (store, m->person, "people with what they wrote and edited", "{\"written\": true, \"edited\": true}",
                error);
}

int
main (int argc, char **argv)
{
   const char *uri = argc == 3 && strcmp (argv[1], "--uri") == 0 ? argv[2] : "sqlite::memory:";
   bson_error_t error;
   docrel_store_t *store;
   docrel_session_t *session = NULL;
   docrel_doc_t *ada;
   people_t m;
   bool ok;

   if (argc != 1 && argc != 3) {
      fprintf (stderr, "usage: people [--uri URI]\n");
      return EXIT_FAILURE;
   }
   store = docrel_store_open (uri, &error);
   ok = store && define (store, &m, &error) && (session = docrel_session_new (store)) &&
        seed (session, &m, &ada, &error) && show_all (store, &m, &error);
   if (ok) {
      /* Her article goes (cascade); the others lose their editor and Charles
       * and Mary their emergency contact (setNull). */
      printf ("purging Ada\n");
      ok = docrel_purge (ada, &error) && show_all (store, &m, &error);
   }
   if (!ok) {
      fprintf (stderr, "people: %s\n", error.message);
   }
   docrel_session_destroy (session);
   docrel_store_destroy (store);
   return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
