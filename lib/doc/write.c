/* SPDX-License-Identifier: Apache-2.0 */
/* write.c: saving and deleting one document.
 *
 * Every write is prepared on copies first (the generated key, the stripped
 * fields, the update document) and applied to the caller's document only
 * after the backend confirms it, so a failure leaves the document exactly as
 * it was and the backend's all-or-nothing writes leave the store so too. */
#include <string.h>
#include <sys/random.h>

#include "docrel/docrel-write.h"
#include "doc/doc-private.h"
#include "util/util-private.h"
#include "query/query-private.h"
#include "model/model-private.h"
#include "bsonx/bsonx-private.h"
#include "store/store-private.h"

/* A random (version 4) UUID in its canonical 36-character form. */
static void
make_uuid (char out[37])
{
   static const char hex[] = "0123456789abcdef";
   uint8_t b[16];
   size_t got = 0;
   int i;
   char *p = out;

   while (got < sizeof b) {
      ssize_t n = getrandom (b + got, sizeof b - got, 0);
      if (n <= 0) {
         /* getrandom cannot fail on Linux >= 3.17 for 16 bytes; fall back to
          * libbson's ObjectId entropy rather than fail a save over it. */
         bson_oid_t oid;
         bson_oid_init (&oid, NULL);
         memcpy (b + got, oid.bytes, sizeof b - got < 12 ? sizeof b - got : 12);
         got += sizeof b - got < 12 ? sizeof b - got : 12;
         continue;
      }
      got += (size_t) n;
   }
   b[6] = (uint8_t) ((b[6] & 0x0f) | 0x40);
   b[8] = (uint8_t) ((b[8] & 0x3f) | 0x80);
   for (i = 0; i < 16; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) {
         *p++ = '-';
      }
      *p++ = hex[b[i] >> 4];
      *p++ = hex[b[i] & 0x0f];
   }
   *p = '\0';
}

/* Initialises *out with the fields to insert: _id first (generated if the
 * model makes keys and the document has none), then the rest, stripped of
 * undeclared fields under DOCREL_EXTRA_STRIP. */
static void
build_insert (const docrel_doc_t *doc, bson_t *out)
{
   const docrel_model_t *model = doc->model;
   bson_t stripped;
   const bson_t *src = doc->fields;
   bson_iter_t iter;

   bson_init (out);
   if (model->extra == DOCREL_EXTRA_STRIP) {
      docrel_model__strip_extra (model, doc->fields, &stripped);
      src = &stripped;
   }
   if (doc->has_id) {
      bson_append_value (out, "_id", 3, &doc->id);
   } else if (model->pk_kind == DOCREL_PK_OBJECT_ID) {
      bson_oid_t oid;
      bson_oid_init (&oid, NULL);
      BSON_APPEND_OID (out, "_id", &oid);
   } else if (model->pk_kind == DOCREL_PK_UUID) {
      char uuid[37];
      make_uuid (uuid);
      BSON_APPEND_UTF8 (out, "_id", uuid);
   }
   if (bson_iter_init (&iter, src)) {
      while (bson_iter_next (&iter)) {
         if (strcmp (bson_iter_key (&iter), "_id") != 0) {
            bson_append_iter (out, NULL, 0, &iter);
         }
      }
   }
   if (src == &stripped) {
      bson_destroy (&stripped);
   }
}

void
docrel_write__assign_id (docrel_doc_t *doc)
{
   bson_value_t v;
   bson_oid_t oid;
   char uuid[37];

   if (doc->has_id || doc->model->pk_kind == DOCREL_PK_CALLER) {
      return;
   }
   if (doc->model->pk_kind == DOCREL_PK_OBJECT_ID) {
      bson_oid_init (&oid, NULL);
      v.value_type = BSON_TYPE_OID;
      bson_oid_copy (&oid, &v.value.v_oid);
   } else {
      make_uuid (uuid);
      v.value_type = BSON_TYPE_UTF8;
      v.value.v_utf8.str = uuid;
      v.value.v_utf8.len = 36;
   }
   /* an unsaved document: setting _id cannot fail and marks nothing dirty */
   docrel_doc_set_value (doc, "_id", &v, NULL);
}

/* A required belongsTo needs every key path present and not null. Checked
 * on insert, and on update when a key path changed. */
static bool
check_required_refs (const docrel_doc_t *doc, bool changed_only, bson_error_t *error)
{
   size_t i, k;

   for (i = 0; i < doc->model->n_relations; i++) {
      const docrel_relation_t *r = doc->model->relations[i];
      if (r->kind != DOCREL_BELONGS_TO || !r->required) {
         continue;
      }
      for (k = 0; k < r->n_keys; k++) {
         bson_iter_t iter;
         if (changed_only && !docrel_doc_is_field_dirty (doc, r->left_keys[k])) {
            continue;
         }
         if (!docrel_path__find (doc->fields, r->left_keys[k], &iter) || BSON_ITER_HOLDS_NULL (&iter)) {
            return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_REQUIRED,
                                      "model '%s': belongsTo '%s' is required: field '%s' must hold the key of a "
                                      "'%s'",
                                      doc->model->name, r->field, r->left_keys[k], r->target->name);
         }
      }
   }
   return true;
}

bool
docrel_write__prepare_insert (const docrel_doc_t *doc, bson_t *out, bson_error_t *error)
{
   build_insert (doc, out);
   if (!check_required_refs (doc, false, error) || !docrel_model_validate (doc->model, out, error)) {
      bson_destroy (out);
      bson_init (out);
      return false;
   }
   return true;
}

void
docrel_write__finish_insert (docrel_doc_t *doc, const bson_t *fields)
{
   docrel_doc__replace_fields (doc, fields);
   docrel_doc__mark_saved (doc);
}

static bool
insert_doc (docrel_doc_t *doc, bson_error_t *error)
{
   bson_t fields;
   const bson_t *payload = &fields;
   bool ok = false;

   if (docrel_write__prepare_insert (doc, &fields, error)) {
      ok = docrel_write__send_inserts (doc->session->store, doc->model->collection, &doc, &payload, 1, NULL, error);
   }
   bson_destroy (&fields);
   return ok;
}

/* Validates only the changed paths of a partial (projected) document, whose
 * other fields were never loaded and so cannot be checked. */
static bool
validate_changes (const docrel_doc_t *doc, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < doc->n_dirty; i++) {
      const docrel_field_t *field = docrel_model__field (doc->model, doc->dirty[i]);
      bson_iter_t iter;
      bool present = docrel_path__find (doc->fields, doc->dirty[i], &iter);

      if (field && !docrel_model__check_value (doc->model, field, present ? bson_iter_value (&iter) : NULL, error)) {
         return false;
      }
   }
   return true;
}

bool
docrel_write__prepare_update (const docrel_doc_t *doc, bson_t *update, bson_error_t *error)
{
   const docrel_model_t *model = doc->model;
   bson_t set, unset;
   bson_t stripped;
   const bson_t *after = doc->fields;
   size_t i, n_set = 0, n_unset = 0;
   bool ok = false;

   bson_init (update);
   if (doc->n_dirty == 0) {
      return true; /* nothing changed: nothing to send */
   }
   if (model->extra == DOCREL_EXTRA_STRIP) {
      docrel_model__strip_extra (model, doc->fields, &stripped);
      after = &stripped;
   }
   if (!check_required_refs (doc, true, error) ||
       (doc->partial ? !validate_changes (doc, error) : !docrel_model_validate (model, after, error))) {
      goto done;
   }
   if (doc->moved && !doc->partial) {
      bson_copy_to_excluding_noinit (after, update, "_id", NULL); /* a replacement keeps the order */
      ok = true;
      goto done;
   }
   bson_append_document_begin (update, "$set", 4, &set);
   for (i = 0; i < doc->n_dirty; i++) {
      bson_iter_t iter;
      if (docrel_path__find (after, doc->dirty[i], &iter)) {
         bson_append_iter (&set, doc->dirty[i], -1, &iter);
         n_set++;
      }
   }
   bson_append_document_end (update, &set);
   bson_append_document_begin (update, "$unset", 6, &unset);
   for (i = 0; i < doc->n_dirty; i++) {
      bson_iter_t iter;
      if (!docrel_path__find (after, doc->dirty[i], &iter) &&
          (after == doc->fields || !docrel_path__find (doc->fields, doc->dirty[i], &iter))) {
         BSON_APPEND_UTF8 (&unset, doc->dirty[i], "");
         n_unset++;
      }
   }
   bson_append_document_end (update, &unset);
   if (n_set + n_unset == 0) {
      bson_reinit (update);
   }
   ok = true;
done:
   if (after != doc->fields) {
      bson_destroy (&stripped);
   }
   if (!ok) {
      bson_reinit (update);
   }
   return ok;
}

void
docrel_write__finish_update (docrel_doc_t *doc)
{
   if (doc->model->extra == DOCREL_EXTRA_STRIP) {
      bson_t stripped;
      if (docrel_model__strip_extra (doc->model, doc->fields, &stripped)) {
         docrel_doc__replace_fields (doc, &stripped);
      }
      bson_destroy (&stripped);
   }
   docrel_doc__mark_saved (doc);
}

static bool
update_doc (docrel_doc_t *doc, bson_error_t *error)
{
   bson_t update;
   const bson_t *payload = &update;
   bool ok = false;

   if (docrel_write__prepare_update (doc, &update, error)) {
      if (bson_empty (&update)) {
         docrel_write__finish_update (doc);
         ok = true;
      } else {
         ok = docrel_write__send_updates (doc->session->store, doc->model->collection, &doc, &payload, 1, NULL, error);
      }
   }
   bson_destroy (&update);
   return ok;
}

/* ---- hooks and the busy session ---------------------------------------- */

bool
docrel_session__check_idle (const docrel_session_t *session, bson_error_t *error)
{
   if (session->busy) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_SESSION_BUSY,
                                "the session is busy with %s: a hook must not start another write call, or edit "
                                "relation slots, on the session of the call it runs in",
                                session->busy);
   }
   return true;
}

bool
docrel_session__enter (docrel_session_t *session, const char *call, bson_error_t *error)
{
   if (!docrel_session__check_idle (session, error)) {
      return false;
   }
   session->busy = call;
   return true;
}

void
docrel_session__leave (docrel_session_t *session)
{
   session->busy = NULL;
}

#define SAVE_HOOKS                                                                                                 \
   ((1u << DOCREL_HOOK_BEFORE_VALIDATE) | (1u << DOCREL_HOOK_AFTER_VALIDATE) | (1u << DOCREL_HOOK_BEFORE_INSERT) | \
    (1u << DOCREL_HOOK_BEFORE_UPDATE))

static bool
prepare (const docrel_doc_t *doc, bool insert, bson_t *out, bson_error_t *error)
{
   return insert ? docrel_write__prepare_insert (doc, out, error) : docrel_write__prepare_update (doc, out, error);
}

bool
docrel_write__prepare_hooked (docrel_doc_t *doc, docrel_undo_t *undo, bson_t *out, bson_error_t *error)
{
   const docrel_model_t *model = doc->model;
   bool insert = !doc->saved;
   docrel_hook_event_t before = insert ? DOCREL_HOOK_BEFORE_INSERT : DOCREL_HOOK_BEFORE_UPDATE;
   bool ok;

   if (!(model->hook_events & SAVE_HOOKS)) {
      return prepare (doc, insert, out, error);
   }
   docrel_undo__touch (undo, doc);
   bson_init (out);
   ok = docrel_hooks__run (model, DOCREL_HOOK_BEFORE_VALIDATE, doc, error) && prepare (doc, insert, out, error) &&
        docrel_hooks__run (model, DOCREL_HOOK_AFTER_VALIDATE, doc, error) &&
        docrel_hooks__run (model, before, doc, error);
   if (ok && docrel_hooks__has (model, before)) {
      bson_destroy (out);
      ok = prepare (doc, insert, out, error); /* what the hooks left, validated */
   }
   if (!ok) {
      bson_reinit (out);
   }
   return ok;
}

/* docrel_save with hooks: the undo puts the document back when nothing was
 * written (a hook refused, validation failed, the store refused), but not
 * when its insert is in doubt: it keeps the key it was sent with. */
static bool
save_hooked (docrel_doc_t *doc, bson_error_t *error)
{
   bool insert = !doc->saved;
   bson_t payload;
   const bson_t *p = &payload;
   docrel_undo_t undo;
   bool ok;

   docrel_undo__init (&undo, doc->session);
   if (insert) {
      docrel_undo__touch (&undo, doc);
      docrel_write__assign_id (doc); /* the hooks see the key, as in save_all */
   }
   ok = docrel_write__prepare_hooked (doc, &undo, &payload, error);
   if (ok && !insert && bson_empty (&payload)) {
      docrel_write__finish_update (doc);
   } else if (ok) {
      ok = insert ? docrel_write__send_inserts (doc->session->store, doc->model->collection, &doc, &p, 1, NULL, error)
                  : docrel_write__send_updates (doc->session->store, doc->model->collection, &doc, &p, 1, NULL, error);
   }
   bson_destroy (&payload);
   if (ok || doc->in_doubt) {
      docrel_undo__forget (&undo);
   } else {
      docrel_undo__restore (&undo);
   }
   return ok &&
          docrel_hooks__run (doc->model, insert ? DOCREL_HOOK_AFTER_INSERT : DOCREL_HOOK_AFTER_UPDATE, doc, error);
}

bool
docrel_save (docrel_doc_t *doc, bson_error_t *error)
{
   bool ok;

   if (!doc) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "doc must not be NULL");
   }
   if (!docrel_session__enter (doc->session, "save", error)) {
      return false;
   }
   if (doc->model->n_hooks > 0 && (!doc->saved || doc->n_dirty > 0)) {
      ok = save_hooked (doc, error);
   } else {
      ok = doc->saved ? update_doc (doc, error) : insert_doc (doc, error);
   }
   docrel_session__leave (doc->session);
   return ok;
}
