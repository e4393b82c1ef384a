/* SPDX-License-Identifier: Apache-2.0 */
/* check_schema.c: declaring models, fields, indexes and relations from one
 * Amplify-shaped JSON schema (docrel_store_define, docrel_store_define_json):
 * what a schema declares and how it then behaves, composite keys, and bad
 * schemas, which fail naming the JSON path and declare nothing. The schemas
 * are written with single quotes, turned into JSON by define (). */
#include <string.h>

#include "fixture.h"

/* Declares a schema written with ' for " on store. */
static bool
define (docrel_store_t *store, const char *quoted, bson_error_t *error)
{
   char *json = bson_strdup (quoted);
   char *p;
   bool ok;

   for (p = json; *p; p++) {
      *p = *p == '\'' ? '"' : *p;
   }
   memset (error, 0, sizeof *error);
   ok = docrel_store_define_json (store, json, error);
   bson_free (json);
   return ok;
}

#define ID_FIELD "'id': {'name': 'id', 'type': 'ID', 'isRequired': true, 'isArray': false}"

static const char *const blog_schema =
   "{'version': 1,"
   " 'enums': {'Status': {'name': 'Status', 'values': ['DRAFT', 'LIVE']}},"
   " 'nonModels': {'Address': {'name': 'Address', 'fields': {}}},"
   " 'models': {"
   "  'Blog': {'name': 'Blog', 'syncable': true, 'pluralName': 'Blogs',"
   "   'attributes': [{'type': 'model', 'properties': {}}],"
   "   'primaryKeyInfo': {'isCustomPrimaryKey': false, 'primaryKeyFieldName': 'id', 'sortKeyFieldNames': []},"
   "   'fields': {" ID_FIELD ","
   "    'name': {'name': 'name', 'type': 'String', 'isRequired': true},"
   "    'address': {'name': 'address', 'type': {'nonModel': 'Address'}},"
   "    'posts': {'name': 'posts', 'type': {'model': 'Post'}, 'isArray': true,"
   "              'association': {'connectionType': 'HAS_MANY', 'associatedWith': ['blogID']}}}},"
   "  'Post': {'name': 'Post', 'docrel': {'collection': 'posts', 'indexes': [{'keys': {'slug': 1}, 'unique': true}]},"
   "   'fields': {" ID_FIELD ","
   "    'title': {'name': 'title', 'type': 'String', 'isRequired': true},"
   "    'slug': {'name': 'slug', 'type': 'String'},"
   "    'views': {'name': 'views', 'type': 'Int', 'docrel': {'min': 0}},"
   "    'status': {'name': 'status', 'type': {'enum': 'Status'}},"
   "    'labels': {'name': 'labels', 'type': 'String', 'isArray': true},"
   "    'meta': {'name': 'meta', 'type': 'AWSJSON'},"
   "    'createdAt': {'name': 'createdAt', 'type': 'AWSDateTime', 'isReadOnly': true},"
   "    'blogID': {'name': 'blogID', 'type': 'ID'},"
   "    'blog': {'name': 'blog', 'type': {'model': 'Blog'},"
   "             'association': {'connectionType': 'BELONGS_TO', 'targetNames': ['blogID']}},"
   "    'comments': {'name': 'comments', 'type': {'model': 'Comment'}, 'isArray': true,"
   "                 'association': {'connectionType': 'HAS_MANY', 'associatedWith': ['postID']},"
   "                 'docrel': {'onDelete': 'cascade'}},"
   "    'tags': {'name': 'tags', 'type': {'model': 'Tag'}, 'isArray': true,"
   "             'association': {'connectionType': 'MANY_TO_MANY'}}}},"
   "  'Comment': {'name': 'Comment', 'fields': {" ID_FIELD ","
   "    'postID': {'name': 'postID', 'type': 'ID'},"
   "    'content': {'name': 'content', 'type': 'String', 'isRequired': true},"
   "    'post': {'name': 'post', 'type': {'model': 'Post'},"
   "             'association': {'connectionType': 'BELONGS_TO', 'targetNames': ['postID']}}}},"
   "  'Tag': {'name': 'Tag', 'fields': {" ID_FIELD ", 'label': {'name': 'label', 'type': 'String'}}}}}";

static docrel_store_t *
blog_store (void)
{
   docrel_store_t *store = fixture_store_open ();
   bson_error_t error;

   ASSERT_OK (define (store, blog_schema, &error), error);
   return store;
}

/* A new document of model from relaxed JSON (written with '), saved. */
static docrel_doc_t *
save_new (docrel_session_t *session, docrel_model_t *model, const char *quoted)
{
   char *json = bson_strdup (quoted);
   bson_error_t error;
   docrel_doc_t *doc;
   char *p;

   for (p = json; *p; p++) {
      *p = *p == '\'' ? '"' : *p;
   }
   doc = docrel_doc_new_from_json (session, model, json, &error);
   ck_assert_msg (doc != NULL, "%s: %s", json, error.message);
   ASSERT_OK (docrel_save (doc, &error), error);
   bson_free (json);
   return doc;
}

static void
assert_relation (docrel_store_t *store,
                 const char *model,
                 const char *field,
                 docrel_relation_kind_t kind,
                 const char *target)
{
   docrel_relation_t *rel = docrel_model_relation (docrel_store_model (store, model), field);

   ck_assert_msg (rel != NULL, "no relation %s.%s", model, field);
   ck_assert_int_eq (docrel_relation_kind (rel), kind);
   ck_assert_str_eq (docrel_model_name (docrel_relation_target (rel)), target);
}

/* ---- what a schema declares ------------------------------------------ */

START_TEST (blog_schema_declares_models_with_their_key_kind_and_collection)
{
   docrel_store_t *store = blog_store ();
   docrel_model_t *post = docrel_store_model (store, "Post");

   ck_assert_ptr_nonnull (post);
   ck_assert_ptr_nonnull (docrel_store_model (store, "Blog"));
   ck_assert_ptr_nonnull (docrel_store_model (store, "Comment"));
   ck_assert_ptr_nonnull (docrel_store_model (store, "Tag"));
   ck_assert_str_eq (docrel_model_collection (post), "posts");
   ck_assert_int_eq (docrel_model_pk_kind (post), DOCREL_PK_UUID);
   fixture_store_close (store);
}
END_TEST

START_TEST (blog_schema_declares_every_association_as_a_relation)
{
   docrel_store_t *store = blog_store ();
   docrel_relation_t *tags;

   assert_relation (store, "Blog", "posts", DOCREL_HAS_MANY, "Post");
   assert_relation (store, "Post", "blog", DOCREL_BELONGS_TO, "Blog");
   assert_relation (store, "Post", "comments", DOCREL_HAS_MANY, "Comment");
   assert_relation (store, "Comment", "post", DOCREL_BELONGS_TO, "Post");
   assert_relation (store, "Post", "tags", DOCREL_HAS_AND_BELONGS_TO_MANY, "Tag");
   tags = docrel_model_relation (docrel_store_model (store, "Post"), "tags");
   ck_assert_ptr_eq (docrel_relation_link_model (tags), docrel_store_model (store, "Post_Tag"));
   ck_assert_ptr_null (docrel_model_relation (docrel_store_model (store, "Post"), "title"));
   fixture_store_close (store);
}
END_TEST

START_TEST (declared_fields_validate_as_the_schema_says)
{
   docrel_store_t *store = blog_store ();
   docrel_model_t *post = docrel_store_model (store, "Post");
   docrel_session_t *session = docrel_session_new (store);
   bson_error_t error;
   docrel_doc_t *doc;

   /* A missing required title fails on save. */
   doc = docrel_doc_new_from_json (session, post, "{\"slug\": \"a\"}", &error);
   ck_assert_ptr_nonnull (doc);
   ck_assert (!docrel_save (doc, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_VALIDATION);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_REQUIRED);
   ASSERT_MENTIONS (error, "title");
   ASSERT_OK (docrel_doc_set_utf8 (doc, "title", "Hello", &error), error);
   ASSERT_OK (docrel_save (doc, &error), error);

   /* An enum value outside the enum, a string for Int, a value under the
    * docrel "min", a non-array for an isArray field. */
   ck_assert (!docrel_doc_set_utf8 (doc, "status", "ARCHIVED", &error) || !docrel_save (doc, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_OUT_OF_RANGE);
   ASSERT_OK (docrel_doc_set_utf8 (doc, "status", "LIVE", &error), error);
   ck_assert (!docrel_doc_set_utf8 (doc, "views", "many", &error) || !docrel_save (doc, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_WRONG_TYPE);
   ck_assert (!docrel_doc_set_int32 (doc, "views", -1, &error) || !docrel_save (doc, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_OUT_OF_RANGE);
   ASSERT_OK (docrel_doc_set_int64 (doc, "views", 3, &error), error);
   ck_assert (!docrel_doc_set_utf8 (doc, "labels", "x", &error) || !docrel_save (doc, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_WRONG_TYPE);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (declared_unique_index_rejects_a_duplicate)
{
   docrel_store_t *store = blog_store ();
   docrel_model_t *post = docrel_store_model (store, "Post");
   docrel_session_t *session = docrel_session_new (store);
   bson_error_t error;
   docrel_doc_t *doc;

   save_new (session, post, "{'title': 'One', 'slug': 'same'}");
   doc = docrel_doc_new_from_json (session, post, "{\"title\": \"Two\", \"slug\": \"same\"}", &error);
   ck_assert_ptr_nonnull (doc);
   ck_assert (!docrel_save (doc, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (joins_through_declared_relations_load)
{
   docrel_store_t *store = blog_store ();
   docrel_model_t *post_model = docrel_store_model (store, "Post");
   docrel_model_t *comment_model = docrel_store_model (store, "Comment");
   docrel_session_t *session = docrel_session_new (store);
   docrel_session_t *reader = docrel_session_new (store);
   bson_t *tree = fixture_json ("{\"comments\": true}");
   bson_t *back = fixture_json ("{\"post\": true}");
   docrel_doc_t *post, *other, *loaded, *comment;
   docrel_doc_t *const *related;
   bson_error_t error;
   char json[256];
   size_t n;

   post = save_new (session, post_model, "{'title': 'Hello', 'slug': 'hello'}");
   other = save_new (session, post_model, "{'title': 'Other', 'slug': 'other'}");
   bson_snprintf (json, sizeof json, "{'content': 'first', 'postID': '%s'}", docrel_doc_id (post)->value.v_utf8.str);
   comment = save_new (session, comment_model, json);
   bson_snprintf (json, sizeof json, "{'content': 'second', 'postID': '%s'}", docrel_doc_id (post)->value.v_utf8.str);
   save_new (session, comment_model, json);
   bson_snprintf (json, sizeof json, "{'content': 'elsewhere', 'postID': '%s'}",
                  docrel_doc_id (other)->value.v_utf8.str);
   save_new (session, comment_model, json);

   ASSERT_OK (docrel_get (reader, post_model, docrel_doc_id (post), tree, &loaded, &error), error);
   ck_assert (docrel_doc_related (loaded, "comments", &related, &n));
   ck_assert_uint_eq (n, 2);
   ASSERT_OK (docrel_get (reader, comment_model, docrel_doc_id (comment), back, &loaded, &error), error);
   ck_assert_ptr_nonnull (docrel_doc_related_one (loaded, "post"));
   ck_assert_str_eq (docrel_doc_get_utf8 (docrel_doc_related_one (loaded, "post"), "title"), "Hello");
   bson_destroy (tree);
   bson_destroy (back);
   docrel_session_destroy (reader);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (association_may_target_a_model_declared_before_the_schema)
{
   docrel_store_t *store = fixture_store_open ();
   bson_t *uuid = fixture_json ("{\"primaryKey\": \"uuid\"}");
   docrel_model_t *author;
   bson_error_t error;

   author = docrel_model_new (store, "Author", uuid, &error);
   ck_assert_ptr_nonnull (author);
   ASSERT_OK (define (store,
                      "{'models': {'Book': {'fields': {'authorID': {'type': 'ID'},"
                      " 'author': {'type': {'model': 'Author'}, 'isRequired': true,"
                      "   'association': {'connectionType': 'BELONGS_TO', 'targetNames': 'authorID'}}}}}}",
                      &error),
              error);
   assert_relation (store, "Book", "author", DOCREL_BELONGS_TO, "Author");
   ck_assert_ptr_eq (docrel_relation_target (docrel_model_relation (docrel_store_model (store, "Book"), "author")),
                     author);
   bson_destroy (uuid);
   fixture_store_close (store);
}
END_TEST

START_TEST (caller_primary_key_declares_id_with_the_key_field_type)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_session_t *session;
   bson_error_t error;
   docrel_doc_t *doc;

   ASSERT_OK (define (store,
                      "{'models': {'Isbn': {'primaryKeyInfo': {'isCustomPrimaryKey': true,"
                      " 'primaryKeyFieldName': 'isbn'}, 'fields': {'isbn': {'type': 'Int'}}}}}",
                      &error),
              error);
   ck_assert_int_eq (docrel_model_pk_kind (docrel_store_model (store, "Isbn")), DOCREL_PK_CALLER);
   session = docrel_session_new (store);
   doc = docrel_doc_new_from_json (session, docrel_store_model (store, "Isbn"), "{\"_id\": \"x\"}", &error);
   ck_assert (!doc || !docrel_save (doc, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_WRONG_TYPE);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- composite keys -------------------------------------------------- */

static const char *const composite_schema =
   "{'models': {"
   " 'Post': {'primaryKeyInfo': {'primaryKeyFieldName': 'id', 'sortKeyFieldNames': ['title']},"
   "  'fields': {" ID_FIELD ", 'title': {'type': 'String', 'isRequired': true},"
   "   'comments': {'type': {'model': 'Comment'}, 'isArray': true,"
   "     'association': {'connectionType': 'HAS_MANY', 'associatedWith': ['postID', 'postTitle']}}}},"
   " 'Comment': {'fields': {" ID_FIELD ", 'postID': {'type': 'ID'}, 'postTitle': {'type': 'String'},"
   "   'post': {'type': {'model': 'Post'},"
   "     'association': {'connectionType': 'BELONGS_TO', 'targetNames': ['postID', 'postTitle']}}}}}}";

START_TEST (sort_keys_make_associations_composite_and_joins_match_every_key)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post_model, *comment_model;
   docrel_session_t *session, *reader;
   bson_t *tree = fixture_json ("{\"comments\": true}");
   docrel_doc_t *post, *loaded;
   docrel_doc_t *const *related;
   bson_error_t error;
   const char *id;
   char json[256];
   size_t n;

   ASSERT_OK (define (store, composite_schema, &error), error);
   post_model = docrel_store_model (store, "Post");
   comment_model = docrel_store_model (store, "Comment");
   assert_relation (store, "Post", "comments", DOCREL_HAS_MANY, "Comment");
   assert_relation (store, "Comment", "post", DOCREL_BELONGS_TO, "Post");
   session = docrel_session_new (store);
   reader = docrel_session_new (store);
   post = save_new (session, post_model, "{'title': 'Hello'}");
   id = docrel_doc_id (post)->value.v_utf8.str;
   bson_snprintf (json, sizeof json, "{'postID': '%s', 'postTitle': 'Hello'}", id);
   save_new (session, comment_model, json);
   bson_snprintf (json, sizeof json, "{'postID': '%s', 'postTitle': 'Not the title'}", id);
   save_new (session, comment_model, json);

   ASSERT_OK (docrel_get (reader, post_model, docrel_doc_id (post), tree, &loaded, &error), error);
   ck_assert (docrel_doc_related (loaded, "comments", &related, &n));
   ck_assert_uint_eq (n, 1);
   bson_destroy (tree);
   docrel_session_destroy (reader);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- bad schemas ----------------------------------------------------- */

/* Defining quoted fails in domain / code, naming path, and declares none of
 * the models these schemas use. */
static void
expect_define_fails (const char *quoted, unsigned domain, unsigned code, const char *path)
{
   static const char *const models[] = {"Blog", "Post", "Comment", "Tag", "Post_Tag", NULL};
   docrel_store_t *store = fixture_store_open ();
   bson_error_t error;
   char mention[256];
   int i;

   ck_assert (!define (store, quoted, &error));
   ck_assert_msg (error.domain == domain && error.code == code, "expected domain %u code %u, got %u %u: %s", domain,
                  code, error.domain, error.code, error.message);
   bson_snprintf (mention, sizeof mention, "schema at '%s'", path);
   ASSERT_MENTIONS (error, mention);
   for (i = 0; models[i]; i++) {
      ck_assert_msg (docrel_store_model (store, models[i]) == NULL, "model %s was declared", models[i]);
   }
   fixture_store_close (store);
}

#define POST_OK "'Post': {'fields': {" ID_FIELD ", 'title': {'type': 'String'}}}"

START_TEST (unknown_type_fails_naming_the_type_path)
{
   expect_define_fails ("{'models': {" POST_OK ", 'Comment': {'fields': {'title': {'type': 'strng'}}}}}",
                        DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION, "models.Comment.fields.title.type");
   expect_define_fails ("{'models': {" POST_OK ", 'Comment': {'fields': {'s': {'type': {'enum': 'Nope'}}}}}}",
                        DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION, "models.Comment.fields.s.type.enum");
}
END_TEST

START_TEST (unknown_model_in_an_association_fails_naming_it)
{
   expect_define_fails ("{'models': {" POST_OK ", 'Comment': {'fields': {'post': {'type': {'model': 'Pots'},"
                        " 'association': {'connectionType': 'BELONGS_TO', 'targetNames': ['postID']}}}}}}",
                        DOCREL_ERROR_MODEL, DOCREL_ERROR_UNKNOWN_MODEL, "models.Comment.fields.post.type.model");
}
END_TEST

START_TEST (unknown_keys_fail_naming_them_at_every_level)
{
   expect_define_fails ("{'models': {" POST_OK "}, 'extra': 1}", DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION, "extra");
   expect_define_fails ("{'models': {" POST_OK ", 'Tag': {'fieldz': {}}}}", DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                        "models.Tag.fieldz");
   expect_define_fails ("{'models': {" POST_OK ", 'Tag': {'fields': {'t': {'type': 'String', 'isRequird': true}}}}}",
                        DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION, "models.Tag.fields.t.isRequird");
   expect_define_fails ("{'models': {" POST_OK ", 'Tag': {'docrel': {'colection': 'tags'}}}}", DOCREL_ERROR_MODEL,
                        DOCREL_ERROR_BAD_OPTION, "models.Tag.docrel.colection");
   expect_define_fails ("{'models': {" POST_OK ", 'Tag': {'fields': {'p': {'type': {'model': 'Post'},"
                        " 'association': {'connectionType': 'MANY_TO_MANY', 'through': 'x'}}}}}}",
                        DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION, "models.Tag.fields.p.association.through");
}
END_TEST

START_TEST (relation_field_clashing_with_a_field_fails_and_declares_nothing)
{
   /* JSON allows a key twice: "title" is a field and an association. */
   expect_define_fails ("{'models': {'Post': {'fields': {" ID_FIELD ", 'title': {'type': 'String'},"
                        " 'title': {'type': {'model': 'Comment'},"
                        "   'association': {'connectionType': 'HAS_MANY', 'associatedWith': ['postID']}}}},"
                        " 'Comment': {'fields': {'postID': {'type': 'ID'}}}}}",
                        DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME, "models.Post.fields.title");
}
END_TEST

START_TEST (builder_errors_come_with_the_path_in_front)
{
   /* The target declares fields but not the associatedWith key. */
   expect_define_fails ("{'models': {" POST_OK ", 'Comment': {'fields': {'body': {'type': 'String'},"
                        " 'post': {'type': {'model': 'Post'},"
                        "   'association': {'connectionType': 'BELONGS_TO', 'targetNames': ['postID']}}}}}}",
                        DOCREL_ERROR_MODEL, DOCREL_ERROR_UNKNOWN_FIELD, "models.Comment.fields.post");
   /* A bad option passed on to the builder. */
   expect_define_fails ("{'models': {" POST_OK ", 'Tag': {'fields': {'n': {'type': 'Int',"
                        " 'docrel': {'maxLength': 3}}}}}}",
                        DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION, "models.Tag.fields.n");
   /* Composite keys of different lengths. */
   expect_define_fails ("{'models': {" POST_OK ", 'Comment': {'fields': {'a': {'type': 'ID'}, 'b': {'type': 'ID'},"
                        " 'post': {'type': {'model': 'Post'},"
                        "   'association': {'connectionType': 'BELONGS_TO', 'targetNames': ['a', 'b']}}}}}}",
                        DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                        "models.Comment.fields.post.association.targetNames");
}
END_TEST

START_TEST (model_already_on_the_store_fails_and_declares_nothing_else)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *tag = docrel_model_new (store, "Tag", NULL, NULL);
   bson_error_t error;

   ck_assert_ptr_nonnull (tag);
   ck_assert (!define (store, "{'models': {" POST_OK ", 'Tag': {'fields': {}}}}", &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_NAME);
   ASSERT_MENTIONS (error, "schema at 'models.Tag'");
   ck_assert_ptr_null (docrel_store_model (store, "Post"));
   ck_assert_ptr_eq (docrel_store_model (store, "Tag"), tag);

   /* A key kind that does not fit a model outside the schema. */
   ck_assert (!define (store,
                       "{'models': {'Post': {'fields': {'tagID': {'type': 'ID'}, 'tag': {'type': {'model': 'Tag'},"
                       " 'association': {'connectionType': 'BELONGS_TO', 'targetNames': ['tagID']}}}}}}",
                       &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_WRONG_TYPE);
   ASSERT_MENTIONS (error, "schema at 'models.Post.fields.tag'");
   ck_assert_ptr_null (docrel_store_model (store, "Post"));
   fixture_store_close (store);
}
END_TEST

START_TEST (invalid_json_and_null_arguments_fail)
{
   docrel_store_t *store = fixture_store_open ();
   bson_error_t error;

   ck_assert (!docrel_store_define_json (store, "{'models': ", &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_MODEL);
   ck_assert (!docrel_store_define_json (store, NULL, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_INVALID_ARGUMENT);
   ck_assert (!docrel_store_define (NULL, NULL, NULL));
   ck_assert (!define (store, "{'version': 2, 'models': {}}", &error));
   ASSERT_MENTIONS (error, "schema at 'version'");
   ck_assert (!define (store, "{'version': 1}", &error));
   ASSERT_MENTIONS (error, "schema at 'models'");
   ASSERT_OK (define (store, "{'models': {}}", &error), error);
   fixture_store_close (store);
}
END_TEST

START_TEST (arrays_are_read_by_position_and_nothing_is_printed)
{
   /* found fuzzing: an enum's values were appended as given, and libbson
    * printed a warning for an array whose keys are not "0", "1", ... */
   docrel_store_t *store = fixture_store_open ();
   char *json = bson_strdup (blog_schema);
   docrel_session_t *session;
   docrel_doc_t *doc;
   bson_error_t error;
   bson_t *schema;
   bool ok;

   for (char *p = json; *p; p++) {
      *p = *p == '\'' ? '"' : *p;
   }
   schema = fixture_json_misnumbered (json);
   fixture_stderr_begin ();
   ok = docrel_store_define (store, schema, &error);
   ck_assert_int_eq (fixture_stderr_end (), 0);
   ASSERT_OK (ok, error);
   session = docrel_session_new (store);
   doc = save_new (session, docrel_store_model (store, "Post"), "{'title': 'T', 'status': 'LIVE'}");
   ck_assert (!docrel_doc_set_utf8 (doc, "status", "ARCHIVED", &error) || !docrel_save (doc, &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_OUT_OF_RANGE);
   docrel_session_destroy (session);
   bson_destroy (schema);
   bson_free (json);
   fixture_store_close (store);
}
END_TEST

static Suite *
schema_suite (void)
{
   Suite *s = suite_create ("schema");
   TCase *tc;

   tc = tcase_create ("declare");
   tcase_add_test (tc, blog_schema_declares_models_with_their_key_kind_and_collection);
   tcase_add_test (tc, blog_schema_declares_every_association_as_a_relation);
   tcase_add_test (tc, declared_fields_validate_as_the_schema_says);
   tcase_add_test (tc, arrays_are_read_by_position_and_nothing_is_printed);
   tcase_add_test (tc, declared_unique_index_rejects_a_duplicate);
   tcase_add_test (tc, joins_through_declared_relations_load);
   tcase_add_test (tc, association_may_target_a_model_declared_before_the_schema);
   tcase_add_test (tc, caller_primary_key_declares_id_with_the_key_field_type);
   suite_add_tcase (s, tc);

   tc = tcase_create ("composite_keys");
   tcase_add_test (tc, sort_keys_make_associations_composite_and_joins_match_every_key);
   suite_add_tcase (s, tc);

   tc = tcase_create ("bad_schemas");
   tcase_add_test (tc, unknown_type_fails_naming_the_type_path);
   tcase_add_test (tc, unknown_model_in_an_association_fails_naming_it);
   tcase_add_test (tc, unknown_keys_fail_naming_them_at_every_level);
   tcase_add_test (tc, relation_field_clashing_with_a_field_fails_and_declares_nothing);
   tcase_add_test (tc, builder_errors_come_with_the_path_in_front);
   tcase_add_test (tc, model_already_on_the_store_fails_and_declares_nothing_else);
   tcase_add_test (tc, invalid_json_and_null_arguments_fail);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (schema_suite ());
}
