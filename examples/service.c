/* SPDX-License-Identifier: Apache-2.0 */
/* service.c: docrel behind a small HTTP JSON API (libmicrohttpd). It shows
 * one store shared by a pool of threads with a session per request, a join
 * tree built from a query string, a nested JSON graph turned into documents
 * and relations and written with one save_all, and docrel's errors turned
 * into HTTP statuses.
 *
 *   GET  /authors/<id>?join=posts.comments,posts.tags
 *        the author and the joined documents; 404 if there is none, 400 for
 *        a bad join
 *   POST /authors   {"name": "Ada", "posts": [{"title": "...",
 *                    "comments": [{"body": "..."}], "tags": [{"name": "c"}]}]}
 *        writes the author, posts, comments, tags and links in one
 *        transaction and answers 201 with the saved graph (generated keys
 *        included); 400 for a request that does not fit the models, 409 for
 *        a duplicate key, 500 for a store error
 *
 * Errors are {"error": message, "domain": n, "code": n}. The models are
 * blog.c's (Author hasMany Post, Post belongsTo Author, Post hasMany
 * Comment, Post hasAndBelongsToMany Tag); a tag's key is its name, so a tag
 * named in a request is linked if it is stored already and created if not.
 *
 *   service [--port N] [--uri URI | FILE]
 *        N: default 8080, 0 picks a free port; the store: default
 *        sqlite:///<working dir>/service.db, FILE an SQLite file, or a
 *        mongodb:// URI. Prints "listening on http://127.0.0.1:N" when
 *        ready, stops on SIGINT or SIGTERM. */
#include <docrel/docrel.h>
#include <microhttpd.h>

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POOL_SIZE 4u
#define MAX_BODY (1024u * 1024u) /* bytes of a request body */
#define MAX_DEPTH 8              /* levels of a posted graph */
#define MAX_JOIN 512             /* characters of a join parameter */

/* The service's own errors: a request the API cannot take. */
#define SERVICE_ERROR 0x7376 /* "sv" */
enum { SERVICE_ERROR_BAD_REQUEST = 1, SERVICE_ERROR_TOO_LARGE };

typedef struct {
   docrel_model_t *author, *post, *comment, *tag;
} blog_t;

/* Shared by every thread, read-only once the daemon runs. */
typedef struct {
   docrel_store_t *store;
   blog_t m;
} app_t;

/* One HTTP request: its body as it arrives. */
typedef struct {
   char *data;
   size_t len, cap;
   bool too_large;
} request_t;

/* One POST: its session, and the tags it creates (to link a tag named twice once). */
typedef struct {
   docrel_session_t *session;
   const blog_t *m;
   docrel_doc_t **tags;
   size_t n_tags;
} build_t;

/* ---- models ---------------------------------------------------------- */

static bool
define (docrel_store_t *store, blog_t *m, bson_error_t *error)
{
   bson_t *strict = BCON_NEW ("extra", "reject");
   bson_t *by_name = BCON_NEW ("extra", "reject", "primaryKey", "caller"); /* a tag's _id is its name */
   bson_t *required = BCON_NEW ("required", BCON_BOOL (true));
   bson_t *title = BCON_NEW ("required", BCON_BOOL (true), "maxLength", BCON_INT32 (120));
   bson_t *draft = BCON_NEW ("default", BCON_BOOL (true));
   bool ok = (m->author = docrel_model_new (store, "Author", strict, error)) &&
             docrel_model_add_field (m->author, "name", DOCREL_TYPE_STRING, required, error) &&
             docrel_model_add_field (m->author, "email", DOCREL_TYPE_STRING, NULL, error) &&
             (m->post = docrel_model_new (store, "Post", strict, error)) &&
             docrel_model_add_field (m->post, "title", DOCREL_TYPE_STRING, title, error) &&
             docrel_model_add_field (m->post, "draft", DOCREL_TYPE_BOOL, draft, error) &&
             docrel_model_add_field (m->post, "authorId", DOCREL_TYPE_OBJECT_ID, NULL, error) &&
             (m->comment = docrel_model_new (store, "Comment", strict, error)) &&
             docrel_model_add_field (m->comment, "body", DOCREL_TYPE_STRING, required, error) &&
             docrel_model_add_field (m->comment, "postId", DOCREL_TYPE_OBJECT_ID, NULL, error) &&
             (m->tag = docrel_model_new (store, "Tag", by_name, error)) &&
             docrel_model_add_field (m->tag, "name", DOCREL_TYPE_STRING, required, error) &&
             docrel_model_has_many (m->author, m->post, "posts", "_id", "authorId", NULL, error) &&
             docrel_model_belongs_to (m->post, m->author, "author", "authorId", "_id", NULL, error) &&
             docrel_model_has_many (m->post, m->comment, "comments", "_id", "postId", NULL, error) &&
             docrel_model_has_and_belongs_to_many (m->post, m->tag, "tags", "_id", "_id", NULL, error) &&
             docrel_model_has_and_belongs_to_many (m->tag, m->post, "posts", "_id", "_id", NULL, error);
   bson_destroy (strict);
   bson_destroy (by_name);
   bson_destroy (required);
   bson_destroy (title);
   bson_destroy (draft);
   return ok;
}

/* ---- responses ------------------------------------------------------- */

/* Queues json (taken: freed with bson_free) with status and, if name is
 * not NULL, one more header. */
static enum MHD_Result
respond (struct MHD_Connection *connection, unsigned int status, char *json, const char *name, const char *value)
{
   struct MHD_Response *response;
   enum MHD_Result ret = MHD_NO;

   response = MHD_create_response_from_buffer_with_free_callback (strlen (json), json, bson_free);
   if (!response) {
      bson_free (json);
      return MHD_NO;
   }
   if (MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") == MHD_YES &&
       (!name || MHD_add_response_header (response, name, value) == MHD_YES)) {
      ret = MHD_queue_response (connection, status, response);
   }
   MHD_destroy_response (response);
   return ret;
}

/* {"error": message, "domain": n, "code": n}; the caller frees it with bson_free. */
static char *
error_json (const bson_error_t *error)
{
   bson_t *body = BCON_NEW ("error", BCON_UTF8 (error->message), "domain", BCON_INT64 (error->domain), "code",
                            BCON_INT64 (error->code));
   char *json = bson_as_relaxed_extended_json (body, NULL);

   bson_destroy (body);
   return json;
}

/* Answers with the error as JSON. Server errors are logged too. */
static enum MHD_Result
respond_error (struct MHD_Connection *connection, unsigned int status, const bson_error_t *error)
{
   char *json = error_json (error);

   if (status >= 500) {
      fprintf (stderr, "service: %u: %s\n", status, error->message);
   }
   return json ? respond (connection, status, json, NULL, NULL) : MHD_NO;
}

static enum MHD_Result
respond_service_error (struct MHD_Connection *connection, unsigned int status, uint32_t code, const char *message)
{
   bson_error_t error;

   bson_set_error (&error, SERVICE_ERROR, code, "%s", message);
   return respond_error (connection, status, &error);
}

/* 405, naming the one method the resource takes. */
static enum MHD_Result
respond_not_allowed (struct MHD_Connection *connection, const char *method)
{
   bson_error_t error;
   char *json;

   bson_set_error (&error, SERVICE_ERROR, SERVICE_ERROR_BAD_REQUEST, "this resource takes %s only", method);
   json = error_json (&error);
   return json ? respond (connection, MHD_HTTP_METHOD_NOT_ALLOWED, json, MHD_HTTP_HEADER_ALLOW, method) : MHD_NO;
}

/* The HTTP status of an error from docrel (or from this file). */
static unsigned int
status_of (const bson_error_t *error)
{
   if (error->domain == DOCREL_ERROR_DOCUMENT && error->code == DOCREL_ERROR_NOT_FOUND) {
      return MHD_HTTP_NOT_FOUND;
   }
   if (error->domain == DOCREL_ERROR_STORE && error->code == DOCREL_ERROR_DUPLICATE_KEY) {
      return MHD_HTTP_CONFLICT;
   }
   switch (error->domain) {
   case SERVICE_ERROR:
   case DOCREL_ERROR_VALIDATION:
   case DOCREL_ERROR_DOCUMENT:
   case DOCREL_ERROR_QUERY:
      return MHD_HTTP_BAD_REQUEST;
   default:
      return MHD_HTTP_INTERNAL_SERVER_ERROR;
   }
}

/* A session for one request (docrel_session_new fails only without a store). */
static docrel_session_t *
open_session (const app_t *app, bson_error_t *error)
{
   docrel_session_t *session = docrel_session_new (app->store);

   if (!session) {
      bson_set_error (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT, "no store to open a session on");
   }
   return session;
}

/* ---- GET /authors/<id>?join=... ------------------------------------- */

/* A join path: relation names joined by '.'. */
static bool
check_path (const char *path, size_t len, bson_error_t *error)
{
   size_t i, seg = 0;

   for (i = 0; i <= len; i++) {
      if (i == len || path[i] == '.') {
         if (seg == 0) {
            break;
         }
         seg = 0;
      } else if (path[i] == '_' || (path[i] >= 'a' && path[i] <= 'z') || (path[i] >= 'A' && path[i] <= 'Z') ||
                 (path[i] >= '0' && path[i] <= '9')) {
         seg++;
      } else {
         break;
      }
   }
   if (i <= len) {
      bson_set_error (error, SERVICE_ERROR, SERVICE_ERROR_BAD_REQUEST,
                      "join: '%.*s': expected relation names joined by '.' (posts.comments)", (int) len, path);
      return false;
   }
   return true;
}

/* *out = tree with the path (len bytes, checked) added: {"posts": true} and
 * "posts.comments" make {"posts": {"comments": true}}. */
static void
merge_path (const bson_t *tree, const char *path, size_t len, bson_t *out)
{
   const char *dot = memchr (path, '.', len);
   size_t seg = dot ? (size_t) (dot - path) : len;
   bson_t sub = BSON_INITIALIZER, child;
   bool found = false;
   bson_iter_t iter;
   const uint8_t *data;
   uint32_t data_len;

   bson_init (out);
   BSON_ASSERT (bson_iter_init (&iter, tree));
   while (bson_iter_next (&iter)) {
      if (found || strlen (bson_iter_key (&iter)) != seg || memcmp (bson_iter_key (&iter), path, seg) != 0) {
         BSON_ASSERT (bson_append_iter (out, NULL, 0, &iter));
         continue;
      }
      found = true;
      if (BSON_ITER_HOLDS_DOCUMENT (&iter)) {
         bson_iter_document (&iter, &data_len, &data);
         BSON_ASSERT (bson_init_static (&sub, data, data_len));
      }
      if (!dot) {
         BSON_ASSERT (bson_append_iter (out, NULL, 0, &iter));
         continue;
      }
      merge_path (&sub, dot + 1, len - seg - 1, &child);
      BSON_ASSERT (bson_append_document (out, path, (int) seg, &child));
      bson_destroy (&child);
   }
   if (!found && dot) {
      merge_path (&sub, dot + 1, len - seg - 1, &child);
      BSON_ASSERT (bson_append_document (out, path, (int) seg, &child));
      bson_destroy (&child);
   } else if (!found) {
      BSON_ASSERT (bson_append_bool (out, path, (int) seg, true));
   }
}

/* "posts.comments,posts.tags" -> {"posts": {"comments": true, "tags": true}}.
 * tree is always initialised; NULL or "" makes it empty. */
static bool
join_tree (const char *param, bson_t *tree, bson_error_t *error)
{
   const char *path = param, *comma;
   size_t len;
   bson_t merged;

   bson_init (tree);
   if (!param || !*param) {
      return true;
   }
   if (strlen (param) > MAX_JOIN) {
      bson_set_error (error, SERVICE_ERROR, SERVICE_ERROR_BAD_REQUEST, "join: longer than %d characters", MAX_JOIN);
      return false;
   }
   do {
      comma = strchr (path, ',');
      len = comma ? (size_t) (comma - path) : strlen (path);
      if (!check_path (path, len, error)) {
         return false;
      }
      merge_path (tree, path, len, &merged);
      bson_destroy (tree);
      bson_steal (tree, &merged);
      path = comma + 1;
   } while (comma);
   return true;
}

/* An author's key from the URL: 24 hex digits, else there is no such author. */
static bool
author_key (const char *id, bson_value_t *key, bson_error_t *error)
{
   if (strlen (id) != 24 || !bson_oid_is_valid (id, 24)) {
      bson_set_error (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_NOT_FOUND, "no author '%.40s'", id);
      return false;
   }
   key->value_type = BSON_TYPE_OID;
   bson_oid_init_from_string (&key->value.v_oid, id);
   return true;
}

static enum MHD_Result
get_author (const app_t *app, struct MHD_Connection *connection, const char *id)
{
   const char *join = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "join");
   docrel_session_t *session = NULL;
   docrel_doc_t *author;
   bson_error_t error;
   bson_value_t key;
   bson_t tree;
   char *json;
   bool ok;

   ok = join_tree (join, &tree, &error) && author_key (id, &key, &error) && (session = open_session (app, &error)) &&
        docrel_get (session, app->m.author, &key, bson_empty (&tree) ? NULL : &tree, &author, &error);
   bson_destroy (&tree);
   if (!ok) {
      docrel_session_destroy (session);
      return respond_error (connection, status_of (&error), &error);
   }
   /* the JSON is made before the session (which owns the documents) goes */
   json = docrel_doc_to_json (author, true);
   docrel_session_destroy (session);
   return respond (connection, MHD_HTTP_OK, json, NULL, NULL);
}

/* ---- POST /authors --------------------------------------------------- */

static bool build_doc (build_t *b,
                       docrel_model_t *model,
                       const docrel_model_t *parent,
                       const bson_t *json,
                       int depth,
                       docrel_doc_t **out,
                       bson_error_t *error);

/* A tag named in the request: one made earlier in this request, the stored
 * one, or a new one whose key is its name. */
static bool
tag_by_name (build_t *b, const bson_t *json, docrel_doc_t **out, bson_error_t *error)
{
   bson_value_t key = {.value_type = BSON_TYPE_UTF8};
   bson_iter_t iter;
   bson_t fields = BSON_INITIALIZER;
   size_t i;

   if (!bson_iter_init_find (&iter, json, "name") || !BSON_ITER_HOLDS_UTF8 (&iter)) {
      bson_set_error (error, SERVICE_ERROR, SERVICE_ERROR_BAD_REQUEST, "model 'Tag': field 'name': expected a string");
      return false;
   }
   key.value.v_utf8.str = (char *) bson_iter_utf8 (&iter, &key.value.v_utf8.len);
   for (i = 0; i < b->n_tags; i++) {
      if (strcmp (docrel_doc_get_utf8 (b->tags[i], "_id"), key.value.v_utf8.str) == 0) {
         *out = b->tags[i];
         return true;
      }
   }
   if (docrel_get (b->session, b->m->tag, &key, NULL, out, error)) {
      return true;
   }
   if (error->domain != DOCREL_ERROR_DOCUMENT || error->code != DOCREL_ERROR_NOT_FOUND) {
      return false;
   }
   BSON_ASSERT (bson_append_value (&fields, "_id", 3, &key));
   bson_copy_to_excluding_noinit (json, &fields, "_id", NULL);
   *out = docrel_doc_new_from_bson (b->session, b->m->tag, &fields, error);
   bson_destroy (&fields);
   if (*out) {
      b->tags = bson_realloc (b->tags, (b->n_tags + 1) * sizeof *b->tags);
      b->tags[b->n_tags++] = *out;
   }
   return *out != NULL;
}

/* Builds the document that iter holds and adds it to doc's slot field. */
static bool
build_one (build_t *b,
           docrel_doc_t *doc,
           const docrel_relation_t *rel,
           const bson_iter_t *iter,
           int depth,
           bson_error_t *error)
{
   const uint8_t *data;
   uint32_t len;
   docrel_doc_t *child;
   bson_t item;

   if (!BSON_ITER_HOLDS_DOCUMENT (iter)) {
      bson_set_error (error, SERVICE_ERROR, SERVICE_ERROR_BAD_REQUEST, "model '%s': field '%s': expected documents",
                      docrel_model_name (docrel_doc_model (doc)), docrel_relation_field (rel));
      return false;
   }
   bson_iter_document (iter, &len, &data);
   return bson_init_static (&item, data, len) &&
          build_doc (b, docrel_relation_target (rel), docrel_relation_model (rel), &item, depth + 1, &child, error) &&
          docrel_doc_add_related (doc, docrel_relation_field (rel), child, error);
}

/* Builds the documents that iter (the JSON under a relation field of doc)
 * describes and puts them in doc's slot: an array of documents for hasMany
 * and hasAndBelongsToMany, one document (or null) for hasOne and belongsTo. */
static bool
build_related (build_t *b,
               docrel_doc_t *doc,
               const docrel_relation_t *rel,
               const bson_iter_t *iter,
               int depth,
               bson_error_t *error)
{
   docrel_relation_kind_t kind = docrel_relation_kind (rel);
   bson_iter_t items;
   bool ok = true;

   if (kind == DOCREL_HAS_ONE || kind == DOCREL_BELONGS_TO) {
      return BSON_ITER_HOLDS_NULL (iter) || build_one (b, doc, rel, iter, depth, error);
   }
   if (!BSON_ITER_HOLDS_ARRAY (iter) || !bson_iter_recurse (iter, &items)) {
      bson_set_error (error, SERVICE_ERROR, SERVICE_ERROR_BAD_REQUEST,
                      "model '%s': field '%s': expected an array of documents",
                      docrel_model_name (docrel_doc_model (doc)), docrel_relation_field (rel));
      return false;
   }
   while (ok && bson_iter_next (&items)) {
      ok = build_one (b, doc, rel, &items, depth, error);
   }
   return ok;
}

/* A new document of model with the fields of json: its keys that do not
 * name relations. */
static bool
new_doc (build_t *b, docrel_model_t *model, const bson_t *json, docrel_doc_t **out, bson_error_t *error)
{
   bson_t fields = BSON_INITIALIZER;
   bson_iter_t iter;

   BSON_ASSERT (bson_iter_init (&iter, json));
   while (bson_iter_next (&iter)) {
      if (!docrel_model_relation (model, bson_iter_key (&iter))) {
         BSON_ASSERT (bson_append_iter (&fields, NULL, 0, &iter));
      }
   }
   *out = docrel_doc_new_from_bson (b->session, model, &fields, error);
   bson_destroy (&fields);
   return *out != NULL;
}

/* A new document of model from its JSON, with the related documents its
 * relation keys hold. parent is the model of the enclosing document (NULL
 * for the root): the nesting already relates the two, so a relation back to
 * it is refused (a post under an author names no other author). */
static bool
build_doc (build_t *b,
           docrel_model_t *model,
           const docrel_model_t *parent,
           const bson_t *json,
           int depth,
           docrel_doc_t **out,
           bson_error_t *error)
{
   const docrel_relation_t *rel;
   bson_iter_t iter;
   bool ok;

   if (depth > MAX_DEPTH) {
      bson_set_error (error, SERVICE_ERROR, SERVICE_ERROR_BAD_REQUEST, "model '%s': nested deeper than %d levels",
                      docrel_model_name (model), MAX_DEPTH);
      return false;
   }
   if (model == b->m->tag) {
      return tag_by_name (b, json, out, error);
   }
   ok = new_doc (b, model, json, out, error);
   BSON_ASSERT (bson_iter_init (&iter, json));
   while (ok && bson_iter_next (&iter)) {
      if (!(rel = docrel_model_relation (model, bson_iter_key (&iter)))) {
         continue;
      }
      if (docrel_relation_target (rel) == parent) {
         bson_set_error (error, SERVICE_ERROR, SERVICE_ERROR_BAD_REQUEST,
                         "model '%s': field '%s': given by the enclosing document", docrel_model_name (model),
                         bson_iter_key (&iter));
         return false;
      }
      ok = build_related (b, *out, rel, &iter, depth, error);
   }
   return ok;
}

/* 201 with the saved graph, and where to GET the author. */
static enum MHD_Result
respond_created (struct MHD_Connection *connection, const docrel_doc_t *author)
{
   const bson_value_t *id = docrel_doc_id (author);
   char location[sizeof "/authors/" + 24];
   char oid[25];

   if (!id || id->value_type != BSON_TYPE_OID) {
      return respond (connection, MHD_HTTP_CREATED, docrel_doc_to_json (author, true), NULL, NULL);
   }
   bson_oid_to_string (&id->value.v_oid, oid);
   snprintf (location, sizeof location, "/authors/%s", oid);
   return respond (connection, MHD_HTTP_CREATED, docrel_doc_to_json (author, true), MHD_HTTP_HEADER_LOCATION, location);
}

static enum MHD_Result
post_author (const app_t *app, struct MHD_Connection *connection, const request_t *req)
{
   build_t b = {.m = &app->m};
   docrel_doc_t *author;
   bson_error_t error;
   enum MHD_Result ret;
   bson_t *body;
   bool ok;

   if (req->too_large) {
      return respond_service_error (connection, MHD_HTTP_CONTENT_TOO_LARGE, SERVICE_ERROR_TOO_LARGE,
                                    "the body is larger than 1 MiB");
   }
   if (!(body = bson_new_from_json ((const uint8_t *) (req->data ? req->data : ""), (ssize_t) req->len, &error))) {
      return respond_error (connection, MHD_HTTP_BAD_REQUEST, &error);
   }
   ok = (b.session = open_session (app, &error)) && build_doc (&b, app->m.author, NULL, body, 0, &author, &error) &&
        docrel_save_all (author, NULL, NULL, NULL, &error);
   ret = ok ? respond_created (connection, author) : respond_error (connection, status_of (&error), &error);
   bson_free (b.tags);
   docrel_session_destroy (b.session);
   bson_destroy (body);
   return ret;
}

/* ---- the daemon ------------------------------------------------------ */

static void
append_body (request_t *req, const char *data, size_t len)
{
   if (req->too_large || len > MAX_BODY - req->len) {
      req->too_large = true;
      return;
   }
   if (req->len + len > req->cap) {
      req->cap = req->cap ? req->cap * 2 : 4096;
      req->cap = req->cap < req->len + len ? req->len + len : req->cap;
      req->data = bson_realloc (req->data, req->cap);
   }
   memcpy (req->data + req->len, data, len);
   req->len += len;
}

/* MHD calls this once with no request yet, once per piece of the body, and
 * once more when the body is complete: then it answers. */
static enum MHD_Result
handle (void *cls,
        struct MHD_Connection *connection,
        const char *url,
        const char *method,
        const char *version,
        const char *upload_data,
        size_t *upload_data_size,
        void **con_cls)
{
   const app_t *app = cls;
   request_t *req = *con_cls;
   bool post = strcmp (method, MHD_HTTP_METHOD_POST) == 0, get = strcmp (method, MHD_HTTP_METHOD_GET) == 0;

   (void) version;
   if (!req) {
      *con_cls = bson_malloc0 (sizeof (request_t));
      return MHD_YES;
   }
   if (*upload_data_size > 0) {
      append_body (req, upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
   }
   if (strcmp (url, "/authors") == 0) {
      return post ? post_author (app, connection, req) : respond_not_allowed (connection, MHD_HTTP_METHOD_POST);
   }
   if (strncmp (url, "/authors/", 9) == 0) {
      return get ? get_author (app, connection, url + 9) : respond_not_allowed (connection, MHD_HTTP_METHOD_GET);
   }
   return respond_service_error (connection, MHD_HTTP_NOT_FOUND, SERVICE_ERROR_BAD_REQUEST, "no such resource");
}

static void
completed (void *cls, struct MHD_Connection *connection, void **con_cls, enum MHD_RequestTerminationCode toe)
{
   request_t *req = *con_cls;

   (void) cls;
   (void) connection;
   (void) toe;
   if (req) {
      bson_free (req->data);
      bson_free (req);
      *con_cls = NULL;
   }
}

/* Listens on 127.0.0.1:port (0: a free port) with a pool of threads. */
static struct MHD_Daemon *
start (app_t *app, uint16_t port)
{
   struct sockaddr_in addr;

   memset (&addr, 0, sizeof addr);
   addr.sin_family = AF_INET;
   addr.sin_port = htons (port);
   addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
   return MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, port, NULL, NULL,
                            handle, app, MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr, MHD_OPTION_THREAD_POOL_SIZE,
                            POOL_SIZE, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
}

/* ---- main ------------------------------------------------------------ */

typedef struct {
   long port;
   const char *uri;
   char *owned; /* uri, when made here */
} options_t;

static bool
parse_args (int argc, char **argv, options_t *o)
{
   char cwd[PATH_MAX], *end;
   const char *file = NULL;
   int i;

   for (i = 1; i < argc; i++) {
      if (strcmp (argv[i], "--port") == 0 && i + 1 < argc) {
         o->port = strtol (argv[++i], &end, 10);
         if (!*argv[i] || *end || o->port < 0 || o->port > 65535) {
            return false;
         }
      } else if (strcmp (argv[i], "--uri") == 0 && i + 1 < argc && !o->uri && !file) {
         o->uri = argv[++i];
      } else if (strncmp (argv[i], "--", 2) != 0 && *argv[i] && !o->uri && !file) {
         file = argv[i];
      } else {
         return false;
      }
   }
   if (file) {
      o->uri = o->owned = bson_strdup_printf ("sqlite:%s%s", file[0] == '/' ? "//" : "", file);
   } else if (!o->uri) {
      if (!getcwd (cwd, sizeof cwd)) {
         perror ("service: getcwd");
         return false;
      }
      o->uri = o->owned = bson_strdup_printf ("sqlite://%s/service.db", cwd);
   }
   return true;
}

/* Blocks the stop signals (the daemon's threads inherit the mask), so only
 * wait_for_stop sees them. */
static bool
block_stop_signals (sigset_t *set)
{
   return sigemptyset (set) == 0 && sigaddset (set, SIGINT) == 0 && sigaddset (set, SIGTERM) == 0 &&
          pthread_sigmask (SIG_BLOCK, set, NULL) == 0;
}

static bool
wait_for_stop (const sigset_t *set)
{
   int sig;

   return sigwait (set, &sig) == 0;
}

int
main (int argc, char **argv)
{
   options_t o = {.port = 8080};
   app_t app = {NULL};
   struct MHD_Daemon *daemon = NULL;
   const union MHD_DaemonInfo *info;
   bson_error_t error;
   sigset_t stop;
   bool ok;

   if (!parse_args (argc, argv, &o)) {
      fprintf (stderr, "usage: service [--port N] [--uri URI | FILE]\n");
      bson_free (o.owned);
      return EXIT_FAILURE;
   }
   ok = block_stop_signals (&stop);
   if (ok && !((app.store = docrel_store_open (o.uri, &error)) && define (app.store, &app.m, &error))) {
      fprintf (stderr, "service: %s\n", error.message);
      ok = false;
   }
   if (ok && !(daemon = start (&app, (uint16_t) o.port))) {
      fprintf (stderr, "service: cannot listen on 127.0.0.1:%ld\n", o.port);
      ok = false;
   }
   if (ok && (!(info = MHD_get_daemon_info (daemon, MHD_DAEMON_INFO_BIND_PORT)) ||
              printf ("listening on http://127.0.0.1:%u\n", (unsigned) info->port) < 0 || fflush (stdout) != 0)) {
      fprintf (stderr, "service: cannot report the port\n");
      ok = false;
   }
   ok = ok && wait_for_stop (&stop);
   if (daemon) {
      MHD_stop_daemon (daemon);
   }
   docrel_store_destroy (app.store);
   bson_free (o.owned);
   return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
