/* SPDX-License-Identifier: Apache-2.0 */
/* payload.c: link payloads, the fields a hasAndBelongsToMany link document
 * holds beyond _id and its two keys, kept per related document in the
 * parent's slot (the same tag linked to two posts may carry two payloads),
 * and their public getter. */
#include <string.h>

#include "doc/doc-private.h"
#include "util/util-private.h"
#include "model/model-private.h"

docrel_payload_t *
docrel_payloads__get (const docrel_slot_t *slot, const docrel_doc_t *doc)
{
   void *at;

   if (!slot->payloads) {
      return NULL;
   }
   at = docrel_idmap__get (&slot->payloads->by_doc, NULL, (const uint8_t *) &doc, sizeof doc);
   return at ? &slot->payloads->entries[(uintptr_t) at - 1] : NULL;
}

/* Indexes entry i by its document. */
static void
index_entry (docrel_payloads_t *p, size_t i)
{
   docrel_doc_t *doc = p->entries[i].doc;

   docrel_idmap__put (&p->by_doc, NULL, (const uint8_t *) &doc, sizeof doc, (void *) (uintptr_t) (i + 1));
}

/* The entry of doc, added (with an empty payload) if missing. */
static docrel_payload_t *
entry_for (docrel_slot_t *slot, docrel_doc_t *doc)
{
   docrel_payload_t *e = docrel_payloads__get (slot, doc);
   docrel_payloads_t *p;

   if (e) {
      return e;
   }
   if (!slot->payloads) {
      slot->payloads = bson_malloc0 (sizeof *slot->payloads);
      docrel_idmap__init (&slot->payloads->by_doc);
   }
   p = slot->payloads;
   p->entries = bson_realloc (p->entries, (p->n + 1) * sizeof *p->entries);
   e = &p->entries[p->n++];
   e->doc = doc;
   e->payload = bson_new ();
   e->set = NULL;
   index_entry (p, p->n - 1);
   return e;
}

void
docrel_payloads__load (docrel_slot_t *slot, docrel_doc_t *doc, const bson_t *payload)
{
   docrel_payload_t *e = entry_for (slot, doc);

   bson_reinit (e->payload);
   bson_concat (e->payload, payload);
   if (e->set) {
      bson_destroy (e->set);
      e->set = NULL;
   }
}

void
docrel_payloads__name (docrel_slot_t *slot, const char *render_as)
{
   if (!slot->payloads) {
      slot->payloads = bson_malloc0 (sizeof *slot->payloads);
      docrel_idmap__init (&slot->payloads->by_doc);
   }
   bson_free (slot->payloads->render_as);
   slot->payloads->render_as = bson_strdup (render_as);
}

/* *target with fields put in: each replaces the field of its name. */
static void
merge_into (bson_t **target, const bson_t *fields)
{
   bson_t *merged = bson_new ();
   bson_iter_t iter;

   if (*target && bson_iter_init (&iter, *target)) {
      while (bson_iter_next (&iter)) {
         if (!bson_has_field (fields, bson_iter_key (&iter))) {
            bson_append_iter (merged, NULL, 0, &iter);
         }
      }
   }
   bson_concat (merged, fields);
   if (*target) {
      bson_destroy (*target);
   }
   *target = merged;
}

void
docrel_payloads__set (docrel_slot_t *slot, docrel_doc_t *doc, const bson_t *fields)
{
   docrel_payload_t *e = entry_for (slot, doc);

   merge_into (&e->payload, fields);
   merge_into (&e->set, fields);
}

void
docrel_payloads__free (docrel_payloads_t *p)
{
   size_t i;

   if (!p) {
      return;
   }
   for (i = 0; i < p->n; i++) {
      bson_destroy (p->entries[i].payload);
      if (p->entries[i].set) {
         bson_destroy (p->entries[i].set);
      }
   }
   bson_free (p->entries);
   bson_free (p->render_as);
   docrel_idmap__destroy (&p->by_doc);
   bson_free (p);
}

void
docrel_payloads__clear (docrel_slot_t *slot)
{
   docrel_payloads__free (slot->payloads);
   slot->payloads = NULL;
}

void
docrel_payloads__settle (docrel_slot_t *slot)
{
   docrel_payloads_t *p = slot->payloads;
   size_t i, kept = 0;

   for (i = 0; p && i < p->n; i++) {
      docrel_payload_t e = p->entries[i];
      if (e.set) {
         bson_destroy (e.set);
         e.set = NULL;
      }
      if (!docrel_slot__holds (slot, e.doc)) {
         bson_destroy (e.payload);
         continue;
      }
      p->entries[kept++] = e;
   }
   if (p) {
      p->n = kept;
      docrel_idmap__destroy (&p->by_doc); /* entries moved: index them again */
      for (i = 0; i < kept; i++) {
         index_entry (p, i);
      }
   }
}

docrel_payloads_t *
docrel_payloads__copy (const docrel_payloads_t *p)
{
   docrel_payloads_t *out;
   size_t i;

   if (!p) {
      return NULL;
   }
   out = bson_malloc0 (sizeof *out);
   docrel_idmap__init (&out->by_doc);
   out->render_as = p->render_as ? bson_strdup (p->render_as) : NULL;
   out->n = p->n;
   out->entries = p->n ? bson_malloc (p->n * sizeof *out->entries) : NULL;
   for (i = 0; i < p->n; i++) {
      out->entries[i].doc = p->entries[i].doc;
      out->entries[i].payload = bson_copy (p->entries[i].payload);
      out->entries[i].set = p->entries[i].set ? bson_copy (p->entries[i].set) : NULL;
      index_entry (out, i);
   }
   return out;
}

void
docrel_payloads__render (const docrel_slot_t *slot, const docrel_doc_t *doc, bson_t *item)
{
   const docrel_payload_t *e;
   bson_t empty = BSON_INITIALIZER;

   if (!slot->payloads || !slot->payloads->render_as || bson_has_field (item, slot->payloads->render_as)) {
      return;
   }
   e = docrel_payloads__get (slot, doc);
   BSON_APPEND_DOCUMENT (item, slot->payloads->render_as, e ? e->payload : &empty);
   bson_destroy (&empty);
}

static bool
refuse (const char *call, const docrel_relation_t *r, const char *key, const char *why, bson_error_t *error)
{
   return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_BAD_OPTION,
                             "model '%s': %s '%s': payload field '%s' %s", r->model->name, call, r->field, key, why);
}

bool
docrel_payload__check (const char *call, const docrel_relation_t *r, const bson_t *payload, bson_error_t *error)
{
   bson_iter_t iter;
   size_t i;

   if (r->kind != DOCREL_HAS_AND_BELONGS_TO_MANY) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_BAD_OPTION,
                                "model '%s': %s '%s': a payload is only for hasAndBelongsToMany relations (their "
                                "link documents)",
                                r->model->name, call, r->field);
   }
   if (!bson_iter_init (&iter, payload)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_BAD_OPTION,
                                "model '%s': %s '%s': the payload is corrupt BSON", r->model->name, call, r->field);
   }
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      if (strcmp (key, "_id") == 0) {
         return refuse (call, r, key, "cannot be set: the link's _id is its own", error);
      }
      if (key[0] == '\0' || key[0] == '$' || strchr (key, '.')) {
         return refuse (call, r, key, "must be a plain field name (not empty, no leading '$', no '.')", error);
      }
      for (i = 0; i < r->n_keys; i++) {
         if (strcmp (key, r->link_left[i]) == 0 || strcmp (key, r->link_right[i]) == 0) {
            return refuse (call, r, key, "cannot be set: it is one of the link's key fields", error);
         }
      }
   }
   return true;
}

const bson_t *
docrel_doc_link_payload (const docrel_doc_t *doc, const char *field, const docrel_doc_t *other)
{
   const docrel_relation_t *r = doc && field && other ? docrel_model_relation (doc->model, field) : NULL;
   const docrel_slot_t *slot;
   const docrel_payload_t *e;

   if (!r || r->kind != DOCREL_HAS_AND_BELONGS_TO_MANY || !doc->slots) {
      return NULL;
   }
   slot = &doc->slots[r->index];
   if (!slot->loaded || !docrel_slot__holds (slot, other)) {
      return NULL;
   }
   e = docrel_payloads__get (slot, other);
   return e ? e->payload : NULL;
}
