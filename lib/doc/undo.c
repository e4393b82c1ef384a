/* SPDX-License-Identifier: Apache-2.0 */
/* undo.c: snapshots of documents taken before a graph call changes them. */
#include <string.h>

#include "model/model-private.h"
#include "doc/doc-private.h"

typedef struct {
   bool loaded;
   docrel_doc_t **docs;
   size_t n;
   docrel_doc_t **base;
   size_t n_base;
   docrel_payloads_t *payloads;
} slot_copy_t;

struct _docrel_undo_entry_t {
   docrel_doc_t *doc;
   bson_t *fields;
   bool saved;
   bool partial;
   bool in_doubt;
   bool moved;
   char **dirty;
   size_t n_dirty;
   slot_copy_t *slots; /* one per relation, or NULL */
   docrel_pending_t *pending;
   size_t n_pending;
};

static docrel_doc_t **
copy_list (docrel_doc_t *const *list, size_t n)
{
   docrel_doc_t **out = NULL;

   if (n) {
      out = bson_malloc (n * sizeof *out);
      memcpy (out, list, n * sizeof *out);
   }
   return out;
}

void
docrel_undo__init (docrel_undo_t *undo, docrel_session_t *session)
{
   memset (undo, 0, sizeof *undo);
   undo->session = session;
   undo->epoch = ++session->epoch;
}

void
docrel_undo__touch (docrel_undo_t *undo, docrel_doc_t *doc)
{
   docrel_undo_entry_t *e;
   size_t i;

   if (doc->undo_mark == undo->epoch) {
      return;
   }
   doc->undo_mark = undo->epoch;
   if (undo->n == undo->cap) {
      undo->cap = undo->cap ? undo->cap * 2 : 16;
      undo->entries = bson_realloc (undo->entries, undo->cap * sizeof *undo->entries);
   }
   e = &undo->entries[undo->n++];
   memset (e, 0, sizeof *e);
   e->doc = doc;
   e->fields = bson_copy (doc->fields);
   e->saved = doc->saved;
   e->partial = doc->partial;
   e->in_doubt = doc->in_doubt;
   e->moved = doc->moved;
   e->n_dirty = doc->n_dirty;
   e->dirty = doc->n_dirty ? bson_malloc (doc->n_dirty * sizeof *e->dirty) : NULL;
   for (i = 0; i < doc->n_dirty; i++) {
      e->dirty[i] = bson_strdup (doc->dirty[i]);
   }
   if (doc->slots) {
      e->slots = bson_malloc0 (doc->model->n_relations * sizeof *e->slots);
      for (i = 0; i < doc->model->n_relations; i++) {
         const docrel_slot_t *s = &doc->slots[i];
         e->slots[i].loaded = s->loaded;
         e->slots[i].docs = copy_list (s->docs, s->n);
         e->slots[i].n = s->n;
         e->slots[i].base = copy_list (s->base, s->n_base);
         e->slots[i].n_base = s->n_base;
         e->slots[i].payloads = docrel_payloads__copy (s->payloads);
      }
   }
   e->n_pending = doc->n_pending;
   e->pending = doc->n_pending ? bson_malloc (doc->n_pending * sizeof *e->pending) : NULL;
   for (i = 0; i < doc->n_pending; i++) {
      e->pending[i] = doc->pending[i];
      bson_value_copy (&doc->pending[i].key, &e->pending[i].key);
      e->pending[i].payload = doc->pending[i].payload ? bson_copy (doc->pending[i].payload) : NULL;
   }
}

/* Copies n documents of list into *dst (growing it to *cap). */
/* Slot lists come from the session's cache (slot.c), that of list[0]. */
static void
put_list (docrel_doc_t ***dst, size_t *n_dst, size_t *cap, docrel_doc_t *const *list, size_t n)
{
   if (*cap < n) {
      *dst = docrel_pool__realloc (&list[0]->session->cache, *dst, *cap * sizeof **dst, n * sizeof **dst);
      *cap = n;
   }
   if (n) {
      memcpy (*dst, list, n * sizeof *list);
   }
   *n_dst = n;
}

static void
restore_slot (docrel_slot_t *s, slot_copy_t *c)
{
   s->loaded = c->loaded;
   put_list (&s->docs, &s->n, &s->cap, c->docs, c->n);
   put_list (&s->base, &s->n_base, &s->cap_base, c->base, c->n_base);
   docrel_payloads__clear (s);
   s->payloads = c->payloads; /* taken over */
   c->payloads = NULL;
}

static void
entry_free (docrel_undo_entry_t *e, size_t n_relations)
{
   size_t i;

   bson_destroy (e->fields);
   for (i = 0; i < e->n_dirty; i++) {
      bson_free (e->dirty[i]);
   }
   bson_free (e->dirty);
   for (i = 0; e->slots && i < n_relations; i++) {
      bson_free (e->slots[i].docs);
      bson_free (e->slots[i].base);
      docrel_payloads__free (e->slots[i].payloads);
   }
   bson_free (e->slots);
   for (i = 0; i < e->n_pending; i++) {
      bson_value_destroy (&e->pending[i].key);
      if (e->pending[i].payload) {
         bson_destroy (e->pending[i].payload);
      }
   }
   bson_free (e->pending);
}

void
docrel_undo__restore (docrel_undo_t *undo)
{
   size_t i, k;

   for (i = undo->n; i-- > 0;) {
      docrel_undo_entry_t *e = &undo->entries[i];
      docrel_doc_t *doc = e->doc;

      docrel_doc__replace_fields (doc, e->fields);
      doc->saved = e->saved;
      doc->partial = e->partial;
      doc->in_doubt = e->in_doubt;
      doc->moved = e->moved;
      docrel_doc__remap (doc);
      for (k = 0; k < doc->n_dirty; k++) {
         bson_free (doc->dirty[k]);
      }
      bson_free (doc->dirty);
      doc->dirty = e->dirty;
      doc->n_dirty = doc->cap_dirty = e->n_dirty;
      e->dirty = NULL;
      e->n_dirty = 0;
      for (k = 0; doc->slots && k < doc->model->n_relations; k++) {
         if (e->slots) {
            restore_slot (&doc->slots[k], &e->slots[k]);
         } else {
            doc->slots[k].loaded = false;
            doc->slots[k].n = doc->slots[k].n_base = 0;
            docrel_payloads__clear (&doc->slots[k]);
         }
      }
      docrel_doc__clear_pending (doc);
      bson_free (doc->pending);
      doc->pending = e->pending;
      doc->n_pending = e->n_pending;
      e->pending = NULL;
      e->n_pending = 0;
      entry_free (e, doc->model->n_relations);
   }
   bson_free (undo->entries);
   undo->entries = NULL;
   undo->n = undo->cap = 0;
}

void
docrel_undo__forget (docrel_undo_t *undo)
{
   size_t i;

   for (i = 0; i < undo->n; i++) {
      entry_free (&undo->entries[i], undo->entries[i].doc->model->n_relations);
   }
   bson_free (undo->entries);
   undo->entries = NULL;
   undo->n = undo->cap = 0;
}
