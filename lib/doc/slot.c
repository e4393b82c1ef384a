/* SPDX-License-Identifier: Apache-2.0 */
/* slot.c: relation slots, the related documents a document holds once a
 * relation is loaded, and their public accessors and rendering (Thinky's
 * joined shape: a document for hasOne / belongsTo, an array for hasMany /
 * hasAndBelongsToMany). Slots point at documents of the same session, which
 * outlive them: the session frees all its documents at once. */
#include <string.h>

#include "doc/doc-private.h"
#include "util/util-private.h"
#include "model/model-private.h"

static size_t
slots_size (const docrel_doc_t *doc)
{
   return (doc->model->n_relations ? doc->model->n_relations : 1) * sizeof *doc->slots;
}

docrel_slot_t *
docrel_doc__slot (docrel_doc_t *doc, size_t index)
{
   if (!doc->slots) {
      doc->slots = docrel_pool__alloc0 (&doc->session->cache, slots_size (doc));
   }
   return &doc->slots[index];
}

docrel_slot_t *
docrel_doc__reset_slot (docrel_doc_t *doc, size_t index)
{
   docrel_slot_t *slot = docrel_doc__slot (doc, index);

   slot->n = 0;
   slot->n_base = 0;
   slot->loaded = true;
   docrel_payloads__clear (slot);
   docrel_session__journal (doc->session, doc);
   return slot;
}

/* A slot's lists come from its session's cache, which is that of every
 * document they hold. */
static void
list_push (docrel_doc_t ***list, size_t *n, size_t *cap, docrel_doc_t *doc)
{
   if (*n == *cap) {
      size_t grown = *cap ? *cap * 2 : 4;
      *list = docrel_pool__realloc (&doc->session->cache, *list, *cap * sizeof **list, grown * sizeof **list);
      *cap = grown;
   }
   (*list)[(*n)++] = doc;
}

static bool
list_remove (docrel_doc_t **list, size_t *n, const docrel_doc_t *doc)
{
   size_t i;

   for (i = 0; i < *n; i++) {
      if (list[i] == doc) {
         memmove (&list[i], &list[i + 1], (*n - i - 1) * sizeof *list);
         (*n)--;
         return true;
      }
   }
   return false;
}

void
docrel_slot__append (docrel_slot_t *slot, docrel_doc_t *doc)
{
   list_push (&slot->docs, &slot->n, &slot->cap, doc);
   list_push (&slot->base, &slot->n_base, &slot->cap_base, doc);
   doc->in_slot = true;
}

void
docrel_slot__push (docrel_slot_t *slot, docrel_doc_t *doc)
{
   list_push (&slot->docs, &slot->n, &slot->cap, doc);
   doc->in_slot = true;
}

bool
docrel_slot__remove (docrel_slot_t *slot, docrel_doc_t *doc, bool base)
{
   bool found = list_remove (slot->docs, &slot->n, doc);

   if (base) {
      list_remove (slot->base, &slot->n_base, doc);
   }
   return found;
}

static bool
list_holds (docrel_doc_t *const *list, size_t n, const docrel_doc_t *doc)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (list[i] == doc) {
         return true;
      }
   }
   return false;
}

bool
docrel_slot__holds (const docrel_slot_t *slot, const docrel_doc_t *doc)
{
   return list_holds (slot->docs, slot->n, doc);
}

bool
docrel_slot__base_holds (const docrel_slot_t *slot, const docrel_doc_t *doc)
{
   return list_holds (slot->base, slot->n_base, doc);
}

void
docrel_slot__settle (docrel_slot_t *slot)
{
   if (slot->cap_base < slot->n) {
      slot->base = docrel_pool__realloc (&slot->docs[0]->session->cache, slot->base,
                                         slot->cap_base * sizeof *slot->base, slot->n * sizeof *slot->base);
      slot->cap_base = slot->n;
   }
   if (slot->n) {
      memcpy (slot->base, slot->docs, slot->n * sizeof *slot->docs);
   }
   slot->n_base = slot->n;
   docrel_payloads__settle (slot);
}

void
docrel_doc__free_slots (docrel_doc_t *doc)
{
   size_t i;

   if (!doc->slots) {
      return;
   }
   for (i = 0; i < doc->model->n_relations; i++) {
      docrel_slot_t *s = &doc->slots[i];
      docrel_pool__free (&doc->session->cache, s->docs, s->cap * sizeof *s->docs);
      docrel_pool__free (&doc->session->cache, s->base, s->cap_base * sizeof *s->base);
      docrel_payloads__clear (s);
   }
   docrel_pool__free (&doc->session->cache, doc->slots, slots_size (doc));
   doc->slots = NULL;
}

static const docrel_slot_t *
find_slot (const docrel_doc_t *doc, const char *field)
{
   const docrel_relation_t *relation;

   if (!doc || !field || !doc->slots) {
      return NULL;
   }
   relation = docrel_model_relation (doc->model, field);
   if (!relation || !doc->slots[relation->index].loaded) {
      return NULL;
   }
   return &doc->slots[relation->index];
}

bool
docrel_doc_is_loaded (const docrel_doc_t *doc, const char *field)
{
   return find_slot (doc, field) != NULL;
}

bool
docrel_doc_related (const docrel_doc_t *doc, const char *field, docrel_doc_t *const **out, size_t *n)
{
   const docrel_slot_t *slot = find_slot (doc, field);

   if (out) {
      *out = slot ? slot->docs : NULL;
   }
   if (n) {
      *n = slot ? slot->n : 0;
   }
   return slot != NULL;
}

docrel_doc_t *
docrel_doc_related_one (const docrel_doc_t *doc, const char *field)
{
   const docrel_slot_t *slot = find_slot (doc, field);
   return slot && slot->n > 0 ? slot->docs[0] : NULL;
}

/* The documents being rendered, outermost first: a document met again
 * below itself (a back-reference loaded both ways) is rendered with its own
 * fields only, so a cyclic graph renders finitely. */
typedef struct {
   const docrel_doc_t *docs[64];
   size_t n;
} render_path_t;

static void render (const docrel_doc_t *doc, render_path_t *path, bson_t *out);

static void
render_slots (const docrel_doc_t *doc, render_path_t *path, bson_t *out)
{
   size_t i, k;

   for (i = 0; doc->slots && i < doc->model->n_relations; i++) {
      const docrel_relation_t *relation = doc->model->relations[i];
      const docrel_slot_t *slot = &doc->slots[i];
      bson_t child;

      if (!slot->loaded) {
         continue;
      }
      if (docrel_relation__is_many (relation)) {
         bson_append_array_begin (out, relation->field, -1, &child);
         for (k = 0; k < slot->n; k++) {
            char numkey[16];
            const char *key;
            bson_t item;
            bson_uint32_to_string ((uint32_t) k, &key, numkey, sizeof numkey);
            bson_append_document_begin (&child, key, -1, &item);
            render (slot->docs[k], path, &item);
            docrel_payloads__render (slot, slot->docs[k], &item);
            bson_append_document_end (&child, &item);
         }
         bson_append_array_end (out, &child);
      } else if (slot->n == 0) {
         bson_append_null (out, relation->field, -1);
      } else {
         bson_append_document_begin (out, relation->field, -1, &child);
         render (slot->docs[0], path, &child);
         bson_append_document_end (out, &child);
      }
   }
}

static void
render (const docrel_doc_t *doc, render_path_t *path, bson_t *out)
{
   size_t i;
   bool on_path = false;

   bson_concat (out, doc->fields);
   for (i = 0; i < path->n; i++) {
      on_path = on_path || path->docs[i] == doc;
   }
   if (on_path || path->n == sizeof path->docs / sizeof path->docs[0]) {
      return;
   }
   path->docs[path->n++] = doc;
   render_slots (doc, path, out);
   docrel_doc__render_counts (doc, out); /* count.c */
   path->n--;
}

bool
docrel_doc_to_bson (const docrel_doc_t *doc, bool with_joins, bson_t *out, bson_error_t *error)
{
   render_path_t path;

   bson_init (out);
   if (!doc) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "doc must not be NULL");
   }
   if (!with_joins) {
      bson_concat (out, doc->fields);
      return true;
   }
   path.n = 0;
   render (doc, &path, out);
   return true;
}
