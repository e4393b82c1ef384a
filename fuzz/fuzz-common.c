/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-common.c: the harnesses' shared input reading and blog store. */
#include "fuzz-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fuzz_blog_t blog;

void
fuzz_fail (const char *what, const bson_error_t *error)
{
   fprintf (stderr, "fuzz: %s: %s (domain %u, code %u)\n", what, error ? error->message : "", error ? error->domain : 0,
            error ? error->code : 0);
   abort ();
}

/* bson_validate, and every nested document or array valid on its own
 * terms, and every iteration ending at the terminator: libbson's
 * bson_validate lets a string run past the end of a sub-document, and
 * invalid input is not what the harnesses test. */
static bool
strictly_valid (const bson_t *doc, int depth)
{
   bson_iter_t iter;
   const uint8_t *data;
   uint32_t len;
   bson_t sub;

   if (depth > 100 || !bson_validate (doc, BSON_VALIDATE_NONE, NULL) || !bson_iter_init (&iter, doc)) {
      return false;
   }
   while (bson_iter_next (&iter)) {
      if (BSON_ITER_HOLDS_DOCUMENT (&iter) || BSON_ITER_HOLDS_ARRAY (&iter)) {
         if (BSON_ITER_HOLDS_DOCUMENT (&iter)) {
            bson_iter_document (&iter, &len, &data);
         } else {
            bson_iter_array (&iter, &len, &data);
         }
         if (!bson_init_static (&sub, data, len) || !strictly_valid (&sub, depth + 1)) {
            return false;
         }
      }
   }
   return iter.err_off == 0;
}

bool
fuzz_input_bson (const uint8_t *data, size_t size, bson_t *out)
{
   bson_error_t error;
   int32_t len;

   if (size > 0 && data[0] == '{') {
      char *json = fuzz_input_string (data, size);
      bool ok = json && bson_init_from_json (out, json, -1, &error);

      bson_free (json);
      return ok;
   }
   if (size < 5 || size > INT32_MAX) {
      return false;
   }
   memcpy (&len, data, sizeof len);
   len = (int32_t) BSON_UINT32_FROM_LE ((uint32_t) len);
   if ((size_t) len != size || !bson_init_static (out, data, size)) {
      return false;
   }
   return strictly_valid (out, 0);
}

char *
fuzz_input_string (const uint8_t *data, size_t size)
{
   char *s;

   if (memchr (data, '\0', size)) {
      return NULL;
   }
   s = bson_malloc (size + 1);
   memcpy (s, data, size);
   s[size] = '\0';
   return s;
}

static docrel_model_t *
keyed_model (const char *name)
{
   bson_t *opts = BCON_NEW ("primaryKey", "caller");
   bson_error_t error;
   docrel_model_t *model = docrel_model_new (blog.store, name, opts, &error);

   bson_destroy (opts);
   if (!model) {
      fuzz_fail ("declaring the blog", &error);
   }
   return model;
}

typedef docrel_relation_t *(*declare_fn) (docrel_model_t *,
                                          docrel_model_t *,
                                          const char *,
                                          const char *,
                                          const char *,
                                          const bson_t *,
                                          bson_error_t *);

static void
relate (declare_fn fn, docrel_model_t *a, docrel_model_t *b, const char *field, const char *left, const char *right)
{
   bson_error_t error;

   if (!fn (a, b, field, left, right, NULL, &error)) {
      fuzz_fail ("declaring the blog", &error);
   }
}

static void
declare_blog (void)
{
   bson_error_t error;

   blog.author = keyed_model ("Author");
   blog.post = keyed_model ("Post");
   blog.comment = keyed_model ("Comment");
   blog.tag = keyed_model ("Tag");
   blog.profile = keyed_model ("Profile");
   if (!docrel_model_add_field (blog.post, "title", DOCREL_TYPE_STRING, NULL, &error) ||
       !docrel_model_add_field (blog.post, "authorId", DOCREL_TYPE_ANY, NULL, &error)) {
      fuzz_fail ("declaring the blog", &error);
   }
   relate (docrel_model_has_many, blog.author, blog.post, "posts", "_id", "authorId");
   relate (docrel_model_has_one, blog.author, blog.profile, "profile", "_id", "authorId");
   relate (docrel_model_belongs_to, blog.post, blog.author, "author", "authorId", "_id");
   relate (docrel_model_has_many, blog.post, blog.comment, "comments", "_id", "postId");
   relate (docrel_model_has_and_belongs_to_many, blog.post, blog.tag, "tags", "_id", "_id");
   relate (docrel_model_belongs_to, blog.comment, blog.author, "commenter", "commenterId", "_id");
   relate (docrel_model_has_and_belongs_to_many, blog.tag, blog.post, "posts", "_id", "_id");
}

static void
seed (docrel_session_t *session, docrel_model_t *model, const char *const *jsons)
{
   bson_error_t error;

   for (; *jsons; jsons++) {
      docrel_doc_t *doc = docrel_doc_new_from_json (session, model, *jsons, &error);

      if (!doc || !docrel_save (doc, &error)) {
         fuzz_fail ("seeding the blog", &error);
      }
   }
}

/* Values of many BSON types, so filters and sorts meet MongoDB's order
 * across types, arrays of documents, nulls and missing fields. */
static const char *const authors[] = {
   "{\"_id\": 1, \"name\": \"none\"}", "{\"_id\": 2, \"name\": \"one\", \"age\": 30}",
   "{\"_id\": 3, \"name\": \"three\", \"age\": 41.5, \"tags\": [\"a\", \"b\"]}",
   "{\"_id\": 4, \"name\": \"five\", \"age\": null, \"address\": {\"city\": \"Oslo\", \"zip\": [1, 2]}}", NULL};
static const char *const posts[] = {
   "{\"_id\": 41, \"authorId\": 4, \"date\": 9, \"published\": false, \"title\": \"p41\"}",
   "{\"_id\": 30, \"authorId\": 3, \"date\": {\"$date\": \"2024-01-02T03:04:05Z\"}, \"title\": \"p30\"}",
   "{\"_id\": 44, \"authorId\": 4, \"date\": 5.5, \"published\": true, \"title\": \"p44\", \"score\": "
   "{\"$numberLong\": \"9007199254740993\"}}",
   "{\"_id\": 20, \"authorId\": 2, \"date\": \"1\", \"title\": \"p20\", \"meta\": [{\"k\": 1}, {\"k\": [2, 3]}]}",
   "{\"_id\": 32, \"authorId\": 3, \"title\": \"p32\", \"oid\": {\"$oid\": \"0123456789abcdef01234567\"}, "
   "\"bin\": {\"$binary\": {\"base64\": \"AAE=\", \"subType\": \"00\"}}}",
   "{\"_id\": 40, \"authorId\": 4, \"date\": 3, \"published\": true, \"title\": \"p40\", \"body\": {\"x\": "
   "{\"y\": null}}}",
   "{\"_id\": 31, \"authorId\": 3, \"date\": -0.0, \"published\": true, \"title\": \"p31\", \"score\": "
   "{\"$numberDouble\": \"NaN\"}}",
   NULL};
static const char *const comments[] = {"{\"_id\": 100, \"postId\": 41, \"commenterId\": 2}",
                                       "{\"_id\": 101, \"postId\": 41, \"commenterId\": 3, \"text\": \"hi\"}",
                                       "{\"_id\": 102, \"postId\": 31, \"commenterId\": 4}",
                                       "{\"_id\": 103, \"postId\": 20}", NULL};
static const char *const tags[] = {"{\"_id\": 1, \"name\": \"c\"}", "{\"_id\": 2, \"name\": \"db\"}",
                                   "{\"_id\": 3, \"name\": \"go\"}", "{\"_id\": 4}", NULL};
static const char *const profiles[] = {"{\"_id\": 1, \"authorId\": 4, \"bio\": \"b\"}", NULL};

static docrel_doc_t *
load (docrel_session_t *session, docrel_model_t *model, int32_t key)
{
   bson_value_t id = {.value_type = BSON_TYPE_INT32, .value.v_int32 = key};
   bson_error_t error;
   docrel_doc_t *doc;

   if (!docrel_get (session, model, &id, NULL, &doc, &error)) {
      fuzz_fail ("seeding the blog", &error);
   }
   return doc;
}

static void
link_tag (docrel_session_t *session, int32_t post, int32_t tag)
{
   bson_error_t error;

   if (!docrel_link (load (session, blog.post, post), "tags", load (session, blog.tag, tag), NULL, &error)) {
      fuzz_fail ("seeding the blog", &error);
   }
}

const fuzz_blog_t *
fuzz_blog (void)
{
   docrel_session_t *session;
   bson_error_t error;

   if (blog.store) {
      return &blog;
   }
   blog.store = docrel_store_open ("sqlite::memory:", &error);
   if (!blog.store) {
      fuzz_fail ("opening the blog store", &error);
   }
   declare_blog ();
   session = docrel_session_new (blog.store);
   seed (session, blog.author, authors);
   seed (session, blog.post, posts);
   seed (session, blog.comment, comments);
   seed (session, blog.tag, tags);
   seed (session, blog.profile, profiles);
   link_tag (session, 41, 1);
   link_tag (session, 41, 3);
   link_tag (session, 31, 4);
   docrel_session_destroy (session);
   return &blog;
}

static bool same_value (bson_iter_t *a, bson_iter_t *b);

/* Every field of a is in b with the same value (order free). */
static bool
fields_within (const bson_t *a, const bson_t *b)
{
   bson_iter_t ia, ib;

   if (!bson_iter_init (&ia, a)) {
      return false;
   }
   while (bson_iter_next (&ia)) {
      if (!bson_iter_init_find (&ib, b, bson_iter_key (&ia)) || !same_value (&ia, &ib)) {
         return false;
      }
   }
   return true;
}

static bool
same_arrays (const bson_t *a, const bson_t *b)
{
   bson_iter_t ia, ib;
   bool more_a, more_b;

   if (!bson_iter_init (&ia, a) || !bson_iter_init (&ib, b)) {
      return false;
   }
   for (;;) {
      more_a = bson_iter_next (&ia);
      more_b = bson_iter_next (&ib);
      if (!more_a || !more_b) {
         return more_a == more_b;
      }
      if (!same_value (&ia, &ib)) {
         return false;
      }
   }
}

static bool
same_value (bson_iter_t *a, bson_iter_t *b)
{
   bson_t da, db;
   const uint8_t *pa, *pb;
   uint32_t la, lb;

   if (bson_iter_type (a) != bson_iter_type (b)) {
      return false;
   }
   /* The same bytes are the same value (duplicate keys included). */
   la = a->next_off - a->d1;
   lb = b->next_off - b->d1;
   if (la == lb && memcmp (a->raw + a->d1, b->raw + b->d1, la) == 0) {
      return true;
   }
   if (BSON_ITER_HOLDS_DOCUMENT (a) || BSON_ITER_HOLDS_ARRAY (a)) {
      if (BSON_ITER_HOLDS_DOCUMENT (a)) {
         bson_iter_document (a, &la, &pa);
         bson_iter_document (b, &lb, &pb);
      } else {
         bson_iter_array (a, &la, &pa);
         bson_iter_array (b, &lb, &pb);
      }
      if (!bson_init_static (&da, pa, la) || !bson_init_static (&db, pb, lb)) {
         return false;
      }
      return BSON_ITER_HOLDS_ARRAY (a) ? same_arrays (&da, &db)
                                       : bson_count_keys (&da) == bson_count_keys (&db) && fields_within (&da, &db);
   }
   return false; /* a scalar's bytes are its value */
}

bool
fuzz_same_fields (const bson_t *a, const bson_t *b)
{
   return bson_equal (a, b) || (bson_count_keys (a) == bson_count_keys (b) && fields_within (a, b));
}
