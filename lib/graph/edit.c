/* SPDX-License-Identifier: Apache-2.0 */
/* edit.c: editing relation slots in memory (docrel-graph.h). The
 * store changes at the next docrel_save_all, which compares each slot with
 * its base. */
#include <string.h>

#include "docrel/docrel-graph.h"
#include "util/util-private.h"
#include "graph/graph-private.h"
#include "model/model-private.h"

docrel_relation_t *
docrel_graph__relation (const docrel_doc_t *doc, const char *field, bson_error_t *error)
{
   docrel_relation_t *r;

   if (!doc || !field) {
      docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "doc and field must not be NULL");
      return NULL;
   }
   if (!docrel_session__check_idle (doc->session, error)) {
      return NULL; /* a hook of a write call on the session */
   }
   r = docrel_model_relation (doc->model, field);
   if (!r) {
      docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_UNKNOWN_FIELD, "model '%s' has no relation '%s'",
                         doc->model->name, field);
   }
   return r;
}

static bool
check_related (const docrel_doc_t *doc, const docrel_relation_t *r, const docrel_doc_t *other, bson_error_t *error)
{
   if (!other) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "model '%s': relation '%s': a related document is NULL", doc->model->name, r->field);
   }
   if (other->session != doc->session) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "model '%s': relation '%s': a related document belongs to another session",
                                doc->model->name, r->field);
   }
   if (other->model != r->target) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_WRONG_TYPE,
                                "model '%s': relation '%s': expected a '%s' document, got a '%s'", doc->model->name,
                                r->field, r->target->name, other->model->name);
   }
   return true;
}

bool
docrel_doc_set_related (docrel_doc_t *doc, const char *field, docrel_doc_t *const *docs, size_t n, bson_error_t *error)
{
   docrel_relation_t *r = docrel_graph__relation (doc, field, error);
   docrel_slot_t *slot;
   size_t i, k;

   if (!r) {
      return false;
   }
   if (n > 0 && !docs) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "docs must not be NULL");
   }
   if (n > 1 && !docrel_relation__is_many (r)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "model '%s': relation '%s' holds one document, got %zu", doc->model->name, field, n);
   }
   for (i = 0; i < n; i++) {
      if (!check_related (doc, r, docs[i], error)) {
         return false;
      }
      for (k = 0; k < i; k++) {
         if (docs[k] == docs[i]) {
            return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                      "model '%s': relation '%s': document %zu appears twice", doc->model->name, field,
                                      i);
         }
      }
   }
   slot = docrel_doc__slot (doc, r->index);
   if (!slot->loaded) {
      slot->n_base = 0; /* never loaded: nothing known to remove */
   }
   slot->loaded = true;
   slot->n = 0;
   for (i = 0; i < n; i++) {
      docrel_slot__push (slot, docs[i]);
   }
   return true;
}

bool
docrel_doc_add_related (docrel_doc_t *doc, const char *field, docrel_doc_t *other, bson_error_t *error)
{
   docrel_relation_t *r = docrel_graph__relation (doc, field, error);
   docrel_slot_t *slot;

   if (!r || !check_related (doc, r, other, error)) {
      return false;
   }
   if (!docrel_relation__is_many (r)) {
      return docrel_doc_set_related (doc, field, &other, 1, error);
   }
   slot = docrel_doc__slot (doc, r->index);
   if (!slot->loaded) {
      slot->loaded = true;
      slot->n = slot->n_base = 0;
   }
   if (!docrel_slot__holds (slot, other)) {
      docrel_slot__push (slot, other);
   }
   return true;
}

bool
docrel_doc_remove_related (docrel_doc_t *doc, const char *field, docrel_doc_t *other, bson_error_t *error)
{
   docrel_relation_t *r = docrel_graph__relation (doc, field, error);

   if (!r || !check_related (doc, r, other, error)) {
      return false;
   }
   if (doc->slots) {
      docrel_slot__remove (docrel_doc__slot (doc, r->index), other, false);
   }
   return true;
}
