/* SPDX-License-Identifier: Apache-2.0 */
/* doc.c: documents: their own fields, their state (saved, partial, which
 * paths changed) and their place in the session. Writing them is write.c's
 * concern, loading them fetch.c's. */
#include <string.h>

#include "doc/doc-private.h"
#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"
#include "store/store-private.h"

docrel_doc_t *
docrel_doc__alloc (docrel_session_t *session, docrel_model_t *model)
{
   docrel_doc_t *doc = docrel_recycle__take (session);

   doc->session = session;
   doc->model = model;
   doc->next = session->head;
   if (session->head) {
      session->head->prev = doc;
   }
   session->head = doc;
   session->n_docs++;
   return doc;
}

void
docrel_doc__ids_filter (docrel_doc_t *const *docs, size_t n, bson_t *out)
{
   bson_t in, list;
   size_t k;

   bson_append_document_begin (out, "_id", 3, &in);
   bson_append_array_begin (&in, "$in", 3, &list);
   for (k = 0; k < n; k++) {
      char buf[16];
      const char *key;
      bson_uint32_to_string ((uint32_t) k, &key, buf, sizeof buf);
      bson_append_value (&list, key, -1, &docs[k]->id);
   }
   bson_append_array_end (&in, &list);
   bson_append_document_end (out, &in);
}

static void
clear_dirty (docrel_doc_t *doc)
{
   size_t i;
   for (i = 0; i < doc->n_dirty; i++) {
      bson_free (doc->dirty[i]);
   }
   doc->n_dirty = 0;
   doc->moved = false;
}

static void
leave_map (docrel_doc_t *doc)
{
   if (doc->in_map) {
      docrel_idmap__remove (&doc->session->map, doc->model, doc->key.data, doc->key.len);
      doc->in_map = false;
   }
}

void
docrel_doc__free (docrel_doc_t *doc)
{
   docrel_session_t *session;

   if (!doc) {
      return;
   }
   session = doc->session;
   leave_map (doc);
   if (doc->prev) {
      doc->prev->next = doc->next;
   } else {
      session->head = doc->next;
   }
   if (doc->next) {
      doc->next->prev = doc->prev;
   }
   session->n_docs--;
   docrel_doc__free_slots (doc);
   docrel_doc__clear_pending (doc);
   bson_free (doc->pending);
   clear_dirty (doc);
   bson_free (doc->dirty);
   if (doc->has_id) {
      bson_value_destroy (&doc->id);
   }
   docrel_recycle__put (session, doc);
}

static void
refresh_id (docrel_doc_t *doc)
{
   bson_iter_t iter;

   if (doc->has_id) {
      bson_value_destroy (&doc->id);
      doc->has_id = false;
   }
   if (bson_iter_init_find (&iter, doc->fields, "_id")) {
      bson_value_copy (bson_iter_value (&iter), &doc->id);
      doc->has_id = true;
   }
}

void
docrel_doc__replace_fields (docrel_doc_t *doc, const bson_t *fields)
{
   bson_reinit (doc->fields);
   bson_concat (doc->fields, fields);
   refresh_id (doc);
}

void
docrel_doc__load_stored (docrel_doc_t *doc,
                         const bson_t *raw,
                         const bson_value_t *id,
                         const docrel_buf_t *key,
                         void **slot)
{
   bson_reinit (doc->fields);
   bson_concat (doc->fields, raw);
   if (doc->has_id) {
      bson_value_destroy (&doc->id);
      doc->has_id = false;
   }
   if (id) {
      bson_value_copy (id, &doc->id);
      doc->has_id = true;
   }
   doc->saved = true;
   doc->in_doubt = false;
   clear_dirty (doc);
   if (id) { /* as docrel_doc__remap, in the place the caller claimed */
      docrel_buf__reset (&doc->key);
      docrel_buf__append (&doc->key, key->data, key->len);
      *slot = doc;
      doc->in_map = true;
   }
}

void
docrel_doc__widen (docrel_doc_t *doc, const bson_t *raw, bool raw_partial)
{
   bson_iter_t iter, mine;
   bson_t *merged;

   if (!doc->saved || !doc->partial) {
      return;
   }
   if (raw_partial) {
      /* another projection: add the top-level fields it lacks */
      if (bson_iter_init (&iter, raw)) {
         while (bson_iter_next (&iter)) {
            const char *key = bson_iter_key (&iter);
            if (!bson_iter_init_find (&mine, doc->fields, key) && !docrel_doc_is_field_dirty (doc, key)) {
               bson_append_iter (doc->fields, key, -1, &iter);
            }
         }
      }
      return;
   }
   /* the whole document: the stored fields, with the caller's changes */
   merged = bson_new ();
   if (bson_iter_init (&iter, raw)) {
      while (bson_iter_next (&iter)) {
         const char *key = bson_iter_key (&iter);
         if (!docrel_doc_is_field_dirty (doc, key)) {
            bson_append_iter (merged, key, -1, &iter);
         } else if (bson_iter_init_find (&mine, doc->fields, key)) {
            bson_append_iter (merged, key, -1, &mine);
         }
      }
   }
   if (bson_iter_init (&mine, doc->fields)) {
      while (bson_iter_next (&mine)) {
         if (!bson_iter_init_find (&iter, raw, bson_iter_key (&mine))) {
            bson_append_iter (merged, NULL, 0, &mine); /* set by the caller */
         }
      }
   }
   docrel_doc__replace_fields (doc, merged);
   bson_destroy (merged);
   doc->partial = false;
}

void
docrel_doc__mark_saved (docrel_doc_t *doc)
{
   doc->saved = true;
   doc->in_doubt = false;
   clear_dirty (doc);
   docrel_doc__remap (doc);
}

void
docrel_doc__remap (docrel_doc_t *doc)
{
   leave_map (doc);
   if (doc->saved && doc->has_id) {
      docrel_buf__reset (&doc->key);
      docrel_keycode__append (&doc->key, &doc->id);
      docrel_idmap__put (&doc->session->map, doc->model, doc->key.data, doc->key.len, doc);
      doc->in_map = true;
   }
}

const docrel_buf_t *
docrel_doc__id_keycode (const docrel_doc_t *doc)
{
   return doc->in_map ? &doc->key : NULL;
}

void
docrel_doc__clear_pending (docrel_doc_t *doc)
{
   size_t i;

   for (i = 0; i < doc->n_pending; i++) {
      bson_value_destroy (&doc->pending[i].key);
      if (doc->pending[i].payload) {
         bson_destroy (doc->pending[i].payload);
      }
   }
   doc->n_pending = 0;
}

void
docrel_doc__mark_unsaved (docrel_doc_t *doc)
{
   leave_map (doc);
   doc->saved = false;
   doc->partial = false;
   doc->in_doubt = false;
   clear_dirty (doc);
}

/* True if path is outer or lies below it ("a.b" within "a"; "ab" is not). */
static bool
path_within (const char *path, const char *outer)
{
   size_t n = strlen (outer);
   return strncmp (path, outer, n) == 0 && (path[n] == '\0' || path[n] == '.');
}

/* Records path as changed. A changed path covers every path below it, so the
 * list never holds both "a" and "a.b" and a save writes each value once. */
static void
mark_dirty (docrel_doc_t *doc, const char *path)
{
   size_t i = 0;

   if (!doc->saved) {
      return; /* an insert writes every field */
   }
   while (i < doc->n_dirty) {
      if (path_within (path, doc->dirty[i])) {
         return; /* already covered */
      }
      if (path_within (doc->dirty[i], path)) {
         bson_free (doc->dirty[i]);
         doc->dirty[i] = doc->dirty[--doc->n_dirty];
         continue;
      }
      i++;
   }
   if (doc->n_dirty == doc->cap_dirty) {
      doc->cap_dirty = doc->cap_dirty ? doc->cap_dirty * 2 : 8;
      doc->dirty = bson_realloc (doc->dirty, doc->cap_dirty * sizeof *doc->dirty);
   }
   doc->dirty[doc->n_dirty++] = bson_strdup (path);
}

static bool
touches_id (const char *path)
{
   return strncmp (path, "_id", 3) == 0 && (path[3] == '\0' || path[3] == '.');
}

static docrel_doc_t *
new_document (docrel_session_t *session, docrel_model_t *model, const bson_t *fields, bson_error_t *error)
{
   docrel_doc_t *doc;

   if (!session || !model) {
      docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                         "a new document needs a session and a model");
      return NULL;
   }
   if (!docrel_model__use (model, error)) {
      return NULL;
   }
   doc = docrel_doc__alloc (session, model);
   if (fields && docrel_arrays__numbered (bson_get_data (fields), fields->len, false)) {
      docrel_doc__replace_fields (doc, fields);
   } else if (fields) {
      bson_t renumbered;
      docrel_arrays__renumber (bson_get_data (fields), fields->len, false, &renumbered);
      docrel_doc__replace_fields (doc, &renumbered);
      bson_destroy (&renumbered);
   }
   docrel_model__apply_defaults (model, doc->fields);
   refresh_id (doc);
   return doc;
}

docrel_doc_t *
docrel_doc_new (docrel_session_t *session, docrel_model_t *model, bson_error_t *error)
{
   return new_document (session, model, NULL, error);
}

docrel_doc_t *
docrel_doc_new_from_bson (docrel_session_t *session, docrel_model_t *model, const bson_t *fields, bson_error_t *error)
{
   if (!fields) {
      docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "fields must not be NULL");
      return NULL;
   }
   return new_document (session, model, fields, error);
}

docrel_doc_t *
docrel_doc_new_from_json (docrel_session_t *session, docrel_model_t *model, const char *json, bson_error_t *error)
{
   bson_t fields;
   docrel_doc_t *doc;

   if (!json) {
      docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "json must not be NULL");
      return NULL;
   }
   if (!bson_init_from_json (&fields, json, -1, error)) {
      return NULL; /* libbson's JSON error, with its position */
   }
   doc = new_document (session, model, &fields, error);
   bson_destroy (&fields);
   return doc;
}

docrel_model_t *
docrel_doc_model (const docrel_doc_t *doc)
{
   return doc ? doc->model : NULL;
}

docrel_session_t *
docrel_doc_session (const docrel_doc_t *doc)
{
   return doc ? doc->session : NULL;
}

/* A document or array value whose arrays are not numbered "0", "1", ...
 * (arrays.c) is set renumbered. */
static bool
set_renumbered (docrel_doc_t *doc, const char *path, const bson_value_t *value, bson_error_t *error)
{
   bson_value_t v = *value;
   bson_t renumbered;
   bool ok;

   docrel_arrays__renumber (value->value.v_doc.data, value->value.v_doc.data_len, value->value_type == BSON_TYPE_ARRAY,
                            &renumbered);
   v.value.v_doc.data = (uint8_t *) bson_get_data (&renumbered);
   v.value.v_doc.data_len = renumbered.len;
   ok = docrel_doc_set_value (doc, path, &v, error);
   bson_destroy (&renumbered);
   return ok;
}

bool
docrel_doc_set_value (docrel_doc_t *doc, const char *path, const bson_value_t *value, bson_error_t *error)
{
   if (!doc || !value) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "set needs a document and a value");
   }
   if ((value->value_type == BSON_TYPE_ARRAY || value->value_type == BSON_TYPE_DOCUMENT) &&
       !docrel_arrays__numbered (value->value.v_doc.data, value->value.v_doc.data_len,
                                 value->value_type == BSON_TYPE_ARRAY)) {
      return set_renumbered (doc, path, value, error);
   }
   if (!docrel_path__check (path, error)) {
      return false;
   }
   if (doc->saved && touches_id (path)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_IMMUTABLE,
                                "model '%s': the _id of a saved document cannot change",
                                docrel_model_name (doc->model));
   }
   /* Absent but covered by a change since the last save: it was removed
    * (it, or the document holding it) and comes back last. */
   if (doc->saved && !docrel_doc_has (doc, path) && docrel_doc_is_field_dirty (doc, path)) {
      doc->moved = true;
   }
   if (!docrel_path__set (doc->fields, path, value, error)) {
      return false;
   }
   mark_dirty (doc, path);
   if (touches_id (path)) {
      refresh_id (doc);
   }
   return true;
}

#define DEFINE_SETTER(suffix, ctype, vtype, member)                                                     \
   bool docrel_doc_set_##suffix (docrel_doc_t *doc, const char *path, ctype value, bson_error_t *error) \
   {                                                                                                    \
      bson_value_t v;                                                                                   \
      v.value_type = vtype;                                                                             \
      v.value.member = value;                                                                           \
      return docrel_doc_set_value (doc, path, &v, error);                                               \
   }

DEFINE_SETTER (int32, int32_t, BSON_TYPE_INT32, v_int32)
DEFINE_SETTER (int64, int64_t, BSON_TYPE_INT64, v_int64)
DEFINE_SETTER (double, double, BSON_TYPE_DOUBLE, v_double)
DEFINE_SETTER (bool, bool, BSON_TYPE_BOOL, v_bool)
DEFINE_SETTER (datetime, int64_t, BSON_TYPE_DATE_TIME, v_datetime)

bool
docrel_doc_set_utf8 (docrel_doc_t *doc, const char *path, const char *value, bson_error_t *error)
{
   bson_value_t v;

   if (!value) {
      return docrel_doc_set_null (doc, path, error);
   }
   if (!bson_utf8_validate (value, strlen (value), false)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "field '%s': the string is not valid UTF-8", path);
   }
   v.value_type = BSON_TYPE_UTF8;
   v.value.v_utf8.str = (char *) value;
   v.value.v_utf8.len = (uint32_t) strlen (value);
   return docrel_doc_set_value (doc, path, &v, error);
}

bool
docrel_doc_set_oid (docrel_doc_t *doc, const char *path, const bson_oid_t *value, bson_error_t *error)
{
   bson_value_t v;

   if (!value) {
      return docrel_doc_set_null (doc, path, error);
   }
   v.value_type = BSON_TYPE_OID;
   bson_oid_copy (value, &v.value.v_oid);
   return docrel_doc_set_value (doc, path, &v, error);
}

bool
docrel_doc_set_binary (docrel_doc_t *doc,
                       const char *path,
                       bson_subtype_t subtype,
                       const uint8_t *data,
                       uint32_t len,
                       bson_error_t *error)
{
   bson_value_t v;
   static const uint8_t empty = 0;

   v.value_type = BSON_TYPE_BINARY;
   v.value.v_binary.subtype = subtype;
   v.value.v_binary.data = (uint8_t *) (data ? data : &empty);
   v.value.v_binary.data_len = data ? len : 0;
   return docrel_doc_set_value (doc, path, &v, error);
}

bool
docrel_doc_set_null (docrel_doc_t *doc, const char *path, bson_error_t *error)
{
   bson_value_t v;
   v.value_type = BSON_TYPE_NULL;
   return docrel_doc_set_value (doc, path, &v, error);
}

static bool
set_container (docrel_doc_t *doc, const char *path, const bson_t *value, bool is_array, bson_error_t *error)
{
   bson_value_t v;

   if (!value) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "field '%s': the value must not be NULL", path ? path : "");
   }
   /* an array's keys are renumbered by docrel_doc_set_value */
   v.value_type = is_array ? BSON_TYPE_ARRAY : BSON_TYPE_DOCUMENT;
   v.value.v_doc.data = (uint8_t *) bson_get_data (value);
   v.value.v_doc.data_len = value->len;
   return docrel_doc_set_value (doc, path, &v, error);
}

bool
docrel_doc_set_document (docrel_doc_t *doc, const char *path, const bson_t *value, bson_error_t *error)
{
   return set_container (doc, path, value, false, error);
}

bool
docrel_doc_set_array (docrel_doc_t *doc, const char *path, const bson_t *value, bson_error_t *error)
{
   return set_container (doc, path, value, true, error);
}

bool
docrel_doc_unset (docrel_doc_t *doc, const char *path, bson_error_t *error)
{
   bool removed = false;

   if (!doc) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "doc must not be NULL");
   }
   if (!docrel_path__check (path, error)) {
      return false;
   }
   if (doc->saved && touches_id (path)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_IMMUTABLE,
                                "model '%s': the _id of a saved document cannot be removed",
                                docrel_model_name (doc->model));
   }
   if (!docrel_path__unset (doc->fields, path, &removed, error)) {
      return false;
   }
   if (removed) {
      mark_dirty (doc, path);
      if (touches_id (path)) {
         refresh_id (doc);
      }
   }
   return true;
}

bool
docrel_doc_get (const docrel_doc_t *doc, const char *path, bson_value_t *out)
{
   bson_iter_t iter;

   if (!doc || !out || !docrel_path__find (doc->fields, path, &iter)) {
      return false;
   }
   *out = *bson_iter_value (&iter);
   return true;
}

bool
docrel_doc_has (const docrel_doc_t *doc, const char *path)
{
   bson_iter_t iter;
   return doc && docrel_path__find (doc->fields, path, &iter);
}

const char *
docrel_doc_get_utf8 (const docrel_doc_t *doc, const char *path)
{
   bson_iter_t iter;

   if (!doc || !docrel_path__find (doc->fields, path, &iter) || !BSON_ITER_HOLDS_UTF8 (&iter)) {
      return NULL;
   }
   return bson_iter_utf8 (&iter, NULL);
}

bool
docrel_doc_get_int32 (const docrel_doc_t *doc, const char *path, int32_t *out)
{
   bson_iter_t iter;

   if (!doc || !out || !docrel_path__find (doc->fields, path, &iter) || !BSON_ITER_HOLDS_INT32 (&iter)) {
      return false;
   }
   *out = bson_iter_int32 (&iter);
   return true;
}

bool
docrel_doc_get_int64 (const docrel_doc_t *doc, const char *path, int64_t *out)
{
   bson_iter_t iter;

   if (!doc || !out || !docrel_path__find (doc->fields, path, &iter)) {
      return false;
   }
   if (BSON_ITER_HOLDS_INT64 (&iter)) {
      *out = bson_iter_int64 (&iter);
   } else if (BSON_ITER_HOLDS_INT32 (&iter)) {
      *out = bson_iter_int32 (&iter);
   } else {
      return false;
   }
   return true;
}

bool
docrel_doc_get_double (const docrel_doc_t *doc, const char *path, double *out)
{
   bson_iter_t iter;

   if (!doc || !out || !docrel_path__find (doc->fields, path, &iter) || !BSON_ITER_HOLDS_NUMBER (&iter)) {
      return false;
   }
   *out = bson_iter_as_double (&iter);
   return true;
}

bool
docrel_doc_get_bool (const docrel_doc_t *doc, const char *path, bool *out)
{
   bson_iter_t iter;

   if (!doc || !out || !docrel_path__find (doc->fields, path, &iter) || !BSON_ITER_HOLDS_BOOL (&iter)) {
      return false;
   }
   *out = bson_iter_bool (&iter);
   return true;
}

bool
docrel_doc_get_datetime (const docrel_doc_t *doc, const char *path, int64_t *out)
{
   bson_iter_t iter;

   if (!doc || !out || !docrel_path__find (doc->fields, path, &iter) || !BSON_ITER_HOLDS_DATE_TIME (&iter)) {
      return false;
   }
   *out = bson_iter_date_time (&iter);
   return true;
}

bool
docrel_doc_get_oid (const docrel_doc_t *doc, const char *path, bson_oid_t *out)
{
   bson_iter_t iter;

   if (!doc || !out || !docrel_path__find (doc->fields, path, &iter) || !BSON_ITER_HOLDS_OID (&iter)) {
      return false;
   }
   bson_oid_copy (bson_iter_oid (&iter), out);
   return true;
}

const bson_value_t *
docrel_doc_id (const docrel_doc_t *doc)
{
   return doc && doc->has_id ? &doc->id : NULL;
}

const bson_t *
docrel_doc_bson (const docrel_doc_t *doc)
{
   return doc ? doc->fields : NULL;
}

char *
docrel_doc_to_json (const docrel_doc_t *doc, bool with_joins)
{
   bson_t out;
   char *json;

   if (!doc) {
      return NULL;
   }
   docrel_doc_to_bson (doc, with_joins, &out, NULL);
   json = bson_as_relaxed_extended_json (&out, NULL);
   bson_destroy (&out);
   return json;
}

bool
docrel_doc_is_saved (const docrel_doc_t *doc)
{
   return doc && doc->saved;
}

bool
docrel_doc_is_in_doubt (const docrel_doc_t *doc)
{
   return doc && doc->in_doubt;
}

bool
docrel_doc_is_dirty (const docrel_doc_t *doc)
{
   return doc && (!doc->saved || doc->n_dirty > 0);
}

bool
docrel_doc_is_field_dirty (const docrel_doc_t *doc, const char *path)
{
   size_t i;

   if (!doc || !path) {
      return false;
   }
   if (!doc->saved) {
      return docrel_doc_has (doc, path);
   }
   for (i = 0; i < doc->n_dirty; i++) {
      /* dirty "a" covers "a.b"; dirty "a.b" makes "a" dirty too */
      if (path_within (path, doc->dirty[i]) || path_within (doc->dirty[i], path)) {
         return true;
      }
   }
   return false;
}
