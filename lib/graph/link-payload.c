/* SPDX-License-Identifier: Apache-2.0 */
/* link-payload.c: the payloads of hasAndBelongsToMany links as the graph
 * calls take them: the "payload" option of docrel_link / docrel_link_key,
 * and docrel_doc_add_related_with_payload, the slot edit that carries one.
 * The payloads themselves live in the parent's slot (doc/payload.c) or in
 * a deferred link change; save-links.c writes them. */
#include <string.h>

#include "docrel/docrel-graph.h"
#include "util/util-private.h"
#include "graph/graph-private.h"
#include "model/model-private.h"
#include "store/store-private.h"

bool
docrel_graph__split_payload (const char *call,
                             const docrel_relation_t *r,
                             const bson_t *opts,
                             bson_t *rest,
                             bson_t **payload,
                             bson_error_t *error)
{
   bson_iter_t iter;
   bson_t view;
   uint32_t len;
   const uint8_t *data;

   bson_init (rest);
   *payload = NULL;
   if (!opts || !bson_iter_init_find (&iter, opts, "payload")) {
      if (opts) {
         bson_concat (rest, opts);
      }
      return true;
   }
   if (!BSON_ITER_HOLDS_DOCUMENT (&iter)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "model '%s': %s '%s': option 'payload': expected a document", r->model->name, call,
                                r->field);
   }
   bson_iter_document (&iter, &len, &data);
   if (!bson_init_static (&view, data, len)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "model '%s': %s '%s': option 'payload': corrupt BSON", r->model->name, call, r->field);
   }
   if (!docrel_payload__check (call, r, &view, error)) {
      return false;
   }
   bson_copy_to_excluding_noinit (opts, rest, "payload", NULL);
   *payload = bson_copy (&view);
   return true;
}

bool
docrel_doc_add_related_with_payload (docrel_doc_t *doc,
                                     const char *field,
                                     docrel_doc_t *other,
                                     const bson_t *payload,
                                     bson_error_t *error)
{
   docrel_relation_t *r = docrel_graph__relation (doc, field, error);

   if (!r) {
      return false;
   }
   if (!payload) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "model '%s': add_related_with_payload '%s': payload must not be NULL", doc->model->name,
                                field);
   }
   if (!docrel_payload__check ("add_related_with_payload", r, payload, error) ||
       !docrel_doc_add_related (doc, field, other, error)) {
      return false;
   }
   if (!bson_empty (payload)) {
      docrel_payloads__set (docrel_doc__slot (doc, r->index), other, payload);
   }
   return true;
}

void
docrel_graph__describe_link_update (const bson_t *payload, bson_t *out)
{
   bson_iter_t iter, sub;

   if (bson_iter_init_find (&iter, payload, "keys") && bson_iter_recurse (&iter, &sub)) {
      while (bson_iter_next (&sub)) {
         bson_append_iter (out, NULL, 0, &sub);
      }
   }
   if (bson_iter_init_find (&iter, payload, "$set") && bson_iter_recurse (&iter, &sub)) {
      while (bson_iter_next (&sub)) {
         bson_append_iter (out, NULL, 0, &sub);
      }
   }
}

bool
docrel_graph__send_link_updates (docrel_store_t *store, const docrel_step_t *s, bson_error_t *error)
{
   docrel_update_t *updates = bson_malloc0 ((s->n + 1) * sizeof *updates);
   bson_value_t *ids = bson_malloc0 ((s->n + 1) * sizeof *ids); /* an iter's value lives in the iter */
   bson_t **sets = bson_malloc0 ((s->n + 1) * sizeof *sets);    /* bson_t must not sit in a plain array */
   size_t k;
   bool ok;

   for (k = 0; k < s->n; k++) {
      bson_iter_t iter;
      sets[k] = bson_new ();
      if (bson_iter_init_find (&iter, s->payloads[k], "$set")) {
         bson_append_iter (sets[k], NULL, 0, &iter);
      }
      if (bson_iter_init_find (&iter, s->payloads[k], "_id")) {
         ids[k] = *bson_iter_value (&iter); /* borrowed from the payload */
      }
      updates[k].id = &ids[k];
      updates[k].update = sets[k];
   }
   ok = docrel_store__update_many (store, s->model->collection, updates, s->n, NULL, error);
   for (k = 0; k < s->n; k++) {
      bson_destroy (sets[k]);
   }
   bson_free (sets);
   bson_free (ids);
   bson_free (updates);
   return ok;
}
